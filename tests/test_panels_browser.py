"""The analysis panels in headless Chromium: a real click on the phase map adds its run;
the map's hover and the inspector's arrows are drawn as Plotly receives them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from scenes import scene_from_query
from tests.conftest import ARTIFACTS
from tests.waits import navigate, open_app, rerun, settled

pytestmark = pytest.mark.browser

CHARTS = "document.querySelectorAll('.js-plotly-plot')"
SECOND = f"{CHARTS}[1]"


def open_panel(page, url: str, query: str, title: str) -> None:
    page.goto(f"{url}/{query}")
    page.wait_for_function(f"{CHARTS}.length === 1 && {CHARTS}[0].data", timeout=30_000)
    settled(page)
    pick_panel(page, title)


def pick_panel(page, title: str) -> None:
    """The panel ``title`` picked under "Explore further", its chart drawn and in view."""
    rerun(page, lambda: page.get_by_text(title, exact=True).click())  # the panel's run
    page.wait_for_function(f"{CHARTS}.length === 2 && {SECOND}._fullData", timeout=30_000)
    page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()


def runs_in_url(page) -> list[str]:
    return parse_qs(urlparse(page.url).query).get("run", [])


def test_clicking_a_phase_map_cell_adds_that_run(page, app_url):
    open_panel(page, app_url, "?run=sgd:lr=1.8&run=momentum:lr=0.3,mu=0.9&steps=150",
               "Phase map")
    # A converged cell's centre, at its page coordinates (Plotly's own axis mapping).
    target = page.evaluate(f"""() => {{
        const gd = {SECOND};
        const t = gd._fullData.find(t => t.name === 'cell picker');
        const k = Math.floor(t.x.length / 2);
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {{x: t.x[k], y: t.y[k],
                 px: box.left + xa._offset + xa.l2p(xa.c2l(t.x[k])),
                 py: box.top + ya._offset + ya.l2p(ya.c2l(t.y[k]))}};
    }}""")
    page.mouse.move(target["px"], target["py"])
    page.wait_for_function(f"{SECOND}.querySelector('.hovertext') !== null", timeout=5_000)
    lines = page.evaluate(f"""() => Array.from(
        {SECOND}.querySelectorAll('.hovertext tspan.line'), t => t.textContent)""")
    assert re.fullmatch(r"\d+ steps to converge", lines[2]), lines  # the value: customdata
    assert lines[0] == f"lr = {target['x']:.3g}" and lines[-1] == "click: add this run"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".js-plotly-plot").nth(1).screenshot(path=str(ARTIFACTS / "phase-map.png"))

    assert len(runs_in_url(page)) == 2
    page.mouse.click(target["px"], target["py"])
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('run')"
                           ".length === 3", timeout=15_000)
    # the link writes only what differs from the defaults: read the run as a link is read
    (added,) = scene_from_query({"run": runs_in_url(page)[-1:]})[0].runs
    assert added.optimizer == "momentum"
    assert added.values["lr"] == pytest.approx(target["x"], rel=1e-6)
    assert added.values["mu"] == pytest.approx(target["y"], abs=1e-6)
    assert page.get_by_test_id("stException").count() == 0
    assert page.problems == []


def test_the_inspector_draws_arrows_and_marks_the_step(page, app_url):
    open_panel(page, app_url, "?run=nesterov:lr=0.3,mu=0.9&steps=100", "State inspector")
    drawn = page.evaluate(f"""() => {SECOND}._fullData
        .filter(t => t.mode === 'lines+markers')
        .map(t => [t.name, t.marker.symbol, t.marker.angleref])""")
    names = [name for name, _, _ in drawn]
    assert "−lr · gradient" in names and "velocity v" in names
    assert any(name.startswith("look-ahead") for name in names)
    assert all(symbol == "arrow" and ref == "previous" for _, symbol, ref in drawn)
    # The arrowheads are drawn: one path per arrow head in the scatter layer.
    heads = page.evaluate(f"() => {SECOND}.querySelectorAll('.scatterlayer .point').length")
    assert heads >= 2 * len(drawn)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".js-plotly-plot").nth(1).screenshot(path=str(ARTIFACTS / "inspector.png"))

    # The panel's own step slider (a fragment) redraws the inspector at the next step.
    # (null while the panel's chart is being replaced: Streamlit mounts it anew)
    marked = (f"() => {{ const c = {SECOND}; const t = c && c._fullData &&"
              " c._fullData.find(t => t.name === 'inspected step'); return t ? t.x[0] : null; }")
    step = page.evaluate(marked)
    slider = page.get_by_test_id("stSlider").filter(has=page.get_by_text("step", exact=True))
    rerun(page, lambda: slider.get_by_role("slider").press("ArrowRight"))  # its fragment
    page.wait_for_function(f"() => ({marked})() === {step + 1}", timeout=15_000)
    assert page.evaluate(f"() => {SECOND}._fullData.some(t => t.name === "
                         f"'position at step {step + 1}')")
    assert page.get_by_test_id("stException").count() == 0
    assert page.problems == []


@pytest.fixture(scope="module")
def laptop(browser, app_url):
    """A page at a laptop's 1366 x 768, shared by the module's tests that open a panel on
    the default scene (each opens the bare address in it first, closing any panel)."""
    context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    open_app(page, app_url)
    yield page
    context.close()


@pytest.mark.parametrize("title", ["State inspector", "Phase map", "3D view"])
def test_plotlys_toolbar_covers_no_legend_of_a_panels_chart(laptop, title):
    page = laptop
    try:
        navigate(page, "")  # the default scene, no panel open
        page.wait_for_function(f"{CHARTS}.length === 1 && {CHARTS}[0].data", timeout=30_000)
        pick_panel(page, title)
        page.locator(".js-plotly-plot").nth(1).hover()  # Plotly shows its toolbar now
        page.wait_for_function(f"getComputedStyle({SECOND}.querySelector('.modebar'))"
                               ".opacity === '1'", timeout=5_000)
        boxes = page.evaluate(f"""() => {{
            const box = e => {{ const b = e.getBoundingClientRect();
                return {{left: b.left, top: b.top, right: b.right, bottom: b.bottom}}; }};
            return {{toolbar: box({SECOND}.querySelector('.modebar')),
                     legends: [...{SECOND}.querySelectorAll('g.legend, g.legend2')].map(box)}};
        }}""")
    finally:
        page.mouse.move(0, 0)  # off the chart, for the page's next test
    toolbar = boxes["toolbar"]
    assert boxes["legends"]
    for legend in boxes["legends"]:
        assert (legend["right"] <= toolbar["left"] or toolbar["right"] <= legend["left"]
                or legend["bottom"] <= toolbar["top"] or toolbar["bottom"] <= legend["top"]), \
            (title, legend, toolbar)
