"""A chart's selection, as ``st.plotly_chart(..., on_select="rerun")`` returns it, read
without trusting it.

A browser sends ``{"selection": {"points": [{"curve_number", "point_index", "x", "y", ...}]}}``
for a click; a hostile visitor may send anything JSON can hold in its place. These readers
keep only points of the expected shape and never raise.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterator


def _whole(value: object) -> bool:
    return type(value) is int and value >= 0


def _finite(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _points(selection: object) -> Iterator[dict]:
    """The selected points that are dicts with a whole ``curve_number``."""
    chosen = selection.get("selection") if isinstance(selection, dict) else None
    points = chosen.get("points") if isinstance(chosen, dict) else None
    for point in points if isinstance(points, list) else ():
        if isinstance(point, dict) and _whole(point.get("curve_number")):
            yield point


def picked_point(selection: object, curve: int) -> tuple[float, float] | None:
    """``(x, y)`` of the first selected point of trace ``curve``, finite floats, or None."""
    for point in _points(selection):
        x, y = point.get("x"), point.get("y")
        if point["curve_number"] == curve and _finite(x) and _finite(y):
            return float(x), float(y)
    return None


def picked_index(selection: object, curves: Container[int]) -> tuple[int, int] | None:
    """``(curve_number, point_index)`` of the first selected point of one of ``curves``,
    or None."""
    for point in _points(selection):
        if point["curve_number"] in curves and _whole(point.get("point_index")):
            return point["curve_number"], point["point_index"]
    return None
