"""Momentum: a ball rolling down the loss, with friction ``1 - mu``.

    v = mu * v - lr * dx    # integrate velocity
    x += v                  # integrate position

``v`` starts at zero. This is the lecture's form (Sutskever et al.). For a
constant ``lr`` it equals ``torch.optim.SGD(params, lr=lr, momentum=mu)``,
whose buffer is ``b = mu * b + dx`` with ``x -= lr * b``, so ``v = -lr * b``.
When ``lr`` changes from step to step the two differ: here a new ``lr``
scales only the new gradient, in torch it rescales the whole buffer.
``mu = 0`` is SGD; ``mu = 1`` has no friction and never settles.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import MU, Optimizer, learning_rate


def init(x):
    return {"v": np.zeros_like(x)}


def update(x, dx, state, t, lr, mu):
    v = state["v"]
    v = mu * v - lr * dx  # integrate velocity
    x += v  # integrate position
    state["v"] = v


MOMENTUM = Optimizer(
    name="momentum",
    title="Momentum",
    hyper=(learning_rate(0.01), MU),
    init=init,
    update=update,
    latex=(
        r"v \leftarrow \mu\, v - \mathrm{lr}\,\nabla f(x) \\ "
        r"x \leftarrow x + v"
    ),
    torch="torch.optim.SGD(params, lr=lr, momentum=mu)",
)
