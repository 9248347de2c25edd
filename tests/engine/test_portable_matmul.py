"""The CPU backend's small float32 matrix products: the same digits on every CPU.

numpy_backend.matmul computes a product of at most FMA_CHAIN_K terms per element and FMA_CHAIN_MAX
multiply-adds as the fused multiply-add chain k = 0, 1, ..., K-1 (one rounding per term), instead
of handing it to BLAS, whose kernel (and so whose last digit) depends on the CPU. The expected
values here come from the MindSpore document's printed output, from hand-built rounding cases, and
from an exact reference written in this file with Python's integers (no float arithmetic at all).
"""
from __future__ import annotations

import numpy as np
import pytest

from mini_autograd.backends import numpy_backend as xp


def _float32_to_ratio(v: np.float32) -> tuple[int, int]:
    """The float32 v as an exact fraction num / 2**shift, from its bits (no float arithmetic)."""
    bits = int(np.asarray(v, np.float32).view(np.uint32))
    sign, exponent, fraction = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    mantissa = fraction | (1 << 23) if exponent else fraction
    num = mantissa * (-1 if sign else 1)
    return num, 149 - max(exponent, 1) + 1  # value = num * 2**(max(exponent,1) - 150)


def _round_ratio_to_float32(num: int, shift: int) -> np.float32:
    """The float32 nearest num / 2**shift (ties to even), by integer arithmetic on the bits."""
    if num == 0:
        return np.float32(0)
    sign, num = (-1 if num < 0 else 1), abs(num)
    # value = num * 2**-shift; pick e so that 2**23 <= num * 2**-shift / 2**(e-23) < 2**24, e >= -126
    e = num.bit_length() - 1 - shift
    e = max(e, -126)
    drop = shift + e - 23                      # the integer q = num / 2**drop, rounded, is the significand
    if drop <= 0:
        q = num << -drop
    else:
        q, rem = divmod(num, 1 << drop)
        half = 1 << (drop - 1)
        if rem > half or (rem == half and q % 2 == 1):
            q += 1
    value = float(q) * 2.0 ** (e - 23)          # exact: q < 2**25 and the power of two is exact
    return np.float32(sign * value) if abs(value) < 2.0 ** 128 else np.float32(sign * np.inf)


def _exact_fma_chain(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """out[i, j]: acc = round32(acc + a[i, k] * b[k, j]) for k in order, each sum exact in integers."""
    out = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for i, j in np.ndindex(out.shape):
        acc = np.float32(0)
        for k in range(a.shape[1]):
            (na, sa), (nb, sb), (nc, sc) = (_float32_to_ratio(v) for v in (a[i, k], b[k, j], acc))
            shift = max(sa + sb, sc)
            total = na * nb * 2 ** (shift - sa - sb) + nc * 2 ** (shift - sc)
            acc = _round_ratio_to_float32(total, shift)
        out[i, j] = acc
    return out


def test_the_reference_rounds_like_float32_casts():
    # The file's own reference, checked where float64 is exact: a float64 value cast to float32.
    rng = np.random.default_rng(3)
    for v in rng.standard_normal(500) * 10.0 ** rng.integers(-40, 37, 500):
        num, shift = _float32_to_ratio(np.float32(v))
        assert _round_ratio_to_float32(num, shift) == np.float32(v)


def test_document_forward_value_prints_the_documents_digits():
    # The document's first example: out = (x z) y with z = 1, printed by MindSpore's document as below.
    x = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]], np.float32)
    y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]], np.float32)
    document = np.array([[9.68000054e-01, 3.20000029e+00, 1.78000009e+00],
                         [2.83800006e+00, 8.61999989e+00, 4.13000011e+00]], np.float32)
    np.testing.assert_array_equal(xp.matmul(x, y), document)


def test_document_sensitivity_gradient_is_the_fma_digit():
    # dx = s y^T of the document's third example; element [0, 2] = 0.1*1.1 + 0.6*2.2 + 0.2*0.3. In
    # float32 the chain gives 1.49000013e+00 (the document, unfused, prints 1.49000001e+00; notebook
    # 03's appendix works both out), and the other five elements are the document's.
    s = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], np.float32)
    y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]], np.float32)
    expected = np.array([[2.21099997e+00, 5.09999990e-01, 1.49000013e+00],
                         [5.58799982e+00, 2.68000007e+00, 4.07000017e+00]], np.float32)
    np.testing.assert_array_equal(xp.matmul(s, y, False, True), expected)


def test_a_double_rounding_step_is_rounded_once():
    # acc = 1 + 2**-23 after step 0; step 1 adds u*v = 2**-24 (1 - 2**-46) = 2**-24 - 2**-70. The exact
    # sum lies 2**-70 below the midpoint 1 + 3*2**-24, so one rounding gives 1 + 2**-23. In float64 the
    # 2**-70 is lost, the sum IS the midpoint, and the cast to float32 ties to even: 1 + 2**-22.
    v = np.float32(1 + 2.0 ** -23)
    u = np.float32(2.0 ** -24 * (1 - 2.0 ** -23))
    a, b = np.array([[1.0, u]], np.float32), np.array([[v], [v]], np.float32)
    assert np.float32(np.float64(v) + np.float64(u) * np.float64(v)) == np.float32(1 + 2.0 ** -22)
    assert xp.matmul(a, b)[0, 0] == np.float32(1 + 2.0 ** -23)


def test_subnormal_results_are_rounded_once():
    # Products far below float32's normal range: step 1's exact sum needs more than float64's 53 bits.
    a = np.array([[2.0 ** -70, 2.0 ** -75 * (1 + 2.0 ** -23)]], np.float32)
    b = np.array([[2.0 ** -70 * (1 + 2.0 ** -20)], [2.0 ** -76 * (1 - 2.0 ** -23)]], np.float32)
    np.testing.assert_array_equal(xp.matmul(a, b), _exact_fma_chain(a, b))


@pytest.mark.parametrize("seed", range(6))
def test_random_small_products_equal_the_exact_chain(seed):
    rng = np.random.default_rng(seed)
    m, k, n = rng.integers(1, 7, 3)
    scale = 10.0 ** rng.integers(-20, 10)
    a = (rng.standard_normal((m, k)) * scale).astype(np.float32)
    b = (rng.standard_normal((k, n)) * scale).astype(np.float32)
    if seed % 2:  # values with few bits: many float64 sums land exactly halfway between two float32
        a = (rng.integers(-64, 64, (m, k)) / 8 + 1).astype(np.float32) * np.float32(1 + 2.0 ** -23)
        b = (rng.integers(-64, 64, (k, n)) / 8).astype(np.float32)
    for ta, tb in ((False, False), (True, False), (False, True), (True, True)):
        got = xp.matmul(a.T.copy() if ta else a, b.T.copy() if tb else b, ta, tb)
        np.testing.assert_array_equal(got, _exact_fma_chain(a, b))


def test_inf_and_nan_propagate_as_in_ieee():
    a = np.array([[np.inf, 1.0], [1.0, 2.0]], np.float32)
    b = np.array([[1.0], [np.nan]], np.float32)
    out = xp.matmul(a, b)
    assert np.isnan(out).all()
    big = np.full((1, 2), 3e38, np.float32)
    with np.errstate(over="ignore"):
        assert xp.matmul(big, np.ones((2, 1), np.float32))[0, 0] == np.inf


def test_where_the_line_is():
    # The chain covers notebook 05's products (batch 64, 32 wide) and leaves the MLP benchmark's
    # (1024 wide, batch 256) to BLAS, whose speed the benchmark measures.
    assert 64 <= xp.FMA_CHAIN_K and 64 * 32 * 32 <= xp.FMA_CHAIN_MAX
    assert 256 * 1024 * 1024 > xp.FMA_CHAIN_MAX
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 65)).astype(np.float32), rng.standard_normal((65, 2)).astype(np.float32)
    np.testing.assert_allclose(xp.matmul(a, b), a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5)
