"""The reverse sweep: walk the tape's nodes from last to first, turning each output's gradient into
gradients of its inputs with the primitive's vjp, summing them back to each input's shape
(unbroadcast) and adding them up where a tensor is used more than once.

The gradient of a slot is None where nothing flowed; the steps, in order, are what the Trace shows
as the gradient flow. Releasing memory for large networks is memory.py's business, not the sweep's.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence


def backward(xp: Any, nodes: Sequence, values: list, seeds: dict, steps: list | None = None,
             requires: list | None = None) -> list:
    """Reverse-mode sweep over ``nodes``; ``seeds`` maps output slots to their sensitivity.

    Returns the gradients by slot. A plain call keeps only the leaves' (a node's output gradient is
    read once, by that node, then let go); with a ``steps`` list every slot keeps its gradient and
    one Step per vjp is appended (the Trace asks for them). ``requires`` (from requires_grad) skips
    the work no wanted gradient depends on; None computes every gradient.
    """
    grads: list = [None] * len(values)
    for slot, sens in seeds.items():
        grads[slot] = sens if grads[slot] is None else xp.add(grads[slot], sens)
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        dout = grads[node.output]
        if dout is None or (requires is not None and not requires[node.output]):
            continue  # nothing flowed here, or no wanted gradient depends on this node
        inputs = [values[s] for s in node.inputs]
        needs = None if requires is None else tuple([requires[s] for s in node.inputs])
        attrs = node.attrs if needs is None or not node.prim.partial_vjp else {**node.attrs, "needs": needs}
        sent = node.prim.vjp(xp, dout, values[node.output], *inputs, **attrs)  # one gradient per input
        if needs is not None and not node.prim.partial_vjp:  # (a partial vjp skipped them itself: MatMul)
            sent = [g if need else None for g, need in zip(sent, needs)]
        if steps is not None:
            steps.append(Step(k, dout, [], []))
        else:  # a node's output gradient is read once, here: let it go (a large network's memory)
            grads[node.output] = None
        exact = node.prim.grads_exact
        for slot, x, g in zip(node.inputs, inputs, sent):
            before = grads[slot]
            if g is not None:
                if not exact:  # (MatMul's gradients need neither check: Primitive.grads_exact)
                    if g.shape != x.shape:
                        g = unbroadcast(xp, g, x.shape)
                    if g.dtype != x.dtype and x.dtype.kind == "f":  # mixed precision: keep the input's dtype
                        g = xp.cast(g, x.dtype)
                grads[slot] = g if before is None else xp.add(before, g)  # a tensor used twice: add up
            if steps is not None:
                steps[-1].grads.append(g)
                steps[-1].accumulated.append(before is not None and g is not None)
    return grads


def unbroadcast(xp: Any, grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the axes broadcasting added or stretched, so it takes ``shape`` again.

    Broadcasting copies an input along new leading axes and along axes of length 1; each copy
    received its own gradient, and the input's gradient is their sum.
    """
    axes = _unbroadcast_axes.get((grad.shape, shape))
    if axes is None:
        extra = len(grad.shape) - len(shape)
        axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape)
                                           if n == 1 and grad.shape[extra + i] != 1)
        if len(_unbroadcast_axes) < 10000:
            _unbroadcast_axes[(grad.shape, shape)] = axes
    if axes:
        grad = xp.sum(grad, axes, True)
    return xp.reshape(grad, shape) if grad.shape != shape else grad


_unbroadcast_axes: dict = {}  # (gradient shape, input shape) -> axes to sum over


class Step:
    """One vjp of the backward pass: node ``node`` received ``dout`` and sent ``grads`` to its inputs;
    ``accumulated[i]`` is True where input i already held a gradient that this one was added to."""

    __slots__ = ("node", "dout", "grads", "accumulated")

    def __init__(self, node: int, dout: Any, grads: list, accumulated: list) -> None:
        self.node, self.dout, self.grads, self.accumulated = node, dout, grads, accumulated


def requires_grad(nodes: Sequence, size: int, wanted: Iterable[int]) -> list:
    """Which slots lie on a path from a wanted leaf: only their gradients need computing.

    A forward sweep: a node's output requires a gradient when any of its inputs does.
    """
    requires = [False] * size
    for s in wanted:
        requires[s] = True
    for node in nodes:
        for s in node.inputs:
            if requires[s]:
                requires[node.output] = True
                break
    return requires
