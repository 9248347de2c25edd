"""The composed explorer (``explore``): toggles for get_all, get_by_list and sens_param, the returned
structure as MindSpore prints it, and three tabs: the graph widget, the gradient-flow widget and the
sensitivity explorer, all redrawn from the sensitivity model's latest call. Views hidden in a tab
redraw when shown; callback errors show in ``message``.
"""
from __future__ import annotations

import functools
from typing import Any

import ipywidgets as widgets

from mini_autograd.trace import Trace

from .common import STATIC_NOTE, check_bool, esc, picture_html, shows_errors
from .flow_widget import FlowWidget
from .graph_widget import GraphWidget
from .sens_widget import SensitivityExplorer


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
        check_bool("explore", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
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
        self.sens.active = index == 2

    @shows_errors
    def _on_tab(self, change: dict) -> None:
        self._set_active(change["new"])
        if change["new"] == 0 and self.graph._svg is None:
            self.graph.refresh()
        if change["new"] == 1 and self.flow._stale:
            self.flow.refresh()
        if change["new"] == 2 and self.sens._heatmap_stale:
            self.sens.draw_heatmap()

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


    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget, and beside it the returned structure and the graph for where widgets do not render."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = picture_html(self.graph._repr_svg_(), STATIC_NOTE + self.repr_html.value)
        return bundle


def explore(network: Any, *inputs: Any, weights: Any = None, get_all: bool = False, get_by_list: bool = False,
            sens_param: bool = False, sens: Any = None, collapse: Any = None) -> Explorer:
    """The composed explorer for ``network`` called with ``inputs``: graph, gradient flow and
    sensitivity, with toggles for ForwardValueAndGrad's flags. ``sens`` sets the initial
    sensitivity (used when sens_param is on); ``collapse`` draws those cells as one box each."""
    return Explorer(network, *inputs, weights=weights, get_all=get_all, get_by_list=get_by_list,
                    sens_param=sens_param, sens=sens, collapse=collapse)
