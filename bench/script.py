"""Full script run after a slider move: the page against the same page drawing
Plotly's documented one-frame-per-step animation.

    python -m bench.script               # the lecture scene, 5 runs each
    python -m bench.script --runs 3 --steps 100

Both are ``app.py`` run through AppTest (:func:`bench.page.script_runs`: the
first run's lr slider moved back and forth, caches kept), once as it is and
once with ``plotting.scene_figure`` replaced by :func:`naive_page_figure`,
the naive figure of :mod:`bench.naive_figure` plus the (empty) start picker
the page looks up. Everything else on the page is the same, so the ratio is
what the figure costs a whole script run, serialization by
``st.plotly_chart`` included. A third contender is the page with every cache
cleared before each run (surfaces, grids and trajectories recomputed). Times
are wall-clock medians (AppTest runs the script in a thread), in two rounds.
"""

from __future__ import annotations

import argparse
import statistics
from unittest import mock

import plotly.graph_objects as go

from bench.naive_figure import naive_figure
from bench.page import script_runs


def naive_page_figure(surface, traces, *, grid, **_) -> go.Figure:
    """:func:`bench.naive_figure.naive_figure` in ``scene_figure``'s place on the page."""
    fig = naive_figure(surface, traces, grid)
    fig.add_trace(go.Scatter(x=[], y=[], name="start picker", showlegend=False))
    return fig


def naive_script_runs(runs: int, link: dict[str, str] | None = None) -> list[float]:
    """:func:`bench.page.script_runs` with the naive figure drawn by the page."""
    with mock.patch("plotting.scene_figure", naive_page_figure):
        return script_runs(runs, cached=True, link=link)


def measure(runs: int = 5, link: dict[str, str] | None = None) -> dict[str, dict]:
    """Median seconds of a script run after a slider move: the page, the naive page, and
    the page with its caches cleared before each run; ratios over the page's."""
    times: dict[str, list[float]] = {"page": [], "page, naive figure": [],
                                     "page, caches cleared": []}
    for half in (runs - runs // 2, runs // 2):  # two rounds: no page always goes first
        if half:
            times["page"] += script_runs(half, cached=True, link=link)
            times["page, naive figure"] += naive_script_runs(half, link)
            times["page, caches cleared"] += script_runs(half, cached=False, link=link)
    base = statistics.median(times["page"])
    return {name: {"seconds": statistics.median(t), "times": t,
                   "ratio": statistics.median(t) / base} for name, t in times.items()}


def main(argv: list[str] | None = None) -> dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, help="the scene's steps (the lecture's: 300)")
    args = parser.parse_args(argv)
    link = {"steps": str(args.steps)} if args.steps else None
    results = measure(args.runs, link)
    print(f"Script run after a slider move (AppTest, median of {args.runs}), the lecture scene"
          + (f" at {args.steps} steps" if args.steps else ""))
    for name, r in results.items():
        print(f"  {name:<22}{r['seconds'] * 1e3:>9.1f} ms{r['ratio']:>8.1f}x")
    return results


if __name__ == "__main__":
    main()
