"""The Graph (a frozen tape, in both modes) and GRAPH_MODE: traced once per input signature, then compiled.

Tracing runs ``construct`` once while recording (a Python ``if`` on a tensor's value is refused). A
runner keeps at most CACHE_SIZE graphs (LRU), each with the Plan its later calls follow; CompiledCalls
calls the code compile.py made, refilling inputs and parameters. A Python number argument is a
constant of its graph, as in MindSpore: another value is another graph.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .tape import Tape
from .tensors import Parameter, Tensor

# Graphs one runner keeps (one per input signature). Past it the least recently used is dropped and
# traced again if it comes back: a long session with ever new shapes holds at most this many.
CACHE_SIZE = 64

# Bumped by nn.Cell when what construct records may change: a Parameter or sub-cell assigned,
# replaced or deleted (``structure``: a runner looks at its network again and empties its cache if
# that changed) or a training flag changed by set_train (``training``: the flags are part of the
# key). See GraphCache.look_again.
structure = 0
training = 0


def structure_changed() -> None:
    global structure
    structure += 1


def training_changed() -> None:
    global training
    training += 1


_SCALARS = (bool, int, float, str, type(None))


def signature(args: tuple, extra: tuple) -> tuple | None:
    """What a graph is specialised on: each Tensor argument's shape, dtype and device (and, for a
    Parameter, which one: construct may also read it as an attribute), each Python number's type
    and value (a constant of the graph, as in MindSpore: another value traces anew), plus
    ``extra``. The device is part of it so that a tensor from another device is traced anew, and
    meets the same-device check of ops/primitive.apply, instead of being replayed into kernels.
    None when an argument is none of these (a list, an array): such a call cannot be keyed
    safely, so it is traced afresh and not kept."""
    key = []
    for a in args:
        kind = type(a)
        if kind is Tensor:
            key.append((a._data.shape, a._data.dtype, a._backend))
        elif isinstance(a, Tensor):
            key.append((a._data.shape, a._data.dtype, a._backend, id(a)))
        elif isinstance(a, _SCALARS):
            key.append((kind, repr(a)))
        else:
            return None
    return tuple(key) + extra


class Graph:
    """A finished tape, frozen: the middle of the chain Tape (recording) -> Graph -> Trace, in both
    modes. Nodes, leaves, where the outputs are, the slots of the inputs and parameters, and the
    constants' slots (``constants`` keep their values; the other values come from each replay).
    PYNATIVE_MODE makes one per call and reads its values off the tape, so making one only takes
    what the tape already holds; GRAPH_MODE keeps it per input signature and replays it."""

    __slots__ = ("nodes", "size", "constants", "scopes", "outputs", "leaves", "input_slots", "param_slots",
                 "cache", "nbytes", "captured", "tree")

    def __init__(self, tape: Tape, outputs: Any, tree: Any = None) -> None:
        self.nodes = tape.nodes
        self.size = len(tape.values)
        self.leaves = tape.leaves  # slot -> Leaf (its role: input, parameter or constant)
        self.scopes = tape.scopes
        self.outputs = outputs  # a slot, or a tuple of slots for a network returning a tuple
        self.tree = tree  # how the outputs nest, when they do (returned.output_tree); None when flat
        self.input_slots = tape.inputs  # input position -> slot
        self.param_slots = tape.params  # id(parameter) -> slot
        self.constants = tape.constants  # (slot, value)
        # the Tensors construct read from outside while GRAPH_MODE traced (GraphCache keys on them)
        self.captured = tape.captured
        self.nbytes = tape.nbytes  # what the nodes' outputs hold, the same on every replay
        self.cache: dict = {}  # what the runner works out once from a static graph (runner.GradRunner)


class GraphCache(OrderedDict):
    """One runner's graphs by key, the least recently used first, at most CACHE_SIZE. The key is the
    call's signature, plus which arguments are Tensors a kept graph captured (construct read them
    from outside, as constants: ``Graph.captured``), and which tensor each is. Such a call is traced
    for itself: the graph where y is the captured c reads one tensor twice, the graph for another y two."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn
        self.seen = (-1, -1, -1)  # (structure, training, Parameter.reshaped) when the flags were last read
        self.flags: Any = None
        self.parts: tuple = ()  # the network's cells and parameters (paths and ids) the graphs were made with
        self.newest: Any = None  # the entry last moved to the end (the most recently used)
        # id -> Tensor captured by a kept graph; holding them keeps their ids from being reused
        self.captured: dict = {}

    def find(self, args: tuple, device: str) -> tuple[Graph | None, tuple | None]:
        """The graph kept for this call, or None, and the call's signature (None: not to be kept)."""
        if self.seen[0] != structure or self.seen[1] != training or self.seen[2] != Parameter.reshaped:
            self.look_again()
        base = signature(args, (device, self.flags))
        if base is None:
            return None, None
        key = self._key(base, args) if self.captured else base
        graph = self.get(key)
        if graph is not None and graph is not self.newest:  # already the most recent: nothing to move
            self.move_to_end(key)  # (hashing the key again cost 0.3 us of the document's example, 2%)
            self.newest = graph
        return graph, base

    def _key(self, base: tuple, args: tuple) -> tuple:
        # (position, id): the captured tensors are held in self.captured, so their ids stay theirs
        same = tuple([(i, id(a)) for i, a in enumerate(args) if id(a) in self.captured])
        return base + (("captured", same),) if same else base

    def keep(self, base: tuple | None, args: tuple, graph: Graph) -> None:
        """Keep a graph just traced, under the key its captured tensors give this call."""
        if base is None:
            return
        for t in graph.captured:
            self.captured[id(t)] = t
        key = self._key(base, args) if self.captured else base
        self[key] = graph
        self.move_to_end(key)
        self.newest = graph
        if len(self) > CACHE_SIZE:
            while len(self) > CACHE_SIZE:
                self.popitem(last=False)
            self.captured = {id(t): t for g in self.values() for t in g.captured}

    def empty(self) -> None:
        self.clear()
        self.captured = {}

    def look_again(self) -> None:
        """A Parameter or cell was assigned somewhere, a Parameter given another shape (set_data), or
        a training flag changed, since the last call. The training flags of the network's cells are
        part of the key (``flags``); if any of its cells or parameters is another object now, or a
        Parameter has another shape, the cache is emptied. A plain function
        cannot be looked into: any such change empties its cache, and its key holds the training
        counter itself."""
        fn = self.fn
        if hasattr(fn, "cells_and_names"):
            cells = list(fn.cells_and_names())
            parts = (tuple([(path, id(c)) for path, c in cells])
                     + tuple([(path, id(p)) for path, p in fn.parameters_and_names()]))
            if parts != self.parts or self.seen[2] != Parameter.reshaped:
                self.empty()
                self.parts = parts
            self.flags = tuple([c.training for _, c in cells])
        else:
            if structure != self.seen[0] or self.seen[2] != Parameter.reshaped:
                self.empty()
            self.flags = training
        self.seen = (structure, training, Parameter.reshaped)


class CompiledCalls:
    """What the runner calls on every GRAPH_MODE call of a compiled graph (compile.Compiled makes the
    code and the fields these read): its forward and backward, their arguments gathered."""

    def forward(self, args: tuple) -> list:
        """The values by slot for this call: leaves, outputs and what backward reads (the rest: Unread)."""
        # Plain loops, not comprehensions or map: on Python 3.11 they cost half as much here (0.25 us
        # against 0.45-0.9 us to gather the document's example's arguments; its NumPy takes 14 us).
        values, data = self.template.copy(), []
        for i, s in self._inputs:
            values[s] = a = args[i]._data
            data.append(a)
        for p, s in self._params:
            values[s] = a = p._data
            data.append(a)
        out = self._forward_fn(*data)
        if len(self.forward_slots) == 1:
            values[self.forward_slots[0]] = out
        else:
            for s, v in zip(self.forward_slots, out):
                values[s] = v
        return values

    def backward(self, values: list, seeds: dict) -> list:
        """The gradients by slot (only those asked for); ``values`` as forward() made them."""
        grads = self._none.copy()
        for s, g in zip(self.grad_slots, self.returned(values, seeds)):
            grads[s] = g
        return grads

    def returned(self, values: list, seeds: dict) -> tuple:
        """The gradients at ``grad_slots``, in that order (the runner's replay places them itself)."""
        given = []  # a plain loop: 0.4 us against 0.7 us for comprehensions or map (see forward)
        for s in self.read_slots:
            given.append(values[s])
        for s in self.seed_slots:
            given.append(seeds[s])
        out = self._backward_fn(*given)
        return (out,) if len(self.grad_slots) == 1 else out

    def stale(self) -> bool:
        """Whether a primitive's forward or vjp was swapped since the code was made (override_vjp)."""
        for cls, fwd, vjp in self.rules:  # a loop, not any(generator): asked on every GRAPH_MODE call
            if cls.vjp is not vjp or cls.forward is not fwd:
                return True
        return False


class Plan:
    """What every call of one traced graph shares, taken from its first complete call (a runner.Call).
    A graph is kept per input signature, and the signature fixes which arguments are Tensors, their
    backend and which are weights: positions, their checks, the layout, the slots, the seeds and
    requires hold for every later call of the graph (runner.GradRunner._replay)."""

    __slots__ = ("code", "xp", "is_tuple", "out_slots", "sens_fill", "seeds", "requires", "labels", "where",
                 "layout", "picks", "zeros")

    def __init__(self, code: Any, call: Any, is_tuple: bool, out_slots: tuple, default_sens: bool,
                 sens_fill: float, layout: Any) -> None:
        self.code, self.xp, self.is_tuple, self.out_slots = code, call.xp, is_tuple, out_slots
        self.sens_fill, self.requires = sens_fill, call.requires
        self.seeds = call.seeds if default_sens else None  # the default sensitivity's, kept: never changed in place
        self.labels, self.where, self.layout = call.labels, call._where, layout
        # each returned gradient: its index among the code's results (picks), or None, and then the
        # tensor whose zeros stand for it (zeros: an input, by position, or a weight)
        at = {s: k for k, s in enumerate(code.grad_slots)}
        wanted, weights = call._where[0], call.runner.weights or ()
        likes = [(lambda args, i=i: args[i]) for i in wanted] + [(lambda args, w=w: w) for w in weights]
        self.picks = [at.get(s) for s in call.slots]
        self.zeros = likes
