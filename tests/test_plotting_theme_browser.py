"""The page in Chromium with the system's colour scheme dark or light: page and chart agree."""

from __future__ import annotations

import pytest

from plotting.colors import contrast
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"


def hex_of(css: str) -> str:
    """``rgb(14, 17, 23)`` as ``#0e1117``."""
    r, g, b = (int(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("scheme, background, paper", [("dark", "#0e1117", "#0e1117"),
                                                       ("light", "#ffffff", "white")])
def test_the_race_chart_follows_the_systems_colour_scheme(browser, app_url, scheme, background,
                                                          paper):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(app_url)
        page.wait_for_function(f"{GRAPH} && {GRAPH}._fullLayout", timeout=60_000)
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
    finally:
        context.close()
