"""The page in headless Chromium against the bare page: a visit's bytes, and an lr move.

    python -m bench.browser --runs 3 --moves 4

Both pages served at once, visits and moves taking turns (docs/benchmarks.md says what
each figure counts). Bytes are Chromium's own count (:class:`Tab`).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import statistics
import time

from bench.rows import Row, print_rows
from bench.servers import BARE_PAGE, Server, cpu_seconds
from deploy.servers import APP
from harness.browser import CHART_DRAWN, chromium

# A chart's data in short: each trace's name, and the length, first, middle and last value
# of its x and y (plain or typed arrays).
SIGNATURE = (
    "const signature = gd => JSON.stringify((gd.data || []).map(t => [t.name,"
    " ...['x', 'y'].map(k => { const a = t[k] || []; const n = a.length;"
    " return n ? [n, a[0], a[n >> 1], a[n - 1]] : 0; })]));"
)
# The chart's data replaced (a new data array, as Plotly.react gives it) or changed in
# place since REMEMBER_DATA (or a new figure drawn, counted in gd.__revision), and drawn.
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
# A figure (its JSON) drawn anew in the tab's one chart, its frames added.
NEW_PLOT = """async (spec) => {
    const box = document.querySelector('.js-plotly-plot-box');
    if (box.firstChild) Plotly.purge(box.firstChild);
    box.replaceChildren(document.createElement('div'));
    await Plotly.newPlot(box.firstChild, JSON.parse(spec));
}"""
FRAME_JUMPS = """async ([redraw, count]) => {
    const gd = document.querySelector('.js-plotly-plot');
    const times = [];
    for (const frame of gd._transitionData._frames.slice(0, count ?? undefined)) {
        const start = performance.now();
        await Plotly.animate(gd, [frame.name], {mode: 'immediate', frame: {duration: 0, redraw},
                                                transition: {duration: 0}});
        await new Promise(done => requestAnimationFrame(() => done()));
        times.push(performance.now() - start);
    }
    return times;
}"""


def payload_bytes(response: dict) -> int:
    """The bytes of a websocket frame's payload as Chromium reports it (``payloadData``:
    base64 for a binary frame, opcode 2; the text itself for a text frame)."""
    data = response["payloadData"]
    return len(base64.b64decode(data)) if response["opcode"] == 2 else len(data.encode())


class Tab:
    """A new tab of ``context`` and what it received so far, as Chromium counts it (its
    DevTools protocol's Network events): ``websocket``, the payload bytes of the websocket
    frames; ``http``, the HTTP bytes as they came over the wire (headers included,
    compressed if sent so); ``cached``, the responses served from the browser's cache."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.websocket = self.http = self.cached = 0
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.loadingFinished", self._loaded)
        self.cdp.on("Network.requestServedFromCache", self._from_cache)  # memory cache
        self.cdp.on("Network.responseReceived", self._from_cache)  # disk cache, if it says so
        self.cdp.send("Network.enable")
        self.cdp.send("Performance.enable")

    def _frame(self, event: dict) -> None:
        self.websocket += payload_bytes(event["response"])

    def _loaded(self, event: dict) -> None:
        self.http += int(event["encodedDataLength"])

    def _from_cache(self, event: dict) -> None:
        self.cached += "response" not in event or bool(event["response"].get("fromDiskCache"))

    def counts(self) -> dict[str, float]:
        """The bytes so far, and the tab's main-thread time (``busy``) and the JavaScript in
        it (``script``), in seconds."""
        metrics = {m["name"]: m["value"]
                   for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return {"websocket": self.websocket, "http": self.http, "cached": self.cached,
                "busy": metrics["TaskDuration"], "script": metrics["ScriptDuration"]}


def settle(page) -> None:
    """Wait until no script runs, then :data:`QUIET` seconds more (Chromium's events keep
    arriving meanwhile)."""
    page.wait_for_function(SETTLED, timeout=60_000, polling=50)
    page.wait_for_timeout(QUIET * 1000)


def opened(context, url: str) -> tuple[Tab, float]:
    """A new tab of ``context`` on ``url``, its chart drawn and the page settled; the
    seconds to the chart."""
    tab = Tab(context)
    start = time.perf_counter()
    tab.page.goto(url)
    tab.page.wait_for_function(CHART_DRAWN, timeout=60_000, polling=10)
    chart = time.perf_counter() - start
    settle(tab.page)
    return tab, chart


def visit(context, url: str) -> tuple[Tab, dict]:
    """A visit of ``url`` in a new tab of ``context``: the tab (left open), and the
    seconds to the chart and the bytes received until the page settled."""
    tab, chart = opened(context, url)
    return tab, {"chart": chart, **tab.counts()}


def lr_move(tab: Tab, server_pid: int) -> dict:
    """One key press on the lr slider, to the next lower lr (always a value the tab has not
    seen, so that neither the server's caches nor the browser's hold its chart): the
    seconds to the chart's new data drawn, and until the page settled the bytes received,
    the server's CPU time and the tab's time."""
    tab.page.locator(SLIDER).first.focus()
    tab.page.evaluate(REMEMBER_DATA)
    before, cpu = tab.counts(), cpu_seconds(server_pid)
    start = time.perf_counter()
    tab.page.keyboard.press("ArrowLeft")
    tab.page.wait_for_function(CHART_REDRAWN, timeout=60_000, polling="raf")
    redrawn = time.perf_counter() - start
    settle(tab.page)
    after = tab.counts()
    return {"redrawn": redrawn, "cpu": cpu_seconds(server_pid) - cpu,
            **{key: after[key] - before[key] for key in ("websocket", "busy", "script")}}


def frame_times(browser, reps: int, steps: int = 300,
                frames: int | None = None) -> dict[str, float]:
    """Median seconds per frame jump of the lecture's 3D and race figures (at ``steps``
    steps; their first ``frames`` frames, or all), interleaved, drawn in one tab that
    loaded the page's plotly.js once."""
    import plotly.io as pio

    from controls.race_chart import PLOTLY_JS
    from harness.page import lecture_scene
    from plotting import scene_figure
    from plotting.surface3d import surface_figure

    surface, traces, _ = lecture_scene(steps)
    figures = {"race": (scene_figure(surface, traces, start_picker=False), False),
               "3D": (surface_figure(surface, traces), True)}
    spec = {name: pio.to_json(fig, validate=False) for name, (fig, _) in figures.items()}
    times: dict[str, list[float]] = {name: [] for name in figures}
    page = browser.new_page(viewport=VIEWPORT)
    page.set_content("<div class='js-plotly-plot-box'></div>")
    page.add_script_tag(path=str(PLOTLY_JS))
    for _ in range(reps):
        for name, (_, redraw) in figures.items():
            page.evaluate(NEW_PLOT, spec[name])
            times[name] += page.evaluate(FRAME_JUMPS, [redraw, frames])
    page.close()
    return {name: statistics.median(t) / 1e3 for name, t in times.items()}


def measure(runs: int = 5, moves: int = 10, browser=None, steps: int = 300,
            warm_up: bool = True, frames: int | None = None) -> dict:
    """``{page: {"first": [visit], "second": [visit], "moves": [lr_move]}, "frames": ...}``
    for the page and the bare page (see the docstring); ``browser``: a running Playwright
    Chromium to use (else one is started). The moves are made in the last second visit's
    tab. ``warm_up``: each server's first visit (its caches cold) comes before those
    measured; without it, that is the first measured one. ``frames``: how many of each
    figure's frames are jumped to (None: all)."""
    pages = {"page": APP, "bare page": BARE_PAGE}
    results: dict = {name: {"first": [], "second": [], "moves": []} for name in pages}
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(Server(script)) for name, script in pages.items()}
        browser = stack.enter_context(chromium(browser))

        def context():
            return stack.enter_context(contextlib.closing(browser.new_context(viewport=VIEWPORT)))

        for name in pages if warm_up else ():
            visit(context(), servers[name].url)[0].page.close()  # caches cold
        tabs = {}
        for run in range(runs):
            for name in pages:
                same = context()
                for kind in ("first", "second"):
                    tab, found = visit(same, servers[name].url)
                    results[name][kind].append(found)
                    if run == runs - 1 and kind == "second":
                        tabs[name] = tab  # the moves' tab
                    else:
                        tab.page.close()
        for _ in range(moves):
            for name, tab in tabs.items():
                results[name]["moves"].append(lr_move(tab, servers[name].process.pid))
        results["frames"] = frame_times(browser, max(1, runs // 2), steps, frames)
    return results


FIGURES = (  # name, what, its key, unit, goal (largest ratio), limit (largest ours)
    ("first visit: websocket bytes", "first", "websocket", "bytes", None, 300e3),
    ("first visit: HTTP bytes", "first", "http", "bytes", None, None),
    ("second visit: HTTP bytes (browser cache kept)", "second", "http", "bytes", None, 100e3),
    ("first chart, a new visitor (warm server)", "first", "chart", "s", 1.5, None),
    ("lr move -> chart redrawn", "moves", "redrawn", "s", 1.5, None),
    ("websocket bytes per lr move", "moves", "websocket", "bytes", None, 25e3),
    ("server CPU per lr move", "moves", "cpu", "s", 3.0, None),
    ("main-thread time per lr move, to settled", "moves", "busy", "s", None, None),
    ("JavaScript time per lr move, to settled", "moves", "script", "s", None, None),
)


def rows(results: dict) -> list[Row]:
    """Each figure's median, the page's beside the bare page's; the server's CPU time is
    the mean of the moves (what the server spends on a move, on average)."""
    def typical(name: str, what: str, key: str) -> float:
        average = statistics.mean if key == "cpu" else statistics.median
        return average(found[key] for found in results[name][what])

    against = "the bare page (one slider, one small chart)"
    return [Row(name, typical("page", what, key), typical("bare page", what, key), unit,
                against, goal=goal, limit=limit)
            for name, what, key, unit, goal, limit in FIGURES if results["page"][what]] + [
        Row("a frame of the 3D view shown", results["frames"]["3D"], results["frames"]["race"],
            "s", "a frame of the race chart")]


def main(argv: list[str] | None = None) -> list[Row]:
    from deploy.servers import CHROMIUM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits of each page")
    parser.add_argument("--moves", type=int, default=10, help="lr moves on each page")
    parser.add_argument("--steps", type=int, default=300, help="the framed scene's steps")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"browser: skipped, no Chromium at {CHROMIUM} "
              "(apt-get install -y chromium-headless-shell)")
        return []
    return rows(measure(args.runs, args.moves, steps=args.steps))


if __name__ == "__main__":
    print_rows(main(), legend=True)
