"""The browser test's layout checks and response times: what a learner sees at a window's size.

Every picture fits its output's width (no horizontal scroll on the way) with its legend inside; a
gradient flow's frame keeps its size across steps, and its controls, the frame shown and the running
primitive are on screen together; each widget's response in the page (event to changed view, painted)
is timed for ``make bench``. Screenshots of each widget at each size go to test-artifacts/.
"""
from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from tests.support.browser_checks import flow_state, type_step, wait_for_frame
from tests.support.browser_support import flow_caption
from viz.graph import COLOURS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Every picture viz shows and every image of an output, visible now: its box against its output's,
# any horizontal scroll between them, and the legend's box (the graph's node titled "legend").
PICTURES = r"""() => [...document.querySelectorAll(
        '.mini-autograd-svg > svg, .mini-autograd-frame > svg, .jp-OutputArea-output img')]
    .filter(s => s.getBoundingClientRect().width > 0)
    .map(s => {
        const area = s.closest('.jp-OutputArea-output');
        const a = area.getBoundingClientRect(), r = s.getBoundingClientRect();
        const tagged = s.closest('[data-browser-test]');
        const scrolls = [];
        for (let e = s.parentElement; e && e !== area.parentElement; e = e.parentElement)
            if (e.scrollWidth > e.clientWidth + 1) scrolls.push(e.className || e.tagName);
        const legend = [...s.querySelectorAll('g.node')].find(g => g.querySelector('title').textContent === 'legend');
        // an <img> (JupyterLab's image/svg+xml, a plot) has no legend to find: it must fit as a whole
        const l = legend && legend.getBoundingClientRect();
        const clip = s.parentElement.getBoundingClientRect();
        return {where: tagged ? tagged.getAttribute('data-browser-test') : 'an output', left: r.left, right: r.right,
                areaLeft: a.left, areaRight: a.right, scrolls,
                legend: l ? {left: l.left, right: l.right, top: l.top, bottom: l.bottom} : null,
                clip: {top: clip.top, bottom: clip.bottom}};
    })"""

# A flow's picture frame's size, and whether its controls, the frame shown and the running primitive
# are inside the notebook's visible area once the controls are scrolled to its top.
FRAME_BOX = r"""f => { const r = f.querySelector('.mini-autograd-frame').getBoundingClientRect();
    return [Math.round(r.width), Math.round(r.height)]; }"""
TOGETHER = r"""([f, running]) => {
    let s = f.parentElement;
    while (s && !(s.scrollHeight > s.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(s).overflowY)))
        s = s.parentElement;
    const v = s ? s.getBoundingClientRect() : {top: 0, bottom: innerHeight};
    const bottom = Math.min(v.bottom, innerHeight);
    const seen = e => { if (!e) return null; const r = e.getBoundingClientRect();
        return r.height > 0 && r.top >= v.top - 1 && r.bottom <= bottom + 1; };
    const node = [...f.querySelectorAll('.mini-autograd-frame g.node')].find(g =>
        [...g.querySelectorAll('polygon, ellipse, path')].some(p => p.getAttribute('fill') === running));
    return {play: seen(f.querySelector('.widget-play')), step: seen(f.querySelector('.mini-autograd-step')),
            running: seen(node)};
}"""


def check_pictures(page, where: str) -> int:
    """Every visible picture fits its output's width, nothing scrolls sideways on the way, and its
    legend lies inside the output (and inside the frame that shows the picture); returns how many."""
    pictures = page.evaluate(PICTURES)
    for p in pictures:
        what = f"{where}, the picture in {p['where']}"
        assert p["left"] >= p["areaLeft"] - 1 and p["right"] <= p["areaRight"] + 1, (
            f"{what} is wider than its output: {p['left']:.0f}..{p['right']:.0f} "
            f"in {p['areaLeft']:.0f}..{p['areaRight']:.0f}")
        assert not p["scrolls"], f"{what} scrolls sideways in {p['scrolls']}"
        legend = p["legend"]
        if legend:  # every viz graph has one unless drawn with legend=False
            assert p["areaLeft"] - 1 <= legend["left"] and legend["right"] <= p["areaRight"] + 1, f"{what}: legend cut"
            assert legend["bottom"] <= p["clip"]["bottom"] + 1, f"{what}: legend below the picture's frame"
    return len(pictures)


def check_flow_frame(page, flow, where: str) -> None:
    """The frame keeps its size over the seed, step 1 and the last step; with the controls scrolled
    to the top of the notebook, Play, the frame shown and the running primitive are all in view."""
    last = flow_caption(flow_state(flow)["caption"])[1]
    sizes = {}
    for k in (0, 1, last):
        type_step(page, flow, k)
        wait_for_frame(page, flow, k, where)
        sizes[k] = tuple(flow.evaluate(FRAME_BOX))
    assert len(set(sizes.values())) == 1, f"{where}: the flow's frame changes size between steps: {sizes}"
    type_step(page, flow, 1)
    wait_for_frame(page, flow, 1, where)
    flow.locator(".widget-play").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    seen = page.evaluate(TOGETHER, [flow.element_handle(), COLOURS["running"]])
    assert seen == {"play": True, "step": True, "running": True}, (
        f"{where}: with the controls at the top, in view: {seen}")


def screenshot_each(page, stem: str, size: str) -> list:
    """One screenshot per tagged widget or picture, scrolled to it (JupyterLab's notebook scrolls
    inside the page, so a full-page screenshot would show one screen only)."""
    names = page.evaluate("() => [...document.querySelectorAll('[data-browser-test]')]"
                          ".map(e => e.getAttribute('data-browser-test'))")
    shots = []
    for tag in names:
        page.locator(f"[data-browser-test='{tag}']").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
        path = ARTIFACTS / f"{stem}-{size}-{tag}.png"
        page.screenshot(path=str(path))
        shots.append(path.name)
    return shots


# -- response times in the page -----------------------------------------------------------------------

ARM = r"""(el, selectors) => {
    window.__lat = null;
    const read = () => selectors.map(sel => [...el.querySelectorAll(sel)].map(e => e.outerHTML).join('|'));
    const old = read();
    let start = performance.now();
    // the time starts at the learner's own event (the key or the click), not at the test's call
    const begin = () => { start = performance.now(); };
    el.addEventListener('keydown', begin, {capture: true, once: true});
    el.addEventListener('click', begin, {capture: true, once: true});
    const seen = new MutationObserver(() => {
        const now = read();
        if (now.every((v, i) => v !== old[i])) {  // every part of the view has changed
            seen.disconnect();
            // changed in the DOM; the time ends when the browser has laid it out and painted it
            requestAnimationFrame(() => setTimeout(() => { window.__lat = performance.now() - start; }, 0));
        }
    });
    seen.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def timed(page, el, selectors: list, act) -> float:
    """Milliseconds from the learner's event in ``act()`` (a key press or a click inside ``el``) until
    every part of the view named by ``selectors`` has changed and the browser has painted it."""
    el.evaluate(ARM, selectors)
    act()
    page.wait_for_function("window.__lat !== null", timeout=20_000, polling=20)
    return page.evaluate("window.__lat")


def summary(samples: list) -> dict:
    return {"median_ms": round(statistics.median(samples), 1), "p95_ms": round(float(np.percentile(samples, 95)), 1),
            "n": len(samples), "samples_ms": [round(s, 1) for s in samples]}


def response_times(page, n: int = 10) -> dict:
    """Each widget of 02 (a flow, the explorer, the sensitivity explorer), driven as a learner drives
    it, ``n`` times: {widget: median, p95, samples}."""
    flow = page.locator("[data-browser-test='Flow-0']")
    explorer = page.locator("[data-browser-test='Explorer-0']")
    sens = page.locator("[data-browser-test='Sensitivity-0']")
    out: dict = {}

    flow.scroll_into_view_if_needed()
    last = flow_caption(flow_state(flow)["caption"])[1]
    steps = [(k % last) + 1 for k in range(n)]  # 1, 2, ... never the step shown before
    type_step(page, flow, 0)
    wait_for_frame(page, flow, 0, "latency")
    out["flow: step typed"] = summary([timed(page, flow, [".mini-autograd-frame", ".mini-autograd-caption"],
                                             lambda k=k: type_step(page, flow, k)) for k in steps])

    explorer.scroll_into_view_if_needed()
    box = explorer.locator(".mini-autograd-toggle-get-all input")
    samples = []
    for _ in range(n):
        samples.append(timed(page, explorer, [".mini-autograd-repr", ".mini-autograd-graph .mini-autograd-svg"],
                             box.click))
    out["explorer: get_all ticked"] = summary(samples)

    sens.scroll_into_view_if_needed()
    controls = sens.locator(".mini-autograd-sens-control input")
    samples = []
    for k in range(n):
        box = controls.nth(k % controls.count())
        value = round(float(box.input_value()) + 0.25 * (k + 1), 2)
        box.fill(str(value))
        samples.append(timed(page, sens, [".mini-autograd-grads"], lambda b=box: b.press("Enter")))
    out["sensitivity: value typed"] = summary(samples)

    samples = []
    for k in range(n):
        button = sens.locator(f".mini-autograd-preset-{('ones', 'random')[k % 2]}")
        samples.append(timed(page, sens, [".mini-autograd-grads", ".mini-autograd-heatmap"], button.click))
    out["sensitivity: preset button"] = summary(samples)
    return out
