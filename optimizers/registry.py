"""``OPTIMIZERS``: the six update rules of the lecture, by name, in the lecture's order."""

from __future__ import annotations

from optimizers.adagrad import ADAGRAD
from optimizers.adam import ADAM
from optimizers.base import Optimizer
from optimizers.momentum import MOMENTUM
from optimizers.nesterov import NESTEROV
from optimizers.rmsprop import RMSPROP
from optimizers.sgd import SGD

OPTIMIZERS: dict[str, Optimizer] = {
    opt.name: opt for opt in (SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM)
}
