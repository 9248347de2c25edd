"""Second derivatives on device_target="GPU" (Numba's CUDA simulator where there is no GPU): the
recorded backward runs its vjps as primitives on GPU Tensors, so an outer transform differentiates
them on the device too. Checked against float64 central differences of NumPy functions
(second_order.py), for a representative subset of primitives on small shapes (the simulator is slow),
plus the document's mixed second derivative and a Jacobian.
"""
from __future__ import annotations

import numpy as np
import pytest

import mini_autograd as ms
import mini_autograd.ops as ops
from mini_autograd import GradOperation, Tensor, context
from mini_autograd.ops.array_ops import GET_ITEM, STACK
from mini_autograd.ops.math_ops import SQUARE
from mini_autograd.ops.nn_ops import LOG_SOFTMAX

from tests.support.second_order import check_second_order
from tests.higher_order.test_higher_order import D2_DZ_DX, D2_DZ_DY, GradZ, X, Y, doc_net

pytestmark = pytest.mark.gpu


def squared(fn):
    return lambda *xs: SQUARE(fn(*xs))


def log_softmax(x):
    m = x - x.max(axis=-1, keepdims=True)
    return m - np.log(np.exp(m).sum(axis=-1, keepdims=True))


# name -> (engine function, NumPy reference, input shapes); ReLU's inputs are kept away from 0
CASES = {
    "Mul, broadcast": (ops.Mul(), np.multiply, [(2, 3), (3,)]),
    "MatMul": (ops.MatMul(), lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "MatMul-ta-tb": (ops.MatMul(True, True), lambda a, b: a.T @ b.T, [(3, 2), (2, 3)]),
    "Tanh": (ops.Tanh(), np.tanh, [(2, 3)]),
    "Sin": (ops.Sin(), np.sin, [(2, 3)]),
    "Cos": (ops.Cos(), np.cos, [(3,)]),
    "ReLU": (squared(ops.ReLU()), lambda x: np.maximum(x, 0) ** 2, [(2, 3)]),
    "ReduceSum": (squared(lambda x: ops.ReduceSum()(x, 1)), lambda x: x.sum(axis=1) ** 2, [(2, 3)]),
    "Stack/GetItem": (squared(lambda a, b: GET_ITEM(STACK((a, b)), 1) * a),
                      lambda a, b: (np.stack((a, b))[1] * a) ** 2, [(3,), (3,)]),
    "LogSoftmax": (LOG_SOFTMAX, log_softmax, [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivative_on_the_gpu(gpu, gpu_counts, name):
    fn, ref, shapes = CASES[name]
    rng = np.random.default_rng(11)
    arrays = [np.sign(a) * (np.abs(a) + 0.5) for a in (rng.uniform(-2, 2, s) for s in shapes)]
    check_second_order(fn, ref, arrays, rng, device="GPU")
    assert sum(gpu_counts.launches.values()) > 0  # the kernels did the work


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE], ids=["PYNATIVE", "GRAPH"])
def test_the_document_network_mixed_second_derivative_on_the_gpu(gpu, mode):
    context.set_context(mode=mode)
    net = doc_net()
    dx, dy = GradOperation(get_all=True)(GradZ(net))(Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)))
    assert dx.device == dy.device == "GPU"
    np.testing.assert_allclose(dx.asnumpy(), D2_DZ_DX, rtol=1e-5)
    np.testing.assert_allclose(dy.asnumpy(), D2_DZ_DY, rtol=1e-5)


def test_a_hessian_by_jacfwd_of_jacrev_on_the_gpu(gpu):
    """f(x) = sum(x^3) + sum(x)^2: H = diag(6x) + 2."""
    x = np.array([0.5, -1.0, 2.0])

    def f(t):
        s = t.sum()
        return (t * t * t).sum() + s * s

    got = ms.jacfwd(ms.jacrev(f))(Tensor(x))
    assert got.device == "GPU" and got.shape == (3, 3)
    np.testing.assert_allclose(got.asnumpy(), np.diag(6 * x) + 2, rtol=1e-12)
