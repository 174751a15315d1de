"""What noise, fans and schedules cost the page, beside the same page without them.

    python -m bench.dynamics                 # 10 interleaved moves per page
    python -m bench.dynamics --runs 20

The lecture scene (six runs, 300 steps) as it is, against the same scene with
gradient noise 0.5, a fan of the most seeds (8), a step schedule and mu
annealing (:data:`LINK`). The machine is shared and noisy, so each figure is
measured beside its baseline in the same process, interleaved:

* script run after a slider move (the first run's lr, moved back and forth as
  in :mod:`bench.page`), through AppTest: median wall time per page;
* Plotly payload of the chart each page sends, and of the same figure in
  small multiples (built with ``scene_figure``);
* simulating one run (``scenes.compute.trajectory``): with its fan of 8 seeds
  (one batch) against the run alone, and against 8 separate runs.

Budgets (issue 3): script run <= 120 ms, payload <= 400 KB.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from urllib.parse import parse_qs

from bench.page import chart_bytes, lr_mover, open_page
from bench.timing import WALL, interleaved, medians

LINK = "noise=0.5&seed=7&fan=8&schedule=step:drop=0.5,every=100&anneal=0.5,0.99,100"


def _query(link: str) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(link).items()}


def script_runs(runs: int) -> dict[str, list[float]]:
    """Seconds per script run after a slider move, the two pages in turn."""
    pages = {name: lr_mover(open_page(_query(link)))
             for name, link in (("lecture scene", ""), ("with noise, fan 8, schedules", LINK))}
    return interleaved({name: run for name, (_, run) in pages.items()}, runs, clock=WALL,
                       warm_up=False, prepare={name: prep for name, (prep, _) in pages.items()})


def payloads() -> dict[str, int]:
    """Bytes of the chart: each page as sent, and both figures in small multiples."""
    import plotly.io as pio

    from plotting import scene_figure
    from plotting.runs import scene_traces
    from scenes import DEFAULT_SCENE, scene_from_query
    from scenes.compute import build_surface, run_scene

    sizes = {}
    for name, link in (("lecture scene", ""), ("with noise, fan 8, schedules", LINK)):
        sizes[f"{name}, overlay (page)"] = chart_bytes(open_page(_query(link)))[0]
        scene = scene_from_query(_query(link))[0] if link else DEFAULT_SCENE
        surface = build_surface(scene.surface_key)
        traces = scene_traces(scene, {i: p for i, _, p in run_scene(scene, surface)})
        fig = scene_figure(surface, traces, view="multiples", grid=surface.grid(120))
        sizes[f"{name}, small multiples"] = len(pio.to_json(fig.to_dict(), validate=False))
    return sizes


def simulation_times(reps: int) -> dict[str, float]:
    """Median seconds to simulate the lecture's SGD run: alone, with a fan, as 8 runs."""
    from scenes import DEFAULT_SCENE
    from scenes.compute import build_surface, trajectory
    from scenes.dynamics import Dynamics

    surface = build_surface(DEFAULT_SCENE.surface_key)
    run, start, steps = DEFAULT_SCENE.runs[0], DEFAULT_SCENE.start, DEFAULT_SCENE.steps
    fan = Dynamics(noise=0.5, seed=7, fan=8)
    contenders = {
        "one run": lambda: trajectory(surface, run, start, steps, replace(fan, fan=1)),
        "one run with a fan of 8 (one batch)": lambda: trajectory(surface, run, start, steps,
                                                                  fan),
        "8 separate runs": lambda: [trajectory(surface, run, start, steps,
                                               replace(fan, seed=s, fan=1))
                                    for s in range(7, 15)],
    }
    return medians(contenders, reps, warm_up=False)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="slider moves per page")
    parser.add_argument("--reps", type=int, default=20, help="repetitions of each simulation")
    args = parser.parse_args(argv)

    script = {name: statistics.median(t) for name, t in script_runs(args.runs).items()}
    base = script["lecture scene"]
    print("script run after a slider move (AppTest, median wall time; budget 120 ms)")
    for name, seconds in script.items():
        print(f"  {name:<34} {seconds * 1000:8.1f} ms   {seconds / base:5.2f}x")
    sizes = payloads()
    print("plotly payload (budget 400 KB)")
    for name, size in sizes.items():
        print(f"  {name:<52} {size / 1000:7.1f} KB")
    sims = simulation_times(args.reps)
    alone = sims["one run"]
    print("simulating the lecture's SGD run, 300 steps (median CPU time)")
    for name, seconds in sims.items():
        print(f"  {name:<38} {seconds * 1000:8.2f} ms   {seconds / alone:5.2f}x")
    return {"script": script, "payload": sizes, "simulation": sims}


if __name__ == "__main__":
    main()
