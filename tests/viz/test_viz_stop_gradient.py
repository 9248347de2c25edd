"""viz draws ops.stop_gradient so that a learner sees where the gradient stops: an octagon ("no
gradient back"), the edge into it ending in a bar, and a legend entry; the tensor behind it gets
no gradient from that path."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
import viz
from mini_autograd import Tensor, context
from tests.viz.test_viz_graph import SVG, node_group, texts


class Fit(nn.Cell):
    """(prediction - stop_gradient(target))^2 summed: the target treated as a constant."""

    def construct(self, prediction, target):
        return ops.square(prediction - ops.stop_gradient(target)).sum()


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_stop_gradient_is_drawn_where_the_gradient_stops(mode):
    context.set_context(mode=mode, device_target="CPU")
    p = Tensor(np.array([1.0, 2.0], np.float32))
    t = Tensor(np.array([0.5, 3.0], np.float32))
    fvg = nn.ForwardValueAndGrad(Fit(), get_all=True)
    _, (dp, dt) = fvg(p, t)
    # by hand: d/dp = 2 (p - t) = [1, -2]; the target's only path goes through stop_gradient: 0
    np.testing.assert_array_equal(dp.asnumpy(), [1.0, -2.0])
    np.testing.assert_array_equal(dt.asnumpy(), [0.0, 0.0])
    svg = viz.render_svg(fvg)
    stop = next(n for n in fvg.trace.nodes if n.op == "StopGradient")
    g = node_group(svg, f"n{stop.id}")
    assert "no gradient back" in texts(ET.tostring(g, encoding="unicode"))
    assert len(g.find(f"{SVG}polygon").get("points").split()) >= 8  # an octagon, not an ellipse
    into = [e for e in ET.fromstring(svg).iter(f"{SVG}g") if e.get("class") == "edge"
            and e.find(f"{SVG}title").text.endswith(f"->n{stop.id}")]
    assert len(into) == 1 and into[0].find(f"{SVG}path").get("stroke") == viz.graph.COLOURS["grad"]
    assert any(t.startswith("stop_gradient: the value passes") for t in texts(svg))


def test_no_stop_gradient_no_legend_entry():
    context.set_context(mode=context.PYNATIVE_MODE, device_target="CPU")
    fvg = nn.ForwardValueAndGrad(ops.Square())
    fvg(Tensor(np.array([1.0], np.float32)))
    assert not any(t.startswith("stop_gradient") for t in texts(viz.render_svg(fvg)))


@pytest.mark.parametrize("fn,name", [(ops.sin, "Sin"), (ops.cos, "Cos"), (ops.softplus, "Softplus")])
def test_the_new_primitives_are_drawn_with_their_names(fn, name):
    context.set_context(mode=context.GRAPH_MODE, device_target="CPU")
    fvg = nn.ForwardValueAndGrad(fn)
    fvg(Tensor(np.array([0.5, -1.0], np.float32)))
    assert name in texts(viz.render_svg(fvg))
