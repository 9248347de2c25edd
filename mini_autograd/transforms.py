"""The public gradient transforms -- GradOperation, value_and_grad -- and the checks of their arguments.

Each checks what it was given once, when it is made, and hands a runner.GradRunner the input
positions and weights to differentiate; ForwardValueAndGrad (nn/wrap.py) does the same with these
checks. The runner does the work.
"""
from __future__ import annotations

from typing import Any

from .runner import ALL_INPUTS, GradRunner
from .tensor import Parameter, ParameterTuple


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


def value_and_grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False) -> Any:
    """MindSpore 2.x's functional form: ``value_and_grad(fn, grad_position, weights)(*inputs)``
    returns ``(value, grads)``; grads of the inputs at grad_position (an int or a tuple; None for
    none) and, when weights are given, ``(input_grads, weight_grads)``."""
    check_bool("value_and_grad", has_aux=has_aux)
    if grad_position is None and weights is None:
        raise ValueError("For 'value_and_grad', 'grad_position' and 'weights' cannot both be None: "
                         "there would be nothing to differentiate.")
    if grad_position is not None:
        ps = (grad_position,) if isinstance(grad_position, int) else grad_position
        if ps == ():
            raise ValueError("For 'value_and_grad', 'grad_position' should be an int or a non-empty tuple of "
                             "ints, but got (); use grad_position=None to differentiate the weights only.")
        if isinstance(grad_position, bool) or not isinstance(ps, tuple) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in ps):
            raise TypeError(f"For 'value_and_grad', 'grad_position' should be a non-negative int or a tuple "
                            f"of them, but got {grad_position!r}.")
        if any(p < 0 for p in ps):  # MindSpore: ValueError "grad_position must be >= 0."
            raise ValueError(f"For 'value_and_grad', 'grad_position' must be >= 0, but got {grad_position!r}.")
    w = None
    if weights is not None:
        w = check_weights("value_and_grad", weights, single=True)
    runner = GradRunner(fn, "value_and_grad", grad_position, w, False, has_aux=has_aux,
                        flags={"grad_position": grad_position, "has_aux": has_aux},
                        bare_weight=isinstance(weights, Parameter), collapse_one=True)

    def vg_fn(*args: Any) -> Any:
        return runner(*args)

    vg_fn.runner = runner  # type: ignore[attr-defined]
    return vg_fn
