"""Runs in one batch against the same runs one at a time: a phase map, and a fan of seeds.

    python -m bench.phase --size 30 --steps 100
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from analysis.phase_map import PhaseMap, log_grid, phase_map
from bench.rows import Row, print_rows
from bench.timing import medians
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


def fan_contenders() -> dict[str, object]:
    """The lecture's SGD run with a fan of 8 seeds (one batch), and as 8 separate runs."""
    from scenes import DEFAULT_SCENE
    from scenes.compute import build_surface, trajectory
    from scenes.dynamics import Dynamics

    surface = build_surface(DEFAULT_SCENE.surface_key)
    run, start, steps = DEFAULT_SCENE.runs[0], DEFAULT_SCENE.start, DEFAULT_SCENE.steps
    fan = Dynamics(noise=0.5, seed=7, fan=8)
    return {"fan": lambda: trajectory(surface, run, start, steps, fan),
            "runs": lambda: [trajectory(surface, run, start, steps, replace(fan, seed=s, fan=1))
                             for s in range(7, 15)]}


def measure(size: int = 100, steps: int = 300, reps: int = 3,
            sampled_cells: int = 200) -> list[Row]:
    cells = sample_cells(size, sampled_cells)
    t = medians({"batch": lambda: batched(size, steps),
                 "cells": lambda: cell_by_cell(size, steps, cells)}, reps)
    fan = medians(fan_contenders(), reps)
    return [Row(f"phase map {size} x {size}, {steps} steps, CPU time", t["batch"],
                t["cells"] * size * size / len(cells), "s",
                f"one run per cell (scaled from {len(cells)} cells)"),
            Row("a run with its fan of 8 seeds, CPU time", fan["fan"], fan["runs"], "s",
                "8 separate runs")]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100, help="cells along each axis")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sampled-cells", type=int, default=200,
                        help="cells timed one at a time (then scaled to the grid)")
    args = parser.parse_args(argv)
    return measure(args.size, args.steps, args.reps, args.sampled_cells)


if __name__ == "__main__":
    print_rows(main(), legend=True)
