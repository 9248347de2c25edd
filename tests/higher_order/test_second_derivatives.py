"""Every primitive's second derivative against float64 central differences, on hypothesis-drawn shapes.

For a primitive f, s(x) = sum(w * f(x)) with random w: the engine's gradient g = grad(s) is computed
inside an outer transform that differentiates <g(x), v>, giving the Hessian-vector product H v
(second_order.py). Both g (as the recorded backward computed it) and H v must match central
differences of a NumPy f written here. Primitives linear in their inputs (Add, Sub, Neg, the
reductions and shape ops, Cast, BroadcastTo, Stack, GetItem) and the piecewise linear ReLU and
ReluGrad have a zero Hessian, which no wrong second-order rule would change: they are squared
(Square after them), so that H v = J^T diag(2w) J v runs their vjp and the vjp of their vjp.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Tensor
from mini_autograd.ops.array_ops import GET_ITEM, STACK, BroadcastTo
from mini_autograd.ops.math_ops import SQUARE
from mini_autograd.ops.nn_ops import RELU_GRAD
from mini_autograd.ops.nn_ops import LOG_SOFTMAX, SOFTMAX_CROSS_ENTROPY
from mini_autograd.ops.primitive import CAST

from tests.support import strategies
from tests.support.second_order import check_second_order


def shapes(min_dims=0, max_dims=3):
    return strategies.shapes(min_dims, max_dims, max_side=3)  # small: each example nests transforms


def values(rng, shape, kind="any"):
    x = np.asarray(rng.uniform(-2, 2, shape))
    if kind == "positive":
        return np.asarray(np.abs(x) + 0.5)
    if kind == "away_from_zero":  # |x| >= 0.5: the differences (steps 1e-4) never cross a kink or a pole
        return np.asarray(np.sign(x + 1e-9) * (np.abs(x) + 0.5))
    return x


def squared(fn):
    return lambda *xs: SQUARE(fn(*xs))


def np_squared(fn):
    return lambda *xs: np.square(fn(*xs))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def log_softmax(x):
    m = x - x.max(axis=-1, keepdims=True)
    return m - np.log(np.exp(m).sum(axis=-1, keepdims=True))


def relu(x):
    return np.maximum(x, 0)


# name -> (engine function, NumPy reference, how to draw the input values)
UNARY = {
    "Neg": (squared(ops.Neg()), np_squared(np.negative), "any"),
    "Square": (ops.Square(), np.square, "any"),
    "Exp": (ops.Exp(), np.exp, "any"),
    "Log": (ops.Log(), np.log, "positive"),
    "Tanh": (ops.Tanh(), np.tanh, "any"),
    "Sin": (ops.Sin(), np.sin, "any"),
    "Cos": (ops.Cos(), np.cos, "any"),
    "Softplus": (ops.Softplus(), lambda x: np.log1p(np.exp(x)), "any"),
    "Sigmoid": (ops.Sigmoid(), sigmoid, "any"),
    "ReLU": (squared(ops.ReLU()), np_squared(relu), "away_from_zero"),
    "ReLU, not squared": (ops.ReLU(), relu, "away_from_zero"),  # H = 0: nothing made of the mask's step
    "Pow(2)": (lambda x: ops.Pow()(x, 2), lambda x: x ** 2, "any"),
    "Pow(3)": (lambda x: ops.Pow()(x, 3), lambda x: x ** 3, "any"),
    "Pow(-1)": (lambda x: ops.Pow()(x, -1), lambda x: x ** -1.0, "away_from_zero"),
    "Pow(-2)": (lambda x: ops.Pow()(x, -2), lambda x: x ** -2.0, "away_from_zero"),
    "Pow(2.5)": (lambda x: ops.Pow()(x, 2.5), lambda x: x ** 2.5, "positive"),
    "Pow(0.5)": (lambda x: ops.Pow()(x, 0.5), np.sqrt, "positive"),
    "Pow(-1.5)": (lambda x: ops.Pow()(x, -1.5), lambda x: x ** -1.5, "positive"),
}
BINARY = {
    "Add": (squared(ops.Add()), np_squared(np.add)),
    "Sub": (squared(ops.Sub()), np_squared(np.subtract)),
    "Mul": (ops.Mul(), np.multiply),
    "Mul, squared": (squared(ops.Mul()), np_squared(np.multiply)),
    "Div": (ops.Div(), np.divide),
    # logits and labels (MindSpore 2.10 has no second derivative here: README's departures table)
    "binary_cross_entropy_with_logits": (
        lambda x, y: ops.binary_cross_entropy_with_logits(x, y, reduction="none"),
        lambda x, y: (1 - y) * x + np.log1p(np.exp(-x))),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(deadline=None)
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_unary_second_derivative(name, shape, seed):
    fn, ref, kind = UNARY[name]
    rng = np.random.default_rng(seed)
    check_second_order(fn, ref, [values(rng, shape, kind)], rng)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(deadline=None)
@given(pair=strategies.broadcast_pair(max_side=3), seed=st.integers(0, 2**32 - 1))
def test_binary_second_derivative_with_broadcasting(name, pair, seed):
    """Broadcasting: the recorded backward sums each gradient back to its input's shape, and the
    outer transform differentiates that sum too."""
    fn, ref = BINARY[name]
    rng = np.random.default_rng(seed)
    a = values(rng, pair[0])
    b = values(rng, pair[1], "away_from_zero" if name == "Div" else "any")
    check_second_order(fn, ref, [a, b], rng)


@settings(deadline=None)
@given(m=st.integers(1, 3), k=st.integers(1, 3), n=st.integers(1, 3), ta=st.booleans(), tb=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_second_derivative_with_transpose_flags(m, k, n, ta, tb, seed):
    """s = sum(w * op(a) op(b)) is bilinear: H v = (w-weighted products of v_b, v_a), the cross terms."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-2, 2, (k, m) if ta else (m, k))
    b = rng.uniform(-2, 2, (n, k) if tb else (k, n))
    ref = lambda a, b: (a.T if ta else a) @ (b.T if tb else b)  # noqa: E731
    matmul = ops.MatMul(transpose_a=ta, transpose_b=tb)
    check_second_order(matmul, ref, [a, b], rng)
    check_second_order(squared(matmul), np_squared(ref), [a, b], rng)


@pytest.mark.parametrize("op_name", ["ReduceSum", "ReduceMean"])
@pytest.mark.parametrize("keep_dims", [False, True])
@settings(deadline=None)
@given(sa=strategies.shape_and_axis(max_side=3), seed=st.integers(0, 2**32 - 1))
def test_reductions_second_derivative(op_name, keep_dims, sa, seed):
    shape, axis = sa
    op = getattr(ops, op_name)(keep_dims=keep_dims)
    np_axis = axis if axis else None
    np_fn = np.sum if op_name == "ReduceSum" else np.mean
    rng = np.random.default_rng(seed)
    check_second_order(squared(lambda x: op(x, axis)),
                       np_squared(lambda x: np_fn(x, axis=np_axis, keepdims=keep_dims)), [values(rng, shape)], rng)


@settings(deadline=None)
@given(shape=shapes(min_dims=1), seed=st.integers(0, 2**32 - 1))
def test_reshape_and_transpose_second_derivative(shape, seed):
    rng = np.random.default_rng(seed)
    perm = tuple(rng.permutation(len(shape)).tolist())
    x = values(rng, shape)
    target = (int(np.prod(shape)),) if len(shape) == 1 else (shape[0], -1)
    check_second_order(squared(lambda t: ops.Transpose()(t, perm)), np_squared(lambda a: np.transpose(a, perm)),
                       [x], rng)
    check_second_order(squared(lambda t: ops.Reshape()(t, target)), np_squared(lambda a: a.reshape(target)), [x], rng)


@settings(deadline=None)
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_cast_float32_to_float64_second_derivative(shape, seed):
    """The gradients come back in the input's dtype, float32: a float32 tolerance."""
    rng = np.random.default_rng(seed)
    x = values(rng, shape).astype(np.float32)
    check_second_order(squared(lambda t: CAST(t, np.float64)), np.square, [x], rng, rtol=1e-5, atol=1e-5)


@st.composite
def broadcast_target(draw):
    """A shape and one it broadcasts to: new leading axes, and axes of length 1 stretched."""
    target = draw(shapes(min_dims=0))
    k = draw(st.integers(0, len(target)))
    source = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - k:])
    return source, target


@settings(deadline=None)
@given(st_=broadcast_target(), seed=st.integers(0, 2**32 - 1))
def test_broadcast_to_second_derivative(st_, seed):
    source, target = st_
    rng = np.random.default_rng(seed)
    check_second_order(squared(BroadcastTo(target)), np_squared(lambda a: np.broadcast_to(a, target)),
                       [values(rng, source)], rng)


@settings(deadline=None)
@given(shape=shapes(), count=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_stack_second_derivative(shape, count, seed):
    rng = np.random.default_rng(seed)
    xs = [values(rng, shape) for _ in range(count)]
    check_second_order(squared(lambda *ts: STACK(ts)), np_squared(lambda *a: np.stack(a)), xs, rng)


@settings(deadline=None)
@given(shape=shapes(min_dims=1), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_get_item_second_derivative(shape, data, seed):
    index = data.draw(st.integers(-shape[0], shape[0] - 1))
    rng = np.random.default_rng(seed)
    check_second_order(squared(lambda t: GET_ITEM(t, index)), np_squared(lambda a: a[index]), [values(rng, shape)], rng)


@settings(deadline=None)
@given(shape=shapes(min_dims=1), seed=st.integers(0, 2**32 - 1))
def test_log_softmax_second_derivative(shape, seed):
    rng = np.random.default_rng(seed)
    check_second_order(LOG_SOFTMAX, log_softmax, [values(rng, shape)], rng)


@settings(deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_second_derivative(n, c, seed):
    """With respect to the logits (the labels are data, as in MindSpore: they get no gradient, so
    the Hessian-vector product moves the logits only), by the primitive and by the nn loss."""
    rng = np.random.default_rng(seed)
    logits = values(rng, (n, c))
    labels = rng.dirichlet(np.ones(c), size=n)  # soft labels: rows sum to 1, as MindSpore's gradient assumes
    ref = lambda x, y: -(y * log_softmax(x)).sum(axis=1)  # noqa: E731
    check_second_order(SOFTMAX_CROSS_ENTROPY, ref, [logits, labels], rng, positions=(0,))
    loss = nn.SoftmaxCrossEntropyWithLogits(reduction="mean")
    check_second_order(loss, lambda x, y: ref(x, y).mean(), [logits, labels], rng, positions=(0,))


@settings(deadline=None)
@given(n=st.integers(1, 3), c=st.integers(2, 4), seed=st.integers(0, 2**32 - 1))
def test_sparse_softmax_cross_entropy_second_derivative(n, c, seed):
    """Class indices as labels (a one-hot made inside the loss): the second derivative of the logits."""
    rng = np.random.default_rng(seed)
    logits = values(rng, (n, c))
    labels = rng.integers(0, c, n)
    hot = np.eye(c)[labels]
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="sum")
    check_second_order(lambda x: loss(x, Tensor(labels.astype(np.int32))),
                       lambda x: -(hot * log_softmax(x)).sum(), [logits], rng)


@settings(deadline=None)
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_relu_grad_second_derivative(shape, seed):
    """ReluGrad(dout, out): dout where out > 0. Linear in dout, a step in out (no gradient there,
    and none in the differences: out is kept 0.5 away from 0)."""
    rng = np.random.default_rng(seed)
    dout, out = values(rng, shape), values(rng, shape, "away_from_zero")
    check_second_order(squared(RELU_GRAD), np_squared(lambda d, o: d * (o > 0)), [dout, out], rng)


def test_a_composite_second_derivative():
    """f(x, w) = tanh(x @ w) * sigmoid(x @ w) / 3: the recorded backward of a chain, differentiated."""
    rng = np.random.default_rng(0)
    x, w = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 2))

    def fn(x, w):
        h = ops.MatMul()(x, w)
        return ops.Tanh()(h) * ops.Sigmoid()(h) / 3.0

    check_second_order(fn, lambda x, w: np.tanh(x @ w) * sigmoid(x @ w) / 3.0, [x, w], rng)
