"""Matplotlib heatmaps of the sensitivity and the gradients it produces, drawn as SVG.

``heatmap`` draws one array; ``HeatmapPanel`` keeps one figure alive and only swaps the colours and
the numbers written in the cells, so the sensitivity explorer re-renders quickly. Small arrays are
vector cells with their values as SVG text (sharp at any zoom), sized so every number fits; the
output is deterministic (fixed svg.hashsalt, no date). Uses no pyplot, so no figure leaks.
"""
from __future__ import annotations

import html
import io
from typing import Any, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from .text import rows_2d, short

CMAP = "RdBu_r"  # diverging: negative blue, zero white, positive red
MAX_ANNOTATED = 48  # cells written as numbers; larger arrays are colour only
MAX_ANNOTATED_COLS = 16  # a wider row would not fit its numbers on a page
MAX_VECTOR_CELLS = 4096  # past this, cells are one raster image (colour only, no numbers to blur)
CELL_W, CELL_H = 0.7, 0.38  # inches per annotated cell: room for "-0.123" at 10 pt
MAX_PANEL_IN = 4.0
ROW_WIDTH_IN = 11.0  # panels wrap to a new row past this (about 1,050 CSS pixels)
SVG_RC = {"svg.hashsalt": "mini_autograd", "svg.fonttype": "none", "font.size": 10}
SVG_METADATA = {"Date": None, "Creator": None}


def as_2d(array: Any) -> np.ndarray:
    """A 2-D float view for drawing: scalars as 1x1, vectors as one row, the leading axes merged."""
    return rows_2d(np.asarray(array, dtype=np.float64))


def _limit(a: np.ndarray) -> float:
    finite = a[np.isfinite(a)]
    m = float(np.max(np.abs(finite))) if finite.size else 0.0
    return m if m > 0 else 1.0


def annotated(shape2d: tuple) -> bool:
    r, c = shape2d
    return 0 < r * c <= MAX_ANNOTATED and c <= MAX_ANNOTATED_COLS


def _panel_size(shape2d: tuple, title: str) -> tuple[float, float]:
    """Inches of one panel (cells plus room for the title)."""
    r, c = shape2d
    w = min(MAX_PANEL_IN, max(1.0, c * CELL_W)) if r * c else 1.6
    h = min(MAX_PANEL_IN, max(CELL_H, r * CELL_H)) if r * c else 0.6
    return max(w, 0.075 * len(title)) + 0.3, h + 0.45


def _draw(ax: Any, shape2d: tuple, title: str) -> tuple:
    """Empty cells (and number slots) of a ``shape2d`` array on ``ax``; fill them with ``_fill``."""
    r, c = shape2d
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(short(title, 48), fontsize=10, parse_math=False)
    if r * c == 0:
        ax.text(0.5, 0.5, f"no values (shape {r}x{c})", ha="center", va="center", fontsize=9,
                transform=ax.transAxes)
        return None, []
    zeros = np.zeros(shape2d)
    if r * c <= MAX_VECTOR_CELLS:  # vector cells: sharp edges at any zoom
        mesh = ax.pcolormesh(zeros, cmap=CMAP, norm=Normalize(-1, 1), edgecolors="face")
        ax.set_xlim(0, c)
        ax.set_ylim(r, 0)  # row 0 on top, as the array prints
    else:
        mesh = ax.imshow(zeros, cmap=CMAP, norm=Normalize(-1, 1), interpolation="nearest", aspect="auto",
                         extent=(0, c, r, 0))
    texts = ([ax.text(j + 0.5, k + 0.5, "", ha="center", va="center", fontsize=10)
              for k in range(r) for j in range(c)] if annotated(shape2d) else [])
    return mesh, texts


def _fill(mesh: Any, texts: list, array: Any) -> None:
    """Colour the cells by ``array`` (centred on zero) and write its values where there is room."""
    if mesh is None:
        return
    a = as_2d(array)
    lim = _limit(a)
    mesh.set_array(a if mesh.get_array().ndim == 2 else a.reshape(-1))
    mesh.set_norm(Normalize(-lim, lim))
    for text, v in zip(texts, a.reshape(-1)):
        text.set_text(format(v, ".3g"))
        text.set_color("white" if np.isfinite(v) and abs(v) > 0.6 * lim else "black")


class HeatmapPanel:
    """Heatmaps of several arrays, wrapped into rows, whose values change but whose shapes and
    titles stay (until ``reset``). ``svg(arrays, titles)`` gives the picture."""

    def __init__(self) -> None:
        self.figure: Figure | None = None
        self._layout: tuple = ()
        self._meshes: list = []
        self._texts: list = []

    def reset(self, shapes: Sequence[tuple], titles: Sequence[str]) -> None:
        shapes2d = [as_2d(np.zeros(s)).shape for s in shapes]
        titles = [short(t, 48) for t in titles]
        sizes = [_panel_size(s, t) for s, t in zip(shapes2d, titles)]
        rows: list[list[int]] = [[]]  # panels wrapped greedily into rows of at most ROW_WIDTH_IN
        for i, (w, _) in enumerate(sizes):
            if rows[-1] and sum(sizes[j][0] for j in rows[-1]) + w > ROW_WIDTH_IN:
                rows.append([])
            rows[-1].append(i)
        width = max(sum(sizes[j][0] for j in row) for row in rows)
        heights = [max(sizes[j][1] for j in row) for row in rows]
        fig = Figure(figsize=(width, sum(heights)))
        FigureCanvasSVG(fig)
        self._meshes, self._texts = [None] * len(shapes2d), [[] for _ in shapes2d]
        top = sum(heights)
        for row, h_row in zip(rows, heights):
            left = 0.0
            for i in row:
                w, h = sizes[i]
                (r, c), title = shapes2d[i], titles[i]
                cw = min(MAX_PANEL_IN, max(1.0, c * CELL_W)) if r * c else 1.6
                ch = min(MAX_PANEL_IN, max(CELL_H, r * CELL_H)) if r * c else 0.6
                ax = fig.add_axes(((left + (w - cw) / 2) / width, (top - 0.35 - ch) / sum(heights),
                                   cw / width, ch / sum(heights)))
                self._draw_axes(ax, i, (r, c), title)
                left += w
            top -= h_row
        self.figure = fig
        self._layout = (tuple(tuple(s) for s in shapes), tuple(titles))

    def _draw_axes(self, ax: Any, i: int, shape2d: tuple, title: str) -> None:
        self._meshes[i], self._texts[i] = _draw(ax, shape2d, title)

    def svg(self, arrays: Sequence[Any], titles: Sequence[str]) -> bytes:
        """The SVG of ``arrays`` (one panel each) under ``titles``."""
        layout = (tuple(tuple(np.shape(a)) for a in arrays), tuple(short(t, 48) for t in titles))
        if layout != self._layout:
            self.reset(layout[0], titles)
        for mesh, texts, array in zip(self._meshes, self._texts, arrays):
            _fill(mesh, texts, array)
        buf = io.BytesIO()
        with matplotlib.rc_context(SVG_RC):
            self.figure.canvas.print_svg(buf, metadata=SVG_METADATA)
        return buf.getvalue()


def heatmap(array: Any, title: str = "", ax: Any = None) -> Figure:
    """One array as a heatmap centred on zero, its values written in the cells when few (on ``ax``
    if given, else on a new figure sized so the numbers fit)."""
    if ax is None:
        panel = HeatmapPanel()
        panel.svg([array], [title])
        return panel.figure
    mesh, texts = _draw(ax, as_2d(array).shape, title)
    _fill(mesh, texts, array)
    return ax.figure


def html_table(array: Any, caption: str = "") -> str:
    """A small array as an HTML table (escaped), for the gradient panels next to the heatmap."""
    a = as_2d(array)
    cell = "style='padding:2px 8px;text-align:right;font-family:monospace'"
    rows = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(format(v, '.6g'))}</td>" for v in r[:12])
                   + ("<td>…</td>" if r.shape[0] > 12 else "") + "</tr>" for r in a[:12])
    more = f"<tr><td colspan='{a.shape[1]}'>… {a.shape[0] - 12} more rows</td></tr>" if a.shape[0] > 12 else ""
    if a.size == 0:
        rows, more = f"<tr><th>no values (shape {html.escape(str(list(np.shape(array))))})</th></tr>", ""
    cap = f"<caption>{html.escape(short(caption, 120))}</caption>" if caption else ""
    return f"<table class='mini-autograd-array' style='margin:4px 12px 4px 0'>{cap}{rows}{more}</table>"
