"""mini_autograd: a small reverse-mode autograd engine on NumPy with MindSpore's API.

Code written for MindSpore runs with ``mindspore`` replaced by ``mini_autograd`` in its imports:
``Tensor`` (and the factory ``tensor``), ``Parameter``, ``ParameterTuple``, ``dtype``, ``context``, ``nn`` (Cell, Dense, ...,
ForwardValueAndGrad), ``ops`` (MatMul, ..., GradOperation) and the functional transforms ``grad``,
``value_and_grad``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd`` (also under ``ops``, as in MindSpore).
"""
from . import context, dtype
from .dtype import bool_, float16, float32, float64, int8, int16, int32, int64, uint8
from . import operators  # noqa: F401  (binds Tensor's operators to the primitives, in that one place)
from . import ops
from . import nn
from .context import GRAPH_MODE, PYNATIVE_MODE, get_context, set_context
from .transforms import GradOperation
from .functional import get_grad, grad, jacfwd, jacrev, jvp, value_and_grad, vjp
from .batching import vmap
from .initializer import set_seed
from .tensors import Parameter, ParameterTuple, Tensor, tensor
from .trace import Trace, last_trace

__version__ = "0.1.0"
__all__ = ["Tensor", "tensor", "Parameter", "ParameterTuple", "dtype", "context", "nn", "ops", "value_and_grad",
           "GradOperation", "grad", "get_grad", "vjp", "jvp", "jacrev", "jacfwd", "vmap", "set_context", "get_context", "GRAPH_MODE", "PYNATIVE_MODE", "set_seed",
           "Trace", "last_trace", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
           "bool_"]
