"""Timing helpers shared by the benchmarks: every figure is a ratio against a baseline timed in the
same process, alternating the two so that a busy machine slows both alike."""
from __future__ import annotations

import platform
import sys
import timeit
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
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
