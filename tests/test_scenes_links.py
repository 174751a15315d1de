"""Shared links: exact round trips, and a message for everything malformed."""

from __future__ import annotations

import math
from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from optimizers import OPTIMIZERS
from scenes import DEFAULT_SCENE, MAX_RUNS, MAX_STEPS, PRESETS, RunSpec, Scene
from scenes.links import (
    escape_markdown,
    fmt,
    page_from_query,
    scene_from_query,
    scene_to_query,
)
from scenes.model import (
    CUSTOM,
    MAX_EXPR_LENGTH,
    plot_box,
    slider_menu,
    surface_params,
)
from scenes.surface_defaults import default_start
from surfaces import FACTORIES, SURFACE_PARAMS, SURFACE_WORDS
from surfaces.expression import DOMAIN_LIMIT, MIN_WIDTH


def _hyper_value(spec):
    if spec.kind == "bool":
        return st.booleans()
    values = st.floats(spec.low, spec.high, exclude_min=spec.low_open,
                       exclude_max=spec.high_open)
    # Menu values (what the sliders offer) and arbitrary ones (what a link may carry).
    menu = [v for v in slider_menu(spec.name) if spec.contains(v)]
    return st.one_of(st.sampled_from(menu), values)


@st.composite
def run_specs(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    values = {h.name: draw(_hyper_value(h)) for h in OPTIMIZERS[name].hyper
              if draw(st.booleans())}
    return RunSpec.make(name, draw(st.booleans()), **values)


_FORMULA = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                   max_size=MAX_EXPR_LENGTH).filter(str.strip)


@st.composite
def boxes(draw):
    x0, y0 = (draw(st.floats(-DOMAIN_LIMIT, DOMAIN_LIMIT - 1)) for _ in "xy")
    x1 = draw(st.floats(x0 + MIN_WIDTH, DOMAIN_LIMIT))
    y1 = draw(st.floats(y0 + MIN_WIDTH, DOMAIN_LIMIT))
    # x0 + MIN_WIDTH can round to a side narrower than MIN_WIDTH (3.001 - 3.0 < 0.001):
    # the page refuses such a box, so it is not a scene the page can make
    assume(x1 - x0 >= MIN_WIDTH and y1 - y0 >= MIN_WIDTH)
    return ((x0, x1), (y0, y1))


@st.composite
def scenes(draw):
    """Any scene the page can make: library surfaces with every parameter in range, and
    typed formulas (any text: whether it parses is the page's business, not the link's)."""
    surface = draw(st.sampled_from([*sorted(FACTORIES), CUSTOM]))
    if surface == CUSTOM:
        domain = draw(boxes())
        (x0, x1), (y0, y1) = domain
        return Scene(surface=CUSTOM, expr=draw(_FORMULA), domain=domain,
                     start=(draw(st.floats(x0, x1)), draw(st.floats(y0, y1))),
                     steps=draw(st.integers(1, MAX_STEPS)),
                     runs=tuple(draw(st.lists(run_specs(), min_size=1, max_size=MAX_RUNS))))
    params = surface_params(surface, {
        p.name: draw(st.floats(p.low, p.high)) for p in SURFACE_PARAMS.get(surface, ())
    })
    words = tuple((c.name, draw(st.sampled_from(c.choices)))
                  for c in SURFACE_WORDS.get(surface, ()))
    scene = Scene(surface=surface, params=params, choices=words)
    (x0, x1), (y0, y1) = plot_box(scene)
    start = (draw(st.floats(x0, x1)), draw(st.floats(y0, y1)))
    return Scene(surface=surface, params=params, choices=words, start=start,
                 steps=draw(st.integers(1, MAX_STEPS)),
                 runs=tuple(draw(st.lists(run_specs(), min_size=1, max_size=MAX_RUNS))))


@settings(max_examples=200, deadline=None)
@given(scenes())
def test_every_scene_round_trips_exactly(scene):
    assert scene_from_query(scene_to_query(scene)) == (scene, [])


@settings(max_examples=50, deadline=None)
@given(scenes())
def test_round_trip_through_a_real_url(scene):
    """Through urlencode / parse_qs, as a browser and a server would see it."""
    url = urlencode(scene_to_query(scene), doseq=True)
    assert scene_from_query(parse_qs(url, keep_blank_values=True)) == (scene, [])


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_presets_round_trip(preset):
    assert scene_from_query(scene_to_query(preset.scene)) == (preset.scene, [])


def test_the_schema_example_reads_without_a_message():
    scene, messages = scene_from_query(parse_qs(
        "surface=ravine&kappa=40&angle=0&start=-8,1.5&steps=300&run=sgd:lr=0.1"
        "&run=momentum:lr=0.1,mu=0.9&run=adam:lr=0.3,beta1=0.9,beta2=0.999"
    ))
    assert messages == []
    assert scene == Scene(
        surface="ravine", params=(("kappa", 40.0), ("angle", 0.0)), start=(-8.0, 1.5),
        steps=300, runs=(RunSpec.make("sgd", lr=0.1), RunSpec.make("momentum", lr=0.1, mu=0.9),
                         RunSpec.make("adam", lr=0.3, beta1=0.9, beta2=0.999)),
    )


def test_empty_link_is_the_default_scene():
    assert scene_from_query({}) == (DEFAULT_SCENE, [])


def test_numbers_are_written_short_and_exact():
    assert [fmt(v) for v in (-8.0, 1.5, 0.1, 1e-07, 0.30000000000000004, True)] == [
        "-8", "1.5", "0.1", "1e-07", "0.30000000000000004", "true"]
    assert scene_to_query(replace(DEFAULT_SCENE, start=(-8.0, 2.5)))["start"] == "-8,2.5"


def _one(query, needle):
    """Parse ``query``; assert that a message says ``needle``."""
    scene, messages = scene_from_query(query)
    assert any(needle in m for m in messages), messages
    return scene


RAVINE_PARAMS = (("kappa", 50.0), ("angle", 0.0))


@pytest.mark.parametrize("query, needle, check", [
    ({"surface": "moon"}, "unknown surface",
     lambda s: s.surface == "ravine" and s.params == RAVINE_PARAMS),
    ({"surface": ["saddle", "booth"]}, "appears 2 times", lambda s: s.surface == "saddle"),
    ({"kappa": "nan"}, "from 1 to 1000", lambda s: s.params == RAVINE_PARAMS),
    ({"kappa": "inf"}, "from 1 to 1000", lambda s: s.params == RAVINE_PARAMS),
    ({"kappa": "1e9"}, "from 1 to 1000", lambda s: s.params == RAVINE_PARAMS),
    ({"angle": "ninety"}, "from -90 to 90", lambda s: s.params == RAVINE_PARAMS),
    ({"start": "-8"}, "x,y inside", lambda s: s.start == (-8.0, 1.5)),
    ({"start": "1e400,0"}, "x,y inside", lambda s: s.start == (-8.0, 1.5)),
    ({"start": "50,0"}, "x,y inside", lambda s: s.start == (-8.0, 1.5)),
    ({"steps": "many"}, "whole number", lambda s: s.steps == 300),
    ({"steps": "-5"}, "out of range", lambda s: s.steps == 1),
    ({"steps": "2.5"}, "whole number", lambda s: s.steps == 300),
    ({"steps": "10000000"}, "out of range", lambda s: s.steps == MAX_STEPS),
    ({"steps": "0"}, "out of range", lambda s: s.steps == 1),
    ({"steps": "9" * 5000}, "too long", lambda s: s.steps == 300),
    ({"run": "lbfgs:lr=1"}, "unknown optimizer", lambda s: s.runs == DEFAULT_SCENE.runs),
    ({"run": ["sgd:lr=0.1", "lbfgs"]}, "unknown optimizer",
     lambda s: s.runs == (RunSpec.make("sgd", lr=0.1),)),
    ({"run": "sgd:lr=0.1,mu=0.9"}, "SGD takes lr",
     lambda s: s.runs == (RunSpec.make("sgd", lr=0.1),)),
    ({"run": "sgd:lr=fast"}, "must be a number", lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "sgd:lr=nan"}, "must be a number", lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "sgd:lr=-inf"}, "must be a number", lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "sgd:lr=0"}, "in [1e-06, 100]", lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "momentum:mu=1.5"}, "in [0, 1]", lambda s: s.runs == (RunSpec.make("momentum"),)),
    ({"run": "adam:beta2=1"}, "in [0, 1)", lambda s: s.runs == (RunSpec.make("adam"),)),
    ({"run": "adam:bias_correction=maybe"}, "true or false",
     lambda s: s.runs == (RunSpec.make("adam"),)),
    ({"run": "sgd:lr=0.1,lr=0.2"}, "appears twice", lambda s: s.runs[0].values["lr"] == 0.1),
    ({"run": "sgd:lr"}, "name=value", lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "sgd:lr=" + "1" * 300}, "characters", lambda s: s.runs == DEFAULT_SCENE.runs),
    ({"run": ["sgd"] * 1000}, "kept the first",
     lambda s: s.runs == (RunSpec.make("sgd"),) * MAX_RUNS),
    ({"colour": "red"}, "unknown link parameter 'colour'", lambda s: s == DEFAULT_SCENE),
    ({f"k{i}": "1" for i in range(10_000)}, "and 9,995 more", lambda s: s == DEFAULT_SCENE),
    ({"surface": "saddle", "kappa": "40"}, "unknown link parameter 'kappa'",
     lambda s: s.surface == "saddle" and s.params == ()),
    ({"surface": "booth", "expr": "x**2"}, "only a custom surface",
     lambda s: s.surface == "booth" and s.expr == ""),
    ({"surface": "custom"}, "no formula", lambda s: s.surface == "ravine"),
    ({"surface": "custom", "expr": "x" * 5000}, "too long", lambda s: s.surface == "ravine"),
    ({"surface": "custom", "expr": "x**2", "domain": "5,-5,-5,5"}, "x min must be less",
     lambda s: s.domain == ((-5.0, 5.0), (-5.0, 5.0))),
    ({"steps": 300}, "not text", lambda s: s.steps == 300),
])
def test_malformed_links_fall_back_with_a_message(query, needle, check):
    assert check(_one(query, needle))


def test_a_disabled_run_travels():
    scene, messages = scene_from_query({"run": "adam:lr=0.3,enabled=false"})
    assert messages == [] and scene.runs == (RunSpec.make("adam", False, lr=0.3),)
    assert scene_to_query(scene)["run"] == ["adam:lr=0.3,enabled=false"]


def test_a_typed_surface_travels():
    scene = Scene(surface="custom", expr="0.05*x**2 + 2*y**2", domain=((-3.0, 3.0), (-1.0, 2.0)),
                  start=default_start("custom", (), ((-3.0, 3.0), (-1.0, 2.0))), steps=50,
                  runs=(RunSpec.make("adam", lr=0.1),))
    query = scene_to_query(scene)
    assert query["expr"] == "0.05*x**2 + 2*y**2" and query["domain"] == "-3,3,-1,2"
    url = urlencode(query, doseq=True)
    assert scene_from_query(parse_qs(url)) == (scene, [])


_PIECES = st.sampled_from([
    "", ",", ":", "=", "nan", "inf", "-inf", "1e308", "1e999", "-0", "0", "1", "0.5", "2",
    "300", "-8,1.5", "sgd", "adam", "momentum", "lr", "mu", "beta1", "eps", "enabled", "true",
    "custom", "ravine", "x**2", "\x00", "é", "$x$", "[a](b)", "penguins", "raw",
    "standardised", "16", "342",
])
_KEYS = st.sampled_from(["surface", "kappa", "angle", "expr", "domain", "start", "steps",
                         "run", "scaling", "batch", "junk"])
_TEXT = st.one_of(st.text(max_size=30), st.lists(_PIECES, max_size=8).map("".join))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(_KEYS, st.text(max_size=10)),
                       st.one_of(_TEXT, st.lists(_TEXT, max_size=12)), max_size=10))
def test_scene_from_query_is_total(query):
    scene, messages = scene_from_query(query)
    assert isinstance(scene, Scene) and all(isinstance(m, str) for m in messages)
    # What comes out is a valid scene: it round-trips, and every number is finite.
    assert scene_from_query(scene_to_query(scene)) == (scene, [])
    assert 1 <= len(scene.runs) <= MAX_RUNS and 1 <= scene.steps <= MAX_STEPS
    assert all(math.isfinite(v) for v in scene.start)


@pytest.mark.parametrize("hostile", ["[click](http://evil.example)", "![x](http://e/x.png)",
                                     "$\\frac{1}{0}$", "<img src=x>", "**bold** `code`"])
def test_messages_quote_hostile_text_harmlessly(hostile):
    _, messages = scene_from_query({"surface": hostile})
    shown = escape_markdown(messages[0])
    for char in "[]()!$<>*`":
        assert shown.count(char) == shown.count("\\" + char)


# Separators U+001C-U+001F, which str.strip() removes but float() and int() refuse: a link
# holding one gets a message, never an exception.
@pytest.mark.parametrize("query, needle, check", [
    ({"kappa": "0\x1f"}, "U+001F is a control character", lambda s: s.params == RAVINE_PARAMS),
    ({"angle": "3\x1f"}, "U+001F is a control character", lambda s: s.params == RAVINE_PARAMS),
    ({"steps": "5\x1c"}, "U+001C is a control character", lambda s: s.steps == 300),
    ({"start": "1\x1d,2"}, "U+001D is a control character", lambda s: s.start == (-8.0, 1.5)),
    ({"seed": "1\x1f"}, "U+001F is a control character", lambda s: s.dynamics.seed == 0),
    ({"fan": "\x1c1"}, "U+001C is a control character", lambda s: s.dynamics.fan == 1),
    ({"noise": "0.5\x1e"}, "U+001E is a control character", lambda s: s.dynamics.noise == 0),
    ({"run": "sgd:lr=0.1\x1f"}, "U+001F is a control character",
     lambda s: s.runs == (RunSpec.make("sgd"),)),
    ({"run": "sgd\x1f:lr=0.1"}, "U+001F is a control character",
     lambda s: s.runs == DEFAULT_SCENE.runs),
    ({"run": "adam:bias_correction=true\x1f"}, "U+001F is a control character",
     lambda s: s.runs == (RunSpec.make("adam"),)),
    ({"schedule": "step:drop=0.5\x1f"}, "U+001F is a control character",
     lambda s: s.dynamics.schedule.kind == "step" and s.dynamics.schedule.drop == 0.5),
    ({"schedule": "step:every=50\x1f"}, "U+001F is a control character",
     lambda s: s.dynamics.schedule.every == 100),
    ({"schedule": "step\x1f"}, "U+001F is a control character",
     lambda s: s.dynamics.schedule.kind == "constant"),
    ({"anneal": "0.5,0.99,100\x1f"}, "U+001F is a control character",
     lambda s: not s.dynamics.anneals),
    ({"surface": "custom", "expr": "x**2", "domain": "-1,1\x1f,-1,1"},
     "U+001F is a control character", lambda s: s.domain == ((-5.0, 5.0), (-5.0, 5.0))),
    ({"surface": "saddle\x1f"}, "U+001F is a control character",
     lambda s: s.surface == "ravine"),
])
def test_separator_characters_give_a_message_not_an_exception(query, needle, check):
    assert check(_one(query, needle))


def test_present_with_a_control_character_stays_off():
    page, messages = page_from_query({"present": "1\x1f"}, DEFAULT_SCENE, views=("overlay",),
                                     panels=())
    assert page.present is False and any("U+001F is a control character" in m for m in messages)


# The policy for Unicode (docs/links.md): blanks and invisible characters around a value are
# ignored; a number is plain ASCII, and anything else is refused with the character named.
@pytest.mark.parametrize("text", ["40", " 40", "40\xa0", "\ufeff40", "40\u200b", "\u3000+40\n",
                                  "\u200d40\u2060", "4e1", "40.0"])
def test_blanks_around_a_number_are_ignored(text):
    assert scene_from_query({"kappa": text}) == (
        scene_from_query({"kappa": "40"})[0], [])


@pytest.mark.parametrize("text, why", [
    ("\u0664\u0660", "type '4', not U+0664 ARABIC-INDIC DIGIT FOUR"),
    ("\uff14\uff10", "type '4', not U+FF14 FULLWIDTH DIGIT FOUR"),
    ("4\xa00", "U+00A0 NO-BREAK SPACE inside the value"),
    ("4 0", "a space inside the value"),
    ("4\u200b0", "U+200B ZERO WIDTH SPACE inside the value"),
    ("\u221240", "type '-', not U+2212 MINUS SIGN"),
    ("\u202e04", "U+202E RIGHT-TO-LEFT OVERRIDE is not plain text"),
    ("40\x00", "U+0000 is a control character"),
    ("4\u00b2", "U+00B2 SUPERSCRIPT TWO is not plain text"),
    ("1e999", "too large"),
])
def test_unicode_in_a_number_is_refused_with_the_character_named(text, why):
    scene, messages = scene_from_query({"kappa": text})
    assert scene.params == RAVINE_PARAMS
    assert len(messages) == 1 and f"({why})" in messages[0], messages
    # never the raw character: control, format and separator characters are quoted visibly
    assert messages[0].isprintable()


def test_an_unknown_page_word_lists_the_real_choices():
    """``panel=`` (none) is allowed but is no choice to list; what is used is said in words."""
    page, messages = page_from_query({"panel": "nope", "view": "grid"}, DEFAULT_SCENE,
                                     views=("overlay", "multiples"), panels=("theory", "export"))
    assert (page.panel, page.view) == (None, "overlay")
    assert messages == [
        "ignored view='grid': unknown view (choose one of overlay, multiples); used overlay",
        "ignored panel='nope': unknown panel (choose one of theory, export); used none"]
