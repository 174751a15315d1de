"""``surface_figure``: the loss surface in 3D with the runs on it, animated.

The surface is a Plotly ``surface`` trace over a coarse grid (``GRID_N`` per
side, float32 in base64: about 20 KB), coloured exactly as the contour view
(the same bands and colour bar, from :class:`plotting.contour.ContourScale`).
Each run is a line at height ``z = loss`` through the same height transform.

Heights. A surface with a known minimum is drawn at ``log10(f - min_value)``,
floored :data:`plotting.contour.DECADES` decades below the grid's largest
value: the contour's own variable, so the ravine's shallow floor keeps its
shape next to walls a thousand times higher, and the colour bar's ticks (in
units of loss) label the z axis. Without a minimum (the saddle), or when
``log=False``, the height is the loss itself, clipped at the
``LINEAR_QUANTILE`` quantile of the grid, so that a few high corners do not
flatten the rest. Where ``f`` is undefined (NaN) the surface has holes.

Animation. The same step control as the contour view, from
:mod:`plotting.animation`: capped frames, each path in static blocks whose
opacity a frame toggles, a short tail, and markers. 3D traces are only
updated by a full redraw of the scene (``redraw: true``), which costs far more
per frame in the browser than a 2D frame, so the frames are capped at
:data:`MAX_FRAMES_3D` (see docs/panels.md, "3D view, export and presenter mode",
for the measurement) and each is shown for longer, so that Play takes about
as long as in the contour view.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plotting.animation import (
    MAX_FRAMES,
    block_size,
    controls,
    path_layers,
    positions,
    run_frame_steps,
)
from plotting.build import FONT_FAMILY, BuiltFigure, Layers, build_figure, panel_style
from plotting.colors import Theme, theme_named
from plotting.contour import ContourScale, Grid, coloraxis
from plotting.encode import typed
from plotting.fan import FAN_WIDTH, fan_stride, kept_steps
from plotting.runs import RunTrace

GRID_N = 60  # grid lines per side of the 3D surface
MAX_FRAMES_3D = 30
LINEAR_QUANTILE = 0.9  # a linear height is clipped here, so that the valley shows
LIFT = 0.015  # paths float this fraction of the height range above the surface
# A little see-through: a step that jumps across a valley is a chord under the surface.
SURFACE_OPACITY = 0.85
# Where the camera looks from (a square box), in Plotly's scene units: from the front
# left and above, so that a valley along x is seen across.
EYE = {"x": -0.65, "y": -1.45, "z": 0.85}
# A phone's narrow view: the camera this much further back (the box's corners stay in
# view), and below the plot area, in pixels, the colour bar's band and the buttons' row
# (the step slider's row, with its "step N" label, under them).
NARROW_ZOOM = 1.35
NARROW_COLORBAR = 72
NARROW_BUTTONS = 44
NARROW_SLIDER = 70


class Heights:
    """The height drawn for a loss value: the contour's log variable, or the loss clipped.

    ``lo`` and ``hi`` bound every height; ``title`` and ``ticks()`` label the
    z axis (in units of loss on the log scale).
    """

    def __init__(self, scale: ContourScale, z: np.ndarray, log: bool) -> None:
        self.scale = scale
        self.log = log and scale.log
        self.clipped = False
        if self.log:
            self.lo, self.hi = scale.lo, scale.hi
        else:
            finite = z[np.isfinite(z)]
            self.lo, top = float(finite.min()), float(finite.max())
            self.hi = float(np.quantile(finite, LINEAR_QUANTILE))
            if self.hi <= self.lo:
                self.hi = top if top > self.lo else self.lo + 1.0
            self.clipped = self.hi < top

    def of(self, f: np.ndarray) -> np.ndarray:
        """Heights of loss values ``f`` in ``[lo, hi]`` (NaN stays NaN)."""
        v = self.scale.variable(f) if self.log else np.asarray(f, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.clip(v, self.lo, self.hi)

    @property
    def title(self) -> str:
        if self.log:
            return "loss − min (log)"
        return f"loss (clipped at {self.hi:.3g})" if self.clipped else "loss"

    def ticks(self) -> dict:
        """On the log scale, a tick per decade labelled in units of loss (Plotly's own else)."""
        if not self.log:
            return {}
        values, text = self.scale.ticks()
        return {"tickvals": values, "ticktext": text}


def surface_figure(
    surface,
    traces: Sequence[RunTrace],
    *,
    grid: Grid | None = None,
    log: bool = True,
    presenter: bool = False,
    theme: str = "light",
    narrow: bool = False,
    max_frames: int = MAX_FRAMES_3D,
) -> BuiltFigure:
    """The surface in 3D, the runs as lines on it at height ``loss``, animated.

    Args:
        surface: a :class:`~surfaces.Surface`.
        traces: the runs, in scene order, all with the same number of steps.
        grid: ``(xs, ys, z)`` from ``surface.grid(n)``; ``surface.grid(GRID_N)`` when None.
        log: heights on the contour's log scale when the surface has a minimum
            value (else the loss, clipped; see the module's docstring).
        presenter: large fonts, thick lines (for the projector).
        theme: the page's, ``"light"`` or ``"dark"`` (:func:`plotting.colors.theme_named`).
        narrow: laid out for a phone (:attr:`plotting.layout.Screen.stacked`): Play,
            Pause and the speed on a row of their own, the step slider across the
            whole width under them, the colour bar under the surface, and the
            camera further back, so that the whole box shows.
        max_frames: the most animation frames.

    Trace order: the surface, the minima, the fans of seeds (static, thin), per
    run its path blocks and tail, the current-position markers, and one legend
    entry per run. The figure shows the last step.
    """
    runs = list(traces)
    steps_at = run_frame_steps(runs, max_frames)
    style = panel_style(presenter)
    xs, ys, z = grid if grid is not None else surface.grid(GRID_N)
    scale = ContourScale.for_values(z, surface.min_value)
    heights = Heights(scale, z, log)
    lift = LIFT * (heights.hi - heights.lo)
    layers = Layers(initial=len(steps_at) - 1)

    layers.add(_surface_trace(xs, ys, z, scale, heights))
    if surface.minima:
        layers.add(_minima_trace(surface, heights, lift, style))
    stride = fan_stride(runs)
    for i, run in enumerate(runs):
        if run.fan:
            layers.add(_fan_trace(run, i, heights, lift, style, stride))
    block = block_size(steps_at)
    run_heights = [heights.of(run.losses) + lift for run in runs]
    for i, (run, height) in enumerate(zip(runs, run_heights, strict=True)):
        line = {"type": "scatter3d", "line": {"color": run.color, "width": style.line * 2},
                "legendgroup": f"run{i}"}
        for trace, updates in path_layers(run, block, steps_at, line, z=height):
            layers.add(trace, updates)
    if runs:
        layers.add(_position_markers(runs, style), positions(runs, steps_at, run_heights))
        for trace in _legend_entries(runs, style):
            layers.add(trace)

    names = [str(int(s)) for s in steps_at]
    layout = _layout(surface, heights, scale, style, runs, theme_named(theme), narrow)
    if narrow:
        # Below the plot area (paper y < 0): the buttons' row, then the slider's own row.
        plot = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        buttons_y = -NARROW_COLORBAR / plot
        layout["updatemenus"], layout["sliders"] = controls(
            names, steps_at, active=layers.initial, font_size=style.font, y=buttons_y,
            slider_y=buttons_y - NARROW_BUTTONS / plot, slider_x=(0.0, 0.98), redraw=True)
        layout["updatemenus"][1]["x"] = 0.97  # the speed menu's box inside the figure
    else:
        layout["updatemenus"], layout["sliders"] = controls(
            names, steps_at, active=layers.initial, font_size=style.font, y=0.0,
            redraw=True)
    _slow_down(layout["updatemenus"], max_frames)
    return build_figure(layers.data, layout, layers.frames(names), theme=theme_named(theme))


def _slow_down(menus: list[dict], max_frames: int) -> None:
    """Longer frames when there are fewer of them, so that Play lasts as long as in the
    contour view (which plays up to ``MAX_FRAMES`` frames at the chosen speed)."""
    factor = max(1.0, MAX_FRAMES / max(max_frames, 1))
    play, speeds = menus
    play["buttons"][0]["args"][1]["frame"]["duration"] *= factor
    for button in speeds["buttons"]:
        button["args"][0] = {key: ms * factor for key, ms in button["args"][0].items()}


def _surface_trace(xs, ys, z, scale: ContourScale, heights: Heights) -> dict:
    """The surface at its heights, coloured by the contour's bands (NaN: a hole).

    On the log scale the heights are the contour's own variable, which colours
    them; otherwise ``surfacecolor`` carries that variable.
    """
    trace = {
        "type": "surface", "name": "surface", "showlegend": False,
        "x": typed(xs), "y": typed(ys), "z": typed(heights.of(z)), "coloraxis": "coloraxis",
        "opacity": SURFACE_OPACITY,
        "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05, "roughness": 0.9},
        "hoverinfo": "skip",
    }
    if not heights.log:
        trace["surfacecolor"] = typed(scale.variable(z))
    return trace


def _fan_trace(run: RunTrace, i: int, heights: Heights, lift: float, style,
               stride: int) -> dict:
    """The fan's other seeds of run ``i``, thin and static (as in :mod:`plotting.fan`)."""
    pieces = []
    for member in run.fan:
        k = kept_steps(member, stride)
        pieces += [np.c_[member.points[k], heights.of(member.losses[k]) + lift],
                   np.full((1, 3), np.nan)]
    xyz = np.concatenate(pieces[:-1])
    return {
        "type": "scatter3d", "mode": "lines", "name": f"{run.label}: {len(run.fan)} more seeds",
        "legendgroup": f"run{i}", "showlegend": False, "hoverinfo": "skip",
        "x": typed(xyz[:, 0]), "y": typed(xyz[:, 1]), "z": typed(xyz[:, 2]),
        "connectgaps": False, "line": {"color": run.color, "width": FAN_WIDTH * style.line * 2},
    }


def _minima_trace(surface, heights: Heights, lift: float, style) -> dict:
    xy = np.array(surface.minima, dtype=float).reshape(-1, 2)
    z = heights.of(np.full(len(xy), surface.min_value)) + lift
    return {
        "type": "scatter3d", "mode": "markers", "name": "minimum", "showlegend": False,
        "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(), "z": z.tolist(),
        "marker": {"symbol": "diamond", "size": style.marker * 0.6, "color": "white",
                   "line": {"color": "#222222", "width": 2}},
        "hovertemplate": "minimum (%{x:.4~g}, %{y:.4~g})<extra></extra>",
    }


def _position_markers(runs: list[RunTrace], style) -> dict:
    return {
        "type": "scatter3d", "mode": "markers", "name": "position", "showlegend": False,
        "marker": {"color": [r.color for r in runs], "size": style.marker * 0.6,
                   "line": {"width": 2, "color": "#222222"}},
        "text": [r.label for r in runs],
        "hovertemplate": "%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    }


def _legend_entries(runs: list[RunTrace], style) -> list[dict]:
    """One legend entry per run (an empty 3D line in its colour), clicking hides the run."""
    return [{"type": "scatter3d", "mode": "lines", "name": run.name, "legendgroup": f"run{i}",
             "x": [None], "y": [None], "z": [None],
             "line": {"color": run.color, "width": style.line * 2}, "hoverinfo": "skip"}
            for i, run in enumerate(runs)]


def _layout(surface, heights: Heights, scale: ContourScale, style, runs, theme: Theme,
            narrow: bool = False) -> dict:
    (x0, x1), (y0, y1) = surface.domain
    width, depth = x1 - x0, y1 - y0
    longer = max(width, depth)
    # A long, shallow box (the ravine) is seen from closer: it fills the view's width.
    zoom = 0.58 + 0.42 * min(width, depth) / longer
    axis = {"showbackground": False, "gridcolor": "#dddddd", "zeroline": False,
            "title": {"font": {"size": style.font}}, "tickfont": {"size": style.font * 0.8}}
    margin_bottom = 40 + 2.5 * style.font
    colorbar = {"x": 1.0}
    height = style.height
    z_title = heights.title
    if narrow:
        # The colour bar under the surface names the heights (its ticks are the z axis's).
        z_title = ""
        zoom *= NARROW_ZOOM
        margin_bottom = NARROW_COLORBAR + NARROW_BUTTONS + NARROW_SLIDER
        colorbar = {"orientation": "h", "x": 0.0, "xanchor": "left", "len": 0.96,
                    "y": 0.0, "yanchor": "top", "thickness": 10}
        height = style.height - 80 + margin_bottom - (40 + 2.5 * style.font)
    return {
        "template": {},
        "height": height,
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white",
        "margin": {"l": 0, "r": 0, "t": 10 + 1.7 * style.font, "b": margin_bottom},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "showlegend": bool(runs),
        "coloraxis": coloraxis(scale, theme.contour, font_size=style.font, place=colorbar),
        "scene": {
            "xaxis": {**axis, "title": {**axis["title"], "text": "x"}, "range": [x0, x1]},
            "yaxis": {**axis, "title": {**axis["title"], "text": "y"}, "range": [y0, y1]},
            "zaxis": {**axis, **heights.ticks(), "title": {**axis["title"], "text": z_title},
                      "range": [heights.lo, heights.hi + 2 * LIFT * (heights.hi - heights.lo)]},
            "aspectmode": "manual",
            "aspectratio": {"x": width / longer, "y": depth / longer, "z": 0.55},
            "camera": {"eye": {axis: value * zoom for axis, value in EYE.items()}},
            "dragmode": "turntable",
        },
    }
