"""The loss-against-step panel.

With a known minimum value the panel plots ``loss - min_value`` on a log
axis, floored at ``FLOOR_DECADES`` decades below the largest starting value
(float64 runs can reach 1e-300; a dozen decades of progress is all a reader
can use, and a run sitting on the floor has converged as far as the eye can
tell). The floor is measured from the start, not from the largest value, so
that a run blowing up to 1e8 does not hide how far the others got.
Without one (the saddle) it plots the loss itself, linearly.

The curves are static; frames move one marker per run and a vertical line
to the current step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from plotting.encode import typed
from plotting.runs import RunTrace

FLOOR_DECADES = 12


@dataclass(frozen=True)
class LossScale:
    """What the loss panel plots: ``loss - min_value`` floored on a log axis, or ``loss``."""

    log: bool
    min_value: float
    floor: float
    y_range: tuple[float, float]  # in axis units: log10 of the value on a log axis

    @classmethod
    def for_runs(cls, runs: list[RunTrace], min_value: float | None) -> LossScale:
        finite = np.concatenate([r.losses[np.isfinite(r.losses)] for r in runs] or [[]])
        if min_value is None:
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            pad = 0.05 * (hi - lo) or 1.0
            return cls(False, 0.0, -math.inf, (lo - pad, hi + pad))
        gap = finite - min_value
        top = float(gap.max()) if gap.size and gap.max() > 0 else 1.0
        starts = np.array([r.losses[0] for r in runs]) - min_value
        starts = starts[np.isfinite(starts) & (starts > 0)]
        reference = float(starts.max()) if starts.size else top
        floor = 10.0 ** (math.ceil(math.log10(reference)) - FLOOR_DECADES)
        low = max(floor, float(gap[gap > 0].min())) if (gap > 0).any() else floor
        return cls(True, float(min_value), floor,
                   (math.log10(low) - 0.3, math.log10(top) + 0.3))

    def values(self, losses: np.ndarray) -> np.ndarray:
        """What the panel plots for these losses (NaN stays NaN)."""
        if not self.log:
            return np.asarray(losses, dtype=float)
        return np.maximum(np.asarray(losses, dtype=float) - self.min_value, self.floor)

    @property
    def span(self) -> list[float]:
        """The bottom and top of the panel in data units (for the step line)."""
        lo, hi = self.y_range
        return [10.0**lo, 10.0**hi] if self.log else [lo, hi]

    def axis_title(self) -> str:
        return "loss − min (log)" if self.log else "loss"


def loss_curves(runs: list[RunTrace], scale: LossScale, axes: tuple[str, str],
                width: float) -> list[dict]:
    """One static curve per run, named by its label; the legend entry of the run."""
    return [{
        "type": "scatter", "mode": "lines", "name": run.name,
        "legendgroup": f"run{i}",
        "x0": 0, "dx": 1, "y": typed(scale.values(run.losses)),
        "line": {"color": run.color, "width": width},
        "hovertemplate": "step %{x}: %{y:.3g}<extra>" + run.label + "</extra>",
        "xaxis": axes[0], "yaxis": axes[1],
    } for i, run in enumerate(runs)]


def divergence_marks(runs: list[RunTrace], scale: LossScale, axes: tuple[str, str],
                     size: float) -> list[dict]:
    """An "x" at the last finite loss of each run that diverged."""
    marks = []
    for i, run in enumerate(runs):
        if run.diverged_at is None or run.last < 0:
            continue
        marks.append({
            "type": "scatter", "mode": "markers", "legendgroup": f"run{i}",
            "name": run.name, "showlegend": False,
            "x": [run.last], "y": [float(scale.values(run.losses[run.last]))],
            "marker": {"symbol": "x", "size": size, "color": run.color,
                       "line": {"width": 1, "color": "#222222"}},
            "cliponaxis": False,
            "hovertemplate": run.name + "<extra></extra>",
            "xaxis": axes[0], "yaxis": axes[1],
        })
    return marks


def step_cursor(runs: list[RunTrace], scale: LossScale, steps_at: np.ndarray,
                axes: tuple[str, str], size: float) -> list[tuple[dict, list[dict]]]:
    """The current step's line and each run's marker on its curve, with their frame updates."""
    line = {"type": "scatter", "mode": "lines", "name": "current step", "showlegend": False,
            "y": scale.span, "line": {"color": "#555555", "width": 1, "dash": "dot"},
            "hoverinfo": "skip", "xaxis": axes[0], "yaxis": axes[1]}
    line_updates = [{"x": [int(s), int(s)]} for s in steps_at]
    values = np.stack([scale.values(r.losses[steps_at]) for r in runs], axis=1)
    markers = {"type": "scatter", "mode": "markers", "name": "loss now", "showlegend": False,
               "marker": {"color": [r.color for r in runs], "size": size,
                          "line": {"width": 1, "color": "#222222"}},
               "text": [r.label for r in runs],
               "hovertemplate": "%{text}<br>step %{x}: %{y:.3g}<extra></extra>",
               "xaxis": axes[0], "yaxis": axes[1]}
    marker_updates = [{"x": [int(s)] * len(runs), "y": typed(values[k])}
                      for k, s in enumerate(steps_at)]
    return [(line, line_updates), (markers, marker_updates)]
