"""Adam: RMSProp with momentum, plus bias correction.

    m = beta1 * m + (1 - beta1) * dx       # first moment
    v = beta2 * v + (1 - beta2) * dx**2    # second moment
    m_hat = m / (1 - beta1**t)             # bias correction
    v_hat = v / (1 - beta2**t)
    x += -lr * m_hat / (np.sqrt(v_hat) + eps)

``m`` and ``v`` start at zero, so in the first steps they are too small;
dividing by ``1 - beta**t`` (``t`` counting steps from 1) undoes that. With
``bias_correction=False`` this is the lecture notes' "incomplete, but close"
Adam, whose first steps are too large: for a steady gradient the step is
``lr * (1 - beta1**t) / sqrt(1 - beta2**t)``, 3.2 lr at the first step and up
to 6.6 lr around step 12 with the default betas. With it, equals
``torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)``.
"""

from __future__ import annotations

import numpy as np

from optimizers.base import EPS, Hyper, Optimizer, learning_rate

BETA1 = Hyper("beta1", 0.9, low=0.0, high=1.0, high_open=True,
              help="decay of the first moment (the momentum)")
BETA2 = Hyper("beta2", 0.999, low=0.0, high=1.0, high_open=True,
              help="decay of the second moment (the RMSProp cache)")
BIAS_CORRECTION = Hyper("bias_correction", True, kind="bool",
                        help="divide m and v by 1 - beta**t (off: the notes' Adam)")


def init(x):
    return {"m": np.zeros_like(x), "v": np.zeros_like(x)}


def update(x, dx, state, t, lr, beta1, beta2, eps, bias_correction):
    m, v = state["m"], state["v"]
    m *= beta1
    m += (1 - beta1) * dx  # m = beta1 * m + (1 - beta1) * dx: first moment
    v *= beta2
    v += (1 - beta2) * dx**2  # v = beta2 * v + (1 - beta2) * dx**2: second moment
    # Bias correction, m_hat = m / c1 and v_hat = v / c2 (c = 1 where it is off),
    # folded into the step size as in Kingma & Ba (section 2): the same update
    # x += -lr * m_hat / (np.sqrt(v_hat) + eps), with two passes fewer.
    c1 = np.where(bias_correction, 1 - beta1**t, 1.0)
    c2 = np.where(bias_correction, 1 - beta2**t, 1.0)
    x += -lr * np.sqrt(c2) / c1 * m / (np.sqrt(v) + eps * np.sqrt(c2))


ADAM = Optimizer(
    name="adam",
    title="Adam",
    hyper=(learning_rate(0.001), BETA1, BETA2, EPS, BIAS_CORRECTION),
    init=init,
    update=update,
    latex=(
        r"m \leftarrow \beta_1 m + (1 - \beta_1)\,\nabla f(x) \\ "
        r"v \leftarrow \beta_2 v + (1 - \beta_2)\,(\nabla f(x))^2 \\ "
        r"\hat m = \frac{m}{1 - \beta_1^t},\quad \hat v = \frac{v}{1 - \beta_2^t} \\ "
        r"x \leftarrow x - \mathrm{lr}\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}"
    ),
    torch="torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)",
)
