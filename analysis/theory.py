"""Convergence theory for quadratic surfaces such as the ravine.

On a quadratic with Hessian eigenvalues ``lam_min <= lam_max`` every
constant-lr method of the lecture without per-axis scaling is a linear
iteration, so its speed is the spectral radius ``rho`` of its iteration
matrix: the distance to the minimum shrinks by about ``rho`` per step (the
loss by ``rho**2``). The classic results, with ``kappa = lam_max / lam_min``:

* SGD is stable for ``lr < 2 / lam_max``; the best ``lr = 2 / (lam_min + lam_max)``
  gives ``rho = (kappa - 1) / (kappa + 1)``.
* Heavy-ball momentum (the lecture's ``v = mu * v - lr * dx; x += v``) is
  stable for ``0 <= mu < 1`` and ``lr < 2 (1 + mu) / lam_max``; Polyak's best
  ``lr = 4 / (sqrt(lam_max) + sqrt(lam_min))**2`` and
  ``mu = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2`` give
  ``rho = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)``.
* Nesterov (the lecture's rewritten form) is stable for
  ``lr < 2 (1 + mu) / ((1 + 2 mu) lam_max)``.

AdaGrad, RMSProp and Adam rescale each axis by its gradient history, which
makes them non-linear: no such closed form, so :func:`predicted_rate`
returns ``None`` for them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from surfaces import Surface


@dataclass(frozen=True)
class QuadraticTheory:
    """Step sizes and rates the theory gives for eigenvalues ``lam_min <= lam_max``."""

    lam_min: float
    lam_max: float

    @property
    def kappa(self) -> float:
        """Condition number ``lam_max / lam_min``."""
        return self.lam_max / self.lam_min

    @property
    def sgd_max_lr(self) -> float:
        """Largest stable SGD learning rate, ``2 / lam_max`` (exclusive)."""
        return 2.0 / self.lam_max

    @property
    def sgd_best_lr(self) -> float:
        """The SGD learning rate with the fastest worst-case rate, ``2 / (lam_min + lam_max)``."""
        return 2.0 / (self.lam_min + self.lam_max)

    @property
    def sgd_best_rate(self) -> float:
        """SGD's rate at its best lr, ``(kappa - 1) / (kappa + 1)``."""
        return (self.kappa - 1) / (self.kappa + 1)

    @property
    def momentum_best_lr(self) -> float:
        """Polyak's heavy-ball lr, ``4 / (sqrt(lam_max) + sqrt(lam_min))**2``."""
        return 4.0 / (math.sqrt(self.lam_max) + math.sqrt(self.lam_min)) ** 2

    @property
    def momentum_best_mu(self) -> float:
        """Polyak's heavy-ball mu, ``((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2``."""
        return self.momentum_best_rate**2

    @property
    def momentum_best_rate(self) -> float:
        """Heavy ball's rate at its best settings, ``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)``."""
        root = math.sqrt(self.kappa)
        return (root - 1) / (root + 1)

    def max_stable_lr(self, optimizer: str, mu: float = 0.0) -> float | None:
        """Largest stable lr (exclusive) for ``optimizer`` at momentum ``mu``; None if unknown."""
        if optimizer == "sgd":
            return 2.0 / self.lam_max
        if optimizer == "momentum" and mu < 1:
            return 2.0 * (1 + mu) / self.lam_max
        if optimizer == "nesterov" and mu < 1:
            return 2.0 * (1 + mu) / ((1 + 2 * mu) * self.lam_max)
        return None


def theory_for(surface: Surface) -> QuadraticTheory | None:
    """The theory for a ravine surface (from its ``kappa``), or None for other surfaces."""
    if surface.name != "ravine":
        return None
    kappa = float(surface.params["kappa"])
    return QuadraticTheory(lam_min=1.0 / kappa, lam_max=1.0)


def _iteration_matrix(optimizer: str, h: float, mu: float) -> np.ndarray:
    """The 2 x 2 map of (x, v) along one eigen-direction with ``h = lr * lam``."""
    if optimizer == "momentum":
        # v' = mu v - h x;  x' = x + v'   (in terms of x and v)
        return np.array([[1 - h, mu], [-h, mu]])
    if optimizer == "nesterov":
        # v' = mu v - h x;  x' = x - mu v + (1 + mu) v'
        return np.array([[1 - (1 + mu) * h, mu * mu], [-h, mu]])
    raise ValueError(f"no iteration matrix for {optimizer!r}")


def predicted_rate(
    theory: QuadraticTheory, optimizer: str, hyper: Mapping[str, float]
) -> float | None:
    """Worst-case per-step contraction of the distance to the minimum, or None.

    The spectral radius of the iteration over both eigen-directions; a value
    >= 1 means the run does not converge. None for the adaptive methods.
    """
    lr = float(hyper["lr"])
    if optimizer == "sgd":
        return max(abs(1 - lr * lam) for lam in (theory.lam_min, theory.lam_max))
    if optimizer in ("momentum", "nesterov"):
        mu = float(hyper["mu"])
        return max(
            float(np.max(np.abs(np.linalg.eigvals(_iteration_matrix(optimizer, lr * lam, mu)))))
            for lam in (theory.lam_min, theory.lam_max)
        )
    return None


def measured_rate(losses: np.ndarray, min_value: float = 0.0, floor: float = 1e-20) -> float | None:
    """Per-step contraction of the distance to the minimum, measured from a loss curve.

    Near a minimum the excess loss ``L - min_value`` is quadratic in the
    distance, so the distance shrinks by ``rate = exp(slope / 2)`` per step,
    where ``slope`` is the least-squares slope of ``log(L - min_value)``
    against the step. The fit uses the second half of the finite part of
    the curve above ``floor`` (below it rounding takes over; the floor grows
    with ``|min_value|``, whose rounding swamps tiny excesses), to skip the
    start-up transient. None when fewer than 10 such steps exist.
    """
    floor = max(floor, 1e-10 * abs(min_value))
    excess = np.asarray(losses, dtype=float) - min_value
    finite = np.isfinite(excess)
    last = int(np.argmin(finite)) if not finite.all() else excess.size
    excess = excess[:last]
    usable = np.flatnonzero(excess > floor)
    if usable.size < 10:
        return None
    end = int(usable[-1]) + 1
    steps = np.arange(end // 2, end)
    values = excess[steps]
    keep = values > floor
    if keep.sum() < 10:
        return None
    slope = np.polyfit(steps[keep], np.log(values[keep]), 1)[0]
    return float(math.exp(slope / 2))
