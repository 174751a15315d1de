"""The chart's room on the visitor's screen, measured in the browser.

Streamlit's server does not know how wide the visitor's screen is, and the race
chart needs to (a phone gets a stacked layout, a projector large type, and the
chart and its Play button should fit on the first screen). :func:`measure`
mounts a tiny component (``st.components.v2``; its script is
``controls/race_chart/frontend/viewport.js``, nothing fetched from the network)
just above the chart. In the browser it reports the width of the
page's main column, the window's height and its own distance from the top of
the page, and reports again when these change by more than a few pixels
(a rotated phone, a resized window, the sidebar opened or closed). Each report
calls the page's ``on_change``, which reruns the race: the chart for the new
room, and the cards as many to a row as it takes.

Until the browser has reported, :func:`measure` returns None and the page
waits for it rather than draw a chart it would redraw at once: a browser's first
run draws only what the measurement needs (the page's top rows, and the sidebar
at its width) and has the browser preload plotly.js meanwhile; the report then draws the
whole page. A visitor that
is not a browser (the tests' ``AppTest``, the classroom benchmark's websocket
client: no ``User-Agent`` of a browser) runs no JavaScript and never reports;
it gets :data:`plotting.layout.DEFAULT_SCREEN`.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

import streamlit as st

from plotting.layout import DEFAULT_SCREEN, Screen

KEY = "viewport"
# Its script is a file of the race chart's component package (controls/race_chart).
COMPONENT = "descent_lab_race_chart.viewport"
# The chart's height never goes below this, however little of the first screen is left.
MIN_CHART_HEIGHT = 360
# Pixels kept free under the chart on the first screen, and Streamlit's gap between the
# toolbar's row (whose bottom is measured) and the chart.
BOTTOM_GAP = 16
ROW_GAP = 16
# The page's room for the chart (paddings, the sidebar's width, the phone's toolbar of
# icons) is controls/race_chart/frontend/viewport.css, which the component installs
# before it first measures.


@functools.cache
def _component():
    """The component, registered with Streamlit on first use."""
    return st.components.v2.component(COMPONENT, js="viewport.js")


def _is_browser(headers: Mapping[str, str]) -> bool:
    return "Mozilla/" in headers.get("User-Agent", "")


def reported_size(ss: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The size the browser last reported (whatever JSON it sent), or None."""
    state = ss.get(KEY)
    return state.get("size") if isinstance(state, Mapping) else None


def reported_screen(ss: Mapping[str, Any], presenter: bool) -> Screen | None:
    """The chart's :class:`Screen` as the browser last reported it, or None."""
    return screen_of(reported_size(ss), presenter)


def waiting(ss: Mapping[str, Any]) -> bool:
    """Whether the page waits for a browser's first report of its screen (the run that
    :func:`measure` returns None in)."""
    return reported_screen(ss, False) is None and _is_browser(st.context.headers)


def screen_of(size: Mapping[str, Any] | None, presenter: bool) -> Screen | None:
    """The :class:`Screen` a browser's report describes, or None for no usable report.

    The chart may take the first screen's height below its top, and at least
    :data:`MIN_CHART_HEIGHT`. A report is whatever JSON a visitor's browser sent:
    anything but three finite numbers (or numbers as text), the width above 0, gives
    None, never an error.
    """
    try:
        width, height, top = (float(size[k]) for k in ("width", "height", "top"))
    except (TypeError, KeyError, ValueError, OverflowError):  # OverflowError: 10**400
        return None
    if not all(map(math.isfinite, (width, height, top))) or width <= 0:
        return None
    room = max(MIN_CHART_HEIGHT, height - top - ROW_GAP - BOTTOM_GAP)
    return Screen(width=width, height=room, presenter=presenter)


def measure(ss: MutableMapping[str, Any], presenter: bool,
            on_change: Callable[[], None] | None = None,
            preload: Sequence[str] = ()) -> Screen | None:
    """Mount the measuring component here and return the chart's :class:`Screen`.

    None while a browser has not reported yet; :data:`DEFAULT_SCREEN` (with
    ``presenter``) for a visitor that is not a browser. ``on_change`` is called
    when the browser reports a new size; ``preload``: scripts the page will need
    (paths relative to the page's address), which the browser fetches meanwhile.
    """
    size = reported_size(ss)
    screen = screen_of(size, presenter)
    # What the server has, echoed: the browser reports again until it sees its report here.
    known = {k: float(size[k]) for k in ("width", "height", "top")} if screen else None
    # As JSON bytes, not a dict: Streamlit looks for dataframes among a dict's values, and
    # the first look imports pandas and pyarrow (about a second of a fresh server's CPU).
    data = json.dumps({"preload": list(preload), "known": known}).encode()
    _component()(key=KEY, data=data, width="content", height=0,
                 on_size_change=on_change or (lambda: None))
    if screen is not None:
        return screen
    if _is_browser(st.context.headers):
        return None
    return Screen(DEFAULT_SCREEN.width, DEFAULT_SCREEN.height, presenter)
