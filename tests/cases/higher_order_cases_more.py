"""A part of higher_order_cases.py: second derivatives through each primitive, Hessian-vector products,
the functional transforms called inside a Cell's construct, and a gradient penalty through Dense and
SoftmaxCrossEntropyWithLogits. Same conventions: ``case_xxx(ms)`` returns plain data.
"""
from __future__ import annotations

import numpy as np

from tests.cases.higher_order_cases import X, X3, Y, Y3, describe, doc_net, t

A23 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]
B23 = [[1.0, 0.5, -2.0], [0.3, -0.7, 1.2]]


def _second_all(ms, f, *args):
    """d/d(all inputs) of the sum of d f/d x0: the second derivatives, input by input."""
    return describe(ms.grad(ms.grad(f), tuple(range(len(args))))(*args))


# -- second derivatives through each primitive ----------------------------------------------------

def case_d2_matmul_transpose_b(ms):
    mm = ms.ops.MatMul(transpose_b=True)

    def f(a, b):
        return mm(a * a, b)  # (2, 3) @ (3, 2)
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_matmul_transpose_a(ms):
    mm = ms.ops.MatMul(transpose_a=True)

    def f(a, b):
        return mm(a, b * a)  # (3, 2) @ (2, 3)
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_div_sub(ms):
    def f(a, b):
        return a / (b * b + 1.0) - a * a * b
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_pow_fraction(ms):
    def f(x):
        return x ** 2.5
    return _second_all(ms, f, t(ms, [0.5, 1.0, 4.0]))


def case_d2_ops_mul_reduce_mean(ms):
    mul, mean = ms.ops.Mul(), ms.ops.ReduceMean(keep_dims=True)

    def f(a, b):
        return mean(mul(a, b), 1) * a
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_reduce_sum_axis(ms):
    rsum = ms.ops.ReduceSum()

    def f(a):
        return rsum(a * a, 0) * rsum(a)
    return _second_all(ms, f, t(ms, A23))


def case_d2_reshape_transpose(ms):
    reshape, transpose = ms.ops.Reshape(), ms.ops.Transpose()

    def f(a, b):
        return transpose(reshape(a, (3, 2)), (1, 0)) * b * a
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_cast_float64(ms):
    cast = ms.ops.Cast()

    def f(a, b):
        return cast(a * b, ms.float64) * cast(a, ms.float64)
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_sigmoid_tanh_chain(ms):
    sig, tanh, log, exp = ms.ops.Sigmoid(), ms.ops.Tanh(), ms.ops.Log(), ms.ops.Exp()

    def f(a, b):
        return sig(tanh(a) * b) + log(exp(a) + b * b)
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


def case_d2_relu_square(ms):
    relu, sq = ms.ops.ReLU(), ms.ops.Square()

    def f(a, b):
        return sq(relu(a) * b)
    return _second_all(ms, f, t(ms, A23), t(ms, B23))


# -- Hessian-vector products ----------------------------------------------------------------------

def _scalar_fn(ms):
    exp, rsum = ms.ops.Exp(), ms.ops.ReduceSum()

    def f(x):
        return rsum(exp(x) * rsum(x * x))
    return f


def case_hvp_jvp_of_grad(ms):
    """Forward over reverse: jvp of the gradient along v."""
    return describe(ms.jvp(ms.grad(_scalar_fn(ms)), t(ms, [0.5, -1.0, 0.2]), t(ms, [1.0, 2.0, -1.0])))


def case_hvp_vjp_of_grad(ms):
    """Reverse over reverse: vjp of the gradient with v."""
    out, vjp_fn = ms.vjp(ms.grad(_scalar_fn(ms)), t(ms, [0.5, -1.0, 0.2]))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_hvp_grad_of_dot(ms):
    """Reverse over reverse without vjp: d/dx <grad f(x), v>."""
    f, rsum = _scalar_fn(ms), ms.ops.ReduceSum()
    v = t(ms, [1.0, 2.0, -1.0])

    def g(x):
        return rsum(ms.grad(f)(x) * v)
    return describe(ms.grad(g)(t(ms, [0.5, -1.0, 0.2])))


def case_doc_hvp_x_z(ms):
    """The document's network: d/d(x, z) of <d sum(out)/dz, 1>, i.e. the mixed column of the Hessian."""
    net = doc_net(ms)

    def dz(x, y):
        return ms.grad(net, None, net.z)(x, y)
    return describe(ms.grad(dz, 0, net.z)(t(ms, X), t(ms, Y)))


# -- the functional transforms inside a Cell's construct (how GRAPH_MODE code calls them) ----------

def case_cell_construct_grad_grad(ms):
    class Net(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.tanh = ms.ops.Tanh()

        def construct(self, x, y):
            return self.tanh(x) * y

    class Second(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def construct(self, x, y):
            return ms.grad(ms.grad(self.net, 0), (0, 1))(x, y)
    return describe(Second()(t(ms, X3), t(ms, Y3)))


def case_cell_construct_vjp(ms):
    class Net(ms.nn.Cell):
        def construct(self, x, y):
            return x * x * y

    class VJP(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def construct(self, x, y, v):
            out, vjp_fn = ms.vjp(self.net, x, y)
            return out, vjp_fn(v)
    return describe(VJP()(t(ms, X3), t(ms, Y3), t(ms, [1.0, 2.0, -1.0])))


def case_cell_construct_jvp(ms):
    class Net(ms.nn.Cell):
        def construct(self, x, y):
            return x * x * y

    class JVP(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def construct(self, x, y, u, v):
            return ms.jvp(self.net, (x, y), (u, v))
    return describe(JVP()(t(ms, X3), t(ms, Y3), t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5])))


def case_cell_construct_jacrev(ms):
    class Net(ms.nn.Cell):
        def construct(self, x, y):
            return x * x * y

    class Jac(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def construct(self, x, y):
            return ms.jacrev(self.net, (0, 1))(x, y)
    return describe(Jac()(t(ms, X3), t(ms, Y3)))


def case_cell_construct_value_and_grad_weights(ms):
    class Net(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = ms.Parameter(ms.Tensor(np.array(Y3, np.float32)), name="w")

        def construct(self, x):
            return x * x * self.w

    class Outer(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = Net()
            self.weights = ms.ParameterTuple(self.net.trainable_params())

        def construct(self, x):
            return ms.value_and_grad(self.net, 0, self.weights)(x)
    outer = Outer()
    return describe(ms.ops.GradOperation(get_by_list=True)(outer, outer.net.trainable_params())(t(ms, X3)))


# -- a gradient penalty through Dense and SoftmaxCrossEntropyWithLogits ---------------------------

def _dense_loss(ms):
    class Loss(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            w = ms.Tensor(np.array([[0.2, -0.4, 0.6], [-0.1, 0.3, 0.5]], np.float32))
            self.dense = ms.nn.Dense(3, 2, weight_init=w, bias_init=ms.Tensor(np.array([0.1, -0.2], np.float32)))
            self.ce = ms.nn.SoftmaxCrossEntropyWithLogits(sparse=False, reduction="mean")

        def construct(self, x, label):
            return self.ce(self.dense(x), label)
    return Loss()


def case_dense_ce_first_order(ms):
    loss = _dense_loss(ms)
    label = t(ms, [[1.0, 0.0], [0.0, 1.0]])
    return describe(ms.value_and_grad(loss, 0, loss.trainable_params())(t(ms, X), label))


def case_dense_ce_gradient_penalty(ms):
    loss = _dense_loss(ms)
    label = t(ms, [[1.0, 0.0], [0.0, 1.0]])
    rsum = ms.ops.ReduceSum()

    def penalty(x, lab):
        return rsum(ms.grad(loss, 0)(x, lab) ** 2)
    return describe(ms.grad(penalty, 0, loss.trainable_params())(t(ms, X), label))


def case_dense_sigmoid_second_order(ms):
    w = ms.Tensor(np.array([[0.2, -0.4, 0.6], [-0.1, 0.3, 0.5]], np.float32))
    dense = ms.nn.Dense(3, 2, weight_init=w, bias_init="zeros", activation="sigmoid")
    rmean = ms.ops.ReduceMean()

    def f(x):
        return rmean(dense(x))
    return describe(ms.grad(ms.grad(f), 0, dense.trainable_params())(t(ms, X)))
