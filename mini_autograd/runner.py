"""The runner behind every gradient transform: run, seed with sens, sweep, put the gradients in place.

(1) Run the network while a tape records it, frozen into a Graph (PYNATIVE_MODE), or run the code
compiled from the Graph traced for this input signature (GRAPH_MODE, compile.py); (2) seed each
output with its sensitivity; (3) sweep back (backward.py, or the compiled backward); (4) return the gradients in MindSpore's structure (``returned_layout``).
What a call kept is a ``Call``, which trace.py turns into a Trace when someone asks.
"""
from __future__ import annotations

import inspect
import weakref
from typing import Any

from . import compile as _compile
from . import context as _context
from . import memory
from . import nested
from . import tape as _tape
from . import trace as _trace
from .backward import backward, requires_grad
from .graph_mode import Graph, GraphCache, Plan
from .returned import fill, output_tree, rebuild, returned_layout
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


class GradRunner:
    """Runs a network and its backward pass; ``who`` names the public API in error messages."""

    def __init__(self, fn: Any, who: str, positions: Any, weights: tuple | None, sens_param: bool,
                 has_aux: bool = False, flags: dict | None = None, sens_fill: float = 1.0,
                 bare_weight: bool = False, collapse_one: bool = False) -> None:
        if isinstance(fn, (Tensor, type)) or not callable(fn):
            raise TypeError(f"For '{who}', the argument 'network' should be a Cell or a function, "
                            f"but got {type(fn).__name__}.")
        self.fn = fn
        self.who = who
        self.positions = positions
        self.weights = weights
        self.weight_ids = {id(w) for w in weights} if weights is not None else None
        self.sens_param = sens_param
        self.has_aux = has_aux
        self.flags = flags or {}
        self.sens_fill = sens_fill  # the value of the default sensitivity (TrainOneStepCell's sens)
        self.bare_weight = bare_weight  # weights given as one Parameter: its gradient is returned bare
        self.collapse_one = collapse_one  # value_and_grad: one input gradient in a tuple is returned bare
        self.arg_names, self.needed, self.most = arg_names(fn)
        self.graphs = GraphCache(fn)  # GRAPH_MODE: signature -> Graph
        self._ones: dict = {}  # (shape, dtype, device) -> the default sensitivity
        # the arguments' types -> (positions, returned_layout(...)): worked out on every call, they were
        # four more function calls for an answer that only the types change (cProfile, the document's example)
        self._by_kinds: dict = {}
        self.last: Call | None = None
        self.kept: tuple | None = None  # vjp's forward pass, recorded once: (inputs, Graph, values) (keep_forward)
        self.graph_code: str | None = None  # GRAPH_MODE: the source compiled for the last call (compile.py)

    # -- the call ------------------------------------------------------------------------------
    def __call__(self, *args: Any) -> tuple[Any, Any]:
        sens = None
        if self.sens_param:
            args, sens = self._split_sens(args)
        if _tape.state.active is not None:  # called inside another transform's recording: higher order
            return nested.call(self, args, sens)
        kept = self.kept
        if kept is not None and not (len(args) == len(kept[0]) and all(a is b for a, b in zip(args, kept[0]))):
            kept = None  # kept for other inputs
        mode = _context._settings["mode"] if kept is None else _context.PYNATIVE_MODE  # (kept: recorded op by op)
        found = None
        if mode == _context.GRAPH_MODE:
            graph, _ = found = self.graphs.find(args, _context._settings["device_target"])
            plan = graph.cache.get("plan") if graph is not None else None
            if plan is not None and not plan.code.stale():
                return self._replay(plan, graph, args, sens)
        xp = self._backend(args)  # the inputs' backend, checked to be one
        kinds = tuple(map(type, args))  # they fix the positions and the range check: both worked out once
        known = self._by_kinds.get(kinds)
        if known is None:
            if len(self._by_kinds) >= 8:
                self._by_kinds.clear()
            positions = self._positions(args)
            self._check_positions(args, positions)
            known = self._by_kinds[kinds] = (positions, self._layout(positions))
        positions, layout = known
        if self.last is not None and self.last.graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            self._forget_last()  # (asked here first, as in _replay: a small graph skips the call)
        weight_inputs = () if self.weights is None or self.weight_ids.isdisjoint(map(id, args)) else \
            self._weight_inputs(args)
        # 1. run: the Graph of this call and the value of each of its slots
        if mode == _context.GRAPH_MODE:  # the code compiled for this graph (compile.py); it lets go of
            graph, replayed = self._graph(args, *found)  # what backward does not read when the graph is large
            compiled = _compile.compiled(graph, self, args, xp, positions, weight_inputs,
                                         graph.nbytes > memory.RELEASE_ABOVE_BYTES)
            values, self.graph_code = compiled.forward(args), compiled.source
        elif kept is not None:  # the forward pass vjp kept: swept back again, never run again
            self.graph_code = None
            graph, values, replayed = kept[1], list(kept[2]), False  # a copy: _forget_last releases the call's values
        else:
            self.graph_code = None
            graph, values = self._recorded(args)
            replayed = False

        # 2. seed each output with its sensitivity; 3. sweep back
        is_tuple = isinstance(graph.outputs, tuple)
        out_slots = graph.outputs if is_tuple else (graph.outputs,)
        outputs = []
        for s in out_slots:  # a plain loop: cheaper than a comprehension on Python 3.11 (see _replay)
            outputs.append(Tensor._make(values[s], xp))
        seeds = self._seeds(xp, outputs, sens, is_tuple, out_slots)
        if mode == _context.GRAPH_MODE:
            requires = self._requires(graph, positions, mode, weight_inputs)
            grads = compiled.backward(values, seeds)
        else:
            requires = self._work_out_requires(graph, positions, weight_inputs)
            grads = backward(xp, graph.nodes, values, seeds, requires=requires)

        # 4. the returned gradients, where MindSpore puts them
        wanted = (positions,) if isinstance(positions, int) else positions or ()
        input_slot, weight_slot = self._slot_lookups(graph, args, weight_inputs)
        flat = []  # plain loops, _grad called only for zeros: a frame less per gradient (0.2 us each here)
        for i in wanted:
            s = input_slot(i)
            flat.append(Tensor._make(grads[s], xp) if s is not None and grads[s] is not None
                        else self._grad(xp, grads, s, args[i]))
        for w in self.weights or ():
            s = weight_slot(id(w))
            flat.append(Tensor._make(grads[s], xp) if s is not None and grads[s] is not None
                        else self._grad(xp, grads, s, w))
        result = fill(layout[0], tuple(flat))

        self.last = call = Call(self, graph, values, seeds, mode, replayed, xp, requires, layout[1],
                                (wanted, input_slot, weight_slot))
        _trace._last = weakref.ref(call)  # weakly: what the user let go of is not kept (trace.py)
        if mode == _context.GRAPH_MODE and found[1] is not None:
            graph.cache["plan"] = Plan(compiled, call, is_tuple, out_slots, sens is None, self.sens_fill, layout[0])
        return self._value(graph, outputs, is_tuple), result

    def _recorded(self, args: tuple) -> tuple[Graph, list]:
        """PYNATIVE_MODE's forward: the network run once while a tape records it, as a Graph and the
        value of each slot (a large network keeps only what backward reads)."""
        tape, out = self._record(args, tracing=False)
        graph, values = Graph(tape, *self._output_slots(tape, out)), tape.values
        if graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            tape.tensors = tape.slot_of = None
            memory.release_unread(values, memory.unread_slots(graph.nodes, _as_tuple(graph.outputs)))
        return graph, values

    def keep_forward(self, args: tuple) -> Any:
        """Run the network once, recorded, and keep that recording: a later call with these same
        inputs (vjp's vjp_fn, functional.py) sweeps back through it instead of running the network
        again, in either mode. Returns the network's value."""
        xp = self._backend(args)
        graph, values = self._recorded(args)
        self.kept = (args, graph, values)
        outputs = [Tensor._make(values[s], xp) for s in _as_tuple(graph.outputs)]
        return self._value(graph, outputs, isinstance(graph.outputs, tuple))

    def _replay(self, plan: Plan, graph: Graph, args: tuple, sens: Any) -> tuple[Any, Any]:
        """GRAPH_MODE's call once a graph has run: everything that depends only on the signature
        (positions and their checks, backend, layout, slots, requires, seeds) comes from the plan.
        Worth it: the document's example went from 2.1-2.3x NumPy to 1.2-1.4x (benchmarks/engine.py)."""
        # Plain loops rather than comprehensions: half the cost on Python 3.11 (compile.Compiled.forward).
        code, xp, make = plan.code, plan.xp, Tensor._make
        if self.last is not None and self.last.graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            self._forget_last()  # (asked here first: a small graph, the common case, skips the call)
        values = code.forward(args)
        outputs = []
        for s in plan.out_slots:
            outputs.append(make(values[s], xp))
        if sens is None and plan.seeds is not None and plan.sens_fill == self.sens_fill:
            seeds = plan.seeds
        else:
            seeds = self._seeds(xp, outputs, sens, plan.is_tuple, plan.out_slots)
        got = code.returned(values, seeds)  # in code.grad_slots' order
        flat = []
        for k, zeros_of in zip(plan.picks, plan.zeros):
            flat.append(make(got[k], xp) if k is not None else self._grad(xp, (), None, zeros_of(args)))
        self.graph_code = code.source
        self.last = call = Call(self, graph, values, seeds, _context.GRAPH_MODE, True, xp, plan.requires,
                                plan.labels, plan.where)
        _trace._last = weakref.ref(call)
        return self._value(graph, outputs, plan.is_tuple), fill(plan.layout, tuple(flat))

    def _slot_lookups(self, graph: Graph, args: tuple, weight_inputs: tuple) -> tuple[Any, Any]:
        """Where the returned gradients are: input position -> slot, id(weight) -> slot (None where
        the tensor is not in the graph: its gradient is zeros)."""
        weight_slot = graph.param_slots.get
        if weight_inputs:  # a weight passed as an input too: the tape met it there, as that input
            at = {id(args[i]): graph.input_slots.get(i) for i in weight_inputs}
            weight_slot = lambda key, get=weight_slot: at[key] if key in at else get(key)  # noqa: E731
        return graph.input_slots.get, weight_slot

    def _graph(self, args: tuple, graph: Graph | None, base: tuple | None) -> tuple[Graph, bool]:
        """GRAPH_MODE: the graph for this call (``graph``, kept from an earlier call and found under
        the signature ``base``, or traced now) and whether it was kept."""
        graphs = self.graphs
        if graph is not None:
            return graph, True
        tape, out = self._record(args, tracing=True)
        graph = Graph(tape, *self._output_slots(tape, out))
        tape.tensors = tape.slot_of = tape.originals = None  # the recording is over: let the Tensors go
        graphs.keep(base, args, graph)
        return graph, False

    def _weight_inputs(self, args: tuple) -> tuple:
        """Positions of the arguments that are weights too (a Parameter passed as an input)."""
        return tuple([i for i, a in enumerate(args) if id(a) in self.weight_ids])

    def _forget_last(self) -> None:
        """Let the previous call's intermediate arrays go before this call makes its own (memory.py).
        Its Call stays, and its Trace can still be built (they are computed again from its leaves):
        a call that fails changes nothing. A small call keeps them all."""
        last = self.last
        if last is not None and last._trace is None and last.graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            memory.release_outputs(last.values, last.graph.nodes)

    def _requires(self, graph: Any, positions: Any, mode: int, weight_inputs: tuple = ()) -> list | None:
        """The slots whose gradient is needed for the returned ones; None when every leaf is wanted."""
        if mode == _context.GRAPH_MODE:  # a static graph: work it out once
            key = ("requires", positions, weight_inputs)
            if key not in graph.cache:
                graph.cache[key] = self._work_out_requires(graph, positions, weight_inputs)
            return graph.cache[key]
        return self._work_out_requires(graph, positions, weight_inputs)

    def _work_out_requires(self, graph: Any, positions: Any, weight_inputs: tuple = ()) -> list | None:
        params = graph.param_slots
        if (isinstance(positions, tuple) and len(positions) == len(graph.input_slots)
                and len(params) + len(positions) == len(graph.leaves) and params.keys() == self.weight_ids):
            return None  # every leaf is wanted (the document's get_all with get_by_list): nothing to skip
        wanted = [graph.input_slots[p] for p in ((positions,) if isinstance(positions, int) else positions or ())
                  if p in graph.input_slots]
        wanted += [graph.input_slots[p] for p in weight_inputs if p in graph.input_slots]
        if self.weights is not None:
            wanted += [params[id(w)] for w in self.weights if id(w) in params]
        if len(wanted) == len(graph.leaves):
            return None
        return requires_grad(graph.nodes, graph.size, wanted)

    # -- pieces ---------------------------------------------------------------------------------
    def _positions(self, args: tuple) -> Any:
        """The input positions differentiated in this call. As in MindSpore, an argument that is not
        a Tensor (a Python number) gets no gradient slot: get_all skips it, and the default first
        input, when it is a number, gives the empty tuple."""
        positions = self.positions
        if positions is ALL_INPUTS:
            return tuple([i for i, a in enumerate(args) if isinstance(a, Tensor)])  # a list: no generator to resume
        if isinstance(positions, int):
            if positions < len(args) and not isinstance(args[positions], Tensor):
                return ()
            return positions
        if positions is None:
            return None
        kept = tuple(p for p in positions if p >= len(args) or isinstance(args[p], Tensor))
        if self.collapse_one and len(kept) == 1:
            return kept[0]  # value_and_grad: "a single value if only one result"
        return kept

    def _split_sens(self, args: tuple) -> tuple[tuple, Any]:
        if not args or (self.most is not None and len(args) <= self.needed):
            raise TypeError(f"For '{self.who}', sens_param is True, so the sensitivity must be passed as "
                            f"the last positional argument after the network's {self.needed} input(s), "
                            f"but got {len(args)} argument(s) in all.")
        return args[:-1], args[-1]

    def _layout(self, positions: Any) -> tuple[Any, list[str]]:
        return returned_layout(positions, None if self.weights is None else len(self.weights), self.bare_weight)

    def _check_positions(self, args: tuple, positions: Any) -> None:
        """Fewer inputs than the network takes, or a gradient position past the inputs, is refused."""
        check_arity(self.who, (self.arg_names, self.needed, self.most), len(args))
        if not (positions == () or (positions == 0 and args and isinstance(args[0], Tensor))):
            for p in (positions,) if isinstance(positions, int) else (positions or ()):
                if p >= len(args):  # MindSpore 2.10: IndexError (GRAPH), RuntimeError (PYNATIVE)
                    what = "'grad_position' asks for" if "grad_position" in self.flags else "asked for"
                    raise IndexError(f"For '{self.who}', {what} the gradient of input {p}, "
                                     f"but the network got {len(args)} input(s).")

    def _backend(self, args: tuple) -> Any:
        """The backend of the input tensors, checked to be one (the context's when there is none)."""
        backend = None
        for a in args:
            if isinstance(a, Tensor):
                if backend is None:
                    backend = a._backend
                elif a._backend is not backend:  # checked here: an input the network ignores meets no primitive
                    raise RuntimeError(f"For '{self.who}', all input tensors must be on the same device, but got "
                                       f"{', '.join(a.device for a in args if isinstance(a, Tensor))}. Move a "
                                       f"tensor explicitly with Tensor(x.asnumpy()) after "
                                       f"context.set_context(device_target=...).")
        return backend if backend is not None else _context.current_backend()

    def _record(self, args: tuple, tracing: bool) -> tuple[_tape.Tape, Any]:
        """Run the network once while a fresh tape records it. Nothing is left behind on error.
        The recording state is the calling thread's own (tape.state). A trace hands construct each
        Tensor argument in a fresh Tensor, so that the tape tells the argument from the same tensor
        read from outside (Tape.originals: a graph is kept per such capture, graph_mode.GraphCache)."""
        state = _tape.state
        tape = _tape.Tape()
        call_args = list(args)
        if tracing:
            tape.originals = {}
        for i, a in enumerate(call_args):
            if isinstance(a, Tensor):
                if id(a) in tape.slot_of or (tracing and type(a) is Tensor):  # the same tensor at two
                    a = call_args[i] = Tensor._make(a._data, a._backend)  # positions: each its own input
                slot = tape.add_input(a, i)
                if tracing:
                    tape.originals.setdefault(id(args[i]), slot)
        state.active, state.tracing = tape, tracing
        try:
            out = self.fn(*call_args)
        finally:
            state.active, state.tracing = None, False
        return tape, out

    def _output_slots(self, tape: _tape.Tape, out: Any) -> tuple[Any, Any]:
        """The slot of each output (one slot, or a tuple of them depth-first) and how they nest."""
        if type(out) is Tensor and id(out) in tape.slot_of:  # the common case: one output the tape made
            return tape.slot_of[id(out)], None  # (without the checks and tape.slot's call: 2k instructions)
        outs, tree = output_tree(out) if isinstance(out, (tuple, list)) else (None, None)
        if outs is not None and not outs:
            raise TypeError(f"For '{self.who}', the network returned an empty {type(out).__name__}; "
                            f"expected a Tensor or a tuple of Tensors.")
        for o in (outs if outs is not None else (out,)):
            if not isinstance(o, Tensor):
                raise TypeError(f"For '{self.who}', the network ('fn') should return a Tensor or a tuple of "
                                f"Tensors, but returned {type(o).__name__}.")
        if outs is None:
            return tape.slot(out), None
        return tuple(tape.slot(o) for o in outs), tree

    def _value(self, graph: Graph, outputs: list, is_tuple: bool) -> Any:
        """The forward value as the network returned it: one Tensor, a tuple, or the nested tuples."""
        if graph.tree is not None:
            return rebuild(graph.tree, outputs)
        return tuple(outputs) if is_tuple else outputs[0]

    def _seeds(self, xp: Any, outputs: list, sens: Any, is_tuple: bool, slots: tuple) -> dict:
        if sens is None and not is_tuple:  # the common case: one output, sens = ones
            return {slots[0]: self._default_sens(xp, outputs[0]._data)}
        seeds: dict = {}
        if self.has_aux:  # only the first output is differentiated; the rest ride along
            outputs, slots = outputs[:1], slots[:1]
        if sens is None:
            given = [None] * len(outputs)
        elif is_tuple and not self.has_aux:
            if isinstance(sens, (tuple, list)):  # nested like the outputs: taken depth-first, as they are
                sens = output_tree(sens)[0]
            if not isinstance(sens, (tuple, list)) or len(sens) != len(outputs):
                got = f"a tuple of {len(sens)}" if isinstance(sens, (tuple, list)) else type(sens).__name__
                # MindSpore 2.10 PYNATIVE_MODE: RuntimeError "The given sens gradient's size should be same as out"
                raise RuntimeError(f"For '{self.who}', the network returns {len(outputs)} outputs, so the "
                                   f"sensitivity should be a tuple of {len(outputs)} Tensors, but got {got}.")
            given = list(sens)
        else:
            given = [sens]
        for i, (o, s, slot) in enumerate(zip(outputs, given, slots)):
            if s is None:
                seed = self._default_sens(xp, o._data)
            else:
                if not isinstance(s, Tensor):
                    raise TypeError(f"For '{self.who}', the sensitivity should be a Tensor, "
                                    f"but got {type(s).__name__}.")
                if s.shape != o.shape:
                    which = f" of output {i}" if is_tuple else ""
                    raise ValueError(f"For '{self.who}', the sensitivity{which} should have the output's shape "
                                     f"{list(o.shape)}, but got shape {list(s.shape)}.")
                if s._backend is not xp:
                    raise RuntimeError(f"For '{self.who}', the sensitivity is on {s.device} but the network "
                                       f"ran on {xp.name}.")
                if s._data.dtype != o._data.dtype:  # MindSpore 2.10 raises TypeError here, in both modes
                    which = f" of output {i}" if is_tuple else ""
                    raise TypeError(f"For '{self.who}', the sensitivity{which} should have the output's dtype "
                                    f"{o.dtype}, but got {s.dtype}.")
                seed = s._data
            seeds[slot] = seed if slot not in seeds else xp.add(seeds[slot], seed)
        return seeds

    def _default_sens(self, xp: Any, out: Any) -> Any:
        """``sens_fill`` (1) in the output's shape, dtype and device: kept, since arrays are never
        changed in place, so one array serves every call."""
        key = (out.shape, out.dtype, xp.name, self.sens_fill)
        seed = self._ones.get(key)
        if seed is None:
            if len(self._ones) >= 8:  # a loss scaler changing TrainOneStepCell.sens: keep the cache small
                self._ones.clear()
            seed = self._ones[key] = xp.full(out.shape, self.sens_fill, out.dtype)
        return seed

    @staticmethod
    def _grad(xp: Any, grads: list, slot: int | None, like: Tensor) -> Tensor:
        """The gradient at ``slot`` as a Tensor: zeros of ``like``'s shape where nothing flowed."""
        g = grads[slot] if slot is not None else None
        if g is None:
            g = xp.zeros(like._data.shape, like._data.dtype)
        return Tensor._make(g, xp)


def _as_tuple(slots: Any) -> tuple:
    return slots if isinstance(slots, tuple) else (slots,)


class Call:
    """What one call kept, for its Trace (built by trace.py only when someone asks for it): the
    Graph and the value of each of its slots, the seeds, the mode, whether a GRAPH_MODE graph was
    replayed, the backend, which slots required a gradient (None: all), and the label of each
    returned gradient in returned_layout's order with what finds its slot (``slots``)."""

    __slots__ = ("runner", "graph", "values", "seeds", "mode", "replayed", "xp", "requires", "labels", "_where",
                 "_trace", "__weakref__")

    def __init__(self, runner: GradRunner, graph: Graph, values: list, seeds: dict, mode: int, replayed: bool,
                 xp: Any, requires: list | None, labels: list, where: tuple) -> None:
        self.runner, self.graph, self.values, self.seeds = runner, graph, values, seeds
        self.mode, self.replayed, self.xp, self.requires = mode, replayed, xp, requires
        self.labels = labels
        self._where = where  # (input positions, input_slot, weight_slot): worked out when asked, not per call
        self._trace: _trace.Trace | None = None

    @property
    def slots(self) -> list:
        """The slot of each returned gradient, in returned_layout's order (None: not in the graph)."""
        wanted, input_slot, weight_slot = self._where
        weights = self.runner.weights
        return [input_slot(i) for i in wanted] + ([] if weights is None else [weight_slot(id(w)) for w in weights])

    def trace(self) -> _trace.Trace:
        if self._trace is None:
            self._trace = _trace.build(self)
        return self._trace
