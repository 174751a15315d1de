"""A scene on data: the penguins' scaling as a word setting, mini-batches in its dynamics,
links that carry both, and the engine called as the scene says."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controls import dynamics as dynamics_controls
from controls import scene_state
from optimizers import simulate
from scenes import RunSpec, Scene, default_scene, scene_from_query, scene_to_query
from scenes.compute import build_surface, run_scene, trajectory
from scenes.dynamics import MAX_FAN, MAX_SEED, Dynamics
from scenes.model import data_rows, plot_box, surface_choices
from scenes.surface_defaults import SURFACE_DEFAULTS, default_start, defaults_for
from surfaces import SURFACE_WORDS, make_surface
from surfaces.penguins import measurements

SCALINGS = SURFACE_WORDS["penguins"][0].choices
ROWS = len(measurements()[0])


def penguins(scaling: str = "raw", **dynamics) -> Scene:
    return replace(default_scene("penguins", choices={"scaling": scaling}),
                   dynamics=Dynamics(**dynamics))


# --- the scene -----------------------------------------------------------------------------------

def test_the_scaling_is_filled_in_and_checked():
    assert surface_choices("penguins") == (("scaling", "raw"),)
    assert surface_choices("penguins", {"scaling": "centred"}) == (("scaling", "centred"),)
    assert surface_choices("ravine") == surface_choices("custom") == ()
    assert default_scene("penguins").choices == (("scaling", "raw"),)
    with pytest.raises(ValueError, match="scaling must be one of raw, centred, standardised"):
        surface_choices("penguins", {"scaling": "normalised"})
    with pytest.raises(ValueError, match="surface 'ravine' has no setting 'scaling'"):
        surface_choices("ravine", {"scaling": "raw"})


def test_the_surface_key_names_the_scaling_and_builds_its_surface():
    keys = {penguins(s).surface_key for s in SCALINGS}
    assert len(keys) == 3  # a cache keyed on it tells the scalings apart
    for scaling in SCALINGS:
        surface = build_surface(penguins(scaling).surface_key)
        assert surface.dataset.scaling == scaling
        assert plot_box(penguins(scaling)) == make_surface("penguins", scaling=scaling).domain


def test_a_batch_needs_data():
    assert penguins().rows == data_rows("penguins") == ROWS == 342
    assert Scene().rows is None and data_rows("custom") is None
    surface = build_surface(Scene().surface_key)
    with pytest.raises(ValueError, match="batch_size needs a surface with data"):
        trajectory(surface, RunSpec.make("sgd"), (0.0, 0.0), 5, Dynamics(batch_size=16))
    for bad in (0, -1, 2.5, True, "16"):
        with pytest.raises(ValueError, match="batch_size must be None or a whole number"):
            Dynamics(batch_size=bad)


def test_a_batch_makes_the_fan_draw_other_batches():
    assert Dynamics(fan=4).seeds == (0,)  # exact gradients: every seed is the same path
    assert Dynamics(fan=4, seed=3, batch_size=16).seeds == (3, 4, 5, 6)


def test_every_scaling_starts_on_the_same_line_inside_its_box():
    """(w, b) = (0, 0) predicts 0 kg whatever the scaling: the same start for the lesson."""
    for scaling in SCALINGS:
        scene = penguins(scaling)
        assert default_start("penguins", choices=scene.choices) == scene.start == (0.0, 0.0)
        (w0, w1), (b0, b1) = plot_box(scene)
        assert w0 < 0 < w1 and b0 < 0 < b1


# --- the engine, as the scene calls it -----------------------------------------------------------

def test_a_scene_with_a_batch_runs_the_engines_mini_batches():
    scene = penguins("standardised", batch_size=16, seed=5)
    surface = build_surface(scene.surface_key)
    for _, run, path in run_scene(scene, surface):
        reference = simulate(surface, run.optimizer, scene.start, scene.steps, batch_size=16,
                             seed=5, **run.values)
        np.testing.assert_array_equal(path.points, reference.points)
        np.testing.assert_array_equal(path.losses, reference.losses)


def test_a_mini_batch_step_is_the_mean_of_its_rows_gradients():
    """SGD's first steps, recomputed from the rows ``batch_rows`` names, by hand."""
    scene = penguins("centred", batch_size=8, seed=2)
    surface = build_surface(scene.surface_key)
    data = surface.dataset
    lr = 0.15
    path = trajectory(surface, RunSpec.make("sgd", lr=lr), scene.start, 5, scene.dynamics)
    rows = data.batch_rows(5, 8, seed=2)
    w, b = scene.start
    for k in range(5):
        x, y = data.x[rows[k]], data.y[rows[k]]
        residual = w * x + b - y
        w, b = w - lr * 2 * np.mean(residual * x), b - lr * 2 * np.mean(residual)
        np.testing.assert_allclose(path.points[k + 1], (w, b), rtol=1e-12)
    # the losses stay over every row: what the contour shows
    np.testing.assert_allclose(path.losses, data.loss(*path.points.T), rtol=1e-12)


def test_a_fan_of_seeds_draws_other_batches_and_full_batch_is_exact():
    run = RunSpec.make("sgd", lr=0.15)
    scene = penguins("standardised", batch_size=16, seed=7, fan=3)
    surface = build_surface(scene.surface_key)
    path = trajectory(surface, run, scene.start, 100, scene.dynamics)
    assert len(path.fan) == 2
    for member, seed in zip(path.fan, (8, 9), strict=True):
        alone = trajectory(surface, run, scene.start, 100, Dynamics(seed=seed, batch_size=16))
        np.testing.assert_array_equal(member.points, alone.points)
    assert not np.allclose(path.points, path.fan[0].points)  # other batches, another path
    exact = trajectory(surface, run, scene.start, 100)
    full = trajectory(surface, run, scene.start, 100, Dynamics(batch_size=ROWS))
    np.testing.assert_array_equal(full.points, exact.points)
    # small batches are noisy: the path wanders off the exact one
    assert np.abs(path.points - exact.points).max() > 0.05


def test_the_description_says_how_many_rows_a_step_reads():
    lines = Dynamics(batch_size=16, seed=3, fan=4).describe(ROWS)
    assert len(lines) == 1
    assert "mean over 16 rows of the 342" in lines[0] and "seed 3" in lines[0]
    assert "21.4 times cheaper" in lines[0] and "seeds 4 to 6" in lines[0]


# --- the story of each scaling -------------------------------------------------------------------

def test_each_scaling_keeps_the_runs_and_tells_its_own_story():
    stories = {s: defaults_for("penguins", choices={"scaling": s}) for s in SCALINGS}
    assert all(d.runs == SURFACE_DEFAULTS["penguins"].runs for d in stories.values())
    assert len({d.story for d in stories.values()}) == 3
    for scaling, defaults in stories.items():
        kappa = make_surface("penguins", scaling=scaling).dataset.condition_number
        if scaling != "raw":  # the raw story tells the crawl; the others their number
            assert f"condition number {kappa:,.0f}" in defaults.story


def _distances(scaling: str) -> dict[str, np.ndarray]:
    scene = penguins(scaling)
    surface = build_surface(scene.surface_key)
    minimum = np.array(surface.minima[0])
    return {run.optimizer: np.linalg.norm(path.points - minimum, axis=1)
            for _, run, path in run_scene(scene, surface)}


def test_standardised_every_run_reaches_the_fit_that_none_reached_raw():
    """The standardised story in numbers: every run within 0.05 from step 83 on, SGD from
    step 13; raw, none within 0.5 in 300 steps."""
    bowl = _distances("standardised")
    assert all((d[83:] < 0.05).all() for d in bowl.values())
    assert not all((d[82:] < 0.05).all() for d in bowl.values())
    assert (bowl["sgd"][13:] < 0.05).all() and bowl["sgd"][12] >= 0.05
    ravine = _distances("raw")
    assert all(d.min() > 0.5 for d in ravine.values())


def test_centred_every_run_but_sgd_reaches_the_fit():
    valley = _distances("centred")
    assert all(d[-1] < 0.01 for name, d in valley.items() if name != "sgd")
    assert valley["sgd"][-1] > 0.5


# --- links ---------------------------------------------------------------------------------------

@st.composite
def data_scenes(draw):
    """Penguin scenes with any scaling, start in the box, batch and fan."""
    scaling = draw(st.sampled_from(SCALINGS))
    scene = default_scene("penguins", choices={"scaling": scaling})
    (w0, w1), (b0, b1) = plot_box(scene)
    batch = draw(st.one_of(st.none(), st.integers(1, ROWS - 1)))  # every row is None
    return replace(scene, start=(draw(st.floats(w0, w1)), draw(st.floats(b0, b1))),
                   dynamics=Dynamics(seed=draw(st.integers(0, MAX_SEED)),
                                     fan=draw(st.integers(1, MAX_FAN)), batch_size=batch))


@settings(max_examples=150, deadline=None)
@given(data_scenes())
def test_every_data_scene_round_trips_through_a_real_url(scene):
    query = scene_to_query(scene)
    assert query.get("scaling", "raw") == dict(scene.choices)["scaling"]  # raw: the default
    assert query.get("batch") == (None if scene.dynamics.batch_size is None
                                  else str(scene.dynamics.batch_size))
    url = urlencode(query, doseq=True)
    assert scene_from_query(parse_qs(url, keep_blank_values=True)) == (scene, [])


def test_the_documented_link_opens_the_standardised_penguins_in_small_batches():
    scene, messages = scene_from_query(parse_qs("surface=penguins&scaling=standardised&batch=16"))
    assert messages == []
    assert scene == penguins("standardised", batch_size=16)


def test_a_link_asking_for_every_row_is_full_batch():
    scene, messages = scene_from_query(parse_qs(f"surface=penguins&batch={ROWS}"))
    assert (scene, messages) == (penguins("raw"), [])


def test_links_from_before_the_data_open_as_they_did():
    scene, messages = scene_from_query(parse_qs("surface=penguins"))
    assert (scene, messages) == (penguins("raw"), [])
    assert "batch" not in scene_to_query(scene)


@pytest.mark.parametrize("link, needle, choices, batch", [
    ("surface=penguins&scaling=normalised", "scaling='normalised'", "raw", None),
    ("surface=penguins&batch=0", "batch='0'", "raw", None),
    ("surface=penguins&batch=1000", "from 1 to 342; used 342", "raw", None),
    ("surface=penguins&batch=16.5", "batch='16.5'", "raw", None),
    ("surface=ravine&batch=16", "only a surface with data", None, None),
    ("surface=booth&scaling=raw", "only surface=penguins takes it", None, None),
])
def test_malformed_data_keys_fall_back_with_a_message(link, needle, choices, batch):
    scene, messages = scene_from_query(parse_qs(link))
    assert len(messages) == 1 and needle in messages[0], messages
    assert scene.choices == ((("scaling", choices),) if choices else ())
    assert scene.dynamics.batch_size == batch


# --- the widgets' state (controls/scene_state.py, a dict for st.session_state) -------------------

def _loaded(scene: Scene) -> dict:
    ss: dict = {}
    scene_state.load_scene(ss, scene)
    return ss


@settings(max_examples=60, deadline=None)
@given(data_scenes())
def test_a_data_scene_loads_and_reads_back(scene):
    ss = _loaded(scene)
    assert ss["scaling"] == dict(scene.choices)["scaling"]
    assert ss["batch"] == (scene.dynamics.batch_size or dynamics_controls.FULL_BATCH)
    assert scene_state.read_scene(ss) == scene


def test_a_new_scaling_keeps_the_runs_and_steps_and_starts_on_its_own_start():
    ss = _loaded(replace(penguins("raw", batch_size=16), steps=120,
                         runs=(RunSpec.make("adam", lr=0.2),), start=(3.0, -4.0)))
    ss["scaling"] = "standardised"
    scene_state.turn_surface(ss)  # the radio's on_change
    scene = scene_state.read_scene(ss)
    assert scene.choices == (("scaling", "standardised"),)
    assert (scene.runs, scene.steps, scene.dynamics.batch_size) == \
        ((RunSpec.make("adam", lr=0.2),), 120, 16)
    assert scene.start == (0.0, 0.0)


def test_a_batch_is_read_only_on_a_surface_with_data():
    ss = _loaded(penguins("raw", batch_size=16))
    ss["surface"] = "ravine"
    scene_state.switch_surface(ss)
    assert scene_state.read_scene(ss).dynamics.batch_size is None
    ss["surface"] = "penguins"
    scene_state.switch_surface(ss)
    assert scene_state.read_scene(ss).dynamics.batch_size == 16
    ss["batch"] = dynamics_controls.FULL_BATCH
    assert scene_state.read_scene(ss).dynamics.batch_size is None


def test_a_hostile_scaling_in_the_state_reads_as_raw():
    ss = _loaded(penguins("centred"))
    ss["scaling"] = "<script>"
    assert scene_state.read_scene(ss).choices == (("scaling", "raw"),)
    assert ss["scaling"] == "raw"


def test_the_batch_slider_offers_powers_of_two_and_a_linked_size():
    assert dynamics_controls.batch_menu(ROWS) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 0]
    assert dynamics_controls.batch_menu(ROWS, 20) == [1, 2, 4, 8, 16, 20, 32, 64, 128, 256, 0]
