"""Layers: Dense, SequentialCell and the activation cells ReLU, Tanh and Sigmoid."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .. import dtype as mstype
from .. import initializer
from ..ops import math_ops as P
from ..ops.nn_ops import RELU
from ..tensors import Parameter, Tensor
from .cell import Cell


class ReLU(Cell):
    def construct(self, x: Tensor) -> Tensor:
        return _RELU(x)


class Tanh(Cell):
    def construct(self, x: Tensor) -> Tensor:
        return _TANH(x)


class Sigmoid(Cell):
    def construct(self, x: Tensor) -> Tensor:
        return _SIGMOID(x)


_RELU, _TANH, _SIGMOID = RELU, P.Tanh(), P.Sigmoid()
_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def get_activation(name: Any) -> Cell | None:
    """An activation Cell from a name ('relu', 'tanh', 'sigmoid'), a Cell, or None."""
    if name is None or isinstance(name, Cell):
        return name
    if isinstance(name, str) and name.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[name.lower()]()
    raise ValueError(f"For 'Dense', 'activation' should be one of {sorted(_ACTIVATIONS)}, a Cell or None, "
                     f"but got {name!r}.")


class Dense(Cell):
    """``activation(x @ weight.T + bias)`` with weight of shape (out_channels, in_channels), as MindSpore."""

    def __init__(self, in_channels: int, out_channels: int, weight_init: Any = None, bias_init: Any = None,
                 has_bias: bool = True, activation: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"For 'Dense', '{arg}' should be a positive int, but got {v!r}.")
        if not isinstance(has_bias, bool):
            raise TypeError(f"For 'Dense', 'has_bias' should be bool, but got {type(has_bias).__name__}.")
        np_dtype = mstype.to_numpy(dtype or mstype.float32)
        self.in_channels, self.out_channels, self.has_bias = in_channels, out_channels, has_bias
        self.weight = Parameter(Tensor(initializer.initialize(
            "heuniform" if weight_init is None else weight_init, (out_channels, in_channels), np_dtype,
            fan_in=in_channels)), name="weight")
        if has_bias:
            self.bias = Parameter(Tensor(initializer.initialize(
                "bias_uniform" if bias_init is None else bias_init, (out_channels,), np_dtype,
                fan_in=in_channels)), name="bias")
        self.matmul = P.MatMul(transpose_b=True)
        self.activation = get_activation(activation)
        self.activation_flag = self.activation is not None

    def construct(self, x: Tensor) -> Tensor:
        out = self.matmul(x, self.weight)
        if self.has_bias:
            out = out + self.bias
        if self.activation_flag:
            out = self.activation(out)
        return out

    def extend_repr(self) -> str:
        s = f"input_channels={self.in_channels}, output_channels={self.out_channels}, has_bias={self.has_bias}"
        if self.activation_flag:
            s += f", activation={type(self.activation).__name__}"
        return s


class SequentialCell(Cell):
    """Cells run one after another; indexable (``seq[0]``), iterable, with ``len`` and ``append``."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        cells = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple, OrderedDict, dict)) else args
        items = cells.items() if isinstance(cells, dict) else ((str(i), c) for i, c in enumerate(cells))
        for name, cell in items:
            self._add(name, cell)

    def _add(self, name: str, cell: Any) -> None:
        if not isinstance(cell, Cell):
            raise TypeError(f"For 'SequentialCell', every element should be a Cell, but got "
                            f"{type(cell).__name__} at {name!r}.")
        setattr(self, name, cell)

    def append(self, cell: Cell) -> "SequentialCell":
        self._add(str(len(self._cells)), cell)
        return self

    def __getitem__(self, index: Any) -> Any:
        cells = list(self._cells.values())
        if isinstance(index, slice):  # keyed as in the original, so '2.weight' stays '2.weight' (MindSpore)
            return SequentialCell(OrderedDict(list(self._cells.items())[index]))
        if not -len(cells) <= index < len(cells):
            raise IndexError(f"For 'SequentialCell', index {index} is out of range for {len(cells)} cells.")
        return cells[index]

    def __len__(self) -> int:
        return len(self._cells)

    def __iter__(self):
        return iter(list(self._cells.values()))

    def construct(self, x: Any) -> Any:
        for cell in self._cells.values():
            x = cell(x)
        return x
