"""How the steps of a scene behave over time: gradient noise, seeds, schedules.

A :class:`Dynamics` applies to every run of a scene alike:

* ``noise``: the standard deviation of Gaussian noise added to every gradient
  component at every step, standing in for mini-batches (0: exact gradients).
* ``seed``: which noise sequence. Every run of the scene sees the same one
  (common random numbers), so a comparison shows the optimizers, not the luck
  of the draw.
* ``fan``: how many seeds to draw, ``seed, seed + 1, ..., seed + fan - 1``:
  the run itself follows ``seed``, the others are drawn as a thin fan around
  it (1: no fan; with exact gradients every seed is the same path).
* ``batch_size``: on a surface fitted to data (the penguins), each step's
  gradient is the mean over this many rows drawn afresh every step, as the
  lecture's loop does (``None``: every row, full-batch descent). The seed
  picks the batches too, the same for every run, and a fan of seeds draws
  other batches. Whether the surface has data, and how many rows, is the
  scene's business: a link and the widgets keep a batch within the rows of
  the scene's surface (:mod:`scenes.links`, :mod:`controls.dynamics`), and
  ``simulate`` refuses a batch on a surface without data or larger than its
  rows. A :class:`Dynamics` knows no surface (:data:`MAX_BATCH` only keeps
  the number sane).
* ``schedule``: an :class:`optimizers.schedules.Schedule`: the learning rate
  decays step by step (step, exponential or 1/t) from each run's own ``lr``,
  and ``mu`` of Momentum and Nesterov may be annealed from ``mu_start``
  towards ``mu_end`` as the notes suggest (0.5 -> 0.99), replacing each run's
  own ``mu``.

Under a changing ``lr`` the notes' momentum, ``v = mu * v - lr * dx``, is what
runs: a new ``lr`` scales only the new gradient. ``torch.optim.SGD`` instead
keeps ``b = mu * b + dx`` and steps ``x -= lr * b``, rescaling the whole
buffer (see :mod:`optimizers.schedules`); the two agree while ``lr`` is constant.

A :class:`Dynamics` is validated and canonical when made: the settings of a
schedule kind not in use are reset to their defaults, so that two dynamics that
behave alike compare equal and a link writes only what matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from optimizers.schedules import KINDS, Schedule
from surfaces.plain_text import finite, integer, short

MAX_NOISE = 100.0
MAX_SEED = 999_999_999
MAX_FAN = 8
MAX_BATCH = 100_000  # the data decides the real bound (see batch_size above)
MAX_K = 100.0
# Longest period of a step schedule or of the annealing: longer than any scene.
MAX_PERIOD = 10_000

# The schedule's settings each kind uses; the annealing's are always its own.
KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    "constant": (), "step": ("drop", "every"), "exponential": ("gamma",), "inverse": ("k",),
}
ANNEAL_SETTINGS = ("mu_start", "mu_end", "anneal_steps")
KIND_TITLES = {"constant": "constant", "step": "step decay", "exponential": "exponential decay",
               "inverse": "1/t decay"}
ANNEAL_FROM = 0.5  # the notes' "e.g. from 0.5 -> 0.99"

# The values the page's sliders offer (links may carry any value in range).
MENUS: dict[str, tuple[float, ...]] = {
    "noise": (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0),
    "drop": (0.1, 0.2, 0.3, 0.5, 0.7, 0.9),
    "every": (10, 20, 25, 50, 100, 150, 200, 250, 500, 1000),
    "gamma": (0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999),
    "k": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
    "anneal_steps": (10, 20, 50, 100, 200, 300, 500, 1000),
}

_DEFAULT_SCHEDULE = Schedule()


def _canonical(schedule: Schedule) -> Schedule:
    """``schedule`` with the settings its kind and annealing do not use at their defaults."""
    used = set(KIND_SETTINGS[schedule.kind])
    if schedule.mu_start is not None:
        used.update(ANNEAL_SETTINGS)
    unused = {f.name: getattr(_DEFAULT_SCHEDULE, f.name) for f in fields(Schedule)
              if f.name not in used and f.name != "kind"}
    return replace(schedule, **unused)


def _shown(value: object) -> str:
    """A value for a message, short: a number in at most 6 significant digits (a whole
    number of 400 digits as 1e+400), anything else as :func:`surfaces.plain_text.short`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return f"{float(value):.6g}"
        except OverflowError:
            return f"{'-' if value < 0 else ''}1e+{len(str(abs(value))) - 1}"
    return short(value)


@dataclass(frozen=True)
class Dynamics:
    """Gradient noise, its seed, a fan of seeds and a schedule, for every run of a scene.

    Attributes:
        noise: standard deviation of the Gaussian noise on each gradient
            component, in [0, :data:`MAX_NOISE`]; 0 means exact gradients.
        seed: the noise sequence, a whole number in [0, :data:`MAX_SEED`].
        fan: seeds drawn, 1 to :data:`MAX_FAN` (1: no fan).
        schedule: the learning-rate schedule and momentum annealing (the
            constant one by default), canonical (see :func:`_canonical`).
        batch_size: rows per mini-batch, a whole number from 1 to
            :data:`MAX_BATCH`, or None (every row: full batch).

    Raises:
        ValueError: a value out of range, naming it.
    """

    noise: float = 0.0
    seed: int = 0
    fan: int = 1
    schedule: Schedule = field(default=_DEFAULT_SCHEDULE)
    batch_size: int | None = None

    def __post_init__(self) -> None:
        noise = self.noise
        if finite(noise) is None or not 0 <= noise <= MAX_NOISE:
            raise ValueError(f"noise must be a number in [0, {MAX_NOISE:g}], "
                             f"got {_shown(noise)}")
        if integer(self.seed, 0, MAX_SEED) is None:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED:,}, "
                             f"got {_shown(self.seed)}")
        if integer(self.fan, 1, MAX_FAN) is None:
            raise ValueError(f"fan must be a whole number from 1 to {MAX_FAN}, "
                             f"got {_shown(self.fan)}")
        if self.batch_size is not None and integer(self.batch_size, 1, MAX_BATCH) is None:
            raise ValueError(f"batch_size must be None or a whole number from 1 to "
                             f"{MAX_BATCH:,}, got {_shown(self.batch_size)}")
        schedule = self.schedule
        if not isinstance(schedule, Schedule):
            raise ValueError(f"schedule must be a Schedule, got {schedule!r}")
        if schedule.k > MAX_K:
            raise ValueError(f"k must be at most {MAX_K:g}, got {_shown(schedule.k)}")
        for name in ("every", "anneal_steps"):
            if getattr(schedule, name) > MAX_PERIOD:
                raise ValueError(f"{name} must be at most {MAX_PERIOD:,}, "
                                 f"got {_shown(getattr(schedule, name))}")
        object.__setattr__(self, "noise", float(noise))
        object.__setattr__(self, "schedule", _canonical(schedule))

    @property
    def anneals(self) -> bool:
        """Whether ``mu`` of Momentum and Nesterov is annealed (replacing each run's own)."""
        return self.schedule.mu_start is not None

    @property
    def random(self) -> bool:
        """Whether the steps depend on the seed: gradient noise, or mini-batches."""
        return self.noise > 0 or self.batch_size is not None

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds simulated: the run's own first, then the fan's (only when
        :attr:`random`: with exact gradients every seed is the same path)."""
        count = self.fan if self.random else 1
        return tuple(range(self.seed, self.seed + count))

    def simulate_args(self) -> dict:
        """``noise``, ``seed``, ``schedule`` and ``batch_size`` for ``optimizers.simulate``
        (the run's own seed)."""
        schedule = None if self.schedule.is_constant else self.schedule
        return {"noise": self.noise, "seed": self.seed, "schedule": schedule,
                "batch_size": self.batch_size}

    def label(self, label: str, hyper: dict) -> str:
        """A run's ``label`` as this dynamics runs it: an annealed ``mu`` shows its range.

        ``"Momentum (lr = 0.3, mu = 0.9)"`` becomes ``"Momentum (lr = 0.3, mu = 0.5 →
        0.99)"`` when ``mu`` is annealed; ``hyper`` holds the run's hyperparameters.
        """
        if not self.anneals or "mu" not in hyper:
            return label
        start, end = self.schedule.mu_start, self.schedule.mu_end
        return label.replace(f"mu = {float(hyper['mu']):.3g}",
                             f"mu = {start:.3g} → {end:.3g}", 1)

    def describe(self, rows: int | None = None) -> list[str]:
        """What differs from exact gradients at a constant lr, one sentence each (or none).

        ``rows``: how many rows the scene's data has (for the mini-batches' sentence).
        """
        lines = []
        if self.batch_size is not None:
            of = f" of the {rows:,}" if rows else ""
            cheaper = f", {rows / self.batch_size:.3g} times cheaper than a full-batch " \
                      "step" if rows else ""
            lines.append(f"Mini-batches: each step's gradient is the mean over {self.batch_size} "
                         f"rows{of}, drawn afresh every step (seed {self.seed}, the same "
                         f"batches for every run){cheaper}; the contour and the losses are "
                         f"over every row.")
        if self.noise > 0:
            lines.append(f"Gradient noise: every gradient component gets Gaussian noise of "
                         f"standard deviation {self.noise:g} (seed {self.seed}, the same "
                         f"sequence for every run).")
        if self.random and self.fan > 1:
            lines[-1] += (f" The thin lines are seeds {self.seed + 1} to "
                          f"{self.seed + self.fan - 1}; the band in the loss panel spans all "
                          f"{self.fan} seeds.")
        s = self.schedule
        decay = {
            "step": f"multiplied by {s.drop:g} every {s.every} steps",
            "exponential": f"multiplied by {s.gamma:g} at every step",
            "inverse": f"divided by 1 + {s.k:g} (t - 1) at step t",
        }.get(s.kind)
        if decay:
            lines.append(f"Learning-rate schedule ({KIND_TITLES[s.kind]}): each run's lr is "
                         f"{decay}.")
        if self.anneals:
            lines.append(f"Momentum annealing: mu of Momentum and Nesterov rises from "
                         f"{s.mu_start:g} towards {s.mu_end:g}, 99% of the way after "
                         f"{s.anneal_steps} steps (in place of each run's own mu).")
        return lines


NO_DYNAMICS = Dynamics()

__all__ = ["ANNEAL_FROM", "KINDS", "KIND_SETTINGS", "KIND_TITLES", "MAX_BATCH", "MAX_FAN",
           "MAX_K", "MAX_NOISE", "MAX_PERIOD", "MAX_SEED", "MENUS", "NO_DYNAMICS", "Dynamics"]
