"""Loss surfaces with exact gradients.

``SURFACES`` maps a name to the surface with its default parameters;
``FACTORIES`` maps the same names to the functions that build them, so the
ravine can be made steeper or turned: ``FACTORIES["ravine"](kappa=200, angle=30)``
(also ``surfaces.ravine(kappa=200, angle=30)``). ``SURFACE_PARAMS`` lists the
parameters a factory takes, with their ranges, for sliders and shared links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from surfaces.base import Domain, Point, Surface
from surfaces.expression import FormulaSurface, from_expression, validate_domain
from surfaces.library import (
    beale,
    booth,
    himmelblau,
    plateau,
    rastrigin,
    ravine,
    rosenbrock,
    saddle,
)


@dataclass(frozen=True)
class SurfaceParam:
    """A numeric parameter of a surface factory, with its allowed closed range."""

    name: str
    default: float
    low: float
    high: float
    log: bool = False
    help: str = ""


FACTORIES = {
    "ravine": ravine,
    "rosenbrock": rosenbrock,
    "beale": beale,
    "saddle": saddle,
    "himmelblau": himmelblau,
    "rastrigin": rastrigin,
    "booth": booth,
    "plateau": plateau,
}

SURFACE_PARAMS: dict[str, tuple[SurfaceParam, ...]] = {
    "ravine": (
        SurfaceParam("kappa", 50.0, 1.0, 1000.0, log=True,
                     help="condition number: how much steeper across than along"),
        SurfaceParam("angle", 0.0, -90.0, 90.0, help="rotation of the valley, in degrees"),
    ),
}

SURFACES: dict[str, Surface] = {name: make() for name, make in FACTORIES.items()}


def make_surface(name: str, **params: float) -> Surface:
    """Build the library surface ``name`` with the given parameters.

    Raises ``ValueError`` naming the problem for an unknown surface, an unknown
    parameter or a value outside its range.
    """
    if name not in FACTORIES:
        raise ValueError(f"unknown surface {name!r}; choose one of {', '.join(FACTORIES)}")
    specs = {p.name: p for p in SURFACE_PARAMS.get(name, ())}
    for key, value in params.items():
        if key not in specs:
            allowed = ", ".join(specs) or "none"
            raise ValueError(f"surface {name!r} has no parameter {key!r} (parameters: {allowed})")
        spec = specs[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan  # refused below, with the same message
        if not (spec.low <= number <= spec.high):
            raise ValueError(
                f"{key} must be a number between {spec.low:g} and {spec.high:g}, got {value!r}"
            )
    return FACTORIES[name](**params)


__all__ = [
    "Domain", "FACTORIES", "Point", "SURFACES", "SURFACE_PARAMS", "Surface", "SurfaceParam",
    "FormulaSurface", "from_expression", "validate_domain",
    "beale", "booth", "himmelblau", "make_surface", "plateau", "rastrigin", "ravine",
    "rosenbrock", "saddle",
]
