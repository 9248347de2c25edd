"""MindSpore's conventions for vjp and the functional transforms (issue 19), checked against recorded data.

1. Misuse: every case of functional_misuse_cases.py runs here in PYNATIVE_MODE and GRAPH_MODE and must
   raise the exception type MindSpore 2.10.0 CPU raised (MISUSE_RECORDED, printed by
   record_functional_misuse.py), with a message that names the argument; where MindSpore's two modes
   answer differently, ours is one of its answers, the same in both modes (WHERE_MODES_DIFFER); where
   MindSpore is wrong, ours is pinned in DEPARTURES with the reason (README's table of departures).
2. vjp_fn's cotangent has the outputs' structure: one tuple or list, nested as they are, or one
   positional argument per output (values derived by hand).
3. vjp runs the forward pass once: vjp_fn sweeps back through it (FORWARD_RUNS is MindSpore's count).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import mini_autograd
from mini_autograd import Tensor, context, nn
from tests.cases.functional_misuse_cases import CASES

MODES = ("PYNATIVE", "GRAPH")

# recorded from MindSpore 2.10.0 CPU by tests/support/record_functional_misuse.py
MISUSE_RECORDED = {  # case: (PYNATIVE_MODE, GRAPH_MODE)
    'vjp_fn_not_callable': ('TypeError', 'TypeError'),  # The fn should be callable, but got int | 'int' object is not
    'vjp_input_a_number': ('TypeError', 'TypeError'),  # The inputs type must be Tensor.
    'vjp_input_a_numpy_array': ('TypeError', 'TypeError'),  # The inputs type must be Tensor.
    'vjp_has_aux_not_bool': ('TypeError', 'TypeError'),  # The 'has_aux' must be bool type.
    'vjp_has_aux_one_output': ('ValueError', 'ValueError'),  # When 'has_aux' is True, origin 'fn' requires more than
    'vjp_weights_a_tensor': ('returns', 'RuntimeError'),  #  | The pointer[eval_result] is null.
    'vjp_v_a_number': ('TypeError', 'TypeError'),  # The inputs type must be Tensor.
    'vjp_v_a_numpy_array': ('TypeError', 'TypeError'),  # The inputs type must be Tensor.
    'vjp_v_missing': ('RuntimeError', 'TypeError'),  # Failure info [Can not find top cell for backward, please check
    'vjp_v_wrong_shape': ('ValueError', 'ValueError'),  # The shape should be [const vector]{3}, but got [const vector
    'vjp_v_float64_for_float32': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Float64, , sens g
    'vjp_v_int32_for_float32': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Int32, , sens gradi
    'vjp_v_float16_for_float32': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Float16, , sens g
    'vjp_v_two_for_one_output': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient's size should
    'vjp_v_one_for_two_outputs': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient's size should
    'vjp_v_tuple_of_one_for_two_outputs': ('RuntimeError', 'IndexError'),  # Failure info [The given sens gradient's s
    'vjp_v_tuple_of_three_for_two_outputs': ('RuntimeError', 'returns'),  # Failure info [The given sens gradient's si
    'vjp_v_three_for_two_outputs': ('RuntimeError', 'returns'),  # Failure info [The given sens gradient's size should
    'vjp_v_second_wrong_shape': ('ValueError', 'ValueError'),  # The shape should be [const vector]{3}, but got [const
    'vjp_v_second_float64': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Float64, , sens gradie
    'vjp_v_second_a_number': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient's size should be
    'vjp_v_flat_for_nested_outputs': ('returns', 'TypeError'),  #  | Type Join Failed: Abstract type AbstractTuple can
    'vjp_fn_returns_a_number': ('returns', 'TypeError'),  #  | Type Join Failed: Abstract type AbstractTensor cannot j
    'vjp_int32_input': ('returns', 'returns'),  #
    'vjp_v_one_tuple_for_two_outputs': ('returns', 'returns'),  #
    'vjp_v_one_list_for_two_outputs': ('returns', 'TypeError'),  #  | Type Join Failed: Abstract type AbstractList can
    'vjp_v_two_positional_for_two_outputs': ('returns', 'returns'),  #
    'vjp_v_nested_for_nested_outputs': ('returns', 'returns'),  #
    'vjp_v_tuple_of_one_for_one_output': ('returns', 'TypeError'),  #  | Type Join Failed: Abstract type AbstractTuple
    'jvp_fn_not_callable': ('ValueError', 'ValueError'),  # The object is not callable. Please check code.
    'jvp_inputs_a_number': ('TypeError', 'TypeError'),  # The inputs type must be a Tensor, tuple or list of Tensors.
    'jvp_v_a_number': ('TypeError', 'TypeError'),  # The inputs type must be a Tensor, tuple or list of Tensors.
    'jvp_v_a_numpy_array': ('TypeError', 'TypeError'),  # The inputs type must be a Tensor, tuple or list of Tensors.
    'jvp_has_aux_not_bool': ('TypeError', 'TypeError'),  # The 'has_aux' must be bool type.
    'jvp_has_aux_one_output': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more than
    'jvp_v_fewer_than_inputs': ('ValueError', 'ValueError'),  # v has invalid length: should be 2, but got 1
    'jvp_v_more_than_inputs': ('ValueError', 'ValueError'),  # v has invalid length: should be 1, but got 2
    'jvp_v_tensor_for_two_inputs': ('ValueError', 'ValueError'),  # v has invalid length: should be 2, but got 1
    'jvp_v_wrong_shape': ('ValueError', 'ValueError'),  # Bprop "Mul" encounter a problem: [For 'Mul', input1.shape an
    'jvp_v_float64_for_float32': ('TypeError', 'TypeError'),  # Type Join Failed: dtype1 = Float64, dtype2 = Float32.
    'jvp_v_int32_for_float32': ('TypeError', 'TypeError'),  # Type Join Failed: dtype1 = Int32, dtype2 = Float32.
    'jvp_v_second_float64': ('TypeError', 'TypeError'),  # Type Join Failed: dtype1 = Float64, dtype2 = Float32.
    'jvp_int32_input': ('returns', 'returns'),  #
    'jvp_fn_returns_a_number': ('TypeError', 'TypeError'),  # Failed calling OnesLike with "x=Float32".
    'jacrev_fn_not_callable': ('ValueError', 'ValueError'),  # The object is not callable. Please check code.
    'jacfwd_fn_not_callable': ('ValueError', 'ValueError'),  # The object is not callable. Please check code.
    'jacrev_fn_a_tensor': ('ValueError', 'ValueError'),  # The object is not callable. Please check code.
    'jacfwd_fn_a_tensor': ('ValueError', 'ValueError'),  # The object is not callable. Please check code.
    'jacrev_int32_input': ('TypeError', 'TypeError'),  # Type Join Failed: dtype1 = Float32, dtype2 = Int32.
    'jacfwd_int32_input': ('TypeError', 'TypeError'),  # Type Join Failed: dtype1 = Float32, dtype2 = Int32.
    'jacrev_input_a_number': ('TypeError', 'TypeError'),  # 'float32' object is not iterable
    'jacfwd_input_a_number': ('TypeError', 'TypeError'),  # For 'Size', input must be a Tensor, but got: Float32.
    'jacrev_position_a_float': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacfwd_position_a_float': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacrev_position_a_list': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacfwd_position_a_list': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacrev_position_negative': ('ValueError', 'ValueError'),  # grad_position must be >= 0.
    'jacfwd_position_negative': ('ValueError', 'ValueError'),  # grad_position must be >= 0.
    'jacrev_position_duplicate': ('ValueError', 'ValueError'),  # There are duplicate positions in `grad_position`, pl
    'jacfwd_position_duplicate': ('ValueError', 'ValueError'),  # There are duplicate positions in `grad_position`, pl
    'jacrev_position_out_of_range': ('ValueError', 'ValueError'),  # The element in grad_position must belong to [0, a
    'jacfwd_position_out_of_range': ('ValueError', 'ValueError'),  # The element in grad_position must belong to [0, a
    'jacrev_position_empty': ('RuntimeError', 'RuntimeError'),  # grad_position should not be empty when grad by posit
    'jacfwd_position_empty': ('ValueError', 'ValueError'),  # Cannot perform modulo operation on zero.
    'jacrev_position_none': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacfwd_position_none': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'jacrev_has_aux_not_bool': ('TypeError', 'TypeError'),  # The 'has_aux' must be bool type.
    'jacfwd_has_aux_not_bool': ('TypeError', 'TypeError'),  # The 'has_aux' must be bool type.
    'jacrev_has_aux_one_output': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more t
    'jacfwd_has_aux_one_output': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more t
    'jacrev_fn_returns_a_number': ('TypeError', 'TypeError'),  # 'float32' object is not iterable
    'jacfwd_fn_returns_a_number': ('TypeError', 'TypeError'),  # Failed calling OnesLike with "x=Float32".
    'grad_fn_not_callable': ('TypeError', 'RuntimeError'),  # The fn should be callable, but got int | For 'GradOperat
    'value_and_grad_fn_not_callable': ('TypeError', 'RuntimeError'),  # The fn should be callable, but got int | For '
    'grad_position_a_float': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'value_and_grad_position_a_float': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or
    'grad_position_a_list': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or tuple.
    'value_and_grad_position_a_list': ('TypeError', 'TypeError'),  # For 'F.grad', the 'grad_position' must be int or
    'grad_position_a_float_in_tuple': ('TypeError', 'TypeError'),  # For 'F.grad', the element in 'grad_position' must
    'value_and_grad_position_a_float_in_tuple': ('TypeError', 'TypeError'),  # For 'F.grad', the element in 'grad_posi
    'grad_position_negative': ('ValueError', 'ValueError'),  # grad_position must be >= 0.
    'value_and_grad_position_negative': ('ValueError', 'ValueError'),  # grad_position must be >= 0.
    'grad_position_negative_in_tuple': ('ValueError', 'ValueError'),  # The element in grad_position must be >= 0.
    'value_and_grad_position_negative_in_tuple': ('ValueError', 'ValueError'),  # The element in grad_position must be
    'grad_position_duplicate': ('ValueError', 'ValueError'),  # There are duplicate positions in `grad_position`, plea
    'value_and_grad_position_duplicate': ('ValueError', 'ValueError'),  # There are duplicate positions in `grad_posit
    'grad_position_out_of_range': ('RuntimeError', 'IndexError'),  # Position index 2 is exceed input size.
    'value_and_grad_position_out_of_range': ('RuntimeError', 'IndexError'),  # Position index 2 is exceed input size.
    'grad_position_out_of_range_in_tuple': ('RuntimeError', 'IndexError'),  # Position index 2 is exceed input size.
    'value_and_grad_position_out_of_range_in_tuple': ('RuntimeError', 'IndexError'),  # Position index 2 is exceed inp
    'grad_position_empty': ('RuntimeError', 'RuntimeError'),  # grad_position should not be empty when grad by positio
    'value_and_grad_position_empty': ('RuntimeError', 'RuntimeError'),  # grad_position should not be empty when grad
    'grad_position_and_weights_none': ('ValueError', 'ValueError'),  # `grad_position` and `weight` can not be None at
    'value_and_grad_position_and_weights_none': ('ValueError', 'ValueError'),  # `grad_position` and `weight` can not
    'grad_weights_a_tensor': ('returns', 'RuntimeError'),  #  | The pointer[eval_result] is null.
    'value_and_grad_weights_a_tensor': ('returns', 'RuntimeError'),  #  | The pointer[eval_result] is null.
    'grad_has_aux_not_bool': ('TypeError', 'TypeError'),  # For '_Grad', the 'has_aux' should be bool, but got int
    'value_and_grad_has_aux_not_bool': ('TypeError', 'TypeError'),  # For '_Grad', the 'has_aux' should be bool, but g
    'grad_has_aux_one_output': ('ValueError', 'RuntimeError'),  # When has_aux is True, origin fn requires more than o
    'value_and_grad_has_aux_one_output': ('ValueError', 'RuntimeError'),  # When has_aux is True, origin fn requires m
    'grad_return_ids_not_bool': ('TypeError', 'TypeError'),  # For '_Grad', the 'return_ids' should be bool, but got s
    'value_and_grad_return_ids_not_bool': ('TypeError', 'TypeError'),  # For '_Grad', the 'return_ids' should be bool,
    'grad_sens_wrong_shape': ('ValueError', 'ValueError'),  # The shape should be [const vector]{3}, but got [const ve
    'value_and_grad_sens_wrong_shape': ('ValueError', 'ValueError'),  # The shape should be [const vector]{3}, but got
    'grad_sens_float64': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Float64, , sens gradient
    'value_and_grad_sens_float64': ('TypeError', 'TypeError'),  # The dtype should be Float32, but got Float64, , sens
    'grad_sens_a_number': ('RuntimeError', 'TypeError'),  # For grad interface or custom function, grad tensor should
    'value_and_grad_sens_a_number': ('RuntimeError', 'TypeError'),  # For grad interface or custom function, grad tens
    'grad_int32_input': ('returns', 'returns'),  #
    'value_and_grad_int32_input': ('returns', 'returns'),  #
    'grad_fn_returns_a_number': ('returns', 'returns'),  #
    'value_and_grad_fn_returns_a_number': ('returns', 'returns'),  #
    'nested_grad_position_out_of_range': ('RuntimeError', 'IndexError'),  # Position index 1 is exceed input size.
    'nested_grad_position_out_of_range_in_tuple': ('RuntimeError', 'IndexError'),  # Position index 1 is exceed input
    'nested_grad_position_negative': ('ValueError', 'ValueError'),  # grad_position must be >= 0.
    'grad_position_a_bool': ('returns', 'RuntimeError'),  #  | Position element must be Int64Imm, but got true
    'value_and_grad_position_a_bool': ('returns', 'RuntimeError'),  #  | Position element must be Int64Imm, but got tr
    'grad_sens_one_for_two_outputs': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient's size sh
    'value_and_grad_sens_one_for_two_outputs': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient
    'grad_sens_three_for_two_outputs': ('RuntimeError', 'returns'),  # Failure info [The given sens gradient's size sh
    'value_and_grad_sens_three_for_two_outputs': ('RuntimeError', 'returns'),  # Failure info [The given sens gradient
    'vjp_has_aux_v_for_every_output': ('RuntimeError', 'TypeError'),  # Failure info [The given sens gradient's size s
    'get_grad_identifier_a_float': ('TypeError', 'TypeError'),  # For `get_grad`, the `x` should be an integer or a Pa
    'vjp_has_aux_a_one_tuple': ('ValueError', 'ValueError'),  # When 'has_aux' is True, origin 'fn' requires more than
    'jvp_has_aux_a_one_tuple': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more tha
    'jvp_inputs_a_list_v_a_tuple': ('returns', 'returns'),  #
    'grad_has_aux_a_one_tuple': ('ValueError', 'returns'),  # When has_aux is True, origin fn requires more than one o
    'value_and_grad_has_aux_a_one_tuple': ('ValueError', 'returns'),  # When has_aux is True, origin fn requires more
    'grad_no_inputs': ('TypeError', 'TypeError'),  # cube() missing 1 required positional argument: 'x' | The paramete
    'value_and_grad_no_inputs': ('TypeError', 'TypeError'),  # cube() missing 1 required positional argument: 'x' | Th
    'jacrev_has_aux_a_one_tuple': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more
    'jacfwd_has_aux_a_one_tuple': ('ValueError', 'ValueError'),  # 'When 'has_aux' is True, origin 'fn' requires more
    'vjp_v_by_keyword': ('TypeError', 'TypeError'),  # vjp.<locals>.wrap_container_pynative() got an unexpected keywor
    'grad_too_many_inputs': ('TypeError', 'TypeError'),  # cube() takes 1 positional argument but 2 were given | The p
    'value_and_grad_too_many_inputs': ('TypeError', 'TypeError'),  # cube() takes 1 positional argument but 2 were giv
    'jacrev_too_many_inputs': ('TypeError', 'TypeError'),  # The parameters number of the function is 1, but the numbe
    'jacfwd_too_many_inputs': ('TypeError', 'TypeError'),  # The parameters number of the function is 1, but the numbe
    'grad_sens_by_keyword_without_sens_param': ('TypeError', 'TypeError'),  # cube() got an unexpected keyword argumen
    'value_and_grad_sens_by_keyword_without_sens_param': ('TypeError', 'TypeError'),  # cube() got an unexpected keywo
}

# Where MindSpore's modes answer differently (its GRAPH_MODE compiler fails its own way: "Type Join Failed",
# IndexError, or it goes through silently), ours is the answer below in both modes, one of MindSpore's.
WHERE_MODES_DIFFER = {
    # PYNATIVE's own check of the cotangents' count ("the given sens gradient's size should be same as
    # out of network"); GRAPH_MODE fails inside its compiler, or ignores a cotangent too many
    "vjp_v_two_for_one_output": "RuntimeError",
    "vjp_v_one_for_two_outputs": "RuntimeError",
    "vjp_v_tuple_of_one_for_two_outputs": "RuntimeError",
    "vjp_v_tuple_of_three_for_two_outputs": "RuntimeError",
    "vjp_v_three_for_two_outputs": "RuntimeError",
    "vjp_has_aux_v_for_every_output": "RuntimeError",
    "grad_sens_one_for_two_outputs": "RuntimeError",
    "value_and_grad_sens_one_for_two_outputs": "RuntimeError",
    "grad_sens_three_for_two_outputs": "RuntimeError",
    "value_and_grad_sens_three_for_two_outputs": "RuntimeError",
    # a missing argument is a TypeError in Python, and GRAPH's; PYNATIVE: RuntimeError "Can not find top cell"
    "vjp_v_missing": "TypeError",
    # a number where a Tensor belongs: GRAPH's TypeError (PYNATIVE counts it as a missing cotangent)
    "vjp_v_second_a_number": "TypeError",
    "grad_sens_a_number": "TypeError",
    "value_and_grad_sens_a_number": "TypeError",
    # GRAPH's: a flat tuple for nested outputs is refused, the cotangent has the outputs' structure
    # (PYNATIVE flattens both and takes it)
    "vjp_v_flat_for_nested_outputs": "TypeError",
    # GRAPH's: vjp of a function returning a number (PYNATIVE gives zeros; see DEPARTURES for grad)
    "vjp_fn_returns_a_number": "TypeError",
    # PYNATIVE's: a list of cotangents, (v,) for one output (GRAPH's compiler cannot join a list or a
    # 1-tuple with what it traced)
    "vjp_v_one_list_for_two_outputs": "returns",
    "vjp_v_tuple_of_one_for_one_output": "returns",
    # PYNATIVE's ValueError (GRAPH: RuntimeError from its compiler, or a 1-tuple taken silently)
    "grad_has_aux_one_output": "ValueError",
    "value_and_grad_has_aux_one_output": "ValueError",
    "grad_has_aux_a_one_tuple": "ValueError",
    "value_and_grad_has_aux_a_one_tuple": "ValueError",
    # PYNATIVE's TypeError "The fn should be callable" (GRAPH: RuntimeError from its compiler)
    "grad_fn_not_callable": "TypeError",
    "value_and_grad_fn_not_callable": "TypeError",
    # GRAPH's IndexError: a position past the inputs (PYNATIVE: RuntimeError, same message)
    "grad_position_out_of_range": "IndexError",
    "value_and_grad_position_out_of_range": "IndexError",
    "grad_position_out_of_range_in_tuple": "IndexError",
    "value_and_grad_position_out_of_range_in_tuple": "IndexError",
    "nested_grad_position_out_of_range": "IndexError",
    "nested_grad_position_out_of_range_in_tuple": "IndexError",
}

# Where mini_autograd departs on purpose (README, "What differs"): MindSpore's answer is a silent wrong
# result, or an internal failure rather than a check.
DEPARTURES = {
    # MindSpore: zeros for a function returning a Python number, in both modes; ours says fn should return
    # a Tensor (a float() or .item() in a loss would otherwise train nothing, silently)
    "grad_fn_returns_a_number": "TypeError",
    "value_and_grad_fn_returns_a_number": "TypeError",
    # MindSpore: zeros for a Tensor that is not a Parameter (PYNATIVE), an internal crash (GRAPH)
    "vjp_weights_a_tensor": "TypeError",
    "grad_weights_a_tensor": "TypeError",
    "value_and_grad_weights_a_tensor": "TypeError",
    # MindSpore: True taken as position 1 (PYNATIVE), RuntimeError (GRAPH); a position is an int, not a bool
    "grad_position_a_bool": "TypeError",
    "value_and_grad_position_a_bool": "TypeError",
    # MindSpore's jacfwd: ValueError "Cannot perform modulo operation on zero" from inside it; ours is the
    # check grad, value_and_grad and jacrev make (RuntimeError "grad_position should not be empty")
    "jacfwd_position_empty": "RuntimeError",
}


@pytest.fixture(params=MODES)
def mode(request):
    context.set_context(mode=getattr(context, request.param + "_MODE"))
    yield request.param
    context.set_context(mode=context.PYNATIVE_MODE)


def run(name: str) -> tuple[str, str]:
    """(exception type name or "returns", message) of a case run with mini_autograd."""
    try:
        CASES[name][1](mini_autograd)
    except Exception as e:  # noqa: BLE001  (the type is the datum)
        return type(e).__name__, str(e)
    return "returns", ""


def expected(name: str) -> str:
    if name in DEPARTURES:
        return DEPARTURES[name]
    pynative, graph = MISUSE_RECORDED[name]
    if pynative == graph:
        return pynative
    assert WHERE_MODES_DIFFER[name] in (pynative, graph), f"{name}: the choice is none of MindSpore's answers"
    return WHERE_MODES_DIFFER[name]


@pytest.mark.parametrize("name", list(CASES))
def test_misuse_raises_mindspores_exception_type_naming_the_argument(name: str, mode: str) -> None:
    got, message = run(name)
    assert got == expected(name), f"{name} in {mode}: got {got} ({message}), expected {expected(name)}"
    if got != "returns":
        arg = CASES[name][0]
        named = ("sensitivity", "'sens'") if arg == "sens" else (f"'{arg}'",)  # (MindSpore's word for sens)
        assert any(n in message for n in named), f"{name}: the message should name {named[-1]}: {message}"


def test_every_case_is_recorded_and_every_rule_is_needed() -> None:
    """A case added to functional_misuse_cases.py needs record_functional_misuse.py run again under MindSpore."""
    assert set(CASES) == set(MISUSE_RECORDED)
    for name in WHERE_MODES_DIFFER:
        assert MISUSE_RECORDED[name][0] != MISUSE_RECORDED[name][1], f"{name}: MindSpore's modes agree"
    for name, ours in DEPARTURES.items():
        assert ours not in MISUSE_RECORDED[name], f"{name}: not a departure, MindSpore raises {ours} too"


# -- 2. the cotangent's structure ------------------------------------------------------------------
# f(x, y) = (x y, x + y) with cotangents (a, b): d/dx = a y + b, d/dy = a x + b (by hand).
X, Y = np.array([1.0, 2.0], np.float32), np.array([3.0, -4.0], np.float32)
A, B, C = np.array([0.5, 2.0], np.float32), np.array([-1.0, 3.0], np.float32), np.array([2.0, 0.25], np.float32)


def two_out(x, y):
    return x * y, x + y


@pytest.mark.parametrize("form", ["one tuple", "one list", "positional"])
def test_vjp_fn_takes_the_cotangent_as_the_outputs_structure(form: str, mode: str) -> None:
    outputs, vjp_fn = mini_autograd.vjp(two_out, Tensor(X), Tensor(Y))
    a, b = Tensor(A), Tensor(B)
    dx, dy = {"one tuple": lambda: vjp_fn((a, b)), "one list": lambda: vjp_fn([a, b]),
              "positional": lambda: vjp_fn(a, b)}[form]()
    np.testing.assert_allclose(dx.asnumpy(), A * Y + B)
    np.testing.assert_allclose(dy.asnumpy(), A * X + B)


# recorded from MindSpore 2.10.0 CPU by tests/support/record_functional_misuse.py, at X, Y, A, B, C above
NESTED_VJP = {  # vjp_fn(((a, b), c)) of ((x y, x + y), x - y): (d/dx, d/dy)
    'PYNATIVE': [[2.5, -4.75], [-2.5, 6.75]],
    'GRAPH': [[2.5, -4.75], [-2.5, 6.75]],
}


def test_a_nested_cotangent_for_nested_outputs(mode: str) -> None:
    """((x y, x + y), x - y) with cotangent ((a, b), c): d/dx = a y + b + c, d/dy = a x + b - c, by hand,
    and as MindSpore 2.10 gives them in both modes."""
    def nested(x, y):
        return (x * y, x + y), x - y
    want = (A * Y + B + C, A * X + B - C)
    for recorded in NESTED_VJP.values():
        np.testing.assert_allclose(recorded, want)
    _, vjp_fn = mini_autograd.vjp(nested, Tensor(X), Tensor(Y))
    dx, dy = vjp_fn(((Tensor(A), Tensor(B)), Tensor(C)))
    np.testing.assert_allclose(dx.asnumpy(), want[0])
    np.testing.assert_allclose(dy.asnumpy(), want[1])


def test_a_refused_cotangent_leaves_vjp_fn_usable(mode: str) -> None:
    _, vjp_fn = mini_autograd.vjp(two_out, Tensor(X), Tensor(Y))
    with pytest.raises(ValueError, match=r"'v' \(output 1\) should have the output's shape \[2\], but got \[3\]"):
        vjp_fn((Tensor(A), Tensor(np.ones(3, np.float32))))
    dx, dy = vjp_fn((Tensor(A), Tensor(B)))
    np.testing.assert_allclose(dx.asnumpy(), A * Y + B)


# -- 3. one forward pass ---------------------------------------------------------------------------

# recorded from MindSpore 2.10.0 CPU by tests/support/record_functional_misuse.py (a Parameter the Cell adds 1 to
# in construct: a side effect its GRAPH_MODE keeps in the graph, where a Python counter would not count)
FORWARD_RUNS = {  # the Cell's count after vjp, after each of 3 vjp_fn calls; warnings
    'PYNATIVE': [1, 1, 2, 3, 2],
    'GRAPH': [1, 2, 3, 4, 0],
}


class Counted(nn.Cell):
    """(x y, x + y), counting its own runs."""

    def __init__(self):
        super().__init__()
        self.runs = 0

    def construct(self, x, y):
        self.runs += 1
        return x * y, x + y


def test_vjp_runs_the_forward_pass_once_and_vjp_fn_sweeps_it_back(mode: str) -> None:
    """After vjp and after its first vjp_fn call the count is MindSpore's (1 and 1 in PYNATIVE_MODE);
    later calls do not run the network again (a departure: MindSpore's PYNATIVE_MODE runs it again from
    the second call on and warns; its GRAPH_MODE runs it in every vjp_fn's compiled graph)."""
    net = Counted()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about: no forward pass is recomputed
        _, vjp_fn = mini_autograd.vjp(net, Tensor(X), Tensor(Y))
        counts = [net.runs]
        for _ in range(3):
            dx, _ = vjp_fn((Tensor(A), Tensor(B)))
            np.testing.assert_allclose(dx.asnumpy(), A * Y + B)  # the same gradient every time
            counts.append(net.runs)
    assert counts[:2] == FORWARD_RUNS["PYNATIVE"][:2]
    assert counts == [1, 1, 1, 1]


def test_the_kept_forward_pass_is_that_of_vjps_inputs(mode: str) -> None:
    """Each vjp_fn's gradients are those at the inputs its vjp was given, however often and in whatever
    order the two are called: a second vjp of the same network keeps its own forward pass."""
    net = Counted()
    _, at_x = mini_autograd.vjp(net, Tensor(X), Tensor(Y))
    _, at_y = mini_autograd.vjp(net, Tensor(Y), Tensor(X))
    for _ in range(2):
        np.testing.assert_allclose(at_x((Tensor(A), Tensor(B)))[0].asnumpy(), A * Y + B)
        np.testing.assert_allclose(at_y((Tensor(A), Tensor(B)))[0].asnumpy(), A * X + B)
    assert net.runs == 2


def test_a_large_kept_forward_pass_serves_every_vjp_fn_call(mode: str, monkeypatch) -> None:
    """Above memory.RELEASE_ABOVE_BYTES a call lets go of the previous call's values before its own; the
    kept forward pass must survive that (each call sweeps a copy of its value list). f = tanh(x y):
    d/dx = a (1 - t^2) y, d/dy = a (1 - t^2) x, t = tanh(x y) (Tanh's vjp reads t, Mul's reads x and y)."""
    monkeypatch.setattr(mini_autograd.memory, "RELEASE_ABOVE_BYTES", 0)
    x, y = X / 4, Y / 4  # x y = [0.1875, -0.5]: away from where tanh saturates and 1 - t^2 cancels in float32
    _, vjp_fn = mini_autograd.vjp(lambda x, y: mini_autograd.ops.Tanh()(x * y), Tensor(x), Tensor(y))
    t = np.tanh(x.astype(np.float64) * y)
    for _ in range(3):
        dx, dy = vjp_fn(Tensor(A))
        np.testing.assert_allclose(dx.asnumpy(), A * (1 - t * t) * y, rtol=1e-6)
        np.testing.assert_allclose(dy.asnumpy(), A * (1 - t * t) * x, rtol=1e-6)
