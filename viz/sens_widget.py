"""The sensitivity explorer: one control per output element (up to a cap), presets, and what
sens does to the result of ``ForwardValueAndGrad(..., sens_param=True)``.

Each change recomputes the call and shows the forward value (unchanged), the gradients J^T . sens,
the gradients with sens = ones, heatmaps (viz.plots) and the check that the gradient is linear in sens.
"""

import functools
import time
from typing import Any, Callable, Sequence

import ipywidgets as widgets
import numpy as np

import mini_autograd.nn as nn
from mini_autograd import ParameterTuple, Tensor
from mini_autograd.trace import Trace

from .common import check_bool as _check_bool
from .common import esc, shows_errors
from .text import short
from .plots import HeatmapPanel, html_table

# The sensitivity of the document's "Gradient Value Scaling" example.
DOCUMENT_SENS = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], dtype=np.float32)
MAX_CONTROLS = 256  # beyond this many output elements, only the presets set the sensitivity
MAX_OPTIONS = 256  # one-hot choices listed; past this the element is typed as a flat index
MAX_PANELS = 8  # heatmaps drawn: the sensitivities first, then the gradients


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
    ``ones_html``, ``heatmap`` (Image, SVG), ``capped_html`` (what was capped, if anything),
    ``explain_html``, ``message``; results: ``value``,
    ``grads`` / ``grads_ones`` ([(label, array)]), ``result``, ``trace``, ``sens``.
    CSS: "mini-autograd-sens".
    """

    def __init__(self, network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                 get_by_list: bool = False, sens_param: bool = True, sens: Any = None,
                 seed: int = 0, _who: str = "SensitivityExplorer") -> None:
        self._who = _who  # the public function the learner called, named in error messages
        _check_bool(_who, get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        if not callable(network) or isinstance(network, (Tensor, type)):
            raise TypeError(f"For '{_who}', the argument 'network' should be a Cell or a function, "
                            f"but got {type(network).__name__}.")
        if not inputs:
            raise ValueError(f"For '{_who}', the network's inputs should follow 'network' "
                             "(e.g. SensitivityExplorer(net, x, y)), but got none.")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"For '{_who}', 'seed' should be an int, but got {type(seed).__name__}.")
        self.network, self.inputs, self.weights_arg = network, tuple(inputs), weights
        self.last_error: BaseException | None = None
        self.message = widgets.HTML()
        self.value_html = widgets.HTML()
        self.grads_html = widgets.HTML()
        self.grads_html.add_class("mini-autograd-grads")
        self.ones_html = widgets.HTML()
        self.explain_html = widgets.HTML()
        # flex-start: at its own size (a flex column would stretch it to the page width), never wider than the page
        self.heatmap = widgets.Image(format="svg+xml", layout=widgets.Layout(max_width="100%", align_self="flex-start"))
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
        n = sum(s.size for s in self._sens)
        if n <= MAX_CONTROLS:
            for o, s in enumerate(self._sens):
                cols = s.shape[-1] if s.ndim else 1
                controls = []
                for k, v in enumerate(s.reshape(-1)):
                    c = widgets.FloatText(value=float(v), step=0.1, layout=widgets.Layout(width="90px"))
                    c.add_class("mini-autograd-sens-control")
                    c.observe(functools.partial(self._on_control, o, k), names="value")
                    controls.append(c)
                self.sens_controls += controls
                if controls:
                    grid = widgets.GridBox(controls, layout=widgets.Layout(
                        grid_template_columns=f"repeat({cols}, 96px)", grid_gap="2px"))
                    self.sens_grids.append(grid)
        capped = []
        if n <= MAX_OPTIONS:  # built only when short: 10^6 options froze the page
            options = [(f"output {o} {list(idx)}" if len(self._sens) > 1 else f"{list(idx)}", k)
                       for k, (o, idx) in enumerate((o, idx) for o, s in enumerate(self._sens)
                                                    for idx in (np.ndindex(*s.shape) if s.ndim else [()]))]
            self.one_hot_index = widgets.Dropdown(options=options, value=0 if options else None,
                                                  description="element", disabled=not options,
                                                  layout=widgets.Layout(width="220px"))
        else:
            self.one_hot_index = widgets.BoundedIntText(value=0, min=0, max=n - 1, description="element",
                                                        layout=widgets.Layout(width="220px"))
            capped.append(f"the one-element preset takes a flat index (C order, 0 to {n - 1}): a list of "
                          f"{n:,} elements would be too long (at most {MAX_OPTIONS:,} are listed)")
        if n > MAX_CONTROLS:
            capped.append(f"{n:,} output elements: too many for one control each (at most {MAX_CONTROLS:,}); "
                          f"use the presets or set_sens(array)")
        n_panels = len(self._sens) + len(self.grads_ones)
        if n_panels > MAX_PANELS:
            capped.append(f"heatmaps: the first {MAX_PANELS} of {n_panels} arrays are drawn")
        self.capped_html = widgets.HTML("<div class='mini-autograd-capped'>Capped: " + "; ".join(capped) + ".</div>"
                                        if capped else "")
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
        if n == 0:
            grids = [widgets.HTML(f"<div class='mini-autograd-empty'>The output has no elements (shape "
                                  f"{esc([list(s.shape) for s in self._sens])}): the sensitivity has nothing "
                                  f"to scale, and every gradient is zero.</div>")]
        elif not self.sens_grids:
            grids = [widgets.HTML(f"{n:,} output elements: too many for one control each; use the presets.")]
        presets = widgets.HBox([widgets.HTML("<b>presets:</b>"), self.preset_buttons["ones"],
                                self.preset_buttons["document"], self.preset_buttons["one_hot"],
                                self.one_hot_index, self.preset_buttons["random"], self.random_seed],
                               layout=widgets.Layout(flex_flow="row wrap"))
        self.controls_box = widgets.VBox([widgets.HBox(grids), presets, self.capped_html])
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
        who = self._who
        items = sens if isinstance(sens, (tuple, list)) and self._tuple_out else (sens,)
        if len(items) != len(self._out_arrays):
            raise ValueError(f"For '{who}', the argument 'sens' should be a tuple of {len(self._out_arrays)} "
                             f"arrays (one per output), but got {len(items)}.")
        out = []
        for i, (s, o) in enumerate(zip(items, self._out_arrays)):
            raw = s.asnumpy() if isinstance(s, Tensor) else s
            try:
                a = np.asarray(raw)
                numbers = a.dtype.kind in "biuf"
            except (TypeError, ValueError):  # ragged nested lists
                numbers = False
            if not numbers:
                raise TypeError(f"For '{who}', the argument 'sens' should be a Tensor or an array of numbers "
                                f"with the output's shape {list(o.shape)}, but got {type(s).__name__} "
                                f"({short(repr(s), 60)}).")
            if a.shape != o.shape:
                raise ValueError(f"For '{who}', the argument 'sens' of output {i} should have the output's shape "
                                 f"{list(o.shape)}, but got shape {list(a.shape)}.")
            out.append(a.astype(o.dtype))
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
        off = not self.flags["sens_param"] or not any(s.size for s in self._sens)
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
            if k is None:
                raise ValueError("The output has no elements: the sensitivity has nothing to scale.")
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
                                 f"<pre>{esc(repr(self.value_ones))}</pre></div>")
        self.ones_html.value = ("<div class='mini-autograd-grads-ones'><b>gradients with sens = ones</b>"
                                + "".join(html_table(a, label) for label, a in self.grads_ones) + "</div>")

    def _show_dynamic(self) -> None:
        unchanged = all(np.array_equal(a, b) for a, b in zip(_as_arrays(self.value), self._out_arrays))
        self.grads_html.value = ("<div><b>gradients = J<sup>T</sup> · sens</b>"
                                 + "".join(html_table(a, label) for label, a in self.grads) + "</div>")
        arrays = list(self._sens) + [a for _, a in self.grads]
        titles = ([f"sens (output {o})" if len(self._sens) > 1 else "sens" for o in range(len(self._sens))]
                  + [label for label, _ in self.grads])
        self.heatmap.value = self._panel.svg(arrays[:MAX_PANELS], titles[:MAX_PANELS])
        self.explain_html.value = self._explanation(unchanged)

    def _explanation(self, unchanged: bool) -> str:
        parts = [f"<p><b>Forward value:</b> {'unchanged' if unchanged else 'CHANGED (unexpected)'} by sens — "
                 "sens never enters the forward pass.</p>"]
        n = sum(s.size for s in self._sens)
        if n == 0:
            parts.append("<p><b>The output has no elements</b>: the sensitivity is empty and has nothing to "
                         "scale; J has no rows, so every gradient J<sup>T</sup> · sens is zero.</p>")
        elif n <= 64:
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



def sensitivity(network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                get_by_list: bool = False, sens: Any = None, seed: int = 0) -> SensitivityExplorer:
    """The sensitivity explorer on its own (sens_param=True)."""
    return SensitivityExplorer(network, *inputs, weights=weights, get_all=get_all, get_by_list=get_by_list,
                               sens_param=True, sens=sens, seed=seed)
