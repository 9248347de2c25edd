"""GRAPH_MODE's compile time against the size of the graph (issue 21, finding 14).

A chain of n steps ``x = tanh(x) * c`` (2n + 1 primitives with the final sum), differentiated with
value_and_grad: the first GRAPH_MODE call (trace, generate the source, compile it, run it) timed
against one PYNATIVE_MODE call of the same chain, and the compile at 2n against n. Linear
generation keeps the doubling ratio near 2 (a quadratic one near 4).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from common import ROOT  # noqa: F401  (puts the repository on sys.path)

from mini_autograd import Tensor, context, ops, value_and_grad  # noqa: E402


def chain(steps: int):
    c, tanh = Tensor(np.array(0.5)), ops.Tanh()

    def f(x):
        for _ in range(steps):
            x = tanh(x) * c
        return x.sum()
    return f


def seconds(steps: int, mode: int, repeat: int = 3) -> float:
    """The fastest of ``repeat`` first calls of a fresh transform (for GRAPH_MODE: the compile)."""
    context.set_context(mode=mode)
    x = Tensor(np.linspace(-1.0, 1.0, 8))
    best = float("inf")
    for _ in range(repeat):
        fn = value_and_grad(chain(steps))
        start = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - start)
    context.set_context(mode=context.PYNATIVE_MODE)
    return best


def measure(sizes: tuple = (2500, 5000, 10000)) -> list:
    """Per size (primitives, about): compile seconds, one PYNATIVE call's seconds and their ratio,
    and the ratio of each compile to the previous size's."""
    rows, previous = [], None
    seconds(50, context.GRAPH_MODE, 1)  # warm up: imports, first-call caches
    seconds(50, context.PYNATIVE_MODE, 1)
    for n in sizes:
        steps = n // 2
        graph, eager = seconds(steps, context.GRAPH_MODE), seconds(steps, context.PYNATIVE_MODE, 5)
        rows.append({"primitives": 2 * steps + 1, "compile_s": graph, "pynative_s": eager,
                     "ratio": graph / eager, "doubling": graph / previous if previous else None})
        previous = graph
    return rows


def lines(rows: list) -> list:
    out = ["", "## GRAPH_MODE compile time against graph size (a tanh(x) * c chain, value_and_grad)", "",
           "| primitives | first GRAPH_MODE call (compile), s | one PYNATIVE call, s | ratio | "
           "compile / compile at half the size | goal |", "|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        goal = f"<= 3x: {'met' if r['ratio'] <= 3 else 'MISSED'}" if r["primitives"] >= 10000 else ""
        doubling = f"{r['doubling']:.2f}" if r["doubling"] else ""
        out.append(f"| {r['primitives']:,} | {r['compile_s']:.2f} | {r['pynative_s']:.3f} | {r['ratio']:.1f}x | "
                   f"{doubling} | {goal} |")
    return out


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or (2500, 5000, 10000)
    print("\n".join(lines(measure(sizes))))
