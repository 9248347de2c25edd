"""Tensor's operators and its methods that run a primitive, bound to Tensor in this one place.

``x + y`` is ``ADD(x, y)``, an ``ops.Add()`` instance: every operator goes through a primitive, so
the tape records it. tensors.py knows no primitive (it sits below ops/ in the layering); the
package's ``__init__`` imports this module, which binds the functions below at the end.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops.array_ops import GET_ITEM, MEAN, MEAN_KEEP, RESHAPE, SUM, SUM_KEEP, TRANSPOSE
from .ops.math_ops import (ADD, DIV, EQUAL, EXP, GREATER, GREATER_EQUAL, LOG, MATMUL, MUL, NEG, NOT_EQUAL, POW,
                           SIGMOID, SQUARE, SUB, TANH)
from .ops.nn_ops import RELU
from .ops.primitive import CAST
from .ops.unary_ops import COS, SIN
from .tensors import Tensor


# -- comparisons: elementwise, a Bool tensor, as in MindSpore (a Tensor stays hashable by identity) --
def _eq(self: Tensor, other: Any) -> Any:
    if isinstance(other, (Tensor, bool, int, float)):
        return EQUAL(self, other)
    return NotImplemented  # None, a string, a list: Python's identity test, False (as MindSpore)


def _ne(self: Tensor, other: Any) -> Any:
    if isinstance(other, (Tensor, bool, int, float)):
        return NOT_EQUAL(self, other)
    return NotImplemented


# -- arithmetic: the reflected forms (``2 * x``) swap the operands ----------------------------------
def _add(self: Tensor, other: Any) -> Tensor:
    return ADD(self, other)


def _radd(self: Tensor, other: Any) -> Tensor:
    return ADD(other, self)


def _sub(self: Tensor, other: Any) -> Tensor:
    return SUB(self, other)


def _rsub(self: Tensor, other: Any) -> Tensor:
    return SUB(other, self)


def _mul(self: Tensor, other: Any) -> Tensor:
    return MUL(self, other)


def _rmul(self: Tensor, other: Any) -> Tensor:
    return MUL(other, self)


def _truediv(self: Tensor, other: Any) -> Tensor:
    return DIV(self, other)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    return DIV(other, self)


def _matmul(self: Tensor, other: Any) -> Tensor:
    return MATMUL(self, other)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return MATMUL(other, self)


def _pow(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and exponent == 2:
        return SQUARE(self)
    return POW(self, exponent)


def _gt(self: Tensor, other: Any) -> Tensor:
    return GREATER(self, other)


def _lt(self: Tensor, other: Any) -> Tensor:
    return GREATER(other, self)


def _ge(self: Tensor, other: Any) -> Tensor:
    return GREATER_EQUAL(self, other)


def _le(self: Tensor, other: Any) -> Tensor:
    return GREATER_EQUAL(other, self)


def _neg(self: Tensor) -> Tensor:
    return NEG(self)


# -- methods ------------------------------------------------------------------------------------
def _sum(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return (SUM_KEEP if keepdims else SUM)(self, () if axis is None else axis)


def _mean(self: Tensor, axis: Any = None, keep_dims: bool = False) -> Tensor:
    return (MEAN_KEEP if keep_dims else MEAN)(self, () if axis is None else axis)


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return RESHAPE(self, shape)


def _squeeze(self: Tensor, axis: Any = None) -> Tensor:
    shape = self.shape
    if isinstance(axis, np.integer):  # np.int64(1), as MindSpore accepts
        axis = int(axis)
    axes = [i for i, n in enumerate(shape) if n == 1] if axis is None else \
        [int(a) if isinstance(a, np.integer) else a for a in ((axis,) if isinstance(axis, int) else axis)]
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -len(shape) <= a < len(shape):
            raise ValueError(f"For 'squeeze', 'axis' should be in [{-len(shape)}, {len(shape)}) for shape "
                             f"{list(shape)}, but got {axis!r}.")
    axes = [a % len(shape) for a in axes]
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"For 'squeeze', axis {a} should have length 1, but the shape is {list(shape)}.")
    return RESHAPE(self, tuple(n for i, n in enumerate(shape) if i not in axes))


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(self.ndim)))
    return TRANSPOSE(self, axes)


def _astype(self: Tensor, dtype: Any) -> Tensor:
    return CAST(self, dtype)


def _getitem(self: Tensor, index: Any) -> Tensor:
    """``x[i]`` and ``x[i, j]`` with ints (GetItem along the first axis, once per int); a Python
    ``for`` over a tensor walks its first axis this way, IndexError ending it."""
    for i in index if isinstance(index, tuple) else (index,):
        if isinstance(i, np.integer):
            i = int(i)
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"For 'Tensor.__getitem__', mini_autograd indexes with ints (x[0], x[1, 2]), "
                            f"but got {type(i).__name__}: {index!r}.")
        self = GET_ITEM(self, i)
    return self


def _copy(self: Tensor) -> Tensor:
    return CAST(self, self._data.dtype)  # a copy the gradient passes through, as Cast to its own dtype


def _unary_method(name: str, prim: Any) -> Any:
    def method(self: Tensor) -> Tensor:  # x.sin() is ops.Sin()(x)
        return prim(self)
    method.__name__ = method.__qualname__ = name
    return method


# -- the binding ----------------------------------------------------------------------------------
Tensor.__eq__, Tensor.__ne__ = _eq, _ne  # type: ignore[assignment]
Tensor.__add__, Tensor.__radd__, Tensor.__sub__, Tensor.__rsub__ = _add, _radd, _sub, _rsub
Tensor.__mul__, Tensor.__rmul__, Tensor.__truediv__, Tensor.__rtruediv__ = _mul, _rmul, _truediv, _rtruediv
Tensor.__matmul__, Tensor.__rmatmul__, Tensor.__pow__, Tensor.__neg__ = _matmul, _rmatmul, _pow, _neg
Tensor.__gt__, Tensor.__lt__, Tensor.__ge__, Tensor.__le__ = _gt, _lt, _ge, _le
Tensor.sum, Tensor.mean, Tensor.astype = _sum, _mean, _astype  # type: ignore[attr-defined]
Tensor.reshape, Tensor.squeeze, Tensor.transpose = _reshape, _squeeze, _transpose  # type: ignore[attr-defined]
Tensor.__getitem__, Tensor.copy = _getitem, _copy  # type: ignore[attr-defined]
for _name, _prim in (("exp", EXP), ("log", LOG), ("tanh", TANH), ("sigmoid", SIGMOID), ("relu", RELU),
                     ("sin", SIN), ("cos", COS), ("square", SQUARE), ("neg", NEG)):
    setattr(Tensor, _name, _unary_method(_name, _prim))
Tensor.T = property(_transpose, doc="The tensor with its axes reversed.")  # type: ignore[attr-defined]
