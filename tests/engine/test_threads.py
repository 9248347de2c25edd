"""Threads (issue 12, item 5): what a thread records belongs to that thread.

Four threads, each with its own network and ForwardValueAndGrad, call it 1,500 times each while
Python switches threads as often as it can; every call's value and gradients are checked against
values derived by hand with NumPy float64. An eager operation in one thread while another traces
a GRAPH_MODE graph must not land in that graph.
"""
import sys
import threading

import numpy as np
import pytest

import mini_autograd.nn as nn
from mini_autograd import ParameterTuple, Tensor, context, tape
from tests.support import document_code as doc

THREADS, CALLS = 4, 1500
X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])


def hand_derived(x, y, z):
    """out = (x * z) @ y with sens = ones: dx = z (1 y^T), dy = (x z)^T 1, dz = sum(x * (1 y^T))."""
    ones = np.ones((x.shape[0], y.shape[1]))
    return (x * z) @ y, z * (ones @ y.T), (x * z).T @ ones, np.array([np.sum(x * (ones @ y.T))])


def hammer(threads: int = THREADS, calls: int = CALLS) -> dict:
    """Each thread: its own doc.Net with z = thread number + 1, the document's inputs scaled by
    1..5 in turn. Returns the number of errors, of wrong results and of calls made."""
    counts = {"errors": 0, "wrong": 0, "calls": 0, "first error": None}
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        net = doc.Net()
        net.z.set_data(Tensor(np.array([n + 1.0], np.float32)))
        fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
        cases = [(Tensor((X * s).astype(np.float32)), Tensor(Y.astype(np.float32)), hand_derived(X * s, Y, n + 1.0))
                 for s in range(1, 6)]
        errors = wrong = 0
        first = None
        start.wait()
        for k in range(calls):
            x, y, (out, dx, dy, dz) = cases[k % 5]
            try:
                value, ((gx, gy), (gz,)) = fvg(x, y)
            except Exception as e:  # counted, not raised: the figure is how many
                errors += 1
                first = first or repr(e)
                continue
            got = (value.asnumpy(), gx.asnumpy(), gy.asnumpy(), gz.asnumpy())
            if not all(np.allclose(g, e, rtol=1e-5, atol=1e-6) for g, e in zip(got, (out, dx, dy, dz))):
                wrong += 1
        with lock:
            counts["errors"] += errors
            counts["wrong"] += wrong
            counts["calls"] += calls
            counts["first error"] = counts["first error"] or first

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as Python allows: races show up at once
    try:
        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(interval)
    return counts


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_four_threads_each_with_its_own_transform_get_every_gradient_right(mode):
    context.set_context(mode=mode)
    counts = hammer()
    assert counts["calls"] == THREADS * CALLS
    assert (counts["errors"], counts["wrong"]) == (0, 0), counts["first error"]


def test_an_eager_op_in_another_thread_stays_out_of_a_graph_being_traced():
    context.set_context(mode=context.GRAPH_MODE)
    inside, eager_done = threading.Event(), threading.Event()

    class Pausing(nn.Cell):
        def construct(self, x):
            h = x * 2.0
            inside.set()  # the tracing thread waits here while the other thread computes
            assert eager_done.wait(10)
            return h + 1.0

    results = {}

    def other_thread():
        assert inside.wait(10)
        a = Tensor(np.array([3.0, 4.0], np.float32))
        results["eager"] = (a * a - a).asnumpy()  # eager ops, while the graph is being traced
        other = nn.ForwardValueAndGrad(doc.Net())  # and another transform, which must not be refused
        value, gx = other(*doc.inputs())
        results["other"] = (value.asnumpy(), gx.asnumpy())
        eager_done.set()

    helper = threading.Thread(target=other_thread)
    helper.start()
    fvg = nn.ForwardValueAndGrad(Pausing())
    fvg(Tensor(np.array([1.0, 2.0], np.float32)))
    helper.join()
    assert [n.op for n in fvg.trace.nodes] == ["Mul", "Add"]  # nothing of the other thread's
    np.testing.assert_allclose(results["eager"], [6.0, 12.0])
    out, dx, _, _ = hand_derived(X, Y, 1.0)
    np.testing.assert_allclose(results["other"][0], out, rtol=1e-6)
    np.testing.assert_allclose(results["other"][1], dx, rtol=1e-6)
    value, g = fvg(Tensor(np.array([5.0, -1.0], np.float32)))  # the replayed graph: 2x + 1
    assert fvg.trace.replayed
    np.testing.assert_allclose(value.asnumpy(), [11.0, -1.0])
    np.testing.assert_allclose(g.asnumpy(), [2.0, 2.0])


def test_the_recording_state_is_per_thread():
    seen = {}

    def look():
        seen["active"], seen["tracing"] = tape.active, tape.tracing

    class Looks(nn.Cell):
        def construct(self, x):
            t = threading.Thread(target=look)
            t.start()
            t.join()
            seen["here"] = tape.active is not None
            return x * 2.0

    context.set_context(mode=context.GRAPH_MODE)
    nn.ForwardValueAndGrad(Looks())(Tensor([1.0]))
    assert seen == {"active": None, "tracing": False, "here": True}
