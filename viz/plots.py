"""Matplotlib heatmaps of the sensitivity and the gradients it produces.

``heatmap`` draws one array; ``HeatmapPanel`` keeps one figure alive and only swaps the data and
the numbers written in the cells, so the sensitivity explorer re-renders in a few milliseconds
(tick labels are left out: drawing them was most of the cost). Uses the Agg canvas, never pyplot,
so no figure leaks into the notebook on its own.
"""
from __future__ import annotations

import html
import io
from typing import Any, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

CMAP = "RdBu_r"  # diverging: negative blue, zero white, positive red
MAX_ANNOTATED = 48  # cells written as numbers; larger arrays are colour only


def as_2d(array: Any) -> np.ndarray:
    """A 2-D float view for imshow: scalars as 1x1, vectors as one row, the leading axes merged."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def _limit(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return m if m > 0 and np.isfinite(m) else 1.0


def heatmap(array: Any, title: str = "", ax: Any = None) -> Figure:
    """One array as a heatmap centred on zero, its values written in the cells when few."""
    a = as_2d(array)
    if ax is None:
        fig = Figure(figsize=(max(2.0, 0.6 * a.shape[1] + 1), max(1.5, 0.5 * a.shape[0] + 1)), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    lim = _limit(a)
    ax.imshow(a, cmap=CMAP, norm=Normalize(-lim, lim))
    if a.size <= MAX_ANNOTATED:
        for (i, j), v in np.ndenumerate(a):
            ax.text(j, i, format(v, ".3g"), ha="center", va="center", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9, parse_math=False)
    return ax.figure


class HeatmapPanel:
    """A row of heatmaps whose arrays change but whose shapes and titles stay (until ``reset``)."""

    def __init__(self, dpi: int = 72) -> None:
        self.dpi = dpi
        self.figure: Figure | None = None
        self._layout: tuple = ()
        self._images: list = []
        self._texts: list = []

    def reset(self, shapes: Sequence[tuple], titles: Sequence[str]) -> None:
        shapes2d = [as_2d(np.zeros(s)).shape for s in shapes]
        width = sum(max(1.6, 0.55 * c + 0.4) for _, c in shapes2d)
        height = max(1.4, 0.45 * max(r for r, _ in shapes2d) + 0.8)
        fig = Figure(figsize=(min(width, 14.0), min(height, 6.0)), dpi=self.dpi)
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(shapes2d), squeeze=False)[0]
        self._images, self._texts = [], []
        for ax, shape, title in zip(axes, shapes2d, titles):
            zeros = np.zeros(shape)
            self._images.append(ax.imshow(zeros, cmap=CMAP, norm=Normalize(-1, 1)))
            self._texts.append([ax.text(j, i, "", ha="center", va="center", fontsize=8)
                                for i in range(shape[0]) for j in range(shape[1])]
                               if zeros.size <= MAX_ANNOTATED else [])
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(title, fontsize=9, parse_math=False)
        fig.tight_layout()
        self.figure = fig
        self._layout = (tuple(tuple(s) for s in shapes), tuple(titles))

    def png(self, arrays: Sequence[Any], titles: Sequence[str]) -> bytes:
        """The PNG of ``arrays`` (one panel each) under ``titles``."""
        layout = (tuple(tuple(np.shape(a)) for a in arrays), tuple(titles))
        if layout != self._layout:
            self.reset(layout[0], titles)
        for image, texts, array in zip(self._images, self._texts, arrays):
            a = as_2d(array)
            lim = _limit(a)
            image.set_data(a)
            image.set_norm(Normalize(-lim, lim))
            for text, v in zip(texts, a.reshape(-1)):
                text.set_text(format(v, ".3g"))
        buf = io.BytesIO()
        self.figure.canvas.print_png(buf)
        return buf.getvalue()


def html_table(array: Any, caption: str = "") -> str:
    """A small array as an HTML table (escaped), for the gradient panels next to the heatmap."""
    a = as_2d(array)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(format(v, '.6g'))}</td>" for v in r[:12])
                   + ("<td>…</td>" if r.shape[0] > 12 else "") + "</tr>" for r in a[:12])
    more = f"<tr><td colspan='{a.shape[1]}'>… {a.shape[0] - 12} more rows</td></tr>" if a.shape[0] > 12 else ""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='mini-autograd-array'>{cap}{rows}{more}</table>"
