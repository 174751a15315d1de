"""What a figure needs of a run: its label, colour, path, losses and fate.

:class:`RunTrace` is the contract between the page and the figure builders: a run's
:class:`~scenes.compute.Trajectory` (what the page computes and caches) with its label
and colour. :func:`scene_traces` makes them for a scene's runs that are switched on (each
in its own palette colour, ``Scene.colors()``, named by :func:`legend_names`),
one :func:`run_trace` each; :func:`run_traces` from the engine's single runs,
in the palette's order (for scripts and the docs' examples).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizers import OPTIMIZERS, Run
from plotting.colors import run_color
from scenes.compute import Trajectory
from scenes.dynamics import NO_DYNAMICS, Dynamics
from scenes.model import RunSpec, Scene
from surfaces import Domain


@dataclass(frozen=True, eq=False, kw_only=True)
class RunTrace(Trajectory):
    """One run as the figures draw it: its :class:`~scenes.compute.Trajectory` (points,
    losses, fate, fan of seeds, checked when made) with how it is named and coloured.

    Attributes:
        label: the run's settings, e.g. ``"Momentum (lr = 0.1, mu = 0.9)"``.
        color: its colour, a hex code of :data:`plotting.colors.PALETTE` (the run's
            own place in it on the page, ``Scene.colors()``).
        legend: the run's name in a legend, as short as tells it apart from the
            other runs of its scene (:func:`legend_names`); the label when empty.

    The fan's members are drawn thin and static in the run's colour (see
    :mod:`plotting.fan`).
    """

    label: str
    color: str
    legend: str = ""

    @property
    def name(self) -> str:
        """The run's legend entry: its legend name (or label), and how it ended if it stopped."""
        name = self.legend or self.label
        return f"{name}: {self.fate}" if self.fate else name


def run_trace(run: RunSpec, path: Trajectory, *, color: str, legend: str = "",
              dynamics: Dynamics = NO_DYNAMICS) -> RunTrace:
    """What the figures need to draw a run of a scene: labelled as ``dynamics`` runs it,
    in ``color``, with its fan of seeds."""
    return RunTrace(path.points, path.losses, path.diverged_at, path.fan, path.stop_reason,
                    label=dynamics.label(run.label, run.values), color=color, legend=legend)


def scene_traces(scene: Scene, paths: Mapping[int, Trajectory]) -> list[RunTrace]:
    """The runs of ``scene`` that are switched on, as drawn: each in its colour
    (``Scene.colors()``), named for the legend (:func:`legend_names`); ``paths`` maps a
    run's place in ``scene.runs`` to its trajectory."""
    enabled = scene.enabled_runs
    names = legend_names([run for _, run in enabled], scene.dynamics)
    colors = scene.colors()
    return [run_trace(run, paths[i], color=run_color(colors[i]), legend=name,
                      dynamics=scene.dynamics)
            for (i, run), name in zip(enabled, names, strict=True)]


def legend_names(runs: Sequence[RunSpec], dynamics: Dynamics = NO_DYNAMICS) -> list[str]:
    """Each run's name for a legend: the optimizer alone where it is the only run of it,
    with the settings that differ among its runs where there are several.

    ``[sgd lr 1.9, sgd lr 0.5, adam]`` gives ``["SGD (lr = 1.9)", "SGD (lr = 0.5)",
    "Adam"]``; two runs that differ in nothing get their full labels.
    """
    names = []
    for run in runs:
        twins = [other for other in runs if other.optimizer == run.optimizer]
        title = OPTIMIZERS[run.optimizer].title
        if len(twins) == 1:
            names.append(title)
            continue
        differ = [name for name, value in run.hyper
                  if any(dict(other.hyper)[name] != value for other in twins)]
        if not differ:
            names.append(dynamics.label(run.label, run.values))
            continue
        label = OPTIMIZERS[run.optimizer].label(**{name: run.values[name] for name in differ})
        names.append(dynamics.label(label, run.values))
    return names


def run_traces(runs: Sequence[Run], labels: Sequence[str] | None = None) -> list[RunTrace]:
    """Single runs of the engine as :class:`RunTrace`, coloured ``PALETTE`` in order.

    ``labels`` default to each run's own ``Run.label``.
    """
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs")
    out = []
    for i, run in enumerate(runs):
        if run.batched:
            raise ValueError("run_traces takes single runs, not a batch")
        label = run.label if labels is None else labels[i]
        out.append(RunTrace(run.points, run.losses, run.diverged_at, stop_reason=run.stop_reason,
                            label=label, color=run_color(i)))
    return out


def exit_point(points: np.ndarray, last: int, domain: Domain) -> np.ndarray:
    """Where a path is last seen inside ``domain``, up to step ``last``.

    The point ``points[last]`` itself if it lies inside; otherwise the point
    where the segment from the last step inside to the one after it crosses
    the domain's edge (a diverging run leaves the plot long before it leaves
    the finite world). ``points[last]`` if the path was never inside.
    """
    (x0, x1), (y0, y1) = domain
    lo, hi = np.array([x0, y0]), np.array([x1, y1])
    path = points[: last + 1]
    inside = np.all((path >= lo) & (path <= hi), axis=1)
    if inside[-1] or not inside.any():
        return path[-1].copy()
    i = int(np.flatnonzero(inside)[-1])
    a, b = path[i], path[i + 1]
    # Largest t in [0, 1] with a + t (b - a) inside the box (a is inside).
    d = b - a
    # np.where evaluates every branch: a tiny or zero step divides into inf (overflow
    # or division by zero), and those branches are the ones not taken or the min drops
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_hi = np.where(d > 0, (hi - a) / d, np.where(d < 0, (lo - a) / d, np.inf))
    t = float(min(1.0, t_hi.min()))
    return a + t * d
