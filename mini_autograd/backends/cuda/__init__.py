"""The GPU backend: Numba-CUDA kernels behind the same array functions as numpy_backend.py.

kernels.py holds the teaching kernels, backend.py the backend's functions that size grids and call
them. This file only decides, before numba.cuda is first imported, whether a real GPU or Numba's
CUDA simulator runs them (a choice Numba reads once per process), and imports nothing heavy itself.
"""
from __future__ import annotations

import ctypes
import glob
import os
import sys
from types import ModuleType
from typing import Literal

_noticed = False


def _real_gpu_present() -> bool:
    """Is there a CUDA driver that sees at least one device? Asked of the driver library directly
    (cuInit, cuDeviceGetCount), so that numba.cuda is not imported before the choice is made."""
    if sys.platform.startswith("linux") and not glob.glob("/dev/nvidia[0-9]*") \
            and not os.path.exists("/dev/dxg"):  # /dev/dxg: a GPU passed through to WSL2
        return False
    names = ["nvcuda.dll"] if sys.platform == "win32" else ["libcuda.so.1", "libcuda.so", "libcuda.dylib"]
    for lib_name in names:
        try:
            lib = ctypes.CDLL(lib_name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        try:
            return lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
        except (AttributeError, OSError):
            return False
    return False


def choose() -> None:
    """Set NUMBA_ENABLE_CUDASIM for this process unless numba.cuda or the user already decided."""
    if "numba.cuda" in sys.modules or os.environ.get("NUMBA_ENABLE_CUDASIM", "") != "":
        return
    os.environ["NUMBA_ENABLE_CUDASIM"] = "0" if _real_gpu_present() else "1"


def runs_on() -> Literal["gpu", "simulator"]:
    """"gpu" when the kernels run on a real CUDA GPU, "simulator" when Numba's CUDA simulator runs
    them (``cuda.is_available()`` is True in both cases, so this reads Numba's config)."""
    choose()
    import numba.cuda  # noqa: F401  (reads NUMBA_ENABLE_CUDASIM, once per process)
    try:
        from numba.cuda.core import config
    except ImportError:  # older numba-cuda reads numba's own config
        from numba.core import config
    return "simulator" if config.ENABLE_CUDASIM else "gpu"


def load() -> ModuleType:
    """The backend module (backend.py); says once, in one line, when the simulator runs it."""
    global _noticed
    try:
        where = runs_on()
    except ImportError as e:
        raise RuntimeError("device_target='GPU' needs Numba-CUDA, which is not installed: "
                           "pip install 'mini_autograd[gpu]'  (" + str(e) + ")") from e
    if where == "gpu":
        from numba import cuda
        if not cuda.is_available():
            raise RuntimeError("device_target='GPU': numba.cuda was imported for a real GPU, but no usable CUDA "
                               "GPU was found. Without a GPU, let mini_autograd choose Numba's simulator by "
                               "setting device_target='GPU' before importing numba.cuda, or set the "
                               "environment variable NUMBA_ENABLE_CUDASIM=1.")
    from . import backend  # lazy: it imports numba.cuda, after the choice above
    if where == "simulator" and not _noticed:
        _noticed = True
        # A notice, not an error: in a Jupyter kernel it goes to stdout, since JupyterLab paints every
        # stderr output as a pink error box; a script or test still sees it on stderr.
        in_kernel = type(sys.stderr).__module__.startswith("ipykernel")
        print("mini_autograd: device_target='GPU' runs the kernels in Numba's CUDA simulator (no CUDA GPU "
              "found, or NUMBA_ENABLE_CUDASIM=1): slow, for learning and testing.",
              file=sys.stdout if in_kernel else sys.stderr)
    return backend
