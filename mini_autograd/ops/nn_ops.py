"""Primitives for networks: the ReLU activation (and its backward, a primitive of its own for higher
order) and softmax cross-entropy, with its gradient softmax(logits) - labels."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensors import Tensor
from .math_ops import _Unary
from .primitive import _NO_ATTRS, Primitive, apply


class ReLU(_Unary):
    name = "ReLU"
    vjp_reads = frozenset({"out"})

    def forward(self, xp, x):
        return xp.relu(x)

    # d(max(x, 0))/dx = 1 where x > 0, else 0 (0 at x = 0, as MindSpore). out > 0 exactly where
    # x > 0, and out is the array the next layer has just read: still in the cache.
    def vjp(self, xp, dout, out, x, needs):
        return (xp.relu_grad(dout, out),)


class ReluGrad(Primitive):
    """ReLU's backward as a primitive of its own: ``dout`` where ReLU's output ``out`` is > 0, else 0.
    A recorded backward pass (higher order, recorded_backend.py) runs it, so it needs a vjp too."""

    name = "ReluGrad"
    vjp_reads = frozenset({"inputs"})

    def __call__(self, dout: Any, out: Any) -> Tensor:
        return apply(self, (dout, out), _NO_ATTRS)

    def forward(self, xp, dout, out):
        return xp.relu_grad(dout, out)

    # linear in dout with the same mask: d/d(dout) = relu_grad(g, out); a step in out: 0 almost everywhere
    def vjp(self, xp, g, result, dout, out, needs):
        return xp.relu_grad(g, out), None


RELU, RELU_GRAD = ReLU(), ReluGrad()


class SoftmaxCrossEntropy(Primitive):
    """Per-row loss ``-sum(labels * log_softmax(logits))`` for logits and one-hot (or soft) labels, shape (N, C)."""

    name = "SoftmaxCrossEntropy"
    vjp_reads = frozenset({"inputs"})

    def __call__(self, logits: Any, labels: Any) -> Tensor:
        for arg, t in (("logits", logits), ("labels", labels)):
            if not isinstance(t, Tensor):
                raise TypeError(f"For '{self.name}', '{arg}' should be a Tensor, but got {type(t).__name__}.")
        if logits.ndim != 2 or labels.shape != logits.shape:
            raise ValueError(f"For '{self.name}', 'logits' should be 2-D and 'labels' of the same shape, "
                             f"but got logits {list(logits.shape)} and labels {list(labels.shape)}.")
        if logits.dtype != labels.dtype:  # MindSpore 2.10 refuses the mix (TypeError) rather than promote
            raise TypeError(f"For 'SoftmaxCrossEntropyWithLogits', 'logits' and 'labels' should have the same "
                            f"dtype, but got 'logits' {logits.dtype} and 'labels' {labels.dtype}.")
        return apply(self, (logits, labels), _NO_ATTRS)

    def forward(self, xp, logits, labels):
        return xp.neg(xp.sum(xp.mul(labels, xp.log_softmax(logits)), (1,), False))

    # d(loss)/d(logits) = softmax(logits) * sum(labels) - labels = softmax(logits) - labels when each
    # label row sums to 1, which MindSpore assumes: it returns softmax - labels for any labels.
    # The labels are data: MindSpore 2.10 passes them no gradient (its ForwardValueAndGrad docstring
    # example prints zeros for them), and neither do we, though -log_softmax(logits) would be theirs.
    def vjp(self, xp, dout, out, logits, labels, needs):
        d = xp.reshape(dout, (dout.shape[0], 1))
        return xp.mul(d, xp.sub(xp.exp(xp.log_softmax(logits)), labels)), None


SOFTMAX_CROSS_ENTROPY = SoftmaxCrossEntropy()


class LogSoftmax(Primitive):
    """``log(softmax(x))`` over the last axis (MindSpore's ``ops.LogSoftmax(axis=-1)``)."""

    name = "LogSoftmax"
    vjp_reads = frozenset({"out"})

    def __init__(self, axis: int = -1) -> None:
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"For 'LogSoftmax', the argument 'axis' should be an int, but got {type(axis).__name__}.")
        self.axis = axis

    def __call__(self, logits: Any) -> Tensor:
        if not isinstance(logits, Tensor):
            raise TypeError(f"For 'LogSoftmax', the input 'logits' should be a Tensor, "
                            f"but got {type(logits).__name__}.")
        if logits.ndim == 0 or self.axis not in (-1, logits.ndim - 1):
            raise ValueError(f"For 'LogSoftmax', mini_autograd computes over the last axis of a tensor of rank "
                             f">= 1, but got axis {self.axis} for shape {list(logits.shape)}.")
        return apply(self, (logits,), _NO_ATTRS)

    def forward(self, xp, logits):
        return xp.log_softmax(logits)

    # out_i = x_i - log(sum_j e^x_j):  d out_i / d x_k = [i = k] - softmax_k, so
    # dx = dout - softmax * sum(dout) over the axis, softmax being exp(out)
    def vjp(self, xp, dout, out, logits, needs):
        last = (len(out.shape) - 1,)
        return (xp.sub(dout, xp.mul(xp.exp(out), xp.sum(dout, last, True))),)


LOG_SOFTMAX = LogSoftmax()


class OneHot(Primitive):
    """Rows of the identity: ``indices`` (N,) of ints -> (N, depth) of ``dtype``. Not differentiable."""

    name = "OneHot"
    vjp_reads = frozenset()

    def __call__(self, indices: Any, depth: int, dtype: Any) -> Tensor:
        if not isinstance(indices, Tensor) or indices.dtype.np_dtype.kind not in "iu" or indices.ndim != 1:
            got = f"{indices.dtype} of shape {list(indices.shape)}" if isinstance(indices, Tensor) else \
                type(indices).__name__
            raise TypeError(f"For '{self.name}', 'indices' should be a 1-D integer Tensor, but got {got}.")
        return apply(self, (indices,), {"depth": depth, "dtype": dtype})

    def forward(self, xp, indices, depth, dtype):
        _check_labels(xp, indices, depth)
        return xp.one_hot(indices, depth, dtype)

    # the labels are data, not something learned: no gradient
    def vjp(self, xp, dout, out, indices, depth, dtype, needs):
        return (None,)


ONE_HOT = OneHot()  # the sparse labels of nn.SoftmaxCrossEntropyWithLogits, its one user


def _check_labels(xp: Any, labels: Any, depth: int) -> None:
    """A label out of [0, depth) would give a silent zero row (or count from the end): refuse it, on
    both devices alike, before the one-hot kernel runs. RuntimeError, as MindSpore 2.10's
    SparseSoftmaxCrossEntropyWithLogits. On the GPU the labels (N integers) are copied to the host."""
    host = xp.to_numpy(labels)
    bad = np.flatnonzero((host < 0) | (host >= depth))
    if bad.size:
        raise RuntimeError(f"For 'SoftmaxCrossEntropyWithLogits', each value of 'labels' should be a class "
                           f"index in [0, {depth}), but got {host[bad[0]]} (labels[{bad[0]}]).")
