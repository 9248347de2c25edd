"""GRAPH_MODE against PYNATIVE_MODE against float64 central differences, on random programs with
hostile names (tests/support/graph_programs.py; issue 21). This is the derandomised slice of `make test`:
fixed seeds, 150 programs, about a second. `make bench` runs thousands with fresh seeds
(benchmarks/graph_differential.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.support import graph_programs

SEEDS = range(150)


@pytest.mark.parametrize("chunk", range(3))
def test_random_programs_agree_in_both_modes_and_with_central_differences(chunk):
    wrong = {}
    for seed in SEEDS[chunk::3]:
        program = graph_programs.Program(np.random.default_rng(seed))
        found = graph_programs.disagreements(program)
        if found:
            wrong[seed] = (found, program.source, [n for n, _ in program.params])
    assert not wrong, wrong


def test_the_programs_use_the_hostile_names():
    """The slice really meets what it is for: NFKC look-alikes, dtype and generated-code names as
    arguments, keywords and line breaks as Parameter names, float arguments and captured constants."""
    programs = [graph_programs.Program(np.random.default_rng(seed)) for seed in SEEDS]
    args = {n for p in programs for n in p.arg_names}
    params = {n for p in programs for n, _ in p.params}
    assert {"xp", "float32"} & args and any(not n.isascii() for n in args)
    assert any("\n" in n or not n.isidentifier() for n in params)
    assert sum(p.float_at is not None for p in programs) >= 10
    assert sum("_ops_.c" in p.source for p in programs) >= 10
    assert sum(p.alias is not None for p in programs) >= 10  # the captured constant passed as an argument
