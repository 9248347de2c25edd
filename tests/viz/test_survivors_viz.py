"""What viz shows, where a plausible bug would change it without any other test noticing (issue 22):
the gradient each tensor holds at each step of the flow view (graph and edge table), an edge that
sent nothing is not "accumulated", the sensitivity explorer's Jacobian rows for a two-output network,
and the label of a weight that is also an input.

Expected values are derived by hand in the comments; none comes from the engine.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from tests.conftest import TwoOut
from tests.support.viz_html import matrices

import mini_autograd.nn as nn
import viz
from mini_autograd import Parameter, ParameterTuple, Tensor
from viz.sens_model import SensitivityModel

SVG = "{http://www.w3.org/2000/svg}"
TOL = dict(rtol=1e-6, atol=1e-6)


def f32(v):
    return Tensor(np.array(v, np.float32))


def node_text(svg: str, node: str) -> list[str]:
    """The text lines of graphviz node ``node`` ("t0": tensor 0) in an SVG."""
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if g.get("class") == "node" and g.find(SVG + "title").text == node:
            return ["".join(t.itertext()) for t in g.iter(SVG + "text")]
    raise KeyError(node)


def grad_rows(lines: list[str]) -> list[str]:
    """From a tensor node's lines: "grad: —", or "grad:" and the rows of its preview."""
    start = next(i for i, line in enumerate(lines) if line.startswith("grad:"))
    return [line for line in lines[start:] if not line.startswith("returned as")]


# -- 2. the flow view: the gradient held at each step ---------------------------------------------
# out = x * y + x. The tape is [Mul, Add]; the sweep runs Add first, which sends 1 to x (x holds 1),
# then Mul, which sends y to x: x then holds 1 + y. With x = [0.5, 2], y = [3, -1]:
#   frame 0 (seed): x holds nothing; frame 1: x holds [1, 1]; frame 2: x holds [4, 0] (sent: [3, -1]).

class XYPlusX(nn.Cell):
    def construct(self, x, y):
        return x * y + x


@pytest.fixture
def two_gradients():
    fvg = nn.ForwardValueAndGrad(XYPlusX(), get_all=True)
    fvg(f32([[0.5, 2.0]]), f32([[3.0, -1.0]]))
    return fvg


def test_the_graph_of_each_frame_shows_the_gradient_held_at_that_step(two_gradients):
    fr = viz.frames(two_gradients)
    x = "t%d" % two_gradients.trace.tensor("x").id
    held = [grad_rows(node_text(viz.render_svg(two_gradients, frame=f), x)) for f in fr]
    assert held == [["grad: —"], ["grad:", "[1 1]"], ["grad:", "[4 0]"]]
    # without a frame, the graph shows the final gradient
    assert grad_rows(node_text(viz.render_svg(two_gradients), x)) == ["grad:", "[4 0]"]


def test_the_edge_table_shows_the_gradient_sent_and_the_gradient_held(two_gradients):
    w = viz.flow_widget(two_gradients)
    w.slider.value = 1  # Add sends 1 to its two inputs: %2 (x * y) and x; each holds what it was sent
    assert [m.tolist() for m in matrices(w.edges_html.value)] == [[[1, 1]], [[1, 1]], [[1, 1]], [[1, 1]]]
    w.slider.value = 2  # Mul: x is sent y = [3, -1] and holds 1 + y; y is sent x = [0.5, 2] and holds it
    assert [m.tolist() for m in matrices(w.edges_html.value)] == [[[3, -1]], [[4, 0]], [[0.5, 2]], [[0.5, 2]]]


# -- 3. an edge that sent nothing is not "accumulated" ---------------------------------------------
# x > 0 is recorded before x * x and returned beside it, so its vjp runs (it has a seed) after Mul's
# gave x a gradient; Greater sends nothing, so nothing is added to x's gradient.

class SquareAndSign(nn.Cell):
    def construct(self, x):
        positive = x > 0
        return x * x, positive


def test_an_edge_that_sent_nothing_is_not_marked_accumulated():
    fvg = nn.ForwardValueAndGrad(SquareAndSign())
    fvg(f32([[0.5, -1.0, 2.0]]))
    assert [step.accumulated for step in fvg.trace.steps] == [[False, True], [False, False]]  # Mul, Greater
    greater = viz.frames(fvg)[2]
    assert greater.op == "Greater" and [e.grad for e in greater.edges] == [None, None]
    assert [e.accumulated for e in greater.edges] == [False, False]
    assert greater.caption.endswith("sent: nothing")
    w = viz.flow_widget(fvg)
    w.slider.value = 2
    assert "accumulated" not in w.edges_html.value and "accumulated" not in w.svg


# -- 6. the sensitivity explorer on a two-output network -------------------------------------------
# (a * b, a + b) with a = [1, 2], b = [3, -1]. The Jacobian's rows, outputs one after the other:
#   e_k on a*b:  da = b_k e_k, db = a_k e_k;   e_k on a+b:  da = e_k, db = e_k.

def test_the_basis_of_a_two_output_network_is_its_jacobian_rows():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    m = SensitivityModel(TwoOut(), f32(a), f32(b), get_all=True)
    e = np.eye(2)
    rows = [[b[k] * e[k], a[k] * e[k]] for k in range(2)] + [[e[k], e[k]] for k in range(2)]
    basis = m.basis()
    assert len(basis) == 4
    for got, want in zip(basis, rows):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, **TOL)
    m.set_sens((np.array([0.5, -2.0]), np.array([1.5, 0.25])))
    # da = s1 * b + s2 = [3, 2.25], db = s1 * a + s2 = [2, -3.75]: J^T s, and the basis agrees
    np.testing.assert_allclose(m.grads[0][1], [3.0, 2.25], **TOL)
    np.testing.assert_allclose(m.grads[1][1], [2.0, -3.75], **TOL)
    assert m.linearity_error() < 1e-6


# -- 7. a weight that is also an input ----------------------------------------------------------------
# w passed as the input x as well as listed in weights: one tensor in the graph, returned twice. The
# Trace lists both places; the tensor is named by the input it was met as (trace.py).

class Square(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(f32([2.0]), name="w")

    def construct(self, x):
        return x * x


def test_a_weight_passed_as_an_input_is_labelled_as_the_input():
    net = Square()
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple([net.w]), get_all=True, get_by_list=True)
    _, ((dx,), (dw,)) = fvg(net.w)
    np.testing.assert_allclose(dx.asnumpy(), [4.0])  # d(x^2)/dx = 2x at x = w = 2
    np.testing.assert_allclose(dw.asnumpy(), [4.0])
    tr = fvg.trace
    (x,) = [t for t in tr.tensors if t.role == "input"]
    assert tr.returned == [("inputs[0]", x.id), ("weights[0]", x.id)]
    assert x.returned_as == "inputs[0]"
    assert node_text(viz.render_svg(fvg), "t%d" % x.id)[-1] == "returned as inputs[0]"
