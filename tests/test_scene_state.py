"""The scene <-> widget state (controls/scene_state.py), without Streamlit.

Every function there takes the state as a mutable mapping, so a plain ``dict`` stands in
for ``st.session_state``. References are independent of the module: the scene a link
round trip gives, each surface's own default scene (``scenes.surface_defaults``), the
surfaces' own starts and boxes, and numbers worked by hand.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controls import scene_state
from optimizers import OPTIMIZERS, simulate
from scenes import (
    CUSTOM,
    DEFAULT_SCENE,
    PRESETS,
    PRESETS_BY_KEY,
    RunSpec,
    Scene,
    default_scene,
    slider_menu,
)
from scenes.links import scene_from_query, scene_to_query
from scenes.model import PALETTE_SIZE
from surfaces import SURFACES, from_expression
from surfaces.expression import DEFAULT_DOMAIN
from tests.test_scenes_dynamics import dynamics
from tests.test_scenes_links import scenes


def loaded(scene: Scene) -> dict:
    """A fresh widget state holding ``scene``."""
    ss: dict = {}
    scene_state.load_scene(ss, scene)
    return ss


def colors(scene: Scene) -> list[int | None]:
    return [run.color for run in scene.runs]


@st.composite
def coloured_scenes(draw):
    """Any scene the page can make, with noise and schedules, and some runs carrying a
    colour of their own (as a run keeps its colour when one before it is removed)."""
    scene = draw(scenes())
    runs = tuple(replace(run, color=draw(st.none() | st.integers(0, PALETTE_SIZE - 1)))
                 for run in scene.runs)
    return replace(scene, runs=runs, dynamics=draw(dynamics()))


# --- round trips --------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(coloured_scenes())
def test_any_scene_loads_and_reads_back_equal_colours_included(scene):
    back = scene_state.read_scene(loaded(scene))
    assert back == scene
    assert back.dynamics == scene.dynamics and back.domain == scene.domain
    # Read back, every run names its colour: the one the scene gave it.
    assert colors(back) == scene.colors()
    assert back.colors() == scene.colors()


@settings(max_examples=50, deadline=None)
@given(coloured_scenes(), coloured_scenes())
def test_a_second_scene_replaces_the_first(first, second):
    ss = loaded(first)
    scene_state.load_scene(ss, second)
    back = scene_state.read_scene(ss)
    assert back == second and colors(back) == second.colors()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_preset_reads_back_as_itself(preset):
    assert scene_state.read_scene(loaded(preset.scene)) == preset.scene


# --- adding and removing runs: colours stay with their runs ----------------------------------

def test_a_removed_run_leaves_the_others_their_ids_and_colours():
    ss = loaded(DEFAULT_SCENE)
    ids = list(ss["ids"])
    assert [ss[f"run{i}_color"] for i in ids] == list(range(6))
    scene_state.remove_run(ss, ids[2])
    assert ss["ids"] == [ids[0], ids[1], *ids[3:]]
    back = scene_state.read_scene(ss)
    assert [run.optimizer for run in back.runs] == ["sgd", "momentum", "adagrad", "rmsprop",
                                                    "adam"]
    assert colors(back) == [0, 1, 3, 4, 5]
    # The link says so, and opening it gives the same colours.
    reopened, messages = scene_from_query(scene_to_query(back))
    assert messages == [] and reopened == back and reopened.colors() == [0, 1, 3, 4, 5]


def test_an_added_run_takes_the_first_free_colour_and_a_new_id():
    ss = loaded(DEFAULT_SCENE)
    ids = list(ss["ids"])
    scene_state.remove_run(ss, ids[1])
    ss["add_optimizer"] = "adam"
    rid = scene_state.add_optimizer(ss)
    assert rid not in ids and ss["ids"] == [ids[0], *ids[2:], rid]
    back = scene_state.read_scene(ss)
    assert colors(back) == [0, 2, 3, 4, 5, 1]
    assert back.runs[-1] == RunSpec.make("adam", lr=scene_state.ADD_LR["adam"])


def test_add_run_keeps_a_given_colour_then_the_runs_own_then_a_free_one():
    ss = loaded(Scene(runs=(RunSpec.make("sgd", lr=0.1),)))
    assert scene_state.free_color(ss) == 1
    scene_state.add_run(ss, RunSpec.make("sgd", lr=0.2), color=5)
    scene_state.add_run(ss, RunSpec.make("sgd", lr=0.3, color=3))
    scene_state.add_run(ss, RunSpec.make("sgd", lr=0.4))
    assert colors(scene_state.read_scene(ss)) == [0, 5, 3, 1]


def test_with_every_colour_taken_the_first_colour_comes_again():
    ss = loaded(Scene(runs=tuple(RunSpec.make("sgd", lr=0.1) for _ in range(PALETTE_SIZE))))
    assert sorted(ss[f"run{i}_color"] for i in ss["ids"]) == list(range(PALETTE_SIZE))
    assert scene_state.free_color(ss) == 0


def test_a_fresh_state_adds_in_the_first_colour():
    ss: dict = {}
    rid = scene_state.add_run(ss, RunSpec.make("momentum", lr=0.3))
    assert ss["ids"] == [rid] and ss[f"run{rid}_color"] == 0


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_can_be_added_at_the_lecture_scenes_lr(name):
    lecture_lr = next(run.values["lr"] for run in DEFAULT_SCENE.runs if run.optimizer == name)
    ss = loaded(DEFAULT_SCENE)
    ss["add_optimizer"] = name
    rid = scene_state.add_optimizer(ss)
    assert scene_state.run_spec(ss, rid) == RunSpec.make(name, lr=lecture_lr)


@pytest.mark.parametrize("hostile", ["nope", "__class__", "", 3, None, ["adam"]])
def test_a_hostile_optimizer_choice_adds_the_first_optimizer(hostile):
    ss = loaded(DEFAULT_SCENE)
    ss["add_optimizer"] = hostile
    rid = scene_state.add_optimizer(ss)
    first = next(iter(OPTIMIZERS))
    assert ss["add_optimizer"] == first
    assert scene_state.run_spec(ss, rid).optimizer == first


def test_no_optimizer_picked_yet_adds_sgd():
    ss = loaded(DEFAULT_SCENE)
    rid = scene_state.add_optimizer(ss)
    assert scene_state.run_spec(ss, rid) == RunSpec.make("sgd", lr=scene_state.ADD_LR["sgd"])


def test_a_switched_off_run_reads_back_off():
    ss = loaded(DEFAULT_SCENE)
    ss[f"run{ss['ids'][0]}_on"] = False
    back = scene_state.read_scene(ss)
    assert not back.runs[0].enabled and [i for i, _ in back.enabled_runs] == [1, 2, 3, 4, 5]


# --- a new surface --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SURFACES))
def test_a_library_surface_arrives_with_its_own_scene(name):
    noisy = PRESETS_BY_KEY["noise_adagrad"].scene  # noise and a fan: they stay
    ss = loaded(noisy)
    ss["surface"] = name
    scene_state.switch_surface(ss)
    back = scene_state.read_scene(ss)
    own = default_scene(name, back.params)  # the ravine keeps its kappa and angle
    assert back == replace(own, dynamics=noisy.dynamics)
    assert colors(back) == list(range(len(own.runs)))


@pytest.mark.parametrize("name", [n for n in SURFACES if n != "ravine"])
def test_keep_my_runs_keeps_the_runs_and_steps(name):
    ss = loaded(DEFAULT_SCENE)
    scene_state.remove_run(ss, ss["ids"][0])
    before = scene_state.read_scene(ss)
    ss["keep_runs"] = True
    ss["surface"] = name
    scene_state.switch_surface(ss)
    back = scene_state.read_scene(ss)
    assert back.surface == name and back.runs == before.runs and colors(back) == colors(before)
    assert back.steps == DEFAULT_SCENE.steps
    assert back.start == default_scene(name).start


def test_a_surface_not_drawn_last_run_gets_its_parameters_back():
    """Streamlit forgets the state of widgets that were not drawn: the ravine's kappa and
    angle after a run on another surface."""
    ss = loaded(default_scene("booth"))
    ss.pop("kappa", None), ss.pop("angle", None)
    ss["surface"] = "ravine"
    scene_state.switch_surface(ss)
    assert (ss["kappa"], ss["angle"]) == (50.0, 0.0)
    assert scene_state.read_scene(ss) == DEFAULT_SCENE


def test_a_typed_formula_starts_from_the_example_with_runs_tuned_on_it():
    ss = loaded(DEFAULT_SCENE)
    ss["surface"] = CUSTOM
    scene_state.switch_surface(ss)
    back = scene_state.read_scene(ss)
    assert back.expr == scene_state.EXAMPLE_FORMULA and back.domain == DEFAULT_DOMAIN
    surface = from_expression(back.expr, domain=DEFAULT_DOMAIN)
    assert back.start == surface.start and back.steps == DEFAULT_SCENE.steps
    # the ravine's runs diverge here (SGD's lr 1.8 on a curvature of 4); the formula's own
    # runs are the six optimizers, each ending lower than it started, none diverging
    assert simulate(surface, "sgd", back.start, back.steps, lr=1.8).diverged_at is not None
    assert [run.optimizer for run in back.runs] == [run.optimizer for run in DEFAULT_SCENE.runs]
    for run in back.runs:
        path = simulate(surface, run.optimizer, back.start, back.steps, **dict(run.hyper))
        assert path.diverged_at is None and path.losses[-1] < 1e-3 * path.losses[0], run


def test_a_typed_formula_keeps_the_runs_when_asked():
    ss = loaded(DEFAULT_SCENE)
    ss["surface"], ss["keep_runs"] = CUSTOM, True
    scene_state.switch_surface(ss)
    assert scene_state.read_scene(ss).runs == DEFAULT_SCENE.runs


def test_a_formula_that_cannot_be_used_leaves_the_runs_as_they_are():
    ss = loaded(DEFAULT_SCENE)
    ss["surface"], ss["expr"] = CUSTOM, "x +* y"
    scene_state.switch_surface(ss)
    assert scene_state.read_scene(ss).runs == DEFAULT_SCENE.runs


def test_a_new_formula_starts_where_it_is_defined_in_its_box():
    ss = loaded(DEFAULT_SCENE)
    ss["surface"] = CUSTOM
    scene_state.switch_surface(ss)
    ss["expr"], ss["x0"], ss["x1"] = "log(x) + y**2", 0.5, 4.0
    scene_state.switch_surface(ss)
    box = ((0.5, 4.0), DEFAULT_DOMAIN[1])
    assert scene_state.read_scene(ss).start == from_expression("log(x) + y**2", domain=box).start


def test_a_formula_that_cannot_be_used_starts_in_the_middle_of_its_box():
    ss = loaded(DEFAULT_SCENE)
    ss.update(surface=CUSTOM, expr="x +* y", x0=0.0, x1=4.0, y0=-1.0, y1=3.0)
    scene_state.switch_surface(ss)
    assert (ss["start_x"], ss["start_y"]) == (2.0, 1.0)


def test_turning_the_ravine_turns_the_start():
    """The lecture's start (-8, 1.5) turns with the valley: by the angle, about the origin."""
    ss = loaded(DEFAULT_SCENE)
    ss["angle"] = 30.0
    scene_state.turn_surface(ss)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert ss["start_x"] == pytest.approx(-8 * c - 1.5 * s, abs=1e-12)
    assert ss["start_y"] == pytest.approx(-8 * s + 1.5 * c, abs=1e-12)
    back = scene_state.read_scene(ss)
    assert back.params == (("kappa", 50.0), ("angle", 30.0)) and back.runs == DEFAULT_SCENE.runs


# --- the start: inside the box, and a click on the chart -----------------------------------

def test_a_start_outside_the_box_is_moved_to_its_edge():
    ss = loaded(DEFAULT_SCENE)
    (x0, x1), (y0, y1) = SURFACES["ravine"].domain
    ss["start_x"], ss["start_y"] = x1 + 100.0, y0 - 0.5
    assert scene_state.clamp_start(ss) == ((x0, x1), (y0, y1))
    assert (ss["start_x"], ss["start_y"]) == (x1, y0)


def test_a_start_inside_the_box_stays():
    ss = loaded(DEFAULT_SCENE)
    scene_state.clamp_start(ss)
    assert (ss["start_x"], ss["start_y"]) == DEFAULT_SCENE.start


def test_a_typed_box_is_the_box_and_upside_down_gives_none_leaving_the_start():
    ss = loaded(Scene(surface=CUSTOM, expr="x**2 + y**2", domain=((-1.0, 1.0), (0.0, 2.0)),
                      start=(0.5, 0.5), runs=DEFAULT_SCENE.runs))
    ss["start_x"] = 7.0
    assert scene_state.clamp_start(ss) == ((-1.0, 1.0), (0.0, 2.0))
    assert (ss["start_x"], ss["start_y"]) == (1.0, 0.5)
    ss["start_x"] = 7.0
    for upside_down in ({"x0": 3.0}, {"x0": -1.0, "y1": -5.0}, {"x1": -1.0}):
        ss.update({"x0": -1.0, "x1": 1.0, "y0": 0.0, "y1": 2.0, **upside_down})
        assert scene_state.clamp_start(ss) is None
        assert (ss["start_x"], ss["start_y"]) == (7.0, 0.5)


def test_a_click_on_the_chart_becomes_the_start_once():
    ss = loaded(DEFAULT_SCENE)
    ss["picked"] = (1.25, -0.5)
    scene_state.take_picked_start(ss)
    assert (ss["start_x"], ss["start_y"]) == (1.25, -0.5) and "picked" not in ss
    ss["start_x"] = 3.0
    scene_state.take_picked_start(ss)  # no click since: nothing changes
    assert (ss["start_x"], ss["start_y"]) == (3.0, -0.5)


# --- a hostile surface value ---------------------------------------------------------------

@pytest.mark.parametrize("hostile", ["nope", "__init__", "Ravine", "", 0, 1.5, True, None,
                                     ["ravine"], {"surface": "ravine"}])
def test_a_hostile_surface_value_becomes_the_first_surface(hostile):
    ss = loaded(default_scene("booth"))
    ss["surface"] = hostile
    assert scene_state.surface_name(ss) == scene_state.SURFACE_OPTIONS[0]
    assert ss["surface"] == scene_state.SURFACE_OPTIONS[0]


@pytest.mark.parametrize("step", ["switch_surface", "turn_surface", "clamp_start",
                                  "read_scene"])
def test_nothing_reads_a_hostile_surface_value(step):
    ss = loaded(default_scene("booth"))
    ss["surface"] = "__class__"
    getattr(scene_state, step)(ss)
    assert ss["surface"] == "ravine"
    assert scene_state.read_scene(ss).surface == "ravine"


def test_every_surface_choice_is_one_the_links_know():
    for name in scene_state.SURFACE_OPTIONS:
        scene = default_scene(name) if name != CUSTOM else Scene(
            surface=CUSTOM, expr="x**2 + y**2", domain=DEFAULT_DOMAIN, start=(1.0, 1.0),
            runs=DEFAULT_SCENE.runs)
        assert scene_from_query(scene_to_query(scene)) == (scene, [])


def test_a_click_is_taken_once_until_a_run_without_one():
    ss = loaded(DEFAULT_SCENE)
    assert scene_state.pick_start(ss, (2.0, -1.0))  # taken: the page runs again
    scene_state.take_picked_start(ss)
    assert scene_state.read_scene(ss).start == (2.0, -1.0)
    assert not scene_state.pick_start(ss, (2.0, -1.0))  # the same click again: not again
    assert "picked" not in ss
    assert not scene_state.pick_start(ss, None)  # a run without a click
    assert scene_state.pick_start(ss, (2.0, -1.0))  # a new click on the same point


def test_step_lr_moves_one_position_and_leaves_a_forged_lr_alone():
    menu = slider_menu("lr")
    i = menu.index(0.3)
    ss = {"run0_lr": 0.3}
    scene_state.step_lr(ss, 0, -1)
    assert ss["run0_lr"] == menu[i - 1]
    scene_state.step_lr(ss, 0, 1)
    scene_state.step_lr(ss, 0, 1)
    assert ss["run0_lr"] == menu[i + 1]
    ss = {"run0_lr": menu[-1]}
    scene_state.step_lr(ss, 0, 1)  # kept at the menu's end
    assert ss["run0_lr"] == menu[-1]
    for forged in (None, "x", math.nan, math.inf, True, 10**400):
        ss = {"run0_lr": forged}
        scene_state.step_lr(ss, 0, -1)  # never raises
        assert ss["run0_lr"] is forged
