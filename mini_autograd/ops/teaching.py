"""Teaching hooks: put a learner's own vjp in place of a primitive's for the length of a ``with`` block.

``override_vjp(ops.MatMul, my_vjp)`` swaps the class's ``vjp`` for an adapter that hands the learner
plain NumPy arrays, ``my_vjp(dout, *inputs) -> (grad per input)``, and checks what comes back; the
backward sweep (backward.py) then calls it like any vjp. The original is put back on exit, error or not.
The swap is process-wide, so one thread at a time may be inside override_vjp blocks (another is
refused with an error), and only that thread's calls use the learner's rule.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator

import numpy as np

from .math_ops import MatMul
from .primitive import Primitive

_MISSING = object()
_owner_lock = threading.Lock()
_owner: list = [None, 0]  # [the thread inside override_vjp blocks, how deep it is], under _owner_lock


@contextlib.contextmanager
def override_vjp(primitive: type, vjp: Callable[..., Any]) -> Iterator[None]:
    """Within the block, every ``primitive`` (a Primitive class, e.g. ``ops.MatMul``) uses ``vjp``.

    ``vjp(dout, *inputs, **attrs)`` receives NumPy arrays (``attrs``: the call's settings, such as
    ReduceSum's ``axis``; none for Mul or MatMul) and returns one gradient per input, shaped like that
    input, or None for "no gradient". It must do broadcasting's sum itself (the engine's own vjps leave
    that to ``unbroadcast``), so a wrong shape is an error here, not silently summed. For a MatMul made
    with ``transpose_a``/``transpose_b``, ``vjp`` sees the product ``A @ B`` of the transposed operands
    and its answers are transposed back. The override works in PYNATIVE_MODE and GRAPH_MODE, on CPU
    and GPU (arrays are copied to the host and back).
    """
    if not (isinstance(primitive, type) and issubclass(primitive, Primitive)) or primitive is Primitive:
        got = f"an instance of {type(primitive).__name__}" if isinstance(primitive, Primitive) else repr(primitive)
        raise TypeError(f"For 'override_vjp', 'primitive' should be a Primitive class such as ops.MatMul "
                        f"(the class, not ops.MatMul()), but got {got}.")
    if not callable(vjp):
        raise TypeError(f"For 'override_vjp', 'vjp' should be a function vjp(dout, *inputs) -> tuple of "
                        f"gradients, but got {type(vjp).__name__}.")
    name = primitive.name
    original = primitive.vjp
    me = threading.get_ident()

    def adapter(self: Primitive, xp: Any, dout: Any, out: Any, *inputs: Any, needs: tuple, **attrs: Any) -> tuple:
        if threading.get_ident() != me:  # another thread, outside the block: the rule it had
            return original(self, xp, dout, out, *inputs, needs=needs, **attrs)
        if not hasattr(xp, "to_numpy"):  # the recorded backend (nested.py): a transform around this one
            raise RuntimeError(f"For '{name}', the overriding vjp of override_vjp computes on NumPy arrays, "
                               f"which cannot be differentiated again: a second-order (higher) gradient "
                               f"through it is not supported. Take it outside the with block.")
        host = [xp.to_numpy(a) for a in inputs]
        transposed = isinstance(self, MatMul) and (self.transpose_a, self.transpose_b)
        if transposed:  # the learner's rule is for A @ B; op() is its own inverse
            host = [a.T if t else a for a, t in zip(host, transposed)]
        sent = vjp(xp.to_numpy(dout), *host, **attrs)
        if not isinstance(sent, (tuple, list)) or len(sent) != len(inputs):
            got = f"{len(sent)} values" if isinstance(sent, (tuple, list)) else type(sent).__name__
            raise ValueError(f"For '{name}', the overriding vjp should return a tuple of {len(inputs)} "
                             f"gradients (one per input), but got {got}.")
        grads = []
        for i, (g, a) in enumerate(zip(sent, host)):
            if g is None or not needs[i]:
                grads.append(None)
                continue
            g = np.asarray(g)
            if g.shape != a.shape:
                raise ValueError(f"For '{name}', the overriding vjp's gradient {i} should have its input's "
                                 f"shape {list(a.shape)}, but got shape {list(g.shape)}.")
            if transposed and transposed[i]:
                g = g.T
            grads.append(xp.asarray(np.ascontiguousarray(g, dtype=inputs[i].dtype)))
        return tuple(grads)

    adapter.overrides = True  # compile.Compiled keeps no code made while one is in place (stale at once)
    with _owner_lock:
        if _owner[0] not in (None, me):
            raise RuntimeError(f"For 'override_vjp', another thread is inside an override_vjp block: the "
                               f"override changes {name} for the whole process, so one thread at a time "
                               f"may use it. Enter the block when the other thread has left it.")
        _owner[0], _owner[1] = me, _owner[1] + 1
    saved = {attr: primitive.__dict__.get(attr, _MISSING) for attr in ("vjp", "vjp_reads")}
    primitive.vjp = adapter
    # The adapter may read any input, and passes neither ``out`` nor released values: keep them all.
    primitive.vjp_reads = frozenset({"inputs", "out"})
    try:
        yield
    finally:
        for attr, value in saved.items():
            if value is _MISSING:
                delattr(primitive, attr)
            else:
                setattr(primitive, attr, value)
        with _owner_lock:
            _owner[1] -= 1
            if not _owner[1]:
                _owner[0] = None
