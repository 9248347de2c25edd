"""The sensitivity explorer's view: one control per output element (up to a cap), presets, and
what sens does to the result of ``ForwardValueAndGrad(..., sens_param=True)``.

The calls, the sens and the gradients live in the model (viz.sens_model); each change goes to the
model, and the view shows the forward value (unchanged), the gradients J^T . sens, the gradients
with sens = ones, heatmaps (viz.plots) and the check that the gradient is linear in sens.
"""

import functools
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from .common import PAGE_CSS, STATIC_NOTE, esc, shows_errors
from .plots import HeatmapPanel, html_table
from .sens_model import DOCUMENT_SENS, SensitivityModel  # noqa: F401 (DOCUMENT_SENS: viz's public name)

MAX_CONTROLS = 256  # beyond this many output elements, only the presets set the sensitivity
MAX_OPTIONS = 256  # one-hot choices listed; past this the element is typed as a flat index
MAX_PANELS = 8  # heatmaps drawn: the sensitivities first, then the gradients
OFF_HINT = ("<div class='mini-autograd-sens-off' style='color:#555'>The controls are greyed out: with "
            "<code>sens_param=False</code> the call seeds the output with ones. Tick <b>sens_param</b> above to "
            "give the sensitivity yourself.</div>")


def shown(value: Any) -> float:
    """A sensitivity element as a control shows it: the shortest decimal that reads back as the same
    value of its own dtype (float32 0.27 shows "0.27", not float64's "0.27000001072883606")."""
    v = np.asarray(value)
    return float(np.format_float_scientific(v[()], unique=True)) if v.dtype.kind == "f" else float(v)


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
    ``explain_html``, ``message``; ``model`` (the SensitivityModel) and, read from it, ``flags``,
    ``value``, ``grads`` / ``grads_ones`` ([(label, array)]), ``result``, ``trace``, ``sens``.
    CSS: "mini-autograd-sens".
    """

    def __init__(self, network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                 get_by_list: bool = False, sens_param: bool = True, sens: Any = None,
                 seed: int = 0, _who: str = "SensitivityExplorer") -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"For '{_who}', 'seed' should be an int, but got {type(seed).__name__}.")
        self.model = SensitivityModel(network, *inputs, weights=weights, get_all=get_all, get_by_list=get_by_list,
                                      sens_param=sens_param, sens=sens, who=_who)
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
        self._panels: dict = {}  # (shapes, titles) -> HeatmapPanel: a flag toggled back reuses its axes
        self.active = True  # False while hidden in the explorer's tab: the heatmap is drawn when shown
        self._heatmap_stale = False
        self._suspend = False
        self._listeners: list = []
        sens_now = self.model.sens
        self.sens_grids: list = []
        self.sens_controls: list = []
        n = sum(s.size for s in sens_now)
        if n <= MAX_CONTROLS:
            for o, s in enumerate(sens_now):
                cols = s.shape[-1] if s.ndim else 1
                controls = []
                for k, v in enumerate(s.reshape(-1)):
                    c = widgets.FloatText(value=shown(v), step=0.1, layout=widgets.Layout(width="90px"))
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
            options = [(f"output {o} {list(idx)}" if len(sens_now) > 1 else f"{list(idx)}", k)
                       for k, (o, idx) in enumerate((o, idx) for o, s in enumerate(sens_now)
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
        n_panels = len(sens_now) + len(self.grads_ones)
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
        self.preset_buttons["document"].disabled = not self.model.document_shape
        for name, b in self.preset_buttons.items():
            b.add_class(f"mini-autograd-preset-{name.replace('_', '-')}")
            b.on_click(functools.partial(self._on_preset, name))

        grids = [widgets.VBox([widgets.HTML(f"<b>sens of output {o}</b>" if len(self.sens_grids) > 1
                                            else "<b>sens</b> (one control per output element)"), g])
                 for o, g in enumerate(self.sens_grids)]
        if n == 0:
            grids = [widgets.HTML(f"<div class='mini-autograd-empty'>The output has no elements (shape "
                                  f"{esc([list(s.shape) for s in sens_now])}): the sensitivity has nothing "
                                  f"to scale, and every gradient is zero.</div>")]
        elif not self.sens_grids:
            grids = [widgets.HTML(f"{n:,} output elements: too many for one control each; use the presets.")]
        presets = widgets.HBox([widgets.HTML("<b>presets:</b>"), self.preset_buttons["ones"],
                                self.preset_buttons["document"], self.preset_buttons["one_hot"],
                                self.one_hot_index, self.preset_buttons["random"], self.random_seed],
                               layout=widgets.Layout(flex_flow="row wrap"))
        self.off_html = widgets.HTML()
        self.controls_box = widgets.VBox([widgets.HBox(grids), self.off_html, presets, self.capped_html])
        results = widgets.HBox([self.grads_html, self.ones_html], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[self.controls_box, self.value_html, results, self.heatmap,
                                   self.explain_html, self.message])
        self.add_class("mini-autograd-sens")
        self._sync_enabled()
        self._show_static()
        self._shown()  # the model ran the call on creation

    # -- state (kept by the model) ---------------------------------------------------------------
    flags = property(lambda self: self.model.flags, doc="get_all, get_by_list, sens_param in force")
    sens = property(lambda self: self.model.sens, doc="The current sensitivity, one array per output (copies).")
    value = property(lambda self: self.model.value, doc="The forward value the last call returned.")
    result = property(lambda self: self.model.result, doc="(value, gradients) as the last call returned them.")
    grads = property(lambda self: self.model.grads, doc="[(label, array)]: the returned gradients now.")
    grads_ones = property(lambda self: self.model.grads_ones, doc="[(label, array)] with sens = ones.")
    trace = property(lambda self: self.model.trace, doc="The Trace of the last call (drawn by the explorer).")

    def basis(self) -> list:
        """Gradients for sens = e_i, one per output element (the rows of the Jacobian)."""
        return self.model.basis()

    def set_flags(self, get_all: bool | None = None, get_by_list: bool | None = None,
                  sens_param: bool | None = None) -> None:
        """Change the flags and recompute (the explorer's toggles call this)."""
        self.model.set_flags(get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        self._sync_enabled()
        self._show_static()
        self._shown()

    def set_sens(self, sens: Any) -> None:
        """Set the whole sensitivity at once (one recompute), moving the controls with it."""
        self._set_arrays(self.model.check_sens(sens))

    def _set_arrays(self, arrays: list) -> None:
        self.model.set_arrays(arrays)
        self._push_controls()
        self._shown()

    def on_result(self, callback: Callable[["SensitivityExplorer"], None]) -> None:
        """Call ``callback(self)`` after every recompute (the composed explorer redraws from it)."""
        self._listeners.append(callback)

    def _push_controls(self) -> None:
        self._suspend = True
        try:
            flat = np.concatenate([s.reshape(-1) for s in self.model.sens]) if self.sens_controls else []
            for c, v in zip(self.sens_controls, flat):
                c.value = shown(v)
        finally:
            self._suspend = False

    def _sync_enabled(self) -> None:
        off = not self.flags["sens_param"] or self.model.size == 0
        for c in self.sens_controls:
            c.disabled = off
        for name, b in self.preset_buttons.items():
            b.disabled = off or (name == "document" and not self.model.document_shape)
        self.off_html.value = OFF_HINT if not self.flags["sens_param"] else ""

    # -- callbacks -------------------------------------------------------------------------------
    @shows_errors
    def _on_control(self, output: int, k: int, change: dict) -> None:
        if self._suspend:
            return
        self.model.set_element(output, k, change["new"])
        self._shown()

    @shows_errors
    def _on_preset(self, name: str, button: Any = None) -> None:
        self.apply_preset(name)

    def apply_preset(self, name: str) -> None:
        """"ones", "document" ([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]), "one_hot" (1 at
        ``one_hot_index``, 0 elsewhere) or "random" (uniform in [-1, 1], two decimals, ``random_seed``)."""
        self._set_arrays(self.model.preset(name, self.one_hot_index.value, self.random_seed.value))

    @shows_errors
    def recompute(self) -> None:
        """Run the call again with the current sens and show the result."""
        self.model.recompute()
        self._shown()

    def _shown(self) -> None:
        """Show the model's results and tell the listeners (after every recompute)."""
        self._show_dynamic()
        self.message.value = ""
        for cb in self._listeners:
            cb(self)

    # -- display ---------------------------------------------------------------------------------
    def _show_static(self) -> None:
        """What does not depend on sens: the forward value and the gradients with sens = ones."""
        self.value_html.value = ("<div class='mini-autograd-value'><b>forward value</b> (the same for every sens)"
                                 f"<pre>{esc(repr(self.model.value_ones))}</pre></div>")
        self.ones_html.value = ("<div class='mini-autograd-grads-ones'><b>gradients with sens = ones</b>"
                                + "".join(html_table(a, label) for label, a in self.grads_ones) + "</div>")

    def _show_dynamic(self) -> None:
        missing = self.model.not_in_trace
        note = (f"<div class='mini-autograd-capped'>{missing} returned gradient(s) not listed: weights the "
                f"network never read are not in the Trace (their gradient is zero).</div>" if missing else "")
        self.grads_html.value = ("<div><b>gradients = J<sup>T</sup> · sens</b>"
                                 + "".join(html_table(a, label) for label, a in self.grads) + note + "</div>")
        self._heatmap_stale = True
        if self.active:
            self.draw_heatmap()
        self.explain_html.value = self._explanation(self.model.value_unchanged())

    def static_html(self) -> str:
        """What the widget shows, without controls: for where widgets do not render."""
        sens = "".join(html_table(a, f"sens (output {o})" if len(self.sens) > 1 else "sens")
                       for o, a in enumerate(self.sens))
        return (f"{PAGE_CSS}<div class='mini-autograd-static'>{STATIC_NOTE}{self.off_html.value}"
                f"<div style='display:flex;flex-wrap:wrap'>{sens}{self.grads_html.value}{self.ones_html.value}</div>"
                f"{self.value_html.value}</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.static_html()
        return bundle

    def draw_heatmap(self) -> None:
        """Draw the heatmaps of the current sens and gradients (matplotlib: the slowest part of an
        update, so skipped while the widget is hidden)."""
        sens = self.model.sens
        arrays = (sens + [a for _, a in self.grads])[:MAX_PANELS]
        titles = ([f"sens (output {o})" if len(sens) > 1 else "sens" for o in range(len(sens))]
                  + [label for label, _ in self.grads])[:MAX_PANELS]
        key = (tuple(np.shape(a) for a in arrays), tuple(titles))
        panel = self._panels.get(key) or self._panels.setdefault(key, HeatmapPanel())
        self.heatmap.value = panel.svg(arrays, titles)
        self._heatmap_stale = False

    def _explanation(self, unchanged: bool) -> str:
        parts = [f"<p><b>Forward value:</b> {'unchanged' if unchanged else 'CHANGED (unexpected)'} by sens — "
                 "sens never enters the forward pass.</p>"]
        err = self.model.linearity_error()
        if self.model.size == 0:
            parts.append("<p><b>The output has no elements</b>: the sensitivity is empty and has nothing to "
                         "scale; J has no rows, so every gradient J<sup>T</sup> · sens is zero.</p>")
        elif err is not None:
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
