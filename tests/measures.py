"""What a path did, in numbers the tests check the presets' claims with: step lengths and
loss rebounds (``tests/test_scenes_presets.py``; the page marks a rebound on the loss panel).

* :func:`step_lengths`: how far each step went, ``|x_{k+1} - x_k|``;
* :func:`mark_gaps`: the distance between marks placed every ``every`` steps
  (AdaGrad's shrink: its marks crowd together);
* :func:`first_rebound` (from :mod:`plotting.loss`, which marks it on the loss
  panel): the step at which a loss that had gone far down jumps back up by orders
  of magnitude (RMSProp at a constant lr near a minimum).

All take NumPy arrays of one run (``points`` of shape ``(steps + 1, 2)``,
``losses`` of shape ``(steps + 1,)``). After a run stopped its points are NaN, and so
are the lengths of those steps; :func:`first_rebound` reads the losses before it.
"""

from __future__ import annotations

import numpy as np

from plotting.loss import REBOUND_FACTOR, REBOUND_VISIBLE, REBOUND_WINDOW, first_rebound


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


__all__ = ["REBOUND_FACTOR", "REBOUND_VISIBLE", "REBOUND_WINDOW", "first_rebound", "mark_gaps",
           "step_lengths"]
