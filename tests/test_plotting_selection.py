"""Reading a chart's selection without trusting it (plotting.selection)."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from plotting.selection import picked_index

# Anything JSON can hold (NaN and infinities too: Python's json reads them).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["selection", "points", "curve_number", "point_index", "x", "y"]),
        inner, max_size=6),
    max_leaves=20)


def click(curve, index, x, y) -> dict:
    """What a browser sends for a click on point ``index`` of trace ``curve``."""
    return {"selection": {"points": [{"curve_number": curve, "point_number": index,
                                      "point_index": index, "x": x, "y": y}],
                          "point_indices": [index], "box": [], "lasso": []}}


def test_a_browsers_click_is_read():
    assert picked_index(click(4, 17, 0.1, 0.9), {3, 4}) == (4, 17)
    assert picked_index(click(2, 17, 0.1, 0.9), {3, 4}) is None


@settings(max_examples=300)
@given(JSON)
@example({"selection": {"points": [{"curve_number": True, "x": True, "y": False}]}})
@example({"selection": {"points": [{"curve_number": 0, "x": math.nan, "y": 1.0}]}})
@example({"selection": {"points": [{"curve_number": 0, "point_index": -1, "x": 1, "y": 2}]}})
@example({"selection": {"points": 1}})
@example({"selection": {"points": [1, "x", None, {}]}})
def test_anything_else_is_read_without_raising(selection):
    index = picked_index(selection, {0, 1})
    assert index is None or (index[0] in (0, 1) and type(index[1]) is int and index[1] >= 0)
