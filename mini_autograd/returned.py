"""MindSpore's returned structure for a transform's flags, written in one place: ``returned_layout``
makes it (with a label for each gradient, which the Trace shows) and ``fill`` puts the gradients in.
The runner (first order), nested.py (a recorded backward) and viz (through the Trace) all read it.
"""
from __future__ import annotations

from typing import Any


def returned_layout(positions: Any, n_weights: int | None, bare_weight: bool = False) -> tuple[Any, list[str]]:
    """MindSpore's returned structure for the flags, and the label of each gradient in it: the one
    place where flags become structure (the runner fills it, the Trace names its places with it).

    The gradients are numbered in the order they come when the structure is flattened depth-first:
    the inputs at ``positions`` first, then the weights. In the structure an int stands for one
    gradient, returned bare, and a slice for a tuple of them. ``positions`` is an int (that
    input's gradient, bare), a tuple (a tuple over those inputs) or None (no input gradient);
    ``n_weights`` is the number of weights (None: no weights); ``bare_weight`` (weights given as one
    Parameter) puts that weight's gradient in place of the tuple. Inputs and weights together are
    the pair ``(inputs, weights)``. ForwardValueAndGrad's flags map to this as: neither -> 0;
    get_all -> every Tensor input; get_by_list -> None with weights; both -> every input with
    weights. The document's get_all and get_by_list on (x, y) with one weight z:
    ``(slice(0, 2), slice(2, 3))`` labelled ``["inputs[0]", "inputs[1]", "weights[0]"]``.
    """
    def part(name: str, first: int, count: int, bare: bool) -> tuple[Any, list[str]]:
        if bare:
            return first, [name]
        return slice(first, first + count), [f"{name}[{j}]" for j in range(count)]

    bare_input = isinstance(positions, int)
    n_inputs = 1 if bare_input else len(positions or ())
    if n_weights is None:
        return part("grad" if bare_input else "grads", 0, n_inputs, bare_input)
    if positions is None:
        return part("grad" if bare_weight else "weights", 0, n_weights, bare_weight)
    (inputs, in_labels), (weights, w_labels) = (part("inputs", 0, n_inputs, bare_input),
                                                part("weights", n_inputs, n_weights, bare_weight))
    return (inputs, weights), in_labels + w_labels


def fill(structure: Any, grads: tuple) -> Any:
    """``structure`` (from returned_layout) with its places filled from ``grads``, a tuple: indexing
    a tuple with an int gives one gradient, with a slice a tuple of them."""
    if type(structure) is tuple:  # the pair (inputs, weights)
        return grads[structure[0]], grads[structure[1]]
    return grads[structure]
