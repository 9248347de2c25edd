"""The reverse sweep: walk the tape's nodes from last to first, turning each output's gradient into
gradients of its inputs with the primitive's vjp, summing them back to each input's shape
(unbroadcast) and adding them up where a tensor is used more than once.

``backward`` is the textbook loop; beside it, its named parts: ``needs`` (pruning: the inputs whose
gradient some wanted gradient depends on), ``fit`` (unbroadcast and dtype) and ``Steps`` (what the
Trace shows as the gradient flow). Releasing values for large networks is memory.py's business.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence


def backward(xp: Any, nodes: Sequence, values: list, seeds: dict, requires: list | None = None,
             steps: Steps | None = None) -> list:
    """Reverse-mode sweep over ``nodes``; ``seeds`` maps output slots to their sensitivity; returns
    the gradient of each slot (None where nothing flowed). ``requires``: see ``needs``."""
    grads: list = [None] * len(values)
    for slot, sens in seeds.items():
        grads[slot] = sens
    for k in range(len(nodes) - 1, -1, -1):  # recording order, reversed: every user of a value comes first
        node = nodes[k]
        dout = grads[node.output]
        wanted = needs(node, requires)
        if dout is None or wanted is None:  # nothing flowed here, or no wanted gradient depends on it
            continue
        inputs = [values[s] for s in node.inputs]
        sent = node.prim.vjp(xp, dout, values[node.output], *inputs, needs=wanted, **node.attrs)
        for slot, x, g, w in zip(node.inputs, inputs, sent, wanted):
            g = fit(xp, g, x) if g is not None and w else None  # unbroadcast, cast back
            if steps is not None:
                steps.add(k, dout, slot, g, grads[slot])
            if g is not None:  # a tensor used twice: its gradients add up
                grads[slot] = g if grads[slot] is None else xp.add(grads[slot], g)
        grads[node.output] = None  # read once, by this node: let it go (a large network's memory)
    return grads


def fit(xp: Any, g: Any, x: Any) -> Any:
    """The gradient ``g`` of input ``x`` in x's shape (unbroadcast) and, for a float input, its dtype
    (mixed precision: a float64 gradient of a float32 input is cast back)."""
    if g.shape != x.shape:
        g = unbroadcast(xp, g, x.shape)
    if g.dtype != x.dtype and x.dtype.kind == "f":
        g = xp.cast(g, x.dtype)
    return g


def unbroadcast(xp: Any, grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the axes broadcasting added or stretched, so it takes ``shape`` again.

    Broadcasting copies an input along new leading axes and along axes of length 1; each copy
    received its own gradient, and the input's gradient is their sum.
    """
    extra = len(grad.shape) - len(shape)
    axes = tuple(range(extra)) + tuple([extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1])
    if axes:
        grad = xp.sum(grad, axes, True)
    return xp.reshape(grad, shape) if grad.shape != shape else grad


_ALL = [tuple([True] * n) for n in range(9)]


def needs(node: Any, requires: list | None) -> tuple | None:
    """Pruning: which of the node's inputs need a gradient, or None when none does (the node is
    skipped). ``requires`` (requires_grad) says which slots lie on a path from a wanted leaf; None
    when every leaf is wanted."""
    n = len(node.inputs)
    if requires is None:
        return _ALL[n] if n < len(_ALL) else (True,) * n
    if not requires[node.output]:
        return None
    return tuple([requires[s] for s in node.inputs])


def requires_of(graph: Any, picks: list) -> list | None:
    """``requires_grad`` for the leaves whose gradients a call returns (``picks``: their slots, None
    for a tensor not in the graph); None when every leaf is wanted: nothing to prune."""
    wanted = set(picks)
    wanted.discard(None)
    return None if len(wanted) == len(graph.leaves) else requires_grad(graph.nodes, graph.size, wanted)


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


class Step:
    """One vjp of the backward pass: node ``node`` received ``dout`` and sent ``grads`` to its inputs;
    ``accumulated[i]`` is True where input i already held a gradient that this one was added to."""

    __slots__ = ("node", "dout", "grads", "accumulated")

    def __init__(self, node: int, dout: Any, grads: list, accumulated: list) -> None:
        self.node, self.dout, self.grads, self.accumulated = node, dout, grads, accumulated


class Steps(list):
    """The Steps of one sweep, for the Trace: passed to ``backward``, which tells it each gradient a
    vjp sent before it is added up. ``final`` keeps each node output's gradient, which the
    sweep itself lets go once read."""

    def __init__(self, nodes: Sequence) -> None:
        super().__init__()
        self.nodes = nodes
        self.final: dict = {}  # node output slot -> its gradient (the dout its node received)

    def add(self, k: int, dout: Any, slot: int, g: Any, held: Any) -> None:
        """Input ``slot`` of node ``k`` was sent ``g`` (None: nothing); ``held``: what it held before."""
        if not self or self[-1].node != k:
            self.final[self.nodes[k].output] = dout
            self.append(Step(k, dout, [], []))
        self[-1].grads.append(g)
        self[-1].accumulated.append(g is not None and held is not None)

    def every_gradient(self, grads: list) -> list:
        """The sweep's gradients with each node output's filled in again."""
        grads = list(grads)
        for slot, g in self.final.items():
            grads[slot] = g
        return grads
