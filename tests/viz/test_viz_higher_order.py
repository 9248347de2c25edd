"""The gradient is a computation too: a recorded backward pass (a gradient transform called inside
another) is drawn as a filled cluster of its own, titled "recorded backward pass of ...", with a
legend entry, and the forward values its vjps read reach it along bold orange edges; a first-order
call shows none of it. What the backward pass reads is derived by hand from the vjps."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from tests.conftest import X, Y, Net

import mini_autograd as ms
import mini_autograd.nn as nn
import mini_autograd.ops as ops
import viz
from mini_autograd import ParameterTuple, Tensor, context

SVG = "{http://www.w3.org/2000/svg}"
COLOURS = viz.graph.COLOURS
TITLE = "recorded backward pass of GradOperation"
LEGEND = "recorded backward pass: the gradient's own graph"


class GradNetWrtX(nn.Cell):
    """d(Σ out)/dx of the document's network, a Cell whose construct calls GradOperation."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.grad_op = ops.GradOperation()

    def construct(self, x, y):
        return self.grad_op(self.net)(x, y)


def nested_svg(mode=context.PYNATIVE_MODE) -> str:
    """The picture of d/dz of Σ d(Σ out)/dx: the outer ForwardValueAndGrad differentiates the inner
    GradOperation's backward pass with respect to the parameter z."""
    context.set_context(mode=mode)
    net = Net()
    fvg = nn.ForwardValueAndGrad(GradNetWrtX(net), ParameterTuple(net.trainable_params()), get_by_list=True)
    _, (dz,) = fvg(Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)))
    # by hand: d(Σ out)/dx[i,k] = z Σ_j y[k,j], whose sum over i, k has d/dz = 2 Σ_k,j y[k,j]
    np.testing.assert_allclose(dz.asnumpy(), [2 * Y.sum()], rtol=1e-6)
    return viz.render_svg(fvg)


def texts(svg: str) -> list[str]:
    return ["".join(e.itertext()).strip() for e in ET.fromstring(svg).iter(f"{SVG}text")]


def groups(svg: str, kind: str) -> list[ET.Element]:
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == kind]


def heads(svg: str) -> dict:
    """DOT node name -> the first text of its label (the tensor's name, or the primitive)."""
    return {g.find(f"{SVG}title").text: (g.find(f"{SVG}text").text or "").strip() for g in groups(svg, "node")}


def read_edges(svg: str) -> list[tuple[str, str]]:
    """(source, target) DOT names of the edges drawn in the colour of 'a forward value a vjp reads'."""
    out = []
    for g in groups(svg, "edge"):
        if g.find(f"{SVG}path").get("stroke") == COLOURS["reads"]:
            src, dst = g.find(f"{SVG}title").text.split("->")
            out.append((src, dst))
    return out


def backward_clusters(svg: str) -> list[ET.Element]:
    return [g for g in groups(svg, "cluster") if any(t.startswith("recorded backward pass")
                                                     for t in texts(ET.tostring(g, encoding="unicode")))]


def cluster_members(source: str, title: str) -> list[str]:
    """The DOT node names declared inside the cluster whose label shows ``title`` (DOT source)."""
    lines, depth, inside, members = source.splitlines(), 0, None, []
    for line in lines:
        if inside is not None:
            if "{" in line:
                depth += 1
            if "}" in line:
                depth -= 1
                if depth < inside:
                    break
            m = re.match(r"\s*(\w+) \[", line)
            if m and depth == inside:
                members.append(m.group(1))
        elif line.strip().startswith("subgraph cluster_"):
            depth += 1
        elif "}" in line:
            depth -= 1
        if inside is None and title in line and "label=" in line:
            inside = depth
    return members


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_nested_call_draws_its_backward_pass_as_a_cluster_of_its_own(mode):
    svg = nested_svg(mode)
    (cluster,) = backward_clusters(svg)
    assert TITLE in texts(ET.tostring(cluster, encoding="unicode"))
    shape = cluster.find(f"{SVG}path")
    assert shape.get("fill") == COLOURS["backward"] and shape.get("stroke") == COLOURS["backward_border"]
    assert LEGEND in texts(svg)
    # every other cluster (GradNetWrtX) keeps the plain dashed style
    others = [g for g in groups(svg, "cluster") if g.find(f"{SVG}title").text != cluster.find(f"{SVG}title").text]
    assert others and all(g.find(f"{SVG}path").get("fill") == "none" for g in others)


def test_the_backward_cluster_holds_the_vjps_primitives():
    """Backward of out = (x z) @ y seeded with ones s: MatMul's vjp d(xz) = s y^T (a MatMul), then
    Mul's vjp d(xz) z and d(xz) x (two Muls); the forward Mul and MatMul stay outside."""
    net = Net()
    fvg = nn.ForwardValueAndGrad(GradNetWrtX(net), ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)))
    source = viz.graph.build_digraph(fvg.trace).source
    names = heads(viz.render_svg(fvg))
    inside = [names[m] for m in cluster_members(source, TITLE) if m.startswith("n")]
    assert sorted(inside) == ["MatMul", "Mul", "Mul"]
    outside = sorted(v for k, v in names.items() if k.startswith("n") and k not in cluster_members(source, TITLE))
    assert outside == ["MatMul", "Mul"]


def test_the_inner_networks_forward_pass_is_drawn_in_its_own_cells_box():
    """The inner GradOperation runs ``net``: on the outer tape its forward primitives (x z, then the
    MatMul with y) belong to the cell ``net`` (Net), a box beside the backward pass, not loose in
    GradNetWrtX's (tape.NestedTape opens each cell's scope on the outer tape too)."""
    net = Net()
    fvg = nn.ForwardValueAndGrad(GradNetWrtX(net), ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)))
    source = viz.graph.build_digraph(fvg.trace).source
    names = heads(viz.render_svg(fvg))
    in_net = [names[m] for m in cluster_members(source, "net (Net)") if m.startswith("n")]
    assert sorted(in_net) == ["MatMul", "Mul"]
    assert not set(cluster_members(source, "net (Net)")) & set(cluster_members(source, TITLE))


@pytest.mark.parametrize("mode", [context.PYNATIVE_MODE, context.GRAPH_MODE])
def test_the_forward_values_the_vjps_read_are_bold_orange_edges(mode):
    """MatMul's vjp reads y (s y^T), Mul's vjps read z (d z) and x (d x): three edges from the forward
    pass's values into the backward pass, and no other edge is drawn so."""
    svg = nested_svg(mode)
    names = heads(svg)
    edges = read_edges(svg)
    assert sorted(names[src] for src, _ in edges) == ["net.z", "x", "y"]
    assert all(names[dst] in ("MatMul", "Mul") for _, dst in edges)
    assert "a forward value its vjps read" in " ".join(texts(svg))


def test_functional_nested_grad_reads_x_and_x_squared():
    """grad(grad(f)) for f(x) = Σ x·x·x: the first-order backward of a = x·x, b = a·x reads x and a
    (d(a x)/da = x, d(a x)/dx = a, d(x x)/dx = x twice); its cluster is named after grad."""
    x = Tensor(X.astype(np.float32))
    d2 = ms.grad(ms.grad(lambda t: (t * t * t).sum()))(x)
    np.testing.assert_allclose(d2.asnumpy(), 6 * X, rtol=1e-6)  # d/dx Σ 3x² = 6x
    svg = viz.render_svg(ms.last_trace())
    assert "recorded backward pass of grad" in texts(svg)
    names = heads(svg)
    sources = sorted({src for src, _ in read_edges(svg)}, key=lambda s: names[s] != "input0")
    assert len(sources) == 2 and names[sources[0]] == "input0", [names[s] for s in sources]
    a = next(g for g in groups(svg, "node") if g.find(f"{SVG}title").text == sources[1])
    rows = [t for t in texts(ET.tostring(a, encoding="unicode")) if t.startswith("[")]
    assert rows[0] == "[" + " ".join(format(v, ".4g") for v in (X * X)[0]) + "]"  # the value read is x·x


def test_a_collapsed_backward_pass_keeps_its_title_colour_and_reads():
    """Collapsed, the pass is one box titled as its cluster was; the forward values its vjps read
    are still x, y and z, not its own seed (the ones it starts from), which the box draws outside."""
    net = Net()
    fvg = nn.ForwardValueAndGrad(GradNetWrtX(net), ParameterTuple(net.trainable_params()), get_by_list=True)
    fvg(Tensor(X.astype(np.float32)), Tensor(Y.astype(np.float32)))
    svg = viz.render_svg(fvg, collapse={"backward of GradOperation"})
    (box,) = [g for g in groups(svg, "node") if TITLE in texts(ET.tostring(g, encoding="unicode"))]
    assert "(collapsed)" in texts(ET.tostring(box, encoding="unicode"))
    assert box.find(f"{SVG}polygon").get("fill") == COLOURS["backward"]
    names = heads(svg)
    assert sorted(names[src] for src, _ in read_edges(svg)) == ["net.z", "x", "y"]


def test_a_first_order_call_draws_no_backward_pass(called):
    svg = viz.render_svg(called)
    assert not backward_clusters(svg)
    assert LEGEND not in texts(svg) and not read_edges(svg)
    assert not any(t.startswith("recorded backward pass") for t in texts(svg))


def test_same_nested_call_same_svg_text():
    assert nested_svg() == nested_svg()
