"""GRAPH_MODE traces construct once per input signature and replays; PYNATIVE_MODE records as it runs.
Both give identical results."""
import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
import mini_autograd as ma
from mini_autograd import Parameter, ParameterTuple, Tensor, context
from tests.support import document_code as doc


class Counting(nn.Cell):
    """The document's Net, counting how often Python runs construct."""

    def __init__(self):
        super().__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name="z")
        self.calls = 0

    def construct(self, x, y):
        self.calls += 1
        return self.matmul(x * self.z, y)


def run_all_flags(mode, x, y, sens):
    context.set_context(mode=mode)
    results = []
    for get_all in (False, True):
        for get_by_list in (False, True):
            for sens_param in (False, True):
                net = doc.Net()
                fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=get_all,
                                             get_by_list=get_by_list, sens_param=sens_param)
                args = (x, y, sens) if sens_param else (x, y)
                for _ in range(2):  # the second GRAPH_MODE call replays
                    out = fvg(*args)
                results.append(out)
    return results


def flatten(structure):
    if isinstance(structure, Tensor):
        return [structure.asnumpy()]
    return [a for item in structure for a in flatten(item)]


def test_pynative_and_graph_mode_give_identical_results():
    x, y = doc.inputs()
    sens = Tensor(np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], np.float32))
    a = run_all_flags(context.PYNATIVE_MODE, x, y, sens)
    b = run_all_flags(context.GRAPH_MODE, x, y, sens)
    for ra, rb in zip(a, b):
        fa, fb = flatten(ra), flatten(rb)
        assert len(fa) == len(fb)
        for u, v in zip(fa, fb):
            np.testing.assert_array_equal(u, v)


def test_graph_mode_traces_once_per_signature_and_replays():
    context.set_context(mode=context.GRAPH_MODE)
    net = Counting()
    fvg = nn.ForwardValueAndGrad(net, get_all=True)
    x, y = doc.inputs()
    fvg(x, y)
    value, (gx, gy) = fvg(x * 2.0, y)  # same shapes: replayed, construct not run again
    assert net.calls == 1 and fvg.trace.replayed
    np.testing.assert_allclose(value.asnumpy(), 2 * x.asnumpy() @ y.asnumpy(), rtol=1e-6)
    np.testing.assert_allclose(gy.asnumpy(), (2 * x.asnumpy()).T @ np.ones((2, 3)), rtol=1e-6)
    fvg(Tensor(np.ones((4, 3), np.float32)), y)  # a new shape: traced again
    assert net.calls == 2 and not fvg.trace.replayed
    fvg(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 3))))  # a new dtype (float64): traced again
    assert net.calls == 3 and len(fvg.runner.graphs) == 3


def test_pynative_runs_construct_every_call():
    net = Counting()
    fvg = nn.ForwardValueAndGrad(net)
    fvg(*doc.inputs())
    fvg(*doc.inputs())
    assert net.calls == 2


def test_replay_reads_the_parameters_current_value():
    context.set_context(mode=context.GRAPH_MODE)
    net = Counting()
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_by_list=True)
    x, y = doc.inputs()
    fvg(x, y)
    net.z.set_data(Tensor(np.array([3.0], np.float32)))
    value, _ = fvg(x, y)
    assert net.calls == 1
    np.testing.assert_allclose(value.asnumpy(), 3 * x.asnumpy() @ y.asnumpy(), rtol=1e-6)


class Branching(nn.Cell):
    def construct(self, x):
        if x.sum() > 0:
            return x * 2
        return x


def test_branching_on_a_tensor_value_while_tracing_points_to_pynative():
    branching = Branching()
    context.set_context(mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(branching)
    with pytest.raises(RuntimeError, match="PYNATIVE_MODE"):
        fvg(Tensor([1.0, 2.0]))
    assert fvg.runner.graphs == {}
    context.set_context(mode=context.PYNATIVE_MODE)
    _, g = fvg(Tensor([1.0, 2.0]))  # the same network runs in PYNATIVE_MODE
    np.testing.assert_allclose(g.asnumpy(), [2.0, 2.0])
    _, g = fvg(Tensor([-1.0, -2.0]))
    np.testing.assert_allclose(g.asnumpy(), [1.0, 1.0])


def test_reading_a_value_while_tracing_is_refused():
    class Reads(nn.Cell):
        def construct(self, x):
            return x * float(x.sum())

    context.set_context(mode=context.GRAPH_MODE)
    with pytest.raises(RuntimeError, match="float\\(\\) of a tensor.*PYNATIVE_MODE"):
        nn.ForwardValueAndGrad(Reads())(Tensor([1.0]))


def test_arguments_that_are_not_tensors_or_scalars_are_never_replayed():
    # Two arrays that differ beyond what repr() shows must not share a traced graph.
    def f(x, a):
        return (x * Tensor(a)).sum()

    context.set_context(mode=context.GRAPH_MODE)
    vg = ma.value_and_grad(f)
    a, b = np.zeros(2000, np.float32), np.zeros(2000, np.float32)
    b[1000] = 5.0
    x = Tensor(np.ones(2000, np.float32))
    assert float(vg(x, a)[0]) == 0.0
    assert float(vg(x, b)[0]) == 5.0  # PYNATIVE_MODE gives 5 too
    scale = ma.value_and_grad(lambda x, s: x * s)
    np.testing.assert_allclose(scale(Tensor([1.0]), 2.0)[1].asnumpy(), [2.0])
    np.testing.assert_allclose(scale(Tensor([1.0]), 3.0)[1].asnumpy(), [3.0])  # a scalar's value is in the key
