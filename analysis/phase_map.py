"""Phase maps: how fast a run converges over a grid of two hyperparameters.

One batched :func:`optimizers.simulate` call runs every cell of the grid at
once (a 100 x 100 grid is 10,000 runs), so a map follows the sliders live.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizers import OPTIMIZERS, simulate

# The hyperparameter each optimizer's map sweeps against lr, by default.
SECOND_AXIS = {
    "sgd": None,
    "momentum": "mu",
    "nesterov": "mu",
    "adagrad": "eps",
    "rmsprop": "decay_rate",
    "adam": "beta1",
}


@dataclass(frozen=True)
class PhaseMap:
    """Per cell ``[i, j]`` (row ``i`` of ``ys``, column ``j`` of ``lrs``):

    * ``steps_to_converge``: the first step whose excess loss ``L - min_value``
      fell to ``tol`` times the starting one; NaN if it never did;
    * ``final_loss``: the loss after the last step (NaN if diverged);
    * ``diverged``: True where the run left the finite world.
    """

    optimizer: str
    y_name: str | None
    lrs: np.ndarray
    ys: np.ndarray
    steps: int
    tol: float
    steps_to_converge: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray


def log_grid(low: float, high: float, n: int) -> np.ndarray:
    """``n`` log-spaced values from ``low`` to ``high`` inclusive."""
    return np.geomspace(low, high, n)


def phase_map(
    surface: Any,
    optimizer: str,
    lrs: Sequence[float],
    ys: Sequence[float] | None = None,
    *,
    y_name: str | None = None,
    start: Any = None,
    steps: int = 300,
    tol: float = 1e-4,
    hyper: Mapping[str, Any] | None = None,
) -> PhaseMap:
    """Run ``optimizer`` for every (lr, y) pair and summarize each run.

    ``y_name`` defaults to ``SECOND_AXIS[optimizer]``; with no second axis
    (SGD) the map is one row. ``hyper`` fixes the other hyperparameters.
    Convergence needs a known minimum value (``surface.min_value``); without
    one, ``steps_to_converge`` is all NaN and only ``final_loss`` speaks.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    y_name = y_name if y_name is not None else SECOND_AXIS[optimizer]
    lrs = np.asarray(lrs, dtype=float)
    ys = np.asarray([np.nan] if y_name is None else ys, dtype=float)
    if lrs.ndim != 1 or ys.ndim != 1 or lrs.size == 0 or ys.size == 0:
        raise ValueError("lrs and ys must be non-empty 1-D sequences")
    lr_grid, y_grid = np.meshgrid(lrs, ys)
    batch = dict(hyper or {})
    batch["lr"] = lr_grid.ravel()
    if y_name is not None:
        batch[y_name] = y_grid.ravel()
    if start is None:
        start = surface.start
    start = np.broadcast_to(np.asarray(start, dtype=float), (lr_grid.size, 2))

    run = simulate(surface, optimizer, start=start, steps=steps, keep_path=False, **batch)

    shape = lr_grid.shape
    diverged = (run.diverged_at <= steps).reshape(shape)
    final = run.losses[-1].reshape(shape)
    converge = np.full(lr_grid.size, np.nan)
    min_value = getattr(surface, "min_value", None)
    if min_value is not None:
        excess = run.losses - min_value
        with np.errstate(invalid="ignore"):
            done = excess <= tol * excess[0]
        reached = done.any(axis=0)
        converge[reached] = np.argmax(done, axis=0)[reached]
    return PhaseMap(
        optimizer=optimizer,
        y_name=y_name,
        lrs=lrs,
        ys=ys,
        steps=steps,
        tol=tol,
        steps_to_converge=converge.reshape(shape),
        final_loss=final,
        diverged=diverged,
    )
