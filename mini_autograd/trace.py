"""The Trace: plain data describing one gradient call, for viz and for learners to inspect.

It holds every tensor of the recorded graph (its role -- input i, parameter name, constant or
intermediate --, shape, dtype, value and gradient as NumPy arrays), every node, the sensitivity,
the backward steps in order and which gradients the call returned. It is built on first access
from what the call kept, so a call that nobody inspects pays nothing for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    extra: dict = field(default_factory=dict)

    def tensor(self, name: str) -> TensorInfo:
        """The tensor named ``name`` (an input's argument name or a parameter's name)."""
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"no tensor named {name!r} in this trace; names: {[t.name for t in self.tensors if t.name]}")


# A weak reference to what the most recent call kept (grad.Record): its transform holds it, so
# deleting the transform (and the network and inputs) lets all of it go, Trace included.
_last: Any = None


def last_trace() -> Trace | None:
    """The Trace of the most recent ForwardValueAndGrad / GradOperation / value_and_grad call, in
    any thread, while its transform is alive; None once the transform has been let go."""
    record = None if _last is None else _last()
    return None if record is None else record.trace()


