"""Run a scene: build its surface, simulate each run, describe what happened.

Everything here takes and returns plain values so that the page can cache it
(``controls.computed``) keyed on ``Scene.surface_key`` and each run's settings.
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
    """What one run of a scene did: the part of the engine's :class:`~optimizers.Run` the
    page keeps (cached, and drawn as a :class:`plotting.runs.RunTrace`, which is a
    Trajectory with its label and colour), and its fan of seeds.

    Attributes:
        points: ``(steps + 1, 2)`` positions, NaN from ``diverged_at`` on.
        losses: ``(steps + 1,)`` losses, NaN from ``diverged_at`` on.
        diverged_at: ``None``, or the first step that left the finite world
            (as ``Run.diverged_at`` of a single run).
        fan: the same run under the fan's other seeds (``seed + 1``, ...), each a
            Trajectory of as many steps; empty without a fan.
        stop_reason: why a run stopped, as ``Run.stop_reason``: ``"diverged"`` (the
            default for a run that stopped) or ``"undefined"`` (it stepped where the loss
            is undefined, a hole of a typed formula).
    """

    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None
    fan: tuple[Trajectory, ...] = ()
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
    if not path.fate:
        return None
    message = f"{dynamics.label(run.label, run.values)} {path.fate}"
    if path.stop_reason == "undefined":
        return f"{message}: it stepped where the loss is undefined or infinite"
    return message


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
