"""GPU and CPU agree on edge values: IEEE inf and NaN wherever float arithmetic gives them (the
simulator included, whose device functions run as Python's ``math``, which raises), NaN through
relu, exact integer powers, and one clear error for a sparse label out of range.

Expected values come from NumPy (float32, float64, int64 arithmetic) and Python's exact integers.
"""
from __future__ import annotations

import numpy as np
import pytest

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Tensor, context
from mini_autograd.backends import numpy_backend

# NumPy warns at these edges (np.log(0): "divide by zero encountered"), and so does the simulator,
# whose kernels compute with NumPy scalars in threads of their own (np.errstate is per thread)
pytestmark = [pytest.mark.gpu,
              pytest.mark.filterwarnings("ignore:(overflow|divide by zero|invalid value) encountered:RuntimeWarning")]

f32, f64, i64 = np.float32, np.float64, np.int64
NAN, INF = np.nan, np.inf


def arr(values, dtype=f32) -> np.ndarray:
    return np.array(values, dtype)


def wrap64(n: int) -> int:
    """Python's exact integer n as int64 arithmetic leaves it (modulo 2**64, two's complement)."""
    return (n + 2**63) % 2**64 - 2**63


# (backend function, inputs, the NumPy function giving the expected value)
EDGES = [
    ("log", [arr([0, -0.0, -1, -INF, NAN, INF, 1, 1e-38])], np.log),
    ("log", [arr([0, -2, 1e-300, INF], f64)], np.log),
    ("exp", [arr([1000, 88, 89, 710, -1000, INF, -INF, NAN, 0])], np.exp),
    ("exp", [arr([709, 709.78, 710, 1000, -INF, NAN], f64)], np.exp),
    ("power", [arr([-1, 0, -0.0, 0, -0.0, 10, -8, 2, NAN, INF, -INF, 1, -2, -2, 0, 0.5, 2, -INF]),
               arr([0.5, -1, -1, -2, -3, 400, 1 / 3, -INF, 0, -1, 3, NAN, 3, 200, 0, -2000, -2000, -3])], np.power),
    ("power", [arr([10, -10, -10, 0.5, 1e300, -1, 4], f64), arr([400, 401, 400, -1100, 2, 0.5, 0.5], f64)], np.power),
    ("div", [arr([1, -1, 0, 1, -1, NAN, INF]), arr([0, 0, 0, -0.0, -0.0, 0, 0])], np.true_divide),
    ("div", [arr([1, -1, 0], i64), arr([0, 0, 0], i64)], np.true_divide),
    ("relu", [arr([NAN, -NAN, -1, 0, -0.0, 2, INF, -INF])], lambda x: np.maximum(x, x.dtype.type(0))),
    ("relu", [arr([NAN, -3], f64)], lambda x: np.maximum(x, x.dtype.type(0))),
    ("relu_grad", [arr([1, 1, 1, 1]), arr([NAN, -1, 0, 2])], lambda d, x: np.where(x > 0, d, d.dtype.type(0))),
    ("tanh", [arr([NAN, 1000, -1000, INF, -INF])], np.tanh),
    ("sin", [arr([NAN, INF, -INF, 0, -0.0, 1e30])], np.sin),
    ("cos", [arr([NAN, INF, -INF, 0, 1e30])], np.cos),
    ("softplus", [arr([NAN, 1000, -1000, INF, -INF, 0, 30, -30])], lambda x: np.logaddexp(x.dtype.type(0), x)),
    ("sigmoid", [arr([NAN, 1000, -1000, INF, -INF])], lambda x: (1 / (1 + np.exp(-x.astype(f64)))).astype(f32)),
]

# Integer powers: exact (wrapping as fixed-width integers do), never through floating pow, which rounds past 2**53.
BASES = [2**20 + 1, 3, -7, 2097151, -2097151, 0, 1, -1, 2**31, 3**30]
INT_POWERS = [
    ("cube", arr(BASES, i64), arr(3, i64), [wrap64(b**3) for b in BASES]),
    ("powers", arr([3, -3, 7, 2, 5, 0], i64), arr([0, 1, 2, 62, 27, 0], i64),
     [1, -3, 49, 2**62, 5**27, 1]),
    ("int32-base", arr([46341, -46341], np.int32), arr([2, 3], i64), [46341**2, -(46341**3)]),
    ("uint64", arr([3, 2**63 + 1], np.uint64), arr([41, 2], np.uint64), [3**41 % 2**64, (2**63 + 1) ** 2 % 2**64]),
    ("uint8", arr([3, 255], np.uint8), arr([7, 2], np.uint8), [3**7 % 256, 255**2 % 256]),
]


def on_backend(backend, name: str, inputs: list) -> np.ndarray:
    return backend.to_numpy(getattr(backend, name)(*[backend.asarray(x) for x in inputs]))


@pytest.mark.parametrize("name,inputs,numpy_fn", EDGES, ids=[f"{e[0]}-{e[1][0].dtype}" for e in EDGES])
def test_edge_values_on_both_backends_as_numpy(gpu, name, inputs, numpy_fn):
    with np.errstate(all="ignore"):
        expected = numpy_fn(*inputs)
        cpu = on_backend(numpy_backend, name, inputs)
        got = on_backend(gpu, name, inputs)
    for result in (cpu, got):
        assert result.dtype == expected.dtype
        # same inf (with its sign) and NaN places; finite values to float rounding (the simulator
        # computes math.exp and math.log in float64 and rounds once to float32)
        np.testing.assert_allclose(result, expected, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("label,x,n,exact", INT_POWERS, ids=[p[0] for p in INT_POWERS])
def test_integer_powers_are_exact_on_both_backends(gpu, gpu_counts, label, x, n, exact):
    with np.errstate(all="ignore"):
        cpu = on_backend(numpy_backend, "power", [x, n])
        got = on_backend(gpu, "power", [x, n])
    for result in (cpu, got):
        assert result.dtype == np.result_type(x, n)
        assert result.tolist() == exact
    assert gpu_counts.launches["zip:int_power"] == 1 and gpu_counts.launches["zip:power"] == 0


# -- the same through the ops, on each device ---------------------------------------------------------

OPS = [
    ("log(0), log(-1)", lambda x: ops.Log()(x), arr([0, -1]), arr([-INF, NAN])),
    ("sqrt(-1)", lambda x: ops.Pow()(x, 0.5), arr([-1, 4]), arr([NAN, 2])),
    ("1/0", lambda x: 1 / x, arr([0, -0.0]), arr([INF, -INF])),
    ("x/0", lambda x: x / 0, arr([1, -1, 0]), arr([INF, -INF, NAN])),
    ("exp(1000)", lambda x: ops.Exp()(x), arr([1000, -1000]), arr([INF, 0])),
    ("relu(nan)", lambda x: ops.ReLU()(x), arr([NAN, -1, 1]), arr([NAN, 0, 1])),
    ("int64 ** 3", lambda x: ops.Pow()(x, 3), arr([2**20 + 1, -2097151], i64),
     arr([(2**20 + 1) ** 3, (-2097151) ** 3], i64)),
    ("int64 ** 3 (operator)", lambda x: x**3, arr([2097151], i64), arr([2097151**3], i64)),
]


@pytest.mark.parametrize("device", ["CPU", "GPU"])
@pytest.mark.parametrize("label,fn,x,expected", OPS, ids=[o[0] for o in OPS])
def test_edge_values_through_the_ops(device, label, fn, x, expected):
    context.set_context(device_target=device)
    try:
        with np.errstate(all="ignore"):
            got = fn(Tensor(x)).asnumpy()
    finally:
        context.set_context(device_target="CPU")
    assert got.dtype == expected.dtype
    if expected.dtype.kind == "i":
        assert got.tolist() == expected.tolist()  # exact: these cubes are past float64's 2**53
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)



# relu(NaN) is NaN here, as NumPy's maximum gives and as a NaN should travel (no silent 0).
# MindSpore 2.10 CPU (PYNATIVE_MODE and GRAPH_MODE) differs, recorded and not followed: ops.ReLU
# and nn.ReLU give 0 for NaN, and int64 ** 3 goes through floating pow, (2**20 + 1) ** 3 ->
# 1152924803144876032 (exact: ...033). NumPy and mini_autograd are exact.


# -- sparse cross-entropy labels out of range -----------------------------------------------------------
# MindSpore 2.10 CPU: nn.SoftmaxCrossEntropyWithLogits(sparse=True) gives a silent loss of -0.0 (a
# zero one-hot row) for a label of 3 with 3 classes (PYNATIVE_MODE and GRAPH_MODE) and of 5 or -1
# (PYNATIVE_MODE), while ops.SparseSoftmaxCrossEntropyWithLogits raises RuntimeError in both modes
# ("label[index] must <= class_num, but got index = 1 label[index] = 5 and class_num = 3"; for -1:
# "label[index] must >= 0"). mini_autograd raises that RuntimeError on both devices, naming the
# argument, the range and the value.

def sparse_loss(device: str, labels: list, mode=context.PYNATIVE_MODE):
    context.set_context(device_target=device, mode=mode)
    logits = Tensor(np.zeros((len(labels), 3), f32))
    return nn.SoftmaxCrossEntropyWithLogits(sparse=True), logits, Tensor(np.array(labels, np.int32))


@pytest.mark.parametrize("device", ["CPU", "GPU"])
@pytest.mark.parametrize("labels,bad,at", [([0, 3], 3, 1), ([-1, 2], -1, 0), ([2, 1, 7], 7, 2)])
def test_a_sparse_label_out_of_range_is_refused_on_both_devices(device, labels, bad, at, gpu_counts):
    loss, logits, labels = sparse_loss(device, labels)
    gpu_counts.reset()
    try:
        with pytest.raises(RuntimeError) as caught:
            loss(logits, labels)
    finally:
        context.set_context(device_target="CPU")
    assert str(caught.value) == (f"For 'SoftmaxCrossEntropyWithLogits', each value of 'labels' should be a "
                                 f"class index in [0, 3), but got {bad} (labels[{at}]).")
    # refused before any kernel ran: the labels were read on the host, nothing computed
    assert gpu_counts.launches == {}
    assert gpu_counts.to_host == (1 if device == "GPU" else 0)


@pytest.mark.parametrize("device", ["CPU", "GPU"])
def test_a_sparse_label_out_of_range_is_refused_when_a_graph_replays(device):
    loss, logits, labels = sparse_loss(device, [0, 2], mode=context.GRAPH_MODE)
    fvg = nn.ForwardValueAndGrad(loss)  # GRAPH_MODE: traced on the first call, replayed after
    try:
        value, grad = fvg(logits, labels)
        # uniform softmax over 3 classes: loss -log(1/3) per row, gradient 1/3 - one_hot(label)
        np.testing.assert_allclose(value.asnumpy(), [np.log(3)] * 2, rtol=1e-6)
        np.testing.assert_allclose(grad.asnumpy(), np.full((2, 3), 1 / 3) - np.eye(3)[[0, 2]], rtol=1e-6)
        with pytest.raises(RuntimeError, match=r"'labels' should be a class index in \[0, 3\), but got 3"):
            fvg(logits, Tensor(np.array([0, 3], np.int32)))  # the same signature: replayed
    finally:
        context.set_context(device_target="CPU", mode=context.PYNATIVE_MODE)
