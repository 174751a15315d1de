"""In headless Chromium: the exported HTML plays offline, presenter mode on a projector.

The exported file is downloaded through the real page's Export panel (its
button's deferred callable), then opened with ``file://`` in a context that
is offline and aborts every request that is not the file itself: both of its
charts (the race and the 3D view) must play.
"""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.waits import open_app, rerun, settled

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"


def markers(page, div: str) -> list:
    """The current-position markers of the chart in ``div`` (a CSS selector)."""
    return page.evaluate(f"""() => {{
        const t = document.querySelector('{div}')._fullData.find(t => t.name === 'position');
        return [Array.from(t.x), Array.from(t.y), Array.from(t.z || [])];
    }}""")


def moved(page, div: str, before: list) -> list:
    """Until the markers of the chart in ``div`` are no longer at ``before``; where they are."""
    page.wait_for_function(
        f"""before => {{
            const t = document.querySelector('{div}')._fullData.find(t => t.name === 'position');
            return JSON.stringify([Array.from(t.x), Array.from(t.y), Array.from(t.z || [])])
                !== JSON.stringify(before);
        }}""", arg=before, timeout=10_000)
    return markers(page, div)


def plays(page, div: str) -> bool:
    """Press the chart's Play: do its markers move, and keep moving? (A chart that does
    not, times out.)"""
    before = markers(page, div)
    page.locator(f"{div} .updatemenu-button", has_text="Play").click()
    during = moved(page, div, before)
    later = moved(page, div, during)
    return before != during != later


def test_the_exported_html_plays_offline(browser, app_url, tmp_path):
    # the worker's shared profile (its scripts compiled once), which accepts downloads
    context = browser.new_context(shared=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    # A shorter race than the page's 300 steps: a smaller file, the same parts in it.
    open_app(page, app_url,
             "?run=sgd:lr=1.8&run=momentum:lr=0.3,mu=0.9&run=adam:lr=0.3&steps=60")
    rerun(page, page.get_by_text("Export", exact=True).click)  # the panel's run, then its switch
    rerun(page, page.get_by_text("Add the 3D view to the HTML file").click)
    button = page.get_by_role("button", name="Download the scene as HTML")
    button.wait_for()
    with page.expect_download(timeout=30_000) as download:
        button.click()
    assert download.value.suggested_filename == "descent-lab-ravine-60-steps.html"
    path = tmp_path / "scene.html"
    download.value.save_as(path)
    context.close()

    offline = browser.new_context(viewport={"width": 800, "height": 600}, offline=True)
    tried, problems = [], []

    def only_the_file(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    offline.route("**/*", only_the_file)
    page = offline.new_page()
    page.on("console", lambda m: problems.append(f"console {m.text} {m.location}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e!r} {e.stack}"))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 2"
                           " && [...document.querySelectorAll('.js-plotly-plot')]"
                           ".every(gd => gd._fullData && gd._fullData.length > 0)",
                           timeout=30_000)
    assert page.locator("#descent-lab-figure .imagelayer image").count() == 1  # the contour
    buttons = page.evaluate("() => [...document.querySelectorAll('.modebar-btn')]"
                            ".map(b => b.getAttribute('data-title'))")
    assert buttons.count("Download plot as a PNG") == 2  # the PNG, offline, of each chart
    assert not [b for b in buttons if "Share" in b or "Cloud" in b]  # nothing uploads
    # (no Pause: plotly.js rejects the interrupted Play's promise, unhandled, in any page)
    assert plays(page, "#descent-lab-figure")
    page.locator("#descent-lab-figure-2").scroll_into_view_if_needed()
    assert plays(page, "#descent-lab-figure-2")  # the 3D view's redraw frames
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-offline.png"))
    assert tried == [] and problems == []
    offline.close()


# The sidebar's right edge in the page, as it slides in or out (0 when hidden).
SIDEBAR_RIGHT = ("(() => { const s = document.querySelector('[data-testid=stSidebar]');"
                 " if (!s || !s.getClientRects().length) return 0;"
                 " const b = s.getBoundingClientRect(); return Math.max(0, b.x + b.width); })()")


def sidebar_width(page) -> float:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return 0.0 if box is None else max(0.0, box["x"] + box["width"])


def test_presenter_mode_on_a_1920x1080_projector(browser, app_url):
    context = browser.new_context(shared=True, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    open_app(page, app_url, "?present=1")
    settled(page)
    page.wait_for_function(SIDEBAR_RIGHT + " <= 0", timeout=10_000)  # its transition over
    assert sidebar_width(page) == 0  # tucked away, one click from the arrow at the top left
    font = page.evaluate(f"() => {GRAPH}._fullLayout.font.size")
    chart = page.locator(".js-plotly-plot").bounding_box()
    assert font == 24 and chart["height"] >= 600 and chart["width"] >= 1800
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "presenter.png"))

    page.get_by_text("Presenter mode", exact=True).click()
    page.wait_for_function(f"() => {GRAPH} && {GRAPH}._fullLayout"
                           f" && {GRAPH}._fullLayout.font.size === 14", timeout=15_000)
    page.wait_for_function(SIDEBAR_RIGHT + " > 200", timeout=10_000)  # its transition over
    assert "present=" not in page.url
    assert sidebar_width(page) > 200  # the controls are back
    context.close()
