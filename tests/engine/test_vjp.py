"""Every primitive's vjp against central differences in float64, on hypothesis-drawn shapes.

For a primitive f and a random sensitivity s, the gradient the engine returns for input x must
equal d/dx sum(s * f(x)), estimated by central differences of a NumPy version of f written here
(independent of the engine). Shapes include 0-d and 1-d tensors and broadcasting.
"""
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mini_autograd.ops as ops
from mini_autograd import GradOperation, Tensor
from mini_autograd.ops.nn_ops import SOFTMAX_CROSS_ENTROPY

from tests.support.strategies import broadcast_pair, shape_and_axis, shapes


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def log_softmax(x):
    m = x - x.max(axis=-1, keepdims=True)
    return m - np.log(np.exp(m).sum(axis=-1, keepdims=True))


# name -> (engine function, NumPy reference, how to draw the input values)
UNARY = {
    "Neg": (ops.Neg(), np.negative, "any"),
    "Square": (ops.Square(), np.square, "any"),
    "Exp": (ops.Exp(), np.exp, "any"),
    "Log": (ops.Log(), np.log, "positive"),
    "Tanh": (ops.Tanh(), np.tanh, "any"),
    "Sin": (ops.Sin(), np.sin, "any"),
    "Cos": (ops.Cos(), np.cos, "any"),
    "Softplus": (ops.Softplus(), lambda x: np.log1p(np.exp(x)), "any"),
    "Sigmoid": (ops.Sigmoid(), sigmoid, "any"),
    "ReLU": (ops.ReLU(), lambda x: np.maximum(x, 0), "away_from_zero"),
    "Pow(2.5)": (lambda x: ops.Pow()(x, 2.5), lambda x: x ** 2.5, "positive"),
    "Pow(-1)": (lambda x: x ** -1, lambda x: x ** -1.0, "away_from_zero"),
}
BINARY = {
    "Add": (ops.Add(), np.add),
    "Sub": (ops.Sub(), np.subtract),
    "Mul": (ops.Mul(), np.multiply),
    "Div": (ops.Div(), np.divide),
}


def values(rng, shape, kind="any"):
    x = np.asarray(rng.uniform(-2, 2, shape))
    if kind == "positive":
        return np.asarray(np.abs(x) + 0.5)
    if kind == "away_from_zero":
        return np.asarray(np.sign(x + 1e-9) * (np.abs(x) + 0.3))
    return x


def central_differences(f, arrays, sens, eps=1e-6):
    """d/d arrays[i] of sum(sens * f(*arrays)), one element at a time."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = (np.sum(sens * f(*plus)) - np.sum(sens * f(*minus))) / (2 * eps)
        grads.append(g)
    return grads


def engine_grads(fn, arrays, sens):
    tensors = [Tensor(a) for a in arrays]
    grads = GradOperation(get_all=True, sens_param=True)(fn)(*tensors, Tensor(sens))
    return [g.asnumpy() for g in grads]


def check(fn, ref, arrays, rng):
    expected_value = ref(*arrays)
    value = fn(*[Tensor(a) for a in arrays]).asnumpy()
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
    sens = rng.uniform(-1, 1, np.shape(expected_value))
    got = engine_grads(fn, arrays, sens)
    want = central_differences(ref, arrays, sens)
    assert len(got) == len(want) == len(arrays)  # one gradient per input: zip would hide a missing one
    for g, w, a in zip(got, want, arrays):
        assert g.shape == a.shape and g.dtype == np.float64
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(deadline=None)
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_unary_vjp_matches_central_differences(name, shape, seed):
    fn, ref, kind = UNARY[name]
    rng = np.random.default_rng(seed)
    check(fn, ref, [values(rng, shape, kind)], rng)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(deadline=None)
@given(pair=broadcast_pair(), seed=st.integers(0, 2**32 - 1))
def test_binary_vjp_with_broadcasting_matches_central_differences(name, pair, seed):
    fn, ref = BINARY[name]
    rng = np.random.default_rng(seed)
    a = values(rng, pair[0])
    b = values(rng, pair[1], "away_from_zero" if name == "Div" else "any")
    check(fn, ref, [a, b], rng)


@settings(deadline=None)
@given(m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4), ta=st.booleans(), tb=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_vjp_with_transpose_flags(m, k, n, ta, tb, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-2, 2, (k, m) if ta else (m, k))
    b = rng.uniform(-2, 2, (n, k) if tb else (k, n))
    ref = lambda a, b: (a.T if ta else a) @ (b.T if tb else b)  # noqa: E731
    check(ops.MatMul(transpose_a=ta, transpose_b=tb), ref, [a, b], rng)


def _all_primitives(cls=ops.Primitive):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_primitives(sub)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_a_primitive_declaring_exact_gradients_returns_them_exact(ta, tb, dtype):
    """MatMul's vjp returns each gradient in its input's shape and dtype by itself (the sweep's fit
    finds nothing to do)."""
    rng = np.random.default_rng(0)
    m, k, n = 2, 3, 4  # all different: a transposed gradient would show in its shape
    x = rng.uniform(-2, 2, (k, m) if ta else (m, k)).astype(dtype)
    y = rng.uniform(-2, 2, (n, k) if tb else (k, n)).astype(dtype)
    prim = ops.MatMul(transpose_a=ta, transpose_b=tb)
    xp = Tensor(x)._backend
    out = prim.forward(xp, x, y)
    assert out.shape == (m, n) and out.dtype == dtype
    dx, dy = prim.vjp(xp, np.ones_like(out), out, x, y, needs=(True, True))
    assert (dx.shape, dx.dtype) == (x.shape, x.dtype)
    assert (dy.shape, dy.dtype) == (y.shape, y.dtype)


@pytest.mark.parametrize("op_name", ["ReduceSum", "ReduceMean"])
@pytest.mark.parametrize("keep_dims", [False, True])
@settings(deadline=None)
@given(sa=shape_and_axis(), seed=st.integers(0, 2**32 - 1))
def test_reductions_vjp(op_name, keep_dims, sa, seed):
    shape, axis = sa
    op = getattr(ops, op_name)(keep_dims=keep_dims)
    np_axis = axis if axis else None
    np_fn = np.sum if op_name == "ReduceSum" else np.mean
    rng = np.random.default_rng(seed)
    check(lambda x: op(x, axis), lambda x: np_fn(x, axis=np_axis, keepdims=keep_dims), [values(rng, shape)], rng)


@settings(deadline=None)
@given(shape=shapes(min_dims=1), seed=st.integers(0, 2**32 - 1))
def test_transpose_and_reshape_vjp(shape, seed):
    rng = np.random.default_rng(seed)
    perm = tuple(rng.permutation(len(shape)).tolist())
    x = values(rng, shape)
    check(lambda t: ops.Transpose()(t, perm), lambda a: np.transpose(a, perm), [x], rng)
    check(lambda t: ops.Reshape()(t, (-1,)), lambda a: a.reshape(-1), [x], rng)
    check(lambda t: t.sum(axis=0, keepdims=True).squeeze(0), lambda a: a.sum(axis=0), [x], rng)


@settings(deadline=None)
@given(n=st.integers(1, 4), c=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_vjp(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = values(rng, (n, c))
    labels = rng.dirichlet(np.ones(c), size=n)  # soft labels: rows sum to 1, as MindSpore's gradient assumes
    check(lambda x: SOFTMAX_CROSS_ENTROPY(x, Tensor(labels)), lambda x: -(labels * log_softmax(x)).sum(axis=1),
          [logits], rng)
    # the labels are data: MindSpore 2.10 passes them no gradient (zeros), and so do we
    _, g_labels = engine_grads(SOFTMAX_CROSS_ENTROPY, [logits, labels], np.ones(n))
    assert np.array_equal(g_labels, np.zeros_like(labels))


def test_a_composite_function_of_several_primitives():
    """f(x, w) = sum(tanh(x @ w) * sigmoid(x @ w)) / 3 - a chain where every vjp feeds the next."""
    rng = np.random.default_rng(0)
    x, w = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 2))

    def fn(x, w):
        h = ops.MatMul()(x, w)
        return ops.Tanh()(h) * ops.Sigmoid()(h) / 3.0

    check(fn, lambda x, w: np.tanh(x @ w) * sigmoid(x @ w) / 3.0, [x, w], rng)


def test_every_vjp_takes_needs():
    """The sweep passes every vjp ``needs`` (a bool per input: is its gradient wanted?), so every
    primitive's vjp takes it (issue 23: one way to call a rule, no partial_vjp flag)."""
    missing = [c.__name__ for c in _all_primitives()
               if "vjp" in vars(c) and "needs" not in inspect.signature(c.vjp).parameters]
    assert missing == []
