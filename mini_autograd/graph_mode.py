"""GRAPH_MODE: a tape kept as a static graph, traced once per input signature, then compiled.

Tracing runs ``construct`` once while recording (a Python ``if`` on a tensor's value is refused);
compile.py turns the graph into Python source whose arguments are the inputs, the parameters' current
values and the Python float arguments (FloatInput). A runner keeps at most CACHE_SIZE graphs (LRU).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from . import tape as _tape
from .tape import Tape
from .tensor import Tensor

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
    Parameter, which one: construct may also read it as an attribute), each Python float
    argument's type only (it is an input of the graph), other scalars' type and value, plus
    ``extra``. The device is part of it so that a tensor from another device is traced anew, and
    meets the same-device check of ops/primitive.apply, instead of being replayed into kernels.
    None when an argument is none of these (a list, an array): such a call cannot be keyed
    safely, so it is traced afresh and not kept."""
    key = []
    for a in args:
        kind = type(a)
        if kind is Tensor:
            key.append((a._data.shape, a._data.dtype, a._backend))
        elif kind is float:
            key.append(float)
        elif isinstance(a, Tensor):
            key.append((a._data.shape, a._data.dtype, a._backend, id(a)))
        elif isinstance(a, _SCALARS):
            key.append((kind, repr(a)))
        else:
            return None
    return tuple(key) + extra


class FloatInput:
    """A Python float argument while GRAPH_MODE traces. Handed to a tensor operation (``x * t``) it
    becomes an input of the graph, an argument of the compiled code; any other use --
    arithmetic, a comparison, ``float()``, a math or NumPy function, printing -- reads its value,
    ``read`` turns True and the graph is kept for that value only. It is not a float subclass on
    purpose: C code (``math.exp``, NumPy) would read a subclass's value without our knowing."""

    __slots__ = ("value", "index", "read")
    _graph_float_input = True  # how tensor.py recognises it without importing this module

    def __init__(self, value: float, index: int) -> None:
        self.value, self.index, self.read = value, index, False

    def read_value(self) -> float:
        self.read = True
        return self.value

    def tensor(self, constant: Tensor) -> Tensor:
        """A fresh Tensor holding ``constant``'s array (the float in the dtype the operation gave
        it), recorded as this argument's leaf: the compiled code makes it from each call's value."""
        state = _tape.state
        if state.active is None or not state.tracing:
            return constant
        fresh = Tensor._make(constant._data, constant._backend)
        state.active.add_scalar(fresh, self.index)
        return fresh

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.read_value(), dtype)

    def __getattr__(self, name: str) -> Any:  # float's methods and properties: is_integer(), real, ...
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.read_value(), name)


def float_operands(prim: Any, x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """A binary primitive's operands when one is a FloatInput: the float in the dtype a Python
    float takes there (prim.tensors), as that argument's leaf of the graph."""
    tx, ty = prim.tensors((x.value if type(x) is FloatInput else x, y.value if type(y) is FloatInput else y))
    return (x.tensor(tx) if type(x) is FloatInput else tx), (y.tensor(ty) if type(y) is FloatInput else ty)


def _reads(name: str) -> Any:
    def method(self: FloatInput, *args: Any) -> Any:
        if args and isinstance(args[0], Tensor):  # ``t * x``: Tensor's reflected operator records it
            return NotImplemented
        return getattr(self.read_value(), name)(*args)
    method.__name__ = name
    return method


for _name in ("__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ "
              "__rfloordiv__ __mod__ __rmod__ __divmod__ __rdivmod__ __pow__ __rpow__ __neg__ __pos__ __abs__ "
              "__bool__ __float__ __int__ __round__ __trunc__ __floor__ __ceil__ __eq__ __ne__ __lt__ __le__ "
              "__gt__ __ge__ __hash__ __str__ __repr__ __format__").split():
    setattr(FloatInput, _name, _reads(_name))


class Graph:
    """A finished tape: nodes, leaves, where the outputs are and the constants' values (the other
    values come from each call); ``cache`` holds its compiled code (compile.py)."""

    __slots__ = ("nodes", "size", "inputs", "params", "constants", "scopes", "outputs", "leaves",
                 "input_slots", "param_slots", "cache", "nbytes", "scalars")

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
        self.scalars = [(s, leaf.index, tape.values[s].dtype) for s, leaf in tape.leaves.items()
                        if leaf.role == "scalar"]


class GraphCache(OrderedDict):
    """One runner's graphs by signature, the least recently used first, at most CACHE_SIZE. Under a
    signature whose float arguments construct read as numbers it holds their positions instead,
    and the graphs themselves under (signature, their values)."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn
        self.seen = (-1, -1)  # (structure, training) when the cell flags were last read
        self.flags: Any = None
        self.parts: tuple = ()  # the network's cells and parameters (paths and ids) the graphs were made with

    def find(self, args: tuple, device: str) -> tuple[Graph | None, tuple | None]:
        """The graph kept for this call, or None, and the call's signature (None: not to be kept)."""
        if self.seen[0] != structure or self.seen[1] != training:
            self.look_again()
        base = signature(args, (device, self.flags))
        if base is None:
            return None, None
        key = base
        graph = self.get(base)
        if type(graph) is tuple:  # the positions of the float arguments read as numbers
            key = (base, tuple([repr(args[i]) for i in graph]))
            graph = self.get(key)
            if graph is not None:
                self.move_to_end(base)
        if graph is not None:
            self.move_to_end(key)
        return graph, base

    def keep(self, base: tuple | None, args: tuple, read: tuple, graph: Graph) -> None:
        """Keep a graph just traced; ``read``: the float arguments construct read as numbers."""
        if base is None:
            return
        known = self.get(base)
        if type(known) is tuple:  # read before, for other values: keyed on them whatever this trace did
            read = tuple(sorted(set(read) | set(known)))
        key = base
        if read:
            self._put(base, read)
            key = (base, tuple([repr(args[i]) for i in read]))
        self._put(key, graph)

    def _put(self, key: Any, entry: Any) -> None:
        self[key] = entry
        self.move_to_end(key)
        while len(self) > CACHE_SIZE:
            self.popitem(last=False)

    def look_again(self) -> None:
        """A Parameter or cell was assigned somewhere, or a training flag changed, since the last
        call. The training flags of the network's cells are part of the key (``flags``); if any of
        its cells or parameters is another object now, the cache is emptied. A plain function
        cannot be looked into: any such change empties its cache, and its key holds the training
        counter itself."""
        fn = self.fn
        if hasattr(fn, "cells_and_names"):
            cells = list(fn.cells_and_names())
            parts = (tuple([(path, id(c)) for path, c in cells])
                     + tuple([(path, id(p)) for path, p in fn.parameters_and_names()]))
            if parts != self.parts:
                self.clear()
                self.parts = parts
            self.flags = tuple([c.training for _, c in cells])
        else:
            if structure != self.seen[0]:
                self.clear()
            self.flags = training
        self.seen = (structure, training)
