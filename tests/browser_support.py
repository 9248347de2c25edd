"""What the browser test expects and how it reads the page: the kinds of widget a notebook shows,
the hand derivation of the document's network (every gradient and every gradient-flow frame), and
the parsing of values as viz prints them (one place to update when the display changes).
Expected values are NumPy float64 from the derivation, never from the engine.
"""
from __future__ import annotations

import base64
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

# -- the document's network, derived by hand -------------------------------------------------------

X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])
ONES = np.ones((2, 3))
DOC_SENS = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]])  # the document's grad_wrt_output


def one_hot(flat_index: int) -> np.ndarray:
    s = np.zeros((2, 3))
    s.flat[flat_index] = 1.0
    return s


def document_grads(sens: np.ndarray, z: float = 1.0) -> dict:
    """out = (x z) @ y: dx = sens y^T z, dy = (x z)^T sens, dz = sum(sens * (x @ y)) (z has shape [1])."""
    return {"x": sens @ Y.T * z, "y": (X * z).T @ sens, "z": np.array([np.sum(sens * (X @ Y))])}


@dataclass(frozen=True)
class FrameWant:
    """One frame of the gradient flow: its number, the primitive whose vjp ran, and for each row of
    the edge table (tensor label as the pictures call it) the gradient sent (None: nothing sent, "—")."""
    index: int
    op: str | None
    sent: dict


def document_frames(call: "Call") -> list[FrameWant]:
    """The backward pass of out = (x z) @ y, in tape order: MatMul's vjp, then Mul's. The engine
    sends a gradient only along edges that lead to a requested gradient; "%3" is the intermediate
    x z (slot 3: x, y, z, x z, out), "output[0]" the output holding the seed."""
    s, need = call.sens, set(call.returned)
    g = document_grads(s, call.z)
    return [
        FrameWant(0, None, {"output[0]": s}),
        FrameWant(1, "MatMul", {"%3": s @ Y.T if need & {"x", "z"} else None,
                                "y": g["y"] if "y" in need else None}),
        FrameWant(2, "Mul", {"x": g["x"] if "x" in need else None, "z": g["z"] if "z" in need else None}),
    ]


@dataclass(frozen=True)
class Network:
    """What the graph of a network must show: its primitives and its named tensors with their role."""
    ops: tuple
    tensors: dict  # label -> role text in the node ("input 0", "parameter")
    grads: object  # (sens, z) -> {tensor label: gradient}
    frames: object  # Call -> [FrameWant]


NETWORKS = {
    "document": Network(ops=("Mul", "MatMul"), tensors={"x": "input 0", "y": "input 1", "z": "parameter"},
                        grads=document_grads, frames=document_frames),
}


# -- the kinds of thing a notebook shows (rows of the table in test_browser.py) ---------------------

@dataclass(frozen=True)
class Call:
    """One ForwardValueAndGrad call, as its widgets show it after Run All: which gradients it
    returns (tensor label -> how the graph marks it: "grad", "grads[1]", "inputs[0]", "weights[0]"),
    the sens it ran with, z, and the network."""
    returned: dict
    sens: np.ndarray = field(default_factory=lambda: ONES)
    z: float = 1.0
    network: str = "document"

    def grads(self) -> dict:
        g = NETWORKS[self.network].grads(self.sens, self.z)
        return {k: g[k] for k in self.returned}

    def frames(self) -> list[FrameWant]:
        return NETWORKS[self.network].frames(self)


@dataclass(frozen=True)
class Graph:
    """A static graph: viz.draw_graph's SVG output (image/svg+xml)."""
    call: Call


@dataclass(frozen=True)
class GraphWidget:
    """viz.graph_widget on its own (CSS mini-autograd-graph)."""
    call: Call


@dataclass(frozen=True)
class Flow:
    """viz.flow_widget on its own (CSS mini-autograd-flow)."""
    call: Call


@dataclass(frozen=True)
class Sensitivity:
    """viz.sensitivity on its own (CSS mini-autograd-sens); typed: also type new sens values into its
    controls and time each update (03 writes test-artifacts/browser_latency.json for make bench)."""
    call: Call
    typed: bool = False


@dataclass(frozen=True)
class Explorer:
    """viz.explore (CSS mini-autograd-explorer): its graph, gradient-flow and sensitivity tabs."""
    call: Call


@dataclass(frozen=True)
class Output:
    """A printed output (stdout/stderr) of some cell matches this regular expression."""
    pattern: str


@dataclass(frozen=True)
class Training:
    """A live training display: progress bar, status line "epoch E/E, mean loss L" and a loss plot
    (an image of ``plot_px``). ``printed``: a regex whose group is the final loss the cell printed,
    which the status must show too; ``below``: the final loss must be under it."""
    epochs: int
    printed: str
    below: float
    plot_px: tuple


# -- reading values as viz prints them (update here when the display changes) -----------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)")


def numbers_in(text: str) -> tuple[np.ndarray, bool]:
    """The numbers a value shows, flattened, and whether the display was cut short ("…").
    Today viz.graph.one_line and preview print "[4.51 2.7 3.6 …]" (".4g", at most 6 items / 4 per row)."""
    return np.array([float(m) for m in _NUMBER.findall(text)]), "…" in text


def assert_printed(text: str, want: np.ndarray, what: str) -> None:
    """``text`` shows ``want`` (flattened, C order) at the printed precision (4 significant digits):
    every number within half a unit of its 4th digit (plus float32's rounding) of the derivation."""
    shown, cut = numbers_in(text)
    flat = np.asarray(want, dtype=np.float64).reshape(-1)
    assert shown.size and (shown.size == flat.size or (cut and shown.size < flat.size)), (
        f"{what}: shows {text!r}, expected the {flat.size} values {np.round(flat, 6).tolist()}")
    flat = flat[:shown.size]
    scale = np.maximum(np.abs(shown), np.abs(flat))
    digit = np.where(scale > 0, 10.0 ** (np.floor(np.log10(np.where(scale > 0, scale, 1))) - 3), 0)
    ok = np.abs(shown - flat) <= 0.5 * digit * 1.001 + 1e-6 * scale + 1e-12
    assert ok.all(), f"{what}: shows {text!r}, but the derivation gives {np.round(flat, 6).tolist()}"


def printed_matches(text: str, want: np.ndarray) -> bool:
    try:
        assert_printed(text, want, "")
    except AssertionError:
        return False
    return True


def flow_caption(text: str) -> tuple[int, int, str | None]:
    """(frame, last frame, primitive whose vjp ran or None for the seed) from the flow's caption,
    today "frame 1/2 — step 1/2: vjp of MatMul (node 1) received ...", "frame 0/2 — seed: ..."."""
    m = re.search(r"frame (\d+)/(\d+)", text)
    assert m, f"the flow's caption names no frame: {text!r}"
    op = re.search(r"vjp of (\w+)", text)
    return int(m.group(1)), int(m.group(2)), op.group(1) if op else None


# The edge table's columns by header (table.mini-autograd-edges).
EDGE_TENSOR, EDGE_SENT, EDGE_HELD = "tensor", "gradient sent", "gradient held now"


def edge_rows(rows: list) -> dict:
    """{tensor label: (sent text, held text)} from the edge table's rows of cell texts (first row: headers)."""
    assert rows, "the flow shows no edge table"
    head = [h.strip() for h in rows[0]]
    missing = [h for h in (EDGE_TENSOR, EDGE_SENT, EDGE_HELD) if h not in head]
    assert not missing, f"the edge table has no column {missing} (headers: {head})"
    t, s, h = (head.index(c) for c in (EDGE_TENSOR, EDGE_SENT, EDGE_HELD))
    return {r[t].strip(): (r[s], r[h]) for r in rows[1:]}


def assert_frame_table(rows: list, want: FrameWant, where: str) -> None:
    """The edge table of a frame shows the gradients the derivation sends at that step; a tensor
    sent nothing shows no number. Nothing accumulates in these networks: held = sent."""
    table = edge_rows(rows)
    assert set(table) == set(want.sent), f"{where}: the edge table's rows are {sorted(table)}, expected {sorted(want.sent)}"
    for label, grad in want.sent.items():
        sent, held = table[label]
        for col, text in (("sent", sent), ("held", held)):
            if grad is None:
                assert not numbers_in(text)[0].size, f"{where}: {label} should be sent nothing, but {col} shows {text!r}"
            else:
                assert_printed(text, grad, f"{where}, gradient {col} to {label}")


# -- the graphviz SVG ---------------------------------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class SvgNode:
    texts: list  # the label's text pieces, in order
    fill: str  # the first shape's fill
    strokes: list  # (stroke colour, stroke width) of each shape


def svg_text(src_or_svg: str) -> str:
    """The SVG text from an inline SVG or from the data: URL JupyterLab puts in an <img>."""
    if src_or_svg.startswith("data:"):
        head, _, data = src_or_svg.partition(",")
        return base64.b64decode(data).decode() if head.endswith(";base64") else urllib.parse.unquote(data)
    return src_or_svg


def svg_nodes(svg: str) -> list[SvgNode]:
    root = ET.fromstring(svg_text(svg))
    out = []
    for g in root.iter(f"{_SVG}g"):
        if g.get("class") != "node":
            continue
        shapes = [e for e in g if e.tag in (f"{_SVG}path", f"{_SVG}polygon", f"{_SVG}ellipse")]
        out.append(SvgNode(texts=[(t.text or "").strip() for t in g.iter(f"{_SVG}text")],
                           fill=shapes[0].get("fill", "") if shapes else "",
                           strokes=[(e.get("stroke", ""), e.get("stroke-width", "1")) for e in shapes]))
    return out


def svg_edge_labels(svg: str) -> list[str]:
    """The text on each edge (the flow draws the gradients sent at a step as "grad [..]")."""
    root = ET.fromstring(svg_text(svg))
    return [" ".join((t.text or "").strip() for t in g.iter(f"{_SVG}text"))
            for g in root.iter(f"{_SVG}g") if g.get("class") == "edge"]


def node_grad_text(node: SvgNode) -> str:
    """The gradient rows of a tensor node (after "grad:"), as one text."""
    assert "grad:" in node.texts, f"the node {node.texts[:1]} shows no gradient"
    rows = []
    for t in node.texts[node.texts.index("grad:") + 1:]:
        if t.startswith("…"):  # "… (n more rows)": cut short, and n is no value
            rows.append("…")
            break
        if not t.startswith("["):
            break
        rows.append(t)
    return " ".join(rows)
