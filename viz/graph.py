"""The computation graph of one gradient call, drawn with graphviz from its Trace.

Tensors (inputs by argument name, parameters by name, constants, intermediates, outputs) and
primitives become DOT nodes in tape order, so the same Trace always gives the same SVG text. Every
user-visible name is escaped here, in one place (``label_text``). The gradient-flow view renders a
frame of viz.flow through the same function; cells can be collapsed into one box each.
"""
from __future__ import annotations

from typing import Any, Iterable

import graphviz

from mini_autograd.trace import Trace

from .render import (INSTALL_HINT, GraphRenderError, GraphTooLarge, GraphvizNotFound, dot_available,  # noqa: F401
                     message_svg, to_svg)
from .text import is_cut, label_text, one_line, preview, rows_2d, short, tensor_label, tooltip, visible_text  # noqa: F401

# Colours of the legend. Roles fill the tensor nodes; the red border marks returned gradients.
COLOURS = {
    "input": "#cfe2f3",
    "parameter": "#ffe599",
    "constant": "#e6e6e6",
    "intermediate": "#ffffff",
    "output": "#b6d7a8",
    "primitive": "#d9d2e9",
    "cell": "#f4cccc",
    "returned": "#cc0000",
    "running": "#f6b26b",
    "done": "#bcbcbc",
    "grad": "#cc0000",
    "seed": "#1f5fa8",
}


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


def cell_paths(trace: Trace) -> list[str]:
    """Paths of the cells that can be collapsed (every recorded cell but the network itself), in
    order of first appearance."""
    seen: dict[str, None] = {}
    for s in trace.scopes:
        if s.cell and s.parent > 0:
            seen.setdefault(s.path, None)
    return list(seen)


# -- the graph -------------------------------------------------------------------------------------

def _table(rows: list[str]) -> str:
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def _tensor_rows(t: Any, grad: Any, show_grads: bool, returned: bool, seed: tuple | None = None) -> list[str]:
    head = f"<B>{label_text(short(tensor_label(t)))}</B>"
    role = t.role if t.role != "input" else f"input {t.input_index}"
    if t.output_index is not None:
        role = f"output {t.output_index}" if t.role == "intermediate" else f"{role}, output {t.output_index}"
    rows = [f"{head} <FONT POINT-SIZE=\"10\">({label_text(role)})</FONT>",
            f"<FONT POINT-SIZE=\"10\">{label_text(t.dtype)} {label_text(list(t.shape))}</FONT>"]
    rows += [f'<FONT POINT-SIZE="10" FACE="monospace">{label_text(line)}</FONT>' for line in preview(t.value)]
    if show_grads and seed is not None:  # an output: the sensitivity the backward pass starts from
        sens, given = seed
        rows.append(f'<FONT POINT-SIZE="10" COLOR="{COLOURS["seed"]}">seed s = sens '
                    f'({"given, sens_param=True" if given else "ones"}):</FONT>')
        rows += [f'<FONT POINT-SIZE="10" FACE="monospace" COLOR="{COLOURS["seed"]}">{label_text(line)}</FONT>'
                 for line in preview(sens)]
    if show_grads:
        if grad is None:
            rows.append('<FONT POINT-SIZE="10">grad: —</FONT>')
        else:
            lines = preview(grad)
            colour = COLOURS["returned"] if returned else "#444444"
            rows.append(f'<FONT POINT-SIZE="10" COLOR="{colour}">grad:</FONT>')
            rows += [f'<FONT POINT-SIZE="10" FACE="monospace" COLOR="{colour}">{label_text(line)}</FONT>'
                     for line in lines]
    if returned:
        rows.append(f'<FONT POINT-SIZE="10" COLOR="{COLOURS["returned"]}"><B>returned as '
                    f'{label_text(short(t.returned_as))}</B></FONT>')
    return rows


def _constant_use_rows(t: Any, use: int, uses: int) -> list[str]:
    """A small label for one use of a constant used by several primitives (no gradient rows)."""
    return [f"<B>{label_text(short(t.name) if t.name else 'constant')}</B> "
            f'<FONT POINT-SIZE="9">(use {use} of {uses})</FONT>',
            f'<FONT POINT-SIZE="9">{label_text(t.dtype)} {label_text(list(t.shape))}</FONT>',
            f'<FONT POINT-SIZE="9" FACE="monospace">{label_text(one_line(t.value, 4))}</FONT>']


def _legend(flow: bool) -> str:
    def row(colour: str, text: str, border: str = "black") -> str:
        return (f'<TR><TD BGCOLOR="{colour}" COLOR="{border}" BORDER="1" WIDTH="18"> </TD>'
                f'<TD ALIGN="LEFT"><FONT POINT-SIZE="10">{text}</FONT></TD></TR>')
    rows = [row(COLOURS["input"], "input (construct argument)"), row(COLOURS["parameter"], "parameter"),
            row(COLOURS["constant"], "constant"), row(COLOURS["intermediate"], "intermediate tensor"),
            row(COLOURS["output"], "network output"), row(COLOURS["primitive"], "primitive (one vjp)"),
            row(COLOURS["cell"], "collapsed cell"),
            row("#ffffff", "gradient returned by the call", COLOURS["returned"])]
    if flow:
        rows += [row(COLOURS["running"], "vjp running at this step"), row(COLOURS["done"], "vjp already ran"),
                 row("#ffffff", "dashed red edge: gradient sent at this step", COLOURS["grad"])]
    return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>")


def build_digraph(trace: Trace, collapse: Any = None, frame: Any = None, show_grads: bool = True,
                  legend: bool = True) -> graphviz.Digraph:
    """The DOT graph of ``trace``.

    ``collapse``: cell paths drawn as one box each (with what they contain hidden). ``frame``: a
    viz.flow.Frame; then tensors show the gradient held at that step, the node whose vjp runs is
    highlighted and the gradients it sends are drawn as dashed red edges.
    """
    trace = as_trace(trace, "build_digraph")
    collapsed = check_collapse(trace, collapse, "build_digraph")
    scopes = {s.id: s for s in trace.scopes}

    # The outermost collapsed ancestor of each scope (None: drawn open).
    box_of: dict[int, int | None] = {}
    for s in trace.scopes:
        chain, cur = [], s.id
        while cur >= 0:
            chain.append(cur)
            cur = scopes[cur].parent if cur in scopes else -1
        box_of[s.id] = next((c for c in reversed(chain) if scopes[c].cell and scopes[c].path in collapsed), None)
    node_box = {n.id: box_of.get(n.scope) for n in trace.nodes}

    def item(node_id: int) -> str:
        b = node_box[node_id]
        return f"n{node_id}" if b is None else f"c{b}"

    def home_of_node(node_id: int) -> int:
        b = node_box[node_id]
        return trace.nodes[node_id].scope if b is None else scopes[b].parent

    consumers: dict[int, list[int]] = {}
    for n in trace.nodes:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n.id)
    outputs = set(trace.outputs)

    hidden = set()
    for t in trace.tensors:
        if t.producer is not None and node_box[t.producer] is not None and t.id not in outputs:
            b = node_box[t.producer]
            if all(node_box[c] == b for c in consumers.get(t.id, [])):
                hidden.add(t.id)

    def home_of_tensor(t: Any) -> int:
        if t.role == "input" or t.id in outputs:
            return 0
        if t.producer is not None:
            return home_of_node(t.producer)
        users = consumers.get(t.id)
        return home_of_node(users[0]) if users else 0

    # A constant used by several primitives (a Python number in a loop, say) is drawn once per
    # drawn consumer: one shared node with a hundred edges made dot's layout take minutes.
    const_names: dict[int, dict[str, str]] = {}
    for t in trace.tensors:
        if t.role == "constant" and t.id not in outputs:
            targets = list(dict.fromkeys(item(c) for c in consumers.get(t.id, [])))
            if len(targets) > 1:
                const_names[t.id] = {tg: f"t{t.id}u{k}" for k, tg in enumerate(targets)}

    def tensor_item(tid: int, target: str) -> str:
        return const_names[tid][target] if tid in const_names else f"t{tid}"

    held = frame.held if frame is not None else None
    given = bool(trace.flags.get("sens_param"))
    seeds = {slot: (sens, given) for slot, sens in zip(dict.fromkeys(trace.outputs), trace.sens)}
    done = frame.done if frame is not None else frozenset()
    running = frame.node if frame is not None else None

    items: dict[int, list[tuple[str, dict]]] = {}  # home scope -> [(dot name, attrs)]
    for t in trace.tensors:
        if t.id in hidden:
            continue
        if t.id in const_names:
            uses = const_names[t.id]
            for k, (target, name) in enumerate(uses.items()):
                home = home_of_node(int(target[1:])) if target.startswith("n") else scopes[int(target[1:])].parent
                items.setdefault(home, []).append((name, {
                    "label": _table(_constant_use_rows(t, k + 1, len(uses))), "shape": "box",
                    "style": "rounded,filled", "fillcolor": COLOURS["constant"], "fontsize": "9",
                    "margin": "0.04,0.02"}))
            continue
        grad = held.get(t.id) if held is not None else t.grad
        returned = t.returned_as is not None
        fill = COLOURS["output"] if t.id in outputs else COLOURS[t.role]
        attrs = {"label": _table(_tensor_rows(t, grad, show_grads, returned, seeds.get(t.id))), "shape": "box",
                 "style": "rounded,filled", "fillcolor": fill,
                 "color": COLOURS["returned"] if returned else "black",
                 "penwidth": "3" if returned else "1"}
        if t.id in outputs:
            attrs["peripheries"] = "2"
        if t.name and is_cut(t.name):
            attrs["tooltip"] = tooltip(t.name)
        items.setdefault(home_of_tensor(t), []).append((f"t{t.id}", attrs))
    boxes_done: set[int] = set()
    for n in trace.nodes:
        b = node_box[n.id]
        state = ("running" if running is not None and item(running) == item(n.id)
                 else "done" if n.id in done else None)
        if b is None:
            attrs_text = ", ".join(f"{k}={v}" for k, v in n.attrs.items() if v not in (False, None, ""))
            rows = [f"<B>{label_text(short(n.op))}</B>"]
            if attrs_text:
                rows.append(f'<FONT POINT-SIZE="9">{label_text(attrs_text[:60])}</FONT>')
            attrs = {"label": _table(rows), "shape": "ellipse", "style": "filled",
                     "fillcolor": COLOURS[state] if state else COLOURS["primitive"]}
            items.setdefault(home_of_node(n.id), []).append((f"n{n.id}", attrs))
        elif b not in boxes_done:
            boxes_done.add(b)
            ops = [m.op for m in trace.nodes if node_box[m.id] == b]
            s = scopes[b]
            rows = [f"<B>{label_text(short(s.path or s.cell))}</B> <FONT POINT-SIZE=\"10\">"
                    f"({label_text(short(s.cell))}, collapsed)</FONT>",
                    f'<FONT POINT-SIZE="9">{label_text(", ".join(ops[:6]) + (" …" if len(ops) > 6 else ""))}'
                    f"</FONT>"]
            attrs = {"label": _table(rows), "shape": "box3d", "style": "filled",
                     "fillcolor": COLOURS[state] if state else COLOURS["cell"]}
            if is_cut(s.path or s.cell):
                attrs["tooltip"] = tooltip(s.path or s.cell)
            items.setdefault(scopes[b].parent, []).append((f"c{b}", attrs))
        elif state == "running":  # the box was drawn before this node: recolour it
            for lst in items.values():
                for name, attrs in lst:
                    if name == f"c{b}":
                        attrs["fillcolor"] = COLOURS["running"]

    # nslimit bounds dot's network-simplex passes: small graphs come out the same, and a parameter
    # shared by 40 RNN steps lays out in 2 s instead of 17 s.
    g = graphviz.Digraph("mini_autograd", graph_attr={"rankdir": "TB", "fontname": "Helvetica",
                                                      "nodesep": "0.3", "ranksep": "0.35", "nslimit": "5"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    children: dict[int, list[int]] = {}
    for s in trace.scopes:
        if s.parent >= 0:
            children.setdefault(s.parent, []).append(s.id)

    def has_items(sid: int) -> bool:
        return bool(items.get(sid)) or any(has_items(c) for c in children.get(sid, []) if box_of.get(c) is None)

    def emit(graph: Any, sid: int) -> None:
        for name, attrs in items.get(sid, []):
            graph.node(name, **attrs)
        for c in children.get(sid, []):
            if box_of.get(c) is not None or not has_items(c):
                continue
            s = scopes[c]
            title = s.cell if not s.path else f"{s.path} ({s.cell})"
            with graph.subgraph(name=f"cluster_s{c}") as sub:
                sub.attr(label=f"<<FONT POINT-SIZE=\"10\">{label_text(short(title))}</FONT>>", style="rounded,dashed",
                         color="#888888", labeljust="l")
                if is_cut(title):
                    sub.attr(tooltip=tooltip(title))
                emit(sub, c)

    emit(g, 0)

    drawn_box_edges: set[tuple[str, str]] = set()
    n_edges = 0
    for n in trace.nodes:
        target = item(n.id)
        for i in n.inputs:
            if i in hidden:
                continue
            src = tensor_item(i, target)
            if target.startswith("c"):
                if (src, target) in drawn_box_edges:
                    continue
                drawn_box_edges.add((src, target))
            g.edge(src, target)
            n_edges += 1
        if n.output not in hidden:
            g.edge(target, f"t{n.output}")
            n_edges += 1

    if frame is not None and frame.node is not None:
        src = item(frame.node)
        for e in frame.edges:
            if e.grad is None or e.tensor in hidden:
                continue
            text = f"grad {one_line(e.grad)}" + (" (+= accumulated)" if e.accumulated else "")
            g.edge(src, tensor_item(e.tensor, src), label=f"<<FONT COLOR=\"{COLOURS['grad']}\">{label_text(text)}</FONT>>",
                   style="dashed", color=COLOURS["grad"], penwidth="2", constraint="false")
            n_edges += 1
    if legend:
        g.node("legend", label=_legend(frame is not None), shape="plaintext")
    # For viz.render.to_svg: the size it checks against its limits, and how to draw less.
    g.size_counts = (sum(len(v) for v in items.values()), n_edges)
    g.see_less = _see_less(trace, collapsed, scopes, node_box)
    return g


def _see_less(trace: Trace, collapsed: frozenset, scopes: dict, node_box: dict) -> str:
    """How to draw less of ``trace``: the biggest cells still open, to collapse or draw alone."""
    open_cells = set(cell_paths(trace)) - collapsed
    sizes: dict[str, int] = {}
    for n in trace.nodes:
        if node_box[n.id] is not None:
            continue
        sid, outer = n.scope, None  # the outermost open cell around the node
        while sid in scopes:
            if scopes[sid].path in open_cells and scopes[sid].cell and scopes[sid].parent > 0:
                outer = scopes[sid].path
            sid = scopes[sid].parent
        if outer is not None:
            sizes[outer] = sizes.get(outer, 0) + 1
    biggest = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    if not biggest:
        return ("To see less: this network has no open sub-cells to collapse, so draw a smaller call (fewer "
                "steps or layers), or put part of it in a sub-cell and draw that cell's own "
                "ForwardValueAndGrad.")
    names = ", ".join(f"{p!r} ({k} primitives)" for p, k in biggest)
    example = "{" + ", ".join(repr(p) for p, _ in biggest) + "}"
    return (f"To see less: collapse the biggest cells, draw_graph(fvg, collapse={short(example, 120)}) (or press "
            f"their collapse buttons); open cells: {short(names, 240)}. Or draw a sub-cell on its own: "
            f"nn.ForwardValueAndGrad(net.<cell>) called with that cell's inputs.")


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
        try:
            return {"image/svg+xml": self.svg, "text/plain": f"<GraphView: {len(self.trace.nodes)} primitives>"}
        except GraphRenderError as e:
            return {"image/svg+xml": message_svg(e), "text/plain": str(e)}


def draw_graph(source: Any, collapse: Any = None, show_grads: bool = True, legend: bool = True) -> GraphView:
    """The computation graph of a Trace or of a ForwardValueAndGrad's last call, for display.

    ``collapse``: cell paths (``{"fc1"}``) drawn as one box each.
    """
    if not isinstance(show_grads, bool):
        raise TypeError(f"For 'draw_graph', the argument 'show_grads' should be bool, but got "
                        f"{type(show_grads).__name__}.")
    return GraphView(as_trace(source, "draw_graph"), collapse=collapse, show_grads=show_grads, legend=legend)
