"""``mini_autograd.ops``: the primitives by MindSpore's names (``ops.MatMul()(x, y)``), GradOperation
and the functional transforms (``ops.grad``, ``ops.vjp``, ...), as MindSpore 2.10 has them there too."""
from ..functional import get_grad, grad, jacfwd, jacrev, jvp, value_and_grad, vjp
from ..transforms import GradOperation
from .array_ops import BroadcastTo, ReduceMean, ReduceSum, Reshape, Stack, Transpose
from .math_ops import (Add, Div, Equal, Exp, Greater, GreaterEqual, Log, MatMul, Mul, Neg, NotEqual, Pow, ReLU,
                       Sigmoid, Square, Sub, Tanh)
from .nn_ops import LogSoftmax
from .primitive import Cast, Primitive
from .teaching import override_vjp

__all__ = ["Primitive", "MatMul", "Mul", "Add", "Sub", "Div", "Neg", "Square", "Pow", "Exp", "Log", "Tanh",
           "Sigmoid", "ReLU", "ReduceSum", "ReduceMean", "Transpose", "Reshape", "Cast", "Greater", "GreaterEqual", "Equal", "NotEqual",
           "BroadcastTo", "Stack", "LogSoftmax", "GradOperation", "grad", "value_and_grad", "get_grad", "vjp", "jvp",
           "jacrev", "jacfwd",
           "override_vjp"]
