"""The call spec: what a gradient transform works out once per input signature (the positions
differentiated and their checks, which arguments are weights too, MindSpore's returned layout), and
what every mode does alike with it: seeding each output with its sensitivity (checked), and picking
the returned gradients from the swept slots (``picks``). runner.py makes the specs and calls.
"""
from __future__ import annotations

import inspect
from typing import Any

from .returned import output_tree, returned_layout
from .tensors import Tensor

ALL_INPUTS = "all inputs"  # get_all's positions: every input the call receives, however many


def arg_names(fn: Any) -> tuple[list, int, int | None]:
    """The network's argument names, how many it needs and at most takes (None: any number)."""
    target = fn.construct if hasattr(fn, "construct") and hasattr(fn, "cells_and_names") else fn
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return [], 0, None
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    needed = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                 and p.default is p.empty)
    most = None if any(p.kind == p.VAR_POSITIONAL for p in params) else len(names)
    return names, needed, most


def check_arity(who: str, signature: tuple, n: int) -> None:
    """``n`` inputs for a network of ``signature`` (arg_names'), refused before it runs when it needs more
    or takes fewer: what calling it would raise (MindSpore 2.10 calls it: TypeError), naming 'fn'."""
    names, needed, most = signature
    if n < needed or (most is not None and n > most):
        takes = needed if most == needed else f"{needed} to {'any number of' if most is None else most}"
        raise TypeError(f"For '{who}', the network ('fn') takes {takes} input(s) "
                        f"({', '.join(map(repr, names))}), but got {n}.")


class Spec:
    """One transform's call with one input signature: ``positions`` (an int, a tuple or None, as
    MindSpore returns them), ``wanted`` (the same as a tuple), the arguments that are weights too
    (``weight_inputs``), the returned ``structure`` and each returned gradient's ``labels``."""

    __slots__ = ("positions", "wanted", "weight_inputs", "structure", "labels")

    def __init__(self, runner: Any, args: tuple, weight_inputs: tuple) -> None:
        self.positions = positions = positions_of(runner, args)
        _check_positions(runner, args, positions)
        self.wanted = (positions,) if isinstance(positions, int) else positions or ()
        self.weight_inputs = weight_inputs
        n_weights = None if runner.weights is None else len(runner.weights)
        self.structure, self.labels = returned_layout(positions, n_weights, runner.bare_weight)

    def picks(self, graph: Any, args: tuple, weights: tuple | None) -> list:
        """The slot each returned gradient is picked from, in the layout's order (None: a tensor not
        in the graph, whose gradient is zeros). A weight passed as an input too was met there."""
        inputs, params = graph.input_slots, graph.param_slots
        ids = list(map(id, weights or ()))
        if self.weight_inputs:
            at = {id(args[i]): inputs.get(i) for i in self.weight_inputs}
            return list(map(inputs.get, self.wanted)) + [at[i] if i in at else params.get(i) for i in ids]
        return list(map(inputs.get, self.wanted)) + list(map(params.get, ids))


def positions_of(runner: Any, args: tuple) -> Any:
    """The input positions differentiated in this call. As in MindSpore, an argument that is not a
    Tensor (a Python number) gets no gradient slot: get_all skips it, and the default first input,
    when it is a number, gives the empty tuple."""
    positions = runner.positions
    if positions is ALL_INPUTS:
        return tuple([i for i, a in enumerate(args) if isinstance(a, Tensor)])
    if isinstance(positions, int):
        if positions < len(args) and not isinstance(args[positions], Tensor):
            return ()
        return positions
    if positions is None:
        return None
    kept = tuple(p for p in positions if p >= len(args) or isinstance(args[p], Tensor))
    if runner.collapse_one and len(kept) == 1:
        return kept[0]  # value_and_grad: "a single value if only one result"
    return kept


def _check_positions(runner: Any, args: tuple, positions: Any) -> None:
    """Fewer inputs than the network takes, or a gradient position past the inputs, is refused."""
    check_arity(runner.who, runner.signature, len(args))
    if not (positions == () or (positions == 0 and args and isinstance(args[0], Tensor))):
        for p in (positions,) if isinstance(positions, int) else (positions or ()):
            if p >= len(args):  # MindSpore 2.10: IndexError (GRAPH), RuntimeError (PYNATIVE)
                what = "'grad_position' asks for" if "grad_position" in runner.flags else "asked for"
                raise IndexError(f"For '{runner.who}', {what} the gradient of input {p}, "
                                 f"but the network got {len(args)} input(s).")


def output_slots(who: str, tape: Any, out: Any) -> tuple[Any, Any]:
    """The slot of each output the network returned (one slot, or a tuple of them depth-first) and
    how they nest (None when flat); anything but Tensors is refused."""
    outs, tree = output_tree(out) if isinstance(out, (tuple, list)) else (None, None)
    if outs is not None and not outs:
        raise TypeError(f"For '{who}', the network returned an empty {type(out).__name__}; "
                        f"expected a Tensor or a tuple of Tensors.")
    for o in (outs if outs is not None else (out,)):
        if not isinstance(o, Tensor):
            raise TypeError(f"For '{who}', the network ('fn') should return a Tensor or a tuple of "
                            f"Tensors, but returned {type(o).__name__}.")
    if outs is None:
        return tape.slot_of[id(out)] if id(out) in tape.slot_of else tape.slot(out), None
    return tuple(tape.slot(o) for o in outs), tree


def given_sens(runner: Any, xp: Any, outputs: list, sens: Any, is_tuple: bool) -> list:
    """The sensitivity of each differentiated output (None: the default, ``sens_fill`` in its
    shape), checked against the outputs: count, type, shape, device and dtype, as MindSpore checks."""
    who = runner.who
    if runner.has_aux:  # only the first output is differentiated; the rest ride along
        outputs = outputs[:1]
    if sens is None:
        return [None] * len(outputs)
    if is_tuple and not runner.has_aux:
        if isinstance(sens, (tuple, list)):  # nested like the outputs: taken depth-first, as they are
            sens = output_tree(sens)[0]
        if not isinstance(sens, (tuple, list)) or len(sens) != len(outputs):
            got = f"a tuple of {len(sens)}" if isinstance(sens, (tuple, list)) else type(sens).__name__
            # MindSpore 2.10 PYNATIVE_MODE: RuntimeError "The given sens gradient's size should be same as out"
            raise RuntimeError(f"For '{who}', the network returns {len(outputs)} outputs, so the "
                               f"sensitivity should be a tuple of {len(outputs)} Tensors, but got {got}.")
        given = list(sens)
    else:
        given = [sens]
    for i, (o, s) in enumerate(zip(outputs, given)):
        which = f" of output {i}" if is_tuple else ""
        if not isinstance(s, Tensor):
            raise TypeError(f"For '{who}', the sensitivity should be a Tensor, but got {type(s).__name__}.")
        if s.shape != o.shape:
            raise ValueError(f"For '{who}', the sensitivity{which} should have the output's shape "
                             f"{list(o.shape)}, but got shape {list(s.shape)}.")
        if s._backend is not xp:
            raise RuntimeError(f"For '{who}', the sensitivity is on {s.device} but the network "
                               f"ran on {xp.name}.")
        if s._data.dtype != o._data.dtype:  # MindSpore 2.10 raises TypeError here, in both modes
            raise TypeError(f"For '{who}', the sensitivity{which} should have the output's dtype "
                            f"{o.dtype}, but got {s.dtype}.")
    return given


def seeds(xp: Any, slots: tuple, given: list) -> dict:
    """Output slot -> its seed, from the sensitivity of each differentiated output: an output returned
    twice is seeded with the sum of its two sensitivities."""
    out: dict = {}
    for slot, seed in zip(slots, given):
        out[slot] = seed if slot not in out else xp.add(out[slot], seed)
    return out
