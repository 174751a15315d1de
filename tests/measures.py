"""What a path did, in numbers the tests check the presets' claims with: step lengths and
loss rebounds (``tests/test_scenes_presets.py``; the page draws the paths, not these).

* :func:`step_lengths`: how far each step went, ``|x_{k+1} - x_k|``;
* :func:`mark_gaps`: the distance between marks placed every ``every`` steps
  (AdaGrad's shrink: its marks crowd together);
* :func:`first_rebound`: the step at which a loss that had gone far down jumps
  back up by orders of magnitude (RMSProp at a constant lr near a minimum).

All take NumPy arrays of one run (``points`` of shape ``(steps + 1, 2)``,
``losses`` of shape ``(steps + 1,)``). After a run stopped its points are NaN, and so
are the lengths of those steps; :func:`first_rebound` reads the losses before it.
"""

from __future__ import annotations

import numpy as np

REBOUND_FACTOR = 1e3
REBOUND_VISIBLE = 1e-3
REBOUND_WINDOW = 20


def step_lengths(points: np.ndarray) -> np.ndarray:
    """The length of each step, ``(steps,)``: entry ``k`` from ``points[k]`` to ``points[k + 1]``.
    """
    points = np.asarray(points, dtype=float)
    return np.hypot(*np.diff(points, axis=0).T)


def mark_gaps(points: np.ndarray, every: int) -> np.ndarray:
    """The distance from each mark to the next, marks at steps ``0, every, 2 * every, ...``.

    For AdaGrad these shrink: ``lr / sqrt(cache)`` falls as the cache only grows.
    """
    if every < 1:
        raise ValueError(f"every must be a whole number >= 1, got {every!r}")
    return step_lengths(np.asarray(points, dtype=float)[::every])


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


__all__ = ["REBOUND_FACTOR", "REBOUND_VISIBLE", "REBOUND_WINDOW", "first_rebound", "mark_gaps",
           "step_lengths"]
