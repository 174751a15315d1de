"""``fit_figure``: what ``w`` and ``b`` mean, the data and each run's line, animated.

A surface fitted to data (the penguins) is the loss of a line ``prediction =
w * x + b``; a point ``(w, b)`` of a run's path is a line through the data.
This figure shows the data as a static scatter (``dataset.x`` across, as the
model sees it after scaling, ``dataset.y`` up), the least-squares line dashed,
and each run's line ``w * x + b`` at the animation's step, in the run's colour:
the lines swing towards the fit as the paths on the contour head for the
minimum. Under mini-batches the rows the last step drew are ringed.

Animation: the frames are the race chart's (:func:`plotting.animation.frame_steps`
of the scene's steps, at most ``MAX_FRAMES``, named by their steps); a frame sets
each run's line (two points, at the ends of the data's x range) and the ringed
rows. The figure shows the last step and has no player of its own: the page's
panel draws it with ``controls.race_chart.step_chart``, which shows the step the race
chart's player shows. Sizes are the panels' (:func:`plotting.build.panel_style`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plotting.animation import MAX_FRAMES, run_frame_steps
from plotting.build import AXIS_STYLE, FONT_FAMILY, BuiltFigure, Layers, build_figure, panel_style
from plotting.colors import theme_named
from plotting.encode import typed
from plotting.runs import RunTrace
from surfaces import Dataset

DATA_COLOR = "rgba(90, 90, 90, 0.45)"
FIT_COLOR = "#222222"
BATCH_COLOR = "#111111"
PAD = 0.06  # of the data's range, on each side


def ends(data: Dataset) -> np.ndarray:
    """The x range the lines are drawn over: the data's, with a margin."""
    lo, hi = float(data.x.min()), float(data.x.max())
    return np.array([lo - PAD * (hi - lo), hi + PAD * (hi - lo)])


def y_range(data: Dataset) -> list[float]:
    """Up: the data's range, padded (a run's line outside it, as at the start ``(0, 0)``,
    a line at 0, enters the plot as it nears the data)."""
    lo, hi = float(data.y.min()), float(data.y.max())
    return [lo - PAD * (hi - lo), hi + PAD * (hi - lo)]


def line_at(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """``w * x + b`` at ``xs`` for every point ``(w, b)``: shape ``(len(points), len(xs))``
    (NaN where the run has diverged)."""
    return points[:, :1] * xs[None, :] + points[:, 1:]


def fit_figure(data: Dataset, traces: Sequence[RunTrace], *,
               batch_rows: np.ndarray | None = None, presenter: bool = False,
               narrow: bool = False, max_frames: int = MAX_FRAMES,
               theme: str = "light") -> BuiltFigure:
    """The data, the least-squares line and each run's line at the animation's step.

    Args:
        data: the surface's :class:`~surfaces.Dataset`.
        traces: the runs, in scene order, each in its colour; their points are
            ``(w, b)``. Every run must have the same number of steps.
        batch_rows: ``(steps, B)`` rows each step's mini-batch drew
            (``Dataset.batch_rows``), or None (full batch): frame at step ``k``
            rings the rows of step ``k``, which took the lines there.
        presenter: the panels' presenter sizes.
        narrow: a phone's layout: the legend names the data, the fit and the
            mini-batch in one row on top (the runs' colours are the race chart's).
            Else the legend lists everything down the right-hand side.
        max_frames: the most animation frames (the race chart's by default).
        theme: the page's, ``"light"`` or ``"dark"`` (:func:`plotting.colors.theme_named`).
    """
    runs = list(traces)
    steps_at = run_frame_steps(runs, max_frames)
    style = panel_style(presenter)
    xs = ends(data)
    layers = Layers(initial=len(steps_at) - 1)

    layers.add({
        "type": "scatter", "mode": "markers", "name": "penguins" if narrow else
        f"{data.name} ({data.n})", "x": typed(data.x), "y": typed(data.y),
        "marker": {"color": DATA_COLOR, "size": style.marker * 0.6},
        "hovertemplate": "x %{x:.3~g}, y %{y:.3~g}<extra></extra>",
    })
    w, b = data.solution
    layers.add({
        "type": "scatter", "mode": "lines", "name": "fit" if narrow else "least-squares fit",
        "x": typed(xs), "y": typed(w * xs + b), "hoverinfo": "skip",
        "line": {"color": FIT_COLOR, "width": style.line * 0.8, "dash": "dash"},
    })
    if batch_rows is not None and runs:
        updates = []
        for step in steps_at:
            rows = batch_rows[step - 1] if step > 0 else np.array([], dtype=int)
            updates.append({"x": typed(data.x[rows]), "y": typed(data.y[rows])})
        layers.add({
            "type": "scatter", "mode": "markers",
            "name": "mini-batch" if narrow else "the step's mini-batch",
            "marker": {"symbol": "circle-open", "color": BATCH_COLOR, "size": style.marker,
                       "line": {"width": max(1.5, style.line * 0.6)}},
            "hoverinfo": "skip",
        }, updates)
    for i, run in enumerate(runs):
        ys = line_at(run.points[steps_at], xs)
        layers.add({
            "type": "scatter", "mode": "lines", "name": run.name, "legendgroup": f"run{i}",
            "x": typed(xs), "line": {"color": run.color, "width": style.line},
            "hoverinfo": "skip", "showlegend": not narrow,
        }, [{"y": typed(y)} for y in ys])

    names = [str(int(s)) for s in steps_at]
    return build_figure(layers.data, _layout(data, style, narrow), layers.frames(names),
                        theme=theme_named(theme))


AXIS_ROOM = 3.2  # under the plot, in font sizes: the tick labels and the axis title


def _layout(data: Dataset, style, narrow: bool) -> dict:
    axis = {**AXIS_STYLE, "title": {"font": {"size": style.font}},
            "tickfont": {"size": style.font * 0.85}}
    bottom = AXIS_ROOM * style.font + 20
    legend = ({"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"} if narrow else
              {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"})
    return {
        "template": {},
        "height": style.height,
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {"l": 10 + 4 * style.font, "r": 10,
                   "t": 10 + (2 * style.font if narrow else style.font), "b": bottom},
        "legend": {**legend, "font": {"size": style.font * 0.9}},
        "xaxis": {**axis, "title": {**axis["title"], "text": data.x_label},
                  "range": ends(data).tolist()},
        "yaxis": {**axis, "title": {**axis["title"], "text": data.y_label},
                  "range": y_range(data)},
        "hovermode": "closest",
    }
