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
  (``ScriptDuration``): where a move's time goes in the browser.

Times are wall-clock seconds; the ratios are the page's over the bare page's.
Goals (issue 11): a move <= 2x the bare page's, a second visitor's first
chart <= 1.5x.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy

BARE_PAGE = Path(__file__).with_name("bare_page.py")
CHART_DRAWN = (
    "() => { const gd = document.querySelector('.js-plotly-plot');"
    " return gd && gd._fullLayout && gd.querySelector('.main-svg') !== null"
    " && (gd._fullLayout.images || []).length === gd.querySelectorAll('.imagelayer image')"
    ".length; }"
)
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


def settle(page, quiet: float = 0.5) -> None:
    """Wait until no script runs, then ``quiet`` seconds more."""
    page.wait_for_function(SETTLED, timeout=60_000, polling=50)
    time.sleep(quiet)


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


@contextlib.contextmanager
def chromium(browser=None):
    """``browser`` if given (a test's own, already running), else a headless Chromium of
    our own for the duration."""
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    from deploy.servers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield own
        finally:
            own.close()


def measure(runs: int = 5, moves: int = 10, browser=None) -> dict:
    """First charts and slider moves of the page and the bare page; see the docstring.
    ``browser``: a running Playwright Chromium to use (else one is started)."""
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
    for r in results.values():
        r["later_visit"] = statistics.median(r["later_visits"])
        r["move"] = statistics.median(r["moves"]) if r["moves"] else None
        r["move_busy"] = statistics.median(r["busy"]) if r["busy"] else None
        r["move_script"] = statistics.median(r["script"]) if r["script"] else None
    return results


def main(argv: list[str] | None = None) -> dict:
    from deploy.servers import CHROMIUM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits of each warm server")
    parser.add_argument("--moves", type=int, default=10, help="slider moves on each page")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"browser: skipped, no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    results = measure(args.runs, args.moves)
    page, bare = results["page"], results["bare page"]
    print("In headless Chromium, the page against the bare page (median; ratio = page / bare)")
    for label, key in (("first chart, first visit after start", "first_visit"),
                       ("first chart, a later visitor (warm)", "later_visit"),
                       ("lr slider move -> chart redrawn", "move"),
                       ("  main thread busy per move (to settled)", "move_busy"),
                       ("  of which JavaScript", "move_script")):
        if page[key] is not None:
            print(f"  {label:<40}{page[key] * 1e3:8.0f} ms{bare[key] * 1e3:8.0f} ms"
                  f"{page[key] / bare[key]:8.2f}x")
    return results


if __name__ == "__main__":
    main()
