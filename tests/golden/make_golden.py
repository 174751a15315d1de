"""Regenerate the torch.optim golden trajectories the optimizer tests compare against.

    python -m tests.golden.make_golden   # needs torch 2.13.0 (CPU); writes torch_trajectories.npz

Each case runs one ``torch.optim`` optimizer in float64 on one surface, with
the gradient computed by torch's autograd from the surface formula written
out again here in torch (not taken from ``surfaces/``), and records the
parameter after every step and the loss there. The tests then check that
``optimizers.simulate`` follows the same path to 1e-9 relative.

torch is a tool to regenerate this data, never a dependency of the tests:
they read only the ``.npz``. The engine is not imported here either, so the
data is an independent reference.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).with_name("torch_trajectories.npz")
STEPS = 400


def ravine(kappa: float, angle: float):
    """``0.5 * (u**2 / kappa + w**2)`` with ``(u, w)`` the point turned by ``angle`` degrees."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def f(p):
        u = p[0] * c + p[1] * s
        w = -p[0] * s + p[1] * c
        return 0.5 * (u**2 / kappa + w**2)

    return f


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


# surface key -> (library name, its parameters, torch formula, start)
SURFACES = {
    "ravine": ("ravine", {"kappa": 50.0, "angle": 0.0}, ravine(50.0, 0.0), (-8.0, 1.5)),
    "ravine_turned": ("ravine", {"kappa": 50.0, "angle": 30.0}, ravine(50.0, 30.0), (-7.0, -3.0)),
    "rosenbrock": ("rosenbrock", {}, rosenbrock, (-1.5, 2.0)),
}

def torch_optimizer(name: str, p: torch.Tensor, hp: dict) -> torch.optim.Optimizer:
    """The torch.optim counterpart of the lecture's rule ``name`` (single-tensor loops)."""
    if name == "sgd":
        return torch.optim.SGD([p], lr=hp["lr"], foreach=False)
    if name == "momentum":
        return torch.optim.SGD([p], lr=hp["lr"], momentum=hp["mu"], foreach=False)
    if name == "nesterov":
        return torch.optim.SGD([p], lr=hp["lr"], momentum=hp["mu"], nesterov=True, foreach=False)
    if name == "adagrad":
        return torch.optim.Adagrad([p], lr=hp["lr"], eps=hp["eps"], foreach=False)
    if name == "rmsprop":
        return torch.optim.RMSprop([p], lr=hp["lr"], alpha=hp["decay_rate"], eps=hp["eps"],
                                   foreach=False)
    if name == "adam":
        return torch.optim.Adam([p], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]),
                                eps=hp["eps"], foreach=False)
    raise ValueError(name)


# Hyperparameters per surface, as the lecture names them: settings that travel far in
# 400 steps without diverging (constant lr, as torch's equivalences require).
HYPER = {
    "ravine": {
        "sgd": {"lr": 1.5},
        "momentum": {"lr": 0.1, "mu": 0.9},
        "nesterov": {"lr": 0.1, "mu": 0.9},
        "adagrad": {"lr": 1.0, "eps": 1e-7},
        "rmsprop": {"lr": 0.05, "decay_rate": 0.9, "eps": 1e-7},
        "adam": {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    },
    "ravine_turned": {
        "sgd": {"lr": 0.5},
        "momentum": {"lr": 0.05, "mu": 0.95},
        "nesterov": {"lr": 0.2, "mu": 0.8},
        "adagrad": {"lr": 2.0, "eps": 1e-7},
        "rmsprop": {"lr": 0.02, "decay_rate": 0.99, "eps": 1e-7},
        "adam": {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8},
    },
    "rosenbrock": {
        "sgd": {"lr": 1e-3},
        "momentum": {"lr": 2e-4, "mu": 0.95},
        "nesterov": {"lr": 2e-4, "mu": 0.95},
        "adagrad": {"lr": 0.5, "eps": 1e-7},
        "rmsprop": {"lr": 1e-2, "decay_rate": 0.99, "eps": 1e-7},
        "adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    },
}


def trajectory(f, start, name: str, hp: dict, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (steps + 1, 2) and losses (steps + 1,) of torch's canonical training loop."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(name, p, hp)
    points, losses = [p.detach().clone()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        points.append(p.detach().clone())
    with torch.no_grad():
        losses.append(f(p).item())
    return torch.stack(points).numpy(), np.array(losses)


def main() -> None:
    torch.set_num_threads(1)
    arrays, cases = {}, []
    for key, (surface, params, f, start) in SURFACES.items():
        for name, hp in HYPER[key].items():
            case = f"{key}-{name}"
            points, losses = trajectory(f, start, name, hp, STEPS)
            arrays[f"{case}-points"] = points
            arrays[f"{case}-losses"] = losses
            cases.append({"case": case, "surface": surface, "params": params,
                          "start": start, "optimizer": name, "hyper": hp, "steps": STEPS})
    meta = {"torch": torch.__version__, "dtype": "float64", "cases": cases}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {len(cases)} trajectories of {STEPS} steps to {OUT} "
          f"({OUT.stat().st_size / 1024:.0f} KB, torch {torch.__version__})")


if __name__ == "__main__":
    main()
