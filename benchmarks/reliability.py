"""Reliability figures: threads and a long GRAPH_MODE session.

- 4 threads x 1,500 calls, each thread with its own ForwardValueAndGrad (tests/engine/test_threads.py's
  hammer): errors, gradients that differ from the hand-derived ones, and seconds in all;
- 5,000 GRAPH_MODE calls with a decaying Python-float temperature (a constant of each graph, so a
  trace per value), then 1,000 calls each with a new input shape: graphs kept (bounded by
  graph_mode.CACHE_SIZE), traces made, memory growth.
"""
from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np

from common import ROOT  # noqa: F401  (puts the repository on sys.path)

from mini_autograd import Tensor, context, graph_mode, nn  # noqa: E402
from tests.engine.test_threads import CALLS, THREADS, hammer  # noqa: E402


def threads() -> dict:
    out = {}
    for name in ("PYNATIVE_MODE", "GRAPH_MODE"):
        context.set_context(mode=getattr(context, name))
        start = time.perf_counter()
        counts = hammer(THREADS, CALLS)
        out[name] = {"calls": counts["calls"], "errors": counts["errors"], "wrong": counts["wrong"],
                     "seconds": time.perf_counter() - start}
    context.set_context(mode=context.PYNATIVE_MODE)
    return out


class Tempered(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.traces = 0

    def construct(self, x, temperature):
        self.traces += 1
        return (x / temperature).sum()


def long_session(calls: int = 5000, shapes: int = 1000) -> dict:
    """Bytes held after ``calls`` calls minus after the first 500 (the temperature decays each call),
    then the same after ``shapes`` calls with a new input shape each."""
    context.set_context(mode=context.GRAPH_MODE)
    x = Tensor(np.array([1.0, 2.0, 4.0], np.float32))
    timed = nn.ForwardValueAndGrad(Tempered())
    start = time.perf_counter()  # timed apart: tracemalloc slows every allocation
    t = 1.0
    for _ in range(calls):
        t *= 0.999
        timed(x, t)
    seconds = time.perf_counter() - start
    net = Tempered()
    fvg = nn.ForwardValueAndGrad(net)
    tracemalloc.start()
    t = 1.0
    for k in range(calls):
        if k == 500:
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
        t *= 0.999
        fvg(x, t)
    gc.collect()
    floats = {"calls": calls, "graphs": len(fvg.runner.graphs), "traces": net.traces,
              "growth_bytes": tracemalloc.get_traced_memory()[0] - base, "us_per_call": seconds / calls * 1e6}
    net.traces = 0
    for n in range(1, shapes + 1):
        if n == graph_mode.CACHE_SIZE + 1:  # the cache is full from here on
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
        fvg(Tensor(np.ones(n, np.float32)), 0.5)
    gc.collect()
    new_shapes = {"calls": shapes, "graphs": len(fvg.runner.graphs), "traces": net.traces,
                  "growth_bytes": tracemalloc.get_traced_memory()[0] - base, "bound": graph_mode.CACHE_SIZE}
    tracemalloc.stop()
    context.set_context(mode=context.PYNATIVE_MODE)
    return {"floats": floats, "shapes": new_shapes}


def lines(thr: dict, session: dict) -> list:
    """The report's lines, beside the robustness figures."""
    out = []
    for mode, r in thr.items():
        out.append(f"- Threads, {mode}: {THREADS} threads x {CALLS:,} calls, each thread its own "
                   f"ForwardValueAndGrad: {r['errors']} errors, {r['wrong']} wrong gradients (goal 0 and 0), "
                   f"{r['seconds']:.2f} s in all.")
    f, s = session["floats"], session["shapes"]
    out.append(f"- Long GRAPH_MODE session: {f['calls']:,} calls with a decaying Python-float temperature: "
               f"{f['graphs']} graphs kept (a float argument is a constant of its graph, as in MindSpore; "
               f"the bound is graph_mode.CACHE_SIZE), {f['traces']:,} traces, {f['us_per_call']:.1f} us per call, "
               f"memory growth "
               f"{f['growth_bytes']:,} bytes after the first 500 calls (goal: flat).")
    out.append(f"- Then {s['calls']:,} calls each with a new input shape: {s['graphs']} graphs kept (the bound, "
               f"graph_mode.CACHE_SIZE = {s['bound']}), {s['traces']:,} traces, memory growth "
               f"{s['growth_bytes']:,} bytes once the cache was full.")
    return out


if __name__ == "__main__":
    print("\n".join(lines(threads(), long_session())))
