"""The gradient flow: frames from Trace.steps, accumulation where a tensor feeds two places, and the
widget's linked Play and slider."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import mini_autograd.nn as nn
import viz
from mini_autograd import Tensor

A = np.array([[0.5, -1.0, 2.0]])


class SquarePlus(nn.Cell):
    """out = x * x + x: x feeds Mul twice and Add once, so its gradient accumulates."""

    def construct(self, x):
        return x * x + x


@pytest.fixture
def fvg():
    f = nn.ForwardValueAndGrad(SquarePlus())
    f(Tensor(A.astype(np.float32)))
    return f


def test_frames_follow_the_backward_pass(fvg):
    fr = viz.frames(fvg)
    assert [f.op for f in fr] == ["", "Add", "Mul"]  # seed, then the tape in reverse
    np.testing.assert_array_equal(fr[0].held[fvg.trace.outputs[0]], np.ones((1, 3)))
    add, mul = fr[1], fr[2]
    assert [e.accumulated for e in add.edges] == [False, False]  # x gets its first gradient (1) from Add
    np.testing.assert_allclose(add.edges[1].grad, np.ones((1, 3)))
    # Mul's vjp sends x (the other factor) to each of its two inputs, both added to what x holds
    assert [e.accumulated for e in mul.edges] == [True, True]
    for e in mul.edges:
        np.testing.assert_allclose(e.grad, A, rtol=1e-6)
    np.testing.assert_allclose(mul.held[0], 2 * A + 1, rtol=1e-6)  # d(x^2 + x)/dx = 2x + 1
    assert "x +=" in mul.caption and "Mul" in mul.caption


def test_play_and_slider_are_linked_and_redraw(fvg):
    w = viz.flow_widget(fvg)
    assert "mini-autograd-flow" in w._dom_classes
    assert w.play.max == w.slider.max == 2
    assert "frame 0/2" in w.caption.value and "seed" in w.caption.value
    w.play.value = 2
    assert w.slider.value == 2
    assert "frame 2/2" in w.caption.value and "accumulated" in w.edges_html.value
    assert "running at this step" in w.graph_html.value  # the legend of a flow frame
    assert "(+= accumulated)" in w.svg
    w.slider.value = 1
    assert w.play.value == 1 and "vjp of Add" in w.caption.value
    assert "accumulated" not in w.edges_html.value


def test_flow_frame_svg_highlights_the_running_node(fvg):
    fr = viz.frames(fvg)
    svg = viz.render_svg(fvg, frame=fr[2])
    labels = ["".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert labels.count("grad [[0.5 -1 2]] (+= accumulated)") == 2  # one dashed edge per use of x in Mul; x is 1x3
    assert 'fill="%s"' % viz.graph.COLOURS["running"] in svg
    assert viz.render_svg(fvg, frame=fr[2]) == svg


def test_flow_widget_bad_arguments(fvg):
    with pytest.raises(TypeError, match="'source'"):
        viz.flow_widget([1, 2])
    with pytest.raises(ValueError, match="'interval_ms' should be a positive int"):
        viz.FlowWidget(fvg, interval_ms=0)
