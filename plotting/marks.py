"""Step marks: arrowheads on a path's first steps, then dots every ``k`` steps.

A path alone does not show speed: AdaGrad's shrinking steps and Adam's too-long
first steps look like any other curve in the last frame. Dots at fixed step
intervals do: where a run slows down its dots crowd together, where it rushes
they spread out (``tests/measures.py`` measures the same spacing). Each
path gets dots at every multiple of :func:`mark_every` (a round number giving at
most :data:`MAX_MARKS` dots), white with a rim in the run's colour, on the path's
own traces (marker sizes per point, 0 elsewhere), so they grow with the
animation; and arrowheads at steps ``1 .. FIRST_STEPS`` pointing the way it went
(:func:`first_steps`), so that the first steps' lengths, which Adam's bias
correction is about, show: three times as far apart without it.

They help where few runs share a contour; with more they crowd the picture (and
small multiples of many runs are too small for them), so a figure has them when
it has at most :data:`MARKED_RUNS` runs, in either view. Legend entries say
what the arrowheads and the dots are.
"""

from __future__ import annotations

import numpy as np

FIRST_STEPS = 3
MAX_MARKS = 30
MARKED_RUNS = 3
ROUND = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000)


def mark_every(steps: int) -> int:
    """The smallest round interval that puts at most :data:`MAX_MARKS` dots on ``steps``
    steps (10 for 300 steps, 50 for 1,000)."""
    return next((k for k in ROUND if steps / k <= MAX_MARKS), ROUND[-1])


def mark_sizes(steps: int, size: float) -> np.ndarray:
    """A marker size per step, ``(steps + 1,)`` uint8: ``size`` at every ``mark_every``-th
    step, else 0."""
    sizes = np.zeros(steps + 1, dtype=np.uint8)
    sizes[mark_every(steps)::mark_every(steps)] = round(size)
    return sizes


def mark_style(color: str, size: float) -> dict:
    """The dots' look: white, with a rim in the run's colour (they read on its line)."""
    return {"color": "white", "line": {"width": max(1.5, size / 5), "color": color}}


def first_steps(points: np.ndarray, last: int, color: str, size: float,
                steps_at: np.ndarray, axes: tuple[str, str],
                group: str) -> tuple[dict, list[dict]] | None:
    """Arrowheads at steps ``1 .. FIRST_STEPS`` of a path, each pointing from the step
    before (Plotly's ``angleref: "previous"``), shown from the first frame after step 0;
    None if the path has no such step."""
    end = min(FIRST_STEPS, last)
    if end < 1:
        return None
    xy = points[: end + 1]
    trace = {
        "type": "scatter", "mode": "markers", "name": "first steps", "legendgroup": group,
        "showlegend": False, "hoverinfo": "skip",
        "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(),
        "marker": {"symbol": "arrow", "angleref": "previous", "color": color,
                   "size": [0] + [round(size)] * end,
                   "line": {"width": 1, "color": "#222222"}},
        "xaxis": axes[0], "yaxis": axes[1],
    }
    return trace, [{"opacity": 1 if step > 0 else 0} for step in steps_at]


def marks_legend(steps: int, size: float) -> list[dict]:
    """Legend entries that say what the arrowheads and the dots are (drawing nothing)."""
    entry = {"type": "scatter", "mode": "markers", "x": [None], "y": [None],
             "hoverinfo": "skip", "legendrank": 2000}
    return [
        {**entry, "name": f"first {FIRST_STEPS} steps",
         "marker": {"symbol": "triangle-right", "color": "#777777", "size": 1.3 * size,
                    "line": {"width": 1, "color": "#222222"}}},
        {**entry, "name": f"every {mark_every(steps)} steps",
         "marker": {"size": size, **mark_style("#555555", size)}},
    ]
