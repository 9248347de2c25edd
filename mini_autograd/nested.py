"""A gradient transform called while another one records: the gradient is a computation too.

The same call as runner.py's, with two choices made differently: the network is recorded on a
NestedTape, which records on the outer tape as well, and the sweep (backward.py) runs with the
recorded backend, so every vjp is a primitive on Tensors that the outer tape records. The outer
transform differentiates all of it: second order, and at any depth, third and beyond.
"""
from __future__ import annotations

from typing import Any

from . import tape as _tape
from .backward import backward, requires_of
from .ops.array_ops import RESHAPE
from .recorded_backend import recorded
from .returned import fill
from .spec import given_sens, output_slots, seeds
from .tensors import Tensor


def call(runner: Any, spec: Any, xp: Any, args: tuple, sens: Any) -> tuple[Any, Any]:
    """``runner(*args)`` while ``tape.state.active`` records: the same returned structure and checks as
    a first-order call, every returned Tensor made by recorded operations."""
    outer = _tape.state.active
    graph = record(runner, outer, args)
    outputs = [graph.tensors[s] for s in graph.out_slots]
    picks = spec.picks(graph, args, runner.weights)
    # the sensitivity given (a Tensor the outer tape may know: a vjp's cotangent), or sens_fill
    given = given_sens(runner, xp, outputs, sens, isinstance(graph.outputs, tuple))
    given = [s if s is not None else Tensor._make(xp.full(o._data.shape, runner.sens_fill, o._data.dtype), xp)
             for s, o in zip(given, outputs)]
    seed = seeds(recorded(xp), graph.out_slots, given)
    previous = outer.enter(_tape.BackwardPass(runner.who))  # the sweep, drawn in a box of its own
    try:
        grads = backward(recorded(xp), graph.nodes, graph.tensors, seed, requires_of(graph, picks))
    finally:
        outer.leave(previous)
    flat = [grads[s] if s is not None and grads[s] is not None else  # zeros where nothing flowed: a constant
            Tensor._make(xp.zeros(like._data.shape, like._data.dtype), xp)
            for s, like in zip(picks, runner.likes(spec, args))]
    return runner.value(graph, outputs), fill(spec.structure, tuple(flat))


def record(runner: Any, outer: _tape.Tape, args: tuple) -> _tape.Tape:
    """The network recorded on a tape of its own that the outer one sees too."""
    tape = _tape.NestedTape(outer)
    call_args = list(args)
    for i, a in enumerate(call_args):
        if isinstance(a, Tensor):
            if id(a) in tape.slot_of:  # the same tensor at two positions: each its own input, still
                a = call_args[i] = RESHAPE(a, a.shape)  # connected to the outer tape through a recorded copy
            tape.add_input(a, i)
    _tape.state.active = tape
    try:
        out = runner.fn(*call_args)
    finally:
        _tape.state.active = outer
    return tape.finish(*output_slots(runner.who, tape, out))
