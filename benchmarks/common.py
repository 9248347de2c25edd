"""Timing helpers shared by the benchmarks: every figure is a ratio against a baseline timed in the
same process, alternating the two so that a busy machine slows both alike."""
from __future__ import annotations

import os
import platform
import sys
import timeit
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed memory instead of handing it back to the system after every large
    free, so that neither side pays for page faults the other caused. A learner's kernel never does
    this: it is the second column of the report (BENCH_ALLOCATOR=mallopt), the default allocator
    the headline. Both sides of a ratio always run under the same setting."""
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


# "default": glibc as a learner's kernel has it (the headline); "mallopt": trimming disabled.
ALLOCATOR = os.environ.get("BENCH_ALLOCATOR", "default")
if ALLOCATOR == "mallopt":
    _keep_freed_memory()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def best_seconds(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs of ``number`` calls, per call: the least disturbed estimate."""
    fn()  # warm caches (and GRAPH_MODE's trace) before timing
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def compare(fns: dict[str, Callable[[], object]], number: int, rounds: int = 5) -> dict[str, float]:
    """Seconds per call of each function, measured in alternating rounds, best round kept."""
    best = {name: float("inf") for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], min(timeit.repeat(fn, number=number, repeat=3)) / number)
    return best


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    import numpy as np
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
            f"{platform.system()} {platform.machine()}")


def mlp(width: int = 1024, batch: int = 256, layers: int = 4):
    """The benchmark MLP: ``layers`` Dense layers (ReLU between them) with an MSE loss, its
    ForwardValueAndGrad over every weight, and seeded float32 data ``x`` and targets ``t``.
    Returns (fvg, params, x, t) with x and t as NumPy arrays."""
    import numpy as np

    import mini_autograd as ma
    from mini_autograd import ParameterTuple, nn
    rng = np.random.default_rng(0)
    ma.set_seed(0)
    net = nn.SequentialCell([nn.Dense(width, width, activation="relu") for _ in range(layers - 1)]
                            + [nn.Dense(width, width)])
    params = ParameterTuple(net.trainable_params())
    fvg = nn.ForwardValueAndGrad(nn.WithLossCell(net, nn.MSELoss()), params, get_by_list=True)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    t = rng.standard_normal((batch, width)).astype(np.float32)
    return fvg, params, x, t
