"""The page through Streamlit's AppTest: scenes, presets, links and messages."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import surfaces
from controls.race_chart import RACE
from controls.scene_state import ADD_MENU
from harness.page import components, open_menu, open_page
from harness.race import whole
from optimizers import OPTIMIZERS, simulate
from plotting import run_color
from scenes import DEFAULT_SCENE, MAX_RUNS, PRESETS, RunSpec, Scene, slider_menu
from scenes.links import scene_from_query, scene_to_query
from scenes.surface_defaults import default_scene, defaults_for
from surfaces import SURFACES
from tests.test_code import text_of


def race_chart(at: AppTest):
    """The race chart's element (there is exactly one)."""
    (chart,) = components(at, RACE)
    return chart


def message(at: AppTest) -> dict:
    """What the last run sent the race chart (controls/race_chart/frontend/README.md)."""
    return json.loads(race_chart(at).proto.bytes)


def figure(at: AppTest) -> dict:
    """The race chart's figure: data, layout and frames. When the last run sent only
    what changed, the page draws again with the chart's memory of what it sent
    forgotten, as for a chart mounted anew, and sends the whole figure."""
    if "figure" not in message(at):
        del at.session_state["race_sent"]
        at.run()
    return whole(message(at)["figure"])


def contours(fig: dict) -> list[dict]:
    """The filled contours: PNG images laid under the paths, one per contour panel."""
    return [image for image in fig["layout"].get("images", [])
            if image["source"].startswith("data:image/png;base64,")
            and image.get("layer") == "below"]


def paths(fig: dict) -> dict[str, set[str]]:
    """Legend group -> colours of the path lines drawn on the contour (axis x)."""
    groups: dict[str, set[str]] = {}
    for trace in fig["data"]:
        if trace.get("mode", "").startswith("lines") and trace.get("xaxis", "x") == "x" \
                and trace.get("legendgroup"):
            groups.setdefault(trace["legendgroup"], set()).add(trace["line"]["color"])
    return groups


def values(array) -> np.ndarray:
    """A figure's array, plain or packed by Plotly as base64 (``{"dtype", "bdata"}``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def url_scene(at: AppTest) -> Scene:
    """The scene in the page's URL, as the page wrote it."""
    scene, messages = scene_from_query(at.query_params)
    assert messages == []
    return scene


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def shown_code(at: AppTest) -> list[str]:
    """The text of each rule's code block the page drew (``controls.code``), as a reader
    sees it: its tags dropped, its escapes read."""
    return [text_of(body.split('<pre class="rule-code"><code>', 1)[1].split("</code></pre>")[0])
            for body in rule_blocks(at)]


def shown_equals(at: AppTest) -> list[str]:
    """The torch.optim call each rule's block says its code equals, as a reader sees it."""
    return [text_of(body.split("</pre>", 1)[1]) for body in rule_blocks(at)]


def rule_blocks(at: AppTest) -> list[str]:
    """The HTML of each rule's block the page drew (``controls.code.code_block``)."""
    return [h.proto.body for h in at.get("html") if 'class="rule-code"' in h.proto.body]


def surface_shown(at: AppTest) -> list[str]:
    """The section "The surface": its heading and its formula in LaTeX, one markdown."""
    return [m.value for m in at.markdown if m.value.startswith("### The surface")]


def notices(at: AppTest, label: str) -> list[str]:
    """The messages listed in the toolbar's button whose label starts with ``label``
    ("1 run stopped", "2 runs stopped", "The link: ..."), unescaped; [] when it is absent."""
    return [m.value.removeprefix("- ").replace("\\", "")
            for block in at.get("popover") if block.proto.popover.label.startswith(label)
            for m in block.markdown]


def run_notices(at: AppTest) -> list[str]:
    return notices(at, "1 run stopped") + [
        m for block in at.get("popover") if block.proto.popover.label.endswith("runs stopped")
        for m in (x.value.removeprefix("- ").replace("\\", "") for x in block.markdown)]


def link_notices(at: AppTest) -> list[str]:
    return notices(at, "The link:")


def story(at: AppTest) -> str:
    """The line above the chart: the preset's sentence or the surface's story."""
    return at.markdown[0].value.replace("\\", "")


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return open_page()


@pytest.fixture(scope="module")
def _pages() -> dict[str, AppTest]:
    return {}


@pytest.fixture()
def visited_page(request, _pages) -> AppTest:
    """One page for all the parameters of a test that moves the page to a scene of its own
    in one step (a preset, a surface): each parameter starts where the one before left it."""
    name = request.node.originalname
    if name not in _pages:
        _pages[name] = open_page()
    return _pages[name]


def test_default_scene_draws_contour_paths_and_frames(default_page):
    at = default_page
    fig = figure(at)
    assert len(contours(fig)) == 1
    # One path per run, each in its own palette colour.
    groups = paths(fig)
    assert len(groups) == len(DEFAULT_SCENE.runs) == 6
    assert sorted(c for colours in groups.values() for c in colours) == sorted(
        run_color(i) for i in range(6))
    assert len(fig["frames"]) > 10
    assert any(t.get("name") == "start picker" for t in fig["data"])
    assert url_scene(at) == DEFAULT_SCENE
    assert not at.warning and not at.error


def test_default_scene_shows_every_update_rule_and_its_code():
    at = open_page()
    rules = at.button_group(key="rule")
    assert list(rules.options) == [OPTIMIZERS[n].title for n in OPTIMIZERS]
    for name in OPTIMIZERS:  # one optimizer's rule at a time, each as it runs
        at.button_group(key="rule").set_value(name).run()
        assert shown_code(at) == [OPTIMIZERS[name].source]
        assert shown_equals(at) == [f"Equals {OPTIMIZERS[name].torch} for a constant lr."]
        assert any(OPTIMIZERS[name].latex in text for text in texts(at.latex))
    [surface] = surface_shown(at)
    assert SURFACES["ravine"].latex.split(",")[0] in surface


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_preset_runs_and_says_what_to_look_for(preset, visited_page):
    at = visited_page
    at.button(key=f"preset_{preset.key}").click().run()
    assert not at.exception, at.exception
    assert url_scene(at) == preset.scene
    assert preset.look_for in story(at)
    assert at.query_params["preset"] == preset.key  # the link carries it
    assert len(paths(figure(at))) == len(preset.scene.runs)
    assert not run_notices(at)  # no preset's run stops
    # The update rules follow the preset's optimizers.
    used = list(dict.fromkeys(run.optimizer for run in preset.scene.runs))
    assert list(at.button_group(key="rule").options) == [OPTIMIZERS[n].title for n in used]
    # Changing anything leaves the preset: its sentence goes, and from the link too.
    at.slider(key="steps").set_value(preset.scene.steps + 1).run()
    assert preset.look_for not in story(at)
    assert "preset" not in at.query_params


def test_a_link_round_trips():
    scene = Scene(
        surface="ravine", params=(("kappa", 200.0), ("angle", 30.0)), start=(-2.5, 3.25),
        steps=123,
        runs=(RunSpec.make("momentum", lr=0.05, mu=0.99),
              RunSpec.make("adam", False, lr=0.0123, beta2=0.95, bias_correction=False),
              RunSpec.make("rmsprop", lr=2e-3, decay_rate=0.9, eps=1e-6)),
    )
    query = scene_to_query(scene)
    at = open_page(query)
    assert url_scene(at) == scene
    assert not at.warning
    assert len(paths(figure(at))) == 2  # the switched-off run is not drawn
    assert at.select_slider(key="kappa").value == 200.0
    assert at.number_input(key="start_x").value == -2.5
    assert at.toggle(key="run1_on").value is False


@pytest.mark.parametrize("query, needle", [
    ({"surface": "moon"}, "unknown surface"),
    ({"run": "lbfgs:lr=1"}, "unknown optimizer"),
    ({"run": "sgd:lr=0.1,momentum=0.9"}, "SGD takes lr"),
    ({"colour": "red"}, "unknown link parameter"),
    ({"kappa": "steep"}, "from 1 to 1000"),
    ({"start": "nan,0"}, "x,y inside"),
    ({"run": "adam:lr=inf"}, "must be a number"),
    ({"run": "momentum:mu=2"}, "in [0, 1]"),
    ({"steps": "1" * 500}, "too long"),
    ({"run": ["sgd:lr=0.1"] * 50}, f"kept the first {MAX_RUNS}"),
    ({"surface": ["saddle", "booth"]}, "appears 2 times"),
    ({"surface": "[click](http://evil.example)"}, "unknown surface"),
])
def test_malformed_links_say_what_they_ignored(query, needle):
    at = open_page(query)
    shown = " ".join(link_notices(at))
    assert needle in shown
    assert contours(figure(at))  # the rest keeps working
    # The URL is rewritten to the scene actually shown.
    url_scene(at)


def test_a_diverging_run_is_reported_in_words():
    at = open_page({"run": ["sgd:lr=3", "adam:lr=0.3"]})
    expected = simulate(SURFACES["ravine"], "sgd", (-8.0, 1.5), 300, lr=3.0).diverged_at
    assert expected is not None
    assert run_notices(at) == [f"SGD (lr = 3) diverged at step {expected}"]
    assert not at.warning  # in the toolbar's button, not a box that moves the chart down
    assert len(paths(figure(at))) == 2
    # The legend says the same as the message.
    (entry,) = [t["name"] for t in figure(at)["data"] if t.get("xaxis") == "x2"
                and t.get("mode") == "lines" and t["line"]["color"] == run_color(0)]
    assert entry == f"SGD: diverged at step {expected}"


def test_runs_can_be_added_switched_off_and_removed():
    at = open_page({"run": ["sgd:lr=1", "adam:lr=0.3"]}, menus=[ADD_MENU])
    at.pills(key="add_optimizer").set_value("nesterov")
    at.button(key="add_run").click().run()
    assert at.session_state["add_run_menu"] is False  # "Add a run" closes
    assert [r.optimizer for r in url_scene(at).runs] == ["sgd", "adam", "nesterov"]
    assert len(paths(figure(at))) == 3
    at.toggle(key="run1_on").set_value(False).run()  # Adam off: Nesterov keeps its colour
    groups = paths(figure(at))
    assert sorted(c for cs in groups.values() for c in cs) == sorted([run_color(0),
                                                                      run_color(2)])
    at.toggle(key="run1_on").set_value(True).run()
    at.button(key="run0_remove").click().run()
    assert [r.optimizer for r in url_scene(at).runs] == ["adam", "nesterov"]
    assert not at.exception
    # Removing SGD recolours nobody: Adam and Nesterov keep theirs, on the chart and in
    # the link; a run added now takes the colour SGD left.
    assert sorted(c for cs in paths(figure(at)).values() for c in cs) == sorted(
        [run_color(1), run_color(2)])
    assert url_scene(at).colors() == [1, 2]
    open_menu(at, ADD_MENU)
    at.button(key="add_run").click().run()
    assert url_scene(at).colors() == [1, 2, 0]


def test_a_runs_optimizer_changes_on_its_card_keeping_its_lr_when_it_can():
    at = open_page({"run": ["sgd:lr=0.1", "adam:lr=0.3"]})
    at.radio(key="run0_pick").set_value("momentum").run()
    assert not at.exception
    runs = url_scene(at).runs
    assert [r.optimizer for r in runs] == ["momentum", "adam"]
    assert runs[0].values["lr"] == 0.1 and runs[0].values["mu"] == 0.9  # its default mu
    assert url_scene(at).colors() == [0, 1]  # the run keeps its colour
    assert at.select_slider(key="run0_mu").value == 0.9  # the card shows the new knob
    assert len(paths(figure(at))) == 2
    at.radio(key="run1_pick").set_value("sgd").run()
    assert [r.optimizer for r in url_scene(at).runs] == ["momentum", "sgd"]
    assert url_scene(at).runs[1].values == {"lr": 0.3}


def test_undo_goes_back_through_the_scenes():
    at = open_page({"run": ["sgd:lr=0.1", "adam:lr=0.3"]})
    first = url_scene(at)
    assert at.button(key="undo_button").disabled  # nothing to undo yet
    at.select_slider(key="run0_lr").set_value(0.2).run()
    at.run()  # the slider reran the chart's fragment alone: AppTest holds only its elements
    at.button(key="run1_remove").click().run()
    assert [r.optimizer for r in url_scene(at).runs] == ["sgd"]
    at.button(key="undo_button").click().run()
    assert [(r.optimizer, r.values["lr"]) for r in url_scene(at).runs] == [("sgd", 0.2),
                                                                          ("adam", 0.3)]
    at.button(key="undo_button").click().run()
    assert url_scene(at) == first
    assert at.button(key="undo_button").disabled
    assert not at.exception


def test_lr_steps_one_position_and_the_card_shows_the_stable_lr():
    at = open_page({"run": ["sgd:lr=0.1", "momentum:lr=0.1,mu=0.5", "adam:lr=0.3"]})
    # The ravine's Hessian has largest eigenvalue 1: SGD is stable below 2 / 1, heavy-ball
    # momentum below 2 (1 + mu) / 1; Adam has no closed form.
    captions = [c.value for c in at.main.caption if c.value.startswith("stable below")]
    assert captions == ["stable below 2", "stable below 3"]
    at.button(key="run0_lr_up").click().run()
    at.button(key="run0_lr_up").click().run()
    assert url_scene(at).runs[0].values["lr"] == 0.15  # 0.1, 0.12, 0.15 on the slider
    at.button(key="run0_lr_down").click().run()
    assert url_scene(at).runs[0].values["lr"] == 0.12
    at.select_slider(key="run1_mu").set_value(0.9).run()
    assert "stable below 3.8" in [c.value for c in at.main.caption]
    assert not at.exception


def test_the_same_optimizer_can_run_several_times():
    at = open_page({"run": [f"momentum:lr=0.1,mu={mu}" for mu in (0.5, 0.9, 0.99)]})
    assert len(paths(figure(at))) == 3
    at.select_slider(key="run2_mu").set_value(0.95).run()
    assert [r.values["mu"] for r in url_scene(at).runs] == [0.5, 0.9, 0.95]


@pytest.mark.parametrize("name", [n for n in SURFACES if n != "ravine"])
def test_a_new_surface_arrives_with_its_own_runs_none_stopping(name, visited_page):
    at = visited_page
    at.selectbox(key="surface").set_value(name).run()
    assert not at.exception
    assert url_scene(at) == default_scene(name)
    assert not run_notices(at)  # no run diverges or stops on arrival
    assert contours(figure(at)) and len(paths(figure(at))) == 6
    assert defaults_for(name).story in story(at)


def test_a_new_surface_keeps_the_runs_when_asked_and_comes_back():
    at = open_page({"run": ["sgd:lr=0.01", "adam:lr=0.05"]})
    at.toggle(key="keep_runs").set_value(True).run()
    at.selectbox(key="surface").set_value("booth").run()
    scene = url_scene(at)
    assert scene.surface == "booth" and scene.start == default_scene("booth").start
    assert [r.label for r in scene.runs] == ["SGD (lr = 0.01)", "Adam (lr = 0.05)"]
    at.selectbox(key="surface").set_value("ravine").run()  # and back: kappa is there again
    assert not at.exception
    assert url_scene(at).params == (("kappa", 50.0), ("angle", 0.0))


def test_a_link_naming_only_the_surface_opens_its_own_scene():
    at = open_page({"surface": "rosenbrock"})
    assert url_scene(at) == default_scene("rosenbrock")
    assert not run_notices(at) and not link_notices(at)


def test_a_start_picked_on_the_chart_becomes_the_start():
    at = open_page()
    at.session_state["picked"] = (2.0, -1.0)  # what a click on the start picker stores
    at.run()
    assert url_scene(at).start == (2.0, -1.0)
    assert at.number_input(key="start_x").value == 2.0


def test_small_multiples_view():
    at = open_page({"run": ["sgd:lr=1", "adam:lr=0.3", "rmsprop:lr=0.1"]})
    at.button_group(key="view").set_value("multiples").run()
    assert not at.exception
    fig = figure(at)
    assert len(contours(fig)) == 3  # one panel per run


@st.composite
def widget_moves(draw):
    return {
        "lr": draw(st.sampled_from(slider_menu("lr"))),
        "mu": draw(st.sampled_from(slider_menu("mu"))),
        "beta2": draw(st.sampled_from(slider_menu("beta2"))),
        "bias": draw(st.booleans()),
        "kappa": draw(st.sampled_from(slider_menu("kappa"))),
        "steps": draw(st.integers(1, 1000)),
        "start": (draw(st.floats(-10, 10)), draw(st.floats(-5, 5))),
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(widget_moves())
def test_any_widget_values_give_a_page_and_a_matching_link(moves):
    at = open_page({"run": ["momentum:lr=0.1", "adam:lr=0.1"]})
    at.select_slider(key="run0_lr").set_value(moves["lr"])
    at.select_slider(key="run0_mu").set_value(moves["mu"])
    at.select_slider(key="run1_beta2").set_value(moves["beta2"])
    at.toggle(key="run1_bias_correction").set_value(moves["bias"])
    at.select_slider(key="kappa").set_value(moves["kappa"])
    at.slider(key="steps").set_value(moves["steps"])
    at.number_input(key="start_x").set_value(moves["start"][0])
    at.number_input(key="start_y").set_value(moves["start"][1])
    at.run()
    assert not at.exception, at.exception
    scene = url_scene(at)
    assert scene.params == (("kappa", moves["kappa"]), ("angle", 0.0))
    assert scene.start == moves["start"] and scene.steps == moves["steps"]
    assert scene.runs == (RunSpec.make("momentum", lr=moves["lr"], mu=moves["mu"]),
                          RunSpec.make("adam", lr=0.1, beta2=moves["beta2"],
                                       bias_correction=moves["bias"]))
    # Each run's loss curve has every step; each diverged run is reported in words.
    curves = [t for t in figure(at)["data"]
              if t.get("legendgroup") and t.get("xaxis") == "x2" and t.get("mode") == "lines"]
    assert [len(values(t["y"])) for t in curves] == [moves["steps"] + 1] * 2
    surface = SURFACES["ravine"] if moves["kappa"] == 50 else None
    diverged = [simulate(surface or _ravine(moves["kappa"]), run.optimizer, moves["start"],
                         moves["steps"], **run.values).diverged_at for run in scene.runs]
    assert len(run_notices(at)) == sum(d is not None for d in diverged)


def _ravine(kappa):
    from surfaces import make_surface
    return make_surface("ravine", kappa=kappa)


def test_a_typed_surface_travels_in_the_link():
    query = {"surface": "custom", "expr": "abs(x) + 10*abs(y)", "domain": "-4,4,-2,2",
             "start": "-3,1.5", "steps": "100", "run": ["adam:lr=0.1", "sgd:lr=0.05"]}
    at = open_page(query)
    assert not at.warning and not at.error
    scene = url_scene(at)
    assert (scene.surface, scene.expr, scene.domain) == (
        "custom", "abs(x) + 10*abs(y)", ((-4.0, 4.0), (-2.0, 2.0)))
    assert scene_to_query(scene) == {**query, "run": scene_to_query(scene)["run"]}
    assert len(contours(figure(at))) == 1 and len(paths(figure(at))) == 2
    # The formula is shown as LaTeX made from the parsed expression, not as typed.
    latex = surfaces.from_expression("abs(x) + 10*abs(y)").latex
    assert any(latex in text for text in surface_shown(at))


def test_a_run_stepping_into_a_hole_of_a_typed_formula_is_told_so():
    at = open_page({"surface": "custom", "expr": "log(x) + y**2", "domain": "-3,3,-2,2",
                    "start": "1,1.5", "run": "sgd:lr=0.3"})
    assert not at.exception
    assert run_notices(at) == ["SGD (lr = 0.3) stopped at step 3 (loss undefined): it stepped "
                               "where the loss is undefined or infinite"]
    # The legend says the same, not "diverged".
    (entry,) = [t["name"] for t in figure(at)["data"] if t.get("xaxis") == "x2"
                and t.get("mode") == "lines" and t.get("legendgroup")]
    assert entry == "SGD: stopped at step 3 (loss undefined)"


@pytest.mark.parametrize("expr", ["__import__('os').system('echo pwned')", "x^2", "9**9**9",
                                  "z + 1", "<script>alert(1)</script>", "x" * 400])
def test_a_hostile_or_broken_formula_is_refused_on_the_page(expr):
    at = open_page({"surface": "custom", "expr": expr})
    with pytest.raises(ValueError) as refusal:
        surfaces.from_expression(expr)
    # Said once, next to the formula's box in the sidebar; the story line says the
    # formula cannot be used yet.
    main, side = texts(at.main.error), texts(at.sidebar.error)
    assert main == [] and len(side) == 1
    assert str(refusal.value) in side[0].replace("\\", "")
    assert "cannot be used yet" in at.main.markdown[0].value
    assert not components(at, RACE)  # no chart; the controls still work
    at.text_input(key="expr").set_value("0.05*x**2 + 2*y**2").run()
    assert not at.exception and not at.error
    assert len(contours(figure(at))) == 1


def test_choosing_custom_formula_shows_the_example():
    at = open_page()
    at.selectbox(key="surface").set_value("custom").run()
    assert not at.exception and not at.error
    scene = url_scene(at)
    assert scene.surface == "custom" and scene.expr
    assert scene.start == surfaces.from_expression(scene.expr, domain=scene.domain).start
    at.number_input(key="x1").set_value(-6.0).run()  # an upside-down box: a message, no crash
    assert not at.exception and at.error


def test_the_view_and_the_open_panel_travel_in_the_link():
    at = open_page()
    at.button_group(key="view").set_value("multiples").run()
    at.run()  # the view reran the chart's fragment alone: AppTest holds only its elements
    at.button_group(key="panel").set_value("phase_map").run()
    assert (at.query_params["view"], at.query_params["panel"]) == ("multiples", "phase_map")
    # A student opening that link gets the same view and panel.
    student = open_page(dict(at.query_params))
    assert student.button_group(key="view").value == "multiples"
    assert student.button_group(key="panel").value == "phase_map"
    assert len(contours(figure(student))) == 6 and not link_notices(student)


@pytest.mark.parametrize("query, needle", [
    ({"view": "sideways"}, "unknown view"),
    ({"panel": "../../etc"}, "unknown panel"),
    # a scene's key beside it: the default scene, which is not "jitter"
    ({"preset": "jitter", "kappa": "50"}, "no longer that preset's"),
    ({"preset": "\x1f"}, "U+001F"),
])
def test_a_malformed_page_key_falls_back_with_a_message(query, needle):
    at = open_page(query)
    assert needle in " ".join(link_notices(at))
    assert at.button_group(key="view").value in ("overlay", None)
    assert len(contours(figure(at))) == 1


def test_a_surfaces_lesson_says_when_the_kept_runs_do_not_bear_it_out():
    at = open_page({})
    at.toggle(key="keep_runs").set_value(True).run()
    at.selectbox(key="surface").set_value("booth").run()
    assert not at.exception, at.exception
    told = story(at)
    assert "That is what its own runs show" in told and "of yours stopped here" in told, told
    assert "“Keep my runs” switched off" in told
    at.toggle(key="keep_runs").set_value(False).run()
    at.selectbox(key="surface").set_value("rosenbrock").run()
    assert "of yours stopped" not in story(at)
