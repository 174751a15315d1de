"""A fan of seeds: the same run under other noise sequences, drawn thin, growing with it.

Under gradient noise a run's path is one draw among many. A run with a fan
(``RunTrace.fan``) gets, on its contour panel, the paths of the fan's other
seeds under every run's path, thin and semi-transparent in the run's colour
(where the seeds agree the lines pile up darker), and a small faint marker at
each seed's position at the current step. In the loss panel a band in the same
colour spans, at each step, the lowest to the highest loss of all its seeds,
the run's own included (static: the loss curves are drawn whole).

**Growing with the frames.** A fan is drawn in blocks of ``m`` frame intervals
(:func:`fan_layers`), each block one trace holding every seed's piece of the
path, NaN-separated; a frame shows the blocks behind its step (delta frames,
:mod:`plotting.animation`: a block's toggle is sent once). There is no tail:
a tail would carry every seed's last points in every frame, seven times a
run's tail for eight seeds, and the payload would go over its budget. Instead
the seeds' markers (:func:`seed_markers`, one trace per panel) sit at the
frame's step and the lines follow them, less than ``m`` frames behind. Each
block is a trace the browser handles at every frame (about 0.35 ms in headless
Chromium), so a figure has at most :data:`FAN_BLOCKS`: ``m`` is 1 for one
fanned run of 300 steps (the lines reach every frame's step), 5 for six.

**Payload.** A fan point costs about 11 bytes (two float32 in base64). The
fans of a figure keep at most about :data:`FAN_POINTS` points together (about
65 KB): every step of six runs with two more seeds each over 300 steps, of one
run with eight seeds over 800 steps. Beyond that each fan path keeps every
``stride``-th step (and the blocks' ends and its last finite one), so the thin
lines lose detail finer than the stride; the run's own path and its loss keep
every step. The stride is odd, so that a path that flips from side to side at
every step (SGD near its stability limit) still flips in its fan rather than
looking smooth. With the most seeds, :data:`~scenes.dynamics.MAX_FAN`, on the
six-run lecture scene of 300 steps the stride is 3 and the figure stays within
its 400 KB budget in both views (``tests/test_plotting_fan.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from plotting.animation import shown
from plotting.encode import typed
from plotting.loss import LossScale
from plotting.runs import RunTrace

FAN_POINTS = 6_000
FAN_OPACITY = 0.35
FAN_FADED = 0.12  # a fan's blocks behind its run's trail
BAND_ALPHA = 0.18
FAN_WIDTH = 0.4  # of the run's line width
FAN_BLOCKS = 60  # fan blocks in a figure, all runs together


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


def frames_per_block(steps_at: np.ndarray, runs: Sequence[RunTrace]) -> int:
    """Frame intervals per fan block: as few as keep a figure's fan blocks within
    :data:`FAN_BLOCKS` (every block is a trace the browser handles at every frame)."""
    fanned = sum(1 for run in runs if run.fan)
    per_run = max(1, FAN_BLOCKS // max(1, fanned))  # blocks each run's fan may have
    return max(1, math.ceil((len(steps_at) - 1) / per_run))


def fan_layers(run: RunTrace, i: int, axes: tuple[str, str], width: float, stride: int,
               steps_at: np.ndarray, per_block: int,
               trail: int | None = None) -> list[tuple[dict, list[dict]]]:
    """The fan of run ``i`` (drawn in scene position ``i``), growing frame by frame: the
    traces and each one's update for every frame, as :func:`plotting.animation.path_layers`.

    Block ``j`` holds every seed's kept steps from frame ``j * per_block``'s step to
    frame ``(j + 1) * per_block``'s (both ends included, so that blocks join), seeds
    apart by NaN gaps; a frame shows it (opacity :data:`FAN_OPACITY`) once its last
    step is behind the frame's, so the lines trail the run's own path by less than a
    block, led by the seeds' markers (:func:`seed_markers`), and fainter still once
    more than ``trail`` steps behind, as the run's path. A seed that stopped is
    drawn up to its last finite point. Empty without a fan.
    """
    if not run.fan:
        return []
    members = [(m.points, m.last, kept_steps(m, stride)) for m in run.fan]
    last = max(m.last for m in run.fan)
    style = {"type": "scatter", "mode": "lines", "name": f"{run.label}: {len(run.fan)} more seeds",
             "legendgroup": f"run{i}", "showlegend": False, "hoverinfo": "skip",
             "line": {"color": run.color, "width": round(FAN_WIDTH * width, 2)},
             "xaxis": axes[0], "yaxis": axes[1]}
    ends = steps_at[::per_block]
    if ends[-1] != steps_at[-1]:
        ends = np.r_[ends, steps_at[-1]]
    layers = []
    for lo, hi in zip(ends[:-1], ends[1:], strict=True):
        if lo >= last:
            break
        layers.append(({**style, **_seed_coords(members, int(lo), int(hi))},
                       [shown(int(hi), int(step), trail, FAN_OPACITY, FAN_FADED)
                        for step in steps_at]))
    return layers


def seed_markers(runs: Sequence[RunTrace], steps_at: np.ndarray, axes: tuple[str, str],
                 size: float) -> tuple[dict, list[dict]] | None:
    """Every fan seed's position at each frame's step, small and faint in its run's
    colour: one trace for all the runs of a panel, and its update for every frame (NaN
    once a seed stopped). None when no run has a fan."""
    seeds = [(run.color, member) for run in runs for member in run.fan]
    if not seeds:
        return None
    trace = {"type": "scatter", "mode": "markers", "name": "seeds now", "showlegend": False,
             "hoverinfo": "skip", "opacity": FAN_OPACITY + 0.15,
             "marker": {"color": [color for color, _ in seeds], "size": size},
             "xaxis": axes[0], "yaxis": axes[1]}
    xy = np.stack([member.points[steps_at] for _, member in seeds], axis=1)
    return trace, [{"x": typed(now[:, 0]), "y": typed(now[:, 1])} for now in xy]


def _seed_coords(members: list[tuple[np.ndarray, int, np.ndarray]], lo: int, hi: int) -> dict:
    """Every seed's kept steps from ``lo`` to ``hi`` and both ends (up to its last finite
    point), as ``x`` and ``y``, seeds in order one NaN point apart (a seed that stopped
    before ``lo`` adds no point, so the ``k``-th run of points is always seed ``k``)."""
    gap = np.full((1, 2), np.nan)
    pieces = []
    for points, last, kept in members:
        top = min(hi, last)
        steps = np.union1d(kept[(kept > lo) & (kept < top)], [lo, top]) if top >= lo else []
        pieces += [points[np.asarray(steps, dtype=int)], gap]
    xy = np.concatenate(pieces[:-1])
    return {"x": typed(xy[:, 0]), "y": typed(xy[:, 1])}


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
