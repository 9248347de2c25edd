"""CPU and GPU agree with MindSpore 2.10 at the edges issue 21 found (findings 6, 12, 13).

6: ``x ** 0.5`` at -inf and -0.0, and the gradient of ``x ** 1.5`` at -inf (NumPy's power takes a
   sqrt shortcut for an exponent of 0.5, which gives NaN and -0.0 there; IEEE pow gives inf and +0.0).
12: a float cast to an integer dtype at NaN, inf and out of range (the GPU kernel raised).
13: ``2.0 ** 1024`` in Float64 (the GPU kernel raised OverflowError where the answer is inf).

Expected values recorded from MindSpore 2.10.0 CPU, PYNATIVE_MODE (ops.pow, ops.cast, ms.grad), with
the script in the comments; they are also IEEE 754 pow's and x86's conversion answers.
"""
from __future__ import annotations

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.ops as ops
from mini_autograd import Tensor, context
from mini_autograd import dtype as mstype

INF, NAN = np.inf, np.nan
DEVICES = ["CPU", pytest.param("GPU", marks=pytest.mark.gpu)]
pytestmark = pytest.mark.filterwarnings("ignore:(overflow|divide by zero|invalid value) encountered:RuntimeWarning")

# x = Tensor([-inf, -0.0, 0.0, inf, -1.0, 4.0]); x ** 0.5 and ms.grad(lambda t: (t ** 1.5).sum())(x)
POW_X = [-INF, -0.0, 0.0, INF, -1.0, 4.0]
MS_SQRT = [INF, 0.0, 0.0, INF, NAN, 2.0]  # +0.0 at -0.0 (signbit False), in Float32 and Float64
MS_GRAD_POW_1_5 = [INF, 0.0, 0.0, INF, NAN, 3.0]
MS_POW_1_5 = [INF, 0.0, 0.0, INF, NAN, 8.0]

# x = Tensor([nan, inf, -inf, 3e9, -3e9, 1e20, 2.7, -2.7], Float32 or Float64); ops.cast(x, to)
CAST_X = [NAN, INF, -INF, 3e9, -3e9, 1e20, 2.7, -2.7]
I32_MIN, I64_MIN = -2**31, -2**63
MS_CAST = {
    "int32": [I32_MIN, I32_MIN, I32_MIN, I32_MIN, I32_MIN, I32_MIN, 2, -2],
    "int64": [I64_MIN, I64_MIN, I64_MIN, 3000000000, -3000000000, I64_MIN, 2, -2],
    "int16": [0, 0, 0, 0, 0, 0, 2, -2],
    "int8": [0, 0, 0, 0, 0, 0, 2, -2],
    "uint8": [0, 0, 0, 0, 0, 0, 2, 254],
}


def on(device, fn):
    context.set_context(device_target=device)
    try:
        with np.errstate(all="ignore"):
            return fn()
    finally:
        context.set_context(device_target="CPU")


def same_bits(got, want, dtype):
    want = np.array(want, dtype)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    real = ~np.isnan(want)  # (a NaN's sign bit is the hardware's choice: x86 and MindSpore give -NaN)
    np.testing.assert_array_equal(np.signbit(got[real]), np.signbit(want[real]))  # +0.0, not -0.0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_6_square_root_power_at_minus_infinity_and_minus_zero(device, dtype):
    x = lambda: Tensor(np.array(POW_X, dtype))  # noqa: E731
    same_bits(on(device, lambda: (x() ** 0.5).asnumpy()), MS_SQRT, dtype)
    same_bits(on(device, lambda: ops.Pow()(x(), 0.5).asnumpy()), MS_SQRT, dtype)
    same_bits(on(device, lambda: (x() ** 1.5).asnumpy()), MS_POW_1_5, dtype)
    grad = on(device, lambda: ma.grad(lambda t: (t ** 1.5).sum())(x()).asnumpy())
    same_bits(grad, MS_GRAD_POW_1_5, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("to", list(MS_CAST))
def test_12_casting_nan_inf_and_out_of_range_floats_to_integers(device, dtype, to):
    got = on(device, lambda: ops.Cast()(Tensor(np.array(CAST_X, dtype)), getattr(mstype, to)).asnumpy())
    assert got.dtype == np.dtype(to)
    assert got.tolist() == MS_CAST[to]


@pytest.mark.parametrize("device", DEVICES)
def test_13_a_float64_power_that_rounds_onto_the_overflow_edge_is_inf(device):
    """2 ** 1024 overflows float64 (MindSpore: inf); 1024 * log(2) rounds to exactly log(DBL_MAX), the
    GPU kernel's old guard. Just below the edge the values are finite and exact: 2 ** 1023, and
    (-2) ** 1023 = -2 ** 1023; (-2) ** 1025 is -inf, 0.5 ** -1024 inf, 2 ** 1023.5 finite."""
    x = np.array([2.0, 2.0, -2.0, -2.0, 0.5, 2.0], np.float64)
    y = np.array([1024.0, 1023.0, 1023.0, 1025.0, -1024.0, 1023.5], np.float64)
    got = on(device, lambda: ops.Pow()(Tensor(x[:1]), 1024.0).asnumpy())
    assert got.tolist() == [INF]
    from mini_autograd.backends import get_backend
    backend = on(device, lambda: get_backend(device))
    got = on(device, lambda: backend.to_numpy(backend.power(backend.asarray(x), backend.asarray(y))))
    assert got.tolist() == [INF, 2.0 ** 1023, -(2.0 ** 1023), -INF, INF, 2.0 ** 1023.5]  # Python: libm pow
