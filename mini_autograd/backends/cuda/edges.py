"""Device functions with edges: exp, log and pow where IEEE gives inf or NaN, and the casts from a
float to an integer dtype at NaN, inf and out of range. The simulator runs device functions as
Python, whose ``math`` raises at those edges and whose integers do not wrap; each edge is spelled
out so that the simulator, a GPU and the CPU backend (NumPy) give the same value, MindSpore 2.10's.
kernels.py imports these and uses them as its other device functions.
"""
from __future__ import annotations

import math

from numba import cuda

LOG_MAX = 709.782712893384  # log of the largest float64: exp beyond it is inf
# y * log|x| is within a few 1e-13 of the true log of |x ** y| near LOG_MAX: outside this margin the
# comparison decides overflow surely; inside it pow is computed as the square of a half power
EDGE = 1e-9


@cuda.jit(device=True)
def exp(x):
    if x > LOG_MAX:  # math.exp raises OverflowError here
        return math.inf
    return math.exp(x)


@cuda.jit(device=True)
def log(x):
    if x == 0:  # math.log raises ValueError at 0 and below; IEEE log(0) is -inf, log(x < 0) NaN
        return -math.inf
    if x < 0:
        return math.nan
    return math.log(x)


@cuda.jit(device=True)
def power(x, y):
    """Floating x ** y. math.pow raises where IEEE pow gives inf or NaN: at 0 to a negative power,
    a negative base to a non-integer power, and on overflow. 2 ** 1024 is the overflow edge's
    example: 1024 log 2 rounds to exactly LOG_MAX, so near it the square of |x| ** (y/2) decides
    (a Python float product overflows to inf without raising)."""
    if math.isfinite(y):  # (Python's math.fmod raises for an infinite y; math.pow handles those)
        whole = math.fmod(y, 1.0) == 0
        odd = whole and math.fmod(y, 2.0) != 0  # an odd integer power keeps the base's sign
        if x == 0 and y < 0:
            return math.copysign(math.inf, x) if odd else math.inf
        if math.isfinite(x):
            if x < 0 and not whole:
                return math.nan
            if x != 0:
                t = y * math.log(abs(x))
                if t > LOG_MAX - EDGE:
                    h = math.pow(abs(x), 0.5 * y)
                    r = math.inf if t > LOG_MAX + EDGE else h * h
                    return -r if x < 0 and odd else r
    return math.pow(x, y)


# Float -> integer as x86's conversion instruction (cvttss2si), which NumPy and MindSpore 2.10 give on
# the CPU: toward zero; NaN and anything outside the int32 (int64) range is the minimum, the
# "integer indefinite" value; 8- and 16-bit integers take the int32 value's low bits.
@cuda.jit(device=True)
def to_int32(x):
    if x > -2147483649.0 and x < 2147483648.0:  # False for NaN
        return int(x)
    return -2147483648


@cuda.jit(device=True)
def to_int64(x):
    if x >= -9223372036854775808.0 and x < 9223372036854775808.0:
        return int(x)
    return -9223372036854775807 - 1


@cuda.jit(device=True)
def to_int16(x):
    return ((to_int32(x) + 32768) & 65535) - 32768


@cuda.jit(device=True)
def to_int8(x):
    return ((to_int32(x) + 128) & 255) - 128


@cuda.jit(device=True)
def to_uint8(x):
    return to_int32(x) & 255


float_to_int = {"int8": to_int8, "int16": to_int16, "int32": to_int32, "int64": to_int64, "uint8": to_uint8}
