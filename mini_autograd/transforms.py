"""GradOperation and the checks of the gradient transforms' arguments.

Each transform checks what it was given once, when it is made, and hands a runner.GradRunner the
input positions and weights to differentiate; ForwardValueAndGrad (nn/wrap.py) and the functional
forms (functional.py: grad, value_and_grad, vjp, ...) do the same with these checks.
"""
from __future__ import annotations

from typing import Any

from .runner import ALL_INPUTS, GradRunner
from .tensors import Parameter, ParameterTuple


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
