"""The backward pass as frames, for the gradient-flow view.

Frame 0 is the seed: each output holds its sensitivity. Frame k (k >= 1) is after the k-th vjp of
Trace.steps: which node ran, the gradient that arrived at its output, what it sent along each input
edge (and whether that was added to a gradient already there), and the gradient every tensor holds
so far. Pure data from the Trace; viz.graph draws a frame and viz.flow_widget steps through them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mini_autograd.trace import Trace

from .graph import as_trace, one_line, tensor_label


@dataclass(frozen=True)
class EdgeFlow:
    tensor: int  # the input tensor the gradient was sent to
    position: int  # which input of the node
    grad: np.ndarray | None  # None where the primitive sends no gradient (an integer input, say)
    accumulated: bool  # True where the tensor already held a gradient and this one was added


@dataclass(frozen=True)
class Frame:
    index: int  # 0: the seed; k: after the k-th vjp
    node: int | None  # the node whose vjp ran (None for the seed)
    op: str
    dout: np.ndarray | None  # gradient that arrived at the node's output
    edges: tuple  # EdgeFlow per input of the node
    held: dict  # tensor id -> gradient held after this frame
    done: frozenset  # nodes whose vjp ran before this frame
    caption: str


def frames(source: object) -> list[Frame]:
    """Every frame of the backward pass of ``source`` (a Trace or a called ForwardValueAndGrad)."""
    trace: Trace = as_trace(source, "frames")
    tensors = {t.id: t for t in trace.tensors}
    held: dict[int, np.ndarray] = {}
    for slot, sens in zip(dict.fromkeys(trace.outputs), trace.sens):
        held[slot] = sens
    seeds = "; ".join(f"{tensor_label(tensors[s])} <- {one_line(g)}" for s, g in held.items())
    kind = "given by the caller (sens_param=True)" if trace.flags.get("sens_param") else "ones"
    out = [Frame(0, None, "", None, (), dict(held), frozenset(),
                 f"seed: the sensitivity (sens), {kind}, is placed on the output: {seeds}; no vjp has run yet")]
    done: set[int] = set()
    for step in trace.steps:
        node = trace.nodes[step.node]
        edges = []
        held = dict(held)
        for pos, (slot, g, acc) in enumerate(zip(node.inputs, step.grads, step.accumulated)):
            edges.append(EdgeFlow(slot, pos, g, bool(acc)))
            if g is not None:
                held[slot] = g if slot not in held else held[slot] + g
        sent = "; ".join(
            f"{tensor_label(tensors[e.tensor])} {'+=' if e.accumulated else '<-'} {one_line(e.grad)}"
            for e in edges if e.grad is not None) or "nothing"
        caption = (f"step {step.index + 1}/{len(trace.steps)}: vjp of {node.op} (node {node.id}) received "
                   f"dout {one_line(step.dout)} and sent: {sent}")
        out.append(Frame(step.index + 1, node.id, node.op, step.dout, tuple(edges), held,
                         frozenset(done), caption))
        done.add(node.id)
    return out
