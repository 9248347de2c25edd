"""How long a sensitivity change takes to update the explorer, inside the kernel.

For each of the document's examples (input derivation, get_all, weight derivation, gradient value
scaling) it builds ``viz.explore(..., sens_param=True)``, shows the sensitivity tab and sets one
control's ``.value`` as a user would; the time is from that assignment until every observer has
returned (recompute, gradient tables, heatmap SVG, printed structure). Not a unit test.

    PYTHONPATH=. python benchmarks/viz_latency.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mini_autograd.nn as nn  # noqa: E402
import mini_autograd.ops as ops  # noqa: E402
import viz  # noqa: E402
from mini_autograd import Parameter, Tensor  # noqa: E402
from mini_autograd import dtype as mstype  # noqa: E402

EXAMPLES = {
    "input derivation": dict(),
    "get_all": dict(get_all=True),
    "weight derivation": dict(get_by_list=True),
    "gradient value scaling": dict(sens=[[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]),
}


class Net(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name="z")

    def construct(self, x, y):
        x = x * self.z
        return self.matmul(x, y)


def _inputs() -> tuple:
    x = Tensor([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]], dtype=mstype.float32)
    y = Tensor([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]], dtype=mstype.float32)
    return x, y


def measure(n: int = 200, seed: int = 0) -> dict:
    """Median and 95th percentile (ms) of ``n`` control changes, spread over the four examples."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"For 'measure', 'n' should be a positive int, but got {n!r}.")
    rng = np.random.default_rng(seed)
    explorers = {}
    for name, kw in EXAMPLES.items():
        e = viz.explore(Net(), *_inputs(), sens_param=True, **kw)
        e.tabs.selected_index = 2  # the tab with the controls, as a user changing them would see
        explorers[name] = e
    times: dict[str, list] = {name: [] for name in explorers}
    for i in range(n):
        name = list(explorers)[i % len(explorers)]
        e = explorers[name]
        control = e.sens_controls[int(rng.integers(len(e.sens_controls)))]
        value = round(float(rng.uniform(-2, 2)), 2)
        if value == control.value:
            value += 0.01
        start = time.perf_counter()
        control.value = value
        times[name].append((time.perf_counter() - start) * 1000)
        if e.sens.last_error is not None:
            raise RuntimeError(f"the explorer failed: {e.sens.last_error!r}")
    every = np.concatenate([np.array(t) for t in times.values()])
    return {"median_ms": float(np.median(every)), "p95_ms": float(np.percentile(every, 95)), "n": n,
            "per_example_median_ms": {k: float(np.median(v)) for k, v in times.items() if v}}


if __name__ == "__main__":
    print(measure())
