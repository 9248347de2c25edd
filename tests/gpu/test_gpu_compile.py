"""The kernels compile for a real GPU: Numba's typing and lowering to LLVM IR, which need no GPU and
no driver, run on every kernel with the argument types backend.py passes. The simulator runs kernels
as Python and never types them, so this is what catches code a real GPU would reject.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.gpu
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = '''
import numpy as np
try:
    from numba import types
    from numba.cuda.compiler import compile_cuda
    import numba.cuda.dispatcher as dispatcher
    dispatcher.get_current_device  # where device functions ask for the compute capability
except (ImportError, AttributeError) as e:
    print("SKIP", e)
    raise SystemExit(0)


class Hopper:  # typing and lowering need a compute capability, not a device
    compute_capability = (9, 0)


dispatcher.get_current_device = lambda: Hopper()
from mini_autograd.backends.cuda import kernels as K

assert not K.SIMULATOR
f32, f64, i64 = types.float32[::1], types.float64[::1], types.int64
failed = []


def check(kernel, args, label):
    try:
        compile_cuda(kernel.py_func, types.void, args, cc=(9, 0))
    except Exception as e:  # report every kernel that does not compile, not only the first
        failed.append(f"{label}: {type(e).__name__}: {e}")


for ndim in (1, 3):
    shape = types.UniTuple(i64, ndim)
    for fn in (K.identity, K.neg, K.exp, K.log, K.tanh, K.square, K.sigmoid, K.relu, K.sin, K.cos, K.softplus):
        check(K.map_kernel(fn), (f32, shape, f32, shape), f"map {fn.py_func.__name__} {ndim}-d")
    for fn in (K.add, K.sub, K.mul, K.div, K.power, K.relu_grad, K.maximum):
        check(K.zip_kernel(fn), (f32, shape, f32, shape, f32, shape), f"zip {fn.py_func.__name__} {ndim}-d")
    for combine in (K.add, K.maximum):
        check(K.reduce_kernel(combine, np.float32), (f32, shape, shape, f32, shape, shape, i64, types.float32),
              f"reduce {combine.py_func.__name__} {ndim}-d")
shape = types.UniTuple(i64, 2)
check(K.map_kernel(K.identity), (f64, shape, f32, shape), "cast float32 -> float64")
check(K.map_kernel(K.identity), (types.boolean[::1], shape, f32, shape), "cast float32 -> bool")
check(K.zip_kernel(K.div), (f64, shape, types.int64[::1], shape, types.int64[::1], shape), "div int64")
check(K.zip_kernel(K.int_power), (types.int64[::1], shape, types.int64[::1], shape, types.int64[::1], shape),
      "int_power int64")
check(K.zip_kernel(K.power), (f64, shape, f64, shape, f64, shape), "power float64")
check(K.reduce_kernel(K.add, np.int64), (types.int64[::1], shape, shape, types.int32[::1], shape, shape, i64,
                                         types.int64), "sum int32 -> int64")
check(K.fill, (f32, types.float32), "fill")
check(K.one_hot, (f32, types.int64[::1], i64), "one_hot")
for dtype, t in ((np.float32, types.float32), (np.float64, types.float64)):
    m = t[:, ::1]
    check(K.matmul_kernel(dtype), (m, m, m, types.boolean, types.boolean), f"matmul {dtype.__name__}")
print("\\n".join(failed) if failed else "OK")
'''


def test_every_kernel_types_and_lowers_for_a_real_gpu():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT)], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    if out.stdout.startswith("SKIP"):
        pytest.skip(f"this numba-cuda compiles differently: {out.stdout.strip()}")
    assert out.stdout.strip() == "OK", out.stdout
