"""The phase-map panel on the page: its map, its marks, its limit, and a clicked cell
becoming a run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from analysis.phase_map import PhaseMap
from optimizers import simulate
from panels.phase_map import (
    MAX_MAP_VALUES,
    axis_values,
    cells_per_side,
    fixed_settings,
    round_axis,
    stability_limit,
)
from plotting.phase_map import PICKER
from scenes import DEFAULT_SCENE, MAX_RUNS, RunSpec, scene_from_query
from surfaces import SURFACES, make_surface
from tests import panel_page
from tests.panel_page import decode
from tests.test_app import run_notices

LINK = {"run": ["sgd:lr=1.8", "momentum:lr=0.3,mu=0.9"], "steps": "150"}


def open_panel(query: dict) -> AppTest:
    at = panel_page.open_panel("phase_map", query)
    at.select_slider(key="phase_cells").set_value(20).run()
    assert not at.exception, at.exception
    return at


def phase_chart(at: AppTest):
    (chart,) = at.get("plotly_chart")  # the race chart is a component of its own
    return chart


def click(at: AppTest, curve: int, index: int, x: float, y: float) -> None:
    """What the browser sends when a point of the map is clicked: the chart's selection."""
    chart = phase_chart(at)
    states = at._tree.get_widget_states()
    state = WidgetStates().widgets.add()
    state.id = chart.proto.id
    point = {"curve_number": curve, "point_number": index, "point_index": index, "x": x, "y": y}
    state.string_value = json.dumps({"selection": {
        "points": [point], "point_indices": [index], "box": [], "lasso": []}})
    states.widgets.append(state)
    at._run(states)
    assert not at.exception, at.exception


def url_runs(at: AppTest) -> tuple[RunSpec, ...]:
    scene, messages = scene_from_query(at.query_params)
    assert messages == []
    return scene.runs


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_panel(LINK)


def test_the_map_is_drawn_with_the_scenes_run_and_the_theory_limit(page):
    fig = json.loads(phase_chart(page).proto.spec)
    names = [t.get("name") for t in fig["data"]]
    assert "steps to converge" in names and "status" in names
    (runs,) = [t for t in fig["data"] if t.get("name") == "runs in the scene"]
    assert runs["x"] == [0.3] and runs["y"] == [0.9]  # the momentum run, not SGD
    (limit,) = [t for t in fig["data"] if t.get("name") == "stability limit (theory)"]
    # Heavy ball on the ravine (lam_max = 1) is stable for lr < 2 (1 + mu).
    np.testing.assert_allclose(limit["x"], 2 * (1 + np.array(limit["y"])))
    assert any("20 x 20 runs of 150 steps" in c.value for c in page.caption)


def test_a_clicked_cell_becomes_a_run_with_that_cells_lr_and_mu(page):
    at = page
    fig = json.loads(phase_chart(at).proto.spec)
    curve = next(n for n, t in enumerate(fig["data"]) if t.get("name") == PICKER)
    xs, ys = decode(fig["data"][curve]["x"]), decode(fig["data"][curve]["y"])
    k = len(xs) // 2
    before = url_runs(at)
    click(at, curve, k, float(xs[k]), float(ys[k]))
    after = url_runs(at)
    assert after[:-1] == before and len(after) == len(before) + 1
    added = after[-1]
    assert added.optimizer == "momentum"
    assert added.values["lr"] == pytest.approx(float(xs[k]), rel=1e-6)  # float32 in the chart
    assert added.values["mu"] == pytest.approx(float(ys[k]), abs=1e-6)
    # A converged cell: its run, simulated on its own, converges within the steps.
    run = simulate(SURFACES["ravine"], "momentum", start=DEFAULT_SCENE.start, steps=150,
                   **added.values)
    assert run.diverged_at is None and run.losses[-1] <= 1e-4 * run.losses[0]
    # The chart is fresh: the click is used up and adds nothing more.
    at.run()
    assert url_runs(at) == after


def test_a_diverged_cell_adds_a_run_that_diverges():
    at = open_panel({"run": "momentum:lr=0.3,mu=0.9", "steps": "150"})
    fig = json.loads(phase_chart(at).proto.spec)
    curve = next(n for n, t in enumerate(fig["data"])
                 if t.get("name") == f"{PICKER} (diverged)")
    xs, ys = decode(fig["data"][curve]["x"]), decode(fig["data"][curve]["y"])
    click(at, curve, 0, float(xs[0]), float(ys[0]))
    added = url_runs(at)[-1]
    assert added.values["lr"] == pytest.approx(float(xs[0]), rel=1e-6)
    assert any(f"{added.label} diverged at step" in m for m in run_notices(at))


def test_a_full_comparison_says_so_instead_of_adding():
    at = open_panel({"run": ["adam:lr=0.3"] * MAX_RUNS, "steps": "100"})
    at.selectbox(key="phase_optimizer").set_value("adam").run()
    fig = json.loads(phase_chart(at).proto.spec)
    curve = next(n for n, t in enumerate(fig["data"]) if t.get("name", "").startswith(PICKER))
    click(at, curve, 0, 0.0, 0.0)
    assert len(url_runs(at)) == MAX_RUNS
    assert any(f"At most {MAX_RUNS} runs" in w.value for w in at.warning)
    assert fig["layout"]["yaxis"]["title"]["text"] == "beta1"


def test_stability_limits_of_the_three_linear_methods_and_none_elsewhere():
    ravine = make_surface("ravine", kappa=50.0, angle=30.0)  # turning changes no eigenvalue
    mus = np.linspace(0.0, 0.99, 5)
    grid = PhaseMap("momentum", "mu", np.array([0.1]), mus, 10, 1e-4, *[np.zeros((5, 1))] * 3)
    x, y = stability_limit(ravine, "momentum", grid)
    np.testing.assert_allclose(x, 2 * (1 + y))
    assert y[0] == 0 and y[-1] == pytest.approx(0.99)
    x, y = stability_limit(ravine, "nesterov", grid)
    np.testing.assert_allclose(x, 2 * (1 + y) / (1 + 2 * y))
    x, y = stability_limit(ravine, "sgd", grid)
    assert list(x) == [2.0, 2.0]
    assert stability_limit(ravine, "adam", grid) is None
    assert stability_limit(SURFACES["rosenbrock"], "momentum", grid) is None


def test_axes_are_round_increasing_and_inside_their_range():
    lrs = axis_values("lr", 1e-3, 10.0, 100)
    assert lrs[0] == 1e-3 and lrs[-1] == 10.0 and (np.diff(lrs) > 0).all()
    assert all(len(f"{v:g}".replace(".", "").lstrip("0")) <= 4 for v in lrs)
    np.testing.assert_allclose(np.diff(np.log10(lrs)), 4 / 99, atol=3e-3)
    beta2 = axis_values("beta2", 0.999, 0.9999, 100)
    assert beta2[-1] == 0.9999 and (np.diff(beta2) > 0).all() and (beta2 < 1).all()
    assert round_axis(np.array([0.12345, 0.12346])).tolist() == [0.12345, 0.12346]
    assert axis_values("mu", 0.9, 0.9, 50).tolist() == [0.9]


def test_cells_are_capped_for_long_runs_but_a_single_row_is_not():
    assert cells_per_side(100, 300, rows=True) == 100
    n = cells_per_side(100, 2000, rows=True)
    assert n * n * 2001 <= MAX_MAP_VALUES < (n + 1) ** 2 * 2001
    assert cells_per_side(100, 2000, rows=False) == 100


def test_settings_off_the_axes_come_from_the_scenes_first_run_of_that_optimizer():
    scene, _ = scene_from_query({"run": ["adam:lr=0.3,beta2=0.99,enabled=false",
                                         "adam:lr=0.1,beta2=0.9,eps=1e-06"]})
    assert fixed_settings(scene, "adam", {"lr", "beta1"}) == {
        "beta2": 0.9, "eps": 1e-6, "bias_correction": True}  # the switched-off run is skipped
    assert fixed_settings(scene, "rmsprop", {"lr", "decay_rate"}) == {"eps": 1e-7}
    assert fixed_settings(scene, "momentum", {"lr", "mu"}) == {}
