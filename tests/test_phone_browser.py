"""The page on a phone (390 x 844, a touch screen), in headless Chromium.

Every lecture preset opens with its chart and Play on the first screen, and the
player's controls are touch targets at least 44 px high. Screenshots go to
``artifacts/``.
"""

from __future__ import annotations

import pytest

from scenes import PRESETS
from tests.conftest import ARTIFACTS
from tests.waits import navigate, rerun, settled

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
TOUCH = 44  # a touch target's least height, in CSS pixels
PLAY = ".descent-player button[name=play]"


def phone_context(browser):
    """A context of a phone's screen, with touch."""
    return browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True,
                               is_mobile=True)


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
def presets_phone(browser, app_url):
    """One phone page for every preset's first screen: the app opened once, then each link
    opened in it as Back or Forward would (a rerun instead of a new page's load)."""
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


@pytest.mark.parametrize("link", ["", *(f"?preset={p.key}" for p in PRESETS)])
def test_the_chart_and_play_fit_a_phones_first_screen(presets_phone, link):
    phone = presets_phone
    navigate(phone, link)
    phone.wait_for_selector(PLAY, timeout=60_000)
    assert phone.evaluate("location.search") == link
    chart = phone.locator(".js-plotly-plot").first.bounding_box()
    play = phone.locator(PLAY).bounding_box()
    assert chart["y"] >= 0 and chart["y"] + chart["height"] <= HEIGHT, chart
    assert play["y"] >= chart["y"] + chart["height"] - 1, (play, chart)
    assert play["y"] + play["height"] <= HEIGHT, play
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if not link:
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "phone.png"))


def test_the_players_controls_are_touch_targets(phone, app_url):
    open_page(phone, app_url)
    for selector in ("button[name=play]", "button[name=pause]", "select",
                     "input[type=range]"):
        box = phone.locator(f".descent-player {selector}").bounding_box()
        assert box["height"] >= TOUCH, (selector, box)
        assert box["width"] >= TOUCH, (selector, box)


def test_popovers_close_after_their_action(phone, app_url):
    open_page(phone, app_url)
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
    phone.locator(".st-key-add_run_menu [data-testid=stPopover]").click()
    menu.first.wait_for(state="visible")
    settled(phone)
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
    phone.touchscreen.tap(stray["px"], stray["py"])  # one tap: nothing changes
    phone.touchscreen.tap(chosen["px"], chosen["py"])  # a double tap on another point
    phone.touchscreen.tap(chosen["px"], chosen["py"])
    phone.wait_for_url(f"**start={chosen['x']:g}*", timeout=15_000)
    settled(phone)
    # Undo goes back to the start the page opened with: the stray tap never moved it.
    rerun(phone, lambda: phone.locator(".st-key-undo_button button:visible").click())
    phone.wait_for_url(opened, timeout=15_000)
    assert f"start={stray['x']:g}" not in phone.url
    assert phone.locator(".st-key-undo_button button:visible").is_disabled()
