"""The graph widget: the computation graph of a Trace, with one collapse toggle per cell.

Draws through viz.graph.render_svg; a graph too large to draw shows a message in its place, a missing
or failing ``dot`` shows in ``message``. Stable attributes and the CSS class "mini-autograd-graph" let
tests drive it; the composed explorer (viz.explorer) puts it in its first tab.
"""
from __future__ import annotations

from typing import Any, Callable

import ipywidgets as widgets

from mini_autograd.trace import Trace

from .common import STATIC_NOTE, error_html, notice_html, picture_html, shows_errors, svg_html
from .graph import GraphRenderError, GraphTooLarge, as_trace, cell_paths, check_collapse, render_svg
from .graph_layout import START_COLLAPSED_ABOVE, smallest_groups
from .render import message_svg
from .text import short, visible_text

MAX_TOGGLES = 64  # collapse buttons listed; cells past this are collapsed with collapse={...}


class GraphWidget(widgets.VBox):
    """The computation graph with one toggle per cell (pressed: drawn collapsed into one box).

    Attributes: ``collapse_toggles`` (cell path -> ToggleButton), ``zoom`` (ToggleButton: the picture
    at full size instead of fitted to the width), ``html`` (the SVG), ``message`` (errors, e.g. a
    missing ``dot``), ``svg`` (the current SVG text). CSS: "mini-autograd-graph". Without
    ``collapse``, a network of more than START_COLLAPSED_ABOVE primitives starts collapsed to its
    smallest cells (``collapse=set()`` draws it open).
    """

    def __init__(self, source: Any, collapse: Any = None, show_grads: bool = True) -> None:
        trace = as_trace(source, "GraphWidget")
        self.trace: Trace = trace
        self.show_grads = show_grads
        self.collapse_toggles: dict[str, widgets.ToggleButton] = {}
        self.toggle_box = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.zoom = widgets.ToggleButton(value=False, description="full size", icon="search-plus",
                                         tooltip="pressed: the picture at its full size (scroll to see it all); "
                                                 "released: fitted to the width")
        self.zoom.add_class("mini-autograd-zoom-toggle")
        self.zoom.observe(self._on_zoom, names="value")
        self.html = widgets.HTML()
        self.message = widgets.HTML()
        self.last_error: BaseException | None = None
        self.active = True  # False while hidden in a tab: renders are postponed until shown
        self._svg: str | None = None
        self._callbacks: list = []
        super().__init__(children=[self.toggle_box, self.html, self.message])
        self.add_class("mini-autograd-graph")
        if collapse is None and len(trace.nodes) > START_COLLAPSED_ABOVE:
            collapse = smallest_groups(trace)
        self._make_toggles(check_collapse(trace, collapse, "GraphWidget"))
        self.refresh()

    def _make_toggles(self, collapsed: frozenset) -> None:
        cells = {s.path: s.cell for s in self.trace.scopes}
        self.collapse_toggles = {}
        paths = cell_paths(self.trace)
        for path in paths[:MAX_TOGGLES]:
            full = visible_text(f"{path} ({cells[path]})")
            b = widgets.ToggleButton(value=path in collapsed, description=short(full, 40),
                                     tooltip=f"pressed: draw {short(full, 200)} as one box")
            b.add_class("mini-autograd-collapse")
            b.observe(self._on_toggle, names="value")
            self.collapse_toggles[path] = b
        self._hidden_collapsed = frozenset(p for p in collapsed if p not in self.collapse_toggles)
        capped = ([widgets.HTML(f"… and {len(paths) - MAX_TOGGLES} more cells without a button (at most "
                                f"{MAX_TOGGLES} are listed): pass collapse={{...}} to collapse them.")]
                  if len(paths) > MAX_TOGGLES else [])
        self.toggle_box.children = [self.zoom] + ([widgets.HTML("&nbsp;<b>collapse:</b>")]
                                                  + list(self.collapse_toggles.values()) + capped
                                                  if self.collapse_toggles else [])

    def _on_zoom(self, change: dict) -> None:
        (self.html.add_class if change["new"] else self.html.remove_class)("mini-autograd-full")

    @property
    def collapse(self) -> frozenset:
        return frozenset(p for p, b in self.collapse_toggles.items() if b.value) | self._hidden_collapsed

    def on_collapse(self, callback: Callable[[frozenset], None]) -> None:
        """Call ``callback(collapse)`` whenever a collapse toggle changes."""
        self._callbacks.append(callback)

    def _on_toggle(self, change: dict) -> None:
        self._svg = None
        for cb in self._callbacks:
            cb(self.collapse)
        if self.active:
            self.refresh()

    def set_trace(self, source: Any) -> None:
        """Show another Trace (same network: the collapse toggles stay)."""
        trace = as_trace(source, "GraphWidget")
        same_cells = cell_paths(trace) == cell_paths(self.trace)
        self.trace = trace
        if not same_cells:
            self._make_toggles(frozenset())
        self._svg = None
        if self.active:
            self.refresh()

    @property
    def svg(self) -> str:
        """The SVG text of the current trace and collapse state (rendered now if stale)."""
        if self._svg is None:
            self._svg = render_svg(self.trace, collapse=self.collapse, show_grads=self.show_grads)
        return self._svg

    @shows_errors
    def refresh(self) -> None:
        try:
            svg = self.svg
        except GraphRenderError as e:  # the message takes the picture's place
            self.html.value = notice_html(e) if isinstance(e, GraphTooLarge) else error_html(e)
            if not isinstance(e, GraphTooLarge):
                raise  # a missing or failing dot is also an error of the widget
            svg = None
        if svg is not None:
            self.html.value = svg_html(svg)
        self.message.value = ""

    def _repr_svg_(self) -> str:  # static fallback where widgets do not render
        try:
            return self.svg
        except GraphRenderError as e:
            return message_svg(e)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget, and beside it the picture for where widgets do not render (GitHub, nbviewer)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = picture_html(self._repr_svg_(), STATIC_NOTE)
        return bundle


def graph_widget(source: Any, collapse: Any = None) -> GraphWidget:
    """The graph of a Trace or a called ForwardValueAndGrad, with collapse toggles per cell."""
    return GraphWidget(source, collapse=collapse)
