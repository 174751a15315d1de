"""Typed surfaces: any formula in ``x`` and ``y`` as a :class:`~surfaces.base.Surface`.

>>> s = from_expression("(1-x)**2 + 100*(y-x**2)**2", domain=((-2, 2), (-1, 3)))
>>> s.formula
'(1 - x)**2 + 100*(y - x**2)**2'
>>> float(s.f(0.0, 1.0)), [float(g) for g in s.grad(0.0, 1.0)]
(101.0, [-2.0, 200.0])

:func:`from_expression` is the one call the page needs: it returns a surface
or raises ``ValueError`` with a message for the visitor. The text is parsed
by :mod:`surfaces.formula_parser` (never evaluated as Python), the gradient
is SymPy's exact derivative, and both are evaluated by
:mod:`surfaces.formula_numpy`. Where the formula is undefined (``log(x)``
for ``x <= 0``, ``1/x`` at 0) ``f`` and ``grad`` are NaN, silently, and the
engine stops a run that steps there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from surfaces import plain_text
from surfaces.base import Domain, Point, Surface
from surfaces.formula_grammar import FormulaError, X, Y
from surfaces.formula_numpy import compile_numpy
from surfaces.formula_parser import parse_formula, refuse_non_real

DEFAULT_DOMAIN: Domain = ((-5.0, 5.0), (-5.0, 5.0))
DOMAIN_LIMIT = 1e4  # every bound of the plotting domain lies in [-DOMAIN_LIMIT, DOMAIN_LIMIT]
MIN_WIDTH = 1e-3  # the narrowest side of the plotting domain

# The default start: this far across the domain's width and height (left, high),
# or the nearest point of a 21 x 21 grid where f and its gradient are defined.
_START_AT = (0.15, 0.75)
_START_GRID = 21

LESSON = (
    "A formula typed by hand: its minima are not known in advance, so watch "
    "where each optimizer settles, and how it gets there."
)


@dataclass(frozen=True, eq=False)
class FormulaSurface(Surface):
    """A :class:`Surface` built from typed text.

    ``formula`` is the canonical text of the parsed formula (for example
    ``"0.05*x**2 + 2*y**2"``), for shared links: ``from_expression(s.formula)``
    builds the same surface again.
    """

    formula: str = ""


def _bound(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{label} must be a number, got {value!r}")
    if isinstance(value, str):  # text, as in a link: the links' one number reader
        read = plain_text.number(value)
        if not read.ok:
            raise ValueError(f"{label} must be a number, got {plain_text.short(value)}{read.hint}")
        value = read.value
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{label} must be a number, got {plain_text.short(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{label} must be a finite number, got {value!r}")
    if abs(number) > DOMAIN_LIMIT:
        raise ValueError(f"{label} must lie between {-DOMAIN_LIMIT:g} and {DOMAIN_LIMIT:g}")
    return number


def validate_domain(domain: Any) -> Domain:
    """Check a plotting domain ``((x_min, x_max), (y_min, y_max))`` and return it as floats.

    Each bound must be a finite number (or text that reads as one by
    :func:`surfaces.plain_text.number`, as in a link) within ``[-1e4, 1e4]``,
    with ``min < max`` and each side at least ``1e-3`` wide. Raises
    ``ValueError`` saying which bound is wrong.
    """
    try:
        (x0, x1), (y0, y1) = domain
    except (TypeError, ValueError):
        raise ValueError("the domain must be ((x min, x max), (y min, y max))") from None
    checked = []
    for axis, (low, high) in (("x", (x0, x1)), ("y", (y0, y1))):
        low, high = _bound(low, f"{axis} min"), _bound(high, f"{axis} max")
        if not low < high:
            raise ValueError(f"{axis} min must be less than {axis} max (got {low:g} and {high:g})")
        if high - low < MIN_WIDTH:
            raise ValueError(f"the {axis} range must be at least {MIN_WIDTH:g} wide")
        checked.append((low, high))
    return checked[0], checked[1]


def _default_start(domain: Domain, fused) -> Point:
    """A start inside the domain where ``f`` and its gradient are defined.

    The point at ``_START_AT`` of the domain when the formula is defined and
    not flat there; else the nearest such point of a grid; else the nearest
    point where the formula is merely defined.
    """
    (x0, x1), (y0, y1) = domain
    target = (x0 + _START_AT[0] * (x1 - x0), y0 + _START_AT[1] * (y1 - y0))
    xs = np.append(np.linspace(x0, x1, _START_GRID), target[0])
    ys = np.append(np.linspace(y0, y1, _START_GRID), target[1])
    gx_, gy_ = np.meshgrid(xs, ys)
    px, py = gx_.ravel(), gy_.ravel()
    value, (gx, gy) = fused(px, py)
    defined = np.isfinite(value) & np.isfinite(gx) & np.isfinite(gy)
    if not defined.any():
        raise FormulaError(
            "the formula or its gradient is undefined (or overflows) everywhere "
            "in the plotting domain"
        )
    sloped = defined & ((gx != 0) | (gy != 0))
    candidates = sloped if sloped.any() else defined
    distance = np.hypot((px - target[0]) / (x1 - x0), (py - target[1]) / (y1 - y0))
    best = int(np.argmin(np.where(candidates, distance, np.inf)))
    return float(px[best]), float(py[best])


def _checked_start(start: Any, domain: Domain, fused) -> Point:
    try:
        sx, sy = (float(v) for v in start)
    except (TypeError, ValueError):
        raise ValueError(f"start must be a point (x, y), got {start!r}") from None
    (x0, x1), (y0, y1) = domain
    if not (x0 <= sx <= x1 and y0 <= sy <= y1):
        raise ValueError(f"start ({sx:g}, {sy:g}) must lie inside the plotting domain")
    value, (gx, gy) = fused(sx, sy)
    if not (np.isfinite(value) and np.isfinite(gx) and np.isfinite(gy)):
        raise ValueError(f"the formula or its gradient is undefined at the start ({sx:g}, {sy:g})")
    return sx, sy


def from_expression(
    text: str, domain: Any = DEFAULT_DOMAIN, start: Any = None
) -> FormulaSurface:
    """Build the surface of a typed formula in ``x`` and ``y``.

    Args:
        text: the formula, e.g. ``"0.05*x**2 + 2*y**2"`` (``docs/formulas.md``
            says what is allowed and the limits).
        domain: the plotting box ``((x_min, x_max), (y_min, y_max))``,
            checked by :func:`validate_domain`; None for the default
            ``((-5, 5), (-5, 5))``.
        start: the default start point, inside the domain; by default a point
            up and to the left where the formula and its gradient are defined.

    Returns:
        A :class:`FormulaSurface` named ``"custom"`` whose ``f`` and ``grad``
        (SymPy's exact derivative) are vectorized over NumPy arrays and NaN,
        without warnings, where the formula is undefined. ``latex`` is
        rendered by SymPy from the parsed expression, ``formula`` is its
        canonical text. No minima are claimed.

    Raises:
        ValueError: (a :class:`~surfaces.formula_grammar.FormulaError` for the
            formula) saying what is wrong and, where it can, at which column.
    """
    domain = validate_domain(DEFAULT_DOMAIN if domain is None else domain)
    formula = parse_formula(text)
    gradient = [sp.diff(formula.expr, X), sp.diff(formula.expr, Y)]
    for component in gradient:
        refuse_non_real(component, "its gradient")
    f_only = compile_numpy([formula.expr])
    all_three = compile_numpy([formula.expr, *gradient])

    def f(x, y):
        return f_only(x, y)[0]

    def fused(x, y):
        value, gx, gy = all_three(x, y)
        # Where f is undefined, so is its gradient (1/x, the derivative of log(x), is not).
        undefined = np.isnan(value)
        return value, (np.where(undefined, np.nan, gx)[()], np.where(undefined, np.nan, gy)[()])

    def grad(x, y):
        return fused(x, y)[1]

    if start is None:
        start = _default_start(domain, fused)
    else:
        start = _checked_start(start, domain, fused)
    return FormulaSurface(
        name="custom",
        title="Custom formula",
        f=f,
        grad=grad,
        domain=domain,
        minima=(),
        min_value=None,
        start=start,
        latex=f"f(x, y) = {sp.latex(formula.expr)}",
        lesson=LESSON,
        fused=fused,
        formula=formula.text,
    )
