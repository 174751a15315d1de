"""The real page in headless Chromium: it loads cleanly, plays, redraws, takes clicks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.st_client import PAGE_CHART, chart_message, is_chart
from scenes import DEFAULT_SCENE, scene_from_query
from scenes.compute import build_surface
from tests.conftest import ARTIFACTS
from tests.test_lecture_browser import LOSS_LENGTHS
from tests.waits import animation_frames, open_app, rerun

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"
CONTOUR = ".js-plotly-plot .layer-subplot .imagelayer image"  # the filled contour, a PNG


def positions(page) -> list[list[float]]:
    """The current-position markers of every run, as Plotly holds them in the page
    (``_fullData``: the arrays decoded from the compact base64 form)."""
    return page.evaluate(f"""() => {{
        const t = {GRAPH}._fullData.find(t => t.name === 'position');
        return [Array.from(t.x), Array.from(t.y)];
    }}""")


# Every path and loss curve as drawn, to tell whether the chart was redrawn.
PATHS = (f"JSON.stringify({GRAPH}._fullData.filter(t => t.legendgroup)"
         ".map(t => [Array.from(t.x || []), Array.from(t.y || [])]))")


SLIDER = "document.querySelector('.descent-player input[type=range]')"
SHOWN = f"Number({SLIDER}.value)"  # the frame the player shows


def frame(page) -> int:
    return page.evaluate(f"() => {SHOWN}")


def test_page_loads_cleanly_and_plays(page, app_url):
    open_app(page, app_url)
    page.wait_for_load_state("networkidle")  # every request answered, its errors logged
    assert page.get_by_test_id("stException").count() == 0
    assert page.problems == []  # no console error, no request leaving localhost
    assert page.locator(CONTOUR).count() == 1
    # the URL holds the scene (the default scene's, short: every value is its default)
    assert scene_from_query(parse_qs(urlparse(page.url).query)) == (DEFAULT_SCENE, [])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page.png"))

    # Play (from the start): every run's marker moves, in the browser, over the contour
    # that stays.
    before = positions(page)
    page.locator(".descent-player button[name=play]").click()
    page.wait_for_function(f"() => {SHOWN} >= 2 && {SHOWN} < {SLIDER}.max", timeout=15_000)
    during, at = positions(page), frame(page)
    page.wait_for_function(f"k => {SHOWN} >= k", arg=at + 2, timeout=15_000)
    later = positions(page)
    assert during != before and later != during
    assert len(during[0]) == 6
    assert page.locator(CONTOUR).count() == 1
    assert page.problems == []
    # Pause: the markers stop, however many frames the browser paints after.
    page.locator(".descent-player button[name=pause]").click()
    animation_frames(page, 5)  # a frame that was drawing when Pause came is drawn
    paused, at = positions(page), frame(page)
    animation_frames(page, 60)
    assert positions(page) == paused and frame(page) == at


def test_a_slider_move_redraws_and_a_click_sets_the_start(page, app_url):
    open_app(page, app_url, "?run=sgd:lr=1.8&run=adam:lr=0.3")
    # An lr move animates the run's traces to their new data, in the figure drawn: the
    # contour (an image Plotly drew) and the player are the same elements as before.
    page.evaluate(f"() => {{ document.querySelector('{CONTOUR}').__kept = true; }}")
    lr = page.locator(".st-key-run0_lr").get_by_role("slider")
    before = page.evaluate(f"() => {PATHS}")
    lr.press("ArrowRight")
    page.wait_for_function(f"drawn => {PATHS} !== drawn", arg=before, timeout=15_000)
    assert page.evaluate(f"() => document.querySelector('{CONTOUR}').__kept === true")
    # The cards and the sidebar were not rerun, and stay on the page.
    assert page.locator(".st-key-run1_lr").get_by_role("slider").is_visible()
    assert page.get_by_test_id("stSidebar").get_by_text("Descent Lab").count() == 1
    page.locator(".descent-player button[name=play]").click()
    page.wait_for_function("document.querySelector('.descent-player input[type=range]')"
                           ".value < 100", timeout=15_000)
    page.locator(".descent-player button[name=pause]").click()  # the paths hold still
    animation_frames(page, 5)  # a frame that was drawing when Pause came is drawn
    drawn = page.evaluate(f"() => {PATHS}")
    # The steps slider: one key press moves it and reruns the script.
    page.get_by_test_id("stSlider").filter(has_text="steps").get_by_role("slider").press(
        "PageDown")
    page.wait_for_function(f"drawn => {PATHS} !== drawn", arg=drawn, timeout=15_000)
    assert "steps=300" not in page.url

    # A click on a start-picker point, at its page coordinates (Plotly's own axis mapping).
    target = page.evaluate(f"""() => {{
        const gd = {GRAPH};
        const t = gd._fullData.find(t => t.name === 'start picker');
        const k = Math.floor(t.x.length * 0.75);
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {{x: t.x[k], y: t.y[k], px: box.left + xa._offset + xa.l2p(t.x[k]),
                 py: box.top + ya._offset + ya.l2p(t.y[k])}};
    }}""")
    page.mouse.click(target["px"], target["py"])
    page.wait_for_url(f"**start={target['x']:g}*", timeout=15_000)
    assert page.get_by_test_id("stException").count() == 0
    assert page.problems == []


def test_plotly_js_comes_over_http_once_per_browser_never_in_the_websocket(browser, app_url):
    """A second visit in the same browser takes plotly.js from its cache; the websocket
    carries the page, not plotly.js (4.8 MB)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    visits = []
    try:
        for _ in range(2):
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            seen = {"plotly": [], "websocket": 0, "ids": set(), "wire": 0}

            def response(e, seen=seen):
                if "/plotly-" in e["response"]["url"]:
                    seen["plotly"].append(e["response"])
                    seen["ids"].add(e["requestId"])

            def finished(e, seen=seen):
                if e["requestId"] in seen["ids"]:
                    seen["wire"] += e["encodedDataLength"]

            cdp.on("Network.responseReceived", response)
            cdp.on("Network.loadingFinished", finished)
            cdp.on("Network.webSocketFrameReceived",
                   lambda e, seen=seen: seen.__setitem__(
                       "websocket", seen["websocket"] + len(e["response"]["payloadData"])))
            open_app(page, app_url)
            visits.append(seen)
            page.close()
    finally:
        context.close()
    first, second = visits
    [fetched] = [r for r in first["plotly"] if not r["fromDiskCache"]]  # once, over HTTP
    assert "/app/static/plotly-" in fetched["url"] and fetched["status"] == 200
    # A script, compressed on the way: 4.8 MB of plotly.js in about 1.4 MB.
    headers = {k.lower(): v for k, v in fetched["headers"].items()}
    assert "javascript" in headers["content-type"]
    assert headers["content-encoding"] == "gzip"
    assert 1_000_000 < first["wire"] < 2_000_000
    assert second["plotly"] and all(r["fromDiskCache"] for r in second["plotly"])
    assert 0 < first["websocket"] < 1_000_000 and 0 < second["websocket"] < 1_000_000


def race_messages(payloads) -> list[dict]:
    """The race chart's messages (its data, JSON) among websocket frames a page received."""
    elements = [m.delta.new_element for m in map(ForwardMsg.FromString, map(bytes, payloads))
                if m.HasField("delta")]
    return [chart_message(e) for e in elements if is_chart(e, PAGE_CHART)]


def test_a_first_visit_reports_its_screen_once_and_gets_the_whole_figure_once(browser, app_url):
    """The measuring component reports the screen once (a resize while its report travels
    does not send it again), so no report crosses the page's first whole run: the race
    chart is sent its whole figure once, never asks for it again (``resync``)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    received, sent = [], []
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: (ws.on("framereceived", lambda f: received.append(f)),
                                         ws.on("framesent", lambda f: sent.append(f))))
        open_app(page, app_url)
        animation_frames(page, 30)
    finally:
        context.close()
    figures = ["figure" in m for m in race_messages(received)]
    reruns = [BackMsg.FromString(bytes(p)) for p in sent]
    reruns = [m.rerun_script for m in reruns if m.WhichOneof("type") == "rerun_script"]
    triggers = [w.json_trigger_value for r in reruns for w in r.widget_states.widgets
                if w.json_trigger_value]
    assert figures.count(True) == 1, figures
    assert not any("resync" in t for t in triggers), triggers
    assert len(reruns) == 2, [r.fragment_id for r in reruns]  # the page opened; its screen


# Every frame of the race as the chart holds it (each animated trace's update in it, typed
# arrays and base64 alike as plain numbers), to compare a moved chart with one drawn whole.
RESOLVED_FRAMES = """() => {
    const gd = document.querySelector('.descent-race');
    const TYPED = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
                   i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array};
    const plain = (v) => {
        if (v && v.bdata !== undefined) {
            const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
            return Array.from(new TYPED[v.dtype](bytes.buffer));
        }
        return ArrayBuffer.isView(v) ? Array.from(v) : v;
    };
    return JSON.stringify(gd.__resolved.map((f) => [f.name, f.traces
        .map((t, j) => [t, Object.entries(f.data[j]).sort().map(([a, v]) => [a, plain(v)])])
        .sort((a, b) => a[0] - b[0])]));
}"""


def test_a_moved_chart_holds_the_frames_and_paths_of_the_chart_drawn_whole(browser, app_url):
    """An lr move sends one run's traces and steps in short forms (each path drawn so far
    sent once, frames that follow one another as a range): the chart that applied it
    holds every frame and path the whole figure of the new link has."""
    context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
    received = []
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(f)))
        open_app(page, app_url, "?run=sgd:lr=1.8&run=adam:lr=0.3")
        lr = page.locator(".st-key-run0_lr").get_by_role("slider")
        for key in ("ArrowLeft", "ArrowLeft"):
            rerun(page, lambda key=key: lr.press(key))
        assert "lr=1.8" not in page.url
        moved = page.evaluate(RESOLVED_FRAMES), page.evaluate(f"() => {PATHS}")
        # Both moves came as moves, in the short forms: a path drawn so far sent once
        # ("take"), frames that follow one another as a range.
        moves = [m for m in race_messages(received) if "base" in m]
        assert len(moves) == 2, [sorted(m) for m in race_messages(received)]
        columns = [c for m in moves for steps in m["steps"].values() if isinstance(steps, dict)
                   for c in steps["columns"].values() if isinstance(c, dict)]
        assert any("take" in c for c in columns)
        assert all(isinstance(steps["k"], dict) for m in moves for steps in m["steps"].values()
                   if isinstance(steps, dict))
        whole = context.new_page()
        open_app(whole, app_url, "?" + urlparse(page.url).query)
        assert whole.evaluate(RESOLVED_FRAMES) == moved[0]
        assert whole.evaluate(f"() => {PATHS}") == moved[1]
    finally:
        context.close()


def test_an_lr_move_redraws_the_chart_once_with_its_loss_curves_whole(browser, app_url):
    """Outside a lecture step the loss curves are drawn whole, so a move's new curve
    needs no second redraw to cut them: one Plotly.animate a move (each one works out
    every trace of the figure again)."""
    context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        open_app(page, app_url, "?run=sgd:lr=1.8&run=adam:lr=0.3")
        page.evaluate("""() => {
            const animate = window.Plotly.animate;
            window.__animated = [];
            window.Plotly.animate = function (gd, frame, options) {
                window.__animated.push(frame && frame.traces ? frame.traces.length : null);
                return animate.apply(this, arguments);
            };
        }""")
        lr = page.locator(".st-key-run0_lr").get_by_role("slider")
        rerun(page, lambda: lr.press("ArrowLeft"))
        assert len(page.evaluate("window.__animated")) == 1
        lengths = page.evaluate(f"() => {LOSS_LENGTHS}")
        last = page.evaluate(f"() => Number({SLIDER}.max)")
        steps = int(page.evaluate(
            "() => document.querySelector('.descent-race').__frames.at(-1).name"))
        assert last > 0 and lengths and all(n == steps + 1 for n in lengths), (lengths, steps)
    finally:
        context.close()


def test_the_first_move_away_from_the_surfaces_own_runs_leaves_the_chart_where_it_is(
        page, app_url):
    """The default page tells the story of the ravine's own runs (two lines on this
    screen); a first lr move tells its lesson instead (one line). Each lies hidden under
    the other, so the line keeps its room: the chart does not jump, the screen is not
    reported again, and the move is its two runs (the slider's, cut short by its callback,
    and the chart's), not a rerun of the race with every card."""
    open_app(page, app_url)
    shown = page.locator(".st-key-surface_story > [data-testid=stElementContainer]")
    twin = page.locator(".st-key-story_twin")
    lesson = build_surface(DEFAULT_SCENE.surface_key).lesson
    story = shown.inner_text()
    assert lesson[:40] not in story and lesson[:40] in twin.text_content()  # hidden
    assert not twin.is_visible() and shown.is_visible()
    top = page.locator(".js-plotly-plot").bounding_box()["y"]
    heights = shown.bounding_box()["height"], twin.bounding_box()["height"]
    started = page.evaluate("window.__descentStarted")
    rerun(page, lambda: page.locator(".st-key-run0_lr").get_by_role("slider").press("ArrowLeft"))
    assert lesson[:40] in shown.inner_text() and story[:40] in twin.text_content()
    assert not twin.is_visible()
    # The two lines differ in height here: the line keeps the room of the longer.
    assert heights[0] != heights[1]
    assert page.locator(".js-plotly-plot").bounding_box()["y"] == top
    assert page.evaluate("window.__descentStarted") - started <= 2


def test_a_move_while_the_step_slider_is_dragged_is_applied_whole(page, app_url):
    """The player's jumps and the page's messages take turns on the chart (Plotly.animate
    cuts short an animation still running): each move that comes while a student drags the
    step slider is applied as a move (the chart's revision goes up by one a move, no whole
    figure asked for), and nothing goes to the console."""
    open_app(page, app_url, "?run=sgd:lr=1.8&run=momentum:lr=0.3,mu=0.9&run=adam:lr=0.3")
    revision = "() => document.querySelector('.descent-race').__rev"
    before = page.evaluate(revision)
    lr = page.locator(".st-key-run0_lr").get_by_role("slider")
    lr.focus()
    page.evaluate(f"""() => {{  // a drag: a jump every 20 ms, back and forth
        const slider = {SLIDER};
        let k = 0;
        window.__drag = setInterval(() => {{
            slider.value = String(k++ % Number(slider.max));
            slider.dispatchEvent(new Event('input'));
        }}, 20);
    }}""")
    try:
        for _ in range(3):
            rerun(page, lambda: page.keyboard.press("ArrowLeft"))
    finally:
        page.evaluate("() => clearInterval(window.__drag)")
    animation_frames(page, 10)
    assert page.evaluate(revision) == before + 3
    assert page.problems == []
