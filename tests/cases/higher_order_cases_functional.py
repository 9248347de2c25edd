"""A part of higher_order_cases.py: vjp, jvp, jacrev/jacfwd, bad arguments and dtypes.

Same conventions: ``case_xxx(ms)`` with ``ms`` the ``mindspore`` or the ``mini_autograd`` package,
returning plain data; higher_order_cases.CASES gathers these with the others.
"""
from __future__ import annotations

import numpy as np

from tests.cases.higher_order_cases import X, X3, Y, Y3, describe, doc_net, raises, t, wnet

M23 = [[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]


def _xxy(ms):
    def f(x, y):
        return x * x * y
    return f


def _two_out(ms):
    def f(x, y):
        return x * y, x + y
    return f


def _three_out(ms):
    def f(x, y):
        return x * y, x + y, x - y
    return f


# -- vjp ------------------------------------------------------------------------------------------

def case_vjp_one_input(ms):
    def f(x):
        return x ** 3
    out, vjp_fn = ms.vjp(f, t(ms, X3))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_vjp_two_inputs(ms):
    out, vjp_fn = ms.vjp(_xxy(ms), t(ms, X3), t(ms, Y3))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_vjp_two_outputs(ms):
    out, vjp_fn = ms.vjp(_two_out(ms), t(ms, X3), t(ms, Y3))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0]), t(ms, [0.5, 0.5, 0.5]))))


def case_vjp_has_aux2(ms):
    out, vjp_fn, aux = ms.vjp(_two_out(ms), t(ms, X3), t(ms, Y3), has_aux=True)
    return describe((out, aux, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_vjp_has_aux3(ms):
    out, vjp_fn, aux = ms.vjp(_three_out(ms), t(ms, X3), t(ms, Y3), has_aux=True)
    return describe((out, aux, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_vjp_weights(ms):
    net = doc_net(ms)
    out, vjp_fn = ms.vjp(net, t(ms, X), t(ms, Y), weights=net.trainable_params())
    return describe((out, vjp_fn(t(ms, [[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]))))


def case_vjp_weights_one_input(ms):
    net = wnet(ms)
    out, vjp_fn = ms.vjp(net, t(ms, X3), weights=ms.ParameterTuple(net.trainable_params()))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0]))))


def case_vjp_fn_twice(ms):
    out, vjp_fn = ms.vjp(_xxy(ms), t(ms, X3), t(ms, Y3))
    first = vjp_fn(t(ms, [1.0, 0.0, 0.0]))
    return describe((out, first, vjp_fn(t(ms, [0.0, 2.0, 1.0]))))


def case_vjp_doc_one_hot_rows(ms):
    net = doc_net(ms)
    out, vjp_fn = ms.vjp(net, t(ms, X), t(ms, Y))
    return describe(tuple(vjp_fn(t(ms, np.eye(6, dtype=np.float32)[i].reshape(2, 3)))[0] for i in (0, 4)))


def case_grad_of_vjp(ms):
    def f(x):
        return x ** 3

    def g(x):
        _, vjp_fn = ms.vjp(f, x)
        return vjp_fn(ms.Tensor(np.ones(3, np.float32)))[0]
    return describe(ms.grad(g)(t(ms, X3)))


# -- jvp ------------------------------------------------------------------------------------------

def case_jvp_tensor_input(ms):
    def f(x):
        return x ** 3
    return describe(ms.jvp(f, t(ms, X3), t(ms, [1.0, 2.0, -1.0])))


def case_jvp_tuple_one_input(ms):
    def f(x):
        return x ** 3
    return describe(ms.jvp(f, (t(ms, X3),), (t(ms, [1.0, 2.0, -1.0]),)))


def case_jvp_two_inputs(ms):
    return describe(ms.jvp(_xxy(ms), (t(ms, X3), t(ms, Y3)), (t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5]))))


def case_jvp_list_inputs(ms):
    return describe(ms.jvp(_xxy(ms), [t(ms, X3), t(ms, Y3)], [t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5])]))


def case_jvp_two_outputs(ms):
    return describe(ms.jvp(_two_out(ms), (t(ms, X3), t(ms, Y3)), (t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5]))))


def case_jvp_has_aux2(ms):
    v = (t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5]))
    return describe(ms.jvp(_two_out(ms), (t(ms, X3), t(ms, Y3)), v, has_aux=True))


def case_jvp_has_aux3(ms):
    v = (t(ms, [1.0, 0.0, 1.0]), t(ms, [0.5, 0.5, 0.5]))
    return describe(ms.jvp(_three_out(ms), (t(ms, X3), t(ms, Y3)), v, has_aux=True))


def case_jvp_doc_net(ms):
    net = doc_net(ms)
    v = (t(ms, np.eye(6, dtype=np.float32)[1].reshape(2, 3)), t(ms, np.zeros((3, 3), np.float32)))
    return describe(ms.jvp(net, (t(ms, X), t(ms, Y)), v))


# -- jacrev / jacfwd ------------------------------------------------------------------------------

def _mv(ms):
    matmul = ms.ops.MatMul()
    m = ms.Tensor(np.array(M23, np.float32))
    rsum = ms.ops.ReduceSum()

    def f(x):  # (2, 3) @ (3, 1) -> (2, 1), times a sum: not linear
        return matmul(m, ms.ops.Reshape()(x, (3, 1))) * rsum(x)
    return f


def _jac(ms, kind):
    return getattr(ms, kind)


def _jac_case(kind):
    def one_out(ms):
        return describe(_jac(ms, kind)(_mv(ms))(t(ms, X3)))

    def elementwise_2d(ms):
        def f(x):
            return x * x
        return describe(_jac(ms, kind)(f)(t(ms, [[1.0, 2.0], [3.0, 4.0]])))

    def pos1(ms):
        return describe(_jac(ms, kind)(_xxy(ms), 1)(t(ms, X3), t(ms, Y3)))

    def pos_tuple(ms):
        return describe(_jac(ms, kind)(_xxy(ms), (0, 1))(t(ms, X3), t(ms, Y3)))

    def two_out(ms):
        return describe(_jac(ms, kind)(_two_out(ms))(t(ms, X3), t(ms, Y3)))

    def two_out_pos_tuple(ms):
        return describe(_jac(ms, kind)(_two_out(ms), (0, 1))(t(ms, X3), t(ms, Y3)))

    def has_aux2(ms):
        return describe(_jac(ms, kind)(_two_out(ms), 0, has_aux=True)(t(ms, X3), t(ms, Y3)))

    def has_aux3(ms):
        return describe(_jac(ms, kind)(_three_out(ms), (0, 1), has_aux=True)(t(ms, X3), t(ms, Y3)))

    def doc_net_x(ms):
        return describe(_jac(ms, kind)(doc_net(ms))(t(ms, X), t(ms, Y)))

    def scalar_out(ms):
        rsum = ms.ops.ReduceSum()

        def f(x):
            return rsum(x ** 3)
        return describe(_jac(ms, kind)(f)(t(ms, X3)))
    return {f"case_{kind}_{fn.__name__}": fn for fn in
            (one_out, elementwise_2d, pos1, pos_tuple, two_out, two_out_pos_tuple, has_aux2, has_aux3, doc_net_x,
             scalar_out)}


globals().update(_jac_case("jacrev"))
globals().update(_jac_case("jacfwd"))


def _hess(ms, outer, inner):
    exp = ms.ops.Exp()
    rsum = ms.ops.ReduceSum()

    def f(x):
        return rsum(exp(x) * rsum(x * x) + x ** 3)
    return describe(getattr(ms, outer)(getattr(ms, inner)(f))(t(ms, [0.5, -1.0, 0.2])))


def case_hessian_jacfwd_jacrev(ms):
    return _hess(ms, "jacfwd", "jacrev")


def case_hessian_jacrev_jacrev(ms):
    return _hess(ms, "jacrev", "jacrev")


def case_hessian_jacfwd_jacfwd(ms):
    return _hess(ms, "jacfwd", "jacfwd")


def case_hessian_jacrev_grad(ms):
    def f(x, y):
        return x * x * y
    return describe(ms.jacrev(ms.grad(f, (0, 1)), (0, 1))(t(ms, X3), t(ms, Y3)))


# -- bad arguments --------------------------------------------------------------------------------

def _f1(ms):
    def f(x):
        return x ** 3
    return f


def case_err_vjp_fn_wrong_v_shape(ms):
    _, vjp_fn = ms.vjp(_f1(ms), t(ms, X3))
    return raises(lambda: vjp_fn(t(ms, [1.0, 2.0])))


def case_err_vjp_input_not_tensor(ms):
    return raises(lambda: ms.vjp(_f1(ms), 2.0))


def case_err_vjp_has_aux_single_output(ms):
    return raises(lambda: ms.vjp(_f1(ms), t(ms, X3), has_aux=True))


def case_err_jvp_v_wrong_length(ms):
    return raises(lambda: ms.jvp(_xxy(ms), (t(ms, X3), t(ms, Y3)), (t(ms, X3),)))


def case_err_jvp_v_wrong_shape(ms):
    return raises(lambda: ms.jvp(_f1(ms), t(ms, X3), t(ms, [1.0, 2.0])))


def case_err_jvp_inputs_not_tensor(ms):
    return raises(lambda: ms.jvp(_f1(ms), 3.0, t(ms, X3)))


def case_err_jvp_has_aux_single_output(ms):
    return raises(lambda: ms.jvp(_f1(ms), t(ms, X3), t(ms, X3), has_aux=True))


def case_err_grad_position_out_of_range(ms):
    return raises(lambda: ms.grad(_xxy(ms), 2)(t(ms, X3), t(ms, Y3)))


def case_err_grad_position_negative(ms):
    return raises(lambda: ms.grad(_xxy(ms), -1))


def case_err_grad_position_float(ms):
    return raises(lambda: ms.grad(_xxy(ms), 1.0))


def case_err_grad_position_duplicate(ms):
    return raises(lambda: ms.grad(_xxy(ms), (0, 0)))


def case_err_grad_position_and_weights_none(ms):
    return raises(lambda: ms.grad(_xxy(ms), None, None))


def case_err_vg_position_and_weights_none(ms):
    return raises(lambda: ms.value_and_grad(_xxy(ms), None, None))


def case_err_grad_not_callable(ms):
    return raises(lambda: ms.grad(3)(t(ms, X3)))


def case_err_grad_has_aux_single_output(ms):
    return raises(lambda: ms.grad(_f1(ms), has_aux=True)(t(ms, X3)))


def case_err_grad_has_aux_not_bool(ms):
    return raises(lambda: ms.grad(_two_out(ms), has_aux=1)(t(ms, X3), t(ms, Y3)))


def case_err_grad_sens_wrong_shape(ms):
    return raises(lambda: ms.grad(_f1(ms), sens_param=True)(t(ms, X3), t(ms, [1.0, 2.0])))


def case_err_jacrev_position_out_of_range(ms):
    return raises(lambda: ms.jacrev(_f1(ms), 1)(t(ms, X3)))


def case_err_jacfwd_position_out_of_range(ms):
    return raises(lambda: ms.jacfwd(_f1(ms), 1)(t(ms, X3)))


def case_err_jacrev_has_aux_single_output(ms):
    return raises(lambda: ms.jacrev(_f1(ms), has_aux=True)(t(ms, X3)))


def case_err_jacfwd_has_aux_not_bool(ms):
    return raises(lambda: ms.jacfwd(_f1(ms), has_aux="yes"))


def case_err_grad_weights_not_parameter(ms):
    return raises(lambda: ms.grad(_f1(ms), 0, t(ms, X3))(t(ms, X3)))


# -- dtypes ---------------------------------------------------------------------------------------

def case_dtype_float64_second_order(ms):
    def f(x):
        return x ** 3
    return describe(ms.grad(ms.grad(f))(t(ms, X3, "float64")))


def case_dtype_float64_go_go_tanh(ms):
    class Tanh(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.op = ms.ops.Tanh()

        def construct(self, x):
            return self.op(x)
    go = ms.ops.GradOperation()
    return describe(go(go(Tanh()))(t(ms, [-1.0, 0.0, 0.7], "float64")))


def case_dtype_float64_vjp(ms):
    out, vjp_fn = ms.vjp(_xxy(ms), t(ms, X3, "float64"), t(ms, Y3, "float64"))
    return describe((out, vjp_fn(t(ms, [1.0, 2.0, -1.0], "float64"))))


def case_dtype_float64_jacrev(ms):
    return describe(ms.jacrev(_f1(ms))(t(ms, X3, "float64")))


def case_dtype_float64_jacfwd(ms):
    return describe(ms.jacfwd(_f1(ms))(t(ms, X3, "float64")))


def case_dtype_int_grad(ms):
    return describe(ms.grad(_xxy(ms), (0, 1))(t(ms, [1, 2, 3], "int32"), t(ms, [2, -1, 4], "int32")))


def case_dtype_int_second_order(ms):
    return describe(ms.grad(ms.grad(_xxy(ms)))(t(ms, [1, 2, 3], "int32"), t(ms, [2, -1, 4], "int32")))


def case_dtype_int_times_float(ms):
    def f(x, y):
        return x * y * 0.5
    return describe(ms.grad(f, (0, 1))(t(ms, [1, 2, 3], "int32"), t(ms, Y3)))


def case_dtype_mixed_float64_float32(ms):
    return describe(ms.grad(_xxy(ms), (0, 1))(t(ms, X3, "float64"), t(ms, Y3)))


def case_dtype_cast_second_order(ms):
    cast = ms.ops.Cast()

    def f(x):
        y = cast(x, ms.float64)
        return y * y * y
    return describe(ms.grad(ms.grad(f))(t(ms, X3)))
