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
            "--disable-component-update", "--disable-sync"])
        try:
            yield b
        finally:
            b.close()


def open_and_run(browser, lab, name: str):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/notebooks/{name}?token={token}")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=60_000)
    page.evaluate("""async () => {
        const w = window.jupyterapp.shell.currentWidget;
        await w.sessionContext.ready;
        await window.jupyterapp.commands.execute('notebook:run-all-cells');
    }""")
    # done when every code cell has a number in its prompt and the kernel is idle
    page.wait_for_function("""() => {
        const w = window.jupyterapp.shell.currentWidget;
        if (!w || w.sessionContext.session.kernel.status !== 'idle') return false;
        const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
        return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
    }""", timeout=120_000, polling=500)
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=True)


def assert_no_errors(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [t for t in errors.all_inner_texts() if "Error" in t or "Traceback" in t]
    assert not texts, f"error output in the page: {texts[:1]}"
    widget_errors = [t for t in page.locator(".mini-autograd-error").all_inner_texts() if t.strip()]
    assert not widget_errors, f"a widget shows an error: {widget_errors[:1]}"


def assert_graph_svg(page) -> None:
    page.locator(".jp-OutputArea-output svg g.node, .mini-autograd-graph svg g.node, "
                 ".jp-RenderedSVG img, .jp-RenderedImage img[src^='data:image/svg']").first.wait_for(timeout=30_000)


def assert_flow_advances(page) -> None:
    flow = page.locator(".mini-autograd-flow").first
    flow.scroll_into_view_if_needed()
    caption = flow.locator(".mini-autograd-caption").first
    before = caption.inner_text()
    slider = flow.locator(".widget-slider .noUi-handle, .widget-slider input[type=range]").first
    slider.focus()
    slider.press("ArrowRight")  # what a learner does with the keyboard; Play does the same on a timer
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[caption.element_handle(), before],
                           timeout=10_000)
    assert caption.inner_text() != before


def grads_in_page(page) -> dict:
    tables = page.locator(".mini-autograd-grads table.mini-autograd-array")
    out = {}
    for i in range(tables.count()):
        t = tables.nth(i)
        label = t.locator("caption").inner_text().strip()
        rows = [[float(td) for td in tr.locator("td").all_inner_texts()] for tr in t.locator("tr").all()]
        out[label] = np.array(rows)
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
    controls = page.locator(".mini-autograd-sens .mini-autograd-sens-control input")
    assert controls.count() == 6, "the document's output has 2 x 3 elements: one control each"
    latencies = []
    for k, new in enumerate([2.0, -0.5, 1.25, 0.0, 3.5, 0.75, 1.5, -2.0, 0.3, 1.0]):
        sens = np.array([float(controls.nth(i).input_value()) for i in range(6)]).reshape(2, 3)
        sens.flat[k % 6] = new
        box = controls.nth(k % 6)
        before = page.locator(".mini-autograd-grads").first.inner_text()
        box.fill(str(new))
        start = page.evaluate("performance.now()")
        box.press("Enter")
        page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText !== old",
                               arg=[".mini-autograd-grads", before], timeout=10_000, polling="mutation")
        latencies.append(page.evaluate("performance.now()") - start)
        shown = grads_in_page(page)
        want = expected(sens)
        assert shown, "no gradient tables in the sensitivity widget"
        for label, values in shown.items():
            key = label.split()[0].strip("d/()")
            if key in want:
                np.testing.assert_allclose(values, want[key].reshape(values.shape), rtol=2e-5, atol=1e-6)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_latency.json").write_text(json.dumps({
        "median_ms": statistics.median(latencies), "p95_ms": float(np.percentile(latencies, 95)),
        "samples_ms": latencies}))
