"""GRAPH_MODE runs Python source generated from the traced graph (compile.py): its results are the
tape's bit for bit, and ``graph_code`` reads as the lesson says. Expected values by hand with NumPy."""
import ast
import itertools

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.memory as memory
import mini_autograd.nn as nn
from mini_autograd import GradOperation, ParameterTuple, Tensor, context, ops, value_and_grad
from tests.conftest import DOC_SENS, X, Y, Net, TwoOut, hand_grads


def f32(a):
    return Tensor(np.asarray(a, np.float32))


def host(result):
    if isinstance(result, (tuple, list)):
        return [host(r) for r in result]
    return result.asnumpy()


def same(a, b):
    """Bit for bit: the same nesting, shapes, dtypes and bytes."""
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for p, q in zip(a, b):
            same(p, q)
    else:
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), (a, b)


def both_modes(make, *args, calls=2):
    """The results of ``make()`` called on ``args`` in PYNATIVE_MODE and in GRAPH_MODE (twice: traced
    and compiled, then the kept code), each checked bit for bit against the tape's; the GRAPH_MODE
    callable is returned for a look at its code."""
    context.set_context(mode=context.PYNATIVE_MODE)
    tape = host(make()(*args))
    context.set_context(mode=context.GRAPH_MODE)
    fn = make()
    for _ in range(calls):
        same(host(fn(*args)), tape)
    return tape, fn


DOC_FLAGS = list(itertools.product([False, True], repeat=3))


def _document_call(get_all, get_by_list, sens_param):
    """The document's inputs (and sensitivity) and a maker of its ForwardValueAndGrad with these flags."""
    x, y = f32(X), f32(Y)
    args = (x, y, f32(DOC_SENS)) if sens_param else (x, y)

    def make():
        net = Net()
        return nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=get_all,
                                      get_by_list=get_by_list, sens_param=sens_param)
    return args, make


@pytest.mark.parametrize("get_all,get_by_list,sens_param", DOC_FLAGS)
def test_the_documents_network_every_flag_combination(get_all, get_by_list, sens_param):
    args, make = _document_call(get_all, get_by_list, sens_param)
    (value, grads), fvg = both_modes(make, *args)
    np.testing.assert_allclose(value, X @ Y, rtol=1e-6)
    want = hand_grads(DOC_SENS if sens_param else np.ones((2, 3)))
    names = (["x", "y"] if get_all else [] if get_by_list else ["x"]) + (["z"] if get_by_list else [])
    np.testing.assert_allclose(np.concatenate([np.ravel(g) for g in _flat(grads)]),
                               np.concatenate([np.ravel(want[n]) for n in names]), rtol=1e-5)
    code = fvg.graph_code
    ast.parse(code)
    # the compiler's names: a0, a1 for the arguments x, y; p0 for the Parameter z (issue 21)
    assert "def forward(a0, a1, p0):" in code and "    t1 = xp.mul(a0, p0)  # Mul" in code
    assert "    t2 = xp.matmul(t1, a1, False, False)  # MatMul" in code
    # dead gradients pruned: only those returned are computed
    assert ("g_a1 =" in code) == get_all and ("g_p0 =" in code) == get_by_list and ("g_a0 =" in code) == (
        get_all or not get_by_list)


def _flat(v):
    if isinstance(v, (list, tuple)):
        return [a for item in v for a in _flat(item)]
    return [np.asarray(v)]


def test_the_documents_graph_code_reads_line_by_line():
    context.set_context(mode=context.GRAPH_MODE)
    net = Net()
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
    fvg(f32(X), f32(Y))
    assert fvg.graph_code.splitlines()[1:] == [
        "# a0: argument 0 ('x')",
        "# a1: argument 1 ('y')",
        "# p0: Parameter 'z'",
        "# c1 = xp.full((2, 3), 1.0, float32)",
        "",
        "def forward(a0, a1, p0):",
        "    t1 = xp.mul(a0, p0)  # Mul",
        "    t2 = xp.matmul(t1, a1, False, False)  # MatMul",
        "    return t2, t1",
        "",
        # the seeding is part of the code: the default sensitivity, ones in the output's shape (issue 23)
        "def backward(a0, a1, p0, t1):",
        "    g_t2 = c1  # the sensitivity",
        "    g_t1 = xp.matmul(g_t2, a1, False, True)  # MatMul",
        "    g_a1 = xp.matmul(t1, g_t2, True, False)  # MatMul",
        "    g_a0 = xp.mul(g_t1, p0)  # Mul",
        # z is [1.0], broadcast over x's (2, 3): its gradient is summed back to shape (1,)
        "    g_p0 = xp.reshape(xp.sum(xp.mul(g_t1, a0), (0, 1), True), (1,))  # Mul",
        "    return g_a0, g_a1, g_p0",
    ]
    # the document's own flags return dx only: MatMul's product for y and Mul's for z are not computed
    fvg = nn.ForwardValueAndGrad(Net())
    fvg(f32(X), f32(Y))
    assert fvg.graph_code.split("def backward")[1].splitlines() == [
        "(a1, p0):",
        "    g_t2 = c1  # the sensitivity",
        "    g_t1 = xp.matmul(g_t2, a1, False, True)  # MatMul",
        "    g_a0 = xp.mul(g_t1, p0)  # Mul",
        "    return g_a0",
    ]


def test_graph_code_is_deterministic_valid_python_and_none_in_pynative():
    codes = []
    for _ in range(2):
        context.set_context(mode=context.GRAPH_MODE)
        net = Net()
        fvg = nn.ForwardValueAndGrad(net, get_all=True)
        assert fvg.graph_code is None  # before any call
        fvg(f32(X), f32(Y))
        codes.append(fvg.graph_code)
    assert codes[0] == codes[1] and "0x" not in codes[0]
    compile(codes[0], "<test>", "exec")
    context.set_context(mode=context.PYNATIVE_MODE)
    fvg(f32(X), f32(Y))
    assert fvg.graph_code is None
    grad_fn = GradOperation()(Net())
    context.set_context(mode=context.GRAPH_MODE)
    grad_fn(f32(X), f32(Y))
    assert grad_fn.runner.graph_code.startswith("# What GRAPH_MODE runs")


def test_an_mlp_with_its_loss():
    ma.set_seed(1)
    rng = np.random.default_rng(1)
    xn, tn = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32)
    nets = []

    def make():
        ma.set_seed(1)
        net = nn.SequentialCell([nn.Dense(3, 4, activation="relu"), nn.Dense(4, 2, activation="tanh")])
        nets.append(net)
        return nn.ForwardValueAndGrad(nn.WithLossCell(net, nn.MSELoss()), ParameterTuple(net.trainable_params()),
                                      get_by_list=True)
    (loss, grads), fvg = both_modes(make, Tensor(xn), Tensor(tn))
    w1, b1, w2, b2 = [p.asnumpy().astype(np.float64) for p in nets[-1].trainable_params()]
    h1 = np.maximum(xn @ w1.T + b1, 0)
    out = np.tanh(h1 @ w2.T + b2)
    d = out - tn
    np.testing.assert_allclose(loss, np.mean(d * d), rtol=1e-5)
    g5 = 2 * d / d.size * (1 - out ** 2)
    g2 = (g5 @ w2) * (h1 > 0)
    for got, want in zip(grads, [g2.T @ xn, g2.sum(0), g5.T @ h1, g5.sum(0)]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert "def forward(a0, a1, p0, p1, p2, p3):" in fvg.graph_code
    assert "# p1: Parameter '0.bias'" in fvg.graph_code
    assert "g_p1 = xp.reshape(xp.sum(g_t2, (0,), True), (4,))  # Add" in fvg.graph_code


@pytest.mark.parametrize("xs,bs", [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((4, 1, 3), (2, 1)),
                                   ((3,), (2, 3))])
def test_broadcasting_sums_each_gradient_back_to_its_input(xs, bs):
    rng = np.random.default_rng(2)
    xn, bn = rng.normal(size=xs).astype(np.float32), rng.normal(size=bs).astype(np.float32)

    def f(x, b):
        return (x * b + b) * x
    (value, (gx, gb)), fn = both_modes(lambda: value_and_grad(f, (0, 1)), Tensor(xn), Tensor(bn))
    x64, b64 = xn.astype(np.float64), bn.astype(np.float64)
    out = (x64 * b64 + b64) * x64
    np.testing.assert_allclose(value, out, rtol=1e-5)
    # d/dx (x^2 b + b x) = 2xb + b and d/db = x^2 + x, each summed over the copies broadcasting made
    np.testing.assert_allclose(gx, sum_to(2 * x64 * b64 + b64 + 0 * out, xs), rtol=1e-5)
    np.testing.assert_allclose(gb, sum_to(x64 * x64 + x64 + 0 * out, bs), rtol=1e-5)
    assert "xp.sum(" in fn.runner.graph_code


def sum_to(a, shape):
    """NumPy: ``a`` summed over the leading axes it has beyond ``shape`` and where ``shape`` is 1."""
    a = a.sum(axis=tuple(range(a.ndim - len(shape))))
    return a.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def test_a_value_used_twice_accumulates_its_gradient():
    xn = np.array([[0.5, -1.0, 2.0]], np.float32)

    def f(x):
        return x * x + x  # x feeds three uses: d/dx = 2x + 1
    (value, g), fn = both_modes(lambda: value_and_grad(f), Tensor(xn))
    np.testing.assert_allclose(g, 2 * xn.astype(np.float64) + 1, rtol=1e-6)
    code = fn.runner.graph_code
    # the gradient of x is the sum of its three parts, added in the order the tape adds them: the Add
    # passes g_t2 on as it is, then the Mul's two (x * x: one per operand)
    assert "    g_a0 = xp.add(xp.add(g_t2, xp.mul(g_t2, a0)), xp.mul(g_t2, a0))  # Mul" in code


class Scaled(nn.Cell):
    def construct(self, x, s):
        return x * s * x


def test_a_float_argument_is_a_constant_of_its_graph():
    """MindSpore's rule (issue 21): a Python float argument of a compiled graph is a constant of that
    graph; another value traces anew (the cache stays bounded: graph_mode.CACHE_SIZE)."""
    xn = np.array([1.0, -2.0, 3.0], np.float32)
    for s in (2.0, 3.5):
        (value, g), fvg = both_modes(lambda: nn.ForwardValueAndGrad(Scaled()), Tensor(xn), s)
        np.testing.assert_allclose(g, 2 * s * xn.astype(np.float64), rtol=1e-6)
    context.set_context(mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(Scaled())
    fvg(Tensor(xn), 2.0)
    code = fvg.graph_code
    _, g = fvg(Tensor(xn), 3.5)  # another float: another graph, with 3.5 in it
    np.testing.assert_allclose(g.asnumpy(), 7.0 * xn, rtol=1e-6)
    assert len(fvg.runner.graphs) == 2 and fvg.graph_code != code
    assert "def forward(a0):" in code and "# c1 = 2.0 (float32, a scalar)" in code
    assert "# c1 = 3.5 (float32, a scalar)" in fvg.graph_code
    _, g = fvg(Tensor(xn), 2.0)  # the first graph, kept
    np.testing.assert_allclose(g.asnumpy(), 4.0 * xn, rtol=1e-6)
    assert fvg.graph_code is code and fvg.runner.last.replayed


def test_a_large_graph_deletes_each_value_after_its_last_use(monkeypatch):
    monkeypatch.setattr(memory, "RELEASE_ABOVE_BYTES", 0)
    rng = np.random.default_rng(3)
    xn, tn = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)

    def make():
        ma.set_seed(2)
        net = nn.SequentialCell([nn.Dense(3, 4, activation="relu"), nn.Dense(4, 2)])
        return nn.ForwardValueAndGrad(nn.WithLossCell(net, nn.MSELoss()), ParameterTuple(net.trainable_params()),
                                      get_by_list=True)
    tape, fvg = both_modes(make, Tensor(xn), Tensor(tn))
    code = fvg.graph_code
    forward, backward = code.split("def backward")
    assert "    del t1\n" in forward  # MatMul's product: read by the bias Add only
    assert "    del g_t" in backward
    # the Trace recomputes what was let go: its gradients are the returned ones
    trace = fvg.trace
    returned = {t.returned_as: t.grad for t in trace.tensors if t.returned_as}
    same([returned[f"weights[{i}]"] for i in range(4)], tape[1])


def test_the_trace_is_built_as_before_in_graph_mode():
    context.set_context(mode=context.GRAPH_MODE)
    net = Net()
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
    fvg(f32(X), f32(Y))
    assert not fvg.trace.replayed
    (_, ((gx, gy), (gz,))) = fvg(f32(X), f32(Y))
    trace = fvg.trace
    assert trace.replayed and trace.mode == "GRAPH_MODE" and len(trace.steps) == 2
    by_name = {t.name: t for t in trace.tensors}
    same([by_name["x"].grad, by_name["y"].grad, by_name["z"].grad], host([gx, gy, gz]))


def test_a_primitive_that_checks_on_the_host_is_called_whole():
    logits = f32([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    labels = Tensor(np.array([2, 0], np.int32))
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    (value, g), fvg = both_modes(lambda: nn.ForwardValueAndGrad(loss), logits, labels)
    ln = logits.asnumpy().astype(np.float64)
    p = np.exp(ln) / np.exp(ln).sum(1, keepdims=True)
    np.testing.assert_allclose(g, (p - np.eye(3)[[2, 0]]) / 2, rtol=1e-5)
    assert "t1 = op1.forward(xp, a1, depth=3, dtype=float32)  # OneHot" in fvg.graph_code
    with pytest.raises(RuntimeError, match="class index in"):
        fvg(logits, Tensor(np.array([0, 3], np.int32)))  # the compiled code still checks


def test_an_overriding_vjp_entered_after_compiling_is_used():
    context.set_context(mode=context.GRAPH_MODE)
    w = ma.Parameter(f32(Y), name="w")
    grad = GradOperation(get_by_list=True)(lambda x: ops.MatMul()(x, w), [w])
    (right,) = grad(f32(X))  # compiled with MatMul's own rule
    with ops.override_vjp(ops.MatMul, lambda dout, x, y: (dout @ y.T, 2 * x.T @ dout)):
        (doubled,) = grad(f32(X))
    np.testing.assert_allclose(doubled.asnumpy(), 2 * right.asnumpy(), rtol=1e-6)


@pytest.mark.gpu
@pytest.mark.parametrize("get_all,get_by_list,sens_param", DOC_FLAGS)
def test_the_same_code_runs_on_the_gpu(gpu, get_all, get_by_list, sens_param):
    args, make = _document_call(get_all, get_by_list, sens_param)
    tape, fvg = both_modes(make, *args)  # the GPU tape against the GPU's compiled code
    flat = np.concatenate([np.ravel(g) for g in _flat(tape[1])])
    context.set_context(device_target="CPU")
    cpu, cpu_fvg = both_modes(make, f32(X), f32(Y), *([f32(DOC_SENS)] if sens_param else []), calls=1)
    np.testing.assert_allclose(flat, np.concatenate([np.ravel(g) for g in _flat(cpu[1])]), rtol=1e-6)
    assert fvg.graph_code == cpu_fvg.graph_code  # the same source, run by the other backend


def test_a_value_a_vjp_uses_twice_is_computed_once():
    xn, yn = np.array([1.0, -3.0], np.float32), np.array([2.0, 4.0], np.float32)
    (value, (gx, gy)), fn = both_modes(lambda: value_and_grad(lambda x, y: x / y, (0, 1)), Tensor(xn), Tensor(yn))
    x64, y64 = xn.astype(np.float64), yn.astype(np.float64)
    np.testing.assert_allclose(gx, 1 / y64, rtol=1e-6)  # d(x/y)/dx = 1/y
    np.testing.assert_allclose(gy, -x64 / y64 ** 2, rtol=1e-6)  # d(x/y)/dy = -x/y^2
    code = fn.runner.graph_code
    # Div's vjp: dx = dout / y, then dy = -(dx * out): dx is named once and read twice
    assert "    g_a0 = xp.div(g_t1, a1)  # Div\n    g_a1 = xp.neg(xp.mul(g_a0, t1))  # Div\n" in code


def _many(x, y):
    """Most primitives at once, x and y each used several times (their gradients accumulate)."""
    t = ops.ReduceSum(keep_dims=True)(ops.Exp()(x) * ops.Sigmoid()(y), 1) + ops.Tanh()(x).mean()
    u = ops.Transpose()(ops.Reshape()(x, (3, 2)), (1, 0)) ** 2 - ops.Log()(y * y + 1.0) / 3
    v = ops.Cast()(x > y, ma.float32) * u + (-t)
    return v.sum() + ops.ReduceMean()(ops.Square()(v), 0).sum()


_RNG = np.random.default_rng(5)
_A, _B = _RNG.normal(size=(2, 3)).astype(np.float32), _RNG.normal(size=(2, 3)).astype(np.float32)
_W = ma.Parameter(f32(_RNG.normal(size=(2, 3))), name="w.0")
EDGES = {  # name: (make the transform, its arguments)
    "tuple output, a sensitivity each": (
        lambda: nn.ForwardValueAndGrad(TwoOut(), get_all=True, sens_param=True),
        lambda: (f32(_A), f32(_B), (f32(np.ones((2, 3))), f32(np.full((2, 3), 2.0))))),
    "has_aux": (lambda: value_and_grad(lambda x, y: (x * y, x + y), (0, 1), has_aux=True),
                lambda: (f32(_A), f32(_B))),
    "the output is an input": (lambda: value_and_grad(lambda x, y: x, (0, 1)), lambda: (f32(_A), f32(_B))),
    "one tensor at two positions": (lambda: value_and_grad(lambda x, y: x * y, (0, 1)),
                                    lambda: (lambda a: (a, a))(f32(_A))),
    "a weight passed as an input": (lambda: GradOperation(get_all=True, get_by_list=True)(
        lambda x, y: x * y * _W, [_W]), lambda: (f32(_A), _W)),
    "an unused input": (lambda: value_and_grad(lambda x, y: x * 2.0, (0, 1)), lambda: (f32(_A), f32(_B))),
    "an int32 input, promoted": (lambda: value_and_grad(lambda x, y: x * y, (0, 1)),
                                 lambda: (f32(_A), Tensor(np.array([[1, 2, 3], [4, 5, 6]], np.int32)))),
    "float64": (lambda: value_and_grad(lambda x, y: x * y, (0, 1)),
                lambda: (Tensor(_A.astype(np.float64)), Tensor(_B.astype(np.float64)))),
    "most primitives": (lambda: value_and_grad(_many, (0, 1)), lambda: (f32(_A), f32(_B))),
    "Sin, Cos, Softplus, stop_gradient, the tutorial's loss": (lambda: value_and_grad(
        lambda x, y: ops.binary_cross_entropy_with_logits(ops.sin(x) * ops.cos(y), ops.sigmoid(ops.stop_gradient(y)))
        + ops.softplus(x).sum(), (0, 1)), lambda: (f32(_A), f32(_B))),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_more_shapes_of_network_run_compiled_as_on_the_tape(name):
    """The tape is the reference here (its gradients are checked against central differences in
    test_vjp and test_fidelity); the compiled code must give its bits."""
    make, args = EDGES[name]
    both_modes(make, *args())
