"""``mini_autograd.nn``: Cell, layers, losses, optimizers and the wrappers, with MindSpore's names."""
from .cell import Cell
from .layers import Dense, ReLU, SequentialCell, Sigmoid, Tanh
from .loss import BCEWithLogitsLoss, MSELoss, SoftmaxCrossEntropyWithLogits
from .optim import SGD, Momentum, Optimizer
from .wrap import ForwardValueAndGrad, TrainOneStepCell, WithLossCell

__all__ = ["Cell", "Dense", "ReLU", "Tanh", "Sigmoid", "SequentialCell", "MSELoss",
           "SoftmaxCrossEntropyWithLogits", "BCEWithLogitsLoss", "Optimizer", "SGD", "Momentum", "ForwardValueAndGrad",
           "WithLossCell", "TrainOneStepCell"]
