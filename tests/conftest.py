"""Shared fixtures and examples.

Every test starts in PYNATIVE_MODE on the CPU and leaves the context so. The viz tests share the
document's network and inputs, an MLP and a tuple-output net; expected values in tests are derived
by hand with NumPy float64, never with the engine.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import settings

import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, ParameterTuple, Tensor
from mini_autograd import context
from mini_autograd import dtype as mstype

# Property tests in `make test` and CI ("default"): 40 examples each, derandomized (drawn from a
# seed derived from each test, the same on every run and machine) and without the example database
# (nothing remembered between runs), so that a run is reproducible. `make bench` reruns them with
# the "bench" profile (HYPOTHESIS_PROFILE=bench): 400 random examples each, for the robustness figures.
settings.register_profile("default", max_examples=40, deadline=None, derandomize=True, database=None)
settings.register_profile("bench", max_examples=400, deadline=None, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])
DOC_SENS = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]])


class Net(nn.Cell):
    """The document's network: out = (x * z) @ y."""

    def __init__(self, z_name: str = "z") -> None:
        super().__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name=z_name)

    def construct(self, x, y):
        x = x * self.z
        return self.matmul(x, y)


class TwoOut(nn.Cell):
    """A tuple output: (a * b, a + b)."""

    def construct(self, a, b):
        return a * b, a + b


def hand_grads(sens, z=1.0, x=X, y=Y):
    """d out/dx = (sens @ y^T) z, d out/dy = (x z)^T @ sens, d out/dz = sum(sens * (x @ y))."""
    sens = np.asarray(sens, dtype=np.float64)
    return {"x": (sens @ y.T) * z, "y": (x * z).T @ sens, "z": np.array([np.sum(sens * (x @ y))])}


@pytest.fixture
def xy():
    return (Tensor(X.tolist(), dtype=mstype.float32), Tensor(Y.tolist(), dtype=mstype.float32))


@pytest.fixture
def called(xy):
    """A ForwardValueAndGrad of the document's Net with every flag on, called once."""
    net = Net()
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(net.trainable_params()), get_all=True,
                                 get_by_list=True)
    fvg(*xy)
    return fvg


def mlp():
    return nn.SequentialCell([nn.Dense(3, 4, activation="relu"), nn.Dense(4, 2)])


@pytest.fixture(autouse=True)
def _cpu_pynative():
    context.set_context(mode=context.PYNATIVE_MODE, device_target="CPU")
    yield
    context.set_context(mode=context.PYNATIVE_MODE, device_target="CPU")


# -- the GPU backend, counted -------------------------------------------------------------------------

class GpuCounts:
    """What the GPU backend did while counted: kernel launches by kernel ("matmul", "fill",
    "one_hot") or by kernel and device function ("zip:add", "map:exp", "reduce:maximum"), and the
    copies between host and device. A result computed with NumPy on the host and copied back shows
    here as a missing launch and copies, whatever its values."""

    def __init__(self) -> None:
        self.launches: Counter = Counter()
        self.to_device = 0
        self.to_host = 0

    def reset(self) -> None:
        self.launches.clear()
        self.to_device = self.to_host = 0

    def freeze(self) -> tuple[dict, int, int]:
        """(launches, copies to the device, copies to the host) so far."""
        return dict(self.launches), self.to_device, self.to_host

    def __repr__(self) -> str:
        return f"launches={dict(self.launches)} to_device={self.to_device} to_host={self.to_host}"


class _CountedKernel:
    """A kernel that counts its launches (``kernel[grid, block](*args)``) under ``label``."""

    def __init__(self, kernel, label: str, counts: GpuCounts) -> None:
        self.kernel, self.label, self.counts = kernel, label, counts

    def __getitem__(self, config):
        configured = self.kernel[config]

        def launch(*args):
            self.counts.launches[self.label] += 1
            return configured(*args)
        return launch


def _fn_name(fn) -> str:
    return getattr(getattr(fn, "py_func", fn), "__name__")


@pytest.fixture
def gpu_counts(monkeypatch):
    """Count the GPU backend's kernel launches and host<->device copies for the test's duration:
    the kernel factories of kernels.py, numba's to_device and the device array's copy_to_host are
    wrapped (monkeypatch undoes it), so backend.py runs unchanged."""
    from mini_autograd.backends import get_backend
    backend = get_backend("GPU")
    K = backend.K
    counts = GpuCounts()
    for factory, kind in (("map_kernel", "map"), ("zip_kernel", "zip"), ("reduce_kernel", "reduce")):
        make = getattr(K, factory)
        monkeypatch.setattr(K, factory, lambda fn, *a, _make=make, _kind=kind:
                            _CountedKernel(_make(fn, *a), f"{_kind}:{_fn_name(fn)}", counts))
    make_matmul = K.matmul_kernel
    monkeypatch.setattr(K, "matmul_kernel", lambda *a: _CountedKernel(make_matmul(*a), "matmul", counts))
    for name in ("fill", "one_hot"):
        monkeypatch.setattr(K, name, _CountedKernel(getattr(K, name), name, counts))
    to_device = backend.cuda.to_device

    def counted_to_device(*args, **kwargs):
        counts.to_device += 1
        return to_device(*args, **kwargs)
    monkeypatch.setattr(backend.cuda, "to_device", counted_to_device)
    copy_to_host = backend.ndarray.copy_to_host

    def counted_copy_to_host(self, *args, **kwargs):
        counts.to_host += 1
        return copy_to_host(self, *args, **kwargs)
    monkeypatch.setattr(backend.ndarray, "copy_to_host", counted_copy_to_host)
    return counts


@pytest.fixture
def gpu(gpu_counts):
    """The GPU backend, its kernel launches and copies counted in ``gpu_counts``; the context is
    left on CPU/PYNATIVE afterwards. Faster thread switches make the simulator's barriers (a
    rendezvous of Python threads) cheaper."""
    from mini_autograd.backends import get_backend
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5e-4)
    context.set_context(device_target="GPU")
    try:
        yield get_backend("GPU")
    finally:
        sys.setswitchinterval(interval)
        context.set_context(device_target="CPU", mode=context.PYNATIVE_MODE)
