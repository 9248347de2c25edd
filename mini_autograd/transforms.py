"""GradOperation and the checks of the gradient transforms' arguments (MindSpore 2.10's exception types).

Each transform checks what it was given once, when it is made, and hands a runner.GradRunner the
input positions and weights to differentiate; ForwardValueAndGrad (nn/wrap.py) and the functional
forms (functional.py: grad, value_and_grad, vjp, ...) do the same with these checks.
"""
from __future__ import annotations

from typing import Any

from .runner import GradRunner
from .spec import ALL_INPUTS
from .tensors import Parameter, ParameterTuple, Tensor


def check_fn(who: str, fn: Any, error: type = TypeError) -> None:
    """The function a transform differentiates. MindSpore 2.10 refuses a non-callable with TypeError in
    grad, value_and_grad and vjp, with ValueError in jvp, jacrev and jacfwd (``error``)."""
    if isinstance(fn, (Tensor, type)) or not callable(fn):
        raise error(f"For '{who}', 'fn' should be a function or a Cell, but got {type(fn).__name__}.")


def check_positions(who: str, grad_position: Any) -> tuple:
    """grad_position checked as MindSpore checks it: an int >= 0 or a non-empty tuple of distinct ones."""
    ps = (grad_position,) if isinstance(grad_position, int) else grad_position
    if isinstance(grad_position, bool) or not isinstance(ps, tuple) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in ps):
        raise TypeError(f"For '{who}', 'grad_position' should be a non-negative int or a tuple of them, "
                        f"but got {grad_position!r}.")
    if ps == ():  # MindSpore 2.10: RuntimeError "grad_position should not be empty when grad by position"
        raise RuntimeError(f"For '{who}', 'grad_position' should be an int or a non-empty tuple of ints, but got "
                           f"(); use grad_position=None to differentiate the weights only.")
    if any(p < 0 for p in ps):  # MindSpore: ValueError "grad_position must be >= 0."
        raise ValueError(f"For '{who}', 'grad_position' must be >= 0, but got {grad_position!r}.")
    if len(set(ps)) != len(ps):
        raise ValueError(f"For '{who}', 'grad_position' should not repeat a position, but got {grad_position!r}.")
    return ps


def check_tensors(who: str, values: Any, what: str) -> tuple:
    """A Tensor, or a tuple or list of them, as a tuple."""
    values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"For '{who}', {what} should be a Tensor, or a tuple or list of Tensors, but "
                            f"element {i} is {type(v).__name__}.")
    return values


def first_output(who: str, fn: Any) -> Any:
    """has_aux: ``fn`` with only its first output (the one differentiated)."""
    def first(*args: Any) -> Any:
        out = fn(*args)
        if not isinstance(out, tuple) or len(out) < 2:
            raise ValueError(f"For '{who}', 'has_aux' is True, so 'fn' should return more than one output.")
        return out[0]
    return first


def aux_of(outputs: tuple) -> Any:
    """What vjp, jvp and the Jacobians return beside their results with has_aux: the second output, or
    the tuple of all but the first (grad returns the tuple even for one)."""
    return outputs[1] if len(outputs) == 2 else tuple(outputs[1:])


def check_bool(who: str, **flags: Any) -> None:
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"For '{who}', the argument '{name}' should be bool, but got "
                            f"{type(value).__name__} ({value!r}).")


def check_weights(who: str, weights: Any, single: bool = False) -> tuple:
    """get_by_list needs a ParameterTuple, or a list/tuple of Parameters; with ``single`` (GradOperation,
    value_and_grad) a bare Parameter is accepted too, as MindSpore accepts it there."""
    if single and isinstance(weights, Parameter):
        return (weights,)
    if isinstance(weights, Parameter) or not isinstance(weights, (ParameterTuple, list, tuple)):
        got = "a single Parameter" if isinstance(weights, Parameter) else type(weights).__name__
        raise TypeError(f"For '{who}', when get_by_list is True, 'weights' should be a ParameterTuple "
                        f"(or a list or tuple of Parameters), but got {got}. "
                        f"Use ParameterTuple(net.trainable_params()).")
    for i, w in enumerate(weights):
        if not isinstance(w, Parameter):
            raise TypeError(f"For '{who}', every element of 'weights' should be a Parameter, "
                            f"but element {i} is {type(w).__name__}.")
    return tuple(weights)


class GradOperation:
    """``GradOperation(get_all, get_by_list, sens_param)(network, weights)(*inputs)`` -> gradients."""

    def __init__(self, get_all: bool = False, get_by_list: bool = False, sens_param: bool = False) -> None:
        check_bool("GradOperation", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        self.get_all, self.get_by_list, self.sens_param = get_all, get_by_list, sens_param

    def __call__(self, fn: Any, weights: Any = None) -> Any:
        w = None
        if self.get_by_list:
            if weights is None and hasattr(fn, "trainable_params"):
                # MindSpore 2.10 PYNATIVE_MODE differentiates the network's trainable parameters here
                # (its GRAPH_MODE returns an empty tuple); mini_autograd follows PYNATIVE_MODE.
                weights = ParameterTuple(fn.trainable_params())
            w = check_weights("GradOperation", weights, single=True)
        runner = GradRunner(fn, "GradOperation", positions_for(self.get_all, self.get_by_list), w, self.sens_param,
                            flags={"get_all": self.get_all, "get_by_list": self.get_by_list,
                                   "sens_param": self.sens_param},
                            bare_weight=isinstance(weights, Parameter))

        def grad_fn(*args: Any) -> Any:
            return runner(*args)[1]

        grad_fn.runner = runner  # type: ignore[attr-defined]
        return grad_fn


def positions_for(get_all: bool, get_by_list: bool) -> Any:
    """ForwardValueAndGrad's flags as input positions (ALL_INPUTS for get_all)."""
    if get_all:
        return ALL_INPUTS
    return None if get_by_list else 0
