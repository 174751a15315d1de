"""AdaGrad: divide each coordinate's step by the root of its summed squared gradients.

    cache += dx**2
    x += -lr * dx / (np.sqrt(cache) + eps)

``cache`` starts at zero and only grows, so the effective step size
``lr / (sqrt(cache) + eps)`` decays towards zero on a long run. ``eps`` sits
outside the square root. Equals ``torch.optim.Adagrad(params, lr=lr, eps=eps)``.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import EPS, Optimizer, learning_rate


def init(x):
    return {"cache": np.zeros_like(x)}


def update(x, dx, state, t, lr, eps):
    cache = state["cache"]
    cache += dx**2  # second moment, summed
    x += -lr * dx / (np.sqrt(cache) + eps)


ADAGRAD = Optimizer(
    name="adagrad",
    title="AdaGrad",
    hyper=(learning_rate(0.01), EPS),
    init=init,
    update=update,
    latex=(
        r"c \leftarrow c + (\nabla f(x))^2 \\ "
        r"x \leftarrow x - \mathrm{lr}\,\frac{\nabla f(x)}{\sqrt{c} + \epsilon}"
    ),
    torch="torch.optim.Adagrad(params, lr=lr, eps=eps)",
)
