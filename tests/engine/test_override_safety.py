"""ops.override_vjp is safe with threads and says clearly what it cannot do (issue 21, findings 5, 11).

The override swaps a class attribute, which every thread sees: a second thread entering a block while
another thread is inside one is refused with a clear error, and a thread outside any block keeps the
engine's own rule. A learner's vjp computes on NumPy arrays, so it cannot be differentiated again: a
second-order gradient through it is refused with a clear error, in both modes.
Expected values by hand: d sum(x * y)/dx = y; the wrong rule used below doubles it.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.ops as ops
from mini_autograd import Tensor, context

X, Y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
MODES = [context.PYNATIVE_MODE, context.GRAPH_MODE]


def doubled_mul(dout, x, y):  # a wrong rule: twice the gradient
    return 2 * dout * y, 2 * dout * x


def dx_of_mul():
    return ma.grad(lambda x, y: (x * y).sum())(Tensor(X), Tensor(Y)).asnumpy()


@pytest.mark.parametrize("mode", MODES, ids=["pynative", "graph"])
def test_5_overlapping_blocks_in_two_threads_are_refused_and_leave_nothing_behind(mode):
    """A enters, B tries to enter (refused, RuntimeError naming override_vjp and the other thread),
    B's own gradients meanwhile use Mul's rule (y, not 2y), A's use A's (2y); after A exits the rule is
    Mul's own everywhere."""
    context.set_context(mode=mode)
    a_inside, b_done = threading.Event(), threading.Event()
    seen: dict = {}

    def thread_a():
        with ops.override_vjp(ops.Mul, doubled_mul):
            a_inside.set()
            b_done.wait(10)
            seen["a"] = dx_of_mul()

    def thread_b():
        a_inside.wait(10)
        context.set_context(mode=mode)
        try:
            with ops.override_vjp(ops.Mul, doubled_mul):
                seen["b entered"] = True
        except RuntimeError as e:
            seen["b error"] = str(e)
        seen["b"] = dx_of_mul()
        b_done.set()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert "b entered" not in seen
    assert "override_vjp" in seen["b error"] and "another thread" in seen["b error"]
    np.testing.assert_array_equal(seen["b"], Y)  # the engine's rule in the thread outside the block
    np.testing.assert_array_equal(seen["a"], 2 * Y)  # the learner's rule inside it
    np.testing.assert_array_equal(dx_of_mul(), Y)  # nothing left behind
    assert ops.Mul.vjp is ops.math_ops.Mul.__dict__["vjp"]


def test_5_the_same_thread_may_nest_blocks():
    """Nesting in one thread is allowed (one primitive inside another's block, or the same one twice);
    the innermost rule wins, and each exit puts back what was there."""
    with ops.override_vjp(ops.Mul, doubled_mul):
        with ops.override_vjp(ops.Mul, lambda d, x, y: (3 * d * y, 3 * d * x)):
            np.testing.assert_array_equal(dx_of_mul(), 3 * Y)
        np.testing.assert_array_equal(dx_of_mul(), 2 * Y)
    np.testing.assert_array_equal(dx_of_mul(), Y)
    # and after a refusal in another thread, this thread may enter again
    with ops.override_vjp(ops.Mul, doubled_mul):
        np.testing.assert_array_equal(dx_of_mul(), 2 * Y)


@pytest.mark.parametrize("mode", MODES, ids=["pynative", "graph"])
def test_11_a_second_order_gradient_through_a_learners_vjp_is_refused_clearly(mode):
    """d/dx sum(d/dx sum(x * x)) through an overriding Mul vjp: the learner's rule computes on NumPy
    arrays, which the outer transform cannot record: RuntimeError naming the primitive and override_vjp
    (not an AttributeError from inside). Outside the block the same call gives 2 * ones."""
    context.set_context(mode=mode)
    inner = ma.grad(lambda x: (x * x).sum())
    outer = ma.grad(lambda x: inner(x).sum())
    with ops.override_vjp(ops.Mul, lambda d, x, y: (d * y, d * x)):
        with pytest.raises(RuntimeError, match=r"override_vjp.*Mul|Mul.*override_vjp") as info:
            outer(Tensor(X))
        assert "second" in str(info.value) or "higher" in str(info.value)
        np.testing.assert_array_equal(inner(Tensor(X)).asnumpy(), 2 * X)  # first order still works
    np.testing.assert_array_equal(outer(Tensor(X)).asnumpy(), [2.0, 2.0])
