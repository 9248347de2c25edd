"""Random programs for the differential test of GRAPH_MODE (issue 21): construct written as source
with hostile names (fullwidth and other NFKC look-alikes, dtype, builtin and generated-code names for
its arguments; any text, keywords and line breaks included, for its Parameters), Python float
arguments and captured constants. Each program runs in PYNATIVE_MODE and in GRAPH_MODE (traced, then
replayed), which must agree bit for bit, and both are checked against float64 central differences.
Some programs pass the captured constant as an argument too: one tensor used twice (PYNATIVE's answer).

Used by tests/graph_mode/test_graph_mode_differential.py (a fixed-seed slice) and benchmarks/graph_differential.py.
"""
from __future__ import annotations

import keyword
import unicodedata

import numpy as np

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor, context

# Argument names: identifiers Python accepts, each hostile to a code generator that reuses them.
ARG_NAMES = [n for n in [
    "x", "y", "xp", "np", "forward", "backward", "float32", "float64", "int64", "bool_", "float16", "sum",
    "len", "print", "max", "t1", "t2", "c1", "g_t1", "g_a0", "a0", "a1", "p0", "op1", "k", "tmp", "self_",
    "\uff58", "\uff43\uff11", "\uff54\uff11", "\uff58\uff50", "\ufb01", "\u210c", "\U0001d431", "\u00b5",
    "\u2168", "\u00aa", "\uff41\uff10", "\uff50\uff10", "g_\uff54\uff11", "\u0394x", "\u03c3", "_",
] if n.isidentifier() and not keyword.iskeyword(n)]
# Parameter names: any text.
PARAM_NAMES = ARG_NAMES + [
    "class", "None", "lambda", "def", "sigma\u00b2", "a\nb", "x # y", "\u2028", "'\"", '"""', "}", "\\",
    "<b>w</b>", "&amp;", " ", "fc1.weight", "0.bias", "\x00", "\u202eevil", "w\r\nimport os", "#", "p0 = 1",
]
SHAPES = [(2, 3), (3,), (1, 3), (2, 1)]  # all broadcast to (2, 3)


class Program:
    """One random program: its source, how to make its Cell, its arguments."""

    def __init__(self, rng: np.random.Generator) -> None:
        n_args = int(rng.integers(1, 4))
        names, seen = [], set()
        while len(names) < n_args:
            name = ARG_NAMES[int(rng.integers(len(ARG_NAMES)))]
            if unicodedata.normalize("NFKC", name) not in seen | {"_ops_", "self"}:
                seen.add(unicodedata.normalize("NFKC", name))
                names.append(name)
        self.float_at = int(rng.integers(n_args + 1)) if rng.random() < 0.5 else None  # a float argument
        self.arg_names = names + (["s_"] if self.float_at is not None else [])
        if self.float_at is not None:
            self.arg_names[-1], self.arg_names[self.float_at] = self.arg_names[self.float_at], "s_"
        self.params = [(PARAM_NAMES[int(rng.integers(len(PARAM_NAMES)))], SHAPES[int(rng.integers(len(SHAPES)))])
                       for _ in range(int(rng.integers(0, 3)))]
        self.constant = rng.uniform(-1, 1, SHAPES[int(rng.integers(len(SHAPES)))])
        self.args = []
        for name in self.arg_names:
            if name == "s_":
                self.args.append(float(np.round(rng.uniform(0.2, 1.5), 3)))
            else:
                self.args.append(rng.uniform(-1, 1, SHAPES[int(rng.integers(len(SHAPES)))]))
        self.param_values = [rng.uniform(-1, 1, shape) for _, shape in self.params]
        # sometimes the captured constant is passed as a Tensor argument too (one tensor, two uses)
        tensor_args = [i for i, a in enumerate(self.args) if not isinstance(a, float)]
        self.alias = tensor_args[int(rng.integers(len(tensor_args)))] if rng.random() < 0.2 else None
        if self.alias is not None:
            self.args[self.alias] = self.constant
        self.source = self._body(rng)

    def _body(self, rng: np.random.Generator) -> str:
        tensors = [n for n in self.arg_names if n != "s_"] + [f"self._ops_p{i}" for i in range(len(self.params))]
        tensors.append("_ops_.c")
        lines, values = [], list(tensors)
        for i in range(int(rng.integers(2, 8))):
            a, b = (values[int(rng.integers(len(values)))] for _ in range(2))
            kind = int(rng.integers(10))
            s = "s_" if self.float_at is not None and rng.random() < 0.5 else "0.7"
            expr = [f"{a} + {b}", f"{a} - {b}", f"{a} * {b}", f"{a} / (1.0 + {b} * {b})",
                    f"_ops_.tanh({a})", f"_ops_.sigmoid({a}) * {s}", f"_ops_.exp(_ops_.tanh({a}))",
                    f"_ops_.Pow()(1.5 + _ops_.tanh({a}), {s})", f"_ops_.rsum({a}, {int(rng.integers(2)) - 1}) * {b}",
                    f"{a} * {s} - {b} ** 2"][kind]
            lines.append(f"        _l{i} = {expr}")
            values.append(f"_l{i}")
        out = " + ".join(f"{v}.sum()" if rng.random() < 0.7 else f"_ops_.mean({v})"
                         for v in values[-int(rng.integers(1, 3)):])
        args = ", ".join(["self"] + self.arg_names)
        return f"    def construct({args}):\n" + "\n".join(lines) + f"\n        return {out}\n"

    def make(self) -> nn.Cell:
        """A fresh Cell running the program (its Parameters named with the hostile names)."""
        scope = {"nn": nn, "_ops_": _Ops}
        exec(f"class Generated(nn.Cell):\n{self.source}", scope)
        cell = scope["Generated"]()
        for i, ((name, _), value) in enumerate(zip(self.params, self.param_values)):
            setattr(cell, f"_ops_p{i}", Parameter(Tensor(value.copy()), name=name))
        return cell

    def call_args(self, constant: Tensor | None = None) -> list:
        """The arguments as Tensors (and floats); the aliased one is ``constant`` itself."""
        return [constant if i == self.alias else a if isinstance(a, float) else Tensor(a.copy())
                for i, a in enumerate(self.args)]


class _Ops:
    """What the generated source calls (``_ops_``), resolved in construct's globals."""
    tanh, sigmoid, exp, Pow = ops.Tanh(), ops.Sigmoid(), ops.Exp(), ops.Pow
    mean = ops.ReduceMean()

    @staticmethod
    def rsum(v, axis):
        return ops.ReduceSum(keep_dims=True)(v, axis)


def run(program: Program, mode: int) -> tuple:
    """(value, input gradients, weight gradients) as NumPy arrays, in ``mode``: GRAPH_MODE is called
    twice (traced and compiled, then replayed); the two must be equal bit for bit."""
    context.set_context(mode=mode)
    try:
        _Ops.c = Tensor(program.constant)
        cell = program.make()
        fvg = nn.ForwardValueAndGrad(cell, ParameterTuple(cell.trainable_params()), get_all=True,
                                     get_by_list=True)
        results = [_host(fvg(*program.call_args(_Ops.c))) for _ in range(2 if mode == context.GRAPH_MODE else 1)]
    finally:
        context.set_context(mode=context.PYNATIVE_MODE)
    if len(results) == 2 and not _same(results[0], results[1]):
        raise AssertionError("GRAPH_MODE's replay differs from its first call")
    return results[0]


def central_differences(program: Program, h: float = 1e-6) -> list:
    """d value / d every Tensor argument and Parameter, by float64 central differences (an argument
    that is the captured constant too moves both: they are one tensor)."""
    _Ops.c = Tensor(program.constant)
    cell = program.make()
    params = cell.trainable_params()
    grads = []

    def value(args):
        return float(cell(*args).asnumpy())

    def moved(i, array):
        t = Tensor(array)
        if i == program.alias:
            _Ops.c = t
        return base[:i] + [t] + base[i + 1:]
    base = program.call_args(_Ops.c)
    for i, a in enumerate(program.args):
        if isinstance(a, float):
            continue
        g = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus, minus = a.copy(), a.copy()
            plus[j] += h
            minus[j] -= h
            g[j] = (value(moved(i, plus)) - value(moved(i, minus))) / (2 * h)
        _Ops.c = base[i] if i == program.alias else _Ops.c
        grads.append(g)
    for p in params:
        a = p.asnumpy()
        g = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            for sign in (1, -1):
                moved = a.copy()
                moved[j] += sign * h
                p.set_data(Tensor(moved))
                g[j] += sign * value(base) / (2 * h)
            p.set_data(Tensor(a))
        grads.append(g)
    return grads


def disagreements(program: Program) -> list:
    """What is wrong with this program's results (empty when PYNATIVE, GRAPH and the differences agree)."""
    found = []
    try:
        eager = run(program, context.PYNATIVE_MODE)
        graph = run(program, context.GRAPH_MODE)
    except Exception as e:  # noqa: BLE001 (any failure is a finding)
        return [f"raised {type(e).__name__}: {e}"]
    if not _same(eager, graph):
        found.append("PYNATIVE and GRAPH differ")
    numeric = central_differences(program)
    flat = list(eager[1][0]) + list(eager[1][1])
    for k, (got, want) in enumerate(zip(flat, numeric)):
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            found.append(f"gradient {k} {got.tolist()} against central differences {want.tolist()}")
    return found


def _host(v):
    if isinstance(v, (tuple, list)):
        return tuple(_host(a) for a in v)
    return v.asnumpy()


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
