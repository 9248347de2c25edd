"""The backward pass as frames, for the gradient-flow view.

Frame 0 is the seed: each output holds its sensitivity. Frame k (k >= 1) is after the k-th vjp of
Trace.steps: which node ran, the gradient that arrived at its output, what it sent along each input
edge (and whether that was added to a gradient already there), and the gradient every tensor holds
so far. Pure data from the Trace; viz.graph draws a frame and viz.flow_widget steps through them.
Frames share one history of what each step changed (``held`` and ``done`` are read-only views).
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
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
    held: Mapping  # tensor id -> gradient held after this frame (Held: a view, read-only)
    done: AbstractSet  # nodes whose vjp ran before this frame (Done: a view, read-only)
    caption: str


class _History:
    """Every gradient a tensor held during the pass, with the frame it arrived at: each frame adds
    only what its vjp changed, so all frames together are linear in the pass (a copy of the held
    dict per frame was quadratic: 2,000 steps took 1.2 GB)."""

    def __init__(self) -> None:
        self.at: dict = {}  # tensor id -> ([frame indices], [gradients])
        self.order: list = []  # tensor ids by the frame they first held a gradient at ...
        self.first: list = []  # ... and that frame

    def put(self, k: int, slot: int, grad: np.ndarray) -> None:
        if slot not in self.at:
            self.at[slot] = ([], [])
            self.order.append(slot)
            self.first.append(k)
        frames, grads = self.at[slot]
        if frames and frames[-1] == k:
            grads[-1] = grad
        else:
            frames.append(k)
            grads.append(grad)


class Held(Mapping):
    """The gradient each tensor holds after frame ``k``, read from the pass's history."""

    def __init__(self, history: _History, k: int) -> None:
        self._h, self._k = history, k

    def __getitem__(self, slot: int) -> np.ndarray:
        frames, grads = self._h.at.get(slot, ((), ()))
        i = bisect_right(frames, self._k)
        if not i:
            raise KeyError(slot)
        return grads[i - 1]

    def __iter__(self) -> Iterator[int]:
        return iter(self._h.order[:len(self)])

    def __len__(self) -> int:
        return bisect_right(self._h.first, self._k)


class Done(AbstractSet):
    """The nodes whose vjp ran before frame ``k``: the first k - 1 steps' nodes."""

    def __init__(self, nodes: list, step_of: dict, k: int) -> None:
        self._nodes, self._step_of, self._n = nodes, step_of, max(k - 1, 0)

    def __contains__(self, node: object) -> bool:
        return self._step_of.get(node, self._n) < self._n

    def __iter__(self) -> Iterator[int]:
        return iter(self._nodes[:self._n])

    def __len__(self) -> int:
        return self._n


def frames(source: object) -> list[Frame]:
    """Every frame of the backward pass of ``source`` (a Trace or a called ForwardValueAndGrad)."""
    trace: Trace = as_trace(source, "frames")
    tensors = {t.id: t for t in trace.tensors}
    history = _History()
    for slot, sens in zip(dict.fromkeys(trace.outputs), trace.sens):
        history.put(0, slot, sens)
    seeds = "; ".join(f"{tensor_label(tensors[s])} <- {one_line(g)}" for s, g in Held(history, 0).items())
    kind = "given by the caller (sens_param=True)" if trace.flags.get("sens_param") else "ones"
    nodes = [trace.nodes[step.node].id for step in trace.steps]
    step_of: dict = {}
    for i, n in enumerate(nodes):
        step_of.setdefault(n, i)
    out = [Frame(0, None, "", None, (), Held(history, 0), Done(nodes, step_of, 0),
                 f"seed: the sensitivity (sens), {kind}, is placed on the output: {seeds}; no vjp has run yet")]
    for step in trace.steps:
        k = step.index + 1
        node = trace.nodes[step.node]
        edges = []
        for pos, (slot, g, acc) in enumerate(zip(node.inputs, step.grads, step.accumulated)):
            edges.append(EdgeFlow(slot, pos, g, bool(acc)))
            if g is not None:
                before = Held(history, k)
                history.put(k, slot, g if slot not in before else before[slot] + g)
        sent = "; ".join(
            f"{tensor_label(tensors[e.tensor])} {'+=' if e.accumulated else '<-'} {one_line(e.grad)}"
            for e in edges if e.grad is not None) or "nothing"
        caption = (f"step {step.index + 1}/{len(trace.steps)}: vjp of {node.op} (node {node.id}) received "
                   f"dout {one_line(step.dout)} and sent: {sent}")
        out.append(Frame(k, node.id, node.op, step.dout, tuple(edges), Held(history, k),
                         Done(nodes, step_of, k), caption))
    return out
