"""The baseline: Plotly's documented animation, one frame per step with every path so far.

This is how the Plotly docs animate a growing line: a ``go.Frame`` for every
step whose data holds each run's whole path and loss curve up to that step
(so the frames together hold O(steps**2) numbers), a filled contour trace of
the grid, ``go.Figure(data, layout, frames)`` with Plotly's validation, one
slider step per frame. ``bench.figure`` builds it beside
:func:`plotting.scene_figure` for the same scene. It is not used by the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from plotting import RunTrace


def naive_figure(surface, traces: Sequence[RunTrace], grid) -> go.Figure:
    """Contour with paths beside loss against step, animated one frame per step."""
    xs, ys, z = grid
    steps = traces[0].steps
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4])
    fig.add_trace(go.Contour(x=xs, y=ys, z=z, colorscale="Greys", showscale=False), 1, 1)
    for run in traces:
        fig.add_trace(go.Scatter(x=run.points[:1, 0], y=run.points[:1, 1], mode="lines+markers",
                                 name=run.name, line={"color": run.color}), 1, 1)
    for run in traces:
        fig.add_trace(go.Scatter(x=[0], y=run.losses[:1], mode="lines", showlegend=False,
                                 line={"color": run.color}), 1, 2)
    animated = list(range(1, 1 + 2 * len(traces)))
    frames = []
    for k in range(steps + 1):
        paths = [go.Scatter(x=r.points[:k + 1, 0], y=r.points[:k + 1, 1]) for r in traces]
        losses = [go.Scatter(x=np.arange(k + 1), y=r.losses[:k + 1]) for r in traces]
        frames.append(go.Frame(data=paths + losses, traces=animated, name=str(k)))
    fig.frames = frames
    step_args = {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                 "transition": {"duration": 0}}
    fig.update_layout(
        yaxis2={"type": "log"},
        updatemenus=[{"type": "buttons", "buttons": [
            {"label": "Play", "method": "animate",
             "args": [None, {"frame": {"duration": 50, "redraw": False}}]},
            {"label": "Pause", "method": "animate", "args": [[None], step_args]}]}],
        sliders=[{"steps": [{"label": str(k), "method": "animate",
                             "args": [[str(k)], step_args]} for k in range(steps + 1)]}],
    )
    return fig
