"""``make bench``: every benchmark, one table, printed and written to benchmarks/results.md.

Speed figures are ratios against a baseline timed in the same process (NumPy doing the same
work), so that they mean the same on any machine; the machine is named at the top of the report.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date

from common import ROOT, machine

GOALS = {"PYNATIVE_MODE": 3.0, "GRAPH_MODE": 1.3, "MLP": 1.03, "widget_ms": 50.0, "page_ms": 100.0}
ALLOCATORS = ("default", "mallopt")  # the headline first: glibc as a learner's kernel has it (common.py)


def mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def engine_figures(allocator: str) -> dict:
    """benchmarks/engine.py in a process of its own under one allocator setting (mallopt cannot be
    undone in a process): {"mlp": ..., "document": ...}."""
    env = dict(os.environ, BENCH_ALLOCATOR=allocator)
    done = subprocess.run([sys.executable, "engine.py", "--json"], cwd=ROOT / "benchmarks", env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def browser_rows() -> list[str]:
    """What a learner waits for in the page, per widget (tests/browser/test_browser.py's timing, run here
    where Chromium is installed): event to changed view, painted, at 1366x768."""
    browser = ROOT / "test-artifacts" / "browser_latency.json"
    if shutil.which("chromium"):
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser/test_browser.py",
                        "-k", "test_widget_response_in_the_page"], cwd=ROOT, check=False)
    if not browser.exists():
        return ["| in the page | not measured: no chromium (`make test` installs it) | | |"]
    b = json.loads(browser.read_text())
    if "widgets" not in b:  # written by an older browser test
        return ["| in the page | not measured: rerun with chromium installed | | |"]
    goal = GOALS["page_ms"]
    return [f"| in the page, {name} ({b['viewport']}) | {t['median_ms']:.1f} | {t['p95_ms']:.1f} | "
            f"median <= {goal:.0f} ms: {mark(t['median_ms'] <= goal)} |" for name, t in b["widgets"].items()]


def main() -> int:
    import call_lines
    import compile_time
    import graph_differential
    import memory
    import notebooks
    import reliability
    import robustness
    import viz_latency

    lines = [f"# Benchmarks", "", f"Machine: {machine()}.  Date: {date.today().isoformat()}.  "
             f"Command: `make bench`.", ""]
    # In engine.py the MLP runs first: once PyTorch or JAX is imported (for the peers' rows) their
    # runtimes share the process, and the large matrix products of the MLP are the figures that notice.
    figures = {a: engine_figures(a) for a in ALLOCATORS}
    default, kept = figures["default"], figures["mallopt"]
    lines += ["Ratios are to NumPy in the same process. The headline is glibc's default allocator, as a "
              "learner's kernel has it; beside it, the same run with heap trimming disabled (mallopt, "
              "both sides alike), which spares whichever side runs second the page faults of the first.", ""]
    fixed = default["document"]["NumPy, fixed-order products"]["us"]
    lines += ["## The document's example: ForwardValueAndGrad(get_all=True, get_by_list=True)", "",
              "The engine computes small float32 products in a fixed order (the same digits on every CPU; "
              "numpy_backend.matmul), NumPy's `@` calls BLAS: the last column is the ratio to the same "
              "hand-written NumPy with the engine's fixed-order products.", "",
              "| | us per call | ratio to NumPy (default allocator) | ratio (mallopt) | goal | "
              "ratio to NumPy with fixed-order products |",
              "|---|---:|---:|---:|---|---:|"]
    for name, r in default["document"].items():
        goal = GOALS.get(name)
        g = f"<= {goal}x: {mark(r['ratio'] <= goal)}" if goal else ""
        lines.append(f"| {name} | {r['us']:.1f} | {r['ratio']:.2f}x | {kept['document'][name]['ratio']:.2f}x | {g} "
                     f"| {r['us'] / fixed:.2f}x |")
    lines += ["", "## 4-layer ReLU MLP, 1024 wide, batch 256, float32: loss and weight gradients", "",
              "| | ms per call | ratio to NumPy (default allocator) | ratio (mallopt) | goal |",
              "|---|---:|---:|---:|---|"]
    for name, r in default["mlp"].items():
        g = f"<= {GOALS['MLP']}x: {mark(r['ratio'] <= GOALS['MLP'])}" if name.endswith("_MODE") else ""
        lines.append(f"| {name} | {r['ms']:.2f} | {r['ratio']:.3f}x | {kept['mlp'][name]['ratio']:.3f}x | {g} |")

    lat = viz_latency.measure()
    lines += ["", "## Widget updates: a sensitivity change in the kernel, each widget in the page", "",
              "| where | median ms | p95 ms | goal |", "|---|---:|---:|---|",
              f"| in the kernel | {lat['median_ms']:.1f} | {lat['p95_ms']:.1f} | "
              f"median <= {GOALS['widget_ms']:.0f} ms: {mark(lat['median_ms'] <= GOALS['widget_ms'])} |"]
    lines += browser_rows()

    grow = memory.growth()
    peak = memory.mlp_peak()
    lines += ["", "## Memory", "",
              f"- Growth over {grow['calls']:,} ForwardValueAndGrad calls: {grow['growth_bytes']:,} bytes "
              f"(goal: flat).",
              f"- MLP step peak: {peak['peak_bytes'] / 2**20:.1f} MiB against a minimum live set of "
              f"{peak['minimum_bytes'] / 2**20:.1f} MiB (parameters, gradients, layer outputs): "
              f"{peak['ratio']:.2f}x."]

    nbt = notebooks.run()
    lines += ["", "## Notebook suite, each in a fresh kernel", "", "| notebook | seconds |", "|---|---:|"]
    lines += [f"| {name} | {s:.1f} |" for name, s in nbt.items()]
    lines.append(f"| all | {sum(nbt.values()):.1f} |")

    rob = robustness.run()
    lines += ["", "## Robustness (the property tests rerun with HYPOTHESIS_PROFILE=bench)", "",
              f"- Gradients against central differences: {rob['gradient examples']:,} examples, "
              f"{rob['gradient failures']} failures (goal 0).",
              f"- Bad inputs tried with their exception type and message checked: {rob['bad inputs checked']}, "
              f"{rob['bad-input failures']} failures.",
              f"- Graph-label escaping fuzz: {rob['names rendered']:,} names rendered, "
              f"{rob['names unescaped']} unescaped (goal 0)."]
    lines += [f"- Failed: {f}" for f in rob["failures"]]
    lines += reliability.lines(reliability.threads(), reliability.long_session())
    lines += graph_differential.lines(graph_differential.run())
    lines += compile_time.lines(compile_time.measure())
    lines += call_lines.lines(call_lines.measure())

    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "benchmarks" / "results.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
