"""``bench.browser`` measures what it says in real Chromium: no timing is asserted, only
that each figure was taken (a move the chart did not follow would time out)."""

from __future__ import annotations

import pytest

from bench import browser as bench_browser


@pytest.fixture()
def no_quiet(monkeypatch):
    """No quiet second after the page settled: the next move waits on the page alone."""
    monkeypatch.setattr(bench_browser, "QUIET", 0)


@pytest.mark.browser
@pytest.mark.server
def test_first_charts_slider_moves_and_frames_are_measured_on_both_pages(browser, no_quiet):
    results = bench_browser.measure(runs=1, moves=2, browser=browser, steps=12)
    for name in ("page", "bare page"):
        r = results[name]
        assert r["first_visit"] > 0 and len(r["later_visits"]) == 1 and r["later_visit"] > 0
        assert len(r["moves"]) == 2 and all(t > 0 for t in r["moves"]) and r["move"] > 0
        # The tab's main thread worked on each move, JavaScript being part of that work.
        assert all(busy >= script > 0 for busy, script in zip(r["busy"], r["script"],
                                                               strict=True))
    rows = {r.name: r for r in bench_browser.rows(results)}
    move = rows["lr slider move -> chart redrawn"]
    assert (move.ours, move.baseline, move.goal) == (results["page"]["move"],
                                                     results["bare page"]["move"], 2.0)
    frame = rows["a frame of the 3D view shown"]
    assert frame.ours == results["frames"]["3D"] and frame.baseline == results["frames"]["race"]


@pytest.mark.browser
@pytest.mark.server
def test_a_key_press_moves_the_lr_slider_and_the_chart_follows(browser, no_quiet):
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
