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
        sent = [fit(xp, g, x) if g is not None and w else None for g, x, w in zip(sent, inputs, wanted)]
        if steps is not None:
            steps.add(k, dout, sent, grads)
        for slot, g in zip(node.inputs, sent):
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
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
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
    """The Steps of one sweep, for the Trace: passed to ``backward``, which tells it each vjp's
    gradients before they are added up. ``final`` keeps each node output's gradient, which the
    sweep itself lets go once read."""

    def __init__(self, nodes: Sequence) -> None:
        super().__init__()
        self.nodes = nodes
        self.final: dict = {}  # node output slot -> its gradient (the dout its node received)

    def add(self, k: int, dout: Any, sent: list, grads: list) -> None:
        held, accumulated = set(), []
        for slot, g in zip(self.nodes[k].inputs, sent):
            accumulated.append(g is not None and (grads[slot] is not None or slot in held))
            if g is not None:
                held.add(slot)
        self.final[self.nodes[k].output] = dout
        self.append(Step(k, dout, sent, accumulated))

    def every_gradient(self, grads: list) -> list:
        """The sweep's gradients with each node output's filled in again."""
        grads = list(grads)
        for slot, g in self.final.items():
            grads[slot] = g
        return grads
