"""What the browser test expects and how it reads the page: the kinds of widget a notebook shows,
the hand derivation of each network the notebooks draw (every gradient and gradient-flow frame, from
a tape of hand-written vjps), and the parsing of values as viz prints them (one place to update when
the display changes). Expected values are NumPy float64 from the derivation, never from the engine.
"""
from __future__ import annotations

import base64
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# -- the networks the notebooks show, derived by hand ----------------------------------------------

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
class Op:
    """One primitive of a network's tape: its name, its input and output tensors (labelled as the
    pictures call them: the name, "output[0]", or "%slot" with slots in the order the tape meets
    tensors), its forward and its vjp by hand: vjp(dout, out, *inputs) -> a gradient per input."""
    op: str
    inputs: tuple
    out: str
    fwd: Callable
    vjp: Callable


@dataclass(frozen=True)
class FrameWant:
    """One frame of the gradient flow: its number, the primitive whose vjp ran, and the edge table's
    rows in order: (tensor label, gradient sent or None for "—", accumulated, gradient held now)."""
    index: int
    op: str | None
    rows: tuple
    tol: float = 1e-6  # the float32 engine's error allowed, as a fraction of an array's largest entry


@dataclass(frozen=True)
class Derivation:
    grads: dict  # tensor label -> the gradient the call returns
    frames: list  # [FrameWant]
    tol: float = 1e-6


def derive(tape: list, leaves: dict, sens: np.ndarray | None, returned, tol: float) -> Derivation:
    """The forward and backward pass of a tape in float64. A vjp sends a gradient only along the
    edges that lead to a requested gradient (as the engine does: nothing to x when only weights are
    asked for); a tensor that already holds a gradient adds the new one ("+=")."""
    values = {k: np.asarray(v, dtype=np.float64) for k, v in leaves.items()}
    for op in tape:
        values[op.out] = op.fwd(*(values[i] for i in op.inputs))
    out = tape[-1].out
    seed = np.ones_like(values[out]) if sens is None else np.asarray(sens, dtype=np.float64)
    leads = set(returned)
    for op in tape:
        if leads & set(op.inputs):
            leads.add(op.out)
    held = {out: seed}
    frames = [FrameWant(0, None, ((out, seed, False, seed),), tol)]
    for k, op in enumerate(reversed(tape), 1):
        if op.out not in held:  # below a stop_gradient: nothing reached this output, no vjp runs
            continue
        sent = []
        for name, g in zip(op.inputs, op.vjp(held[op.out], values[op.out], *(values[i] for i in op.inputs))):
            # a vjp that sends nothing (StopGradient) gives None
            g = np.asarray(g, dtype=np.float64).reshape(values[name].shape) if name in leads and g is not None else None
            sent.append((name, g, g is not None and name in held))
            if g is not None:
                held[name] = held[name] + g if name in held else g
        frames.append(FrameWant(k, op.op, tuple((n, g, acc, held.get(n)) for n, g, acc in sent), tol))
    return Derivation({k: held[k] for k in returned}, frames, tol)


MATMUL = dict(fwd=lambda a, b: a @ b, vjp=lambda d, o, a, b: (d @ b.T, a.T @ d))
MATMUL_T = dict(fwd=lambda a, w: a @ w.T, vjp=lambda d, o, a, w: (d @ w, d.T @ a))  # transpose_b=True
TANH = dict(fwd=np.tanh, vjp=lambda d, o, a: (d * (1 - o ** 2),))
BIAS_ADD = dict(fwd=lambda a, b: a + b, vjp=lambda d, o, a, b: (d, d.sum(axis=0)))

# out = (x z) @ y (slots: x, y, z, x z, out)
DOCUMENT_TAPE = [
    Op("Mul", ("x", "z"), "%3", fwd=lambda x, z: x * z, vjp=lambda d, o, x, z: (d * z, np.sum(d * x).reshape(z.shape))),
    Op("MatMul", ("%3", "y"), "output[0]", **MATMUL),
]
# 07: d/dz of the backward pass of d(Σ out)/dx, recorded inside GradNetWrtX (a Cell calling GradOperation):
# seeded with ones, MatMul's vjp gives d(xz) = ones @ y^T (%6, a leaf here: no gradient flows to it),
# and Mul's vjp d(xz) z is the output, differentiated with respect to z
NESTED_TAPE = [
    Op("Mul", ("%6", "net.z"), "output[0]", fwd=lambda a, z: a * z,
       vjp=lambda d, o, a, z: (d * z, np.sum(d * a).reshape(z.shape))),
]
# 07 section 9: (w x - stop_gradient(w x' + 1))**2 summed, x = 2, x' = 1.5: the target held constant
# (slots: w, 2, w*2, 1.5, w*1.5, 1, +1, its stop_gradient, the difference, its square, the sum)
MUL = dict(fwd=lambda a, b: a * b, vjp=lambda d, o, a, b: (d * b, d * a))
STOP_TARGET_TAPE = [
    Op("Mul", ("w", "%1"), "%2", **MUL),
    Op("Mul", ("w", "%3"), "%4", **MUL),
    Op("Add", ("%4", "%5"), "%6", fwd=lambda a, b: a + b, vjp=lambda d, o, a, b: (d, d)),
    Op("StopGradient", ("%6",), "%7", fwd=lambda a: a, vjp=lambda d, o, a: (None,)),  # sends nothing back
    Op("Sub", ("%2", "%7"), "%8", fwd=lambda a, b: a - b, vjp=lambda d, o, a, b: (d, -d)),
    Op("Square", ("%8",), "%9", fwd=np.square, vjp=lambda d, o, a: (2 * a * d,)),
    Op("ReduceSum", ("%9",), "output[0]", fwd=np.sum, vjp=lambda d, o, a: (d * np.ones_like(a),)),
]
# 06: f2(f1(x)), f1(x) = tanh(x @ w1), f2(h) = sum((h @ w2) * (h @ w2)) (slots: x, w1, x w1, tanh, w2, h w2, ², out)
TWO_LAYERS_TAPE = [
    Op("MatMul", ("x", "f1.w1"), "%2", **MATMUL),
    Op("Tanh", ("%2",), "%3", **TANH),
    Op("MatMul", ("%3", "f2.w2"), "%5", **MATMUL),
    Op("Mul", ("%5", "%5"), "%6", fwd=lambda a, b: a * b, vjp=lambda d, o, a, b: (d * b, d * a)),
    Op("ReduceSum", ("%6",), "output[0]", fwd=lambda a: np.sum(a), vjp=lambda d, o, a: (d * np.ones_like(a),)),
]
# 05: MSE(fc3(tanh(fc2(tanh(fc1(data))))), label), Dense = data @ weight^T + bias (slots in tape order)
MLP_TAPE = []
for _i, (_w, _b, _m, _a, _t) in enumerate(((2, 4, 3, 5, 6), (7, 9, 8, 10, 11), (12, 14, 13, 15, None))):
    _in = "data" if _i == 0 else f"%{(6, 11)[_i - 1]}"
    MLP_TAPE += [Op("MatMul", (_in, f"fc{_i + 1}.weight"), f"%{_m}", **MATMUL_T),
                 Op("Add", (f"%{_m}", f"fc{_i + 1}.bias"), f"%{_a}", **BIAS_ADD)]
    if _t:
        MLP_TAPE.append(Op("Tanh", (f"%{_a}",), f"%{_t}", **TANH))
MLP_TAPE += [
    Op("Sub", ("%15", "label"), "%16", fwd=lambda a, b: a - b, vjp=lambda d, o, a, b: (d, -d)),
    Op("Square", ("%16",), "%17", fwd=np.square, vjp=lambda d, o, a: (2 * a * d,)),
    Op("ReduceMean", ("%17",), "output[0]", fwd=np.mean, vjp=lambda d, o, a: (d * np.ones_like(a) / a.size,)),
]


def two_layers_leaves() -> dict:
    """06's data, made as the notebook makes it (float32, then float64 for the derivation)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    w1 = (0.5 * rng.normal(size=(3, 5))).astype(np.float32)
    w2 = (0.5 * rng.normal(size=(5, 2))).astype(np.float32)
    return {"x": x, "f1.w1": w1, "f2.w2": w2}


def mlp_last_batch() -> np.ndarray:
    """05's features of the last mini-batch of epoch 30 (the call its graph and flow show), made as
    the notebook makes them: the leaves read from the kernel must hold these."""
    features = np.random.default_rng(7).uniform(-2, 2, size=(512, 2)).astype(np.float32)
    return features[np.random.default_rng(30).permutation(512)[448:]]


@dataclass(frozen=True)
class Network:
    """What the graph of a network must show (its primitives, its named tensors with their role,
    the cluster titles and other node texts) and its tape. ``leaves``: Call -> the values of the
    inputs and parameters; None where they are read from the kernel (``Call.kernel``: 05's weights
    are what 240 training steps made of them)."""
    ops: tuple
    tensors: dict  # label -> role text in the node ("input 0", "parameter")
    tape: list
    leaves: Callable | None
    clusters: tuple = ()
    texts: tuple = ()  # other node texts the graph shows ("(Dense, collapsed)")
    known_leaves: Callable = dict  # leaves read from the kernel that must equal these
    # The float32 engine's error allowed, as a fraction of an array's largest entry (on top of the
    # printed rounding): its sums of 64 rows through three layers round at ~1e-7 of the terms'
    # size, which a small entry can show in its 4th digit; a wrong gradient is off by far more.
    tol: float = 1e-6


NETWORKS = {
    "document": Network(ops=("Mul", "MatMul"), tensors={"x": "input 0", "y": "input 1", "z": "parameter"},
                        tape=DOCUMENT_TAPE, leaves=lambda call: {"x": X, "y": Y, "z": np.array([call.z])}),
    "document_nested": Network(ops=("Mul", "MatMul"), tensors={"x": "input 0", "y": "input 1", "net.z": "parameter"},
                               tape=NESTED_TAPE, leaves=lambda call: {"%6": ONES @ Y.T, "net.z": np.array([call.z])},
                               clusters=("GradNetWrtX", "net (Net)", "recorded backward pass of GradOperation"),
                               texts=("recorded backward pass: the gradient's own graph",)),
    "stop_target": Network(ops=("Mul", "Add", "StopGradient", "Sub", "Square", "ReduceSum"),
                           tensors={"w": "input 0"}, tape=STOP_TARGET_TAPE,
                           leaves=lambda call: {"w": np.array([0.5]), "%1": np.array(2.0), "%3": np.array(1.5),
                                                "%5": np.array(1.0)},
                           texts=("no gradient back",)),
    "two_layers": Network(ops=("MatMul", "Tanh", "Mul", "ReduceSum"),
                          tensors={"x": "input 0", "f1.w1": "parameter", "f2.w2": "parameter"},
                          tape=TWO_LAYERS_TAPE, leaves=lambda call: two_layers_leaves(),
                          clusters=("f1 (Layer1)", "f2 (Layer2)")),
    "mlp": Network(ops=("MatMul", "Add", "Tanh", "Sub", "Square", "ReduceMean"),
                   tensors={"data": "input 0", "label": "input 1", "fc1.weight": "parameter",
                            "fc1.bias": "parameter", "fc2.weight": "parameter", "fc2.bias": "parameter",
                            "fc3.weight": "parameter", "fc3.bias": "parameter"},
                   tape=MLP_TAPE, leaves=None, texts=("_backbone.fc2", "(Dense, collapsed)"),
                   known_leaves=lambda: {"data": mlp_last_batch()}, tol=1e-5),
}


# -- the kinds of thing a notebook shows (rows of the table in test_browser.py) ---------------------

@dataclass(frozen=True)
class Call:
    """One ForwardValueAndGrad call, as its widgets show it after Run All: which gradients it
    returns (tensor label -> how the graph marks it: "grad", "grads[1]", "inputs[0]", "weights[0]"),
    the sens it ran with (None: ones of the output's shape), z, the network, and for a network
    whose leaves come from the kernel the notebook variable holding the called ForwardValueAndGrad."""
    returned: dict
    sens: np.ndarray | None = field(default_factory=lambda: ONES)
    z: float = 1.0
    network: str = "document"
    kernel: str = ""

    def derive(self, leaves: dict | None = None) -> Derivation:
        net = NETWORKS[self.network]
        leaves = net.leaves(self) if net.leaves else leaves
        assert leaves is not None, f"the {self.network} network needs its leaves read from the kernel"
        return derive(net.tape, leaves, self.sens, list(self.returned), net.tol)

    def grads(self, leaves: dict | None = None) -> dict:
        return self.derive(leaves).grads

    def frames(self, leaves: dict | None = None) -> list[FrameWant]:
        return self.derive(leaves).frames


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
_SHAPE = re.compile(r"shape \[([\d, ]*)\]")
_MORE_ROWS = re.compile(r"…\s*\(?\d+ more rows\)?")


def numbers_in(text: str) -> tuple[np.ndarray, bool]:
    """The numbers a value shows, flattened, and whether the display was cut short ("…"); a
    printed shape ("shape [2, 3]") and a count of rows left out ("… 58 more rows") are no values."""
    text = _MORE_ROWS.sub("…", _SHAPE.sub("", text))
    return np.array([float(m) for m in _NUMBER.findall(text)]), "…" in text


def shown_rows(text: str) -> tuple[list, bool, tuple | None]:
    """A value as viz prints it, row by row: ([(numbers, cut short)], rows left out, shape shown).
    Three forms today (".4g", long rows and columns cut with "…"): one_line "[[1 2 3] [4 5 6] …]"
    (captions, edge labels); the node preview, one "[1 2 3 …]" per row then "… (n more rows)"; the
    flow table's matrix_html, "shape [2, 3]" then a line per row, then "… n more rows"."""
    m = _SHAPE.search(text)
    shape = tuple(int(v) for v in m.group(1).replace(",", " ").split()) if m else None
    text = _SHAPE.sub("", text)
    rows_cut = bool(_MORE_ROWS.search(text))
    text = _MORE_ROWS.sub("", text)
    if "[" in text:
        groups = re.findall(r"\[([^\[\]]*)\]", text)
        rows_cut = rows_cut or "…" in re.sub(r"\[[^\[\]]*\]", "", text)
    else:
        groups = [line for line in text.splitlines() if line.strip()]
    return [(numbers_in(g)[0], "…" in g) for g in groups], rows_cut, shape


def as_rows(a: np.ndarray) -> np.ndarray:
    """An array as viz lays it out: a scalar as 1x1, a vector as one row, the leading axes merged."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(1, 1) if a.ndim == 0 else a.reshape(1, -1) if a.ndim == 1 else a.reshape(-1, a.shape[-1])


def assert_printed(text: str, want: np.ndarray, what: str, tol: float = 1e-6) -> None:
    """``text`` shows ``want`` at the printed precision (4 significant digits), row by row as it is
    laid out (where rows or columns are cut short, the ones shown): every number within half a unit
    of its 4th digit (plus float32's rounding: ``tol`` of want's largest entry) of the derivation;
    a shape shown is want's shape."""
    rows, rows_cut, shape = shown_rows(text)
    want = np.asarray(want, dtype=np.float64)
    grid = as_rows(want)
    fail = (f"{what}: shows {text!r}, but the derivation gives (shape {list(want.shape)}) "
            + str([[format(v, ".7g") for v in r[:6]] for r in grid[:6]]))
    assert shape is None or shape == want.shape, fail
    assert rows and (len(rows) == grid.shape[0] or (rows_cut and len(rows) < grid.shape[0])), fail
    for i, ((shown, cut), full) in enumerate(zip(rows, grid)):
        assert shown.size == full.size or (cut and 0 < shown.size < full.size), fail
        flat = full[:shown.size]
        scale = np.maximum(np.abs(shown), np.abs(flat))
        digit = np.where(scale > 0, 10.0 ** (np.floor(np.log10(np.where(scale > 0, scale, 1))) - 3), 0)
        bad = np.abs(shown - flat) > 0.5 * digit * 1.001 + 1e-6 * scale + tol * np.abs(grid).max() + 1e-12
        assert not bad.any(), f"{fail}; row {i}: shown {shown[bad].tolist()}, derived {flat[bad].tolist()}"


def printed_matches(text: str, want: np.ndarray, tol: float = 1e-6) -> bool:
    try:
        assert_printed(text, want, "", tol)
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
EDGE_TENSOR, EDGE_SENT, EDGE_ACC, EDGE_HELD = "tensor", "gradient sent", "accumulation", "gradient held now"


def edge_rows(rows: list) -> list:
    """[(tensor label, sent text, accumulation text, held text)] from the edge table's rows of cell
    texts (first row: headers), in the table's order (a tensor used twice has two rows)."""
    assert rows, "the flow shows no edge table"
    head = [h.strip() for h in rows[0]]
    missing = [h for h in (EDGE_TENSOR, EDGE_SENT, EDGE_ACC, EDGE_HELD) if h not in head]
    assert not missing, f"the edge table has no column {missing} (headers: {head})"
    cols = [head.index(c) for c in (EDGE_TENSOR, EDGE_SENT, EDGE_ACC, EDGE_HELD)]
    return [tuple(r[c].strip() if c == cols[0] else r[c] for c in cols) for r in rows[1:]]


def assert_frame_table(rows: list, want: FrameWant, where: str) -> None:
    """The edge table of a frame shows, for each edge in order, the gradient the derivation sends
    (a tensor sent nothing shows no number), "+=" where it was added to one already there, and the
    gradient the tensor holds after the step."""
    table = edge_rows(rows)
    labels = [r[0] for r in table]
    assert labels == [r[0] for r in want.rows], f"{where}: the edge table's rows are {labels}, expected {[r[0] for r in want.rows]}"
    for (label, sent, acc_text, held), (_, grad, acc, hold) in zip(table, want.rows):
        for col, text, value in (("sent", sent, grad), ("held", held, hold)):
            if value is None:
                assert not numbers_in(text)[0].size, f"{where}: {label} should be sent nothing, but {col} shows {text!r}"
            else:
                assert_printed(text, value, f"{where}, gradient {col} to {label}", want.tol)
        assert ("+=" in acc_text) == acc, f"{where}: {label}'s accumulation reads {acc_text!r}, expected accumulated={acc}"


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


def svg_clusters(svg: str) -> list[str]:
    """The titles of the graph's clusters (one per Cell: "f1 (Layer1)")."""
    root = ET.fromstring(svg_text(svg))
    return [" ".join((t.text or "").strip() for t in g.iter(f"{_SVG}text"))
            for g in root.iter(f"{_SVG}g") if g.get("class") == "cluster"]


def node_grad_text(node: SvgNode) -> str:
    """The gradient rows of a tensor node (after "grad:", one "[..]" per row, then "… (n more
    rows)" where cut short), as one text; an output node's "seed s = ..." rows come before."""
    assert "grad:" in node.texts, f"the node {node.texts[:1]} shows no gradient"
    rows = []
    for t in node.texts[node.texts.index("grad:") + 1:]:
        if t.startswith("…"):
            rows.append(t)
            break
        if not t.startswith("["):
            break
        rows.append(t)
    return " ".join(rows)
