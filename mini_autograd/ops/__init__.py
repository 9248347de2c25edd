"""``mini_autograd.ops``: the primitives by MindSpore's names (``ops.MatMul()(x, y)``) and GradOperation."""
from ..transforms import GradOperation
from .array_ops import ReduceMean, ReduceSum, Reshape, Transpose
from .math_ops import (Add, Div, Equal, Exp, Greater, GreaterEqual, Log, MatMul, Mul, Neg, NotEqual, Pow, ReLU,
                       Sigmoid, Square, Sub, Tanh)
from .primitive import Cast, Primitive
from .teaching import override_vjp

__all__ = ["Primitive", "MatMul", "Mul", "Add", "Sub", "Div", "Neg", "Square", "Pow", "Exp", "Log", "Tanh",
           "Sigmoid", "ReLU", "ReduceSum", "ReduceMean", "Transpose", "Reshape", "Cast", "Greater", "GreaterEqual", "Equal", "NotEqual",
           "GradOperation",
           "override_vjp"]
