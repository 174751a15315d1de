"""What an optimizer's state says at each step: effective step sizes and arrows.

Every rule of the lecture moves ``x`` by some per-axis factor times a
direction (the gradient, the velocity or the first moment). The *effective
step size* is that factor:

* SGD, Momentum, Nesterov: ``lr`` on both axes (momentum adds the velocity on
  top), under a schedule the lr of that step;
* AdaGrad, RMSProp: ``lr / (sqrt(cache) + eps)``;
* Adam: ``lr / (1 - beta1**t) / (sqrt(v / (1 - beta2**t)) + eps)``, the factor
  on ``m``, with both corrections 1 when bias correction is off.

On the ravine AdaGrad's factor falls towards zero as its cache only grows,
while RMSProp's and Adam's settle: the lecture's "Q2".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizers import Run


def effective_step_sizes(run: Run) -> np.ndarray:
    """Per-axis effective step size after each step, shape ``(steps + 1, 2)``.

    Row ``k`` is the factor the rule would apply at step ``k + 1`` given the
    state after step ``k`` (row 0 uses the initial zero state, where the
    adaptive rules have no history yet: NaN there). Needs a single run made
    with ``record_state=True``.
    """
    if run.batched:
        raise ValueError("effective step sizes are computed for one run at a time")
    if run.states is None:
        raise ValueError("simulate(..., record_state=True) keeps the state this needs")
    hp = run.hyper
    n = run.points.shape[0]
    name = run.optimizer.name
    # Row k is applied at step k + 1: its lr (under a schedule); the last row repeats it.
    lr_steps = run.lr_at()
    lr = np.append(lr_steps, lr_steps[-1:] if lr_steps.size else hp["lr"])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if name in ("sgd", "momentum", "nesterov"):
            return np.broadcast_to(lr, (n, 2)).copy()
        if name in ("adagrad", "rmsprop"):
            sizes = lr / (np.sqrt(run.states["cache"]) + hp["eps"])
        elif name == "adam":
            t = np.arange(n, dtype=float)[:, None]
            on = bool(hp["bias_correction"])
            c1 = 1 - hp["beta1"] ** t if on else np.ones_like(t)
            c2 = 1 - hp["beta2"] ** t if on else np.ones_like(t)
            sizes = lr / c1 / (np.sqrt(run.states["v"] / c2) + hp["eps"])
        else:
            raise ValueError(f"no effective step size for {name!r}")
    sizes = np.array(sizes, dtype=float)
    sizes[0] = np.nan  # no history yet
    return sizes


@dataclass(frozen=True)
class Arrows:
    """Vectors to draw at step ``k``, each from ``origin`` (``None`` if the rule has none).

    ``grad`` is the gradient the next update uses (scaled by ``-lr`` so it
    points where plain SGD would step); ``velocity`` the momentum velocity
    ``v`` or Adam's step direction from ``m``; ``lookahead`` for Nesterov, the
    textbook position ``x - mu * v`` from which the look-ahead point ``x`` (where
    the gradient is taken) is reached.
    """

    origin: np.ndarray
    grad: np.ndarray | None
    velocity: np.ndarray | None
    textbook_position: np.ndarray | None


def arrows_at(run: Run, k: int) -> Arrows:
    """The arrows at step ``k`` (0 <= k <= steps) of a single run with recorded state."""
    if run.states is None or run.batched:
        raise ValueError("arrows need one run simulated with record_state=True")
    k = int(np.clip(k, 0, run.steps))
    origin = run.points[k]
    # The lr (and Nesterov's mu) of step k + 1, the update these arrows lead into:
    # under a schedule they change from step to step.
    nxt = min(k, run.steps - 1)
    lr = float(run.lr_at()[nxt]) if run.steps else float(run.hyper["lr"])
    grad = -lr * run.states["grad"][k] if k < run.steps else None
    velocity = None
    textbook = None
    name = run.optimizer.name
    if name in ("momentum", "nesterov"):
        velocity = run.states["v"][k]
        if name == "nesterov":
            mus = run.schedule.mus(run.steps) if run.schedule is not None else None
            mu = float(mus[nxt]) if mus is not None and run.steps else float(run.hyper["mu"])
            textbook = origin - mu * velocity
    elif name == "adam":
        velocity = -lr * run.states["m"][k]
    return Arrows(origin=origin, grad=grad, velocity=velocity, textbook_position=textbook)
