"""Memory for large networks: let go of the values no vjp reads, and compute them again on demand.

Fenced off from the sweep (backward.py) on purpose: it changes no result, only how much memory a
large call holds. A Dense layer's MatMul product and bias sum are read by no vjp (only their shapes
are), so a 4x1024 MLP's step can hand them back before its backward pass; a Trace, which shows every
value, computes them again (primitives are pure functions). Small calls keep everything.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

# Below this many bytes of intermediate values a call keeps them all: the bookkeeping would cost
# more than the memory is worth (the document's example holds a few dozen bytes).
RELEASE_ABOVE_BYTES = 4 << 20


class Unread:
    """Stands in for a value no vjp reads, let go before a large backward pass: only its shape and
    dtype remain, which is all the sweep asks of it. ``recompute`` brings the values back."""

    __slots__ = ("shape", "dtype")

    def __init__(self, value: Any) -> None:
        self.shape, self.dtype = value.shape, value.dtype


def unread_slots(nodes: Sequence, outputs: tuple) -> list:
    """Node outputs that no vjp reads (only their shapes): a MatMul's product feeding a bias Add,
    the Add's sum feeding a ReLU, ... The network's outputs are returned, so they are kept."""
    read = set(outputs)
    for node in nodes:
        if "out" in node.prim.vjp_reads:
            read.add(node.output)
        if "inputs" in node.prim.vjp_reads:
            read.update(node.inputs)
    return [node.output for node in nodes if node.output not in read]


def release_unread(values: list, slots: Iterable[int]) -> None:
    """Replace the values at ``slots`` by their shape and dtype, so their memory can be reused."""
    for s in slots:
        values[s] = Unread(values[s])


def release_outputs(values: list, nodes: Sequence) -> None:
    """Let every node's output go (a finished call's, before the next call makes its own: their
    memory is reused rather than handed back to the system and faulted in again)."""
    for node in nodes:
        if not isinstance(values[node.output], Unread):
            values[node.output] = Unread(values[node.output])


def recompute(xp: Any, nodes: Sequence, values: list) -> list:
    """The values with every released one computed again (primitives are pure functions)."""
    if not any(isinstance(v, Unread) for v in values):
        return values
    values = list(values)
    for node in nodes:
        if isinstance(values[node.output], Unread):
            values[node.output] = node.prim.forward(xp, *[values[s] for s in node.inputs], **node.attrs)
    return values
