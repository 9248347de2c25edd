"""The widgets in JupyterLab as a learner uses them: a real JupyterLab server on 127.0.0.1 with a
token, driven by Debian's Chromium (headless) through Playwright for Python.

For each example notebook: open it, run all cells, and check that no cell shows an error, that the
computation graph's SVG is in the page and that the gradient-flow Play/slider advances the step.
In 03, typing a new sensitivity into a control (as a learner does) must show the gradients the
engine computes for that sens, derived here by hand; the in-page latency of that update is written
to test-artifacts/browser_latency.json for ``make bench``. Screenshots go to test-artifacts/.
No server, kernel or browser is left behind, also when a test fails.
"""
from __future__ import annotations

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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLES = sorted(p.name for p in (ROOT / "notebooks").glob("0[1-9]_*.ipynb"))
X = np.array([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]])
Y = np.array([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]])
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
    env = {**os.environ, MARKER: token, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
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
    page.wait_for_function(KERNEL_STATUS + " === 'idle' && " + ALL_CELLS_RUN, timeout=120_000, polling=500)
    return page


# JavaScript expressions evaluated in the page (window.jupyterapp: --LabApp.expose_app_in_browser)
KERNEL_STATUS = r"""(() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = w && w.sessionContext && w.sessionContext.session;
    return session && session.kernel ? session.kernel.status : null;
})()"""
ALL_CELLS_RUN = r"""(() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\[\d+\]/.test(p.textContent));
})()"""


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=True)


def assert_no_errors(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [t for t in errors.all_inner_texts() if "Error" in t or "Traceback" in t]
    assert not texts, f"error output in the page: {texts[:1]}"
    widget_errors = [t for t in page.locator(".mini-autograd-error").all_inner_texts() if t.strip()]
    assert not widget_errors, f"a widget shows an error: {widget_errors[:1]}"


def assert_graph_svg(page) -> None:
    """A graphviz SVG (inline, or as an image JupyterLab made of it) is in the page and has a size."""
    svg = page.locator(".jp-OutputArea-output svg g.node, .mini-autograd-graph svg g.node, "
                       ".jp-RenderedSVG img, .jp-RenderedImage img[src^='data:image/svg']").first
    svg.wait_for(state="attached", timeout=30_000)
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"the graph's SVG has no size: {box}"


def assert_flow_advances(page) -> None:
    """Play advances the backward pass, and so does typing a step into the slider's readout; each
    time the caption names another step and the picture highlights another node."""
    visible = page.locator(".mini-autograd-flow:not(.lm-mod-hidden)")
    if not visible.count():  # only inside an explorer: open its gradient-flow tab, as a learner would
        page.locator(".mini-autograd-explorer .lm-TabBar-tab", has_text=re.compile("flow", re.I)).first.click()
    flow = visible.first
    flow.scroll_into_view_if_needed()
    caption = flow.locator(".mini-autograd-caption").first

    def picture() -> str:  # the graph drawn for the current step, whatever element holds it now
        return flow.evaluate("f => [...f.querySelectorAll('svg, img')].map(e => e.outerHTML).join('')")

    def changed_after(action) -> None:
        before, before_picture = caption.inner_text(), picture()
        action()
        deadline = time.time() + 15
        while caption.inner_text() == before or picture() == before_picture:
            assert time.time() < deadline, f"the flow did not advance from: {before}"
            page.wait_for_timeout(100)

    changed_after(lambda: flow.locator(".widget-play button").first.click())  # Play
    flow.locator(".widget-play button").nth(1).click()  # Stop
    readout = flow.locator(".widget-slider .widget-readout").first

    def type_step() -> None:
        current = int(readout.inner_text())
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(0 if current else 1))
        page.keyboard.press("Enter")
    changed_after(type_step)


def grads_in_page(sens_widget) -> dict:
    """The gradient tables the sensitivity widget shows, by tensor name ("x", "y", "z")."""
    tables = sens_widget.locator(".mini-autograd-grads table.mini-autograd-array")
    out = {}
    for i in range(tables.count()):
        t = tables.nth(i)
        label = t.locator("caption").inner_text().strip()  # "grad of x", "grads[1] (y)", "weights[0] (net.z)"
        name = label[label.index("(") + 1:label.rindex(")")] if "(" in label else label.split()[-1]
        rows = [[float(td) for td in tr.locator("td").all_inner_texts()] for tr in t.locator("tr").all()]
        out[name.split(".")[-1]] = np.array(rows)
    return out


def expected(sens: np.ndarray) -> dict:
    """Hand derivation for out = (x z) @ y with z = 1: dx = sens y^T, dy = x^T sens, dz = sum(sens * (x @ y))."""
    return {"x": sens @ Y.T, "y": X.T @ sens, "z": np.array([[np.sum(sens * (X @ Y))]])}


@pytest.mark.parametrize("name", EXAMPLES)
def test_notebook_in_jupyterlab(browser, lab, name):
    page = open_and_run(browser, lab, name)
    try:
        assert_no_errors(page)
        if page.locator(".mini-autograd-graph, .jp-RenderedSVG").count():
            assert_graph_svg(page)
        if page.locator(".mini-autograd-flow").count():
            assert_flow_advances(page)
        if name.startswith("03"):
            check_sensitivity(page)
        assert_no_errors(page)
    finally:
        shot(page, name)
        page.close()


def check_sensitivity(page) -> None:
    """Type new sensitivities into the controls, as a learner does, and compare the gradients shown
    with the hand derivation; time each update in the page (key press to changed gradients)."""
    visible = page.locator(".mini-autograd-sens:not(.lm-mod-hidden)")
    assert visible.count(), "no sensitivity widget in the page"
    sens_widget = visible.first
    sens_widget.scroll_into_view_if_needed()
    controls = sens_widget.locator(".mini-autograd-sens-control input")
    assert controls.count() == 6, "the document's output has 2 x 3 elements: one control each"
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
        shown = grads_in_page(sens_widget)
        want = expected(sens)
        assert shown and set(shown) <= set(want), f"unexpected gradient tables: {sorted(shown)}"
        for name, values in shown.items():
            np.testing.assert_allclose(values, want[name].reshape(values.shape), rtol=2e-5, atol=1e-6)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_latency.json").write_text(json.dumps({
        "median_ms": statistics.median(latencies), "p95_ms": float(np.percentile(latencies, 95)),
        "samples_ms": latencies}))
