"""The computation graph: names, shapes, previews, returned-gradient highlight, legend, collapse,
determinism, rich display, bad arguments and a missing ``dot``."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from tests.conftest import Net, TwoOut, mlp

import mini_autograd.nn as nn
import viz
from mini_autograd import ParameterTuple, Tensor

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return ["".join(e.itertext()).strip() for e in ET.fromstring(svg).iter(f"{SVG}text")]


def node_group(svg: str, name: str) -> ET.Element:
    """The <g class="node"> whose <title> is the DOT node name (t0 = tensor slot 0, n0 = node 0)."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if g.get("class") == "node" and title is not None and title.text == name:
            return g
    raise AssertionError(f"no node {name} in the SVG")


def test_names_shapes_values_and_grads(called):
    svg = viz.render_svg(called)
    t = texts(svg)
    for name in ("x", "y", "z", "output[0]", "Mul", "MatMul", "legend"):
        assert name in t
    assert "Float32 [2, 3]" in t and "Float32 [3, 3]" in t and "Float32 [1]" in t
    assert "[0.11 3.3 1.1]" in t  # y's first row
    assert "[0.968 3.2 1.78]" in t  # the output's first row, 0.8*0.11 + 0.6*1.1 + 0.2*1.1
    assert "[21.54]" in t  # dz = sum(x @ y)
    assert "[4.51 2.7 3.6]" in t  # dx = ones @ y^T


@pytest.mark.parametrize("flags,returned", [
    ({}, {"t0": "returned as grad"}),
    ({"get_all": True}, {"t0": "returned as grads[0]", "t1": "returned as grads[1]"}),
    ({"get_by_list": True}, {"t2": "returned as weights[0]"}),
    ({"get_all": True, "get_by_list": True},
     {"t0": "returned as inputs[0]", "t1": "returned as inputs[1]", "t2": "returned as weights[0]"}),
])
def test_returned_gradients_are_highlighted(xy, flags, returned):
    net = Net()
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), **flags)
    fvg(*xy)
    svg = viz.render_svg(fvg)
    for slot in ("t0", "t1", "t2"):
        g = node_group(svg, slot)
        border = g.find(f"{SVG}path").get("stroke")
        labels = texts(ET.tostring(g, encoding="unicode"))
        if slot in returned:
            assert returned[slot] in labels
            assert border == viz.graph.COLOURS["returned"]
        else:
            assert not any(s.startswith("returned as") for s in labels)
            assert border == "black"


def test_legend_lists_every_colour(called):
    t = texts(viz.render_svg(called))
    for entry in ("input (construct argument)", "parameter", "constant", "network output",
                  "primitive (one vjp)", "gradient returned by the call", "collapsed cell"):
        assert entry in t


def test_same_call_same_svg_text(xy):
    def once():
        net = Net()
        fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_by_list=True)
        fvg(*xy)
        return viz.render_svg(fvg)
    a, b = once(), once()
    assert a == b
    assert "<!--" not in a and "graphviz version" not in a and "0x" not in a and "/tmp" not in a


def test_rich_display_is_svg(called):
    view = viz.draw_graph(called)
    bundle = view._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")
    assert view._repr_svg_() == bundle["image/svg+xml"]
    ET.fromstring(view.svg)


def test_mlp_collapse_and_expand():
    net = mlp()
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(np.ones((2, 3), np.float32)))
    open_svg = viz.render_svg(fvg)
    closed = viz.render_svg(fvg, collapse={"0"})
    assert texts(open_svg).count("MatMul") == 2 and "ReLU" in texts(open_svg)
    assert texts(closed).count("MatMul") == 1  # layer 0's MatMul is inside its box now
    assert "MatMul, Add, ReLU" in texts(closed) and "(Dense, collapsed)" in texts(closed)
    for p in ("0.weight", "0.bias", "1.weight", "1.bias"):  # parameters stay visible, highlighted
        assert p in texts(closed)
    assert viz.render_svg(fvg, collapse=set()) == open_svg


def test_graph_widget_toggle_collapses_a_cell():
    net = mlp()
    fvg = nn.ForwardValueAndGrad(net)
    fvg(Tensor(np.ones((2, 3), np.float32)))
    w = viz.graph_widget(fvg)
    assert set(w.collapse_toggles) == {"0", "0.activation", "1"}
    assert "mini-autograd-graph" in w._dom_classes
    w.collapse_toggles["1"].value = True
    assert "(Dense, collapsed)" in texts(w.svg) and "(Dense, collapsed)" in w.html.value
    w.collapse_toggles["1"].value = False
    assert "(Dense, collapsed)" not in w.html.value


def test_tuple_outputs(xy):
    a = Tensor(np.array([[1.0, 2.0]], np.float32))
    fvg = nn.ForwardValueAndGrad(TwoOut(), get_all=True)
    fvg(a, a)
    t = texts(viz.render_svg(fvg))
    assert "output[0]" in t and "output[1]" in t and "Add" in t and "Mul" in t


def test_bad_arguments(called):
    with pytest.raises(TypeError, match="'source'.*Trace.*got int"):
        viz.draw_graph(3)
    with pytest.raises(ValueError, match="call it once first"):
        viz.draw_graph(nn.ForwardValueAndGrad(Net()))
    with pytest.raises(TypeError, match="'collapse'.*set of cell paths.*got str"):
        viz.draw_graph(called, collapse="fc1")
    with pytest.raises(ValueError, match="'collapse' names the cell 'fc1'"):
        viz.draw_graph(called, collapse={"fc1"})
    with pytest.raises(TypeError, match="'show_grads' should be bool"):
        viz.draw_graph(called, show_grads="yes")


def test_missing_dot_says_how_to_install(called, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    with pytest.raises(viz.GraphvizNotFound) as err:
        viz.render_svg(called)
    for hint in ("apt-get install graphviz", "conda install graphviz", "brew install graphviz"):
        assert hint in str(err.value)
    bundle = viz.draw_graph(called)._repr_mimebundle_()
    assert "apt-get install graphviz" in bundle["text/plain"]
    w = viz.graph_widget(called)  # the widget shows the message instead of raising
    assert "apt-get install graphviz" in w.html.value and "apt-get install graphviz" in w.message.value
    f = viz.flow_widget(called)
    assert "brew install graphviz" in f.message.value


def test_svg_has_no_machine_specific_ids(called):
    svg = viz.render_svg(called)
    ids = re.findall(r'id="([^"]*)"', svg)
    assert ids and all(re.fullmatch(r"(graph|node|edge|clust)\d+", i) for i in ids)
