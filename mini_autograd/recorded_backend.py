"""The backend contract (backends/numpy_backend.py) on Tensors: each array function applies a
primitive, so a gradient rule run with it is recorded on the active tape like any other operation.

This is how the engine differentiates its own backward pass (higher order) with no second copy of
the rules: every vjp is written once against ``xp``; given NumPy or the CUDA backend it computes the
first-order gradient on arrays, given ``Recorded`` it computes the same on Tensors, op by op, while an
outer transform records. Constants (``full``, ``zeros``) are plain Tensors: leaves of that tape.
"""
from __future__ import annotations

from typing import Any

from . import dtype as _dtype
from .ops.array_ops import GET_ITEM, RESHAPE, STACK, SUM, SUM_KEEP, TRANSPOSE, BroadcastTo
from .ops.math_ops import (ADD, DIV, EXP, GREATER, GREATER_EQUAL, LOG, MUL, NEG, POW, SIGMOID,
                           SQUARE, SUB, TANH, MatMul)
from .ops.nn_ops import LOG_SOFTMAX, ONE_HOT, RELU, RELU_GRAD
from .ops.primitive import CAST
from .ops.unary_ops import COS, SIN, SOFTPLUS
from .tensors import Tensor

# MatMul with each pair of transpose flags: the vjp of a product is a product with other flags
_MATMUL = {(a, b): MatMul(a, b) for a in (False, True) for b in (False, True)}


class Recorded:
    """The contract for Tensors of one device (``device``: the array backend their values live on)."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.name = device.name

    # -- constants: Tensors no operation made, leaves of the tape ----------------------------------------
    def full(self, shape: tuple, value: Any, dtype: Any) -> Tensor:
        return Tensor._make(self.device.full(shape, value, _dtype.to_numpy(dtype)), self.device)

    def zeros(self, shape: tuple, dtype: Any) -> Tensor:
        return Tensor._make(self.device.zeros(shape, _dtype.to_numpy(dtype)), self.device)

    # -- operations: each one a primitive, recorded ----------------------------------------------------
    def cast(self, x: Tensor, dtype: Any) -> Tensor:
        return x if x._data.dtype == _dtype.to_numpy(dtype) else CAST(x, dtype)

    def add(self, x: Tensor, y: Tensor) -> Tensor:
        return ADD(x, y)

    def sub(self, x: Tensor, y: Tensor) -> Tensor:
        return SUB(x, y)

    def mul(self, x: Tensor, y: Tensor) -> Tensor:
        return MUL(x, y)

    def div(self, x: Tensor, y: Tensor) -> Tensor:
        return DIV(x, y)

    def neg(self, x: Tensor) -> Tensor:
        return NEG(x)

    def exp(self, x: Tensor) -> Tensor:
        return EXP(x)

    def log(self, x: Tensor) -> Tensor:
        return LOG(x)

    def tanh(self, x: Tensor) -> Tensor:
        return TANH(x)

    def sin(self, x: Tensor) -> Tensor:
        return SIN(x)

    def cos(self, x: Tensor) -> Tensor:
        return COS(x)

    def softplus(self, x: Tensor) -> Tensor:
        return SOFTPLUS(x)

    def square(self, x: Tensor) -> Tensor:
        return SQUARE(x)

    def sigmoid(self, x: Tensor) -> Tensor:
        return SIGMOID(x)

    def relu(self, x: Tensor) -> Tensor:
        return RELU(x)

    def relu_grad(self, dout: Tensor, out: Tensor) -> Tensor:
        return RELU_GRAD(dout, out)

    def power(self, x: Tensor, p: Tensor) -> Tensor:
        # The rules pass the exponent as a 0-d constant (``xp.full((), p, dtype)``); Pow takes it as
        # a Python number, an int where it is whole (exact integer powers).
        value = self.device.to_numpy(p._data).item()
        return POW(x, int(value) if float(value).is_integer() else float(value))

    def matmul(self, a: Tensor, b: Tensor, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
        return _MATMUL[(transpose_a, transpose_b)](a, b)

    def sum(self, x: Tensor, axis: tuple, keepdims: bool = False) -> Tensor:  # noqa: A001
        if not axis:  # the contract's sum over no axis changes nothing (ReduceSum's () means all axes)
            return x
        return (SUM_KEEP if keepdims else SUM)(x, tuple(axis))

    def broadcast_to(self, x: Tensor, shape: tuple) -> Tensor:
        return x if x.shape == tuple(shape) else BroadcastTo(shape)(x)

    def reshape(self, x: Tensor, shape: tuple) -> Tensor:
        return x if x.shape == tuple(shape) else RESHAPE(x, tuple(shape))

    def transpose(self, x: Tensor, perm: tuple) -> Tensor:
        return TRANSPOSE(x, tuple(perm))

    def stack(self, *tensors: Tensor) -> Tensor:
        return STACK(tensors)

    def take(self, x: Tensor, index: int) -> Tensor:
        return GET_ITEM(x, index)

    def log_softmax(self, x: Tensor) -> Tensor:
        return LOG_SOFTMAX(x)

    def one_hot(self, indices: Tensor, depth: int, dtype: Any) -> Tensor:
        return ONE_HOT(indices, depth, dtype)

    def greater(self, x: Tensor, y: Tensor) -> Tensor:
        return GREATER(x, y)

    def greater_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return GREATER_EQUAL(x, y)


_BY_DEVICE: dict = {}


def recorded(device: Any) -> Recorded:
    """The recorded contract for Tensors on ``device`` (one per device, made when first asked)."""
    xp = _BY_DEVICE.get(device.name)
    if xp is None or xp.device is not device:
        xp = _BY_DEVICE[device.name] = Recorded(device)
    return xp

