"""The analysis panels' cost on the page: script runs and payload, beside the page without them.

    python -m bench.panels                   # the lecture scene, 10 repetitions
    python -m bench.panels --runs 3 --steps 12

Through AppTest, on the lecture scene (six runs on the ravine), each panel
open in turn against the same page with no panel open, in the same process:

* a full script run after a slider move (the first run's lr, back and forth),
  with the page's caches warm: the panel's own work on top of the page's
  (budget: 120 ms for the whole run);
* the phase map opened for the first time (its cache cleared before each
  run): computing the map, at the panel's default and at its largest size;
* the bytes of the panel's chart, beside the race chart's (each chart is sent
  on its own; the race chart's budget is 400 KB).

Times are medians of wall-clock seconds per script run.
"""

from __future__ import annotations

import argparse
import statistics

from bench.page import chart_bytes, lr_mover, open_page, script_runs
from bench.timing import WALL, interleaved

PANELS = ("theory", "phase_map", "inspector")


def slider_moves(panel: str | None, runs: int, steps: int) -> list[float]:
    """Seconds per script run after a move of the first run's lr, with ``panel`` open."""
    return script_runs(runs, link={"steps": str(steps)}, panel=panel)


def first_maps(runs: int, steps: int, cells: int) -> list[float]:
    """Seconds per script run with the phase map open and its cache cleared before each."""
    from panels.phase_map import map_of

    at = open_page({"steps": str(steps)}, panel="phase_map", cells=cells, timeout=120)
    prepare, run = lr_mover(at, map_of.clear)
    return interleaved({"map": run}, runs, clock=WALL, warm_up=False,
                       prepare={"map": prepare})["map"]


def panel_chart_bytes(panel: str | None, steps: int) -> list[int]:
    """Bytes of each chart the page sends with ``panel`` open."""
    return chart_bytes(open_page({"steps": str(steps)}, panel=panel, timeout=120))


def measure(runs: int = 10, steps: int = 300) -> dict:
    """``{"moves": {panel: seconds}, "first_map": {cells: seconds}, "bytes": {panel: [...]}}``
    with ``None`` for the page without a panel; the baseline runs first and last."""
    from panels.phase_map import CELLS

    base = slider_moves(None, runs, steps)
    moves = {panel: statistics.median(slider_moves(panel, runs, steps)) for panel in PANELS}
    base += slider_moves(None, runs, steps)
    moves[None] = statistics.median(base)
    default = 60
    first = {cells: statistics.median(first_maps(max(1, runs // 2), steps, cells))
             for cells in (default, CELLS[-1])}
    sizes = {panel: panel_chart_bytes(panel, steps) for panel in (None, *PANELS)}
    return {"moves": moves, "first_map": first, "bytes": sizes, "steps": steps}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="script runs per measurement")
    parser.add_argument("--steps", type=int, default=300, help="the scene's steps")
    args = parser.parse_args(argv)
    results = measure(args.runs, args.steps)
    base = results["moves"][None]
    print(f"Script run after a slider move, lecture scene ({args.steps} steps), median of "
          f"{args.runs}")
    print(f"  {'no panel (baseline)':<34}{base * 1000:8.1f} ms")
    for panel in PANELS:
        t = results["moves"][panel]
        print(f"  {panel + ' open':<34}{t * 1000:8.1f} ms{t / base:8.2f}x of the baseline")
    for cells, t in results["first_map"].items():
        print(f"  {f'phase map first drawn, {cells} x {cells}':<34}{t * 1000:8.1f} ms"
              f"{t / base:8.2f}x of the baseline")
    race = results["bytes"][None][0]
    print(f"Chart payloads (race chart without a panel: {race / 1024:.1f} KB)")
    for panel in PANELS:
        sizes = results["bytes"][panel]
        print(f"  {panel:<34}race {sizes[0] / 1024:7.1f} KB, panel "
              f"{sizes[1] / 1024 if len(sizes) > 1 else 0:7.1f} KB")
    return results


if __name__ == "__main__":
    main()
