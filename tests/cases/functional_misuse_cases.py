"""Misuses of the functional transforms (vjp, jvp, jacrev, jacfwd, grad, value_and_grad), as cases.

Each ``case(ms)`` makes one mistake with ``ms`` the ``mindspore`` or the ``mini_autograd`` package; it
raises, or returns when the package accepts the call. record_functional_misuse.py ran them under
MindSpore 2.10 (both modes); test_functional_conventions.py runs them here against that record.
CASES maps a case's name to (the argument the message must name, the case).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

X3 = [0.5, 1.0, 2.0]
Y3 = [1.5, -2.0, 0.25]


def t(ms: Any, v: Any, dt: str = "float32") -> Any:
    return ms.Tensor(np.array(v, dtype=dt))


def cube(x):
    return x ** 3


def mul(x, y):
    return x * x * y


def two_out(x, y):
    return x * y, x + y


def nested_out(x, y):
    return (x * y, x + y), x - y


def returns_number(x):
    return 3.0


def one_tuple(x):
    return (x * 2,)


def _vjp_fn(ms: Any, fn: Any = cube, n: int = 1) -> Any:
    return ms.vjp(fn, *[t(ms, X3), t(ms, Y3)][:n])[1]


CASES: dict[str, tuple[str, Callable[[Any], Any]]] = {}


def case(arg: str) -> Callable:
    def register(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        CASES[f.__name__] = (arg, f)
        return f
    return register


# -- vjp ------------------------------------------------------------------------------------------

@case("fn")
def vjp_fn_not_callable(ms):
    ms.vjp(3, t(ms, X3))


@case("inputs")
def vjp_input_a_number(ms):
    ms.vjp(cube, 2.0)


@case("inputs")
def vjp_input_a_numpy_array(ms):
    ms.vjp(cube, np.array(X3, np.float32))


@case("has_aux")
def vjp_has_aux_not_bool(ms):
    ms.vjp(two_out, t(ms, X3), t(ms, Y3), has_aux=1)


@case("has_aux")
def vjp_has_aux_one_output(ms):
    ms.vjp(cube, t(ms, X3), has_aux=True)


@case("weights")
def vjp_weights_a_tensor(ms):
    ms.vjp(cube, t(ms, X3), weights=t(ms, X3))[1](t(ms, X3))


@case("v")
def vjp_v_a_number(ms):
    _vjp_fn(ms)(1.0)


@case("v")
def vjp_v_a_numpy_array(ms):
    _vjp_fn(ms)(np.ones(3, np.float32))


@case("v")
def vjp_v_missing(ms):
    _vjp_fn(ms)()


@case("v")
def vjp_v_wrong_shape(ms):
    _vjp_fn(ms)(t(ms, [1.0, 2.0]))


@case("v")
def vjp_v_float64_for_float32(ms):
    _vjp_fn(ms)(t(ms, [1.0, 1.0, 1.0], "float64"))


@case("v")
def vjp_v_int32_for_float32(ms):
    _vjp_fn(ms)(t(ms, [1, 1, 1], "int32"))


@case("v")
def vjp_v_float16_for_float32(ms):
    _vjp_fn(ms)(t(ms, [1.0, 1.0, 1.0], "float16"))


@case("v")
def vjp_v_two_for_one_output(ms):
    _vjp_fn(ms)(t(ms, X3), t(ms, X3))


@case("v")
def vjp_v_one_for_two_outputs(ms):
    _vjp_fn(ms, two_out, 2)(t(ms, X3))


@case("v")
def vjp_v_tuple_of_one_for_two_outputs(ms):
    _vjp_fn(ms, two_out, 2)((t(ms, X3),))


@case("v")
def vjp_v_tuple_of_three_for_two_outputs(ms):
    _vjp_fn(ms, two_out, 2)((t(ms, X3), t(ms, X3), t(ms, X3)))


@case("v")
def vjp_v_three_for_two_outputs(ms):
    _vjp_fn(ms, two_out, 2)(t(ms, X3), t(ms, X3), t(ms, X3))


@case("v")
def vjp_v_second_wrong_shape(ms):
    _vjp_fn(ms, two_out, 2)((t(ms, X3), t(ms, [1.0, 2.0])))


@case("v")
def vjp_v_second_float64(ms):
    _vjp_fn(ms, two_out, 2)((t(ms, X3), t(ms, X3, "float64")))


@case("v")
def vjp_v_second_a_number(ms):
    _vjp_fn(ms, two_out, 2)((t(ms, X3), 1.0))


@case("v")
def vjp_v_flat_for_nested_outputs(ms):
    _vjp_fn(ms, nested_out, 2)((t(ms, X3), t(ms, X3), t(ms, X3)))


@case("fn")
def vjp_fn_returns_a_number(ms):
    _vjp_fn(ms, returns_number)(t(ms, X3))


@case("inputs")
def vjp_int32_input(ms):
    ms.vjp(cube, t(ms, [1, 2, 3], "int32"))[1](t(ms, [1, 1, 1], "int32"))


# -- accepted forms of the cotangent (they return) ---------------------------------------------------

@case("v")
def vjp_v_one_tuple_for_two_outputs(ms):
    return _vjp_fn(ms, two_out, 2)((t(ms, X3), t(ms, X3)))


@case("v")
def vjp_v_one_list_for_two_outputs(ms):
    return _vjp_fn(ms, two_out, 2)([t(ms, X3), t(ms, X3)])


@case("v")
def vjp_v_two_positional_for_two_outputs(ms):
    return _vjp_fn(ms, two_out, 2)(t(ms, X3), t(ms, X3))


@case("v")
def vjp_v_nested_for_nested_outputs(ms):
    return _vjp_fn(ms, nested_out, 2)(((t(ms, X3), t(ms, X3)), t(ms, X3)))


@case("v")
def vjp_v_tuple_of_one_for_one_output(ms):
    return _vjp_fn(ms)((t(ms, X3),))


# -- jvp ------------------------------------------------------------------------------------------

@case("fn")
def jvp_fn_not_callable(ms):
    ms.jvp(3, t(ms, X3), t(ms, X3))


@case("inputs")
def jvp_inputs_a_number(ms):
    ms.jvp(cube, 3.0, t(ms, X3))


@case("v")
def jvp_v_a_number(ms):
    ms.jvp(cube, t(ms, X3), 1.0)


@case("v")
def jvp_v_a_numpy_array(ms):
    ms.jvp(cube, t(ms, X3), np.ones(3, np.float32))


@case("has_aux")
def jvp_has_aux_not_bool(ms):
    ms.jvp(two_out, (t(ms, X3), t(ms, Y3)), (t(ms, X3), t(ms, X3)), has_aux="yes")


@case("has_aux")
def jvp_has_aux_one_output(ms):
    ms.jvp(cube, t(ms, X3), t(ms, X3), has_aux=True)


@case("v")
def jvp_v_fewer_than_inputs(ms):
    ms.jvp(mul, (t(ms, X3), t(ms, Y3)), (t(ms, X3),))


@case("v")
def jvp_v_more_than_inputs(ms):
    ms.jvp(cube, t(ms, X3), (t(ms, X3), t(ms, X3)))


@case("v")
def jvp_v_tensor_for_two_inputs(ms):
    ms.jvp(mul, (t(ms, X3), t(ms, Y3)), t(ms, X3))


@case("v")
def jvp_v_wrong_shape(ms):
    ms.jvp(cube, t(ms, X3), t(ms, [1.0, 2.0]))


@case("v")
def jvp_v_float64_for_float32(ms):
    ms.jvp(cube, t(ms, X3), t(ms, [1.0, 1.0, 1.0], "float64"))


@case("v")
def jvp_v_int32_for_float32(ms):
    ms.jvp(cube, t(ms, X3), t(ms, [1, 1, 1], "int32"))


@case("v")
def jvp_v_second_float64(ms):
    ms.jvp(mul, (t(ms, X3), t(ms, Y3)), (t(ms, X3), t(ms, Y3, "float64")))


@case("inputs")
def jvp_int32_input(ms):
    ms.jvp(cube, t(ms, [1, 2, 3], "int32"), t(ms, [1, 1, 1], "int32"))


@case("fn")
def jvp_fn_returns_a_number(ms):
    ms.jvp(returns_number, t(ms, X3), t(ms, X3))


# -- jacrev and jacfwd ----------------------------------------------------------------------------

def _both(name: str, arg: str, call: Callable[[Any, Any], Any]) -> None:
    for jac in ("jacrev", "jacfwd"):
        CASES[f"{jac}_{name}"] = (arg, lambda ms, jac=jac: call(ms, getattr(ms, jac)))


_both("fn_not_callable", "fn", lambda ms, jac: jac(3)(t(ms, X3)))
_both("fn_a_tensor", "fn", lambda ms, jac: jac(t(ms, X3))(t(ms, X3)))
_both("int32_input", "inputs", lambda ms, jac: jac(cube)(t(ms, [1, 2, 3], "int32")))
_both("input_a_number", "inputs", lambda ms, jac: jac(cube)(2.0))
_both("position_a_float", "grad_position", lambda ms, jac: jac(cube, 1.0)(t(ms, X3)))
_both("position_a_list", "grad_position", lambda ms, jac: jac(mul, [0, 1])(t(ms, X3), t(ms, Y3)))
_both("position_negative", "grad_position", lambda ms, jac: jac(cube, -1)(t(ms, X3)))
_both("position_duplicate", "grad_position", lambda ms, jac: jac(mul, (0, 0))(t(ms, X3), t(ms, Y3)))
_both("position_out_of_range", "grad_position", lambda ms, jac: jac(cube, 1)(t(ms, X3)))
_both("position_empty", "grad_position", lambda ms, jac: jac(cube, ())(t(ms, X3)))
_both("position_none", "grad_position", lambda ms, jac: jac(cube, None)(t(ms, X3)))
_both("has_aux_not_bool", "has_aux", lambda ms, jac: jac(two_out, 0, 1)(t(ms, X3), t(ms, Y3)))
_both("has_aux_one_output", "has_aux", lambda ms, jac: jac(cube, 0, True)(t(ms, X3)))
_both("fn_returns_a_number", "fn", lambda ms, jac: jac(returns_number)(t(ms, X3)))


# -- grad and value_and_grad ----------------------------------------------------------------------

def _grads(name: str, arg: str, call: Callable[[Any, Any], Any]) -> None:
    for g in ("grad", "value_and_grad"):
        CASES[f"{g}_{name}"] = (arg, lambda ms, g=g: call(ms, getattr(ms, g)))


_grads("fn_not_callable", "fn", lambda ms, g: g(3)(t(ms, X3)))
_grads("position_a_float", "grad_position", lambda ms, g: g(mul, 1.0)(t(ms, X3), t(ms, Y3)))
_grads("position_a_list", "grad_position", lambda ms, g: g(mul, [0, 1])(t(ms, X3), t(ms, Y3)))
_grads("position_a_float_in_tuple", "grad_position", lambda ms, g: g(mul, (0, 1.0))(t(ms, X3), t(ms, Y3)))
_grads("position_negative", "grad_position", lambda ms, g: g(mul, -1)(t(ms, X3), t(ms, Y3)))
_grads("position_negative_in_tuple", "grad_position", lambda ms, g: g(mul, (0, -1))(t(ms, X3), t(ms, Y3)))
_grads("position_duplicate", "grad_position", lambda ms, g: g(mul, (1, 1))(t(ms, X3), t(ms, Y3)))
_grads("position_out_of_range", "grad_position", lambda ms, g: g(mul, 2)(t(ms, X3), t(ms, Y3)))
_grads("position_out_of_range_in_tuple", "grad_position", lambda ms, g: g(mul, (0, 2))(t(ms, X3), t(ms, Y3)))
_grads("position_empty", "grad_position", lambda ms, g: g(mul, ())(t(ms, X3), t(ms, Y3)))
_grads("position_and_weights_none", "grad_position", lambda ms, g: g(mul, None, None)(t(ms, X3), t(ms, Y3)))
_grads("weights_a_tensor", "weights", lambda ms, g: g(cube, 0, t(ms, X3))(t(ms, X3)))
_grads("has_aux_not_bool", "has_aux", lambda ms, g: g(two_out, has_aux=1)(t(ms, X3), t(ms, Y3)))
_grads("has_aux_one_output", "has_aux", lambda ms, g: g(cube, has_aux=True)(t(ms, X3)))
_grads("return_ids_not_bool", "return_ids", lambda ms, g: g(cube, return_ids="no")(t(ms, X3)))
_grads("sens_wrong_shape", "sens", lambda ms, g: g(cube, sens_param=True)(t(ms, X3), t(ms, [1.0, 2.0])))
_grads("sens_float64", "sens", lambda ms, g: g(cube, sens_param=True)(t(ms, X3), t(ms, X3, "float64")))
_grads("sens_a_number", "sens", lambda ms, g: g(cube, sens_param=True)(t(ms, X3), 1.0))
_grads("int32_input", "inputs", lambda ms, g: g(cube)(t(ms, [1, 2, 3], "int32")))
_grads("fn_returns_a_number", "fn", lambda ms, g: g(returns_number)(t(ms, X3)))


def _outer(ms: Any, inner_position: Any) -> Any:
    """grad of a function whose inner grad asks for position(s) of a call given one input."""
    def inner(x):
        return x ** 3

    def outer(x):
        return ms.grad(inner, inner_position)(x)
    return ms.grad(outer)(t(ms, X3))


@case("grad_position")
def nested_grad_position_out_of_range(ms):
    _outer(ms, 1)


@case("grad_position")
def nested_grad_position_out_of_range_in_tuple(ms):
    _outer(ms, (0, 1))


@case("grad_position")
def nested_grad_position_negative(ms):
    _outer(ms, -1)


# -- more: a bool position, sensitivities of the wrong count, has_aux's cotangent, get_grad -------------

_grads("position_a_bool", "grad_position", lambda ms, g: g(mul, True)(t(ms, X3), t(ms, Y3)))
_grads("sens_one_for_two_outputs", "sens",
       lambda ms, g: g(two_out, sens_param=True)(t(ms, X3), t(ms, Y3), t(ms, X3)))
_grads("sens_three_for_two_outputs", "sens",
       lambda ms, g: g(two_out, sens_param=True)(t(ms, X3), t(ms, Y3), (t(ms, X3), t(ms, X3), t(ms, X3))))


@case("v")
def vjp_has_aux_v_for_every_output(ms):
    ms.vjp(two_out, t(ms, X3), t(ms, Y3), has_aux=True)[1]((t(ms, X3), t(ms, X3)))


@case("identifier")
def get_grad_identifier_a_float(ms):
    grads = ms.grad(mul, (0, 1), return_ids=True)(t(ms, X3), t(ms, Y3))
    ms.get_grad(grads, 1.0)


@case("has_aux")
def vjp_has_aux_a_one_tuple(ms):
    ms.vjp(one_tuple, t(ms, X3), has_aux=True)


@case("has_aux")
def jvp_has_aux_a_one_tuple(ms):
    ms.jvp(one_tuple, t(ms, X3), t(ms, X3), has_aux=True)


@case("v")
def jvp_inputs_a_list_v_a_tuple(ms):
    return ms.jvp(mul, [t(ms, X3), t(ms, Y3)], (t(ms, X3), t(ms, Y3)))


_grads("has_aux_a_one_tuple", "has_aux", lambda ms, g: g(one_tuple, has_aux=True)(t(ms, X3)))
_grads("no_inputs", "x", lambda ms, g: g(cube)())
_both("has_aux_a_one_tuple", "has_aux", lambda ms, jac: jac(one_tuple, has_aux=True)(t(ms, X3)))


@case("v")
def vjp_v_by_keyword(ms):
    _vjp_fn(ms)(v=t(ms, X3))


_grads("too_many_inputs", "fn", lambda ms, g: g(cube)(t(ms, X3), t(ms, Y3)))
_both("too_many_inputs", "fn", lambda ms, jac: jac(cube)(t(ms, X3), t(ms, Y3)))
_grads("sens_by_keyword_without_sens_param", "sens", lambda ms, g: g(cube)(t(ms, X3), sens=t(ms, X3)))
