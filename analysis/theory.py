"""Convergence theory for quadratic surfaces: the ravine, the penguins' loss, a typed quadratic.

A surface is quadratic when its Hessian ``H`` is the same everywhere
(:func:`hessian_of`): the ravine (from its ``kappa`` and ``angle``), a line's
mean squared error over data (``2/n X^T X``), a typed formula that is a
polynomial of degree at most 2 in ``x`` and ``y`` (SymPy's second
derivatives), and any other surface whose gradient is an affine function of
the point (Booth's function, the saddle). When ``H`` is positive definite the
surface is a bowl and :func:`theory_for` gives its theory; its eigenvalues are
``lam_min <= lam_max``.

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
from functools import lru_cache

import numpy as np

from surfaces import FormulaSurface, Surface

# A surface of the library is quadratic when its gradient at these points (fractions of
# its domain's width and height) is an affine function of the point to this relative error.
_PROBES = ((0.1, 0.2), (0.9, 0.15), (0.5, 0.5), (0.2, 0.85), (0.8, 0.9), (0.35, 0.6),
           (0.65, 0.3))
_AFFINE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class QuadraticTheory:
    """Step sizes and rates the theory gives for eigenvalues ``lam_min <= lam_max``.

    ``hessian`` is the surface's Hessian ``((h_xx, h_xy), (h_xy, h_yy))`` when known,
    ``minimum`` the point where the loss is least and ``min_value`` the loss there
    (for a typed formula, which names no minimum, these come from the quadratic:
    ``x* = x - H^-1 grad f(x)`` from any point ``x``).
    """

    lam_min: float
    lam_max: float
    hessian: tuple[tuple[float, float], tuple[float, float]] | None = None
    minimum: tuple[float, float] | None = None
    min_value: float | None = None

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


    def stable_lr_range(self, optimizer: str, mu: float = 0.0) -> tuple[float, float] | None:
        """The open interval of stable lr, ``(0, max_stable_lr)``; None where the theory
        has none (the adaptive methods, ``mu >= 1``)."""
        upper = self.max_stable_lr(optimizer, mu)
        return None if upper is None else (0.0, upper)


def hessian_of(surface: Surface) -> np.ndarray | None:
    """The surface's Hessian as a symmetric 2 x 2 array when it is the same at every
    point (the surface is quadratic), else None.

    The ravine's from its parameters, a dataset's loss's from the data
    (``2/n X^T X``), a typed formula's from SymPy (a polynomial of degree at
    most 2 in ``x`` and ``y``); any other surface's by fitting its gradient at
    seven points across its domain with an affine map, exact for a quadratic up
    to rounding (and refused past a relative error of 1e-9).
    """
    if surface.name == "ravine":
        kappa, angle = float(surface.params["kappa"]), float(surface.params.get("angle", 0.0))
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        turn = np.array([[c, s], [-s, c]])  # rows: the shallow and the steep direction
        return turn.T @ np.diag([1.0 / kappa, 1.0]) @ turn
    if surface.dataset is not None:
        return np.array(surface.dataset.hessian, dtype=float)
    if isinstance(surface, FormulaSurface):
        found = _formula_hessian(surface.formula)
        return None if found is None else np.array(found)
    return _affine_gradient_hessian(surface)


@lru_cache(maxsize=128)
def _formula_hessian(formula: str) -> tuple[tuple[float, float], ...] | None:
    """SymPy's Hessian of a typed formula when it is a polynomial of degree <= 2."""
    import sympy as sp

    from surfaces.formula_grammar import X, Y
    from surfaces.formula_parser import parse_formula

    try:
        expr = sp.expand(parse_formula(formula).expr)
    except ValueError:
        return None
    if not expr.is_polynomial(X, Y) or sp.Poly(expr, X, Y).total_degree() > 2:
        return None
    rows = sp.hessian(expr, (X, Y)).tolist()
    try:
        return tuple(tuple(float(entry) for entry in row) for row in rows)
    except TypeError:  # a coefficient that is not a plain number
        return None


def _affine_gradient_hessian(surface: Surface) -> np.ndarray | None:
    (x0, x1), (y0, y1) = surface.domain
    points = np.array([(x0 + a * (x1 - x0), y0 + b * (y1 - y0)) for a, b in _PROBES])
    with np.errstate(all="ignore"):
        gx, gy = surface.grad(points[:, 0], points[:, 1])
    grads = np.stack([np.asarray(gx, dtype=float), np.asarray(gy, dtype=float)], axis=1)
    if not np.isfinite(grads).all():
        return None
    design = np.column_stack([points, np.ones(len(points))])
    coef, *_ = np.linalg.lstsq(design, grads, rcond=None)
    scale = max(float(np.abs(grads).max()), 1e-300)
    if float(np.abs(design @ coef - grads).max()) > _AFFINE_TOLERANCE * scale:
        return None
    h = coef[:2].T  # h[i, j] = d(grad_i)/d(x_j)
    return (h + h.T) / 2


def theory_for(surface: Surface) -> QuadraticTheory | None:
    """The theory of a quadratic bowl (:func:`hessian_of`, positive definite), or None:
    for a surface that is not quadratic, or a quadratic without a minimum (the saddle).
    The minimum and its loss are the surface's own, else those of the quadratic."""
    h = hessian_of(surface)
    if h is None:
        return None
    lam_min, lam_max = (float(v) for v in np.linalg.eigvalsh(h))
    if not (lam_min > 0 and math.isfinite(lam_max)):
        return None
    if surface.minima and surface.min_value is not None:
        minimum, min_value = surface.minima[0], float(surface.min_value)
    else:
        x = np.array(surface.start, dtype=float)
        gx, gy = surface.grad(x[0], x[1])
        minimum = tuple(float(v) for v in x - np.linalg.solve(h, [float(gx), float(gy)]))
        min_value = float(surface.f(*minimum))
    hessian = ((float(h[0, 0]), float(h[0, 1])), (float(h[1, 0]), float(h[1, 1])))
    return QuadraticTheory(lam_min=lam_min, lam_max=lam_max, hessian=hessian,
                           minimum=(float(minimum[0]), float(minimum[1])), min_value=min_value)


def stable_lr_range(surface: Surface, optimizer: str,
                    mu: float = 0.0) -> tuple[float, float] | None:
    """The learning rates ``(low, high)`` (both exclusive) for which ``optimizer`` at
    momentum ``mu`` converges on ``surface``, or None where the theory gives none.

    On a quadratic bowl with largest Hessian eigenvalue ``lam_max``: SGD
    ``0 < lr < 2 / lam_max``; Momentum (heavy ball) ``0 < lr < 2 (1 + mu) / lam_max``;
    Nesterov ``0 < lr < 2 (1 + mu) / ((1 + 2 mu) lam_max)``, each for
    ``0 <= mu < 1``. None for a surface that is not a quadratic bowl and for
    AdaGrad, RMSProp and Adam (no closed form).
    """
    theory = theory_for(surface)
    return None if theory is None else theory.stable_lr_range(optimizer, mu)


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
