"""Engine speed: the document's example and a 4-layer MLP, as ratios to NumPy in the same process,
each in PYNATIVE_MODE and in GRAPH_MODE (the code compile.py generates).

The document's example is ForwardValueAndGrad(get_all=True, get_by_list=True) on out = (x z) @ y;
its baseline is the fewest NumPy calls computing the same value and the three gradients (with
``@``, BLAS), and beside it the same calls with the engine's fixed-order small products. The MLP
(4 ReLU layers, 1024 wide, batch 256, float32) is timed for the loss and every weight gradient
against a hand-written NumPy forward and backward of the same network. PyTorch and JAX run the
same two cases where installed (``pip install -e '.[bench]'``).
"""
from __future__ import annotations

import json
import sys

import numpy as np

from common import ALLOCATOR, compare, mlp

import mini_autograd as ma  # noqa: E402
from mini_autograd import ParameterTuple, Tensor, context, nn  # noqa: E402
from mini_autograd.backends.numpy_backend import matmul  # noqa: E402
from tests.support import document_code as doc  # noqa: E402


def with_peers(fns: dict, make_peers, number: int) -> dict:
    """(seconds, ratio to NumPy) of each function. mini_autograd is timed against NumPy first, before
    PyTorch or JAX is even imported, and each peer then against NumPy in rounds of its own: their
    thread pools stay busy for a while after they return, and would slow whatever ran next."""
    secs = compare(fns, number=number)
    out = {name: (s, s / secs["NumPy"]) for name, s in secs.items()}
    for name, fn in make_peers().items():
        pair = compare({"NumPy": fns["NumPy"], name: fn}, number=number)
        out[name] = (pair[name], pair[name] / pair["NumPy"])
    return out


def document_cases() -> dict:
    """Microseconds per call and ratios to NumPy for the document's example."""
    x, y = doc.inputs()
    xn, yn = x.asnumpy(), y.asnumpy()
    zn = np.array([1.0], np.float32)

    def numpy_baseline():
        xz = xn * zn
        out = xz @ yn
        sens = np.ones_like(out)
        dxz = sens @ yn.T
        return out, dxz * zn, xz.T @ sens, np.sum(dxz * xn).reshape(1)

    def numpy_fixed_order():
        # The same NumPy, with the products computed as the engine computes small float32 products
        # (numpy_backend.matmul: a fixed FMA chain, the same digits on every CPU, instead of BLAS).
        xz = xn * zn
        out = matmul(xz, yn)
        sens = np.ones_like(out)
        dxz = matmul(sens, yn, False, True)
        return out, dxz * zn, matmul(xz, sens, True, False), np.sum(dxz * xn).reshape(1)

    fns = {"NumPy": numpy_baseline, "NumPy, fixed-order products": numpy_fixed_order}
    for mode_name in ("PYNATIVE_MODE", "GRAPH_MODE"):
        context.set_context(mode=getattr(context, mode_name))
        net = doc.Net()
        fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
        fvg(x, y)

        def run(fvg=fvg, mode=getattr(context, mode_name)):
            context._settings["mode"] = mode  # each closure runs in its own mode, alternating fairly
            return fvg(x, y)
        fns[mode_name] = run
    ratios = with_peers(fns, lambda: _peers_document(xn, yn, zn), number=3000)
    context.set_context(mode=context.PYNATIVE_MODE)
    return {name: {"us": s * 1e6, "ratio": r} for name, (s, r) in ratios.items()}


def _peers_document(xn, yn, zn) -> dict:
    peers = {}
    try:
        import torch
        torch.set_num_threads(1)
        tx, ty = torch.tensor(xn, requires_grad=True), torch.tensor(yn, requires_grad=True)
        tz = torch.tensor(zn, requires_grad=True)

        def torch_eager():
            for t in (tx, ty, tz):
                t.grad = None
            out = (tx * tz) @ ty
            out.backward(torch.ones_like(out))
            return out, tx.grad, ty.grad, tz.grad
        peers["PyTorch eager"] = torch_eager
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        def f(x, y, z):
            return (x * z) @ y

        @jax.jit
        def jitted(x, y, z):
            out, vjp = jax.vjp(f, x, y, z)
            return (out,) + vjp(jnp.ones_like(out))
        jx, jy, jz = jnp.asarray(xn), jnp.asarray(yn), jnp.asarray(zn)
        peers["JAX jit"] = lambda: jax.block_until_ready(jitted(jx, jy, jz))
    except ImportError:
        pass
    return peers


def mlp_cases(width: int = 1024, batch: int = 256, layers: int = 4) -> dict:
    """Seconds per loss-and-gradients call of the MLP, and the ratio to hand-written NumPy."""
    fvg, params, x, t = mlp(width, batch, layers)
    X, T = Tensor(x), Tensor(t)
    weights = [p.asnumpy() for p in params]

    def numpy_mlp():
        hs, h = [x], x
        for i in range(layers):
            h = h @ weights[2 * i].T + weights[2 * i + 1]
            if i < layers - 1:
                h = np.maximum(h, 0)
            hs.append(h)
        d = h - t
        loss = np.mean(d * d)
        g = d * np.float32(2.0 / d.size)
        grads = []
        for i in range(layers - 1, -1, -1):
            if i < layers - 1:
                g = np.where(hs[i + 1] > 0, g, np.float32(0))
            grads += [g.T @ hs[i], g.sum(0)]
            if i > 0:
                g = g @ weights[2 * i]
        return loss, grads

    want_loss, want_grads = numpy_mlp()  # the two compute the same thing: check before timing
    fns = {"NumPy": numpy_mlp}
    for mode_name in ("PYNATIVE_MODE", "GRAPH_MODE"):  # one network, each closure in its own mode
        mode = getattr(context, mode_name)
        context.set_context(mode=mode)
        loss, grads = fvg(X, T)
        assert np.isclose(float(loss), want_loss, rtol=1e-4)

        def run(mode=mode):
            context._settings["mode"] = mode
            return fvg(X, T)
        fns[mode_name] = run
    ratios = with_peers(fns, lambda: _peers_mlp(x, t, weights, layers), number=3)
    context.set_context(mode=context.PYNATIVE_MODE)
    return {name: {"ms": s * 1e3, "ratio": r} for name, (s, r) in ratios.items()}


def _peers_mlp(x, t, weights, layers) -> dict:
    peers = {}
    try:
        import torch
        torch.set_num_threads(2)
        tw = [torch.tensor(w, requires_grad=True) for w in weights]
        tx, tt = torch.tensor(x), torch.tensor(t)

        def torch_mlp():
            for w in tw:
                w.grad = None
            h = tx
            for i in range(layers):
                h = h @ tw[2 * i].T + tw[2 * i + 1]
                if i < layers - 1:
                    h = torch.relu(h)
            loss = torch.mean((h - tt) ** 2)
            loss.backward()
            return loss
        peers["PyTorch eager"] = torch_mlp
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        def loss_fn(ws, x, t):
            h = x
            for i in range(layers):
                h = h @ ws[2 * i].T + ws[2 * i + 1]
                if i < layers - 1:
                    h = jnp.maximum(h, 0)
            return jnp.mean((h - t) ** 2)
        step = jax.jit(jax.value_and_grad(loss_fn))
        jw, jx, jt = [jnp.asarray(w) for w in weights], jnp.asarray(x), jnp.asarray(t)
        peers["JAX jit"] = lambda: jax.block_until_ready(step(jw, jx, jt))
    except ImportError:
        pass
    return peers


if __name__ == "__main__":
    if "--json" in sys.argv:  # for run.py, which runs this once per allocator setting (common.ALLOCATOR)
        mlp_figures = mlp_cases()  # first: see run.py
        print(json.dumps({"allocator": ALLOCATOR, "mlp": mlp_figures, "document": document_cases()}))
        raise SystemExit(0)
    print(f"allocator: {ALLOCATOR}")
    for name, r in document_cases().items():
        print(f"document example  {name:15s} {r['us']:8.2f} us  x{r['ratio']:.2f}")
    for name, r in mlp_cases().items():
        print(f"MLP               {name:15s} {r['ms']:8.2f} ms  x{r['ratio']:.3f}")
