"""The Class panel's picture in headless Chromium, on the lecturer's projector.

The page's server with the tests' room store (``room_server``). The lecturer
(presenter mode, 1920 x 1080 and 1280 x 720) lets the class follow; runs come to the
board through the store (as students' "Send my run" puts them there); the Class panel
appears without a reload and draws them, all of them in one trace, the lecturer's six on
top, the whole figure across the main column and within one screen's height. The
screenshots are kept in ``artifacts/``.
"""

from __future__ import annotations

import re

import pytest

import rooms
from tests.conftest import ARTIFACTS
from tests.test_rooms_browser import opened
from tests.waits import rerun, settled

pytestmark = [pytest.mark.browser, pytest.mark.server]

RUNS = [f"{opt}:lr={lr}" for opt in ("sgd", "momentum", "adam", "rmsprop")
        for lr in (0.01, 0.1, 0.3, 1.0, 2.5)]  # sgd:lr=2.5 diverges on the ravine
CLASS_GRAPH = ("[...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]"
               ".find(gd => gd._fullLayout && (gd.data || []).some("
               "t => (t.name || '').startsWith(\"the class's runs (\")))")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_projector_shows_the_class_runs_on_the_contour(browser, room_server, size):
    url, data = room_server
    context, lecturer = opened(browser, f"{url}/?present=1", size)
    try:
        lecturer.get_by_role("button", name="Share").click()
        rerun(lecturer, lambda: lecturer.get_by_role("button", name="Let the class follow")
              .click())
        lecturer.keyboard.press("Escape")
        code = re.search(r"room=(\w+)", lecturer.evaluate("() => location.search")).group(1)
        with rooms.SQLiteStore(data / "rooms.sqlite3") as store:
            for n, text in enumerate(RUNS):
                store.submit(code, f"student{n}", text, name=f"Student {n}")
        # The panel polls the board: its picture comes with every run.
        lecturer.wait_for_function(
            f"() => {{ const gd = {CLASS_GRAPH}; return gd && gd.data.some("
            f"t => t.name === \"the class's runs ({len(RUNS)})\"); }}", timeout=60_000)
        settled(lecturer)
        chart = lecturer.locator("[data-testid=stPlotlyChart]").last
        chart.scroll_into_view_if_needed()
        settled(lecturer)
        ARTIFACTS.mkdir(exist_ok=True)
        lecturer.screenshot(path=str(ARTIFACTS / f"class-board-{size[0]}.png"))
        names = lecturer.evaluate(f"() => {CLASS_GRAPH}.data.map(t => t.name)")
        lines = names.index(f"the class's runs ({len(RUNS)})")
        own = [names.index(n) for n in ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp",
                                        "Adam")]
        assert min(own) > lines  # the lecturer's runs on top
        assert "diverged: last seen here (1)" in names
        box = chart.bounding_box()
        main = lecturer.locator("[data-testid=stMain] [data-testid=stVerticalBlock]").first \
            .bounding_box()
        assert box["width"] >= 0.9 * main["width"]
        assert box["height"] <= size[1] - 80  # the whole picture on one screen
        font = lecturer.evaluate(f"() => {CLASS_GRAPH}._fullLayout.font.size")
        assert font >= 20  # the panels' projector type
    finally:
        context.close()
