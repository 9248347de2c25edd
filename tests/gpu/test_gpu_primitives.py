"""Every primitive's forward and vjp, ForwardValueAndGrad in every flag combination and a training
step give on device_target="GPU" what they give on "CPU"; mixing devices is a clear error.

The expected values come from running the same code on the CPU path (NumPy), an implementation
independent of the kernels under test. In the simulator where there is no GPU.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor, context
from mini_autograd.ops import nn_ops

pytestmark = pytest.mark.gpu
rng = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def back_to_cpu():
    """Leave the context on CPU / PYNATIVE_MODE, as other test files expect; faster thread switches
    make the simulator's barriers (a rendezvous of Python threads) cheaper."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5e-4)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        context.set_context(device_target="CPU", mode=context.PYNATIVE_MODE)


def host(x):
    """Tensors (nested in tuples) -> NumPy arrays, for comparing."""
    if isinstance(x, Tensor):
        return x.asnumpy()
    if isinstance(x, (tuple, list)):
        return tuple(host(v) for v in x)
    return x


def assert_same(got, expected, path="result"):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{path}[{i}]")
        return
    assert got.shape == expected.shape and got.dtype == expected.dtype, path
    # rtol 1e-5, plus an atol at float32's rounding of the array's largest value: a dot product whose
    # terms cancel is small, and there summation order alone moves it by a few ulps of its terms
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * max(1.0, scale), err_msg=path)


def on(device: str, fn, *host_args, mode=context.PYNATIVE_MODE, counts=None):
    """Run ``fn`` on Tensors made from ``host_args`` with device_target ``device``; NumPy results.
    ``counts`` (GPU): reset once the inputs are on the device, and its ``work`` set to what ``fn``
    did before its results were copied back."""
    context.set_context(device_target=device, mode=mode)
    tensors = [Tensor(a) for a in host_args]
    if counts is not None:
        counts.reset()
    result = fn(*tensors)
    if counts is not None:
        counts.work = counts.freeze()
    return host(result)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def pos(*shape):
    return rng.uniform(0.5, 2.0, shape).astype(np.float32)


PRIMITIVES = [
    ("Add", ops.Add(), [f32(17, 33), f32(33)]),
    ("Add-0d", ops.Add(), [f32(), f32(17)]),
    ("Sub", ops.Sub(), [f32(17, 1), f32(1, 33)]),
    ("Mul", ops.Mul(), [f32(17, 33), f32(17, 33)]),
    ("Mul-0d", ops.Mul(), [f32(), f32()]),
    ("Div", ops.Div(), [f32(5, 17), pos(17)]),
    ("Neg", ops.Neg(), [f32(17, 33)]),
    ("Square", ops.Square(), [f32(17)]),
    ("Exp", ops.Exp(), [f32(3, 17)]),
    ("Log", ops.Log(), [pos(33)]),
    ("Tanh", ops.Tanh(), [f32(17, 5)]),
    ("Sin", ops.Sin(), [f32(17, 5)]),
    ("Cos", ops.Cos(), [f32(33)]),
    ("Softplus", ops.Softplus(), [f32(17, 3)]),
    ("StopGradient", ops.stop_gradient, [f32(17)]),
    ("Sigmoid", ops.Sigmoid(), [f32()]),
    ("ReLU", ops.ReLU(), [f32(17, 33)]),
    ("Pow-3", lambda x: ops.Pow()(x, 3), [f32(17)]),
    ("Pow-half", lambda x: ops.Pow()(x, 0.5), [pos(5, 3)]),
    ("MatMul", ops.MatMul(), [f32(17, 33), f32(33, 5)]),
    ("MatMul-ta", ops.MatMul(transpose_a=True), [f32(33, 17), f32(33, 5)]),
    ("MatMul-tb", ops.MatMul(transpose_b=True), [f32(17, 33), f32(5, 33)]),
    ("MatMul-ta-tb", ops.MatMul(True, True), [f32(33, 17), f32(5, 33)]),
    ("MatMul-1", ops.MatMul(), [f32(1, 1), f32(1, 1)]),
    ("ReduceSum", lambda x: ops.ReduceSum()(x, 1), [f32(17, 33)]),
    ("ReduceSum-all-keep", lambda x: ops.ReduceSum(keep_dims=True)(x, ()), [f32(17, 33)]),
    ("ReduceSum-0d", lambda x: ops.ReduceSum()(x, ()), [f32()]),
    ("ReduceMean", lambda x: ops.ReduceMean()(x, (0, 2)), [f32(3, 17, 5)]),
    ("ReduceMean-keep", lambda x: ops.ReduceMean(keep_dims=True)(x, 0), [f32(33)]),
    ("Reshape", lambda x: ops.Reshape()(x, (33, 17)), [f32(17, 33)]),
    ("Transpose", lambda x: ops.Transpose()(x, (2, 0, 1)), [f32(2, 3, 5)]),
    ("Cast", lambda x: ops.Cast()(x, np.float64), [f32(17)]),
    ("SoftmaxCrossEntropy", nn_ops.SOFTMAX_CROSS_ENTROPY,
     [f32(17, 5), rng.dirichlet(np.ones(5), 17).astype(np.float32)]),
    # Past a real GPU's launch sizes (kernels.py: TILE 64, 256 threads, 128 for reductions), where the
    # shapes above all fit in one tile or block: a grid or loop bound rounded down shows only here.
    ("MatMul-65x129", ops.MatMul(), [f32(65, 9), f32(9, 129)]),
    ("Add-257", ops.Add(), [f32(257), f32(257)]),
    ("ReduceSum-1025", lambda x: ops.ReduceSum()(x, 1), [f32(2, 1025)]),
]


# The kernel that does each primitive's work, and how often it runs in the forward pass and in a
# gradient call (forward + vjp), from the vjp rules: MatMul's dx = dout @ y.T and dy = x.T @ dout
# are two more products; a reduction's vjp broadcasts and never reduces; Exp, Log, Tanh and ReLU
# reuse their output; Mul's vjp multiplies twice, Div's divides once more; Reshape moves no data.
KERNELS = {
    "Add": ("zip:add", 1, 1), "Add-0d": ("zip:add", 1, 1), "Sub": ("zip:sub", 1, 1),
    "Mul": ("zip:mul", 1, 3), "Mul-0d": ("zip:mul", 1, 3), "Div": ("zip:div", 1, 2),
    "Neg": ("map:neg", 1, 2), "Square": ("map:square", 1, 1), "Exp": ("map:exp", 1, 1),
    "Log": ("map:log", 1, 1), "Tanh": ("map:tanh", 1, 1), "Sigmoid": ("map:sigmoid", 1, 1),
    "ReLU": ("map:relu", 1, 1),
    # Sin's vjp is dout * cos(x): one cos, and Cos's one sin (and a neg); Softplus's a sigmoid;
    # StopGradient copies its value and its vjp computes nothing
    "Sin": ("map:sin", 1, 1), "Cos": ("map:cos", 1, 1), "Softplus": ("map:softplus", 1, 1),
    "StopGradient": ("map:identity", 1, 1), "Pow-3": ("zip:power", 1, 2), "Pow-half": ("zip:power", 1, 2),
    **{n: ("matmul", 1, 3) for n in ("MatMul", "MatMul-ta", "MatMul-tb", "MatMul-ta-tb", "MatMul-1")},
    **{n: ("reduce:add", 1, 1) for n in ("ReduceSum", "ReduceSum-all-keep", "ReduceSum-0d", "ReduceMean",
                                         "ReduceMean-keep")},
    "Reshape": (None, 0, 0), "Transpose": ("map:identity", 1, 2), "Cast": ("map:identity", 1, 2),
    "SoftmaxCrossEntropy": ("reduce:maximum", 1, 2),  # log_softmax's row maximum, in forward and vjp
    "MatMul-65x129": ("matmul", 1, 3), "Add-257": ("zip:add", 1, 1), "ReduceSum-1025": ("reduce:add", 1, 1),
}


def test_every_primitive_names_its_kernel():
    assert set(KERNELS) == {p[0] for p in PRIMITIVES}


@pytest.mark.parametrize("name,prim,inputs", PRIMITIVES, ids=[p[0] for p in PRIMITIVES])
def test_primitive_forward_and_vjp(name, prim, inputs, gpu_counts):
    expected_value = on("CPU", prim, *inputs)
    sens = rng.standard_normal(expected_value.shape).astype(expected_value.dtype)
    grad = ops.GradOperation(get_all=True, sens_param=True)(prim)
    expected_grads = on("CPU", grad, *inputs, sens)
    assert_same(on("GPU", prim, *inputs, counts=gpu_counts), expected_value)
    forward = gpu_counts.work
    assert_same(on("GPU", grad, *inputs, sens, counts=gpu_counts), expected_grads)
    backward = gpu_counts.work
    # the kernels did the work: the named one ran, nothing was copied to the host
    kernel, n_forward, n_grad = KERNELS[name]
    assert forward[2] == backward[2] == 0, (forward, backward)
    if kernel is None:
        assert forward[0] == backward[0] == {}, (forward, backward)
    else:
        assert (forward[0].get(kernel), backward[0].get(kernel)) == (n_forward, n_grad), (forward, backward)


def test_one_hot():
    indices = np.array([0, 4, 2, 2, 1], np.int32)
    one_hot = lambda i: nn_ops.ONE_HOT(i, 5, np.float32)  # noqa: E731
    assert_same(on("GPU", one_hot, indices), on("CPU", one_hot, indices))


class Net(nn.Cell):
    """The document's network with odd sizes, a broadcast parameter and a nonlinearity."""

    def __init__(self, z, b):
        super().__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(z), name="z")
        self.b = Parameter(Tensor(b), name="b")

    def construct(self, x, y):
        return ops.Tanh()(self.matmul(x * self.z, y) + self.b)


NET_INPUTS = [f32(17, 33), f32(33, 5)]
NET_PARAMS = [f32(33), f32(5)]
NET_SENS = f32(17, 5)


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE], ids=["pynative", "graph"])
@pytest.mark.parametrize("sens_param", [False, True], ids=["ones", "sens"])
@pytest.mark.parametrize("get_by_list", [False, True], ids=["inputs", "by_list"])
@pytest.mark.parametrize("get_all", [False, True], ids=["first", "all"])
def test_forward_value_and_grad_flags(get_all, get_by_list, sens_param, mode, gpu_counts):
    def run(device):
        context.set_context(device_target=device, mode=mode)
        net = Net(*NET_PARAMS)
        fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_all=get_all,
                                     get_by_list=get_by_list, sens_param=sens_param)
        args = [Tensor(a) for a in NET_INPUTS] + ([Tensor(NET_SENS)] if sens_param else [])
        gpu_counts.reset()
        result = fvg(*args)
        if device == "GPU":
            # the forward product and at least one product of the backward pass (dx = sens y^T z,
            # dy = (x z)^T sens or dz's), every one a kernel; nothing copied to the host
            launches, _, to_host = gpu_counts.freeze()
            assert launches.get("matmul", 0) >= 2 and to_host == 0, gpu_counts
        first = host(result)
        if mode == context.GRAPH_MODE:  # the second call replays the traced graph
            replayed = host(fvg(*args))
            assert_same(replayed, first)
        return first

    expected = run("CPU")
    assert_same(run("GPU"), expected)


def test_training_steps_with_momentum():
    w, b = f32(3, 7), f32(3)
    data, label = f32(17, 7), f32(17, 3)

    def train(device):
        context.set_context(device_target=device)
        net = nn.Dense(7, 3, weight_init=Tensor(w), bias_init=Tensor(b), activation="tanh")
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()),
                                   nn.Momentum(net.trainable_params(), learning_rate=0.1, momentum=0.9))
        losses = [step(Tensor(data), Tensor(label)).asnumpy() for _ in range(3)]
        return tuple(losses) + (net.weight.asnumpy(), net.bias.asnumpy())

    assert_same(train("GPU"), train("CPU"))


def test_tensors_stay_on_the_gpu():
    context.set_context(device_target="GPU")
    x = Tensor(f32(3, 4))
    y = (x @ x.T).sum(axis=1) * 2 + 1
    assert x.device == "GPU" and y.device == "GPU"
    assert not isinstance(y._data, np.ndarray)


def test_one_transform_serves_both_devices_in_turn():
    # the default sensitivity a transform keeps is per device: a CPU call, then a GPU call, then CPU
    fvg = nn.ForwardValueAndGrad(lambda x: x * 3.0)
    a = f32(2, 3)
    got = []
    for device in ("CPU", "GPU", "CPU"):
        context.set_context(device_target=device)
        value, grad = fvg(Tensor(a))
        assert grad.device == device
        got.append(grad.asnumpy())
    for g in got:
        np.testing.assert_allclose(g, np.full((2, 3), 3.0))


# -- mixing devices ------------------------------------------------------------------------------------

def test_a_cpu_tensor_in_a_gpu_operation_is_refused():
    cpu = Tensor(f32(3))
    context.set_context(device_target="GPU")
    gpu = Tensor(f32(3))
    with pytest.raises(RuntimeError, match="same device.*CPU.*GPU|same device.*GPU.*CPU"):
        gpu + cpu


def test_a_cpu_parameter_in_a_gpu_network_is_refused():
    net = Net(*NET_PARAMS)  # parameters made on the CPU
    context.set_context(device_target="GPU")
    fvg = nn.ForwardValueAndGrad(net)
    with pytest.raises(RuntimeError, match="same device"):
        fvg(*[Tensor(a) for a in NET_INPUTS])


def test_a_cpu_sensitivity_for_a_gpu_network_is_refused():
    sens = Tensor(NET_SENS)
    context.set_context(device_target="GPU")
    fvg = nn.ForwardValueAndGrad(Net(*NET_PARAMS), sens_param=True)
    with pytest.raises(RuntimeError, match="sensitivity is on CPU"):
        fvg(*[Tensor(a) for a in NET_INPUTS], sens)


def test_inputs_on_two_devices_are_refused_even_when_one_is_unused():
    y = Tensor(f32(2))
    context.set_context(device_target="GPU")
    fvg = ops.GradOperation(get_all=True)(lambda x, unused: x * x)
    with pytest.raises(RuntimeError, match="same device"):
        fvg(Tensor(f32(2)), y)


def test_graph_mode_does_not_replay_a_tensor_from_another_device():
    context.set_context(device_target="GPU", mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(Net(*NET_PARAMS), get_all=True)
    x, y = (Tensor(a) for a in NET_INPUTS)
    fvg(x, y)
    context.set_context(device_target="CPU")
    with pytest.raises(RuntimeError, match="same device"):
        fvg(x, Tensor(NET_INPUTS[1]))


def test_set_data_across_devices_is_refused():
    context.set_context(device_target="GPU")
    p = Parameter(Tensor(f32(3)), name="p")
    context.set_context(device_target="CPU")
    with pytest.raises(RuntimeError, match="is on CPU but the parameter is on GPU"):
        p.set_data(Tensor(f32(3)))


def test_optimizer_with_gradients_from_another_device_is_refused():
    context.set_context(device_target="GPU")
    p = Parameter(Tensor(f32(3)), name="p")
    opt = nn.SGD([p], learning_rate=0.1)
    context.set_context(device_target="CPU")
    with pytest.raises(RuntimeError, match="gradient of 'p' is on CPU but the parameter is on GPU"):
        opt((Tensor(f32(3)),))


def test_explicit_transfer_through_the_host():
    a = f32(4, 3)
    cpu = Tensor(a)
    context.set_context(device_target="GPU")
    moved = Tensor(cpu.asnumpy())
    assert moved.device == "GPU"
    np.testing.assert_allclose((moved * 2).asnumpy(), a * 2, rtol=1e-6)
