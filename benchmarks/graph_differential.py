"""The differential test of GRAPH_MODE at scale (issue 21): random programs with hostile names
(tests/support/graph_programs.py), each run in PYNATIVE_MODE and GRAPH_MODE (traced, then replayed; equal
bit for bit) and checked against float64 central differences. `make test` runs a fixed-seed slice;
here the seeds are fresh on every run, and the first seed is printed so a failure can be rerun.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from common import ROOT  # noqa: F401  (puts the repository on sys.path)

from tests.support import graph_programs  # noqa: E402


def run(programs: int = 5000, first: int | None = None) -> dict:
    first = int.from_bytes(os.urandom(4), "little") if first is None else first
    wrong: list = []
    start = time.perf_counter()
    for seed in range(first, first + programs):
        found = graph_programs.disagreements(graph_programs.Program(np.random.default_rng(seed)))
        if found:
            wrong.append((seed, found[0][:200]))
    return {"programs": programs, "first_seed": first, "disagreements": len(wrong), "examples": wrong[:5],
            "seconds": time.perf_counter() - start}


def lines(r: dict) -> list:
    out = [f"- GRAPH_MODE differential test: {r['programs']:,} random programs with hostile names (seeds "
           f"{r['first_seed']} on), PYNATIVE vs GRAPH (bit for bit, first call and replay) vs float64 central "
           f"differences: {r['disagreements']} disagreements (goal 0), {r['seconds']:.0f} s."]
    out += [f"- Disagreement: seed {seed}: {what}" for seed, what in r["examples"]]
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print("\n".join(lines(run(n))))
