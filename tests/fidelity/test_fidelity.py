"""Differential tests against MindSpore's recorded behaviour: ordinary MindSpore code beyond the
document, run here with the import changed, must give what MindSpore 2.10 gave.

Every expected value below is data recorded from MindSpore 2.10.0 (CPU wheel from PyPI, Python
3.11, in a separate venv; never a dependency) by running the same code in PYNATIVE_MODE and in
GRAPH_MODE; where the two modes agree the value is written once. ``describe`` turns a result into
plain data (nesting, shape, dtype name, values) so that the structure is compared, not only numbers.
Where MindSpore's two modes disagree, the test says which one mini_autograd follows (README, "What
is MindSpore's and what is ours").
"""
from __future__ import annotations

import numpy as np
import pytest

import mini_autograd as ms
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor
from mini_autograd import context
from tests.support.document_code import Net  # the document's network, as the document writes it


@pytest.fixture(params=["PYNATIVE_MODE", "GRAPH_MODE"])
def mode(request):
    context.set_context(mode=getattr(context, request.param))
    return request.param


def describe(r):
    """A result as plain data: tuples stay tuples, a Tensor becomes (shape, dtype name, values)."""
    if isinstance(r, (tuple, list)):
        return tuple(describe(x) for x in r)
    if isinstance(r, Tensor):
        return (list(r.shape), str(r.dtype), np.round(r.asnumpy().astype(np.float64).ravel(), 5).tolist())
    return r


def i32(v):
    return Tensor(np.array(v, np.int32))


def f32(v):
    return Tensor(np.array(v, np.float32))


class Mul2(nn.Cell):
    def construct(self, a, b):
        return a * b


class Add2(nn.Cell):
    def construct(self, a, b):
        return a + b


class Div2(nn.Cell):
    def construct(self, a, b):
        return a / b


X = [[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]]
Y = [[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]]
OUT = ([2, 3], "Float32", [0.968, 3.2, 1.78, 2.838, 8.62, 4.13])
DX = ([2, 3], "Float32", [4.51, 2.7, 3.6, 4.51, 2.7, 3.6])
DZ = ([1], "Float32", [21.536])


# -- dtypes: MindSpore's promotion, not NumPy's ------------------------------------------------------

DTYPE_CASES = {  # code -> MindSpore 2.10's result, the same in both modes
    "int32 / int32": (lambda: i32([1, 2, 3]) / i32([2, 2, 2]), ([3], "Float32", [0.5, 1.0, 1.5])),
    "int32 / 2": (lambda: i32([1, 2, 3]) / 2, ([3], "Float32", [0.5, 1.0, 1.5])),
    "Tensor([1, 2, 3]) / 2": (lambda: Tensor([1, 2, 3]) / 2, ([3], "Float32", [0.5, 1.0, 1.5])),
    "float32 * int32": (lambda: f32([1.0, 2.0]) * i32([3, 4]), ([2], "Float32", [3.0, 8.0])),
    "float32 + int32": (lambda: f32([1.0, 2.0]) + i32([3, 4]), ([2], "Float32", [4.0, 6.0])),
    "float32 + int64": (lambda: f32([1.0, 2.0]) + Tensor([3, 4]), ([2], "Float32", [4.0, 6.0])),
    "float64 + float32": (lambda: Tensor(np.array([1, 2], np.float64)) + f32([3, 4]), ([2], "Float64", [4.0, 6.0])),
    "int32 + 2.5": (lambda: i32([1, 2]) + 2.5, ([2], "Float32", [3.5, 4.5])),
    "int32 - int64": (lambda: i32([1, 2]) - Tensor([3, 4]), ([2], "Int64", [-2.0, -2.0])),
    "int32 ** 2": (lambda: i32([1, 2]) ** 2, ([2], "Int32", [1.0, 4.0])),
    "bool + int32": (lambda: Tensor(np.array([True, False])) + i32([1, 2]), ([2], "Int32", [2.0, 2.0])),
    "int32 mean": (lambda: i32([3, 4]).mean(), ([], "Int32", [3.0])),
    "int32 mean(1)": (lambda: i32([[3, 4], [5, 8]]).mean(1), ([2], "Int32", [3.0, 6.0])),
    "int32 mean, negative": (lambda: i32([-3, -4]).mean(), ([], "Int32", [-3.0])),
    "int64 mean": (lambda: Tensor([3, 4]).mean(), ([], "Int64", [3.0])),
    "int32 sum": (lambda: i32([3, 4]).sum(), ([], "Int64", [7.0])),
}


@pytest.mark.parametrize("case", list(DTYPE_CASES))
def test_dtype_of_everyday_arithmetic_is_mindspores(case, mode):
    code, recorded = DTYPE_CASES[case]
    assert describe(code()) == recorded


GRAD_DTYPE_CASES = {  # GradOperation(get_all=True)(cell)(a, b) -> MindSpore 2.10, both modes
    # an integer input's gradient is the true gradient cast to its dtype (truncated toward zero)
    "float32 * int32": (Mul2, f32([1.5, -2.7]), i32([3, 4]),
                        (([2], "Float32", [3.0, 4.0]), ([2], "Int32", [1.0, -2.0]))),
    "int32 * float32": (Mul2, i32([3, 4]), f32([1.5, -2.7]),
                        (([2], "Int32", [1.0, -2.0]), ([2], "Float32", [3.0, 4.0]))),
    "float32 + int32": (Add2, f32([1.5, -2.7]), i32([3, 4]),
                        (([2], "Float32", [1.0, 1.0]), ([2], "Int32", [1.0, 1.0]))),
    "float32 / int32": (Div2, f32([1.5, -2.7]), i32([3, 4]),
                        (([2], "Float32", [0.33333, 0.25]), ([2], "Int32", [0.0, 0.0]))),
    "int32 / int32": (Div2, i32([1, 2]), i32([3, 4]), (([2], "Int32", [0.0, 0.0]), ([2], "Int32", [0.0, 0.0]))),
    "int32 * int32": (Mul2, i32([1, 2]), i32([3, 4]), (([2], "Int32", [3.0, 4.0]), ([2], "Int32", [1.0, 2.0]))),
}


@pytest.mark.parametrize("case", list(GRAD_DTYPE_CASES))
def test_gradient_of_a_mixed_dtype_op_has_each_inputs_dtype(case, mode):
    cell, a, b, recorded = GRAD_DTYPE_CASES[case]
    assert describe(ops.GradOperation(get_all=True)(cell())(a, b)) == recorded


def test_a_float64_input_to_a_float32_dense_is_a_type_error(mode):
    # MindSpore 2.10: TypeError "For 'MatMul', the type of 'x2' should be same as 'x1', but got 'x1' with
    # type Tensor[Float64] and 'x2' with type Tensor[Float32]."
    dense = nn.Dense(2, 2)
    with pytest.raises(TypeError, match=r"'MatMul'.*Tensor\[Float64\].*Tensor\[Float32\]"):
        dense(Tensor(np.ones((1, 2), np.float64)))


@pytest.mark.parametrize("sens_dtype", [np.float64, np.int32])
def test_a_sensitivity_of_another_dtype_is_a_type_error(sens_dtype, mode):
    # MindSpore 2.10: TypeError in both modes ("The dtype should be Float32, but got Float64" in
    # PYNATIVE_MODE, "Type Join Failed: dtype1 = Float64, dtype2 = Float32" in GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(Net(), sens_param=True)
    with pytest.raises(TypeError, match="dtype Float32, but got"):
        fvg(f32(X), f32(Y), Tensor(np.ones((2, 3), sens_dtype)))


def test_dtype_names_at_the_top_level_and_their_repr():
    # MindSpore 2.10: repr(mindspore.float32) == 'mindspore.float32', str() == 'Float32', and the
    # top-level names are the dtype module's objects
    recorded = {"float16": "mindspore.float16", "float32": "mindspore.float32", "float64": "mindspore.float64",
                "int32": "mindspore.int32", "int64": "mindspore.int64", "bool_": "mindspore.bool"}
    for name, text in recorded.items():
        assert repr(getattr(ms, name)) == text
        assert getattr(ms, name) is getattr(ms.dtype, name)
    assert str(ms.float32) == "Float32" and repr(Tensor([1]).dtype) == "mindspore.int64"
    assert "dtype=Float32" in repr(f32([1.0]))


# -- returned structures: a single value if only one result ----------------------------------------

def test_grad_operation_by_list_takes_a_single_parameter_and_returns_a_bare_tensor(mode):
    net = Net()
    assert describe(ops.GradOperation(get_by_list=True)(net, net.z)(f32(X), f32(Y))) == DZ


def test_forward_value_and_grad_still_refuses_a_single_parameter(mode):
    # MindSpore 2.10: TypeError "... when 'get_by_list' is set to True, the argument 'weights' must be
    # Parameters array, but got '<class 'abc.Parameter'>'"
    net = Net()
    with pytest.raises(TypeError, match="'weights' should be a ParameterTuple"):
        nn.ForwardValueAndGrad(net, weights=net.z, get_by_list=True)


def test_value_and_grad_returns_one_result_bare(mode):
    net = Net()
    x, y = f32(X), f32(Y)
    assert describe(ms.value_and_grad(net, None, weights=net.z)(x, y)) == (OUT, DZ)
    assert describe(ms.value_and_grad(net, 0, weights=net.z)(x, y)) == (OUT, (DX, DZ))
    assert describe(ms.value_and_grad(net, 0, weights=ParameterTuple([net.z]))(x, y)) == (OUT, (DX, (DZ,)))
    # grad_position=(1,): the gradient of y, bare ((x z)^T @ ones)
    assert describe(ms.value_and_grad(net, (1,))(x, y)) == (OUT, ([3, 3], "Float32", [2.6, 2.6, 2.6,
                                                                                        1.9, 1.9, 1.9,
                                                                                        1.3, 1.3, 1.3]))


class Scale(nn.Cell):
    def construct(self, a, s):
        return a * s


def test_a_python_number_input_gets_no_gradient_slot(mode):
    x = Tensor(np.ones((2, 2), np.float32))
    twos = ([2, 2], "Float32", [2.0] * 4)
    assert describe(nn.ForwardValueAndGrad(Scale(), get_all=True)(x, 2.0)) == (twos, (twos,))
    assert describe(ops.GradOperation(get_all=True)(Scale())(x, 2.0)) == (twos,)
    assert describe(ops.GradOperation()(Scale())(2.0, x)) == ()  # the first input is a number: nothing
    assert describe(nn.ForwardValueAndGrad(Scale())(2.0, x)) == (twos, ())
    assert describe(ms.value_and_grad(Scale(), 1)(x, 2.0)) == (twos, ())
    assert describe(ms.value_and_grad(Scale(), (0, 1))(x, 2.0)) == (twos, twos)


def test_a_negative_grad_position_is_a_value_error(mode):
    # MindSpore 2.10: ValueError "grad_position must be >= 0."
    with pytest.raises(ValueError, match="must be >= 0"):
        ms.value_and_grad(Net(), -1)


class Both(nn.Cell):
    def __init__(self):
        super().__init__()
        self.z = Parameter(Tensor(np.array([3.0], np.float32)), name="z")

    def construct(self, a, b):
        return (a * b * self.z).sum()


def test_where_mindspores_modes_disagree_mini_autograd_follows_the_one_named(mode):
    x = Tensor(np.ones((2, 2), np.float32))
    # The same Tensor at two positions: MindSpore 2.10 PYNATIVE gives each position the shared total
    # (6 = 2 * 3), GRAPH_MODE each position's own partial derivative (3). mini_autograd: GRAPH_MODE's.
    assert describe(ops.GradOperation(get_all=True)(Both())(x, x)) == (([2, 2], "Float32", [3.0] * 4),) * 2
    # GradOperation(get_by_list=True) without weights: PYNATIVE differentiates the network's trainable
    # parameters ((4,)), GRAPH_MODE returns (). mini_autograd: PYNATIVE_MODE's.
    assert describe(ops.GradOperation(get_by_list=True)(Both())(x, x)) == (([1], "Float32", [4.0]),)
    # A Tensor that construct captures from outside and that is also the argument: MindSpore 2.10
    # PYNATIVE differentiates both uses (2 x), GRAPH_MODE holds the captured one constant (x).
    # mini_autograd: PYNATIVE_MODE's (the tape meets one tensor twice).
    c = Tensor(np.array([1.0, 2.0, -3.0], np.float32))

    class Captures(nn.Cell):
        def construct(self, y):
            return (c * y).sum()
    assert describe(ms.grad(Captures())(c)) == ([3], "Float32", [2.0, 4.0, -6.0])


# -- parameter names: the path under which a cell registers the parameter first ----------------------

class Ex1(nn.Cell):
    def __init__(self, net, attr="grad"):
        super().__init__()
        self.net = net
        setattr(self, attr, nn.ForwardValueAndGrad(self.net))


class Ex2(nn.Cell):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.params = ParameterTuple(net.trainable_params())
        self.grad = nn.ForwardValueAndGrad(self.net, weights=self.params, get_by_list=True)


class Ex3(nn.Cell):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.grad = nn.ForwardValueAndGrad(self.net, sens_param=True)


class NoNet(nn.Cell):
    def __init__(self, net, with_weights):
        super().__init__()
        if with_weights:
            self.grad = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_by_list=True)
        else:
            self.grad = nn.ForwardValueAndGrad(net)


class Block(nn.Cell):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(Tensor(np.array([2.0], np.float32)), name="scale")


class Outer(nn.Cell):
    def __init__(self):
        super().__init__()
        self.block1 = Block()


class Parent(nn.Cell):
    def __init__(self):
        super().__init__()
        self.net = Outer()
        self.g = nn.ForwardValueAndGrad(self.net)


NAME_CASES = {  # wrapper -> (trainable_params() names, parameters_and_names()), MindSpore 2.10, both modes
    "document example 1": (lambda: Ex1(Net()), ["grad.network.z"], [("net.z", "grad.network.z")]),
    "example 1, held as grad_op": (lambda: Ex1(Net(), "grad_op"), ["grad_op.network.z"],
                                   [("net.z", "grad_op.network.z")]),
    "document example 2": (lambda: Ex2(Net()), ["grad.net.z"], [("net.z", "grad.net.z")]),
    "document example 3": (lambda: Ex3(Net()), ["grad.network.z"], [("net.z", "grad.network.z")]),
    "net not held, no weights": (lambda: NoNet(Net(), False), ["grad.network.z"],
                                 [("grad.network.z", "grad.network.z")]),
    "net not held, weights": (lambda: NoNet(Net(), True), ["grad.z"], [("grad.z", "grad.z")]),
    "nested": (Parent, ["g.network.block1.scale"], [("net.block1.scale", "g.network.block1.scale")]),
    "ForwardValueAndGrad alone": (lambda: nn.ForwardValueAndGrad(Net()), ["z"], [("network.z", "z")]),
}


@pytest.mark.parametrize("case", list(NAME_CASES))
def test_parameter_names_follow_mindspores_registration_rule(case, mode):
    make, names, pairs = NAME_CASES[case]
    cell = make()
    assert [p.name for p in cell.trainable_params()] == names
    assert [(path, p.name) for path, p in cell.parameters_and_names()] == pairs


def test_the_documents_first_example_names_z_grad_network_z_and_still_computes(mode):
    wrapper = Ex1(Net())
    out, dx = wrapper.grad(f32(X), f32(Y))
    assert describe((out, dx)) == (OUT, DX) and wrapper.net.z.name == "grad.network.z"


def test_sequential_cell_slice_keeps_its_keys_and_renames_nothing():
    s = nn.SequentialCell([nn.Dense(2, 2), nn.ReLU(), nn.Dense(2, 2)])
    assert [p.name for p in s.trainable_params()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tail = s[1:]
    assert isinstance(tail, nn.SequentialCell) and len(tail) == 2
    assert [p.name for p in tail.trainable_params()] == ["2.weight", "2.bias"]
    assert [p.name for p in s.trainable_params()] == ["0.weight", "0.bias", "2.weight", "2.bias"]

    class Wrap(nn.Cell):
        def __init__(self):
            super().__init__()
            self.head = s[1:]

    w = Wrap()  # MindSpore 2.10: the slice's cells are the original ones, so both see 'head.2.weight'
    assert [p.name for p in w.trainable_params()] == ["head.2.weight", "head.2.bias"]
    assert [p.name for p in s.trainable_params()] == ["0.weight", "0.bias", "head.2.weight", "head.2.bias"]


# -- losses and training ---------------------------------------------------------------------------------

class OneWeight(nn.Cell):
    def __init__(self):
        super().__init__()
        self.weight = Parameter(Tensor(np.ones([2, 2]).astype(np.float32)), name="weight")
        self.matmul = ops.MatMul()

    def construct(self, x):
        return self.matmul(x, self.weight)


def _ce_train_network():
    net = OneWeight()
    loss = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits())
    return nn.ForwardValueAndGrad(loss, weights=ParameterTuple(net.trainable_params()), get_all=True,
                                  get_by_list=True)


def test_softmax_cross_entropy_docstring_example_labels_get_no_gradient(mode):
    # MindSpore 2.10's ForwardValueAndGrad docstring example, printed by MindSpore itself
    got = _ce_train_network()(f32([[1.0, 1.0]]), f32([[1.0, 1.0]]))
    assert describe(got) == (([1], "Float32", [1.38629]),
                             ((([1, 2], "Float32", [-1.0, -1.0]), ([1, 2], "Float32", [0.0, 0.0])),
                              (([2, 2], "Float32", [-0.5, -0.5, -0.5, -0.5]),)))


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels_even_when_rows_do_not_sum_to_one(mode):
    # logits = [1, -2] @ ones = [-1, -1], softmax = [0.5, 0.5]; labels [0.2, 0.5] sum to 0.7, and
    # MindSpore 2.10 still returns softmax - labels = [0.3, 0.0] for the logits (so [0.3, 0.3] for x)
    got = _ce_train_network()(f32([[1.0, -2.0]]), f32([[0.2, 0.5]]))
    assert describe(got) == (([1], "Float32", [0.4852]),
                             ((([1, 2], "Float32", [0.3, 0.3]), ([1, 2], "Float32", [0.0, 0.0])),
                              (([2, 2], "Float32", [0.3, 0.0, -0.6, 0.0]),)))


@pytest.mark.parametrize("given", [None, 1.0])
def test_train_one_step_cell_sens_assigned_later(given):
    # MindSpore 2.10 PYNATIVE_MODE: with sens given at construction, `.sens = 4.0` scales the next
    # step's gradients by 4; without it (sense_flag False) the assignment is ignored. (GRAPH_MODE
    # ignores it in both cases; mini_autograd follows PYNATIVE_MODE.) The weight deltas below are
    # MindSpore's: step 1 with x = [1, -2], MSE against zeros, lr 0.1; then step 2.
    context.set_context(mode=context.PYNATIVE_MODE)
    net = OneWeight()
    opt = nn.SGD(net.trainable_params(), learning_rate=0.1)
    loss = nn.WithLossCell(net, nn.MSELoss())
    step = nn.TrainOneStepCell(loss, opt) if given is None else nn.TrainOneStepCell(loss, opt, sens=given)
    x, zeros = f32([[1.0, -2.0]]), f32([[0.0, 0.0]])
    step(x, zeros)
    w1 = net.weight.asnumpy().copy()
    step.sens = 4.0
    step(x, zeros)
    w2 = net.weight.asnumpy().copy()
    np.testing.assert_allclose((1 - w1).ravel(), [-0.1, -0.1, 0.2, 0.2], atol=1e-6)
    recorded = [-0.05, -0.05, 0.1, 0.1] if given is None else [-0.2, -0.2, 0.4, 0.4]
    np.testing.assert_allclose((w1 - w2).ravel(), recorded, atol=1e-6)
