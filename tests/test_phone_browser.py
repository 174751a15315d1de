"""The page on a phone (390 x 844, a touch screen), in headless Chromium.

Every lecture step and preset opens with its chart, its whole legend and Play on the
first screen, and the player's controls are touch targets at least 44 px high.
Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from controls.lecture import CLAIM_CHAR_EM, lines
from scenes import slider_menu
from scenes.lecture import LECTURE
from tests.conftest import ARTIFACTS
from tests.waits import as_fresh, first_card_key, navigate, rerun, settled

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
TOUCH = 44  # a touch target's least height, in CSS pixels
PLAY = ".descent-player button[name=play]"


def phone_context(browser):
    """A context of a phone's screen, with touch."""
    return browser.new_context(shared=True, viewport={"width": WIDTH, "height": HEIGHT},
                               has_touch=True, is_mobile=True)


@pytest.fixture()
def phone(browser):
    """A page on a phone's screen, with touch."""
    context = phone_context(browser)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def shared_phone(browser, app_url):
    """One phone page for the module's tests: the app opened once, then each test's link
    opened in it as Back or Forward would (:func:`show`: a rerun instead of a new page's
    load). A test that needs a page of its own (an undo history that starts with it) takes
    ``phone``."""
    context = phone_context(browser)
    page = context.new_page()
    open_page(page, app_url)
    try:
        yield page
    finally:
        context.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(PLAY, timeout=60_000)
    page.wait_for_function("document.querySelector('.js-plotly-plot')._fullLayout",
                           timeout=60_000)
    settled(page)


def show(phone, link: str) -> None:
    """The link ``link`` (its query, ``""`` for the bare address) opened in the shared
    phone page, its chart drawn and the page scrolled to its top, as a fresh visit's."""
    navigate(phone, link)
    phone.wait_for_selector(PLAY, timeout=60_000)
    # The address is the link's (a run begun before the navigation may end after it and
    # write the address it had; the navigation's own run writes the link's again).
    phone.wait_for_function("s => location.search === s", arg=link, timeout=30_000)
    as_fresh(phone)
    settled(phone)


# Each lecture step (its preset's scene under its question and its claim's room), and one
# preset's own link (its scene under a line of story).
@pytest.mark.parametrize("link", ["", "?preset=friction", *(f"?lecture={s.key}" for s in LECTURE)])
def test_the_chart_and_play_fit_a_phones_first_screen(shared_phone, link):
    phone = shared_phone
    show(phone, link)
    chart = phone.locator(".js-plotly-plot").first.bounding_box()
    play = phone.locator(PLAY).bounding_box()
    assert chart["y"] >= 0 and chart["y"] + chart["height"] <= HEIGHT, chart
    assert play["y"] >= chart["y"] + chart["height"] - 1, (play, chart)
    assert play["y"] + play["height"] <= HEIGHT, play
    # Every legend entry within the chart, none under the toolbar above it.
    entries = phone.evaluate("""() => [...document.querySelectorAll(
        '.js-plotly-plot .legend .traces')].map(e => e.getBoundingClientRect())
        .map(b => ({top: b.top, bottom: b.bottom, left: b.left, right: b.right}))""")
    assert entries
    for entry in entries:
        assert entry["top"] >= chart["y"] and entry["bottom"] <= chart["y"] + chart["height"], (
            entry, chart)
        assert entry["left"] >= chart["x"] and entry["right"] <= chart["x"] + chart["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if not link:
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "phone.png"))


def test_the_players_controls_are_touch_targets(shared_phone):
    phone = shared_phone
    show(phone, "")
    for selector in ("button[name=play]", "button[name=pause]", "select",
                     "input[type=range]"):
        box = phone.locator(f".descent-player {selector}").bounding_box()
        assert box["height"] >= TOUCH, (selector, box)
        assert box["width"] >= TOUCH, (selector, box)


def test_popovers_close_after_their_action(shared_phone):
    phone = shared_phone
    show(phone, "")
    cards = phone.locator('[data-testid="stPopover"]'
                          ':has([data-testid="stIconMaterial"]:text-is("tune"))')
    menu = phone.locator('[data-testid="stPopoverBody"]')
    count = cards.count()
    # Remove the first run from its settings: no settings popover stays open (none moves
    # on to the next card, with its Remove under the same finger).
    cards.first.click()
    menu.first.wait_for(state="visible")
    rerun(phone, lambda: menu.get_by_role("button", name="Remove").click())
    assert cards.count() == count - 1
    assert menu.count() == 0
    # "Add a run" closes once the run is added.
    # Opening it is a run of its own (a stateful popover): its end comes before the Add.
    rerun(phone, phone.locator(".st-key-add_run_menu [data-testid=stPopover]").click)
    menu.first.wait_for(state="visible")
    rerun(phone, lambda: menu.get_by_role("button", name="Add", exact=True).click())
    cards.nth(count - 1).wait_for()  # the new run's card (the page may run again for it)
    settled(phone)
    assert cards.count() == count
    assert menu.count() == 0


# A point of the start picker, ``share`` of the way through its points, with its page
# coordinates (Plotly's own axis mapping).
PICKER_POINT = """share => {
    const gd = document.querySelector('.js-plotly-plot');
    const t = gd._fullData.find(t => t.name === 'start picker');
    const k = Math.floor(t.x.length * share);
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const box = gd.getBoundingClientRect();
    return {x: t.x[k], y: t.y[k], px: box.left + xa._offset + xa.l2p(t.x[k]),
            py: box.top + ya._offset + ya.l2p(t.y[k])};
}"""


def test_a_stray_tap_does_not_move_the_start_a_double_tap_does_and_undo_undoes(phone,
                                                                               app_url):
    open_page(phone, app_url)
    opened = phone.url
    stray, chosen = (phone.evaluate(PICKER_POINT, share) for share in (0.3, 0.75))
    # Each tap as a finger makes it, at the time it says: one tap (nothing changes), then,
    # a second later, a double tap on another point, its taps 150 ms apart.
    cdp = phone.context.new_cdp_session(phone)
    now = time.time()
    for point, at in ((stray, now), (chosen, now + 1), (chosen, now + 1.15)):
        touch = {"touchPoints": [{"x": point["px"], "y": point["py"]}], "timestamp": at}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", **touch})
        cdp.send("Input.dispatchTouchEvent", {**touch, "type": "touchEnd", "touchPoints": [],
                                              "timestamp": at + 0.05})
    phone.wait_for_url(f"**start={chosen['x']:g}*", timeout=15_000)
    settled(phone)
    # Undo goes back to the start the page opened with: the stray tap never moved it.
    rerun(phone, lambda: phone.locator(".st-key-undo_button button:visible").click())
    phone.wait_for_url(opened, timeout=15_000)
    assert f"start={stray['x']:g}" not in phone.url
    assert phone.locator(".st-key-undo_button button:visible").is_disabled()


def rect(page, selector: str) -> dict:
    """The bounding box of everything ``selector`` matches (in page coordinates)."""
    return page.evaluate("""selector => {
        const boxes = [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect())
            .filter(b => b.width > 0 && b.height > 0);
        const left = Math.min(...boxes.map(b => b.left)), top = Math.min(...boxes.map(b => b.top));
        return {left, top, right: Math.max(...boxes.map(b => b.right)),
                bottom: Math.max(...boxes.map(b => b.bottom)), count: boxes.length};
    }""", selector)


def apart(a: dict, b: dict) -> bool:
    """Whether two boxes do not overlap."""
    return (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"]
            or b["bottom"] <= a["top"])


def open_panel(page, panel: str) -> None:
    """The shared phone page with ``panel`` open, its chart scrolled into view."""
    show(page, f"?panel={panel}")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 2"
                           " && document.querySelectorAll('.js-plotly-plot')[1]._fullLayout",
                           timeout=60_000)
    page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()
    settled(page)


def test_the_3d_views_player_sits_apart_from_its_slider_and_the_box_shows_whole(
        shared_phone):
    phone = shared_phone
    open_panel(phone, "view3d")
    chart = "[class*=st-key-view3d_chart] .js-plotly-plot"
    figure = rect(phone, chart)
    buttons = rect(phone, f"{chart} .updatemenu-button, {chart} .updatemenu-header")
    slider = rect(phone, f"{chart} .slider-container")
    colorbar = rect(phone, f"{chart} .colorbar")
    assert buttons["count"] == 3  # Play, Pause and the speed menu
    assert apart(buttons, slider) and buttons["bottom"] <= slider["top"], (buttons, slider)
    assert apart(colorbar, buttons) and colorbar["bottom"] <= buttons["top"]
    for part in (buttons, slider, colorbar):  # inside the figure, across the phone
        assert figure["left"] - 1 <= part["left"] and part["right"] <= figure["right"] + 1, \
            (part, figure)
    assert slider["right"] - slider["left"] >= 0.85 * (figure["right"] - figure["left"])
    # The whole box in view: between the legend and the colour bar, the figure's outermost
    # columns of pixels are the page's white (a box cut by the figure's edge draws there).
    legend = rect(phone, f"{chart} .legend")
    shot = Image.open(io.BytesIO(phone.screenshot(clip={
        "x": figure["left"], "y": legend["bottom"], "width": figure["right"] - figure["left"],
        "height": colorbar["top"] - legend["bottom"] - 30})))  # the colour bar's title above it
    pixels = np.asarray(shot.convert("L"))
    assert pixels[:, :3].min() >= 235 and pixels[:, -3:].min() >= 235
    caption = phone.locator("[data-testid=stCaptionContainer]",
                            has_text="at the height of its loss").inner_text()
    assert "scroll" not in caption and "drag a finger" in caption
    ARTIFACTS.mkdir(exist_ok=True)
    phone.locator(chart).screenshot(path=str(ARTIFACTS / "phone-3d.png"))


def test_the_inspectors_charts_are_stacked_and_no_title_meets_a_tick(shared_phone):
    phone = shared_phone
    open_panel(phone, "inspector")
    chart = "[class*=st-key-inspector_chart] .js-plotly-plot"
    figure = rect(phone, chart)
    contour = rect(phone, f"{chart} .imagelayer image")
    width = contour["right"] - contour["left"]
    # The contour across the phone (the ravine at its aspect ratio, 2 : 1), not 200 x 100.
    assert width >= 0.7 * (figure["right"] - figure["left"]), (contour, figure)
    assert contour["bottom"] - contour["top"] >= 0.45 * width
    parts = {name: rect(phone, f"{chart} {selector}") for name, selector in (
        ("contour x ticks", ".xaxislayer-above .xtick text"),
        ("contour x title", ".g-xtitle"),
        ("step sizes' y ticks", ".yaxislayer-above .y2tick text"),
        ("step sizes' y title", ".g-y2title"),
        ("step sizes' x ticks", ".xaxislayer-above .x2tick text"),
        ("contour", ".imagelayer image"),
        ("arrows' legend", ".legend"),
        ("step sizes' legend", ".legend2"))}
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert apart(parts[a], parts[b]), (a, parts[a], b, parts[b])
    # Plotly's toolbar is not drawn over a phone's charts (the Export panel downloads).
    assert phone.locator(f"{chart} .modebar-container").evaluate(
        "e => getComputedStyle(e).display") == "none"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.locator(chart).screenshot(path=str(ARTIFACTS / "phone-inspector.png"))


def test_the_surfaces_formula_fits_the_phones_width(shared_phone):
    phone = shared_phone
    for link in ("", "?preset=unscaled"):  # the ravine's and the penguins' definitions
        show(phone, link)
        formula = phone.locator("[data-testid=stMain] .katex-display").last
        formula.scroll_into_view_if_needed()
        sizes = formula.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth,"
                                 " right: e.getBoundingClientRect().right})")
        # (a glyph's overhang of a pixel or two, a bracket's, is not a clipped formula)
        assert sizes["scroll"] <= sizes["client"] + 3 and sizes["right"] <= WIDTH, (link, sizes)


def test_a_lecture_steps_bar_takes_one_row_above_its_chart_and_play(shared_phone):
    """The step with the longest "n of 17: title": back, the step's list, next in one row
    within the phone's width; the chart and Play still on the first screen."""
    phone = shared_phone
    show(phone, "?lecture=noise_lr_decay")
    assert phone.locator(".descent-question").count() == 1
    row = phone.evaluate("""() => [...document.querySelector('.st-key-lecture_bar').children]
        .map(e => e.getBoundingClientRect()).filter(b => b.height > 0)
        .map(b => ({top: b.top, bottom: b.bottom, left: b.left, right: b.right}))""")
    assert len(row) == 3, row  # back, the list, next
    assert max(b["top"] for b in row) < min(b["bottom"] for b in row), row
    assert min(b["left"] for b in row) >= 0 and max(b["right"] for b in row) <= WIDTH, row
    # The title too long for the list ends in an ellipsis; no icon is squeezed out of shape.
    assert phone.evaluate("() => getComputedStyle(document.querySelector("
                          "'.st-key-lecture_bar input')).textOverflow") == "ellipsis"
    icons = phone.evaluate('''() => [...document.querySelectorAll('.st-key-lecture_bar svg')]
        .map(e => e.getBoundingClientRect()).filter(b => b.width > 0)
        .map(b => [b.width, b.height])''')
    assert icons and all(w >= 12 and h >= 12 for w, h in icons), icons  # the chevron
    bar = phone.locator(".st-key-lecture_bar").bounding_box()
    chart = phone.locator(".js-plotly-plot").first.bounding_box()
    play = phone.locator(PLAY).bounding_box()
    assert bar["y"] + bar["height"] <= chart["y"], (bar, chart)
    assert play["y"] + play["height"] <= HEIGHT, play
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "phone-lecture.png"))


def test_the_toolbar_takes_one_row(shared_phone):
    phone = shared_phone
    show(phone, "")
    row = phone.evaluate("""() => [...document.querySelector('.st-key-view').parentElement
        .children].map(e => e.getBoundingClientRect()).filter(b => b.height > 0)
        .map(b => ({top: b.top, bottom: b.bottom, right: b.right}))""")
    assert len(row) >= 4  # the view switch, Undo, Add a run, Share
    assert max(b["top"] for b in row) < min(b["bottom"] for b in row), row
    assert max(b["right"] for b in row) <= WIDTH
    # The view switch shows icons; its buttons keep their names for a screen reader.
    assert phone.get_by_role("radio", name="Small multiples").bounding_box()["width"] >= TOUCH


def test_a_tap_on_a_cards_lr_track_does_not_jump_dragging_its_thumb_moves_it(
        shared_phone):
    phone = shared_phone
    show(phone, "")
    first = first_card_key(phone)  # SGD's lr
    slider = phone.locator(f".{first} [data-testid=stSlider]:visible")
    slider.scroll_into_view_if_needed()
    settled(phone)
    lr = slider.locator("input[type=range]")
    before = lr.get_attribute("aria-valuetext")
    track = slider.locator("[role=group] > div").bounding_box()
    thumb = slider.locator("[role=group] > div > [style*=translate]").bounding_box()
    far = track["x"] + track["width"] - 4  # the track's right end: lr = 100
    middle = track["y"] + track["height"] / 2
    assert far - (thumb["x"] + thumb["width"]) > 40
    phone.touchscreen.tap(far, middle)
    # Then + (one position up): a run of the page that would also carry a jump the tap made
    # (a tap that set lr runs the page first). lr is the position after the one it had.
    rerun(phone, lambda: phone.locator(f".{first}_up button:visible").click())
    menu = slider_menu("lr", float(before))
    after = float(lr.get_attribute("aria-valuetext"))
    assert after == pytest.approx(menu[menu.index(float(before)) + 1]), (before, after)
    before = lr.get_attribute("aria-valuetext")
    thumb = slider.locator("[role=group] > div > [style*=translate]").bounding_box()
    # Dragging the thumb (what a finger does on it) still moves lr.
    x, y = thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2
    def drag():
        phone.mouse.move(x, y)
        phone.mouse.down()
        phone.mouse.move(x - 60, y, steps=6)
        phone.mouse.up()
    rerun(phone, drag)
    assert float(lr.get_attribute("aria-valuetext")) < float(before)


# The page's font as the claim uses it: each printable ASCII character's width in em at 100
# pixels, and, for each claim at each (px, width), the lines it takes, in a paragraph of the
# claim's class and weight made in the main column (the page's font).
CLAIM_WRAPPING = """([claims, sizes, widths]) => {
    const box = document.createElement('div');
    box.className = 'descent-lecture';
    const p = document.createElement('p');
    p.className = 'descent-claim';
    p.style.cssText = 'font-weight:600;margin:0;line-height:1.25;';
    box.appendChild(p);
    document.querySelector('[data-testid="stMain"]').appendChild(box);
    const chars = {};
    p.style.fontSize = '100px';
    p.style.width = 'max-content';
    p.style.whiteSpace = 'pre';
    for (let k = 32; k < 127; k++) {
        p.textContent = String.fromCharCode(k).repeat(20);
        chars[String.fromCharCode(k)] = p.getBoundingClientRect().width / 2000;
    }
    p.style.whiteSpace = 'normal';
    const wrapped = [];
    for (const px of sizes) {
        p.style.fontSize = px + 'px';
        for (const width of widths) {
            p.style.width = width + 'px';
            for (const claim of claims) {
                p.textContent = claim;
                wrapped.push([px, width, claim,
                              Math.round(p.getBoundingClientRect().height / (1.25 * px))]);
            }
        }
    }
    box.remove();
    return [chars, wrapped]; }"""


def test_a_claims_room_is_never_a_line_short(shared_phone):
    phone = shared_phone
    show(phone, "")
    claims = [step.claim for step in LECTURE]
    chars, wrapped = phone.evaluate(CLAIM_WRAPPING,
                                    [claims, [16, 18, 24], list(range(260, 1500, 23))])
    # The widths the page's font gives each character (Streamlit's font changed if not).
    assert chars.keys() == CLAIM_CHAR_EM.keys()
    for char, em in chars.items():
        assert CLAIM_CHAR_EM[char] - 0.01 <= em <= CLAIM_CHAR_EM[char], (char, em)
    # The room kept for a claim is never short of the lines the browser wraps it into, and
    # seldom a line more.
    over = 0
    for px, width, claim, taken in wrapped:
        assert lines(claim, px, width) >= taken, (px, width, claim)
        over += lines(claim, px, width) > taken
    assert over <= 0.05 * len(wrapped), over


# The race chart laid out for a column narrower (or wider) than ``width`` pixels.
LAID_OUT_BELOW = "w => document.querySelector('.js-plotly-plot')._fullLayout.width < w"
LAID_OUT_ABOVE = "w => document.querySelector('.js-plotly-plot')._fullLayout.width > w"


def test_on_a_360_px_phone_play_keeps_the_first_screen(shared_phone):
    phone = shared_phone
    width, height = 360, 800  # the narrowest common phone (its column: 328 px)
    phone.set_viewport_size({"width": width, "height": height})
    try:
        # The bare address, a preset, and the lecture step with the most lines above the
        # chart (its bar, a two-line question and a three-line claim's room).
        for link in ("", "?preset=friction", "?lecture=momentum_sgd"):
            show(phone, link)
            phone.wait_for_function(LAID_OUT_BELOW, arg=340, timeout=30_000)
            settled(phone)
            play = phone.locator(PLAY).bounding_box()
            assert play["y"] + play["height"] <= height, (link, play)
            assert phone.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        phone.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        phone.wait_for_function(LAID_OUT_ABOVE, arg=340, timeout=30_000)
        settled(phone)
