"""Every key of a link and every field of a run, with arbitrary Unicode text in it.

Each property reads one key (or one field) and checks the page's answer against a reference
reading of the documented policy (docs/links.md), written here independently of
``surfaces.plain_text``: the value it shows, or its default and one message saying why, never
an exception, and never a character in a message that does not print. Every failure found,
here or by ``HYPOTHESIS_PROFILE=explore``, is kept as an ``@example``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from optimizers import OPTIMIZERS
from optimizers.schedules import Schedule
from scenes import DEFAULT_SCENE, MAX_RUNS, MAX_STEPS, RunSpec, Scene
from scenes.dynamics import MAX_FAN, MAX_NOISE, MAX_SEED, Dynamics
from scenes.links import (
    NO_PAGE_VIEW,
    page_from_query,
    scene_from_query,
    scene_to_query,
)
from scenes.model import PALETTE_SIZE, plot_box
from surfaces import FACTORIES

# --- the documented policy, restated ------------------------------------------------------------

# Blanks: Unicode's White_Space (str.isspace() without the separators U+001C-U+001F) and the
# invisible characters the docs list.
BLANKS = "".join(sorted(
    {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()} - set("\x1c\x1d\x1e\x1f")
    | set("\u200b\u200c\u200d\u2060\ufeff\xad\u200e\u200f\u180e")))
LONGEST = 200  # a longer value is ignored as too long
TRUE, FALSE = ("true", "on", "1", "yes"), ("false", "off", "0", "no")


def ref_number(text: str) -> float | None:
    """The number ``text`` shows: plain ASCII that Python reads as a finite float, blanks
    around it aside; else None."""
    core = text.strip(BLANKS)
    if not (core.isascii() and core.isprintable()) or " " in core or "_" in core:
        return None
    try:
        value = float(core)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def ref_whole(text: str) -> int | None:
    value = ref_number(text)
    return int(value) if value is not None and value.is_integer() else None


def ref_switch(text: str) -> bool | None:
    core = text.strip(BLANKS)
    if core.isascii() and core.lower() in TRUE + FALSE:
        return core.lower() in TRUE
    return None


def ref_word(text: str, choices) -> str | None:
    core = text.strip(BLANKS)
    return core if core in choices else None


def read(query):
    """``scene_from_query``, checking what holds for every link: a valid scene that
    round-trips, and messages that print (control, format and separator characters are
    quoted visibly, never raw)."""
    scene, messages = scene_from_query(query)
    assert isinstance(scene, Scene)
    assert all(isinstance(m, str) and m.isprintable() for m in messages), messages
    assert scene_from_query(scene_to_query(scene)) == (scene, [])
    assert 1 <= len(scene.runs) <= MAX_RUNS and 1 <= scene.steps <= MAX_STEPS
    return scene, messages


def said_once(messages, name):
    """One message, and it names ``name``: what a value that could not be used gives."""
    assert len(messages) == 1 and name in messages[0], messages
    return True


def read_run(run):
    """``read`` of one run; None (after checking) for a run too long to read at all."""
    scene, messages = read({"run": run})
    if len(run) > LONGEST:
        assert scene.runs == DEFAULT_SCENE.runs and len(messages) == 2, messages
        return None
    return scene, messages


# --- hostile text -------------------------------------------------------------------------------

# Characters a mangled or hostile link may carry: control (C0, C1), format (zero-width, BOM,
# bidi overrides), separators (spaces, line and paragraph separators), digits of other
# scripts, look-alikes, private use. Not lone surrogate halves: a URL cannot carry one (the
# server decodes its percent-escapes as UTF-8, with replacement characters), and a value
# holding one is refused whole (test_a_value_that_is_not_text_is_refused_whole).
TRICKY = st.sampled_from([
    *map(chr, range(0x20)), "\x7f", "\x85", "\x9f", "\xa0", "\xad", "\u1680", "\u180e",
    "\u2000", "\u2007", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029",
    "\u202a", "\u202e", "\u202f", "\u205f", "\u2060", "\u2066", "\u3000", "\ufeff", "\ufffd",
    "\u0661", "\u0966", "\uff15", "\U0001d7cf", "\u2212", "\u2013", "\uff0e", "\uff0c",
    "\u00b2", "\u00bd", "\u0130", "\ue000",
])
CHARS = st.one_of(
    st.characters(exclude_categories=["Cs"]),  # anything a URL can carry
    st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Nd"]),
    TRICKY,
    st.sampled_from("0123456789.-+eE ,:=%"),
)
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates included
NUMBER_TEXT = st.one_of(
    st.floats().map(repr),
    st.integers(-10**12, 10**12).map(str),
    st.floats(-1e4, 1e4).map(lambda v: f"{v:g}"),
    st.sampled_from(["0", "-0", ".5", "5.", "1e-3", "+2", "1E2", "1e999", "nan", "inf",
                     "-inf", "1_000", "0x10", "", " "]),
)


@st.composite
def mangled(draw, valid):
    """A valid text with a few runs of arbitrary characters slipped in anywhere."""
    text = draw(valid)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(CHARS, min_size=1, max_size=3)) + text[at:]
    return text


def hostile(valid):
    """Text for a value: valid, mangled, wrapped in blanks, or arbitrary."""
    blanks = st.text(st.sampled_from(BLANKS), max_size=3)
    return st.one_of(
        valid,
        mangled(valid),
        st.tuples(blanks, valid, blanks).map("".join),
        st.text(CHARS, max_size=24),
    )


NUMBERS = hostile(NUMBER_TEXT)


def no_commas(strategy):
    """Values for a field inside a comma-separated list (a run, a schedule, a point)."""
    return strategy.map(lambda t: t.replace(",", ""))


# --- surface parameters and noise: numbers in a range -------------------------------------------

NUMBER_KEYS = {
    "kappa": (1.0, 1000.0, 50.0, lambda s: dict(s.params)["kappa"]),
    "angle": (-90.0, 90.0, 0.0, lambda s: dict(s.params)["angle"]),
    "noise": (0.0, MAX_NOISE, 0.0, lambda s: s.dynamics.noise),
}


@settings(max_examples=400)
@given(st.sampled_from(sorted(NUMBER_KEYS)), NUMBERS)
@example("kappa", "0\x1f")  # float() refuses what str.strip() removes
@example("angle", "3\x1f")
@example("noise", "0.5\x1f")
@example("kappa", "\u0661\u0662")  # Arabic-Indic 12: refused, named
@example("kappa", "\uff15")  # fullwidth 5
@example("kappa", "\xa040\xa0")  # no-break spaces around: read
@example("kappa", "4\u200b0")  # a zero-width space inside: refused
@example("kappa", "\ufeff40")  # a byte-order mark in front: read
def test_a_number_key_shows_its_number_or_says_why(key, text):
    low, high, default, get = NUMBER_KEYS[key]
    scene, messages = read({key: text})
    value = ref_number(text)
    if value is not None and low <= value <= high and len(text) <= LONGEST:
        assert (get(scene), messages) == (value, [])
    else:
        assert get(scene) == default
        assert said_once(messages, key)


# --- steps, seed, fan: whole numbers ------------------------------------------------------------

WHOLE_KEYS = {  # low, high, default, clamped, read back
    "steps": (1, MAX_STEPS, 300, True, lambda s: s.steps),
    "fan": (1, MAX_FAN, 1, True, lambda s: s.dynamics.fan),
    "seed": (0, MAX_SEED, 0, False, lambda s: s.dynamics.seed),
}


@settings(max_examples=400)
@given(st.sampled_from(sorted(WHOLE_KEYS)), NUMBERS)
@example("steps", "5\x1c")
@example("seed", "1\x1f")
@example("fan", "\x1c1")
@example("steps", "\u0663\u0660\u0660")
@example("steps", "3e2")
@example("steps", "1e20")
def test_a_whole_number_key_shows_its_number_or_says_why(key, text):
    low, high, default, clamped, get = WHOLE_KEYS[key]
    scene, messages = read({key: text})
    value = ref_whole(text) if len(text) <= LONGEST else None
    if value is not None and low <= value <= high:
        assert (get(scene), messages) == (value, [])
    else:
        expected = min(max(value, low), high) if value is not None and clamped else default
        assert get(scene) == expected
        assert said_once(messages, key)


# --- start and domain: numbers separated by commas ----------------------------------------------

@settings(max_examples=200)
@given(no_commas(NUMBERS), no_commas(NUMBERS))
@example("1\x1d", "2")
@example("-8", "1.5\u200b")
@example("\u22128", "1.5")
def test_start_shows_its_point_or_says_why(x, y):
    scene, messages = read({"start": f"{x},{y}"})
    point = (ref_number(x), ref_number(y))
    (x0, x1), (y0, y1) = plot_box(DEFAULT_SCENE)
    if None not in point and x0 <= point[0] <= x1 and y0 <= point[1] <= y1 \
            and len(x) + len(y) + 1 <= LONGEST:
        assert (scene.start, messages) == (point, [])
    else:
        assert scene.start == DEFAULT_SCENE.start
        assert said_once(messages, "start")


@settings(max_examples=60)
@given(st.lists(no_commas(hostile(st.sampled_from(["-3", "3", "-2", "2", "0", "1e4"]))),
                min_size=4, max_size=4))
@example(["-1", "1\x1f", "-1", "1"])
@example(["\ufeff-1", "1", "-1", "1\xa0"])
def test_a_typed_formulas_domain_shows_its_box_or_says_why(bounds):
    text = ",".join(bounds)
    scene, messages = read({"surface": "custom", "expr": "x**2 + y**2", "domain": text})
    values = [ref_number(b) for b in bounds]
    ok = (None not in values and len(text) <= LONGEST and all(abs(v) <= 1e4 for v in values)
          and values[1] - values[0] >= 1e-3 and values[3] - values[2] >= 1e-3)
    if ok:
        assert scene.domain == ((values[0], values[1]), (values[2], values[3]))
        assert messages == []
    else:
        assert scene.domain == ((-5.0, 5.0), (-5.0, 5.0))
        assert said_once(messages, "domain")


# --- words: surface, optimizer, hyperparameter names, schedule kinds, switches -----------------

SURFACE_NAMES = tuple(FACTORIES)


@settings(max_examples=200)
@given(hostile(st.sampled_from(SURFACE_NAMES)))
@example("saddle\x1f")
@example("\ufeffsaddle")
@example("s\u200baddle")
@example("\uff53addle")  # fullwidth s
def test_surface_shows_its_surface_or_says_why(text):
    scene, messages = read({"surface": text})
    name = ref_word(text, SURFACE_NAMES) if len(text) <= LONGEST else None
    if name is not None:
        assert (scene.surface, messages) == (name, [])
    else:
        assert scene.surface == "ravine"
        assert said_once(messages, "surface")


@settings(max_examples=100)
@given(hostile(st.sampled_from(["1", "0", "true", "off", "yes", "no"])))
@example("1\x1f")
@example("\u0661")
@example("TRUE\xa0")
def test_present_shows_its_switch_or_says_why(text):
    on, messages = present_of({"present": text})
    assert all(m.isprintable() for m in messages)
    value = ref_switch(text) if len(text) <= LONGEST else None
    if value is not None:
        assert (on, messages) == (value, [])
    else:
        assert on is False and len(messages) == 1 and "present" in messages[0], messages


PAGE_WORDS = {"view": ("overlay", "multiples"), "panel": ("theory", "phase_map", "export")}


def present_of(link: dict) -> tuple[bool, list[str]]:
    """Whether a link asks for presenter mode, as the page reads it, and what it said."""
    page, messages = page_from_query(link, DEFAULT_SCENE, views=PAGE_WORDS["view"],
                                     panels=PAGE_WORDS["panel"])
    return page.present, messages


@settings(max_examples=200)
@given(st.sampled_from(sorted(PAGE_WORDS)),
       hostile(st.sampled_from(["overlay", "multiples", "theory", "phase_map", ""])))
@example("view", "multiples\x1f")
@example("panel", "\ufeffphase_map")
def test_a_page_key_shows_its_word_or_says_why(key, text):
    page, messages = page_from_query({key: text}, DEFAULT_SCENE, views=PAGE_WORDS["view"],
                                     panels=PAGE_WORDS["panel"])
    assert all(m.isprintable() for m in messages), messages
    choices = PAGE_WORDS[key] if key == "view" else ("", *PAGE_WORDS[key])
    word = ref_word(text, choices) if len(text) <= LONGEST else None
    if word is not None:
        assert getattr(page, key) == (word or None) and messages == []
    else:
        assert getattr(page, key) == getattr(NO_PAGE_VIEW, key)
        assert said_once(messages, key)


# --- every field of a run -----------------------------------------------------------------------

NUMBER_FIELDS = sorted((name, h.name) for name, opt in OPTIMIZERS.items() for h in opt.hyper
                       if h.kind != "bool")
SWITCH_FIELDS = sorted([(name, h.name) for name, opt in OPTIMIZERS.items() for h in opt.hyper
                        if h.kind == "bool"] + [(name, "enabled") for name in OPTIMIZERS])


SWITCHES = hostile(st.sampled_from(["true", "false", "on", "off", "1", "0", "yes", "no"]))


@settings(max_examples=700)
@given(st.sampled_from(NUMBER_FIELDS + SWITCH_FIELDS), no_commas(st.one_of(NUMBERS, SWITCHES)))
@example(("sgd", "lr"), "0.1\x1f")
@example(("momentum", "mu"), "\x1c0.9")
@example(("adam", "eps"), "1e-8\u200b")
@example(("adam", "beta2"), "\u0660.999")
@example(("rmsprop", "decay_rate"), "\ufeff0.9")
@example(("adam", "bias_correction"), "true\x1f")
@example(("sgd", "enabled"), "\u0660")
@example(("sgd", "enabled"), "FALSE\u3000")
def test_a_runs_field_shows_its_value_or_says_why(field, text):
    optimizer, name = field
    got = read_run(f"{optimizer}:{name}={text}")
    if got is None:
        return
    scene, messages = got
    if (optimizer, name) in SWITCH_FIELDS:
        value = ref_switch(text) if "=" not in text else None
        ok = value is not None
    else:
        spec = next(h for h in OPTIMIZERS[optimizer].hyper if h.name == name)
        value = ref_number(text) if "=" not in text else None
        ok = value is not None and bool(spec.contains(value))
    if not ok:
        assert scene.runs == (RunSpec.make(optimizer),)
        assert said_once(messages, name)
    elif name == "enabled":
        assert (scene.runs, messages) == ((RunSpec.make(optimizer, value),), [])
    else:
        assert (scene.runs, messages) == ((RunSpec.make(optimizer, **{name: value}),), [])


COLORS = hostile(st.sampled_from([str(k) for k in range(-2, PALETTE_SIZE + 2)] + ["1.0", "2e0"]))


@settings(max_examples=300)
@given(st.sampled_from(sorted(OPTIMIZERS)), no_commas(st.one_of(COLORS, ANY_TEXT)))
@example("sgd", "3\x1f")
@example("adam", "\u0663")
@example("nesterov", "\ufeff5\u00a0")
@example("sgd", str(PALETTE_SIZE))
def test_a_runs_colour_is_its_place_in_the_palette_or_says_why(optimizer, text):
    got = read_run(f"{optimizer}:color={text}")
    if got is None:
        return
    scene, messages = got
    place = ref_whole(text) if "=" not in text else None
    if place is not None and 0 <= place < PALETTE_SIZE:
        assert (scene.colors(), messages) == ([place], [])
    else:
        assert scene.colors() == [0] and said_once(messages, "color")


FORMULAS = ["x**2 + y**2", "0.05*x**2 + 2*y**2", "sin(x) + y**2", "(1 - x)**2 + (y - x**2)**2"]


@settings(max_examples=200)
@given(st.one_of(hostile(st.sampled_from(FORMULAS)), ANY_TEXT))
@example("\ufeffx**2 + y**2\u00a0\u200b")  # blanks around a formula, as around any value
@example("\u3000")
def test_a_formula_in_a_link_is_read_without_its_blanks_or_says_why(text):
    scene, messages = read({"surface": "custom", "expr": text})
    core = text.strip(BLANKS)
    if core in FORMULAS:
        assert (scene.surface, scene.expr, messages) == ("custom", core, [])
    elif not core:
        assert scene.surface != "custom" and said_once(messages, "expr")
    else:  # any other text is the formula as typed (the page says if it cannot be used)
        assert scene.surface != "custom" or scene.expr == scene.expr.strip(BLANKS)


@settings(max_examples=200)
@given(st.sampled_from(sorted(OPTIMIZERS)), st.booleans(), st.data())
@example("sgd", True, None)
def test_a_runs_names_show_themselves_or_say_why(optimizer, in_name, data):
    """The optimizer's name (``in_name``) or a hyperparameter's name, mangled."""
    hyper = OPTIMIZERS[optimizer].hyper[0]
    if data is None:  # the @example: a separator after the optimizer
        name_text, key_text = "sgd\x1f", "lr"
    elif in_name:
        name_text, key_text = data.draw(no_commas(hostile(st.just(optimizer)))), hyper.name
    else:
        name_text = optimizer
        key_text = data.draw(no_commas(hostile(st.just(hyper.name))))
    got = read_run(f"{name_text.replace(':', '')}:{key_text.replace('=', '')}={hyper.default}")
    if got is None:
        return
    scene, messages = got
    name = ref_word(name_text.replace(":", ""), OPTIMIZERS)
    known = (*(h.name for h in OPTIMIZERS[optimizer].hyper), "enabled")
    key = ref_word(key_text.replace("=", ""), known)
    if name is None:
        assert scene.runs == DEFAULT_SCENE.runs and len(messages) == 2, messages
    elif key is None and key_text.replace("=", "").strip(BLANKS):
        assert scene.runs == (RunSpec.make(name),) and len(messages) == 1, messages
    else:
        assert scene.runs == (RunSpec.make(name),)


# --- the data's settings: the penguins' scaling (a word) and the mini-batch size -------------

SCALINGS = ("raw", "centred", "standardised")
ROWS = 342  # the penguins' rows: batch=342 is every row, full batch


@settings(max_examples=200)
@given(hostile(st.sampled_from(SCALINGS)))
@example("standardised\x1f")
@example("\ufeffcentred")
@example("stand\u200bardised")
@example("Raw")  # a word is one of its choices exactly
def test_scaling_shows_its_word_or_says_why(text):
    scene, messages = read({"surface": "penguins", "scaling": text})
    word = ref_word(text, SCALINGS) if len(text) <= LONGEST else None
    if word is not None:
        assert (scene.choices, messages) == ((("scaling", word),), [])
    else:
        assert scene.choices == (("scaling", "raw"),)
        assert said_once(messages, "scaling")


@settings(max_examples=300)
@given(NUMBERS)
@example("16\x1f")
@example("\u0661\u0666")
@example("3.2e1")
@example("342")
@example("0")
@example("343")
def test_batch_shows_its_size_or_says_why(text):
    scene, messages = read({"surface": "penguins", "batch": text})
    value = ref_whole(text) if len(text) <= LONGEST else None
    if value is not None and 1 <= value <= ROWS:
        assert (scene.dynamics.batch_size, messages) == (None if value == ROWS else value, [])
    else:
        assert scene.dynamics.batch_size is None
        assert said_once(messages, "batch")


@settings(max_examples=100)
@given(st.sampled_from(sorted(set(FACTORIES) - {"penguins"})), NUMBERS, NUMBERS)
def test_a_surface_without_data_refuses_batch_and_scaling(surface, batch, scaling):
    scene, messages = read({"surface": surface, "batch": batch, "scaling": scaling})
    assert scene.dynamics.batch_size is None and scene.choices == ()
    assert len(messages) == 2 and "batch" in messages[1] and "scaling" in messages[0], messages


# --- the schedule and the annealing -------------------------------------------------------------

SCHEDULE_FIELDS = [("step", "drop"), ("step", "every"), ("exponential", "gamma"),
                   ("inverse", "k")]


@settings(max_examples=300)
@given(st.sampled_from(SCHEDULE_FIELDS), no_commas(NUMBERS))
@example(("step", "drop"), "0.5\x1f")
@example(("step", "every"), "50\x1c")
@example(("exponential", "gamma"), "\u0660.99")
@example(("inverse", "k"), "\ufeff0.01")
def test_a_schedule_setting_shows_its_value_or_says_why(field, text):
    kind, name = field
    link = f"{kind}:{name}={text}"
    scene, messages = read({"schedule": link})
    if len(link) > LONGEST:
        assert scene.dynamics.schedule.kind == "constant" and len(messages) == 1
        return
    value = ref_number(text) if "=" not in text else None
    if name == "every" and value is not None:
        value = int(value) if value.is_integer() else None
    try:
        expected = Dynamics(schedule=Schedule(kind, **{name: value})) if value is not None \
            else None
    except ValueError:
        expected = None
    if expected is not None:
        assert (scene.dynamics, messages) == (expected, [])
    else:
        assert scene.dynamics == Dynamics(schedule=Schedule(kind))
        assert said_once(messages, name)


@settings(max_examples=200)
@given(no_commas(hostile(st.sampled_from(["step", "exponential", "inverse", "constant"]))))
@example("step\x1f")
@example("\u200bexponential")
def test_a_schedule_kind_shows_itself_or_says_why(text):
    link = f"{text.replace(':', '')}:"
    scene, messages = read({"schedule": link})
    kind = ref_word(text.replace(":", ""), ("constant", "step", "exponential", "inverse"))
    if kind is not None and len(link) <= LONGEST:
        assert (scene.dynamics, messages) == (Dynamics(schedule=Schedule(kind)), [])
    else:
        assert scene.dynamics.schedule.kind == "constant" and len(messages) == 1, messages


@settings(max_examples=200)
@given(st.lists(no_commas(hostile(st.sampled_from(["0.5", "0.99", "100", "0", "1"]))),
                min_size=3, max_size=3))
@example(["0.5", "0.99", "100\x1f"])
@example(["\u0660.5", "0.99", "100"])
def test_the_annealing_shows_itself_or_says_why(values):
    link = ",".join(values)
    scene, messages = read({"anneal": link})
    start, end, steps = (ref_number(v) for v in values)
    expected = None
    if None not in (start, end, steps) and steps.is_integer() and len(link) <= LONGEST:
        try:
            expected = Dynamics(schedule=Schedule(mu_start=start, mu_end=end,
                                                  anneal_steps=int(steps)))
        except ValueError:
            pass
    if expected is not None:
        assert (scene.dynamics, messages) == (expected, [])
    else:
        assert not scene.dynamics.anneals and len(messages) == 1, messages


# --- keys ---------------------------------------------------------------------------------------

@settings(max_examples=200)
@given(hostile(st.sampled_from(["kappa", "steps", "surface"])))
@example("\ufeffkappa")  # a link saved with a byte-order mark
@example("kappa\x1f")
def test_a_key_with_blanks_around_is_that_key(key):
    scene, messages = read({key: "3"})
    name = ref_word(key, ("kappa", "steps", "surface"))
    if name == "kappa":
        assert dict(scene.params)["kappa"] == 3.0 and messages == []
    elif name == "steps":
        assert scene.steps == 3 and messages == []
    else:  # an unknown key, or surface=3
        assert len(messages) == 1 and ("unknown" in messages[0]), messages


# --- everything at once -------------------------------------------------------------------------

KEYS = ["surface", "kappa", "angle", "expr", "domain", "start", "steps", "noise", "seed", "fan",
        "schedule", "anneal", "present", "view", "panel", "preset", "run"]
VALID = {
    "surface": st.sampled_from([*SURFACE_NAMES, "custom"]), "expr": st.just("x**2 + y**2"),
    "domain": st.just("-3,3,-2,2"), "start": st.just("-1,1"), "present": st.just("1"),
    "schedule": st.sampled_from(["step:drop=0.5,every=50", "exponential:gamma=0.99",
                                 "inverse:k=0.1"]),
    "anneal": st.sampled_from(["on", "0.5,0.99,100"]),
    "run": st.sampled_from(["sgd:lr=0.1", "momentum:lr=0.1,mu=0.9",
                            "adam:lr=0.3,beta1=0.9,beta2=0.999,eps=1e-07,bias_correction=true",
                            "rmsprop:lr=0.01,decay_rate=0.99,enabled=false",
                            "nesterov:lr=0.1,color=5"]),
    "view": st.just("multiples"), "panel": st.just("phase_map"), "preset": st.just("jitter"),
}


@settings(max_examples=300)
@given(st.dictionaries(
    st.one_of(st.sampled_from(KEYS), hostile(st.sampled_from(KEYS)), ANY_TEXT),
    st.one_of(*(hostile(VALID.get(k, NUMBER_TEXT)) for k in KEYS),
              st.lists(hostile(VALID["run"]), max_size=10)),
    max_size=12))
@example({"kappa": "0\x1f", "angle": "3\x1f", "steps": "5\x1c", "start": "1\x1d,2",
          "seed": "1\x1f", "fan": "\x1c1", "noise": "0.5\x1f", "schedule": "step:drop=0.5\x1f",
          "run": ["sgd:lr=0.1\x1f", "adam:beta1=\x1c0.9"]})  # every such link at once
@example({"surface": "custom", "expr": "x**2\ud800", "domain": "\ud800"})
@example({"\ud800": "1", "run": ["sgd\ud800"]})
def test_any_link_gives_a_scene_and_messages_that_print(query):
    scene, _ = read(query)
    page, messages = page_from_query(query, scene, views=PAGE_WORDS["view"],
                                     panels=PAGE_WORDS["panel"])
    assert isinstance(page.present, bool) and page.view in PAGE_WORDS["view"]
    assert all(m.isprintable() for m in messages), messages


@settings(max_examples=100)
@given(st.sampled_from(KEYS), ANY_TEXT, ANY_TEXT)
@example("kappa", "4", "\ud800")
def test_a_value_that_is_not_text_is_refused_whole(key, before, after):
    """A value holding a lone surrogate half cannot be shown or sent: ignored, said so."""
    value = before + "\ud83d" + after
    scene, messages = read({key: value})
    assert (scene, messages) == (DEFAULT_SCENE, [f"ignored {key!r}: its value is not text"])


@pytest.mark.parametrize("query", [
    {"surface": "custom", "expr": "x**2\x1f"},
    {"surface": "custom", "expr": "\u0661*x**2"},
])
def test_a_formula_with_such_characters_travels_as_typed(query):
    """The formula is the formula checker's business (docs/formulas.md): the link keeps it as
    typed, and the page shows the checker's message."""
    scene, messages = read(query)
    assert scene.expr == query["expr"] and messages == []
    assert replace(scene, expr="") != scene
