"""Learning-rate schedules and momentum annealing.

A schedule turns the constant hyperparameters of a run into per-step ones:
at step ``t`` (counting from 1) the update uses ``lr`` times
``schedule.lr_factors(steps)[t - 1]`` and, for Momentum and Nesterov when the
schedule anneals ``mu``, ``schedule.mus(steps)[t - 1]`` in place of ``mu``.
The learning rate of step ``t`` under each kind:

* ``constant``: ``lr``.
* ``step``: ``lr * drop ** floor((t - 1) / every)`` -- drop by ``drop`` every ``every`` steps.
* ``exponential``: ``lr * gamma ** (t - 1)``.
* ``inverse``: the 1/t decay ``lr / (1 + k * (t - 1))``.

Momentum annealing, as the notes suggest (mu "sometimes annealed over time,
e.g. from 0.5 -> 0.99"), raises ``mu`` from ``mu_start`` to ``mu_end`` along
an exponential approach: the gap ``mu_end - mu`` shrinks by the same factor
every step, reaching 1% of its start after ``anneal_steps`` steps.

Under a changing ``lr`` the lecture's momentum, ``v = mu * v - lr * dx``,
differs from ``torch.optim.SGD(momentum=mu)``, whose buffer ``b = mu * b + dx``
is scaled by the *current* lr (``x -= lr * b``): here a new lr scales only
the new gradient. The engine runs the lecture's form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surfaces.plain_text import finite, integer, short

KINDS = ("constant", "step", "exponential", "inverse")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule and an optional momentum annealing.

    Attributes:
        kind: one of ``KINDS``.
        drop, every: the ``step`` schedule's factor (in (0, 1]) and period (>= 1).
        gamma: the ``exponential`` schedule's factor per step (in (0, 1]).
        k: the ``inverse`` schedule's rate (>= 0).
        mu_start, mu_end: momentum annealed from ``mu_start`` to ``mu_end``
            (both in [0, 1]); ``None`` leaves each run's own ``mu``.
        anneal_steps: steps for the annealing to close 99% of the gap (>= 1).
    """

    kind: str = "constant"
    drop: float = 0.5
    every: int = 100
    gamma: float = 0.99
    k: float = 0.01
    mu_start: float | None = None
    mu_end: float = 0.99
    anneal_steps: int = 100

    def __post_init__(self) -> None:
        checks = [
            (self.kind in KINDS,
             f"schedule must be one of {', '.join(KINDS)}, got {short(self.kind)}"),
            (finite(self.drop) is not None and 0 < self.drop <= 1,
             f"drop must be in (0, 1], got {short(self.drop)}"),
            (integer(self.every, 1) is not None,
             f"every must be a whole number >= 1, got {short(self.every)}"),
            (finite(self.gamma) is not None and 0 < self.gamma <= 1,
             f"gamma must be in (0, 1], got {short(self.gamma)}"),
            (finite(self.k) is not None and self.k >= 0,
             f"k must be a finite number >= 0, got {short(self.k)}"),
            (self.mu_start is None
             or (finite(self.mu_start) is not None and 0 <= self.mu_start <= 1),
             f"mu_start must be in [0, 1], got {short(self.mu_start)}"),
            (finite(self.mu_end) is not None and 0 <= self.mu_end <= 1,
             f"mu_end must be in [0, 1], got {short(self.mu_end)}"),
            (integer(self.anneal_steps, 1) is not None,
             f"anneal_steps must be a whole number >= 1, got {short(self.anneal_steps)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def is_constant(self) -> bool:
        """True when nothing changes from step to step (a constant lr, no annealing)."""
        return self.kind == "constant" and self.mu_start is None

    def lr_factors(self, steps: int) -> np.ndarray:
        """``lr_factor(t)`` for ``t = 1 .. steps``, shape ``(steps,)``."""
        t = np.arange(1, steps + 1, dtype=float)
        if self.kind == "step":
            return self.drop ** np.floor((t - 1) / self.every)
        if self.kind == "exponential":
            return self.gamma ** (t - 1)
        if self.kind == "inverse":
            return 1.0 / (1.0 + self.k * (t - 1))
        return np.ones(steps)

    def mus(self, steps: int) -> np.ndarray | None:
        """Annealed ``mu`` for ``t = 1 .. steps``, or None when ``mu`` is not annealed."""
        if self.mu_start is None:
            return None
        shrink = 0.01 ** (1.0 / self.anneal_steps)  # the gap's factor per step
        t = np.arange(steps, dtype=float)
        return self.mu_end - (self.mu_end - self.mu_start) * shrink**t

