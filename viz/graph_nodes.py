"""The DOT nodes of a drawn graph: tensors, primitives, collapsed cells and constant uses, each with
its label, placed in the cluster of the cell that made it (see viz.graph_layout).

Every user-visible name reaches a label through ``label_text`` (escaped) and ``short`` (capped), here.
"""
from __future__ import annotations

from typing import Any

import graphviz

from .graph_layout import BACKWARD_PASS, Layout, backward_title
from .text import is_cut, label_text, one_line, preview, short, tensor_label, tooltip

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
    # A recorded backward pass (higher order): its cluster, and the forward values its vjps read.
    "backward": "#fff2e0",
    "backward_border": "#b45f06",
    "reads": "#b45f06",
    # stop_gradient: its node, and the edge into it, along which no gradient goes back
    "stop": "#ea9999",
}
STOP_GRADIENT = "StopGradient"


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


def legend_label(flow: bool, backward: bool = False, stop: bool = False) -> str:
    """The legend's HTML label; ``flow`` adds the marks of the gradient-flow view, ``backward`` those
    of a recorded backward pass, ``stop`` that of stop_gradient (each drawn only where the trace has one)."""
    def row(colour: str, text: str, border: str = "black") -> str:
        return (f'<TR><TD BGCOLOR="{colour}" COLOR="{border}" BORDER="1" WIDTH="18"> </TD>'
                f'<TD ALIGN="LEFT"><FONT POINT-SIZE="10">{text}</FONT></TD></TR>')
    rows = [row(COLOURS["input"], "input (construct argument)"), row(COLOURS["parameter"], "parameter"),
            row(COLOURS["constant"], "constant"), row(COLOURS["intermediate"], "intermediate tensor"),
            row(COLOURS["output"], "network output"), row(COLOURS["primitive"], "primitive (one vjp)"),
            row(COLOURS["cell"], "collapsed cell"),
            row("#ffffff", "gradient returned by the call", COLOURS["returned"])]
    if backward:
        rows += [row(COLOURS["backward"], "recorded backward pass: the gradient's own graph",
                     COLOURS["backward_border"]),
                 row(COLOURS["reads"], "bold orange edge: a forward value its vjps read", COLOURS["reads"])]
    if stop:
        rows.append(row(COLOURS["stop"], "stop_gradient: the value passes, no gradient goes back "
                        "(edge ending in a bar)", COLOURS["grad"]))
    if flow:
        rows += [row(COLOURS["running"], "vjp running at this step"), row(COLOURS["done"], "vjp already ran"),
                 row("#ffffff", "dashed red edge: gradient sent at this step", COLOURS["grad"])]
    return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>")


def _tensor_items(plan: Layout, frame: Any, show_grads: bool, items: dict) -> None:
    trace, scopes = plan.trace, plan.scopes
    held = frame.held if frame is not None else None
    given = bool(trace.flags.get("sens_param"))
    seeds = {slot: (sens, given) for slot, sens in zip(dict.fromkeys(trace.outputs), trace.sens)}
    for t in trace.tensors:
        if t.id in plan.hidden:
            continue
        if t.id in plan.const_uses:
            uses = plan.const_uses[t.id]
            for k, (target, name) in enumerate(uses.items()):
                home = (plan.home_of_node(int(target[1:])) if target.startswith("n")
                        else scopes[int(target[1:])].parent)
                items.setdefault(home, []).append((name, {
                    "label": _table(_constant_use_rows(t, k + 1, len(uses))), "shape": "box",
                    "style": "rounded,filled", "fillcolor": COLOURS["constant"], "fontsize": "9",
                    "margin": "0.04,0.02"}))
            continue
        grad = held.get(t.id) if held is not None else t.grad
        returned = t.returned_as is not None
        fill = COLOURS["output"] if t.id in plan.outputs else COLOURS[t.role]
        attrs = {"label": _table(_tensor_rows(t, grad, show_grads, returned, seeds.get(t.id))), "shape": "box",
                 "style": "rounded,filled", "fillcolor": fill,
                 "color": COLOURS["returned"] if returned else "black",
                 "penwidth": "3" if returned else "1"}
        if t.id in plan.outputs:
            attrs["peripheries"] = "2"
        if t.name and is_cut(t.name):
            attrs["tooltip"] = tooltip(t.name)
        items.setdefault(plan.home_of_tensor(t), []).append((f"t{t.id}", attrs))


def _primitive_items(plan: Layout, frame: Any, items: dict) -> None:
    """A primitive as an ellipse, or its collapsed cell as one box (drawn at its first primitive)."""
    trace, scopes = plan.trace, plan.scopes
    done = frame.done if frame is not None else frozenset()
    running = frame.node if frame is not None else None
    boxes_done: set[int] = set()
    for n in trace.nodes:
        b = plan.node_box[n.id]
        state = ("running" if running is not None and plan.item(running) == plan.item(n.id)
                 else "done" if n.id in done else None)
        if b is None:
            attrs_text = ", ".join(f"{k}={v}" for k, v in n.attrs.items() if v not in (False, None, ""))
            rows = [f"<B>{label_text(short(n.op))}</B>"]
            if attrs_text:
                rows.append(f'<FONT POINT-SIZE="9">{label_text(attrs_text[:60])}</FONT>')
            attrs = {"label": _table(rows), "shape": "ellipse", "style": "filled",
                     "fillcolor": COLOURS[state] if state else COLOURS["primitive"]}
            if n.op == STOP_GRADIENT:  # where the gradient stops: an octagon, a stop sign
                rows.append(f'<FONT POINT-SIZE="9" COLOR="{COLOURS["grad"]}">no gradient back</FONT>')
                attrs.update(label=_table(rows), shape="octagon", color=COLOURS["grad"],
                             fillcolor=COLOURS[state] if state else COLOURS["stop"])
            items.setdefault(plan.home_of_node(n.id), []).append((f"n{n.id}", attrs))
        elif b not in boxes_done:
            boxes_done.add(b)
            ops = [m.op for m in trace.nodes if plan.node_box[m.id] == b]
            s = scopes[b]
            backward = s.cell == BACKWARD_PASS
            name, kind = ((backward_title(s.path), "collapsed") if backward
                          else (s.path or s.cell, f"{s.cell}, collapsed"))
            rows = [f"<B>{label_text(short(name))}</B> <FONT POINT-SIZE=\"10\">({label_text(short(kind))})</FONT>",
                    f'<FONT POINT-SIZE="9">{label_text(", ".join(ops[:6]) + (" …" if len(ops) > 6 else ""))}'
                    f"</FONT>"]
            attrs = {"label": _table(rows), "shape": "box3d", "style": "filled",
                     "fillcolor": COLOURS[state] if state else COLOURS["backward" if backward else "cell"]}
            if is_cut(s.path or s.cell):
                attrs["tooltip"] = tooltip(s.path or s.cell)
            items.setdefault(scopes[b].parent, []).append((f"c{b}", attrs))
        elif state == "running":  # the box was drawn before this node: recolour it
            for lst in items.values():
                for name, attrs in lst:
                    if name == f"c{b}":
                        attrs["fillcolor"] = COLOURS["running"]


def add_nodes(g: graphviz.Digraph, plan: Layout, frame: Any, show_grads: bool) -> int:
    """Add every drawn node of ``plan`` to ``g``, each open cell as a dashed cluster; returns how
    many nodes were added. With a ``frame``, tensors show the gradient held at that step and the
    primitive whose vjp runs (and those that ran) are coloured."""
    items: dict[int, list[tuple[str, dict]]] = {}  # home scope -> [(dot name, attrs)], tensors first
    _tensor_items(plan, frame, show_grads, items)
    _primitive_items(plan, frame, items)
    children: dict[int, list[int]] = {}
    for s in plan.trace.scopes:
        if s.parent >= 0:
            children.setdefault(s.parent, []).append(s.id)

    def has_items(sid: int) -> bool:
        return bool(items.get(sid)) or any(has_items(c) for c in children.get(sid, [])
                                           if plan.box_of.get(c) is None)

    def emit(graph: Any, sid: int) -> None:
        for name, attrs in items.get(sid, []):
            graph.node(name, **attrs)
        for c in children.get(sid, []):
            if plan.box_of.get(c) is not None or not has_items(c):
                continue
            s = plan.scopes[c]
            with graph.subgraph(name=f"cluster_s{c}") as sub:
                if s.cell == BACKWARD_PASS:  # the gradient is a computation too: drawn apart, filled
                    title = backward_title(s.path)
                    sub.attr(label=f'<<FONT POINT-SIZE="11" COLOR="{COLOURS["backward_border"]}"><B>'
                                   f"{label_text(short(title))}</B></FONT>>", style="rounded,filled",
                             fillcolor=COLOURS["backward"], color=COLOURS["backward_border"], penwidth="2",
                             labeljust="l")
                else:
                    title = s.cell if not s.path else f"{s.path} ({s.cell})"
                    sub.attr(label=f"<<FONT POINT-SIZE=\"10\">{label_text(short(title))}</FONT>>",
                             style="rounded,dashed", color="#888888", labeljust="l")
                if is_cut(title):
                    sub.attr(tooltip=tooltip(title))
                emit(sub, c)

    emit(g, 0)
    return sum(len(v) for v in items.values())
