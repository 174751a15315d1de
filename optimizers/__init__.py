"""The six update rules of the lecture and the engine that runs them.

>>> from surfaces import SURFACES
>>> from optimizers import OPTIMIZERS, simulate
>>> run = simulate(SURFACES["ravine"], "adam", start=(-8.0, 1.5), steps=300, lr=0.3)
>>> run.points.shape
(301, 2)

Each rule lives in its own short module (``optimizers/adam.py``, ...), written
as the lecture writes it; ``OPTIMIZERS`` maps its name to its
:class:`~optimizers.base.Optimizer` record.
"""

from __future__ import annotations

from optimizers.adagrad import ADAGRAD
from optimizers.adam import ADAM
from optimizers.base import Hyper, Optimizer
from optimizers.engine import Run, simulate
from optimizers.momentum import MOMENTUM
from optimizers.nesterov import NESTEROV
from optimizers.rmsprop import RMSPROP
from optimizers.sgd import SGD

OPTIMIZERS: dict[str, Optimizer] = {
    opt.name: opt for opt in (SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM)
}

__all__ = ["OPTIMIZERS", "Hyper", "Optimizer", "Run", "simulate"]
