"""Robustness figures: the property tests rerun with many more examples, counted.

- every primitive's gradient against central differences: examples tried and failures;
- bad inputs: how many were tried with their exception type and message checked;
- graph-label escaping: fuzzed names rendered, and how many came out unescaped.
It runs the test modules themselves (with HYPOTHESIS_PROFILE=bench), counting through wrappers.
"""
from __future__ import annotations

import os
from collections import Counter

from common import ROOT


def run() -> dict:
    os.environ["HYPOTHESIS_PROFILE"] = "bench"
    import pytest

    counts: Counter = Counter()
    failures: list = []

    class Counting:
        """A pytest plugin: wraps the checking helpers of the test modules once they are imported."""

        def pytest_collection_modifyitems(self, items):
            import tests.engine.test_errors as errors
            import tests.viz.test_viz_security as security
            import tests.engine.test_vjp as vjp

            def counted(module, name, key):
                inner = getattr(module, name)

                def wrapper(*args, **kwargs):
                    counts[key] += 1
                    return inner(*args, **kwargs)
                setattr(module, name, wrapper)

            counted(vjp, "check", "gradient examples")
            counted(security, "assert_clean", "names rendered")
            raises = pytest.raises

            class CountingPytest:
                def __getattr__(self, attr):
                    return getattr(pytest, attr)

                @staticmethod
                def raises(*args, **kwargs):
                    counts["bad inputs"] += 1
                    return raises(*args, **kwargs)
            errors.pytest = CountingPytest()

        def pytest_runtest_logreport(self, report):
            if report.failed:
                module = report.nodeid.split("::")[0]
                counts["failed: " + module] += 1
                failures.append(f"{report.nodeid} ({report.when}): {str(report.longrepr).splitlines()[-1]}")

    code = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests/engine/test_vjp.py"),
                        str(ROOT / "tests/engine/test_errors.py"), str(ROOT / "tests/viz/test_viz_security.py")],
                       plugins=[Counting()])
    return {
        "gradient examples": counts["gradient examples"],
        "gradient failures": counts["failed: tests/engine/test_vjp.py"],
        "bad inputs checked": counts["bad inputs"],
        "bad-input failures": counts["failed: tests/engine/test_errors.py"],
        "names rendered": counts["names rendered"],
        "names unescaped": counts["failed: tests/viz/test_viz_security.py"],
        "pytest exit code": int(code),
        "failures": failures,
    }


if __name__ == "__main__":
    print(run())
