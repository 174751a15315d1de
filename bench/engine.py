"""Engine speed: a batch of Adam runs on the ravine against torch.optim.Adam and per-run loops.

    python -m bench.engine                      # 20,000 runs x 500 steps, 5 repetitions
    python -m bench.engine --runs 2000 --steps 100 --reps 3

Every contender runs Adam (lr = 0.3, betas (0.9, 0.999), eps = 1e-8) on the
ravine (kappa = 50, angle = 0) from the same starts, in float64:

* ``simulate``: this engine, all runs in one call. It also records every
  position and loss, (steps + 1) x runs x 3 floats (240 MB at full size),
  which none of the baselines do.
* torch, canonical loop: ``torch.optim.Adam([p], foreach=False)`` on one
  (runs, 2) tensor, one thread, with ``zero_grad``, the loss, ``backward`` and
  ``step`` each step, as a training loop is written.
* torch, bare step: the same optimizer, the gradient assigned by hand
  (``p.grad = p * lam``) and only ``step()`` called: torch's update alone.
* per-run ``simulate``: the same engine called once per run (a loop over
  runs), timed on a few runs and scaled to the full count.
* plain NumPy loop: the lecture's lines on one (2,) array per run, no
  recording, also timed on a few runs and scaled.

The machine is shared and noisy, so after one untimed warm-up round the
contenders run interleaved, in turn, several times, each timed by the CPU
time of this process (user + system, page faults included), which other
work on the machine disturbs less than the wall clock. The table reports
each one's median, the system part of it, and its ratio to ``simulate``'s
median, by CPU time and by user time alone (a ratio above 1 means the
baseline is slower).

Nothing here tunes the allocator: the engine no longer sets glibc's
``mallopt`` thresholds when it is imported, and this benchmark does not set
them either (measured: setting them would make the batched rows 1% to 7%
faster), so the numbers are those a server, which must not inherit a
benchmark's tuning, would see.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.timing import interleaved, user_system
from optimizers import simulate
from surfaces import ravine

HYPER = {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
KAPPA = 50.0


def starts(runs: int, seed: int = 0) -> np.ndarray:
    """``runs`` starts scattered around the ravine's default start, shape (runs, 2)."""
    surface = ravine(kappa=KAPPA)
    return np.asarray(surface.start) + np.random.default_rng(seed).normal(size=(runs, 2))


def ours(start: np.ndarray, steps: int, keep_path: bool = True) -> Callable[[], object]:
    surface = ravine(kappa=KAPPA)
    return lambda: simulate(surface, "adam", start=start, steps=steps, keep_path=keep_path,
                            **HYPER)


def per_run_simulate(start: np.ndarray, steps: int) -> Callable[[], object]:
    surface = ravine(kappa=KAPPA)
    return lambda: [simulate(surface, "adam", start=s, steps=steps, **HYPER) for s in start]


def plain_numpy_loop(start: np.ndarray, steps: int) -> Callable[[], object]:
    """The lecture's Adam with bias correction, one run at a time on a (2,) array."""
    lam = np.array([1 / KAPPA, 1.0])
    lr, beta1, beta2, eps = HYPER["lr"], HYPER["beta1"], HYPER["beta2"], HYPER["eps"]

    def run_all() -> np.ndarray:
        finals = []
        for s in start:
            x, m, v = s.copy(), np.zeros(2), np.zeros(2)
            for t in range(1, steps + 1):
                dx = lam * x
                m = beta1 * m + (1 - beta1) * dx
                v = beta2 * v + (1 - beta2) * dx**2
                m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
                x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
            finals.append(x)
        return np.array(finals)

    return run_all


def _torch_adam(start: np.ndarray):
    """One (runs, 2) float64 tensor, its single-tensor torch.optim.Adam, and the ravine's
    Hessian diagonal (1 / kappa, 1)."""
    import torch

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]),
                           eps=HYPER["eps"], foreach=False)
    return torch, p, opt, torch.tensor([1 / KAPPA, 1.0], dtype=torch.float64)


def torch_canonical(start: np.ndarray, steps: int) -> Callable[[], object]:
    def run():
        _, p, opt, lam = _torch_adam(start)
        for _ in range(steps):
            opt.zero_grad()
            loss = (0.5 * (p * p * lam).sum(dim=1)).sum()
            loss.backward()
            opt.step()
        return p

    return run


def torch_bare(start: np.ndarray, steps: int) -> Callable[[], object]:
    def run():
        torch, p, opt, lam = _torch_adam(start)
        for _ in range(steps):
            with torch.no_grad():
                p.grad = p * lam
            opt.step()
        return p

    return run


def torch_version(wanted: bool = True) -> str | None:
    """torch's version if it is installed (and wanted), else None; sets it to one thread."""
    if not wanted or importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(1)
    return torch.__version__


def measure(runs: int = 20_000, steps: int = 500, reps: int = 5, sampled_runs: int = 200,
            with_torch: bool = True) -> dict[str, dict[str, Any]]:
    """Median CPU seconds per contender for ``runs`` runs (per-run loops scaled from a sample).

    Returns ``{name: {"seconds": median CPU time, "ratio": that / simulate's,
    "user": median user time, "user_ratio": that / simulate's, "system": median
    system time, "times": [CPU time of each repetition], "scaled_from": runs
    actually timed}}``. System time is mostly the kernel handing out fresh
    pages (first touch of simulate's record arrays); on a shared virtual
    machine it swings widely, so the user-time ratio is given beside it.
    """
    start = starts(runs)
    sample = start[: max(1, min(sampled_runs, runs))]
    contenders = {"simulate (batched)": (ours(start, steps), runs),
                  "simulate (batched, keep_path=False)": (ours(start, steps, keep_path=False),
                                                          runs)}
    if torch_version(with_torch):
        contenders["torch Adam, canonical loop"] = (torch_canonical(start, steps), runs)
        contenders["torch Adam, bare step()"] = (torch_bare(start, steps), runs)
    contenders["simulate, one run at a time"] = (per_run_simulate(sample, steps), len(sample))
    contenders["plain NumPy loop, one run at a time"] = (plain_numpy_loop(sample, steps),
                                                         len(sample))
    # Warm-up (imports, caches, first page faults), then interleaved in a rotating order.
    times = interleaved({name: fn for name, (fn, _) in contenders.items()}, reps,
                        clock=user_system)
    names = list(contenders)
    user = {name: [t[0] * runs / contenders[name][1] for t in times[name]] for name in names}
    system = {name: [t[1] * runs / contenders[name][1] for t in times[name]] for name in names}
    results = {}
    for name in names:
        cpu = [u + s for u, s in zip(user[name], system[name], strict=True)]
        results[name] = {"seconds": statistics.median(cpu), "user": statistics.median(user[name]),
                         "system": statistics.median(system[name]), "times": cpu,
                         "scaled_from": contenders[name][1]}
    base = results["simulate (batched)"]
    for r in results.values():
        r["ratio"] = r["seconds"] / base["seconds"]
        r["user_ratio"] = r["user"] / base["user"]
    return results


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sampled-runs", type=int, default=200,
                        help="runs timed for the one-run-at-a-time loops (then scaled)")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch baselines")
    args = parser.parse_args(argv)
    version = torch_version(not args.no_torch)
    results = measure(args.runs, args.steps, args.reps, args.sampled_runs, version is not None)
    recorded = (args.steps + 1) * args.runs * 3 * 8
    print(f"Adam on the ravine, {args.runs:,} runs x {args.steps} steps, float64: "
          f"median CPU time of {args.reps} interleaved repetitions")
    print(f"(simulate also records positions and losses: {recorded / 1e6:,.0f} MB; "
          f"with keep_path=False the losses only: {recorded / 3e6:,.0f} MB)")
    if version is None:
        print("torch.optim baselines skipped: torch is not installed (or --no-torch)")
    else:
        print(f"torch {version}, one thread, foreach=False")
    print(f"{'contender':<38}{'CPU s':>9}{'(system)':>10}{'ratio':>8}{'user-time ratio':>17}")
    for name, r in results.items():
        scaled = (f"  (scaled from {r['scaled_from']} runs)"
                  if r["scaled_from"] != args.runs else "")
        print(f"{name:<38}{r['seconds']:>9.3f}{r['system']:>10.3f}{r['ratio']:>8.2f}"
              f"{r['user_ratio']:>17.2f}{scaled}")
    print("ratio: the contender's CPU time (user + system) over simulate's; above 1, "
          "simulate is faster")
    ours_times = results["simulate (batched)"]["times"]
    spread = max(ours_times) / min(ours_times)
    if spread > 1.5:
        print(f"note: simulate's times spread by a factor {spread:.1f}: the machine was busy")
    return results


if __name__ == "__main__":
    main()
