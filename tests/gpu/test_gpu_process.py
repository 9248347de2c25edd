"""The GPU path as a learner meets it, each in a fresh process: the document's code with
device_target="GPU" prints the document's values without a GPU; without NUMBA_ENABLE_CUDASIM the
machine decides (its NVIDIA GPU if it has one, else the simulator, announced once); the CPU path
never imports numba.
"""
from __future__ import annotations

import glob
import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.document_code import DOCUMENT_OUTPUT, DOCUMENT_SCRIPT

pytestmark = pytest.mark.gpu
ROOT = Path(__file__).resolve().parents[2]
NOTICE = "runs the kernels in Numba's CUDA simulator"

NUMBER = re.compile(r"[-+]?\d+\.\d+e[-+]\d+")
SHAPES = re.compile(r"shape=\[[\d, ]*\]")


def python(code: str, drop_sim_env: bool = True, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with this checkout importable and, as a learner's
    machine has it, no NUMBA_ENABLE_CUDASIM set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if drop_sim_env:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)


def machine_runs_on() -> str:
    """Where the kernels must run on this machine, by what it has: "gpu" with an NVIDIA device node
    (/dev/nvidia0, ...) and numba-cuda installed, "simulator" otherwise (numba-cuda is needed for
    either: the tests of this file would fail without it)."""
    try:
        importlib.metadata.distribution("numba-cuda")
    except importlib.metadata.PackageNotFoundError:
        return "simulator"
    return "gpu" if glob.glob("/dev/nvidia[0-9]*") else "simulator"


def test_the_machine_decides_gpu_or_simulator():
    assert runs_on_here() == machine_runs_on()


@pytest.mark.parametrize("nodes,devices,where", [(["/dev/nvidia0"], 1, "gpu"), ([], 1, "simulator"),
                                                   (["/dev/nvidia0"], 0, "simulator")],
                         ids=["nvidia-gpu", "no-device-node", "driver-sees-none"])
def test_the_choice_follows_the_machine(nodes, devices, where):
    """The machines this suite cannot run on, faked where the choice looks (the device nodes, the
    driver's cuInit and cuDeviceGetCount), in a fresh process before numba.cuda is imported."""
    out = python(f'''
        import ctypes, glob
        nodes, devices = {nodes!r}, {devices!r}
        class Driver:  # what ctypes.CDLL("libcuda.so.1") gives on such a machine
            def cuInit(self, flags):
                return 0
            def cuDeviceGetCount(self, count):
                count._obj.value = devices
                return 0
        real_glob, real_cdll = glob.glob, ctypes.CDLL
        glob.glob = lambda pattern: [n for n in nodes if pattern.startswith("/dev/nvidia")]
        ctypes.CDLL = lambda name, *a, **k: Driver()
        from mini_autograd.backends.cuda import choose, runs_on
        choose()  # looks at the (faked) machine; numba.cuda, imported next, sees the real one
        glob.glob, ctypes.CDLL = real_glob, real_cdll
        print(runs_on())
    ''')
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == where


def runs_on_here() -> str:
    out = python("from mini_autograd.backends import gpu_runs_on; print(gpu_runs_on())")
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_document_prints_its_values_on_the_gpu_path():
    out = python(DOCUMENT_SCRIPT)
    assert out.returncode == 0, out.stderr
    got, want = [float(v) for v in NUMBER.findall(out.stdout)], [float(v) for v in NUMBER.findall(DOCUMENT_OUTPUT)]
    assert len(got) == len(want) == 31
    for g, w in zip(got, want):
        assert abs(g - w) <= 1e-6 * abs(w), (g, w)
    assert SHAPES.findall(out.stdout) == SHAPES.findall(DOCUMENT_OUTPUT)
    assert out.stdout.count("dtype=Float32") == DOCUMENT_OUTPUT.count("dtype=Float32") == 6


def test_the_simulator_is_chosen_without_the_user_and_announced_once():
    out = python('''
        import numpy as np
        import mini_autograd as ms
        from mini_autograd import Tensor, context
        from mini_autograd.backends import gpu_runs_on
        from mini_autograd.backends.cuda import runs_on
        context.set_context(device_target="GPU")
        x = Tensor(np.ones((3, 3), np.float32))
        print((x @ x).sum())
        context.set_context(device_target="CPU")
        context.set_context(device_target="GPU")
        print((x * 2).asnumpy().sum(), runs_on(), gpu_runs_on())
        import numba.cuda
    ''')
    assert out.returncode == 0, out.stderr
    where = out.stdout.split()[-1]
    assert where == machine_runs_on() and out.stdout.split()[-2] == where
    assert out.stdout.split()[0] == "27.0"
    notices = [line for line in out.stderr.splitlines() if NOTICE in line]
    assert len(notices) == (1 if where == "simulator" else 0), out.stderr


def test_the_cpu_path_never_imports_numba():
    out = python('''
        import sys
        import numpy as np
        import mini_autograd
        from mini_autograd import Tensor, context, nn
        context.set_context(device_target="CPU")
        net = nn.Dense(3, 2)
        fvg = nn.ForwardValueAndGrad(net, get_all=True)
        fvg(Tensor(np.ones((4, 3), np.float32)))
        print(repr(Tensor(np.ones(2, np.float32))))
        print([m for m in sys.modules if m == "numba" or m.startswith("numba.")])
    ''')
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"
    assert NOTICE not in out.stderr


def test_without_numba_cuda_the_error_says_what_to_install():
    out = python('''
        import sys
        class NoNumba:  # as if numba-cuda were not installed
            def find_spec(self, name, path=None, target=None):
                if name == "numba" or name.startswith("numba."):
                    raise ModuleNotFoundError(f"No module named {name!r}")
        sys.meta_path.insert(0, NoNumba())
        from mini_autograd import context
        try:
            context.set_context(device_target="GPU")
        except RuntimeError as e:
            print("RuntimeError:", e)
        print(context.get_context("device_target"))
    ''')
    assert out.returncode == 0, out.stderr
    assert "pip install 'mini_autograd[gpu]'" in out.stdout
    assert out.stdout.splitlines()[-1] == "CPU"  # a failed set_context leaves the context as it was


def test_the_simulator_is_chosen_in_a_notebook_kernel():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\nfrom mini_autograd import Tensor, context\n"
                                  "context.set_context(device_target='GPU')\n"
                                  "print((Tensor(np.ones(4, np.float32)) * 3).asnumpy().sum())"),
        nbformat.v4.new_code_cell("context.set_context(device_target='GPU')\n"
                                  "from mini_autograd.backends import gpu_runs_on\nprint(gpu_runs_on())"),
    ]
    env_before = os.environ.pop("NUMBA_ENABLE_CUDASIM", None)
    old_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + (old_path or "")
    try:
        client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3")
        client.execute()
    finally:
        if env_before is not None:
            os.environ["NUMBA_ENABLE_CUDASIM"] = env_before
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path
    texts = [(o.get("name"), o.get("text", "")) for cell in nb.cells for o in cell.outputs]
    stdout = "".join(t for n, t in texts if n == "stdout")
    stderr = "".join(t for n, t in texts if n == "stderr")
    assert "12.0" in stdout
    where = stdout.split()[-1]
    assert where == machine_runs_on()
    # once, and as a notice on stdout: JupyterLab would paint stderr as an error box
    assert stdout.count(NOTICE) == (1 if where == "simulator" else 0) and NOTICE not in stderr


def test_in_a_jupyter_kernel_the_notice_is_not_an_error():
    """JupyterLab paints stderr as a pink error box: in a kernel (its streams are ipykernel's) the
    simulator's notice goes to stdout; in a script it stays on stderr (the test of the announcement)."""
    out = python('''
        import sys
        class OutStream:  # stands for ipykernel.iostream.OutStream
            __module__ = "ipykernel.iostream"
            def __init__(self, real): self.real = real
            def write(self, text): return self.real.write(text)
            def flush(self): self.real.flush()
        sys.stderr = OutStream(sys.__stderr__)
        import numpy as np
        from mini_autograd import Tensor, context
        context.set_context(device_target="GPU")
        print((Tensor(np.ones((2, 2), np.float32)) * 2).asnumpy().sum())
    ''')
    assert out.returncode == 0, out.stderr
    assert NOTICE not in out.stderr
    assert (NOTICE in out.stdout) == (machine_runs_on() == "simulator"), out.stdout
