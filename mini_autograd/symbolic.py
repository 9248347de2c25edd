"""What the GRAPH_MODE compiler runs the primitives and the sweep on: ``Sym``, a value with the line
that made it, and ``Recorder``, the backend with every call written down as a ``Line``. Running each
primitive's forward and the sweep itself (backward.py) on Syms through a Recorder writes the program
that compile.py turns into source: each gradient rule stays written once.
"""
from __future__ import annotations

from typing import Any


class Sym:
    """A value while the generator runs the primitives: the real array (for shapes, dtypes and the
    values later calls compute from) and the line that made it. Anything but a backend call or a
    look at shape and dtype raises, so a primitive that computes on its own is noticed."""

    __slots__ = ("value", "shape", "dtype", "line", "name", "const")
    __array_ufunc__ = None  # np.add(sym, 1) raises TypeError

    def __init__(self, value: Any, line: Any = None, name: str | None = None) -> None:
        self.value, self.shape, self.dtype = value, value.shape, value.dtype
        self.line, self.name, self.const = line, name, False

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a traced value is not an array")

    def __bool__(self) -> bool:
        raise TypeError("a traced value has no truth value")


class Raw(str):
    """Source text used as it is in a call (``xp``)."""


class Line:
    """``targets = fn(*args, **kwargs)``; ``group`` is the node (forward or vjp) it belongs to."""

    __slots__ = ("targets", "fn", "args", "kwargs", "group", "label", "opaque", "_syms")

    def __init__(self, fn: str, args: tuple, kwargs: dict, group: Any, label: str, opaque: bool = False) -> None:
        self.targets: list = []
        self.fn, self.args, self.kwargs, self.group, self.label, self.opaque = fn, args, kwargs, group, label, opaque
        self._syms: list | None = None

    def syms(self) -> list:
        """The Syms the line reads (worked out once: the generator asks a line several times)."""
        if self._syms is None:
            self._syms = [a for a in (*self.args, *self.kwargs.values()) if type(a) is Sym]
        return self._syms


class Recorder:
    """The backend, with every call written down as a Line (calls that read no array: constants)."""

    def __init__(self, xp: Any) -> None:
        self._xp, self.lines, self.group, self.label = xp, [], None, ""

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._xp, name)
        if not callable(fn):
            return fn

        def call(*args: Any, **kwargs: Any) -> Sym:
            value = fn(*map(real, args), **{k: real(v) for k, v in kwargs.items()})
            sym = self.emit(label, args, kwargs, value)
            sym.const = not sym.line.syms()
            return sym
        label = f"xp.{name}"
        setattr(self, name, call)  # made once per backend function (__getattr__ is not asked again)
        return call

    def emit(self, fn: str, args: tuple, kwargs: dict, value: Any, name: str | None = None) -> Sym:
        line = Line(fn, args, kwargs, self.group, self.label)
        line.targets.append(Sym(value, line, name))
        self.lines.append(line)
        return line.targets[0]

    def opaque(self, fn: str, args: tuple, kwargs: dict, value: Any) -> list:
        """A whole primitive method called from the source; its results as Syms (None stays None)."""
        line = Line(fn, args, kwargs, self.group, self.label, opaque=True)
        results = value if isinstance(value, tuple) else (value,)
        line.targets = [None if v is None else Sym(v, line) for v in results]
        self.lines.append(line)
        return line.targets


def real(a: Any) -> Any:
    return a.value if type(a) is Sym else a


class Announced:
    """A node's primitive during the symbolic sweep: tells the recorder whose vjp runs, and calls a
    vjp that does not run on Syms whole."""

    def __init__(self, prim: Any, k: int, rec: Recorder, owner: Any) -> None:
        self._prim, self._k, self._rec, self._owner = prim, k, rec, owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._prim, name)

    def vjp(self, xp: Any, *args: Any, **kwargs: Any) -> Any:
        rec = self._rec
        rec.group, rec.label = ("vjp", self._k), label_of(self._prim)
        mark = len(rec.lines)
        try:
            return self._prim.vjp(xp, *args, **kwargs)
        except Exception:  # computes on its own (a learner's override_vjp): call it whole
            del rec.lines[mark:]
            value = tuple(self._prim.vjp(rec._xp, *[real(a) for a in args],
                                         **{k: real(v) for k, v in kwargs.items()}))
            return tuple(rec.opaque(f"{self._owner._label(self._prim)}.vjp", (Raw("xp"), *args), kwargs, value))


def label_of(prim: Any) -> str:
    """The primitive's name for a comment: a name that is not an identifier is quoted (repr: a line
    break in it cannot end the comment)."""
    return prim.name if prim.name.isidentifier() else repr(prim.name)


def live(lines: list, roots: set, keep_opaque: bool = False) -> list:
    """The lines a root depends on, in order (dead code elimination on straight-line code)."""
    live, kept = set(roots), []
    for line in reversed(lines):
        if line.targets and all(t is not None and t.const for t in line.targets):
            continue  # a constant: a value in the namespace, computed once
        if any(t is not None and id(t) in live for t in line.targets) or (keep_opaque and line.opaque):
            kept.append(line)
            live.update(id(a) for a in line.syms())
    return kept[::-1]
