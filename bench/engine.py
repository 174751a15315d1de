"""Engine speed: a batch of Adam runs on the ravine against a bare NumPy loop of the same lines.

    python -m bench.engine                      # 20,000 runs x 500 steps, 5 repetitions
    python -m bench.engine --runs 2000 --steps 100 --reps 3

Every contender runs Adam (lr = 0.3, betas (0.9, 0.999), eps = 1e-8) on the
ravine (kappa = 50, angle = 0) from the same starts, in float64:

* ``simulate``: this engine, all runs in one call. It also evaluates and
  records every loss and position, (steps + 1) x runs x 3 floats (240 MB at
  full size), checks every step for runs that left the finite world, and
  takes the gradient from the surface's ``value_and_grad``.
* the bare NumPy loop (the baseline): the lecture's lines as ``optimizers/adam.py``
  writes them (without its switch for the bias correction), on the same
  (2, runs) array, with the hyperparameters as Python numbers and the ravine's
  gradient inline (``dx = lam * x``), nothing recorded and nothing checked.
  ``simulate`` / this loop is what the engine adds.
* torch, canonical loop: ``torch.optim.Adam([p], foreach=False)`` on one
  (runs, 2) tensor, one thread, with ``zero_grad``, the loss, ``backward`` and
  ``step`` each step, as a training loop is written.
* torch, bare step: the same optimizer, the gradient assigned by hand
  (``p.grad = p * lam``) and only ``step()`` called: torch's update alone, for
  reference beside the bare NumPy loop.
* per-run ``simulate``: the same engine called once per run (a loop over
  runs), timed on a few runs and scaled to the full count.
* plain NumPy loop, one run at a time: the lecture's lines on one (2,) array
  per run, no recording, also timed on a few runs and scaled.

The machine is shared and noisy, so after one untimed warm-up round the
contenders run interleaved, in turn, several times, each timed by the CPU
time of this process (user + system, page faults included), which other
work on the machine disturbs less than the wall clock. Before each contender
that records, the same amount of memory is touched and freed, untimed, so that
none pays alone for the kernel compacting memory that other processes have
fragmented (the system time left is the kernel zeroing fresh pages). The table reports
each one's median, the system part of it, and its ratio to the bare NumPy
loop's median (ours / baseline: below 1 is faster than the bare loop), by
CPU time and by user time alone.

Nothing here tunes the allocator: the engine no longer sets glibc's
``mallopt`` thresholds when it is imported, and this benchmark does not set
them either, so the numbers are those a server, which must not inherit a
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
    """:func:`bare_numpy_loop` plus what ``simulate`` must produce: the loss and gradient
    from the surface's ``value_and_grad``, every position and loss recorded into fresh
    arrays. No check, no state handling: the floor under ``simulate``'s own bookkeeping."""
    surface = ravine(kappa=KAPPA)
    lr, beta1, beta2, eps = HYPER["lr"], HYPER["beta1"], HYPER["beta2"], HYPER["eps"]

    def run() -> tuple[np.ndarray, np.ndarray]:
        x = np.array(start.T, order="C")
        dx, m, v = np.empty_like(x), np.zeros_like(x), np.zeros_like(x)
        points, losses = np.empty((steps + 1, *x.shape)), np.empty((steps + 1, x.shape[1]))
        for t in range(1, steps + 1):
            losses[t - 1], (dx[0], dx[1]) = surface.value_and_grad(x[0], x[1])
            points[t - 1] = x
            m = beta1 * m + (1 - beta1) * dx
            v = beta2 * v + (1 - beta2) * dx**2
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            x += -lr * m_hat / (np.sqrt(v_hat) + eps)
        losses[steps] = surface.value_and_grad(x[0], x[1])[0]
        points[steps] = x
        return points, losses

    return run


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


def release(nbytes: int) -> None:
    """Touch ``nbytes`` of fresh memory and free it: the kernel then holds that much in free
    pages (huge pages where it can), ready for the next allocation of that size."""
    np.ones(nbytes // 8)


OURS = "simulate (batched)"
BARE = "bare NumPy loop (batched)"
RECORDING = "bare NumPy loop, recording as simulate"
TORCH_BARE = "torch Adam, bare step()"


def measure(runs: int = 20_000, steps: int = 500, reps: int = 5, sampled_runs: int = 200,
            with_torch: bool = True) -> dict[str, dict[str, Any]]:
    """Median CPU seconds per contender for ``runs`` runs (per-run loops scaled from a sample).

    Returns ``{name: {"seconds": median CPU time, "vs_bare": that / the bare
    NumPy loop's, "user": median user time, "user_vs_bare": that / the bare
    loop's, "ratio": seconds / simulate's, "user_ratio": user / simulate's,
    "system": median system time, "times": [CPU time of each repetition],
    "scaled_from": runs actually timed}}``. System time is mostly the kernel
    handing out fresh pages (first touch of simulate's record arrays); on a
    shared virtual machine it swings widely, so the user-time ratios are given
    beside it.
    """
    start = starts(runs)
    sample = start[: max(1, min(sampled_runs, runs))]
    contenders = {OURS: (ours(start, steps), runs),
                  "simulate (batched, keep_path=False)": (ours(start, steps, keep_path=False),
                                                          runs),
                  BARE: (bare_numpy_loop(start, steps), runs),
                  RECORDING: (recording_numpy_loop(start, steps), runs)}
    if torch_version(with_torch):
        contenders["torch Adam, canonical loop"] = (torch_canonical(start, steps), runs)
        contenders[TORCH_BARE] = (torch_bare(start, steps), runs)
    contenders["simulate, one run at a time"] = (per_run_simulate(sample, steps), len(sample))
    contenders["plain NumPy loop, one run at a time"] = (plain_numpy_loop(sample, steps),
                                                         len(sample))
    # Warm-up (imports, caches, first page faults), then interleaved in a rotating order.
    # Before each contender that records, its records' worth of memory is touched and freed,
    # untimed: whichever recorder comes first after other processes have fragmented the
    # machine's memory would otherwise pay alone for the kernel's compaction.
    record_bytes = (steps + 1) * runs * 8
    settle = {OURS: lambda: release(3 * record_bytes), RECORDING: lambda: release(3 * record_bytes),
              "simulate (batched, keep_path=False)": lambda: release(record_bytes)}
    times = interleaved({name: fn for name, (fn, _) in contenders.items()}, reps,
                        clock=user_system, prepare=settle)
    names = list(contenders)
    user = {name: [t[0] * runs / contenders[name][1] for t in times[name]] for name in names}
    system = {name: [t[1] * runs / contenders[name][1] for t in times[name]] for name in names}
    results = {}
    for name in names:
        cpu = [u + s for u, s in zip(user[name], system[name], strict=True)]
        results[name] = {"seconds": statistics.median(cpu), "user": statistics.median(user[name]),
                         "system": statistics.median(system[name]), "times": cpu,
                         "scaled_from": contenders[name][1]}
    for r in results.values():
        r["vs_bare"] = r["seconds"] / results[BARE]["seconds"]
        r["user_vs_bare"] = r["user"] / results[BARE]["user"]
        r["ratio"] = r["seconds"] / results[OURS]["seconds"]
        r["user_ratio"] = r["user"] / results[OURS]["user"]
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
    print(f"{'contender':<38}{'CPU s':>9}{'(system)':>10}{'/ bare loop':>13}{'user / bare':>13}")
    for name, r in results.items():
        scaled = (f"  (scaled from {r['scaled_from']} runs)"
                  if r["scaled_from"] != args.runs else "")
        print(f"{name:<38}{r['seconds']:>9.3f}{r['system']:>10.3f}{r['vs_bare']:>12.2f}x"
              f"{r['user_vs_bare']:>12.2f}x{scaled}")
    print("/ bare loop: the contender's CPU time (user + system) over the bare NumPy loop's "
          "(the lecture's lines, nothing recorded); below 1 is faster")
    ours_row, bare_row = results[OURS], results[BARE]
    torch_row = results.get(TORCH_BARE)
    beside = ("" if torch_row is None else
              f"; torch's bare step(): {torch_row['vs_bare']:.2f}x ({ms(torch_row['seconds'])})")
    print(f"what the engine adds: simulate / bare loop = {ours_row['vs_bare']:.2f}x "
          f"({ms(ours_row['seconds'])} against {ms(bare_row['seconds'])}){beside}")
    floor = results[RECORDING]
    print(f"of which producing the records (the loss and gradient from the surface, every "
          f"position and loss stored): {floor['vs_bare']:.2f}x; simulate / that: "
          f"{ours_row['seconds'] / floor['seconds']:.2f}x (checks, state, Python)")
    ours_times = ours_row["times"]
    spread = max(ours_times) / min(ours_times)
    if spread > 1.5:
        print(f"note: simulate's times spread by a factor {spread:.1f}: the machine was busy")
    return results


def ms(seconds: float) -> str:
    """``"162 ms"``, or ``"0.61 ms"`` below 10 ms."""
    return f"{seconds * 1e3:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


if __name__ == "__main__":
    main()
