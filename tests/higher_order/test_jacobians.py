"""jvp, jacrev and jacfwd against float64 central differences of NumPy functions, with several inputs
and outputs (MindSpore's structure and the shape out.shape + in.shape), and Hessians as Jacobians of
Jacobians against a hand derivation, in PYNATIVE_MODE and GRAPH_MODE."""
import numpy as np
import pytest

import mini_autograd as ms
import mini_autograd.ops as ops
from mini_autograd import Tensor, context

from tests.higher_order.test_higher_order import MODE_IDS, MODES, close


def two_in_two_out(a, b):
    """(tanh(a @ b), sum(a * a * exp(a), axis 0)): a (2, 3), b (3, 2) -> shapes (2, 2) and (3,)."""
    h = ops.MatMul()(a, b)
    return ops.Tanh()(h), (a * a * ops.Exp()(a)).sum(axis=0)


def two_in_two_out_np(a, b):
    return np.tanh(a @ b), (a * a * np.exp(a)).sum(axis=0)


def numpy_jacobian(f, arrays, eps=1e-6):
    """jac[k][i] = d out_k / d in_i, shape out_k.shape + in_i.shape, by central differences."""
    outs = f(*arrays)
    jac = [[np.zeros(o.shape + a.shape) for a in arrays] for o in outs]
    for i, a in enumerate(arrays):
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            for k, (p, m) in enumerate(zip(f(*plus), f(*minus))):
                jac[k][i][(Ellipsis,) + idx] = (p - m) / (2 * eps)
    return jac


RNG = np.random.default_rng(3)
A, B = RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, (3, 2))


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_jvp_is_the_jacobian_times_v(mode):
    context.set_context(mode=mode)
    va, vb = RNG.uniform(-1, 1, A.shape), RNG.uniform(-1, 1, B.shape)
    jac = numpy_jacobian(two_in_two_out_np, [A, B])
    outputs, tangents = ms.jvp(two_in_two_out, (Tensor(A), Tensor(B)), (Tensor(va), Tensor(vb)))
    for got, want in zip(outputs, two_in_two_out_np(A, B)):
        close(got, want, rtol=1e-12)
    assert isinstance(tangents, tuple) and len(tangents) == 2
    for k, t in enumerate(tangents):
        want = sum(np.tensordot(jac[k][i], v, axes=v.ndim) for i, v in enumerate((va, vb)))
        assert t.shape == want.shape
        close(t, want, rtol=1e-6, atol=1e-8)
    # one input, one output: bare
    x, v = RNG.uniform(-1, 1, (4,)), RNG.uniform(-1, 1, (4,))
    out, tangent = ms.jvp(ops.Sigmoid(), Tensor(x), Tensor(v))
    s = 1 / (1 + np.exp(-x))
    close(tangent, s * (1 - s) * v, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_jacrev_and_jacfwd_agree_with_finite_differences(mode):
    context.set_context(mode=mode)
    want = numpy_jacobian(two_in_two_out_np, [A, B])
    for jacobian in (ms.jacrev, ms.jacfwd):
        got = jacobian(two_in_two_out, grad_position=(0, 1))(Tensor(A), Tensor(B))
        assert isinstance(got, tuple) and len(got) == 2  # over outputs
        for k in range(2):
            assert isinstance(got[k], tuple) and len(got[k]) == 2  # over inputs
            for i in range(2):
                assert got[k][i].shape == want[k][i].shape, (jacobian.__name__, k, i)  # out.shape + in.shape
                close(got[k][i], want[k][i], rtol=1e-6, atol=1e-8)
        # one position: a tuple over the outputs
        got = jacobian(two_in_two_out, grad_position=1)(Tensor(A), Tensor(B))
        assert len(got) == 2 and got[0].shape == (2, 2, 3, 2) and got[1].shape == (3, 3, 2)
        close(got[0], want[0][1], rtol=1e-6, atol=1e-8)
        close(got[1], want[1][1], rtol=1e-6, atol=1e-8)  # the second output does not depend on b: zeros


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_hessians_by_jacobian_of_jacobian(mode):
    """f(x) = sum(x^3) + sum(x)^2 on a (2, 2) x: H[a, b] = 6 x[a] [a = b] + 2, shape (2, 2, 2, 2)."""
    context.set_context(mode=mode)
    x = np.array([[0.5, -1.0], [2.0, 0.25]])

    def f(t):
        s = t.sum()
        return (t * t * t).sum() + s * s

    want = (np.diag(6 * x.reshape(-1)) + 2).reshape(2, 2, 2, 2)
    for name, hessian in (("jacfwd(jacrev)", ms.jacfwd(ms.jacrev(f))), ("jacrev(jacrev)", ms.jacrev(ms.jacrev(f))),
                          ("jacrev(jacfwd)", ms.jacrev(ms.jacfwd(f)))):
        got = hessian(Tensor(x))
        assert got.shape == (2, 2, 2, 2), name
        close(got, want, rtol=1e-12, atol=1e-12)
