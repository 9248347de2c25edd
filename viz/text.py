"""How user text and array values appear in the pictures and widgets.

Names are user text: ``visible_text`` replaces what XML or UTF-8 cannot carry, ``short`` cuts long
names with an ellipsis, ``label_text`` escapes for graphviz HTML labels. ``preview`` and ``one_line``
show arrays compactly, keeping a matrix's rows. Used by viz.graph, viz.flow, viz.plots and the widgets.
"""
from __future__ import annotations

import html
import re
from typing import Any

import graphviz
import numpy as np

# Characters XML 1.0 cannot carry (controls, surrogates, U+FFFE/FFFF) would make the SVG unparsable,
# and a lone surrogate cannot even be encoded to send to the browser, so they are shown as visible
# \xNN / \uNNNN escapes instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def visible_text(text: Any) -> str:
    """``text`` as a str with characters XML cannot hold replaced by readable escapes."""
    s = str(text)
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", s)


# A name longer than this is cut with an ellipsis in the picture (the whole name is the node's
# tooltip): graphviz refuses HTML labels past 16,384 characters, and 4,100 "<" escape to more.
MAX_NAME_CHARS = 60
MAX_TOOLTIP_CHARS = 2000


def short(text: Any, limit: int = MAX_NAME_CHARS) -> str:
    """``text`` made visible (see visible_text) and cut to ``limit`` characters with an ellipsis."""
    s = visible_text(text)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def is_cut(text: Any, limit: int = MAX_NAME_CHARS) -> bool:
    """True where ``short`` cuts ``text`` (then the picture gives the whole name as a tooltip)."""
    return len(visible_text(text)) > limit


def tooltip(text: Any) -> str:
    """A plain (non-HTML) DOT string for a tooltip, showing ``text`` literally: visible, capped.
    dot unescapes a tooltip twice (\\N becomes the node's name), so each backslash is written as
    four; it leaves character entities as they are, so "&" is written as "&amp;"; graphviz's quote
    escapes the double quotes."""
    s = short(text, MAX_TOOLTIP_CHARS).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return graphviz.nohtml(s.replace("&", "&amp;").replace("\\", "\\" * 4))


def label_text(text: Any) -> str:
    """User text for a graphviz HTML-like label: HTML-escaped, and backslashes doubled because
    dot expands \\N, \\G, \\L ... even inside HTML labels (a doubled backslash prints one)."""
    s = visible_text(text).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    # "]" as a character reference too: dot's HTML-label parser rejects a label whose text starts
    # with "]" (a name like "]" or "]]" made dot exit with a syntax error).
    return html.escape(s, quote=True).replace("\\", "\\\\").replace("]", "&#93;")


def _fmt(v: float) -> str:
    return format(float(v), ".4g")


def rows_2d(array: Any) -> np.ndarray:
    """A 2-D view of an array: a scalar as 1x1, a vector as one row, the leading axes merged (also
    for zero-size arrays, where reshape(-1, 0) would be ambiguous)."""
    a = np.asarray(array)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])


def preview(array: Any, max_rows: int = 3, max_cols: int = 4) -> list[str]:
    """A few lines showing an array's values compactly: rows of at most ``max_cols`` numbers."""
    a = np.asarray(array)
    if a.size == 0:
        return ["(empty: no values)"]
    if a.ndim == 0:
        return [_fmt(a)]
    if a.dtype == np.bool_:
        a = a.astype(np.int8)
    rows = rows_2d(a)
    lines = []
    for r in rows[:max_rows]:
        cells = [_fmt(v) for v in r[:max_cols]] + (["…"] if r.shape[0] > max_cols else [])
        lines.append("[" + " ".join(cells) + "]")
    if rows.shape[0] > max_rows:
        lines.append(f"… ({rows.shape[0] - max_rows} more rows)")
    return lines


def one_line(array: Any, max_items: int = 6) -> str:
    """An array as one short line, for edge labels and captions: a matrix keeps its rows
    ("[[1 2 3] [4 5 6]]"), so a 2x3 gradient does not read as six numbers in a row."""
    a = np.asarray(array)
    if a.ndim <= 1:
        flat = a.reshape(-1)
        cells = [_fmt(v) for v in flat[:max_items]] + (["…"] if flat.shape[0] > max_items else [])
        return "[" + " ".join(cells) + "]"
    rows = rows_2d(a)
    cols = max(1, min(rows.shape[1], max_items))
    shown = rows[:max(1, max_items // cols)]
    inner = [one_line(r, cols) for r in shown] + (["…"] if rows.shape[0] > shown.shape[0] else [])
    return "[" + " ".join(inner) + "]"


def tensor_label(t: Any) -> str:
    """How a tensor is called in the pictures: its name, else output[i] or a slot number."""
    if t.name:
        return t.name
    if t.output_index is not None:
        return f"output[{t.output_index}]"
    return f"%{t.id}"


