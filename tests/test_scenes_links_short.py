"""Short links: only what differs from the defaults is written, a preset's or a lecture
step's key alone opens it, and the long links written before keep opening the same scene."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers.schedules import Schedule
from scenes import DEFAULT_SCENE, PRESETS, PRESETS_BY_KEY, RunSpec, Scene
from scenes.dynamics import Dynamics
from scenes.lecture import LECTURE, STEPS_BY_KEY
from scenes.links import (
    NO_PAGE_VIEW,
    PageView,
    fmt,
    link_query,
    page_from_query,
    page_to_query,
    scene_from_query,
    scene_to_query,
)
from scenes.model import CUSTOM, PALETTE_SIZE, plot_box, surface_choices, surface_params
from scenes.surface_defaults import default_scene
from surfaces import FACTORIES, SURFACE_PARAMS, SURFACE_WORDS
from surfaces.expression import DEFAULT_DOMAIN
from tests.test_scenes_dynamics import dynamics
from tests.test_scenes_links import run_specs, scenes

VIEWS, PANELS = ("overlay", "multiples"), ("theory", "export")


def url(query) -> str:
    """The query as the address bar holds it, ``?`` included (empty for no keys)."""
    text = urlencode(query, doseq=True)
    return f"?{text}" if text else ""


def long_query(scene: Scene) -> dict:
    """The long form every link was written in before: every value spelled out.

    A reference written here, independently of ``scenes.links``, as the links that
    lecturers have already shared were made.
    """
    query = {"surface": scene.surface}
    query.update({name: fmt(value) for name, value in scene.params})
    query.update(dict(scene.choices))
    if scene.surface == CUSTOM:
        query["expr"] = scene.expr
        (x0, x1), (y0, y1) = scene.domain or DEFAULT_DOMAIN
        query["domain"] = ",".join(fmt(v) for v in (x0, x1, y0, y1))
    query["start"] = ",".join(fmt(v) for v in scene.start)
    query["steps"] = str(scene.steps)
    dynamics = scene.dynamics
    if dynamics.noise:
        query["noise"] = fmt(dynamics.noise)
    if dynamics.seed:
        query["seed"] = str(dynamics.seed)
    if dynamics.fan != 1:
        query["fan"] = str(dynamics.fan)
    if dynamics.batch_size is not None:
        query["batch"] = str(dynamics.batch_size)
    schedule = dynamics.schedule
    settings_of = {"step": ("drop", "every"), "exponential": ("gamma",), "inverse": ("k",)}
    if schedule.kind != "constant":
        query["schedule"] = schedule.kind + ":" + ",".join(
            f"{name}={fmt(getattr(schedule, name))}" for name in settings_of[schedule.kind])
    if dynamics.anneals:
        query["anneal"] = ",".join(
            fmt(v) for v in (schedule.mu_start, schedule.mu_end, schedule.anneal_steps))
    query["run"] = [f"{run.optimizer}:" + ",".join(
        [f"{name}={fmt(value)}" for name, value in run.hyper]
        + ([] if run.enabled else ["enabled=false"])) for run in scene.runs]
    return query


# --- the short form -------------------------------------------------------------------------

def test_the_default_scene_has_the_shortest_link():
    assert scene_to_query(DEFAULT_SCENE) == {}
    assert len("http://lecture-hall.example:8501/" + url(scene_to_query(DEFAULT_SCENE))) <= 80


def test_a_link_writes_only_what_differs_from_the_defaults():
    scene = replace(DEFAULT_SCENE, steps=500, runs=(
        RunSpec.make("sgd", lr=1.8), RunSpec.make("adam", lr=0.3, bias_correction=False),
        RunSpec.make("momentum")))
    assert scene_to_query(scene) == {
        "steps": "500", "run": ["sgd:lr=1.8", "adam:lr=0.3,bias_correction=false", "momentum"]}
    assert scene_from_query(scene_to_query(scene)) == (scene, [])
    # a surface's own default start, steps and runs are left out too
    assert scene_to_query(Scene(surface="rosenbrock", **_defaults("rosenbrock"))) == {
        "surface": "rosenbrock"}
    # the penguins' default scaling is raw: only another is written
    raw = Scene(surface="penguins", choices=surface_choices("penguins"),
                **_defaults("penguins"))
    assert scene_to_query(raw) == {"surface": "penguins"}
    assert scene_to_query(replace(raw, choices=surface_choices(
        "penguins", {"scaling": "centred"}))) == {"surface": "penguins", "scaling": "centred"}


def _defaults(name):
    from scenes.surface_defaults import default_scene
    scene = default_scene(name)
    return {"params": scene.params, "start": scene.start, "steps": scene.steps,
            "runs": scene.runs}


def test_a_run_keeps_its_colour_in_a_short_link():
    """The default runs with the second removed and put back at the end: same runs as
    another scene's would be, but each keeps its colour, so the runs are written."""
    runs = DEFAULT_SCENE.runs
    moved = (*runs[:1], *runs[2:], replace(runs[1], color=1))
    scene = DEFAULT_SCENE.with_runs(moved)
    query = scene_to_query(scene)
    assert query["run"][-1] == "momentum:lr=0.3,color=1"
    back, messages = scene_from_query(query)
    assert messages == [] and back.colors() == scene.colors()


def test_a_typed_formula_leaves_out_the_default_box():
    scene = Scene(surface=CUSTOM, expr="x**2 + 10*y**2", domain=DEFAULT_DOMAIN,
                  start=(1.0, 2.0), steps=300, runs=DEFAULT_SCENE.runs)
    assert scene_to_query(scene) == {"surface": "custom", "expr": "x**2 + 10*y**2",
                                     "start": "1,2"}
    assert scene_from_query(scene_to_query(scene)) == (scene, [])


@st.composite
def near_default_scenes(draw):
    """Scenes that keep some of their surface's defaults and change others: the surface's
    parameters, start, steps, runs (one changed, one added, or the colours moved), noise,
    schedules and mini-batches, each default or not."""
    surface = draw(st.sampled_from(sorted(FACTORIES)))
    params = {p.name: draw(st.sampled_from([p.default, p.low, p.high]))
              for p in SURFACE_PARAMS.get(surface, ()) if draw(st.booleans())}
    words = {c.name: draw(st.sampled_from(c.choices))
             for c in SURFACE_WORDS.get(surface, ()) if draw(st.booleans())}
    scene = default_scene(surface, params, words)
    if draw(st.booleans()):
        (x0, x1), (y0, y1) = plot_box(scene)
        scene = replace(scene, start=(draw(st.floats(x0, x1)), draw(st.floats(y0, y1))))
    if draw(st.booleans()):
        scene = replace(scene, steps=draw(st.integers(1, 2000)))
    runs = list(scene.runs)
    change = draw(st.sampled_from(["none", "one", "add", "colours", "off"]))
    where = draw(st.integers(0, len(runs) - 1))
    if change == "one":
        runs[where] = draw(run_specs())
    elif change == "add":
        runs.append(draw(run_specs()))
    elif change == "colours":
        # each run its own colour, as the page gives them (a new run takes a free one)
        colours = draw(st.permutations(range(PALETTE_SIZE)))
        runs = [replace(run, color=colour) for run, colour in zip(runs, colours, strict=False)]
    elif change == "off":
        runs[where] = replace(runs[where], enabled=False)
    value = draw(st.one_of(st.just(Dynamics()), dynamics()))
    if scene.rows is not None and draw(st.booleans()):
        value = replace(value, batch_size=draw(st.integers(1, scene.rows - 1)))
    return replace(scene, runs=tuple(runs), dynamics=value)


@settings(max_examples=200, deadline=None)
@given(near_default_scenes())
def test_a_scene_near_its_defaults_round_trips_through_a_short_link(scene):
    query = scene_to_query(scene)
    back, messages = scene_from_query(parse_qs(url(query)[1:], keep_blank_values=True))
    assert (back, messages) == (scene, [])
    assert back.colors() == scene.colors()
    assert len(url(query)) <= len(url(long_query(scene)))
    # every value left out is the default a link without it gives
    assert "surface" in query or scene.surface == "ravine"
    assert ("run" in query) == (scene.runs != default_scene(
        scene.surface, scene.params, scene.choices).runs or any(
        run.color is not None and run.color != place
        for run, place in zip(scene.runs, scene.with_runs(
            [replace(r, color=None) for r in scene.runs]).colors(), strict=True)))


@settings(max_examples=150, deadline=None)
@given(scenes())
def test_a_short_link_is_never_longer_than_the_long_one(scene):
    short, long = url(scene_to_query(scene)), url(long_query(scene))
    assert len(short) <= len(long)
    assert scene_from_query(parse_qs(short[1:], keep_blank_values=True)) == (scene, [])


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_preset_link_is_short(preset):
    query = scene_to_query(preset.scene)
    assert scene_from_query(query) == (preset.scene, [])
    assert len(url(query)) < len(url(long_query(preset.scene)))
    assert len(url(query)) <= 120


# --- old long links --------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(scenes())
def test_every_long_link_still_opens_its_scene(scene):
    assert scene_from_query(long_query(scene)) == (scene, [])


_RAVINE = (("kappa", 50.0), ("angle", 0.0))
_SIX = DEFAULT_SCENE.runs


# Links as the page wrote them before links were short (copied from its address bar),
# each with the scene it must open.
OLD_LINKS = [
    ("surface=ravine&kappa=50&angle=0&start=-8,1.5&steps=300&run=sgd:lr=1.8&run=momentum:lr=0.3,"
     "mu=0.9&run=nesterov:lr=0.3,mu=0.9&run=adagrad:lr=0.3,eps=1e-07&run=rmsprop:lr=0.1,"
     "decay_rate=0.99,eps=1e-07&run=adam:lr=0.3,beta1=0.9,beta2=0.999,eps=1e-07,"
     "bias_correction=true", DEFAULT_SCENE),
    ("surface=ravine&kappa=50&angle=0&start=-8,1.5&steps=1000&run=adagrad:lr=0.05,eps=1e-07"
     "&run=rmsprop:lr=0.05,decay_rate=0.99,eps=1e-07&preset=rmsprop_fix",
     Scene(params=_RAVINE, start=(-8.0, 1.5), steps=1000,
           runs=(RunSpec.make("adagrad", lr=0.05),
                 RunSpec.make("rmsprop", lr=0.05, decay_rate=0.99)))),
    ("surface=penguins&scaling=standardised&start=0,0&steps=200&fan=5&batch=8&run=sgd:lr=0.1",
     Scene(surface="penguins", choices=(("scaling", "standardised"),), start=(0.0, 0.0),
           steps=200, runs=(RunSpec.make("sgd", lr=0.1),),
           dynamics=Dynamics(fan=5, batch_size=8))),
    ("surface=ravine&kappa=10&angle=0&start=-8,1.5&steps=300&noise=1&fan=5"
     "&schedule=step:drop=0.3,every=100&run=sgd:lr=1",
     Scene(params=(("kappa", 10.0), ("angle", 0.0)), start=(-8.0, 1.5), steps=300,
           runs=(RunSpec.make("sgd", lr=1.0),),
           dynamics=Dynamics(noise=1.0, fan=5, schedule=Schedule("step", drop=0.3, every=100)))),
    ("surface=saddle&start=-1.8,0.001&steps=150&run=sgd:lr=0.01&run=rmsprop:lr=0.01,"
     "decay_rate=0.99,eps=1e-07&run=adam:lr=0.01,beta1=0.9,beta2=0.999,eps=1e-07,"
     "bias_correction=true", PRESETS_BY_KEY["saddle"].scene),
    ("surface=ravine&kappa=200&angle=30&start=-2.5,3.25&steps=123&anneal=0.5,0.99,100"
     "&run=momentum:lr=0.05,mu=0.99&run=adam:lr=0.0123,beta1=0.9,beta2=0.95,eps=1e-07,"
     "bias_correction=false,enabled=false&run=nesterov:lr=0.3,mu=0.9,color=4",
     Scene(params=(("kappa", 200.0), ("angle", 30.0)), start=(-2.5, 3.25), steps=123,
           runs=(RunSpec.make("momentum", lr=0.05, mu=0.99),
                 RunSpec.make("adam", False, lr=0.0123, beta2=0.95, bias_correction=False),
                 RunSpec.make("nesterov", lr=0.3, mu=0.9, color=4)),
           dynamics=Dynamics(schedule=Schedule(mu_start=0.5)))),
    ("surface=custom&expr=abs(x)+%2B+10*abs(y)&domain=-4,4,-2,2&start=-3,1.5&steps=100"
     "&run=adam:lr=0.1,beta1=0.9,beta2=0.999,eps=1e-07,bias_correction=true"
     "&run=sgd:lr=0.05",
     Scene(surface=CUSTOM, expr="abs(x) + 10*abs(y)", domain=((-4.0, 4.0), (-2.0, 2.0)),
           start=(-3.0, 1.5), steps=100,
           runs=(RunSpec.make("adam", lr=0.1), RunSpec.make("sgd", lr=0.05)))),
    ("surface=ravine&kappa=40&angle=0&start=-8,1.5&steps=300&run=sgd:lr=0.1"
     "&run=momentum:lr=0.1,mu=0.9&run=adam:lr=0.3,beta1=0.9,beta2=0.999",
     Scene(params=(("kappa", 40.0), ("angle", 0.0)), start=(-8.0, 1.5), steps=300,
           runs=(RunSpec.make("sgd", lr=0.1), RunSpec.make("momentum", lr=0.1, mu=0.9),
                 RunSpec.make("adam", lr=0.3)))),
]


@pytest.mark.parametrize("link, scene", OLD_LINKS, ids=range(len(OLD_LINKS)))
def test_old_long_links_open_the_same_scene(link, scene):
    opened, messages = scene_from_query(parse_qs(link))
    assert (opened, messages) == (scene, [])
    assert opened.colors() == scene.colors()
    # ... and are written shorter now, to the same scene
    assert len(url(scene_to_query(opened))) < len(link)
    assert scene_from_query(scene_to_query(opened)) == (scene, [])


def test_an_old_preset_link_still_names_its_preset():
    """A preset's old long link opens its scene and keeps the preset while it still is it."""
    scene = PRESETS_BY_KEY["saddle"].scene
    query = {**long_query(scene), "preset": "saddle"}
    opened, _ = scene_from_query(query)
    page, messages = page_from_query(query, opened, views=VIEWS, panels=PANELS)
    assert (page.preset, messages) == ("saddle", [])


# --- a preset's key, a lecture step's key ----------------------------------------------------

@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_a_preset_key_alone_opens_the_preset(preset):
    query = {"preset": preset.key}
    scene, messages = scene_from_query(query)
    assert (scene, messages) == (preset.scene, [])
    page, page_messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
    assert (page.preset, page.lecture, page.frame, page_messages) == (preset.key, None, None, [])


@pytest.mark.parametrize("step", LECTURE, ids=lambda s: s.key)
def test_a_lecture_link_opens_its_step_ready_to_play(step):
    query = parse_qs(f"lecture={step.key}&present=1")
    scene, messages = scene_from_query(query)
    assert (scene, messages) == (step.scene, [])
    page, page_messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
    assert page_messages == []
    assert (page.lecture, page.frame, page.present) == (step.key, 0, True)
    # written back, the link is the step's key alone
    assert link_query(scene, page) == {"present": "1", "lecture": step.key}
    assert url(link_query(scene, replace(page, present=False))) == f"?lecture={step.key}"


def test_a_lecture_step_whose_scene_was_changed_is_dropped():
    step = STEPS_BY_KEY["friction"]
    changed = replace(step.scene, steps=400)
    query = {**scene_to_query(changed), "lecture": "friction"}
    scene, messages = scene_from_query(query)
    assert (scene, messages) == (changed, [])
    page, page_messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
    assert (page.lecture, page.frame) == (None, None)
    assert page_messages == ["ignored lecture=friction: the link's scene is no longer that "
                             "step's, so its question and claim would not fit"]
    # the page then writes the changed scene without the step
    assert link_query(changed, PageView(lecture="friction")) == scene_to_query(changed)


@pytest.mark.parametrize("query, needle", [
    ({"lecture": "nope"}, "ignored lecture='nope': unknown lecture step (choose one of jitter,"),
    ({"preset": "nope"}, "ignored preset='nope': unknown preset (choose one of jitter,"),
    ({"lecture": "\u200bjitter\x1f"}, "U+001F is a control character"),
])
def test_an_unknown_step_or_preset_opens_the_default_scene_with_a_message(query, needle):
    scene, messages = scene_from_query(query)
    assert (scene, messages) == (DEFAULT_SCENE, [])
    page, page_messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
    assert (page.lecture, page.preset) == (None, None)
    assert len(page_messages) == 1 and needle in page_messages[0], page_messages


def test_blanks_around_a_step_key_are_ignored_as_for_every_key():
    scene, messages = scene_from_query({"lecture": "\u200b friction\xa0"})
    assert (scene, messages) == (STEPS_BY_KEY["friction"].scene, [])


def test_a_step_key_with_an_unknown_key_opens_the_step_and_says_what_it_ignored():
    """Chat apps add their own keys (``fbclid``) to shared links."""
    scene, messages = scene_from_query({"lecture": "saddle", "fbclid": "xyz"})
    assert scene == STEPS_BY_KEY["saddle"].scene
    assert messages == ["ignored unknown link parameter 'fbclid'"]


def test_a_step_key_takes_precedence_over_a_preset_key():
    query = {"lecture": "saddle", "preset": "jitter"}
    scene, _ = scene_from_query(query)
    assert scene == STEPS_BY_KEY["saddle"].scene
    page, messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
    assert (page.lecture, page.preset) == ("saddle", None)
    assert messages == ["ignored preset=jitter: the link's scene is no longer that preset's, "
                        "so its sentence would not fit"]


def test_the_page_keys_are_written_only_when_not_their_defaults():
    assert page_to_query(NO_PAGE_VIEW) == {}
    assert page_to_query(PageView(lecture="saddle", frame=0)) == {"lecture": "saddle"}
    # link_query: a preset's key alone while the scene is the preset's, else the scene
    preset = PRESETS_BY_KEY["nesterov"]
    assert link_query(preset.scene, PageView(preset="nesterov", view="multiples")) == {
        "view": "multiples", "preset": "nesterov"}
    assert link_query(DEFAULT_SCENE, PageView(preset="nesterov")) == {}
    assert link_query(DEFAULT_SCENE) == {}


def test_surface_keys_in_a_link_describe_the_scene_even_beside_a_preset_key():
    """``?preset=jitter&steps=300`` is the default ravine with 300 steps: the scene's keys
    are read as always, and the preset's key is dropped as no longer fitting."""
    query = {"preset": "jitter", "surface": "ravine", "kappa": "100"}
    scene, messages = scene_from_query(query)
    assert messages == [] and scene.params == surface_params("ravine", {"kappa": 100.0})
    assert scene.runs == DEFAULT_SCENE.runs


# --- the page's address opens them (controls.address, without Streamlit) --------------------

@pytest.mark.parametrize("query, key", [({"preset": "rmsprop_fix"}, "rmsprop_fix"),
                                         ({"lecture": "friction"}, "friction")])
def test_the_page_opens_a_preset_or_step_from_its_key_alone(query, key):
    from controls import address, scene_state
    from tests.test_address import Params

    ss: dict = {}
    address.open_link(ss, Params(query), views=VIEWS, panels=PANELS)
    assert scene_state.read_scene(ss) == PRESETS_BY_KEY[key].scene
    assert ss["link_messages"] == []
    if "preset" in query:
        assert ss["preset"] == key  # its sentence shows


def test_the_documented_links_open_without_a_message():
    """Every link that docs/links.md shows in a code block (a line starting with ``?``, the
    long example's ``&`` lines joined to it)."""
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "links.md").read_text()
    links, blocks = [], doc.split("```")[1::2]
    for block in blocks:
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("?"):
                links.append(line[1:])
            elif line.startswith("&") and links:
                links[-1] += line
    assert len(links) >= 6
    for link in links:
        query = parse_qs(link)
        scene, messages = scene_from_query(query)
        page, page_messages = page_from_query(query, scene, views=VIEWS, panels=PANELS)
        assert messages == page_messages == [], link
    assert scene_from_query(parse_qs("kappa=100&steps=200&run=sgd:lr=1.9&run=sgd:lr=0.5"))[0] \
        == PRESETS_BY_KEY["jitter"].scene
