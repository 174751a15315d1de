"""RMSProp: AdaGrad with a leaky cache, so the step size stops shrinking.

    cache = decay_rate * cache + (1 - decay_rate) * dx**2
    x += -lr * dx / (np.sqrt(cache) + eps)

(The lecture notes print the second line without its minus sign; that would
climb the loss.) ``cache`` starts at zero; ``eps`` sits outside the square
root. Equals ``torch.optim.RMSprop(params, lr=lr, alpha=decay_rate, eps=eps)``.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import EPS, Hyper, Optimizer, learning_rate

DECAY_RATE = Hyper("decay_rate", 0.99, low=0.0, high=1.0, high_open=True,
                   help="how much of the cache each step keeps")


def init(x):
    return {"cache": np.zeros_like(x)}


def update(x, dx, state, t, lr, decay_rate, eps):
    cache = state["cache"]
    cache = decay_rate * cache + (1 - decay_rate) * dx**2
    x += -lr * dx / (np.sqrt(cache) + eps)
    state["cache"] = cache


RMSPROP = Optimizer(
    name="rmsprop",
    title="RMSProp",
    hyper=(learning_rate(0.01), DECAY_RATE, EPS),
    init=init,
    update=update,
    latex=(
        r"c \leftarrow \rho\, c + (1 - \rho)\,(\nabla f(x))^2 \\ "
        r"x \leftarrow x - \mathrm{lr}\,\frac{\nabla f(x)}{\sqrt{c} + \epsilon}"
        r"\qquad (\rho = \text{decay\_rate})"
    ),
    torch="torch.optim.RMSprop(params, lr=lr, alpha=decay_rate, eps=eps)",
)
