"""The CPU backend: the array functions primitives call, written with NumPy.

This list is the contract every backend implements (the CUDA backend implements it with kernels,
and the parity tests walk it). Arrays are never changed in place once made: a Tensor's array may be
shared by the tape, a Trace and the user.
"""
from __future__ import annotations

import numpy as np

name = "CPU"
ndarray = np.ndarray


def asarray(host: np.ndarray) -> np.ndarray:
    """Bring a host (NumPy) array onto this device."""
    return host


def to_numpy(x: np.ndarray) -> np.ndarray:
    """Copy an array of this device to the host."""
    return np.array(x, copy=True)


def full(shape: tuple, value: float, dtype: np.dtype) -> np.ndarray:
    return np.full(shape, value, dtype=dtype)


def zeros(shape: tuple, dtype: np.dtype) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def cast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return x.astype(dtype)


add = np.add
sub = np.subtract
mul = np.multiply
div = np.true_divide
neg = np.negative
exp = np.exp
log = np.log
tanh = np.tanh
sin = np.sin
cos = np.cos
power = np.power
square = np.square


def sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) written with tanh: no overflow for large negative x.
    half = x.dtype.type(0.5)
    return half * np.tanh(half * x) + half


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), as log(e^0 + e^x) (logaddexp): no overflow for large x, no log(1) = 0 for small."""
    return np.logaddexp(x.dtype.type(0), x)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, x.dtype.type(0))


def relu_grad(dout: np.ndarray, out: np.ndarray) -> np.ndarray:
    """dout where ReLU's output ``out`` is > 0 (exactly where its input was), else 0."""
    return np.where(out > 0, dout, dout.dtype.type(0))


def matmul(a: np.ndarray, b: np.ndarray, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    """op(a) @ op(b), where op transposes a 2-D matrix when its flag is set."""
    return np.matmul(a.T if transpose_a else a, b.T if transpose_b else b)


def sum(x: np.ndarray, axis: tuple, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def broadcast_to(x: np.ndarray, shape: tuple) -> np.ndarray:
    return np.broadcast_to(x, shape)


def reshape(x: np.ndarray, shape: tuple) -> np.ndarray:
    return x.reshape(shape)  # the method: np.reshape's Python wrapper costs more than the reshape


def transpose(x: np.ndarray, perm: tuple) -> np.ndarray:
    return x.transpose(perm)


def stack(*arrays: np.ndarray) -> np.ndarray:
    """The arrays (one shape, one dtype) along a new first axis: a Jacobian's rows, one per output."""
    return np.stack(arrays)


def take(x: np.ndarray, index: int) -> np.ndarray:
    """Row ``index`` of x's first axis (a view: arrays are never changed in place)."""
    return x[index]


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) over the last axis, shifted by the row maximum so exp cannot overflow."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def one_hot(indices: np.ndarray, depth: int, dtype: np.dtype) -> np.ndarray:
    """Row i is 1 at column indices[i] and 0 elsewhere."""
    out = np.zeros((indices.shape[0], depth), dtype=dtype)
    out[np.arange(indices.shape[0]), indices] = 1
    return out


greater = np.greater  # x > y elementwise, a Bool array
greater_equal = np.greater_equal
