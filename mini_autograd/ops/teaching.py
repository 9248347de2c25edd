"""Teaching hooks: put a learner's own vjp in place of a primitive's for the length of a ``with`` block.

``override_vjp(ops.MatMul, my_vjp)`` swaps the class's ``vjp`` for an adapter that hands the learner
plain NumPy arrays, ``my_vjp(dout, *inputs) -> (grad per input)``, and checks what comes back; the
backward sweep (backward.py) then calls it like any vjp. The original is put back on exit, error or not.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np

from .math_ops import MatMul
from .primitive import Primitive

_MISSING = object()


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

    def adapter(self: Primitive, xp: Any, dout: Any, out: Any, *inputs: Any, needs: Any = None,
                **attrs: Any) -> tuple:
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
            if g is None or (needs is not None and not needs[i]):
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

    saved = {attr: primitive.__dict__.get(attr, _MISSING) for attr in ("vjp", "vjp_reads", "grads_exact")}
    primitive.vjp = adapter
    # The adapter may read any input, and passes neither ``out`` nor released values: keep them all.
    primitive.vjp_reads = frozenset({"inputs", "out"})
    primitive.grads_exact = False  # what a learner's vjp returns goes through the sweep's checks
    try:
        yield
    finally:
        for attr, value in saved.items():
            if value is _MISSING:
                delattr(primitive, attr)
            else:
                setattr(primitive, attr, value)
