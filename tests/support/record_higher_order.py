"""Record MindSpore's results for the cases of higher_order_cases.py (issue 15), in both modes.

Run from the repository root with MindSpore's venv, never with the engine's:
    PYTHONPATH=$PWD /work/msvenv/bin/python tests/support/record_higher_order.py   (writes tests/cases/higher_order_recorded.py)
Each mode runs in its own process (``--mode PYNATIVE`` / ``--mode GRAPH`` prints one mode's data as JSON).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import warnings


def run_mode(mode: str) -> dict:
    import mindspore

    from tests.cases.higher_order_cases import CASES
    mindspore.set_context(mode=getattr(mindspore, mode + "_MODE"), device_target="CPU")
    warnings.simplefilter("ignore")
    data = {}
    for name, case in CASES.items():
        try:
            data[name] = case(mindspore)
        except Exception as e:  # noqa: BLE001  (a case that MindSpore cannot run is recorded as such)
            lines = str(e).strip().splitlines()
            data[name] = ("mindspore_fails", type(e).__name__, lines[0][:120] if lines else "")
        print(name, data[name], file=sys.stderr, flush=True)
    return data


def to_tagged(v):
    """JSON loses tuples; tag them so that the structure survives the trip between processes."""
    if isinstance(v, tuple):
        return {"t": [to_tagged(x) for x in v]}
    if isinstance(v, list):
        return [to_tagged(x) for x in v]
    return v


def from_tagged(v):
    if isinstance(v, dict):
        return tuple(from_tagged(x) for x in v["t"])
    if isinstance(v, list):
        return [from_tagged(x) for x in v]
    return v


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["PYNATIVE", "GRAPH"])
    ap.add_argument("--out", default="tests/cases/higher_order_recorded.py")
    args = ap.parse_args()
    if args.mode:
        print(json.dumps({k: to_tagged(v) for k, v in run_mode(args.mode).items()}))
        return
    per_mode = {}
    for mode in ("PYNATIVE", "GRAPH"):
        # MindSpore writes rank_0/ (analyze_fail.ir) into the working directory: keep it out of the tree
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--mode", mode], capture_output=True,
                              text=True, env=dict(os.environ, GLOG_v="3", PYTHONPATH=root), check=True,
                              cwd=tempfile.mkdtemp(prefix="ms_record_"))
        per_mode[mode] = {k: from_tagged(v) for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}
    import mindspore
    lines = [
        '"""MindSpore\'s results for the cases of higher_order_cases.py, recorded as data (issue 15).',
        "",
        f"MindSpore {mindspore.__version__} CPU, Python {platform.python_version()}, "
        f"{datetime.date.today().isoformat()}; produced by",
        "``PYTHONPATH=$PWD /work/msvenv/bin/python tests/support/record_higher_order.py``. A case's value is under",
        '"BOTH" where PYNATIVE_MODE and GRAPH_MODE agree, else under each mode; ("mindspore_fails", type,',
        "message) marks a case MindSpore could not run in that mode.",
        '"""',
        "# flake8: noqa",
        "RECORDED = {",
    ]
    for name in per_mode["PYNATIVE"]:
        p, g = per_mode["PYNATIVE"][name], per_mode["GRAPH"][name]
        entry = {"BOTH": p} if p == g else {"PYNATIVE": p, "GRAPH": g}
        lines.append(f"    {name!r}: {entry!r},")
    lines.append("}")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
