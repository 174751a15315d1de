"""Figure build time and payload: ``scene_figure`` against Plotly's documented animation.

    python -m bench.figure                   # 300 and 1,000 steps, 3 repetitions
    python -m bench.figure --steps 300 --reps 5

The scene is the lecture's, the page's default (``scenes.DEFAULT_SCENE``: six
runs on the ravine), with the page's 120 x 120 contour grid. For each number
of steps both figures are built from the same runs:

* ``scene_figure``: the overlay view (and the small multiples, reported on
  their own row);
* naive: :func:`bench.naive_figure.naive_figure`, one frame per step with
  every path so far in each frame.

Two times per figure: ``build`` (the Python call) and ``send``, what
``st.plotly_chart`` then does with it (``Figure.to_dict()``, then
``plotly.io.to_json(..., validate=False)``); the payload is the length of
that JSON. The contenders run interleaved (:func:`bench.timing.interleaved`),
each time the median CPU time of this process; ratios are naive / ours (above
1: the naive figure is bigger or slower).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import replace

import plotly.io as pio

from bench.naive_figure import naive_figure
from bench.timing import interleaved
from panels import PageState
from panels.export import GRID_N  # the page's contour grid
from plotting import scene_figure
from scenes import DEFAULT_SCENE


def lecture_scene(steps: int = DEFAULT_SCENE.steps):
    """The page's default scene at ``steps`` steps: its surface, its runs as
    ``RunTrace`` (as the page draws them) and the page's contour grid."""
    page = PageState.of(replace(DEFAULT_SCENE, steps=steps))
    return page.surface, page.traces, page.surface.grid(GRID_N)


def send(fig) -> str:
    """What ``st.plotly_chart`` sends for a figure."""
    return pio.to_json(fig.to_dict(), validate=False)


def measure(steps: int, reps: int = 3) -> dict[str, dict[str, float]]:
    """Median build and send CPU times and payload of each figure for ``steps`` steps."""
    surface, traces, grid = lecture_scene(steps)
    builders: dict[str, Callable] = {
        "scene_figure (overlay)": lambda: scene_figure(surface, traces, grid=grid),
        "scene_figure (multiples)": lambda: scene_figure(surface, traces, grid=grid,
                                                         view="multiples"),
        "naive (frame per step)": lambda: naive_figure(surface, traces, grid),
    }
    figures = {name: build() for name, build in builders.items()}
    payload = {name: len(send(fig)) for name, fig in figures.items()}  # and warm-up
    contenders = {(name, part): (build if part == "build" else lambda fig=fig: send(fig))
                  for (name, build), fig in zip(builders.items(), figures.values(), strict=True)
                  for part in ("build", "send")}
    times = interleaved(contenders, reps, warm_up=False)
    return {name: {"bytes": payload[name],
                   "build": statistics.median(times[name, "build"]),
                   "send": statistics.median(times[name, "send"])} for name in builders}


def main(argv: list[str] | None = None) -> dict[int, dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    results = {}
    print("Lecture scene: ravine (kappa 50), six runs; CPU time medians of "
          f"{args.reps} interleaved runs; ratio = naive / scene_figure (overlay)")
    print(f"{'steps':>6}  {'figure':<26}{'payload KB':>11}{'build ms':>10}{'send ms':>9}"
          f"{'bytes ratio':>13}{'build+send ratio':>18}")
    for steps in args.steps:
        r = measure(steps, args.reps)
        ours = r["scene_figure (overlay)"]
        for name, m in r.items():
            ratio = ""
            if name.startswith("naive"):
                total = (m["build"] + m["send"]) / (ours["build"] + ours["send"])
                ratio = f"{m['bytes'] / ours['bytes']:>13.1f}{total:>18.1f}"
            print(f"{steps:>6}  {name:<26}{m['bytes'] / 1000:>11.1f}{m['build'] * 1e3:>10.1f}"
                  f"{m['send'] * 1e3:>9.1f}{ratio}")
        results[steps] = r
    return results


if __name__ == "__main__":
    main()
