"""Phase-map time: one batched run of the whole grid against one run per cell.

    python -m bench.phase                    # 100 x 100 grid, 300 steps, 3 repetitions
    python -m bench.phase --size 30 --steps 100

The map is the one the page draws for Momentum on the lecture's ravine
(kappa = 50): ``analysis.phase_map`` over log-spaced lr (1e-3 to 3) x mu (0
to 0.99), from the ravine's start. The baseline is the same function called
once per cell (a 1 x 1 map, so the same engine and the same summary, without
the batch), timed on a sample of cells spread over the grid and scaled to the
whole grid. After an untimed warm-up the two run interleaved; each time is
the median CPU time of this process. Ratio: per cell / batched (above 1, the
batch is faster).
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from analysis.phase_map import PhaseMap, log_grid, phase_map
from bench.timing import interleaved
from surfaces import make_surface

OPTIMIZER = "momentum"
KAPPA = 50


def axes(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid's lr values (log-spaced) and mu values, ``size`` of each."""
    return log_grid(1e-3, 3.0, size), np.linspace(0.0, 0.99, size)


def batched(size: int, steps: int) -> PhaseMap:
    lrs, mus = axes(size)
    return phase_map(make_surface("ravine", kappa=KAPPA), OPTIMIZER, lrs, mus, steps=steps)


def sample_cells(size: int, cells: int) -> list[tuple[int, int]]:
    """``cells`` (row, column) pairs spread evenly over the grid (all of it if smaller)."""
    flat = np.unique(np.linspace(0, size * size - 1, min(cells, size * size)).astype(int))
    return [divmod(int(k), size) for k in flat]


def cell_by_cell(size: int, steps: int, cells: list[tuple[int, int]]) -> list[PhaseMap]:
    """A 1 x 1 map for each (row, column) cell: the grid one run at a time."""
    lrs, mus = axes(size)
    surface = make_surface("ravine", kappa=KAPPA)
    return [phase_map(surface, OPTIMIZER, [lrs[j]], [mus[i]], steps=steps) for i, j in cells]


def measure(size: int = 100, steps: int = 300, reps: int = 3,
            sampled_cells: int = 200) -> dict[str, dict[str, float]]:
    """Median CPU seconds for the whole grid: batched, and per cell (scaled from a sample).

    Returns ``{name: {"seconds", "times", "scaled_from"}}`` and, for the per-cell
    loop, ``"ratio"``: its time over the batched one's.
    """
    cells = sample_cells(size, sampled_cells)
    contenders = {"phase_map (one batch)": (lambda: batched(size, steps), size * size),
                  "phase_map per cell": (lambda: cell_by_cell(size, steps, cells), len(cells))}
    raw = interleaved({name: fn for name, (fn, _) in contenders.items()}, reps)
    times = {name: [t * size * size / contenders[name][1] for t in ts] for name, ts in raw.items()}
    results = {name: {"seconds": statistics.median(t), "times": t,
                      "scaled_from": contenders[name][1]} for name, t in times.items()}
    base = results["phase_map (one batch)"]["seconds"]
    for r in results.values():
        r["ratio"] = r["seconds"] / base
    return results


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100, help="cells along each axis")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sampled-cells", type=int, default=200,
                        help="cells timed one at a time (then scaled to the grid)")
    args = parser.parse_args(argv)
    results = measure(args.size, args.steps, args.reps, args.sampled_cells)
    print(f"Phase map, {OPTIMIZER} on the ravine (kappa {KAPPA}), {args.size} x {args.size} "
          f"lr x mu, {args.steps} steps: median CPU time of {args.reps} interleaved runs")
    for name, r in results.items():
        scaled = (f"  (scaled from {r['scaled_from']} cells)"
                  if r["scaled_from"] != args.size ** 2 else "")
        print(f"  {name:<24}{r['seconds']:>9.3f} s{r['ratio']:>8.1f}x{scaled}")
    return results


if __name__ == "__main__":
    main()
