"""MindSpore's dtype names (``mstype.float32`` prints as ``Float32``) mapped to NumPy dtypes.

Import it as MindSpore code does: ``from mini_autograd import dtype as mstype`` (or use the names
at the top level, ``mini_autograd.float32``). A Tensor stores a NumPy (or device) array; its
``.dtype`` is looked up here from the array's NumPy dtype. ``promote`` is MindSpore's rule for the
dtype of a binary operation, which is not NumPy's (``float32 * int32`` stays Float32).
"""
from __future__ import annotations

import numpy as np


class Type:
    """One MindSpore dtype: its printed name (``Float32``) and the NumPy dtype behind it."""

    __slots__ = ("name", "np_dtype")

    def __init__(self, name: str, np_dtype: type) -> None:
        self.name = name
        self.np_dtype = np.dtype(np_dtype)

    def __repr__(self) -> str:
        return "mindspore." + self.name.lower()  # MindSpore 2.10: repr(mstype.float32) == 'mindspore.float32'

    def __str__(self) -> str:
        return self.name  # as a Tensor prints it: dtype=Float32

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and other.np_dtype == self.np_dtype

    def __hash__(self) -> int:
        return hash(self.np_dtype)

    # The gradient rules read ``x.dtype.kind`` and ``x.dtype.itemsize`` of what they are given:
    # NumPy dtypes on the first-order path, these on Tensors when a backward pass is recorded
    # (recorded_backend.py, higher order). NumPy's meaning: 'f' float, 'i' int, 'u' unsigned, 'b' bool.
    @property
    def kind(self) -> str:
        return self.np_dtype.kind

    @property
    def itemsize(self) -> int:
        return self.np_dtype.itemsize


float16 = Type("Float16", np.float16)
float32 = Type("Float32", np.float32)
float64 = Type("Float64", np.float64)
int8 = Type("Int8", np.int8)
int16 = Type("Int16", np.int16)
int32 = Type("Int32", np.int32)
int64 = Type("Int64", np.int64)
uint8 = Type("UInt8", np.uint8)
bool_ = Type("Bool", np.bool_)
float_ = float32
half = float16
single = float32
double = float64
int_ = int64

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NUMPY = {t.np_dtype: t for t in _ALL}


def from_numpy(np_dtype: np.dtype) -> Type:
    """The MindSpore dtype of a NumPy dtype; TypeError for one MindSpore has no name for."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"For 'Tensor', the dtype must be one of "
                        f"{', '.join(t.name for t in _ALL)}, but got NumPy dtype '{np_dtype}'.") from None


def to_numpy(dtype: "Type | np.dtype | type") -> np.dtype:
    """The NumPy dtype for a MindSpore dtype (NumPy dtypes pass through)."""
    if isinstance(dtype, Type):
        return dtype.np_dtype
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"For 'dtype', expected a mindspore dtype such as mstype.float32, "
                        f"but got {dtype!r}.") from None
    from_numpy(np_dtype)  # reject dtypes MindSpore has no name for
    return np_dtype


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """The dtype of a binary operation on arrays of dtypes a and b, by MindSpore's rule (2.10, both
    modes): a float meeting an integer or bool keeps the float's dtype (float32 * int32 is Float32,
    float16 + int32 is Float16); two floats or two integers take the wider one. NumPy would make
    float32 * int32 Float64."""
    if a == b:
        return a
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float != b_float:
        return a if a_float else b
    return np.promote_types(a, b)


def dtype_to_nptype(dtype: "Type | np.dtype | type") -> type:
    """The NumPy type of a MindSpore dtype (``np.float32`` for mstype.float32), as MindSpore's."""
    return to_numpy(dtype).type
