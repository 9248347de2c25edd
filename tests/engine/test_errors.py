"""Bad input: MindSpore's exception type, a message naming the argument with expected and got,
and nothing half-changed behind it (the next call works and gives the right values)."""
import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import ParameterTuple, Tensor, context, tape
from tests.support import document_code as doc

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])


def assert_next_call_works(fvg, *args):
    assert tape.active is None and tape.tracing is False
    value, _ = fvg(*args)
    np.testing.assert_allclose(value.asnumpy(), X @ Y, rtol=1e-6)


@pytest.mark.parametrize("weights,got", [
    (None, "NoneType"),
    ("z", "str"),
    ([1.0], "element 0 is float"),
])
def test_get_by_list_needs_parameters(weights, got):
    with pytest.raises(TypeError, match=rf"'weights' should be a ParameterTuple.*{got}|weights.*{got}"):
        nn.ForwardValueAndGrad(doc.Net(), weights=weights, get_by_list=True)


def test_a_single_parameter_is_not_accepted_as_weights():
    net = doc.Net()
    with pytest.raises(TypeError, match="'weights'.*ParameterTuple.*a single Parameter"):
        nn.ForwardValueAndGrad(net, weights=net.z, get_by_list=True)
    assert net.z.name == "z"  # nothing renamed by the failed construction


@pytest.mark.parametrize("flag", ["get_all", "get_by_list", "sens_param"])
@pytest.mark.parametrize("value", [1, "True", None])
def test_flags_must_be_bool(flag, value):
    with pytest.raises(TypeError, match=rf"'{flag}' should be bool, but got {type(value).__name__}"):
        nn.ForwardValueAndGrad(doc.Net(), **{flag: value})
    with pytest.raises(TypeError, match=rf"'{flag}' should be bool"):
        ops.GradOperation(**{flag: value})


@pytest.mark.parametrize("network", [3, "net", Tensor([1.0]), None])
def test_network_must_be_a_cell_or_a_function(network):
    with pytest.raises(TypeError, match="'network' should be a Cell or a function, but got"):
        nn.ForwardValueAndGrad(network)


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_sens_of_the_wrong_shape(mode):
    context.set_context(mode=mode)
    fvg = nn.ForwardValueAndGrad(doc.Net(), sens_param=True)
    x, y = doc.inputs()
    with pytest.raises(ValueError, match=r"sensitivity should have the output's shape \[2, 3\], but got shape \[3\]"):
        fvg(x, y, Tensor(np.ones(3, np.float32)))
    assert fvg.trace is None  # the failed call left no trace behind
    value, grad = fvg(x, y, Tensor(np.ones((2, 3), np.float32)))
    np.testing.assert_allclose(grad.asnumpy(), np.ones((2, 3)) @ Y.T, rtol=1e-5)


def test_sens_that_is_not_a_tensor():
    fvg = nn.ForwardValueAndGrad(doc.Net(), sens_param=True)
    with pytest.raises(TypeError, match="sensitivity should be a Tensor, but got ndarray"):
        fvg(*doc.inputs(), np.ones((2, 3)))


class TwoOutputs(nn.Cell):
    def construct(self, x, y):
        return x * 2, ops.MatMul()(x, y)


def test_sens_tuple_of_the_wrong_length():
    # RuntimeError, as MindSpore 2.10.0 CPU raises it in PYNATIVE_MODE for ForwardValueAndGrad and GradOperation
    # ("The given sens gradient's size should be same as out of network!"); its GRAPH_MODE raises TypeError
    # or IndexError from its compiler, or ignores a sensitivity too many (recorded by hand, issue 19)
    fvg = nn.ForwardValueAndGrad(TwoOutputs(), sens_param=True)
    x, y = doc.inputs()
    with pytest.raises(RuntimeError, match="returns 2 outputs, so the sensitivity should be a tuple of 2 Tensors, "
                                         "but got a tuple of 1"):
        fvg(x, y, (Tensor(np.ones((2, 3), np.float32)),))
    with pytest.raises(RuntimeError, match="tuple of 2 Tensors, but got Tensor"):
        fvg(x, y, Tensor(np.ones((2, 3), np.float32)))
    _, g = fvg(x, y, (Tensor(np.ones((2, 3), np.float32)), Tensor(np.zeros((2, 3), np.float32))))
    np.testing.assert_allclose(g.asnumpy(), 2 * np.ones((2, 3)))


def test_missing_sens():
    fvg = nn.ForwardValueAndGrad(doc.Net(), sens_param=True)
    x, y = doc.inputs()
    with pytest.raises(TypeError, match="sensitivity must be passed as the last positional argument after the "
                                        "network's 2 input"):
        fvg(x, y)
    fvg(x, y, Tensor(np.ones((2, 3), np.float32)))


def test_matmul_with_mismatched_inner_dimensions():
    a, b = Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"'MatMul'.*shape \[2, 3\].*gives 3 columns.*shape \[2, 3\].*gives 2 rows"):
        ops.MatMul()(a, b)
    assert ops.MatMul(transpose_b=True)(a, b).shape == (2, 2)


def test_matmul_needs_2d():
    with pytest.raises(ValueError, match=r"'MatMul', the input 'x' should be 2-D, but got shape \[3\]"):
        ops.MatMul()(Tensor([1.0, 2.0, 3.0]), Tensor(np.ones((3, 1), np.float32)))


def test_incompatible_broadcasting():
    with pytest.raises(ValueError, match=r"'Add', x.shape and y.shape need to broadcast, but got x.shape \[2, 3\] "
                                         r"and y.shape \[4\]"):
        Tensor(np.ones((2, 3), np.float32)) + Tensor(np.ones(4, np.float32))


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_an_error_inside_construct_leaves_no_half_recorded_state(mode):
    context.set_context(mode=mode)

    class Bad(nn.Cell):
        def construct(self, x, y):
            return ops.MatMul()(y, x)  # (3, 3) @ (2, 3): wrong inner dimension

    fvg = nn.ForwardValueAndGrad(Bad())
    with pytest.raises(ValueError, match="MatMul"):
        fvg(*doc.inputs())
    assert fvg.runner.graphs == {} and fvg.trace is None
    assert_next_call_works(nn.ForwardValueAndGrad(doc.Net()), *doc.inputs())


def test_an_input_that_is_not_a_tensor_gets_no_gradient_slot_and_the_op_that_meets_it_says_so():
    # MindSpore 2.10 gives arguments that are not Tensors no gradient slot (tests/fidelity/test_fidelity.py);
    # a list then reaches x * z, which names what it got.
    with pytest.raises(TypeError, match="For 'Mul', the inputs should be Tensors or Python numbers, but got list"):
        nn.ForwardValueAndGrad(doc.Net())([[1.0]], doc.inputs()[1])


def test_context_rejects_unknown_values_and_keeps_the_old_ones():
    with pytest.raises(ValueError, match="'mode' should be context.GRAPH_MODE"):
        context.set_context(mode=5, device_target="CPU")
    with pytest.raises(ValueError, match="'device_target' should be one of"):
        context.set_context(mode=context.GRAPH_MODE, device_target="TPU")
    assert context.get_context("mode") == context.PYNATIVE_MODE
    assert context.get_context("device_target") == "CPU"


def test_parameter_tuple_rejects_non_parameters():
    with pytest.raises(TypeError, match="element 1 is Tensor"):
        ParameterTuple([doc.Net().z, Tensor([1.0])])
