"""The runner behind every gradient transform: run, seed with sens, sweep, pick the gradients.

``GradRunner.__call__`` is the one call. Its spec (spec.py, worked out once per input signature) says
where the inputs, weights and returned gradients are; the modes differ only in how the forward pass
and the sweep run: recorded on a tape and swept by backward.py (PYNATIVE_MODE, ``pynative``), the
code compiled for the signature (GRAPH_MODE, graph_mode.call), or recorded on an outer transform's
tape with the recorded backend (higher order, nested.call). What a call kept is a trace.Call.
"""
from __future__ import annotations

from typing import Any

from . import context as _context
from . import graph_mode
from . import memory
from . import nested
from . import tape as _tape
from . import trace as _trace
from .backward import backward, requires_of
from .returned import fill, rebuild
from .spec import Spec, arg_names, given_sens, output_slots, seeds
from .tensors import Tensor




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
        self.weight_ids = {id(w) for w in weights} if weights is not None else set()
        self.sens_param = sens_param
        self.has_aux = has_aux
        self.flags = flags or {}
        self.sens_fill = sens_fill  # the value of the default sensitivity (TrainOneStepCell's sens)
        self.bare_weight = bare_weight  # weights given as one Parameter: its gradient is returned bare
        self.collapse_one = collapse_one  # value_and_grad: one input gradient in a tuple is returned bare
        self.signature = arg_names(fn)
        self.arg_names = self.signature[0]
        self.specs: dict = {}  # (the arguments' types, the weights among them) -> Spec
        self.graphs = graph_mode.GraphCache(fn)  # GRAPH_MODE: signature -> traced tape (the Graph)
        self._ones: dict = {}  # (shape, dtype, device, fill) -> the default sensitivity
        self.last: _trace.Call | None = None
        self.kept: tuple | None = None  # vjp's forward pass, recorded once: (inputs, graph, values) (keep_forward)
        self.graph_code: str | None = None  # GRAPH_MODE: the source compiled for the last call (compile.py)

    # -- the call --------------------------------------------------------------------------------
    def __call__(self, *args: Any) -> tuple[Any, Any]:
        sens = None
        if self.sens_param:
            args, sens = self._split_sens(args)
        xp = self.backend(args)
        spec = self.spec(args)
        if _tape.state.active is not None:  # called inside another transform's recording: higher order
            return nested.call(self, spec, xp, args, sens)
        if self.last is not None and self.last.graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            self._forget_last()
        kept = self.kept if self.kept is not None and _same(args, self.kept[0]) else None
        if kept is None and _context._settings["mode"] == _context.GRAPH_MODE:
            value, grads, self.last = graph_mode.call(self, spec, xp, args, sens)
        else:  # (a kept forward pass is swept again, never run again: op by op, in either mode)
            value, grads, self.last = self.pynative(spec, xp, args, sens, kept)
        _trace.remember(self.last)
        return value, fill(spec.structure, grads)

    def pynative(self, spec: Spec, xp: Any, args: tuple, sens: Any, kept: tuple | None) -> tuple:
        """PYNATIVE_MODE: record the network on a tape, seed, sweep the tape, pick."""
        self.graph_code = None
        graph, values = (kept[1], list(kept[2])) if kept is not None else self.recorded(args)
        outputs = [Tensor._make(values[s], xp) for s in graph.out_slots]
        seed = self.seeds(xp, graph, outputs, sens)
        picks = spec.picks(graph, args, self.weights)
        requires = requires_of(graph, picks)
        grads = backward(xp, graph.nodes, values, seed, requires)
        flat = self.pick(xp, spec, args, [grads[s] if s is not None else None for s in picks])
        call = _trace.Call(self, graph, values, seed, _context.PYNATIVE_MODE, False, xp, requires, spec.labels, picks)
        return self.value(graph, outputs), flat, call

    # -- the pieces every mode uses ---------------------------------------------------------------
    def spec(self, args: tuple) -> Spec:
        """This call's spec, made once per argument types and weights among the arguments."""
        weight_inputs = () if self.weights is None or self.weight_ids.isdisjoint(map(id, args)) else \
            tuple([i for i, a in enumerate(args) if id(a) in self.weight_ids])
        key = (tuple(map(type, args)), weight_inputs)
        spec = self.specs.get(key)
        if spec is None:
            if len(self.specs) >= 8:
                self.specs.clear()
            spec = self.specs[key] = Spec(self, args, weight_inputs)
        return spec

    def likes(self, spec: Spec, args: tuple) -> list:
        """The tensor each returned gradient is shaped like (its zeros, where none flowed)."""
        return [args[i] for i in spec.wanted] + list(self.weights or ())

    def seeds(self, xp: Any, graph: Any, outputs: list, sens: Any) -> dict:
        """Output slot -> its seed (an array): the sensitivity given, checked, or sens_fill in its shape."""
        if sens is None:
            given = [self.default_sens(xp, o._data) for o in outputs[:1 if self.has_aux else None]]
        else:
            given = [s._data for s in given_sens(self, xp, outputs, sens, isinstance(graph.outputs, tuple))]
        return seeds(xp, graph.out_slots, given)

    def pick(self, xp: Any, spec: Spec, args: tuple, grads: list) -> tuple:
        """The returned gradients as Tensors, in the spec's order: zeros where none flowed."""
        out = []
        for i, g in enumerate(grads):
            if g is None:  # zeros in the shape of the input or weight it is the gradient of
                like = self.likes(spec, args)[i]
                g = xp.zeros(like._data.shape, like._data.dtype)
            out.append(Tensor._make(g, xp))
        return tuple(out)

    def record(self, args: tuple, tracing: bool) -> _tape.Tape:
        """Run the network once while a fresh tape records it, and finish the tape: the call's Graph.
        Nothing is left behind on error; the recording state is the calling thread's (tape.state). A
        trace hands construct each Tensor argument in a fresh Tensor, so that the tape tells the
        argument from the same tensor read from outside (Tape.originals, graph_mode.GraphCache)."""
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
        return tape.finish(*output_slots(self.who, tape, out))

    def recorded(self, args: tuple) -> tuple[_tape.Tape, list]:
        """PYNATIVE_MODE's forward: the recorded tape and the value of each slot (a large network keeps
        only what backward reads, memory.py)."""
        graph = self.record(args, tracing=False)
        values = graph.values
        if graph.nbytes > memory.RELEASE_ABOVE_BYTES:
            graph.tensors = graph.slot_of = None
            memory.release_unread(values, memory.unread_slots(graph.nodes, graph.out_slots))
        return graph, values

    def keep_forward(self, args: tuple) -> Any:
        """Run the network once, recorded, and keep that recording: a later call with these same
        inputs (vjp's vjp_fn, functional.py) sweeps back through it instead of running the network
        again, in either mode. Returns the network's value."""
        xp = self.backend(args)
        graph, values = self.recorded(args)
        self.kept = (args, graph, values)
        return self.value(graph, [Tensor._make(values[s], xp) for s in graph.out_slots])

    def value(self, graph: Any, outputs: list) -> Any:
        """The forward value as the network returned it: one Tensor, a tuple, or the nested tuples."""
        if graph.tree is not None:
            return rebuild(graph.tree, outputs)
        return tuple(outputs) if isinstance(graph.outputs, tuple) else outputs[0]

    def default_sens(self, xp: Any, out: Any) -> Any:
        """``sens_fill`` (1) in the output's shape, dtype and device: kept, since arrays are never
        changed in place, so one array serves every call."""
        key = (out.shape, out.dtype, xp.name, self.sens_fill)
        seed = self._ones.get(key)
        if seed is None:
            if len(self._ones) >= 8:  # a loss scaler changing TrainOneStepCell.sens: keep the cache small
                self._ones.clear()
            seed = self._ones[key] = xp.full(out.shape, self.sens_fill, out.dtype)
        return seed

    def backend(self, args: tuple) -> Any:
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

    def _split_sens(self, args: tuple) -> tuple[tuple, Any]:
        names, needed, most = self.signature
        if not args or (most is not None and len(args) <= needed):
            raise TypeError(f"For '{self.who}', sens_param is True, so the sensitivity must be passed as "
                            f"the last positional argument after the network's {needed} input(s), "
                            f"but got {len(args)} argument(s) in all.")
        return args[:-1], args[-1]

    def _forget_last(self) -> None:
        """Let the previous call's intermediate arrays go before this call makes its own (memory.py).
        Its Call stays, and its Trace can still be built (they are computed again from its leaves):
        a call that fails changes nothing. A small call keeps them all."""
        if self.last._trace is None:
            memory.release_outputs(self.last.values, self.last.graph.nodes)


def _same(args: tuple, kept: tuple) -> bool:
    return len(args) == len(kept) and all(a is b for a, b in zip(args, kept))
