"""ForwardValueAndGrad's flags, sens_param and the semantics of the returned gradients.

Expected values are derived by hand in each test (the network is small enough to differentiate on
paper) or are MindSpore 2.x's recorded output for the same code.
"""
import itertools

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import GradOperation, Parameter, ParameterTuple, Tensor, value_and_grad
from tests.support import document_code as doc

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])


def hand_grads(sens, z=1.0):
    """out = (x z) @ y:  dx = z sens y^T,  dy = (x z)^T sens,  dz = sum(sens * (x @ y))."""
    return z * sens @ Y.T, (X * z).T @ sens, np.array([np.sum(sens * (X @ Y))])


# z = 1 (the document's) makes dx and dy blind to a missing factor z: the derivations are also
# checked at other values, exact in float32.
ZS = [1.0, -0.5, 2.5]
ONES = np.ones((2, 3))


def net_with(z):
    """The document's network with its parameter z set to ``z``."""
    net = doc.Net()
    net.z.set_data(Tensor(np.array([z], np.float32)))
    return net


@pytest.mark.parametrize("z", ZS)
@pytest.mark.parametrize("get_all,get_by_list,sens_param", list(itertools.product([False, True], repeat=3)))
def test_every_flag_combination_returns_mindspore_structure(get_all, get_by_list, sens_param, z):
    net = net_with(z)
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_all=get_all,
                                 get_by_list=get_by_list, sens_param=sens_param)
    x, y = doc.inputs()
    sens = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]) if sens_param else np.ones((2, 3))
    args = (x, y, Tensor(sens, ma.dtype.float32)) if sens_param else (x, y)
    value, grads = fvg(*args)
    np.testing.assert_allclose(value.asnumpy(), (X * z) @ Y, rtol=1e-6)
    dx, dy, dz = hand_grads(sens, z)
    if get_all and get_by_list:
        (gx, gy), (gz,) = grads
        for g, want in ((gx, dx), (gy, dy), (gz, dz)):
            np.testing.assert_allclose(g.asnumpy(), want, rtol=1e-5)
    elif get_by_list:
        assert isinstance(grads, tuple) and len(grads) == 1
        np.testing.assert_allclose(grads[0].asnumpy(), dz, rtol=1e-5)
    elif get_all:
        assert isinstance(grads, tuple) and len(grads) == 2
        np.testing.assert_allclose(grads[0].asnumpy(), dx, rtol=1e-5)
        np.testing.assert_allclose(grads[1].asnumpy(), dy, rtol=1e-5)
    else:
        assert isinstance(grads, Tensor)
        np.testing.assert_allclose(grads.asnumpy(), dx, rtol=1e-5)


@pytest.mark.parametrize("z", ZS)
def test_weights_without_get_by_list_are_ignored(z):
    net = net_with(z)
    x, y = doc.inputs()
    value, grads = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()))(x, y)
    assert isinstance(grads, Tensor) and grads.shape == (2, 3)  # dx alone: no weight gradient
    np.testing.assert_allclose(value.asnumpy(), (X * z) @ Y, rtol=1e-6)
    np.testing.assert_allclose(grads.asnumpy(), hand_grads(ONES, z)[0], rtol=1e-5)


def test_a_list_of_parameters_is_accepted_as_weights():
    net = doc.Net()
    _, grads = nn.ForwardValueAndGrad(net, weights=[net.z], get_by_list=True)(*doc.inputs())
    np.testing.assert_allclose(grads[0].asnumpy(), hand_grads(np.ones((2, 3)))[2], rtol=1e-5)


class TwoOutputs(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([2.0], np.float32)), name="w")

    def construct(self, x, y):
        return x * self.w, x * y


def test_tuple_output_without_sens_seeds_every_output_with_ones():
    x, y = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    (a, b), (gx, gy) = nn.ForwardValueAndGrad(TwoOutputs(), get_all=True)(x, y)
    np.testing.assert_allclose(a.asnumpy(), [2, 4])
    np.testing.assert_allclose(b.asnumpy(), [3, 8])
    np.testing.assert_allclose(gx.asnumpy(), [5, 6])  # w + y, as MindSpore prints
    np.testing.assert_allclose(gy.asnumpy(), [1, 2])  # x


def test_tuple_output_with_a_tuple_of_sens():
    x, y = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    sens = (Tensor([1.0, 0.0]), Tensor([0.5, 0.5]))
    _, (gx, gy) = nn.ForwardValueAndGrad(TwoOutputs(), get_all=True, sens_param=True)(x, y, sens)
    np.testing.assert_allclose(gx.asnumpy(), [2 * 1 + 3 * 0.5, 2 * 0 + 4 * 0.5])  # MindSpore: [3.5, 2]
    np.testing.assert_allclose(gy.asnumpy(), [0.5, 1.0])


class Unused(nn.Cell):
    def construct(self, x, y):
        return x * 2


def test_an_input_the_output_ignores_gets_zeros_of_its_shape():
    _, (gx, gy) = nn.ForwardValueAndGrad(Unused(), get_all=True)(Tensor([1.0, 2.0]), Tensor([[3.0], [4.0]]))
    np.testing.assert_allclose(gx.asnumpy(), [2, 2])
    assert gy.shape == (2, 1) and not gy.asnumpy().any()


def test_an_unused_weight_gets_zeros():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.used = Parameter(Tensor([3.0]), name="used")
            self.idle = Parameter(Tensor([[1.0, 1.0]]), name="idle")

        def construct(self, x):
            return x * self.used

    net = Net()
    _, (g_used, g_idle) = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()),
                                                  get_by_list=True)(Tensor([1.0, 2.0]))
    np.testing.assert_allclose(g_used.asnumpy(), [3.0])
    assert g_idle.shape == (1, 2) and not g_idle.asnumpy().any()


def test_a_tensor_used_twice_accumulates():
    # f(x) = x * x + x  =>  df/dx = 2x + 1 (an overwrite instead of a sum would give x or 1)
    _, g = value_and_grad(lambda x: x * x + x)(Tensor([3.0, -1.0]))
    np.testing.assert_allclose(g.asnumpy(), [7.0, -1.0])


def test_broadcasting_is_undone_in_the_gradient():
    # out = x + b with x (2, 3) and b (3,): db = column sums of sens; with b (2, 1): row sums
    sens = np.arange(6.0).reshape(2, 3)
    x = Tensor(np.zeros((2, 3)))
    for b_shape, want in (((3,), sens.sum(0)), ((2, 1), sens.sum(1, keepdims=True)), ((), sens.sum())):
        gb = GradOperation(get_all=True, sens_param=True)(lambda x, b: x + b)(x, Tensor(np.ones(b_shape)),
                                                                              Tensor(sens))[1]
        assert gb.shape == b_shape
        np.testing.assert_allclose(gb.asnumpy(), want)


@pytest.mark.parametrize("z", ZS)
def test_float64_in_float64_gradients_out(z):
    net = net_with(z)
    x, y = Tensor(X), Tensor(Y)
    assert str(x.dtype) == "Float64"
    value, (gx, gy) = nn.ForwardValueAndGrad(net, get_all=True)(x, y)
    assert str(value.dtype) == str(gx.dtype) == str(gy.dtype) == "Float64"
    dx, dy, _ = hand_grads(ONES, z)
    np.testing.assert_allclose(value.asnumpy(), (X * z) @ Y, rtol=1e-12)
    np.testing.assert_allclose(gx.asnumpy(), dx, rtol=1e-12)
    np.testing.assert_allclose(gy.asnumpy(), dy, rtol=1e-12)


@pytest.mark.parametrize("z", ZS)
def test_called_directly_and_inside_a_cell_give_the_same_result(z):
    x, y = doc.inputs()
    direct = nn.ForwardValueAndGrad(net_with(z))(x, y)
    wrapped = doc.InputDerivation(net_with(z))(x, y)
    assert len(direct) == len(wrapped) == 2  # (value, dx)
    for a, b in zip(direct, wrapped):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    np.testing.assert_allclose(direct[0].asnumpy(), (X * z) @ Y, rtol=1e-6)
    np.testing.assert_allclose(direct[1].asnumpy(), hand_grads(ONES, z)[0], rtol=1e-5)


def test_grad_operation_returns_gradients_only():
    grads = GradOperation(get_all=True)(Unused())(Tensor([1.0, 2.0]), Tensor([3.0, 4.0]))
    np.testing.assert_allclose(grads[0].asnumpy(), [2, 2])
    np.testing.assert_allclose(grads[1].asnumpy(), [0, 0])
    net = doc.Net()
    (gz,) = GradOperation(get_by_list=True)(net, ParameterTuple(net.trainable_params()))(*doc.inputs())
    np.testing.assert_allclose(gz.asnumpy(), hand_grads(np.ones((2, 3)))[2], rtol=1e-5)


def test_value_and_grad_positions_weights_and_aux():
    x, y = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    value, (gx, gy) = value_and_grad(lambda a, b: (a * b).sum(), grad_position=(0, 1))(x, y)
    assert float(value) == 11.0
    np.testing.assert_allclose(gx.asnumpy(), [3, 4])
    np.testing.assert_allclose(gy.asnumpy(), [1, 2])
    # has_aux: only the first output is differentiated; the value is the whole tuple (MindSpore's output)
    (v, aux), g = value_and_grad(lambda a, b: ((a * b).sum(), a * 3), grad_position=0, has_aux=True)(x, y)
    np.testing.assert_allclose(aux.asnumpy(), [3, 6])
    np.testing.assert_allclose(g.asnumpy(), [3, 4])
    net = net_with(2.5)
    _, (g_in, (g_z,)) = value_and_grad(net, grad_position=0, weights=net.trainable_params())(*doc.inputs())
    np.testing.assert_allclose(g_in.asnumpy(), hand_grads(ONES, 2.5)[0], rtol=1e-5)
    np.testing.assert_allclose(g_z.asnumpy(), hand_grads(ONES, 2.5)[2], rtol=1e-5)
    _, (g_z_only,) = value_and_grad(net, grad_position=None, weights=net.trainable_params())(*doc.inputs())
    np.testing.assert_allclose(g_z_only.asnumpy(), g_z.asnumpy())


def test_sens_scales_the_gradient_linearly_not_the_value():
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(net, sens_param=True)
    x, y = doc.inputs()
    s = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], np.float32)
    v1, g1 = fvg(x, y, Tensor(s))
    v3, g3 = fvg(x, y, Tensor(3 * s))
    np.testing.assert_array_equal(v1.asnumpy(), v3.asnumpy())
    np.testing.assert_allclose(g1.asnumpy(), hand_grads(s.astype(np.float64))[0], rtol=1e-5)
    np.testing.assert_allclose(g3.asnumpy(), 3 * g1.asnumpy(), rtol=1e-6)


def test_the_trace_describes_the_call():
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_all=True,
                                 get_by_list=True)
    fvg(*doc.inputs())
    tr = fvg.trace
    assert [n.op for n in tr.nodes] == ["Mul", "MatMul"]
    roles = {t.name: t.role for t in tr.tensors if t.name}
    assert roles == {"x": "input", "y": "input", "z": "parameter"}
    assert [tr.nodes[s.node].op for s in tr.steps] == ["MatMul", "Mul"]
    assert tr.tensor("z").returned_as == "weights[0]" and tr.tensor("x").returned_as == "inputs[0]"
    np.testing.assert_allclose(tr.tensor("z").grad, hand_grads(np.ones((2, 3)))[2], rtol=1e-5)
    np.testing.assert_array_equal(tr.sens[0], np.ones((2, 3)))
    assert tr.flags == {"get_all": True, "get_by_list": True, "sens_param": False}
    assert ma.last_trace() is tr


def test_the_trace_steps_agree_with_the_gradients_the_call_computed():
    # Only dx is asked for: y and z get no gradient, and no backward step may send them one.
    fvg = nn.ForwardValueAndGrad(doc.Net())
    fvg(*doc.inputs())
    tr = fvg.trace
    assert tr.tensor("y").grad is None and tr.tensor("z").grad is None
    sent_to = {tr.nodes[s.node].inputs[i] for s in tr.steps for i, g in enumerate(s.grads) if g is not None}
    assert tr.tensor("y").id not in sent_to and tr.tensor("z").id not in sent_to
    assert tr.tensor("x").id in sent_to


def test_value_and_grad_rejects_an_empty_grad_position():
    # RuntimeError, as MindSpore 2.10.0 CPU raises it in both modes (tests/higher_order/test_functional_conventions.py)
    with pytest.raises(RuntimeError, match="'grad_position' should be an int or a non-empty tuple"):
        value_and_grad(lambda a, b: a * b, grad_position=())


def test_returned_as_names_the_place_in_the_returned_tuple():
    vg = value_and_grad(lambda a, b, c: (a * b * c).sum(), grad_position=(0, 2))  # held: last_trace is weak
    _, (ga, gb) = vg(Tensor([1.0]), Tensor([2.0]), Tensor([3.0]))
    tr = ma.last_trace()
    assert tr.tensor("c").returned_as == "grads[1]" and tr.tensor("b").returned_as is None
    np.testing.assert_allclose(gb.asnumpy(), [2.0])  # d(abc)/dc = ab
    # one position in a tuple comes back bare (MindSpore 2.10, tests/fidelity/test_fidelity.py): it is "grad"
    vg = value_and_grad(lambda a, b: (a * b).sum(), grad_position=(1,))
    _, gy = vg(Tensor([1.0]), Tensor([2.0]))
    assert ma.last_trace().tensor("b").returned_as == "grad"
    np.testing.assert_allclose(gy.asnumpy(), [1.0])


def test_a_failed_call_leaves_the_last_trace_as_it_was():
    fvg = nn.ForwardValueAndGrad(doc.Net(), sens_param=True)
    x, y = doc.inputs()
    fvg(x, y, Tensor(np.ones((2, 3), np.float32)))
    before = fvg.runner.last  # the record of the good call, its trace not built yet
    with pytest.raises(TypeError):
        fvg(x, y)  # the sensitivity is missing
    assert fvg.runner.last is before and fvg.trace is not None


def flatten(result):
    """The returned structure's Tensors, depth-first (what viz draws from Trace.returned)."""
    return [g for part in result for g in flatten(part)] if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("make,labels", [
    # MindSpore's structures (tests/fidelity/test_fidelity.py): neither flag -> dx; get_all -> (dx, dy);
    # get_by_list -> (dz,); both -> ((dx, dy), (dz,)); one Parameter as weights -> dz bare;
    # value_and_grad(grad_position=0, weights=z) -> (dx, dz)
    (lambda net: nn.ForwardValueAndGrad(net), [("grad", "x")]),
    (lambda net: nn.ForwardValueAndGrad(net, get_all=True), [("grads[0]", "x"), ("grads[1]", "y")]),
    (lambda net: nn.ForwardValueAndGrad(net, ParameterTuple([net.z]), get_by_list=True), [("weights[0]", "z")]),
    (lambda net: nn.ForwardValueAndGrad(net, ParameterTuple([net.z]), get_all=True, get_by_list=True),
     [("inputs[0]", "x"), ("inputs[1]", "y"), ("weights[0]", "z")]),
    (lambda net: GradOperation(get_by_list=True)(net, net.z), [("grad", "z")]),
    (lambda net: value_and_grad(net, 0, net.z), [("inputs", "x"), ("weights", "z")]),
])
def test_trace_returned_labels_each_returned_gradient_in_flattened_order(make, labels):
    net = doc.Net()
    transform = make(net)
    result = transform(*doc.inputs())
    grads = result if transform.runner.who == "GradOperation" else result[1]  # the others return (value, grads)
    tr = ma.last_trace()
    assert tr.returned == [(label, tr.tensor(name).id) for label, name in labels]
    dx, dy, dz = hand_grads(ONES)
    by_name = {"x": dx, "y": dy, "z": dz}
    flat = flatten(grads)
    assert len(flat) == len(labels)
    for g, (_, name) in zip(flat, labels):
        np.testing.assert_allclose(g.asnumpy(), by_name[name], rtol=1e-5)


def test_trace_returned_has_no_tensor_for_a_weight_the_network_never_read():
    unused = Parameter(Tensor(np.array([2.0], np.float32)), name="unused")
    vg = value_and_grad(lambda a: (a * 3.0).sum(), grad_position=None, weights=ParameterTuple([unused]))
    _, (g,) = vg(Tensor([1.0]))
    np.testing.assert_array_equal(g.asnumpy(), [0.0])  # nothing flowed to it: zeros, as MindSpore
    assert ma.last_trace().returned == [("weights[0]", None)]
