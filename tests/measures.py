"""What a path did, in numbers the tests check the presets' claims with: step lengths and
loss rebounds (``tests/test_scenes_presets.py``; the page marks a rebound on the loss panel);
and frames resolved as the browser applies them.

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

from collections.abc import Sequence

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


def resolve_frames(frames: Sequence[dict]) -> list[dict]:
    """Each frame as the browser applies it: what its chain of ``baseframe`` s sets.

    Plotly's ``computeFrame`` merges a frame onto its base frame, and that onto its
    own, ..., trace by trace (a later frame's attributes win). A frame of
    ``plotting.build.Layers.frames`` with ``delta`` sets, for each animated trace, the same
    attributes in every frame, so the merge is the latest update of each trace.
    Returns frames with ``name``, ``traces`` (in the order first set) and ``data``.
    """
    by_name = {f["name"]: f for f in frames}
    out = []
    for frame in frames:
        chain, seen = [frame], {frame["name"]}
        while chain[-1].get("baseframe") in by_name and chain[-1]["baseframe"] not in seen:
            chain.append(by_name[chain[-1]["baseframe"]])
            seen.add(chain[-1]["name"])
        merged: dict[int, dict] = {}
        for part in reversed(chain):
            for index, update in zip(part["traces"], part["data"], strict=True):
                merged[index] = {**merged.get(index, {}), **update}
        out.append({"name": frame["name"], "traces": list(merged), "data": list(merged.values())})
    return out
