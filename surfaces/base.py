"""The surface protocol shared by the library, typed formulas and the engine.

A surface is anything with ``f(x, y)`` and ``grad(x, y) -> (gx, gy)``, both
elementwise over NumPy arrays of any (equal) shape. The engine needs nothing
more (and, for mini-batches, a ``dataset``). :class:`Surface` adds what the
page needs to draw and explain it: plotting domain, minima, a default start, a
LaTeX formula, one sentence on what it teaches and, for a loss over data, the
data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from surfaces.dataset import Dataset

Point = tuple[float, float]
Domain = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Surface:
    """A 2D loss surface with an exact gradient and the metadata to show it.

    Attributes:
        name: registry key, e.g. ``"ravine"`` (``"custom"`` for a typed formula).
        title: human-readable name, e.g. ``"Anisotropic ravine"``.
        f: loss ``f(x, y)``, vectorized elementwise.
        grad: exact gradient ``grad(x, y) -> (df/dx, df/dy)``, vectorized.
        domain: plotting box ``((x_min, x_max), (y_min, y_max))``.
        minima: global minimizers as ``(x, y)`` points; empty when the surface
            has none (a saddle is unbounded below).
        min_value: ``f`` at the minima, or ``None`` when there are none.
        start: a good default start point.
        latex: the formula as LaTeX (no ``$`` delimiters).
        lesson: one sentence on what the surface teaches.
        params: the parameters the surface was built with (``{"kappa": 50.0, ...}``,
            ``{"scaling": "raw"}``).
        fused: optional ``fused(x, y) -> (f, (gx, gy))`` sharing work between
            the two; the engine's hot loop uses it through :meth:`value_and_grad`.
        axes: the names of the two coordinates, for axis titles: ``("x", "y")``,
            or ``("w", "b")`` for a line fitted to data.
        dataset: for a loss over data, the :class:`~surfaces.dataset.Dataset`
            (``f`` is its mean squared error; ``simulate(..., batch_size=B)``
            draws mini-batches from it); ``None`` for a formula.
    """

    name: str
    title: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    domain: Domain
    minima: tuple[Point, ...]
    min_value: float | None
    start: Point
    latex: str
    lesson: str
    params: Mapping[str, float | str] = field(default_factory=dict)
    fused: Callable[[np.ndarray, np.ndarray], tuple] | None = None
    axes: tuple[str, str] = ("x", "y")
    dataset: Dataset | None = None

    def value_and_grad(self, x, y):
        """``(f(x, y), grad(x, y))`` in one call, sharing work where the surface can."""
        if self.fused is not None:
            return self.fused(x, y)
        return self.f(x, y), self.grad(x, y)

    @property
    def escape_radius(self) -> float:
        """Distance from the domain centre, along either axis, beyond which a run has run away.

        The engine stops a run whose x or y leaves the box of this half-width
        around the domain's centre. A thousand times the domain's half-width
        (its larger one), and never more than 1e6:
        far enough that no sensible run is cut short, near enough that a
        diverging run is stopped long before it overflows.
        """
        (x0, x1), (y0, y1) = self.domain
        return min(1e6, 1e3 * max(x1 - x0, y1 - y0) / 2)

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Evaluate ``f`` on an ``n`` x ``n`` grid over the domain.

        Returns ``(xs, ys, z)`` with ``z[i, j] = f(xs[j], ys[i])`` (rows are y,
        as a contour plot expects). Points where ``f`` is undefined are NaN.
        """
        (x0, x1), (y0, y1) = self.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        with np.errstate(all="ignore"):
            z = np.asarray(self.f(*np.meshgrid(xs, ys)), dtype=float)
        z = np.where(np.isfinite(z), z, np.nan)
        return xs, ys, z
