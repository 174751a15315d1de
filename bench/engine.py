"""Engine speed: a batch of Adam runs on the ravine against a bare NumPy loop of the same lines.

    python -m bench.engine                      # 20,000 runs x 500 steps, 5 repetitions
    python -m bench.engine --runs 2000 --steps 100 --reps 3

Every contender runs Adam (lr = 0.3, betas (0.9, 0.999), eps = 1e-8) on the ravine
(kappa = 50) from the same starts, in float64; docs/api.md ("Speed") says what each one
does and does not do. Each is timed by this process's CPU time (user + system), in
interleaved rounds; the table gives the medians and each one's ratio to the bare loop.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def bare_numpy_loop(start: np.ndarray, steps: int) -> Callable[[], np.ndarray]:
    """The lecture's Adam with bias correction on all runs at once, as a (2, runs) array:
    the lines of ``optimizers/adam.py`` (without its switch for the correction) with
    nothing around them. Returns the final positions, (runs, 2)."""
    lam = np.array([[1 / KAPPA], [1.0]])  # the ravine's Hessian diagonal: its gradient is lam * x
    lr, beta1, beta2, eps = HYPER["lr"], HYPER["beta1"], HYPER["beta2"], HYPER["eps"]

    def run() -> np.ndarray:
        x = np.array(start.T, order="C")
        m, v = np.zeros_like(x), np.zeros_like(x)
        for t in range(1, steps + 1):
            dx = lam * x
            m = beta1 * m + (1 - beta1) * dx
            v = beta2 * v + (1 - beta2) * dx**2
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            x += -lr * m_hat / (np.sqrt(v_hat) + eps)
        return x.T

    return run


def recording_numpy_loop(start: np.ndarray, steps: int) -> Callable[[], tuple]:
    """:func:`bare_numpy_loop` producing what ``simulate`` returns besides: the loss at
    every position (the ravine's ``0.5 * (x * dx)`` summed over the two axes) and every
    position, stored in arrays made for the call: the floor of what the engine must do.
    Nothing is checked. Returns the positions (steps + 1, 2, runs) and losses (steps + 1,
    runs)."""
    lam = np.array([[1 / KAPPA], [1.0]])
    lr, beta1, beta2, eps = HYPER["lr"], HYPER["beta1"], HYPER["beta2"], HYPER["eps"]

    def run() -> tuple[np.ndarray, np.ndarray]:
        x = np.array(start.T, order="C")
        m, v = np.zeros_like(x), np.zeros_like(x)
        points, losses = np.empty((steps + 1, *x.shape)), np.empty((steps + 1, x.shape[1]))
        points[0] = x
        for t in range(1, steps + 1):
            dx = lam * x
            losses[t - 1] = 0.5 * (x * dx).sum(axis=0)
            m = beta1 * m + (1 - beta1) * dx
            v = beta2 * v + (1 - beta2) * dx**2
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            x += -lr * m_hat / (np.sqrt(v_hat) + eps)
            points[t] = x
        losses[steps] = 0.5 * (x * (lam * x)).sum(axis=0)
        return points, losses

    return run


def plain_numpy_loop(start: np.ndarray, steps: int) -> Callable[[], np.ndarray]:
    """:func:`bare_numpy_loop` one run at a time. Returns the final positions, (runs, 2)."""
    return lambda: np.array([bare_numpy_loop(s[None], steps)()[0] for s in start])


def torch_adam(start: np.ndarray, steps: int, canonical: bool) -> Callable[[], object]:
    """torch.optim.Adam (single tensor) on one (runs, 2) float64 tensor: a canonical loop
    (``zero_grad``, the loss, ``backward``, ``step``), or the gradient set by hand and
    ``step()`` alone."""
    def run():
        import torch

        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]),
                               eps=HYPER["eps"], foreach=False)
        lam = torch.tensor([1 / KAPPA, 1.0], dtype=torch.float64)
        for _ in range(steps):
            if canonical:
                opt.zero_grad()
                (0.5 * (p * p * lam).sum(dim=1)).sum().backward()
            else:
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


def release(nbytes: int) -> None:
    """Touch ``nbytes`` of fresh memory and free it: the kernel then holds that much in free
    pages (huge pages where it can), ready for the next allocation of that size."""
    np.ones(nbytes // 8)


OURS = "simulate (batched)"
BARE = "bare NumPy loop (batched)"
RECORDING = "bare NumPy loop, recording (batched)"
KEEP_LOSSES = "simulate (batched, keep_path=False)"


def measure(runs: int = 20_000, steps: int = 500, reps: int = 5, sampled_runs: int = 200,
            with_torch: bool = True) -> dict[str, dict[str, Any]]:
    """``{contender: {"seconds", "user", "system": medians of ``reps`` rounds, "times": each
    round's CPU seconds, "vs_bare", "user_vs_bare": / the bare loop's, "scaled_from": runs
    timed}}``; the loops one run at a time are timed on ``sampled_runs`` runs and scaled."""
    start = starts(runs)
    sample = start[: max(1, min(sampled_runs, runs))]
    contenders = {OURS: (ours(start, steps), runs),
                  KEEP_LOSSES: (ours(start, steps, keep_path=False), runs),
                  BARE: (bare_numpy_loop(start, steps), runs),
                  RECORDING: (recording_numpy_loop(start, steps), runs)}
    if torch_version(with_torch):
        contenders["torch Adam, canonical loop"] = (torch_adam(start, steps, True), runs)
        contenders["torch Adam, bare step()"] = (torch_adam(start, steps, False), runs)
    contenders["simulate, one run at a time"] = (per_run_simulate(sample, steps), len(sample))
    contenders["plain NumPy loop, one run at a time"] = (plain_numpy_loop(sample, steps),
                                                         len(sample))
    # Before each call that records, its records' worth of memory is touched and freed,
    # untimed, so that the kernel's compaction of memory fragmented by other processes
    # does not fall on one contender alone.
    record_bytes = (steps + 1) * runs * 8
    settle = {OURS: lambda: release(3 * record_bytes), KEEP_LOSSES: lambda: release(record_bytes),
              RECORDING: lambda: release(3 * record_bytes)}
    times = interleaved({name: fn for name, (fn, _) in contenders.items()}, reps,
                        clock=user_system, prepare=settle)
    results = {}
    for name, (_, timed) in contenders.items():
        user, system = (np.array(times[name]) * runs / timed).T
        results[name] = {"seconds": float(np.median(user + system)),
                         "user": float(np.median(user)), "system": float(np.median(system)),
                         "times": list(user + system), "scaled_from": timed}
    for r in results.values():
        r["vs_bare"] = r["seconds"] / results[BARE]["seconds"]
        r["user_vs_bare"] = r["user"] / results[BARE]["user"]
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
    print(f"Adam on the ravine, {args.runs:,} runs x {args.steps} steps, float64: median CPU "
          f"time of {args.reps} rounds; torch {version or 'skipped'} (one thread, foreach=False)")
    print(f"{'contender':<38}{'CPU s':>9}{'(system)':>10}{'/ bare loop':>13}{'user / bare':>13}")
    for name, r in results.items():
        scaled = (f"  (scaled from {r['scaled_from']} runs)"
                  if r["scaled_from"] != args.runs else "")
        print(f"{name:<38}{r['seconds']:>9.3f}{r['system']:>10.3f}{r['vs_bare']:>12.2f}x"
              f"{r['user_vs_bare']:>12.2f}x{scaled}")
    return results


if __name__ == "__main__":
    main()
