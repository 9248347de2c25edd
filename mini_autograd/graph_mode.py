"""GRAPH_MODE: a tape kept as a static graph, traced once per input signature and replayed.

Tracing runs ``construct`` once while recording, with reading a tensor's value forbidden (a Python
``if`` on a tensor cannot be recorded; tensor.py raises and points to PYNATIVE_MODE). Replaying
fills the leaves -- inputs from the call, parameters with their current values, constants as
recorded -- and runs each node's forward in tape order, without calling ``construct`` again.
"""
from __future__ import annotations

from typing import Any

from .tape import Tape
from .tensor import Tensor


_SCALARS = (bool, int, float, str, type(None))


def signature(args: tuple, extra: tuple) -> tuple | None:
    """What a graph is specialised on: each Tensor argument's shape, dtype and device, each Python
    scalar argument's type and value, plus ``extra``. The device is part of it so that a tensor
    from another device is traced anew, and meets the same-device check of ops/primitive.apply,
    instead of being replayed into kernels. None when an argument is neither (a list, an array):
    such a call cannot be keyed safely, so it is traced afresh and not kept."""
    key = []
    for a in args:
        if isinstance(a, Tensor):
            key.append((a._data.shape, a._data.dtype, a._backend))
        elif isinstance(a, _SCALARS):
            key.append((type(a), repr(a)))
        else:
            return None
    return tuple(key) + extra


class Graph:
    """A finished tape: nodes, leaves, where the outputs are and the constants' values (the other
    values come from each replay)."""

    __slots__ = ("nodes", "size", "inputs", "params", "constants", "scopes", "outputs", "leaves",
                 "input_slots", "param_slots", "cache", "nbytes")

    def __init__(self, tape: Tape, outputs: tuple) -> None:
        self.nodes = tape.nodes
        self.size = len(tape.values)
        self.leaves = tape.leaves
        self.scopes = tape.scopes
        self.outputs = outputs
        self.input_slots = tape.inputs  # input position -> slot
        self.param_slots = tape.params  # id(parameter) -> slot
        self.nbytes = tape.nbytes  # what the nodes' outputs hold, the same on every replay
        self.cache: dict = {}  # what the call works out from the static graph (see grad.GradRunner)
        self.inputs = [(s, leaf.index) for s, leaf in tape.leaves.items() if leaf.role == "input"]
        self.params = [(s, leaf.param) for s, leaf in tape.leaves.items() if leaf.role == "parameter"]
        self.constants = [(s, tape.values[s]) for s, leaf in tape.leaves.items() if leaf.role == "constant"]

    def replay(self, xp: Any, args: tuple) -> list:
        """Values of every slot for new inputs and the parameters' current values."""
        values: list = [None] * self.size
        for slot, index in self.inputs:
            values[slot] = args[index]._data
        for slot, param in self.params:
            values[slot] = param._data
        for slot, value in self.constants:
            values[slot] = value
        for node in self.nodes:
            values[node.output] = node.prim.forward(xp, *[values[s] for s in node.inputs], **node.attrs)
        return values
