"""The page through AppTest: the one helper that opens it, moves its lr slider and
weighs its charts, for the benchmarks and the panels' tests.

    python -m bench.page                     # script run after a move, payload
    python -m bench.page --runs 20

* script run after a slider move (the first run's lr, moved back and forth
  between :data:`LR_MOVES`): the page as it is, then the same page with every
  cache cleared before each run (surfaces, grids and trajectories
  recomputed); wall clock (AppTest runs the script in a thread);
* the Plotly payload the page sends for the lecture scene.

The page in headless Chromium (first chart, a slider move) is
:mod:`bench.browser`. Budgets (issue 3): script run <= 120 ms, payload <= 400 KB.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from collections.abc import Callable, Mapping

from bench.timing import WALL, interleaved
from deploy.servers import APP

CONTROL = "run0_lr"  # the first run's learning rate (SGD at 1.8 in the lecture scene)
LR_MOVES = (1.5, 1.2)  # the first run's lr slider, moved back and forth


def open_page(link: Mapping[str, str | list[str]] | None = None,
              screen: tuple[float, float, float] | None = None, *, panel: str | None = None,
              cells: int | None = None, timeout: float = 60):
    """The page as AppTest runs it, opened with ``link`` (a shared link's query
    parameters; the default scene without), in a browser whose main column is
    ``screen = (width, window height, top of the chart)`` pixels as the page's viewport
    component reports it (AppTest runs no JavaScript; without, the page lays the chart
    out for a laptop), then ``panel`` picked and the phase map's ``cells`` set if
    given. Fails on an exception on the page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(link or {})
    if screen:
        width, height, top = screen
        at.session_state["viewport"] = {"size": {"width": width, "height": height, "top": top}}
    at.run()
    if panel:
        at.segmented_control(key="panel").set_value(panel).run()
    if cells:
        at.select_slider(key="phase_cells").set_value(cells).run()
    assert not at.exception, at.exception
    return at


def lr_mover(at, then: Callable[[], object] | None = None) -> tuple[Callable[[], None],
                                                                     Callable[[], None]]:
    """``(prepare, run)`` for timing a slider move on ``at``: ``prepare`` sets the
    first run's lr to the next of :data:`LR_MOVES` (then calls ``then``, e.g. a cache
    clear), ``run`` runs the script and fails on an exception."""
    values = itertools.cycle(LR_MOVES)

    def prepare() -> None:
        at.select_slider(key=CONTROL).set_value(next(values))
        if then:
            then()

    def run() -> None:
        at.run()
        assert not at.exception, at.exception

    return prepare, run


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def script_runs(runs: int, *, cached: bool = True,
                link: Mapping[str, str | list[str]] | None = None,
                panel: str | None = None) -> list[float]:
    """Seconds per full script run after a slider move, through AppTest, on the page
    opened with ``link`` and ``panel``; with ``cached=False`` every cache is cleared
    (untimed) before each run."""
    prepare, run = lr_mover(open_page(link, panel=panel), None if cached else clear_caches)
    return interleaved({"move": run}, runs, clock=WALL, warm_up=False,
                       prepare={"move": prepare})["move"]


def components(at, name: str) -> list:
    """The page's elements of the component ``name`` (controls/chart.py's
    ``descent_lab_race_chart`` and ``descent_lab_step_chart``; AppTest runs no
    JavaScript: their data is the figure they would draw, with its config, as JSON)."""
    return [e for e in at.get("bidi_component") if e.proto.component_name == name]


def race_chart(at):
    """The race chart's element (there is exactly one)."""
    (chart,) = components(at, "descent_lab_race_chart")
    return chart


def chart_bytes(at) -> list[int]:
    """Bytes of each chart on the page, in page order: the race chart (the data of its
    component: figure and config, as JSON), then each st.plotly_chart's spec."""
    return [len(race_chart(at).proto.bytes),
            *(len(chart.proto.spec.encode()) for chart in at.get("plotly_chart"))]


def payload_bytes(link: Mapping[str, str | list[str]] | None = None) -> int:
    """Bytes of the race chart the page sends for ``link`` (the default scene without)."""
    return chart_bytes(open_page(link))[0]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measurement")
    args = parser.parse_args(argv)

    # One after the other, not interleaved: clearing the caches would make the cached
    # page's next run a cold one.
    cached = statistics.median(script_runs(args.runs, cached=True))
    uncached = statistics.median(script_runs(args.runs, cached=False))
    size = payload_bytes()
    print("script run after a slider move (AppTest, median)")
    print(f"  page             {_ms(cached)}   (budget 120 ms)")
    print(f"  caches cleared   {_ms(uncached)}")
    print(f"  ratio            {cached / uncached:8.2f}x of the uncached page")
    print(f"plotly payload     {size / 1024:8.1f} KB   (budget 400 KB)")
    return {"page": cached, "caches cleared": uncached, "payload": size}


if __name__ == "__main__":
    main()
