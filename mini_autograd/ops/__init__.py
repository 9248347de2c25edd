"""``mini_autograd.ops``: the primitives by MindSpore's names (``ops.MatMul()(x, y)``) and GradOperation."""
from ..grad import GradOperation
from .math_ops import (Add, Cast, Div, Equal, Exp, Greater, GreaterEqual, Log, MatMul, Mul, Neg, NotEqual, Pow,
                       ReduceMean, ReduceSum, ReLU, Reshape, Sigmoid, Square, Sub, Tanh, Transpose)
from .primitive import Primitive
from .teaching import override_vjp

__all__ = ["Primitive", "MatMul", "Mul", "Add", "Sub", "Div", "Neg", "Square", "Pow", "Exp", "Log", "Tanh",
           "Sigmoid", "ReLU", "ReduceSum", "ReduceMean", "Transpose", "Reshape", "Cast", "Greater", "GreaterEqual", "Equal", "NotEqual",
           "GradOperation",
           "override_vjp"]
