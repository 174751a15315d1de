"""The lecture page's budgets: script run after a slider move, first chart in Chromium.

Run as ``python -m bench.page`` (``--runs N`` repetitions, ``--no-browser``).
Each figure is measured beside a baseline in the same run, because the
machine is shared and noisy:

* script run after a slider move (the first run's lr), through AppTest: the
  page as it is, against the same page with every cache cleared before each
  run (so surfaces, grids and trajectories are recomputed);
* the Plotly payload the page sends for the lecture scene;
* first chart drawn in headless Chromium, from opening the page to the chart
  with its contour image in the DOM: the page against a bare Streamlit page
  with a one-line Plotly chart (what any Streamlit + Plotly page costs). The
  first visit after the server starts (cold caches) is shown on its own.

Budgets (issue 3): script run <= 120 ms, payload <= 400 KB, first chart <= 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
BARE_PAGE = """
import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 0, 1])))
"""
LR_MOVES = (1.5, 1.2)  # the first run's lr slider, moved back and forth
CHART_DRAWN = (
    "() => { const gd = document.querySelector('.js-plotly-plot');"
    " return gd && gd._fullLayout && gd.querySelector('.main-svg') !== null"
    " && (gd._fullLayout.images || []).length === gd.querySelectorAll('.imagelayer image')"
    ".length; }"
)


def script_runs(runs: int, *, cached: bool, link: dict[str, str] | None = None) -> list[float]:
    """Seconds per full script run after a slider move, through AppTest, on the page
    opened with ``link`` (query parameters; the default scene without)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(link or {})
    at.run()
    times = []
    for i in range(runs):
        at.select_slider(key="run0_lr").set_value(LR_MOVES[i % 2])
        if not cached:
            st.cache_data.clear()
            st.cache_resource.clear()
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return times


def payload_bytes() -> int:
    """Bytes of the Plotly figure the default scene sends to the browser."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    return len(at.get("plotly_chart")[0].proto.spec.encode())


def first_chart_times(script: Path, runs: int) -> tuple[float, list[float]]:
    """Seconds from opening ``script``'s page to its chart drawn: the first visit
    after the server started, then ``runs`` later visits, each in a fresh context."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import (
        CHROMIUM,
        CHROMIUM_ARGS,
        free_port,
        start_streamlit,
        stop,
        wait_until_healthy,
    )

    port = free_port()
    server = start_streamlit(port, script)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_healthy(url.rstrip("/"), server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            times = []
            for _ in range(runs + 1):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_function(CHART_DRAWN, timeout=60_000, polling=10)
                times.append(time.perf_counter() - start)
                context.close()
            browser.close()
    finally:
        stop(server)
    return times[0], times[1:]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measurement")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args()

    cached = statistics.median(script_runs(args.runs, cached=True))
    uncached = statistics.median(script_runs(args.runs, cached=False))
    print("script run after a slider move (AppTest, median)")
    print(f"  page             {_ms(cached)}   (budget 120 ms)")
    print(f"  caches cleared   {_ms(uncached)}")
    print(f"  ratio            {cached / uncached:8.2f}x of the uncached page")
    print(f"plotly payload     {payload_bytes() / 1024:8.1f} KB   (budget 400 KB)")

    if args.no_browser:
        return
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare_page.py"
        bare.write_text(BARE_PAGE)
        bare_first, bare_times = first_chart_times(bare, args.runs)
    page_first, page_times = first_chart_times(APP, args.runs)
    page, base = statistics.median(page_times), statistics.median(bare_times)
    print("first chart drawn in headless Chromium (median of later visits)")
    print(f"  page             {_ms(page)}   (budget 2 s); first visit {_ms(page_first)}")
    print(f"  bare page        {_ms(base)}                 first visit {_ms(bare_first)}")
    print(f"  ratio            {page / base:8.2f}x of a bare Streamlit + Plotly page")


if __name__ == "__main__":
    main()
