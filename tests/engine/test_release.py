"""A large network's call lets go of the values no vjp reads before its backward pass; the results,
and the Trace (which computes those values again), are the same as when everything is kept."""
import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.memory as memory
from mini_autograd import ParameterTuple, Tensor, context, nn
from mini_autograd.memory import Unread, unread_slots


def mlp_call(release_above: int, monkeypatch, mode):
    monkeypatch.setattr(memory, "RELEASE_ABOVE_BYTES", release_above)
    context.set_context(mode=mode)
    ma.set_seed(3)
    net = nn.SequentialCell([nn.Dense(4, 5, activation="relu"), nn.Dense(5, 3, activation="tanh"), nn.Dense(3, 2)])
    fvg = nn.ForwardValueAndGrad(nn.WithLossCell(net, nn.MSELoss()), ParameterTuple(net.trainable_params()),
                                 get_by_list=True)
    rng = np.random.default_rng(0)
    x, t = Tensor(rng.normal(size=(6, 4)).astype(np.float32)), Tensor(rng.normal(size=(6, 2)).astype(np.float32))
    fvg(x, t)
    loss, grads = fvg(x, t)  # the second call replays in GRAPH_MODE
    return fvg, loss, grads


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_releasing_changes_no_result_and_no_trace(monkeypatch, mode):
    kept, loss_k, grads_k = mlp_call(1 << 40, monkeypatch, mode)
    released, loss_r, grads_r = mlp_call(0, monkeypatch, mode)
    assert any(isinstance(v, Unread) for v in released.runner.last.values)
    assert not any(isinstance(v, Unread) for v in kept.runner.last.values)
    np.testing.assert_array_equal(loss_k.asnumpy(), loss_r.asnumpy())
    # one gradient per parameter (3 Dense layers: a weight and a bias each), the same count either way:
    # zip would hide a missing one
    assert len(grads_k) == len(grads_r) == 6
    for a, b in zip(grads_k, grads_r):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    tk, tr = kept.trace, released.trace
    assert len(tk.tensors) == len(tr.tensors) > 0
    for a, b in zip(tk.tensors, tr.tensors):
        np.testing.assert_array_equal(a.value, b.value)
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_array_equal(a.grad, b.grad)
    assert len(tk.steps) == len(tr.steps)


def test_what_is_released_is_what_no_vjp_reads():
    # Dense with ReLU: MatMul's product feeds the bias Add (reads nothing), the Add's sum feeds ReLU
    # (reads its output): both can go; the ReLU output feeds the next MatMul (reads its inputs): kept.
    net = nn.SequentialCell([nn.Dense(2, 2, activation="relu"), nn.Dense(2, 1)])
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(np.ones((3, 2), np.float32)))
    tr = fvg.trace
    unread = unread_slots(fvg.runner.last.graph.nodes, tuple(tr.outputs))
    ops_of = {n.output: n.op for n in tr.nodes}
    assert [ops_of[s] for s in unread] == ["MatMul", "Add", "MatMul"]


def test_every_primitive_declares_what_its_vjp_reads(monkeypatch):
    """With every value released that a primitive's ``vjp_reads`` says is not read, each primitive's
    gradient (test_vjp's table, against central differences) must stay right: a declaration that
    leaves out something the vjp reads fails here (an Unread has no data to compute with)."""
    from tests.engine import test_vjp as t

    monkeypatch.setattr(memory, "RELEASE_ABOVE_BYTES", -1)
    rng = np.random.default_rng(11)

    def through(fn):  # the primitive between two Adds (whose vjp reads nothing), so that its input and
        # output are intermediates that are released unless the primitive says its vjp reads them
        return lambda *xs: fn(*[x + 0.0 for x in xs]) + 0.0

    for name, (fn, ref, kind) in t.UNARY.items():
        t.check(through(fn), ref, [t.values(rng, (2, 3), kind)], rng)
    for name, (fn, ref) in t.BINARY.items():
        b = t.values(rng, (3,), "away_from_zero" if name == "Div" else "any")
        t.check(through(fn), ref, [t.values(rng, (2, 3)), b], rng)
    t.check(through(ma.ops.MatMul(transpose_b=True)), lambda a, b: a @ b.T,
            [t.values(rng, (2, 3)), t.values(rng, (4, 3))], rng)
    for op in (ma.ops.ReduceSum(), ma.ops.ReduceMean(keep_dims=True)):
        t.check(through(lambda x, op=op: op(x, 1)), lambda x, op=op: (np.sum if isinstance(op, ma.ops.ReduceSum)
                else lambda a, axis: np.mean(a, axis=axis, keepdims=True))(x, axis=1), [t.values(rng, (2, 3))], rng)
    t.check(through(lambda x: ma.ops.Transpose()(x, (1, 0))), lambda x: x.T, [t.values(rng, (2, 3))], rng)
    t.check(through(lambda x: ma.ops.Reshape()(x, (3, 2))), lambda x: x.reshape(3, 2), [t.values(rng, (2, 3))], rng)
    t.check(through(lambda x: x.astype(ma.dtype.float64)), lambda x: x, [t.values(rng, (2, 3))], rng)
    logits, labels = t.values(rng, (2, 4)), rng.dirichlet(np.ones(4), size=2)
    t.check(through(lambda x: t.SOFTMAX_CROSS_ENTROPY(x, Tensor(labels))),
            lambda x: -(labels * t.log_softmax(x)).sum(axis=1), [logits], rng)
