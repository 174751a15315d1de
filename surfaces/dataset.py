"""A dataset fitted by a line, its mean squared error, and mini-batches of it.

The model is the lecture's simplest network: ``prediction = w * x + b``, one
feature ``x`` and a target ``y`` over ``n`` rows. Its loss over the plane of
the parameters ``(w, b)`` is the mean squared error

    L(w, b) = mean((w * x + b - y)**2)

a quadratic whose Hessian is ``2/n X^T X`` with ``X = [x, 1]``, the same at
every point: its condition number is the ravine's ``kappa``, and it comes from
the data alone. ``L`` and its gradient are computed from the means of ``x``,
``x**2``, ``y``, ``x*y`` and ``y**2``, computed once (the same quadratic as
the sum over the rows, in O(1) per point), so a whole contour grid or a batch
of runs costs no more than on a formula surface.

A mini-batch is ``B`` rows drawn without replacement; its gradient is the mean
over those rows of each row's gradient ``2 (w x_i + b - y_i) (x_i, 1)``.
:meth:`Dataset.batch_rows` says which rows each step draws, and
:meth:`Dataset.minibatch_gradient` gives the engine those gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Mini-batches draw from a random stream of their own, numpy.random.default_rng([seed, 1]),
# so that they are independent of the gradient noise drawn from default_rng(seed).
BATCH_STREAM = 1


@dataclass(frozen=True)
class Means:
    """The means over some rows of ``x``, ``x**2``, ``y``, ``x*y`` and ``y**2``.

    Each is a float, or an array that broadcasts against the points ``(w, b)``
    (one value per run for mini-batches).
    """

    x: np.ndarray | float
    xx: np.ndarray | float
    y: np.ndarray | float
    xy: np.ndarray | float
    yy: np.ndarray | float

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, axis: int = -1) -> Means:
        return cls(x.mean(axis), (x * x).mean(axis), y.mean(axis), (x * y).mean(axis),
                   (y * y).mean(axis))

    def loss(self, w, b):
        """``mean((w x + b - y)**2)`` over these rows."""
        return (w * w * self.xx + 2 * w * b * self.x + b * b
                - 2 * w * self.xy - 2 * b * self.y + self.yy)

    def grad(self, w, b):
        """``(dL/dw, dL/db) = (2 mean((w x + b - y) x), 2 mean(w x + b - y))`` over these rows."""
        return 2 * (w * self.xx + b * self.x - self.xy), 2 * (w * self.x + b - self.y)


@dataclass(frozen=True, eq=False)
class Dataset:
    """The rows a line ``prediction = w * x + b`` is fitted to.

    Attributes:
        name: the data's name, e.g. ``"Palmer penguins"``.
        x: the feature as the model sees it, after ``scaling``, ``(n,)``.
        y: the target, ``(n,)``.
        measured: the feature as measured, in ``feature_unit``, ``(n,)``;
            ``x = (measured - shift) / scale``.
        feature, feature_unit: what ``measured`` is, e.g. ``"flipper length"``, ``"dm"``.
        target, target_unit: what ``y`` is, e.g. ``"body mass"``, ``"kg"``.
        scaling: ``"raw"`` (``x`` as measured), ``"centred"`` (its mean
            subtracted) or ``"standardised"`` (then divided by its standard
            deviation).
        shift, scale: the scaling's numbers (0 and 1 for ``"raw"``).
        source: where the data come from and their licence, in one line.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    measured: np.ndarray
    feature: str
    feature_unit: str
    target: str
    target_unit: str
    scaling: str
    shift: float
    scale: float
    source: str
    means: Means = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "means", Means.of(self.x, self.y))

    @property
    def n(self) -> int:
        """The number of rows."""
        return self.x.shape[0]

    @property
    def x_label(self) -> str:
        """The feature as the model sees it, in words, e.g. ``"flipper length (dm)"``."""
        if self.scaling == "standardised":
            return f"{self.feature}, standardised"
        if self.scaling == "centred":
            return f"{self.feature} - its mean ({self.feature_unit})"
        return f"{self.feature} ({self.feature_unit})"

    @property
    def y_label(self) -> str:
        """The target in words, e.g. ``"body mass (kg)"``."""
        return f"{self.target} ({self.target_unit})"

    @property
    def hessian(self) -> np.ndarray:
        """The loss's Hessian, ``2/n X^T X`` with ``X = [x, 1]``: the same at every (w, b)."""
        X = np.stack([self.x, np.ones(self.n)], axis=1)
        return 2 / self.n * X.T @ X

    @property
    def condition_number(self) -> float:
        """The Hessian's largest eigenvalue over its smallest: how narrow the ravine is."""
        low, high = np.linalg.eigvalsh(self.hessian)
        return float(high / low)

    @property
    def solution(self) -> tuple[float, float]:
        """The least-squares line ``(w, b)``: ``w = cov(x, y) / var(x)``,
        ``b = mean(y) - w mean(x)``."""
        dx = self.x - self.x.mean()
        w = float((dx * (self.y - self.y.mean())).sum() / (dx * dx).sum())
        return w, float(self.y.mean() - w * self.x.mean())

    def loss(self, w, b):
        """The mean squared error ``mean((w * x + b - y)**2)`` over all rows, elementwise."""
        return self.means.loss(w, b)

    def grad(self, w, b):
        """Its exact gradient ``(dL/dw, dL/db)`` over all rows, elementwise."""
        return self.means.grad(w, b)

    def batch_rows(self, steps: int, batch_size: int, seed: int) -> np.ndarray:
        """The rows of each step's mini-batch: ``(steps, batch_size)`` indices into ``x`` and ``y``.

        Step ``t`` (from 1) uses row ``t - 1``: the first ``batch_size`` entries
        of a fresh random permutation of the ``n`` rows, so no row repeats within
        a step, and a smaller batch of the same seed is part of a larger one.
        The permutations come from ``numpy.random.default_rng([seed, 1])``.
        """
        return self._permutations(steps, seed)[:, :batch_size]

    def _permutations(self, steps: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng([int(seed), BATCH_STREAM])
        return rng.permuted(np.tile(np.arange(self.n), (steps, 1)), axis=1)

    def minibatch_gradient(self, steps: int, batch_size: Sequence[int] | np.ndarray,
                           seed: Sequence[int] | np.ndarray) -> MiniBatchGradient:
        """The mini-batch gradients of R runs for steps 1 to ``steps``.

        Run ``r`` draws ``batch_size[r]`` rows per step as :meth:`batch_rows`
        with ``seed[r]`` says, so runs with the same seed and batch size see
        the same batches. A run whose batch is every row (``batch_size == n``)
        takes the full gradient, exactly as without mini-batches.
        """
        return MiniBatchGradient(self, steps, np.asarray(batch_size), np.asarray(seed))


class MiniBatchGradient:
    """Each step's mini-batch gradient, for R runs at once.

    The means of each distinct (seed, batch size) pair's batches are computed
    once, ``(steps,)`` per mean; :meth:`at` looks up each run's and evaluates
    the gradient there, in O(R) per step.
    """

    def __init__(self, data: Dataset, steps: int, batch_size: np.ndarray,
                 seed: np.ndarray) -> None:
        pairs = sorted({(int(s), int(b)) for s, b in zip(seed, batch_size, strict=True)
                        if b < data.n})
        column = {pair: i + 1 for i, pair in enumerate(pairs)}  # column 0: every row
        self.group = np.array([column.get((int(s), int(b)), 0)
                               for s, b in zip(seed, batch_size, strict=True)])
        full = data.means
        table = np.empty((5, steps, len(pairs) + 1))
        for i, name in enumerate(("x", "xx", "y", "xy", "yy")):
            table[i, :, 0] = getattr(full, name)
        for s in sorted({s for s, _ in pairs}):
            permutations = data._permutations(steps, s)
            for _, b in (pair for pair in pairs if pair[0] == s):
                rows = permutations[:, :b]
                batch = Means.of(data.x[rows], data.y[rows], axis=1)
                for i, name in enumerate(("x", "xx", "y", "xy", "yy")):
                    table[i, :, column[(s, b)]] = getattr(batch, name)
        self.table = table

    def at(self, t: int, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gradient at the points ``(w, b)``, ``(R,)`` each, over each run's batch of step t."""
        return Means(*self.table[:, t - 1, self.group]).grad(w, b)
