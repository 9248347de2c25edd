"""MindSpore's functional differentiation: grad, value_and_grad, get_grad, vjp, jvp (jacrev, jacfwd and
forward mode's machinery live in jacobians.py). Each is a thin layer over the GradRunner (runner.py);
called while another transform records, the runner records its own backward pass (nested.py), so all
of them nest. vjp runs fn once and keeps that recorded forward pass for every vjp_fn call.
"""
from __future__ import annotations

from typing import Any

from . import tape as _tape
from .jacobians import jacfwd, jacrev, jvp_runner  # jacfwd, jacrev: MindSpore's functional API is one namespace
from .runner import GradRunner
from .spec import ALL_INPUTS, positions_of
from .tensors import Parameter, Tensor
from .transforms import aux_of, check_bool, check_fn, check_positions, check_tensors, check_weights, first_output

__all__ = ["grad", "value_and_grad", "get_grad", "vjp", "jvp", "jacrev", "jacfwd"]


# -- grad and value_and_grad -----------------------------------------------------------------------------

def value_and_grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False,
                   return_ids: bool = False, sens_param: bool = False) -> Any:
    """``value_and_grad(fn, grad_position, weights)(*inputs)`` returns ``(value, grads)``: grads of the
    inputs at grad_position (an int or a tuple; None for none) and, with weights, ``(input_grads,
    weight_grads)``; one gradient alone is returned bare. ``has_aux``: only the first output is
    differentiated. ``return_ids``: each gradient comes as ``(position or parameter name, gradient)``.
    ``sens_param``: the sensitivity is passed last (or as ``sens=``)."""
    runner = _runner("value_and_grad", fn, grad_position, weights, has_aux, return_ids, sens_param)

    def vg_fn(*args: Any, **kwargs: Any) -> Any:
        value, grads = runner(*_with_sens(runner, args, kwargs))
        _check_aux(runner, value)
        return value, _ids(runner, args, grads) if return_ids else grads

    vg_fn.runner = runner  # type: ignore[attr-defined]
    return vg_fn


def grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False,
         return_ids: bool = False, sens_param: bool = False) -> Any:
    """``grad(fn, grad_position, weights)(*inputs)``: value_and_grad's gradients without the value;
    with ``has_aux``, ``(gradients, aux)``, aux being the tuple of the outputs after the first."""
    runner = _runner("grad", fn, grad_position, weights, has_aux, return_ids, sens_param)

    def grad_fn(*args: Any, **kwargs: Any) -> Any:
        value, grads = runner(*_with_sens(runner, args, kwargs))
        _check_aux(runner, value)
        grads = _ids(runner, args, grads) if return_ids else grads
        return (grads, tuple(value[1:])) if has_aux else grads  # the other outputs, always a tuple (2.10)

    grad_fn.runner = runner  # type: ignore[attr-defined]
    return grad_fn


def _runner(who: str, fn: Any, grad_position: Any, weights: Any, has_aux: bool, return_ids: bool,
            sens_param: bool) -> GradRunner:
    check_fn(who, fn)
    check_bool(who, has_aux=has_aux, return_ids=return_ids, sens_param=sens_param)
    if grad_position is None and weights is None:
        raise ValueError(f"For '{who}', 'grad_position' and 'weights' cannot both be None: "
                         f"there would be nothing to differentiate.")
    if grad_position is not None:
        check_positions(who, grad_position)
    w = None if weights is None else check_weights(who, weights, single=True)
    return GradRunner(fn, who, grad_position, w, sens_param, has_aux=has_aux,
                      flags={"grad_position": grad_position, "has_aux": has_aux, "return_ids": return_ids,
                             "sens_param": sens_param},
                      bare_weight=isinstance(weights, Parameter), collapse_one=True)


def _with_sens(runner: GradRunner, args: tuple, kwargs: dict) -> tuple:
    """The call's positional arguments, the sensitivity appended when it came as ``sens=``."""
    if kwargs:
        if set(kwargs) != {"sens"} or not runner.sens_param:
            raise TypeError(f"For '{runner.who}', the only keyword argument is 'sens' (with sens_param=True), "
                            f"but got {sorted(kwargs)}.")
        args = args + (kwargs["sens"],)
    return args


def _check_aux(runner: GradRunner, value: Any) -> None:
    if runner.has_aux and not (isinstance(value, tuple) and len(value) >= 2):
        raise ValueError(f"For '{runner.who}', 'has_aux' is True, so 'fn' should return more than one output, "
                         f"but it returned {'one Tensor' if isinstance(value, Tensor) else type(value).__name__}.")


def _ids(runner: GradRunner, args: tuple, grads: Any) -> Any:
    """``return_ids``: every gradient as (its input's position, gradient) or (its parameter's name, gradient)."""
    positions = positions_of(runner, args)
    ids: list = list((positions,) if isinstance(positions, int) else positions or ())
    ids += [w.name for w in runner.weights or ()]
    tagged = iter(ids)

    def tag(g: Any) -> Any:
        if isinstance(g, tuple):
            return tuple(tag(x) for x in g)
        return (next(tagged), g)
    return tag(grads)


def get_grad(gradients: Any, identifier: Any) -> Tensor:
    """The gradient of input position ``identifier`` (an int) or of Parameter ``identifier`` in what
    grad or value_and_grad returned with ``return_ids=True``."""
    if isinstance(identifier, bool) or not isinstance(identifier, (int, Parameter)):
        raise TypeError(f"For 'get_grad', 'identifier' should be an int or a Parameter, "
                        f"but got {type(identifier).__name__}.")
    key = identifier.name if isinstance(identifier, Parameter) else identifier
    stack = [gradients]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            if len(item) == 2 and isinstance(item[1], Tensor) and not isinstance(item[0], (tuple, Tensor)):
                if item[0] == key and type(item[0]) is type(key):
                    return item[1]
            else:
                stack.extend(reversed(item))
    raise RuntimeError(f"For 'get_grad', no gradient of {key!r} is in 'gradients'; was it computed with "
                       f"return_ids=True and this position or parameter?")


# -- vjp and jvp ----------------------------------------------------------------------------------

def vjp(fn: Any, *inputs: Any, weights: Any = None, has_aux: bool = False) -> tuple:
    """``outputs, vjp_fn = vjp(fn, *inputs)``; ``vjp_fn(v)`` is v^T J for every input, a tuple (with
    weights: ``(input_grads, weight_grads)``); v has the outputs' structure: one tuple (or list) of
    cotangents, or one positional argument per output. With has_aux: ``(first output, vjp_fn, aux)``.
    fn runs once, here: every vjp_fn call sweeps back through that one recorded forward pass."""
    check_fn("vjp", fn)
    check_tensors("vjp", inputs, "'inputs'")
    check_bool("vjp", has_aux=has_aux)
    w = None if weights is None else check_weights("vjp", weights, single=True)
    whole: list = []  # has_aux: fn's outputs, aux included, as the recorded forward returned them

    def first(*args: Any) -> Any:
        whole[:] = [fn(*args)]
        return _has_aux_checked(whole[0])[0]

    runner = GradRunner(first if has_aux else fn, "vjp", ALL_INPUTS, w, True,
                        bare_weight=isinstance(weights, Parameter))
    if _tape.state.active is None:  # the forward pass, recorded once and kept for every vjp_fn call
        value = runner.keep_forward(inputs)
        outputs = (value, *whole[0][1:]) if has_aux else value
    else:  # inside another transform's recording: each vjp_fn call records its own pass (nested.py)
        outputs = _has_aux_checked(fn(*inputs)) if has_aux else fn(*inputs)
    differentiated = outputs[0] if has_aux else outputs
    check_tensors("vjp", _leaves(differentiated), "the output of 'fn'")  # (kept forward: checked already)

    def vjp_fn(*v: Any) -> Any:
        return runner(*inputs, _cotangent(v, differentiated))[1]

    if has_aux:
        return outputs[0], vjp_fn, aux_of(outputs)
    return outputs, vjp_fn


def _has_aux_checked(outputs: Any) -> Any:
    if not isinstance(outputs, tuple) or len(outputs) < 2:
        raise ValueError("For 'vjp', 'has_aux' is True, so 'fn' should return more than one output.")
    return outputs


def _cotangent(v: tuple, outputs: Any) -> Any:
    """vjp_fn's arguments checked against fn's outputs (MindSpore 2.10's exception types), as the
    sensitivity the runner takes: nested as the outputs are, one Tensor of the output's shape and
    dtype for each."""
    if not v:
        raise TypeError("For 'vjp_fn', the cotangent 'v' is missing: give one Tensor per output of fn, "
                        "shaped like it.")
    given = v[0] if len(v) == 1 else v  # one tuple (or list) of cotangents, or one argument per output
    if not isinstance(outputs, tuple) and isinstance(given, (tuple, list)) and len(given) == 1:
        given = given[0]  # (v,) for one output, as MindSpore's PYNATIVE_MODE takes it
    got, want = _leaves(given), _leaves(outputs)
    if len(got) != len(want):  # MindSpore: RuntimeError "The given sens gradient's size should be same as out"
        raise RuntimeError(f"For 'vjp_fn', 'v' should hold one cotangent per output of fn, {len(want)}, "
                           f"but got {len(got)}.")
    if _nesting(given) != _nesting(outputs):
        raise TypeError(f"For 'vjp_fn', 'v' should be nested as fn's outputs are, {_nesting(outputs)}, but got "
                        f"{_nesting(given)}.")
    for i, (g, o) in enumerate(zip(got, want)):
        which = f"'v' (output {i})" if len(want) > 1 else "'v'"
        if not isinstance(g, Tensor):
            raise TypeError(f"For 'vjp_fn', {which} should be a Tensor, but got {type(g).__name__}.")
        if g.shape != o.shape:
            raise ValueError(f"For 'vjp_fn', {which} should have the output's shape {list(o.shape)}, but got "
                             f"{list(g.shape)}.")
        if g.dtype != o.dtype:
            raise TypeError(f"For 'vjp_fn', {which} should have the output's dtype {o.dtype}, but got {g.dtype}.")
    return given


def _leaves(tree: Any) -> list:
    return [x for item in tree for x in _leaves(item)] if isinstance(tree, (tuple, list)) else [tree]


def _nesting(tree: Any) -> str:
    """How a tuple of outputs or cotangents nests, as text: ``((Tensor, Tensor), Tensor)``."""
    if isinstance(tree, (tuple, list)):
        return "(" + ", ".join(_nesting(x) for x in tree) + ("," if len(tree) == 1 else "") + ")"
    return "Tensor"


def jvp(fn: Any, inputs: Any, v: Any, has_aux: bool = False) -> tuple:
    """``(outputs, J v)`` at ``inputs`` (a Tensor or a tuple of them) for tangents ``v`` of the same
    structure; with has_aux ``(first output, J v, aux)``."""
    check_fn("jvp", fn, ValueError)  # MindSpore 2.10: ValueError "The object is not callable."
    check_bool("jvp", has_aux=has_aux)
    xs, vs = check_tensors("jvp", inputs, "'inputs'"), check_tensors("jvp", v, "'v'")
    if len(xs) != len(vs):
        raise ValueError(f"For 'jvp', 'v' should have one tangent per input, {len(xs)}, but got {len(vs)}.")
    for i, (x, t) in enumerate(zip(xs, vs)):
        if x.shape != t.shape:
            raise ValueError(f"For 'jvp', 'v' (tangent {i}) should have its input's shape {list(x.shape)}, "
                             f"but got {list(t.shape)}.")
        if x.dtype != t.dtype:  # MindSpore 2.10: TypeError, in both modes
            raise TypeError(f"For 'jvp', 'v' (tangent {i}) should have its input's dtype {x.dtype}, but got {t.dtype}.")
    f = first_output("jvp", fn) if has_aux else fn
    outputs = fn(*xs)
    if has_aux and not (isinstance(outputs, tuple) and len(outputs) >= 2):
        raise ValueError("For 'jvp', 'has_aux' is True, so 'fn' should return more than one output.")
    first = outputs[0] if has_aux else outputs
    check_tensors("jvp", first, "the output of 'fn'")
    tangents = jvp_runner(f, len(xs), len(first) if isinstance(first, tuple) else 1)(xs, vs, first)
    return (outputs[0], tangents, aux_of(outputs)) if has_aux else (outputs, tangents)
