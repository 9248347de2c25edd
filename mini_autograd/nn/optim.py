"""Optimizers: SGD and Momentum with MindSpore's update rules, applied to Parameters in place.

``optimizer(grads)`` takes the gradients in the order of ``optimizer.parameters`` (exactly what
ForwardValueAndGrad(..., get_by_list=True) returns) and replaces each parameter's value.
"""
from __future__ import annotations

import math
from typing import Any

from ..tensors import Parameter, ParameterTuple, Tensor
from .cell import Cell


def _number(who: str, arg: str, value: Any, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, Tensor):
        value = float(value.asnumpy().reshape(()))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"For '{who}', '{arg}' should be a float, but got {type(value).__name__}.")
    if not math.isfinite(value):  # NaN would pass the range test below and turn every weight into NaN
        raise ValueError(f"For '{who}', '{arg}' should be a finite number, but got {value}.")
    if value < low or (high is not None and value > high):
        rng = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"For '{who}', '{arg}' should be {rng}, but got {value}.")
    return float(value)


class Optimizer(Cell):
    def __init__(self, learning_rate: Any, parameters: Any, weight_decay: float = 0.0,
                 loss_scale: float = 1.0) -> None:
        super().__init__(auto_prefix=False)
        who = type(self).__name__
        if isinstance(parameters, Parameter) or not isinstance(parameters, (list, tuple)):
            params = list(parameters) if hasattr(parameters, "__iter__") and not isinstance(
                parameters, Parameter) else None
            if params is None:
                raise TypeError(f"For '{who}', 'params' should be a list of Parameters "
                                f"(net.trainable_params()), but got {type(parameters).__name__}.")
            parameters = params
        if not parameters:
            raise ValueError(f"For '{who}', 'params' should not be empty.")
        if any(isinstance(p, dict) for p in parameters):  # MindSpore's groups: README's departures table
            raise TypeError(f"For '{who}', 'params' as parameter groups (a list of dicts) is not supported by "
                            f"mini_autograd: give one list of Parameters (net.trainable_params()) and one "
                            f"learning_rate, but got {type(parameters[0]).__name__} elements.")
        self.parameters = ParameterTuple(parameters)
        self.learning_rate = _number(who, "learning_rate", learning_rate)
        self.weight_decay = _number(who, "weight_decay", weight_decay)
        self.loss_scale = _number(who, "loss_scale", loss_scale, low=1e-30)

    def _prepared(self, gradients: Any) -> list:
        """Gradients as backend arrays, unscaled and with weight decay added (g + wd * p)."""
        who = type(self).__name__
        if not isinstance(gradients, (tuple, list)) or len(gradients) != len(self.parameters):
            got = f"{len(gradients)} gradients" if isinstance(gradients, (tuple, list)) else type(gradients).__name__
            raise ValueError(f"For '{who}', one gradient per parameter was expected ({len(self.parameters)}), "
                             f"but got {got}.")
        out = []
        for p, g in zip(self.parameters, gradients):
            if not isinstance(g, Tensor) or g.shape != p.shape:
                got = list(g.shape) if isinstance(g, Tensor) else type(g).__name__
                raise ValueError(f"For '{who}', the gradient of '{p.name}' should have shape {list(p.shape)}, "
                                 f"but got {got}.")
            if g._backend is not p._backend:  # a silent mix would feed host arrays to kernels or back
                raise RuntimeError(f"For '{who}', the gradient of '{p.name}' is on {g.device} but the parameter "
                                   f"is on {p.device}; compute both on one device_target.")
            xp, a = p._backend, g._data
            if self.loss_scale != 1.0:
                a = xp.div(a, xp.full((), self.loss_scale, a.dtype))
            if self.weight_decay:
                a = xp.add(a, xp.mul(p._data, xp.full((), self.weight_decay, a.dtype)))
            out.append(a)
        return out

    def get_lr(self) -> float:
        return self.learning_rate


class SGD(Optimizer):
    """MindSpore's SGD: with momentum m and dampening d, the first step sets accum = g, later ones
    accum = m * accum + (1 - d) * g; the step is g + m * accum (nesterov) or accum; p -= lr * step."""

    def __init__(self, params: Any, learning_rate: Any = 0.1, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, loss_scale: float = 1.0) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        self.momentum = _number("SGD", "momentum", momentum)
        self.dampening = _number("SGD", "dampening", dampening)
        if not isinstance(nesterov, bool):
            raise TypeError(f"For 'SGD', 'nesterov' should be bool, but got {type(nesterov).__name__}.")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("For 'SGD', nesterov needs momentum > 0 and dampening = 0.")
        self.nesterov = nesterov
        self.accum: list = [None] * len(self.parameters)  # None until the first step

    def construct(self, gradients: Any) -> bool:
        grads = self._prepared(gradients)
        for i, (p, g) in enumerate(zip(self.parameters, grads)):
            xp = p._backend
            step = g
            if self.momentum > 0:
                m = xp.full((), self.momentum, g.dtype)
                if self.accum[i] is None:
                    self.accum[i] = g
                else:
                    damp = xp.full((), 1.0 - self.dampening, g.dtype)
                    self.accum[i] = xp.add(xp.mul(self.accum[i], m), xp.mul(g, damp))
                step = xp.add(g, xp.mul(self.accum[i], m)) if self.nesterov else self.accum[i]
            p._data = xp.sub(p._data, xp.mul(step, xp.full((), self.learning_rate, g.dtype)))
        return True


class Momentum(Optimizer):
    """MindSpore's ApplyMomentum: accum = momentum * accum + g; p -= lr * accum
    (with use_nesterov: p -= lr * (g + momentum * accum))."""

    def __init__(self, params: Any, learning_rate: Any, momentum: float, weight_decay: float = 0.0,
                 loss_scale: float = 1.0, use_nesterov: bool = False) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        self.momentum = _number("Momentum", "momentum", momentum)
        if not isinstance(use_nesterov, bool):
            raise TypeError(f"For 'Momentum', 'use_nesterov' should be bool, but got {type(use_nesterov).__name__}.")
        self.use_nesterov = use_nesterov
        self.moments = [p._backend.zeros(p._data.shape, p._data.dtype) for p in self.parameters]

    def construct(self, gradients: Any) -> bool:
        grads = self._prepared(gradients)
        for i, (p, g) in enumerate(zip(self.parameters, grads)):
            xp = p._backend
            m = xp.full((), self.momentum, g.dtype)
            lr = xp.full((), self.learning_rate, g.dtype)
            self.moments[i] = xp.add(xp.mul(self.moments[i], m), g)
            step = xp.add(g, xp.mul(self.moments[i], m)) if self.use_nesterov else self.moments[i]
            p._data = xp.sub(p._data, xp.mul(step, lr))
        return True
