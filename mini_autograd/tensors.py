"""Tensor, Parameter and ParameterTuple, and MindSpore's way of printing them.

A Tensor wraps one array of its backend (NumPy for "CPU") and is never changed in place, so the
tape, a Trace and the user can share its array. Every operator (``+ - * / @``, ``.sum()``, ...)
goes through a primitive in ops/, which is what lets the tape record it: operators.py binds them.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from . import context as _context
from . import dtype as _dtype

_new = object.__new__  # Tensor._make's allocation, without running __init__


class Tensor:
    """An n-dimensional array on a device; ``Tensor(input_data, dtype=None)`` as in MindSpore.

    Python floats (and lists of them) become Float32 and Python ints Int64, as in MindSpore;
    a NumPy array keeps its dtype. ``dtype`` converts.
    """

    __slots__ = ("_data", "_backend")

    def __init__(self, input_data: Any = None, dtype: Any = None, shape: Any = None, init: Any = None) -> None:
        if input_data is None:
            if shape is None:
                raise TypeError("For 'Tensor', 'input_data' must be given (a list, a NumPy array, a number "
                                "or a Tensor), but got None.")
            input_data = np.zeros(tuple(shape), _dtype.to_numpy(dtype or _dtype.float32))
        if isinstance(input_data, Tensor):
            backend, array = input_data._backend, input_data._data
            if dtype is not None and array.dtype != _dtype.to_numpy(dtype):
                array = backend.cast(array, _dtype.to_numpy(dtype))
            self._data, self._backend = array, backend
            return
        host = _to_host_array(input_data)
        if dtype is not None:
            host = host.astype(_dtype.to_numpy(dtype))
        _dtype.from_numpy(host.dtype)  # TypeError for dtypes MindSpore cannot hold
        backend = _context.current_backend()
        self._data = backend.asarray(host)
        self._backend = backend

    @staticmethod
    def _make(array: Any, backend: Any) -> "Tensor":
        """Wrap a backend array without copying or checking (the primitives' fast path; why it is
        written this way: benchmarks/NOTES.md)."""
        t = _new(Tensor)
        t._data = array
        t._backend = backend
        return t

    # -- what a Tensor is -------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self._data.shape)

    @property
    def dtype(self) -> _dtype.Type:
        return _dtype.from_numpy(self._data.dtype)

    @property
    def ndim(self) -> int:
        return len(self._data.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._data.shape, dtype=np.int64))

    @property
    def device(self) -> str:
        """"CPU" or "GPU": where this tensor's array lives."""
        return self._backend.name

    def asnumpy(self) -> np.ndarray:
        """A NumPy copy of the value (copied to the host for a GPU tensor)."""
        _refuse_while_tracing("asnumpy()")
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype)

    # -- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        _refuse_while_tracing("printing")
        return (f"Tensor(shape={list(self._data.shape)}, dtype={self.dtype}, "
                f"value={format_value(self._backend.to_numpy(self._data))})")

    def __str__(self) -> str:
        return str(self.asnumpy())

    # -- Python's truth and number protocols: they read the value --------------------------------
    def __bool__(self) -> bool:
        _refuse_while_tracing("a Python 'if' or 'while' on a tensor's value")
        if self.size != 1:
            raise ValueError(f"The truth value of a Tensor with {self.size} elements is ambiguous; "
                             f"expected a Tensor of one element, but got shape {list(self.shape)}.")
        return bool(self.asnumpy().reshape(()))

    def __float__(self) -> float:
        _refuse_while_tracing("float() of a tensor")
        return float(self.asnumpy().reshape(()))

    def __int__(self) -> int:
        _refuse_while_tracing("int() of a tensor")
        return int(self.asnumpy().reshape(()))

    def __len__(self) -> int:
        if not self._data.shape:
            raise TypeError("len() of a 0-d Tensor is not defined.")
        return self._data.shape[0]

    # Operators (``+ - * / @ ** == < ...``) and the methods that run a primitive (``sum``, ``mean``,
    # ``reshape``, ``squeeze``, ``transpose``, ``T``, ``astype``) are bound to Tensor in operators.py,
    # where the primitives are: each one goes through a primitive, so the tape sees it.
    __hash__ = object.__hash__  # by identity, as MindSpore's (``==`` is elementwise)


class Parameter(Tensor):
    """A Tensor a Cell learns: it has a ``name`` and ``requires_grad``, and ``set_data`` replaces its value.

    A Parameter assigned to a Cell attribute takes the attribute's name when it has none of its own,
    and the cell-path prefix of the cells above it (``net.fc1.weight``), as in MindSpore.
    """

    __slots__ = ("name", "requires_grad", "__weakref__")
    _DEFAULT_NAME = "Parameter"
    # How often set_data gave a Parameter another shape: GRAPH_MODE's graphs are traced for the
    # shapes they read (graph_mode.GraphCache asks this before every call)
    reshaped = 0

    def __init__(self, default_input: Any, name: str | None = None, requires_grad: bool = True,
                 layerwise_parallel: bool = False, parallel_optimizer: bool = True) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"For 'Parameter', the argument 'name' should be str, but got {type(name).__name__}.")
        if not isinstance(requires_grad, bool):
            raise TypeError(f"For 'Parameter', the argument 'requires_grad' should be bool, "
                            f"but got {type(requires_grad).__name__}.")
        if isinstance(default_input, Tensor):
            self._data, self._backend = default_input._data, default_input._backend
        else:
            Tensor.__init__(self, default_input)
        self.name = name if name else self._DEFAULT_NAME
        self.requires_grad = requires_grad

    def set_data(self, data: Any, slice_shape: bool = False) -> "Parameter":
        """Replace the value (same shape; converted to this parameter's dtype). Returns self."""
        new = data if isinstance(data, Tensor) else Tensor(data)
        if new.shape != self.shape and not slice_shape:
            raise ValueError(f"For 'Parameter.set_data', the new data of '{self.name}' must have shape "
                             f"{list(self.shape)}, but got {list(new.shape)}.")
        if new._backend is not self._backend:
            raise RuntimeError(f"For 'Parameter.set_data', the new data of '{self.name}' is on {new.device} "
                               f"but the parameter is on {self.device}.")
        array = new._data
        if array.dtype != self._data.dtype:
            array = self._backend.cast(array, self._data.dtype)
        if array.shape != self._data.shape:
            Parameter.reshaped += 1
        self._data = array
        return self

    @property
    def data(self) -> "Parameter":
        return self

    def value(self) -> Tensor:
        return Tensor._make(self._data, self._backend)

    def clone(self, init: str = "same") -> "Parameter":
        return Parameter(Tensor._make(self._data, self._backend), name=self.name, requires_grad=self.requires_grad)

    def __repr__(self) -> str:
        return (f"Parameter (name={self.name}, shape={self.shape}, dtype={self.dtype}, "
                f"requires_grad={self.requires_grad})")

    __str__ = __repr__


class ParameterTuple(tuple):
    """A tuple of Parameters: the ``weights`` ForwardValueAndGrad differentiates with get_by_list."""

    def __new__(cls, iterable: Iterable[Parameter]) -> "ParameterTuple":
        if isinstance(iterable, Parameter):
            raise TypeError("For 'ParameterTuple', the input should be a collection of Parameter "
                            "(a list, tuple or generator), but got a single Parameter; wrap it: "
                            "ParameterTuple([param]).")
        items = tuple(iterable)
        for i, p in enumerate(items):
            if not isinstance(p, Parameter):
                raise TypeError(f"For 'ParameterTuple', every element should be a Parameter, "
                                f"but element {i} is {type(p).__name__}.")
        return super().__new__(cls, items)


def tensor(input_data: Any = None, dtype: Any = None, shape: Any = None, init: Any = None) -> Tensor:
    """``mindspore.tensor(...)``, the lower-case factory of MindSpore 2.x's examples: a Tensor."""
    return Tensor(input_data, dtype=dtype, shape=shape, init=init)


# -- helpers ----------------------------------------------------------------------------------

def _to_host_array(data: Any) -> np.ndarray:
    """Python numbers and lists follow MindSpore's defaults (float -> Float32, int -> Int64)."""
    if isinstance(data, np.ndarray):
        return np.array(data, copy=True)
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in _flatten(data)):
        data = [v.asnumpy() if isinstance(v, Tensor) else v for v in data]
    if not isinstance(data, (bool, int, float, list, tuple)):
        raise TypeError(f"For 'Tensor', 'input_data' should be a number, a list, a tuple, a NumPy array "
                        f"or a Tensor, but got {type(data).__name__}.")
    try:
        host = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"For 'Tensor', 'input_data' must be a rectangular nested list: {e}") from None
    if host.dtype == np.float64:
        host = host.astype(np.float32)
    return host


def _flatten(data: Any) -> Iterable[Any]:
    for v in data:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def _refuse_while_tracing(what: str) -> None:
    if _context.recording_state.tracing:
        raise RuntimeError(f"GRAPH_MODE traces construct() once and replays the recorded graph, so {what} "
                           f"inside construct() cannot be traced: the value is not known to the graph. "
                           f"Use context.set_context(mode=context.PYNATIVE_MODE) to run Python control "
                           f"flow on tensor values.")


def format_value(arr: np.ndarray) -> str:
    """The text after ``value=`` in a Tensor's repr, in the MindSpore document's format.

    0-d and 1-d values follow on the same line; others start on a new line. Floats print with nine
    significant digits (five for Float16), as ``9.68000054e-01``.
    """
    if arr.ndim == 0:
        v = arr.item()
        return " " + ("%g" % v if isinstance(v, float) else str(v))
    if arr.size == 0:
        return "\n"
    formatter = None
    if arr.dtype.kind == "f":
        digits = 4 if arr.dtype == np.float16 else 8
        formatter = {"float_kind": lambda v: "%.*e" % (digits, v)}
    text = np.array2string(arr, separator=", ", formatter=formatter, max_line_width=100)
    while "\n\n" in text:  # NumPy separates blocks of 3-d arrays by blank lines; MindSpore does not
        text = text.replace("\n\n", "\n")
    return (" " if arr.ndim == 1 else "\n") + text
