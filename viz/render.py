"""Running graphviz's ``dot`` within limits, and what is shown when it cannot draw.

viz.graph builds the DOT text; ``to_svg`` checks its size, runs ``dot`` with a time limit and turns
every failure (no ``dot``, too large, too slow, ``dot`` refusing the input) into one exception,
``GraphRenderError``, whose message says what happened and how to see less. ``message_svg`` draws
such a message as a small picture, shown in place of the graph.
"""
from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
from typing import Any

import graphviz

from .text import visible_text

INSTALL_HINT = ("graphviz's 'dot' program was not found on PATH; viz needs it to draw graphs. "
                "Install it with 'apt-get install graphviz' (Debian/Ubuntu), 'conda install graphviz' "
                "(conda) or 'brew install graphviz' (macOS), then restart the kernel.")

# Limits on one drawing. dot's layout time grows much faster than the graph (a parameter shared by
# 40 steps of an RNN took 17 s), so past these a message replaces the picture. Module-level so a
# user can raise them: viz.render.MAX_NODES = 2000.
MAX_NODES = 400  # DOT nodes: tensors, primitives, collapsed cells, constant uses
MAX_EDGES = 800
DOT_TIMEOUT_S = 5.0


class GraphRenderError(RuntimeError):
    """A graph could not be drawn: ``dot`` is missing, failed, took too long, or the graph is past
    the size limits. The message says which, and how to draw less."""


class GraphvizNotFound(GraphRenderError):
    """Raised when the ``dot`` executable is missing; the message says how to install it."""


class GraphTooLarge(GraphRenderError):
    """The graph is past ``MAX_NODES``/``MAX_EDGES`` or ``dot`` ran past ``DOT_TIMEOUT_S``."""


_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_PROLOG = re.compile(r"^<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*", re.DOTALL)


def _hint(digraph: Any) -> str:
    return getattr(digraph, "see_less", "") or ("To see less, collapse cells (collapse={...}) or draw a "
                                                "sub-cell on its own.")


def too_large(digraph: graphviz.Digraph) -> None:
    """Raise GraphTooLarge when ``digraph`` is past MAX_NODES or MAX_EDGES (counted, dot not run)."""
    nodes, edges = getattr(digraph, "size_counts", (0, 0))
    if nodes > MAX_NODES or edges > MAX_EDGES:
        raise GraphTooLarge(f"This graph is too large to draw: {nodes} nodes and {edges} edges (the limits are "
                            f"{MAX_NODES} nodes and {MAX_EDGES} edges, viz.render.MAX_NODES and MAX_EDGES). "
                            + _hint(digraph))


def to_svg(digraph: graphviz.Digraph) -> str:
    """Run dot on ``digraph`` within the limits; the SVG text without dot's comments (one carries
    dot's version, which varies between machines) and without the XML prolog (so it embeds in HTML).

    Raises GraphRenderError (GraphvizNotFound, GraphTooLarge) with a readable message."""
    too_large(digraph)
    nodes, edges = getattr(digraph, "size_counts", (0, 0))
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(INSTALL_HINT)
    return _run_dot(dot, digraph.source, nodes, edges, DOT_TIMEOUT_S, _hint(digraph))


# A widget's flag toggled back, or a flow frame shown again by another widget, draws DOT text drawn
# before: dot's 30-100 ms is the largest part of such an update in the page (tests/support/browser_layout.py).
@functools.lru_cache(maxsize=64)
def _run_dot(dot: str, source: str, nodes: int, edges: int, timeout_s: float, hint: str) -> str:
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as e:  # subprocess.run has killed dot by now
        raise GraphTooLarge(f"graphviz's dot took longer than {timeout_s:g} s to lay out this graph "
                            f"({nodes} nodes, {edges} edges) and was stopped (viz.render.DOT_TIMEOUT_S). "
                            + hint) from e
    except OSError as e:
        raise GraphRenderError(f"graphviz's dot could not be started: {e}") from e
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = err[0][:300] if err else "(no message)"
        raise GraphRenderError(f"graphviz's dot could not draw this graph (exit status {done.returncode}): "
                               f"{first}")
    return _PROLOG.sub("", _COMMENT.sub("", done.stdout.decode("utf-8")))


def message_svg(error: BaseException, width: int = 760) -> str:
    """A small SVG showing ``error``'s message (escaped, wrapped), shown in place of a graph."""
    words, lines, line = str(error).split(" "), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > 95:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    lines = [f"{type(error).__name__}"] + lines[:14]
    height = 24 + 18 * len(lines)
    bold = ' font-weight="bold"'
    rows = "".join(f'<text x="12" y="{26 + 18 * i}" font-family="Helvetica,sans-serif" font-size="13"'
                   f'{bold if i == 0 else ""}>{html.escape(visible_text(t), quote=True)}</text>'
                   for i, t in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="mini-autograd-graph-message">'
            f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="#fff8e1" stroke="#b08000"/>'
            f"{rows}</svg>")
