"""The widgets in JupyterLab as a learner uses them: a real JupyterLab server on 127.0.0.1 with a
token, driven by Debian's Chromium (headless) through Playwright for Python.

Every notebook is opened, run (Run All) and must show no error and exactly the widgets its row of
NOTEBOOKS names, each showing what the hand derivation says (graph labels, every frame of the
gradient flow under Play and the slider, gradients under typed sensitivities, training results).
MINI_AUTOGRAD_BROWSER_DISABLE=<labextension>[,...] disables extensions for the server (e.g.
@jupyter-widgets/jupyterlab-manager: then the test must fail). Screenshots go to test-artifacts/;
03's update latency to test-artifacts/browser_latency.json for ``make bench``. No server, kernel or
browser is left behind, also when a test fails.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.browser_support import (NETWORKS, Call, Explorer, Flow, FrameWant, Graph, Output, Sensitivity,
                                   Training, assert_frame_table, assert_printed, document_grads, flow_caption,
                                   node_grad_text, one_hot, printed_matches, svg_edge_labels, svg_nodes)
from viz.graph import COLOURS  # the legend's colours: how the pictures mark running and returned

pytestmark = pytest.mark.browser


def _kernels_run_on() -> str:
    """Where 04 must say its kernels run: a machine with an NVIDIA device and numba-cuda runs them there."""
    gpu = glob.glob("/dev/nvidia[0-9]*") and importlib.util.find_spec("numba_cuda")
    return "gpu" if gpu and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1" else "simulator"


# -- what each notebook must show, by file name (every notebook in notebooks/ needs a row) ----------
# Widgets are counted by kind and must be exactly these, in page order; an Explorer counts for its
# own graph, flow and sensitivity tabs. A Call says which gradients the call returns (and how the
# graph marks them), with which sens: the state after Run All (00 and 02 switch get_all on).
X_GRAD = Call({"x": "grad"})
ALL_THREE = Call({"x": "inputs[0]", "y": "inputs[1]", "z": "weights[0]"})
TRAINED = dict(epochs=30, below=0.05, plot_px=(520, 224))  # predicting the mean scores 0.3408
NOTEBOOKS = {
    "00_start_here.ipynb": [
        Graph(X_GRAD),                                       # viz.draw_graph(fvg)
        Explorer(Call({"x": "grads[0]", "y": "grads[1]"})),  # viz.explore(Net(), x, y), then get_all
    ],
    "01_input_derivation.ipynb": [
        Graph(X_GRAD),
        Flow(X_GRAD),
    ],
    "02_weight_derivation.ipynb": [
        Graph(ALL_THREE),                                    # fvg_both: get_all and get_by_list
        Explorer(ALL_THREE),                                 # get_by_list=True, then get_all
    ],
    "03_gradient_value_scaling.ipynb": [
        Sensitivity(Call({"x": "grad"}, sens=one_hot(5)), typed=True),  # document preset, then one_hot [1, 2]
    ],
    "04_gpu_kernels.ipynb": [
        Output(rf"the kernels run on: {_kernels_run_on()}\n"),
        Output(r"tensors live on: GPU GPU\n"),
        Output(r"value within 1e-6 of the document: True\n"),
        Output(r"gradient within 1e-6 of the document: True\n"),
    ],
    "05_training_loop.ipynb": [
        Training(printed=r"epoch 30: mean loss (\d+\.\d+)", **TRAINED),  # TrainOneStepCell
        Training(printed=r"final mean loss (\d+\.\d+)", **TRAINED),      # ForwardValueAndGrad + optimizer
    ],
    # New: until its widgets are listed here, it must at least run without error and show none.
    "06_gradient_rules.ipynb": [],
}

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ALL_NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
MARKER = "MINI_AUTOGRAD_BROWSER_TEST"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_marked(token: str) -> None:
    """Kill every process (server, kernels) that carries this run's marker in its environment."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if f"{MARKER}={token}".encode() in (proc / "environ").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks (so that autosave never touches the committed
    ones), stopped with its kernels however the tests end."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    token = secrets.token_hex(16)
    port = _free_port()
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    # every cell rendered, in view or not: widgets are counted and outputs read over the whole notebook
    (home / "settings" / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}')
    env = {**os.environ, MARKER: token, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    for name in filter(None, os.environ.get("MINI_AUTOGRAD_BROWSER_DISABLE", "").split(",")):
        # --level=user: into this server's own JUPYTER_CONFIG_DIR, never the venv's
        subprocess.run([sys.executable, "-m", "jupyterlab.labextensions", "disable", "--level=user", name],
                       env=env, check=True, capture_output=True)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=False",
           "--LabApp.news_url=", "--ServerApp.log_level=WARN", "--allow-root"]
    log = open(ARTIFACTS.mkdir(exist_ok=True) or ARTIFACTS / "jupyterlab.log", "w")
    server = subprocess.Popen(cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {ARTIFACTS / 'jupyterlab.log'}")
                time.sleep(0.5)
        yield base, token
    finally:
        try:
            req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(req, timeout=5)
            server.wait(timeout=10)
        except Exception:
            pass
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        _kill_marked(token)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"])
        try:
            yield b
        finally:
            b.close()


def open_and_run(browser, lab, name: str):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a workspace of its own, reset: only this notebook is open, whatever the server saw before
    workspace = Path(name).stem.replace("_", "-")
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/notebooks/{name}?reset&token={token}")
    page.wait_for_function(KERNEL_STATUS + " === 'idle'", timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # done when the kernel is idle again and every code cell has a number in its prompt
    page.wait_for_function(KERNEL_STATUS + " === 'idle' && " + ALL_CELLS_RUN, timeout=180_000, polling=500)
    return page


# JavaScript evaluated in the page (window.jupyterapp: --LabApp.expose_app_in_browser)
KERNEL_STATUS = r"""(() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = w && w.sessionContext && w.sessionContext.session;
    return session && session.kernel ? session.kernel.status : null;
})()"""
ALL_CELLS_RUN = r"""(() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\[\d+\]/.test(p.textContent));
})()"""
# Tags every widget of each kind with data-browser-test="<kind>-<n>" (page order); returns the counts.
# Widgets inside an explorer are its tabs, not widgets of their own.
TAG_WIDGETS = r"""() => {
    const own = sel => [...document.querySelectorAll(sel)]
        .filter(e => !(e.parentElement && e.parentElement.closest('.mini-autograd-explorer')));
    const kinds = {
        Graph: [...document.querySelectorAll(".jp-OutputArea-output[data-mime-type='image/svg+xml']")],
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
# What a flow shows now: its caption, the edge table's cells, the graph drawn.
FLOW_STATE = r"""f => {
    const cap = f.querySelector('.mini-autograd-caption'), table = f.querySelector('table.mini-autograd-edges');
    const svg = f.querySelector('svg');
    return {caption: cap ? cap.innerText : '',
            rows: table ? [...table.querySelectorAll('tr')].map(tr => [...tr.children].map(c => c.innerText)) : [],
            svg: svg ? new XMLSerializer().serializeToString(svg) : ''};
}"""


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=True)


def all_texts(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def assert_no_errors(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    # textContent, not innerText: JupyterLab skips rendering cells out of view (their innerText is "")
    texts = [t for t in all_texts(errors) if "Error" in t or "Traceback" in t]
    assert not texts, f"error output in the page: {texts[:1]}"
    widget_errors = [t for t in all_texts(page.locator(".mini-autograd-error")) if t.strip()]
    assert not widget_errors, f"a widget shows an error: {widget_errors[:1]}"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_in_jupyterlab(browser, lab, name):
    assert name in NOTEBOOKS, f"{name} has no row in NOTEBOOKS (tests/test_browser.py): list the widgets it shows"
    want = NOTEBOOKS[name]
    page = open_and_run(browser, lab, name)
    try:
        assert_no_errors(page)
        counts = page.evaluate(TAG_WIDGETS)
        for kind in counts:
            expected = sum(type(w).__name__ == kind for w in want)
            assert counts[kind] == expected, (
                f"{name} shows {counts[kind]} {kind} widget(s), its row in NOTEBOOKS lists {expected}")
        seen: dict = {}
        for item in want:
            kind = type(item).__name__
            n = seen[kind] = seen.get(kind, -1) + 1
            where = f"{name}, {kind} {n}"
            CHECKS[kind](page, page.locator(f"[data-browser-test='{kind}-{n}']"), item, where)
        assert_no_errors(page)
    finally:
        shot(page, name)
        page.close()


# -- the checks, one per kind ---------------------------------------------------------------------

def check_graph_svg(svg: str, call: Call, where: str) -> None:
    """The graph has the network's primitives and named tensors, marks exactly the returned
    gradients (red border, "returned as ...") and shows each with the derived values."""
    net, nodes = NETWORKS[call.network], svg_nodes(svg)
    heads = {n.texts[0]: n for n in nodes if n.texts}
    for op in net.ops:
        assert op in heads, f"{where}: no {op} node in the graph (nodes: {sorted(heads)})"
    for label, role in net.tensors.items():
        assert label in heads and f"({role}" in " ".join(heads[label].texts), (
            f"{where}: no node {label} ({role}): {heads[label].texts if label in heads else 'absent'}")
    marks = {n.texts[0]: t[len("returned as "):] for n in nodes for t in n.texts if t.startswith("returned as ")}
    assert marks == call.returned, f"{where}: the graph marks {marks} as returned, expected {call.returned}"
    for label, grad in call.grads().items():
        node = heads[label]
        assert (COLOURS["returned"], "3") in node.strokes, f"{where}: {label} has no red border: {node.strokes}"
        assert_printed(node_grad_text(node), grad, f"{where}, the gradient {label} shows")


def check_graph(page, el, item: Graph, where: str) -> None:
    """viz.draw_graph's output: JupyterLab shows it as an <img> of the SVG (or inline)."""
    el.scroll_into_view_if_needed()
    pic = el.locator("img, svg").first
    box = pic.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"{where}: the graph has no size on the page: {box}"
    svg = pic.evaluate("e => e.tagName.toLowerCase() === 'img' ? e.getAttribute('src') "
                       ": new XMLSerializer().serializeToString(e)")
    check_graph_svg(svg, item.call, where)


def check_graph_widget(page, el, item, where: str) -> None:
    el.scroll_into_view_if_needed()
    pic = el.locator("svg").first
    pic.wait_for(state="visible", timeout=30_000)
    box = pic.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"{where}: the graph has no size on the page: {box}"
    check_graph_svg(pic.evaluate("e => new XMLSerializer().serializeToString(e)"), item.call, where)


def flow_state(flow) -> dict:
    return flow.evaluate(FLOW_STATE)


def wait_for_frame(page, flow, k: int, where: str) -> dict:
    """The flow's state once it shows frame k and has stopped changing (caption, table and picture
    are separate widgets, updated one after the other)."""
    deadline, last = time.time() + 30, None
    while True:
        state = flow_state(flow)
        if state == last and state["svg"] and flow_caption(state["caption"])[0] == k:
            return state
        assert time.time() < deadline, f"{where}: the flow did not settle on frame {k}: {state['caption']!r}"
        last = state
        page.wait_for_timeout(300)


def assert_picture(state: dict, want: FrameWant, where: str) -> None:
    """The graph drawn for a frame highlights the primitive whose vjp ran and labels the gradients it
    sent (dashed red edges, in the node's input order) with the derived values."""
    running = [n.texts[0] for n in svg_nodes(state["svg"]) if n.fill == COLOURS["running"]]
    assert running == ([want.op] if want.op else []), f"{where}: the picture highlights {running}, not {want.op}"
    sent = [t for t in svg_edge_labels(state["svg"]) if t.startswith("grad")]
    grads = {k: g for k, g in want.sent.items() if g is not None} if want.op else {}
    assert len(sent) == len(grads), f"{where}: the picture draws {len(sent)} gradient edges, expected {len(grads)}"
    for label, grad in grads.items():  # graphviz orders the edges its own way: each must be drawn once
        assert any(printed_matches(text, grad) for text in sent), (
            f"{where}: no gradient edge in the picture shows {label}'s {np.round(grad, 4).tolist()}: {sent}")


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
    frames = item.call.frames()
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
            const s = read(f);
            window.__flowSeen.push({caption: s.caption, rows: s.rows});
        });
        window.__flowRecorder.observe(f, {subtree: true, childList: true, characterData: true});
    }""")
    flow.locator(".widget-play button").first.click()  # Play
    state = wait_for_frame(page, flow, last, f"{where}, Play")
    seen = page.evaluate("() => { window.__flowRecorder.disconnect(); return window.__flowSeen; }")
    shown = {}
    for s in seen:  # each frame's last reading: caption and table of one frame, whatever came between
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
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_latency.json").write_text(json.dumps({
        "median_ms": statistics.median(latencies), "p95_ms": float(np.percentile(latencies, 95)),
        "samples_ms": latencies}))


CHECKS = {"Graph": check_graph, "GraphWidget": check_graph_widget, "Flow": check_flow,
          "Sensitivity": check_sensitivity, "Explorer": check_explorer, "Output": check_output,
          "Training": check_training}
