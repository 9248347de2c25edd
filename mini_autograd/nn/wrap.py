"""Wrapper cells: ForwardValueAndGrad (the subject of the document), WithLossCell, TrainOneStepCell.

They are Cells made with ``auto_prefix=False``, as in MindSpore, so wrapping a network leaves its
parameter names as they were. The work is done by runner.GradRunner.
"""
from __future__ import annotations

from typing import Any

from ..runner import GradRunner
from ..trace import Trace
from ..transforms import check_bool, check_weights, positions_for
from .cell import Cell
from .optim import Optimizer


class ForwardValueAndGrad(Cell):
    """``ForwardValueAndGrad(network, weights=None, get_all=False, get_by_list=False, sens_param=False)``.

    Calling it with the network's inputs (and, with sens_param=True, the sensitivity last) returns
    ``(forward_value, gradients)``. The gradients are: of the first input (neither flag), of every
    input (get_all), of every weight (get_by_list), or ``((inputs...), (weights...))`` (both).
    ``weights`` are ignored unless get_by_list is True, as in MindSpore. ``.trace`` describes the
    last call for viz.
    """

    def __init__(self, network: Any, weights: Any = None, get_all: bool = False, get_by_list: bool = False,
                 sens_param: bool = False) -> None:
        super().__init__(auto_prefix=False)
        check_bool("ForwardValueAndGrad", get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        w = check_weights("ForwardValueAndGrad", weights) if get_by_list else None
        runner = GradRunner(network, "ForwardValueAndGrad", positions_for(get_all, get_by_list), w, sens_param,
                            flags={"get_all": get_all, "get_by_list": get_by_list, "sens_param": sens_param})
        self.network = network
        self.weights = weights
        self.get_all, self.get_by_list, self.sens_param = get_all, get_by_list, sens_param
        self.runner = runner

    def construct(self, *inputs: Any) -> tuple:
        return self.runner(*inputs)

    def __call__(self, *inputs: Any) -> tuple:  # straight to the runner: no cell scope to open
        return self.runner(*inputs)

    @property
    def graph_code(self) -> str | None:
        """GRAPH_MODE: the Python source compiled for the last call (compile.py); None in PYNATIVE_MODE."""
        return self.runner.graph_code

    @property
    def trace(self) -> Trace | None:
        """The Trace of the last call (None before the first)."""
        return None if self.runner.last is None else self.runner.last.trace()


class WithLossCell(Cell):
    """``loss_fn(backbone(data), label)``: a network with its loss, ready for TrainOneStepCell."""

    def __init__(self, backbone: Cell, loss_fn: Cell) -> None:
        super().__init__(auto_prefix=False)
        for arg, v in (("backbone", backbone), ("loss_fn", loss_fn)):
            if not isinstance(v, Cell):
                raise TypeError(f"For 'WithLossCell', '{arg}' should be a Cell, but got {type(v).__name__}.")
        self._backbone = backbone
        self._loss_fn = loss_fn

    def construct(self, data: Any, label: Any) -> Any:
        return self._loss_fn(self._backbone(data), label)

    @property
    def backbone_network(self) -> Cell:
        return self._backbone


class TrainOneStepCell(Cell):
    """One training step: the loss, its gradients for the optimizer's parameters, then the optimizer's
    update. Returns the loss before the update.

    The backward pass is seeded with ``sens`` (1.0 when not given): GradOperation(get_by_list=True,
    sens_param=True) with the sensitivity filled with ``sens``, as in MindSpore. As in MindSpore 2.10's
    PYNATIVE_MODE, assigning ``.sens`` later takes effect on the next step when a ``sens`` was given at
    construction, and is ignored when none was (MindSpore then runs its no-sens path).
    """

    def __init__(self, network: Cell, optimizer: Optimizer, sens: float | None = None) -> None:
        super().__init__(auto_prefix=False)
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"For 'TrainOneStepCell', 'optimizer' should be an Optimizer (SGD, Momentum), "
                            f"but got {type(optimizer).__name__}.")
        if sens is not None and (isinstance(sens, bool) or not isinstance(sens, (int, float))):
            raise TypeError(f"For 'TrainOneStepCell', 'sens' should be a number, but got {type(sens).__name__}.")
        if sens == 0:
            raise ValueError("For 'TrainOneStepCell', 'sens' can not be 0: every gradient would be zero.")
        self.network = network
        self.network.set_grad()
        self.optimizer = optimizer
        self.weights = optimizer.parameters
        self.sense_flag = sens is not None
        self.sens = 1.0 if sens is None else sens
        self.runner = GradRunner(network, "TrainOneStepCell", None, tuple(self.weights), False,
                                 flags={"get_all": False, "get_by_list": True, "sens_param": False},
                                 sens_fill=float(self.sens))

    def construct(self, *inputs: Any) -> Any:
        if self.sense_flag:
            self.runner.sens_fill = float(self.sens)
        loss, grads = self.runner(*inputs)
        self.optimizer(grads)
        return loss
