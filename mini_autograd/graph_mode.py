"""GRAPH_MODE: a network traced once per input signature (the finished tape is its Graph), then the code
compiled from it (compile.py) called for every call: ``call``.

Tracing runs ``construct`` once while recording (a Python ``if`` on a tensor's value is refused). A
runner keeps at most CACHE_SIZE graphs (LRU, GraphCache). A Python number argument is a constant of
its graph, as in MindSpore: another value is another graph.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from . import context as _context
from . import memory
from .compile import Compiled
from .spec import given_sens, seeds
from .tensors import Parameter, Tensor
from .trace import Call

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


class GraphCache(OrderedDict):
    """One runner's graphs by key, the least recently used first, at most CACHE_SIZE. The key is the
    call's signature, plus which arguments are Tensors a kept graph captured (construct read them
    from outside, as constants: ``Tape.captured``), and which tensor each is. Such a call is traced
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

    def find(self, args: tuple, device: str) -> tuple[Any, tuple | None]:
        """The graph kept for this call, or None, and the call's signature (None: not to be kept)."""
        if self.seen[0] != structure or self.seen[1] != training or self.seen[2] != Parameter.reshaped:
            self.look_again()
        base = signature(args, (device, self.flags))
        if base is None:
            return None, None
        key = self._key(base, args) if self.captured else base
        graph = self.get(key)
        if graph is not None and graph is not self.newest:  # already the most recent: nothing to move
            self.move_to_end(key)
            self.newest = graph
        return graph, base

    def _key(self, base: tuple, args: tuple) -> tuple:
        # (position, id): the captured tensors are held in self.captured, so their ids stay theirs
        same = tuple([(i, id(a)) for i, a in enumerate(args) if id(a) in self.captured])
        return base + (("captured", same),) if same else base

    def keep(self, base: tuple | None, args: tuple, graph: Any) -> None:
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


def call(runner: Any, spec: Any, xp: Any, args: tuple, sens: Any) -> tuple[Any, tuple, Call]:
    """GRAPH_MODE's call: the graph kept for this signature (traced now if there is none) and the code
    compiled from it, which seeds, sweeps and picks the gradients (``runner.graph_code`` shows it)."""
    graph, base = runner.graphs.find(args, _context._settings["device_target"])
    replayed = graph is not None
    if graph is None:
        graph = runner.record(args, tracing=True)
        graph.values = graph.tensors = graph.slot_of = graph.originals = None  # traced: let the values go
        runner.graphs.keep(base, args, graph)
    code = compiled(graph, runner, spec, args, xp, sens is None)
    runner.graph_code = code.source
    values = code.forward(args)
    outputs = [Tensor._make(values[s], xp) for s in code.out_slots]
    seed = code.seeds
    if sens is not None:
        given = given_sens(runner, xp, outputs, sens, isinstance(graph.outputs, tuple))
        seed = seeds(xp, code.out_slots, [s._data for s in given])
    grads = tuple([Tensor._make(g, xp) for g in code.backward(values, seed)])
    return runner.value(graph, outputs), grads, Call(runner, graph, values, seed, _context.GRAPH_MODE, replayed, xp,
                                                     code.requires, spec.labels, code.picks)


def compiled(graph: Any, runner: Any, spec: Any, args: tuple, xp: Any, default_sens: bool) -> Compiled:
    """The code compiled for this graph and this call spec, made on the first call (again when a rule
    it came from was swapped). A large graph's forward keeps only what backward reads."""
    key = ("compiled", spec.positions, spec.weight_inputs, runner.sens_fill if default_sens else None)
    code = graph.cache.get(key)
    if code is None or code.stale():
        code = graph.cache[key] = Compiled(graph, runner, spec, args, xp, default_sens,
                                           graph.nbytes > memory.RELEASE_ABOVE_BYTES)
    return code
