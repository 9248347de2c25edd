"""What a reader has to read for one call: the mini_autograd functions that run in one PYNATIVE_MODE
call of the document's example (ForwardValueAndGrad with get_all and get_by_list), after a warm-up
call, found with sys.setprofile, and their length in source lines (inspect.getsourcelines).
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)

import mini_autograd  # noqa: E402
from mini_autograd import ParameterTuple, context, nn  # noqa: E402
from tests.support import document_code as doc  # noqa: E402

_INLINE = ("<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>")
PACKAGE = str(Path(mini_autograd.__file__).parent)


def measure() -> dict:
    """{"functions": [(file, name, lines)], "lines": total, "files": count, "calls": Python calls}."""
    context.set_context(mode=context.PYNATIVE_MODE)
    x, y = doc.inputs()
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
    fvg(x, y)  # warm-up: the caches a first call fills
    codes: dict = {}
    calls = [0]

    def profile(frame, event, arg):  # noqa: ANN001
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            calls[0] += 1
            codes.setdefault(frame.f_code, None)

    sys.setprofile(profile)
    try:
        fvg(x, y)
    finally:
        sys.setprofile(None)
    rows = []
    for code in codes:
        if code.co_name in _INLINE:  # a comprehension's lines are its function's, counted there
            continue
        lines, _ = inspect.getsourcelines(code)
        rows.append((str(Path(code.co_filename).relative_to(Path(PACKAGE).parent)), code.co_qualname, len(lines)))
    return {"functions": rows, "lines": sum(r[2] for r in rows), "files": len({r[0] for r in rows}),
            "calls": calls[0]}


def lines(found: dict) -> list:
    """The report's rows (run.py)."""
    by_file: dict = {}
    for path, _, n in found["functions"]:
        by_file[path] = by_file.get(path, 0) + n
    return (["", "## What one PYNATIVE_MODE call of the document's example runs (benchmarks/call_lines.py)", "",
             f"- {len(found['functions'])} mini_autograd functions, {found['lines']} source lines in "
             f"{found['files']} files, {found['calls']} Python calls (goal: at most 300 lines in at most 8 files).",
             "", "| file | lines |", "|---|---:|"]
            + [f"| {p} | {n} |" for p, n in sorted(by_file.items(), key=lambda kv: -kv[1])])


if __name__ == "__main__":
    found = measure()
    for path, name, n in found["functions"]:
        print(f"{n:4d}  {path}  {name}")
    print(f"{len(found['functions'])} functions, {found['lines']} lines, {found['files']} files, "
          f"{found['calls']} calls")
