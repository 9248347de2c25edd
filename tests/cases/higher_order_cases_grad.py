"""A part of higher_order_cases.py: ``mindspore.grad`` and ``value_and_grad`` with every flag
(positions, weights as Parameter / ParameterTuple / list, has_aux, return_ids, sens_param).

Same conventions: ``case_xxx(ms)`` with ``ms`` the ``mindspore`` or the ``mini_autograd`` package.
"""
from __future__ import annotations

from tests.cases.higher_order_cases import X, X3, Y, Y3, describe, doc_net, raises, t, wnet


# -- mindspore.grad / value_and_grad: flags ---------------------------------------------------------

def _f_xy(ms):
    def f(x, y):
        return x * x * y
    return f


def case_grad_pos0(ms):
    return describe(ms.grad(_f_xy(ms))(t(ms, X3), t(ms, Y3)))


def case_grad_pos1(ms):
    return describe(ms.grad(_f_xy(ms), 1)(t(ms, X3), t(ms, Y3)))


def case_grad_pos_tuple1(ms):
    return describe(ms.grad(_f_xy(ms), (0,))(t(ms, X3), t(ms, Y3)))


def case_grad_pos_tuple2(ms):
    return describe(ms.grad(_f_xy(ms), (1, 0))(t(ms, X3), t(ms, Y3)))


def case_grad_weights_param(ms):
    net = wnet(ms)
    return describe(ms.grad(net, None, net.w)(t(ms, X3)))


def case_grad_weights_tuple(ms):
    net = wnet(ms)
    return describe(ms.grad(net, None, ms.ParameterTuple(net.trainable_params()))(t(ms, X3)))


def case_grad_weights_list(ms):
    net = wnet(ms)
    return describe(ms.grad(net, None, net.trainable_params())(t(ms, X3)))


def case_grad_pos_and_weights(ms):
    net = wnet(ms)
    return describe(ms.grad(net, 0, net.trainable_params())(t(ms, X3)))


def case_grad_doc_pos_tuple_and_weights(ms):
    net = doc_net(ms)
    return describe(ms.grad(net, (0, 1), ms.ParameterTuple(net.trainable_params()))(t(ms, X), t(ms, Y)))


def _aux2(ms):
    def f(x, y):
        return x * y, x + y
    return f


def _aux3(ms):
    def f(x, y):
        return x * y, x + y, x - y
    return f


def case_grad_has_aux2(ms):
    return describe(ms.grad(_aux2(ms), (0, 1), has_aux=True)(t(ms, X3), t(ms, Y3)))


def case_grad_has_aux3(ms):
    return describe(ms.grad(_aux3(ms), 0, has_aux=True)(t(ms, X3), t(ms, Y3)))


def case_grad_has_aux_weights(ms):
    net = wnet(ms)

    def f(x):
        return net(x), x * 2
    return describe(ms.grad(f, 0, net.trainable_params(), has_aux=True)(t(ms, X3)))


def case_grad_tuple_output_no_aux(ms):
    return describe(ms.grad(_aux2(ms), (0, 1))(t(ms, X3), t(ms, Y3)))


def case_grad_return_ids_pos(ms):
    return describe(ms.grad(_f_xy(ms), 0, return_ids=True)(t(ms, X3), t(ms, Y3)))


def case_grad_return_ids_pos_tuple(ms):
    return describe(ms.grad(_f_xy(ms), (0, 1), return_ids=True)(t(ms, X3), t(ms, Y3)))


def case_grad_return_ids_weights(ms):
    net = doc_net(ms)
    r = ms.grad(net, (0, 1), net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y))
    return describe(r)


def case_grad_return_ids_weights_only(ms):
    net = doc_net(ms)
    return describe(ms.grad(net, None, net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y)))


def case_grad_return_ids_int_pos_weights(ms):
    net = doc_net(ms)
    return describe(ms.grad(net, 0, net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y)))


def case_grad_return_ids_bare_param(ms):
    net = doc_net(ms)
    return describe(ms.grad(net, None, net.z, return_ids=True)(t(ms, X), t(ms, Y)))


def case_grad_return_ids_pos1_weights(ms):
    net = doc_net(ms)
    return describe(ms.grad(net, 1, net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y)))


def case_get_grad(ms):
    net = doc_net(ms)
    r = ms.grad(net, (0, 1), net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y))
    return describe((ms.get_grad(r, 1), ms.get_grad(r, net.z)))


def case_err_get_grad_not_found(ms):
    net = doc_net(ms)
    r = ms.grad(net, 0, net.trainable_params(), return_ids=True)(t(ms, X), t(ms, Y))
    return raises(lambda: ms.get_grad(r, 1))


def case_grad_sens_param(ms):
    return describe(ms.grad(_f_xy(ms), (0, 1), sens_param=True)(t(ms, X3), t(ms, Y3), t(ms, [1.0, 2.0, -1.0])))


def case_grad_sens_param_tuple_out(ms):
    sens = (t(ms, [1.0, 2.0, -1.0]), t(ms, [0.5, 0.5, 0.5]))
    return describe(ms.grad(_aux2(ms), (0, 1), sens_param=True)(t(ms, X3), t(ms, Y3), sens))


def case_grad_sens_param_has_aux(ms):
    sens = t(ms, [1.0, 2.0, -1.0])
    return describe(ms.grad(_aux2(ms), 0, has_aux=True, sens_param=True)(t(ms, X3), t(ms, Y3), sens))


def case_vg_pos0(ms):
    return describe(ms.value_and_grad(_f_xy(ms))(t(ms, X3), t(ms, Y3)))


def case_vg_pos_tuple(ms):
    return describe(ms.value_and_grad(_f_xy(ms), (0, 1))(t(ms, X3), t(ms, Y3)))


def case_vg_weights_only(ms):
    net = doc_net(ms)
    return describe(ms.value_and_grad(net, None, net.trainable_params())(t(ms, X), t(ms, Y)))


def case_vg_pos_and_weights(ms):
    net = doc_net(ms)
    return describe(ms.value_and_grad(net, 0, ms.ParameterTuple(net.trainable_params()))(t(ms, X), t(ms, Y)))


def case_vg_has_aux2(ms):
    return describe(ms.value_and_grad(_aux2(ms), 0, has_aux=True)(t(ms, X3), t(ms, Y3)))


def case_vg_has_aux3(ms):
    return describe(ms.value_and_grad(_aux3(ms), (0, 1), has_aux=True)(t(ms, X3), t(ms, Y3)))


def case_vg_return_ids(ms):
    net = doc_net(ms)
    return describe(ms.value_and_grad(net, 1, net.z, return_ids=True)(t(ms, X), t(ms, Y)))


def case_vg_sens_param(ms):
    sens = t(ms, [[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]])  # the document's sensitivity
    net = doc_net(ms)
    return describe(ms.value_and_grad(net, 0, net.z, sens_param=True)(t(ms, X), t(ms, Y), sens))


def case_vg_has_aux_return_ids_sens(ms):
    sens = t(ms, [1.0, 2.0, -1.0])
    r = ms.value_and_grad(_aux2(ms), (0, 1), has_aux=True, return_ids=True, sens_param=True)(t(ms, X3), t(ms, Y3), sens)
    return describe(r)
