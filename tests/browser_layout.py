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

from tests.browser_checks import flow_state, type_step, wait_for_frame
from tests.browser_support import flow_caption
from viz.graph import COLOURS

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Every picture viz shows, visible now: its box against its output's, any horizontal scroll between
# them, and the legend's box (the graph's node titled "legend").
PICTURES = r"""() => [...document.querySelectorAll('.mini-autograd-svg > svg, .mini-autograd-frame > svg')]
    .filter(s => s.getBoundingClientRect().width > 0)
    .map(s => {
        const area = s.closest('.jp-OutputArea-output'), a = area.getBoundingClientRect(), r = s.getBoundingClientRect();
        const tagged = s.closest('[data-browser-test]');
        const scrolls = [];
        for (let e = s.parentElement; e && e !== area.parentElement; e = e.parentElement)
            if (e.scrollWidth > e.clientWidth + 1) scrolls.push(e.className || e.tagName);
        const legend = [...s.querySelectorAll('g.node')].find(g => g.querySelector('title').textContent === 'legend');
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
            f"{what} is wider than its output: {p['left']:.0f}..{p['right']:.0f} in {p['areaLeft']:.0f}..{p['areaRight']:.0f}")
        assert not p["scrolls"], f"{what} scrolls sideways in {p['scrolls']}"
        legend = p["legend"]
        if legend:  # every viz graph has one unless drawn with legend=False
            assert legend["right"] <= p["areaRight"] + 1 and legend["left"] >= p["areaLeft"] - 1, f"{what}: legend cut off"
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

ARM = r"""(el, selector) => {
    window.__lat = null;
    const read = () => [...el.querySelectorAll(selector)].map(e => e.innerHTML.length + ':' + e.textContent).join('|');
    const old = read(), start = performance.now();
    const seen = new MutationObserver(() => {
        if (read() !== old) {
            seen.disconnect();
            // changed in the DOM; the time ends when the browser has laid it out and painted it
            requestAnimationFrame(() => setTimeout(() => { window.__lat = performance.now() - start; }, 0));
        }
    });
    seen.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def timed(page, el, selector: str, act) -> float:
    """Milliseconds from ``act()`` (a click or key press) until ``selector`` inside ``el`` changes
    and is painted."""
    el.evaluate(ARM, selector)
    act()
    page.wait_for_function("window.__lat !== null", timeout=20_000, polling=20)
    return page.evaluate("window.__lat")


def summary(samples: list) -> dict:
    return {"median_ms": statistics.median(samples), "p95_ms": float(np.percentile(samples, 95)),
            "n": len(samples), "samples_ms": [round(s, 1) for s in samples]}

