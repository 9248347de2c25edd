"""Reductions and shapes: ReduceSum, ReduceMean, Reshape, Transpose, forward and vjp side by side.

As in math_ops.py, ``vjp`` returns one gradient per input and the derivative is the comment above
it; these move or sum values without computing new ones, so their vjps read only shapes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backward import unbroadcast
from ..tensors import Tensor
from .primitive import Primitive, apply

_FLOAT64 = np.dtype(np.float64)


def _shape(shape: tuple) -> list:
    return list(shape)


# -- reductions ----------------------------------------------------------------------------------

def _axes(prim: str, axis: Any, ndim: int) -> tuple:
    """Normalise ``axis`` (int, tuple, list, or () for all axes) to sorted non-negative ints."""
    axis = int(axis) if isinstance(axis, np.integer) else axis  # np.int64(1): MindSpore accepts it
    if isinstance(axis, bool) or not isinstance(axis, (int, tuple, list)):
        raise TypeError(f"For '{prim}', the argument 'axis' should be an int, a tuple or a list, "
                        f"but got {type(axis).__name__}.")
    axes = (axis,) if isinstance(axis, int) else tuple(int(a) if isinstance(a, np.integer) else a for a in axis)
    if not axes:
        return tuple(range(ndim))
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"For '{prim}', every axis should be an int in [{-ndim}, {ndim}), but got {axis!r}.")
        out.append(a % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"For '{prim}', the axes should not repeat, but got {axis!r}.")
    return tuple(sorted(out)) if ndim else ()


class _Reduce(Primitive):
    vjp_reads = frozenset()  # only the input's shape
    def __init__(self, keep_dims: bool = False) -> None:
        if not isinstance(keep_dims, bool):
            raise TypeError(f"For '{self.name}', the argument 'keep_dims' should be bool, "
                            f"but got {type(keep_dims).__name__}.")
        self.keep_dims = keep_dims

    def __call__(self, x: Any, axis: Any = ()) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For '{self.name}', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        return apply(self, (x,), {"axis": _axes(self.name, axis, x.ndim)})

    def _spread(self, xp, dout, x, axis):
        """Send dout back over the reduced axes: every input element gets its row's gradient."""
        if not self.keep_dims:
            kept = tuple(1 if i in axis else n for i, n in enumerate(x.shape))
            dout = xp.reshape(dout, kept)
        return xp.broadcast_to(dout, x.shape)


class ReduceSum(_Reduce):
    name = "ReduceSum"

    def forward(self, xp, x, axis):
        return xp.sum(x, axis, self.keep_dims)

    # d(sum_i x_i)/dx_j = 1
    def vjp(self, xp, dout, out, x, axis, needs):
        return (self._spread(xp, dout, x, axis),)


class ReduceMean(_Reduce):
    name = "ReduceMean"

    def forward(self, xp, x, axis):
        count = int(np.prod([x.shape[i] for i in axis], dtype=np.int64))
        if x.dtype.kind != "f":  # MindSpore keeps an integer mean integer, truncated: mean([3, 4]) is 3
            exact = xp.div(xp.cast(xp.sum(x, axis, self.keep_dims), _FLOAT64), xp.full((), count, _FLOAT64))
            return xp.cast(exact, x.dtype)  # the float -> int cast truncates toward zero, as MindSpore
        return xp.div(xp.sum(x, axis, self.keep_dims), xp.full((), count, x.dtype))

    # d(mean_i x_i)/dx_j = 1/n   (divided before spreading: n-fold less work)
    def vjp(self, xp, dout, out, x, axis, needs):
        count = int(np.prod([x.shape[i] for i in axis], dtype=np.int64))
        return (self._spread(xp, xp.div(dout, xp.full((), count, dout.dtype)), x, axis),)


# -- shapes -------------------------------------------------------------------------------

class Reshape(Primitive):
    name = "Reshape"
    vjp_reads = frozenset()

    def __call__(self, x: Any, shape: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For 'Reshape', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        if isinstance(shape, int):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)) or not all(isinstance(n, int) and not isinstance(n, bool)
                                                           for n in shape):
            raise TypeError(f"For 'Reshape', the argument 'shape' should be a tuple of ints, but got {shape!r}.")
        try:
            target = np.broadcast_to(0, x.shape).reshape(shape).shape  # a zero-cost view: checks -1 and size
        except ValueError:
            raise ValueError(f"For 'Reshape', a tensor of shape {_shape(x.shape)} ({x.size} elements) cannot be "
                             f"reshaped to {list(shape)}.") from None
        return apply(self, (x,), {"shape": tuple(target)})

    def forward(self, xp, x, shape):
        return xp.reshape(x, shape)

    # reshaping moves no values: the gradient takes the input's shape back
    def vjp(self, xp, dout, out, x, shape, needs):
        return (xp.reshape(dout, x.shape),)


class Transpose(Primitive):
    name = "Transpose"
    vjp_reads = frozenset()

    def __call__(self, x: Any, perm: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For 'Transpose', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        if not isinstance(perm, (tuple, list)) or sorted(perm) != list(range(x.ndim)):
            raise ValueError(f"For 'Transpose', 'perm' should be a permutation of {tuple(range(x.ndim))} "
                             f"for a tensor of shape {_shape(x.shape)}, but got {perm!r}.")
        return apply(self, (x,), {"perm": tuple(perm)})

    def forward(self, xp, x, perm):
        return xp.transpose(x, perm)

    # a permutation of axes: the gradient is permuted back by the inverse permutation
    def vjp(self, xp, dout, out, x, perm, needs):
        return (xp.transpose(dout, tuple(int(i) for i in np.argsort(perm))),)


class BroadcastTo(Primitive):
    """``BroadcastTo(shape)(x)``: x copied along new leading axes and axes of length 1 to ``shape``."""

    name = "BroadcastTo"
    vjp_reads = frozenset()

    def __init__(self, shape: Any) -> None:
        if not isinstance(shape, (tuple, list)) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= -1
                                                           for n in shape):
            raise TypeError(f"For 'BroadcastTo', the argument 'shape' should be a tuple of non-negative ints "
                            f"(or -1: the input's size there), but got {shape!r}.")
        self.shape = tuple(shape)

    def __call__(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For 'BroadcastTo', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        lead = len(self.shape) - x.ndim  # -1 keeps the input's size on that axis (axes aligned from the right)
        shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(self.shape))
        try:
            ok = -1 not in shape and len(shape) >= x.ndim and np.broadcast_shapes(x.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"For 'BroadcastTo', a tensor of shape {_shape(x.shape)} cannot be broadcast to "
                             f"{list(self.shape)}.")
        return apply(self, (x,), {"shape": shape})

    def forward(self, xp, x, shape):
        return xp.broadcast_to(x, shape)

    # each copy received its own gradient: the input's is their sum (backward.unbroadcast)
    def vjp(self, xp, dout, out, x, shape, needs):
        return (unbroadcast(xp, dout, x.shape),)


class Stack(Primitive):
    """``Stack()(tensors)``: tensors of one shape and dtype along a new first axis (MindSpore's
    ``ops.Stack(axis=0)``); the Jacobian tools stack their rows with it."""

    name = "Stack"
    vjp_reads = frozenset()

    def __init__(self, axis: int = 0) -> None:
        if axis != 0 or isinstance(axis, bool):
            raise ValueError(f"For 'Stack', mini_autograd stacks along axis 0 only, but got axis {axis!r}.")
        self.axis = axis

    def __call__(self, tensors: Any) -> Tensor:
        if not isinstance(tensors, (tuple, list)) or not tensors or not all(isinstance(t, Tensor) for t in tensors):
            raise TypeError(f"For 'Stack', the input should be a non-empty tuple or list of Tensors, but got {tensors!r}.")
        first = tensors[0]
        for i, t in enumerate(tensors):
            if t.shape != first.shape or t.dtype != first.dtype:
                raise ValueError(f"For 'Stack', every tensor should have the shape and dtype of the first, "
                                 f"{_shape(first.shape)} {first.dtype}, but tensor {i} has {_shape(t.shape)} {t.dtype}.")
        return apply(self, tuple(tensors), {})

    def forward(self, xp, *arrays):
        return xp.stack(*arrays)

    # each input is one row of the output: its gradient is that row of dout
    def vjp(self, xp, dout, out, *arrays, needs):
        return tuple(xp.take(dout, i) for i in range(len(arrays)))


class GetItem(Primitive):
    """``x[index]`` for an int index: one row of the first axis (what Stack's vjp takes)."""

    name = "GetItem"
    vjp_reads = frozenset()

    def __call__(self, x: Any, index: int) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim == 0:
            raise TypeError(f"For 'GetItem', the input 'x' should be a Tensor of rank >= 1, but got {x!r}.")
        if isinstance(index, bool) or not isinstance(index, int) or not -x.shape[0] <= index < x.shape[0]:
            raise IndexError(f"For 'GetItem', the index should be an int in [{-x.shape[0]}, {x.shape[0]}), "
                             f"but got {index!r}.")
        return apply(self, (x,), {"index": index % x.shape[0]})

    def forward(self, xp, x, index):
        return xp.take(x, index)

    # the row received dout, every other row nothing: zeros stacked around dout
    def vjp(self, xp, dout, out, x, index, needs):
        zero = xp.zeros(dout.shape, dout.dtype)
        return (xp.stack(*[dout if i == index else zero for i in range(x.shape[0])]),)


# -- the instances Tensor's methods (operators.py) and the losses use ------------------------------------
SUM, SUM_KEEP = ReduceSum(False), ReduceSum(True)
MEAN, MEAN_KEEP = ReduceMean(False), ReduceMean(True)
RESHAPE, TRANSPOSE = Reshape(), Transpose()
STACK, GET_ITEM = Stack(), GetItem()
