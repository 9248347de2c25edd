"""``mini_autograd.ops``: the primitives by MindSpore's names (``ops.MatMul()(x, y)``), their functional
forms (``ops.matmul(x, y)``, ``ops.stop_gradient``), GradOperation and the functional transforms
(``ops.grad``, ``ops.vjp``, ...), as MindSpore 2.10 has them there too."""
from ..batching import vmap
from ..functional import get_grad, grad, jacfwd, jacrev, jvp, value_and_grad, vjp
from ..transforms import GradOperation
from .array_ops import BroadcastTo, ReduceMean, ReduceSum, Reshape, Stack, Transpose
from .math_ops import (Add, Div, Equal, Exp, Greater, GreaterEqual, Log, MatMul, Mul, Neg, NotEqual, Pow,
                       Sigmoid, Square, Sub, Tanh)
from .functional_ops import (add, arange, binary_cross_entropy_with_logits, broadcast_to, cast, cos, dense, div, equal, exp,
                             eye, greater, log, matmul, mean, mul, neg, ones, ones_like, pow, relu, reshape, sigmoid,
                             sin, softplus, square, stack, stop_gradient, sub, sum, tanh, transpose, zeros, zeros_like, randn)
from .nn_ops import LogSoftmax, ReLU
from .primitive import Cast, Primitive
from .teaching import override_vjp
from .unary_ops import Cos, Sin, Softplus, StopGradient

__all__ = ["Primitive", "MatMul", "Mul", "Add", "Sub", "Div", "Neg", "Square", "Pow", "Exp", "Log", "Tanh",
           "Sigmoid", "ReLU", "ReduceSum", "ReduceMean", "Transpose", "Reshape", "Cast", "Greater", "GreaterEqual", "Equal", "NotEqual",
           "BroadcastTo", "Stack", "LogSoftmax", "GradOperation", "grad", "value_and_grad", "get_grad", "vjp", "jvp",
           "jacrev", "jacfwd", "vmap",
           "override_vjp", "Sin", "Cos", "Softplus", "StopGradient",
           # the functional forms (functional_ops.py)
           "ones", "zeros", "ones_like", "zeros_like", "eye", "add", "sub", "mul", "div", "neg", "square", "pow",
           "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "equal", "greater", "cast", "sum",
           "mean", "reshape", "transpose", "broadcast_to", "stack", "matmul", "dense", "stop_gradient",
           "binary_cross_entropy_with_logits", "randn", "arange"]
