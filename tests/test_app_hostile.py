"""The page (AppTest) opened with malformed links (control characters around numbers, and
more), and sent widget values no browser sends: a scene and a message, never an exception."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from controls.scene_state import ADD_MENU
from harness.page import open_menu
from scenes import DEFAULT_SCENE
from tests.test_app import contours, figure, open_page, race_chart, url_scene


def shown(at: AppTest) -> str:
    """What the page says it ignored and what stopped, as a student reads it (the toolbar's
    buttons; Markdown's escapes dropped)."""
    return re.sub(r"\\(.)", r"\1", " ".join(
        m.value for block in at.get("popover")
        if block.proto.popover.label.startswith(("The link:", "1 run", "2 runs", "3 runs"))
        for m in block.markdown))


@pytest.mark.parametrize("query, needle", [
    ({"kappa": "0\x1f"}, "ignored kappa='0\\x1f' (U+001F is a control character)"),
    ({"angle": "3\x1f"}, "ignored angle='3\\x1f' (U+001F is a control character)"),
    ({"steps": "5\x1c"}, "ignored steps='5\\x1c' (U+001C is a control character)"),
    ({"start": "1\x1d,2"}, "ignored start='1\\x1d,2' (U+001D is a control character)"),
    ({"seed": "1\x1f"}, "ignored seed='1\\x1f' (U+001F is a control character)"),
    ({"fan": "\x1c1"}, "ignored fan='\\x1c1' (U+001C is a control character)"),
    ({"noise": "0.5\x1f"}, "ignored noise='0.5\\x1f' (U+001F is a control character)"),
    ({"run": "sgd:lr=0.1\x1f"}, "ignored lr='0.1\\x1f' (U+001F is a control character)"),
    ({"schedule": "step:drop=0.5\x1f"}, "ignored drop='0.5\\x1f' (U+001F is a control"),
    ({"present": "1\x1f"}, "ignored present='1\\x1f' (U+001F is a control character)"),
    ({"kappa": "\u0661\u0662"}, "(type '1', not U+0661 ARABIC-INDIC DIGIT ONE)"),
    ({"kappa": "\uff15"}, "(type '5', not U+FF15 FULLWIDTH DIGIT FIVE)"),
    ({"kappa": "4\u200b0"}, "(U+200B ZERO WIDTH SPACE inside the value)"),
])
def test_malformed_links_give_a_scene_and_a_message(query, needle):
    at = open_page(query)
    warnings = shown(at)
    assert needle in warnings, warnings
    # the characters are quoted visibly, never sent raw into the page
    assert not any(c in warnings for c in "\x1c\x1d\x1e\x1f\u200b")
    assert contours(figure(at))  # the scene is drawn
    url_scene(at)  # and the address bar holds a valid scene


@pytest.mark.parametrize("text", ["\xa040", "\ufeff40", "40\u200b", " 40\n"])
def test_blanks_around_a_number_are_no_problem(text):
    at = open_page({"kappa": text})
    assert not at.warning
    assert url_scene(at).params == (("kappa", 40.0), ("angle", 0.0))


# --- widget values no browser sends ------------------------------------------------------------

def send(at: AppTest, widget_id: str, field: str, value) -> AppTest:
    """Rerun ``at`` with widget ``widget_id`` holding ``value`` in the widget state's
    ``field``, as a hostile visitor's websocket could send it."""
    states = WidgetStates()
    states.widgets.extend(s for s in at._tree.get_widget_states().widgets if s.id != widget_id)
    state = states.widgets.add()
    state.id = widget_id
    setattr(state, field, value)
    at._run(states)
    return at


@pytest.mark.parametrize("key", ["surface", "schedule"])
@pytest.mark.parametrize("text", ["moon", "", "\x1f", "x" * 10_000])
def test_a_selectbox_given_text_not_among_its_options_falls_back(key, text):
    """Streamlit's selectbox passes on any text it receives; the page checks it first."""
    at = open_page({})
    at = send(at, at.selectbox(key=key).id, "string_value", text)
    assert not at.exception, at.exception
    assert url_scene(at) == DEFAULT_SCENE
    assert at.session_state[key] in {"surface": ["ravine"], "schedule": ["constant"]}[key]
    open_menu(at, ADD_MENU)
    at.button(key="add_run").click().run()  # the callback reads add_optimizer
    assert not at.exception, at.exception
    assert len(url_scene(at).runs) == len(DEFAULT_SCENE.runs) + 1


def test_a_phase_map_optimizer_not_among_the_options_falls_back():
    at = open_page({})
    at.segmented_control(key="panel").set_value("phase_map").run()
    at = send(at, at.selectbox(key="phase_optimizer").id, "string_value", "lbfgs")
    assert not at.exception, at.exception
    assert at.session_state["phase_optimizer"] == "momentum"


CLICKS = [  # what a click on the race chart may be made to hold: JSON, but no point
    [], {}, "x", 1, None, {"x": "a", "y": []}, {"x": True, "y": False},
    {"x": float("nan"), "y": 1.0}, {"x": [1], "y": {"a": 1}}, {"y": 1.0},
    {"x": 10**400, "y": 1.0}, {"x": 1.0, "y": -(10**400)},  # integers too large for a float
]


def click_trigger(at: AppTest, value) -> tuple[str, str]:
    """The race chart's click holding ``value``, as its component's trigger sends it: the
    trigger widget's id and its JSON."""
    from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
    chart = race_chart(at)
    return (f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{chart.proto.id}__events",
            json.dumps([{"event": "click", "value": value}], allow_nan=True))


def test_a_chart_click_that_is_no_point_is_ignored():
    at = open_page({})  # one page, each click in turn
    for value in CLICKS:
        widget, payload = click_trigger(at, value)
        at = send(at, widget, "json_trigger_value", payload)
        assert not at.exception, (value, at.exception)
        assert url_scene(at).start == DEFAULT_SCENE.start, value


def test_a_click_on_the_start_picker_becomes_the_start():
    at = open_page({})
    widget, payload = click_trigger(at, {"x": 2.0, "y": -1.0})
    at = send(at, widget, "json_trigger_value", payload)
    assert not at.exception, at.exception
    assert url_scene(at).start == (2.0, -1.0)
    assert at.number_input(key="start_x").value == 2.0


def test_a_click_a_visitor_keeps_in_the_charts_state_is_taken_once():
    """A component's state persists from run to run: a click held there (no browser's
    chart sets one) must not make the page rerun forever."""
    at = open_page({})
    at = send(at, race_chart(at).proto.id, "json_value",
              json.dumps({"click": {"x": 2.0, "y": -1.0}}))
    assert not at.exception, at.exception
    assert url_scene(at).start == (2.0, -1.0)
    at.number_input(key="start_x").set_value(-3.0).run()  # the visitor moves on
    assert not at.exception and url_scene(at).start == (-3.0, -1.0)


def test_a_click_far_outside_the_plot_starts_at_its_edge():
    at = open_page({})
    widget, value = click_trigger(at, {"x": 1e308, "y": -1e308})
    at = send(at, widget, "json_trigger_value", value)
    assert not at.exception, at.exception
    assert url_scene(at).start == (10.0, -5.0)  # the ravine's box: x in [-10, 10], y in [-5, 5]
