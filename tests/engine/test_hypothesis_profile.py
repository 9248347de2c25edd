"""The property tests are reproducible in `make test` and CI, and random under `make bench`:
the "default" profile draws the same examples on every run without an example database; the
"bench" profile (HYPOTHESIS_PROFILE=bench) draws more, and new ones each run."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def drawn(profile: str) -> list:
    """The examples a property test draws under ``profile``."""
    seen = []

    @settings(settings.get_profile(profile))
    @given(st.integers(-10**9, 10**9), st.lists(st.floats(allow_nan=False), max_size=3))
    def prop(n, xs):
        seen.append((n, tuple(xs)))

    prop()
    return seen


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "default") != "default",
                    reason="checks the profile make test runs with")
def test_make_test_runs_the_derandomized_profile():
    current = settings()
    assert current.derandomize is True and current.database is None and current.max_examples == 40


def test_the_default_profile_draws_the_same_examples_every_run():
    first, second = drawn("default"), drawn("default")
    assert len(first) == 40
    assert first == second


def test_the_bench_profile_is_random_and_larger():
    bench = settings.get_profile("bench")
    assert bench.derandomize is False and bench.max_examples == 400
    first, second = drawn("bench"), drawn("bench")
    assert len(first) == len(second) == 400 and first != second
