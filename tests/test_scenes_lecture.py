"""The lecture: the notes' claims in the notes' order, each a question and a preset's picture.

Each step's claim is its preset's sentence, checked in numbers against the step's own runs by
``tests/test_scenes_presets.py`` (the last test here makes sure none is left unchecked).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenes import PRESETS, PRESETS_BY_KEY
from scenes.compute import build_surface
from scenes.lecture import LECTURE, STEPS_BY_KEY, neighbours, position
from scenes.presets import CLAIM_LENGTH

NOTES = Path("/work/shared/lecture-notes.md")
QUESTION_LENGTH = 90  # a question, like a claim, fits two lines at presenter size


def test_every_step_is_a_preset_once():
    keys = [step.key for step in LECTURE]
    assert len(set(keys)) == len(keys) == len(STEPS_BY_KEY)
    assert set(keys) <= set(PRESETS_BY_KEY)
    # every preset is a step of the lecture, in the same order as the sidebar lists them
    assert keys == [preset.key for preset in PRESETS]


@pytest.mark.parametrize("step", LECTURE, ids=lambda s: s.key)
def test_every_step_asks_then_claims(step):
    preset = PRESETS_BY_KEY[step.key]
    assert (step.title, step.claim, step.details, step.scene) == (
        preset.title, preset.look_for, preset.details, preset.scene)
    assert step.question.endswith("?") and len(step.question) <= QUESTION_LENGTH
    assert len(step.claim) <= CLAIM_LENGTH and step.claim.endswith(".")
    # the question does not give the answer away: it is not the claim
    assert step.question.rstrip("?") not in step.claim


def test_the_notes_questions_are_asked_in_their_own_words():
    assert STEPS_BY_KEY["jitter"].question == (
        "What is the trajectory along which we converge towards the minimum with SGD?")
    assert STEPS_BY_KEY["adagrad_decay"].question == (
        "What happens to the step size over long time?")
    if NOTES.exists():  # the notes' own lines, where the notes are at hand
        notes = NOTES.read_text()
        for key in ("jitter", "adagrad_decay"):
            assert STEPS_BY_KEY[key].question in notes


def test_the_steps_follow_the_notes_order():
    """SGD, momentum (friction, its annealing, no friction, its two directions), Nesterov,
    AdaGrad (per axis, then over long time), RMSProp, Adam, then the saddle, noise and the
    real-data ravine."""
    keys = [step.key for step in LECTURE]
    order = ["jitter", "friction", "mu_anneal", "no_friction", "momentum_sgd", "nesterov",
             "many_minima", "adagrad_axes", "adagrad_decay", "rmsprop_fix", "adam_bias",
             "saddle", "noise_lr_decay", "noise_adagrad", "unscaled", "full_batch",
             "small_batches"]
    assert keys == order
    if NOTES.exists():  # the notes' sections come in that order too
        notes = NOTES.read_text()
        sections = ["### SGD", "### Momentum", "mu = usually", "If there is no mu",
                    "In shallow direction", "### Neterov", "Local minimus", "### AdaGrad",
                    "Q2:", "### RMSProp", "### Adam"]
        places = [notes.index(section) for section in sections]
        assert places == sorted(places)


def aspect(step) -> float:
    """The height over the width of the step's surface's domain."""
    (x0, x1), (y0, y1) = build_surface(step.scene.surface_key).domain
    return (y1 - y0) / (x1 - x0)


def test_every_step_not_square_is_the_shape_the_browser_measures():
    """``tests/test_lecture_browser.py`` measures the contour's width in presenter mode at
    1920 x 1080 and 1280 x 720 on the second step (a 2:1 ravine). The issue's widths hold
    for every step whose surface is not square, so each such step has that shape: a step of
    another shape needs a measurement of its own."""
    measured = aspect(LECTURE[1])
    assert measured != 1.0
    shapes = {step.key: aspect(step) for step in LECTURE}
    assert {key for key, shape in shapes.items() if shape != 1.0} == {
        key for key, shape in shapes.items() if shape == measured}
    assert sum(shape == measured for shape in shapes.values()) >= 10  # the ravine's steps


def test_position_says_where_a_step_is():
    assert position("jitter") == f"1 of {len(LECTURE)}: SGD jitters in the ravine"
    assert position("small_batches").startswith(f"{len(LECTURE)} of {len(LECTURE)}: ")
    with pytest.raises(KeyError):
        position("nope")


def test_neighbours_walk_the_lecture_in_order():
    walked, step = [], LECTURE[0]
    while step is not None:
        walked.append(step)
        before, step = neighbours(step.key)
        assert before is (walked[-2] if len(walked) > 1 else None)
    assert tuple(walked) == LECTURE
    with pytest.raises(KeyError):
        neighbours("nope")


def test_every_claim_is_checked_in_numbers():
    """Each step's preset is named by a test of tests/test_scenes_presets.py (or, under
    noise, tests/test_scenes_dynamics.py), which runs its scene and checks its sentence."""
    here = Path(__file__).parent
    source = "".join((here / name).read_text()
                     for name in ("test_scenes_presets.py", "test_scenes_dynamics.py"))
    checked = set(re.findall(r'PRESETS_BY_KEY\["(\w+)"\]', source))
    assert {step.key for step in LECTURE} <= checked


def test_the_docs_list_every_step_as_it_is():
    """docs/lecture.md's table: one row per step, in order, with its key, title, question
    and claim as the code has them."""
    doc = (Path(__file__).parent.parent / "docs" / "lecture.md").read_text()
    rows = [line for line in doc.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows == [f"| {n} | `{step.key}` | {step.title} | {step.question} | {step.claim} |"
                    for n, step in enumerate(LECTURE, 1)]
