"""Backends: the short, named list of array functions every primitive is written with.

A backend is a module implementing that list (see numpy_backend.py, the reference; cuda/ is the
GPU one). The device a Tensor lives on is its backend; context.current_backend() is the one
device_target selects. Only cuda/ imports numba, and only when "GPU" is first asked for.
"""
from __future__ import annotations

from types import ModuleType

from . import cuda  # imports no numba itself: cuda.load() does, after choosing GPU or simulator
from . import numpy_backend

_loaded: dict[str, ModuleType] = {}


def get_backend(device_target: str) -> ModuleType:
    """The backend module for "CPU" or "GPU", imported on first use."""
    backend = _loaded.get(device_target)
    if backend is not None:
        return backend
    if device_target == "CPU":
        backend = numpy_backend
    elif device_target == "GPU":
        backend = cuda.load()
    else:
        raise ValueError(f"device_target must be 'CPU' or 'GPU', but got {device_target!r}.")
    _loaded[device_target] = backend
    return backend


def gpu_runs_on() -> str:
    """"gpu" when device_target="GPU" runs on a real CUDA GPU, "simulator" in Numba's CUDA simulator."""
    return cuda.runs_on()
