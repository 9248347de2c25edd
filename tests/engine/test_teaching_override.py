"""ops.override_vjp, the hook notebook 06 uses to plug a learner's vjp into the engine.

A right rule must give the hand-derived gradients, a wrong one the wrong gradients it computes (so
the engine really calls it), and the primitive's own vjp must be back afterwards, error or not.
Expected values are NumPy float64 hand derivations: d sum(s * (x @ y)) / dx = s y^T, / dy = x^T s;
d sum(s * (x * b)) / db sums s * x over the broadcast axis.
"""
import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import GradOperation, Parameter, Tensor, context
from mini_autograd.ops.math_ops import MatMul, Mul

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])
S = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]])


def f32(a):
    return Tensor(np.asarray(a, np.float32))


def matmul_grads(x=X, y=Y, s=S, prim=None):
    prim = prim or ops.MatMul()
    dx, dy = GradOperation(get_all=True, sens_param=True)(lambda a, b: prim(a, b))(f32(x), f32(y), f32(s))
    return dx.asnumpy(), dy.asnumpy()


def right_matmul(dout, x, y):
    return dout @ y.T, x.T @ dout


def transpose_forgotten(dout, x, y):  # the classic mistake: works only where y happens to be square
    return dout @ y, x.T @ dout


def right_mul(dout, x, b):
    dx = dout * b
    db = dout * x
    return dx, db.sum(axis=tuple(range(db.ndim - b.ndim))).reshape(b.shape)


def test_a_right_matmul_rule_gives_the_hand_derived_gradients():
    with ops.override_vjp(ops.MatMul, right_matmul):
        dx, dy = matmul_grads()
    np.testing.assert_allclose(dx, S @ Y.T, rtol=1e-6)
    np.testing.assert_allclose(dy, X.T @ S, rtol=1e-6)


def test_a_wrong_rule_gives_its_wrong_gradients_and_the_engine_rule_comes_back():
    original = MatMul.__dict__["vjp"]
    with ops.override_vjp(ops.MatMul, transpose_forgotten):
        dx, _ = matmul_grads()
    np.testing.assert_allclose(dx, S @ Y, rtol=1e-6)  # the wrong rule was called ...
    assert not np.allclose(dx, S @ Y.T, rtol=1e-3)  # ... and its answer is not the gradient
    assert MatMul.__dict__["vjp"] is original and MatMul.vjp_reads == frozenset({"inputs"})
    dx, dy = matmul_grads()
    np.testing.assert_allclose(dx, S @ Y.T, rtol=1e-6)
    np.testing.assert_allclose(dy, X.T @ S, rtol=1e-6)


def test_the_engine_rule_comes_back_after_an_error_in_the_block_or_in_the_rule():
    original = Mul.__dict__["vjp"]

    def broken(dout, x, y):
        raise ZeroDivisionError("learner's bug")

    with pytest.raises(ZeroDivisionError):
        with ops.override_vjp(ops.Mul, broken):
            GradOperation()(lambda a, b: a * b)(f32([1.0, 2.0]), f32([3.0, 4.0]))
    assert Mul.__dict__["vjp"] is original
    with pytest.raises(KeyError):
        with ops.override_vjp(ops.Mul, right_mul):
            raise KeyError("in the block")
    assert Mul.__dict__["vjp"] is original
    dx = GradOperation()(lambda a, b: a * b)(f32([1.0, 2.0]), f32([3.0, 4.0]))
    np.testing.assert_array_equal(dx.asnumpy(), [3.0, 4.0])


def test_mul_with_broadcasting_the_learner_sums_over_the_copies():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = np.array([0.5, -1.0, 2.0])
    s = np.array([[1.0, 0.1, 0.01], [2.0, 0.2, 0.02]])
    fn = GradOperation(get_all=True, sens_param=True)(lambda u, v: u * v)
    with ops.override_vjp(ops.Mul, right_mul):
        dx, db = fn(f32(x), f32(b), f32(s))
    np.testing.assert_allclose(dx.asnumpy(), s * b, rtol=1e-6)
    np.testing.assert_allclose(db.asnumpy(), (s * x).sum(axis=0), rtol=1e-6)


def test_a_gradient_not_shaped_like_its_input_is_refused_with_both_shapes():
    def no_sum(dout, x, b):
        return dout * b, dout * x  # db still has the broadcast shape (2, 3)

    fn = GradOperation(get_all=True)(lambda u, v: u * v)
    with ops.override_vjp(ops.Mul, no_sum):
        with pytest.raises(ValueError, match=r"gradient 1 should have its input's shape \[3\], but got shape \[2, 3\]"):
            fn(f32(np.ones((2, 3))), f32(np.ones(3)))


def test_a_rule_returning_the_wrong_number_of_gradients_is_refused():
    with ops.override_vjp(ops.MatMul, lambda dout, x, y: dout @ y.T):
        with pytest.raises(ValueError, match="should return a tuple of 2 gradients"):
            matmul_grads()


def test_transpose_flags_are_handled_by_the_adapter():
    """Dense computes x @ W^T with MatMul(transpose_b=True): the learner's A @ B rule still serves."""
    w = Y.T.copy()  # x @ w^T == x @ Y
    with ops.override_vjp(ops.MatMul, right_matmul):
        dx, dw = matmul_grads(y=w, prim=ops.MatMul(transpose_b=True))
    np.testing.assert_allclose(dx, S @ Y.T, rtol=1e-6)
    np.testing.assert_allclose(dw, (X.T @ S).T, rtol=1e-6)


def test_graph_mode_and_a_parameter_use_the_override_too():
    context.set_context(mode=context.GRAPH_MODE)

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(f32(Y), name="w")

        def construct(self, x):
            return ops.MatMul()(x, self.w)

    net = Net()
    grad = GradOperation(get_by_list=True, sens_param=True)(net, [net.w])
    with ops.override_vjp(ops.MatMul, transpose_forgotten):
        (wrong,) = grad(f32(X), f32(S))
    with ops.override_vjp(ops.MatMul, lambda dout, x, y: (dout @ y.T, x.T @ dout * 2)):
        (doubled,) = grad(f32(X), f32(S))
    (right,) = grad(f32(X), f32(S))
    np.testing.assert_allclose(wrong.asnumpy(), X.T @ S, rtol=1e-6)  # its dy is right
    np.testing.assert_allclose(doubled.asnumpy(), 2 * X.T @ S, rtol=1e-6)
    np.testing.assert_allclose(right.asnumpy(), X.T @ S, rtol=1e-6)


@pytest.mark.parametrize("primitive, vjp, message", [
    (ops.MatMul(), right_matmul, "the class, not ops.MatMul()"),
    (int, right_matmul, "should be a Primitive class"),
    (ops.MatMul, "dout @ y.T", "should be a function"),
])
def test_bad_arguments_are_refused_before_anything_changes(primitive, vjp, message):
    original = MatMul.__dict__["vjp"]
    with pytest.raises(TypeError, match=message):
        with ops.override_vjp(primitive, vjp):
            pass
    assert MatMul.__dict__["vjp"] is original


@pytest.mark.gpu
def test_on_the_gpu_path_the_rule_gets_host_arrays_and_its_gradients_go_back_to_the_device():
    context.set_context(device_target="GPU")  # Numba's CUDA simulator where there is no GPU
    try:
        seen = []

        def doubled(dout, x, y):
            seen.append(type(dout))
            return 2 * dout @ y.T, x.T @ dout

        with ops.override_vjp(ops.MatMul, doubled):
            dx, dy = matmul_grads()
        assert seen == [np.ndarray] and dx.shape == (2, 3)
        np.testing.assert_allclose(dx, 2 * S @ Y.T, rtol=1e-6)
        np.testing.assert_allclose(dy, X.T @ S, rtol=1e-6)
    finally:
        context.set_context(device_target="CPU")
