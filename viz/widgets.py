"""JupyterLab widgets over the Trace: the graph, the gradient flow, and ``explore``, which composes
them with the sensitivity explorer (viz.sens_widget) and toggles for get_all, get_by_list, sens_param.

Stable attributes (``explorer.sens_controls``, ``flow.play`` ...) and CSS classes let tests drive them;
callback errors show in each widget's ``message``; views hidden in a tab redraw when shown.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import ipywidgets as widgets

from mini_autograd.trace import Trace

from . import flow as _flow
from .common import check_bool as _check_bool
from .common import error_html, esc, matrix_html, notice_html, shows_errors, svg_html as _svg_html, table_html
from .graph import GraphRenderError, GraphTooLarge, as_trace, cell_paths, check_collapse, render_svg, tensor_label
from .render import message_svg
from .text import short, visible_text

MAX_TOGGLES = 64  # collapse buttons listed; cells past this are collapsed with collapse={...}
from .sens_widget import DOCUMENT_SENS, MAX_CONTROLS, SensitivityExplorer, sensitivity  # noqa: F401


# -- 1. the computation graph ----------------------------------------------------------------------

class GraphWidget(widgets.VBox):
    """The computation graph with one toggle per cell (pressed: drawn collapsed into one box).

    Attributes: ``collapse_toggles`` (cell path -> ToggleButton), ``html`` (the SVG), ``message``
    (errors, e.g. a missing ``dot``), ``svg`` (the current SVG text). CSS: "mini-autograd-graph".
    """

    def __init__(self, source: Any, collapse: Any = None, show_grads: bool = True) -> None:
        trace = as_trace(source, "GraphWidget")
        self.trace: Trace = trace
        self.show_grads = show_grads
        self.collapse_toggles: dict[str, widgets.ToggleButton] = {}
        self.toggle_box = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.html = widgets.HTML()
        self.message = widgets.HTML()
        self.last_error: BaseException | None = None
        self.active = True  # False while hidden in a tab: renders are postponed until shown
        self._svg: str | None = None
        self._callbacks: list = []
        super().__init__(children=[self.toggle_box, self.html, self.message])
        self.add_class("mini-autograd-graph")
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
        self.toggle_box.children = ([widgets.HTML("<b>collapse:</b>")] + list(self.collapse_toggles.values())
                                    + capped if self.collapse_toggles else [])

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
            self.html.value = _svg_html(svg)
        self.message.value = ""

    def _repr_svg_(self) -> str:  # static fallback where widgets do not render
        try:
            return self.svg
        except GraphRenderError as e:
            return message_svg(e)


# -- 2. the gradient flow --------------------------------------------------------------------------

class FlowWidget(widgets.VBox):
    """Steps through the backward pass: frame 0 is the seed, frame k the k-th vjp.

    Attributes: ``play`` (ipywidgets.Play) and ``slider`` (IntSlider), linked; ``caption`` (what ran
    at this step), ``edges_html`` (the gradient on each edge, "+=" where it accumulated),
    ``graph_html`` (the graph at this step), ``message``; ``frames``, ``frame``, ``svg``.
    CSS: "mini-autograd-flow".
    """

    def __init__(self, source: Any, collapse: Any = None, interval_ms: int = 1200) -> None:
        trace = as_trace(source, "FlowWidget")
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
            raise ValueError(f"For 'FlowWidget', 'interval_ms' should be a positive int, but got {interval_ms!r}.")
        self.trace: Trace = trace
        self.collapse = check_collapse(trace, collapse, "FlowWidget")
        self.frames: list = _flow.frames(trace)
        n = len(self.frames) - 1
        self.play = widgets.Play(value=0, min=0, max=n, step=1, interval=interval_ms, description="play")
        self.slider = widgets.IntSlider(value=0, min=0, max=n, step=1, description="step",
                                        continuous_update=True)
        # A kernel-side link, so that setting either .value in Python moves the other as well.
        self._link = widgets.link((self.play, "value"), (self.slider, "value"))
        self.caption = widgets.HTML()
        self.edges_html = widgets.HTML()
        self.graph_html = widgets.HTML()
        self.message = widgets.HTML()
        self.last_error: BaseException | None = None
        self.active = True
        self._svgs: dict = {}  # frame index -> SVG text, and "too large" -> GraphTooLarge
        self._stale = False
        super().__init__(children=[widgets.HBox([self.play, self.slider]), self.caption, self.edges_html,
                                   self.graph_html, self.message])
        self.add_class("mini-autograd-flow")
        self.slider.observe(self._on_step, names="value")
        self.refresh()

    @property
    def frame(self) -> _flow.Frame:
        return self.frames[self.slider.value]

    @property
    def svg(self) -> str:
        """The SVG of the graph at the current frame."""
        k = self.slider.value
        if k not in self._svgs:
            too_large = self._svgs.get("too large")  # every frame of a graph too large to draw is too
            if isinstance(too_large, GraphTooLarge):  # large: say so at once, without waiting for dot
                raise too_large
            try:
                self._svgs[k] = render_svg(self.trace, collapse=self.collapse, frame=self.frames[k])
            except GraphTooLarge as e:
                self._svgs["too large"] = e
                raise
        return self._svgs[k]

    def set_trace(self, source: Any) -> None:
        trace = as_trace(source, "FlowWidget")
        self.trace = trace
        self.frames = _flow.frames(trace)
        self._svgs = {}
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
        self._svgs = {}
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
        self.caption.value = (f"<div class='mini-autograd-caption'><b>frame {f.index}/{len(self.frames) - 1}</b>"
                              f" — {esc(f.caption)}</div>")
        if f.node is None:
            rows = [[esc(tensor_label(tensors[s]), 60), "seed: the sensitivity (sens)", matrix_html(g), "",
                     matrix_html(g)] for s, g in f.held.items()]
        else:
            rows = [[esc(tensor_label(tensors[e.tensor]), 60), f"input {e.position} of {esc(f.op, 60)}",
                     matrix_html(e.grad),
                     "+= added to the gradient already there (accumulated)" if e.accumulated else "",
                     matrix_html(f.held.get(e.tensor))] for e in f.edges]
        self.edges_html.value = table_html(["tensor", "edge", "gradient sent", "accumulation", "gradient held now"],
                                           rows, "mini-autograd-edges")

    @shows_errors
    def refresh(self) -> None:
        """Draw the current frame now (caption, edges and the graph)."""
        self._stale = False
        self._show_tables()
        try:
            self.graph_html.value = _svg_html(self.svg)
        except GraphRenderError as e:
            self.graph_html.value = notice_html(e) if isinstance(e, GraphTooLarge) else error_html(e)
            if not isinstance(e, GraphTooLarge):
                raise
        self.message.value = ""

# -- 4. the composed explorer ----------------------------------------------------------------------

class Explorer(widgets.VBox):
    """Toggles for get_all / get_by_list / sens_param, the returned structure as MindSpore prints it,
    and three tabs: the graph, the gradient flow and the sensitivity.

    Attributes: ``toggles`` ({"get_all", "get_by_list", "sens_param"} -> Checkbox), ``repr_html``
    (the returned tuple's repr; CSS "mini-autograd-repr"), ``tabs``, ``graph`` (GraphWidget),
    ``flow`` (FlowWidget), ``sens`` (SensitivityExplorer), ``sens_controls`` (its controls),
    ``message``; results: ``result`` (what the call returned), ``trace``.
    CSS: "mini-autograd-explorer".
    """

    TAB_TITLES = ("computation graph", "gradient flow", "sensitivity (sens_param)")

    def __init__(self, network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                 get_by_list: bool = False, sens_param: bool = False, sens: Any = None, collapse: Any = None) -> None:
        _check_bool("explore", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        self.message = widgets.HTML()
        self.last_error: BaseException | None = None
        self._reverting = False
        self.sens = SensitivityExplorer(network, *inputs, weights=weights, get_all=get_all,
                                        get_by_list=get_by_list, sens_param=sens_param, sens=sens, _who="explore")
        trace = self.sens.trace
        self.graph = GraphWidget(trace, collapse=collapse)
        self.flow = FlowWidget(trace, collapse=collapse)
        self.graph.on_collapse(self.flow.set_collapse)
        self.toggles = {name: widgets.Checkbox(value=v, description=name, indent=False,
                                               layout=widgets.Layout(width="130px"))
                        for name, v in (("get_all", get_all), ("get_by_list", get_by_list),
                                        ("sens_param", sens_param))}
        for name, box in self.toggles.items():
            box.add_class(f"mini-autograd-toggle-{name.replace('_', '-')}")
            box.observe(functools.partial(self._on_toggle, name), names="value")
        self.repr_html = widgets.HTML()
        self.repr_html.add_class("mini-autograd-repr")
        self.tabs = widgets.Tab(children=[self.graph, self.flow, self.sens])
        for i, title in enumerate(self.TAB_TITLES):
            self.tabs.set_title(i, title)
        self.tabs.selected_index = 0
        self.tabs.observe(self._on_tab, names="selected_index")
        self._views = (self.graph, self.flow)
        self._set_active(0)
        super().__init__(children=[widgets.HBox([widgets.HTML("<b>ForwardValueAndGrad flags:</b>")]
                                                + list(self.toggles.values())),
                                   self.repr_html, self.tabs, self.message])
        self.add_class("mini-autograd-explorer")
        self.sens.on_result(self._on_result)
        self._on_result(self.sens)

    @property
    def sens_controls(self) -> list:
        return self.sens.sens_controls

    @property
    def result(self) -> tuple:
        return self.sens.result

    @property
    def trace(self) -> Trace:
        return self.sens.trace

    def _set_active(self, index: int | None) -> None:
        for i, view in enumerate(self._views):
            view.active = index == i

    @shows_errors
    def _on_tab(self, change: dict) -> None:
        self._set_active(change["new"])
        if change["new"] == 0 and self.graph._svg is None:
            self.graph.refresh()
        if change["new"] == 1 and self.flow._stale:
            self.flow.refresh()

    @shows_errors
    def _on_toggle(self, name: str, change: dict) -> None:
        if self._reverting:
            return
        try:
            self.sens.set_flags(**{name: change["new"]})
        except Exception:
            self._reverting = True  # put the checkbox back to the flags still in force
            try:
                self.toggles[name].value = change["old"]
            finally:
                self._reverting = False
            raise

    def _on_result(self, sens: SensitivityExplorer) -> None:
        value, grads = sens.result
        self.repr_html.value = ("<div><b>print(output)</b> — the returned (forward value, gradients):"
                                f"<pre>{esc(repr((value, grads)))}</pre></div>")
        self.graph.set_trace(sens.trace)
        self.flow.set_trace(sens.trace)
        self.message.value = ""


def explore(network: Any, *inputs: Any, weights: Any = None, get_all: bool = False, get_by_list: bool = False,
            sens_param: bool = False, sens: Any = None, collapse: Any = None) -> Explorer:
    """The composed explorer for ``network`` called with ``inputs``: graph, gradient flow and
    sensitivity, with toggles for ForwardValueAndGrad's flags. ``sens`` sets the initial
    sensitivity (used when sens_param is on); ``collapse`` draws those cells as one box each."""
    return Explorer(network, *inputs, weights=weights, get_all=get_all, get_by_list=get_by_list,
                    sens_param=sens_param, sens=sens, collapse=collapse)


def graph_widget(source: Any, collapse: Any = None) -> GraphWidget:
    """The graph of a Trace or a called ForwardValueAndGrad, with collapse toggles per cell."""
    return GraphWidget(source, collapse=collapse)


def flow_widget(source: Any, collapse: Any = None) -> FlowWidget:
    """The gradient-flow stepper of a Trace or a called ForwardValueAndGrad."""
    return FlowWidget(source, collapse=collapse)

