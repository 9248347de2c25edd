"""Helpers for the second-derivative tests: the engine's gradient and Hessian-vector product of
s(x) = sum(w * f(x)) by nesting, and the same two from float64 central differences of a NumPy f.

The expected values never come from the engine: the gradient is a central difference of s, the
Hessian-vector product a mixed second difference of s (d/dt d/dx_j s(x + t v)), both in float64.
"""
from __future__ import annotations

import numpy as np

from mini_autograd import GradOperation, Tensor, nn


def engine_grad_and_hvp(fn, arrays: list, w: np.ndarray, vs: list, device: str = "CPU") -> tuple[list, list]:
    """(g, H v) for s(x) = sum(w * fn(x)) over every input: g = J^T w by the engine's first-order
    gradient with sens w, called inside an outer GradOperation whose sens is v, so the outer one
    returns d<g(x), v>/dx = H v (H is symmetric). Returns NumPy arrays, one per input, after checking
    that every result lives on ``device`` (the context's device_target when the inputs were made)."""
    xs = [Tensor(a) for a in arrays]
    sens = Tensor(w)
    inner = GradOperation(get_all=True, sens_param=True)(fn)

    def gradient(*inputs):
        return inner(*inputs, sens)

    # the value returned is g itself, computed while the outer transform recorded (the recorded path)
    g, hv = nn.ForwardValueAndGrad(gradient, get_all=True, sens_param=True)(*xs, tuple(Tensor(v) for v in vs))
    assert [t.device for t in g + hv] == [device] * (len(g) + len(hv))
    return [t.asnumpy() for t in g], [t.asnumpy() for t in hv]


def numpy_grad(s, arrays: list, positions, eps: float = 1e-6) -> list:
    """Central differences of the float64 scalar function ``s`` at ``arrays``, per input in positions."""
    out = []
    for i in positions:
        g = np.zeros(arrays[i].shape)
        for idx in np.ndindex(arrays[i].shape):
            plus, minus = _moved(arrays, i, idx, eps), _moved(arrays, i, idx, -eps)
            g[idx] = (s(*plus) - s(*minus)) / (2 * eps)
        out.append(g)
    return out


def numpy_hvp(s, arrays: list, vs: list, positions, h: float = 1e-4, e: float = 1e-4) -> list:
    """(H v)_j = d/dt d/dx_j s(x + t v) at t = 0, by a mixed central difference in t and x_j
    (four evaluations of ``s`` per element), in float64."""
    def along(t):
        return [a + t * v for a, v in zip(arrays, vs)]
    forward, backward = along(h), along(-h)
    out = []
    for i in positions:
        hv = np.zeros(arrays[i].shape)
        for idx in np.ndindex(arrays[i].shape):
            hv[idx] = (s(*_moved(forward, i, idx, e)) - s(*_moved(forward, i, idx, -e))
                       - s(*_moved(backward, i, idx, e)) + s(*_moved(backward, i, idx, -e))) / (4 * h * e)
        out.append(hv)
    return out


def _moved(arrays: list, i: int, idx: tuple, step: float) -> list:
    moved = [np.array(a, dtype=np.float64) for a in arrays]
    moved[i][idx] += step
    return moved


def check_second_order(fn, ref, arrays: list, rng, positions=None, rtol: float = 1e-5, atol: float = 1e-6,
                       device: str = "CPU") -> None:
    """The engine's g and H v of sum(w * fn(x)) against central differences of sum(w * ref(x)).
    ``positions``: the inputs differentiated and moved along v (the others are data: v = 0 there)."""
    positions = tuple(range(len(arrays))) if positions is None else tuple(positions)
    value = np.asarray(ref(*[np.asarray(a, np.float64) for a in arrays]))
    w = rng.uniform(-1, 1, value.shape)
    vs = [rng.uniform(-1, 1, np.shape(a)).astype(np.asarray(a).dtype) if i in positions
          else np.zeros(np.shape(a), np.asarray(a).dtype) for i, a in enumerate(arrays)]

    def s(*xs):
        return float(np.sum(w * ref(*xs)))

    got_g, got_hv = engine_grad_and_hvp(fn, arrays, w, vs, device)
    assert len(got_g) == len(got_hv) == len(arrays)  # one per input: zip would hide a missing one
    x64 = [np.asarray(a, np.float64) for a in arrays]
    v64 = [np.asarray(v, np.float64) for v in vs]
    want_g = numpy_grad(s, x64, positions)
    want_hv = numpy_hvp(s, x64, v64, positions)
    # rounding of the differences grows with the size of s's terms: scale the absolute tolerance by them
    scale = max(1.0, float(np.sum(np.abs(w * value))))
    for k, i in enumerate(positions):
        assert got_g[i].shape == np.shape(arrays[i]) and got_hv[i].shape == np.shape(arrays[i]), f"input {i}"
        assert got_g[i].dtype == np.asarray(arrays[i]).dtype, f"input {i}: gradient dtype"
        np.testing.assert_allclose(got_g[i], want_g[k], rtol=rtol, atol=atol * scale, err_msg=f"gradient of input {i}")
        np.testing.assert_allclose(got_hv[i], want_hv[k], rtol=rtol, atol=atol * scale,
                                   err_msg=f"Hessian-vector product, input {i}")
