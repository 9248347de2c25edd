"""The CPU backend: the array functions primitives call, written with NumPy.

This list is the contract every backend implements (the CUDA backend implements it with kernels,
and the parity tests walk it). Arrays are never changed in place once made: a Tensor's array may be
shared by the tape, a Trace and the user.
"""
from __future__ import annotations

import contextlib
from fractions import Fraction

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
    dtype = np.dtype(dtype)
    if x.dtype.kind != "f" or dtype.kind not in "iu":
        return x.astype(dtype)
    # Float -> integer as x86 converts (NumPy there, MindSpore 2.10, and the GPU's cuda/edges.py), on
    # any machine: toward zero; NaN and anything outside int32 (int64) is its minimum; 8- and 16-bit
    # integers take the int32 value's low bits. (NumPy leaves these edges to the platform.)
    wide = np.dtype(np.int64 if dtype.itemsize == 8 else np.int32)
    low = np.iinfo(wide).min
    inside = (x >= low) & (x < -float(low))  # False for NaN
    whole = np.where(inside, x, 0).astype(wide)
    return np.where(inside, whole, wide.type(low)).astype(dtype)


add = np.add
sub = np.subtract
mul = np.multiply
div = np.true_divide
neg = np.negative


def _in_float64(fn, *args: np.ndarray) -> np.ndarray:
    """fn of float32 arrays computed in float64 and rounded once to float32. NumPy's float32 exp,
    log, tanh and power pick their code from the CPU too (AVX2 and AVX-512 have their own), and
    their last digit differs between them; float64's candidates differ by far less than float32's
    rounding step, so after the rounding they agree (unless a value lies within float64's error of
    a float32 rounding boundary: rare enough that no notebook meets one). Other dtypes: fn as is."""
    if args[0].dtype != np.float32:
        return fn(*args)
    return fn(*(a.astype(np.float64) if a.dtype == np.float32 else a for a in args)).astype(np.float32)


def exp(x: np.ndarray) -> np.ndarray:
    return _in_float64(np.exp, x)


def log(x: np.ndarray) -> np.ndarray:
    return _in_float64(np.log, x)


def tanh(x: np.ndarray) -> np.ndarray:
    return _in_float64(np.tanh, x)


def sin(x: np.ndarray) -> np.ndarray:
    return _in_float64(np.sin, x)


def cos(x: np.ndarray) -> np.ndarray:
    return _in_float64(np.cos, x)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), as log(e^0 + e^x) (logaddexp): no overflow for large x, no log(1) = 0 for small."""
    return _in_float64(lambda a: np.logaddexp(a.dtype.type(0), a), x)


square = np.square


def _ieee_power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x ** y elementwise, IEEE pow's values. For a one-element exponent of 0.5 NumPy takes sqrt
    instead, which differs at two points: sqrt(-inf) is NaN and sqrt(-0.0) -0.0, where pow (the
    CUDA kernels' and MindSpore 2.10's answer) gives inf and +0.0. Those two are put right."""
    if y.size != 1 or y.dtype.kind != "f" or y.reshape(()) != 0.5:
        return np.power(x, y)
    out = np.power(x, y) + x.dtype.type(0)  # -0.0 + 0.0 is +0.0; everything else is unchanged
    return np.where(x == -np.inf, x.dtype.type(np.inf), out) if np.isneginf(x).any() else out


def power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _in_float64(_ieee_power, x, y)


def sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) written with tanh: no overflow for large negative x.
    half = x.dtype.type(0.5)
    return half * tanh(half * x) + half


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, x.dtype.type(0))


def relu_grad(dout: np.ndarray, out: np.ndarray) -> np.ndarray:
    """dout where ReLU's output ``out`` is > 0 (exactly where its input was), else 0."""
    return np.where(out > 0, dout, dout.dtype.type(0))


# A float32 product with at most FMA_CHAIN_K terms per element and FMA_CHAIN_MAX multiply-adds in all
# runs the fixed FMA chain below; a larger one calls BLAS (np.matmul), where the chain, one NumPy step
# per term, would cost a hundred times more. The line holds every product the notebooks print
# (notebook 05's largest: 32 x 64 by 64 x 32, a weight gradient over a batch of 64); the MLP
# benchmark's products (1024 wide, batch 256) are far above it and keep BLAS's speed.
FMA_CHAIN_K, FMA_CHAIN_MAX = 64, 2 ** 16
_LOW_29_BITS, _HALF_FLOAT32_ULP = np.uint64(2 ** 29 - 1), np.uint64(2 ** 28)
_NO_CHANGE = contextlib.nullcontext()


def matmul(a: np.ndarray, b: np.ndarray, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    """op(a) @ op(b), where op transposes a 2-D matrix when its flag is set."""
    a, b = (a.T if transpose_a else a), (b.T if transpose_b else b)
    if (a.dtype == np.float32 and b.dtype == np.float32 and a.ndim == 2 and b.ndim == 2
            and a.shape[1] <= FMA_CHAIN_K and a.shape[0] * a.shape[1] * b.shape[1] <= FMA_CHAIN_MAX):
        return _fma_chain_matmul(a, b)
    return np.matmul(a, b)


def _fma_chain_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for float32 matrices, the same digits on every CPU: out[i, j] is the chain
    acc = fma(a[i, k], b[k, j], acc) for k = 0, 1, ..., K-1 from acc = 0, each step rounded once to
    float32 (what a BLAS kernel with fused multiply-add does for a small product, and a GPU).

    BLAS picks its kernel from the CPU, and kernels sum in different orders, fused or not, so
    np.matmul's last digit depends on the machine. Here a product of two float32 numbers is exact in
    float64 (24 + 24 bits <= 53); the float64 sum acc + product may round, and the cast to float32
    rounds again. Two roundings give the one fused rounding unless the first was inexact and landed
    exactly halfway between two float32 numbers (or in float32's subnormal range): such a chain is
    redone exactly in ``_fma_exact``. The first rounding's error is found with Knuth's two-sum.
    """
    products = np.multiply(a.T[:, :, None], b[:, None, :], dtype=np.float64)  # [k, i, j], exact
    sums = np.empty(products.shape)                            # the float64 sum of every step
    accs = np.zeros((products.shape[0] + 1,) + products.shape[1:], np.float32)  # acc before each step
    for k in range(products.shape[0]):
        np.add(accs[k], products[k], out=sums[k])
        accs[k + 1] = sums[k]                                  # rounded to float32
    before = accs[:-1]
    finite = np.isfinite(sums).all()
    with np.errstate(invalid="ignore") if not finite else _NO_CHANGE:     # inf - inf is NaN: no error there
        part = sums - before                                   # two-sum: sums + error == before + products
        inexact = (before - (sums - part)) + (products - part) != 0
    if not finite:
        inexact &= np.isfinite(sums)                           # inf and NaN: IEEE's, no rounding to check
    if inexact.any():
        low_bits = sums.view(np.uint64)[inexact] & _LOW_29_BITS      # float32 keeps 23 of 52 bits
        if ((low_bits == _HALF_FLOAT32_ULP) | (np.abs(sums[inexact]) < 2.0 ** -126)).any():
            return _fma_exact(a.astype(np.float64), b.astype(np.float64))
    return accs[-1].copy()


def _fma_exact(a64: np.ndarray, b64: np.ndarray) -> np.ndarray:
    """The same chain with each step's exact sum rounded once (integers scaled by powers of two)."""
    out = np.zeros((a64.shape[0], b64.shape[1]), np.float32)
    for i, j in np.ndindex(out.shape):
        acc = np.float32(0)
        for k in range(a64.shape[1]):
            if not (np.isfinite(acc) and np.isfinite(a64[i, k]) and np.isfinite(b64[k, j])):
                acc = np.float32(np.float64(acc) + a64[i, k] * b64[k, j])   # inf and NaN: no rounding
                continue
            acc = _round_to_float32(Fraction(float(acc)) + Fraction(a64[i, k]) * Fraction(b64[k, j]))
        out[i, j] = acc
    return out


def _round_to_float32(q: Fraction) -> np.float32:
    """The float32 nearest the rational q, ties to the even last bit (IEEE round to nearest)."""
    if q == 0:
        return np.float32(0)
    exponent = abs(q.numerator).bit_length() - q.denominator.bit_length()
    if abs(q) < Fraction(2) ** exponent:
        exponent -= 1                                          # now 2**exponent <= |q| < 2**(exponent+1)
    ulp = Fraction(2) ** (max(exponent, -126) - 23)            # float32: 24 bits, subnormal below 2**-126
    rounded = round(q / ulp) * ulp                             # Python's round: ties to even
    if abs(rounded) >= 2 ** 128:
        return np.float32(np.inf if q > 0 else -np.inf)
    return np.float32(float(rounded))                          # exact: rounded is a float32 value


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
    return shifted - log(np.sum(exp(shifted), axis=-1, keepdims=True))


def one_hot(indices: np.ndarray, depth: int, dtype: np.dtype) -> np.ndarray:
    """Row i is 1 at column indices[i] and 0 elsewhere."""
    out = np.zeros((indices.shape[0], depth), dtype=dtype)
    out[np.arange(indices.shape[0]), indices] = 1
    return out


greater = np.greater  # x > y elementwise, a Bool array
greater_equal = np.greater_equal
