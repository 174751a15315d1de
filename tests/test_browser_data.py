"""The issue's lecture in headless Chromium: open the unscaled penguins, Play, switch to
standardised features, shrink the batch; what the chart draws at each step.

Read back from Plotly in the page (``_fullData``, ``_fullLayout``): the axes' names and
ranges, the minimum's star, each run's path. Screenshots of each step, at a laptop's
1366 x 768 and a phone's 390 x 844, go to ``artifacts/``.
"""

from __future__ import annotations

import numpy as np
import pytest

from surfaces import make_surface
from tests.conftest import ARTIFACTS
from tests.waits import animation_frames, new_page, rerun, settled

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"
LINK = "?surface=penguins&scaling=raw"

DRAWN = f"""() => {{
    const gd = {GRAPH};
    const L = gd._fullLayout;
    const star = gd._fullData.find(t => t.name === 'minimum');
    const run0 = gd._fullData.filter(t => t.legendgroup === 'run0' && t.mode === 'lines'
                                      && (t.xaxis || 'x') === 'x');
    const path = [];
    run0.forEach(t => Array.from(t.x || []).forEach((x, i) => path.push([x, t.y[i]])));
    const at = gd._fullData.find(t => t.name === 'position');
    const slider = document.querySelector('.descent-player input[type=range]');
    return {{x_title: L.xaxis.title.text, y_title: L.yaxis.title.text,
             x_range: L.xaxis.range, y_range: L.yaxis.range,
             star: [star.x[0], star.y[0]], path: path,
             ends: Array.from(at.x).map((x, i) => [x, at.y[i]]), url: location.search,
             active: Number(slider.value), frames: Number(slider.max) + 1}};
}}"""


FIT_BOXES = """() => {
    const gd = document.querySelectorAll('.js-plotly-plot')[1];
    const parts = {'x title': '.g-xtitle', 'buttons': '.updatemenu-button',
                   'slider': '.slider-container', 'legend': '.legend', 'plot': '.nsewdrag',
                   'player': '.descent-player'};
    const out = [];
    for (const [kind, selector] of Object.entries(parts)) {
        gd.querySelectorAll(selector).forEach(el => {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.height > 0) {
                out.push({kind, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
            }
        });
    }
    return out;
}"""


# Move the race chart's step slider to frame k, as a visitor's drag does.
SCRUB = """k => {
    const s = document.querySelector('.descent-player input[type=range]');
    s.value = String(k); s.dispatchEvent(new Event('input'));
}"""
# Both charts at frame k: the race chart shows it, the fitted-line panel followed.
FOLLOWED = """k => {
    const [race, fit] = document.querySelectorAll('.js-plotly-plot');
    return race.__at === k && fit.__frames[fit.__at].name === race.__frames[k].name;
}"""
# Where each chart is: the race's step and frame names about k, the panel's.
CHARTS_AT = """k => {
    const [race, fit] = document.querySelectorAll('.js-plotly-plot');
    const names = c => c.__frames ? c.__frames.map(f => f.name) : null;
    return {k, race: {at: race.__at, rev: race.__rev, names: (names(race) || []).slice(0, 25)},
            fit: {at: fit.__at, rev: fit.__rev, follow: fit.__follow,
                  names: (names(fit) || []).slice(0, 25)},
            step: window.__descentStep};
}"""
# The fitted-line panel's run lines, and each run's point (w, b) on the race chart.
LINES_AND_POINTS = """() => {
    const [race, fit] = document.querySelectorAll('.js-plotly-plot');
    const pos = race._fullData.find(t => t.name === 'position');
    return {
        step: fit.__frames[fit.__at].name, race_step: race.__frames[race.__at].name,
        lines: fit._fullData.filter(t => (t.legendgroup || '').startsWith('run'))
            .map(t => [Array.from(t.x), Array.from(t.y)]),
        points: [Array.from(pos.x), Array.from(pos.y)],
    };
}"""


def overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack)


def drawn(page) -> dict:
    return page.evaluate(DRAWN)


def wait_for_link(page, key: str, value: str) -> None:
    """Until the address bar says ``key=value`` and the chart has been drawn again."""
    page.wait_for_function(
        "([k, v]) => new URLSearchParams(location.search).get(k) === v", arg=[key, value],
        timeout=30_000)
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullLayout", timeout=30_000)
    settled(page)


def sidebar_width(page) -> float:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return 0.0 if box is None else max(0.0, box["x"] + box["width"])


def sidebar(page):
    """The sidebar, opened if the screen tucked it away (a phone)."""
    if sidebar_width(page) < 100:
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_function("() => { const b = document.querySelector("
                               "'[data-testid=stSidebar]').getBoundingClientRect();"
                               " return b.x + b.width > 200 && Math.abs(b.x) < 0.5; }",
                               timeout=10_000)
        animation_frames(page, 2)
    return page.get_by_test_id("stSidebar")


def close_sidebar(page, width: int) -> None:
    """On a phone the open sidebar covers the chart: tuck it away again."""
    if width < 640 and sidebar_width(page) > 100:
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        page.wait_for_function("() => { const s = document.querySelector("
                               "'[data-testid=stSidebar]'); const b = s && "
                               "s.getBoundingClientRect(); return !b || b.x + b.width <= 0; }",
                               timeout=10_000)
        animation_frames(page, 2)


@pytest.mark.parametrize("width, height", [(1366, 768)], ids=["laptop"])
def test_the_ravine_turns_into_a_bowl_then_the_batch_adds_noise(browser, app_url, width,
                                                                  height):
    raw, bowl = (make_surface("penguins", scaling=s) for s in ("raw", "standardised"))
    name = "laptop" if width > 640 else "phone"
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = new_page(browser, app_url, (width, height), LINK)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        # The unscaled ravine: w and b on the axes, the star at the least-squares line.
        first = drawn(page)
        assert (first["x_title"], first["y_title"]) == ("w", "b")
        np.testing.assert_allclose(first["star"], raw.minima[0], rtol=1e-6)
        np.testing.assert_allclose([first["x_range"], first["y_range"]], raw.domain)
        assert first["active"] == first["frames"] - 1  # the last step, before Play
        page.screenshot(path=str(ARTIFACTS / f"data-1-raw-{name}.png"))

        # Play: the step slider runs from the start.
        page.locator(".descent-player button[name=play]").click()
        page.wait_for_function("() => { const s = document.querySelector("
                               "'.descent-player input[type=range]');"
                               " return 0 < Number(s.value) && s.value !== s.max; }",
                               timeout=10_000)
        playing = drawn(page)["active"]
        assert 0 < playing < first["frames"] - 1
        page.wait_for_function("() => Number(document.querySelector("
                               f"'.descent-player input[type=range]').value) > {playing}",
                               timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / f"data-2-playing-{name}.png"))

        # Standardised features: the bowl, its minimum and box; the condition number said.
        side = sidebar(page)
        side.get_by_text("standardised", exact=True).click()
        wait_for_link(page, "scaling", "standardised")
        assert "condition number 1, a round bowl" in side.inner_text()
        close_sidebar(page, width)
        second = drawn(page)
        np.testing.assert_allclose(second["star"], bowl.minima[0], rtol=1e-6)
        np.testing.assert_allclose([second["x_range"], second["y_range"]], bowl.domain)
        exact = np.array(second["path"])
        # every run's marker ends at the fit (the page shows the last step again)
        assert np.linalg.norm(np.array(second["ends"]) - bowl.minima[0], axis=1).max() < 1e-3
        assert np.linalg.norm(exact[-1] - bowl.minima[0]) < 1e-3
        page.screenshot(path=str(ARTIFACTS / f"data-3-standardised-{name}.png"))

        # Shrink the batch: from every row to 16, five presses to the left.
        side = sidebar(page)
        side.get_by_text("Noise, mini-batches and schedules").click()
        thumb = side.get_by_test_id("stSlider").filter(has_text="mini-batch size") \
            .get_by_role("slider")
        for _ in range(5):  # one press, then its run: a press during a run may be lost
            rerun(page, lambda: thumb.press("ArrowLeft"))
        wait_for_link(page, "batch", "16")
        close_sidebar(page, width)
        third = drawn(page)
        noisy = np.array(third["path"])
        assert noisy.shape == exact.shape
        assert np.abs(noisy - exact).max() > 0.05  # each step follows its own 16 rows
        # every run ends near the fit, jittering about it
        ends = np.linalg.norm(np.array(third["ends"]) - bowl.minima[0], axis=1)
        assert 0 < ends.min() and ends.max() < 0.3, (ends, third["url"])
        np.testing.assert_allclose(third["star"], bowl.minima[0], rtol=1e-6)  # same loss
        assert page.get_by_text("Mini-batches: each step's gradient is the mean over 16",
                                exact=False).count() == 1
        page.screenshot(path=str(ARTIFACTS / f"data-4-batch-{name}.png"))

        # The fitted-line panel: the data and each run's line.
        rerun(page, page.get_by_test_id("stButtonGroup").filter(has_text="The fitted line")
              .get_by_text("The fitted line").click)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 2",
                               timeout=30_000)
        fit = page.locator(".js-plotly-plot").nth(1)
        fit.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot')[1]._fullLayout",
                               timeout=30_000)
        settled(page)
        titles = page.evaluate("""() => {
            const L = document.querySelectorAll('.js-plotly-plot')[1]._fullLayout;
            return [L.xaxis.title.text, L.yaxis.title.text];
        }""")
        assert titles == ["flipper length, standardised", "body mass (kg)"]
        # its axis title, Play and Pause, the slider and the legend do not overlap
        boxes = page.evaluate(FIT_BOXES)
        # no player of its own: it follows the race chart's
        assert {b["kind"] for b in boxes} == {"x title", "legend", "plot"}
        clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a["kind"] != b["kind"] and overlap(a, b)]
        assert clashes == []
        # The race chart's slider moved to a step: every run's line through the data is
        # the line of its point (w, b) on the contour at that step.
        for k in (3, 0, 20):
            page.evaluate(SCRUB, k)
            try:
                page.wait_for_function(FOLLOWED, arg=k, timeout=30_000)
            except Exception:  # what each chart shows, to say why
                raise AssertionError(page.evaluate(CHARTS_AT, k)) from None
            animation_frames(page, 3)  # both charts' animations of that step are drawn
            lines = page.evaluate(LINES_AND_POINTS)
            assert lines["step"] == lines["race_step"]
            assert len(lines["lines"]) == len(lines["points"][0]) > 0
            for (xs, ys), w, b in zip(lines["lines"], *lines["points"], strict=True):
                np.testing.assert_allclose(ys, np.array(xs) * w + b, rtol=1e-4, atol=1e-4)
        page.mouse.move(0, 0)  # no hover toolbar in the picture
        animation_frames(page, 5)
        fit.screenshot(path=str(ARTIFACTS / f"data-5-fit-{name}.png"))
        assert page.get_by_test_id("stException").count() == 0
        assert problems == []
    finally:
        context.close()
