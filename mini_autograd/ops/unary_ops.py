"""More one-input primitives: Sin, Cos, Softplus and StopGradient, forward and vjp side by side
(the derivative as a comment), kept apart from math_ops.py, which is at its size. MindSpore's
beginner tutorial needs stop_gradient and a binary cross-entropy (built on Softplus, functional_ops.py);
its high-order examples differentiate Sin and Cos.
"""
from __future__ import annotations

from typing import Any

from ..tensors import Tensor
from .math_ops import _Unary


class _FloatUnary(_Unary):
    """Refuses an integer or Bool tensor, as MindSpore 2.10 does (a TypeError, no silent Float64)."""

    def __call__(self, x: Any) -> Tensor:
        if isinstance(x, Tensor) and x._data.dtype.kind != "f":
            raise TypeError(f"For '{self.name}', the input 'x' should be a float Tensor (Float16, Float32 or "
                            f"Float64), but got {x.dtype}.")
        return _Unary.__call__(self, x)


class Sin(_FloatUnary):
    name = "Sin"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x):
        return xp.sin(x)

    # d(sin x)/dx = cos x
    def vjp(self, xp, dout, out, x, needs):
        return (xp.mul(dout, xp.cos(x)),)


class Cos(_FloatUnary):
    name = "Cos"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x):
        return xp.cos(x)

    # d(cos x)/dx = -sin x
    def vjp(self, xp, dout, out, x, needs):
        return (xp.neg(xp.mul(dout, xp.sin(x))),)


class Softplus(_FloatUnary):
    """``log(1 + e^x)``, the smooth ReLU; the binary cross-entropy with logits is written with it."""

    name = "Softplus"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x):
        return xp.softplus(x)

    # d(log(1 + e^x))/dx = e^x / (1 + e^x) = sigmoid(x)
    def vjp(self, xp, dout, out, x, needs):
        return (xp.mul(dout, xp.sigmoid(x)),)


class StopGradient(_Unary):
    """The value passes unchanged; the gradient does not: whatever reaches the output stops here,
    so x counts as a constant for every transform above it (``ops.stop_gradient``)."""

    name = "StopGradient"
    vjp_reads = frozenset()

    def forward(self, xp, x):
        return xp.cast(x, x.dtype)  # a copy of the value (the map kernel on the GPU)

    # d(stop_gradient x)/dx is taken to be 0: no gradient to x
    def vjp(self, xp, dout, out, x, needs):
        return (None,)


SIN, COS, SOFTPLUS, STOP_GRADIENT = Sin(), Cos(), Softplus(), StopGradient()
