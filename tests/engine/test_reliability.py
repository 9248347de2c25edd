"""Reliability (issue 12): no silent wrong results, nothing held after the user lets go, a failed
call changes nothing, a GRAPH_MODE cache that stays bounded, and MindSpore's answers for the small
cases. MindSpore's behaviour is recorded as data (MindSpore 2.10.0 CPU, observed in /work/msvenv).
"""
import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor, context, graph_mode, value_and_grad
from tests.support import document_code as doc

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])
MODES = [context.PYNATIVE_MODE, context.GRAPH_MODE]


def value(t):
    return t.asnumpy().tolist()


# -- 1. == and != are elementwise -------------------------------------------------------------------

# MindSpore 2.10.0 CPU, PYNATIVE_MODE (repr of each result):
MS_COMPARISONS = {
    "a == b": ("Bool", [2], [True, False]),  # a = Tensor([1., 2.]), b = Tensor([1., 3.])
    "a != b": ("Bool", [2], [False, True]),
    "a == 1.0": ("Bool", [2], [True, False]),
    "a == 1": ("Bool", [2], [True, False]),
    "1.0 == a": ("Bool", [2], [True, False]),
    "a != 2": ("Bool", [2], [True, False]),
    "Tensor(1.) == Tensor(1.)": ("Bool", [], True),
    "Tensor([[1.], [2.]]) == Tensor([1., 2., 3.])": ("Bool", [2, 3], [[True, False, False], [False, True, False]]),
    "Tensor([1, 2]) == Tensor([1., 2.5])": ("Bool", [2], [True, False]),
    "Tensor([1, 2]) == 1.5": ("Bool", [2], [False, False]),
    "Tensor([True, False]) == Tensor([True, True])": ("Bool", [2], [True, False]),
}
# ... and these are plain Python bools in MindSpore: a Tensor is not equal to None, a str, a list.
MS_NOT_TENSORS = {"a == None": False, "a != None": True, "a == 'x'": False, "a == [1., 2.]": False}


@pytest.mark.parametrize("expr", MS_COMPARISONS)
def test_comparisons_are_elementwise_bool_tensors_as_in_mindspore(expr):
    a, b = Tensor([1., 2.]), Tensor([1., 3.])  # noqa: F841 (read by eval)
    got = eval(expr)
    dtype, shape, expected = MS_COMPARISONS[expr]
    assert isinstance(got, Tensor)
    assert (str(got.dtype), list(got.shape), value(got)) == (dtype, shape, expected)


@pytest.mark.parametrize("expr", MS_NOT_TENSORS)
def test_a_tensor_compared_with_what_is_not_a_number_is_a_python_bool(expr):
    a = Tensor([1., 2.])  # noqa: F841
    assert eval(expr) is MS_NOT_TENSORS[expr]


def test_nan_is_not_equal_to_itself():
    n = Tensor([float("nan"), 1.0])
    assert value(n == n) == [False, True] and value(n != n) == [True, False]


def test_shapes_that_do_not_broadcast_are_refused_by_name():
    # MindSpore: ValueError "For 'Equal', input1.shape and input2.shape need to broadcast ..."
    with pytest.raises(ValueError, match=r"For 'Equal', x.shape and y.shape need to broadcast.*\[2\].*\[3\]"):
        Tensor([1., 2.]) == Tensor([1., 2., 3.])


def test_a_tensor_stays_hashable_by_identity():
    a, b = Tensor([1., 2.]), Tensor([1., 2.])  # equal values, two tensors (MindSpore: hash works, {a: 1}[a] == 1)
    assert {a: 1, b: 2}[a] == 1 and len({a, b}) == 2 and a in {a}


def test_if_on_equal_tensors_takes_the_right_branch_in_pynative():
    def f(x, y):
        return x * 2.0 if x == y else x * 3.0

    _, g = value_and_grad(f)(Tensor([1.0]), Tensor([1.0]))
    assert value(g) == [2.0]
    _, g = value_and_grad(f)(Tensor([1.0]), Tensor([2.0]))
    assert value(g) == [3.0]


class IfEqual(nn.Cell):
    def construct(self, x, y):
        if x == y:
            return x * 2
        return x * 3


def test_if_on_a_comparison_is_refused_while_graph_mode_traces():
    # MindSpore 2.10 GRAPH_MODE compiles this branch (x == y gives [2.], else [3.]). mini_autograd
    # traces construct once and cannot record a branch: it refuses, as for any value-dependent
    # branch, and never silently takes the else branch.
    context.set_context(mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(IfEqual())
    with pytest.raises(RuntimeError, match="a Python 'if' or 'while' on a tensor's value.*PYNATIVE_MODE"):
        fvg(Tensor([1.0]), Tensor([1.0]))
    assert fvg.runner.graphs == {}


def test_comparisons_inside_a_graph_are_recorded_and_replayed():
    context.set_context(mode=context.GRAPH_MODE)

    class Masks(nn.Cell):
        def construct(self, x, y):
            return x * (x == y), x * (x != y), x * (x == 2.0)

    fvg = nn.ForwardValueAndGrad(Masks())
    fvg(Tensor([1., 2.]), Tensor([1., 3.]))
    (eq, ne, two), g = fvg(Tensor([2., 5.]), Tensor([0., 5.]))
    assert fvg.trace.replayed
    assert (value(eq), value(ne), value(two)) == ([0., 5.], [2., 0.], [2., 0.])
    assert value(g) == [2., 1.]  # no gradient through a comparison: (x == y) + (x != y) + (x == 2) = 1 + (1, 0)


# -- 2. GRAPH_MODE never replays a graph made for another network ---------------------------------------

def test_a_reassigned_parameter_is_traced_again():
    context.set_context(mode=context.GRAPH_MODE)
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(net)
    x, y = doc.inputs()
    fvg(x, y)
    net.z = Parameter(Tensor(np.array([3.0], np.float32)), name="z")
    out, gx = fvg(x, y)
    np.testing.assert_allclose(out.asnumpy(), 3 * X @ Y, rtol=1e-6)
    np.testing.assert_allclose(gx.asnumpy(), 3 * np.ones((2, 3)) @ Y.T, rtol=1e-6)


class Scale(nn.Cell):
    def construct(self, x):
        return x * 2.0 if self.training else x


class Outer(nn.Cell):
    def __init__(self):
        super().__init__()
        self.scale = Scale()

    def construct(self, x):
        return self.scale(x) * 1.0


def test_set_train_on_a_sub_cell_selects_another_graph():
    context.set_context(mode=context.GRAPH_MODE)
    net = Outer()
    fvg = nn.ForwardValueAndGrad(net)
    x = Tensor([1.0, 2.0])
    assert value(fvg(x)[0]) == [1.0, 2.0]
    net.scale.set_train(True)
    out, g = fvg(x)
    assert value(out) == [2.0, 4.0] and value(g) == [2.0, 2.0]
    net.scale.set_train(False)
    assert value(fvg(x)[0]) == [1.0, 2.0] and fvg.trace.replayed  # both graphs kept, keyed by the flags


def test_a_replaced_sub_cell_is_traced_again():
    context.set_context(mode=context.GRAPH_MODE)

    class Triple(nn.Cell):
        def construct(self, x):
            return x * 3.0

    net = Outer()
    fvg = nn.ForwardValueAndGrad(net)
    x = Tensor([1.0, 2.0])
    fvg(x)
    net.scale = Triple()
    assert value(fvg(x)[0]) == [3.0, 6.0]


def test_building_another_network_keeps_the_graph():
    context.set_context(mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(doc.Net())
    fvg(*doc.inputs())
    doc.Net()  # assigns parameters and cells elsewhere: this network is unchanged
    fvg(*doc.inputs())
    assert fvg.trace.replayed


# -- 3. a Parameter passed as an input and listed in weights ------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_a_parameter_passed_as_an_input_gets_its_true_weight_gradient(mode):
    context.set_context(mode=mode)
    w = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="w")
    x = Tensor(np.array([3.0, 5.0], np.float32))
    vg = value_and_grad(lambda a, b: (a * b * b).sum(), grad_position=None, weights=[w])
    for _ in range(2):  # GRAPH_MODE: traced, then replayed
        _, (gw,) = vg(x, w)
        np.testing.assert_allclose(gw.asnumpy(), 2 * np.array([3.0, 5.0]) * np.array([1.0, 2.0]))  # d(a b^2)/db
    _, (gw,) = vg(x, Tensor(np.array([1.0, 2.0], np.float32)))  # w not passed (nor used) this time
    np.testing.assert_allclose(gw.asnumpy(), [0.0, 0.0])


@pytest.mark.parametrize("mode", MODES)
def test_a_weight_passed_as_an_input_and_read_as_an_attribute(mode):
    context.set_context(mode=mode)
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(lambda x, y, z: net(x, y) * z, ParameterTuple([net.z]), get_by_list=True)
    x, y = doc.inputs()
    out, (gz,) = fvg(x, y, net.z)  # out = (x z) @ y * z: d/dz = 2 z sum(x @ y) with z = 1
    np.testing.assert_allclose(out.asnumpy(), X @ Y, rtol=1e-6)
    np.testing.assert_allclose(gz.asnumpy(), [2 * np.sum(X @ Y)], rtol=1e-5)


# -- 4. powers and quotients at 0 -------------------------------------------------------------------

# MindSpore 2.10.0 CPU, ms.grad(f)(Tensor([0., 2.], float32)):
MS_GRADS_AT_0_AND_2 = {
    "x ** 0": [math.nan, 0.0], "x ** 0.0": [math.nan, 0.0], "x ** 1": [1.0, 1.0], "x ** 0.5": [math.inf, 0.35355338],
    "x ** 3": [0.0, 12.0], "x ** -1": [-math.inf, -0.25], "1 / x": [-math.inf, -0.25], "x / 1.0": [1.0, 1.0],
    "x ** 1.5": [0.0, 2.12132025],
}
# Where we differ on purpose: d(x^0)/dx is 0 everywhere (issue 12); MindSpore forms 0 * 0^-1 = NaN.
DERIVATIVE = {"x ** 0": [0.0, 0.0], "x ** 0.0": [0.0, 0.0]}


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # IEEE infinities, on purpose
@pytest.mark.parametrize("expr", MS_GRADS_AT_0_AND_2)
@pytest.mark.parametrize("mode", MODES)
def test_power_and_division_gradients_at_zero(expr, mode):
    context.set_context(mode=mode)
    f = eval(f"lambda x: ({expr}).sum()")
    _, g = value_and_grad(f)(Tensor(np.array([0.0, 2.0], np.float32)))
    np.testing.assert_allclose(g.asnumpy(), DERIVATIVE.get(expr, MS_GRADS_AT_0_AND_2[expr]), rtol=1e-6)


def test_an_integer_tensor_to_the_power_0_has_gradient_0():
    gx = ops.GradOperation()(lambda x: (x ** 0).astype(ma.dtype.float32).sum())(Tensor(np.array([0, 3])))
    assert value(gx) == [0, 0]


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_a_quotient_by_zero_gives_the_infinite_derivatives():
    # MindSpore 2.10.0 CPU, grad of x / y at (x, y) = (0, 2), (1, 0): dx = [0.5, inf], dy = [-0.0, -inf]
    gx, gy = value_and_grad(lambda x, y: (x / y).sum(), grad_position=(0, 1))(
        Tensor(np.array([0.0, 1.0], np.float32)), Tensor(np.array([2.0, 0.0], np.float32)))[1]
    assert value(gx) == [0.5, math.inf] and value(gy) == [-0.0, -math.inf]


# -- 7. a failed call changes nothing ----------------------------------------------------------------

def wide_net(width=1100):
    """An MLP whose intermediate values pass RELEASE_ABOVE_BYTES (the large-network path)."""
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((width, width)).astype(np.float32) / width ** 0.5
    w2 = rng.standard_normal((width, 4)).astype(np.float32)

    class MLP(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w1, self.w2 = Parameter(Tensor(w1), name="w1"), Parameter(Tensor(w2), name="w2")
            self.matmul = ops.MatMul()

        def construct(self, x):
            return self.matmul(ops.ReLU()(self.matmul(x, self.w1)), self.w2)

    x = rng.standard_normal((width, width)).astype(np.float32)
    return MLP(), x, w1, w2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("large", [False, True])
def test_a_failed_call_keeps_the_previous_trace(mode, large):
    context.set_context(mode=mode)
    if large:
        net, x, w1, w2 = wide_net()
        fvg = nn.ForwardValueAndGrad(net, sens_param=True)
        args, good_sens = (Tensor(x),), Tensor(np.ones((x.shape[0], 4), np.float32))
        hidden = np.maximum(x.astype(np.float64) @ w1, 0)
        expected_out = hidden @ w2
    else:
        fvg = nn.ForwardValueAndGrad(doc.Net(), sens_param=True)
        args, good_sens = doc.inputs(), Tensor(np.ones((2, 3), np.float32))
        expected_out = X @ Y
    fvg(*args, good_sens)
    before = fvg.runner.last
    with pytest.raises(ValueError, match="sensitivity should have the output's shape"):
        fvg(*args, Tensor(np.ones((7, 7), np.float32)))  # wrong sens shape: fails after the run began
    assert fvg.runner.last is before
    with pytest.raises(ValueError, match="MatMul"):
        fvg(Tensor(np.ones((3, 5), np.float32)), *args[1:], good_sens)  # fails inside construct
    assert fvg.runner.last is before
    tr = fvg.trace
    assert tr is not None and ma.last_trace() is tr
    out = tr.tensors[tr.outputs[0]].value
    np.testing.assert_allclose(out, expected_out, rtol=2e-3, atol=2e-3)
    np.testing.assert_array_equal(tr.sens[0], np.ones(out.shape))


# -- 9. nothing is held after the user lets go --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("build_trace", [False, True])
def test_memory_returns_to_baseline_after_del(mode, build_trace):
    context.set_context(mode=mode)
    small, xs, _, _ = wide_net(8)  # first-use caches (imports, NumPy's) are not what is measured
    nn.ForwardValueAndGrad(small, ParameterTuple(small.trainable_params()), get_by_list=True)(Tensor(xs))
    del small
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        net, x, _, _ = wide_net(600)
        fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_by_list=True)
        result = fvg(Tensor(x))
        if build_trace:
            assert ma.last_trace() is fvg.trace and fvg.trace.tensors
        held = tracemalloc.get_traced_memory()[0] - baseline
        alive = weakref.ref(net)
        del net, fvg, result, x
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert alive() is None and ma.last_trace() is None
    assert held > 4 << 20  # the network, its input and its intermediates: several MB
    assert after < 64 << 10, f"{after} bytes still held after del"


def test_last_trace_follows_the_latest_call_while_its_transform_lives():
    a = nn.ForwardValueAndGrad(doc.Net())
    b = nn.ForwardValueAndGrad(doc.Net(), get_all=True)
    a(*doc.inputs())
    b(*doc.inputs())
    assert ma.last_trace() is b.trace
    del b
    gc.collect()
    assert ma.last_trace() is None and a.trace is not None


# -- 10. the GRAPH_MODE cache --------------------------------------------------------------------------

class Tempered(nn.Cell):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def construct(self, x, temperature):
        self.calls += 1
        return (x / temperature).sum()


def test_a_decaying_float_argument_is_a_constant_of_each_graph_in_a_bounded_cache():
    """MindSpore's rule (issue 21): a Python float argument is a constant of the compiled graph, so
    each new temperature traces anew; the cache keeps at most CACHE_SIZE graphs all the same."""
    context.set_context(mode=context.GRAPH_MODE)
    net = Tempered()
    fvg = nn.ForwardValueAndGrad(net)
    x = np.array([1.0, 2.0, 4.0], np.float32)
    t = 1.0
    for _ in range(300):
        t *= 0.99
        out, g = fvg(Tensor(x), t)
        expected = (x / np.float32(t)).astype(np.float64)  # NumPy float32 arithmetic, as the engine
        np.testing.assert_allclose(out.asnumpy(), expected.sum(), rtol=1e-6)
        np.testing.assert_allclose(g.asnumpy(), np.full(3, 1 / np.float32(t)), rtol=1e-6)
    assert net.calls == 300 and len(fvg.runner.graphs) == graph_mode.CACHE_SIZE


READS_THE_FLOAT = {  # construct uses the float as a Python number: the graph is kept for its value only
    "x * (1.0 / t)": lambda x, t: x * (1.0 / t),
    "x * math.exp(t)": lambda x, t: x * math.exp(t),
    "x * float(np.exp(t))": lambda x, t: x * float(np.exp(t)),
    "x * Tensor(t)": lambda x, t: x * Tensor(t),
    "x * 2.0 if t > 0.5 else x": lambda x, t: x * 2.0 if t > 0.5 else x,
    "x ** t": lambda x, t: x ** t,
}


@pytest.mark.parametrize("expr", READS_THE_FLOAT)
def test_a_float_read_as_a_number_keys_the_graph_on_its_value(expr):
    context.set_context(mode=context.GRAPH_MODE)
    f = READS_THE_FLOAT[expr]

    class Net(nn.Cell):
        def construct(self, x, t):
            return f(x, t)

    fvg = nn.ForwardValueAndGrad(Net())
    x = Tensor(np.array([1.0, 2.0], np.float32))
    for t in (0.25, 1.0, 2.0, 0.25):
        context.set_context(mode=context.PYNATIVE_MODE)
        expected = f(x, t).asnumpy()  # the same code run eagerly
        context.set_context(mode=context.GRAPH_MODE)
        np.testing.assert_allclose(fvg(x, t)[0].asnumpy(), expected, rtol=1e-6)
    assert fvg.trace.replayed  # 0.25 again


def test_the_cache_is_bounded_and_keeps_the_recently_used():
    context.set_context(mode=context.GRAPH_MODE)
    net = Tempered()
    fvg = nn.ForwardValueAndGrad(net)
    often = Tensor(np.ones(1, np.float32))
    fvg(often, 2.0)
    for n in range(2, graph_mode.CACHE_SIZE + 40):
        fvg(Tensor(np.ones(n, np.float32)), 2.0)  # a new shape every call
        out, _ = fvg(often, 2.0)  # and one used all along
        assert fvg.trace.replayed and value(out) == 0.5
    assert len(fvg.runner.graphs) == graph_mode.CACHE_SIZE
    assert net.calls == 1 + graph_mode.CACHE_SIZE + 38


def test_ints_and_bools_stay_part_of_the_key():
    context.set_context(mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(lambda x, n, flag: x.sum(n) * (2.0 if flag else 1.0))
    x = Tensor(np.ones((2, 3), np.float32))
    assert value(fvg(x, 0, True)[0]) == [4.0, 4.0, 4.0]
    assert value(fvg(x, 1, False)[0]) == [3.0, 3.0]


# -- 15. small ones: MindSpore's behaviour ----------------------------------------------------------

# MindSpore 2.10.0 CPU, PYNATIVE_MODE:
MS_SMALL = {
    "Tensor(np.ones((2, 3), np.float32)).sum(np.int64(1))": [3.0, 3.0],
    "Tensor(np.ones((2, 3), np.float32)).sum(np.int32(0))": [2.0, 2.0, 2.0],
    "Tensor(np.ones((2, 3), np.float32)).sum((np.int64(0), 1))": 6.0,
    "Tensor(np.ones((2, 3), np.float32)).mean(np.int64(1))": [1.0, 1.0],
    "Tensor(np.ones((2, 1), np.float32)).squeeze(np.int64(1))": [1.0, 1.0],
    "Tensor(np.ones((2, 1), np.float32)).squeeze((np.int64(1),))": [1.0, 1.0],
    "Tensor(np.array([1, 2], np.uint8)) + 300": [45, 46],  # wrapped around: 300 % 256 = 44
    "300 + Tensor(np.array([1, 2], np.uint8))": [45, 46],
    "Tensor(np.array([1, 2], np.uint8)) + 255": [0, 1],
    "Tensor(np.array([1, 2], np.uint8)) + (-1)": [0, 1],
    "Tensor(np.array([1, 2], np.int8)) + 300": [45, 46],
    "Tensor(np.array([1, 2], np.uint8)) * 300": [44, 88],
    "Tensor(np.array([1, 2], np.int32)) + 2 ** 40": [1, 2],
}
MS_SMALL_DTYPES = {"uint8": "UInt8", "int8": "Int8", "int32": "Int32"}


@pytest.mark.parametrize("expr", MS_SMALL)
def test_small_cases_as_in_mindspore(expr):
    got = eval(expr)
    assert value(got) == MS_SMALL[expr]
    for np_name, ms_name in MS_SMALL_DTYPES.items():
        if f"np.{np_name}))" in expr:
            assert str(got.dtype) == ms_name


def test_a_python_int_beyond_64_bits_is_refused():
    # MindSpore 2.10.0: RuntimeError "Unable to cast Python instance of type <class 'int'> to C++ type 'long'"
    with pytest.raises(RuntimeError, match=r"For 'Add', the Python int 1180591620717411303424 does not fit in a "
                                           r"64-bit integer"):
        Tensor(np.array([1, 2], np.int64)) + 2 ** 70


@pytest.mark.parametrize("axis", [np.float64(1), True])
def test_sum_refuses_a_float_or_bool_axis(axis):
    # MindSpore 2.10.0: TypeError "Failed calling sum with "sum(float)"" / "sum(bool)"
    with pytest.raises(TypeError, match="'axis' should be an int"):
        Tensor(np.ones((2, 3), np.float32)).sum(axis)


# MindSpore 2.10.0: nn.SGD(params, learning_rate=nan) -> ValueError "For 'SGD', the 'learning rate' must
# be a legal value, but got 'nan'." (inf, -inf alike; weight_decay and loss_scale alike).
@pytest.mark.parametrize("arg", ["learning_rate", "weight_decay", "loss_scale", "momentum", "dampening"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_optimizers_refuse_settings_that_are_not_finite(arg, bad):
    params = doc.Net().trainable_params()
    with pytest.raises(ValueError, match=rf"For 'SGD', '{arg}' should be a finite number, but got {bad}"):
        nn.SGD(params, **{"learning_rate": 0.1, arg: bad})
    with pytest.raises(ValueError, match="For 'Momentum', 'learning_rate' should be a finite number"):
        nn.Momentum(params, learning_rate=bad, momentum=0.9)


class _SumWeighted(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="w")

    def construct(self, x):
        return (x * self.w).sum()


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_train_one_step_sens_changed_between_replays_is_used(mode):
    # GRAPH_MODE keeps per graph what does not change between calls (runner.py); the sensitivity a
    # TrainOneStepCell fills is not one of those. By hand: dL/dw = sens * x = sens per step, lr 1,
    # so w = [1, 2] - (2 + 2 + 4) after sens 2, 2 (a replay in GRAPH_MODE), then 4.
    context.set_context(mode=mode)
    net = _SumWeighted()
    step = nn.TrainOneStepCell(net, nn.SGD(net.trainable_params(), learning_rate=1.0), sens=2.0)
    x = Tensor(np.array([1.0, 1.0], np.float32))
    step(x)
    step(x)
    step.sens = 4.0
    step(x)
    np.testing.assert_array_equal(net.w.asnumpy(), np.array([-7.0, -6.0], np.float32))


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_what_a_call_returns_follows_the_kinds_of_its_arguments_each_call(mode):
    # get_all gives a gradient slot to each Tensor argument and none to a Python number (MindSpore
    # 2.10, tests/fidelity/test_fidelity.py): the same transform called with (x, y), (x, 2.0), (x, y) must
    # answer (dx, dy), (dx,), (dx, dy) -- what is worked out once is keyed on the argument kinds.
    context.set_context(mode=mode)
    g = ops.GradOperation(get_all=True)(lambda a, b: (a * b).sum())
    x, y = Tensor(np.array([1.0, 2.0], np.float32)), Tensor(np.array([3.0, 4.0], np.float32))
    first, with_number, again = g(x, y), g(x, 2.0), g(x, y)
    assert [t.asnumpy().tolist() for t in first] == [[3.0, 4.0], [1.0, 2.0]]  # d(ab)/da = b, d/db = a
    assert [t.asnumpy().tolist() for t in with_number] == [[2.0, 2.0]]
    assert [t.asnumpy().tolist() for t in again] == [[3.0, 4.0], [1.0, 2.0]]
