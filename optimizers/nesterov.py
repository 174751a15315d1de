"""Nesterov momentum, in the lecture's rewritten form.

The textbook form evaluates the gradient at the look-ahead point::

    v = mu * v - lr * d(x + mu * v)
    x += v

Renaming the look-ahead point ``x + mu * v`` as ``x`` gives the form that
needs only the gradient at ``x``, which is the one that runs here::

    v_prev = v
    v = mu * v - lr * dx
    x += -mu * v_prev + (1 + mu) * v

So ``x`` here is the look-ahead point; the textbook position is ``x - mu * v``.
For a constant ``lr`` this is exactly
``torch.optim.SGD(params, lr=lr, momentum=mu, nesterov=True)``.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import MU, Optimizer, learning_rate


def init(x):
    return {"v": np.zeros_like(x)}


def update(x, dx, state, t, lr, mu):
    v = state["v"]
    v_prev = v
    v = mu * v - lr * dx
    x += -mu * v_prev + (1 + mu) * v
    state["v"] = v


NESTEROV = Optimizer(
    name="nesterov",
    title="Nesterov",
    hyper=(learning_rate(0.01), MU),
    init=init,
    update=update,
    latex=(
        r"v_{\mathrm{prev}} \leftarrow v \\ "
        r"v \leftarrow \mu\, v - \mathrm{lr}\,\nabla f(x) \\ "
        r"x \leftarrow x - \mu\, v_{\mathrm{prev}} + (1 + \mu)\, v"
    ),
    torch="torch.optim.SGD(params, lr=lr, momentum=mu, nesterov=True)",
)
