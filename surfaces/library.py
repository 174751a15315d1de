"""The surface library: classic 2D test functions with exact gradients.

Each factory returns a :class:`~surfaces.base.Surface`. Formulas, gradients and
metadata sit side by side so that one reading checks them all; the tests check
every gradient against central finite differences and every declared minimum.
"""

from __future__ import annotations

import math

import numpy as np

from surfaces.base import Surface


def ravine(kappa: float = 50.0, angle: float = 0.0) -> Surface:
    """The anisotropic quadratic of the lecture: steep one way, shallow the other.

    ``f = 0.5 * (u**2 / kappa + w**2)`` in coordinates ``(u, w)`` turned by
    ``angle`` degrees from ``(x, y)``: ``u = x cos a + y sin a``,
    ``w = -x sin a + y cos a``. The Hessian has eigenvalues ``lambda_max = 1``
    (steep, along ``w``: vertical when ``angle = 0``) and
    ``lambda_min = 1 / kappa`` (shallow, along ``u``), so ``kappa`` is its
    condition number. Plain gradient descent is stable for ``lr < 2``.
    """
    kappa = float(kappa)
    angle = float(angle)
    if not (math.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"kappa must be a finite number >= 1, got {kappa!r}")
    if not (math.isfinite(angle) and -180 <= angle <= 180):
        raise ValueError(f"angle must be between -180 and 180 degrees, got {angle!r}")
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    lam_min, lam_max = 1.0 / kappa, 1.0
    # The Hessian H = R^T diag(lam_min, lam_max) R, so f = 0.5 * [x y] H [x y]^T.
    hxx = lam_min * c * c + lam_max * s * s
    hxy = (lam_min - lam_max) * c * s
    hyy = lam_min * s * s + lam_max * c * c

    if hxy == 0:  # not turned (angle 0, the default): no cross terms, a third of the work

        def grad(x, y):
            return hxx * x, hyy * y

    else:

        def grad(x, y):
            return hxx * x + hxy * y, hxy * x + hyy * y

    def fused(x, y):
        gx, gy = grad(x, y)
        return 0.5 * (x * gx + y * gy), (gx, gy)

    def f(x, y):
        return fused(x, y)[0]

    return Surface(
        name="ravine",
        title="Anisotropic ravine",
        f=f,
        grad=grad,
        # Taller as the valley turns, so that it stays in view.
        domain=((-10.0, 10.0), (-5.0 - 5.0 * abs(s), 5.0 + 5.0 * abs(s))),
        minima=((0.0, 0.0),),
        min_value=0.0,
        # (u, w) = (-8, 1.5): far along the valley, a little up its side.
        start=(-8.0 * c - 1.5 * s, -8.0 * s + 1.5 * c),
        latex=(
            r"f(x, y) = \tfrac{1}{2}\left(\frac{u^2}{\kappa} + w^2\right),\quad "
            r"\binom{u}{w} = R_{" + f"{angle:g}" + r"^\circ}\binom{x}{y},\ \kappa = " + f"{kappa:g}"
        ),
        lesson=(
            "Steep across, shallow along: plain SGD jitters across the valley and "
            "crawls along it, which momentum and per-axis step sizes fix."
        ),
        params={"kappa": kappa, "angle": angle},
        fused=fused,
    )


def rosenbrock() -> Surface:
    """Rosenbrock's banana: ``f = (1 - x)**2 + 100 (y - x**2)**2``, minimum 0 at (1, 1)."""

    def f(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def grad(x, y):
        r = y - x * x
        return -2 * (1 - x) - 400 * x * r, 200 * r

    return Surface(
        name="rosenbrock",
        title="Rosenbrock's banana",
        f=f,
        grad=grad,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        min_value=0.0,
        start=(-1.5, 2.0),
        latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        lesson=(
            "A curved, narrow valley: finding it is easy, following its bend to "
            "the minimum is what separates the optimizers."
        ),
    )


def beale() -> Surface:
    """Beale's function: sharp ridges and flat arms, minimum 0 at (3, 0.5).

    ``f = (1.5 - x + xy)**2 + (2.25 - x + xy**2)**2 + (2.625 - x + xy**3)**2``.
    """

    def f(x, y):
        return (
            (1.5 - x + x * y) ** 2
            + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2
        )

    def grad(x, y):
        a = 1.5 - x + x * y
        b = 2.25 - x + x * y**2
        d = 2.625 - x + x * y**3
        gx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * d * (y**3 - 1)
        gy = 2 * a * x + 4 * b * x * y + 6 * d * x * y**2
        return gx, gy

    return Surface(
        name="beale",
        title="Beale's function",
        f=f,
        grad=grad,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        min_value=0.0,
        start=(-1.0, 1.5),
        latex=(
            r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"
        ),
        lesson=(
            "Gradients span orders of magnitude: a learning rate that is safe on "
            "the ridges is hopelessly slow on the flat arms, unless it adapts."
        ),
    )


def saddle() -> Surface:
    """The saddle ``f = x**2 - y**2``: a stationary point at the origin, no minimum."""

    def f(x, y):
        return x * x - y * y

    def grad(x, y):
        return 2 * x, -2 * y

    return Surface(
        name="saddle",
        title="Saddle point",
        f=f,
        grad=grad,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        min_value=None,
        start=(-1.8, 1e-3),
        latex=r"f(x, y) = x^2 - y^2",
        lesson=(
            "Near a saddle the gradient all but vanishes in the way out: plain SGD "
            "lingers there, while per-axis step sizes escape quickly."
        ),
    )


# Himmelblau's four minima, refined by Newton's method to full float64 precision.
_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.2831859912861696),
    (3.5844283403304917, -1.8481265269644034),
)


def himmelblau() -> Surface:
    """Himmelblau's function ``(x**2 + y - 11)**2 + (x + y**2 - 7)**2``: four minima of 0."""

    def f(x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad(x, y):
        a = x * x + y - 11
        b = x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    return Surface(
        name="himmelblau",
        title="Himmelblau's function",
        f=f,
        grad=grad,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=_HIMMELBLAU_MINIMA,
        min_value=0.0,
        start=(-0.3, -0.9),
        latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lesson=(
            "Four equally good minima: which one a run reaches depends on its "
            "start, on how much momentum carries it and on how it scales its steps."
        ),
    )


def rastrigin() -> Surface:
    """Rastrigin's function: a bowl covered in bumps, minimum 0 at the origin.

    ``f = 20 + x**2 - 10 cos(2 pi x) + y**2 - 10 cos(2 pi y)``.
    """
    tau = 2 * math.pi

    def f(x, y):
        return 20 + x * x - 10 * np.cos(tau * x) + y * y - 10 * np.cos(tau * y)

    def grad(x, y):
        return 2 * x + 10 * tau * np.sin(tau * x), 2 * y + 10 * tau * np.sin(tau * y)

    return Surface(
        name="rastrigin",
        title="Rastrigin's function",
        f=f,
        grad=grad,
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-4.2, 3.8),
        latex=r"f(x, y) = 20 + x^2 - 10\cos 2\pi x + y^2 - 10\cos 2\pi y",
        lesson=(
            "Many local minima: small steps get trapped in the nearest dimple, "
            "momentum can roll over a few of them."
        ),
    )


def booth() -> Surface:
    """Booth's function ``(x + 2y - 7)**2 + (2x + y - 5)**2``: a bowl, minimum 0 at (1, 3)."""

    def f(x, y):
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(x, y):
        a = x + 2 * y - 7
        b = 2 * x + y - 5
        return 2 * a + 4 * b, 4 * a + 2 * b

    return Surface(
        name="booth",
        title="Booth's function",
        f=f,
        grad=grad,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((1.0, 3.0),),
        min_value=0.0,
        start=(-8.0, -8.0),
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        lesson=(
            "A well-conditioned bowl (condition number 9): every optimizer does "
            "well here, the baseline against which the hard surfaces are hard."
        ),
    )


def plateau() -> Surface:
    """A Gaussian well on a wide plateau: ``f = 1 - exp(-(x**2 + y**2) / 4)``, minimum 0 at 0.

    Far from the well the gradient is tiny (about 1e-4 at distance 6), so the
    size of a step depends on how an optimizer scales the gradient.
    """

    def f(x, y):
        return 1 - np.exp(-(x * x + y * y) / 4)

    def grad(x, y):
        e = np.exp(-(x * x + y * y) / 4) / 2
        return x * e, y * e

    return Surface(
        name="plateau",
        title="Plateau with a well",
        f=f,
        grad=grad,
        domain=((-7.0, 7.0), (-7.0, 7.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(5.0, 4.0),
        latex=r"f(x, y) = 1 - e^{-(x^2 + y^2)/4}",
        lesson=(
            "On a plateau the gradient all but vanishes: SGD barely moves, while "
            "AdaGrad, RMSProp and Adam divide it by its own size and cross at about lr a step."
        ),
    )
