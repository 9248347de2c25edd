"""The tape (a Wengert list): every primitive run while recording appends one Node.

Recording order is already a topological order, so backward.py walks the nodes in reverse with a
plain loop. Tensors are numbered by *slot*, in the order the tape first meets them; a slot's value
is the array the tensor held. Leaves (inputs, parameters, constants) are marked as such. A finished
tape is the call's Graph (``Tape.finish``), which GRAPH_MODE keeps and compiles.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from .context import recording_state
from .tensors import Parameter, Tensor


class Node:
    """One primitive application: ``values[output] = prim.forward(*values[inputs], **attrs)``."""

    __slots__ = ("prim", "attrs", "inputs", "output", "scope")

    def __init__(self, prim: Any, attrs: dict, inputs: tuple, output: int, scope: int) -> None:
        self.prim = prim
        self.attrs = attrs
        self.inputs = inputs
        self.output = output
        self.scope = scope


class Leaf:
    """Where a leaf slot's value comes from: input i, a Parameter (read afresh on replay) or a constant."""

    __slots__ = ("role", "index", "param")

    def __init__(self, role: str, index: int = -1, param: Parameter | None = None) -> None:
        self.role = role  # "input" | "parameter" | "constant"
        self.index = index  # position among the network's inputs, for role "input"
        self.param = param


class Tape:
    """Nodes in recording order, the value of every slot, and which slots are leaves.

    A finished tape is the call's Graph (``finish``): the same object, with where its outputs are.
    PYNATIVE_MODE sweeps it and lets it go; GRAPH_MODE keeps it per input signature (without its
    values) and compiles it (compile.py)."""

    __slots__ = ("nodes", "values", "leaves", "scopes", "scope", "tensors", "slot_of", "input_slots",
                 "param_slots", "constants", "nbytes", "originals", "captured", "outputs", "out_slots", "tree",
                 "size", "cache")

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.values: list = []  # slot -> backend array
        self.leaves: dict[int, Leaf] = {}  # slot -> Leaf
        self.scopes: list = [(None, -1)]  # scope id -> (cell, parent scope id); 0 is "outside any cell"
        self.scope = 0
        self.tensors: list = []  # keeps recorded Tensors alive, so that their ids stay unique
        self.slot_of: dict[int, int] = {}  # id(tensor) -> slot
        self.input_slots: dict[int, int] = {}  # input position -> slot
        self.param_slots: dict[int, int] = {}  # id(parameter) -> slot
        self.constants: list = []  # (slot, value): kept by a GRAPH_MODE graph, the same on every replay
        # GRAPH_MODE's trace: id(argument as the caller passed it) -> its input slot, and the Tensors
        # construct read from outside (graph_mode.GraphCache keys on them); None when not tracing
        self.originals: dict | None = None
        self.captured: list = []
        self.nbytes = 0  # what the nodes' outputs hold
        # set by finish: the output slot (or a tuple of them), how they nest (returned.output_tree; None
        # when flat), the number of slots, and what a runner works out once for a kept graph
        self.outputs: Any = None
        self.out_slots: tuple = ()  # the same as a tuple
        self.tree: Any = None
        self.size = 0
        self.cache: dict = {}

    def add_input(self, tensor: Tensor, index: int) -> int:
        slot = self.input_slots[index] = self.slot_of[id(tensor)] = len(self.values)
        self.values.append(tensor._data)
        self.tensors.append(tensor)
        self.leaves[slot] = Leaf("input", index)
        return slot

    def slot(self, tensor: Tensor) -> int:
        """The tensor's slot; a tensor met for the first time is a parameter or a constant leaf."""
        slot = self.slot_of.get(id(tensor))
        if slot is not None:
            return slot
        if isinstance(tensor, Parameter):
            slot = self.param_slots[id(tensor)] = self._new_slot(tensor)
            self.leaves[slot] = Leaf("parameter", -1, tensor)
            return slot
        if self.originals is not None:  # GRAPH_MODE traces with each argument in a fresh Tensor
            self.captured.append(tensor)
            slot = self.originals.get(id(tensor))
            if slot is not None:  # the argument itself, read from outside: one tensor, as PYNATIVE
                self.tensors.append(tensor)
                self.slot_of[id(tensor)] = slot
                return slot
        slot = self._new_slot(tensor)
        self.leaves[slot] = Leaf("constant")
        self.constants.append((slot, tensor._data))
        return slot

    def _new_slot(self, tensor: Tensor) -> int:
        slot = len(self.values)
        self.values.append(tensor._data)
        self.tensors.append(tensor)
        self.slot_of[id(tensor)] = slot
        return slot

    def record(self, prim: Any, attrs: dict, inputs: tuple, output: Tensor) -> None:
        """Append the Node ``output = prim.forward(*inputs, **attrs)``."""
        in_slots = tuple(map(self.slot_of.get, map(id, inputs)))
        if None in in_slots:  # a parameter or a constant met for the first time
            in_slots = tuple([self.slot(t) for t in inputs])
        slot_of = self.slot_of
        out = slot_of[id(output)] = len(self.values)
        self.values.append(output._data)
        self.tensors.append(output)
        self.nbytes += output._data.nbytes
        self.nodes.append(Node(prim, attrs, in_slots, out, self.scope))

    def finish(self, outputs: Any, tree: Any = None) -> Tape:
        """The recording is over: the tape is the call's Graph, its outputs at ``outputs``."""
        self.outputs, self.tree, self.size = outputs, tree, len(self.values)
        self.out_slots = outputs if isinstance(outputs, tuple) else (outputs,)
        return self

    def enter(self, cell: Any) -> int:
        """Open a scope for a Cell's construct, so viz can draw (and collapse) it as one box; returns
        the scope to go back to with ``leave``."""
        previous = self.scope
        self.scopes.append((cell, previous))
        self.scope = len(self.scopes) - 1
        return previous

    def leave(self, previous: int) -> None:
        self.scope = previous


class BackwardPass:
    """The scope an outer tape puts a recorded backward pass in (nested.py), in place of a Cell, so
    viz draws it as a box of its own beside the forward pass it reads; ``label`` names the transform."""

    def __init__(self, who: str) -> None:
        self.label = f"backward of {who}"


class NestedTape(Tape):
    """The tape of a gradient transform called while another one records (higher order, nested.py):
    what it records is recorded on the outer tape too, so the outer transform sees this one's
    forward pass and can differentiate through it."""

    __slots__ = ("outer", "outer_scopes")

    def __init__(self, outer: Tape) -> None:
        super().__init__()
        self.outer = outer
        self.outer_scopes: list = []  # the outer tape's scope to go back to, per cell entered

    # A cell's scope is opened on the outer tape too: there the inner network's forward pass is drawn
    # in its own cells' boxes, beside the box of the backward pass that reads it.
    def enter(self, cell: Any) -> int:
        self.outer_scopes.append(self.outer.enter(cell))
        return Tape.enter(self, cell)

    def leave(self, previous: int) -> None:
        Tape.leave(self, previous)
        self.outer.leave(self.outer_scopes.pop())

    def record(self, prim: Any, attrs: dict, inputs: tuple, output: Tensor) -> None:
        Tape.record(self, prim, attrs, inputs, output)
        self.outer.record(prim, attrs, inputs, output)



# What this thread is recording (``state.active``, ``state.tracing``): defined in context.py, below
# tensors.py, which reads ``tracing``; tape.state is that same object.
state = recording_state


@contextmanager
def recording(tape: Tape) -> Iterator[Tape]:
    """Record on ``tape`` every primitive this thread runs inside the ``with`` block (what the
    gradient transforms do around a network's call; notebook 06 does it by hand)."""
    previous = state.active
    state.active = tape
    try:
        yield tape
    finally:
        state.active = previous


def __getattr__(name: str) -> Any:
    """``tape.active`` and ``tape.tracing`` read the calling thread's recording state."""
    if name in ("active", "tracing"):
        return getattr(state, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
