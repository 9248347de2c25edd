"""Cells, parameter names, layers, losses and optimizers, against MindSpore's recorded behaviour
and hand derivation."""
import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.nn as nn
from mini_autograd import Parameter, ParameterTuple, Tensor
from tests.support import document_code as doc


class Inner(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Dense(2, 3)


class Outer(nn.Cell):
    def __init__(self):
        super().__init__()
        self.net = Inner()
        self.seq = nn.SequentialCell([nn.Dense(3, 2), nn.ReLU()])


def test_parameter_names_carry_the_cell_path_as_in_mindspore():
    o = Outer()
    names = ["net.fc1.weight", "net.fc1.bias", "seq.0.weight", "seq.0.bias"]  # MindSpore 2.x prints these
    assert [p.name for p in o.trainable_params()] == names
    assert [k for k, _ in o.parameters_and_names()] == names
    assert [k for k, _ in o.cells_and_names()] == ["", "net", "net.fc1", "seq", "seq.0", "seq.1"]


def test_the_documents_wrapper_renames_z_as_mindspore_does():
    # MindSpore 2.x: the ForwardValueAndGrad held as `grad` adds its prefix: 'grad.net.z'
    w = doc.WeightDerivation(doc.Net())
    assert [p.name for p in w.trainable_params()] == ["grad.net.z"]
    assert [k for k, _ in w.parameters_and_names()] == ["net.z"]


def test_an_unnamed_parameter_takes_the_attribute_name_and_a_named_one_keeps_it():
    class A(nn.Cell):
        def __init__(self):
            super().__init__()
            self.zz = Parameter(Tensor([1.0]), name="z")
            self.q = Parameter(Tensor([1.0]))

    class B(nn.Cell):
        def __init__(self):
            super().__init__()
            self.net = A()

    assert [p.name for p in A().get_parameters()] == ["z", "q"]  # MindSpore: ['z', 'q']
    assert [p.name for p in B().get_parameters()] == ["net.zz", "net.q"]  # MindSpore: ['net.zz', 'net.q']


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Cell):
        def __init__(self):
            self.w = Parameter(Tensor([1.0]))

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\) must be called"):
        Broken()


def test_dense_computes_x_wT_plus_b_with_activation():
    w = np.array([[1.0, -2.0], [0.5, 0.25], [-1.0, 1.0]], np.float32)
    b = np.array([0.1, -0.2, 0.3], np.float32)
    dense = nn.Dense(2, 3, weight_init=Tensor(w), bias_init=Tensor(b), activation="relu")
    assert dense.weight.shape == (3, 2) and dense.weight.name == "weight"
    x = np.array([[1.0, 2.0], [-1.0, 0.5]], np.float32)
    np.testing.assert_allclose(dense(Tensor(x)).asnumpy(), np.maximum(x @ w.T + b, 0), rtol=1e-6)


def test_dense_rejects_bad_sizes_and_activations():
    with pytest.raises(ValueError, match="'in_channels' should be a positive int, but got 0"):
        nn.Dense(0, 3)
    with pytest.raises(ValueError, match="'activation' should be one of"):
        nn.Dense(2, 3, activation="swish")


def test_sequential_cell_indexes_iterates_and_chains():
    seq = nn.SequentialCell(nn.Dense(2, 2, weight_init="ones", bias_init="zeros"), nn.Tanh())
    assert len(seq) == 2 and isinstance(seq[1], nn.Tanh) and isinstance(seq[-1], nn.Tanh)
    assert [type(c).__name__ for c in seq] == ["Dense", "Tanh"]
    np.testing.assert_allclose(seq(Tensor([[0.5, 0.25]])).asnumpy(), np.tanh([[0.75, 0.75]]), rtol=1e-6)
    with pytest.raises(IndexError):
        seq[2]


def test_set_seed_makes_initialisation_repeatable():
    ma.set_seed(7)
    a = nn.Dense(4, 3).weight.asnumpy()
    ma.set_seed(7)
    b = nn.Dense(4, 3).weight.asnumpy()
    np.testing.assert_array_equal(a, b)
    bound = 1 / np.sqrt(4)  # HeUniform(a=sqrt(5)) bound = sqrt(6 / (6 * fan_in)) = 1/sqrt(fan_in)
    assert np.abs(a).max() <= bound


def test_mse_loss_value_and_gradient():
    logits, labels = np.array([1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0])
    loss, g = ma.value_and_grad(nn.MSELoss())(Tensor(logits), Tensor(labels))
    assert float(loss) == pytest.approx(np.mean((logits - labels) ** 2))
    np.testing.assert_allclose(g.asnumpy(), 2 * (logits - labels) / 3)
    assert nn.MSELoss(reduction="sum")(Tensor(logits), Tensor(labels)).asnumpy() == pytest.approx(10.0)
    with pytest.raises(ValueError, match="'reduction' should be"):
        nn.MSELoss(reduction="avg")


def test_softmax_cross_entropy_sparse_equals_one_hot():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    want = -np.log(p[[0, 1], [0, 1]])
    sparse = nn.SoftmaxCrossEntropyWithLogits(sparse=True)(Tensor(logits), Tensor(np.array([0, 1], np.int32)))
    dense = nn.SoftmaxCrossEntropyWithLogits()(Tensor(logits), Tensor(np.eye(3)[[0, 1]]))
    np.testing.assert_allclose(sparse.asnumpy(), want, rtol=1e-12)
    np.testing.assert_allclose(dense.asnumpy(), want, rtol=1e-12)
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    _, g = ma.value_and_grad(loss)(Tensor(logits), Tensor(np.array([0, 1], np.int32)))
    np.testing.assert_allclose(g.asnumpy(), (p - np.eye(3)[[0, 1]]) / 2, rtol=1e-12)


# MindSpore 2.x's recorded parameter values after each of three steps with gradients
# [0.5, -1], [0.25, 2], [1, 1] from w = [1, 2], learning rate 0.1.
GRADS = ([0.5, -1.0], [0.25, 2.0], [1.0, 1.0])
RECORDED = {
    "SGD(momentum=0.9, dampening=0.1)": [[0.95, 2.1], [0.8825, 2.01], [0.73175, 1.839]],
    "SGD(momentum=0.9, nesterov=True)": [[0.905, 2.19], [0.817, 1.891], [0.5703, 1.6119]],
    "SGD(weight_decay=0.01)": [[0.949, 2.098], [0.923051, 1.895902], [0.8221279, 1.794006]],
    "Momentum(momentum=0.9)": [[0.95, 2.1], [0.88, 1.99], [0.717, 1.791]],
}


def make(name, w):
    kwargs = eval("dict(" + name.split("(", 1)[1])  # noqa: S307 - the test's own literal table
    cls = nn.SGD if name.startswith("SGD") else nn.Momentum
    return cls([w], learning_rate=0.1, **kwargs)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_optimizers_follow_mindspores_update_rules(name):
    w = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="w")
    opt = make(name, w)
    for g, want in zip(GRADS, RECORDED[name]):
        opt((Tensor(np.array(g, np.float32)),))
        np.testing.assert_allclose(w.asnumpy(), want, rtol=1e-6)


def test_momentum_with_nesterov_follows_the_documented_rule():
    # MindSpore's documented ApplyMomentum with use_nesterov: p -= lr * (g + m * accum), accum = m * accum + g
    w = Parameter(Tensor(np.array([1.0], np.float32)), name="w")
    opt = nn.Momentum([w], learning_rate=0.1, momentum=0.9, use_nesterov=True)
    opt((Tensor(np.array([0.5], np.float32)),))
    np.testing.assert_allclose(w.asnumpy(), [1 - 0.1 * (0.5 + 0.9 * 0.5)], rtol=1e-6)


def test_optimizer_rejects_gradients_that_do_not_match():
    w = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="w")
    opt = nn.SGD([w])
    with pytest.raises(ValueError, match="one gradient per parameter was expected \\(1\\), but got 2"):
        opt((Tensor([1.0, 1.0]), Tensor([1.0])))
    with pytest.raises(ValueError, match="gradient of 'w' should have shape \\[2\\], but got \\[3\\]"):
        opt((Tensor([1.0, 1.0, 1.0]),))
    np.testing.assert_array_equal(w.asnumpy(), [1.0, 2.0])


def test_train_one_step_cell_lowers_the_loss_by_the_hand_computed_step():
    # loss = mean((x w^T - t)^2) for one weight matrix: grad = 2/N (x w^T - t)^T x
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    t = np.array([[1.0], [0.0]], np.float32)
    w0 = np.array([[0.5, -0.5]], np.float32)
    dense = nn.Dense(2, 1, weight_init=Tensor(w0), has_bias=False)
    step = nn.TrainOneStepCell(nn.WithLossCell(dense, nn.MSELoss()), nn.SGD(dense.trainable_params(), 0.1))
    loss = step(Tensor(x), Tensor(t))
    r = x @ w0.T - t
    assert float(loss) == pytest.approx(float(np.mean(r ** 2)), rel=1e-6)
    np.testing.assert_allclose(dense.weight.asnumpy(), w0 - 0.1 * (2 / 2) * r.T @ x, rtol=1e-6)
    assert [p.name for p in step.trainable_params()] == ["weight"]  # wrappers add no prefix


def test_training_reduces_the_loss():
    ma.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    net = nn.SequentialCell(nn.Dense(3, 8, activation="tanh"), nn.Dense(8, 1))
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.Momentum(net.trainable_params(), 0.05, 0.9))
    losses = [float(step(Tensor(x), Tensor(y))) for _ in range(60)]
    assert losses[-1] < 0.1 * losses[0]


def test_parameter_set_data_checks_shape_and_keeps_dtype():
    p = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="p")
    with pytest.raises(ValueError, match="must have shape \\[2\\], but got \\[3\\]"):
        p.set_data(Tensor([1.0, 2.0, 3.0]))
    p.set_data(Tensor(np.array([5.0, 6.0])))
    assert str(p.dtype) == "Float32" and p.asnumpy().tolist() == [5.0, 6.0]
    assert repr(p) == "Parameter (name=p, shape=(2,), dtype=Float32, requires_grad=True)"


def test_parameter_tuple_from_trainable_params():
    net = doc.Net()
    pt = ParameterTuple(net.trainable_params())
    assert isinstance(pt, tuple) and pt[0] is net.z
