"""viz.frames and the flow widget stay linear in the backward pass (issue 21, finding 15): frames
store what each step changed, not a copy of everything held, and the widget checks the drawing
limits before it makes the frames. Memory is counted with tracemalloc (not timed): a chain three
times longer must cost about three times the memory (a copy per frame cost nine times).
Expected gradients by hand: d/dx of sum(tanh(x) * c) chained n times, checked at the last frame
against the returned gradient; a frame's held view is compared with the same pass replayed by hand."""
from __future__ import annotations

import gc
import sys
import tracemalloc

import numpy as np

import viz
import viz.render
from mini_autograd import Tensor, ops, value_and_grad


def chain_trace(steps: int):
    c, tanh = Tensor(np.array([0.5])), ops.Tanh()

    def f(x):
        for _ in range(steps):
            x = tanh(x) * c
        return x.sum()
    fn = value_and_grad(f)
    _, dx = fn(Tensor(np.array([0.3])))
    return fn.runner.last.trace(), dx


def frames_bytes(trace) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fr = viz.frames(trace)
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    del fr
    return held


def test_frames_memory_is_linear_in_the_number_of_steps():
    small, big = chain_trace(150), chain_trace(450)
    ratio = frames_bytes(big[0]) / frames_bytes(small[0])
    assert ratio < 4.5, ratio  # linear: about 3; a copy of the held dict per frame: about 9


def test_each_frame_holds_what_the_pass_held_then():
    """The views agree with the pass replayed by hand: after frame k, a tensor holds the sum of what
    steps 1..k sent it; the nodes done before frame k are the first k - 1 steps' nodes."""
    trace, dx = chain_trace(5)
    fr = viz.frames(trace)
    held: dict = {}
    for slot, sens in zip(dict.fromkeys(trace.outputs), trace.sens):
        held[slot] = sens
    done = []
    for k, frame in enumerate(fr):
        if k:
            step = trace.steps[k - 1]
            for slot, g in zip(trace.nodes[step.node].inputs, step.grads):
                if g is not None:
                    held[slot] = g if slot not in held else held[slot] + g
        assert list(frame.held) == list(held) and len(frame.held) == len(held)
        for slot, g in held.items():
            np.testing.assert_array_equal(frame.held[slot], g)
        assert set(frame.done) == set(done) and len(frame.done) == len(done)
        assert all(n in frame.done for n in done) and trace.steps[-1].node not in fr[1].done
        if k:
            done.append(trace.nodes[trace.steps[k - 1].node].id)
    x_slot = trace.tensors[0].id
    np.testing.assert_allclose(fr[-1].held[x_slot], dx.asnumpy())


def test_the_widget_says_too_large_before_making_frames(monkeypatch):
    """Past the drawing limits the widget never runs dot, and it checks before viz.frames runs."""
    trace, _ = chain_trace(300)
    order = []
    flow, widget, graph = (sys.modules[f"viz.{m}"] for m in ("flow", "flow_widget", "graph"))
    real_frames = flow.frames
    monkeypatch.setattr(flow, "frames", lambda t: order.append("frames") or real_frames(t))
    real_check = viz.render.too_large
    monkeypatch.setattr(widget, "too_large", lambda d: order.append("size") or real_check(d))
    monkeypatch.setattr(graph, "to_svg", lambda d: (_ for _ in ()).throw(AssertionError("dot run")))
    w = viz.flow_widget(trace)
    assert order[:2] == ["size", "frames"]
    assert "too large" in w.graph_html.value
    w.slider.value = 5
    assert "too large" in w.graph_html.value
