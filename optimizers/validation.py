"""The argument checking of :func:`~optimizers.engine.simulate`, apart from its step loop.

:func:`checked` turns what a caller passed into a :class:`Call` of plain NumPy
arrays the loop uses as they are, or raises ``ValueError`` with a message that
names the bad argument and what is allowed (``"beta2 must be a finite number
in [0, 1), got 1.0"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizers.base import Optimizer
from optimizers.registry import OPTIMIZERS
from optimizers.schedules import Schedule
from surfaces.plain_text import short

# Largest number of recorded values (runs x (steps + 1)) one call may ask for.
MAX_VALUES = 50_000_000
# Largest number of rows shuffled to draw mini-batches (steps x seeds x rows of the data).
MAX_DRAWS = 50_000_000


@dataclass(frozen=True, eq=False)
class Call:
    """The checked arguments of one :func:`~optimizers.engine.simulate` call.

    Attributes:
        optimizer: the update rule's record.
        hyper: every hyperparameter of the rule, given or default, as a 0-d or
            ``(R,)`` array (float, or bool for a switch such as ``bias_correction``).
        start: the starts, ``(R, 2)``.
        steps: the number of updates.
        single: True when no argument asked for a batch (``R`` is then 1).
        noise: the gradient noise's standard deviation per run, ``(R,)``.
        seed: the noise sequence (and mini-batch sequence) per run, ``(R,)`` integers.
        schedule: the schedule, or ``None`` for constant hyperparameters.
        batch_size: rows per mini-batch for each run, ``(R,)`` integers from 1
            to the number of rows of ``surface.dataset``; ``None``: exact gradients.
    """

    optimizer: Optimizer
    hyper: dict[str, np.ndarray]
    start: np.ndarray
    steps: int
    single: bool
    noise: np.ndarray
    seed: np.ndarray
    schedule: Schedule | None
    batch_size: np.ndarray | None = None

    @property
    def runs(self) -> int:
        """``R``, the number of runs (1 for a single run)."""
        return self.start.shape[0]


def checked(surface: Any, optimizer: str, start: Any, steps: Any, hyper: Mapping[str, Any],
            noise: Any, seed: Any, schedule: Any, batch_size: Any = None) -> Call:
    """Check every argument of ``simulate``; see it for their meaning.

    Raises:
        ValueError: an unknown optimizer or hyperparameter, a value out of
            range, or shapes that disagree; the message names the culprit.
    """
    opt = optimizer_named(optimizer)
    hp = hyperparameters(opt, hyper)
    start = _start(surface, start)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    steps = int(steps)

    noise = np.asarray(noise, dtype=float)
    seed = np.asarray(seed)
    if not (np.isfinite(noise).all() and (noise >= 0).all()):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if not np.issubdtype(seed.dtype, np.integer) or (seed < 0).any():
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a Schedule, got {schedule!r}")

    per_run = {**hp, "noise": noise, "seed": seed}
    if batch_size is not None:
        batch_size = per_run["batch_size"] = _batch_size(surface, batch_size)
    R = run_count(start, per_run)
    single = R is None
    R = 1 if single else R
    if R < 1:
        raise ValueError("a batch needs at least one run")
    if R * (steps + 1) > MAX_VALUES:
        raise ValueError(
            f"{R} runs x {steps + 1} steps is too much to record (at most {MAX_VALUES:,} values)"
        )
    if batch_size is not None:
        batch_size = np.broadcast_to(batch_size, (R,))
        n = surface.dataset.n
        seeds = np.unique(np.broadcast_to(seed, (R,))[batch_size < n])
        if steps * seeds.size * n > MAX_DRAWS:
            raise ValueError(
                f"{seeds.size} seeds x {steps} steps of mini-batches is too many to draw "
                f"(at most {MAX_DRAWS:,} rows shuffled; this data has {n} rows)"
            )
    return Call(
        optimizer=opt,
        hyper=hp,
        start=np.array(np.broadcast_to(start.reshape(-1, 2), (R, 2))),
        steps=steps,
        single=single,
        noise=np.broadcast_to(noise, (R,)),
        seed=np.broadcast_to(seed, (R,)),
        schedule=schedule,
        batch_size=batch_size,
    )


def _batch_size(surface: Any, batch_size: Any) -> np.ndarray:
    """``batch_size`` as whole numbers from 1 to the rows of the surface's data."""
    data = getattr(surface, "dataset", None)
    if data is None:
        name = getattr(surface, "name", None)
        which = f"{name!r} is" if name else "this surface is"
        raise ValueError(f"batch_size needs a surface with data, such as 'penguins': {which} "
                         "a formula, with no rows to draw mini-batches from")
    size = np.asarray(batch_size)
    if (not np.issubdtype(size.dtype, np.integer) or (size < 1).any()
            or (size > data.n).any()):
        raise ValueError(f"batch_size must be a whole number from 1 to {data.n} "
                         f"(the rows of the {data.name} data), got {batch_size!r}")
    return size


def optimizer_named(name: Any) -> Optimizer:
    """``OPTIMIZERS[name]``, or ``ValueError`` naming the optimizers there are."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {short(name)}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name]


def hyperparameters(opt: Optimizer, given: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Check names and ranges; return every hyperparameter of ``opt`` as a float or bool array.

    A missing hyperparameter takes its default. The arrays keep the shape given
    (0-d or ``(R,)``), so that they broadcast over the runs.
    """
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
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int like 10**400
            raise ValueError(f"{name} must be a number {spec.range_text}, "
                             f"got {short(raw)}") from None
        bad = ~spec.contains(arr)
        if bad.any():
            example = arr.flat[int(np.argmax(bad.ravel()))].item()
            raise ValueError(f"{name} must be a finite number {spec.range_text}, got {example!r}")
        values[name] = arr
    return values


def run_count(start: np.ndarray, per_run: Mapping[str, np.ndarray]) -> int | None:
    """The number of runs ``R``, or None for a single run; checks that the shapes agree.

    ``start`` of shape ``(R, 2)`` and any array of shape ``(R,)`` in ``per_run``
    ask for ``R`` runs; scalars apply to every run.
    """
    sizes = {}
    if start.ndim == 2:
        sizes["start"] = start.shape[0]
    for name, arr in per_run.items():
        if arr.ndim == 1:
            sizes[name] = arr.shape[0]
        elif arr.ndim > 1:
            raise ValueError(
                f"{name} must be a scalar or an array of shape (R,), got shape {arr.shape}"
            )
    if len(set(sizes.values())) > 1:
        shapes = ", ".join(f"{k}: {v}" for k, v in sizes.items())
        raise ValueError(f"the numbers of runs disagree ({shapes})")
    return next(iter(sizes.values()), None)


def _start(surface: Any, start: Any) -> np.ndarray:
    """``start`` (or the surface's default) as a finite float array of shape (2,) or (R, 2)."""
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
    return start
