"""The Trace: plain data describing one gradient call, for viz and for learners to inspect.

Last of the chain Tape (recording) -> Graph (frozen) -> Trace: every tensor of the Graph (role, name,
shape, dtype, value and gradient as NumPy arrays), every node, the sensitivity, the backward steps
and the returned gradients. ``build`` makes it from a Call (what a runner's call kept) on first access, so a call that
nobody inspects pays nothing for it.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import context as _context
from .backward import Steps, backward
from .dtype import from_numpy
from .memory import recompute
from .tape import BackwardPass


@dataclass
class TensorInfo:
    id: int  # the slot: order in which the tape met the tensor
    role: str  # "input", "parameter", "constant" or "intermediate"
    name: str  # "x" (the construct argument), "net.z" (the parameter), "" otherwise
    shape: tuple
    dtype: str  # MindSpore's name, "Float32"
    value: np.ndarray
    grad: np.ndarray | None  # None where no gradient flowed
    producer: int | None = None  # node id that computed it (None for leaves)
    input_index: int | None = None  # position among the network's inputs, for role "input"
    output_index: int | None = None  # position among the network's outputs, if it is one
    returned_as: str | None = None  # where the call returned its gradient: "inputs[0]", "weights[1]", ...


@dataclass
class NodeInfo:
    id: int
    op: str  # primitive name, "MatMul"
    attrs: dict  # its settings and per-call arguments
    inputs: list  # tensor ids
    output: int
    scope: int  # ScopeInfo id of the Cell whose construct ran it


@dataclass
class ScopeInfo:
    id: int
    parent: int  # -1 for the outermost scope
    path: str  # the cell's attribute path ("" for the network itself, "fc1", ...)
    cell: str  # the cell's class name


@dataclass
class StepInfo:
    index: int  # k-th vjp of the backward pass
    node: int
    dout: np.ndarray  # gradient that arrived at the node's output
    grads: list  # gradient sent to each input (None for none), summed back to the input's shape
    accumulated: list  # True where the input already held a gradient and this one was added


@dataclass
class Trace:
    tensors: list
    nodes: list
    scopes: list
    steps: list
    outputs: list  # tensor ids of the network's outputs
    sens: list  # the sensitivity of each output (ones unless sens_param)
    flags: dict  # how the call was asked: get_all, get_by_list, sens_param (value_and_grad: grad_position, has_aux)
    mode: str  # "PYNATIVE_MODE" or "GRAPH_MODE"
    device: str
    replayed: bool = False  # GRAPH_MODE: True when the call replayed an already traced graph
    # The returned gradients, in the order they appear when the returned structure is flattened
    # depth-first: (label, tensor id) each, the label naming the place ("grad", "grads[0]",
    # "inputs[1]", "weights[0]", returned.returned_layout), the id None where that gradient's tensor is
    # not in the graph (a weight the network never read: its gradient is zeros). With it viz can
    # flatten a result without knowing the flags.
    returned: list = field(default_factory=list)

    def tensor(self, name: str) -> TensorInfo:
        """The tensor named ``name`` (an input's argument name or a parameter's name)."""
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"no tensor named {name!r} in this trace; names: {[t.name for t in self.tensors if t.name]}")


class Call:
    """What one gradient call kept, for its Trace (built only when someone asks for it): the graph
    (a finished tape) and the value of each of its slots, the seeds, the mode, whether a GRAPH_MODE
    graph was replayed, the backend, which slots required a gradient (None: all), and each returned
    gradient's label and slot (None: not in the graph), in returned_layout's order."""

    __slots__ = ("runner", "graph", "values", "seeds", "mode", "replayed", "xp", "requires", "labels", "slots",
                 "_trace", "__weakref__")

    def __init__(self, runner: Any, graph: Any, values: list, seeds: dict, mode: int, replayed: bool,
                 xp: Any, requires: list | None, labels: list, slots: list) -> None:
        self.runner, self.graph, self.values, self.seeds = runner, graph, values, seeds
        self.mode, self.replayed, self.xp, self.requires = mode, replayed, xp, requires
        self.labels, self.slots = labels, slots
        self._trace: Trace | None = None

    def trace(self) -> Trace:
        if self._trace is None:
            self._trace = build(self)
        return self._trace


# A weak reference to what the most recent call kept (a Call): its transform holds it, so
# deleting the transform (and the network and inputs) lets all of it go, Trace included.
_last: Any = None


def remember(call: Call) -> None:
    global _last
    _last = weakref.ref(call)


def last_trace() -> Trace | None:
    """The Trace of the most recent ForwardValueAndGrad / GradOperation / value_and_grad call, in
    any thread, while its transform is alive; None once the transform has been let go."""
    record = None if _last is None else _last()
    return None if record is None else record.trace()




def build(call: Call) -> Trace:
    """The Trace of a Call: its values (computed again where a large call let them go,
    memory.py), the sweep run again keeping every step (same arrays in, same gradients out), and
    every tensor and node described as plain data."""
    graph, xp, runner = call.graph, call.xp, call.runner
    values = recompute(xp, graph.nodes, call.values)
    steps = Steps(graph.nodes)
    grads = steps.every_gradient(backward(xp, graph.nodes, values, call.seeds, call.requires, steps))
    out_slots = graph.out_slots
    host = xp.to_numpy
    producer = {n.output: k for k, n in enumerate(graph.nodes)}
    returned = list(zip(call.labels, call.slots))
    returned_as: dict[int, str] = {}
    for label, slot in returned:
        if slot is not None:
            returned_as.setdefault(slot, label)  # a weight passed as an input too: named as the input
    tensors = []
    for slot, value in enumerate(values):
        leaf = graph.leaves.get(slot)
        role = leaf.role if leaf is not None else "intermediate"
        name = ""
        index = None
        if role == "input":
            index = leaf.index
            name = runner.arg_names[index] if index < len(runner.arg_names) else f"input{index}"
        elif role == "parameter":
            name = leaf.param.name
        g = grads[slot]
        tensors.append(TensorInfo(
            id=slot, role=role, name=name, shape=tuple(value.shape), dtype=from_numpy(value.dtype).name,
            value=host(value), grad=None if g is None else host(g), producer=producer.get(slot),
            input_index=index, output_index=out_slots.index(slot) if slot in out_slots else None,
            returned_as=returned_as.get(slot)))
    nodes = [NodeInfo(id=k, op=n.prim.name, attrs={**n.prim.attributes(), **_plain(n.attrs)},
                      inputs=list(n.inputs), output=n.output, scope=n.scope)
             for k, n in enumerate(graph.nodes)]
    step_infos = [StepInfo(index=i, node=s.node, dout=host(s.dout), grads=[None if g is None else host(g) for g in s.grads],
                           accumulated=list(s.accumulated)) for i, s in enumerate(steps)]
    return Trace(
        tensors=tensors, nodes=nodes, scopes=_scopes(runner.fn, graph.scopes), steps=step_infos,
        outputs=list(out_slots), sens=[host(call.seeds[s]) for s in dict.fromkeys(out_slots) if s in call.seeds],
        flags=dict(runner.flags), mode="GRAPH_MODE" if call.mode == _context.GRAPH_MODE else "PYNATIVE_MODE",
        device=xp.name, replayed=call.replayed, returned=returned)


def _plain(attrs: dict) -> dict:
    return {k: (str(v) if k == "dtype" else v) for k, v in attrs.items()}


def _scopes(fn: Any, scopes: list) -> list:
    """Name each recorded scope by the cell's attribute path inside the network."""
    paths: dict[int, str] = {}
    if hasattr(fn, "cells_and_names"):
        for path, cell in fn.cells_and_names():
            paths.setdefault(id(cell), path)
    infos = []
    seen: dict[str, int] = {}
    for i, (cell, parent) in enumerate(scopes):
        if cell is None:
            infos.append(ScopeInfo(id=i, parent=parent, path="", cell=""))
        elif isinstance(cell, BackwardPass):  # an inner transform's recorded backward pass (nested.py)
            seen[cell.label] = n = seen.get(cell.label, 0) + 1
            infos.append(ScopeInfo(id=i, parent=parent, path=cell.label + (f" #{n}" if n > 1 else ""),
                                   cell="BackwardPass"))
        else:
            infos.append(ScopeInfo(id=i, parent=parent, path=paths.get(id(cell), type(cell).__name__),
                                   cell=type(cell).__name__))
    return infos
