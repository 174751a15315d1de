"""The lecture given from a clicker, in headless Chromium: presenter mode at a projector's
1920 x 1080 and at 1280 x 720.

* A step's link opens its race at step 0 with its question, and no claim.
* PageDown, PageUp and the arrows drive the lecture (play the race, show the claim, the
  next step; the step before) with the focus on the page, on a run's slider, on Play and
  on the race's step slider, and the page never scrolls: the chart's box stays where it
  was on the screen (Streamlit scrolls its main column, not the window).
* Until the claim shows, the loss panel's curves end at the step the race shows (the
  outcome is not given away); after the race ends, the claim shows and the curves are
  whole; a student who moves a slider leaves the step and sees the whole path and curves.
* The question and the claim are at least as large as the chart's axis titles, and every
  step's question and claim takes at most two lines; the contour keeps its width (every
  step whose surface is not square has this step's domain: ``tests/test_scenes_lecture.py``).
* Share's QR code, read back from a screenshot, is the scene's short link, at least 40%
  of the screen's height, nothing of the popover off the screen.

Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import PIL.Image
import pytest
import segno
import zxingcpp

from scenes.lecture import LECTURE, STEPS_BY_KEY
from tests.conftest import ARTIFACTS
from tests.waits import CHART_DRAWN, as_fresh, first_card_key, navigate, new_page, rerun, settled

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"
RACE = "document.querySelector('.descent-race')"
MAIN = "document.querySelector('[data-testid=\"stMain\"]')"
# Where the chart and the page's scrolling are: the chart's box on the screen, the main
# column's and the window's scroll.
PLACE = f"""() => {{ const b = {GRAPH}.getBoundingClientRect();
    return {{x: Math.round(b.x), y: Math.round(b.y), main: {MAIN}.scrollTop,
             window: window.scrollY}}; }}"""
# The length of each run's loss curve as drawn (the curves plotting.loss draws from step 0).
LOSS_LENGTHS = (f"{GRAPH}.data.flatMap((t, i) => t.mode === 'lines' && t.x0 === 0"
                " && t.dx === 1 && String(t.legendgroup || '').startsWith('run')"
                f" ? [{GRAPH}._fullData.find(f => f.index === i).y.length] : [])")
# The race's step shown and its last, the question's and the claim's text and size.
STATE = f"""() => {{
    const q = document.querySelector('.descent-question');
    const c = document.querySelector('.descent-claim');
    const title = {GRAPH}.querySelector('.xtitle');
    return {{at: {RACE}.__at, last: {RACE}.__frames.length - 1,
             question: q && q.textContent, claim: c && c.textContent,
             questionPx: q && parseFloat(getComputedStyle(q).fontSize),
             questionHeight: q && q.getBoundingClientRect().height,
             claimPx: c && parseFloat(getComputedStyle(c).fontSize),
             claimHeight: c && c.getBoundingClientRect().height,
             titlePx: parseFloat(getComputedStyle(title).fontSize),
             contour: {GRAPH}.querySelector('.nsewdrag').getBoundingClientRect().width,
             search: location.search, step: Number({RACE}.__frames[{RACE}.__at].name),
             lastStep: Number({RACE}.__frames[{RACE}.__frames.length - 1].name),
             loss: {LOSS_LENGTHS}}}; }}"""


# Every step's question and claim, each written in turn into the page's own question and
# claim (their font, their column): the largest height either took, in pixels.
TALLEST = """texts => {
    const q = document.querySelector('.descent-question');
    const c = document.querySelector('.descent-claim');
    const saved = [q.innerHTML, c.innerHTML];
    let tallest = 0;
    for (const [question, claim] of texts) {
        q.textContent = 'Q: ' + question;
        c.textContent = claim;
        tallest = Math.max(tallest, q.getBoundingClientRect().height,
                           c.getBoundingClientRect().height);
    }
    [q.innerHTML, c.innerHTML] = saved;
    return tallest; }"""


def open_step(browser, url: str, size: tuple[int, int], link: str):
    """The step's link opened, its race chart holding its frames."""
    return new_page(browser, url, size, link, ready=f"{CHART_DRAWN} && {RACE} && {RACE}.__frames")


@pytest.fixture(scope="module")
def screens(browser, app_url):
    """``at(size, link)``: a page of the screen ``size`` showing ``link``. The module's
    tests share one page per size: the first opens it, the others open their link in it
    as Back or Forward would (a rerun instead of a page's load), scrolled to the top with
    nothing focused, as a fresh page is (``navigate`` brings its tab to the front)."""
    opened = {}

    def at(size: tuple[int, int], link: str):
        if size not in opened:
            opened[size] = open_step(browser, app_url, size, link)
            return opened[size][1]
        page = opened[size][1]
        navigate(page, link)
        page.wait_for_function("""link => [...new URLSearchParams(link)].every(([k, v]) =>
            new URLSearchParams(location.search).get(k) === v)""", arg=link, timeout=30_000)
        as_fresh(page)
        settled(page)
        return page

    yield at
    for context, _ in opened.values():
        context.close()


def asked(page, key: str) -> dict:
    """Step ``key`` is open at step 0 of its race, its question shown, its claim not."""
    state = page.evaluate(STATE)
    assert f"lecture={key}" in state["search"]
    assert state["at"] == 0
    assert state["question"].endswith(STEPS_BY_KEY[key].question)
    assert state["claim"] is None
    assert STEPS_BY_KEY[key].claim not in page.inner_text("body")
    assert state["loss"] and state["loss"] == [1] * len(state["loss"])  # step 0's loss only
    return state


def whole(state: dict) -> None:
    """Every run's loss curve, to the race's last step."""
    assert state["loss"] == [state["lastStep"] + 1] * len(state["loss"]), state["loss"]


def wait_step(page, key: str) -> None:
    page.wait_for_function(f"() => location.search.includes('lecture={key}')"
                           " && document.querySelector('.descent-question')"
                           f" && {RACE} && {RACE}.__at === 0", timeout=60_000)
    settled(page)


def focus(page, where: str) -> None:
    """Put the focus on the page (nothing), a run's slider, Play or the race's slider."""
    if where == "page":
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    else:
        selector = {"slider": "[data-testid=stMain] [data-testid=stSlider] input[type=range]",
                    "play": ".descent-player button[name=play]",
                    "scrub": ".descent-player input[type=range]"}[where]
        page.locator(selector).first.wait_for(state="attached", timeout=60_000)
        # Focused as a clicker's lecturer left it, without scrolling it into view.
        page.evaluate("s => document.querySelector(s).focus({preventScroll: true})", selector)
    assert where == "page" or page.evaluate("() => document.activeElement !== document.body")


def press_to_step(page, key: str, press: str, expected: str) -> None:
    before = page.evaluate(PLACE)
    rerun(page, lambda: page.keyboard.press(press))
    wait_step(page, expected)
    assert page.evaluate(PLACE) == before, (press, key)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_clicker_plays_reveals_and_moves_on_without_scrolling(screens, size):
    first, second = LECTURE[1].key, LECTURE[2].key
    page = screens(size, f"?lecture={first}&present=1")
    state = asked(page, first)
    # Legible from the back row: the question as large as the axis titles, one or two
    # lines; the contour keeps its width.
    assert state["questionPx"] >= state["titlePx"]
    assert state["questionHeight"] <= 2 * 1.3 * state["questionPx"]
    assert state["contour"] >= (720 if size[0] == 1920 else 560)
    place = page.evaluate(PLACE)
    assert place["main"] == 0 and place["window"] == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lecture-asked-{size[0]}.png"))
    # Forward, the focus on the page: the race plays to its end (at the player's
    # fastest speed), then the claim shows. At the smaller screen, forward once more
    # while it plays shows the claim at once (the same keys; the race's play-through is
    # the projector's to check).
    page.locator(".descent-player select").select_option("40")
    focus(page, "page")
    page.keyboard.press("PageDown")
    page.wait_for_function(f"() => {RACE}.__at > 0", timeout=60_000)
    racing = page.evaluate(STATE)  # while it races: the curves end at the step shown
    if racing["claim"] is None and racing["at"] < racing["last"]:
        assert all(1 <= n <= racing["step"] + 1 for n in racing["loss"]), racing
    if size[0] != 1920:
        page.keyboard.press("PageDown")
    page.wait_for_function("() => document.querySelector('.descent-claim')",
                           timeout=120_000)
    settled(page)
    state = page.evaluate(STATE)
    assert state["at"] == state["last"]
    assert state["claim"] == STEPS_BY_KEY[first].claim
    whole(state)
    assert page.evaluate(PLACE) == place
    # The claim as large as the axis titles; every step's question and claim in at
    # most two lines at this size.
    assert state["claimPx"] >= state["titlePx"]
    assert state["claimHeight"] <= 2 * 1.3 * state["claimPx"]
    texts = [[step.question, step.claim] for step in LECTURE]
    assert page.evaluate(TALLEST, texts) <= 2 * 1.3 * state["claimPx"]
    page.screenshot(path=str(ARTIFACTS / f"lecture-shown-{size[0]}.png"))
    # Forward again, the focus on a run's slider: the next step, asked.
    focus(page, "slider")
    press_to_step(page, first, "PageDown", second)
    asked(page, second)
    # Back, the focus on Play: the step before.
    focus(page, "play")
    press_to_step(page, second, "PageUp", first)
    asked(page, first)
    # The arrows, the focus on the race's step slider: forward plays ...
    focus(page, "scrub")
    before = page.evaluate(PLACE)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {RACE}.__at > 0", timeout=60_000)
    # ... forward again shows the claim at once, the race at its end ...
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.descent-claim')",
                           timeout=60_000)
    settled(page)
    state = page.evaluate(STATE)
    assert state["at"] == state["last"] and state["claim"] == STEPS_BY_KEY[first].claim
    assert page.evaluate(PLACE) == before
    # ... and left goes back a step.
    focus(page, "scrub")
    press_to_step(page, first, "ArrowLeft", LECTURE[0].key)
    asked(page, LECTURE[0].key)


def qr_of(page, path) -> tuple[str, dict]:
    """Share opened: the QR code read back from a screenshot, and the boxes on screen."""
    page.get_by_role("button", name="Share").click()
    page.locator(".st-key-share_qr img").wait_for(timeout=60_000)
    settled(page)
    page.screenshot(path=str(path))
    codes = zxingcpp.read_barcodes(PIL.Image.open(path))
    boxes = page.evaluate("""() => {
        const box = e => { const b = e.getBoundingClientRect();
            return {top: b.top, left: b.left, bottom: b.bottom, right: b.right,
                    height: b.height}; };
        return {qr: box(document.querySelector('.st-key-share_qr img')),
                link: box(document.querySelector('.st-key-share_qr .descent-link')),
                pop: box(document.querySelector('.st-key-share_qr'))}; }""")
    assert len(codes) == 1, [c.text for c in codes]
    return codes[0].text, boxes


@pytest.mark.parametrize("size, link", [((1920, 1080), "?present=1"),
                                        ((1280, 720), "?lecture=small_batches&present=1")],
                         ids=["1920x1080-default", "1280x720-step"])
def test_share_shows_a_qr_code_that_scans_to_the_short_link(screens, app_url, size, link):
    page = screens(size, link)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        text, boxes = qr_of(page, ARTIFACTS / f"share-{size[0]}.png")
        shared = link.replace("&present=1", "").replace("?present=1", "")
        assert text == f"{app_url}/{shared}"
        assert page.inner_text(".st-key-share_qr .descent-link") == text
        width, height = size
        assert boxes["qr"]["height"] >= 0.4 * height
        for box in boxes.values():
            assert box["top"] >= 0 and box["left"] >= 0
            assert box["bottom"] <= height and box["right"] <= width, boxes
        assert boxes["link"]["top"] >= boxes["qr"]["bottom"] - 1  # the link under it
        # Each module of the QR code at least 8 CSS pixels on the projector.
        modules = segno.make(text, error="m").symbol_size(border=2)[0]
        if width == 1920:
            assert boxes["qr"]["height"] / modules >= 8
    finally:
        page.keyboard.press("Escape")  # Share closed, for the page's next test


def test_a_student_who_moves_a_slider_sees_the_whole_path(screens):
    key = LECTURE[4].key
    page = screens((1366, 768), f"?lecture={key}")
    asked(page, key)
    thumb = f".{first_card_key(page)} input[type=range]"
    page.locator(thumb).wait_for(state="attached", timeout=60_000)
    page.evaluate("s => document.querySelector(s).focus({preventScroll: true})", thumb)
    rerun(page, lambda: page.keyboard.press("ArrowUp"))
    page.wait_for_function("() => !location.search.includes('lecture=')", timeout=60_000)
    page.wait_for_function(f"() => {RACE}.__at === {RACE}.__frames.length - 1",
                           timeout=60_000)
    assert page.evaluate("() => document.querySelector('.descent-question')") is None
    page.wait_for_function(f"() => {RACE}.__clipped === null", timeout=30_000)
    whole(page.evaluate(STATE))


def test_in_small_multiples_too_the_loss_curves_wait_for_the_race(screens):
    """Each run in its own panel: the loss panel's curves still end at step 0 until the
    race is played."""
    key = LECTURE[1].key
    page = screens((1366, 768), f"?lecture={key}&view=multiples")
    assert page.evaluate(f"() => {RACE}.__at") == 0
    assert page.evaluate("() => location.search").count("view=multiples") == 1
    lengths = page.evaluate(f"() => {LOSS_LENGTHS}")
    assert lengths == [1] * len(STEPS_BY_KEY[key].scene.runs)  # step 0's loss only
