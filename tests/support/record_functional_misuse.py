"""Record what MindSpore raises for each misuse of functional_misuse_cases.py, in both modes (issue 19).

Run from the repository root with MindSpore's venv, never with the engine's (the suite never imports it):
    PYTHONPATH=$PWD /work/msvenv/bin/python tests/support/record_functional_misuse.py
It prints MISUSE_RECORDED's rows for test_functional_conventions.py: for each case, the exception type
name in PYNATIVE_MODE and in GRAPH_MODE ("returns" where the call went through), then the start of
each message as a comment. It also prints FORWARD_RUNS (how often vjp_fn runs the forward again)
and NESTED_VJP (vjp_fn's gradients for outputs that nest).
Each mode runs in its own process (``--mode PYNATIVE`` / ``--mode GRAPH`` prints that mode as JSON).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings


def run_cases() -> dict:
    from tests.cases.functional_misuse_cases import CASES
    import mindspore
    got = {}
    for name, (_, call) in CASES.items():
        try:
            call(mindspore)
            got[name] = ("returns", "")
        except Exception as e:  # noqa: BLE001  (the type is the datum)
            lines = str(e).strip().splitlines()
            got[name] = (type(e).__name__, lines[0][:90] if lines else "")
    return got


def forward_runs() -> list:
    """A Cell that counts its own runs in a Parameter (a side effect GRAPH_MODE keeps in its graph,
    which a Python counter would not see): its count after vjp and after each of three vjp_fn calls,
    then how many warnings said vjp_fn runs the forward again."""
    import numpy as np
    import mindspore
    from mindspore import Parameter, Tensor, nn, ops

    class Counted(nn.Cell):
        def __init__(self):
            super().__init__()
            self.runs = Parameter(Tensor(np.zeros(1, np.float32)), name="runs", requires_grad=False)

        def construct(self, x, y):
            ops.assign_add(self.runs, Tensor(np.ones(1, np.float32)))
            return x * y, x + y

    net = Counted()
    x, y = Tensor(np.array([1.0, 2.0], np.float32)), Tensor(np.array([3.0, 4.0], np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, vjp_fn = mindspore.vjp(net, x, y)
        counts = [int(net.runs.asnumpy()[0])]
        for _ in range(3):
            vjp_fn((Tensor(np.ones(2, np.float32)), Tensor(np.ones(2, np.float32))))
            counts.append(int(net.runs.asnumpy()[0]))
    return counts + [sum(1 for w in caught if "vjp_fn" in str(w.message))]


def nested_vjp() -> list:
    """vjp_fn of ((x y, x + y), x - y) with the cotangent ((a, b), c), at test_functional_conventions'
    values: the gradients for x and y, as lists."""
    import numpy as np
    import mindspore
    from mindspore import Tensor

    def nested(x, y):
        return (x * y, x + y), x - y
    x, y = Tensor(np.array([1.0, 2.0], np.float32)), Tensor(np.array([3.0, -4.0], np.float32))
    a, b, c = (Tensor(np.array(v, np.float32)) for v in ([0.5, 2.0], [-1.0, 3.0], [2.0, 0.25]))
    _, vjp_fn = mindspore.vjp(nested, x, y)
    return [g.asnumpy().tolist() for g in vjp_fn(((a, b), c))]


def run_mode(mode: str) -> dict:
    import mindspore
    mindspore.set_context(mode=getattr(mindspore, mode + "_MODE"), device_target="CPU")
    warnings.simplefilter("ignore")
    return {"cases": run_cases(), "forward_runs": forward_runs(), "nested_vjp": nested_vjp()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["PYNATIVE", "GRAPH"])
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode)))
        return
    by_mode = {}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for mode in ("PYNATIVE", "GRAPH"):
        with tempfile.TemporaryDirectory() as scratch:  # MindSpore leaves rank_0/ (its IR dumps) in the cwd
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--mode", mode], capture_output=True,
                                  text=True, cwd=scratch, check=True,
                                  env={**os.environ, "GLOG_v": "3", "PYTHONPATH": root})
        by_mode[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    import mindspore
    print(f"# recorded from MindSpore {mindspore.__version__} CPU by tests/support/record_functional_misuse.py")
    print("MISUSE_RECORDED = {  # case: (PYNATIVE_MODE, GRAPH_MODE)")
    for name, (pn_type, pn_msg) in by_mode["PYNATIVE"]["cases"].items():
        g_type, g_msg = by_mode["GRAPH"]["cases"][name]
        msg = pn_msg if pn_msg == g_msg or not g_msg else f"{pn_msg} | {g_msg}"
        print(f"    {name!r}: ({pn_type!r}, {g_type!r}),  # {msg}"[:118].rstrip())
    print("}")
    print("FORWARD_RUNS = {  # the Cell's count after vjp, after each of 3 vjp_fn calls; warnings")
    for mode in ("PYNATIVE", "GRAPH"):
        print(f"    {mode!r}: {by_mode[mode]['forward_runs']},")
    print("}")
    print("NESTED_VJP = {  # vjp_fn(((a, b), c)) of ((x y, x + y), x - y): (d/dx, d/dy)")
    for mode in ("PYNATIVE", "GRAPH"):
        print(f"    {mode!r}: {by_mode[mode]['nested_vjp']},")
    print("}")


if __name__ == "__main__":
    main()
