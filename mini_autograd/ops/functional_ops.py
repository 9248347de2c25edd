"""MindSpore 2.x's functional forms (``ops.mul(x, y)``, ``ops.sin(x)``, ``ops.ones(3)``, ...): thin
wrappers over the primitive classes, so each records the one primitive a learner sees in the graph.
Also ``ops.stop_gradient`` and ``ops.binary_cross_entropy_with_logits`` (MindSpore's beginner
tutorial), the latter written with primitives whose vjps already exist.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtype as _dtype
from ..tensors import Tensor
from . import math_ops as M
from .array_ops import MEAN, MEAN_KEEP, RESHAPE, STACK, SUM, SUM_KEEP, TRANSPOSE, BroadcastTo
from .nn_ops import RELU
from .primitive import CAST
from .unary_ops import COS, SIN, SOFTPLUS, STOP_GRADIENT

_T_B = M.MatMul(transpose_b=True)


def _shape_arg(who: str, shape: Any) -> tuple:
    if isinstance(shape, Tensor) and shape.ndim <= 1 and shape.dtype.np_dtype.kind in "iu":
        shape = [int(n) for n in shape.asnumpy().reshape(-1)]  # a shape given as an integer tensor
    shape = (shape,) if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool) else shape
    if not isinstance(shape, (tuple, list)) or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                                       and n >= 0 for n in shape):
        raise TypeError(f"For '{who}', the argument 'shape' should be a non-negative int or a tuple of them, "
                        f"but got {shape!r}.")
    return tuple(int(n) for n in shape)


def _tensor(who: str, arg: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"For '{who}', the input '{arg}' should be a Tensor, but got {type(x).__name__}.")
    return x


# -- tensors made from a shape: constants, leaves of the graph ------------------------------------------

def ones(shape: Any, dtype: Any = None) -> Tensor:
    return Tensor(np.ones(_shape_arg("ones", shape), _dtype.to_numpy(dtype or _dtype.float32)))


def zeros(size: Any, dtype: Any = None) -> Tensor:
    return Tensor(np.zeros(_shape_arg("zeros", size), _dtype.to_numpy(dtype or _dtype.float32)))


def ones_like(input: Any, *, dtype: Any = None) -> Tensor:  # noqa: A002  (MindSpore's argument name)
    x = _tensor("ones_like", "input", input)
    return Tensor(np.ones(x.shape, _dtype.to_numpy(dtype) if dtype is not None else x._data.dtype))


def zeros_like(input: Any, *, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _tensor("zeros_like", "input", input)
    return Tensor(np.zeros(x.shape, _dtype.to_numpy(dtype) if dtype is not None else x._data.dtype))


def randn(*size: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Standard normal draws from NumPy's global generator, which ``set_seed`` seeds (MindSpore's own
    generator gives other numbers for the same seed)."""
    shape = _shape_arg("randn", tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size)
    rng = np.random if seed is None else np.random.default_rng(seed)
    return Tensor(np.asarray(rng.standard_normal(shape)).astype(_dtype.to_numpy(dtype or _dtype.float32)))


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None) -> Tensor:
    """start, start + step, ... before end; Int64 for ints, Float32 when any is a float (as MindSpore)."""
    start, end = (0, start) if end is None else (start, end)
    floats = any(isinstance(v, float) for v in (start, end, step))
    values = np.arange(start, end, step, dtype=np.float32 if floats else np.int64)
    return Tensor(values if dtype is None else values.astype(_dtype.to_numpy(dtype)))


def eye(n: int, m: int | None = None, dtype: Any = None) -> Tensor:
    return Tensor(np.eye(n, n if m is None else m, dtype=_dtype.to_numpy(dtype or _dtype.float32)))


# -- one primitive each --------------------------------------------------------------------------------

def add(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.ADD(input, other)


def sub(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.SUB(input, other)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.MUL(input, other)


def div(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.DIV(input, other)


def neg(input: Any) -> Tensor:  # noqa: A002
    return M.NEG(input)


def square(input: Any) -> Tensor:  # noqa: A002
    return M.SQUARE(input)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001,A002
    return M.POW(input, exponent)


def exp(input: Any) -> Tensor:  # noqa: A002
    return M.EXP(input)


def log(input: Any) -> Tensor:  # noqa: A002
    return M.LOG(input)


def sin(input: Any) -> Tensor:  # noqa: A002
    return SIN(input)


def cos(input: Any) -> Tensor:  # noqa: A002
    return COS(input)


def tanh(input: Any) -> Tensor:  # noqa: A002
    return M.TANH(input)


def sigmoid(input: Any) -> Tensor:  # noqa: A002
    return M.SIGMOID(input)


def relu(input: Any) -> Tensor:  # noqa: A002
    return RELU(input)


def softplus(input: Any, beta: int = 1, threshold: int = 20) -> Tensor:  # noqa: A002
    """log(1 + e^(beta x)) / beta. (MindSpore switches to x above ``threshold``; computed exactly
    here, the two agree there to float32's precision.)"""
    return SOFTPLUS(input) if beta == 1 else M.DIV(SOFTPLUS(M.MUL(input, beta)), beta)


def equal(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.EQUAL(input, other)


def greater(input: Any, other: Any) -> Tensor:  # noqa: A002
    return M.GREATER(input, other)


def cast(input: Any, dtype: Any) -> Tensor:  # noqa: A002
    return CAST(input, dtype)


def sum(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    return (SUM_KEEP if keepdim else SUM)(input, () if dim is None else dim)


def mean(input: Any, axis: Any = None, keep_dims: bool = False) -> Tensor:  # noqa: A002
    return (MEAN_KEEP if keep_dims else MEAN)(input, () if axis is None else axis)


def reshape(input: Any, shape: Any) -> Tensor:  # noqa: A002
    return RESHAPE(input, shape)


def transpose(input: Any, input_perm: Any) -> Tensor:  # noqa: A002
    return TRANSPOSE(input, input_perm)


def broadcast_to(input: Any, shape: Any) -> Tensor:  # noqa: A002
    """As MindSpore, -1 in ``shape`` keeps that axis of the input (aligned from the right)."""
    return BroadcastTo(shape)(input)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    if axis != 0:  # moved there by a transpose: the Stack primitive stacks along the first axis
        out = STACK(tensors)
        axis = axis % out.ndim
        return TRANSPOSE(out, tuple(range(1, axis + 1)) + (0,) + tuple(range(axis + 1, out.ndim)))
    return STACK(tensors)


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """NumPy's matmul for 1-D and 2-D operands: a 1-D operand is a row (on the left) or a column (on
    the right), its extra axis removed from the result. MatMul, between two Reshapes."""
    x, y = _tensor("matmul", "input", input), _tensor("matmul", "other", other)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ValueError(f"For 'matmul', mini_autograd multiplies 1-D and 2-D tensors, but got shapes "
                         f"{list(x.shape)} and {list(y.shape)}.")
    a = RESHAPE(x, (1, x.shape[0])) if x.ndim == 1 else x
    b = RESHAPE(y, (y.shape[0], 1)) if y.ndim == 1 else y
    out = M.MATMUL(a, b)
    if x.ndim == 1 or y.ndim == 1:
        out = RESHAPE(out, tuple(n for n, keep in zip(out.shape, (x.ndim == 2, y.ndim == 2)) if keep))
    return out


def dense(input: Any, weight: Any, bias: Any = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``, nn.Dense's computation, for a 2-D input or a 1-D one (a row)."""
    x = _tensor("dense", "input", input)
    out = _T_B(RESHAPE(x, (1, x.shape[0])), weight) if x.ndim == 1 else _T_B(x, weight)
    out = RESHAPE(out, (out.shape[1],)) if x.ndim == 1 else out
    return out if bias is None else M.ADD(out, bias)


# -- autodiff's own ---------------------------------------------------------------------------------------

def stop_gradient(value: Any) -> Any:
    """``value`` unchanged, but no gradient flows back through it: for every transform, a constant.
    Tuples and lists are stopped element by element, as MindSpore's."""
    if isinstance(value, (tuple, list)):
        return type(value)(stop_gradient(v) for v in value)
    if not isinstance(value, Tensor):
        return value  # a Python number has no gradient to stop
    return STOP_GRADIENT(value)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, pos_weight: Any = None,  # noqa: A002
                                     reduction: str = "mean") -> Tensor:
    """weight * -(pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), reduced.

    Written as weight * ((1 - y) x + (1 + (pos_weight - 1) y) softplus(-x)), the same function
    without a log of a sigmoid that rounds to 0. As MindSpore 2.10, the weights get no gradient
    (zeros) and the target does."""
    x, y = _tensor("binary_cross_entropy_with_logits", "input", input), \
        _tensor("binary_cross_entropy_with_logits", "target", target)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"For 'binary_cross_entropy_with_logits', 'reduction' should be 'mean', 'sum' or "
                         f"'none', but got {reduction!r}.")
    scale = M.ADD(1, M.MUL(M.SUB(STOP_GRADIENT(pos_weight), 1), y)) if pos_weight is not None else None
    soft = SOFTPLUS(M.NEG(x))
    loss = M.ADD(M.MUL(M.SUB(1, y), x), soft if scale is None else M.MUL(scale, soft))
    if weight is not None:
        loss = M.MUL(STOP_GRADIENT(weight), loss)
    if reduction == "mean":
        return MEAN(loss, ())
    return SUM(loss, ()) if reduction == "sum" else loss
