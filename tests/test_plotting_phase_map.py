"""The phase-map figure: its cells, its colours, its boundary, its marks and its picker."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.phase_map import phase_map
from optimizers import simulate
from plotting.phase_map import (
    DIVERGED,
    DIVERGED_COLOR,
    METRIC_SCALE,
    NOT_CONVERGED,
    NOT_CONVERGED_COLOR,
    PICKER,
    MapMark,
    cell_edges,
    cell_of,
    phase_figure,
    picker_groups,
)
from surfaces import SURFACES
from tests.panel_page import decode

RAVINE = SURFACES["ravine"]
LRS = np.array([0.01, 0.1, 1.0, 2.5, 5.0])
MUS = np.array([0.0, 0.5, 0.9])


@pytest.fixture(scope="module")
def momentum_map():
    return phase_map(RAVINE, "momentum", LRS, MUS, steps=200)


def as_json(fig) -> dict:
    return json.loads(fig.to_json())


def traces(fig: dict, name: str) -> list[dict]:
    return [t for t in fig["data"] if t.get("name") == name]


def test_heatmap_holds_steps_to_converge_and_each_cell_is_its_own_run(momentum_map):
    fig = as_json(phase_figure(momentum_map))
    (heat,) = traces(fig, "steps to converge")
    z = decode(heat["z"])
    assert z.shape == (3, 5)
    for i, mu in enumerate(MUS):
        for j, lr in enumerate(LRS):
            run = simulate(RAVINE, "momentum", steps=200, lr=lr, mu=mu)
            excess = run.losses  # the ravine's minimum value is 0
            hits = np.flatnonzero(excess <= 1e-4 * excess[0])
            if run.diverged_at is not None or not hits.size:
                assert np.isnan(z[i, j])
            else:
                assert z[i, j] == hits[0]


def test_divergence_and_slow_cells_have_their_own_colours(momentum_map):
    fig = as_json(phase_figure(momentum_map))
    (status,) = traces(fig, "status")
    codes = decode(status["z"])
    assert (codes == DIVERGED).sum() > 0 and (codes == NOT_CONVERGED).sum() > 0
    np.testing.assert_array_equal(codes == DIVERGED, momentum_map.diverged)
    slow = ~momentum_map.diverged & np.isnan(momentum_map.steps_to_converge)
    np.testing.assert_array_equal(codes == NOT_CONVERGED, slow)
    # lr = 5 is past 2 (1 + mu) for every mu here: that column diverged.
    assert (codes[:, -1] == DIVERGED).all()

    def colour_at(value: int) -> str:
        """The colour the stepwise scale gives a status value: a flat segment's colour."""
        t = (value - status["zmin"]) / (status["zmax"] - status["zmin"])
        scale = status["colorscale"]
        return next(ca for (a, ca), (b, cb) in zip(scale, scale[1:], strict=False)
                    if a <= t <= b and ca == cb)

    assert colour_at(DIVERGED) == DIVERGED_COLOR
    assert colour_at(NOT_CONVERGED) == NOT_CONVERGED_COLOR
    assert colour_at(0) == "rgba(0, 0, 0, 0)"  # the metric shows through elsewhere
    assert DIVERGED_COLOR not in {c for _, c in METRIC_SCALE}
    # Both colours have a legend entry of their own.
    assert traces(fig, "diverged")[0]["marker"]["color"] == DIVERGED_COLOR
    assert traces(fig, "not converged in 200 steps")[0]["marker"]["color"] == NOT_CONVERGED_COLOR


def test_final_loss_metric_is_log10_of_the_excess_and_linear_without_minimum(momentum_map):
    fig = as_json(phase_figure(momentum_map, metric="loss"))
    (heat,) = traces(fig, "final loss − min")
    z = decode(heat["z"])
    ok = ~momentum_map.diverged
    expected = np.log10(np.maximum(momentum_map.final_loss[ok], 1e-30))
    np.testing.assert_allclose(z[ok], expected, rtol=1e-6)
    assert np.isnan(z[~ok]).all()
    assert not (decode(traces(fig, "status")[0]["z"]) == NOT_CONVERGED).any()

    saddle = phase_map(SURFACES["saddle"], "sgd", [0.001, 0.01], steps=20)
    fig = as_json(phase_figure(saddle, metric="loss", min_value=None))
    (heat,) = traces(fig, "final loss")
    np.testing.assert_allclose(decode(heat["z"]), saddle.final_loss, rtol=1e-6)


def test_cells_span_their_neighbours_midpoints_on_a_log_lr_axis():
    lrs = np.geomspace(0.001, 10, 5)
    edges = cell_edges(lrs, log=True)
    assert len(edges) == 6
    np.testing.assert_allclose(edges[1:-1], np.sqrt(lrs[:-1] * lrs[1:]))
    np.testing.assert_allclose(edges[1:] / edges[:-1], 10.0)  # a decade per cell
    lin = cell_edges(np.array([0.0, 0.5, 0.9]), log=False)
    np.testing.assert_allclose(lin, [-0.25, 0.25, 0.7, 1.1])
    assert cell_edges(np.array([0.3]), log=True).tolist() == pytest.approx(
        [0.3 / 10**0.1, 0.3 * 10**0.1])


def test_picker_points_cover_every_cell_once_and_lead_back_to_it(momentum_map):
    fig = as_json(phase_figure(momentum_map))
    groups = picker_groups(momentum_map, "steps")
    cells = np.sort(np.concatenate(list(groups.values())))
    np.testing.assert_array_equal(cells, np.arange(15))
    for name, flat in groups.items():
        (trace,) = traces(fig, name)
        x, y = decode(trace["x"]), decode(trace["y"])
        assert len(x) == len(flat)
        for point, cell in enumerate(flat):
            i, j = divmod(cell, 5)
            lr, mu = cell_of(momentum_map, "steps", name, point)
            assert (lr, mu) == (LRS[j], MUS[i])
            assert x[point] == np.float32(lr) and y[point] == np.float32(mu)
        assert trace["marker"]["color"] == "rgba(0, 0, 0, 0)"  # invisible, but clickable
    assert "diverged" in traces(fig, f"{PICKER} (diverged)")[0]["hovertemplate"]
    with pytest.raises(ValueError):
        cell_of(momentum_map, "steps", PICKER, 99)


def test_boundary_and_runs_are_drawn_where_given(momentum_map):
    limit = (np.array([2.0, 3.0, 3.8]), np.array([0.0, 0.5, 0.9]))
    marks = [MapMark("Momentum (lr = 0.3, mu = 0.9)", "#E69F00", 0.3, 0.9, True),
             MapMark("Momentum (lr = 1, mu = 0.5)", "#56B4E9", 1.0, 0.5, False)]
    fig = as_json(phase_figure(momentum_map, boundary=limit, marks=marks))
    (line,) = traces(fig, "stability limit (theory)")
    assert line["x"] == [2.0, 3.0, 3.8] and line["y"] == [0.0, 0.5, 0.9]
    assert line["line"]["dash"] == "dash"
    (runs,) = traces(fig, "runs in the scene")
    assert runs["x"] == [0.3, 1.0] and runs["y"] == [0.9, 0.5]
    assert runs["marker"]["color"] == ["#E69F00", "#56B4E9"]
    assert runs["marker"]["symbol"] == ["circle", "circle-open"]
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert fig["layout"]["yaxis"]["title"]["text"] == "mu"


def test_a_one_row_map_hides_its_y_axis_and_draws_the_limit_across_it():
    sgd = phase_map(RAVINE, "sgd", [0.5, 1.0, 1.9, 2.1, 3.0], steps=150)
    limit = (np.array([2.0, 2.0]), np.array([-0.5, 0.5]))
    fig = as_json(phase_figure(sgd, boundary=limit,
                               marks=[MapMark("SGD (lr = 1.8)", "#000000", 1.8, None, True)]))
    assert fig["layout"]["yaxis"]["visible"] is False
    assert traces(fig, "stability limit (theory)")[0]["y"] == [0.0, 0.0]
    assert traces(fig, "runs in the scene")[0]["y"] == [0.0]
    codes = decode(traces(fig, "status")[0]["z"])
    assert codes.shape == (1, 5)
    assert list(codes[0] == DIVERGED) == [False, False, False, True, True]  # past lr = 2
    assert cell_of(sgd, "steps", f"{PICKER} (diverged)", 0) == (2.1, None)


def test_presenter_mode_draws_larger_text_and_marks(momentum_map):
    marks = [MapMark("Momentum (lr = 0.3, mu = 0.9)", "#E69F00", 0.3, 0.9, True)]
    normal = as_json(phase_figure(momentum_map, marks=marks))
    big = as_json(phase_figure(momentum_map, marks=marks, presenter=True))
    assert big["layout"]["font"]["size"] > normal["layout"]["font"]["size"]
    assert (traces(big, "runs in the scene")[0]["marker"]["size"]
            > traces(normal, "runs in the scene")[0]["marker"]["size"])
