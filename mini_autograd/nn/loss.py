"""Loss cells: MSELoss, SoftmaxCrossEntropyWithLogits and BCEWithLogitsLoss, with MindSpore's ``reduction``
argument."""
from __future__ import annotations

from typing import Any

from ..ops import math_ops as P
from ..ops.array_ops import MEAN, SUM
from ..ops.functional_ops import binary_cross_entropy_with_logits
from ..ops.nn_ops import ONE_HOT, SOFTMAX_CROSS_ENTROPY
from ..tensors import Tensor
from .cell import Cell


class _Loss(Cell):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"For '{type(self).__name__}', 'reduction' should be 'mean', 'sum' or 'none', "
                             f"but got {reduction!r}.")
        self.reduction = reduction

    def reduce(self, x: Tensor) -> Tensor:
        if self.reduction == "mean":
            return MEAN(x, ())
        if self.reduction == "sum":
            return SUM(x, ())
        return x


class MSELoss(_Loss):
    """``mean((logits - labels)^2)`` (or its sum, or elementwise, by ``reduction``)."""

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return self.reduce(P.SQUARE(P.SUB(logits, labels)))


class SoftmaxCrossEntropyWithLogits(_Loss):
    """Cross-entropy of softmax(logits) against labels: one-hot rows, or class indices when ``sparse``."""

    def __init__(self, sparse: bool = False, reduction: str = "none") -> None:
        super().__init__(reduction)
        if not isinstance(sparse, bool):
            raise TypeError(f"For 'SoftmaxCrossEntropyWithLogits', 'sparse' should be bool, "
                            f"but got {type(sparse).__name__}.")
        self.sparse = sparse

    def construct(self, logits: Tensor, labels: Any) -> Tensor:
        if self.sparse:
            labels = ONE_HOT(labels, logits.shape[-1], logits._data.dtype)
        return self.reduce(SOFTMAX_CROSS_ENTROPY(logits, labels))


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(logits) against labels in [0, 1], computed from the logits
    (``ops.binary_cross_entropy_with_logits``); ``weight`` and ``pos_weight`` are constants."""

    def __init__(self, reduction: str = "mean", weight: Any = None, pos_weight: Any = None) -> None:
        super().__init__(reduction)
        for arg, value in (("weight", weight), ("pos_weight", pos_weight)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"For 'BCEWithLogitsLoss', '{arg}' should be a Tensor or None, "
                                f"but got {type(value).__name__}.")
        self.weight, self.pos_weight = weight, pos_weight

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(logits, labels, self.weight, self.pos_weight, self.reduction)
