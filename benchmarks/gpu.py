"""Benchmark of the GPU path, on a machine with a CUDA GPU: the tiled matmul kernel (square sizes 512
to 4096) and ForwardValueAndGrad of a 4-layer MLP (1024 wide, batch 256), against the CPU path and,
where installed, CuPy's matmul (cuBLAS) and PyTorch on the same GPU. Prints GFLOP/s and the ratio
to cuBLAS (goal for the tiled kernel: at least 30% of cuBLAS float32 at 4096).

    python benchmarks/gpu.py [--sizes 512 1024 2048 4096] [--repeat 10]

In Numba's CUDA simulator (no GPU) it says so and exits: the simulator runs a kernel in Python.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mini_autograd.backends.cuda import choose, runs_on  # noqa: E402

choose()  # GPU or simulator, decided before anything here imports numba.cuda


def best_seconds(fn: Callable[[], None], sync: Callable[[], None], repeat: int) -> float:
    """The fastest of ``repeat`` timed runs, after one untimed run (compilation, caches)."""
    fn()
    sync()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def optional(module: str):
    try:
        return __import__(module)
    except Exception:  # not installed, or installed without a working CUDA build
        return None


def bench_matmul(sizes: list[int], repeat: int) -> None:
    import numpy as np
    from numba import cuda

    from mini_autograd.backends.cuda import backend, kernels
    cupy, torch = optional("cupy"), optional("torch")
    if torch is not None and not torch.cuda.is_available():
        torch = None
    if torch is not None:
        torch.backends.cuda.matmul.allow_tf32 = False  # compare float32 with float32, not TF32
    print(f"matmul, float32, tile {kernels.TILE}x{kernels.TILE} (k step {kernels.TILE_K}, "
          f"{kernels.THREAD_TILE}x{kernels.THREAD_TILE} per thread)")
    print(f"{'n':>6} {'kernel':>12} {'numpy CPU':>12} {'cuBLAS':>12} {'torch':>12} {'kernel/cuBLAS':>14}   (GFLOP/s)")
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        flops = 2.0 * n ** 3
        da, db = backend.asarray(a), backend.asarray(b)
        ours = flops / best_seconds(lambda: backend.matmul(da, db), cuda.synchronize, repeat) / 1e9
        check = backend.to_numpy(backend.matmul(da, db))
        np.testing.assert_allclose(check[:64, :64], (a[:64] @ b[:, :64]), rtol=1e-3, atol=1e-2)
        cpu = flops / best_seconds(lambda: a @ b, lambda: None, 1 if n >= 2048 else repeat) / 1e9
        blas = tor = float("nan")
        if cupy is not None:
            ca, cb = cupy.asarray(a), cupy.asarray(b)
            blas = flops / best_seconds(lambda: ca @ cb, cupy.cuda.Device().synchronize, repeat) / 1e9
        if torch is not None:
            ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
            tor = flops / best_seconds(lambda: ta @ tb, torch.cuda.synchronize, repeat) / 1e9
        reference = blas if blas == blas else tor  # PyTorch's matmul is cuBLAS too, when CuPy is missing
        ratio = f"{100 * ours / reference:13.1f}%" if reference == reference else f"{'n/a':>14}"
        print(f"{n:>6} {ours:12.1f} {cpu:12.1f} {blas:12.1f} {tor:12.1f} {ratio}")


def bench_mlp(repeat: int, width: int = 1024, batch: int = 256, layers: int = 4) -> None:
    import numpy as np
    from numba import cuda

    import mini_autograd.nn as nn
    from mini_autograd import ParameterTuple, Tensor, context, set_seed
    print(f"\nForwardValueAndGrad of a {layers}-layer MLP ({width} wide, ReLU, MSE loss), batch {batch}, float32")
    rng = np.random.default_rng(0)
    x_host = rng.standard_normal((batch, width), dtype=np.float32)
    y_host = rng.standard_normal((batch, width), dtype=np.float32)
    flops = 3 * layers * 2.0 * batch * width * width  # forward, and two products per layer backward
    results = {}
    for device in ("CPU", "GPU"):
        context.set_context(device_target=device, mode=context.PYNATIVE_MODE)
        set_seed(0)
        net = nn.SequentialCell([nn.Dense(width, width, activation="relu" if i < layers - 1 else None)
                                 for i in range(layers)])
        loss = nn.WithLossCell(net, nn.MSELoss())
        fvg = nn.ForwardValueAndGrad(loss, weights=ParameterTuple(net.trainable_params()), get_by_list=True)
        x, y = Tensor(x_host), Tensor(y_host)
        sync = cuda.synchronize if device == "GPU" else (lambda: None)
        results[device] = best_seconds(lambda: fvg(x, y), sync, repeat if device == "GPU" else max(1, repeat // 3))
    context.set_context(device_target="CPU")
    torch = optional("torch")
    if torch is not None and torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = False
        mods = []
        for i in range(layers):
            mods.append(torch.nn.Linear(width, width))
            if i < layers - 1:
                mods.append(torch.nn.ReLU())
        tnet = torch.nn.Sequential(*mods).cuda()
        tx, ty = torch.from_numpy(x_host).cuda(), torch.from_numpy(y_host).cuda()

        def step() -> None:
            tnet.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(tnet(tx), ty).backward()

        results["PyTorch GPU"] = best_seconds(step, torch.cuda.synchronize, repeat)
    for name, seconds in results.items():
        print(f"{name:>12}: {1e3 * seconds:9.2f} ms per call, {flops / seconds / 1e9:9.1f} GFLOP/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048, 4096])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if runs_on() != "gpu":
        print("benchmarks/gpu.py: no CUDA GPU here; the GPU path runs in Numba's CUDA simulator, which "
              "executes every GPU thread in Python, so there is nothing meaningful to time. "
              "Run this on a machine with an NVIDIA GPU and numba-cuda.")
        return 0
    bench_matmul(args.sizes, args.repeat)
    bench_mlp(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
