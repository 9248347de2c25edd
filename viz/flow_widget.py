"""The gradient-flow widget: steps through the backward pass of a Trace, one vjp per frame.

Frames come from viz.flow; each is drawn with viz.graph.render_svg (the running vjp highlighted, the
gradients it sends as dashed red edges) next to a table of what was sent along each edge. Stable
attributes (``play``, ``slider`` ...) and the CSS class "mini-autograd-flow" let tests drive it.
"""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from mini_autograd.trace import Trace

from . import flow as _flow
from .common import (STATIC_NOTE, error_html, esc, frame_html, matrix_html, notice_html, picture_html,
                     shows_errors, svg_size_px, table_html)
from .graph import (GraphRenderError, GraphTooLarge, as_trace, build_digraph, check_collapse, message_svg,
                    render_svg, tensor_label)
from .graph_layout import START_COLLAPSED_ABOVE, group_of, smallest_groups
from .render import too_large


class FlowWidget(widgets.VBox):
    """Steps through the backward pass: frame 0 is the seed, frame k the k-th vjp.

    Attributes: ``play`` (ipywidgets.Play) and ``slider`` (IntSlider), linked; ``step_html`` (the
    frame shown, beside them), ``zoom`` (ToggleButton: the picture at full size), ``graph_html`` (the
    graph at this step, fitted in a frame of one size for every step), ``caption`` (what ran at this
    step), ``edges_html`` (the gradient on each edge, "+=" where it accumulated), ``message``;
    ``frames``, ``frame``, ``svg``. CSS: "mini-autograd-flow". The controls, the step and the picture
    come first and together fit a laptop's screen; the long caption and the table follow. Without
    ``collapse``, a network of more than START_COLLAPSED_ABOVE primitives is drawn collapsed to its
    smallest cells but the one whose vjp runs (``focus``; ``collapse=set()`` draws it all open).
    """

    def __init__(self, source: Any, collapse: Any = None, interval_ms: int = 1200) -> None:
        trace = as_trace(source, "FlowWidget")
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
            raise ValueError(f"For 'FlowWidget', 'interval_ms' should be a positive int, but got {interval_ms!r}.")
        self.trace: Trace = trace
        self.collapse = check_collapse(trace, collapse, "FlowWidget")
        # A large network without collapse={...}: each step draws it collapsed to its smallest cells
        # but the one whose vjp runs (the seed: all collapsed), so the step stays legible on a laptop.
        self.focus = collapse is None and len(trace.nodes) > START_COLLAPSED_ABOVE
        self._svgs: dict = {}  # frame index -> SVG text, and "too large" -> GraphTooLarge
        self._check_size()  # before the frames are made: a graph too large to draw says so at once
        self.frames: list = _flow.frames(trace)
        n = len(self.frames) - 1
        self.play = widgets.Play(value=0, min=0, max=n, step=1, interval=interval_ms, description="play")
        self.slider = widgets.IntSlider(value=0, min=0, max=n, step=1, description="step",
                                        continuous_update=True)
        # A kernel-side link, so that setting either .value in Python moves the other as well.
        self._link = widgets.link((self.play, "value"), (self.slider, "value"))
        self.step_html = widgets.HTML()
        self.step_html.add_class("mini-autograd-step")
        self.zoom = widgets.ToggleButton(value=False, description="full size", icon="search-plus",
                                         tooltip="pressed: the picture at its full size (scroll to see it all); "
                                                 "released: fitted in the frame")
        self.zoom.add_class("mini-autograd-zoom-toggle")
        self.zoom.observe(self._on_zoom, names="value")
        self.caption = widgets.HTML()
        self.edges_html = widgets.HTML()
        self.graph_html = widgets.HTML()
        self.message = widgets.HTML()
        self.last_error: BaseException | None = None
        self.active = True
        self._frame_px: int | None = None  # the frame's height, set from the seed's picture
        self._stale = False
        super().__init__(children=[widgets.HBox([self.play, self.slider, self.step_html, self.zoom],
                                                layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
                                   self.graph_html, self.caption, self.edges_html, self.message])
        self.add_class("mini-autograd-flow")
        self.slider.observe(self._on_step, names="value")
        self.refresh()

    @property
    def frame(self) -> _flow.Frame:
        return self.frames[self.slider.value]

    @property
    def svg(self) -> str:
        """The SVG of the graph at the current frame."""
        return self._frame_svg(self.slider.value)

    def _frame_svg(self, k: int) -> str:
        if k not in self._svgs:
            too_large = self._svgs.get("too large")  # every frame of a graph too large to draw is too
            if isinstance(too_large, GraphTooLarge):  # large: say so at once, without waiting for dot
                raise too_large
            try:
                self._svgs[k] = render_svg(self.trace, collapse=self.collapse_at(k), frame=self.frames[k])
            except GraphTooLarge as e:
                self._svgs["too large"] = e
                raise
        return self._svgs[k]

    def _check_size(self) -> None:
        """Count the graph's nodes and edges (no dot run) and keep GraphTooLarge when past the limits
        (with focus, the graph with every smallest cell collapsed; a step that opens one is checked
        when it is drawn)."""
        try:
            too_large(build_digraph(self.trace, collapse=smallest_groups(self.trace) if self.focus
                                    else self.collapse))
        except GraphTooLarge as e:
            self._svgs["too large"] = e

    def collapse_at(self, k: int) -> frozenset:
        """The cells drawn collapsed at frame ``k``."""
        if not self.focus:
            return self.collapse
        groups = smallest_groups(self.trace)
        node = self.frames[k].node
        return groups - {group_of(self.trace, groups, node)} if node is not None else groups

    def frame_px(self) -> int:
        """The picture frame's height in pixels: the seed's picture (with focus, the tallest of the
        first step in each cell) and a tenth more (a step's gradient labels make its picture a little
        larger; it is scaled to fit), at least 200."""
        if self._frame_px is None:
            firsts = {0}
            if self.focus:
                groups = smallest_groups(self.trace)
                seen = {}
                for f in self.frames[1:]:
                    seen.setdefault(group_of(self.trace, groups, f.node), f.index)
                firsts |= set(seen.values())
            try:
                height = max(svg_size_px(self._frame_svg(k))[1] for k in sorted(firsts))
            except GraphRenderError:
                height = 0
            self._frame_px = max(200, round(height * 1.1))
        return self._frame_px

    def _on_zoom(self, change: dict) -> None:
        (self.graph_html.add_class if change["new"] else self.graph_html.remove_class)("mini-autograd-full")

    def set_trace(self, source: Any) -> None:
        trace = as_trace(source, "FlowWidget")
        if len(trace.nodes) != len(self.trace.nodes):
            self._frame_px = None  # another network: another frame
        self.trace = trace
        self.frames = _flow.frames(trace)
        self._svgs = {}
        self._check_size()
        n = len(self.frames) - 1
        if self.slider.value > n:
            self.slider.value = n
        self.play.max = self.slider.max = n
        self._stale = True
        self._show_tables()
        if self.active:
            self.refresh()

    def set_collapse(self, collapse: Any) -> None:
        self.collapse = check_collapse(self.trace, collapse, "FlowWidget")
        self.focus = False  # the learner's choice from now on
        self._svgs = {}
        self._check_size()
        self._frame_px = None
        self._stale = True
        if self.active:
            self.refresh()

    @shows_errors
    def _on_step(self, change: dict) -> None:
        self._show_tables()
        self._stale = True
        if self.active:
            self.refresh()

    def _show_tables(self) -> None:
        """The caption and the edge table: cheap, so they follow the slider even while hidden."""
        f = self.frame
        tensors = {t.id: t for t in self.trace.tensors}
        last = len(self.frames) - 1
        self.step_html.value = (f"<span style='white-space:nowrap;padding:0 8px'><b>frame {f.index}/{last}</b>: "
                                f"{'the seed' if f.node is None else 'vjp of ' + esc(f.op, 40)}</span>")
        self.caption.value = (f"<div class='mini-autograd-caption'><b>frame {f.index}/{last}</b> — "
                              f"{esc(f.caption)}</div>")
        if f.node is None:
            rows = [[esc(tensor_label(tensors[s]), 60), "seed: the sensitivity (sens)", matrix_html(g), "",
                     matrix_html(g)] for s, g in f.held.items()]
        else:
            rows = [[esc(tensor_label(tensors[e.tensor]), 60), f"input {e.position} of {esc(f.op, 60)}",
                     matrix_html(e.grad),
                     "+= added to the gradient already there (accumulated)" if e.accumulated else "",
                     matrix_html(f.held.get(e.tensor))] for e in f.edges]
        self.edges_html.value = ("<div style='overflow-x:auto'>" + table_html(
            ["tensor", "edge", "gradient sent", "accumulation", "gradient held now"], rows, "mini-autograd-edges")
            + "</div>")

    @shows_errors
    def refresh(self) -> None:
        """Draw the current frame now (caption, edges and the graph)."""
        self._stale = False
        self._show_tables()
        try:
            self.graph_html.value = frame_html(self.svg, self.frame_px())
        except GraphRenderError as e:
            self.graph_html.value = notice_html(e) if isinstance(e, GraphTooLarge) else error_html(e)
            if not isinstance(e, GraphTooLarge):
                raise
        self.message.value = ""


    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget, and beside it the last frame's picture for where widgets do not render."""
        bundle = super()._repr_mimebundle_(**kwargs)
        try:
            svg = self._frame_svg(len(self.frames) - 1)
        except GraphRenderError as e:
            svg = message_svg(e)
        bundle["text/html"] = picture_html(svg, STATIC_NOTE + f"<div><b>frame {len(self.frames) - 1}/"
                                           f"{len(self.frames) - 1}</b> — {esc(self.frames[-1].caption)}</div>")
        return bundle


def flow_widget(source: Any, collapse: Any = None) -> FlowWidget:
    """The gradient-flow stepper of a Trace or a called ForwardValueAndGrad."""
    return FlowWidget(source, collapse=collapse)

