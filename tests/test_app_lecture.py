"""The lecture on the page through AppTest: a step's link, the lecture bar, the question
before the claim, the address kept as the step's short link, and what the race chart is
told (``controls/race_chart/frontend/README.md``, "The lecture").

References: the lecture's own data (``scenes.lecture``: each step's scene, question and
claim, its place) and the link schema's reader (``scenes.links.scene_from_query``).
"""

from __future__ import annotations

import json

import pytest

from controls import lecture as lecture_controls
from harness.page import open_page, race_chart
from scenes import DEFAULT_SCENE
from scenes.lecture import LECTURE, STEPS_BY_KEY, position
from scenes.links import scene_from_query, scene_to_query


def told(at) -> dict:
    """What the last run told the race chart of the lecture."""
    return json.loads(race_chart(at).proto.bytes)["lecture"]


def card(at) -> str:
    """The question-and-claim card's HTML ('' when there is none)."""
    return "".join(e.proto.body for e in at.get("html") if "descent-question" in e.proto.body)


def step_scene(at):
    scene, messages = scene_from_query(dict(at.query_params))
    assert messages == []
    return scene


@pytest.mark.parametrize("step", [LECTURE[0], LECTURE[8], LECTURE[-1]], ids=lambda s: s.key)
def test_a_steps_link_opens_it_asked_and_keeps_its_short_link(step):
    at = open_page({"lecture": step.key})
    assert dict(at.query_params) == {"lecture": step.key}
    assert step_scene(at) == step.scene
    assert step.question.replace("'", "&#x27;") in card(at)
    assert "descent-claim\"" not in card(at)
    assert step.claim.replace("'", "&#x27;") not in card(at)
    assert told(at) == {"keys": False, "open": f"{step.key}:1", "stage": "ask"}
    # The bar names the step and its place.
    assert at.selectbox(key="lecture_pick").value == step.key
    assert position(step.key).startswith(f"{LECTURE.index(step) + 1} of {len(LECTURE)}: ")
    assert at.button(key="lecture_prev").disabled == (step is LECTURE[0])
    assert at.button(key="lecture_next").disabled == (step is LECTURE[-1])


def test_the_claim_shows_once_the_race_ended_and_only_for_the_step_open():
    at = open_page({"lecture": "adagrad_decay", "present": "1"})
    ss = at.session_state
    assert told(at) == {"keys": True, "open": "adagrad_decay:1", "stage": "ask"}
    # A report of another step's race (a page behind) changes nothing ...
    for report in ({"action": "ended", "open": "jitter:1"}, {"action": "jump"}, "ended", None):
        lecture_controls.take_report(ss, report)
    assert ss["lecture_stage"] == "ask"
    # ... this step's does: the claim shows, and the chart is told.
    lecture_controls.take_report(ss, {"action": "ended", "open": "adagrad_decay:1"})
    at.run()
    claim = STEPS_BY_KEY["adagrad_decay"].claim.replace("'", "&#x27;")
    assert claim in card(at) and "descent-claim\"" in card(at)
    assert told(at)["stage"] == "shown"


def test_the_bar_goes_forward_back_and_anywhere_each_step_asked_anew():
    at = open_page({"lecture": "friction", "present": "1"})
    at.button(key="lecture_next").click().run()
    assert dict(at.query_params) == {"lecture": "mu_anneal", "present": "1"}
    assert step_scene(at) == STEPS_BY_KEY["mu_anneal"].scene
    assert told(at) == {"keys": True, "open": "mu_anneal:2", "stage": "ask"}
    assert at.selectbox(key="lecture_pick").value == "mu_anneal"
    at.button(key="lecture_prev").click().run()
    at.button(key="lecture_prev").click().run()
    assert dict(at.query_params) == {"lecture": "jitter", "present": "1"}
    assert at.button(key="lecture_prev").disabled
    at.selectbox(key="lecture_pick").set_value("saddle").run()
    assert dict(at.query_params) == {"lecture": "saddle", "present": "1"}
    assert step_scene(at) == STEPS_BY_KEY["saddle"].scene
    assert told(at)["open"] == "saddle:5" and told(at)["stage"] == "ask"
    assert STEPS_BY_KEY["saddle"].question in card(at)


def test_presenter_mode_has_the_bar_before_any_step_and_next_opens_the_first():
    plain = open_page()
    assert not plain.get("selectbox") or all(
        s.key != "lecture_pick" for s in plain.get("selectbox"))
    at = open_page({"present": "1"})
    assert at.selectbox(key="lecture_pick").value is None
    assert told(at) == {"keys": True, "open": None, "stage": "ask"}
    at.button(key="lecture_next").click().run()
    assert dict(at.query_params) == {"lecture": LECTURE[0].key, "present": "1"}


def test_a_student_who_moves_a_slider_leaves_the_step_and_sees_the_whole_path():
    step = STEPS_BY_KEY["nesterov"]
    at = open_page({"lecture": step.key})
    at.slider(key="steps").set_value(step.scene.steps + 10).run()
    assert "lecture" not in at.query_params
    assert step_scene(at).steps == step.scene.steps + 10
    assert told(at)["open"] is None  # the chart shows the whole path again
    assert card(at) == ""
    # The bar's previous reopens the step left, asked anew.
    at.button(key="lecture_prev").click().run()
    assert dict(at.query_params) == {"lecture": step.key}
    assert told(at) == {"keys": False, "open": f"{step.key}:2", "stage": "ask"}


def test_old_long_links_keep_working_and_a_changed_step_is_dropped():
    step = STEPS_BY_KEY["rmsprop_fix"]
    long_link = {**scene_to_query(step.scene), "lecture": step.key, "present": "1"}
    at = open_page(long_link)
    assert dict(at.query_params) == {"lecture": step.key, "present": "1"}
    assert told(at)["open"] == f"{step.key}:1"
    edited = {**scene_to_query(DEFAULT_SCENE), "steps": "123", "lecture": step.key}
    at = open_page(edited)
    assert "lecture" not in at.query_params and at.query_params["steps"] == "123"
    assert told(at)["open"] is None


def test_a_claims_lines_are_its_words_wrapped_each_character_a_whole_pixel_or_more():
    # At 10 px "a" (0.52 em) takes 6 px, a space (0.2 em) 2 px: "aa aa" is 12 + 2 + 12 px.
    assert lecture_controls.lines("aa aa", 10, 26) == 1
    assert lecture_controls.lines("aa aa", 10, 25) == 2
    assert lecture_controls.lines("aa aa aa", 10, 26) == 2
    assert lecture_controls.lines("aa aa aa", 10, 25) == 3
    # A character outside the table is taken as the widest; a word wider than the column
    # stays on its line, as a browser leaves it.
    assert lecture_controls.lines("é é", 10, 19) == 2  # 9 + 2 + 9 px
    assert lecture_controls.lines("é é", 10, 20) == 1
    assert lecture_controls.lines("aaaaaaaa", 10, 20) == 1
