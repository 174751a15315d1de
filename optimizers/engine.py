"""Run an optimizer on a surface: one trajectory or many at once.

:func:`simulate` is the one entry point. :func:`optimizers.validation.checked`
checks its arguments; :func:`descend` is the step loop, written like
torch.optim's single-tensor reference loops: at each step the loss and the
gradient at ``x``, then the optimizer's update of ``x`` in place. Positions are
an array of shape ``(2, R)``, one column per run, so one run and a sweep of
thousands are the same loop. A :class:`Trace` records positions, losses and
(if asked) the optimizer's state, and stops each run at the first step whose
position or loss is non-finite or has run away.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from optimizers.base import Optimizer
from optimizers.schedules import Schedule
from optimizers.validation import MAX_VALUES, checked

# Beyond this distance from the domain centre a run has run away (surfaces
# with a domain may set a nearer limit through ``escape_radius``).
RUNAWAY = 1e6


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

    ``batch_size`` is the rows each step's mini-batch drew (an ``(R,)`` array
    for a batch), or ``None`` for exact gradients.
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
    batch_size: int | None | np.ndarray = None

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
    batch_size: int | None = None,
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
        seed: the random sequence of the noise and of the mini-batches; runs
            with the same seed see the same noise and the same batches (common
            random numbers). Scalar or ``(R,)`` integers.
        keep_path: record every position (the default). ``False`` keeps only
            the start and the final positions, so ``points`` is ``(2, 2)`` or
            ``(2, R, 2)``; losses are still recorded at every step. A sweep
            that only needs loss curves (a phase map) saves two thirds of the
            memory and its writes.
        schedule: a :class:`~optimizers.schedules.Schedule` scaling ``lr`` step
            by step and optionally annealing ``mu`` (Momentum and Nesterov);
            ``None`` keeps every hyperparameter constant.
        batch_size: for a surface with data (``surface.dataset``, such as the
            penguins'): each step's gradient is the mean over ``batch_size``
            rows drawn without replacement, a fresh draw each step
            (:meth:`~surfaces.dataset.Dataset.batch_rows` says which). Runs with
            the same seed and batch size draw the same batches; ``batch_size``
            equal to the number of rows is full-batch descent, exactly. The
            recorded ``losses`` stay the loss over all the data (what the
            contour shows), while each step moves along its mini-batch's
            gradient (what the path shows). Scalar or ``(R,)``; ``None`` (the
            default): the exact gradient.
        **hyper: the optimizer's hyperparameters (``lr``, ``mu``,
            ``decay_rate``, ``beta1``, ``beta2``, ``eps``,
            ``bias_correction``), each a scalar or an ``(R,)`` array; missing
            ones take the optimizer's defaults.

    Raises:
        ValueError: an unknown optimizer or hyperparameter, a value out of
            range, inconsistent shapes, or ``batch_size`` for a surface without
            data; the message names the culprit.
    """
    call = checked(surface, optimizer, start, steps, hyper, noise, seed, schedule, batch_size)
    x = np.array(call.start.T, order="C")  # (2, R): row 0 holds x, row 1 y
    gradient = Gradient(surface, x, call.steps, call.noise, call.seed, call.batch_size)
    trace = Trace(surface, x, call.steps, keep_path, record_state)
    descend(call.optimizer, x, call.steps, hyper_schedule(call.hyper, call.steps, call.schedule),
            gradient, trace)
    points, losses, diverged_at, states, reasons = trace.result()

    if call.single:
        points, losses = points[:, 0], losses[:, 0]
        diverged = int(diverged_at[0])
        diverged_at = None if diverged > call.steps else diverged
        reasons = str(reasons[0]) or None
        hyper_out = {k: v.item() for k, v in call.hyper.items()}
        batch = None if call.batch_size is None else int(call.batch_size[0])
        if states is not None:
            states = {k: v[:, 0] for k, v in states.items()}
    else:
        hyper_out = {k: np.broadcast_to(v, (call.runs,)) for k, v in call.hyper.items()}
        batch = call.batch_size
    return Run(call.optimizer, hyper_out, points, losses, diverged_at, call.steps, states,
               call.schedule, reasons, batch)


def descend(opt: Optimizer, x: np.ndarray, steps: int, hypers: Iterable[Mapping[str, Any]],
            gradient: Gradient, trace: Trace) -> None:
    """The step loop: ``steps`` updates of the positions ``x`` (2, R), in place.

    Step ``t`` (from 1) takes the loss and gradient at ``x``, records them
    (stopping the runs that left the finite world), and updates ``x`` and the
    optimizer's state with the hyperparameters of step ``t`` (the next of ``hypers``).

    ``t`` reaches the update as a NumPy integer, so that ``beta1**t`` is
    NumPy's power whether ``beta1`` is one number or one per run: a batch
    then equals its single runs bit for bit.
    """
    state = opt.init(x)
    update = opt.update
    trace.keep_state(0, state)
    with np.errstate(all="ignore"):  # a diverging run overflows; the trace stops it
        for t, hyper in zip(np.arange(1, steps + 1), hypers, strict=True):
            loss, dx = gradient.at(t)
            if not trace.keep(t - 1, loss, dx):
                return
            update(x, dx, state, t, **hyper)
            if trace.record_state:
                trace.keep_state(t, state, dx)
        trace.keep(steps, gradient.loss())
    trace.finish()


def hyper_schedule(hyper: dict[str, np.ndarray], steps: int,
                   schedule: Schedule | None) -> Iterator[Mapping[str, Any]]:
    """The hyperparameters of steps 1 to ``steps`` under ``schedule``, one mapping a step.

    A hyperparameter every run shares is a plain Python number, one per run an
    ``(R,)`` array that broadcasts over the rows of the (2, R) positions. Plain
    numbers keep the update's arithmetic as cheap as the lecture's own lines:
    NumPy computes ``(1 - beta2) * dx**2`` in the temporary array of ``dx**2``
    when ``beta2`` is a Python float, in one more array when it is a NumPy scalar.
    """
    plain = {k: v.item() if v.ndim == 0 else v for k, v in hyper.items()}
    if schedule is None or schedule.is_constant:
        yield from itertools.repeat(plain, steps)
        return
    lr_factors = None if schedule.kind == "constant" else schedule.lr_factors(steps)
    mus = schedule.mus(steps) if "mu" in hyper else None
    for t in range(steps):
        at_t = dict(plain)
        if lr_factors is not None:
            lr = hyper["lr"] * lr_factors[t]
            at_t["lr"] = lr if lr.ndim else float(lr)
        if mus is not None:
            mu = mus[t]
            at_t["mu"] = np.broadcast_to(mu, hyper["mu"].shape) if hyper["mu"].ndim else float(mu)
        yield at_t


class Gradient:
    """What each step descends along: the surface's gradient at ``x`` (or its mini-batch's),
    plus the step's noise.

    ``x`` is the (2, R) positions the loop moves; :meth:`at` evaluates there and
    writes the gradient into one (2, R) array, the same every step.
    """

    def __init__(self, surface: Any, x: np.ndarray, steps: int, noise: np.ndarray,
                 seed: np.ndarray, batch_size: np.ndarray | None = None) -> None:
        self.x = x
        self.dx = np.empty_like(x)
        self.value_and_grad = getattr(surface, "value_and_grad", None) or (
            lambda x, y: (surface.f(x, y), surface.grad(x, y))
        )
        self.noise = gradient_noise(steps, noise, seed)
        self.batches = (None if batch_size is None
                        else surface.dataset.minibatch_gradient(steps, batch_size, seed))
        self.rows = (x[0], x[1]), (self.dx[0], self.dx[1])  # views, made once

    def at(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """The loss at ``x`` (over all the data) and the gradient step ``t`` uses, (2, R)."""
        (x, y), (dx, dy) = self.rows
        loss, (gx, gy) = self.value_and_grad(x, y)
        if self.batches is not None:
            gx, gy = self.batches.at(t, x, y)
        np.copyto(dx, gx)
        np.copyto(dy, gy)
        if self.noise is not None:
            self.dx += self.noise[t - 1]
        return loss, self.dx

    def loss(self) -> np.ndarray:
        """The loss at ``x``, (R,)."""
        return self.value_and_grad(self.x[0], self.x[1])[0]


def gradient_noise(steps: int, noise: np.ndarray, seeds: np.ndarray) -> np.ndarray | None:
    """Gradient noise of shape (steps, 2, R): one standard-normal sequence per seed, scaled
    by each run's ``noise``; None when no run has noise."""
    if not noise.any():
        return None
    out = np.empty((steps, 2, noise.shape[0]))
    for s in np.unique(seeds):
        z = np.random.default_rng(int(s)).standard_normal((steps, 2))
        out[:, :, seeds == s] = z[:, :, None]
    out *= noise
    return out


class Trace:
    """The records of R runs, preallocated, and the rule that stops a run.

    Positions and losses are stored as (steps + 1, 2, R) and (steps + 1, R)
    and returned as (steps + 1, R, 2) views; without ``keep_path`` only the
    start and the final positions are kept, (2, 2, R). A run stops at the
    first step whose position is non-finite or outside the escape box (it
    diverged), or whose loss is non-finite there (the loss is undefined):
    from that step on its position, gradient and loss are NaN.
    """

    def __init__(self, surface: Any, x: np.ndarray, steps: int, keep_path: bool,
                 record_state: bool) -> None:
        R = x.shape[1]
        self.x = x
        self.steps = steps
        self.keep_path = keep_path
        self.points = np.empty((steps + 1 if keep_path else 2, 2, R))
        self.losses = np.empty((steps + 1, R))
        self.diverged_at = np.full(R, steps + 1, dtype=np.int64)
        self.undefined = np.zeros(R, dtype=bool)  # stopped by a non-finite loss at a fine position
        centre, radius = escape_box(surface)
        self.box_lo, self.box_hi = centre - radius, centre + radius
        self.box = self.box_lo.tolist(), self.box_hi.tolist()  # as floats, for the fast path
        self.record_state = record_state
        self.states: dict[str, np.ndarray] | None = None

    def keep(self, t: int, loss: np.ndarray, dx: np.ndarray | None = None) -> bool:
        """Record position ``t`` (the current ``x``) and its loss; stop the runs that left
        the finite world, setting their ``x`` and gradient ``dx`` (if given) to NaN.

        Returns False once every run has stopped (the rest of the records is then NaN).
        """
        x, losses_t = self.x, self.losses[t]
        np.copyto(losses_t, loss)
        # Fast path: a min and a max per axis, and one sum of the losses, say that every
        # run is inside the box with a finite loss (a NaN fails every comparison).
        (x_lo, y_lo), (x_hi, y_hi) = self.box
        low_x, low_y = x.min(axis=1).tolist()
        high_x, high_y = x.max(axis=1).tolist()
        if not (low_x >= x_lo and low_y >= y_lo and high_x <= x_hi and high_y <= y_hi
                and math.isfinite(np.add.reduce(losses_t))):
            return self.stop(t, dx)
        if self.keep_path:
            np.copyto(self.points[t], x)
        elif t == 0:
            np.copyto(self.points[0], x)
        return True

    def stop(self, t: int, dx: np.ndarray | None) -> bool:
        """:meth:`keep` for a step where some run left the box or met a non-finite loss."""
        x, losses = self.x, self.losses
        inside_box = ((x >= self.box_lo[:, None]) & (x <= self.box_hi[:, None])).all(axis=0)
        ok = inside_box & np.isfinite(losses[t])
        fresh = ~ok & (self.diverged_at > self.steps)
        self.diverged_at[fresh] = t
        self.undefined[fresh] = inside_box[fresh]
        x[:, ~ok] = np.nan
        if dx is not None:
            dx[:, ~ok] = np.nan  # a stopped run records no gradient, as if alone
        losses[t, ~ok] = np.nan
        if self.keep_path:
            self.points[t] = x
        elif t == 0:
            self.points[0] = x
        if ok.any():
            return True
        if self.keep_path:
            self.points[t + 1:] = np.nan
        losses[t + 1:] = np.nan
        self.finish()
        return False

    def finish(self) -> None:
        """Without ``keep_path``: the final positions, once the loop has ended."""
        if not self.keep_path:
            np.copyto(self.points[1], self.x)

    def keep_state(self, t: int, state: dict[str, np.ndarray],
                   dx: np.ndarray | None = None) -> None:
        """With ``record_state``: the optimizer's state after step ``t`` and the gradient
        ``dx`` that step used."""
        if not self.record_state:
            return
        if self.states is None:
            shape = self.points.shape[1:]
            self.states = {k: np.full((self.steps + 1, *shape), np.nan) for k in state}
            self.states["grad"] = np.full((self.steps, *shape), np.nan)
        for k, v in state.items():
            self.states[k][t] = v
        if dx is not None:
            self.states["grad"][t - 1] = dx

    def result(self):
        """``(points, losses, diverged_at, states, stop reasons)``, runs along axis 1."""
        states = None
        if self.states is not None:
            states = {k: v.transpose(0, 2, 1) for k, v in self.states.items()}
        reasons = np.where(self.diverged_at > self.steps, "",
                           np.where(self.undefined, "undefined", "diverged"))
        return self.points.transpose(0, 2, 1), self.losses, self.diverged_at, states, reasons


def escape_box(surface: Any) -> tuple[np.ndarray, float]:
    """Centre, (2,), and half-width of the box a run must stay in."""
    domain = getattr(surface, "domain", None)
    if domain is None:
        return np.zeros(2), RUNAWAY
    (x0, x1), (y0, y1) = domain
    radius = min(RUNAWAY, getattr(surface, "escape_radius", RUNAWAY))
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2]), radius


__all__ = ["MAX_VALUES", "RUNAWAY", "Run", "SurfaceLike", "simulate"]
