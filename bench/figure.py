"""The race figure: its size and build time against Plotly's documented animation, and the
export files against the race figure.

    python -m bench.figure                   # 300 and 1,000 steps, 3 repetitions
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from bench.rows import Row, print_rows
from bench.timing import medians
from panels import PageState
from panels.export import GRID_N, html_file
from plotting import RunTrace, scene_figure
from plotting.export import trajectories_csv
from scenes import DEFAULT_SCENE


def naive_figure(surface, traces: Sequence[RunTrace], grid) -> go.Figure:
    """Contour with paths beside loss against step, animated one frame per step."""
    xs, ys, z = grid
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4])
    fig.add_trace(go.Contour(x=xs, y=ys, z=z, colorscale="Greys", showscale=False), 1, 1)
    for run in traces:
        fig.add_trace(go.Scatter(x=run.points[:1, 0], y=run.points[:1, 1], mode="lines+markers",
                                 name=run.name, line={"color": run.color}), 1, 1)
    for run in traces:
        fig.add_trace(go.Scatter(x=[0], y=run.losses[:1], mode="lines", showlegend=False,
                                 line={"color": run.color}), 1, 2)
    animated = list(range(1, 1 + 2 * len(traces)))
    steps = traces[0].steps
    fig.frames = [go.Frame(data=[go.Scatter(x=r.points[:k + 1, 0], y=r.points[:k + 1, 1])
                                 for r in traces]
                           + [go.Scatter(x=np.arange(k + 1), y=r.losses[:k + 1]) for r in traces],
                           traces=animated, name=str(k)) for k in range(steps + 1)]
    step = {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
            "transition": {"duration": 0}}
    fig.update_layout(yaxis2={"type": "log"}, sliders=[{"steps": [
        {"label": str(k), "method": "animate", "args": [[str(k)], step]}
        for k in range(steps + 1)]}])
    return fig


def sent(fig) -> str:
    """The figure as JSON: ours as its dicts dump (the block form of a file of its own),
    Plotly's way for a ``go.Figure``."""
    if type(fig) is go.Figure:
        return pio.to_json(fig.to_dict(), validate=False)
    return json.dumps(fig.to_dict(), separators=(",", ":"))


def builders(page: PageState) -> dict[str, Callable[[], go.Figure]]:
    """Ours and the naive figure of the page's scene, each built anew on each call."""
    surface, traces, grid = page.surface, page.traces, page.surface.grid(GRID_N)
    return {"ours": lambda: scene_figure(surface, traces, grid=grid),
            "naive": lambda: naive_figure(surface, traces, grid)}


def measure(steps: Sequence[int] = (300, 1000), reps: int = 3) -> list[Row]:
    rows, against = [], "Plotly's one frame per step"
    pages = [PageState.of(replace(DEFAULT_SCENE, steps=n)) for n in steps]
    for n, page in zip(steps, pages, strict=True):
        build = builders(page)
        size = {name: len(sent(make())) for name, make in build.items()}
        multiples = len(sent(scene_figure(page.surface, page.traces, view="multiples",
                                          grid=page.surface.grid(GRID_N))))
        t = medians({name: lambda make=make: sent(make()) for name, make in build.items()}, reps)
        rows += [Row(f"race figure sent, {n} steps", size["ours"], size["naive"], "bytes",
                     against),
                 Row(f"race figure built + sent, {n} steps, CPU time", t["ours"], t["naive"],
                     "s", against),
                 Row(f"small multiples sent, {n} steps", multiples, size["ours"], "bytes",
                     "the overlay")]
    page = pages[0]  # the export files of the first scene (the lecture's 300 steps)
    t = medians({"race": builders(page)["ours"], "html": lambda: html_file(page, with_3d=True),
                 "csv": lambda: trajectories_csv(page.scene, page.runs)}, reps)
    return rows + [Row(f"export {name}, {steps[0]} steps, CPU time", t[key], t["race"], "s",
                       "building the race figure")
                   for name, key in (("HTML with the 3D view", "html"), ("CSV", "csv"))]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    return measure(args.steps, args.reps)


if __name__ == "__main__":
    print_rows(main(), legend=True)
