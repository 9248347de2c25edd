"""The browser test's checks, one per kind of widget a notebook's row names (tests/browser/test_browser.py),
and the JavaScript that reads the page. Each check compares what the page shows with the hand
derivation in tests/support/browser_support.py; flows are stepped with Play and the slider as a learner does.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

from tests.support.browser_support import (NETWORKS, Call, Derivation, Explorer, FrameWant, Graph, Output, Sensitivity,
                                   Training, assert_frame_table, assert_printed, document_grads, flow_caption,
                                   node_grad_text, printed_matches, svg_clusters, svg_edge_labels, svg_nodes)
from viz.graph import COLOURS  # the legend's colours: how the pictures mark running and returned

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Tags every widget of each kind with data-browser-test="<kind>-<n>" (page order); returns the counts.
# Widgets inside an explorer are its tabs, not widgets of their own; a graph (viz.draw_graph) is an
# HTML output holding a viz picture (JupyterLab prefers it to the bundle's image/svg+xml) or an SVG one.
TAG_WIDGETS = r"""() => {
    const own = sel => [...document.querySelectorAll(sel)]
        .filter(e => !(e.parentElement && e.parentElement.closest('.mini-autograd-explorer')));
    const kinds = {
        Graph: [...document.querySelectorAll(".jp-OutputArea-output[data-mime-type='text/html'], "
                                              + ".jp-OutputArea-output[data-mime-type='image/svg+xml']")]
            .filter(e => (e.dataset.mimeType !== 'text/html' || e.querySelector('.mini-autograd-picture'))
                         && !e.closest('.jupyter-widgets')),
        GraphWidget: own('.mini-autograd-graph'), Flow: own('.mini-autograd-flow'),
        Sensitivity: own('.mini-autograd-sens'), Explorer: [...document.querySelectorAll('.mini-autograd-explorer')],
        Training: [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')].filter(v =>
            v.querySelector(':scope > .widget-hbox > .widget-hprogress') && v.querySelector(':scope > .widget-image')),
    };
    const counts = {};
    for (const [kind, els] of Object.entries(kinds)) {
        els.forEach((e, i) => e.setAttribute('data-browser-test', kind + '-' + i));
        counts[kind] = els.length;
    }
    return counts;
}"""
# What a flow shows now: its caption, the edge table's cells (table.rows and tr.cells: the table's
# own, not those of the matrices in its cells), the graph drawn (with_svg: false leaves it out).
FLOW_STATE = r"""(f, with_svg) => {
    const cap = f.querySelector('.mini-autograd-caption'), table = f.querySelector('table.mini-autograd-edges');
    const svg = with_svg !== false && f.querySelector('svg');
    return {caption: cap ? cap.innerText : '',
            rows: table ? [...table.rows].map(tr => [...tr.cells].map(c => c.innerText)) : [],
            svg: svg ? new XMLSerializer().serializeToString(svg) : ''};
}"""
# Runs Python in the notebook's kernel (no cell, no output in the page) and returns what it printed.
KERNEL_RUN = r"""async code => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({code, silent: false, store_history: false});
    let out = '';
    future.onIOPub = msg => {
        if (msg.header.msg_type === 'stream') out += msg.content.text;
        if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return out;
}"""


def all_texts(locator) -> list[str]:
    """textContent, not innerText: a cell JupyterLab has not rendered has no innerText."""
    return locator.evaluate_all("els => els.map(e => e.textContent)")


# -- the checks, one per kind ---------------------------------------------------------------------

def derivation(page, call: Call) -> Derivation:
    """The hand derivation of a call. A network without known leaves (05's MLP, trained in the
    notebook) gets the values of its inputs and parameters from the called ForwardValueAndGrad in
    the kernel (``call.kernel``): only the leaves, every gradient is derived here in float64; the
    leaves known independently (05's last mini-batch) must be the ones read."""
    if not call.kernel:
        return call.derive()
    code = (f"import json as _json\nprint(_json.dumps({{t.name: t.value.astype(float).tolist() for t in "
            f"{call.kernel}.trace.tensors if t.role in ('input', 'parameter')}}))")
    text = page.evaluate(KERNEL_RUN, code)
    assert not text.startswith("ERROR"), f"reading {call.kernel}'s leaves from the kernel: {text}"
    leaves = {k: np.array(v) for k, v in json.loads(text).items()}
    for name, value in NETWORKS[call.network].known_leaves().items():
        np.testing.assert_array_equal(leaves[name], value, err_msg=f"{call.kernel}'s {name} is not the notebook's")
    return call.derive(leaves)


def check_graph_svg(page, svg: str, call: Call, where: str) -> None:
    """The graph has the network's primitives, named tensors, cells and collapsed boxes, marks
    exactly the returned gradients (red border, "returned as ...") and shows each with the derived
    values."""
    net, nodes = NETWORKS[call.network], svg_nodes(svg)
    heads = {n.texts[0]: n for n in nodes if n.texts}
    for op in net.ops:
        assert op in heads, f"{where}: no {op} node in the graph (nodes: {sorted(heads)})"
    for title in net.clusters:
        assert title in svg_clusters(svg), f"{where}: no cluster {title!r} (clusters: {svg_clusters(svg)})"
    texts = {t for n in nodes for t in n.texts}
    for text in net.texts:
        assert text in texts, f"{where}: no node shows {text!r}"
    for label, role in net.tensors.items():
        assert label in heads and f"({role}" in " ".join(heads[label].texts), (
            f"{where}: no node {label} ({role}): {heads[label].texts if label in heads else 'absent'}")
    marks = {n.texts[0]: t[len("returned as "):] for n in nodes for t in n.texts if t.startswith("returned as ")}
    assert marks == call.returned, f"{where}: the graph marks {marks} as returned, expected {call.returned}"
    derived = derivation(page, call)
    for label, grad in derived.grads.items():
        node = heads[label]
        assert (COLOURS["returned"], "3") in node.strokes, f"{where}: {label} has no red border: {node.strokes}"
        assert_printed(node_grad_text(node), grad, f"{where}, the gradient {label} shows", derived.tol)


def check_graph(page, el, item: Graph, where: str) -> None:
    """viz.draw_graph's output: JupyterLab shows it as an <img> of the SVG (or inline)."""
    el.scroll_into_view_if_needed()
    pic = el.locator("img, svg").first
    box = pic.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"{where}: the graph has no size on the page: {box}"
    svg = pic.evaluate("e => e.tagName.toLowerCase() === 'img' ? e.getAttribute('src') "
                       ": new XMLSerializer().serializeToString(e)")
    check_graph_svg(page, svg, item.call, where)


def check_graph_widget(page, el, item, where: str) -> None:
    el.scroll_into_view_if_needed()
    pic = el.locator("svg").first
    pic.wait_for(state="visible", timeout=30_000)
    box = pic.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"{where}: the graph has no size on the page: {box}"
    check_graph_svg(page, pic.evaluate("e => new XMLSerializer().serializeToString(e)"), item.call, where)


def flow_state(flow) -> dict:
    return flow.evaluate(FLOW_STATE)


def wait_for_frame(page, flow, k: int, where: str) -> dict:
    """The flow's state once it shows frame k and has stopped changing (caption, table and picture
    are separate widgets, updated one after the other)."""
    deadline, last = time.time() + 30 + 3 * flow_caption(flow_state(flow)["caption"])[1], None
    while True:
        state = flow_state(flow)
        if state == last and state["svg"] and flow_caption(state["caption"])[0] == k:
            return state
        assert time.time() < deadline, (f"{where}: the flow did not settle on frame {k}: {state['caption']!r} (picture: "
                                        f"{len(state['svg'])} characters, {'changing' if state != last else 'steady'})")
        last = state
        page.wait_for_timeout(300)


def assert_picture(state: dict, want: FrameWant, where: str) -> None:
    """The graph drawn for a frame highlights the primitive whose vjp ran and draws each gradient it
    sent as a dashed red edge labelled with the derived values (graphviz picks the edges' order)."""
    running = [n.texts[0] for n in svg_nodes(state["svg"]) if n.fill == COLOURS["running"]]
    assert running == ([want.op] if want.op else []), f"{where}: the picture highlights {running}, not {want.op}"
    sent = [t for t in svg_edge_labels(state["svg"]) if t.startswith("grad")]
    grads = [(label, g) for label, g, _, _ in want.rows if g is not None] if want.op else []
    assert len(sent) == len(grads), f"{where}: the picture draws {len(sent)} gradient edges, expected {len(grads)}"
    for label, grad in grads:  # graphviz orders the edges its own way: each must be drawn
        assert any(printed_matches(text, grad, want.tol) for text in sent), (
            f"{where}: no gradient edge in the picture shows {label}'s {np.round(grad, 4).tolist()[:3]}: {sent}")


def assert_frame(state: dict, want: FrameWant, last: int, where: str) -> None:
    k, n, op = flow_caption(state["caption"])
    assert (k, n, op) == (want.index, last, want.op), f"{where}: the caption reads {state['caption']!r}"
    assert_frame_table(state["rows"], want, where)


def type_step(page, flow, k: int) -> None:
    """Type a step into the slider's readout, as a learner does."""
    readout = flow.locator(".widget-slider .widget-readout").first
    readout.fill(str(k))  # replaces the readout's text (contenteditable), as select-all and typing do
    readout.press("Enter")


def check_flow(page, flow, item, where: str) -> None:
    """Every frame shows the derived gradients: frame 0 first; then Play, recording what the page
    shows at each step (each frame's last reading before the next); then the slider, typed to 1."""
    frames = derivation(page, item.call).frames
    last = len(frames) - 1
    flow.scroll_into_view_if_needed()
    if flow_caption(flow_state(flow)["caption"])[0] != 0:
        type_step(page, flow, 0)
    state = wait_for_frame(page, flow, 0, where)
    assert_frame(state, frames[0], last, f"{where}, frame 0")
    assert_picture(state, frames[0], f"{where}, frame 0")
    flow.evaluate("""f => {
        window.__flowSeen = [];
        const read = """ + FLOW_STATE + """;
        window.__flowRecorder = new MutationObserver(() => {
            const s = read(f, false);
            window.__flowSeen.push({caption: s.caption, rows: s.rows});
        });
        window.__flowRecorder.observe(f, {subtree: true, childList: true, characterData: true});
    }""")
    flow.locator(".widget-play button").first.click()  # Play
    state = wait_for_frame(page, flow, last, f"{where}, Play")
    seen = page.evaluate("() => { window.__flowRecorder.disconnect(); return window.__flowSeen; }")
    shown = {}
    for s in seen:  # each frame's last reading: caption and table of one frame, whatever came between
        if "frame" in s["caption"]:
            shown[flow_caption(s["caption"])[0]] = s
    assert sorted(shown) == list(range(last + 1)) or sorted(shown) == list(range(1, last + 1)), (
        f"{where}: Play showed the frames {sorted(shown)}, expected each of 1..{last}")
    for k in range(1, last + 1):
        assert_frame(shown[k], frames[k], last, f"{where}, Play at frame {k}")
    assert_picture(state, frames[last], f"{where}, Play at frame {last}")
    # Stop (else Play's next tick moves the slider on): back to the seed; settle before typing, as
    # the Play-slider link runs in the kernel and would answer a quicker change with the old value
    flow.locator(".widget-play button").nth(1).click()
    assert_frame(wait_for_frame(page, flow, 0, f"{where}, Stop"), frames[0], last, f"{where}, Stop")
    type_step(page, flow, 1)
    state = wait_for_frame(page, flow, 1, f"{where}, slider")
    assert_frame(state, frames[1], last, f"{where}, slider at frame 1")
    assert_picture(state, frames[1], f"{where}, slider at frame 1")


def grads_in_page(sens_widget) -> dict:
    """The gradient tables the sensitivity widget shows, by tensor name ("x", "y", "z")."""
    tables = sens_widget.locator(".mini-autograd-grads table.mini-autograd-array")
    out = {}
    for i in range(tables.count()):
        t = tables.nth(i)
        label = t.locator("caption").inner_text().strip()  # "grad of x", "grads[1] (y)", "weights[0] (z)"
        name = label[label.index("(") + 1:label.rindex(")")] if "(" in label else label.split()[-1]
        rows = [[float(td) for td in tr.locator("td").all_inner_texts()] for tr in t.locator("tr").all()]
        out[name.split(".")[-1]] = np.array(rows)
    return out


def assert_grads_shown(sens_widget, call: Call, where: str) -> None:
    shown, want = grads_in_page(sens_widget), call.grads()
    assert set(shown) == set(want), f"{where}: shows the gradients {sorted(shown)}, expected {sorted(want)}"
    for name, values in shown.items():
        np.testing.assert_allclose(values, want[name].reshape(values.shape), rtol=2e-5, atol=1e-6,
                                   err_msg=f"{where}: the gradient of {name}")


def check_sensitivity(page, sens_widget, item: Sensitivity, where: str) -> None:
    sens_widget.scroll_into_view_if_needed()
    controls = sens_widget.locator(".mini-autograd-sens-control input")
    assert controls.count() == item.call.sens.size, f"{where}: {controls.count()} sens controls"
    sens = np.array([float(controls.nth(i).input_value()) for i in range(controls.count())])
    np.testing.assert_allclose(sens, item.call.sens.reshape(-1), err_msg=f"{where}: the sens controls")
    assert_grads_shown(sens_widget, item.call, where)
    if item.typed:
        type_sensitivities(page, sens_widget, controls)


def check_explorer(page, explorer, item: Explorer, where: str) -> None:
    """Each tab, opened as a learner does: the graph, the gradient flow, the sensitivity."""
    tabs = explorer.locator(".lm-TabBar-tab")
    for title, check, css in ((r"graph", check_graph_widget, ".mini-autograd-graph"),
                              (r"flow", check_flow, ".mini-autograd-flow"),
                              (r"sensitivity", None, ".mini-autograd-sens")):
        tabs.filter(has_text=re.compile(title, re.I)).first.click()
        view = explorer.locator(f"{css}:not(.lm-mod-hidden)").first
        view.wait_for(state="visible", timeout=30_000)
        if check:
            check(page, view, item, f"{where}, {title} tab")
        else:
            assert_grads_shown(view, item.call, f"{where}, {title} tab")


def check_output(page, el, item: Output, where: str) -> None:
    texts = all_texts(page.locator(".jp-OutputArea-output[data-mime-type^='application/vnd.jupyter.std']"))
    assert any(re.search(item.pattern, t + "\n") for t in texts), (
        f"{where}: no output matches {item.pattern!r}; outputs begin {[t[:80] for t in texts[:4]]}")


def check_training(page, box, item: Training, where: str) -> None:
    """The progress bar is full, the status names the last epoch and the loss the cell printed (a
    loss that learned something), and the loss plot is drawn at its size."""
    box.scroll_into_view_if_needed()
    bar = box.locator(".widget-hprogress .progress-bar").first
    width = bar.evaluate("b => b.style.width")
    assert width == "100%", f"{where}: the progress bar stands at {width}"
    status = box.locator(".widget-html").first.inner_text()
    m = re.search(r"epoch (\d+)/(\d+), mean loss (\d+\.\d+)", status)
    assert m and int(m.group(1)) == int(m.group(2)) == item.epochs, f"{where}: the status reads {status!r}"
    printed = re.search(item.printed, "\n".join(all_texts(page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"))))
    assert printed, f"{where}: no printed output matches {item.printed!r}"
    assert m.group(3) == printed.group(1), f"{where}: the status shows loss {m.group(3)}, the cell printed {printed.group(1)}"
    assert float(m.group(3)) < item.below, f"{where}: the final loss {m.group(3)} is not below {item.below}"
    img = box.locator(".widget-image").first
    size = img.evaluate("i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]")
    assert tuple(size[:2]) == item.plot_px and size[2] > 100, f"{where}: the loss plot is {size}"


def type_sensitivities(page, sens_widget, controls) -> None:
    """Type new sensitivities into the controls, as a learner does, and compare the gradients shown
    with the hand derivation; time each update in the page (key press to changed gradients)."""
    grads = sens_widget.locator(".mini-autograd-grads").first
    latencies = []
    for k, step in enumerate([1.5, -0.75, 2.25, -1.0, 0.5, 3.0, -2.5, 0.25, 1.0, -0.5]):
        sens = np.array([float(controls.nth(i).input_value()) for i in range(6)]).reshape(2, 3)
        new = float(sens.flat[k % 6]) + step  # always a new value, so the gradients must change
        sens.flat[k % 6] = new
        box = controls.nth(k % 6)
        box.fill(str(new))
        grads.evaluate("""el => {
            window.__sensLatency = null;
            const old = el.innerText, start = performance.now();
            const seen = new MutationObserver(() => {
                if (el.innerText !== old) { seen.disconnect(); window.__sensLatency = performance.now() - start; }
            });
            seen.observe(el, {subtree: true, childList: true, characterData: true});
        }""")
        box.press("Enter")
        page.wait_for_function("window.__sensLatency !== null", timeout=10_000)
        latencies.append(page.evaluate("window.__sensLatency"))
        shown, want = grads_in_page(sens_widget), document_grads(sens)
        assert shown and set(shown) <= set(want), f"unexpected gradient tables: {sorted(shown)}"
        for name, values in shown.items():
            np.testing.assert_allclose(values, want[name].reshape(values.shape), rtol=2e-5, atol=1e-6)
    assert statistics.median(latencies) < 2000, f"typed sensitivities: {latencies} ms in the page"


CHECKS = {"Graph": check_graph, "GraphWidget": check_graph_widget, "Flow": check_flow,
          "Sensitivity": check_sensitivity, "Explorer": check_explorer, "Output": check_output,
          "Training": check_training}
