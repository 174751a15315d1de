"""The state inspector's figure: arrows against the lecture's update worked by hand,
step sizes against sums of the recorded gradients."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.inspector import arrows_at
from optimizers import simulate
from optimizers.schedules import Schedule
from plotting.inspector import arrow_scale, arrows, inspector_figure
from surfaces import SURFACES
from tests.panel_page import decode

RAVINE = SURFACES["ravine"]
START = (-8.0, 1.5)


def figure(run, k: int) -> dict:
    fig = inspector_figure(RAVINE, run, k, label=run.label, color="#E69F00")
    return json.loads(fig.to_json())


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


def scale_of(fig: dict) -> float:
    title = fig["layout"]["legend"]["title"]["text"]
    return 1.0 if "true length" in title else float(title.split("×")[1].rstrip("):"))


def drawn(fig: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    """An arrow's tail and head as drawn."""
    t = trace(fig, name)
    return np.array([t["x"][0], t["y"][0]]), np.array([t["x"][1], t["y"][1]])


def test_momentum_arrows_add_up_to_the_step_of_the_lecture_update():
    lr, mu, k = 0.3, 0.9, 12
    run = simulate(RAVINE, "momentum", start=START, steps=40, lr=lr, mu=mu, record_state=True)
    fig = figure(run, k)
    s = scale_of(fig)
    x = run.points[k]
    grad = np.array(RAVINE.grad(*x))  # the surface's own gradient at the inspected point
    v = run.states["v"][k]
    tail, head = drawn(fig, "−lr · gradient")
    np.testing.assert_allclose(tail, x)
    np.testing.assert_allclose(head, x - s * lr * grad)
    tail, head = drawn(fig, "velocity v")
    np.testing.assert_allclose(head - tail, s * v)
    # v' = mu * v - lr * dx; x += v': the step taken is mu * v plus the gradient arrow.
    tail, head = drawn(fig, f"step taken to step {k + 1}")
    np.testing.assert_allclose(head - tail, s * (mu * v - lr * grad), atol=1e-12)
    np.testing.assert_allclose(head - tail, s * (run.points[k + 1] - x), atol=1e-12)
    assert trace(fig, f"position at step {k}")["x"] == [x[0]]


def test_nesterov_look_ahead_runs_from_the_textbook_position_to_x():
    run = simulate(RAVINE, "nesterov", start=START, steps=30, lr=0.3, mu=0.9, record_state=True)
    fig = figure(run, 7)
    s = scale_of(fig)
    x, v = run.points[7], run.states["v"][7]
    tail, head = drawn(fig, "look-ahead μ·v (from x − μ·v)")
    np.testing.assert_allclose(head, x)
    np.testing.assert_allclose(tail, x - s * 0.9 * v)


def test_arrows_use_the_scheduled_lr_of_the_next_step():
    schedule = Schedule(kind="exponential", gamma=0.9)
    run = simulate(RAVINE, "sgd", start=START, steps=20, lr=1.0, schedule=schedule,
                   record_state=True)
    k = 5
    (grad_arrow, step_arrow) = arrows(run, k)
    # Step 6 uses lr * 0.9**5; plain SGD steps exactly -lr_t * gradient.
    expected = -0.9**5 * np.array(RAVINE.grad(*run.points[k]))
    np.testing.assert_allclose(grad_arrow.vector, expected)
    np.testing.assert_allclose(step_arrow.vector, expected, atol=1e-12)


def test_step_size_chart_is_adagrads_lr_over_root_of_summed_squares_marked_at_k():
    lr, eps, k = 0.3, 1e-7, 40
    run = simulate(RAVINE, "adagrad", start=START, steps=120, lr=lr, eps=eps, record_state=True)
    fig = figure(run, k)
    sums = np.cumsum(run.states["grad"] ** 2, axis=0)
    expected = lr / (np.sqrt(sums) + eps)  # after step t: row t of the chart
    for axis, column in (("x", 0), ("y", 1)):
        line = decode(trace(fig, f"step size along {axis}")["y"])
        assert np.isnan(line[0])  # no history at the start
        np.testing.assert_allclose(line[1:], expected[:, column], rtol=1e-6)
        assert (np.diff(line[1:]) <= 0).all()  # AdaGrad's step size only shrinks
    marks = trace(fig, f"step sizes at step {k}")
    assert marks["x"] == [k, k]
    np.testing.assert_allclose(marks["y"], expected[k - 1], rtol=1e-12)
    assert trace(fig, "inspected step")["x"] == [k, k]
    assert fig["layout"]["yaxis2"]["type"] == "log"


def test_no_arrows_where_the_run_has_left_the_finite_world():
    run = simulate(RAVINE, "sgd", start=START, steps=60, lr=3.0, record_state=True)
    assert run.diverged_at is not None
    assert arrows(run, run.diverged_at) == []
    fig = figure(run, run.diverged_at)
    assert not [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    last = run.diverged_at - 1  # the last finite point still has its gradient and step
    assert [a.kind for a in arrows(run, last)] == ["gradient"]
    assert arrows_at(run, last).grad is not None


@pytest.mark.parametrize("longest, span, expected", [
    (1.0, 10.0, 1.0),      # 10% of the plot: drawn at its true length
    (0.004, 10.0, 500.0),  # tiny: a round factor brings it to about 20%
    (0.03, 10.0, 50.0),
    (100.0, 10.0, 0.02),   # huge: shrunk
    (0.0, 10.0, 1.0),
])
def test_arrow_scale_is_one_or_a_round_factor(longest, span, expected):
    assert arrow_scale([np.array([longest, 0.0])], span) == pytest.approx(expected)
    scaled = longest * arrow_scale([np.array([0.0, longest])], span)
    assert scaled == 0 or 0.05 * span <= scaled <= 0.4 * span


def test_presenter_mode_draws_larger_text_and_thicker_arrows():
    run = simulate(RAVINE, "momentum", start=START, steps=20, lr=0.3, mu=0.9, record_state=True)
    normal = json.loads(inspector_figure(RAVINE, run, 5, label="m", color="#000000").to_json())
    big = json.loads(inspector_figure(RAVINE, run, 5, label="m", color="#000000",
                                      presenter=True).to_json())
    assert big["layout"]["font"]["size"] > normal["layout"]["font"]["size"]
    assert big["layout"]["height"] > normal["layout"]["height"]
    assert trace(big, "velocity v")["line"]["width"] > trace(normal, "velocity v")["line"]["width"]


@pytest.mark.parametrize("optimizer, hyper", [("sgd", {"lr": 1.8}),
                                               ("nesterov", {"lr": 0.3, "mu": 0.9})])
def test_on_a_phone_the_step_sizes_go_under_a_contour_across_the_width(optimizer, hyper):
    run = simulate(RAVINE, optimizer, start=START, steps=50, record_state=True, **hyper)
    fig = json.loads(inspector_figure(RAVINE, run, 10, label="r", color="#000000",
                                      phone_width=365).to_json())
    layout = fig["layout"]
    plot = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    width = 365 - layout["margin"]["l"] - layout["margin"]["r"]
    contour, steps = layout["yaxis"]["domain"], layout["yaxis2"]["domain"]
    assert layout["xaxis"]["domain"] == layout["xaxis2"]["domain"] == [0, 1]
    # The ravine (20 x 10) at its aspect ratio across the width: its domain as high as
    # half the width, so that equal scales do not shrink it.
    assert (contour[1] - contour[0]) * plot == pytest.approx(width / 2)
    assert contour[1] == 1 and steps[0] == 0 and (steps[1] - steps[0]) * plot >= 200
    # Top to bottom: contour, its x axis (a band of 5 font sizes), the arrows' legend (a
    # row for its title and each arrow), the step sizes' legend, then their chart.
    font = layout["font"]["size"]
    arrows = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    legend, legend2 = layout["legend"], layout["legend2"]
    assert legend["orientation"] == legend2["orientation"] == "v"
    assert (contour[0] - legend["y"]) * plot == pytest.approx(5 * font)
    assert legend["yanchor"] == "top" and legend2["yanchor"] == "bottom"
    assert (legend["y"] - legend2["y"]) * plot >= (1 + len(arrows)) * 1.6 * font + 2 * 1.6 * font
    assert steps[1] < legend2["y"]
