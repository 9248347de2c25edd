"""The Primitive base class and ``apply``, the one place where an operation runs and is recorded.

A primitive is one small class: ``forward`` computes the value with the backend's array functions
(``xp``), ``vjp`` turns the gradient of the output into one gradient per input. ``apply`` runs
forward and, while a tape records, appends a Node to it. Cast lives here too: every primitive's
input conversion (``Primitive.tensors``) uses it.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from .. import dtype as _dtype
from .. import tape as _tape
from ..tensors import Tensor

# 0-d constants made from Python numbers, shared: arrays are never changed in place.
_constants: dict = {}
_FLOAT32 = np.dtype(np.float32)


class Primitive:
    """Base of every operation. Subclasses define ``forward(xp, *arrays, **attrs)`` and
    ``vjp(xp, dout, out, *arrays, needs, **attrs)`` (``needs``: a bool per input, whether its
    gradient is wanted; a vjp may skip the work for the others and return None there).
    ``__call__`` accepts Tensors and Python numbers."""

    name = "Primitive"
    # What vjp reads beyond shapes and dtypes: "inputs" and/or "out". A value no vjp reads may be let
    # go before a large network's backward pass (memory.release_unread); the Trace recomputes it.
    vjp_reads = frozenset({"inputs", "out"})

    def __init__(self, name: str | None = None) -> None:
        if name is not None:  # ops.Primitive("MyOp"), as MindSpore's; subclasses have their name already
            if not isinstance(name, str):
                raise TypeError(f"For 'Primitive', the argument 'name' should be str, but got {type(name).__name__}.")
            self.name = name

    def __call__(self, *args: Any) -> Tensor:
        return apply(self, self.tensors(args), _NO_ATTRS)

    def tensors(self, args: tuple) -> tuple:
        """Check the inputs: Tensors, or Python numbers next to a Tensor (they take its dtype)."""
        like = next((a for a in args if isinstance(a, Tensor)), None)
        if like is None:
            raise TypeError(f"For '{self.name}', at least one input should be a Tensor, "
                            f"but got {', '.join(type(a).__name__ for a in args)}.")
        out = tuple(a if isinstance(a, Tensor) else self.number(a, like) for a in args)
        if like._data.dtype.kind != "f" and any(isinstance(a, float) for a in args):
            # MindSpore's implicit conversion: an integer tensor meets a Python float -> Float32
            out = tuple(t if t._data.dtype.kind == "f" else CAST(t, "float32") for t in out)
        return out

    def number(self, value: Any, like: Tensor) -> Tensor:
        if not isinstance(value, (bool, int, float)):
            raise TypeError(f"For '{self.name}', the inputs should be Tensors or Python numbers, "
                            f"but got {type(value).__name__}.")
        dtype = like._data.dtype
        if isinstance(value, float) and dtype.kind != "f":
            dtype = _FLOAT32
        key = (type(value), repr(value), dtype, like._backend.name)  # repr: 0.0 and -0.0 differ
        tensor = _constants.get(key)
        if tensor is None:
            if isinstance(value, int) and dtype.kind in "iu":
                value = _wrapped(self.name, value, dtype)
            tensor = Tensor._make(like._backend.full((), value, dtype), like._backend)
            if len(_constants) < 4096:
                _constants[key] = tensor
        return tensor

    def attributes(self) -> dict:
        """The constructor's settings, for display (``MatMul(transpose_b=True)``)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "name"}

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.attributes().items())
        return f"{self.name}({settings})"

    def forward(self, xp: Any, *arrays: Any, **attrs: Any) -> Any:
        raise NotImplementedError

    def vjp(self, xp: Any, dout: Any, out: Any, *arrays: Any, needs: tuple, **attrs: Any) -> tuple:
        raise NotImplementedError


_NO_ATTRS: dict = {}  # the attributes of a primitive called without any (never changed)


def _wrapped(who: str, value: int, dtype: np.dtype) -> int:
    """A Python int in an integer tensor's dtype, wrapped around as MindSpore does (uint8 + 300 adds
    44); one that does not fit in 64 bits is refused with MindSpore's exception type."""
    if not -(1 << 63) <= value < (1 << 63):
        raise RuntimeError(f"For '{who}', the Python int {value} does not fit in a 64-bit integer; "
                           f"expected a value in [-2**63, 2**63).")
    bits = dtype.itemsize * 8
    value %= 1 << bits
    return value - (1 << bits) if dtype.kind == "i" and value >= 1 << (bits - 1) else value


_data = attrgetter("_data")


def apply(prim: Primitive, inputs: tuple, attrs: dict) -> Tensor:
    """Run ``prim`` on Tensors and record it on the active tape, if any."""
    backend = inputs[0]._backend
    for t in inputs:
        if t._backend is not backend:
            _check_same_device(prim, inputs)
    result = Tensor._make(prim.forward(backend, *map(_data, inputs), **attrs), backend)
    tape = _tape.state.active
    if tape is not None:
        tape.record(prim, attrs, inputs, result)
    return result


def _check_same_device(prim: Primitive, inputs: tuple) -> None:
    backend = inputs[0]._backend
    for t in inputs:
        if t._backend is not backend:
            raise RuntimeError(f"For '{prim.name}', all inputs must be on the same device, but got "
                               f"{', '.join(x.device for x in inputs)}. Move a tensor explicitly with "
                               f"Tensor(x.asnumpy()) after context.set_context(device_target=...).")


# -- Cast: here rather than with the other primitives, since Primitive.tensors converts with it ---------

class Cast(Primitive):
    name = "Cast"
    vjp_reads = frozenset()

    def __call__(self, x: Any, dtype: Any) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"For 'Cast', the input 'x' should be a Tensor, but got {type(x).__name__}.")
        return apply(self, (x,), {"dtype": _dtype.to_numpy(dtype)})

    def forward(self, xp, x, dtype):
        return xp.cast(x, dtype)

    # a change of precision: the gradient is cast back to the input's dtype. For an integer input
    # that truncates toward zero, as MindSpore 2.10 does (the gradient of b in float_a * int_b is
    # int(a)); a Bool input gets none.
    def vjp(self, xp, dout, out, x, dtype, needs):
        return (xp.cast(dout, x.dtype) if x.dtype.kind != "b" else None,)


CAST = Cast()
