"""SGD: a step straight down the gradient.

    x += -lr * dx

Equals ``torch.optim.SGD(params, lr=lr)``.
"""

from __future__ import annotations

from optimizers.base import Optimizer, learning_rate


def init(x):
    return {}


def update(x, dx, state, t, lr):
    x += -lr * dx


SGD = Optimizer(
    name="sgd",
    title="SGD",
    hyper=(learning_rate(0.01),),
    init=init,
    update=update,
    latex=r"x \leftarrow x - \mathrm{lr}\,\nabla f(x)",
    torch="torch.optim.SGD(params, lr=lr)",
)
