"""The race chart on every screen, in headless Chromium: what is drawn where.

At a phone's 390 x 844, a laptop's 1366 x 768, a projector's 1920 x 1080, and in
presenter mode at 1280 x 720 and 1920 x 1080, the real page is opened and the
bounding boxes Plotly draws, and those of the player under the chart, are read back:
no part of the chart overlaps another (Play/Pause, the speed menu, the step slider
and its "step N" label, the colour bar and its title, every axis title and tick
label, the legend, the panels), the
page never scrolls sideways, the contour panel is wide enough, and where the
issue asks for it the chart and its Play button are on the first screen. A phone
gets its own layout: the loss panel below the contour, the slider on a row of
its own. Screenshots of each go to ``artifacts/``.
"""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import ARTIFACTS
from tests.waits import APP_IDLE, CHART_DRAWN, settled

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"

# name: (width, height, link, smallest contour panel width, chart and Play on screen one)
SCREENS = {
    "phone": (390, 844, "", 300, False),
    "laptop": (1366, 768, "", 560, True),
    "projector": (1920, 1080, "", 720, True),
    "presenter-1280": (1280, 720, "?present=1", 560, True),
    "presenter-1920": (1920, 1080, "?present=1", 720, True),
}

# The parts of the chart, as (name, CSS selector inside the chart); each selector may
# match several elements (one per axis, tick or button), each a part of its own kind.
PARTS = {
    "legend": ".legend",
    "colour bar": ".colorbar",
    "x title": ".g-xtitle, .g-x2title, .g-x3title, .g-x4title, .g-x5title, .g-x6title, .g-x7title",
    "y title": ".g-ytitle, .g-y2title, .g-y3title, .g-y4title, .g-y5title, .g-y6title, .g-y7title",
    "x ticks": ".xaxislayer-above .xtick text",
    "y ticks": ".yaxislayer-above .ytick text",
    "title": ".annotation",
}

BOXES = r"""(parts) => {
    const gd = document.querySelector('.js-plotly-plot');
    const out = [];
    for (const [kind, selector] of Object.entries(parts)) {
        gd.querySelectorAll(selector).forEach((el, i) => {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'
                && el.closest('[style*="opacity: 0"]') === null) {
                out.push({kind, i, x0: r.left, y0: r.top + window.scrollY,
                          x1: r.right, y1: r.bottom + window.scrollY,
                          text: (el.textContent || '').slice(0, 20)});
            }
        });
    }
    // The player under the chart (controls/race_chart): Play, Pause, the step and its
    // slider, the speed menu; each a part of its own.
    const player = document.querySelector('.descent-player');
    if (player) {
        const parts = [['buttons', 'button'], ['step', '.descent-step'],
                       ['slider', 'input[type=range]'], ['speed', 'select']];
        for (const [kind, selector] of parts) {
            player.querySelectorAll(selector).forEach((el, i) => {
                const r = el.getBoundingClientRect();
                out.push({kind, i, x0: r.left, y0: r.top + window.scrollY, x1: r.right,
                          y1: r.bottom + window.scrollY, text: el.textContent.slice(0, 20)});
            });
        }
    }
    // The panels: each x axis with the y axis it is anchored to, as Plotly laid them out.
    const box = gd.getBoundingClientRect();
    const layout = gd._fullLayout;
    Object.keys(layout).filter(k => /^xaxis\d*$/.test(k)).forEach((k, i) => {
        const xa = layout[k], ya = layout[xa.anchor.replace('y', 'yaxis')];
        out.push({kind: 'panel', i, x0: box.left + xa._offset,
                  x1: box.left + xa._offset + xa._length, y0: box.top + window.scrollY + ya._offset,
                  y1: box.top + window.scrollY + ya._offset + ya._length, text: k});
    });
    return out;
}"""

# Pairs of kinds that are drawn one inside the other by design: tick labels sit on
# their axis, next to a panel's edge, never inside it.
NESTED = {frozenset({"buttons"})}


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack)


# The chart is drawn for the main column's width as it is now: the width the page's
# viewport component last reported (window.__descentLab.viewport) is within its 8 pixels of
# the column's, the chart's layout has that width, and no script run is going on.
LAID_OUT = f"""() => {{
    const reported = (window.__descentLab || {{}}).viewport, gd = {GRAPH};
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!reported || !main || !gd || !gd._fullLayout || !{APP_IDLE}) return false;
    const style = getComputedStyle(main);
    const width = main.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
    return Math.abs(width - reported.width) <= 8
        && Math.abs(gd._fullLayout.width - reported.width) <= 1;
}}"""


def open_screen(browser, url: str, name: str):
    width, height, link, _, _ = SCREENS[name]
    context = browser.new_context(shared=True, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{url}/{link}")
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullLayout && {GRAPH}.querySelector('.main-svg')",
                           timeout=60_000)
    # The sidebar's transition over, the main column's last width reported, and the chart
    # drawn for it.
    page.wait_for_function(LAID_OUT, timeout=30_000)
    settled(page)
    return context, page


@pytest.mark.parametrize("name", list(SCREENS))
def test_the_chart_fits_the_screen_with_nothing_overlapping(browser, app_url, name):
    width, height, link, min_contour, first_screen = SCREENS[name]
    context, page = open_screen(browser, app_url, name)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-{name}.png"))
        # Never sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The contour panel, as Plotly drew its x axis.
        contour = page.evaluate(f"{GRAPH}._fullLayout.xaxis._length")
        assert contour >= min_contour, (name, contour)
        boxes = page.evaluate(BOXES, PARTS)
        kinds = {b["kind"] for b in boxes}
        assert {"legend", "colour bar", "buttons", "slider", "panel", "x ticks"} <= kinds
        clashes = [(a, b)
                   for a, b in itertools.combinations(boxes, 2)
                   if (a["kind"], a["i"]) != (b["kind"], b["i"])
                   and frozenset({a["kind"], b["kind"]}) not in NESTED and _overlap(a, b)]
        assert clashes == [], clashes
        # The player sits under the chart's plot, on its own rows.
        svg = page.locator(".js-plotly-plot .main-svg").first.bounding_box()
        assert all(b["y0"] >= svg["y"] + svg["height"] - 1 for b in boxes
                   if b["kind"] in ("buttons", "step", "slider", "speed"))
        # Play, and the whole chart, on the first screen.
        play = page.locator(".descent-player button[name=play]").bounding_box()
        chart = page.locator(".js-plotly-plot").bounding_box()
        if first_screen:
            assert play["y"] + play["height"] <= height and chart["y"] >= 0, (play, chart)
            assert chart["y"] + chart["height"] <= height + 1, (chart, height)
        if name == "phone":  # its own layout: loss under the contour, controls on rows
            panels = sorted((b for b in boxes if b["kind"] == "panel"), key=lambda b: b["y0"])
            assert len(panels) == 2 and panels[1]["y0"] > panels[0]["y1"]
            slider = next(b for b in boxes if b["kind"] == "slider")
            assert all(slider["y0"] >= b["y1"] - 1 for b in boxes if b["kind"] == "buttons")
            assert slider["x1"] - slider["x0"] >= 150  # wide enough to scrub with a thumb
    finally:
        context.close()


def test_small_multiples_keep_titles_on_their_panels(browser, app_url):
    context, page = open_screen(browser, app_url, "presenter-1920")
    try:
        page.get_by_text("Small multiples", exact=True).click()
        page.wait_for_function(f"{GRAPH} && {GRAPH}._fullLayout.xaxis6 !== undefined",
                               timeout=30_000)
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "layout-multiples-presenter.png"))
        boxes = page.evaluate(BOXES, PARTS)
        panels = [b for b in boxes if b["kind"] == "panel"][:6]
        titles = [b for b in boxes if b["kind"] == "title"]
        assert len(titles) == 6
        for panel in panels:  # each contour panel has its title just above, centred on it
            (title,) = [t for t in titles if abs((t["x0"] + t["x1"]) / 2
                                                 - (panel["x0"] + panel["x1"]) / 2) < 3
                        and 0 <= panel["y0"] - t["y1"] < 12]
            assert panel["x1"] - panel["x0"] >= 300  # large enough to see a path
        clashes = [(a["kind"], b["kind"]) for a, b in itertools.combinations(boxes, 2)
                   if (a["kind"], a["i"]) != (b["kind"], b["i"]) and _overlap(a, b)
                   and frozenset({a["kind"], b["kind"]}) not in NESTED]
        assert clashes == [], clashes
        play = page.locator(".descent-player button[name=play]").bounding_box()
        assert play["y"] + play["height"] <= 1080  # the play row on the first screen
    finally:
        context.close()


def _reports_size(message) -> bool:
    """Whether a message the page sends is a script rerun carrying the viewport's report."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    if not isinstance(message, bytes):
        return False
    back = BackMsg()
    try:
        back.ParseFromString(message)
    except Exception:  # not a BackMsg: forwarded as it is
        return False
    return back.WhichOneof("type") == "rerun_script" and any(
        w.WhichOneof("value") == "json_value" and '"size"' in w.json_value
        for w in back.rerun_script.widget_states.widgets)


def test_a_lost_screen_report_is_sent_again(browser, app_url):
    """The page's first report of its screen never reaches the server (dropped on the
    websocket, as a message lost between two runs would be): the browser sends it again
    once the server has not echoed it, and the chart is drawn."""
    context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    reports = []

    def between(ws):
        server = ws.connect_to_server()

        def from_page(message):
            if _reports_size(message):
                reports.append(message)
                if len(reports) == 1:
                    return  # lost
            server.send(message)

        ws.on_message(from_page)

    try:
        page.route_web_socket("**/_stcore/stream", between)
        page.goto(app_url)
        page.wait_for_function(f"() => {CHART_DRAWN}", timeout=60_000)
        assert len(reports) >= 2  # the lost one, and the one sent again
    finally:
        context.close()


def test_scrolling_the_page_does_not_change_where_the_chart_starts(browser, app_url):
    """The screen's report says where the chart starts on the page (``top``). Streamlit
    scrolls its main column: scrolled down, a report (here, after the window narrows)
    says the same ``top``, so the server draws the same chart, at the step it shows."""
    context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sent = "() => window.__descentLab && window.__descentLab.viewport"
    try:
        page.goto(app_url)
        page.wait_for_function(f"() => {CHART_DRAWN}", timeout=60_000)
        settled(page)
        before = page.evaluate(sent)
        page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')"
                      ".scrollTo(0, 400)")
        assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')"
                             ".scrollTop") > 100
        page.set_viewport_size({"width": 1300, "height": 768})
        page.wait_for_function(f"w => ({sent})().width !== w", arg=before["width"],
                               timeout=30_000)
        after = page.evaluate(sent)
        assert after["top"] == before["top"] and after["height"] == before["height"]
    finally:
        context.close()
