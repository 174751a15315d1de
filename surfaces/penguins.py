"""The Palmer penguins: where ravines come from.

``penguins(scaling)`` is the loss of a line fitted to real data: the mean
squared error of ``body mass (kg) = w * flipper length + b`` over the 342
penguins of ``surfaces/data/penguins.csv`` (CC0; ``surfaces/data/README.md``
names the source), as a surface over the plane of ``(w, b)``.

Flipper lengths are measured in decimetres (1.7 to 2.3 dm), far from zero
compared with their spread (0.14 dm), so raising ``w`` and lowering ``b`` by
twice as much leaves every prediction almost unchanged: the loss is a narrow
diagonal ravine, condition number about 1,300. ``scaling`` is the lecture's
data preprocessing in one switch: ``"centred"`` subtracts the mean flipper
length, which unties ``w`` from ``b`` (the valley turns to the axes; its
condition number is then one over the variance, about 51 in dm**2), and
``"standardised"`` also divides by the standard deviation, which makes the loss
a round bowl (condition number 1).
"""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np

from surfaces.base import Surface
from surfaces.dataset import Dataset

SCALINGS = ("raw", "centred", "standardised")
CSV = Path(__file__).parent / "data" / "penguins.csv"
SOURCE = ("Palmer penguins: K. B. Gorman and the Palmer Station LTER program, via the "
          "palmerpenguins package by A. Horst, A. Hill and K. B. Gorman (CC0)")


@cache
def measurements() -> tuple[np.ndarray, np.ndarray]:
    """Flipper length (dm) and body mass (kg) of every penguin that has both, read from ``CSV``."""
    flipper, mass = [], []
    with CSV.open(newline="") as file:
        for row in csv.DictReader(file):
            if row["flipper_length_mm"] != "NA" and row["body_mass_g"] != "NA":
                flipper.append(float(row["flipper_length_mm"]) / 100)
                mass.append(float(row["body_mass_g"]) / 1000)
    return np.array(flipper), np.array(mass)


def penguin_data(scaling: str = "raw") -> Dataset:
    """The penguins' flipper lengths, scaled as asked, and body masses."""
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")
    flipper, mass = measurements()
    shift = float(flipper.mean()) if scaling != "raw" else 0.0
    scale = float(flipper.std()) if scaling == "standardised" else 1.0
    return Dataset(
        name="Palmer penguins",
        x=(flipper - shift) / scale,
        y=mass,
        measured=flipper,
        feature="flipper length",
        feature_unit="dm",
        target="body mass",
        target_unit="kg",
        scaling=scaling,
        shift=shift,
        scale=scale,
        source=SOURCE,
    )


_LESSONS = {
    "raw": ("Flipper lengths measured far from zero tie the slope to the intercept, so the "
            "loss is a narrow ravine (condition number {kappa}) that plain SGD crawls along."),
    "centred": ("Centring the flipper lengths unties the slope from the intercept: the ravine "
                "turns to the axes and widens (condition number {kappa})."),
    "standardised": ("Standardised flipper lengths make the loss a round bowl (condition number "
                     "{kappa}), equally steep every way, so every optimizer heads straight for "
                     "the fit."),
}
_FEATURE_TEX = {
    "raw": r"x_i = \text{flipper length (dm)}",
    "centred": r"x_i = \text{flipper length} - \text{mean (dm)}",
    "standardised": r"x_i = \text{flipper length, standardised}",
}


def penguins(scaling: str = "raw") -> Surface:
    """The mean squared error of the line ``w * x + b`` through the penguins, over ``(w, b)``.

    ``f(w, b) = mean((w * x + b - y)**2)`` with ``x`` the flipper length scaled
    as ``scaling`` says (``"raw"``, ``"centred"`` or ``"standardised"``) and
    ``y`` the body mass in kg; its gradient is exact, its one minimum the
    least-squares line. The plotting domain is a square centred on that
    minimum, wide enough to hold the start ``(0, 0)`` (a line that predicts
    0 kg for every penguin) and the valley around it. ``surface.dataset``
    holds the data, the Hessian and its condition number.
    """
    data = penguin_data(scaling)
    w, b = data.solution
    half = math.ceil(1.3 * max(abs(w), abs(b)))
    n = data.n
    kappa = data.condition_number

    def fused(w, b):
        return data.loss(w, b), data.grad(w, b)

    return Surface(
        name="penguins",
        title="Palmer penguins: body mass from flipper length",
        f=data.loss,
        grad=data.grad,
        domain=((w - half, w + half), (b - half, b + half)),
        minima=((w, b),),
        min_value=float(np.mean((w * data.x + b - data.y) ** 2)),
        start=(0.0, 0.0),
        latex=(
            rf"f(w, b) = \frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}}\left(w\,x_i + b - y_i\right)^2,"
            rf"\quad {_FEATURE_TEX[scaling]},\ y_i = \text{{body mass (kg)}}"
        ),
        lesson=_LESSONS[scaling].format(kappa=f"{kappa:,.0f}"),
        params={"scaling": scaling},
        fused=fused,
        axes=("w", "b"),
        dataset=data,
    )
