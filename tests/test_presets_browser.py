"""The lecture presets and presenter mode in headless Chromium: what the lecturer sees.

* Clicking a preset in the sidebar shows its sentence and does not scroll the page
  (the main column keeps its scroll position); a screenshot of a few presets at a
  laptop's 1366 x 768 goes to ``artifacts/``.
* Presenter mode enlarges the lecture's LaTeX, the NumPy code and the lecture bar's step
  (computed font sizes, against the page without it).
* In presenter mode at 1280 x 720, with the sidebar tucked away, the lecturer
  changes a run's lr and mu on its card under the chart, and the sidebar stays shut.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from scenes import PRESETS, PRESETS_BY_KEY, scene_from_query
from tests.conftest import ARTIFACTS
from tests.waits import animation_frames, navigate, new_page, rerun, settled

pytestmark = pytest.mark.browser

MAIN = "document.querySelector('[data-testid=\"stMain\"]')"  # the page's scrolling column


def test_a_preset_shows_its_sentence_and_keeps_the_scroll_position(browser, app_url):
    context, page = new_page(browser, app_url, (1366, 768))
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        # A few presets of each kind (every preset's sentence is checked through AppTest,
        # tests/test_app.py): the lecture's, a noisy one, a dataset's.
        shown = [PRESETS_BY_KEY[k] for k in ("adam_bias", "noise_adagrad", "unscaled")]
        for preset in shown:
            page.evaluate(f"() => {{ {MAIN}.scrollTop = 0; }}")
            rerun(page, page.get_by_role("button", name=preset.title, exact=True).click)
            story = page.get_by_test_id("stMarkdownContainer").filter(
                has_text=preset.look_for[:60])
            try:
                story.first.wait_for(timeout=60_000)  # drawn by the runs the click started
            except Exception:  # what the page showed instead
                page.screenshot(path=str(ARTIFACTS / f"preset-failed-{preset.key}.png"))
                raise AssertionError(page.inner_text("body")[:1500]) from None
            settled(page)
            assert story.count() == 1, preset.key
            page.screenshot(path=str(ARTIFACTS / f"preset-{preset.key}.png"))
        # Scrolled down to the runs' cards, a click on another preset leaves the page there
        # (between presets whose sentences take as many lines: a longer one moves what is
        # below it down).
        rerun(page, page.get_by_role("button", name=PRESETS[0].title, exact=True).click)
        page.get_by_test_id("stMarkdownContainer").filter(
            has_text=PRESETS[0].look_for[:60]).first.wait_for(timeout=60_000)
        settled(page)
        for preset in (PRESETS[1], PRESETS[0]):
            # Scrolled, the page's viewport component may report the chart's new top: a
            # run of its own, settled before the click.
            page.evaluate(f"() => {{ {MAIN}.scrollTop = 240; }}")
            animation_frames(page, 2)
            settled(page)
            before = page.evaluate(f"() => {MAIN}.scrollTop")
            rerun(page, page.get_by_role("button", name=preset.title, exact=True).click)
            page.get_by_test_id("stMarkdownContainer").filter(
                has_text=preset.look_for[:60]).first.wait_for(timeout=60_000)
            settled(page)
            assert before == 240
            assert abs(page.evaluate(f"() => {MAIN}.scrollTop") - before) <= 2, preset.key
            assert page.evaluate("() => window.scrollY") == 0
    finally:
        context.close()


SIZES = """() => {
    const px = sel => [...document.querySelectorAll(sel)]
        .map(e => parseFloat(getComputedStyle(e).fontSize));
    return {katex: px('[data-testid="stMain"] .katex'), code: px('.rule-code code'),
            bar: px('.st-key-lecture_bar [data-testid="stSelectbox"] input')};
}"""


def test_presenter_mode_enlarges_the_latex_the_code_and_the_lecture_bars_step(browser,
                                                                              app_url):
    sizes = {}
    context, page = new_page(browser, app_url, (1920, 1080), "?lecture=friction")
    try:
        for link in ("?lecture=friction", "?lecture=friction&present=1"):
            if link != "?lecture=friction":  # the same page, opened at the link
                navigate(page, link)
                page.wait_for_function("() => location.search.includes('present=1')",
                                       timeout=30_000)
                settled(page)
            page.locator(".rule-code").first.scroll_into_view_if_needed()
            sizes[link] = page.evaluate(SIZES)
        page.screenshot(path=str(ARTIFACTS / "presenter-rules.png"))
    finally:
        context.close()
    normal, big = sizes["?lecture=friction"], sizes["?lecture=friction&present=1"]
    assert len(normal["katex"]) >= 2 and len(normal["code"]) >= 1  # the rule, the surface
    assert min(big["katex"]) >= 1.4 * max(normal["katex"])
    assert min(big["code"]) >= 1.4 * max(normal["code"])
    # "2 of 17: Momentum: a ball with friction", read from the back of the hall
    assert len(normal["bar"]) == len(big["bar"]) == 1
    assert big["bar"][0] >= 1.15 * normal["bar"][0]


def run_values(page) -> list[tuple[str, dict]]:
    """Each run's optimizer and hyperparameters, as the page's address holds the scene (a
    short link leaves out what equals its default)."""
    scene, _ = scene_from_query(parse_qs(urlparse(page.url).query))
    return [(run.optimizer, run.values) for run in scene.runs]


def test_the_lecturer_changes_lr_and_mu_without_opening_the_sidebar(browser, app_url):
    context, page = new_page(browser, app_url, (1280, 720), "?present=1")
    try:
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.get_attribute("data-collapsed") == "true"
        before = run_values(page)
        momentum = [values for name, values in before if name == "momentum"][0]
        for name in ("lr", "mu"):
            # The Momentum card's slider (run 1 of the lecture scene), under the chart.
            thumb = page.locator(f".st-key-run1_{name} input[type=range]")
            thumb.scroll_into_view_if_needed()
            box = thumb.bounding_box()
            assert box["x"] > 0 and box["x"] + box["width"] <= 1280  # on screen, in the page
            main = page.get_by_test_id("stMain").bounding_box()
            assert box["x"] >= main["x"]  # in the main column, not the sidebar
            link = page.evaluate("() => location.search")
            # In presenter mode ← and → are the lecture's keys: a slider takes ↑ and ↓.
            thumb.press("ArrowUp" if name == "lr" else "ArrowDown")
            # the run the key started writes the new value into the link
            page.wait_for_function("link => location.search !== link", arg=link,
                                   timeout=60_000)
            settled(page)
        after = [values for name, values in run_values(page) if name == "momentum"][0]
        assert after != momentum, (momentum, after)
        assert after["lr"] > momentum["lr"] and after["mu"] < momentum["mu"]
        assert sidebar.get_attribute("data-collapsed") == "true"
        page.screenshot(path=str(ARTIFACTS / "presenter-1280-cards.png"))
    finally:
        context.close()
