"""The six update rules of the lecture and the engine that runs them.

>>> from surfaces import SURFACES
>>> from optimizers import OPTIMIZERS, simulate
>>> run = simulate(SURFACES["ravine"], "adam", start=(-8.0, 1.5), steps=300, lr=0.3)
>>> run.points.shape
(301, 2)

Each rule lives in its own short module (``optimizers/adam.py``, ...), written
as the lecture writes it; ``OPTIMIZERS`` (from :mod:`optimizers.registry`)
maps its name to its :class:`~optimizers.base.Optimizer` record.
:func:`simulate` (:mod:`optimizers.engine`) checks its arguments with
:mod:`optimizers.validation` and runs the step loop.
"""

from __future__ import annotations

from optimizers.base import Hyper, Optimizer
from optimizers.engine import Run, simulate
from optimizers.registry import OPTIMIZERS

__all__ = ["OPTIMIZERS", "Hyper", "Optimizer", "Run", "simulate"]
