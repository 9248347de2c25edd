"""What a learner sees on a laptop, checked in Python (tests/browser/test_browser.py checks it in the page):
pictures fitted to the width with a full-size switch, a large network starting collapsed, the flow's
frame of one size, sensitivity controls without float32 noise, and a static picture beside each widget.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import mini_autograd.nn as nn
import viz
from mini_autograd import ParameterTuple, Tensor
from viz.common import PAGE_CSS, svg_size_px
from viz.sens_widget import shown


class MLP(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Dense(2, 4, activation="tanh")
        self.fc2 = nn.Dense(4, 4, activation="tanh")
        self.fc3 = nn.Dense(4, 1)

    def construct(self, x):
        return self.fc3(self.fc2(self.fc1(x)))


@pytest.fixture
def mlp_call():
    """05's shape: an MLP of three Dense layers in a WithLossCell (11 primitives)."""
    net = nn.WithLossCell(MLP(), nn.MSELoss())
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(np.ones((3, 2), np.float32)), Tensor(np.zeros((3, 1), np.float32)))
    return fvg


def test_the_stylesheet_fits_pictures_to_the_width_and_keeps_numbers_whole():
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", PAGE_CSS.removeprefix("<style>").removesuffix("</style>")))
    assert rules[".mini-autograd-svg svg"] == "max-width:100%;height:auto"
    assert "max-height:100%" in rules[".mini-autograd-frame svg"]
    assert any("matrix td" in k and v == "white-space:nowrap" for k, v in rules.items())


def test_draw_graph_leads_with_a_fitted_picture(called):
    bundle = viz.draw_graph(called)._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert list(bundle)[0] == "text/html"
    assert f"<div class='mini-autograd-svg'>{svg}</div>" in bundle["text/html"]
    assert "class='mini-autograd-zoom'" in bundle["text/html"]  # the full-size switch, without a kernel
    assert bundle == viz.draw_graph(called)._repr_mimebundle_()  # nbval compares it: the same every time


def test_svg_size_in_pixels():
    assert svg_size_px('<svg width="452pt" height="617pt" viewBox="0 0 452 617">') == (452 * 4 / 3, 617 * 4 / 3)


def test_a_large_network_starts_collapsed_to_its_smallest_cells(mlp_call):
    w = viz.graph_widget(mlp_call)
    assert w.collapse == {"_backbone.fc1", "_backbone.fc2", "_backbone.fc3", "_loss_fn"}
    assert all(w.collapse_toggles[p].value for p in w.collapse)  # pressed: a click opens one
    w.collapse_toggles["_backbone.fc2"].value = False
    assert "MatMul" in w.svg and w.collapse == {"_backbone.fc1", "_backbone.fc3", "_loss_fn"}
    assert viz.graph_widget(mlp_call, collapse=set()).collapse == frozenset()  # asked open: open
    e = viz.explore(MLP(), Tensor(np.ones((3, 2), np.float32)))  # 8 primitives: drawn open
    assert e.graph.collapse == frozenset()


def test_a_small_network_starts_open(called):
    assert viz.graph_widget(called).collapse == frozenset()


def test_full_size_switch(called):
    for w, pic in ((viz.graph_widget(called), "html"), (viz.flow_widget(called), "graph_html")):
        w.zoom.value = True
        assert "mini-autograd-full" in getattr(w, pic)._dom_classes
        w.zoom.value = False
        assert "mini-autograd-full" not in getattr(w, pic)._dom_classes


def test_the_flow_frame_keeps_its_height_across_steps(mlp_call):
    w = viz.flow_widget(mlp_call)
    seed_px = svg_size_px(w.svg)[1]
    heights = set()
    for k in range(len(w.frames)):
        w.slider.value = k
        heights.add(re.search(r"height:min\((\d+)px,calc\(100vh - 230px\)\)", w.graph_html.value).group(1))
        assert f"frame {k}/{len(w.frames) - 1}" in w.step_html.value  # beside the controls
    assert len(heights) == 1 and int(heights.pop()) >= round(seed_px * 1.1)  # the tallest step fits too
    assert w.children[0].children[:3] == (w.play, w.slider, w.step_html) and w.children[1] is w.graph_html


def test_sensitivity_controls_show_the_shortest_decimal(xy):
    from tests.conftest import Net
    s = viz.sensitivity(Net(), *xy, sens=[[0.27, -0.46, 0.1], [1e-8, 3.0, -2.5]])
    assert [c.value for c in s.sens_controls] == [0.27, -0.46, 0.1, 1e-8, 3.0, -2.5]
    s.random_seed.value = 3
    s.apply_preset("random")  # two decimals in float32
    assert all(c.value == round(c.value, 2) for c in s.sens_controls)
    assert shown(np.float32(0.27)) == 0.27 and shown(np.float64(0.27000001072883606)) == 0.27000001072883606


def test_greyed_out_controls_say_why(xy):
    from tests.conftest import Net
    e = viz.explore(Net(), *xy)
    assert all(c.disabled for c in e.sens_controls) and "Tick <b>sens_param</b>" in e.sens.off_html.value
    e.toggles["sens_param"].value = True
    assert not any(c.disabled for c in e.sens_controls) and e.sens.off_html.value == ""


def test_every_widget_carries_a_static_picture(called, xy):
    from tests.conftest import Net
    svg = viz.render_svg(called)
    flow = viz.flow_widget(called)
    for w, inside in ((viz.graph_widget(called), svg), (flow, flow._frame_svg(len(flow.frames) - 1)),
                      (viz.explore(Net(), *xy), "print(output)"), (viz.sensitivity(Net(), *xy), "gradients")):
        bundle = w._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget first
        assert inside in bundle["text/html"], type(w).__name__
        assert "run the notebook to use the widget" in bundle["text/html"]
    assert viz.flow_widget(called)._repr_mimebundle_()["text/html"] == flow._repr_mimebundle_()["text/html"]


def test_a_hidden_sensitivity_tab_draws_its_heatmap_when_shown(xy):
    """The heatmap (matplotlib, the slowest part of an update) waits while its tab is hidden."""
    from tests.conftest import Net
    e = viz.explore(Net(), *xy, sens_param=True)
    before = e.sens.heatmap.value
    e.sens.set_sens([[2.0, 0, 0], [0, 0, 0]])
    assert e.sens.heatmap.value == before and "4.51" not in e.sens.grads_html.value  # tables follow at once
    e.tabs.selected_index = 2
    assert e.sens.heatmap.value != before


def test_dot_runs_once_per_drawing(called, monkeypatch):
    """The same DOT text (a flag toggled back) is laid out once: dot's run is the slowest step."""
    import subprocess

    from viz import render
    runs = []
    real = subprocess.run
    monkeypatch.setattr(render.subprocess, "run", lambda *a, **k: runs.append(1) or real(*a, **k))
    render._run_dot.cache_clear()
    first = viz.render_svg(called)
    assert viz.render_svg(called) == first and len(runs) == 1


def test_a_large_flow_opens_only_the_cell_whose_vjp_runs(mlp_call):
    import xml.etree.ElementTree as ET

    from viz.graph import COLOURS
    w = viz.flow_widget(mlp_call)
    groups = {"_backbone.fc1", "_backbone.fc2", "_backbone.fc3", "_loss_fn"}
    assert w.focus and w.collapse_at(0) == groups  # the seed: every cell a box
    ns = {"s": "http://www.w3.org/2000/svg"}
    for k in range(1, len(w.frames)):
        w.slider.value = k
        running = [g for g in ET.fromstring(w.svg).iter("{http://www.w3.org/2000/svg}g")
                   if g.get("class") == "node" and g.find("s:title", ns).text != "legend"
                   and any(p.get("fill") == COLOURS["running"] for p in g)]
        assert len(running) == 1, k
        label = [t.text for t in running[0].findall("s:text", ns)]
        assert label[0] == w.frames[k].op, (k, label)  # the primitive itself, not a collapsed box
        assert len(w.collapse_at(k)) == len(groups) - 1
    w.set_collapse(set())  # the learner's choice: everything open
    assert not w.focus and w.collapse_at(3) == frozenset()
    assert viz.flow_widget(mlp_call, collapse=set()).focus is False
