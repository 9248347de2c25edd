"""The GPU's log_softmax on very negative logits (issue 22 item 8): shifted by the row maximum, a row
near -100 or -1000 is as exact as a row near 0. Shifted by max(x, 0) instead, exp(-100) is a Float32
denormal (about 3.7e-44) and exp(-104) and below are 0, whose log is -inf.

Expected values: log_softmax computed by hand in float64 (x - max - log(sum(exp(x - max)))), and the
CPU path (NumPy) for the gradients.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import mini_autograd.ops as ops
from mini_autograd import Tensor, context

pytestmark = pytest.mark.gpu

LOGITS = np.array([[1.0, 2.0, 3.5],
                   [-100.0, -101.0, -102.5],
                   [-1000.0, -1000.5, -1003.0]], np.float32)
SENS = np.array([[0.5, -1.0, 2.0], [1.0, 0.25, -0.5], [-2.0, 1.5, 0.75]], np.float32)


def log_softmax64(x):
    x = x.astype(np.float64)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.fixture(autouse=True)
def back_to_cpu():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5e-4)  # the simulator's barriers are a rendezvous of Python threads
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        context.set_context(device_target="CPU", mode=context.PYNATIVE_MODE)


def _run(device):
    context.set_context(device_target=device)
    value = ops.LogSoftmax()(Tensor(LOGITS)).asnumpy()
    grad = ops.GradOperation(sens_param=True)(ops.LogSoftmax())(Tensor(LOGITS), Tensor(SENS)).asnumpy()
    return value, grad


def test_log_softmax_of_rows_near_minus_100_and_minus_1000_on_the_gpu():
    gpu_value, gpu_grad = _run("GPU")
    cpu_value, cpu_grad = _run("CPU")
    want = log_softmax64(LOGITS)  # every row: [-x, ...] relative to its maximum, the same three shapes
    assert np.isfinite(gpu_value).all() and np.isfinite(gpu_grad).all()
    np.testing.assert_allclose(gpu_value, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cpu_value, want, rtol=1e-5, atol=1e-5)
    # d log_softmax(x) . s = s - softmax(x) * sum(s), by hand, and the CPU agrees
    grad_want = SENS - np.exp(want) * SENS.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(gpu_grad, grad_want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gpu_grad, cpu_grad, rtol=1e-5, atol=1e-6)
