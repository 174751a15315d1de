"""``bench.browser`` measures what it says in real Chromium: no timing is asserted, only
that each figure was taken (a move the chart did not follow would time out)."""

from __future__ import annotations

import pytest

from bench import browser as bench_browser


@pytest.mark.browser
@pytest.mark.server
def test_first_charts_and_slider_moves_are_measured_on_both_pages(browser):
    results = bench_browser.measure(runs=1, moves=2, browser=browser)
    for name in ("page", "bare page"):
        r = results[name]
        assert r["first_visit"] > 0 and len(r["later_visits"]) == 1 and r["later_visit"] > 0
        assert len(r["moves"]) == 2 and all(t > 0 for t in r["moves"]) and r["move"] > 0
        # The tab's main thread worked on each move, JavaScript being part of that work.
        assert all(busy >= script > 0 for busy, script in zip(r["busy"], r["script"],
                                                               strict=True))


@pytest.mark.browser
@pytest.mark.server
def test_a_key_press_moves_the_lr_slider_and_the_chart_follows(browser):
    with bench_browser.served(bench_browser.BARE_PAGE) as [url]:
        tab = bench_browser.open_tab(browser, url)
        try:
            before = tab.evaluate("() => Array.from(document.querySelector("
                                  "'.js-plotly-plot').data[0].y)")
            bench_browser.slider_move(tab, "ArrowRight")
            after = tab.evaluate("() => Array.from(document.querySelector("
                                 "'.js-plotly-plot').data[0].y)")
            value = tab.locator(bench_browser.SLIDER).first.get_attribute("aria-valuetext")
        finally:
            tab.context.close()
    assert before == [1, 1.8, 1] and value == "2" and after == [1, 2, 1]  # the next lr choice
