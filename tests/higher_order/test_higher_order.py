"""Higher-order mechanics: the document's network differentiated twice (by hand), third order, GRAPH_MODE
replays of a nested call, errors inside a nested call, weights, a sensitivity that depends on the
inputs, graph_code (jvp, jacrev, jacfwd and Hessians: test_jacobians.py).

Expected values are derived by hand (in the comments) or are float64 central differences of NumPy
functions written here; none comes from the engine.
"""
import re

import numpy as np
import pytest

import mini_autograd as ms
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import GradOperation, Parameter, ParameterTuple, Tensor, context, memory, tape
from mini_autograd.ops.nn_ops import LOG_SOFTMAX

from tests.conftest import Net, X, Y
from tests.support.second_order import check_second_order

MODES = [context.PYNATIVE_MODE, context.GRAPH_MODE]
MODE_IDS = ["PYNATIVE", "GRAPH"]
Z = 1.5  # the document's z is 1.0; another value keeps z visible in the second derivatives
V = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]])  # a sensitivity of d(out)/dx, shape (2, 3)


def f32(a):
    return Tensor(np.asarray(a, np.float32))


def close(got, want, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(got.asnumpy(), np.asarray(want), rtol=rtol, atol=atol)


def doc_net():
    net = Net()
    net.z.set_data(f32([Z]))
    return net


# -- the document's network, differentiated twice ---------------------------------------------------
#
# out[i, j] = sum_k x[i, k] z y[k, j], so S = sum(out) = z sum_k c[k] r[k] with r = y.sum(axis=1)
# (row sums of y) and c = x.sum(axis=0) (column sums of x). First derivatives:
#   dS/dz = sum(x @ y),   dS/dx[i, k] = z r[k],   dS/dy[k, j] = z c[k].
# Mixed second derivatives (each first derivative differentiated again):
#   d2S/dz dx[i, k] = r[k]          (the same for every row i)
#   d2S/dz dy[k, j] = c[k]          (the same for every column j)
#   d2S/dx[i, k] dy[k', j] = z [k = k'], so with a sensitivity V on dS/dx:
#   d/dy[k, j] sum(V * dS/dx) = z sum_i V[i, k],   d/dz sum(V * dS/dx) = sum_ik V[i, k] r[k],
#   d/dx sum(V * dS/dx) = 0 (dS/dx does not depend on x), and d2S/dz2 = 0.
R, C = Y.sum(axis=1), X.sum(axis=0)
D2_DZ_DX = np.broadcast_to(R, X.shape)
D2_DZ_DY = np.broadcast_to(C[:, None], Y.shape)
D_DY_V_DX = np.broadcast_to(Z * V.sum(axis=0)[:, None], Y.shape)
D_DZ_V_DX = np.array([np.sum(V * R)])


class GradZ(nn.Cell):
    """dS/dz by GradOperation(get_by_list=True) inside construct."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.params = ParameterTuple(net.trainable_params())
        self.grad = GradOperation(get_by_list=True)

    def construct(self, x, y):
        return self.grad(self.net, self.params)(x, y)[0]


class GradX(nn.Cell):
    """dS/dx by GradOperation() inside construct."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.grad = GradOperation()

    def construct(self, x, y):
        return self.grad(self.net)(x, y)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_d2_dz_dx_and_dz_dy_of_the_document_network(mode):
    context.set_context(mode=mode)
    net = doc_net()
    dx, dy = GradOperation(get_all=True)(GradZ(net))(f32(X), f32(Y))
    close(dx, D2_DZ_DX)
    close(dy, D2_DZ_DY)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_d2_dx_dy_and_dx_dz_of_the_document_network(mode):
    context.set_context(mode=mode)
    net = doc_net()
    inner = GradX(net)
    (dx, dy), (dz,) = GradOperation(get_all=True, get_by_list=True, sens_param=True)(
        inner, ParameterTuple(net.trainable_params()))(f32(X), f32(Y), f32(V))
    close(dx, np.zeros(X.shape))
    close(dy, D_DY_V_DX)
    close(dz, D_DZ_V_DX)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_forward_value_and_grad_of_a_forward_value_and_grad(mode):
    """The document's own cell, ForwardValueAndGrad(get_by_list=True), inside another one: the value is
    the first-order result (out and dS/dz), the gradient the mixed second derivative."""
    context.set_context(mode=mode)
    net = doc_net()
    params = ParameterTuple(net.trainable_params())
    inner = nn.ForwardValueAndGrad(net, weights=params, get_by_list=True)

    def dz(x, y):
        return inner(x, y)[1][0]

    value, (dx, dy) = nn.ForwardValueAndGrad(dz, get_all=True)(f32(X), f32(Y))
    close(value, [np.sum(X @ Y)])
    close(dx, D2_DZ_DX)
    close(dy, D2_DZ_DY)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_mindspore_grad_nested_on_the_document_network(mode):
    context.set_context(mode=mode)
    net = doc_net()
    dz = ms.grad(net, grad_position=None, weights=net.z)  # dS/dz, bare (one Parameter)
    dx, dy = ms.grad(dz, grad_position=(0, 1))(f32(X), f32(Y))
    close(dx, D2_DZ_DX)
    close(dy, D2_DZ_DY)
    dxdy = ms.grad(ms.grad(net, grad_position=0), grad_position=1, sens_param=True)
    close(dxdy(f32(X), f32(Y), f32(V)), D_DY_V_DX)
    dxdz = ms.grad(ms.grad(net, grad_position=0), grad_position=None, weights=net.z, sens_param=True)
    close(dxdz(f32(X), f32(Y), f32(V)), D_DZ_V_DX)
    # dS/dz does not depend on z (S is linear in z), nor dS/dx on x
    close(ms.grad(dz, grad_position=None, weights=net.z)(f32(X), f32(Y)), [0.0])
    close(ms.grad(ms.grad(net, grad_position=0), grad_position=0)(f32(X), f32(Y)), np.zeros(X.shape))


# -- mechanics ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_third_and_fourth_order(mode):
    """d/dx x^4 = 4x^3, then 12x^2, 24x, 24."""
    context.set_context(mode=mode)
    x = np.array([1.5, -2.0, 0.5])

    def f(t):
        return t ** 4

    d3 = ms.grad(ms.grad(ms.grad(f)))
    close(d3(Tensor(x)), 24 * x, rtol=1e-12)
    close(ms.grad(d3)(Tensor(x)), np.full(3, 24.0), rtol=1e-12)
    by_grad_operation = GradOperation()(GradOperation()(GradOperation()(f)))
    close(by_grad_operation(Tensor(x)), 24 * x, rtol=1e-12)
    # Exp's vjp reads its output, not its input: the middle transform must see the innermost forward
    # pass (recorded on every enclosing tape) to differentiate it. d3/dx3 exp(2x) = 8 exp(2x).
    exp3 = ms.grad(ms.grad(ms.grad(lambda t: ops.Exp()(t * 2.0))))
    close(exp3(Tensor(x)), 8 * np.exp(2 * x), rtol=1e-12)


def test_a_nested_call_in_graph_mode_replays_with_new_values():
    """The second call replays the compiled graph (the inner backward is in it, as operations): its
    result must follow the new inputs, not repeat the first call's."""
    context.set_context(mode=context.GRAPH_MODE)
    net = doc_net()
    outer = GradOperation(get_all=True)(GradZ(net))
    dx, dy = outer(f32(X), f32(Y))
    close(dx, D2_DZ_DX)
    close(dy, D2_DZ_DY)
    x2, y2 = 2 * X - 1, Y[::-1] + 0.5
    dx, dy = outer(f32(x2), f32(y2))
    assert outer.runner.last.replayed  # the replay path, not a second trace
    close(dx, np.broadcast_to(y2.sum(axis=1), X.shape))
    close(dy, np.broadcast_to(x2.sum(axis=0)[:, None], Y.shape))

    # a nonlinear inner function: d/dx sum(v * d/dx sum(tanh x)) = v * -2 tanh(x) (1 - tanh(x)^2)
    hess = ms.grad(ms.grad(lambda t: ops.Tanh()(t).sum()), sens_param=True)
    v = np.array([0.3, -0.7, 1.1])
    for x in (np.array([0.5, -1.0, 2.0]), np.array([-0.2, 0.9, 0.1])):
        t = np.tanh(x)
        close(hess(Tensor(x), Tensor(v)), v * -2 * t * (1 - t * t), rtol=1e-12, atol=1e-12)
    assert hess.runner.last.replayed

    # ReLU's mask is a value the inner backward computes from the input: a replay must compute it
    # again. d/dx sum(v * d/dx sum(relu(x)^2)) = 2 v [x > 0]; the signs differ between the calls.
    relu_hess = ms.grad(ms.grad(lambda t: (ops.ReLU()(t) ** 2).sum()), sens_param=True)
    for x in (np.array([0.5, -1.0, 2.0]), np.array([-0.5, 1.0, -2.0])):
        close(relu_hess(Tensor(x), Tensor(v)), 2 * v * (x > 0), rtol=1e-12, atol=1e-12)
    assert relu_hess.runner.last.replayed


def _assert_nothing_recording():
    assert tape.state.active is None and tape.state.tracing is False


class Boom(Exception):
    pass


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_an_error_inside_the_inner_network_leaves_no_recording_state(mode):
    context.set_context(mode=mode)

    def failing(t):
        t = t * 2.0
        raise Boom("inside the inner network")

    with pytest.raises(Boom):
        ms.grad(lambda t: ms.grad(failing)(t).sum())(Tensor(np.ones(3)))
    _assert_nothing_recording()
    # and from the inner transform's own checks: a sensitivity of the wrong shape
    with pytest.raises(ValueError):
        ms.grad(lambda t: ms.grad(lambda u: u * u, sens_param=True)(t, Tensor(np.ones(4))).sum())(Tensor(np.ones(3)))
    _assert_nothing_recording()
    # a following first-order call, and a second-order one, work
    x = np.array([1.0, -2.0, 3.0])
    close(ms.grad(lambda t: (t * t * t).sum())(Tensor(x)), 3 * x * x, rtol=1e-12)
    close(ms.grad(ms.grad(lambda t: (t * t * t).sum()))(Tensor(x)), 6 * x, rtol=1e-12)
    _assert_nothing_recording()


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_an_error_caught_inside_the_outer_function_leaves_the_outer_recording(mode):
    """The inner transform fails and the outer function carries on: it must still be recorded (the
    outer tape active again), so its gradient is right."""
    context.set_context(mode=mode)
    seen = []

    def failing(t):
        raise Boom("inner")

    def outer(t):
        try:
            ms.grad(failing)(t)
        except Boom:
            seen.append(tape.state.active)
        return (t * t * t).sum()

    x = np.array([1.0, -2.0, 3.0])
    close(ms.grad(outer)(Tensor(x)), 3 * x * x, rtol=1e-12)
    assert seen and seen[0] is not None  # the outer tape, active again after the inner failure
    _assert_nothing_recording()


class Cubic(nn.Cell):
    """construct(x) = d/dx sum(w x^3) = 3 w x^2, by GradOperation inside construct; w a Parameter."""

    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([0.7, -1.3, 2.0])), name="w")
        self.grad = GradOperation()

    def energy(self, x):
        return (self.w * x * x * x).sum()

    def construct(self, x):
        return self.grad(self.energy)(x)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_weight_gradient_through_a_nested_call(mode):
    """sum(v * 3 w x^2): d/dw = 3 v x^2, d/dx = 6 v w x."""
    context.set_context(mode=mode)
    cell = Cubic()
    x, v = np.array([0.5, -1.5, 2.0]), np.array([1.0, 0.3, -0.4])
    w = cell.w.asnumpy()
    dx, (dw,) = GradOperation(get_all=True, get_by_list=True, sens_param=True)(
        cell, ParameterTuple(cell.trainable_params()))(Tensor(x), Tensor(v))
    close(dw, 3 * v * x * x, rtol=1e-12)
    close(dx[0], 6 * v * w * x, rtol=1e-12)
    # the Parameter keeps its value and nothing else changed: a second call gives the same
    dx2, (dw2,) = GradOperation(get_all=True, get_by_list=True, sens_param=True)(
        cell, ParameterTuple(cell.trainable_params()))(Tensor(x), Tensor(v))
    close(dw2, 3 * v * x * x, rtol=1e-12)
    np.testing.assert_array_equal(cell.w.asnumpy(), w)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_sensitivity_that_depends_on_the_inputs_is_differentiated(mode):
    """F(x) = sum(vjp of tanh at x with cotangent x^2) = sum(x^2 (1 - t^2)), t = tanh x:
    dF/dx = 2x (1 - t^2) - 2 x^2 t (1 - t^2). Dropping the sensitivity's dependence on x would
    give only the second term."""
    context.set_context(mode=mode)
    x = np.array([0.5, -1.2, 2.0])
    t = np.tanh(x)
    want = 2 * x * (1 - t * t) - 2 * x * x * t * (1 - t * t)
    inner = GradOperation(sens_param=True)(ops.Tanh())
    close(GradOperation()(lambda u: inner(u, u * u).sum())(Tensor(x)), want, rtol=1e-12)
    inner_fn = ms.grad(ops.Tanh(), sens_param=True)
    close(ms.grad(lambda u: inner_fn(u, sens=u * u).sum())(Tensor(x)), want, rtol=1e-12)

    def by_vjp(u):
        _, pullback = ms.vjp(ops.Tanh(), u)
        return pullback(u * u)[0].sum()
    close(ms.grad(by_vjp)(Tensor(x)), want, rtol=1e-12)


def test_graph_code_of_a_nested_call_holds_the_inner_backward_and_runs():
    """GRAPH_MODE compiles the outer call's graph, in which the inner backward pass is operations:
    its source shows the inner vjps in the forward function (the transposed product dS/dx = sens
    @ y^T and its product with z), and running it twice gives the hand values both times."""
    context.set_context(mode=context.GRAPH_MODE)
    net = doc_net()
    fvg = nn.ForwardValueAndGrad(GradX(net), get_all=True)
    for x in (X, X + 1.0):
        value, (dx, dy) = fvg(f32(x), f32(Y))
        close(value, Z * np.ones(X.shape) @ Y.T)  # dS/dx = z ones @ y^T
        close(dx, np.zeros(X.shape))
        close(dy, np.full(Y.shape, Z * X.shape[0]))  # V = ones: z sum_i 1
    code = fvg.graph_code
    forward = code[code.index("def forward"):code.index("def backward")]
    backward = code[code.index("def backward"):]
    # the inner backward, recorded: MatMul's vjp for x, dout @ y^T (transpose_b), in the forward
    assert re.search(r"xp\.matmul\(\w+, a1, False, True\)", forward), code  # a1: the argument y
    assert "def backward" in code and "g_a1" in backward, code


def test_engine_bug_a_float_argument_passed_to_a_nested_call_follows_each_graph_mode_call():
    """A Python float argument of a GRAPH_MODE call is a constant of its graph (MindSpore's rule; it
    was an input refilled on replay before issue 21). Passed on to an inner transform: d/dx sum(d/dx
    sum(c x^2)) = 2c for every c, not the first call's. (Found here when floats were inputs: the scalar
    input was registered on the nested call's tape, and the outer graph kept the first value.)"""
    context.set_context(mode=context.GRAPH_MODE)
    inner = ms.grad(lambda t, c: (t * t * c).sum())
    outer = ms.grad(lambda t, c: inner(t, c).sum())
    x = Tensor(np.array([1.0, 2.0]))
    for c in (2.0, 3.0, 5.0):
        close(outer(x, c), np.full(2, 2 * c), rtol=1e-12)
    close(outer(x, 2.0), np.full(2, 4.0), rtol=1e-12)  # the graph for c = 2, kept
    assert outer.runner.last.replayed
    # two levels down: d3/dx3 sum(c x^3) = 6c
    first = ms.grad(lambda v, m: (v * v * v * m).sum())
    second = ms.grad(lambda u, k: first(u, k).sum())
    third = ms.grad(lambda t, c: second(t, c).sum())
    for c in (2.0, 3.0):
        close(third(x, c), np.full(2, 6 * c), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_the_same_tensor_at_two_positions_of_a_nested_call(mode):
    """f(a, b) = sum(a b^2): df/da = b^2, taken at a = b = x, is x^2, whose gradient is 2x; the
    inner call's two positions are two inputs though one tensor fills both."""
    context.set_context(mode=mode)
    x = np.array([1.0, -2.0, 0.5])
    got = ms.grad(lambda t: ms.grad(lambda a, b: (a * b * b).sum(), (0, 1))(t, t)[0].sum())(Tensor(x))
    close(got, 2 * x, rtol=1e-12)


class TanhCell(nn.Cell):
    """tanh(w x) with a Parameter w."""

    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([0.7, -0.4])), name="w")

    def construct(self, x):
        return ops.Tanh()(self.w * x)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_weight_second_derivative(mode):
    """get_by_list of get_by_list: d2/dw2 sum(tanh(w x)) = -2 t (1 - t^2) x^2, t = tanh(w x); two
    calls (a GRAPH_MODE replay) with different x."""
    context.set_context(mode=mode)
    cell = TanhCell()
    params = ParameterTuple(cell.trainable_params())
    inner = GradOperation(get_by_list=True)(cell, params)
    outer = GradOperation(get_by_list=True)(lambda t: inner(t)[0], params)
    w = cell.w.asnumpy()
    for x in (np.array([1.0, 2.0]), np.array([-0.5, 0.3])):
        t = np.tanh(w * x)
        (got,) = outer(Tensor(x))
        close(got, -2 * t * (1 - t * t) * x * x, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_large_outer_graph_keeps_what_the_recorded_backward_reads(mode, monkeypatch):
    """Above memory.RELEASE_ABOVE_BYTES an outer call lets go of the values no vjp reads (the limit
    is set to 0 here, so this small graph counts as large); the recorded backward's primitives are
    in that graph, and what they read must stay: the second derivative is the same as without."""
    monkeypatch.setattr(memory, "RELEASE_ABOVE_BYTES", 0)
    context.set_context(mode=mode)
    rng = np.random.default_rng(5)

    def log_softmax(a):
        m = a - a.max(axis=-1, keepdims=True)
        return m - np.log(np.exp(m).sum(axis=-1, keepdims=True))

    for _ in range(2):  # GRAPH_MODE: a trace, then a replay
        x = rng.uniform(-2, 2, (2, 3))
        check_second_order(lambda t: LOG_SOFTMAX(ops.Tanh()(ops.ReLU()(t) * t)),
                           lambda a: log_softmax(np.tanh(np.maximum(a, 0) * a)), [x], rng)
