"""Higher-order gradients and MindSpore's functional differentiation API (issue 15), as cases.

Each ``case_xxx(ms)`` runs ordinary MindSpore code with ``ms`` the ``mindspore`` or the ``mini_autograd``
package and returns plain data (``describe``), or ``raises(...)``'s record of an expected error;
record_higher_order.py ran them under MindSpore 2.10, test_higher_order_fidelity.py runs them here.
Cells are defined inside the cases so that one module serves both packages.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def describe(r: Any) -> Any:
    """A result as plain data: tuples and lists keep their kind, a Tensor becomes (shape, dtype, values)."""
    if isinstance(r, tuple):
        return tuple(describe(x) for x in r)
    if isinstance(r, list):
        return [describe(x) for x in r]
    if hasattr(r, "asnumpy"):
        return (list(r.shape), str(r.dtype), np.round(r.asnumpy().astype(np.float64).ravel(), 5).tolist())
    if callable(r):
        return "<callable>"
    return r


def raises(call: Callable[[], Any]) -> tuple:
    """("raises", exception type name, first 60 characters of its message's first line), or what was returned."""
    try:
        r = call()
    except Exception as e:  # noqa: BLE001  (the type is the datum)
        lines = str(e).strip().splitlines()
        return ("raises", type(e).__name__, lines[0][:60] if lines else "")
    return ("returned", describe(r))


def t(ms: Any, v: Any, dt: str = "float32") -> Any:
    return ms.Tensor(np.array(v, dtype=dt))


X3 = [0.5, 1.0, 2.0]
Y3 = [1.5, -2.0, 0.25]
X = [[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]]  # the document's inputs
Y = [[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]]


def doc_net(ms: Any) -> Any:
    class Net(ms.nn.Cell):  # the document's network: (x * z) @ y
        def __init__(self):
            super().__init__()
            self.matmul = ms.ops.MatMul()
            self.z = ms.Parameter(ms.Tensor(np.array([1.0], np.float32)), name="z")

        def construct(self, x, y):
            x = x * self.z
            return self.matmul(x, y)
    return Net()


def unary_net(ms: Any, name: str) -> Any:
    class Unary(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.op = getattr(ms.ops, name)()

        def construct(self, x):
            return self.op(x)
    return Unary()


def pow_net(ms: Any, n: int) -> Any:
    class Pow(ms.nn.Cell):
        def construct(self, x):
            return x ** n
    return Pow()


def xxy_net(ms: Any) -> Any:
    class XXY(ms.nn.Cell):
        def construct(self, x, y):
            return x * x * y
    return XXY()


def wnet(ms: Any) -> Any:
    class WNet(ms.nn.Cell):  # x * x * w with a weight w
        def __init__(self):
            super().__init__()
            self.w = ms.Parameter(ms.Tensor(np.array(Y3, np.float32)), name="w")

        def construct(self, x):
            return x * x * self.w
    return WNet()


def grad_cell(ms: Any, net: Any, op: Any, weights: Any = None) -> Any:
    """The documentation's pattern: a Cell whose construct applies a gradient operation to ``net``."""
    class GradCell(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = net
            self.grad = op
            self.weights = weights

        def construct(self, *inputs):
            if self.weights is None:
                return self.grad(self.net)(*inputs)
            return self.grad(self.net, self.weights)(*inputs)
    return GradCell()


def go(ms: Any, **kw: Any) -> Any:
    return ms.ops.GradOperation(**kw)


def case_names(ms):
    """Where MindSpore 2.10 has the transforms: the top level, ``ops``, or both (the same function)."""
    names = ("grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "get_grad")
    return tuple((n, hasattr(ms, n), hasattr(ms.ops, n), hasattr(ms, n) and getattr(ms, n) is getattr(ms.ops, n, None))
                 for n in names) + (("ops.GradOperation", hasattr(ms.ops, "GradOperation")),
                                    ("nn.ForwardValueAndGrad", hasattr(ms.nn, "ForwardValueAndGrad")))


# -- nested GradOperation ---------------------------------------------------------------------------

def case_go_go_pow3(ms):
    return describe(go(ms)(go(ms)(pow_net(ms, 3)))(t(ms, X3)))


def case_go_go_function(ms):
    def f(x, y):
        return x * x * y
    return describe(go(ms, get_all=True)(go(ms)(f))(t(ms, X3), t(ms, Y3)))


def case_go_go_pow3_cells(ms):
    inner = grad_cell(ms, pow_net(ms, 3), go(ms))
    return describe(grad_cell(ms, inner, go(ms))(t(ms, X3)))


def _second(ms, name, x):
    inner = grad_cell(ms, unary_net(ms, name), go(ms))
    return describe(grad_cell(ms, inner, go(ms))(t(ms, x)))


def case_go_go_exp(ms):
    return _second(ms, "Exp", [-1.0, 0.0, 0.7])


def case_go_go_tanh(ms):
    return _second(ms, "Tanh", [-1.0, 0.0, 0.7])


def case_go_go_sigmoid(ms):
    return _second(ms, "Sigmoid", [-1.0, 0.0, 0.7])


def case_go_go_log(ms):
    return _second(ms, "Log", [0.5, 1.0, 3.0])


def case_go_go_square(ms):
    return _second(ms, "Square", [0.5, -1.0, 3.0])


def case_go_go_relu(ms):
    return _second(ms, "ReLU", [0.5, -1.0, 3.0])


def case_go_all_over_go_xxy(ms):
    inner = grad_cell(ms, xxy_net(ms), go(ms))
    return describe(grad_cell(ms, inner, go(ms, get_all=True))(t(ms, X3), t(ms, Y3)))


def case_go_over_go_all_xxy(ms):
    inner = grad_cell(ms, xxy_net(ms), go(ms, get_all=True))  # returns (2xy, x*x): a tuple
    return describe(grad_cell(ms, inner, go(ms))(t(ms, X3), t(ms, Y3)))


def case_go_all_over_go_all_xxy(ms):
    inner = grad_cell(ms, xxy_net(ms), go(ms, get_all=True))
    return describe(grad_cell(ms, inner, go(ms, get_all=True))(t(ms, X3), t(ms, Y3)))


def case_go_sens_over_go_xxy(ms):
    inner = grad_cell(ms, xxy_net(ms), go(ms))
    outer = grad_cell(ms, inner, go(ms, get_all=True, sens_param=True))
    return describe(outer(t(ms, X3), t(ms, Y3), t(ms, [1.0, 2.0, -1.0])))


def case_go_all_over_go_sens_xxy(ms):
    inner = grad_cell(ms, xxy_net(ms), go(ms, sens_param=True))  # inputs (x, y, sens)
    outer = grad_cell(ms, inner, go(ms, get_all=True))
    return describe(outer(t(ms, X3), t(ms, Y3), t(ms, [1.0, 2.0, -1.0])))


def case_go_list_over_go_wnet(ms):
    net = wnet(ms)
    inner = grad_cell(ms, net, go(ms))  # d/dx = 2xw
    outer = grad_cell(ms, inner, go(ms, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X3)))


def case_go_all_list_over_go_wnet(ms):
    net = wnet(ms)
    inner = grad_cell(ms, net, go(ms))
    outer = grad_cell(ms, inner, go(ms, get_all=True, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X3)))


def case_go_over_go_list_wnet(ms):
    net = wnet(ms)
    inner = grad_cell(ms, net, go(ms, get_by_list=True), ms.ParameterTuple(net.trainable_params()))  # (x*x,)
    return describe(grad_cell(ms, inner, go(ms))(t(ms, X3)))


def case_doc_go_all_over_go(ms):
    net = doc_net(ms)
    inner = grad_cell(ms, net, go(ms))  # d sum(out)/dx = ones @ y.T * z
    return describe(grad_cell(ms, inner, go(ms, get_all=True))(t(ms, X), t(ms, Y)))


def case_doc_dxdz(ms):
    net = doc_net(ms)
    inner = grad_cell(ms, net, go(ms))
    outer = grad_cell(ms, inner, go(ms, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X), t(ms, Y)))


def case_doc_dzdx(ms):
    net = doc_net(ms)
    inner = grad_cell(ms, net, go(ms, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(grad_cell(ms, inner, go(ms, get_all=True))(t(ms, X), t(ms, Y)))


def case_doc_all_list_over_go_all(ms):
    net = doc_net(ms)
    inner = grad_cell(ms, net, go(ms, get_all=True))
    outer = grad_cell(ms, inner, go(ms, get_all=True, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X), t(ms, Y)))


def case_doc_go_direct(ms):
    net = doc_net(ms)
    return describe(go(ms, get_all=True)(go(ms)(net))(t(ms, X), t(ms, Y)))


def fvg_cell(ms: Any, net: Any, **kw: Any) -> Any:
    class FVG(ms.nn.Cell):  # the document's ForwardValueAndGradWrtX
        def __init__(self):
            super().__init__()
            self.net = net
            if kw.get("get_by_list"):
                self.params = ms.ParameterTuple(net.trainable_params())
                self.grad = ms.nn.ForwardValueAndGrad(self.net, weights=self.params, **kw)
            else:
                self.grad = ms.nn.ForwardValueAndGrad(self.net, **kw)

        def construct(self, x, y):
            return self.grad(x, y)
    return FVG()


def case_doc_go_over_fvg(ms):
    inner = fvg_cell(ms, doc_net(ms))  # (out, dx)
    return describe(grad_cell(ms, inner, go(ms, get_all=True))(t(ms, X), t(ms, Y)))


def case_doc_list_over_fvg_list(ms):
    net = doc_net(ms)
    inner = fvg_cell(ms, net, get_by_list=True)  # (out, (dz,))
    outer = grad_cell(ms, inner, go(ms, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X), t(ms, Y)))


def case_doc_all_list_over_fvg_all(ms):
    net = doc_net(ms)
    inner = fvg_cell(ms, net, get_all=True)  # (out, (dx, dy))
    outer = grad_cell(ms, inner, go(ms, get_all=True, get_by_list=True), ms.ParameterTuple(net.trainable_params()))
    return describe(outer(t(ms, X), t(ms, Y)))


def case_go_third_order(ms):
    g1 = grad_cell(ms, pow_net(ms, 4), go(ms))
    g2 = grad_cell(ms, g1, go(ms))
    return describe(grad_cell(ms, g2, go(ms))(t(ms, X3)))


# -- mindspore.grad / value_and_grad nested -----------------------------------------------------------

def case_grad_grad_pow3(ms):
    def f(x):
        return x ** 3
    return describe(ms.grad(ms.grad(f))(t(ms, X3)))


def case_grad_grad_grad_tanh(ms):
    tanh = ms.ops.Tanh()

    def f(x):
        return tanh(x)
    return describe(ms.grad(ms.grad(ms.grad(f)))(t(ms, [-1.0, 0.0, 0.7])))


def case_grad_all_over_grad_xxy(ms):
    def f(x, y):
        return x * x * y
    return describe(ms.grad(ms.grad(f, 0), (0, 1))(t(ms, X3), t(ms, Y3)))


def case_grad_over_grad_tuple_xxy(ms):
    def f(x, y):
        return x * x * y
    return describe(ms.grad(ms.grad(f, (0, 1)), 1)(t(ms, X3), t(ms, Y3)))


def case_vg_of_grad(ms):
    exp = ms.ops.Exp()

    def f(x, y):
        return exp(x) * y

    def g(x, y):
        return ms.grad(f)(x, y)
    return describe(ms.value_and_grad(g, (0, 1))(t(ms, [-1.0, 0.0, 0.7]), t(ms, Y3)))


def case_grad_of_vg(ms):
    def f(x):
        return x ** 3

    def g(x):
        v, d = ms.value_and_grad(f)(x)
        return v + d
    return describe(ms.grad(g)(t(ms, X3)))


def case_grad_weights_over_grad(ms):
    net = wnet(ms)

    def g(x):
        return ms.grad(net)(x)
    return describe(ms.grad(g, None, net.trainable_params())(t(ms, X3)))


def case_doc_grad_dxdz(ms):
    net = doc_net(ms)

    def g(x, y):
        return ms.grad(net, None, net.z)(x, y)
    return describe(ms.grad(g, (0, 1))(t(ms, X), t(ms, Y)))


def case_grad_over_go_cell(ms):
    inner = grad_cell(ms, pow_net(ms, 3), go(ms))
    return describe(ms.grad(inner)(t(ms, X3)))


def case_go_over_grad(ms):
    def f(x):
        return x ** 3

    class G(ms.nn.Cell):
        def construct(self, x):
            return ms.grad(f)(x)
    return describe(go(ms)(G())(t(ms, X3)))


from tests.cases.higher_order_cases_grad import *  # noqa: E402,F401,F403  (grad and value_and_grad: every flag)
from tests.cases.higher_order_cases_functional import *  # noqa: E402,F401,F403  (vjp, jvp, jacobians, errors, dtypes)
from tests.cases.higher_order_cases_more import *  # noqa: E402,F401,F403  (primitives, Hessian-vector products, in a Cell)

CASES = {name: fn for name, fn in dict(globals()).items() if name.startswith("case_")}
