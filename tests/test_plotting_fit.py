"""The fitted-line figure: the data, and each run's line w * x + b at every frame's step."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from panels.page import PageState
from plotting.animation import frame_steps
from plotting.build import NORMAL, PRESENTER
from plotting.fit import fit_figure
from scenes.presets import PRESETS_BY_KEY, penguin_scene
from scenes.surface_defaults import default_scene


def values(array) -> np.ndarray:
    """A figure's array, plain or as Plotly's base64 typed array."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def spec(fig) -> dict:
    return fig.to_dict()


@pytest.fixture(scope="module")
def raw_page() -> PageState:
    return PageState.of(default_scene("penguins"))


def test_the_data_and_the_least_squares_line(raw_page):
    data = raw_page.surface.dataset
    fig = spec(fit_figure(data, raw_page.traces))
    points, fit = fig["data"][:2]
    np.testing.assert_allclose(values(points["x"]), data.x, rtol=1e-6)
    np.testing.assert_allclose(values(points["y"]), data.y, rtol=1e-6)
    xs = values(fit["x"])
    # the dashed line is numpy's least squares, independently of the dataset's formula
    (w, b), *_ = np.linalg.lstsq(np.c_[data.x, np.ones(data.n)], data.y, rcond=None)
    np.testing.assert_allclose(values(fit["y"]), w * xs + b, rtol=1e-5)
    assert xs[0] < data.x.min() and xs[1] > data.x.max()
    layout = fig["layout"]
    assert layout["xaxis"]["title"]["text"] == "flipper length (dm)"
    assert layout["yaxis"]["title"]["text"] == "body mass (kg)"
    low, high = layout["yaxis"]["range"]
    # The axis fits the data (2.7 to 6.3 kg), not 0 kg: no half-empty plot.
    assert low < data.y.min() < data.y.max() < high
    assert (high - low) == pytest.approx(1.12 * np.ptp(data.y))
    assert low > 0.9 * data.y.min()


def test_each_frame_draws_each_runs_line_at_its_step(raw_page):
    data = raw_page.surface.dataset
    fig = spec(fit_figure(data, raw_page.traces))
    steps_at = frame_steps(raw_page.scene.steps)
    assert [f["name"] for f in fig["frames"]] == [str(s) for s in steps_at]
    lines = [i for i, t in enumerate(fig["data"]) if t.get("legendgroup", "").startswith("run")]
    assert [fig["data"][i]["name"] for i in lines] == [t.name for t in raw_page.traces]
    assert [fig["data"][i]["line"]["color"] for i in lines] == \
        [t.color for t in raw_page.traces]
    for frame, step in zip(fig["frames"], steps_at, strict=True):
        assert frame["traces"] == lines
        for i, update, run in zip(lines, frame["data"], raw_page.traces, strict=True):
            w, b = run.points[step]
            xs = values(fig["data"][i]["x"])
            np.testing.assert_allclose(values(update["y"]), w * xs + b, rtol=1e-5, atol=1e-5)
    # before Play the figure shows the last step, as the race chart does
    last = values(fig["data"][lines[0]]["y"])
    w, b = raw_page.traces[0].points[-1]
    np.testing.assert_allclose(last, w * values(fig["data"][lines[0]]["x"]) + b, rtol=1e-5)


def test_under_mini_batches_a_frame_rings_the_rows_its_step_drew():
    scene = PRESETS_BY_KEY["small_batches"].scene
    page = PageState.of(scene)
    data = page.surface.dataset
    rows = data.batch_rows(scene.steps, scene.dynamics.batch_size, scene.dynamics.seed)
    fig = spec(fit_figure(data, page.traces, batch_rows=rows))
    ring = next(i for i, t in enumerate(fig["data"]) if t["name"] == "the step's mini-batch")
    steps_at = frame_steps(scene.steps)
    for frame, step in zip(fig["frames"], steps_at, strict=True):
        update = frame["data"][frame["traces"].index(ring)]
        if step == 0:
            assert update["x"] == [] and update["y"] == []
            continue
        drawn = sorted(zip(values(update["x"]), values(update["y"]), strict=True))
        expected = sorted(zip(data.x[rows[step - 1]].astype(np.float32),
                              data.y[rows[step - 1]].astype(np.float32), strict=True))
        assert drawn == expected and len(drawn) == 8


def test_full_batch_rings_nothing_and_a_diverged_run_leaves_no_line():
    from scenes import RunSpec

    page = PageState.of(penguin_scene(RunSpec.make("sgd", lr=0.5), steps=40))
    assert page.traces[0].diverged_at is not None
    fig = spec(fit_figure(page.surface.dataset, page.traces))
    assert all(t["name"] != "the step's mini-batch" for t in fig["data"])
    last = fig["frames"][-1]["data"][-1]
    assert np.isnan(values(last["y"])).all()


@pytest.mark.parametrize("presenter, style", [(False, NORMAL), (True, PRESENTER)])
def test_presenter_sizes(raw_page, presenter, style):
    fig = spec(fit_figure(raw_page.surface.dataset, raw_page.traces, presenter=presenter))
    assert fig["layout"]["height"] == style.height  # the panels' height
    assert fig["layout"]["font"]["size"] == style.font
    assert fig["data"][-1]["line"]["width"] == style.line


def test_a_phone_gets_a_short_legend_and_no_figure_has_a_player_of_its_own(raw_page):
    wide = spec(fit_figure(raw_page.surface.dataset, raw_page.traces))
    narrow = spec(fit_figure(raw_page.surface.dataset, raw_page.traces, narrow=True))
    shown = [t["name"] for t in narrow["data"] if t.get("showlegend", True)]
    assert shown == ["penguins", "fit"]  # the runs' colours are the race chart's legend
    assert all(t.get("showlegend", True) for t in wide["data"])
    assert wide["layout"]["legend"]["orientation"] == "v"
    for fig in (wide, narrow):  # the race chart's player plays it (controls.race_chart.step_chart)
        assert "updatemenus" not in fig["layout"] and "sliders" not in fig["layout"]
