"""The one plotly.js internal the page's script relies on, pinned in Chromium.

``race_chart.js`` keeps plotly.js's answers to ``Plotly.PlotSchema.findArrayAttributes``
(which attributes of a trace hold arrays, worked out for every trace at every redraw) by the
trace's type and the attributes that hold arrays. These tests fail loudly when plotly.js
renames the function, or when its answer for any trace the page draws stops following from
that key: then the kept answers must go (``rememberArrayAttributes``).
"""

from __future__ import annotations

import pytest

from tests.waits import navigate, open_app, rerun

pytestmark = pytest.mark.browser

# Every trace of every chart drawn with the page's plotly.js: the kept answer against
# plotly.js's own (the function the script replaced, ``__plotly``).
COMPARE = """() => {
    const find = window.Plotly.PlotSchema.findArrayAttributes;
    if (typeof find !== 'function' || typeof find.__plotly !== 'function') {
        return {installed: false};
    }
    const charts = [...document.querySelectorAll('.js-plotly-plot')]
        .filter((gd) => gd._fullData && gd.querySelector('.main-svg'));
    const differ = [], kinds = new Set();
    let traces = 0;
    for (const gd of charts) {
        for (const trace of gd._fullData) {
            traces += 1;
            const kept = JSON.stringify(find(trace)), own = JSON.stringify(find.__plotly(trace));
            kinds.add(own);
            if (kept !== own) differ.push([trace.name, kept, own]);
        }
    }
    return {installed: true, charts: charts.length, traces, differ, kinds: kinds.size};
}"""


# How many charts plotly.js has drawn on the page.
DRAWN_CHARTS = ("n => [...document.querySelectorAll('.js-plotly-plot')]"
                ".filter((gd) => gd._fullData && gd.querySelector('.main-svg')).length")


def compared(page) -> dict:
    found = page.evaluate(COMPARE)
    assert found["installed"], "plotly.js has no PlotSchema.findArrayAttributes to keep"
    assert found["differ"] == [], found["differ"]
    return found


def test_the_kept_array_attributes_are_plotlys_own_for_every_trace_drawn(page, app_url):
    open_app(page, app_url, "?run=sgd:lr=1.8&run=adam:lr=0.3")
    first = compared(page)
    assert first["traces"] > 10 and first["kinds"] >= 3  # paths, markers with text, curves
    lr = page.locator(".st-key-run0_lr").get_by_role("slider")
    rerun(page, lambda: lr.press("ArrowLeft"))  # the move's redraw asked again
    compared(page)
    for link, charts in (("?view=multiples&noise=0.5&fan=4", 1),  # small multiples, fans
                         ("?surface=penguins&scaling=raw&panel=fit", 2)):  # the fitted line
        navigate(page, link)
        # st.plotly_chart (the panel's) draws once its script has loaded, after the run
        page.wait_for_function(DRAWN_CHARTS + " === n", arg=charts, timeout=30_000)
        found = compared(page)
        assert found["traces"] > 10
    assert found["charts"] == 2  # the race and the fitted-line panel, one plotly.js
    assert page.problems == []


def test_a_trace_whose_array_attributes_change_gets_plotlys_answer_for_them(page, app_url):
    """The same trace with text added, then with an array of objects (which plotly.js
    looks into): each answer is plotly.js's own, not the one kept for the trace before."""
    open_app(page, app_url)
    answers = page.evaluate("""() => {
        const find = window.Plotly.PlotSchema.findArrayAttributes;
        const gd = document.querySelector('.js-plotly-plot');
        const trace = gd._fullData.find((t) => t.name === 'position');
        const plain = {...trace, text: undefined, hovertext: undefined};
        const texts = {...plain, text: Array.from(trace.x, () => 'a')};
        const objects = {...plain, customdata: [{a: 1}, {b: 2}]};
        return [plain, texts, objects, plain].map(
            (t) => [JSON.stringify(find(t)), JSON.stringify(find.__plotly(t))]);
    }""")
    assert all(kept == own for kept, own in answers), answers
    assert len({own for _, own in answers[:2]}) == 2  # text made a difference
