"""A fan of seeds: the same run under other noise sequences, drawn thin and static.

Under gradient noise a run's path is one draw among many. A run with a fan
(``RunTrace.fan``) gets, on its contour panel, one extra trace under every
run's path: the paths of the fan's other seeds joined by NaN gaps, thin and
semi-transparent in the run's colour (where the seeds agree the lines pile up
darker). In the loss panel a band in the same colour spans, at each step, the
lowest to the highest loss of all its seeds, the run's own included.

**Static, not animated.** The fan is sent once and is in no frame: animating it
would put a tail for every seed of every run into each of the 60 frames,
multiplying the frames' payload by up to the number of seeds. As a backdrop it
shows from the first frame where the noise could take the run, while the
animated path shows where this seed takes it, step by step.

**Payload.** A fan point costs about 11 bytes (two float32 in base64). The
fans of a figure keep at most about :data:`FAN_POINTS` points together (about
65 KB): every step of six runs with two more seeds each over 300 steps, of one
run with eight seeds over 800 steps. Beyond that each fan path keeps every
``stride``-th step and its last finite one, so the thin lines lose detail finer
than the stride; the run's own path and its loss keep every step. The stride is
odd, so that a path that flips from side to side at every step (SGD near its
stability limit) still flips in its fan rather than looking smooth. With the
most seeds, :data:`~scenes.dynamics.MAX_FAN`, on the six-run lecture scene of
300 steps the stride is 3 and the figure stays within its 400 KB budget in both
views (``tests/test_plotting_fan.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from plotting.encode import typed
from plotting.loss import LossScale
from plotting.runs import RunTrace

FAN_POINTS = 6_000
FAN_OPACITY = 0.35
BAND_ALPHA = 0.18
FAN_WIDTH = 0.4  # of the run's line width


def fan_stride(runs: Sequence[RunTrace]) -> int:
    """Steps between the points kept on every fan path of a figure: the smallest odd
    number that keeps them within :data:`FAN_POINTS` (1: every step)."""
    points = sum(len(run.fan) * (run.steps + 1) for run in runs)
    stride = max(1, math.ceil(points / FAN_POINTS))
    return stride + 1 - stride % 2


def kept_steps(run: RunTrace, stride: int) -> np.ndarray:
    """The steps a fan path keeps: every ``stride``-th up to its last finite one, and that."""
    if run.last < 0:
        return np.zeros(0, dtype=int)
    return np.unique(np.r_[np.arange(0, run.last + 1, stride), run.last])


def fan_trace(run: RunTrace, i: int, axes: tuple[str, str], width: float,
              stride: int) -> dict | None:
    """The fan of run ``i`` (drawn in scene position ``i``) as one static trace, or None."""
    if not run.fan:
        return None
    gap = np.full((1, 2), np.nan)
    pieces = []
    for member in run.fan:
        pieces += [member.points[kept_steps(member, stride)], gap]
    xy = np.concatenate(pieces[:-1])
    return {
        "type": "scatter", "mode": "lines", "name": f"{run.label}: {len(run.fan)} more seeds",
        "legendgroup": f"run{i}", "showlegend": False, "hoverinfo": "skip",
        "x": typed(xy[:, 0]), "y": typed(xy[:, 1]), "connectgaps": False,
        "opacity": FAN_OPACITY, "line": {"color": run.color, "width": FAN_WIDTH * width},
        "xaxis": axes[0], "yaxis": axes[1],
    }


def loss_bands(runs: Sequence[RunTrace], scale: LossScale, axes: tuple[str, str]) -> list[dict]:
    """For each run with a fan, its lowest and highest loss over all its seeds at each step.

    Two static traces per run, the low edge and then the high edge filled down to
    it (``fill: "tonexty"``), each as long as any seed stayed finite.
    """
    traces = []
    for i, run in enumerate(runs):
        if not run.fan:
            continue
        values = scale.values(np.stack([run.losses, *(m.losses for m in run.fan)]))
        finite = np.isfinite(values).any(axis=0)
        end = int(np.flatnonzero(finite)[-1]) + 1 if finite.any() else 0
        if end == 0:
            continue
        # every step before ``end`` has a finite seed: a seed is finite up to its divergence
        low, high = np.nanmin(values[:, :end], axis=0), np.nanmax(values[:, :end], axis=0)
        red, green, blue = (int(run.color[k:k + 2], 16) for k in (1, 3, 5))
        edge = {"type": "scatter", "mode": "lines", "x0": 0, "dx": 1,
                "line": {"width": 0, "color": run.color}, "legendgroup": f"run{i}",
                "showlegend": False, "hoverinfo": "skip", "xaxis": axes[0], "yaxis": axes[1]}
        traces.append({**edge, "name": f"{run.label}: lowest loss of {len(run.fan) + 1} seeds",
                       "y": typed(low)})
        traces.append({**edge, "name": f"{run.label}: highest loss of {len(run.fan) + 1} seeds",
                       "y": typed(high), "fill": "tonexty",
                       "fillcolor": f"rgba({red}, {green}, {blue}, {BAND_ALPHA})"})
    return traces
