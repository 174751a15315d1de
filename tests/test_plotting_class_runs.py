"""The Class panel's figure (``plotting.class_runs``) without a page: many runs in one
trace, a diverged path cut where it leaves the plot, the target's level line.

References: made-up paths whose cut is worked out by hand, runs simulated here with
``optimizers.simulate``, and the surface's own loss at the target ring's grid.
"""

from __future__ import annotations

import numpy as np

from optimizers import simulate
from plotting.class_runs import ClassRun, class_figure, drawn_points, joined, target_rings
from scenes.compute import Trajectory
from surfaces import SURFACES
from tests.panel_page import decode

RAVINE = SURFACES["ravine"]


def figure_of(runs, **kwargs) -> dict:
    return class_figure(RAVINE, RAVINE.grid(40), runs, **kwargs).to_dict()


def sgd_runs(count: int) -> list[ClassRun]:
    """``count`` SGD runs on the ravine, lr spread from 0.05 to 2.2 (the last ones
    diverge), simulated here."""
    runs = []
    for lr in np.linspace(0.05, 2.2, count):
        run = simulate(RAVINE, "sgd", np.asarray(RAVINE.start, float), 120, lr=float(lr))
        runs.append(ClassRun(Trajectory(run.points, run.losses, run.diverged_at),
                             f"sgd:lr={lr:.3g}"))
    return runs


def test_five_hundred_runs_are_one_trace_broken_at_each_run():
    runs = sgd_runs(500)
    few, many = figure_of(runs[:1]), figure_of(runs)
    assert len(many["data"]) == len(few["data"])  # the class is one trace, however many
    (line,) = [t for t in many["data"] if t["name"] == "the class's runs (500)"]
    x, y = decode(line["x"]), decode(line["y"])
    gaps = np.flatnonzero(np.isnan(x))
    assert gaps.size == 500 and np.array_equal(gaps, np.flatnonzero(np.isnan(y)))
    first = runs[0].path.points
    assert np.allclose(np.column_stack([x, y])[:gaps[0]], first, rtol=1e-6, atol=1e-6)
    diverged = sum(run.path.diverged_at is not None for run in runs)
    assert 0 < diverged < 500
    assert any(t["name"] == f"diverged: last seen here ({diverged})" for t in many["data"])


def test_a_diverged_path_is_drawn_to_where_it_leaves_the_plot():
    domain = ((-2.0, 2.0), (-1.0, 1.0))
    points = np.array([[0, 0], [1, 0.5], [-1.5, -0.5], [3, 0], [np.nan, np.nan]], float)
    path = Trajectory(points, np.zeros(5), diverged_at=4)
    # From (-1.5, -0.5) to (3, 0): x = 2 at t = 3.5 / 4.5, where y = -0.5 + 0.5 t.
    t = 3.5 / 4.5
    assert np.allclose(drawn_points(path, domain),
                       [[0, 0], [1, 0.5], [-1.5, -0.5], [2, -0.5 + 0.5 * t]])
    stayed = Trajectory(points[:4], np.zeros(4), diverged_at=None)
    assert np.array_equal(drawn_points(stayed, domain), points[:4])  # not diverged: all
    inside = Trajectory(points[[0, 1, 4]], np.zeros(3), diverged_at=2)
    assert np.array_equal(drawn_points(inside, domain), points[:2])  # last seen inside


def test_paths_are_joined_with_one_gap_after_each():
    a, b = np.ones((3, 2)), np.zeros((2, 2))
    line = joined([a, b])
    assert line.shape == (7, 2)
    assert np.isnan(line[[3, 6]]).all() and not np.isnan(line[[0, 1, 2, 4, 5]]).any()
    assert joined([]).shape == (0, 2)


def test_the_target_ring_holds_the_level_around_the_minimum():
    target = 1e-3
    (ring,) = target_rings(RAVINE, target)
    xs, ys, z = ring
    assert np.allclose(z, RAVINE.f(*np.meshgrid(xs, ys)))
    edges = np.concatenate([z[0], z[-1], z[:, 0], z[:, -1]])
    assert edges.min() > target and z.min() < target  # the level closes inside the grid
    (mx, my), = RAVINE.minima
    assert xs[0] < mx < xs[-1] and ys[0] < my < ys[-1]
    fig = figure_of([], target=target)
    (contour,) = [t for t in fig["data"] if t["type"] == "contour"]
    assert contour["contours"]["start"] == contour["contours"]["end"] == target
    assert any(t["name"] == "target: loss 0.001 (dashed)" for t in fig["data"])
    assert not [t for t in figure_of([])["data"] if t["type"] == "contour"]  # no target


def test_the_class_lines_stay_see_through_on_a_dark_page():
    light, dark = figure_of(sgd_runs(2)), figure_of(sgd_runs(2), theme="dark")
    pick = lambda fig: next(t for t in fig["data"]  # noqa: E731
                            if t["name"].startswith("the class's runs ("))
    assert pick(light)["line"]["color"] == "rgba(0, 0, 0, 0.35)"
    assert pick(dark)["line"]["color"] == "rgba(255, 255, 255, 0.35)"
