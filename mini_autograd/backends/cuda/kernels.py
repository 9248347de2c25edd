"""The teaching kernels of the GPU backend, written with Numba-CUDA: elementwise map and zip with
broadcasting, a fill, one-hot rows, reductions over axes and a tiled matrix product.

Every array a kernel sees is flat (1-D, C order) except in matmul; shapes and strides are passed
as tuples and turned into positions by index arithmetic (``offset_of``). backend.py chooses grid
sizes, allocates the outputs and calls these; primitives never see a kernel.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable

from . import choose

choose()  # the simulator/GPU choice must come before numba.cuda's first import
from numba import cuda  # noqa: E402

from . import runs_on  # noqa: E402

SIMULATOR = runs_on() == "simulator"

# -- launch sizes -----------------------------------------------------------------------------------
# The simulator runs every GPU thread as a Python thread and every barrier as a thread rendezvous,
# so there the same kernels run with few threads per block; results do not depend on these sizes.
THREADS = 32 if SIMULATOR else 256          # threads per block of the elementwise kernels
MAX_BLOCKS = 2 if SIMULATOR else 4096       # grid-stride loops cover the rest of the elements
REDUCE_THREADS = 4 if SIMULATOR else 128    # threads per block of a reduction; a power of two
GPU_TILE = 64                               # TILE on a GPU (notebook 04's exercise reads it)
TILE = 16 if SIMULATOR else GPU_TILE        # matmul: a block computes a TILE x TILE block of C ...
TILE_K = 8                                 # ... walking the shared dimension TILE_K at a time ...
THREAD_TILE = 4                            # ... each thread THREAD_TILE x THREAD_TILE of it


# -- index arithmetic -------------------------------------------------------------------------------

@cuda.jit(device=True)
def offset_of(i, shape, strides):
    """Where element ``i`` (flat, C order) of an array of ``shape`` lives in an input that is read
    with ``strides`` (in elements, one per axis of ``shape``).

    Peel the coordinates off ``i`` from the last axis to the first (``i % n`` is the coordinate,
    ``i // n`` what is left) and add each coordinate times its stride. Broadcasting is a stride of 0:
    every coordinate along that axis reads the same element. Transposing is a permuted stride.
    """
    offset = 0
    for d in range(len(shape) - 1, -1, -1):
        n = shape[d]
        offset += (i % n) * strides[d]
        i //= n
    return offset


# -- the scalar functions the elementwise kernels apply -----------------------------------------------
# Device functions: compiled into the kernel that calls them, like an inline function in CUDA C.

@cuda.jit(device=True)
def identity(x):
    return x


@cuda.jit(device=True)
def neg(x):
    return -x


# exp, log and pow, and the casts from floats to integers, have edges where the simulator's Python
# ``math`` raises: they are written out in edges.py, and used here as the other device functions.
from .edges import LOG_MAX, exp, float_to_int, log, power  # noqa: E402,F401


@cuda.jit(device=True)
def tanh(x):
    return math.tanh(x)


@cuda.jit(device=True)
def sin(x):
    return math.nan if math.isinf(x) else math.sin(x)  # math.sin raises at inf; IEEE sin(inf) is NaN


@cuda.jit(device=True)
def cos(x):
    return math.nan if math.isinf(x) else math.cos(x)


@cuda.jit(device=True)
def softplus(x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): e^-|x| <= 1 never overflows, log1p keeps its small values
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@cuda.jit(device=True)
def square(x):
    return x * x


@cuda.jit(device=True)
def sigmoid(x):
    # 1 / (1 + e^-x) written with tanh, as numpy_backend: no overflow for large negative x
    return 0.5 * math.tanh(0.5 * x) + 0.5


@cuda.jit(device=True)
def relu(x):
    # NaN is not > 0, yet relu(NaN) is NaN as NumPy's maximum(x, 0) gives: a NaN is never hidden
    return x if x > 0 or x != x else 0


@cuda.jit(device=True)
def add(x, y):
    return x + y


@cuda.jit(device=True)
def sub(x, y):
    return x - y


@cuda.jit(device=True)
def mul(x, y):
    return x * y


@cuda.jit(device=True)
def div(x, y):
    # no guard needed: the simulator reads array elements as NumPy scalars, whose x / 0 is IEEE inf/NaN
    return x / y


@cuda.jit(device=True)
def int_power(x, n):
    """Integer x ** n, exact (wrapping on overflow as NumPy's): square-and-multiply, never through
    floating pow, which rounds past 2**53. Pow sends negative powers of integers to float32, so n >= 0."""
    result = x - x + 1  # 1, of x's type
    while n > 0:
        if n % 2 == 1:
            result *= x
        x *= x
        n //= 2
    return result


@cuda.jit(device=True)
def relu_grad(dout, out):
    # d(max(x, 0))/dx is 1 where x > 0, else 0: the gradient passes or stops. ReLU's vjp passes its
    # output: out > 0 exactly where x > 0
    return dout if out > 0 else 0


@cuda.jit(device=True)
def greater(x, y):
    return x > y


@cuda.jit(device=True)
def greater_equal(x, y):
    return x >= y


@cuda.jit(device=True)
def maximum(x, y):
    return x if x > y else y


# -- elementwise: map (one input) and zip (two inputs) ----------------------------------------------------
# Plan: one thread per output element, in a grid-stride loop (thread t of the grid handles elements
# t, t + gridsize, t + 2 gridsize, ...), so any grid size covers any array. Each thread finds its
# inputs' elements with offset_of and writes its one output element. Nothing is shared between
# threads, so there are no barriers.

@lru_cache(maxsize=None)
def map_kernel(fn: Callable) -> Any:
    """``out[i] = fn(a[offset of i in a])``: elementwise functions, casts, broadcast_to and transpose
    (the last three with ``fn = identity`` and the strides doing the work)."""
    @cuda.jit
    def map_(out, shape, a, a_strides):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = fn(a[offset_of(i, shape, a_strides)])
    return map_


@lru_cache(maxsize=None)
def zip_kernel(fn: Callable) -> Any:
    """``out[i] = fn(a[...], b[...])`` with NumPy broadcasting: each input has its own strides."""
    @cuda.jit
    def zip_(out, shape, a, a_strides, b, b_strides):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = fn(a[offset_of(i, shape, a_strides)], b[offset_of(i, shape, b_strides)])
    return zip_


# Plan: one thread per element in a grid-stride loop writes ``value``; nothing shared, no barriers.
@cuda.jit
def fill(out, value):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = value


# Plan: one thread per element of the (rows, depth) output, in a grid-stride loop: element
# (row, col) is 1 where the row's index equals col. A negative index counts from the end, as in
# NumPy; an index out of range leaves its row at zeros. Nothing shared, no barriers.
@cuda.jit
def one_hot(out, indices, depth):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        row = i // depth
        col = i % depth
        k = indices[row]
        if k < 0:
            k += depth
        out[i] = 1 if k == col else 0


# -- reductions over axes ---------------------------------------------------------------------------------
# Plan: one block per output element (a grid-stride loop over blocks when there are more outputs
# than blocks). The output element o fixes the kept coordinates (offset_of over the kept axes gives
# its ``base``); the reduced elements are numbered r = 0 .. n_reduced-1 over the reduced axes.
#   1) each thread t combines r = t, t + REDUCE_THREADS, ... into a private ``acc`` (no sharing);
#   2) the block's accs go into a shared array; barrier: all of them must be written before any is read;
#   3) tree: in each round the first half of the threads combine their entry with the one ``half``
#      above it, halving until one value is left in partial[0]; a barrier ends every round, because
#      the next round reads what this one wrote;
#   4) thread 0 writes partial[0]. It wrote partial[0] itself in the last round, and nobody reads
#      partial[1:] after the last barrier, so the next output's step 2 may overwrite them safely.
# Every thread of a block runs the same number of loop iterations, so all reach every barrier.

@lru_cache(maxsize=None)
def reduce_kernel(combine: Callable, dtype: Any, threads: int = REDUCE_THREADS) -> Any:
    """Combine (``add`` for sum, ``maximum`` for max) over the reduced axes; ``dtype`` is the
    output's, ``threads`` the block size (a power of two)."""
    @cuda.jit
    def reduce_(out, kept_shape, kept_strides, x, reduced_shape, reduced_strides, n_reduced, start):
        partial = cuda.shared.array(threads, dtype)
        t = cuda.threadIdx.x
        for o in range(cuda.blockIdx.x, out.size, cuda.gridDim.x):
            base = offset_of(o, kept_shape, kept_strides)
            acc = start
            for r in range(t, n_reduced, threads):
                acc = combine(acc, x[base + offset_of(r, reduced_shape, reduced_strides)])
            partial[t] = acc
            cuda.syncthreads()
            half = threads // 2
            while half > 0:
                if t < half:
                    partial[t] = combine(partial[t], partial[t + half])
                cuda.syncthreads()
                half //= 2
            if t == 0:
                out[o] = partial[0]
    return reduce_


# -- matrix product ---------------------------------------------------------------------------------------
# C = op(a) @ op(b), op transposing a 2-D operand when its flag is set: A = op(a) is (m, k), B is (k, n).
# Plan: a block of (TILE / THREAD_TILE)^2 threads computes one TILE x TILE block of C, from row0, col0.
#   1) walk the shared dimension TILE_K at a time; for each step:
#      a) the block's threads copy together a TILE x TILE_K tile of A and a TILE_K x TILE tile of B
#         into shared memory (zeros where the tile hangs over the matrix's edge: sizes need not be
#         multiples of the tile), neighbouring threads reading neighbouring addresses where the
#         layout allows it;
#      b) barrier: the tiles must be complete before anyone reads them;
#      c) each thread multiplies its rows of the A tile by its columns of the B tile into a
#         THREAD_TILE x THREAD_TILE patch of accumulators kept in registers ("register blocking":
#         every value read from shared memory is used THREAD_TILE times);
#      d) barrier: everyone must have finished reading before the next step's copy overwrites.
#   2) each thread writes its patch to C, skipping what falls outside C.
# A thread's patch is strided: rows ty, ty + T, ... and columns tx, tx + T, ... (T threads per side),
# so that neighbouring threads read neighbouring shared-memory words and write neighbouring columns.

@lru_cache(maxsize=None)
def matmul_kernel(dtype: Any, tile: int = TILE, tile_k: int = TILE_K, thread_tile: int = THREAD_TILE) -> Any:
    """The tiled matmul for output ``dtype``; launch it with blocks of (T, T) threads,
    T = tile // thread_tile, and a grid of (ceil(n / tile), ceil(m / tile)) blocks."""
    side = tile // thread_tile          # threads per side of the block
    n_threads = side * side

    @cuda.jit
    def matmul(a, b, out, transpose_a, transpose_b):
        m, n = out.shape
        k_total = a.shape[0] if transpose_a else a.shape[1]
        a_tile = cuda.shared.array((tile_k, tile), dtype)   # a_tile[kk, i] = A[row0 + i, k0 + kk]
        b_tile = cuda.shared.array((tile_k, tile), dtype)   # b_tile[kk, j] = B[k0 + kk, col0 + j]
        acc = cuda.local.array((thread_tile, thread_tile), dtype)
        a_reg = cuda.local.array(thread_tile, dtype)
        b_reg = cuda.local.array(thread_tile, dtype)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        tid = ty * side + tx
        row0 = cuda.blockIdx.y * tile
        col0 = cuda.blockIdx.x * tile
        for i in range(thread_tile):
            for j in range(thread_tile):
                acc[i, j] = 0
        for k0 in range(0, k_total, tile_k):
            # a) copy the tiles; e numbers a tile's elements, n_threads of them per round
            for e in range(tid, tile * tile_k, n_threads):
                # A: neighbouring threads take neighbouring k (a row of a, or a column of a.T)
                i = e // tile_k
                kk = e % tile_k
                r = row0 + i
                k = k0 + kk
                if r < m and k < k_total:
                    a_tile[kk, i] = a[k, r] if transpose_a else a[r, k]
                else:
                    a_tile[kk, i] = 0
            for e in range(tid, tile * tile_k, n_threads):
                # B: neighbouring threads take neighbouring columns j (a row of b)
                kk = e // tile
                j = e % tile
                c = col0 + j
                k = k0 + kk
                if c < n and k < k_total:
                    b_tile[kk, j] = b[c, k] if transpose_b else b[k, c]
                else:
                    b_tile[kk, j] = 0
            cuda.syncthreads()  # b) the tiles are complete
            # c) outer products of a column of the A tile and a row of the B tile
            for kk in range(tile_k):
                for i in range(thread_tile):
                    a_reg[i] = a_tile[kk, ty + i * side]
                for j in range(thread_tile):
                    b_reg[j] = b_tile[kk, tx + j * side]
                for i in range(thread_tile):
                    for j in range(thread_tile):
                        acc[i, j] += a_reg[i] * b_reg[j]
            cuda.syncthreads()  # d) everyone is done with the tiles
        # 2) write the patch
        for i in range(thread_tile):
            r = row0 + ty + i * side
            for j in range(thread_tile):
                c = col0 + tx + j * side
                if r < m and c < n:
                    out[r, c] = acc[i, j]
    return matmul
