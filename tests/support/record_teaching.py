"""Record what MindSpore 2.10 does with the claims the notebooks teach (issue 20), as data.

Run from the repository root with MindSpore's venv, never with the engine's:
    /work/msvenv/bin/python tests/support/record_teaching.py   (writes tests/cases/teaching_recorded.py)
The CPU digits are recorded as oneDNN picks its kernel on this CPU (AVX-512), and with
ONEDNN_MAX_CPU_ISA=AVX2, AVX and SSE41 (oneDNN's switch for the instruction set it may use), which
run what a CPU without AVX-512 (or without AVX2, or AVX) runs. Each recording is its own process.
"""
from __future__ import annotations

import contextlib
import datetime
import io
import json
import linecache
import os
import platform
import subprocess
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
X = [[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]]
Y = [[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]]
S = [[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]


def document_digits() -> dict:
    """The document's third example and 02's last cell, printed, in both modes; oneDNN's kernel name."""
    import numpy as np
    import mindspore as ms
    from mindspore import Parameter, Tensor, nn, ops

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.matmul = ops.MatMul()
            self.z = Parameter(Tensor(np.array([1.0], np.float32)), name="z")

        def construct(self, x, y):
            return self.matmul(x * self.z, y)

    data = {}
    for mode in ("GRAPH", "PYNATIVE"):
        ms.set_context(mode=getattr(ms, mode + "_MODE"), device_target="CPU")
        x, y, s = (Tensor(np.array(a, np.float32)) for a in (X, Y, S))
        third = nn.ForwardValueAndGrad(Net(), sens_param=True)(x, y, s)
        net = Net()
        weights = nn.ForwardValueAndGrad(net, weights=net.trainable_params(), get_by_list=True,
                                         sens_param=True)(x, y, s)
        data[mode] = {"third_example": str(third), "weights_example": str(weights)}
    return data


def run_isa(isa: str | None) -> dict:
    env = dict(os.environ, ONEDNN_VERBOSE="1")
    if isa:
        env["ONEDNN_MAX_CPU_ISA"] = isa
    out = subprocess.run([sys.executable, __file__, "--digits"], env=env, capture_output=True, text=True,
                         check=True).stdout
    kernels = sorted({line.split(",")[6] for line in out.splitlines()
                      if line.startswith("onednn_verbose,v1,primitive,exec,cpu,matmul")})
    isa_line = next(line for line in out.splitlines() if line.startswith("onednn_verbose,v1,info,cpu,isa:"))
    data = json.loads(out.splitlines()[-1])
    return {"onednn_isa": isa_line.split("isa:", 1)[1], "onednn_matmul": kernels, **data}


def control_flow() -> dict:
    """GRAPH_MODE: an `if` and a `while` on a tensor's value, forward and gradient."""
    import numpy as np
    import mindspore as ms
    from mindspore import Tensor, nn

    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")

    class Branch(nn.Cell):
        def construct(self, x):
            if x.sum() > 0:
                return x * 2
            return x * 3

    class Loop(nn.Cell):
        def construct(self, x):
            while x.sum() < 10:
                x = x * 2
            return x

    result = {}
    for name, cell, value in (("if, sum > 0", Branch(), [1.0, 2.0]), ("if, sum < 0", Branch(), [-1.0, -2.0]),
                              ("while", Loop(), [1.0, 2.0])):
        t = Tensor(np.array(value, np.float32))
        result[name] = {"input": value, "value": cell(t).asnumpy().tolist(),
                        "grad": ms.grad(cell)(t).asnumpy().tolist()}
    return result


def vjp_calls() -> dict:
    """How often ms.vjp and its vjp_fn run the function (PYNATIVE_MODE), and the warning it gives."""
    import numpy as np
    import mindspore as ms
    from mindspore import Tensor, ops

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    calls = {"n": 0}

    def fn(x, y):
        calls["n"] += 1
        return ops.matmul(x, y)

    out, vjp_fn = ms.vjp(fn, Tensor(np.array(X, np.float32)), Tensor(np.array(Y, np.float32)))
    counts = {"after ms.vjp": calls["n"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(3):
            vjp_fn(Tensor(np.ones((2, 3), np.float32)))
            counts[f"after vjp_fn call {k + 1}"] = calls["n"]
    counts["warnings"] = sorted({str(w.message) for w in caught})
    return counts


def jacobian_with_a_counter() -> dict:
    """jacrev and jacfwd of a function (a def, not a lambda) that counts its calls in a dict."""
    import numpy as np
    import mindspore as ms

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    calls = {"n": 0}

    def wide(v):
        calls["n"] += 1
        return (v * v).sum()

    result = {}
    for jac in (ms.jacrev, ms.jacfwd):
        try:
            jac(wide)(ms.Tensor(np.ones(4, np.float32)))
            result[jac.__name__] = f"ok, {calls['n']} calls"
        except Exception as e:  # noqa: BLE001  (what MindSpore raises is the data)
            result[jac.__name__] = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"
    return result


def clip_by_global_norm() -> dict:
    """ops.clip_by_global_norm on two gradients whose global norm is 5 (3-4-0 and 0), clip_norm 1 and 10."""
    import numpy as np
    import mindspore as ms

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    grads = (ms.Tensor(np.array([3.0, 0.0], np.float32)), ms.Tensor(np.array([[0.0], [4.0]], np.float32)))
    return {clip: [g.asnumpy().tolist() for g in ms.ops.clip_by_global_norm(grads, clip_norm=clip)]
            for clip in (1.0, 10.0)}


def grad_of_a_primitive() -> str:
    """ms.grad given the Primitive ops.Sin() itself, not a function that calls it."""
    import numpy as np
    import mindspore as ms

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    try:
        ms.grad(ms.ops.Sin())(ms.Tensor(np.array([0.5])))
        return "ok"
    except Exception as e:  # noqa: BLE001  (what MindSpore raises is the data)
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"


def notebook_07_cells() -> list:
    """Notebook 07's code cells run in order on MindSpore (imports changed; viz cells skipped)."""
    import __main__

    path = os.path.join(ROOT, "notebooks", "07_higher_order.ipynb")
    cells = json.load(open(path))["cells"]
    namespace = __main__.__dict__
    warnings.simplefilter("ignore")
    result = []
    for i, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "solution" in tags:
            continue
        src = "".join(cell["source"])
        first = src.strip().splitlines()[0] if src.strip() else ""
        if "import viz" in src or "viz." in src:
            result.append((first, "skipped: viz is mini_autograd's"))
            continue
        src = (src.replace("import mini_autograd as ms", "import mindspore as ms")
               .replace("from mini_autograd import dtype as mstype", "import mindspore.common.dtype as mstype")
               .replace("import mini_autograd.context as context", "from mindspore import context")
               .replace("mini_autograd", "mindspore"))
        # MindSpore's compiler reads a function's source through linecache: give each cell a file name.
        name = f"<notebook 07 cell {i}>"
        linecache.cache[name] = (len(src), None, src.splitlines(True), name)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(src, name, "exec"), namespace)
            result.append((first, "ok"))
        except Exception as e:  # noqa: BLE001  (what MindSpore raises is the data)
            result.append((first, f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"))
    return result


def main() -> None:
    import inspect

    import mindspore
    from mindspore import nn

    warnings.simplefilter("ignore")
    data = {
        "cpu_this_machine": run_isa(None),
        "cpu_avx2": run_isa("AVX2"),
        "cpu_avx": run_isa("AVX"),
        "cpu_sse41": run_isa("SSE41"),
        "control_flow_graph_mode": control_flow(),
        "vjp_calls": vjp_calls(),
        "train_one_step_cell_signature": str(inspect.signature(nn.TrainOneStepCell.__init__)),
        "dynamic_loss_scale_manager_signature": str(inspect.signature(mindspore.amp.DynamicLossScaleManager.__init__)),
        "has_ops_clip_by_global_norm": hasattr(mindspore.ops, "clip_by_global_norm"),
        "clip_by_global_norm": clip_by_global_norm(),
        "jacobian_with_a_counter": jacobian_with_a_counter(),
        "grad_of_a_primitive": grad_of_a_primitive(),
        "notebook_07_cells": notebook_07_cells(),
    }
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    header = (f'"""What MindSpore does with the claims the notebooks teach, recorded as data (issue 20).\n\n'
              f"MindSpore {mindspore.__version__} CPU, Python {platform.python_version()}, "
              f"{datetime.date.today()}, on a {cpu} (AVX-512 and FMA);\nproduced by "
              f"``/work/msvenv/bin/python tests/support/record_teaching.py``. Never edit by hand.\n\"\"\"\n# flake8: noqa\n")
    with open(os.path.join(ROOT, "tests", "cases", "teaching_recorded.py"), "w") as f:
        f.write(header + "RECORDED = " + repr(data) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--digits"]:
        warnings.simplefilter("ignore")
        print(json.dumps(document_digits()))
    else:
        main()
