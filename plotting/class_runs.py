"""The class's runs on the room's contour: the Class panel's figure.

``class_figure`` draws, bottom to top:

* the surface's filled contour (a layout image, as the race chart's);
* the **target loss** a run must reach, as a dashed level line around each minimum
  (a Plotly contour trace of the one level, on a small grid of its own: the level is
  a tiny ring on the page's grid), named in the legend;
* **every class run's path** as one thin grey line: all paths in one trace, each
  ended by a NaN point (plotly.js breaks a line at a NaN as at a None), so that 500
  runs are one trace, not 500; where each finite run ended, a small dot whose hover
  says whose run it is (the name only when names are shown) and how it did;
* the **diverged** class runs, each drawn until it was last seen inside the view
  (:func:`plotting.runs.exit_point`, as the race chart marks its own) and marked
  there with an "x";
* the lecturer's own runs on top, in their colours and the panels' line width, each
  a trace named as in the race chart's legend;
* the minima's stars.

No ``st.*``. Sizes are the panels' (:func:`plotting.build.panel_style`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from plotting.build import AXIS_STYLE, FONT_FAMILY, BuiltFigure, build_figure, panel_style
from plotting.colors import theme_named
from plotting.contour import ContourScale, Grid, contour_image, minima_halo, minima_trace
from plotting.encode import typed
from plotting.layout import text_width
from plotting.runs import RunTrace, exit_point
from scenes.compute import Trajectory
from surfaces import Domain, Surface

CLASS_COLOR = "rgba(0, 0, 0, 0.35)"  # see-through: where many paths agree, it darkens
DIVERGED_COLOR = "#222222"
TARGET_COLOR = "#111111"
TARGET_GRID = 81  # points per side of the small grid each target ring is drawn from
TARGET_TRIES = 14  # doublings of that grid's box, from a thousandth of the domain


@dataclass(frozen=True)
class ClassRun:
    """One run of the class as the figure draws it: its trajectory on the room's scene
    and its hover text (plain text; it says the name only when names are shown)."""

    path: Trajectory
    text: str


def drawn_points(path: Trajectory, domain: Domain) -> np.ndarray:
    """The points of ``path`` the figure draws: all of a run that stayed finite; a
    diverged run's up to the last step it was seen inside ``domain``, and the point where
    it then left it (:func:`plotting.runs.exit_point`). Empty if not even its start was
    finite."""
    if path.diverged_at is None:
        return path.points
    if path.last < 0:
        return path.points[:0]
    (x0, x1), (y0, y1) = domain
    head = path.points[: path.last + 1]
    inside = np.flatnonzero(np.all((head >= [x0, y0]) & (head <= [x1, y1]), axis=1))
    if not inside.size or inside[-1] == path.last:  # never inside, or last seen inside
        return head
    end = exit_point(path.points, path.last, domain)
    return np.vstack([head[: inside[-1] + 1], end[None, :]])


def joined(paths: Sequence[np.ndarray]) -> np.ndarray:
    """The paths one after another, each followed by a NaN point: ``(sum(n_i + 1), 2)``."""
    gap = np.full((1, 2), np.nan)
    parts = [part for path in paths for part in (path, gap)]
    return np.vstack(parts) if parts else np.zeros((0, 2))


def target_rings(surface: Surface, target: float) -> list[Grid]:
    """A small grid around each minimum, large enough to hold the level ``target``'s
    ring around it: the box grows from a thousandth of the domain, doubling, until the
    loss on its edges is above ``target`` (clipped to the domain)."""
    (x0, x1), (y0, y1) = surface.domain
    rings = []
    for mx, my in surface.minima:
        hx, hy = (x1 - x0) / 1000, (y1 - y0) / 1000
        for _ in range(TARGET_TRIES):
            xs = np.linspace(max(x0, mx - hx), min(x1, mx + hx), TARGET_GRID)
            ys = np.linspace(max(y0, my - hy), min(y1, my + hy), TARGET_GRID)
            with np.errstate(all="ignore"):
                z = np.asarray(surface.f(*np.meshgrid(xs, ys)), dtype=float)
            edges = np.concatenate([z[0], z[-1], z[:, 0], z[:, -1]])
            if np.all(edges > target):
                break
            hx, hy = 2 * hx, 2 * hy
        rings.append((xs, ys, z))
    return rings


def target_text(target: float) -> str:
    return f"target: loss {target:.3g} (dashed)"


def class_figure(
    surface: Surface,
    grid: Grid,
    runs: Sequence[ClassRun],
    lecturer: Sequence[RunTrace] = (),
    *,
    target: float | None = None,
    presenter: bool = False,
    width: float | None = None,
    max_height: float | None = None,
    theme: str = "light",
) -> BuiltFigure:
    """The class's runs on ``surface`` (see the module's docstring).

    Args:
        surface: the room's surface.
        grid: ``surface.grid(n)``, for the filled contour.
        runs: the class's runs, in any order.
        lecturer: the lecturer's own runs, as the race chart draws them.
        target: the loss a run must reach (None: no target drawn).
        presenter: the panels' projector sizes.
        width: the figure's width in pixels, to give the contour its height (None: the
            panels' height).
        max_height: the most pixels it may take (a window's height: the whole picture
            on one screen), down to 320.
        theme: the page's, ``"light"`` or ``"dark"``.
    """
    style = panel_style(presenter)
    domain = surface.domain
    (x0, x1), (y0, y1) = domain
    axes = {"xaxis": "x", "yaxis": "y"}
    data: list[dict] = []
    if target is not None and surface.minima:
        for xs, ys, z in target_rings(surface, target):
            data.append({
                "type": "contour", "name": "target", "x": typed(xs), "y": typed(ys),
                "z": typed(z), "autocontour": False, "showscale": False,
                "contours": {"start": target, "end": target, "size": 1.0,
                             "coloring": "none"},
                "line": {"color": TARGET_COLOR, "width": style.line * 0.6, "dash": "dash"},
                "hoverinfo": "skip", "showlegend": False, **axes})
        data.append({"type": "scatter", "mode": "lines", "name": target_text(target),
                     "x": [None], "y": [None], "hoverinfo": "skip",
                     "line": {"color": TARGET_COLOR, "width": style.line * 0.6,
                              "dash": "dash"}})
    drawn = [drawn_points(run.path, domain) for run in runs]
    line = joined(drawn)
    data.append({"type": "scatter", "mode": "lines", "name": f"the class's runs ({len(runs)})",
                 "x": typed(line[:, 0]), "y": typed(line[:, 1]), "hoverinfo": "skip",
                 "line": {"color": CLASS_COLOR, "width": max(1.0, style.line * 0.3)},
                 "connectgaps": False, **axes})
    ends = [(points[-1], run.text) for run, points in zip(runs, drawn, strict=True)
            if run.path.diverged_at is None and len(points)]
    data.append(_marks("the class's runs: ends", ends, "circle", style.marker * 0.45,
                       CLASS_COLOR, legend=False))
    gone = [(points[-1], run.text) for run, points in zip(runs, drawn, strict=True)
            if run.path.diverged_at is not None and len(points)]
    data.append(_marks(f"diverged: last seen here ({len(gone)})", gone, "x-thin",
                       style.marker * 0.8, DIVERGED_COLOR, legend=bool(gone)))
    for trace in lecturer:
        points = drawn_points(trace, domain)
        data.append({"type": "scatter", "mode": "lines", "name": trace.name,
                     "x": typed(points[:, 0]), "y": typed(points[:, 1]),
                     "line": {"color": trace.color, "width": style.line},
                     "hovertemplate": html.escape(trace.label) + "<extra></extra>", **axes})
        if trace.diverged_at is not None and len(points):
            data.append({"type": "scatter", "mode": "markers", "name": trace.name,
                         "x": [float(points[-1, 0])], "y": [float(points[-1, 1])],
                         "marker": {"symbol": "x", "size": style.marker + 4,
                                    "color": trace.color,
                                    "line": {"width": 1.5, "color": "#222222"}},
                         "showlegend": False, "hoverinfo": "skip", "cliponaxis": False, **axes})
    if surface.minima:
        data.append(minima_halo(surface, ("x", "y"), size=style.marker + 6))
        data.append(minima_trace(surface, ("x", "y"), size=style.marker + 6))

    # The legend in a column right of the contour, whose height the screen limits
    # anyway: a row across would take several rows of its height on a projector.
    legend = [t["name"] for t in data if t.get("showlegend", True)]
    legend_font = 0.8 * style.font
    margin = {"l": 4.5 * style.font, "t": 20, "b": 3.6 * style.font,
              "r": max(text_width(name, legend_font) for name in legend) + 60}
    aspect = (y1 - y0) / (x1 - x0)
    height = style.height - 80
    if width is not None:
        plot = (width - margin["l"] - margin["r"]) * aspect
        height = min(height, plot + margin["t"] + margin["b"])
    if max_height is not None:
        height = min(height, max_height)
    height = max(320.0, height)
    x_name, y_name = surface.axes
    image = contour_image(grid, ContourScale.for_values(grid[2], surface.min_value),
                          theme_named(theme).contour, 800, ("x", "y"))
    layout = {
        "template": {}, "height": round(height),
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {k: round(v) for k, v in margin.items()},
        "legend": {"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1,
                   "yanchor": "top", "itemsizing": "constant",
                   "font": {"size": legend_font}},
        "hovermode": "closest", "dragmode": False, "images": [image],
        "xaxis": {**AXIS_STYLE, "range": [x0, x1], "constrain": "domain",
                  "title": {"text": x_name, "standoff": 4}},
        "yaxis": {**AXIS_STYLE, "range": [y0, y1], "scaleanchor": "x", "scaleratio": 1,
                  "constrain": "domain", "title": {"text": y_name, "standoff": 4}},
    }
    return build_figure(data, layout, theme=theme_named(theme))


def _marks(name: str, points: list[tuple[np.ndarray, str]], symbol: str, size: float,
           color: str, *, legend: bool) -> dict:
    """Markers at ``points``, each with its hover text."""
    xy = np.array([p for p, _ in points], dtype=float).reshape(-1, 2)
    return {"type": "scatter", "mode": "markers", "name": name,
            "x": typed(xy[:, 0]), "y": typed(xy[:, 1]),
            "text": [html.escape(text) for _, text in points],
            "marker": {"symbol": symbol, "size": size, "color": color,
                       "line": {"width": 2, "color": color}},
            "hovertemplate": "%{text}<extra></extra>", "showlegend": legend,
            "cliponaxis": False, "xaxis": "x", "yaxis": "y"}
