"""The page in Chromium with the system's colour scheme dark or light: page and chart agree."""

from __future__ import annotations

import pytest

from plotting.colors import contrast
from tests.conftest import ARTIFACTS
from tests.waits import open_app

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"


@pytest.fixture(scope="module")
def schemes(browser, app_url):
    """``opened(scheme)``: the page opened at 1366 x 768 with the system's colour scheme
    ``scheme`` (``"dark"`` or ``"light"``, emulated in a page of the worker's shared
    profile before it loads); the module's tests read the same page of each scheme, its
    tab brought to the front."""
    pages = {}

    def opened(scheme: str):
        if scheme not in pages:
            context = browser.new_context(shared=True, viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.emulate_media(color_scheme=scheme)
            open_app(page, app_url)
            pages[scheme] = context, page
        page = pages[scheme][1]
        page.bring_to_front()
        return page

    yield opened
    for context, _ in pages.values():
        context.close()


def hex_of(css: str) -> str:
    """``rgb(14, 17, 23)`` as ``#0e1117``."""
    r, g, b = (int(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("scheme, background, paper", [("dark", "#0e1117", "#0e1117"),
                                                       ("light", "#ffffff", "white")])
def test_the_race_chart_follows_the_systems_colour_scheme(schemes, scheme, background, paper):
    page = schemes(scheme)
    # The page's theme, then the chart drawn for it (the figure follows once the
    # browser has told the server which theme shows).
    page.wait_for_function(
        f"{GRAPH} && {GRAPH}._fullLayout && {GRAPH}._fullLayout.paper_bgcolor"
        f" === '{paper}'", timeout=30_000)
    app = page.evaluate("getComputedStyle(document.querySelector("
                        "'[data-testid=\"stApp\"]')).backgroundColor")
    assert hex_of(app) == background
    layout = page.evaluate(f"({{paper: {GRAPH}._fullLayout.paper_bgcolor,"
                           f" font: {GRAPH}._fullLayout.font.color}})")
    assert layout["paper"] == paper
    font = layout["font"] if layout["font"].startswith("#") else hex_of(layout["font"])
    assert contrast(font, background) >= 4.5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"theme-{scheme}.png"))


APP = {"dark": "rgb(14, 17, 23)", "light": "rgb(255, 255, 255)"}  # the page's background


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_players_buttons_and_the_run_swatches_read_on_the_pages_theme(schemes, scheme):
    page = schemes(scheme)
    # The page's theme, the chart drawn for it (so the server knows the theme) and
    # every run's card: the cards arrive one by one while the page draws.
    paper = {"dark": "#0e1117", "light": "white"}[scheme]
    page.wait_for_function(
        f"() => getComputedStyle(document.querySelector('[data-testid=stApp]'))"
        f".backgroundColor === '{APP[scheme]}'"
        f" && {GRAPH} && {GRAPH}._fullLayout"
        f" && {GRAPH}._fullLayout.paper_bgcolor === '{paper}'"
        f" && document.querySelectorAll('.descent-swatch').length === 6",
        timeout=60_000)
    colours = page.evaluate("""() => {
        const style = e => getComputedStyle(e);
        const app = document.querySelector('[data-testid=stApp]');
        const controls = [...document.querySelectorAll(
            '.descent-player button, .descent-player select')];
        return {page: style(app).backgroundColor,
                controls: controls.map(e => [style(e).color, style(e).backgroundColor]),
                swatches: [...document.querySelectorAll('.descent-swatch')]
                    .map(e => style(e).color)};
    }""")
    background = hex_of(colours["page"])
    assert len(colours["controls"]) == 3  # Play, Pause, the speed menu
    for text, fill in colours["controls"]:
        assert contrast(hex_of(text), hex_of(fill)) >= 4.5, (text, fill)
        # a button in the page's own shades: no white box on a dark page
        assert contrast(hex_of(fill), background) < 1.5, (fill, background)
    assert len(colours["swatches"]) == 6
    sgd = hex_of(colours["swatches"][0])  # black on a light page, white on a dark one
    assert contrast(sgd, background) >= 3, (sgd, background)
