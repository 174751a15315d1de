"""The page in headless Chromium against the bare page: first chart, and a slider move.

    python -m bench.browser                  # 5 visits and 10 moves each
    python -m bench.browser --runs 3 --moves 4

Both pages are served at once, each by its own fresh ``streamlit run``
(:mod:`deploy.servers`): ``app.py`` and :mod:`bench.bare_page` (one select
slider and one small Plotly chart: the floor of Streamlit + Plotly). One
Chromium visits them in turn, so that both see the same machine:

* first chart: from opening the page (a fresh browser context: no cache, no
  cookie) to its chart drawn, contour image included. The first visit after
  the server started (cold caches) is reported on its own; then ``--runs``
  visits each of a warm server (a second visitor's first chart);
* slider move: on one open tab of each page, the first run's lr slider
  (``run0_lr``) gets one key press (ArrowRight, then ArrowLeft, and so on); the
  time runs from the key press to the chart's data changed and drawn (a new
  ``data`` array, as ``Plotly.react`` gives it, or its traces' names or values
  changed in place). Tab and page take
  turns, ``--moves`` moves each, after the page has settled. Beside it, the
  tab's main-thread time per move, from the key press until the page has
  settled (Chromium's ``TaskDuration``), and the JavaScript in it
  (``ScriptDuration``): where a move's time goes in the browser;
* a frame of the 3D view against a frame of the race chart: each figure alone
  on a page with plotly.js inline, every frame jumped to in turn (the 3D one
  redrawn whole), the two interleaved; this is what caps the 3D view's frames
  (:data:`plotting.surface3d.MAX_FRAMES_3D`).

Times are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

from bench.rows import Row, print_rows
from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy
from harness.browser import CHART_DRAWN, chromium

BARE_PAGE = Path(__file__).with_name("bare_page.py")
# A chart's data in short: each trace's name, and the length, first, middle and last value
# of its x and y (plain or typed arrays).
SIGNATURE = (
    "const signature = gd => JSON.stringify((gd.data || []).map(t => [t.name,"
    " ...['x', 'y'].map(k => { const a = t[k] || []; const n = a.length;"
    " return n ? [n, a[0], a[n >> 1], a[n - 1]] : 0; })]));"
)
# The chart's data replaced (a new data array, as Plotly.react gives it) or changed in
# place since REMEMBER_DATA, and drawn. The page's race chart (controls/chart.py) animates
# the traces a move changed and counts each new figure it has drawn in gd.__revision.
CHART_REDRAWN = (
    "() => { " + SIGNATURE + " const gd = document.querySelector('.js-plotly-plot');"
    " return gd && gd.data && gd._fullLayout && gd.querySelector('.main-svg') !== null"
    " && (gd.data !== window.__before || signature(gd) !== window.__signature"
    " || gd.__revision !== window.__revision); }"
)
REMEMBER_DATA = (
    "() => { " + SIGNATURE + " const gd = document.querySelector('.js-plotly-plot');"
    " window.__before = gd.data; window.__signature = signature(gd);"
    " window.__revision = gd.__revision; }"
)
SETTLED = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
SLIDER = ".st-key-run0_lr input[type=range]"
VIEWPORT = {"width": 1600, "height": 1000}
QUIET = 0.5  # seconds of quiet after the page settled, before the next move
FRAME_JUMPS = """async (redraw) => {
    const gd = document.querySelector('.js-plotly-plot');
    const times = [];
    for (const frame of gd._transitionData._frames) {
        const start = performance.now();
        await Plotly.animate(gd, [frame.name], {mode: 'immediate', frame: {duration: 0, redraw},
                                                transition: {duration: 0}});
        await new Promise(done => requestAnimationFrame(() => done()));
        times.push(performance.now() - start);
    }
    return times;
}"""


@contextlib.contextmanager
def served(*scripts: Path):
    """The base URL of each script's own fresh ``streamlit run``, all at once."""
    servers = []
    try:
        for script in scripts:
            port = free_port()
            servers.append(start_streamlit(port, script, stderr=None))
            wait_until_healthy(f"http://127.0.0.1:{port}", servers[-1])
        yield [f"http://127.0.0.1:{s.args[s.args.index('--server.port') + 1]}/"
               for s in servers]
    finally:
        for server in servers:
            stop(server)


def first_chart(browser, url: str) -> float:
    """Seconds from opening ``url`` in a fresh context to its chart drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(CHART_DRAWN, timeout=60_000, polling=10)
        return time.perf_counter() - start
    finally:
        context.close()


def open_tab(browser, url: str):
    """A tab on ``url`` with its chart drawn and its script finished."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(url)
    page.wait_for_function(CHART_DRAWN, timeout=60_000, polling=10)
    settle(page)
    return page


def settle(page) -> None:
    """Wait until no script runs, then :data:`QUIET` seconds more."""
    page.wait_for_function(SETTLED, timeout=60_000, polling=50)
    time.sleep(QUIET)


def slider_move(page, key: str) -> float:
    """Seconds from one key press on the lr slider to the chart's new data drawn."""
    slider = page.locator(SLIDER).first
    slider.focus()
    page.evaluate(REMEMBER_DATA)
    start = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(CHART_REDRAWN, timeout=60_000, polling="raf")
    elapsed = time.perf_counter() - start
    settle(page)
    return elapsed


def busy_seconds(cdp) -> dict[str, float]:
    """The tab's main-thread time so far (Chromium's Performance metrics): all its tasks,
    and the JavaScript among them."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"busy": metrics["TaskDuration"], "script": metrics["ScriptDuration"]}


def frame_times(browser, reps: int, steps: int = 300) -> dict[str, float]:
    """Median seconds per frame jump of the lecture's 3D and race figures (at ``steps``
    steps), interleaved."""
    import plotly.io as pio

    from harness.page import lecture_scene
    from plotting import scene_figure
    from plotting.surface3d import surface_figure

    surface, traces, _ = lecture_scene(steps)
    figures = {"race": (scene_figure(surface, traces, start_picker=False), False),
               "3D": (surface_figure(surface, traces), True)}
    html = {name: pio.to_html(fig.to_dict(), include_plotlyjs=True, auto_play=False,
                              validate=False) for name, (fig, _) in figures.items()}
    times: dict[str, list[float]] = {name: [] for name in figures}
    page = browser.new_page(viewport=VIEWPORT)
    for _ in range(reps):
        for name, (_, redraw) in figures.items():
            page.set_content(html[name])
            page.wait_for_function("document.querySelector('.js-plotly-plot')._fullData")
            times[name] += page.evaluate(FRAME_JUMPS, redraw)
    page.close()
    return {name: statistics.median(t) / 1e3 for name, t in times.items()}


def measure(runs: int = 5, moves: int = 10, browser=None, steps: int = 300) -> dict:
    """First charts, slider moves and frames (of the lecture scene at ``steps`` steps) of
    the page and the bare page; see the docstring. ``browser``: a running Playwright
    Chromium to use (else one is started)."""
    pages = {"page": APP, "bare page": BARE_PAGE}
    results: dict = {name: {"later_visits": [], "moves": [], "busy": [], "script": []}
                     for name in pages}
    with served(*pages.values()) as urls, chromium(browser) as browser:
        url = dict(zip(pages, urls, strict=True))
        for name in pages:
            results[name]["first_visit"] = first_chart(browser, url[name])
        for _ in range(runs):
            for name in pages:
                results[name]["later_visits"].append(first_chart(browser, url[name]))
        tabs = {name: open_tab(browser, url[name]) for name in pages}
        cdp = {name: tab.context.new_cdp_session(tab) for name, tab in tabs.items()}
        for session in cdp.values():
            session.send("Performance.enable")
        for i in range(moves):
            for name, tab in tabs.items():
                before = busy_seconds(cdp[name])
                results[name]["moves"].append(slider_move(tab, ("ArrowRight", "ArrowLeft")[i % 2]))
                after = busy_seconds(cdp[name])
                for key in ("busy", "script"):
                    results[name][key].append(after[key] - before[key])
        for tab in tabs.values():
            tab.context.close()
        results["frames"] = frame_times(browser, max(1, runs // 2), steps)
    for name in pages:
        r = results[name]
        r["later_visit"] = statistics.median(r["later_visits"])
        for key, times in (("move", "moves"), ("move_busy", "busy"), ("move_script", "script")):
            r[key] = statistics.median(r[times]) if r[times] else None
    return results


def rows(results: dict) -> list[Row]:
    page, bare, frames = results["page"], results["bare page"], results["frames"]
    against = "the bare page (one slider, one small chart)"
    figures = [("lr slider move -> chart redrawn", "move", 2.0),
               ("main-thread time per move, to settled", "move_busy", None),
               ("JavaScript time per move, to settled", "move_script", None),
               ("first chart, a second visitor (warm)", "later_visit", 1.5),
               ("first chart, first visit after start", "first_visit", None)]
    return [Row(name, page[key], bare[key], "s", against, goal=goal)
            for name, key, goal in figures if page[key] is not None] + [
        Row("a frame of the 3D view shown", frames["3D"], frames["race"], "s",
            "a frame of the race chart")]


def main(argv: list[str] | None = None) -> list[Row]:
    from deploy.servers import CHROMIUM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits of each warm server")
    parser.add_argument("--moves", type=int, default=10, help="slider moves on each page")
    parser.add_argument("--steps", type=int, default=300, help="the framed scene's steps")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"browser: skipped, no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return []
    return rows(measure(args.runs, args.moves, steps=args.steps))


if __name__ == "__main__":
    print_rows(main(), legend=True)
