"""What every viz widget shares: errors shown in the widget, names made safe for HTML, checks.

A callback's exception is shown in the widget's ``message`` (``shows_errors``); user text reaches the
browser only through ``esc`` (escaped, and with characters UTF-8 cannot send replaced).
"""
from __future__ import annotations

import functools
import html
import re
from typing import Any, Callable, Sequence

import numpy as np

from .text import rows_2d, short, visible_text


def esc(text: Any, limit: int | None = None) -> str:
    """User text for HTML: made visible (a lone surrogate would fail to reach the browser), cut to
    ``limit`` characters if given, escaped."""
    return html.escape(short(text, limit) if limit else visible_text(text), quote=True)


def error_html(error: BaseException) -> str:
    return (f"<div class='mini-autograd-error' style='color:#a00000;white-space:pre-wrap'>"
            f"<b>{esc(type(error).__name__)}</b>: {esc(error)}</div>")


def notice_html(error: BaseException) -> str:
    """A message shown in place of a picture that is too large to draw (not an error of the widget)."""
    return (f"<div class='mini-autograd-graph-message' style='background:#fff8e1;border:1px solid #b08000;"
            f"padding:8px 12px;white-space:pre-wrap'><b>{esc(type(error).__name__)}</b>: {esc(error)}</div>")


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


# One stylesheet for every picture and table viz puts in the page, scoped by viz's class names. A
# picture fits the output's width (scaled, never enlarged); "full size" shows it at dot's size in a
# scroll box; a flow's frame keeps one size and the picture fits inside it; numbers never break.
PAGE_CSS = (
    "<style>"
    ".mini-autograd-svg svg{max-width:100%;height:auto}"
    ".mini-autograd-frame svg{max-width:100%;max-height:100%;width:auto;height:auto}"
    ".mini-autograd-full .mini-autograd-svg,.mini-autograd-full .mini-autograd-frame,"
    ".mini-autograd-picture:has(.mini-autograd-zoom:checked) .mini-autograd-svg"
    "{overflow:auto;height:auto!important;max-height:85vh}"
    ".mini-autograd-full svg,.mini-autograd-picture:has(.mini-autograd-zoom:checked) svg"
    "{max-width:none!important;max-height:none!important}"
    ".mini-autograd-matrix td,table.mini-autograd-edges td,table.mini-autograd-array td{white-space:nowrap}"
    ".mini-autograd-explorer .lm-TabBar-tab{flex:0 0 auto!important;max-width:none!important}"
    "</style>")


def svg_html(svg: str) -> str:
    """An SVG that fits the output's width (the widgets' "full size" toggle shows it at its size)."""
    return f"{PAGE_CSS}<div class='mini-autograd-svg'>{svg}</div>"


def frame_html(svg: str, height_px: int) -> str:
    """An SVG fitted inside a frame of one height: the gradient flow's frames keep that size whatever
    each step draws, so the page does not jump between steps. At most the window's height less 230 px
    (JupyterLab's bars and the flow's controls), so controls and picture fit on a screen together."""
    return (f"{PAGE_CSS}<div class='mini-autograd-frame' style='height:min({height_px}px,calc(100vh - 230px));"
            f"overflow:hidden'>{svg}</div>")


def picture_html(svg: str, note: str = "") -> str:
    """A picture for an output without widgets (draw_graph, a widget's static fallback): fitted to
    the width, with a "full size" box that needs no kernel (CSS only)."""
    return (f"{PAGE_CSS}<div class='mini-autograd-picture'>"
            f"<label style='font-size:90%;color:#555'><input type='checkbox' class='mini-autograd-zoom'> full size"
            f"</label>{note}<div class='mini-autograd-svg'>{svg}</div></div>")


STATIC_NOTE = ("<div style='color:#555;font-size:90%'>A picture of the widget as the notebook was run; "
               "run the notebook to use the widget.</div>")


def svg_size_px(svg: str) -> tuple[float, float]:
    """dot's drawing size in CSS pixels (its width and height attributes are in points)."""
    m = _SIZE.search(svg)
    return (float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3) if m else (0.0, 0.0)


_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"')


def check_bool(who: str, **flags: Any) -> None:  # viz checks its own arguments: no engine internals
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"For '{who}', the argument '{name}' should be bool, but got "
                            f"{type(value).__name__} ({value!r}).")




_CELL = "padding:4px 12px;border-bottom:1px solid #d0d0d0;vertical-align:top;text-align:left"
_HEAD = "padding:4px 12px;border-bottom:2px solid #555;text-align:left;white-space:nowrap"


def table_html(headings: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    """An HTML table with padding and rules (cells are HTML already escaped by the caller)."""
    head = "".join(f"<th style='{_HEAD}'>{h}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (f"<table class='{css}' style='border-collapse:collapse;margin:6px 0'>"
            f"<tr>{head}</tr>{body}</table>")


def matrix_html(array: Any, max_rows: int = 6, max_cols: int = 6) -> str:
    """An array laid out as it is shaped (a matrix as rows and columns, its shape above), as the
    graph's nodes show it, instead of one flattened line."""
    if array is None:
        return "—"
    a = np.asarray(array)
    shape = f"<div style='color:#666;font-size:85%'>shape {esc(list(a.shape))}</div>"
    if a.size == 0:
        return shape + "<div>(empty: no values)</div>"
    rows = rows_2d(a)
    body = ""
    for r in rows[:max_rows]:
        cells = [format(float(v), ".4g") for v in r[:max_cols]] + (["…"] if r.shape[0] > max_cols else [])
        body += "<tr>" + "".join(f"<td style='padding:0 5px;text-align:right'>{esc(c)}</td>" for c in cells) + "</tr>"
    if rows.shape[0] > max_rows:
        body += f"<tr><td colspan='{min(rows.shape[1], max_cols) + 1}'>… {rows.shape[0] - max_rows} more rows</td></tr>"
    return (shape + "<table class='mini-autograd-matrix' style='border-collapse:collapse;font-family:monospace;"
            "border-left:1px solid #333;border-right:1px solid #333'>" + body + "</table>")
