"""The page through AppTest: a script run after an lr move, and the charts it sends.

    python -m bench.page --runs 3 --steps 12

Script runs by the wall clock (AppTest runs the script in a thread), the pages taking turns.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from collections.abc import Callable, Mapping
from functools import partial

from bench.rows import Row, print_rows
from bench.timing import WALL, interleaved
from harness.page import CONTROL, chart_bytes, open_page

LR_MOVES = (1.5, 1.2)
PANELS = ("theory", "phase_map", "inspector", "view3d", "export")
DYNAMICS = {"noise": "0.5", "seed": "7", "fan": "8", "schedule": "step:drop=0.5,every=100",
            "anneal": "0.5,0.99,100"}
PAGE = "the page as it opens"
DYNAMICS_NAME = "noise, fan of 8, schedules"


def script_runs(pages: Mapping[str, dict], runs: int,
                clear: Callable[[], object] | None = None) -> tuple[dict[str, float], dict]:
    """Median seconds of a script run after an lr move on each page (``open_page(**kw)``),
    the pages in turn, and the pages (AppTest) as they are after it; ``clear`` (a
    cache's clear) runs untimed before each run."""
    ats = {name: open_page(**kw) for name, kw in pages.items()}
    values = {name: itertools.cycle(LR_MOVES) for name in pages}

    def move(name: str) -> None:
        at = ats[name]
        try:
            slider = at.select_slider(key=CONTROL)
        except KeyError:  # after a fragment's run, AppTest holds only that fragment's elements
            at.run()  # untimed
            slider = at.select_slider(key=CONTROL)
        slider.set_value(next(values[name]))
        if clear:
            clear()

    def run(name: str) -> None:
        ats[name].run()
        assert not ats[name].exception, ats[name].exception

    times = interleaved({n: partial(run, n) for n in pages}, runs, clock=WALL, warm_up=False,
                        prepare={n: partial(move, n) for n in pages})
    return {name: statistics.median(t) for name, t in times.items()}, ats


def clear_caches() -> None:
    import streamlit as st

    from controls import computed

    st.cache_data.clear()
    st.cache_resource.clear()
    computed.clear()  # the page's own caches, functools' among them


def measure(runs: int = 10, steps: int = 300) -> list[Row]:
    from panels.phase_map import CELLS, map_of

    link = {"steps": str(steps)}
    pages = {PAGE: {"link": link},
             **{f"{panel} panel open": {"link": link, "panel": panel} for panel in PANELS},
             "presenter mode": {"link": {**link, "present": "1"}},
             DYNAMICS_NAME: {"link": {**link, **DYNAMICS}}}
    warm, ats = script_runs(pages, runs)
    # Each cache clear would make the other pages' next run cold: measured on their own.
    cold = script_runs({"cold": {"link": link}}, runs, clear=clear_caches)[0]["cold"]
    maps = script_runs({cells: {"link": link, "panel": "phase_map", "cells": cells,
                                "timeout": 120} for cells in (60, CELLS[-1])},
                       max(1, runs // 2), clear=map_of.clear)[0]
    page = warm.pop(PAGE)
    rows = [Row("script run after an lr move", page, cold, "s", "the same, caches cleared")]
    rows += [Row(f"script run, {name}", t, page, "s", PAGE) for name, t in warm.items()]
    rows += [Row(f"script run, phase map drawn anew, {cells} x {cells}", t, page, "s", PAGE)
             for cells, t in maps.items()]
    sizes = {name: chart_bytes(at) for name, at in ats.items()}
    race = sizes[PAGE][0]
    rows += [Row(f"{panel} chart sent", sizes[f"{panel} panel open"][1], race, "bytes",
                 "the race chart") for panel in ("phase_map", "inspector", "view3d")]
    return rows + [Row(f"race chart sent, {name}", sizes[name][0], race, "bytes",
                       "the race chart") for name in ("presenter mode", DYNAMICS_NAME)]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="script runs per page")
    parser.add_argument("--steps", type=int, default=300, help="the scene's steps")
    args = parser.parse_args(argv)
    return measure(args.runs, args.steps)


if __name__ == "__main__":
    print_rows(main(), legend=True)
