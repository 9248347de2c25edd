"""What every viz widget shares: errors shown in the widget, names made safe for HTML, checks.

A callback's exception is shown in the widget's ``message`` (``shows_errors``); user text reaches the
browser only through ``esc`` (escaped, and with characters UTF-8 cannot send replaced).
"""
from __future__ import annotations

import functools
import html
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


def svg_html(svg: str) -> str:
    return f"<div class='mini-autograd-svg' style='overflow:auto;max-height:900px'>{svg}</div>"


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
