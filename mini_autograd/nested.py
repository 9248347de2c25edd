"""A gradient transform called while another one records: the gradient is a computation too.

The inner transform records its network on a NestedTape, which records on the outer tape as well;
then it runs the same backward sweep (backward.py) with the recorded backend, so every vjp is a
primitive on Tensors that the outer tape records. The outer transform differentiates all of it,
its own backward on arrays as usual: second order, and at any depth, third and beyond.
"""
from __future__ import annotations

from typing import Any

from . import tape as _tape
from .backward import backward
from .graph_mode import Graph
from .ops.math_ops import ADD
from .ops.array_ops import RESHAPE
from .recorded_backend import recorded
from .returned import fill, output_tree
from .tensors import Tensor


def call(runner: Any, args: tuple, sens: Any) -> tuple[Any, Any]:
    """``runner(*args)`` while ``tape.state.active`` records: same returned structure and checks as a
    first-order call, every returned Tensor made by recorded operations."""
    outer = _tape.state.active
    xp = runner._backend(args)
    positions = runner._positions(args)
    runner._check_positions(args, positions)
    structure = runner._layout(positions)[0]
    weight_inputs = () if runner.weights is None or runner.weight_ids.isdisjoint(map(id, args)) else \
        runner._weight_inputs(args)

    # 1. run the network on a tape of its own that the outer one sees too
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
    graph = Graph(tape, *runner._output_slots(tape, out))

    # 2. seed: the sensitivity given (a Tensor the outer tape may know: a vjp's cotangent) or ones
    is_tuple = isinstance(graph.outputs, tuple)
    out_slots = graph.outputs if is_tuple else (graph.outputs,)
    outputs = [tape.tensors[s] for s in out_slots]
    runner._seeds(xp, outputs, sens, is_tuple, out_slots)  # the same checks (shapes, dtypes, devices)
    seeds = _seeds(runner, xp, outputs, sens, is_tuple, out_slots)

    # 3. the sweep, with the recorded backend: on the outer tape, in a scope of its own
    previous = outer.enter(_tape.BackwardPass(runner.who))
    try:
        requires = runner._work_out_requires(graph, positions, weight_inputs)
        grads = backward(recorded(xp), graph.nodes, tape.tensors, seeds, requires=requires)
    finally:
        outer.leave(previous)

    # 4. the returned gradients, where MindSpore puts them (zeros where nothing flowed: a constant)
    input_slot, weight_slot = runner._slot_lookups(graph, args, weight_inputs)
    flat = []
    for i in (positions,) if isinstance(positions, int) else positions or ():
        flat.append(_grad(xp, grads, input_slot(i), args[i]))
    for w in runner.weights or ():
        flat.append(_grad(xp, grads, weight_slot(id(w)), w))
    result = fill(structure, tuple(flat))
    return runner._value(graph, outputs, is_tuple), result


def _seeds(runner: Any, xp: Any, outputs: list, sens: Any, is_tuple: bool, slots: tuple) -> dict:
    """The seeds as Tensors, after runner._seeds checked them: the given sensitivity itself (not its
    array: the outer transform may differentiate with respect to it), ones where none was given."""
    if runner.has_aux:  # only the first output is differentiated
        outputs, slots = outputs[:1], slots[:1]
    if sens is None:
        given = [None] * len(outputs)
    elif is_tuple and not runner.has_aux:
        given = list(output_tree(sens)[0])  # nested like the outputs, flattened as they are
    else:
        given = [sens]
    seeds: dict = {}
    for o, s, slot in zip(outputs, given, slots):
        seed = s if s is not None else Tensor._make(xp.full(o._data.shape, runner.sens_fill, o._data.dtype), xp)
        seeds[slot] = seed if slot not in seeds else ADD(seeds[slot], seed)
    return seeds


def _grad(xp: Any, grads: list, slot: int | None, like: Tensor) -> Tensor:
    g = grads[slot] if slot is not None else None
    return g if g is not None else Tensor._make(xp.zeros(like._data.shape, like._data.dtype), xp)
