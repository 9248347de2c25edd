"""Parity of the GPU backend's array functions with the CPU (NumPy) backend, driven by one table.

BACKEND_CASES lists every function of the backend contract (numpy_backend.py) with the arguments
to call it with; each case runs on both backends and the GPU result must equal the NumPy one
(same shape and dtype, float32 values within rtol 1e-5), computed by the kernels it names (counted
launches, no copy to the host). In the simulator where there is no GPU.
"""
from __future__ import annotations

import inspect
import math
import types
from collections import Counter

import numpy as np
import pytest

from mini_autograd.backends import numpy_backend

pytestmark = pytest.mark.gpu

CPU = numpy_backend
rng = np.random.default_rng(20240601)


class A:
    """A host array argument: passed as is to the CPU backend, through ``asarray`` to the GPU one."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"A{list(self.value.shape)}:{self.value.dtype}"


def randn(*shape: int, dtype=np.float32) -> A:
    return A(rng.standard_normal(shape).astype(dtype))


def positive(*shape: int) -> A:
    return A(rng.uniform(0.5, 2.0, shape).astype(np.float32))


SHAPES = [(), (1,), (17,), (17, 33), (2, 3, 5), (0,), (0, 3)]
BROADCAST_PAIRS = [((17, 33), (17, 33)), ((17, 33), (33,)), ((17, 1), (1, 33)), ((), (17,)), ((), ()),
                   ((2, 1, 5), (3, 1)), ((0, 3), (3,)), ((33,), ())]
MATMUL_SIZES = [(1, 1, 1), (17, 33, 5), (33, 17, 40), (2, 3, 3), (0, 3, 2), (3, 0, 2)]


def _cases() -> list:
    """(function name, args): the one table every backend is checked with."""
    cases = []
    for shape in [(), (0, 3), (17,), (17, 33)]:
        for dtype in (np.float32, np.int64, np.bool_):
            cases.append(("asarray", (A(np.ones(shape, dtype)),)))
            cases.append(("to_numpy", (A((rng.standard_normal(shape) * 3).astype(dtype)),)))
    for shape, value, dtype in [((), 2.5, np.float32), ((17, 33), -1, np.float32), ((0, 4), 1, np.float32),
                                ((3,), 7, np.int64), ((2,), True, np.bool_)]:
        cases.append(("full", (shape, value, np.dtype(dtype))))
        cases.append(("zeros", (shape, np.dtype(dtype))))
    for src, dst in [(np.float32, np.float64), (np.float32, np.int32), (np.float32, np.bool_),
                     (np.int64, np.float32), (np.float64, np.float32)]:
        for shape in [(), (17, 33)]:
            cases.append(("cast", (A((rng.standard_normal(shape) * 4).astype(src)), np.dtype(dst))))
    for name in ("add", "sub", "mul", "div"):
        for sx, sy in BROADCAST_PAIRS:
            cases.append((name, (randn(*sx), positive(*sy) if name == "div" else randn(*sy))))
    cases.append(("add", (A(np.arange(6, dtype=np.int64)), A(np.arange(6, dtype=np.int32)))))
    for name in ("greater", "greater_equal"):
        for sx, sy in BROADCAST_PAIRS[:4]:
            cases.append((name, (randn(*sx), randn(*sy))))
        cases.append((name, (A(np.array([1.0, 2.0, 3.0], np.float32)), A(np.array([2.0, 2.0, 2.0], np.float32)))))
    cases.append(("div", (A(np.arange(1, 7, dtype=np.int64)), A(np.array(4, np.int64)))))
    for sx, sy in BROADCAST_PAIRS[:5]:
        cases.append(("power", (positive(*sx), A(rng.uniform(-2, 3, sy).astype(np.float32)))))
    for name in ("neg", "exp", "log", "tanh", "square", "sigmoid", "relu", "sin", "cos", "softplus"):
        for shape in SHAPES:
            cases.append((name, (positive(*shape) if name == "log" else randn(*shape),)))
    for shape in SHAPES:
        cases.append(("relu_grad", (randn(*shape), randn(*shape))))
    for m, k, n in MATMUL_SIZES:
        for ta in (False, True):
            for tb in (False, True):
                a = randn(*((k, m) if ta else (m, k)))
                b = randn(*((n, k) if tb else (k, n)))
                cases.append(("matmul", (a, b, ta, tb)))
    for shape, axis in [((), ()), ((17,), (0,)), ((17, 33), (0,)), ((17, 33), (1,)), ((17, 33), (0, 1)),
                        ((2, 3, 5), (0, 2)), ((2, 3, 5), (1,)), ((0, 3), (0,)), ((0, 3), (1,)), ((1, 1), (0, 1))]:
        for keepdims in (False, True):
            cases.append(("sum", (randn(*shape), axis, keepdims)))
    for src, dst in [((), (17,)), ((33,), (17, 33)), ((17, 1), (17, 33)), ((1,), (2, 3, 1)), ((3,), (3,))]:
        cases.append(("broadcast_to", (randn(*src), dst)))
    for src, dst in [((17, 33), (33, 17)), ((), (1,)), ((1,), ()), ((2, 3, 5), (-1, 5)), ((0, 3), (3, 0)),
                     ((17,), (17, 1))]:
        cases.append(("reshape", (randn(*src), dst)))
    for shape, perm in [((17, 33), (1, 0)), ((2, 3, 5), (2, 0, 1)), ((17,), (0,)), ((), ()), ((0, 3), (1, 0))]:
        cases.append(("transpose", (randn(*shape), perm)))
    for shape in [(17, 33), (1, 5), (4, 1), (3,)]:
        cases.append(("log_softmax", (randn(*shape) if shape != (4, 1) else A(np.full(shape, 50, np.float32)),)))
    cases.append(("one_hot", (A(np.array([0, 3, 2, 1, 3, 0], np.int64)), 4, np.dtype(np.float32))))
    cases.append(("one_hot", (A(np.array([1, 0], np.int32)), 3, np.dtype(np.int64))))
    cases.append(("one_hot", (A(np.zeros(0, np.int64)), 3, np.dtype(np.float32))))
    for shape, n in [((), 3), ((17, 33), 2), ((4,), 1), ((0, 3), 2)]:
        cases.append(("stack", tuple(randn(*shape) for _ in range(n))))
    for shape, index in [((3,), 1), ((4, 17, 33), 3), ((2, 5), 0), ((2, 0), 1)]:
        cases.append(("take", (randn(*shape), index)))
    return cases


BACKEND_CASES = _cases()


def contract_names() -> set:
    """The backend contract: every public function (and ufunc) numpy_backend.py defines."""
    return {k for k, v in vars(CPU).items()
            if not k.startswith("_") and callable(v) and not isinstance(v, (type, types.ModuleType))
            and getattr(v, "__module__", CPU.__name__) in (CPU.__name__, "numpy", None)
            and k not in ("annotations",)}


def run(backend, name: str, args: tuple, counts=None) -> np.ndarray:
    """Call backend function ``name``; ``counts`` (if given) is reset just before the call and so
    holds what the call alone did, without the copies in and out around it."""
    dev_args = [backend.asarray(a.value) if isinstance(a, A) else a for a in args]
    if counts is not None:
        counts.reset()
    if name == "asarray":
        result = backend.asarray(args[0].value)
    else:
        result = getattr(backend, name)(*dev_args)
    if name == "to_numpy":
        return result
    done = (Counter(counts.launches), counts.to_device, counts.to_host) if counts is not None else None
    host = backend.to_numpy(result)
    if counts is not None:
        counts.launches, counts.to_device, counts.to_host = done
    return host


UNARY = {"neg", "exp", "log", "tanh", "square", "sigmoid", "relu", "sin", "cos", "softplus"}
BINARY = {"add", "sub", "mul", "div", "power", "greater", "greater_equal", "relu_grad"}


def size(shape: tuple) -> int:
    return math.prod(shape)


def expected_work(name: str, args: tuple) -> tuple[dict, int, int]:
    """What the GPU backend's ``name`` must do for ``args``: (kernel launches, copies to the device,
    copies to the host). Written from the backend's design, one kernel per function (log_softmax:
    max, subtract, exp, sum, log, subtract); nothing launched for an empty output."""
    shapes = [a.value.shape for a in args if isinstance(a, A)]
    if name == "asarray":
        return {}, 1, 0
    if name == "to_numpy":
        return {}, 0, 1 if size(shapes[0]) else 0
    if name in ("full", "zeros"):
        return ({"fill": 1} if size(args[0]) else {}), 0, 0
    if name in UNARY or name in ("cast", "transpose"):
        fn = {"cast": "identity", "transpose": "identity"}.get(name, name)
        if name == "cast" and args[0].value.dtype.kind == "f" and np.dtype(args[1]).kind in "iu":
            fn = f"to_{np.dtype(args[1]).name}"  # float -> integer: x86's conversion (cuda/edges.py)
        return ({f"map:{fn}": 1} if size(shapes[0]) else {}), 0, 0
    if name in BINARY:
        fn = "int_power" if name == "power" and args[0].value.dtype.kind in "iu" else name
        return ({f"zip:{fn}": 1} if size(np.broadcast_shapes(*shapes)) else {}), 0, 0
    if name == "matmul":
        (a, b), (ta, tb) = shapes, args[2:]
        m, k, n = a[1] if ta else a[0], a[0] if ta else a[1], b[0] if tb else b[1]
        return ({} if m * n == 0 else {"fill": 1} if k == 0 else {"matmul": 1}), 0, 0
    if name == "sum":
        shape, axis = shapes[0], args[1]
        out = [n for d, n in enumerate(shape) if d not in axis]
        reduced = [shape[d] for d in axis]
        return ({} if size(out) == 0 else {"fill": 1} if size(reduced) == 0 else {"reduce:add": 1}), 0, 0
    if name == "broadcast_to":
        return ({} if shapes[0] == tuple(args[1]) else {"map:identity": 1}), 0, 0
    if name == "reshape":
        return {}, 0, 0
    if name == "log_softmax":
        return {"reduce:maximum": 1, "zip:sub": 2, "map:exp": 1, "reduce:add": 1, "map:log": 1}, 0, 0
    if name == "one_hot":
        return ({"one_hot": 1} if shapes[0][0] else {}), 0, 0
    if name == "stack":  # one copy into each row
        return ({"map:identity": len(shapes)} if size(shapes[0]) else {}), 0, 0
    if name == "take":
        return ({"map:identity": 1} if size(shapes[0]) else {}), 0, 0
    raise AssertionError(f"no expected work for {name}")


def test_table_covers_the_contract():
    assert {name for name, _ in BACKEND_CASES} == contract_names()


def test_gpu_backend_has_the_contract_with_the_same_signatures(gpu):
    assert gpu.name == "GPU"
    for name in contract_names():
        fn, ref = getattr(gpu, name), getattr(CPU, name)
        assert callable(fn), name
        if isinstance(ref, np.ufunc):  # np.add ...: compare the number of inputs
            want = [None] * ref.nin
        else:
            want = list(inspect.signature(ref).parameters)
        got = list(inspect.signature(fn).parameters)
        assert len(got) == len(want) and (want[0] is None or got == want), (name, got, want)


@pytest.mark.parametrize("name,args", BACKEND_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BACKEND_CASES)])
def test_backend_parity(gpu, gpu_counts, name, args):
    expected = run(CPU, name, args)
    got = run(gpu, name, args, gpu_counts)
    launches, to_device, to_host = expected_work(name, args)
    assert (dict(gpu_counts.launches), gpu_counts.to_device, gpu_counts.to_host) == (launches, to_device, to_host)
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, expected)


def test_results_stay_on_the_device(gpu):
    x = gpu.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    for y in (gpu.add(x, x), gpu.matmul(x, x, False, True), gpu.sum(x, (1,), False), gpu.transpose(x, (1, 0)),
              gpu.reshape(x, (3, 2)), gpu.log_softmax(x), gpu.full((), 1, np.float32)):
        assert isinstance(y, gpu.ndarray) and not isinstance(y, np.ndarray)


def test_inputs_are_not_changed(gpu):
    host = rng.standard_normal((17, 33)).astype(np.float32)
    x = gpu.asarray(host)
    for out in (gpu.neg(x), gpu.reshape(x, (33, 17)), gpu.sum(x, (0,), True), gpu.matmul(x, x, True, False)):
        del out
    np.testing.assert_array_equal(gpu.to_numpy(x), host)


def test_a_host_array_into_a_kernel_is_refused(gpu):
    with pytest.raises(RuntimeError, match="CPU tensor reached a GPU computation"):
        gpu.add(np.ones(3, np.float32), gpu.asarray(np.ones(3, np.float32)))
    with pytest.raises(RuntimeError, match="device array was expected"):
        gpu.matmul(np.ones((2, 2), np.float32), gpu.asarray(np.ones((2, 2), np.float32)))


def test_kernels_with_the_real_gpu_launch_sizes(gpu):
    """The simulator runs with small blocks; here the kernels run once with the sizes a real GPU uses
    (64 x 64 matmul tiles of 16 x 16 threads, 128-thread reductions) on shapes that are not multiples."""
    from numba import cuda

    from mini_autograd.backends.cuda import kernels as K
    a = rng.standard_normal((66, 9)).astype(np.float32)
    b = rng.standard_normal((9, 70)).astype(np.float32)
    out = cuda.device_array((66, 70), np.float32)
    K.matmul_kernel(np.float32, 64, 8, 4)[(2, 2), (16, 16)](cuda.to_device(a), cuda.to_device(b), out, False, False)
    np.testing.assert_allclose(out.copy_to_host(), a @ b, rtol=1e-5, atol=1e-5)

    x = rng.standard_normal(300).astype(np.float32)
    total = cuda.device_array(1, np.float32)
    K.reduce_kernel(K.add, np.float32, 128)[1, 128](total, (1,), (0,), cuda.to_device(x), (300,), (1,), 300,
                                                     np.float32(0))
    np.testing.assert_allclose(total.copy_to_host()[0], x.sum(dtype=np.float64), rtol=1e-5)
