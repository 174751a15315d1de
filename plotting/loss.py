"""The loss-against-step panel.

With a known minimum value the panel plots ``loss - min_value`` on a log
axis, floored at ``FLOOR_DECADES`` decades below the largest starting value
(float64 runs can reach 1e-300; a dozen decades of progress is all a reader
can use, and a run sitting on the floor has converged as far as the eye can
tell). The floor is measured from the start, not from the largest value, so
that a run blowing up to 1e8 does not hide how far the others got.
Without one, a loss that stays positive (a typed formula such as
``x**2 + 10*y**2``) is plotted on a log axis itself, floored the same way, so
that its fall over many decades stays in view; a loss that reaches zero or
below (the saddle) is plotted linearly.

The curves are static; frames move one marker per run and a vertical line
to the current step.

A run whose loss had settled far down and then jumps back into view
(:func:`first_rebound`: RMSProp at a constant lr near a minimum, its cache
leaked away so that ``lr / sqrt(cache)`` passed the steep direction's limit)
gets a note on the panel, its arrow at the jump (:func:`rebound_note`): the
lecture's cue for decaying lr.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from plotting.encode import typed, typed_rows
from plotting.runs import RunTrace

FLOOR_DECADES = 12
REBOUND_FACTOR = 1e3
REBOUND_VISIBLE = 1e-3
REBOUND_WINDOW = 20
REBOUND_TEXT = "lr too large<br>near the minimum:<br>decay it"


@dataclass(frozen=True)
class LossScale:
    """What the loss panel plots: ``loss - min_value`` floored on a log axis, or ``loss``
    (on a log axis when ``log``, with ``relative`` False: a positive loss without a known
    minimum)."""

    log: bool
    min_value: float
    floor: float
    y_range: tuple[float, float]  # in axis units: log10 of the value on a log axis
    relative: bool = True

    @classmethod
    def for_runs(cls, runs: list[RunTrace], min_value: float | None) -> LossScale:
        finite = np.concatenate([r.losses[np.isfinite(r.losses)] for r in runs] or [[]])
        if min_value is None:
            if finite.size and finite.min() > 0:  # positive: its decades on a log axis
                scale = cls._log(runs, finite, 0.0)
                return LossScale(True, 0.0, scale.floor, scale.y_range, relative=False)
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            pad = 0.05 * (hi - lo) or 1.0
            return cls(False, 0.0, -math.inf, (lo - pad, hi + pad))
        return cls._log(runs, finite, min_value)

    @classmethod
    def _log(cls, runs: list[RunTrace], finite: np.ndarray, min_value: float) -> LossScale:
        gap = finite - min_value
        top = float(gap.max()) if gap.size and gap.max() > 0 else 1.0
        starts = np.array([r.losses[0] for r in runs]) - min_value
        starts = starts[np.isfinite(starts) & (starts > 0)]
        reference = float(starts.max()) if starts.size else top
        floor = 10.0 ** (math.ceil(math.log10(reference)) - FLOOR_DECADES)
        low = max(floor, float(gap[gap > 0].min())) if (gap > 0).any() else floor
        return cls(True, float(min_value), floor,
                   (math.log10(low) - 0.3, math.log10(top) + 0.3))

    def values(self, losses: np.ndarray) -> np.ndarray:
        """What the panel plots for these losses (NaN stays NaN)."""
        if not self.log:
            return np.asarray(losses, dtype=float)
        return np.maximum(np.asarray(losses, dtype=float) - self.min_value, self.floor)

    @property
    def span(self) -> list[float]:
        """The bottom and top of the panel in data units (for the step line)."""
        lo, hi = self.y_range
        return [10.0**lo, 10.0**hi] if self.log else [lo, hi]

    def axis_title(self) -> str:
        if not self.log:
            return "loss"
        return "loss − min (log)" if self.relative else "loss (log)"


def loss_curves(runs: list[RunTrace], scale: LossScale, axes: tuple[str, str],
                width: float) -> list[dict]:
    """One static curve per run, named by its label; the legend entry of the run."""
    return [{
        "type": "scatter", "mode": "lines", "name": run.name,
        "legendgroup": f"run{i}",
        "x0": 0, "dx": 1, "y": typed(scale.values(run.losses)),
        "line": {"color": run.color, "width": width},
        "hovertemplate": "step %{x}: %{y:.3g}<extra>" + run.label + "</extra>",
        "xaxis": axes[0], "yaxis": axes[1],
    } for i, run in enumerate(runs)]


def divergence_marks(runs: list[RunTrace], scale: LossScale, axes: tuple[str, str],
                     size: float) -> list[dict]:
    """An "x" at the last finite loss of each run that diverged."""
    marks = []
    for i, run in enumerate(runs):
        if run.diverged_at is None or run.last < 0:
            continue
        marks.append({
            "type": "scatter", "mode": "markers", "legendgroup": f"run{i}",
            "name": run.name, "showlegend": False,
            "x": [run.last], "y": [float(scale.values(run.losses[run.last]))],
            "marker": {"symbol": "x", "size": size, "color": run.color,
                       "line": {"width": 1, "color": "#222222"}},
            "cliponaxis": False,
            "hovertemplate": run.name + "<extra></extra>",
            "xaxis": axes[0], "yaxis": axes[1],
        })
    return marks


def step_cursor(runs: list[RunTrace], scale: LossScale, steps_at: np.ndarray,
                axes: tuple[str, str], size: float) -> list[tuple[dict, list[dict]]]:
    """The current step's line and each run's marker on its curve, with their frame updates."""
    line = {"type": "scatter", "mode": "lines", "name": "current step", "showlegend": False,
            "y": scale.span, "line": {"color": "#555555", "width": 1, "dash": "dot"},
            "hoverinfo": "skip", "xaxis": axes[0], "yaxis": axes[1]}
    line_updates = [{"x": [int(s), int(s)]} for s in steps_at]
    values = np.stack([scale.values(r.losses[steps_at]) for r in runs], axis=1)
    markers = {"type": "scatter", "mode": "markers", "name": "loss now", "showlegend": False,
               "marker": {"color": [r.color for r in runs], "size": size,
                          "line": {"width": 1, "color": "#222222"}},
               "text": [r.label for r in runs],
               "hovertemplate": "%{text}<br>step %{x}: %{y:.3g}<extra></extra>",
               "xaxis": axes[0], "yaxis": axes[1]}
    marker_updates = [{"x": [int(s)] * len(runs), "y": y}
                      for s, y in zip(steps_at, typed_rows(values), strict=True)]
    return [(line, line_updates), (markers, marker_updates)]


def first_rebound(losses: np.ndarray, min_value: float | None = 0.0, *,
                  factor: float = REBOUND_FACTOR, visible: float = REBOUND_VISIBLE,
                  window: int = REBOUND_WINDOW) -> int | None:
    """The first step at which a settled loss climbs back into view, or None.

    Measured by ``gap = loss - min_value`` against the start's ``gap[0]``: the
    run has *settled* once its gap stayed below ``visible / factor * gap[0]``
    for ``window`` steps in a row; a rebound is the first step after that
    whose gap is back above ``visible * gap[0]``, ``factor`` times higher. A
    momentum run that passes through the minimum at speed, or a noisy run
    jittering at its floor, never settles that long and has none; neither has
    a surface without a minimum (``min_value`` None).

    RMSProp at a constant lr shows one near a minimum: as the gradient dies away
    its cache leaks away with it, ``lr / sqrt(cache)`` grows past the stability
    limit of the steep direction, and the run is thrown back out.
    """
    if min_value is None:
        return None
    gap = np.asarray(losses, dtype=float) - min_value
    if not np.isfinite(gap).all():
        gap = gap[: int(np.argmax(~np.isfinite(gap)))]  # the part before the run stopped
    if gap.size == 0 or gap[0] <= 0:
        return None
    high = visible * gap[0]
    low = high / factor
    # The length of the stretch below ``low`` that ends at each step.
    below = gap < low
    stretch = np.zeros(gap.size, dtype=int)
    for k in np.flatnonzero(below):
        stretch[k] = stretch[k - 1] + 1 if k else 1
    settled = np.maximum.accumulate(stretch) >= window
    hits = np.flatnonzero(settled[:-1] & (gap[1:] > high))
    return int(hits[0]) + 1 if hits.size else None


def rebound_note(runs: list[RunTrace], scale: LossScale, axes: tuple[str, str],
                 size: tuple[float, float], font: float) -> dict | None:
    """An annotation at the first run's rebound (:func:`first_rebound`), or None.

    Its arrow, in the run's colour, points at the top of the jump; the
    text sits a third of the panel (``size``: its width and height in pixels)
    below the jump and towards the panel's middle, so it stays inside the panel.
    """
    for run in runs:
        step = first_rebound(run.losses, scale.min_value if scale.log and scale.relative
                             else None)
        if step is None:
            continue
        peak = step + int(np.nanargmax(run.losses[step:step + REBOUND_WINDOW]))  # the jump's top
        value = float(scale.values(run.losses[peak]))
        width, height = size
        toward = -1 if step > run.steps / 2 else 1
        return {
            "text": REBOUND_TEXT, "name": "rebound",
            "x": peak, "y": math.log10(value), "xref": axes[0], "yref": axes[1],
            "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5, "arrowcolor": run.color,
            "ax": toward * 0.3 * width, "ay": 0.3 * height,
            "font": {"size": font}, "bgcolor": "rgba(255, 255, 255, 0.5)",  # the curves show
            "borderpad": 2, "align": "center",
        }
    return None


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Ticks for a log axis spanning ``10**lo`` to ``10**hi`` (less than two decades):
    1, 2 and 5 times the powers of ten in it (or every 1 to 9 times where that gives
    fewer than three), each written out in full: ``0.2``, ``0.5``, ``1``, ``2`` when
    all lie between 1e-3 and 1e4, else ``2×10⁻⁵``, ``10⁴``. A bare minor label such
    as "3" could read as 3 where it means 0.3; these cannot."""

    def ticks(mantissas):
        return [m * 10.0**d for d in range(math.floor(lo) - 1, math.ceil(hi) + 1)
                for m in mantissas if lo <= math.log10(m * 10.0**d) <= hi]

    values = ticks((1, 2, 5))
    if len(values) < 3:
        values = ticks(range(1, 10))
    values = [float(f"{v:.6g}") for v in values]
    plain = all(1e-3 <= v < 1e4 for v in values)  # one way of writing on one axis
    return values, [_written(v, plain) for v in values]


def _written(value: float, plain: bool) -> str:
    """A tick value in full: ``0.05``, ``20`` (``plain``), or ``5×10⁻⁶``, ``10⁴``."""
    if plain:
        return f"{value:g}"
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0**exponent)
    power = f"10{str(exponent).translate(SUPERSCRIPT)}"
    return power if mantissa == 1 else f"{mantissa}×{power}"
