"""The GPU backend (device_target="GPU"), its array functions: the same names and signatures as numpy_backend.py, each one
allocating its output on the device, choosing a grid and calling a kernel of kernels.py.

Arrays are Numba device arrays, always C-contiguous, never changed in place once made (the tape
shares them). Output dtypes follow NumPy's rules, asked of NumPy on one-element host arrays. Data
moves to the host only in ``to_numpy`` (``Tensor.asnumpy()`` and printing).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import numpy as np
from numba import cuda

from . import kernels as K

name = "GPU"
if K.SIMULATOR:
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray as ndarray
else:
    from numba.cuda.cudadrv.devicearray import DeviceNDArray as ndarray


# -- helpers ------------------------------------------------------------------------------------------

def _check(x: Any) -> None:
    """A host array reaching a kernel would be copied over silently by Numba: refuse it instead."""
    if not isinstance(x, ndarray):
        raise RuntimeError(f"The GPU backend got a {type(x).__name__} where a device array was expected: "
                           f"a CPU tensor reached a GPU computation. Move it explicitly with "
                           f"Tensor(x.asnumpy()) after context.set_context(device_target='GPU').")


def _flat(x: Any) -> Any:
    """The same memory seen as 1-D (device arrays here are C-contiguous, so this is a view)."""
    return x if x.ndim == 1 else x.reshape(x.size)


def _c_strides(shape: tuple) -> tuple:
    """Strides in elements of a C-contiguous array of ``shape``."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _broadcast_strides(shape: tuple, out_shape: tuple) -> tuple:
    """Strides that read an array of ``shape`` as if broadcast to ``out_shape``: 0 along the axes
    broadcasting adds in front and along axes of length 1 that it stretches."""
    own = _c_strides(shape)
    lead = len(out_shape) - len(shape)
    return (0,) * lead + tuple(0 if n == 1 and m != 1 else s
                               for n, m, s in zip(shape, out_shape[lead:], own))


def _at_least_1d(shape: tuple, strides: tuple) -> tuple[tuple, tuple]:
    """Kernels loop over a tuple of axes: give a 0-d array one axis of length 1."""
    return (shape, strides) if shape else ((1,), (0,))


def _grid(n: int, threads: int = K.THREADS) -> int:
    return max(1, min((n + threads - 1) // threads, K.MAX_BLOCKS))


@lru_cache(maxsize=None)
def _result_dtype(fn: Callable, *dtypes: np.dtype) -> np.dtype:
    """The dtype NumPy's ``fn`` gives for inputs of ``dtypes`` (type promotion, int -> float ...)."""
    return fn(*[np.ones(1, d) for d in dtypes]).dtype


def _map(fn: Callable, x: Any, out_shape: tuple, strides: tuple, dtype: np.dtype) -> Any:
    """Launch the map kernel: out[i] = fn(x read with ``strides``) for an output of ``out_shape``."""
    _check(x)
    out = cuda.device_array(out_shape, dtype)
    if out.size:
        shape, strides = _at_least_1d(out_shape, strides)
        K.map_kernel(fn)[_grid(out.size), K.THREADS](_flat(out), shape, _flat(x), strides)
    return out


def _unary(name: str, fn: Callable, numpy_fn: Callable) -> Callable:
    """The backend function ``name``: the map kernel applying device function ``fn``; ``numpy_fn``
    gives the output dtype."""
    def run(x: Any) -> Any:
        return _map(fn, x, x.shape, _c_strides(x.shape), _result_dtype(numpy_fn, x.dtype))
    run.__name__ = run.__qualname__ = name
    run.__doc__ = f"Elementwise {name}, with the map kernel."
    return run


def _binary(name: str, fn: Callable, numpy_fn: Callable) -> Callable:
    """The backend function ``name``: the zip kernel applying ``fn`` with NumPy broadcasting."""
    def run(x: Any, y: Any) -> Any:
        _check(x)
        _check(y)
        out_shape = x.shape if x.shape == y.shape else np.broadcast_shapes(x.shape, y.shape)
        out = cuda.device_array(out_shape, _result_dtype(numpy_fn, x.dtype, y.dtype))
        if out.size:
            shape, xs = _at_least_1d(out_shape, _broadcast_strides(x.shape, out_shape))
            ys = _at_least_1d(out_shape, _broadcast_strides(y.shape, out_shape))[1]
            K.zip_kernel(fn)[_grid(out.size), K.THREADS](_flat(out), shape, _flat(x), xs, _flat(y), ys)
        return out
    run.__name__ = run.__qualname__ = name
    run.__doc__ = f"Elementwise {name} with NumPy broadcasting, with the zip kernel."
    return run


# -- the backend contract (numpy_backend.py) ----------------------------------------------------------------

def asarray(host: np.ndarray) -> Any:
    """Bring a host (NumPy) array onto this device."""
    host = np.asarray(host)
    if not host.flags.c_contiguous:  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        host = host.copy(order="C")
    return cuda.to_device(host)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of this device to the host."""
    _check(x)
    if x.size == 0:
        return np.empty(x.shape, x.dtype)
    return x.copy_to_host()


def full(shape: tuple, value: float, dtype: np.dtype) -> Any:
    out = cuda.device_array(tuple(shape), dtype)
    if out.size:
        K.fill[_grid(out.size), K.THREADS](_flat(out), np.dtype(dtype).type(value))
    return out


def zeros(shape: tuple, dtype: np.dtype) -> Any:
    return full(shape, 0, dtype)


def cast(x: Any, dtype: np.dtype) -> Any:
    dtype = np.dtype(dtype)
    fn = K.float_to_int.get(dtype.name, K.identity) if x.dtype.kind == "f" else K.identity
    return _map(fn, x, x.shape, _c_strides(x.shape), dtype)


add = _binary("add", K.add, np.add)
sub = _binary("sub", K.sub, np.subtract)
mul = _binary("mul", K.mul, np.multiply)
div = _binary("div", K.div, np.true_divide)
_float_power = _binary("power", K.power, np.power)
_int_power = _binary("power", K.int_power, np.power)
greater = _binary("greater", K.greater, np.greater)  # Bool results: comparisons are not differentiated
greater_equal = _binary("greater_equal", K.greater_equal, np.greater_equal)
_relu_grad = _binary("relu_grad", K.relu_grad, lambda dout, out: dout)
neg = _unary("neg", K.neg, np.negative)
exp = _unary("exp", K.exp, np.exp)
log = _unary("log", K.log, np.log)
tanh = _unary("tanh", K.tanh, np.tanh)
sin = _unary("sin", K.sin, np.sin)
cos = _unary("cos", K.cos, np.cos)
softplus = _unary("softplus", K.softplus, lambda x: x)  # (the output dtype is the input's)
square = _unary("square", K.square, np.square)
sigmoid = _unary("sigmoid", K.sigmoid, lambda x: x)  # as numpy_backend: 0.5 tanh(x/2) + 0.5
relu = _unary("relu", K.relu, lambda x: x)


def power(x: Any, y: Any) -> Any:
    """x ** y elementwise with broadcasting: integers by exact multiplication, floats with pow."""
    dtype = _result_dtype(np.power, x.dtype, y.dtype)
    if dtype.kind not in "iu":
        return _float_power(x, y)
    if x.dtype != dtype:  # multiply in the result's width, as NumPy does (int32 ** int64 is int64)
        x = cast(x, dtype)
    return _int_power(x, y)


def relu_grad(dout: Any, out: Any) -> Any:
    """dout where ReLU's output ``out`` is > 0 (exactly where its input was), else 0 (the zip kernel)."""
    return _relu_grad(dout, out)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> Any:
    """op(a) @ op(b), where op transposes a 2-D matrix when its flag is set."""
    _check(a)
    _check(b)
    m = a.shape[1] if transpose_a else a.shape[0]
    n = b.shape[0] if transpose_b else b.shape[1]
    k = a.shape[0] if transpose_a else a.shape[1]
    dtype = _result_dtype(np.matmul, a.dtype, b.dtype) if a.dtype != b.dtype else a.dtype
    if m == 0 or n == 0 or k == 0:  # nothing to multiply: an empty product, or sums of nothing
        return full((m, n), 0, dtype)
    out = cuda.device_array((m, n), dtype)
    side = K.TILE // K.THREAD_TILE
    grid = ((n + K.TILE - 1) // K.TILE, (m + K.TILE - 1) // K.TILE)
    K.matmul_kernel(np.dtype(dtype).type)[grid, (side, side)](a, b, out, bool(transpose_a), bool(transpose_b))
    return out


def _reduce(combine: Callable, start: Any, x: Any, axis: tuple, keepdims: bool, dtype: np.dtype) -> Any:
    """Combine ``x`` over ``axis`` with the reduction kernel, starting from ``start``."""
    _check(x)
    axis = tuple(a % max(x.ndim, 1) for a in axis) if x.ndim else ()
    strides = _c_strides(x.shape)
    kept = [d for d in range(x.ndim) if d not in axis]
    out_shape = tuple(1 if d in axis else n for d, n in enumerate(x.shape)) if keepdims else \
        tuple(x.shape[d] for d in kept)
    out = cuda.device_array(out_shape, dtype)
    n_reduced = 1
    for d in axis:
        n_reduced *= x.shape[d]
    if out.size == 0:
        return out
    if n_reduced == 0:  # a sum over nothing
        return full(out_shape, start, dtype)
    kept_shape, kept_strides = _at_least_1d(tuple(x.shape[d] for d in kept), tuple(strides[d] for d in kept))
    red_shape, red_strides = _at_least_1d(tuple(x.shape[d] for d in axis), tuple(strides[d] for d in axis))
    kernel = K.reduce_kernel(combine, np.dtype(dtype).type)
    kernel[_grid(out.size, 1), K.REDUCE_THREADS](_flat(out), kept_shape, kept_strides, _flat(x),
                                                  red_shape, red_strides, n_reduced, np.dtype(dtype).type(start))
    return out


def sum(x: Any, axis: tuple, keepdims: bool = False) -> Any:  # noqa: A001
    """The sum over ``axis`` (a tuple of axes), with the reduction kernel."""
    return _reduce(K.add, 0, x, tuple(axis), keepdims, _result_dtype(np.add.reduce, x.dtype))


def broadcast_to(x: Any, shape: tuple) -> Any:
    """A new array of ``shape`` holding x broadcast (the map kernel with stride-0 axes)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    np.broadcast_shapes(x.shape, shape)  # ValueError as NumPy's for shapes that do not broadcast
    return _map(K.identity, x, shape, _broadcast_strides(x.shape, shape), x.dtype)


def reshape(x: Any, shape: tuple) -> Any:
    """Same memory, new shape: a C-contiguous array reshapes without moving data."""
    _check(x)
    shape = tuple(shape)
    if -1 in shape:  # the one unknown length is what the others leave of the size
        known = 1
        for n in shape:
            known *= n if n != -1 else 1
        shape = tuple((x.size // known if known else 0) if n == -1 else n for n in shape)
    if x.shape == shape:
        return x
    if x.size == 0:
        return cuda.device_array(shape, x.dtype)
    return x.reshape(shape)


def transpose(x: Any, perm: tuple) -> Any:
    """Axes permuted: the map kernel reads x with its strides permuted."""
    perm = tuple(int(p) for p in perm)
    strides = _c_strides(x.shape)
    return _map(K.identity, x, tuple(x.shape[p] for p in perm), tuple(strides[p] for p in perm), x.dtype)


def stack(*arrays: Any) -> Any:
    """The arrays (one shape, one dtype) along a new first axis: the map kernel copies each one
    into its row of the result, seen as an (n, size) matrix (a row of it is contiguous)."""
    first = arrays[0]
    rows = cuda.device_array((len(arrays), first.size), first.dtype)
    if first.size:
        for k, a in enumerate(arrays):
            _check(a)
            K.map_kernel(K.identity)[_grid(a.size), K.THREADS](rows[k], (a.size,), _flat(a), (1,))
    return rows.reshape((len(arrays),) + tuple(first.shape))


def take(x: Any, index: int) -> Any:
    """Row ``index`` of x's first axis, copied by the map kernel from that row of x seen as (n, size)."""
    _check(x)
    rest = tuple(x.shape[1:])
    size = x.size // x.shape[0] if x.shape[0] else 0
    if size == 0:
        return cuda.device_array(rest, x.dtype)
    row = x.reshape((x.shape[0], size))[index]
    return reshape(_map(K.identity, row, (size,), (1,), x.dtype), rest)


def log_softmax(x: Any) -> Any:
    """log(softmax(x)) over the last axis, shifted by the row maximum so exp cannot overflow."""
    last = (x.ndim - 1,)
    shifted = sub(x, _reduce(K.maximum, -np.inf, x, last, True, x.dtype))
    return sub(shifted, log(sum(exp(shifted), last, True)))


def one_hot(indices: Any, depth: int, dtype: np.dtype) -> Any:
    """Row i is 1 at column indices[i] and 0 elsewhere."""
    _check(indices)
    out = cuda.device_array((indices.shape[0], depth), dtype)
    if out.size:
        K.one_hot[_grid(out.size), K.THREADS](_flat(out), indices, depth)
    return out
