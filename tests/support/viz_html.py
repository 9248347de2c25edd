"""Reading the widgets' HTML back as a learner sees it: the tables and the matrices inside them."""
from __future__ import annotations

from html.parser import HTMLParser

import numpy as np


class _Tables(HTMLParser):
    """Collects every <table> as rows of cell texts; a nested table is its own entry."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []  # (class, rows)
        self._stack: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append((dict(attrs).get("class", ""), []))
        elif tag == "tr" and self._stack:
            self._stack[-1][1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag in ("td", "th") and self._stack and self._cell is not None:
            if self._stack[-1][1]:
                self._stack[-1][1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str, css: str) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(html)
    return [rows for c, rows in p.tables if css in c.split()]


def matrices(html: str) -> list[np.ndarray]:
    """Every array shown as a matrix (class mini-autograd-matrix), in document order of its end."""
    return [np.array([[float(v) for v in r] for r in rows]) for rows in tables(html, "mini-autograd-matrix")]
