"""JupyterLab widgets over the Trace: the graph, the gradient flow, the sensitivity explorer, and
``explore``, which composes them with toggles for get_all, get_by_list and sens_param.

Stable attributes (``explorer.sens_controls``, ``flow.play`` ...) and CSS classes let tests drive them;
callback errors show in each widget's ``message``; views hidden in a tab redraw when shown.
"""
from __future__ import annotations

import functools
import html
import time
from typing import Any, Callable, Sequence

import ipywidgets as widgets
import numpy as np

import mini_autograd.nn as nn
from mini_autograd import ParameterTuple, Tensor
from mini_autograd.trace import Trace

from . import flow as _flow
from .graph import GraphvizNotFound, as_trace, cell_paths, check_collapse, one_line, render_svg, tensor_label
from .plots import HeatmapPanel, html_table

# The sensitivity of the document's "Gradient Value Scaling" example.
DOCUMENT_SENS = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], dtype=np.float32)
MAX_CONTROLS = 256  # beyond this many output elements, only the presets set the sensitivity


def error_html(error: BaseException) -> str:
    return (f"<div class='mini-autograd-error' style='color:#a00000;white-space:pre-wrap'>"
            f"<b>{html.escape(type(error).__name__)}</b>: {html.escape(str(error))}</div>")


def shows_errors(method: Callable) -> Callable:
    """Run a widget callback; an exception is shown in the widget's ``message`` and kept in
    ``last_error`` instead of vanishing into the kernel log."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 -- a callback must not fail silently
            self.last_error = e
            self.message.value = error_html(e)
            return None
        return result
    return wrapper


def _svg_html(svg: str) -> str:
    return f"<div class='mini-autograd-svg' style='overflow:auto;max-height:900px'>{svg}</div>"


def _check_bool(who: str, **flags: Any) -> None:  # viz checks its own arguments: no engine internals
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"For '{who}', the argument '{name}' should be bool, but got "
                            f"{type(value).__name__} ({value!r}).")


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
        for path in cell_paths(self.trace):
            b = widgets.ToggleButton(value=path in collapsed, description=f"{path} ({cells[path]})",
                                     tooltip="pressed: draw this cell as one box")
            b.add_class("mini-autograd-collapse")
            b.observe(self._on_toggle, names="value")
            self.collapse_toggles[path] = b
        self.toggle_box.children = ([widgets.HTML("<b>collapse:</b>")] + list(self.collapse_toggles.values())
                                    if self.collapse_toggles else [])

    @property
    def collapse(self) -> frozenset:
        return frozenset(p for p, b in self.collapse_toggles.items() if b.value)

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
        except GraphvizNotFound as e:
            self.html.value = error_html(e)
            raise
        self.html.value = _svg_html(svg)
        self.message.value = ""

    def _repr_svg_(self) -> str | None:  # static fallback where widgets do not render
        try:
            return self.svg
        except GraphvizNotFound:
            return None


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
        self._svgs: dict[int, str] = {}
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
            self._svgs[k] = render_svg(self.trace, collapse=self.collapse, frame=self.frames[k])
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
                              f" — {html.escape(f.caption)}</div>")
        if f.node is None:
            rows = "".join(f"<tr><td>{html.escape(tensor_label(tensors[s]))}</td><td>seed (sens)</td>"
                           f"<td>{html.escape(one_line(g))}</td><td></td><td>{html.escape(one_line(g))}</td></tr>"
                           for s, g in f.held.items())
        else:
            rows = "".join(
                f"<tr><td>{html.escape(tensor_label(tensors[e.tensor]))}</td>"
                f"<td>input {e.position} of {html.escape(f.op)}</td>"
                f"<td>{html.escape(one_line(e.grad)) if e.grad is not None else '—'}</td>"
                f"<td>{'+= added to the gradient already there (accumulated)' if e.accumulated else ''}</td>"
                f"<td>{html.escape(one_line(f.held[e.tensor])) if e.tensor in f.held else '—'}</td></tr>"
                for e in f.edges)
        self.edges_html.value = ("<table class='mini-autograd-edges'><tr><th>tensor</th><th>edge</th>"
                                 "<th>gradient sent</th><th>accumulation</th><th>gradient held now</th></tr>"
                                 + rows + "</table>")

    @shows_errors
    def refresh(self) -> None:
        """Draw the current frame now (caption, edges and the graph)."""
        self._stale = False
        self._show_tables()
        try:
            self.graph_html.value = _svg_html(self.svg)
        except GraphvizNotFound as e:
            self.graph_html.value = error_html(e)
            raise
        self.message.value = ""


# -- 3. the sensitivity explorer -------------------------------------------------------------------

def _as_arrays(value: Any) -> list[np.ndarray]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    return [np.asarray(v.asnumpy() if isinstance(v, Tensor) else v) for v in items]


def _flatten(result: Any, input_names: Sequence[str], weight_names: Sequence[str], flags: dict) -> list:
    """The returned gradients as [(label, array)], labelled as the call returns them."""
    ga, gb = flags["get_all"], flags["get_by_list"]
    if not ga and not gb:
        return [(f"grad of {input_names[0]}", result.asnumpy())]
    out = []
    if ga:
        ins = result[0] if gb else result
        out += [(f"inputs[{i}] ({input_names[i]})" if gb else f"grads[{i}] ({input_names[i]})", g.asnumpy())
                for i, g in enumerate(ins)]
    if gb:
        ws = result[1] if ga else result
        out += [(f"weights[{j}] ({weight_names[j]})", g.asnumpy()) for j, g in enumerate(ws)]
    return out


class SensitivityExplorer(widgets.VBox):
    """One control per output element, presets, and what the sensitivity does to the result.

    Each change recomputes ``ForwardValueAndGrad(..., sens_param=True)(*inputs, sens)`` and shows the
    forward value (unchanged), the gradients, the gradients with sens = ones, a heatmap, and the
    check that the gradient is J^T . sens = sum_i s_i * (gradient with sens = e_i).

    Attributes: ``sens_controls`` (FloatText per output element, C order, outputs one after the
    other), ``sens_grids`` (a GridBox per output, laid out in its shape), ``preset_buttons``
    ("ones", "document", "one_hot", "random"), ``one_hot_index`` (Dropdown, flat element index),
    ``random_seed`` (IntText), ``value_html``, ``grads_html`` (CSS "mini-autograd-grads"),
    ``ones_html``, ``heatmap`` (Image, PNG), ``explain_html``, ``message``; results: ``value``,
    ``grads`` / ``grads_ones`` ([(label, array)]), ``result``, ``trace``, ``sens``.
    CSS: "mini-autograd-sens".
    """

    def __init__(self, network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                 get_by_list: bool = False, sens_param: bool = True, sens: Any = None,
                 seed: int = 0) -> None:
        _check_bool("SensitivityExplorer", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        if not callable(network) or isinstance(network, (Tensor, type)):
            raise TypeError(f"For 'SensitivityExplorer', the argument 'network' should be a Cell or a function, "
                            f"but got {type(network).__name__}.")
        if not inputs:
            raise ValueError("For 'SensitivityExplorer', the network's inputs should follow 'network' "
                             "(e.g. SensitivityExplorer(net, x, y)), but got none.")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"For 'SensitivityExplorer', 'seed' should be an int, but got {type(seed).__name__}.")
        self.network, self.inputs, self.weights_arg = network, tuple(inputs), weights
        self.last_error: BaseException | None = None
        self.message = widgets.HTML()
        self.value_html = widgets.HTML()
        self.grads_html = widgets.HTML()
        self.grads_html.add_class("mini-autograd-grads")
        self.ones_html = widgets.HTML()
        self.explain_html = widgets.HTML()
        self.heatmap = widgets.Image(format="png")
        self.heatmap.add_class("mini-autograd-heatmap")
        self._panel = HeatmapPanel()
        self._suspend = False
        self._listeners: list = []
        self.last_update_ms = 0.0

        self.flags = {"get_all": get_all, "get_by_list": get_by_list, "sens_param": sens_param}
        self._setup_calls()  # runs the network once with sens = ones: output shapes, value, grads_ones
        self._sens = [np.ones(v.shape, v.dtype) for v in self._out_arrays]
        if sens is not None:
            self._sens = self._check_sens(sens)

        self.sens_grids: list = []
        self.sens_controls: list = []
        options = []
        for o, s in enumerate(self._sens):
            for idx in np.ndindex(*s.shape) if s.ndim else [()]:
                options.append((f"output {o} {list(idx)}" if len(self._sens) > 1 else f"{list(idx)}", len(options)))
        if len(options) <= MAX_CONTROLS:
            for o, s in enumerate(self._sens):
                cols = s.shape[-1] if s.ndim else 1
                controls = []
                for k, v in enumerate(s.reshape(-1)):
                    c = widgets.FloatText(value=float(v), step=0.1, layout=widgets.Layout(width="90px"))
                    c.add_class("mini-autograd-sens-control")
                    c.observe(functools.partial(self._on_control, o, k), names="value")
                    controls.append(c)
                self.sens_controls += controls
                grid = widgets.GridBox(controls, layout=widgets.Layout(
                    grid_template_columns=f"repeat({cols}, 96px)", grid_gap="2px"))
                self.sens_grids.append(grid)
        self.one_hot_index = widgets.Dropdown(options=options, value=0, description="element",
                                              layout=widgets.Layout(width="220px"))
        self.random_seed = widgets.IntText(value=seed, description="seed", layout=widgets.Layout(width="150px"))
        self.preset_buttons = {
            "ones": widgets.Button(description="ones", tooltip="sens = ones (what sens_param=False uses)"),
            "document": widgets.Button(description="document's grad_wrt_output",
                                       tooltip="[[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]",
                                       layout=widgets.Layout(width="auto")),
            "one_hot": widgets.Button(description="one element", tooltip="zero all but the chosen element"),
            "random": widgets.Button(description="random", tooltip="uniform in [-1, 1], fixed seed"),
        }
        self.preset_buttons["document"].disabled = not (len(self._sens) == 1 and self._sens[0].shape == (2, 3))
        for name, b in self.preset_buttons.items():
            b.add_class(f"mini-autograd-preset-{name.replace('_', '-')}")
            b.on_click(functools.partial(self._on_preset, name))

        grids = [widgets.VBox([widgets.HTML(f"<b>sens of output {o}</b>" if len(self.sens_grids) > 1
                                            else "<b>sens</b> (one control per output element)"), g])
                 for o, g in enumerate(self.sens_grids)]
        if not self.sens_grids:
            grids = [widgets.HTML(f"{len(options)} output elements: too many for one control each; "
                                  f"use the presets.")]
        presets = widgets.HBox([widgets.HTML("<b>presets:</b>"), self.preset_buttons["ones"],
                                self.preset_buttons["document"], self.preset_buttons["one_hot"],
                                self.one_hot_index, self.preset_buttons["random"], self.random_seed],
                               layout=widgets.Layout(flex_flow="row wrap"))
        self.controls_box = widgets.VBox([widgets.HBox(grids), presets])
        results = widgets.HBox([self.grads_html, self.ones_html], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.controls_box, self.value_html, results, self.heatmap,
                                   self.explain_html, self.message])
        self.add_class("mini-autograd-sens")
        self._sync_enabled()
        self._show_static()
        self.recompute()

    # -- calls -----------------------------------------------------------------------------------
    def _weights(self) -> Any:
        if not self.flags["get_by_list"]:
            return self.weights_arg
        if self.weights_arg is not None:
            return self.weights_arg
        if not hasattr(self.network, "trainable_params"):
            raise TypeError("get_by_list is True but the network is not a Cell and no 'weights' were given; "
                            "pass weights=ParameterTuple([...]).")
        return ParameterTuple(self.network.trainable_params())

    def _setup_calls(self) -> None:
        """Build the two ForwardValueAndGrad cells for the current flags and run the sens = ones one."""
        ga, gb = self.flags["get_all"], self.flags["get_by_list"]
        w = self._weights()
        self._fvg_ones = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb)
        self._fvg_sens = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb,
                                                sens_param=True)
        self._fvg_basis = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb,
                                                 sens_param=True)
        value, grads = self._fvg_ones(*self.inputs)
        self.trace_ones: Trace = self._fvg_ones.trace
        self.value_ones = value
        self._out_arrays = _as_arrays(value)
        self._tuple_out = isinstance(value, tuple)
        self._input_names = [t.name for t in sorted((t for t in self.trace_ones.tensors if t.role == "input"),
                                                    key=lambda t: t.input_index)]
        self._input_names += [f"input{i}" for i in range(len(self._input_names), len(self.inputs))]
        self._weight_names = [p.name for p in (w or ())] if gb else []
        self.grads_ones = _flatten(grads, self._input_names, self._weight_names, self.flags)
        self.result_ones = (value, grads)
        self._basis: list | None = None

    def _check_sens(self, sens: Any) -> list[np.ndarray]:
        items = sens if isinstance(sens, (tuple, list)) and self._tuple_out else (sens,)
        if len(items) != len(self._out_arrays):
            raise ValueError(f"For 'SensitivityExplorer', 'sens' should be a tuple of {len(self._out_arrays)} "
                             f"arrays (one per output), but got {len(items)}.")
        out = []
        for i, (s, o) in enumerate(zip(items, self._out_arrays)):
            a = np.asarray(s.asnumpy() if isinstance(s, Tensor) else s, dtype=o.dtype)
            if a.shape != o.shape:
                raise ValueError(f"For 'SensitivityExplorer', 'sens' of output {i} should have the output's shape "
                                 f"{list(o.shape)}, but got shape {list(a.shape)}.")
            out.append(a.copy())
        return out

    def _sens_arg(self) -> Any:
        ts = tuple(Tensor(s) for s in self._sens)
        return ts if self._tuple_out else ts[0]

    def basis(self) -> list:
        """Gradients for sens = e_i, one per output element (the rows of the Jacobian), cached per flags."""
        if self._basis is None:
            basis = []
            for o, s in enumerate(self._sens):
                for k in range(s.size):
                    e = [np.zeros_like(x) for x in self._sens]
                    e[o].reshape(-1)[k] = 1
                    arg = tuple(Tensor(x) for x in e)
                    _, g = self._fvg_basis(*self.inputs, arg if self._tuple_out else arg[0])
                    basis.append([a for _, a in _flatten(g, self._input_names, self._weight_names, self.flags)])
            self._basis = basis
        return self._basis

    # -- state -----------------------------------------------------------------------------------
    @property
    def sens(self) -> list[np.ndarray]:
        """The current sensitivity, one array per output (copies)."""
        return [s.copy() for s in self._sens]

    def set_flags(self, get_all: bool | None = None, get_by_list: bool | None = None,
                  sens_param: bool | None = None) -> None:
        """Change the flags and recompute (the explorer's toggles call this)."""
        new = dict(self.flags)
        for k, v in (("get_all", get_all), ("get_by_list", get_by_list), ("sens_param", sens_param)):
            if v is not None:
                _check_bool("SensitivityExplorer.set_flags", **{k: v})
                new[k] = v
        old, self.flags = self.flags, new
        try:
            self._setup_calls()
        except Exception:
            self.flags = old
            self._setup_calls()
            raise
        self._sync_enabled()
        self._show_static()
        self.recompute()

    def set_sens(self, sens: Any) -> None:
        """Set the whole sensitivity at once (one recompute), moving the controls with it."""
        self._set_arrays(self._check_sens(sens))

    def _set_arrays(self, arrays: list) -> None:
        self._sens = [np.array(a, dtype=o.dtype) for a, o in zip(arrays, self._out_arrays)]
        self._push_controls()
        self.recompute()

    def on_result(self, callback: Callable[["SensitivityExplorer"], None]) -> None:
        """Call ``callback(self)`` after every recompute (the composed explorer redraws from it)."""
        self._listeners.append(callback)

    def _push_controls(self) -> None:
        self._suspend = True
        try:
            flat = np.concatenate([s.reshape(-1) for s in self._sens]) if self.sens_controls else []
            for c, v in zip(self.sens_controls, flat):
                c.value = float(v)
        finally:
            self._suspend = False

    def _sync_enabled(self) -> None:
        off = not self.flags["sens_param"]
        for c in self.sens_controls:
            c.disabled = off
        for name, b in self.preset_buttons.items():
            b.disabled = off or (name == "document" and not (len(self._sens) == 1
                                                             and self._sens[0].shape == (2, 3)))

    # -- callbacks -------------------------------------------------------------------------------
    @shows_errors
    def _on_control(self, output: int, k: int, change: dict) -> None:
        if self._suspend:
            return
        self._sens[output].reshape(-1)[k] = change["new"]
        self.recompute()

    @shows_errors
    def _on_preset(self, name: str, button: Any = None) -> None:
        self.apply_preset(name)

    def apply_preset(self, name: str) -> None:
        """"ones", "document" ([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]), "one_hot" (1 at
        ``one_hot_index``, 0 elsewhere) or "random" (uniform in [-1, 1], two decimals, ``random_seed``)."""
        if name == "ones":
            new = [np.ones_like(s) for s in self._sens]
        elif name == "document":
            if not (len(self._sens) == 1 and self._sens[0].shape == (2, 3)):
                raise ValueError(f"The document's grad_wrt_output has shape [2, 3], but this network's output "
                                 f"has shape {[list(s.shape) for s in self._sens]}.")
            new = [DOCUMENT_SENS.astype(self._sens[0].dtype)]
        elif name == "one_hot":
            new = [np.zeros_like(s) for s in self._sens]
            k = self.one_hot_index.value
            for s in new:
                if k < s.size:
                    s.reshape(-1)[k] = 1
                    break
                k -= s.size
        elif name == "random":
            rng = np.random.default_rng(self.random_seed.value)
            new = [np.round(rng.uniform(-1, 1, s.shape), 2).astype(s.dtype) for s in self._sens]
        else:
            raise ValueError(f"For 'apply_preset', 'name' should be one of 'ones', 'document', 'one_hot', "
                             f"'random', but got {name!r}.")
        self._set_arrays(new)

    @shows_errors
    def recompute(self) -> None:
        start = time.perf_counter()
        if self.flags["sens_param"]:
            value, grads = self._fvg_sens(*self.inputs, self._sens_arg())
            self.trace = self._fvg_sens.trace
        else:
            value, grads = self.value_ones, self.result_ones[1]
            self.trace = self.trace_ones
        self.value, self.result = value, (value, grads)
        self.grads = _flatten(grads, self._input_names, self._weight_names, self.flags)
        self._show_dynamic()
        self.message.value = ""
        for cb in self._listeners:
            cb(self)
        self.last_update_ms = (time.perf_counter() - start) * 1000

    # -- display ---------------------------------------------------------------------------------
    def _show_static(self) -> None:
        """What does not depend on sens: the forward value and the gradients with sens = ones."""
        self.value_html.value = ("<div class='mini-autograd-value'><b>forward value</b> (the same for every sens)"
                                 f"<pre>{html.escape(repr(self.value_ones))}</pre></div>")
        self.ones_html.value = ("<div class='mini-autograd-grads-ones'><b>gradients with sens = ones</b>"
                                + "".join(html_table(a, label) for label, a in self.grads_ones) + "</div>")

    def _show_dynamic(self) -> None:
        unchanged = all(np.array_equal(a, b) for a, b in zip(_as_arrays(self.value), self._out_arrays))
        self.grads_html.value = ("<div><b>gradients = J<sup>T</sup> · sens</b>"
                                 + "".join(html_table(a, label) for label, a in self.grads) + "</div>")
        arrays = list(self._sens) + [a for _, a in self.grads]
        titles = ([f"sens (output {o})" if len(self._sens) > 1 else "sens" for o in range(len(self._sens))]
                  + [label for label, _ in self.grads])
        self.heatmap.value = self._panel.png(arrays[:8], titles[:8])
        self.explain_html.value = self._explanation(unchanged)

    def _explanation(self, unchanged: bool) -> str:
        parts = [f"<p><b>Forward value:</b> {'unchanged' if unchanged else 'CHANGED (unexpected)'} by sens — "
                 "sens never enters the forward pass.</p>"]
        n = sum(s.size for s in self._sens)
        if n <= 64:
            basis = self.basis()
            flat = np.concatenate([s.reshape(-1) for s in self._sens]).astype(np.float64)
            err = 0.0
            for j, (_, g) in enumerate(self.grads):
                combo = sum(flat[i] * basis[i][j].astype(np.float64) for i in range(n))
                err = max(err, float(np.max(np.abs(combo - g))) if g.size else 0.0)
            parts.append(f"<p><b>Gradient = J<sup>T</sup> · sens = Σ<sub>i</sub> s<sub>i</sub> · g<sub>i</sub></b>, "
                         f"where g<sub>i</sub> is the gradient with sens = 1 at output element i and 0 elsewhere "
                         f"(one row of the Jacobian J). Linear in sens: doubling sens doubles every gradient. "
                         f"Check here: max |gradient − Σ s<sub>i</sub> g<sub>i</sub>| = {err:.2e}.</p>")
        parts.append("<p><b>The document's last sentence</b> (“the output value after scaling is the product of "
                     "the original output value and the element corresponding to grad_wrt_output”) describes the "
                     "gradient's ingredients: the gradient that arrives at output element i, d out<sub>i</sub> / "
                     "d out<sub>i</sub> = 1, is multiplied by s<sub>i</sub>, so each element's contribution to "
                     "the gradients is scaled by s<sub>i</sub>. The forward value itself is returned "
                     "unscaled.</p>")
        return "<div class='mini-autograd-explain'>" + "".join(parts) + "</div>"


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
                                        get_by_list=get_by_list, sens_param=sens_param, sens=sens)
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
                                f"<pre>{html.escape(repr((value, grads)))}</pre></div>")
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


def sensitivity(network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                get_by_list: bool = False, sens: Any = None, seed: int = 0) -> SensitivityExplorer:
    """The sensitivity explorer on its own (sens_param=True)."""
    return SensitivityExplorer(network, *inputs, weights=weights, get_all=get_all, get_by_list=get_by_list,
                               sens_param=True, sens=sens, seed=seed)
