"""The penguins on the page, through Streamlit's AppTest: the scaling switch and its
condition number, the mini-batch size, the links that carry them, the data presets and
the fitted-line panel."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from controls.race_chart import STEP
from harness.page import components
from harness.race import whole
from scenes import PRESETS_BY_KEY, default_scene
from scenes.dynamics import Dynamics
from scenes.links import scene_to_query
from surfaces import make_surface
from tests.test_app import figure, link_notices, open_page, run_notices, story, url_scene, values

ROWS = 342


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption).replace("\\", "")


def path_of(fig: dict, group: str = "run0") -> np.ndarray:
    """A run's path on the contour, its blocks and tail joined, as (x, y) rows."""
    pieces = [np.c_[values(t["x"]), values(t["y"])] for t in fig["data"]
              if t.get("mode") == "lines" and t.get("legendgroup") == group
              and t.get("xaxis", "x") == "x" and "x" in t and t["x"] != []]
    return np.concatenate(pieces)


def minimum_of(fig: dict) -> tuple[float, float]:
    (star,) = [t for t in fig["data"] if t.get("name") == "minimum"]
    return star["x"][0], star["y"][0]


def box_of(fig: dict) -> tuple[list[float], list[float]]:
    return fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]


def fit_chart(at: AppTest) -> dict:
    """The fitted-line panel's chart (a component that follows the race chart's step)."""
    [chart] = components(at, STEP)
    return whole(json.loads(chart.proto.bytes)["figure"])


@pytest.fixture(scope="module")
def penguins_page() -> AppTest:
    """The default page, then the penguins picked in the sidebar."""
    at = open_page()
    at.selectbox(key="surface").set_value("penguins")
    return rerun(at)


def test_picking_the_penguins_shows_the_ravine_and_its_condition_number(penguins_page):
    at = penguins_page
    assert url_scene(at) == default_scene("penguins")
    assert at.radio(key="scaling").value == "raw"
    assert list(at.radio(key="scaling").options) == ["raw", "centred", "standardised"]
    assert "condition number **1,295**, a narrow ravine" in captions(at).replace("\\", "")
    fig = figure(at)
    assert (fig["layout"]["xaxis"]["title"]["text"], fig["layout"]["yaxis"]["title"]["text"]) \
        == ("w", "b")
    surface = make_surface("penguins", scaling="raw")
    np.testing.assert_allclose(minimum_of(fig), surface.minima[0], rtol=1e-6)
    np.testing.assert_allclose(box_of(fig), surface.domain)
    assert "crawls along it" in story(at)  # the surface's own story, the raw ravine


def test_standardised_features_turn_the_ravine_into_a_bowl():
    at = open_page({"surface": "penguins", "scaling": "raw"})
    raw = figure(at)
    runs = url_scene(at).runs
    at.radio(key="scaling").set_value("standardised")
    rerun(at)
    assert "condition number **1**, a round bowl" in captions(at)
    assert at.query_params["scaling"] == "standardised"
    scene = url_scene(at)
    assert scene.runs == runs and scene.start == (0.0, 0.0)  # the same runs, from (0, 0)
    bowl = figure(at)
    surface = make_surface("penguins", scaling="standardised")
    np.testing.assert_allclose(minimum_of(bowl), surface.minima[0], rtol=1e-6)
    np.testing.assert_allclose(box_of(bowl), surface.domain)
    assert box_of(bowl) != box_of(raw) and minimum_of(bowl) != minimum_of(raw)
    # every run ends at the fit, where on the raw ravine none did
    for i in range(len(runs)):
        assert np.linalg.norm(path_of(bowl, f"run{i}")[-1] - surface.minima[0]) < 1e-3
        assert np.linalg.norm(path_of(raw, f"run{i}")[-1] - np.array(minimum_of(raw))) > 0.5
    assert "round bowl (condition number 1)" in story(at)
    at.radio(key="scaling").set_value("centred")
    rerun(at)
    assert "condition number **51**, a wide valley" in captions(at)


def test_a_batch_size_makes_the_paths_noisy_and_full_batch_is_exact():
    at = open_page({"surface": "penguins", "scaling": "standardised"})
    exact = path_of(figure(at))
    assert "batch" not in at.query_params and at.number_input(key="fan").disabled
    at.select_slider(key="batch").set_value(16)
    rerun(at)
    assert at.query_params["batch"] == "16" and url_scene(at).dynamics == Dynamics(batch_size=16)
    assert "mean over 16 rows of the 342" in captions(at)
    noisy = path_of(figure(at))
    assert noisy.shape == exact.shape and np.abs(noisy - exact).max() > 0.05
    assert not at.number_input(key="fan").disabled  # a fan draws other batches
    at.number_input(key="fan").set_value(3)
    rerun(at)
    assert [t["name"] for t in figure(at)["data"] if t.get("name", "").endswith("more seeds")]
    at.select_slider(key="batch").set_value(0)  # "all 342 (full batch)"
    at.number_input(key="fan").set_value(1)
    rerun(at)
    assert "batch" not in at.query_params
    np.testing.assert_array_equal(path_of(figure(at)), exact)


def test_a_link_with_scaling_batch_and_fan_opens_as_it_says():
    scene = replace(default_scene("penguins", choices={"scaling": "centred"}),
                    dynamics=Dynamics(seed=4, fan=2, batch_size=32))
    at = open_page(scene_to_query(scene))
    assert not link_notices(at)
    assert url_scene(at) == scene
    assert (at.radio(key="scaling").value, at.select_slider(key="batch").value,
            at.number_input(key="seed").value, at.number_input(key="fan").value) == \
        ("centred", 32, 4, 2)
    assert at.expander[0].label.startswith("Noise, mini-batches")


def test_a_bad_data_link_says_what_it_ignored():
    at = open_page({"surface": "penguins", "scaling": "normalised", "batch": "0"})
    notes = " ".join(link_notices(at))
    assert "scaling='normalised'" in notes and "batch='0'" in notes
    assert at.radio(key="scaling").value == "raw" and "batch" not in at.query_params
    at = open_page({"surface": "ravine", "batch": "16"})
    assert "only a surface with data" in " ".join(link_notices(at))
    assert not at.get("radio") or "scaling" not in [r.key for r in at.radio]


def test_the_batch_control_is_only_for_data_surfaces(penguins_page):
    at = open_page()
    assert "batch" not in [s.key for s in at.select_slider]
    assert "batch" in [s.key for s in penguins_page.select_slider]


@pytest.mark.parametrize("key", ["unscaled", "small_batches"])
def test_the_data_presets(key):
    preset = PRESETS_BY_KEY[key]
    at = open_page()
    at.button(key=f"preset_{key}").click()
    rerun(at)
    assert url_scene(at) == preset.scene and at.query_params["preset"] == key
    assert preset.look_for in story(at) and not run_notices(at)
    if key == "unscaled":
        assert "condition number 1,295" in story(at)
        # the sentence asks for the switch: the preset's sentence goes, the runs stay
        at.radio(key="scaling").set_value("standardised")
        rerun(at)
        assert url_scene(at).runs == preset.scene.runs and "preset" not in at.query_params
    else:
        # the address is the preset's key alone; the scene it stands for has the batch and fan
        assert dict(at.query_params) == {"preset": key}
        assert preset.scene.dynamics.batch_size == 8 and preset.scene.dynamics.fan == 5
        # one run's fan of four more seeds (drawn in blocks that grow with the frames)
        fans = {t["legendgroup"] for t in figure(at)["data"]
                if t.get("name", "").endswith("4 more seeds")}
        assert fans == {"run0"}


def test_the_fitted_line_panel_draws_the_data_and_each_runs_line():
    at = open_page({"surface": "penguins", "batch": "16", "panel": "fit"})
    fig = fit_chart(at)
    scene = url_scene(at)
    data = make_surface("penguins").dataset
    names = [t["name"] for t in fig["data"]]
    assert names[:3] == ["Palmer penguins (342)", "least-squares fit", "the step's mini-batch"]
    assert len(names) == 3 + len(scene.runs)
    assert fig["layout"]["xaxis"]["title"]["text"] == data.x_label
    # the race's frames, by the same names: the panel shows the race chart's step, and
    # has no player of its own
    assert [f["name"] for f in fig["frames"]] == [f["name"] for f in figure(at)["frames"]]
    assert "updatemenus" not in fig["layout"] and "sliders" not in fig["layout"]
    assert "Rings: the rows the step's mini-batch drew" in captions(at)
    assert "far to the left of the data" in captions(at)
    at.radio(key="scaling").set_value("standardised")
    rerun(at)
    assert fit_chart(at)["layout"]["xaxis"]["title"]["text"] == "flipper length, standardised"
    assert "round bowl" in captions(at)


def test_the_fitted_line_panel_on_a_surface_without_data():
    # Not offered there: a link that asks for it opens the page without a panel.
    at = open_page({"panel": "fit"})
    assert "The fitted line" not in at.segmented_control(key="panel").options
    assert at.segmented_control(key="panel").value is None
    assert len(at.get("plotly_chart")) == 0  # no panel chart, only the race
