"""What a figure needs of a run: its label, colour, path, losses and fate.

:class:`RunTrace` is the contract between the page and the figure builders.
:func:`scene_traces` makes them for a scene's runs that are switched on (each
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


@dataclass(frozen=True, eq=False)
class RunTrace:
    """One run as the figures draw it.

    Attributes:
        label: the run's settings, e.g. ``"Momentum (lr = 0.1, mu = 0.9)"``.
        color: its colour, a hex code of :data:`plotting.colors.PALETTE` (the run's
            own place in it on the page, ``Scene.colors()``).
        points: ``(steps + 1, 2)`` positions, NaN from ``diverged_at`` on.
        losses: ``(steps + 1,)`` losses, NaN from ``diverged_at`` on.
        diverged_at: ``None``, or the first step that left the finite world
            (as ``Run.diverged_at`` of a single run).
        fan: the same run under other seeds of the gradient noise, each a
            ``RunTrace`` with as many steps (drawn thin and static, see
            :mod:`plotting.fan`); empty without a fan.
        legend: the run's name in a legend, as short as tells it apart from the
            other runs of its scene (:func:`legend_names`); the label when empty.
        stop_reason: why a run stopped, as ``Run.stop_reason``: ``"diverged"``
            (the default for a run that stopped) or ``"undefined"`` (it stepped
            where the loss is undefined, a hole of a typed formula).
    """

    label: str
    color: str
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None
    fan: tuple[RunTrace, ...] = ()
    legend: str = ""
    stop_reason: str | None = None

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=float)
        losses = np.asarray(self.losses, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"points must have shape (steps + 1, 2), got {points.shape}")
        if losses.shape != (len(points),):
            raise ValueError(
                f"losses must have shape ({len(points)},) like the points, got {losses.shape}"
            )
        if self.diverged_at is not None and not 0 <= self.diverged_at < len(points):
            raise ValueError(f"diverged_at must be None or a step 0..{len(points) - 1}")
        if any(member.steps != len(points) - 1 for member in self.fan):
            raise ValueError("every member of a fan must have as many steps as its run")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "losses", losses)
        object.__setattr__(self, "fan", tuple(self.fan))

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    @property
    def last(self) -> int:
        """The last step with a finite position (-1 if even the start was not)."""
        return self.steps if self.diverged_at is None else self.diverged_at - 1

    @property
    def fate(self) -> str:
        """How the run ended, in the words its message uses: ``""`` for a run that went
        all the way, ``"diverged at step 12"`` or ``"stopped at step 3 (loss undefined)"``."""
        if self.diverged_at is None:
            return ""
        if self.stop_reason == "undefined":
            return f"stopped at step {self.diverged_at} (loss undefined)"
        return f"diverged at step {self.diverged_at}"

    @property
    def name(self) -> str:
        """The run's legend entry: its legend name (or label), and how it ended if it stopped."""
        name = self.legend or self.label
        return f"{name}: {self.fate}" if self.fate else name


def run_trace(run: RunSpec, path: Trajectory, *, color: str, legend: str = "",
              dynamics: Dynamics = NO_DYNAMICS) -> RunTrace:
    """What the figures need to draw a run of a scene: labelled as ``dynamics`` runs it,
    in ``color``, with its fan of seeds."""
    label = dynamics.label(run.label, run.values)
    fan = tuple(RunTrace(label=label, color=color, points=member.points,
                         losses=member.losses, diverged_at=member.diverged_at,
                         legend=legend, stop_reason=member.stop_reason)
                for member in path.fan)
    return RunTrace(label=label, color=color, points=path.points, losses=path.losses,
                    diverged_at=path.diverged_at, fan=fan, legend=legend,
                    stop_reason=path.stop_reason)


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
        out.append(RunTrace(label, run_color(i), run.points, run.losses, run.diverged_at))
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
