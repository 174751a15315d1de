"""A chart's selection, as ``st.plotly_chart(..., on_select="rerun")`` returns it, read
without trusting it.

A browser sends ``{"selection": {"points": [{"curve_number", "point_index", "x", "y", ...}]}}``
for a click; a hostile visitor may send anything JSON can hold in its place. This reader
keeps only points of the expected shape and never raises.
"""

from __future__ import annotations

from collections.abc import Container, Iterator

from surfaces.plain_text import integer


def _points(selection: object) -> Iterator[dict]:
    """The selected points that are dicts with a whole ``curve_number``."""
    chosen = selection.get("selection") if isinstance(selection, dict) else None
    points = chosen.get("points") if isinstance(chosen, dict) else None
    for point in points if isinstance(points, list) else ():
        if isinstance(point, dict) and integer(point.get("curve_number"), 0) is not None:
            yield point


def picked_index(selection: object, curves: Container[int]) -> tuple[int, int] | None:
    """``(curve_number, point_index)`` of the first selected point of one of ``curves``,
    or None."""
    for point in _points(selection):
        if point["curve_number"] in curves and integer(point.get("point_index"), 0) is not None:
            return point["curve_number"], point["point_index"]
    return None
