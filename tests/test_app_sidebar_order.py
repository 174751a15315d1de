"""The order in which a run's elements reach the browser: the sidebar's settings before the
race (``app.py``, docs/page.md "The sidebar").

A browser sends every widget's value with each report it makes. A new chart prompts
reports of its own at once (the viewport component's new chart top, the race chart's
state); sent while the run that drew it is still arriving, such a report carries the
values the browser has. Were a preset's steps sent after its chart, the report would carry
the old steps back, and the server would take them: the preset's race, at the wrong
length, loses its sentence. The reference is the protocol itself: the run's ``ForwardMsg``s
in the order Streamlit queued them (AppTest's script runner keeps them).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import local_script_runner

from harness.page import open_page
from scenes import DEFAULT_SCENE, PRESETS_BY_KEY
from scenes.lecture import STEPS_BY_KEY
from scenes.links import scene_to_query


@pytest.fixture
def sent(monkeypatch) -> list[list]:
    """The new elements of each run that follows, in the order they were queued."""
    runs: list[list] = []
    parse = local_script_runner.parse_tree_from_messages

    def recording(messages):
        runs.append([m.delta.new_element for m in messages
                     if m.WhichOneof("type") == "delta"
                     and m.delta.WhichOneof("type") == "new_element"])
        return parse(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", recording)
    return runs


def widget_at(elements: list, key: str) -> int:
    """Where the widget with the user key ``key`` came in ``elements``."""
    for i, element in enumerate(elements):
        inner = getattr(element, element.WhichOneof("type"))
        if getattr(inner, "id", "").endswith(f"-{key}"):
            return i
    raise AssertionError(f"no widget {key!r} in the run")


def text_at(elements: list, text: str) -> int:
    """Where the first markdown or HTML element holding ``text`` came in ``elements``."""
    for i, element in enumerate(elements):
        kind = element.WhichOneof("type")
        if kind in ("markdown", "html") and text in getattr(element, kind).body:
            return i
    raise AssertionError(f"{text!r} not in the run")


def test_a_presets_steps_reach_the_browser_before_its_sentence_and_the_reporters(sent):
    preset = PRESETS_BY_KEY["adam_bias"]
    assert preset.scene.steps != DEFAULT_SCENE.steps  # else the order could not matter
    at = open_page()
    sent.clear()
    at.button(key=f"preset_{preset.key}").click().run()
    elements = sent[-1]
    steps = widget_at(elements, "steps")
    assert elements[steps].slider.value == [preset.scene.steps]
    story = text_at(elements, preset.look_for[:40])
    assert steps < story
    # Both components that report on their own come after it.
    assert steps < widget_at(elements, "viewport")
    assert steps < widget_at(elements, "race")


def test_an_undone_start_is_drawn_again_in_the_sidebar_before_the_chart(sent):
    # Undo runs in the race's fragment; a start it brings back is in the sidebar, which
    # only a run of the whole page draws again (left as it was, the browser would show
    # the undone start and send it back on its next run).
    at = open_page()
    at.number_input(key="start_x").set_value(-5.0).run()
    sent.clear()
    at.button(key="undo_button").click().run()
    elements = sent[-1]
    start = widget_at(elements, "start_x")
    assert elements[start].number_input.value == DEFAULT_SCENE.start[0]
    assert start < widget_at(elements, "viewport")


def test_an_undone_lr_reruns_only_the_race(sent):
    at = open_page()
    at.select_slider(key="run0_lr").set_value(0.2).run()
    sent.clear()
    at.button(key="undo_button").click().run()
    elements = sent[-1]
    assert widget_at(elements, "race") >= 0
    with pytest.raises(AssertionError, match="no widget"):
        widget_at(elements, "start_x")  # the sidebar is not sent again


def test_a_lecture_links_scene_reaches_the_browser_before_its_question(sent):
    step = STEPS_BY_KEY["nesterov"]
    open_page(scene_to_query(step.scene) | {"lecture": step.key})
    elements = sent[-1]
    assert widget_at(elements, "steps") < text_at(elements, step.question[:40])
