"""The elementwise primitives and MatMul: forward and vjp side by side, the derivative as a comment.

``vjp(xp, dout, out, *inputs, needs)`` receives the gradient of the output (``dout``), the output
itself, the inputs and which inputs' gradients are needed, and returns one gradient per input (None
where one is not needed, if it likes), each shaped like the *broadcast* result: backward.py
sums it back to the input's shape (unbroadcast). ``xp`` is the backend (backends/numpy_backend.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtype as _dtype
from ..tensors import Tensor
from .primitive import _NO_ATTRS, CAST, Primitive, apply


_FLOAT32 = np.dtype(np.float32)


# -- elementwise, two inputs, NumPy broadcasting ------------------------------------------------

class _Binary(Primitive):
    def __call__(self, x: Any, y: Any) -> Tensor:
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)):
            x, y = self.tensors((x, y))
        if x._data.dtype is not y._data.dtype and x._data.dtype != y._data.dtype:
            x, y = _promoted(x, y)
        try:
            return apply(self, (x, y), _NO_ATTRS)
        except ValueError:
            try:  # say which shapes did not broadcast, in MindSpore's words
                np.broadcast_shapes(x._data.shape, y._data.shape)
            except ValueError:
                raise ValueError(f"For '{self.name}', x.shape and y.shape need to broadcast, but got "
                                 f"x.shape {list(x.shape)} and y.shape {list(y.shape)}.") from None
            raise


def _promoted(x: Tensor, y: Tensor) -> tuple:
    """x and y cast to MindSpore's common dtype (dtype.promote). The Cast is recorded like any
    primitive, so an integer input's gradient comes back through Cast's vjp in its own dtype."""
    common = _dtype.promote(x._data.dtype, y._data.dtype)
    return (x if x._data.dtype == common else CAST(x, common)), (y if y._data.dtype == common else CAST(y, common))


class Add(_Binary):
    name = "Add"
    vjp_reads = frozenset()

    def forward(self, xp, x, y):
        return xp.add(x, y)

    # d(x+y)/dx = 1, d(x+y)/dy = 1
    def vjp(self, xp, dout, out, x, y, needs):
        return dout, dout


class Sub(_Binary):
    name = "Sub"
    vjp_reads = frozenset()

    def forward(self, xp, x, y):
        return xp.sub(x, y)

    # d(x-y)/dx = 1, d(x-y)/dy = -1   (no negation when y's gradient is not needed: a loss's labels)
    def vjp(self, xp, dout, out, x, y, needs):
        return dout, (xp.neg(dout) if needs[1] else None)


class Mul(_Binary):
    name = "Mul"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x, y):
        return xp.mul(x, y)

    # d(xy)/dx = y, d(xy)/dy = x
    def vjp(self, xp, dout, out, x, y, needs):
        return xp.mul(dout, y), xp.mul(dout, x)


class Div(_Binary):
    name = "Div"

    def __call__(self, x: Any, y: Any) -> Tensor:
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)):
            x, y = self.tensors((x, y))
        if x._data.dtype.kind != "f" and y._data.dtype.kind != "f":
            # MindSpore's true division: integers divide as Float32 (Tensor([1, 2, 3]) / 2 is Float32)
            x, y = CAST(x, _FLOAT32), CAST(y, _FLOAT32)
        return _Binary.__call__(self, x, y)

    def forward(self, xp, x, y):
        return xp.div(x, y)

    # d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2 = -out/y
    def vjp(self, xp, dout, out, x, y, needs):
        dx = xp.div(dout, y)
        return dx, xp.neg(xp.mul(dx, out))


class _Comparison(_Binary):
    """A comparison gives a Bool tensor and is not differentiable: no gradient flows through it."""

    vjp_reads = frozenset()

    def vjp(self, xp, dout, out, x, y, needs):
        return None, None


class Greater(_Comparison):
    """``x > y`` as a Bool tensor."""

    name = "Greater"

    def forward(self, xp, x, y):
        return xp.greater(x, y)


class GreaterEqual(_Comparison):
    """``x >= y`` as a Bool tensor."""

    name = "GreaterEqual"

    def forward(self, xp, x, y):
        return xp.greater_equal(x, y)


class Equal(GreaterEqual):
    """``x == y`` as a Bool tensor (broadcasting, as in MindSpore); not differentiable. Built from the
    backend's comparisons: x >= y and y >= x (NaN: neither), "and" being the product of Bools."""

    name = "Equal"

    def forward(self, xp, x, y):
        return xp.mul(xp.greater_equal(x, y), xp.greater_equal(y, x))


class NotEqual(Equal):
    """``x != y`` as a Bool tensor: not (x == y), True > b being True exactly where b is False."""

    name = "NotEqual"

    def forward(self, xp, x, y):
        return xp.greater(xp.full((), True, np.bool_), Equal.forward(self, xp, x, y))


# -- elementwise, one input ---------------------------------------------------------------------

class _Unary(Primitive):
    def __call__(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For '{self.name}', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        return apply(self, (x,), _NO_ATTRS)


class Neg(_Unary):
    name = "Neg"
    vjp_reads = frozenset()

    def forward(self, xp, x):
        return xp.neg(x)

    # d(-x)/dx = -1
    def vjp(self, xp, dout, out, x, needs):
        return (xp.neg(dout),)


class Square(_Unary):
    name = "Square"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x):
        return xp.square(x)

    # d(x^2)/dx = 2x
    def vjp(self, xp, dout, out, x, needs):
        return (xp.mul(dout, xp.add(x, x)),)


class Exp(_Unary):
    name = "Exp"
    vjp_reads = frozenset({"out"})

    def forward(self, xp, x):
        return xp.exp(x)

    # d(e^x)/dx = e^x = out
    def vjp(self, xp, dout, out, x, needs):
        return (xp.mul(dout, out),)


class Log(_Unary):
    name = "Log"
    vjp_reads = frozenset({"inputs"})

    def forward(self, xp, x):
        return xp.log(x)

    # d(log x)/dx = 1/x
    def vjp(self, xp, dout, out, x, needs):
        return (xp.div(dout, x),)


class Tanh(_Unary):
    name = "Tanh"
    vjp_reads = frozenset({"out"})

    def forward(self, xp, x):
        return xp.tanh(x)

    # d(tanh x)/dx = 1 - tanh(x)^2 = 1 - out^2
    def vjp(self, xp, dout, out, x, needs):
        one = xp.full((), 1, out.dtype)
        return (xp.mul(dout, xp.sub(one, xp.mul(out, out))),)


class Sigmoid(_Unary):
    name = "Sigmoid"
    vjp_reads = frozenset({"out"})

    def forward(self, xp, x):
        return xp.sigmoid(x)

    # d(sigmoid x)/dx = sigmoid(x) (1 - sigmoid(x)) = out (1 - out)
    def vjp(self, xp, dout, out, x, needs):
        one = xp.full((), 1, out.dtype)
        return (xp.mul(dout, xp.mul(out, xp.sub(one, out))),)


class Pow(Primitive):
    """``x ** exponent`` for a Python-number exponent."""

    name = "Pow"
    vjp_reads = frozenset({"inputs"})

    def __call__(self, x: Any, exponent: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For 'Pow', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError(f"For 'Pow', mini_autograd takes a Python number as 'exponent', "
                            f"but got {type(exponent).__name__}.")
        if x._data.dtype.kind != "f" and (isinstance(exponent, float) or exponent < 0):
            x = CAST(x, "float32")  # as MindSpore: an integer tensor to a float or negative power is Float32
        return apply(self, (x,), {"exponent": exponent})

    def forward(self, xp, x, exponent):
        return xp.power(x, xp.full((), exponent, x.dtype))

    # d(x^p)/dx = p x^(p-1); for p = 0 it is 0 everywhere (0 * 0^-1 would be NaN at x = 0)
    def vjp(self, xp, dout, out, x, exponent, needs):
        if exponent == 0:
            return (xp.zeros(dout.shape, dout.dtype),)
        p = xp.full((), exponent, x.dtype)
        return (xp.mul(dout, xp.mul(p, xp.power(x, xp.full((), exponent - 1, x.dtype)))),)


# -- matrix product ------------------------------------------------------------------------------

class MatMul(Primitive):
    """``op(x) @ op(y)`` for 2-D x and y, op transposing when ``transpose_a``/``transpose_b`` is set."""

    name = "MatMul"
    vjp_reads = frozenset({"inputs"})

    def __init__(self, transpose_a: bool = False, transpose_b: bool = False) -> None:
        for arg, value in (("transpose_a", transpose_a), ("transpose_b", transpose_b)):
            if not isinstance(value, bool):
                raise TypeError(f"For 'MatMul', the argument '{arg}' should be bool, "
                                f"but got {type(value).__name__}.")
        self.transpose_a = transpose_a
        self.transpose_b = transpose_b

    def __call__(self, x: Any, y: Any) -> Tensor:
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)
                and x._data.ndim == 2 and y._data.ndim == 2  # ndim: no shape tuple made for the common case
                and x._data.shape[0 if self.transpose_a else 1] == y._data.shape[1 if self.transpose_b else 0]
                and x._data.dtype == y._data.dtype):
            self._refuse(x, y)
        return apply(self, (x, y), _NO_ATTRS)

    def _refuse(self, x: Any, y: Any) -> None:
        """Raise the error that says what is wrong with the inputs."""
        for arg, t in (("x", x), ("y", y)):
            if not isinstance(t, Tensor):
                raise TypeError(f"For 'MatMul', the input '{arg}' should be a Tensor, but got {type(t).__name__}.")
            if len(t._data.shape) != 2:
                raise ValueError(f"For 'MatMul', the input '{arg}' should be 2-D, but got shape {list(t.shape)}.")
        if x.dtype != y.dtype:  # MindSpore's MatMul does not promote: a Float64 input to a Float32 Dense fails
            raise TypeError(f"For 'MatMul', the type of 'y' should be the same as 'x', but got 'x' with type "
                            f"Tensor[{x.dtype}] and 'y' with type Tensor[{y.dtype}].")
        ta, tb = self.transpose_a, self.transpose_b
        raise ValueError(f"For 'MatMul', the inner dimensions must be equal, but x (shape {list(x.shape)}, "
                         f"transpose_a={ta}) gives {x._data.shape[0 if ta else 1]} columns and y (shape "
                         f"{list(y.shape)}, transpose_b={tb}) gives {y._data.shape[1 if tb else 0]} rows.")

    def forward(self, xp, x, y):
        return xp.matmul(x, y, self.transpose_a, self.transpose_b)

    # out = A B with A = op(x), B = op(y):  dA = dout B^T,  dB = A^T dout,
    # then transposed back where op transposed (dx = dA^T when transpose_a).
    # The two products are the expensive part of a network's backward pass: ``needs`` skips the one
    # whose gradient nobody asked for (the data's, in a training step).
    def vjp(self, xp, dout, out, x, y, needs):
        ta, tb = self.transpose_a, self.transpose_b
        dx = dy = None
        if needs[0]:
            dx = xp.matmul(y, dout, tb, True) if ta else xp.matmul(dout, y, False, not tb)
        if needs[1]:
            dy = xp.matmul(dout, x, True, ta) if tb else xp.matmul(x, dout, not ta, False)
        return dx, dy


# -- the instances Tensor's operators (operators.py) and the layers use ------------------------------
ADD, SUB, MUL, DIV, NEG = Add(), Sub(), Mul(), Div(), Neg()
SQUARE, POW, MATMUL = Square(), Pow(), MatMul()
EXP, LOG, TANH, SIGMOID = Exp(), Log(), Tanh(), Sigmoid()
GREATER, GREATER_EQUAL = Greater(), GreaterEqual()
EQUAL, NOT_EQUAL = Equal(), NotEqual()
