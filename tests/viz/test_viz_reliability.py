"""viz under hostile input (issue 12): big graphs drawn within limits or refused with a message,
every dot failure one GraphRenderError, long and unencodable names, zero-size tensors, capped control
lists, a bad ``sens``; and what the learner reads (issue 11): the flow table, the heatmaps, the seed."""
from __future__ import annotations

import os
import re
import stat
import time
import xml.etree.ElementTree as ET

import ipywidgets as widgets
import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer
from tests.conftest import DOC_SENS, X, Y, Net, hand_grads
from tests.support.viz_html import matrices, tables

import mini_autograd.nn as nn
import mini_autograd.ops as ops
import viz
from mini_autograd import Parameter, ParameterTuple, Tensor
from viz import render

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


class ScaledManyTimes(nn.Cell):
    """x * 1.0001, n times: one Python-number constant used by n primitives."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def construct(self, x):
        for _ in range(self.n):
            x = x * 1.0001
        return x


class SharedRNN(nn.Cell):
    """h <- tanh(h @ w + x @ u) for ``steps`` steps: two parameters shared by every step."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps, self.matmul, self.tanh = steps, ops.MatMul(), ops.Tanh()
        self.w = Parameter(Tensor(np.full((3, 3), 0.1, np.float32)), name="w")
        self.u = Parameter(Tensor(np.full((2, 3), 0.1, np.float32)), name="u")

    def construct(self, x):
        h = self.tanh(self.matmul(x, self.u))
        for _ in range(self.steps):
            h = self.tanh(self.matmul(h, self.w) + self.matmul(x, self.u))
        return h


class Double(nn.Cell):
    def construct(self, x):
        return x * 2.0


def called(net, *inputs, **flags):
    fvg = nn.ForwardValueAndGrad(net, **flags)
    fvg(*inputs)
    return fvg


def svg_texts(svg: str) -> list[str]:
    return ["".join(e.itertext()) for e in ET.fromstring(svg).iter(f"{SVG}text")]


def node_groups(svg: str) -> dict[str, ET.Element]:
    return {g.find(f"{SVG}title").text: g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "node"}


# -- item 8: a constant used many times; size and time limits -----------------------------------------

def test_each_use_of_a_constant_is_its_own_node():
    fvg = called(ScaledManyTimes(100), Tensor(np.ones((2,), np.float32)))
    assert sum(t.role == "constant" for t in fvg.trace.tensors) == 1  # the engine shares one constant
    g = viz.build_digraph(fvg)
    const = next(t.id for t in fvg.trace.tensors if t.role == "constant")
    edges = re.findall(rf"^\s*(t{const}(?:u\d+)?) -> (\w+)", g.source, re.M)
    assert len(edges) == 100 and len({src for src, _ in edges}) == 100  # one node, one edge per use
    assert sorted(int(dst[1:]) for _, dst in edges) == list(range(100))  # each feeds its own Mul
    start = time.perf_counter()
    svg = render.to_svg(g)
    assert time.perf_counter() - start < 5.0  # generous: it was minutes with one shared node
    assert svg_texts(svg).count("(use 1 of 100)") == 1 and "(use 100 of 100)" in svg_texts(svg)


def test_past_the_size_limit_a_message_replaces_the_picture():
    fvg = called(SharedRNN(60), Tensor(np.ones((1, 2), np.float32)))
    nodes, edges = viz.build_digraph(fvg).size_counts
    assert nodes > render.MAX_NODES  # 60 steps: 242 primitives and their tensors
    with pytest.raises(viz.GraphTooLarge, match=rf"too large to draw: {nodes} nodes and {edges} edges") as err:
        viz.render_svg(fvg)
    assert isinstance(err.value, viz.GraphRenderError) and isinstance(err.value, RuntimeError)
    assert "draw a smaller call" in str(err.value) and "sub-cell" in str(err.value)
    bundle = viz.draw_graph(fvg)._repr_mimebundle_()
    assert "too large to draw" in bundle["text/plain"]
    assert "mini-autograd-graph-message" in bundle["image/svg+xml"]
    ET.fromstring(bundle["image/svg+xml"])
    w = viz.graph_widget(fvg)
    assert "too large to draw" in w.html.value and w.message.value == "" and w.last_error is None


def test_the_message_names_the_cells_to_collapse():
    net = nn.SequentialCell([nn.Dense(3, 4, activation="relu"), nn.Dense(4, 2)])
    fvg = called(net, Tensor(np.ones((2, 3), np.float32)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "MAX_NODES", 5)
        with pytest.raises(viz.GraphTooLarge, match=r"collapse=\{'0', '1'\}.*'0' \(3 primitives\), '1' \(2 primitives\)"):
            viz.render_svg(fvg)
        with pytest.raises(viz.GraphTooLarge, match=r"collapse=\{'1'\}"):
            viz.render_svg(fvg, collapse={"0"})


def test_dot_past_its_time_limit_is_stopped(monkeypatch):
    fvg = called(SharedRNN(10), Tensor(np.ones((1, 2), np.float32)))
    monkeypatch.setattr(render, "DOT_TIMEOUT_S", 0.001)
    with pytest.raises(viz.GraphTooLarge, match="took longer than 0.001 s .* and was stopped"):
        viz.render_svg(fvg)


def test_every_dot_failure_is_a_graph_render_error(monkeypatch, tmp_path, xy):
    fake = tmp_path / "dot"  # a dot that refuses everything, as dot does with a label it cannot parse
    fake.write_text("#!/bin/sh\necho 'Error: <stdin>: syntax error in line 1' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    fvg = called(Net(), *xy)
    with pytest.raises(viz.GraphRenderError, match=r"could not draw this graph \(exit status 1\): Error: <stdin>: syntax"):
        viz.render_svg(fvg)
    view = viz.draw_graph(fvg)
    assert "syntax error" in view._repr_mimebundle_()["text/plain"]
    assert "syntax error" in view._repr_svg_()
    assert issubclass(viz.GraphvizNotFound, viz.GraphRenderError)


# -- item 12: long names ------------------------------------------------------------------------------

def draw_named(name: str) -> str:
    net = Net(z_name=name)
    fvg = called(net, Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)),
                 weights=ParameterTuple(net.trainable_params()), get_by_list=True)
    return viz.render_svg(fvg)


@pytest.mark.parametrize("name", ["<" * 4100, "a" * 20000, '"];evil\\N' * 1000])
def test_a_long_name_is_cut_and_kept_whole_in_the_tooltip(name):
    svg = draw_named(name)
    z = node_groups(svg)["t2"]
    labels = svg_texts(ET.tostring(z, encoding="unicode"))
    assert any(t == name[:59] + "…" for t in labels)  # 60 characters shown, the last an ellipsis
    links = [e for e in z.iter(f"{SVG}a")]
    assert len(links) == 1 and set(links[0].attrib) == {XLINK_TITLE}  # a tooltip, no link
    assert links[0].get(XLINK_TITLE) == name[:1999] + "…"
    for e in ET.fromstring(svg).iter():
        assert e.tag.split("}")[-1] in {"svg", "g", "title", "polygon", "ellipse", "path", "polyline", "text", "a"}


# -- item 13: a lone surrogate ------------------------------------------------------------------------

def sendable(widget) -> None:
    """Every widget under ``widget`` can be sent to the browser as ipykernel sends it."""
    state, _, _ = _remove_buffers(widget.get_state())
    json_packer(state)  # raises UnicodeEncodeError for a lone surrogate
    for child in getattr(widget, "children", ()):
        if isinstance(child, widgets.Widget):
            sendable(child)


def test_a_lone_surrogate_in_a_name_is_shown_escaped():
    name = "z\ud800"
    net = Net(z_name=name)
    e = viz.explore(net, Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)), get_by_list=True,
                    sens_param=True)
    assert e.sens.last_error is None and e.graph.last_error is None and e.last_error is None
    sendable(e)
    assert "z\\ud800" in e.sens.grads_html.value and b"z\\ud800" in bytes(e.sens.heatmap.value)
    e.tabs.selected_index = 1
    for step in range(e.flow.slider.max + 1):  # each step's caption and table name the tensors
        e.flow.slider.value = step
        sendable(e.flow)
    assert "z\\ud800" in e.flow.edges_html.value
    fig = viz.heatmap(np.ones((2, 2)), title=name)
    fig.canvas.print_svg(__import__("io").BytesIO())


def test_surrogate_cell_names_reach_the_collapse_buttons_escaped():
    net = nn.SequentialCell({"a\udc80": nn.Dense(3, 2)})
    fvg = called(net, Tensor(np.ones((1, 3), np.float32)))
    w = viz.graph_widget(fvg)
    assert [b.description for b in w.collapse_toggles.values()] == ["a\\udc80 (Dense)"]
    sendable(w)


# -- item 14: zero-size tensors -----------------------------------------------------------------------

def test_a_zero_size_tensor_is_drawn_with_its_shape():
    fvg = called(Double(), Tensor(np.ones((2, 0), np.float32)))
    texts = svg_texts(viz.render_svg(fvg))
    assert texts.count("Float32 [2, 0]") == 2 and "(empty: no values)" in texts
    f = viz.flow_widget(fvg)
    f.slider.value = 1
    assert "(empty: no values)" in f.edges_html.value


def test_explore_on_an_empty_output_says_there_is_nothing_to_scale():
    e = viz.explore(Double(), Tensor(np.ones((2, 0), np.float32)), sens_param=True)
    assert e.sens.last_error is None and e.last_error is None
    assert "nothing to scale" in e.sens.explain_html.value and "nothing to scale" in e.sens.controls_box.children[0].children[0].value
    assert e.sens.sens_controls == [] and all(b.disabled for b in e.sens.preset_buttons.values())
    assert e.sens.grads[0][1].shape == (2, 0)
    assert "no values" in e.sens.grads_html.value


# -- items 11 and 15: capped lists, a bad sens ----------------------------------------------------------

def test_control_lists_are_capped_and_say_so():
    x = Tensor(np.ones((1000, 1000), np.float32))
    start = time.perf_counter()
    s = viz.sensitivity(Double(), x)
    assert time.perf_counter() - start < 30  # the 10^6-option list alone took longer
    assert not isinstance(s.one_hot_index, widgets.Dropdown) and s.one_hot_index.max == 999_999
    assert s.sens_controls == []
    assert "1,000,000 output elements" in s.capped_html.value and "flat index" in s.capped_html.value
    s.one_hot_index.value = 999_999
    s.preset_buttons["one_hot"].click()
    g = s.grads[0][1]
    assert g[999, 999] == 2.0 and float(np.abs(g).sum()) == 2.0  # d(2x)/dx at the one chosen element


def test_collapse_buttons_are_capped():
    net = nn.SequentialCell([nn.ReLU() for _ in range(70)])
    fvg = called(net, Tensor(np.ones((1, 2), np.float32)))
    w = viz.graph_widget(fvg, collapse={"69"})
    assert len(w.collapse_toggles) == 64 and "69" in w.collapse  # collapsed although it has no button
    assert "6 more cells without a button" in w.toggle_box.children[-1].value


@pytest.mark.parametrize("sens", ["abc", [["a", "b", "c"], ["d", "e", "f"]], None, [[1, 2], [3]]])
def test_a_sens_that_is_not_numbers_is_a_clear_type_error(xy, sens):
    with pytest.raises(TypeError, match=r"For 'explore', the argument 'sens' should be a Tensor or an array of "
                                        r"numbers with the output's shape \[2, 3\], but got"):
        viz.explore(Net(), *xy, sens=sens if sens is not None else object())


# -- issue 11: what the learner reads ------------------------------------------------------------------

def test_flow_table_has_headings_rules_and_matrices(xy):
    fvg = called(Net(), *xy, get_all=True)
    f = viz.flow_widget(fvg)
    f.slider.value = 1  # MatMul's vjp: dx' = ones @ y^T, dy = x'^T @ ones
    [rows] = tables(f.edges_html.value, "mini-autograd-edges")
    assert rows[0] == ["tensor", "edge", "gradient sent", "accumulation", "gradient held now"]
    assert "padding" in f.edges_html.value.split("<th")[1] and "border-bottom" in f.edges_html.value
    sent_x, held_x, sent_y, held_y = matrices(f.edges_html.value)
    ones = np.ones((2, 3))
    np.testing.assert_allclose(sent_x, ones @ Y.T, rtol=1e-4)  # the matrix, rows and columns kept
    np.testing.assert_allclose(sent_y, X.T @ ones, rtol=1e-4)
    assert sent_x.shape == (2, 3) and "shape [2, 3]" in f.edges_html.value
    assert "[[4.51 2.7 3.6] [4.51 2.7 3.6]]" in f.caption.value


def test_heatmaps_are_sharp_deterministic_svg(xy):
    s = viz.sensitivity(Net(), *xy, sens=DOC_SENS)
    svg = bytes(s.heatmap.value).decode()
    assert s.heatmap.format == "svg+xml" and "<image" not in svg  # vector cells, no scaled raster
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)  # values are SVG text, sharp at any zoom
    for v in ["0.1", "0.6", "0.2", "0.8", "1.3", "1.1", "2.21", "0.51", "1.49", "5.59", "2.68", "4.07"]:
        assert v in texts  # the document's sens and dx = sens @ y^T, to 3 digits
    width_pt = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
    assert width_pt >= 2 * 3 * 40  # sens and dx, three columns each, each column at least 40 pt wide
    assert "dc:date" not in svg and "Matplotlib v" not in svg
    again = viz.sensitivity(Net(), *xy, sens=DOC_SENS)
    assert bytes(again.heatmap.value) == bytes(s.heatmap.value)


def test_a_sens_param_call_shows_its_seed(xy):
    fvg = called(Net(), *xy, Tensor(DOC_SENS.astype(np.float32)), sens_param=True)
    out = fvg.trace.outputs[0]
    labels = svg_texts(ET.tostring(node_groups(viz.render_svg(fvg))[f"t{out}"], encoding="unicode"))
    i = labels.index("seed s = sens (given, sens_param=True):")
    assert labels[i + 1:i + 3] == ["[0.1 0.6 0.2]", "[0.8 1.3 1.1]"]
    f = viz.flow_widget(fvg)
    assert "[[0.1 0.6 0.2] [0.8 1.3 1.1]]" in f.caption.value and "sens_param=True" in f.caption.value
    for m in matrices(f.edges_html.value):
        np.testing.assert_allclose(m, DOC_SENS, rtol=1e-6)
    np.testing.assert_allclose(fvg.trace.tensor("x").grad, hand_grads(DOC_SENS)["x"], rtol=1e-5)
    plain = called(Net(), *xy)
    labels = svg_texts(viz.render_svg(plain))
    assert "seed s = sens (ones):" in labels


def test_a_flow_too_large_to_draw_waits_for_dot_once(monkeypatch):
    fvg = called(SharedRNN(10), Tensor(np.ones((1, 2), np.float32)))
    calls = []
    real = render.to_svg
    monkeypatch.setattr(render, "DOT_TIMEOUT_S", 0.001)
    monkeypatch.setattr("viz.graph.to_svg", lambda g: calls.append(1) or real(g))
    f = viz.flow_widget(fvg)
    for step in (1, 2, 3):
        f.slider.value = step
        assert "took longer than" in f.graph_html.value and f.last_error is None
        assert f"frame {step}/" in f.caption.value and "vjp of" in f.caption.value  # the step still shows
    assert len(calls) == 1
