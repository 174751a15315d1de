"""Small controls without a page: the browser's screen report, and checked widget values."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from controls.choice import selected
from controls.viewport import BOTTOM_GAP, MIN_CHART_HEIGHT, ROW_GAP, screen_of
from plotting.layout import Screen

# --- controls.viewport.screen_of: what a browser reported -----------------------------------


def test_a_laptops_report_gives_the_room_below_the_charts_top():
    screen = screen_of({"width": 1200, "height": 900, "top": 180}, presenter=False)
    assert screen == Screen(width=1200.0, height=900 - 180 - ROW_GAP - BOTTOM_GAP, presenter=False)


def test_little_room_left_still_gives_the_least_chart_height():
    screen = screen_of({"width": 390, "height": 700, "top": 650}, presenter=True)
    assert screen == Screen(width=390.0, height=MIN_CHART_HEIGHT, presenter=True)
    assert screen.stacked and screen.presenter


def test_numbers_sent_as_text_are_read():
    assert screen_of({"width": "800", "height": "600.5", "top": "0"}, False) == Screen(
        800.0, 600.5 - ROW_GAP - BOTTOM_GAP)


@pytest.mark.parametrize("report", [
    None, {}, [], "width=800", 800, {"width": 800, "height": 600},
    {"width": None, "height": 600, "top": 0}, {"width": "wide", "height": 600, "top": 0},
    {"width": [800], "height": 600, "top": 0}, {"width": {}, "height": 600, "top": 0},
    {"width": 0, "height": 600, "top": 0}, {"width": -800, "height": 600, "top": 0},
    {"width": math.nan, "height": 600, "top": 0}, {"width": math.inf, "height": 600, "top": 0},
    {"width": 800, "height": math.inf, "top": 0}, {"width": 800, "height": 600, "top": -math.inf},
    {"width": 800, "height": math.nan, "top": 0}, {"width": 800, "height": 600, "top": "nan"},
    {"width": 10 ** 400, "height": 600, "top": 0}, {"width": "1e999", "height": 600, "top": 0},
])
def test_a_bad_report_gives_none(report):
    assert screen_of(report, presenter=False) is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
_NUMBERISH = st.integers() | st.floats() | st.text(max_size=12) | _JSON


@settings(max_examples=300, deadline=None)
@given(st.one_of(_JSON, st.fixed_dictionaries(
    {"width": _NUMBERISH, "height": _NUMBERISH, "top": _NUMBERISH})), st.booleans())
@example({"width": 10 ** 400, "height": 1, "top": 0}, False)
def test_any_report_a_browser_could_send_gives_a_screen_or_none(report, presenter):
    """Whatever JSON the component sends: never an exception, and a screen is a sane one."""
    screen = screen_of(report, presenter)
    if screen is not None:
        assert isinstance(screen, Screen) and screen.presenter == presenter
        assert 280 <= screen.width <= 4000 and MIN_CHART_HEIGHT <= screen.height <= 3000


# --- controls.choice.selected: a widget's value must be one of its options --------------------


def test_a_value_among_the_options_is_kept():
    ss = {"view": "multiples"}
    assert selected("view", ["overlay", "multiples"], ss=ss) == "multiples"
    assert ss == {"view": "multiples"}


@pytest.mark.parametrize("hostile", ["Overlay", "overlay ", "", None, 0, ["overlay"],
                                     {"overlay": 1}])
def test_anything_else_becomes_the_first_option(hostile):
    ss = {"view": hostile}
    assert selected("view", ["overlay", "multiples"], ss=ss) == "overlay"
    assert ss == {"view": "overlay"}


def test_or_the_default_given():
    ss = {"view": "nope"}
    assert selected("view", ["overlay", "multiples"], "multiples", ss=ss) == "multiples"
    assert ss["view"] == "multiples"


def test_a_value_equal_to_an_option_but_of_another_type_is_replaced():
    """``True == 1`` and ``1.0 == 1``: a registry key must be the option itself."""
    for hostile in (True, 1.0):
        ss = {"fan": hostile}
        assert selected("fan", [1, 2, 3], ss=ss) == 1 and type(ss["fan"]) is int
    ss = {"kind": 0}
    assert selected("kind", [False, True], ss=ss) is False


def test_a_key_not_in_the_state_is_left_alone():
    ss: dict = {}
    assert selected("view", ["overlay", "multiples"], ss=ss) is None
    assert ss == {}
