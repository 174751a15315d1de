"""Run a scene: build its surface, simulate each run, describe what happened.

Everything here takes and returns plain values so that the page can cache it
(``st.cache_data``) keyed on ``Scene.surface_key`` and each run's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizers import Run, simulate
from plotting import RunTrace
from plotting.colors import run_color
from scenes.model import CUSTOM, RunSpec, Scene
from surfaces import Domain, Point, Surface, from_expression, make_surface


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One run's result: ``points`` (steps + 1, 2), ``losses`` (steps + 1,), and
    ``diverged_at`` (None, or the first step that left the finite world)."""

    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None


def build_surface(surface_key: tuple[str, tuple, str, Domain | None]) -> Surface:
    """The surface of a scene from its ``Scene.surface_key``.

    Raises:
        ValueError: a typed formula that cannot be used, with a message for the visitor.
    """
    name, params, expr, domain = surface_key
    if name == CUSTOM:
        return from_expression(expr, domain=domain)
    return make_surface(name, **dict(params))


def simulated(surface: Surface, run: RunSpec, start: Point, steps: int, *,
              record_state: bool = False) -> Run:
    """One run of a scene through the engine, as its :class:`~optimizers.Run`.

    ``record_state=True`` also keeps the optimizer's state after every step
    (``Run.states``), which the state inspector reads for one run at a time.
    """
    return simulate(surface, run.optimizer, start, steps, record_state=record_state,
                    **run.values)


def trajectory(surface: Surface, run: RunSpec, start: Point, steps: int) -> Trajectory:
    """Simulate one run of a scene."""
    result = simulated(surface, run, start, steps)
    return Trajectory(result.points, result.losses, result.diverged_at)


def run_scene(
    scene: Scene, surface: Surface | None = None
) -> list[tuple[int, RunSpec, Trajectory]]:
    """``(index, run, trajectory)`` for every run switched on, uncached.

    The index is the run's place in the scene, which fixes its colour.
    """
    surface = surface or build_surface(scene.surface_key)
    return [(i, run, trajectory(surface, run, scene.start, scene.steps))
            for i, run in scene.enabled_runs]


def run_trace(index: int, run: RunSpec, path: Trajectory) -> RunTrace:
    """What the figure needs to draw run ``index`` of a scene (which fixes its colour)."""
    return RunTrace(label=run.label, color=run_color(index), points=path.points,
                    losses=path.losses, diverged_at=path.diverged_at)


def divergence_message(run: RunSpec, path: Trajectory) -> str | None:
    """``"Adam (lr = 3) diverged at step 12"``, or None for a run that stayed finite."""
    if path.diverged_at is None:
        return None
    return f"{run.label} diverged at step {path.diverged_at}"
