"""Hypothesis strategies for shapes, shared by the first- and second-derivative tests: ``max_side``
keeps the second-order ones small (each example there runs nested transforms and mixed differences)."""
from __future__ import annotations

from hypothesis import strategies as st


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcast_pair(draw, max_side: int = 4):
    """Two shapes that broadcast: the second is a suffix of the first with some sizes set to 1 (or the reverse)."""
    a = draw(shapes(max_side=max_side))
    k = draw(st.integers(0, len(a)))
    b = tuple(1 if draw(st.booleans()) else n for n in a[len(a) - k:])
    return (a, b) if draw(st.booleans()) else (b, a)


@st.composite
def shape_and_axis(draw, max_side: int = 4):
    """A shape and a set of distinct axes of it to reduce over (() for all)."""
    shape = draw(shapes(min_dims=0, max_side=max_side))
    axes = draw(st.lists(st.integers(0, max(len(shape) - 1, 0)), unique=True, max_size=len(shape)))
    return shape, tuple(axes)
