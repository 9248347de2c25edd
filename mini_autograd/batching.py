"""``vmap`` by its definition: the function applied to each slice of its inputs along the mapped axis,
the results stacked along a new axis. MindSpore compiles that loop away (one batched computation);
here it runs as a loop of ordinary calls, so anything that differentiates ``fn`` differentiates it.
"""
from __future__ import annotations

from typing import Any, Callable

from .ops.array_ops import GET_ITEM, STACK, TRANSPOSE
from .tensors import Tensor


def _axes(in_axes: Any, n: int) -> tuple:
    axes = tuple(in_axes) if isinstance(in_axes, (tuple, list)) else (in_axes,) * n
    if len(axes) != n or not all(a is None or (isinstance(a, int) and not isinstance(a, bool)) for a in axes):
        raise ValueError(f"For 'vmap', 'in_axes' should be an int, None, or a tuple of them with one entry per "
                         f"input ({n}), but got {in_axes!r}.")
    return axes


def _to_front(t: Tensor, axis: int) -> Tensor:
    axis %= t.ndim
    return t if axis == 0 else TRANSPOSE(t, (axis,) + tuple(i for i in range(t.ndim) if i != axis))


def _from_front(t: Tensor, axis: int) -> Tensor:
    axis %= t.ndim
    return t if axis == 0 else TRANSPOSE(t, tuple(range(1, axis + 1)) + (0,) + tuple(range(axis + 1, t.ndim)))


def vmap(fn: Callable, in_axes: Any = 0, out_axes: int = 0) -> Callable:
    """``vmap(fn, in_axes, out_axes)(*args)``: fn on slice i of every mapped argument (axis ``in_axes``,
    None: passed whole), for each i, the outputs (a Tensor or a tuple of them) stacked at ``out_axes``."""
    if isinstance(out_axes, bool) or not isinstance(out_axes, int):
        raise ValueError(f"For 'vmap', 'out_axes' should be an int, but got {out_axes!r}.")

    def mapped(*args: Any) -> Any:
        axes = _axes(in_axes, len(args))
        moved = [a if ax is None else _to_front(a, ax) for a, ax in zip(args, axes)]
        sizes = {t.shape[0] for t, ax in zip(moved, axes) if ax is not None}
        if len(sizes) != 1:
            raise ValueError(f"For 'vmap', the mapped axes should have one length, but got {sorted(sizes)}.")
        results = [fn(*[a if ax is None else GET_ITEM(a, i) for a, ax in zip(moved, axes)])
                   for i in range(sizes.pop())]
        if isinstance(results[0], tuple):
            return tuple(_from_front(STACK([r[k] for r in results]), out_axes) for k in range(len(results[0])))
        return _from_front(STACK(results), out_axes)
    return mapped
