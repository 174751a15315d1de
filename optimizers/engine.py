"""Run an optimizer on a surface: one trajectory or many at once.

``simulate`` is the one entry point. It validates the hyperparameters, runs
the update rule of :mod:`optimizers` step by step on an array of positions
of shape ``(2, R)``, records positions and losses, and stops each run at the
first step whose position or loss is non-finite or has run away.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from optimizers.base import Optimizer
from optimizers.schedules import Schedule

# Largest number of recorded values (runs x (steps + 1)) one call may ask for.
MAX_VALUES = 50_000_000
# Beyond this distance from the domain centre a run has run away (surfaces
# with a domain may set a nearer limit through ``escape_radius``).
RUNAWAY = 1e6


def _keep_freed_memory() -> None:
    """Let glibc reuse freed blocks instead of returning them to the OS at once.

    Every step of a large batch creates NumPy temporaries of a few hundred
    kilobytes. By default glibc serves blocks of that size with fresh ``mmap``
    pages or trims them off the heap when they are freed, so each step pays
    for page faults again: a third of the run time for 20,000 runs. Keeping
    blocks up to 64 MB on the heap removes that. Linux with glibc only.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): leave the allocator alone
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 64 * 2**20)
    libc.mallopt(m_trim_threshold, 256 * 2**20)


_keep_freed_memory()


class SurfaceLike(Protocol):
    """Anything with a vectorized loss and gradient."""

    def f(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True, eq=False)
class Run:
    """The result of :func:`simulate`.

    For a single run (a start of shape ``(2,)`` and scalar hyperparameters):

    * ``points``: ``(steps + 1, 2)`` positions, the start included;
    * ``losses``: ``(steps + 1,)``;
    * ``diverged_at``: ``None``, or the first step whose position or loss was
      non-finite or had run away. ``points`` and ``losses`` from that step on
      are NaN; everything before it is kept.

    For a batch of ``R`` runs, ``points`` is ``(steps + 1, R, 2)``, ``losses``
    ``(steps + 1, R)`` and ``diverged_at`` an integer array of shape ``(R,)``
    holding ``steps + 1`` for a run that never diverged, so that
    ``points[:diverged_at[r], r]`` is always the part of run ``r`` that stayed
    finite. With ``simulate(..., keep_path=False)`` ``points`` holds only the
    start and the final positions (``points[-1]``, NaN for a stopped run).

    ``states`` (when asked for with ``record_state=True``) maps each state
    array of the optimizer (``"v"``, ``"cache"``, ``"m"``) to its value after
    each step, shaped like ``points`` (index 0 is the initial zero state), and
    ``"grad"`` to the gradient used by each step, shaped like ``points[1:]``
    (``grad[k]`` took ``points[k]`` to ``points[k + 1]``).

    ``schedule`` is the schedule the run followed (``None``: constant
    hyperparameters); :meth:`lr_at` gives the learning rate each step used.

    ``stop_reason`` says why a run stopped: ``"diverged"`` (its position ran
    away or became non-finite) or ``"undefined"`` (its position was fine but
    the loss there was not: it stepped into a hole of the surface, such as
    ``log(x)`` for ``x < 0``); ``None`` for a single run that never stopped,
    and for a batch an array of these strings with ``""`` for such runs.
    """

    optimizer: Optimizer
    hyper: Mapping[str, Any]
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None | np.ndarray
    steps: int
    states: Mapping[str, np.ndarray] | None = field(default=None, repr=False)
    schedule: Schedule | None = None
    stop_reason: str | None | np.ndarray = None

    def lr_at(self) -> np.ndarray:
        """The lr of steps ``1 .. steps``: ``(steps,)``, or ``(steps, R)`` for a batch."""
        lr = np.asarray(self.hyper["lr"], dtype=float)
        if self.schedule is None:
            return np.broadcast_to(lr, (self.steps, *lr.shape)).copy()
        return self.schedule.lr_factors(self.steps).reshape(-1, *([1] * lr.ndim)) * lr

    @property
    def batched(self) -> bool:
        return self.points.ndim == 3

    @property
    def label(self) -> str:
        """The optimizer and its settings, e.g. ``"Adam (lr = 0.3, beta1 = 0.9, ...)"``."""
        if self.batched:
            return f"{self.optimizer.title} (batch of {self.points.shape[1]})"
        return self.optimizer.label(**self.hyper)


def _validated_hyper(opt: Optimizer, given: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Check names and ranges; return every hyperparameter as a float or bool array."""
    known = {h.name: h for h in opt.hyper}
    unknown = [k for k in given if k not in known]
    if unknown:
        raise ValueError(
            f"{opt.name} has no hyperparameter {unknown[0]!r} "
            f"(it takes {', '.join(known)})"
        )
    values = {}
    for name, spec in known.items():
        raw = given.get(name, spec.default)
        if spec.kind == "bool":
            arr = np.asarray(raw)
            if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
                raise ValueError(f"{name} must be true or false, got {raw!r}")
            values[name] = arr.astype(bool)
            continue
        try:
            arr = np.asarray(raw, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number {spec.range_text}, got {raw!r}") from None
        bad = ~spec.contains(arr)
        if bad.any():
            example = arr.flat[int(np.argmax(bad.ravel()))].item()
            raise ValueError(f"{name} must be a finite number {spec.range_text}, got {example!r}")
        values[name] = arr
    return values


def _batch_size(start: np.ndarray, hyper: Mapping[str, np.ndarray]) -> int | None:
    """The number of runs, or None for a single run; checks that shapes agree."""
    sizes = {}
    if start.ndim == 2:
        sizes["start"] = start.shape[0]
    for name, arr in hyper.items():
        if arr.ndim == 1:
            sizes[name] = arr.shape[0]
        elif arr.ndim > 1:
            raise ValueError(
                f"{name} must be a scalar or an array of shape (R,), got shape {arr.shape}"
            )
    if len(set(sizes.values())) > 1:
        shapes = ", ".join(f"{k}: {v}" for k, v in sizes.items())
        raise ValueError(f"batch sizes disagree ({shapes})")
    return next(iter(sizes.values()), None)


def _escape(surface: Any) -> tuple[np.ndarray, float]:
    """Centre and radius beyond which a run has run away."""
    domain = getattr(surface, "domain", None)
    if domain is None:
        return np.zeros((2, 1)), RUNAWAY
    (x0, x1), (y0, y1) = domain
    radius = min(RUNAWAY, getattr(surface, "escape_radius", RUNAWAY))
    return np.array([[(x0 + x1) / 2], [(y0 + y1) / 2]]), radius


def simulate(
    surface: SurfaceLike,
    optimizer: str,
    start: Any = None,
    steps: int = 100,
    *,
    record_state: bool = False,
    noise: float = 0.0,
    seed: int = 0,
    schedule: Schedule | None = None,
    keep_path: bool = True,
    **hyper: Any,
) -> Run:
    """Run ``optimizer`` on ``surface`` for ``steps`` steps from ``start``.

    Args:
        surface: any object with vectorized ``f(x, y)`` and ``grad(x, y)``.
        optimizer: a key of ``OPTIMIZERS`` (``"sgd"``, ``"momentum"``, ...).
        start: ``(x, y)``, or an ``(R, 2)`` array for ``R`` runs at once;
            defaults to ``surface.start``.
        steps: number of updates.
        record_state: also return the optimizer's state after every step.
        noise: standard deviation of Gaussian noise added to every gradient
            component, standing in for mini-batches; scalar or ``(R,)``.
        seed: the noise sequence; runs with the same seed see the same noise
            (common random numbers). Scalar or ``(R,)`` integers.
        keep_path: record every position (the default). ``False`` keeps only
            the start and the final positions, so ``points`` is ``(2, 2)`` or
            ``(2, R, 2)``; losses are still recorded at every step. A sweep
            that only needs loss curves (a phase map) saves two thirds of the
            memory and its writes.
        schedule: a :class:`~optimizers.schedules.Schedule` scaling ``lr`` step
            by step and optionally annealing ``mu`` (Momentum and Nesterov);
            ``None`` keeps every hyperparameter constant.
        **hyper: the optimizer's hyperparameters (``lr``, ``mu``,
            ``decay_rate``, ``beta1``, ``beta2``, ``eps``,
            ``bias_correction``), each a scalar or an ``(R,)`` array; missing
            ones take the optimizer's defaults.

    Raises:
        ValueError: an unknown optimizer or hyperparameter, a value out of
            range, or inconsistent shapes; the message names the culprit.
    """
    from optimizers import OPTIMIZERS  # the registry imports this module

    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    opt = OPTIMIZERS[optimizer]
    hp = _validated_hyper(opt, hyper)

    if start is None:
        start = getattr(surface, "start", None)
        if start is None:
            raise ValueError("start is required for a surface without a default start")
    try:
        start = np.array(start, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"start must be (x, y) or an (R, 2) array of numbers, got {start!r}"
        ) from None
    if start.shape[-1:] != (2,) or start.ndim > 2:
        raise ValueError(f"start must have shape (2,) or (R, 2), got {start.shape}")
    if not np.isfinite(start).all():
        raise ValueError("start must be finite")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    steps = int(steps)

    noise = np.asarray(noise, dtype=float)
    seed = np.asarray(seed)
    if not (np.isfinite(noise).all() and (noise >= 0).all()):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if not np.issubdtype(seed.dtype, np.integer) or (seed < 0).any():
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")

    R = _batch_size(start, {**hp, "noise": noise, "seed": seed})
    single = R is None
    R = 1 if single else R
    if R < 1:
        raise ValueError("a batch needs at least one run")
    if R * (steps + 1) > MAX_VALUES:
        raise ValueError(
            f"{R} runs x {steps + 1} steps is too much to record (at most {MAX_VALUES:,} values)"
        )

    # Hyperparameters stay NumPy arrays, 0-d or (R,): they broadcast over the
    # rows of the (2, R) positions, and every operation on them (beta1**t
    # included) goes through the same ufuncs whether a run is alone or in a batch.
    hp_r = hp
    pos = np.array(np.broadcast_to(start.reshape(-1, 2), (R, 2)).T, order="C")
    noise_r = np.broadcast_to(noise, (R,))
    seeds = np.broadcast_to(seed, (R,))
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a Schedule, got {schedule!r}")
    per_step = _per_step(hp_r, steps, schedule)
    points, losses, diverged_at, states, reasons = _run(
        surface, opt, pos, steps, hp_r, per_step, noise_r, seeds, record_state, keep_path
    )

    if single:
        points, losses = points[:, 0], losses[:, 0]
        diverged = int(diverged_at[0])
        diverged_at = None if diverged > steps else diverged
        reasons = str(reasons[0]) or None
        hyper_out = {k: v.item() for k, v in hp.items()}
        if states is not None:
            states = {k: v[:, 0] for k, v in states.items()}
    else:
        hyper_out = {k: np.broadcast_to(v, (R,)) for k, v in hp.items()}
    return Run(opt, hyper_out, points, losses, diverged_at, steps, states, schedule, reasons)


def _noise(steps: int, noise: np.ndarray, seeds: np.ndarray) -> np.ndarray | None:
    """Gradient noise of shape (steps, 2, R): one standard-normal sequence per seed."""
    if not noise.any():
        return None
    out = np.empty((steps, 2, noise.shape[0]))
    for s in np.unique(seeds):
        z = np.random.default_rng(int(s)).standard_normal((steps, 2))
        out[:, :, seeds == s] = z[:, :, None]
    out *= noise
    return out


def _per_step(hp: dict, steps: int, schedule: Schedule | None) -> dict[str, np.ndarray]:
    """The scheduled hyperparameters: name -> (steps,) values for step t at index t - 1."""
    if schedule is None or schedule.is_constant:
        return {}
    per_step = {}
    if schedule.kind != "constant":
        per_step["lr"] = schedule.lr_factors(steps)
    mus = schedule.mus(steps)
    if mus is not None and "mu" in hp:
        per_step["mu"] = mus
    return per_step


def _run(surface, opt, pos, steps, hp, per_step, noise, seeds, record_state, keep_path):
    """The step loop. Positions are (2, R); everything is recorded as (steps + 1, 2, R)
    in preallocated arrays, and returned as (steps + 1, R, 2) views. Without
    ``keep_path`` only the start and the latest positions are kept (2, 2, R)."""
    R = pos.shape[1]
    points = np.empty((steps + 1 if keep_path else 2, 2, R))
    undefined = np.zeros(R, dtype=bool)  # stopped by a non-finite loss at a fine position

    def slot(t: int) -> int:
        return t if keep_path else min(t, 1)

    losses = np.empty((steps + 1, R))
    diverged_at = np.full(R, steps + 1, dtype=np.int64)
    centre, radius = _escape(surface)
    box_lo, box_hi = (centre - radius)[:, 0], (centre + radius)[:, 0]
    z = _noise(steps, noise, seeds)
    dx = np.empty_like(pos)
    value_and_grad = getattr(surface, "value_and_grad", None) or (
        lambda x, y: (surface.f(x, y), surface.grad(x, y))
    )

    with np.errstate(all="ignore"):
        state = opt.init(pos)
        states = None
        if record_state:
            states = {k: np.full((steps + 1, 2, R), np.nan) for k in state}
            states["grad"] = np.full((steps, 2, R), np.nan)
            for k, v in state.items():
                states[k][0] = v

        def record(t: int) -> bool:
            """Store step t and the gradient there; stop runs that left the finite world.

            Returns False once every run has stopped.
            """
            loss, (gx, gy) = value_and_grad(pos[0], pos[1])
            dx[0] = gx
            dx[1] = gy
            losses[t] = loss
            # Fast path: one min and one max over all runs say whether any left the box.
            inside = (pos.min(axis=1) >= box_lo).all() and (pos.max(axis=1) <= box_hi).all()
            if not (inside and np.isfinite(losses[t].sum())):
                inside_box = ((pos >= box_lo[:, None]) & (pos <= box_hi[:, None])).all(axis=0)
                ok = inside_box & np.isfinite(losses[t])
                fresh = ~ok & (diverged_at > steps)
                diverged_at[fresh] = t
                undefined[fresh] = inside_box[fresh]
                pos[:, ~ok] = np.nan
                dx[:, ~ok] = np.nan  # a stopped run records no gradient, as if alone
                losses[t, ~ok] = np.nan
                if not ok.any():
                    points[slot(t)] = pos
                    return False
            points[slot(t)] = pos
            return True

        going = record(0)
        for t in range(1, steps + 1):
            if not going:
                points[slot(t):] = np.nan
                losses[t:] = np.nan
                break
            if z is not None:
                dx += z[t - 1]
            if states is not None:
                states["grad"][t - 1] = dx
            if per_step:
                hp_t = dict(hp)
                if "lr" in per_step:
                    hp_t["lr"] = hp["lr"] * per_step["lr"][t - 1]
                if "mu" in per_step:
                    hp_t["mu"] = np.broadcast_to(per_step["mu"][t - 1], hp["mu"].shape)
                opt.update(pos, dx, state, t, **hp_t)
            else:
                opt.update(pos, dx, state, t, **hp)
            if states is not None:
                for k, v in state.items():
                    states[k][t] = v
            going = record(t)
    if states is not None:
        states = {k: v.transpose(0, 2, 1) for k, v in states.items()}
    reasons = np.where(diverged_at > steps, "", np.where(undefined, "undefined", "diverged"))
    return points.transpose(0, 2, 1), losses, diverged_at, states, reasons


def never(run: Run) -> int:
    """The value ``diverged_at`` holds for a batched run that never diverged."""
    return run.steps + 1


__all__ = ["MAX_VALUES", "RUNAWAY", "Run", "SurfaceLike", "never", "simulate"]
