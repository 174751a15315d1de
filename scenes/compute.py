"""Run a scene: build its surface, simulate each run, describe what happened.

Everything here takes and returns plain values so that the page can cache it
(``st.cache_data``) keyed on ``Scene.surface_key`` and each run's settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizers import Run, simulate
from scenes.dynamics import NO_DYNAMICS, Dynamics
from scenes.model import CUSTOM, RunSpec, Scene
from surfaces import Domain, Point, Surface, from_expression, make_surface


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One run's result: ``points`` (steps + 1, 2), ``losses`` (steps + 1,), and
    ``diverged_at`` (None, or the first step that left the finite world).

    ``fan`` holds the same run under the fan's other seeds (``seed + 1``, ...),
    each a :class:`Trajectory` of its own; empty without a fan.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None
    fan: tuple[Trajectory, ...] = ()
    stop_reason: str | None = None  # "diverged" or "undefined", as ``Run.stop_reason``


def build_surface(surface_key: tuple[str, tuple, str, Domain | None]) -> Surface:
    """The surface of a scene from its ``Scene.surface_key`` (the factory's arguments,
    numbers and words, as ``(name, value)`` pairs).

    Raises:
        ValueError: a typed formula that cannot be used, with a message for the visitor.
    """
    name, params, expr, domain = surface_key
    if name == CUSTOM:
        return from_expression(expr, domain=domain)
    return make_surface(name, **dict(params))


def simulated(surface: Surface, run: RunSpec, start: Point, steps: int, *,
              record_state: bool = False, dynamics: Dynamics = NO_DYNAMICS) -> Run:
    """One run of a scene through the engine, as its :class:`~optimizers.Run`.

    ``record_state=True`` also keeps the optimizer's state after every step
    (``Run.states``), which the state inspector reads for one run at a time.
    ``dynamics`` (the scene's) adds its gradient noise or mini-batches (the run's
    own seed) and schedule.
    """
    return simulate(surface, run.optimizer, start, steps, record_state=record_state,
                    **dynamics.simulate_args(), **run.values)


def trajectory(surface: Surface, run: RunSpec, start: Point, steps: int,
               dynamics: Dynamics = NO_DYNAMICS) -> Trajectory:
    """Simulate one run of a scene, and under a fan of seeds its other seeds too.

    The seeds run as one batch; its first row is the run itself (a batch equals
    its single runs bit for bit).
    """
    seeds = dynamics.seeds
    if len(seeds) == 1:
        result = simulated(surface, run, start, steps, dynamics=dynamics)
        return Trajectory(result.points, result.losses, result.diverged_at,
                          stop_reason=result.stop_reason)
    batch = simulate(surface, run.optimizer, start, steps,
                     **{**dynamics.simulate_args(), "seed": np.array(seeds)}, **run.values)
    members = [
        Trajectory(np.ascontiguousarray(batch.points[:, r]), batch.losses[:, r].copy(),
                   None if d > steps else int(d), stop_reason=batch.stop_reason[r] or None)
        for r, d in enumerate(batch.diverged_at)
    ]
    return replace(members[0], fan=tuple(members[1:]))


def run_scene(
    scene: Scene, surface: Surface | None = None
) -> list[tuple[int, RunSpec, Trajectory]]:
    """``(index, run, trajectory)`` for every run switched on, uncached; ``index`` is
    the run's place in the scene."""
    surface = surface or build_surface(scene.surface_key)
    return [(i, run, trajectory(surface, run, scene.start, scene.steps, scene.dynamics))
            for i, run in scene.enabled_runs]


def divergence_message(run: RunSpec, path: Trajectory,
                       dynamics: Dynamics = NO_DYNAMICS) -> str | None:
    """``"Adam (lr = 3) diverged at step 12"``, or None for a run that stayed finite.

    A run that stepped where the loss is undefined (a hole of a typed formula)
    is told so: ``"SGD (lr = 0.3) stopped at step 3: it stepped where the loss
    is undefined or infinite"``.
    """
    if path.diverged_at is None:
        return None
    label = dynamics.label(run.label, run.values)
    if path.stop_reason == "undefined":
        return (f"{label} stopped at step {path.diverged_at} (loss undefined): it stepped "
                "where the loss is undefined or infinite")
    return f"{label} diverged at step {path.diverged_at}"


def fan_message(run: RunSpec, path: Trajectory, dynamics: Dynamics) -> str | None:
    """``"SGD (lr = 1.9): 2 of the fan's 4 other seeds diverged, the first at step 31"``,
    or None when every seed of the fan stayed finite."""
    steps = [member.diverged_at for member in path.fan if member.diverged_at is not None]
    if not steps:
        return None
    label = dynamics.label(run.label, run.values)
    others = len(path.fan)
    count = "the fan's other seed" if others == 1 else \
        f"{len(steps)} of the fan's {others} other seeds"
    first = f", the first at step {min(steps)}" if len(steps) > 1 else f" at step {steps[0]}"
    return f"{label}: {count} diverged{first}"
