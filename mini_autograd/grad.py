"""The gradient transforms: one runner behind ForwardValueAndGrad, GradOperation and value_and_grad.

A call (1) runs the network while a tape records (PYNATIVE_MODE) or replays the graph traced for
this input signature (GRAPH_MODE), (2) seeds each output with its sensitivity -- ones, or the last
positional argument when sens_param=True --, (3) runs the backward sweep and (4) picks the
gradients MindSpore returns for the flags, in ``pick``. It keeps what a Trace needs for viz.
"""
from __future__ import annotations

import inspect
import weakref
from typing import Any, Mapping, Sequence

from . import compile as _compile
from . import context as _context
from . import tape as _tape
from . import trace as _trace
from .backward import (RELEASE_ABOVE_BYTES, Unread, backward, recompute, release_unread, requires_grad,
                       unread_slots)
from .graph_mode import FloatInput, Graph, GraphCache
from .tensor import Parameter, ParameterTuple, Tensor


def check_bool(who: str, **flags: Any) -> None:
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"For '{who}', the argument '{name}' should be bool, but got "
                            f"{type(value).__name__} ({value!r}).")


def check_weights(who: str, weights: Any, single: bool = False) -> tuple:
    """get_by_list needs a ParameterTuple, or a list/tuple of Parameters; with ``single`` (GradOperation,
    value_and_grad) a bare Parameter is accepted too, as MindSpore accepts it there."""
    if single and isinstance(weights, Parameter):
        return (weights,)
    if isinstance(weights, Parameter) or not isinstance(weights, (ParameterTuple, list, tuple)):
        got = "a single Parameter" if isinstance(weights, Parameter) else type(weights).__name__
        raise TypeError(f"For '{who}', when get_by_list is True, 'weights' should be a ParameterTuple "
                        f"(or a list or tuple of Parameters), but got {got}. "
                        f"Use ParameterTuple(net.trainable_params()).")
    for i, w in enumerate(weights):
        if not isinstance(w, Parameter):
            raise TypeError(f"For '{who}', every element of 'weights' should be a Parameter, "
                            f"but element {i} is {type(w).__name__}.")
    return tuple(weights)


def pick(input_grads: Mapping | Sequence, weight_grads: Sequence | None, positions: Any,
         bare_weight: bool = False) -> Any:
    """MindSpore's returned structure, from the gradients of the inputs (by position) and weights.

    positions is an int (the gradient of that input, a Tensor), a tuple (a tuple over those inputs)
    or None (no input gradients). With weights: a tuple over weights alone when positions is None,
    else ``(inputs, weights)``; ``bare_weight`` (weights given as one Parameter) puts that weight's
    gradient in place of the tuple. ForwardValueAndGrad's flags map to this as: neither -> 0;
    get_all -> every Tensor input; get_by_list -> None with weights; both -> every input with weights.
    """
    if isinstance(positions, int):
        chosen = input_grads[positions]
    elif positions is not None:
        chosen = tuple(input_grads[p] for p in positions)
    if weight_grads is None:
        return chosen
    weights = weight_grads[0] if bare_weight else tuple(weight_grads)
    if positions is None:
        return weights
    return chosen, weights


def _arg_names(fn: Any) -> tuple[list, int, int | None]:
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
        self.arg_names, self.needed, self.most = _arg_names(fn)
        self.graphs = GraphCache(fn)  # GRAPH_MODE: signature -> Graph
        self._ones: dict = {}  # (shape, dtype, device) -> the default sensitivity
        self.last: Record | None = None
        self.graph_code: str | None = None  # GRAPH_MODE: the source compiled for the last call (compile.py)

    # -- the call ------------------------------------------------------------------------------
    def __call__(self, *args: Any) -> tuple[Any, Any]:
        if self.sens_param:
            args, sens = self._split_sens(args)
        else:
            sens = None
        positions = self._positions(args)
        self._check_inputs(args, positions)
        self._forget_last()
        mode = _context._settings["mode"]
        weight_inputs = () if self.weights is None or self.weight_ids.isdisjoint(map(id, args)) else \
            self._weight_inputs(args)
        if mode == _context.GRAPH_MODE:  # -- compiled GRAPH_MODE (compile.py): the code made for this graph --
            recorded, replayed = self._graph(args)
            compiled = _compile.compiled(recorded, self, args, positions, weight_inputs,
                                         recorded.nbytes > RELEASE_ABOVE_BYTES)
            values, self.graph_code = compiled.forward(args), compiled.source
        else:
            self.graph_code = None
            tape, out, _ = self._record(args, tracing=False)
            recorded = _Recorded(tape, self._output_slots(tape, out))
            values, replayed = tape.values, False
            if tape.nbytes > RELEASE_ABOVE_BYTES:  # a large network: keep only what backward reads
                tape.tensors = tape.slot_of = None
                release_unread(values, unread_slots(tape.nodes, _as_tuple(recorded.outputs)))

        xp = self._backend(args)
        out_slots = recorded.outputs
        is_tuple = isinstance(out_slots, tuple)
        slots = out_slots if is_tuple else (out_slots,)
        outputs = [Tensor._make(values[s], xp) for s in slots]
        seeds = self._seeds(xp, outputs, sens, is_tuple, slots)
        requires = self._requires(recorded, positions, mode, weight_inputs)
        if mode == _context.GRAPH_MODE:
            grads = compiled.backward(values, seeds)
        else:
            grads = backward(xp, recorded.nodes, values, seeds, requires=requires)  # -- end of the hook --

        get = recorded.input_slots.get
        wanted = positions if isinstance(positions, tuple) else () if positions is None else (positions,)
        input_grads = {i: self._grad(xp, grads, get(i), args[i]) for i in wanted}
        weight_grads = None
        if self.weights is not None:
            get = recorded.param_slots.get
            if weight_inputs:  # a weight passed as an input too: the tape met it there, as that input
                at = {id(args[i]): recorded.input_slots.get(i) for i in weight_inputs}
                get = lambda key, get=get: at[key] if key in at else get(key)  # noqa: E731
            weight_grads = [self._grad(xp, grads, get(id(w)), w) for w in self.weights]
        result = pick(input_grads, weight_grads, positions, self.bare_weight)

        self.last = record = Record(self, recorded, values, seeds, mode, replayed, xp,
                                    weight_grads is not None, positions, requires)
        _trace._last = weakref.ref(record)  # weakly: what the user let go of is not kept (trace.py)
        return (tuple(outputs) if is_tuple else outputs[0]), result

    def _graph(self, args: tuple) -> tuple[Graph, bool]:
        """GRAPH_MODE: the graph for this call (kept from an earlier call, or traced now) and
        whether it was kept."""
        graphs = self.graphs
        graph, base = graphs.find(args, _context._settings["device_target"])
        if graph is not None:
            return graph, True
        tape, out, read = self._record(args, tracing=True)
        graph = Graph(tape, self._output_slots(tape, out))
        tape.tensors = tape.slot_of = None  # the recording is over: let the Tensors go
        graphs.keep(base, args, read, graph)
        return graph, False

    def _weight_inputs(self, args: tuple) -> tuple:
        """Positions of the arguments that are weights too (a Parameter passed as an input)."""
        return tuple([i for i, a in enumerate(args) if id(a) in self.weight_ids])

    def _forget_last(self) -> None:
        """Let the previous call's intermediate arrays go before this call makes its own, so that
        their memory is reused rather than handed back to the system and faulted in again (a large
        network's step). Its Record stays, and its Trace can still be built (they are computed
        again from its leaves): a call that fails changes nothing. A small call keeps them all."""
        last = self.last
        if last is not None and last._trace is None and last.recorded.nbytes > RELEASE_ABOVE_BYTES:
            values = last.parts[0]
            for node in last.recorded.nodes:
                if not isinstance(values[node.output], Unread):
                    values[node.output] = Unread(values[node.output])

    def _requires(self, recorded: Any, positions: Any, mode: int, weight_inputs: tuple = ()) -> list | None:
        """The slots whose gradient is needed for the returned ones; None when every leaf is wanted."""
        if mode == _context.GRAPH_MODE:  # a static graph: work it out once
            key = ("requires", positions, weight_inputs)
            if key not in recorded.cache:
                recorded.cache[key] = self._work_out_requires(recorded, positions, weight_inputs)
            return recorded.cache[key]
        return self._work_out_requires(recorded, positions, weight_inputs)

    def _work_out_requires(self, recorded: Any, positions: Any, weight_inputs: tuple = ()) -> list | None:
        params = recorded.param_slots
        if (isinstance(positions, tuple) and len(positions) == len(recorded.input_slots)
                and len(params) + len(positions) == len(recorded.leaves) and params.keys() == self.weight_ids):
            return None  # every leaf is wanted (the document's get_all with get_by_list): nothing to skip
        wanted = [recorded.input_slots[p] for p in ((positions,) if isinstance(positions, int) else positions or ())
                  if p in recorded.input_slots]
        wanted += [recorded.input_slots[p] for p in weight_inputs if p in recorded.input_slots]
        if self.weights is not None:
            wanted += [params[id(w)] for w in self.weights if id(w) in params]
        if len(wanted) == len(recorded.leaves):
            return None
        return requires_grad(recorded.nodes, recorded.size, wanted)

    # -- pieces ---------------------------------------------------------------------------------
    def _positions(self, args: tuple) -> Any:
        """The input positions differentiated in this call. As in MindSpore, an argument that is not
        a Tensor (a Python number) gets no gradient slot: get_all skips it, and the default first
        input, when it is a number, gives the empty tuple."""
        positions = self.positions
        if positions is ALL_INPUTS:
            return tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
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

    def _check_inputs(self, args: tuple, positions: Any) -> None:
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
        if positions == () or (positions == 0 and args and isinstance(args[0], Tensor)):
            return
        for p in (positions,) if isinstance(positions, int) else (positions or ()):
            if p >= len(args):
                raise ValueError(f"For '{self.who}', the gradient of input {p} was asked for, "
                                 f"but the network got {len(args)} input(s).")

    @staticmethod
    def _backend(args: tuple) -> Any:
        for a in args:
            if isinstance(a, Tensor):
                return a._backend
        from . import backends
        return backends.current()

    def _record(self, args: tuple, tracing: bool) -> tuple[_tape.Tape, Any, tuple]:
        """Run the network once while a fresh tape records it. Nothing is left behind on error.
        The recording state is the calling thread's own (tape.state). Also returns the positions
        of the float arguments construct read as numbers while tracing (FloatInput)."""
        state = _tape.state
        if state.active is not None:
            raise RuntimeError(f"'{self.who}' was called while another gradient transform was recording; "
                               f"mini_autograd computes first-order gradients only, one transform at a time.")
        tape = _tape.Tape()
        call_args = list(args)
        floats = []
        for i, a in enumerate(call_args):
            if isinstance(a, Tensor):
                if id(a) in tape.slot_of:  # the same tensor at two positions: each position is its own input
                    a = call_args[i] = Tensor._make(a._data, a._backend)
                tape.add_input(a, i)
            elif tracing and type(a) is float:
                a = call_args[i] = FloatInput(a, i)
                floats.append(a)
        state.active, state.tracing = tape, tracing
        try:
            out = self.fn(*call_args)
        finally:
            state.active, state.tracing = None, False
        return tape, out, tuple([f.index for f in floats if f.read])

    def _output_slots(self, tape: _tape.Tape, out: Any) -> Any:
        outs = out if isinstance(out, (tuple, list)) else None
        if outs is not None and not outs:
            raise TypeError(f"For '{self.who}', the network returned an empty {type(out).__name__}; "
                            f"expected a Tensor or a tuple of Tensors.")
        for o in (outs if outs is not None else (out,)):
            if not isinstance(o, Tensor):
                raise TypeError(f"For '{self.who}', the network should return a Tensor or a tuple of Tensors, "
                                f"but returned {type(o).__name__}.")
        if outs is None:
            return tape.slot(out)
        return tuple(tape.slot(o) for o in outs)

    def _seeds(self, xp: Any, outputs: list, sens: Any, is_tuple: bool, slots: tuple) -> dict:
        if sens is None and not is_tuple:  # the common case: one output, sens = ones
            return {slots[0]: self._default_sens(xp, outputs[0]._data)}
        seeds: dict = {}
        if self.has_aux:  # only the first output is differentiated; the rest ride along
            outputs, slots = outputs[:1], slots[:1]
        if sens is None:
            given = [None] * len(outputs)
        elif is_tuple and not self.has_aux:
            if not isinstance(sens, (tuple, list)) or len(sens) != len(outputs):
                got = f"a tuple of {len(sens)}" if isinstance(sens, (tuple, list)) else type(sens).__name__
                raise ValueError(f"For '{self.who}', the network returns {len(outputs)} outputs, so the "
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


class _Recorded:
    """A PYNATIVE tape seen through the same attributes as a GRAPH_MODE Graph."""

    __slots__ = ("nodes", "leaves", "scopes", "outputs", "input_slots", "param_slots", "size", "nbytes")

    def __init__(self, tape: _tape.Tape, outputs: Any) -> None:
        self.nodes, self.leaves, self.scopes, self.outputs = tape.nodes, tape.leaves, tape.scopes, outputs
        self.size, self.nbytes = len(tape.values), tape.nbytes
        self.input_slots, self.param_slots = tape.inputs, tape.params


class Record:
    """What one call kept, turned into a Trace only when someone asks for it."""

    __slots__ = ("runner", "recorded", "parts", "_trace", "__weakref__")

    def __init__(self, runner: GradRunner, recorded: Any, values, seeds, mode, replayed, xp,
                 with_weights, positions, requires) -> None:
        self.runner = runner
        self.recorded = recorded
        self.parts = (values, seeds, mode, replayed, xp, with_weights, positions, requires)
        self._trace: _trace.Trace | None = None

    def trace(self) -> _trace.Trace:
        if self._trace is None:
            self._trace = self._build()
        return self._trace

    def _build(self) -> _trace.Trace:
        values, seeds, mode, replayed, xp, with_weights, positions, requires = self.parts
        rec = self.recorded
        values = recompute(xp, rec.nodes, values)  # what a large call let go, computed again
        steps: list = []  # the sweep again, now keeping every step: same arrays in, same gradients out
        grads = backward(xp, rec.nodes, values, seeds, steps, requires)
        nodes, leaves, scopes, input_slots = rec.nodes, rec.leaves, rec.scopes, rec.input_slots
        out_slots = rec.outputs if isinstance(rec.outputs, tuple) else (rec.outputs,)
        runner = self.runner
        host = xp.to_numpy
        producer = {n.output: k for k, n in enumerate(nodes)}
        returned: dict[int, str] = {}
        wanted = [positions] if isinstance(positions, int) else list(positions or ())
        prefix_in = "inputs" if with_weights and positions is not None else "grads"
        for j, p in enumerate(wanted):  # j: where the call's tuple of input gradients holds it
            if p in input_slots:
                returned[input_slots[p]] = f"{prefix_in}[{j}]" if not isinstance(positions, int) else (
                    "inputs" if with_weights else "grad")
        if runner.weights is not None:
            param_slots = {id(leaf.param): s for s, leaf in leaves.items() if leaf.role == "parameter"}
            for j, w in enumerate(runner.weights):
                if id(w) in param_slots:
                    returned[param_slots[id(w)]] = (("grad" if positions is None else "weights")
                                                    if runner.bare_weight else f"weights[{j}]")
        tensors = []
        for slot, value in enumerate(values):
            leaf = leaves.get(slot)
            role = leaf.role if leaf is not None else "intermediate"
            role = "input" if role == "scalar" else role  # a Python float argument, an input of the graph
            name = ""
            index = None
            if role == "input":
                index = leaf.index
                name = runner.arg_names[index] if index < len(runner.arg_names) else f"input{index}"
            elif role == "parameter":
                name = leaf.param.name
            g = grads[slot]
            tensors.append(_trace.TensorInfo(
                id=slot, role=role, name=name, shape=tuple(value.shape), dtype=_dtype_name(value),
                value=host(value), grad=None if g is None else host(g), producer=producer.get(slot),
                input_index=index, output_index=out_slots.index(slot) if slot in out_slots else None,
                returned_as=returned.get(slot)))
        node_infos = [_trace.NodeInfo(id=k, op=n.prim.name, attrs={**n.prim.attributes(), **_plain(n.attrs)},
                                      inputs=list(n.inputs), output=n.output, scope=n.scope)
                      for k, n in enumerate(nodes)]
        scope_infos = _scopes(runner.fn, scopes)
        step_infos = [_trace.StepInfo(index=i, node=s.node, dout=host(s.dout),
                                      grads=[None if g is None else host(g) for g in s.grads],
                                      accumulated=list(s.accumulated)) for i, s in enumerate(steps)]
        return _trace.Trace(
            tensors=tensors, nodes=node_infos, scopes=scope_infos, steps=step_infos,
            outputs=list(out_slots), sens=[host(seeds[s]) for s in dict.fromkeys(out_slots) if s in seeds],
            flags=dict(runner.flags), mode="GRAPH_MODE" if mode == _context.GRAPH_MODE else "PYNATIVE_MODE",
            device=xp.name, replayed=replayed)


def _dtype_name(array: Any) -> str:
    from .dtype import from_numpy
    return from_numpy(array.dtype).name


def _plain(attrs: dict) -> dict:
    return {k: (str(v) if k == "dtype" else v) for k, v in attrs.items()}


def _scopes(fn: Any, scopes: list) -> list:
    """Name each recorded scope by the cell's attribute path inside the network."""
    paths: dict[int, str] = {}
    if hasattr(fn, "cells_and_names"):
        for path, cell in fn.cells_and_names():
            paths.setdefault(id(cell), path)
    infos = []
    for i, (cell, parent) in enumerate(scopes):
        if cell is None:
            infos.append(_trace.ScopeInfo(id=i, parent=parent, path="", cell=""))
        else:
            infos.append(_trace.ScopeInfo(id=i, parent=parent, path=paths.get(id(cell), type(cell).__name__),
                                          cell=type(cell).__name__))
    return infos


# -- the public transforms ------------------------------------------------------------------------

class GradOperation:
    """``GradOperation(get_all, get_by_list, sens_param)(network, weights)(*inputs)`` -> gradients."""

    def __init__(self, get_all: bool = False, get_by_list: bool = False, sens_param: bool = False) -> None:
        check_bool("GradOperation", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        self.get_all, self.get_by_list, self.sens_param = get_all, get_by_list, sens_param

    def __call__(self, fn: Any, weights: Any = None) -> Any:
        w = None
        if self.get_by_list:
            if weights is None and hasattr(fn, "trainable_params"):
                # MindSpore 2.10 PYNATIVE_MODE differentiates the network's trainable parameters here
                # (its GRAPH_MODE returns an empty tuple); mini_autograd follows PYNATIVE_MODE.
                weights = ParameterTuple(fn.trainable_params())
            w = check_weights("GradOperation", weights, single=True)
        runner = GradRunner(fn, "GradOperation", positions_for(self.get_all, self.get_by_list), w, self.sens_param,
                            flags={"get_all": self.get_all, "get_by_list": self.get_by_list,
                                   "sens_param": self.sens_param},
                            bare_weight=isinstance(weights, Parameter))

        def grad_fn(*args: Any) -> Any:
            return runner(*args)[1]

        grad_fn.runner = runner  # type: ignore[attr-defined]
        return grad_fn


ALL_INPUTS = "all inputs"  # get_all's positions: every input the call receives, however many


def positions_for(get_all: bool, get_by_list: bool) -> Any:
    """ForwardValueAndGrad's flags as input positions (ALL_INPUTS for get_all)."""
    if get_all:
        return ALL_INPUTS
    return None if get_by_list else 0


def value_and_grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False) -> Any:
    """MindSpore 2.x's functional form: ``value_and_grad(fn, grad_position, weights)(*inputs)``
    returns ``(value, grads)``; grads of the inputs at grad_position (an int or a tuple; None for
    none) and, when weights are given, ``(input_grads, weight_grads)``."""
    check_bool("value_and_grad", has_aux=has_aux)
    if grad_position is None and weights is None:
        raise ValueError("For 'value_and_grad', 'grad_position' and 'weights' cannot both be None: "
                         "there would be nothing to differentiate.")
    if grad_position is not None:
        ps = (grad_position,) if isinstance(grad_position, int) else grad_position
        if ps == ():
            raise ValueError("For 'value_and_grad', 'grad_position' should be an int or a non-empty tuple of "
                             "ints, but got (); use grad_position=None to differentiate the weights only.")
        if isinstance(grad_position, bool) or not isinstance(ps, tuple) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in ps):
            raise TypeError(f"For 'value_and_grad', 'grad_position' should be a non-negative int or a tuple "
                            f"of them, but got {grad_position!r}.")
        if any(p < 0 for p in ps):  # MindSpore: ValueError "grad_position must be >= 0."
            raise ValueError(f"For 'value_and_grad', 'grad_position' must be >= 0, but got {grad_position!r}.")
    w = None
    if weights is not None:
        w = check_weights("value_and_grad", weights, single=True)
    runner = GradRunner(fn, "value_and_grad", grad_position, w, False, has_aux=has_aux,
                        flags={"grad_position": grad_position, "has_aux": has_aux},
                        bare_weight=isinstance(weights, Parameter), collapse_one=True)

    def vg_fn(*args: Any) -> Any:
        return runner(*args)

    vg_fn.runner = runner  # type: ignore[attr-defined]
    return vg_fn
