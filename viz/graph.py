"""The computation graph of one gradient call, drawn with graphviz from its Trace.

``build_digraph`` is three steps: plan where everything goes (viz.graph_layout: collapsed cells,
hidden tensors, constant uses), add the nodes (viz.graph_nodes, where every user-visible name is
escaped) and add the edges (here). Nodes come in tape order, so the same Trace always gives the same
SVG text. The gradient-flow view renders a frame of viz.flow through the same function.
"""
from __future__ import annotations

from typing import Any, Iterable

import graphviz

from mini_autograd.trace import Trace

from .common import picture_html
from .graph_layout import Layout, cell_paths, layout, see_less  # noqa: F401 (cell_paths: for the widgets)
from .graph_nodes import COLOURS, STOP_GRADIENT, add_nodes, legend_label
from .render import INSTALL_HINT, GraphRenderError, GraphTooLarge, GraphvizNotFound, message_svg, to_svg  # noqa: F401
from .text import label_text, one_line, tensor_label, visible_text  # noqa: F401


# -- checks ----------------------------------------------------------------------------------------

def as_trace(source: Any, who: str = "viz") -> Trace:
    """A Trace from a Trace or from anything with a ``.trace`` (ForwardValueAndGrad after a call)."""
    if isinstance(source, Trace):
        return source
    trace = getattr(source, "trace", None)
    if isinstance(trace, Trace):
        return trace
    if hasattr(source, "trace") and trace is None:
        raise ValueError(f"For '{who}', the argument 'source' has no Trace yet: call it once first "
                         f"(e.g. fvg(x, y)), then draw it.")
    raise TypeError(f"For '{who}', the argument 'source' should be a mini_autograd Trace or a "
                    f"ForwardValueAndGrad that was called, but got {type(source).__name__}.")


def check_collapse(trace: Trace, collapse: Any, who: str = "viz") -> frozenset:
    """``collapse`` as a frozenset of cell paths present in ``trace``."""
    if collapse is None:
        return frozenset()
    if isinstance(collapse, str) or not isinstance(collapse, Iterable):
        raise TypeError(f"For '{who}', the argument 'collapse' should be a set of cell paths "
                        f"(e.g. {{'fc1'}}), but got {type(collapse).__name__} ({collapse!r}).")
    paths = {s.path for s in trace.scopes if s.cell}
    out = set()
    for p in collapse:
        if not isinstance(p, str):
            raise TypeError(f"For '{who}', every element of 'collapse' should be a str (a cell path), "
                            f"but got {type(p).__name__}.")
        if p not in paths:
            raise ValueError(f"For '{who}', 'collapse' names the cell {p!r}, which this trace does not "
                             f"have; cells: {sorted(x for x in paths)}.")
        out.add(p)
    return frozenset(out)


# -- the graph -------------------------------------------------------------------------------------

def build_digraph(trace: Trace, collapse: Any = None, frame: Any = None, show_grads: bool = True,
                  legend: bool = True) -> graphviz.Digraph:
    """The DOT graph of ``trace``.

    ``collapse``: cell paths drawn as one box each (with what they contain hidden). ``frame``: a
    viz.flow.Frame; then tensors show the gradient held at that step, the node whose vjp runs is
    highlighted and the gradients it sends are drawn as dashed red edges.
    """
    trace = as_trace(trace, "build_digraph")
    plan = layout(trace, check_collapse(trace, collapse, "build_digraph"))
    # nslimit bounds dot's network-simplex passes: small graphs come out the same, and a parameter
    # shared by 40 RNN steps lays out in 2 s instead of 17 s.
    g = graphviz.Digraph("mini_autograd", graph_attr={"rankdir": "TB", "fontname": "Helvetica",
                                                      "nodesep": "0.3", "ranksep": "0.35", "nslimit": "5"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    n_nodes = add_nodes(g, plan, frame, show_grads)
    n_edges = _edges(g, plan, frame)
    if legend:
        drawn_backward = any(plan.backward.get(n.scope) is not None for n in trace.nodes)
        stop = any(n.op == STOP_GRADIENT for n in trace.nodes)
        g.node("legend", label=legend_label(frame is not None, drawn_backward, stop), shape="plaintext")
    # For viz.render.to_svg: the size it checks against its limits, and how to draw less.
    g.size_counts = (n_nodes, n_edges)
    g.see_less = see_less(plan)
    return g


def _edges(g: graphviz.Digraph, plan: Layout, frame: Any) -> int:
    """Add the data edges (tensor -> primitive -> tensor; one per tensor and collapsed box; those
    carrying a forward value into a recorded backward pass bold and orange) and, with a ``frame``,
    the gradients sent at that step as dashed red edges; returns how many were added."""
    drawn_box_edges: set[tuple[str, str]] = set()
    n_edges = 0
    for n in plan.trace.nodes:
        target = plan.item(n.id)
        for i in n.inputs:
            if i in plan.hidden:
                continue
            src = plan.tensor_item(i, target)
            if target.startswith("c"):
                if (src, target) in drawn_box_edges:
                    continue
                drawn_box_edges.add((src, target))
            if plan.read_by_backward(i, n.id):  # where the gradient's graph reads the forward pass
                g.edge(src, target, color=COLOURS["reads"], penwidth="2.5", style="bold")
            elif n.op == STOP_GRADIENT and not target.startswith("c"):  # no gradient goes back along it
                g.edge(src, target, color=COLOURS["grad"], arrowhead="tee", penwidth="2")
            else:
                g.edge(src, target)
            n_edges += 1
        if n.output not in plan.hidden:
            g.edge(target, f"t{n.output}")
            n_edges += 1

    if frame is not None and frame.node is not None:
        src = plan.item(frame.node)
        for e in frame.edges:
            if e.grad is None or e.tensor in plan.hidden:
                continue
            text = f"grad {one_line(e.grad)}" + (" (+= accumulated)" if e.accumulated else "")
            g.edge(src, plan.tensor_item(e.tensor, src),
                   label=f"<<FONT COLOR=\"{COLOURS['grad']}\">{label_text(text)}</FONT>>",
                   style="dashed", color=COLOURS["grad"], penwidth="2", constraint="false")
            n_edges += 1
    return n_edges


def render_svg(source: Any, collapse: Any = None, frame: Any = None, show_grads: bool = True,
               legend: bool = True) -> str:
    """The SVG text of ``source``'s graph (a Trace or a called ForwardValueAndGrad)."""
    return to_svg(build_digraph(as_trace(source, "render_svg"), collapse=collapse, frame=frame,
                                show_grads=show_grads, legend=legend))


class GraphView:
    """A drawn graph that displays itself in a notebook (as SVG, so nbviewer and GitHub show it
    without a kernel). ``.source`` is the DOT text, ``.svg`` the picture."""

    def __init__(self, trace: Trace, collapse: Any = None, frame: Any = None, show_grads: bool = True,
                 legend: bool = True) -> None:
        self.trace = as_trace(trace, "GraphView")
        self.digraph = build_digraph(self.trace, collapse=collapse, frame=frame, show_grads=show_grads,
                                     legend=legend)
        self._svg: str | None = None

    @property
    def source(self) -> str:
        return self.digraph.source

    @property
    def svg(self) -> str:
        """The picture; raises GraphRenderError where it cannot be drawn (see viz.render)."""
        if self._svg is None:
            self._svg = to_svg(self.digraph)
        return self._svg

    def _repr_svg_(self) -> str:
        try:
            return self.svg
        except GraphRenderError as e:  # the message is shown in place of the picture
            return message_svg(e)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        # text/html first for JupyterLab, which shows an image/svg+xml output at its full size (an
        # <img> its stylesheet does not fit to the width); the SVG alone for frontends without HTML.
        try:
            svg, text = self.svg, f"<GraphView: {len(self.trace.nodes)} primitives>"
        except GraphRenderError as e:
            svg, text = message_svg(e), str(e)
        return {"text/html": picture_html(svg), "image/svg+xml": svg, "text/plain": text}


def draw_graph(source: Any, collapse: Any = None, show_grads: bool = True, legend: bool = True) -> GraphView:
    """The computation graph of a Trace or of a ForwardValueAndGrad's last call, for display.

    ``collapse``: cell paths (``{"fc1"}``) drawn as one box each.
    """
    if not isinstance(show_grads, bool):
        raise TypeError(f"For 'draw_graph', the argument 'show_grads' should be bool, but got "
                        f"{type(show_grads).__name__}.")
    return GraphView(as_trace(source, "draw_graph"), collapse=collapse, show_grads=show_grads, legend=legend)
