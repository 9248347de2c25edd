"""The document's code (../shared/seed/forward_value_and_grad.md), imports swapped to mini_autograd.

Kept as the document writes it -- classes named ForwardValueAndGradWrtX in each example -- so the
tests exercise exactly the code a learner copies from the page.
"""
import re

import numpy as np

import mini_autograd.context as context
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor
from mini_autograd import dtype as mstype


class Net(nn.Cell):
    def __init__(self):
        super(Net, self).__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name='z')

    def construct(self, x, y):
        x = x * self.z
        out = self.matmul(x, y)
        return out


class InputDerivation(nn.Cell):  # the document's first ForwardValueAndGradWrtX
    def __init__(self, net, get_all=False):
        super(InputDerivation, self).__init__()
        self.net = net
        self.grad = nn.ForwardValueAndGrad(self.net, get_all=get_all)

    def construct(self, x, y):
        ret = self.grad(x, y)
        return ret


class WeightDerivation(nn.Cell):  # the document's second ForwardValueAndGradWrtX
    def __init__(self, net):
        super(WeightDerivation, self).__init__()
        self.net = net
        self.params = ParameterTuple(net.trainable_params())
        self.grad = nn.ForwardValueAndGrad(self.net, weights=self.params, get_by_list=True)

    def construct(self, x, y):
        ret = self.grad(x, y)
        return ret


class GradientScaling(nn.Cell):  # the document's third ForwardValueAndGradWrtX
    def __init__(self, net):
        super(GradientScaling, self).__init__()
        self.net = net
        self.grad = nn.ForwardValueAndGrad(self.net, sens_param=True)
        self.grad_wrt_output = Tensor([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], dtype=mstype.float32)

    def construct(self, x, y):
        ret = self.grad(x, y, self.grad_wrt_output)
        return ret


def inputs():
    x = Tensor([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]], dtype=mstype.float32)
    y = Tensor([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]], dtype=mstype.float32)
    return x, y


# The document's code blocks, exactly as written but for the import name (device_target="GPU" is the
# document's own); tests run it as a script.
DOCUMENT_SCRIPT = '''
import numpy as np
import mini_autograd.context as context
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Tensor
from mini_autograd import ParameterTuple, Parameter
from mini_autograd import dtype as mstype
context.set_context(mode=context.GRAPH_MODE, device_target="GPU")
class Net(nn.Cell):
    def __init__(self):
        super(Net, self).__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name='z')
    def construct(self, x, y):
        x = x * self.z
        out = self.matmul(x, y)
        return out

class ForwardValueAndGradWrtX(nn.Cell):
    def __init__(self, net):
        super(ForwardValueAndGradWrtX, self).__init__()
        self.net = net
        self.grad = nn.ForwardValueAndGrad(self.net)
    def construct(self, x, y):
        ret = self.grad(x, y)
        return ret

x = Tensor([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]], dtype=mstype.float32)
y = Tensor([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]], dtype=mstype.float32)
output = ForwardValueAndGradWrtX(Net())(x, y)
print(output)
class ForwardValueAndGradWrtX(nn.Cell):
    def __init__(self, net):
        super(ForwardValueAndGradWrtX, self).__init__()
        self.net = net
        self.params = ParameterTuple(net.trainable_params())
        self.grad = nn.ForwardValueAndGrad(self.net, weights=self.params, get_by_list=True)
    def construct(self, x, y):
        ret = self.grad(x, y)
        return ret
output = ForwardValueAndGradWrtX(Net())(x, y)
print(output)
class ForwardValueAndGradWrtX(nn.Cell):
    def __init__(self, net):
        super(ForwardValueAndGradWrtX, self).__init__()
        self.net = net
        self.grad = nn.ForwardValueAndGrad(self.net, sens_param=True)
        self.grad_wrt_output = Tensor([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], dtype=mstype.float32)
    def construct(self, x, y):
        ret = self.grad(x, y, self.grad_wrt_output)
        return ret
output = ForwardValueAndGradWrtX(Net())(x, y)
print(output)
'''

# What the document prints for them, in order: input derivation, weight derivation, gradient scaling.
DOCUMENT_OUTPUT = '''
(Tensor(shape=[2, 3], dtype=Float32, value=
[[9.68000054e-01, 3.20000029e+00, 1.78000009e+00],
 [2.83800006e+00, 8.61999989e+00, 4.13000011e+00]]), Tensor(shape=[2, 3], dtype=Float32, value=
[[4.50999975e+00, 2.70000005e+00, 3.60000014e+00],
 [4.50999975e+00, 2.70000005e+00, 3.60000014e+00]]))
(Tensor(shape=[2, 3], dtype=Float32, value=
[[9.68000054e-01, 3.20000029e+00, 1.78000009e+00]
 [2.83800006e+00, 8.61999989e+00, 4.13000011e+00]]), (Tensor(shape=[1], dtype=Float32, value= [2.15359993e+01]),))
(Tensor(shape=[2, 3], dtype=Float32, value=
[[9.68000054e-01, 3.20000029e+00, 1.78000009e+00],
 [2.83800006e+00, 8.61999989e+00, 4.13000011e+00]]), Tensor(shape=[2, 3], dtype=Float32, value=
[[2.21099997e+00, 5.09999990e-01, 1.49000001e+00],
 [5.58799982e+00, 2.68000007e+00, 4.07000017e+00]]))
'''

# The three printed blocks one by one: each starts a line with "(Tensor(".
INPUT_DERIVATION, WEIGHT_DERIVATION, GRADIENT_SCALING = re.split(r"\n(?=\(Tensor\()", DOCUMENT_OUTPUT.strip())
