"""GRAPH_MODE's compiler: a traced Graph turned into straight-line Python source, a forward and a
backward function of backend calls (``t1 = xp.mul(x, z)``), compiled once per input signature and
called afterwards. ``print(fvg.graph_code)`` shows the learner what GRAPH_MODE made of their network
(as MindSpore's IR dump or JAX's jaxpr). The Trace for viz is still built lazily, from the values
this code kept, the others computed again (memory.recompute).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .backward import Steps, backward, requires_of
from .memory import Unread
from .spec import seeds as seeds_of
from .symbolic import Announced, Line, Raw, Recorder, Sym, label_of, live
from .tape import Node

# The primitives' forward and the sweep itself run on Syms through a Recorder (symbolic.py), so the
# code computes bit for bit what the tape does. A primitive doing more than backend calls is called whole. Lines no returned value needs are dropped (dead gradients), a value used once is written
# inside its user, a call reading no array becomes a constant (c1). Every name is the compiler's own:
# a0 for argument 0, p0 for the first parameter, t3 for node 3's output, g_t3 for its gradient; the
# user's names (any text: keywords, dtype names, NFKC look-alikes, line breaks) appear only in the
# header's comments, as repr() writes them, one line each. Memory: a small graph's forward
# returns every value, as the tape keeps them; above memory.RELEASE_ABOVE_BYTES only the outputs and
# what backward reads, each intermediate ``del``-eted after its last use (the tape's release_unread).


class Compiled:
    """One graph's generated code for one call spec: ``forward`` gives the values by slot,
    ``backward`` seeds (with the default sensitivity, unless one is passed), sweeps and returns the
    gradients in the spec's returned order, zeros where none flowed."""

    def __init__(self, graph: Any, runner: Any, spec: Any, args: tuple, xp: Any, default_sens: bool,
                 release: bool) -> None:
        self.graph, self.xp, self.size, self.release = graph, xp, graph.size, release
        self._names: set = {"xp", "np", "forward", "backward"}
        self._labels: dict = {}  # id(primitive) -> its name in the namespace, for a call made whole
        self.namespace: dict = {"xp": xp, "np": np}
        self.picks = spec.picks(graph, args, runner.weights)  # the slot of each returned gradient
        self.requires = requires_of(graph, self.picks)
        outs = self.out_slots = graph.out_slots
        rec = Recorder(xp)
        values = self._leaves(graph, runner, args, xp, rec)
        forward_lines = self._forward(graph, values, rec)
        seed_slots = list(dict.fromkeys(outs[:1] if runner.has_aux else outs))
        rec.group, rec.label = ("seed",), "the sensitivity"
        if default_sens:  # seeded in the code: sens_fill in each output's shape, a constant
            given = outs[:1] if runner.has_aux else outs

            def sens(i: int) -> Sym:  # ``g_t2 = c1``: the seed is a line of its own, named as the gradient
                c = rec.full(values[given[i]].shape, runner.sens_fill, values[given[i]].dtype)
                return rec.emit("", (c,), {}, c.value)
            seeds = seeds_of(rec, given, [sens(i) for i in range(len(given))])
            self.seed_slots: list = []
            self.seeds = {s: seeds[s].value for s in seed_slots}  # what the Trace shows as sens
        else:  # passed in: backward's last arguments
            seeds = {s: Sym(xp.full(values[s].shape, 1, values[s].dtype)) for s in seed_slots}
            self.seed_slots, self.seeds = seed_slots, None
        nodes = [Node(Announced(n.prim, k, rec, self), n.attrs, n.inputs, n.output, n.scope)
                 for k, n in enumerate(graph.nodes)]
        steps = Steps(nodes)  # every slot's final gradient: named after it
        grads = steps.every_gradient(backward(rec, nodes, values, seeds, self.requires, steps))
        rec.group, rec.label = ("pick",), "zeros: no gradient flowed"
        returned = [grads[s] if s is not None and grads[s] is not None else rec.zeros(like._data.shape, like._data.dtype)
                    for s, like in zip(self.picks, runner.likes(spec, args))]
        self.source = self._generate(graph, values, rec.lines[:forward_lines], rec.lines[forward_lines:], grads,
                                     steps, seeds, returned)
        exec(compile(self.source, "<graph_code>", "exec"), self.namespace)
        self._forward_fn, self._backward_fn = self.namespace["forward"], self.namespace["backward"]
        # The rules the lines came from: a learner's override_vjp (ops/teaching.py) swaps one for the
        # length of a with block, and the code is made again then. While one is in place the code is
        # stale at once (None is never the rule): that rule is one thread's, the code the graph's.
        self.rules = [(cls, cls.forward, None if getattr(cls.vjp, "overrides", False) else cls.vjp)
                      for cls in dict.fromkeys(type(n.prim) for n in graph.nodes)]
        self.template = [Unread(v) if v is not None and s not in graph.leaves else None
                         for s, v in enumerate(values)]
        for s, value in graph.constants:
            self.template[s] = value
        # forward()'s arguments, in order: (position, slot) of each input, (Parameter, slot) of each parameter
        self._inputs, self._params = ([(key, slot) for kind, key, slot, _ in self.arguments if kind == k]
                                      for k in ("input", "param"))

    # -- the calls --------------------------------------------------------------------------------
    def forward(self, args: tuple) -> list:
        """The values by slot for this call: leaves, outputs and what backward reads (the rest: Unread)."""
        values, data = self.template.copy(), []
        for i, s in self._inputs:
            values[s] = a = args[i]._data
            data.append(a)
        for p, s in self._params:
            values[s] = a = p._data
            data.append(a)
        out = self._forward_fn(*data)
        for s, v in zip(self.forward_slots, (out,) if len(self.forward_slots) == 1 else out):
            values[s] = v
        return values

    def backward(self, values: list, seeds: dict | None) -> tuple:
        """The returned gradients, in the spec's order; ``seeds`` by slot when the sensitivity is passed."""
        given = []
        for s in self.read_slots:
            given.append(values[s])
        for s in self.seed_slots:
            given.append(seeds[s])
        out = self._backward_fn(*given)
        return (out,) if len(self.picks) == 1 else out

    def stale(self) -> bool:
        """Whether a primitive's forward or vjp was swapped since the code was made (override_vjp)."""
        for cls, fwd, vjp in self.rules:
            if cls.vjp is not vjp or cls.forward is not fwd:
                return True
        return False

    # -- the symbolic run -------------------------------------------------------------------------
    def _leaves(self, graph: Any, runner: Any, args: tuple, xp: Any, rec: Recorder) -> list:
        """A Sym for each leaf: a<i> for argument i, p<k> for the k-th parameter (the user's names go
        in the header's comments only)."""
        values: list = [None] * graph.size
        names = runner.arg_names
        self.arguments: list = []  # what forward() is called with: ("input", i, slot, sym), ("param", p, ...)
        self.leaf_syms: list = []
        for index, slot in graph.input_slots.items():
            sym = values[slot] = Sym(args[index]._data, name=self._fresh(f"a{index}"))
            self.arguments.append(("input", index, slot, sym))
            shown = f"argument {index} ({names[index]!r})" if index < len(names) else f"argument {index}"
            self.leaf_syms.append((sym, shown, ": "))
        for k, slot in enumerate(graph.param_slots.values()):
            param = graph.leaves[slot].param
            sym = values[slot] = Sym(param._data, name=self._fresh(f"p{k}"))
            self.arguments.append(("param", param, slot, sym))
            self.leaf_syms.append((sym, f"Parameter {param.name!r}", ": "))
        for slot, value in graph.constants:
            sym = values[slot] = Sym(value)
            sym.const = True
        return values

    def _forward(self, graph: Any, values: list, rec: Recorder) -> int:
        """Run each node's forward on Syms; returns how many lines the forward pass has."""
        self.node_outputs: dict = {}
        for k, node in enumerate(graph.nodes):
            rec.group, rec.label = ("forward", k), label_of(node.prim)
            ins = [values[s] for s in node.inputs]
            mark = len(rec.lines)
            try:
                out = node.prim.forward(rec, *ins, **node.attrs)
                if type(out) is not Sym:
                    raise TypeError("forward returned something else than a backend array")
            except Exception:  # a primitive that does more than call the backend: called whole
                del rec.lines[mark:]
                value = node.prim.forward(rec._xp, *[s.value for s in ins], **node.attrs)
                out = rec.opaque(f"{self._label(node.prim)}.forward", (Raw("xp"), *ins), dict(node.attrs), value)[0]
            if out.line is None or out.line.group != rec.group or out.const:  # an input handed back
                out = rec.emit("", (out,), {}, out.value)
            values[node.output] = out
            self.node_outputs[id(out)] = k
        return len(rec.lines)

    def _label(self, prim: Any) -> str:
        """The primitive as the source calls it when it is called whole (its instance in the namespace)."""
        label = self._labels.get(id(prim))
        if label is None:
            label = self._labels[id(prim)] = self._fresh(f"op{len(self._labels) + 1}")
            self.namespace[label] = prim
        return label

    def _fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self._names:
            n += 1
            name = f"{base}_{n}"
        self._names.add(name)
        return name

    # -- the source -------------------------------------------------------------------------------
    def _generate(self, graph: Any, values: list, fwd: list, bwd: list, grads: list, steps: list,
                  seeds: dict, returned: list) -> str:
        bwd = live(bwd, set(map(id, returned)))
        reads = {id(a): a for line in bwd for a in line.syms()
                 if not a.const and (a.line is None or a.line.group[0] == "forward")}
        seed_ids = {id(seeds[s]) for s in self.seed_slots}
        outs = graph.out_slots
        # an output that is a leaf (an argument, a parameter, a tensor closed over) is in place already
        self.forward_slots = [s for s in dict.fromkeys(outs) if s not in graph.leaves]
        made = len(self.forward_slots)
        by_id = {id(v): s for s, v in enumerate(values) if v is not None}
        kept = set(self.forward_slots)  # (a set: asking the list was quadratic in the graph's size)
        for sym in reads.values() if self.release else values:  # a small graph keeps every value, as the tape
            s = by_id.get(id(sym)) if sym is not None else None
            if s is not None and s not in graph.leaves and s not in kept:
                self.forward_slots.append(s)
                kept.add(s)
        self.forward_slots[made:] = sorted(self.forward_slots[made:])
        fwd = live(fwd, {id(values[s]) for s in self.forward_slots}, keep_opaque=True)
        order = {a[2]: i for i, a in enumerate(self.arguments)}  # leaves as forward takes them, then the rest
        self.read_slots = sorted((s for s in dict.fromkeys(by_id.get(i) for i in reads) if s is not None
                                  and id(values[s]) not in seed_ids), key=lambda s: (order.get(s, len(order)), s))
        self._name_values(values, fwd, bwd, grads, steps, seeds,
                          [values[s] for s in self.forward_slots] + returned)

        lines = self._header(graph)
        params = [a[3].name if type(a[3]) is Sym else a[3] for a in self.arguments]
        lines.append(f"def forward({', '.join(params)}):")
        lines += self._body(fwd, [values[s] for s in self.forward_slots])
        names = [values[s].name for s in self.read_slots] + [seeds[s].name for s in self.seed_slots]
        lines += ["", f"def backward({', '.join(names)}):"]
        flowed = [s is not None and grads[s] is not None for s in self.picks]
        aliases = list(dict.fromkeys(f"    g_{values[s].name} = {g.name}" for s, g, f in zip(self.picks, returned, flowed)
                                     if f and g.name != "g_" + values[s].name))  # another slot's too (Add passes it on)
        shown = ["g_" + values[s].name if f else g.name for s, g, f in zip(self.picks, returned, flowed)]
        body = self._body(bwd, returned, aliases, shown)
        return "\n".join(lines + body) + "\n"

    def _name_values(self, values: list, fwd: list, bwd: list, grads: list, steps: list, seeds: dict,
                     returned: list) -> None:
        live = fwd + bwd
        uses: dict = {id(r): 1 for r in returned}  # a returned value keeps its name
        for a in [a for line in live for a in line.syms()]:
            uses[id(a)] = uses.get(id(a), 0) + 1
        self._inline: set = set()
        users = {id(a): line for line in live for a in line.syms()}
        for line in live:
            sym = line.targets[0] if len(line.targets) == 1 else None
            if (sym is not None and not line.opaque and line.fn and id(sym) not in self.node_outputs
                    and uses.get(id(sym)) == 1 and id(sym) in users and users[id(sym)].group == line.group
                    and not sym.const):
                self._inline.add(id(sym))
        constants: dict = {}
        for a in [a for line in live for a in line.syms()] + returned:  # (zeros are returned as they are)
            if a.const and a.name is None:
                self._name_constant(a, constants)
        for sym, k in [(s, k) for line in fwd for s in line.targets if s is not None
                       and (k := self.node_outputs.get(id(s))) is not None]:
            sym.name = self._fresh(f"t{k + 1}")
        name_of = lambda s: values[s].name or f"s{s}"  # noqa: E731
        final: dict = {}
        for s in range(len(grads) - 1, -1, -1):  # the latest tensor first: a gradient passed on keeps its name
            if grads[s] is not None and values[s] is not None:
                final.setdefault(id(grads[s]), s)
        for s, sym in seeds.items():
            sym.name = self._fresh("g_" + name_of(final[id(sym)]) if id(sym) in final else f"g_{name_of(s)}_1")
        parts: dict = {}
        for step in steps:
            for s, g in zip(self.graph.nodes[step.node].inputs, step.grads):
                if g is not None:
                    parts.setdefault(id(g), s)
        counts: dict = {}
        for sym in [t for line in bwd + fwd for t in line.targets]:
            if sym is None or sym.name is not None or id(sym) in self._inline:
                continue
            if sym.line.fn == "xp.add" and id(sym.line.args[0]) in parts:  # a sum of a slot's gradients so far
                parts.setdefault(id(sym), parts[id(sym.line.args[0])])
            if id(sym) in final:
                sym.name = self._fresh("g_" + name_of(final[id(sym)]))
            elif id(sym) in parts:
                s = parts[id(sym)]
                counts[s] = counts.get(s, 0) + 1
                sym.name = self._fresh(f"g_{name_of(s)}_{counts[s]}")
            else:
                sym.name = self._fresh("tmp")

    def _name_constant(self, sym: Sym, constants: dict) -> None:
        """Name a constant once per value: a call that read no array is shown as that call; a constant
        of the network (a Python number in construct) by its value, read on the host only on the CPU
        (on the GPU that would be a copy from the device at every first call)."""
        if sym.line is not None:
            key = shown = self._expr(sym.line)
        else:
            kind = f"{np.dtype(sym.dtype)}, " + (f"shape {list(sym.shape)}" if len(sym.shape) else "a scalar")
            key, shown = id(sym), f"a constant ({kind})"
            if self.xp.name == "CPU" and int(np.prod(sym.shape)) <= 4:
                host = np.asarray(sym.value)
                key, shown = (host.shape, host.dtype.str, host.tobytes()), f"{host.tolist()!r} ({kind})"
        known = constants.get(key)
        if known is not None:
            sym.name = known.name
            return
        constants[key] = sym
        sym.name = self._fresh(f"c{len(constants)}")
        self.namespace[sym.name] = sym.value
        self.leaf_syms.append((sym, shown, " = "))

    def _header(self, graph: Any) -> list:
        return (["# What GRAPH_MODE runs for this input signature (made by mini_autograd/compile.py)"]
                + [f"# {sym.name}{sep}{what}" for sym, what, sep in self.leaf_syms] + [""])

    def _body(self, lines: list, returned: list, aliases: list | None = None,
              names: list | None = None) -> list:
        """The function's lines; on a large graph each value is deleted after the line that last uses it."""
        emitted = [line for line in lines if not (line.targets and line.targets[0] is not None
                                                  and id(line.targets[0]) in self._inline)]
        dies: dict = {}  # line index -> the names it reads last (each name once: where it is read last)
        if self.release:
            last: dict = {}
            for i, line in enumerate(emitted):
                for a in self._refs(line):
                    last[a.name] = i
            defined = {t.name for line in emitted for t in line.targets if t is not None}
            keep = {r.name for r in returned}
            for n, i in last.items():
                if n in defined and n not in keep:
                    dies.setdefault(i, []).append(n)
        out = []
        for i, line in enumerate(emitted):
            targets = ", ".join("_" if t is None else t.name for t in line.targets)
            out.append(f"    {targets} = {self._expr(line)}  # {line.label}")
            if i in dies:
                out.append(f"    del {', '.join(sorted(dies[i]))}")
        shown = names if names is not None else [r.name for r in returned]
        return out + (aliases or []) + [f"    return {', '.join(shown)}" if shown else "    return ()"]

    def _refs(self, line: Line) -> list:
        """The named values a line reads, through the expressions written inside it."""
        found = []
        for a in line.syms():
            found += self._refs(a.line) if id(a) in self._inline else [a]
        return found

    def _expr(self, line: Line) -> str:
        if not line.fn:  # an input handed back as it is
            return self._arg(line.args[0])
        args = [self._arg(a) for a in line.args] + [f"{k}={self._arg(v)}" for k, v in line.kwargs.items()]
        return f"{line.fn}({', '.join(args)})"

    def _arg(self, a: Any) -> str:
        if type(a) is Sym:
            return self._expr(a.line) if id(a) in self._inline else a.name
        if type(a) is Raw:
            return str(a)
        if a is None or isinstance(a, (bool, int, str)):
            return repr(a)
        if isinstance(a, float):
            return repr(a) if np.isfinite(a) else f"float({str(a)!r})"
        if isinstance(a, tuple):
            inner = ", ".join(self._arg(v) for v in a)
            return f"({inner},)" if len(a) == 1 else f"({inner})"
        if isinstance(a, np.dtype) and a.name.isidentifier():
            self.namespace.setdefault(a.name, a)
            if self.namespace[a.name] == a:
                return a.name
        name = self._fresh("k")  # anything else: a value in the namespace
        self.namespace[name] = a
        return name
