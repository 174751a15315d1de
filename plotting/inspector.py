"""The state inspector as a figure: one run's arrows at a step, and its step sizes over steps.

Left, the contour with the run's path (solid up to step ``k``, faint after)
and, from the position at step ``k``, the vectors of
:func:`analysis.inspector.arrows_at`:

* ``-lr * gradient``: where plain SGD would step from here;
* the velocity ``v`` (Momentum, Nesterov) or Adam's ``-lr * m``;
* for Nesterov, the look-ahead ``mu * v``: from the textbook position
  ``x - mu * v`` to ``x``, where the gradient is taken;
* the step actually taken to step ``k + 1``.

All arrows share one scale: their true length when the longest is between
5% and 40% of the plot's shorter side, else a round factor (1, 2 or 5 times a
power of ten) that brings the longest to about 20%; the legend says which.

Right, the effective step size per axis against the step
(:func:`analysis.inspector.effective_step_sizes`) on a log axis, where
AdaGrad's decay towards zero shows, with step ``k`` marked. No ``st.*``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.inspector import arrows_at, effective_step_sizes
from optimizers import Run
from plotting.build import AXIS_STYLE, FONT_FAMILY, BuiltFigure, build_figure, panel_style
from plotting.colors import theme_named
from plotting.contour import ContourScale, Grid, contour_image, minima_trace
from plotting.encode import typed

GRID_N = 100
ARROW_COLORS = {"gradient": "#D55E00", "velocity": "#0072B2", "look-ahead": "#009E73",
                "step": "#222222"}
AXIS_LINES = {"x": {"color": "#222222", "dash": "solid"}, "y": {"color": "#777777", "dash": "dash"}}
CONTOUR_RIGHT = 0.48  # the contour panel's right edge (paper units); step sizes from 0.6
# A phone's stacked figure, in pixels: the step sizes' chart under the contour, and the
# bands between them (the contour's x axis and the arrows' legend; the step sizes'
# legend), each band sized from the font.
STACKED_STEPS_HEIGHT = 220


@dataclass(frozen=True)
class Arrow:
    """A vector to draw from ``origin``, at its true length (``kind`` picks its colour)."""

    name: str
    kind: str
    origin: np.ndarray
    vector: np.ndarray


def arrows(run: Run, k: int) -> list[Arrow]:
    """The arrows of run ``run`` at step ``k``, true length; none where the run is not finite."""
    a = arrows_at(run, k)
    k = int(np.clip(k, 0, run.steps))
    if not np.isfinite(a.origin).all():
        return []
    out = []
    if a.grad is not None:
        out.append(Arrow("−lr · gradient", "gradient", a.origin, a.grad))
    if a.velocity is not None:
        name = "−lr · m (Adam's first moment)" if run.optimizer.name == "adam" else "velocity v"
        out.append(Arrow(name, "velocity", a.origin, a.velocity))
    if a.textbook_position is not None:
        out.append(Arrow("look-ahead μ·v (from x − μ·v)", "look-ahead", a.textbook_position,
                         a.origin - a.textbook_position))
    if k < run.steps and np.isfinite(run.points[k + 1]).all():
        out.append(Arrow(f"step taken to step {k + 1}", "step", a.origin,
                         run.points[k + 1] - run.points[k]))
    return [arrow for arrow in out if np.isfinite(arrow.vector).all()]


def arrow_scale(vectors: list[np.ndarray], span: float) -> float:
    """The factor the arrows are drawn at (see the module's docstring)."""
    longest = max((float(np.hypot(*v)) for v in vectors), default=0.0)
    if longest == 0 or 0.05 * span <= longest <= 0.4 * span:
        return 1.0
    raw = 0.2 * span / longest
    power = 10.0 ** math.floor(math.log10(raw))
    return max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))


def inspector_figure(surface, run: Run, k: int, *, label: str, color: str,
                     grid: Grid | None = None, presenter: bool = False,
                     theme: str = "light", phone_width: float | None = None) -> BuiltFigure:
    """The inspector's figure for a single run simulated with ``record_state=True``.

    Args:
        surface: the run's :class:`~surfaces.Surface`.
        run: the engine's run, with its state recorded.
        k: the step inspected (clipped to ``0 .. run.steps``).
        label, color: the run's label and colour on the page.
        grid: ``surface.grid(n)``; computed when None.
        presenter: large fonts, thick lines (the race chart's sizes for the projector).
        theme: the page's, ``"light"`` or ``"dark"`` (:func:`plotting.colors.theme_named`).
        phone_width: on a phone, the chart's width in pixels: the step sizes' chart goes
            under the contour, which takes the whole width (None: side by side).
    """
    style = panel_style(presenter)
    k = int(np.clip(k, 0, run.steps))
    sizes = effective_step_sizes(run)
    grid = grid if grid is not None else surface.grid(GRID_N)
    (x0, x1), (y0, y1) = surface.domain
    drawn = arrows(run, k)
    scale = arrow_scale([a.vector for a in drawn], min(x1 - x0, y1 - y0))

    path = {"type": "scatter", "mode": "lines", "hoverinfo": "skip", "showlegend": False,
            "xaxis": "x", "yaxis": "y"}
    data: list[dict] = []
    if surface.minima:
        data.append(minima_trace(surface, ("x", "y"), size=style.marker + 5))
    data += [
        {**path, "name": "path after", "x": typed(run.points[k:, 0]),
         "y": typed(run.points[k:, 1]), "line": {"color": color, "width": style.line * 0.6},
         "opacity": 0.3},
        {**path, "name": "path so far", "x": typed(run.points[:k + 1, 0]),
         "y": typed(run.points[:k + 1, 1]), "line": {"color": color, "width": style.line}},
        {"type": "scatter", "mode": "markers", "name": f"position at step {k}",
         "x": [float(run.points[k, 0])], "y": [float(run.points[k, 1])],
         "marker": {"color": color, "size": style.marker + 1,
                    "line": {"width": 1.5, "color": "#222222"}},
         "hovertemplate": f"step {k}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
         "showlegend": False, "xaxis": "x", "yaxis": "y"},
    ]
    centre = run.points[k]
    # The step taken first, dotted, so that the arrows it is made of stay visible on it.
    for arrow in sorted(drawn, key=lambda a: a.kind != "step"):
        # Scaled about the current position, so that the arrows still add up there.
        tail = centre + scale * (arrow.origin - centre)
        head = tail + scale * arrow.vector
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": arrow.name,
            "x": [float(tail[0]), float(head[0])], "y": [float(tail[1]), float(head[1])],
            "line": {"color": ARROW_COLORS[arrow.kind], "width": style.line + 0.5,
                     "dash": "dot" if arrow.kind == "step" else "solid"},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, style.marker + 4],
                       "color": ARROW_COLORS[arrow.kind]},
            "customdata": [[float(v) for v in arrow.vector]] * 2,
            "hovertemplate": arrow.name + ": (%{customdata[0]:.3g}, %{customdata[1]:.3g})"
                                          "<extra></extra>",
            "cliponaxis": False, "xaxis": "x", "yaxis": "y",
        })

    steps = np.arange(run.steps + 1)
    for axis, column in (("x", 0), ("y", 1)):
        data.append({"type": "scatter", "mode": "lines", "name": f"step size along {axis}",
                     "x": typed(steps, np.int32), "y": typed(sizes[:, column]),
                     "line": {**AXIS_LINES[axis], "width": style.line},
                     "xaxis": "x2", "yaxis": "y2", "legend": "legend2",
                     "hovertemplate": f"step %{{x}}: {axis} step size %{{y:.3g}}"
                                      "<extra></extra>"})
    finite = sizes[np.isfinite(sizes) & (sizes > 0)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1e-3, 1.0)
    span = [math.log10(lo) - 0.5, math.log10(hi) + 0.5]  # a decade at least
    data.append({"type": "scatter", "mode": "lines", "name": "inspected step",
                 "x": [k, k], "y": [10 ** span[0], 10 ** span[1]], "showlegend": False,
                 "line": {"color": "#555555", "width": 1, "dash": "dot"}, "hoverinfo": "skip",
                 "xaxis": "x2", "yaxis": "y2"})
    now = sizes[k] if np.isfinite(sizes[k]).all() else np.array([None, None])
    data.append({"type": "scatter", "mode": "markers", "name": f"step sizes at step {k}",
                 "x": [k, k], "y": [None if v is None else float(v) for v in now],
                 "marker": {"color": [AXIS_LINES["x"]["color"], AXIS_LINES["y"]["color"]],
                            "size": style.marker - 1}, "showlegend": False,
                 "hovertemplate": "step %{x}: %{y:.3g}<extra></extra>",
                 "xaxis": "x2", "yaxis": "y2"})

    scale_text = "true length" if scale == 1 else f"drawn ×{scale:g}"
    scale_grid = ContourScale.for_values(grid[2], surface.min_value)
    image = contour_image(grid, scale_grid, theme_named(theme).contour, 500, ("x", "y"))
    layout = {
        "template": {}, "height": style.height - 80,
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {"l": 4.5 * style.font, "r": 20, "t": 3 * style.font,
                   "b": 6.5 * style.font},
        # Two legends, each under its chart (above them, Plotly's toolbar would cover one).
        "legend": {"orientation": "h", "x": 0, "y": -0.22, "yanchor": "top",
                   "entrywidth": 0, "title": {"text": f"At step {k} (arrows {scale_text}):",
                                              "side": "top"}},
        "legend2": {"orientation": "h", "x": 0.6, "y": -0.22, "yanchor": "top"},
        "hovermode": "closest", "dragmode": False, "images": [image],
        "xaxis": {**AXIS_STYLE, "domain": [0, CONTOUR_RIGHT], "range": [x0, x1],
                  "anchor": "y", "constrain": "domain", "title": {"text": "x"}},
        "yaxis": {**AXIS_STYLE, "domain": [0, 1], "range": [y0, y1], "anchor": "x",
                  "scaleanchor": "x", "scaleratio": 1, "constrain": "domain",
                  "title": {"text": "y"}},
        "xaxis2": {**AXIS_STYLE, "domain": [0.6, 1], "anchor": "y2",
                   "range": [-0.02 * max(run.steps, 1), 1.02 * max(run.steps, 1)],
                   "title": {"text": "step"}},
        "yaxis2": {**AXIS_STYLE, "domain": [0, 1], "anchor": "x2", "type": "log",
                   "range": span, "exponentformat": "power",
                   # 1, 2, 5 per decade on a short axis (every digit would crowd it)
                   **({"dtick": "D2"} if span[1] - span[0] <= 3 else {}),
                   "title": {"text": "effective step size (log)"}},
        "annotations": [{"text": label, "x": 0, "y": 1, "xref": "paper", "yref": "paper",
                         "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                         "font": {"color": "#222222"}}],
    }
    if phone_width is not None:
        layout.update(_stacked(layout, style.font, phone_width, surface.domain, len(drawn)))
    return build_figure(data, layout, theme=theme_named(theme))


def _stacked(layout: dict, font: float, width: float, domain, arrow_count: int) -> dict:
    """The layout's changes for a phone ``width`` pixels wide: the contour across the
    plot's width at its domain's aspect ratio (from half to 1.25 times as high as wide),
    under it its x axis and the arrows' legend (its title and ``arrow_count`` entries,
    one a row), then the step sizes' legend (two rows) and chart. Each part gets a band
    of pixels of its own, so no title or legend meets a tick."""
    (x0, x1), (y0, y1) = domain
    margin = {"l": 4.2 * font, "r": 12, "t": 2.2 * font, "b": 3.2 * font}
    plot_width = max(120.0, width - margin["l"] - margin["r"])
    contour = plot_width * min(1.25, max(0.5, (y1 - y0) / (x1 - x0)))
    axis_band = 5 * font  # the contour's x ticks and title
    row = 1.6 * font  # a legend's row
    below_contour = axis_band + (1 + arrow_count) * row + font
    steps_legend = 2 * row + font
    steps = float(STACKED_STEPS_HEIGHT)
    plot = contour + below_contour + steps_legend + steps
    top_of_steps = steps / plot
    contour_bottom = (steps + steps_legend + below_contour) / plot
    return {
        "height": plot + margin["t"] + margin["b"],
        "margin": margin,
        "legend": {**layout["legend"], "orientation": "v",
                   "y": contour_bottom - axis_band / plot},
        "legend2": {**layout["legend2"], "orientation": "v", "x": 0, "yanchor": "bottom",
                    "y": top_of_steps + 0.3 * font / plot},
        "xaxis": {**layout["xaxis"], "domain": [0, 1]},
        "yaxis": {**layout["yaxis"], "domain": [contour_bottom, 1]},
        "xaxis2": {**layout["xaxis2"], "domain": [0, 1]},
        "yaxis2": {**layout["yaxis2"], "domain": [0, top_of_steps],
                   "title": {"text": "step size (log)"}},
    }
