"""The state-inspector panel on the page: the run and step chosen are the ones drawn."""

from __future__ import annotations

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from optimizers import simulate
from plotting.build import PRESENTER
from surfaces import SURFACES
from tests import panel_page
from tests.panel_page import decode

RAVINE = SURFACES["ravine"]
START = (-8.0, 1.5)


def open_panel(query: dict) -> AppTest:
    return panel_page.open_panel("inspector", query)


def inspector(at: AppTest) -> dict:
    (chart,) = at.get("plotly_chart")  # the race chart is a component of its own
    return json.loads(chart.proto.spec)


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


def test_the_chosen_step_of_the_chosen_run_is_drawn():
    at = open_panel({"run": ["momentum:lr=0.3,mu=0.9", "adagrad:lr=0.3"], "steps": "200"})
    assert at.selectbox(key="inspector_run").value == 0
    at.slider(key="inspector_step").set_value(25).run()
    assert not at.exception, at.exception
    run = simulate(RAVINE, "momentum", start=START, steps=200, lr=0.3, mu=0.9)
    fig = inspector(at)
    position = trace(fig, "position at step 25")
    np.testing.assert_allclose([position["x"][0], position["y"][0]], run.points[25])
    assert trace(fig, "inspected step")["x"] == [25, 25]
    assert trace(fig, "velocity v")  # Momentum has a velocity to draw

    # Another run: AdaGrad's step sizes, lr / (sqrt(summed squared gradients) + eps).
    at.selectbox(key="inspector_run").set_value(1).run()
    assert not at.exception, at.exception
    ada = simulate(RAVINE, "adagrad", start=START, steps=200, lr=0.3, record_state=True)
    expected = 0.3 / (np.sqrt(np.cumsum(ada.states["grad"] ** 2, axis=0)) + 1e-7)
    fig = inspector(at)
    np.testing.assert_allclose(decode(trace(fig, "step size along x")["y"])[1:],
                               expected[:, 0], rtol=1e-6)
    assert fig["layout"]["annotations"][0]["text"] == "AdaGrad (lr = 0.3)"
    assert any("towards zero" in c.value for c in at.caption)


def test_the_inspected_run_follows_the_scenes_noise_and_stops_where_it_diverged():
    at = open_panel({"run": ["sgd:lr=0.5", "sgd:lr=3"], "steps": "100", "noise": "0.5",
                     "seed": "4"})
    noisy = simulate(RAVINE, "sgd", start=START, steps=100, lr=0.5, noise=0.5, seed=4)
    at.slider(key="inspector_step").set_value(60).run()
    position = trace(inspector(at), "position at step 60")
    np.testing.assert_allclose([position["x"][0], position["y"][0]], noisy.points[60])

    at.selectbox(key="inspector_run").set_value(1).run()
    assert not at.exception, at.exception
    diverged = simulate(RAVINE, "sgd", start=START, steps=100, lr=3.0, noise=0.5, seed=4)
    slider = at.slider(key="inspector_step")
    assert slider.max == diverged.diverged_at - 1  # the last finite step
    assert slider.value == diverged.diverged_at - 1  # step 60 is past it: moved back


def test_a_removed_run_leaves_the_inspector_on_one_that_is_still_there():
    at = open_panel({"run": ["sgd:lr=1.8", "adam:lr=0.3"], "steps": "50"})
    at.selectbox(key="inspector_run").set_value(1).run()
    at.toggle(key="run1_on").set_value(False).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="inspector_run").value == 0
    assert inspector(at)["layout"]["annotations"][0]["text"] == "SGD (lr = 1.8)"


def test_presenter_mode_reaches_the_inspector():
    at = open_panel({"run": "sgd:lr=1.8", "steps": "50", "present": "1"})
    assert inspector(at)["layout"]["font"]["size"] == PRESENTER.font  # the race chart's


def test_the_step_sizes_are_explained_as_what_the_chart_draws():
    # The sentence: the number the rule multiplies the axis's gradient by, and none at
    # step 0 for the adaptive rules. The chart: SGD's is lr from step 0 on; Adam's is
    # missing at step 0.
    from panels.inspector import STEP_SIZES

    at = open_panel({"run": ["sgd:lr=0.5", "adam:lr=0.3"], "steps": "20"})
    assert any(STEP_SIZES in c.value for c in at.caption)
    assert "multiplies that axis's gradient by" in STEP_SIZES and "step 0" in STEP_SIZES
    sizes = decode(trace(inspector(at), "step size along x")["y"])
    np.testing.assert_array_equal(sizes, 0.5)  # SGD: lr, from step 0 on
    at.selectbox(key="inspector_run").set_value(1).run()
    sizes = decode(trace(inspector(at), "step size along x")["y"])
    assert np.isnan(sizes[0]) and np.isfinite(sizes[1:]).all()
