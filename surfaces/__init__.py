"""Loss surfaces with exact gradients.

``SURFACES`` maps a name to the surface with its default parameters;
``FACTORIES`` maps the same names to the functions that build them, so the
ravine can be made steeper or turned: ``FACTORIES["ravine"](kappa=200, angle=30)``
(also ``surfaces.ravine(kappa=200, angle=30)``). ``SURFACE_PARAMS`` lists the
numeric parameters a factory takes, with their ranges, for sliders and shared
links; ``SURFACE_WORDS`` the parameters that take one of a few words, such as
the penguins' feature ``scaling`` (``make_surface("penguins",
scaling="standardised")``). ``surfaces.dataset`` holds what a loss over data
needs: the penguins' surface carries its :class:`~surfaces.dataset.Dataset`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from surfaces.base import Domain, Point, Surface
from surfaces.dataset import Dataset
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
from surfaces.penguins import SCALINGS, penguins


@dataclass(frozen=True)
class SurfaceParam:
    """A numeric parameter of a surface factory, with its allowed closed range."""

    name: str
    default: float
    low: float
    high: float
    log: bool = False
    help: str = ""


@dataclass(frozen=True)
class SurfaceChoice:
    """A parameter of a surface factory that takes one of a few words."""

    name: str
    default: str
    choices: tuple[str, ...]
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
    "penguins": penguins,
}

SURFACE_PARAMS: dict[str, tuple[SurfaceParam, ...]] = {
    "ravine": (
        SurfaceParam("kappa", 50.0, 1.0, 1000.0, log=True,
                     help="condition number: how much steeper across than along"),
        SurfaceParam("angle", 0.0, -90.0, 90.0, help="rotation of the valley, in degrees"),
    ),
}

SURFACE_WORDS: dict[str, tuple[SurfaceChoice, ...]] = {
    "penguins": (
        SurfaceChoice("scaling", "raw", SCALINGS,
                      help="the flipper length as measured, centred, or standardised"),
    ),
}

SURFACES: dict[str, Surface] = {name: make() for name, make in FACTORIES.items()}


def make_surface(name: str, **params: float | str) -> Surface:
    """Build the library surface ``name`` with the given parameters.

    Raises ``ValueError`` naming the problem for an unknown surface, an unknown
    parameter, a number outside its range or a word not among its choices.
    """
    if name not in FACTORIES:
        raise ValueError(f"unknown surface {name!r}; choose one of {', '.join(FACTORIES)}")
    specs = {p.name: p for p in SURFACE_PARAMS.get(name, ())}
    words = {c.name: c for c in SURFACE_WORDS.get(name, ())}
    for key, value in params.items():
        if key in words:
            if value not in words[key].choices:
                raise ValueError(f"{key} must be one of {', '.join(words[key].choices)}, "
                                 f"got {value!r}")
            continue
        if key not in specs:
            allowed = ", ".join([*specs, *words]) or "none"
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
    "Dataset", "Domain", "FACTORIES", "Point", "SURFACES", "SURFACE_WORDS", "SURFACE_PARAMS",
    "Surface", "SurfaceChoice", "SurfaceParam",
    "FormulaSurface", "from_expression", "validate_domain",
    "beale", "booth", "himmelblau", "make_surface", "penguins", "plateau", "rastrigin", "ravine",
    "rosenbrock", "saddle",
]
