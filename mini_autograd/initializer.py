"""Initial values for Dense's weight and bias, by MindSpore's names ('normal', 'zeros', 'heuniform', ...).

Random draws come from one NumPy generator that ``set_seed`` resets, so a seeded notebook prints
the same numbers on every run.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tensors import Tensor

_rng = np.random.default_rng()


def set_seed(seed: int) -> None:
    """Make every later random initialisation repeatable (MindSpore's ``mindspore.set_seed``); as
    MindSpore's, it seeds NumPy's global generator too (``np.random``, which ``ops.randn`` draws from)."""
    global _rng
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"For 'set_seed', 'seed' should be a non-negative int, but got {seed!r}.")
    _rng = np.random.default_rng(seed)
    np.random.seed(seed)


def initialize(init: Any, shape: tuple, dtype: Any = np.float32, fan_in: int | None = None) -> np.ndarray:
    """An array of ``shape`` from a name, a number, a NumPy array or a Tensor."""
    if isinstance(init, Tensor):
        value = init.asnumpy()
    elif isinstance(init, np.ndarray):
        value = init
    elif isinstance(init, (int, float)) and not isinstance(init, bool):
        value = np.full(shape, init)
    elif isinstance(init, str):
        value = _named(init.lower(), shape, fan_in if fan_in is not None else (shape[-1] if shape else 1))
    else:
        raise TypeError(f"An initializer should be a name such as 'normal', a number, a NumPy array or a "
                        f"Tensor, but got {type(init).__name__}.")
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"The initial value should have shape {list(shape)}, but got {list(value.shape)}.")
    return np.asarray(value, dtype=dtype)


def _named(name: str, shape: tuple, fan_in: int) -> np.ndarray:
    if name == "zeros":
        return np.zeros(shape)
    if name == "ones":
        return np.ones(shape)
    if name == "normal":  # MindSpore's Normal(sigma=0.01)
        return _rng.normal(0.0, 0.01, shape)
    if name == "uniform":  # MindSpore's Uniform(scale=0.07)
        return _rng.uniform(-0.07, 0.07, shape)
    if name == "heuniform":  # He (Kaiming) uniform with a = sqrt(5): bound = 1/sqrt(fan_in)
        bound = math.sqrt(6.0 / ((1 + 5.0) * fan_in))
        return _rng.uniform(-bound, bound, shape)
    if name == "xavier_uniform":
        fan_out = shape[0] if len(shape) > 1 else 1
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return _rng.uniform(-bound, bound, shape)
    if name == "bias_uniform":  # Dense's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        bound = 1.0 / math.sqrt(fan_in)
        return _rng.uniform(-bound, bound, shape)
    raise ValueError(f"Unknown initializer {name!r}; expected one of 'zeros', 'ones', 'normal', 'uniform', "
                     f"'heuniform', 'xavier_uniform'.")
