"""``scene_figure``: the lecture's one figure, contour view beside loss, animated.

The figure is assembled as plain dicts (traces, layout, frames) and wrapped in
a ``go.Figure`` without Plotly's per-attribute validation (see
``_figure``), which would otherwise cost more than everything else together.
The filled contour lies under each panel as a layout image (see
:mod:`plotting.contour`). Trace order, bottom to top: start picker, minima,
path blocks and tails, divergence marks and current-position markers per
panel; then the loss panel; last, the contour's colour-bar carrier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from plotting.animation import (
    MAX_FRAMES,
    block_size,
    controls,
    path_layers,
    positions,
    run_frame_steps,
)
from plotting.colors import CONTOUR_SCALE
from plotting.contour import (
    ContourScale,
    Grid,
    coloraxis,
    colorbar_trace,
    contour_image,
    minima_trace,
    picker_trace,
)
from plotting.fan import fan_stride, fan_trace, loss_bands
from plotting.loss import LossScale, divergence_marks, loss_curves, step_cursor
from plotting.runs import RunTrace, exit_point

VIEWS = ("overlay", "multiples")
GRID_N = 100  # grid lines per side computed when no grid is given
IMAGE_WIDTH = {"overlay": 800, "multiples": 400}  # contour pixels across a panel
MULTIPLES_EXTRA_HEIGHT = 120  # pixels: room for two rows of panels with titles
FONT_FAMILY = '"Source Sans Pro", "Source Sans 3", Arial, Helvetica, sans-serif'


@dataclass(frozen=True)
class Style:
    """Sizes for a laptop screen or for the projector (presenter mode)."""

    font: float
    line: float
    marker: float
    height: int


NORMAL = Style(font=14, line=2.5, marker=11, height=560)
PRESENTER = Style(font=22, line=4.5, marker=17, height=760)


class _Layers:
    """Traces in drawing order, and for the animated ones their update in every frame.

    The figure shows frame ``initial`` before playback: each animated trace
    starts as that frame's update merged into its static part.
    """

    def __init__(self, initial: int) -> None:
        self.initial = initial
        self.data: list[dict] = []
        self.animated: list[tuple[int, list[dict]]] = []

    def add(self, trace: dict, updates: list[dict] | None = None) -> None:
        if updates is not None:
            self.animated.append((len(self.data), updates))
            trace = {**trace, **updates[self.initial]}
        self.data.append(trace)

    def frames(self, names: list[str]) -> list[dict]:
        indices = [i for i, _ in self.animated]
        return [{"name": name, "traces": indices, "data": [u[k] for _, u in self.animated]}
                for k, name in enumerate(names)]


def scene_figure(
    surface,
    traces: Sequence[RunTrace],
    *,
    view: str = "overlay",
    grid: Grid | None = None,
    start_picker: bool = True,
    presenter: bool = False,
    max_frames: int = MAX_FRAMES,
) -> go.Figure:
    """The contour view (overlaid or small multiples) beside loss against step, animated.

    Args:
        surface: a :class:`~surfaces.Surface`.
        traces: the runs, in scene order (run ``i`` in ``PALETTE[i]``).
        view: ``"overlay"`` (every run on one contour) or ``"multiples"``
            (one panel per run, same axes and colour scale).
        grid: ``(xs, ys, z)`` from ``surface.grid(n)``; computed when None.
        start_picker: add the transparent clickable grid ``"start picker"``.
        presenter: large fonts, thick lines (for the projector).
        max_frames: the most animation frames (see :mod:`plotting.animation`).

    Every run must have the same number of steps. The figure shows the last
    step; Play runs from the start.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    runs = list(traces)
    steps_at = run_frame_steps(runs, max_frames)
    style = PRESENTER if presenter else NORMAL
    grid = grid if grid is not None else surface.grid(GRID_N)
    scale = ContourScale.for_values(grid[2], surface.min_value)
    layers = _Layers(initial=len(steps_at) - 1)
    panels = 1 if view == "overlay" else max(1, len(runs))
    loss_axes = (f"x{panels + 1}", f"y{panels + 1}")
    block = block_size(steps_at)
    stride = fan_stride(runs)

    for p in range(panels):
        axes = ("x" if p == 0 else f"x{p + 1}", "y" if p == 0 else f"y{p + 1}")
        shown = runs if view == "overlay" else runs[p:p + 1]
        if start_picker:
            layers.add(picker_trace(surface, axes, size=style.marker + 3))
        if surface.minima:
            layers.add(minima_trace(surface, axes, size=style.marker + 5))
        for i, run in enumerate(shown, start=0 if view == "overlay" else p):
            fan = fan_trace(run, i, axes, style.line, stride)  # static, under every path
            if fan:
                layers.add(fan)
        for i, run in enumerate(shown, start=0 if view == "overlay" else p):
            line = {"line": {"color": run.color, "width": style.line},
                    "legendgroup": f"run{i}", "xaxis": axes[0], "yaxis": axes[1]}
            for trace, updates in path_layers(run, block, steps_at, line):
                layers.add(trace, updates)
        for i, run in enumerate(shown, start=0 if view == "overlay" else p):
            if run.diverged_at is not None and run.last >= 0:
                layers.add(*_diverged_mark(run, i, surface.domain, steps_at, axes, style))
        if shown:
            layers.add(_position_markers(shown, axes, style), positions(shown, steps_at))

    loss_scale = LossScale.for_runs(runs, surface.min_value) if runs else None
    if loss_scale is not None:
        for trace in loss_bands(runs, loss_scale, loss_axes):
            layers.add(trace)
        for trace in loss_curves(runs, loss_scale, loss_axes, style.line):
            layers.add(trace)
        for trace in divergence_marks(runs, loss_scale, loss_axes, style.marker + 2):
            layers.add(trace)
        for trace, updates in step_cursor(runs, loss_scale, steps_at, loss_axes,
                                          style.marker - 2):
            layers.add(trace, updates)

    layers.add(colorbar_trace(scale, ("x", "y")))
    names = [str(int(s)) for s in steps_at]
    layout = _layout(surface, runs, view, panels, scale, loss_scale, steps_at, style)
    image = contour_image(grid, scale, CONTOUR_SCALE, IMAGE_WIDTH[view], ("x", "y"))
    layout["images"] = [{**image, "xref": "x" if p == 0 else f"x{p + 1}",
                         "yref": "y" if p == 0 else f"y{p + 1}"} for p in range(panels)]
    # The controls sit below the axis titles: about 3.4 lines of text down.
    margin = layout["margin"]
    plot_height = layout["height"] - margin["t"] - margin["b"]
    layout["updatemenus"], layout["sliders"] = controls(
        names, steps_at, active=layers.initial, font_size=style.font,
        y=-(3.4 * style.font + 20) / plot_height)
    return _figure(layers.data, layout, layers.frames(names))


def _diverged_mark(run: RunTrace, i: int, domain, steps_at: np.ndarray, axes, style: Style):
    """An "x" where a diverged run was last seen, shown from the step it diverged."""
    x, y = exit_point(run.points, run.last, domain)
    trace = {
        "type": "scatter", "mode": "markers", "name": run.name, "legendgroup": f"run{i}",
        "showlegend": False, "x": [float(x)], "y": [float(y)],
        "marker": {"symbol": "x", "size": style.marker + 6, "color": run.color,
                   "line": {"width": 1.5, "color": "#222222"}},
        "cliponaxis": False,
        "hovertemplate": run.name + "<extra></extra>",
        "xaxis": axes[0], "yaxis": axes[1],
    }
    updates = [{"opacity": 1} if s >= run.diverged_at else {"opacity": 0} for s in steps_at]
    return trace, updates


def _position_markers(runs: list[RunTrace], axes, style: Style) -> dict:
    """One marker per run at its current position (the frames move them)."""
    return {
        "type": "scatter", "mode": "markers", "name": "position", "showlegend": False,
        "marker": {"color": [r.color for r in runs], "size": style.marker,
                   "line": {"width": 1.5, "color": "#222222"}},
        "text": [r.label for r in runs],
        "hovertemplate": "%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
        "unselected": {"marker": {"opacity": 1}},
        "xaxis": axes[0], "yaxis": axes[1],
    }


def _legend_rows(runs: list[RunTrace], style: Style, width: float = 1200) -> int:
    """About how many rows the horizontal legend takes on a ``width``-pixel figure."""
    pixels = sum(0.55 * style.font * len(run.name) + 50 for run in runs)
    return max(1, math.ceil(pixels / width))


def _grid_shape(panels: int) -> tuple[int, int]:
    """Columns and rows for the small multiples: at most three columns."""
    cols = min(3, panels) if panels != 4 else 2
    return cols, math.ceil(panels / cols)


TITLE_CHARS = 34  # a small multiple's title wraps its settings at commas to this width


def _panel_title(run: RunTrace) -> list[str]:
    """A small multiple's title lines: a colour swatch and the optimizer, its settings below.

    ``"Adam (lr = 0.3, beta1 = 0.9, ...)"`` becomes ``["■ Adam", "(lr = 0.3, ...", ...]``,
    wrapped at commas so that neighbouring titles do not run into each other.
    """
    title, paren, settings = run.name.partition(" (")
    lines = [f'<span style="color:{run.color}">■</span> {title}']
    if paren:
        line = "("
        for part in settings.split(", "):
            if len(line) > 1 and len(line) + len(part) + 2 > TITLE_CHARS:
                lines.append(line + ",")
                line = ""
            line += (", " if line not in ("", "(") else "") + part
        lines.append(line)
    return lines


def _layout(surface, runs, view, panels, scale, loss_scale, steps_at, style) -> dict:
    """Axes for the contour panels and the loss panel, legend, colour axis, titles."""
    contour_right = 0.55 if view == "overlay" else 0.6
    margin = {"l": 10 + 4 * style.font, "r": 20, "b": 80 + 5.4 * style.font,
              "t": 16 + 1.7 * style.font * _legend_rows(runs, style)}
    layout = {
        "template": {},
        "height": style.height + (MULTIPLES_EXTRA_HEIGHT if view == "multiples" else 0),
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": margin,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
        "dragmode": False,
        "coloraxis": coloraxis(scale, CONTOUR_SCALE, font_size=style.font,
                               x=contour_right + 0.01),
        "annotations": [],
    }
    cols, rows = _grid_shape(panels)
    plot_height = layout["height"] - margin["t"] - margin["b"]
    titles = [_panel_title(run) for run in runs] if view == "multiples" else []
    # Room above each small multiple for its title.
    lines = max(map(len, titles), default=0)
    title = (1.1 * lines + 0.3) * 0.85 * style.font / plot_height if titles else 0.0
    gap = 0.04 if view == "multiples" else 0.0
    gap_y = 1.8 * style.font / plot_height if view == "multiples" else 0.0  # tick labels
    width = (contour_right - gap * (cols - 1)) / cols
    height = (1 - title * rows - gap_y * (rows - 1)) / rows
    for p in range(panels):
        c, r = p % cols, p // cols
        top = 1 - title - r * (height + title + gap_y)
        xd = [c * (width + gap), c * (width + gap) + width]
        layout.update(_panel_axes(surface.domain, p, xd, [max(0.0, top - height), top]))
        if p < len(titles):
            layout["annotations"].append({
                "text": "<br>".join(titles[p]), "x": (xd[0] + xd[1]) / 2, "y": top,
                "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                "showarrow": False, "font": {"size": style.font * 0.85},
            })
    if view == "overlay":
        layout["xaxis"]["title"] = {"text": "x"}
        layout["yaxis"]["title"] = {"text": "y"}
    layout.update(_loss_axes(panels + 1, int(steps_at[-1]), loss_scale))
    return layout


AXIS_STYLE = {"showgrid": False, "zeroline": False, "ticks": "outside",
              "linecolor": "#444444", "mirror": True}


def _panel_axes(domain, p: int, x_domain: list[float], y_domain: list[float]) -> dict:
    """The axes of contour panel ``p``: the surface's domain at equal scales.

    Equal scales keep the surface's geometry honest (a ravine's walls are as
    steep as they look); the panel shrinks towards the colour bar. Every
    panel gets the same fixed ranges (Plotly's ``matches`` would conflict
    with ``scaleanchor``; nothing can zoom, as dragging is off).
    """
    (x0, x1), (y0, y1) = domain
    xa, ya = ("x", "y") if p == 0 else (f"x{p + 1}", f"y{p + 1}")
    return {
        "xaxis" + xa[1:]: {**AXIS_STYLE, "domain": x_domain, "range": [x0, x1], "anchor": ya,
                           "constrain": "domain", "constraintoward": "right"},
        "yaxis" + ya[1:]: {**AXIS_STYLE, "domain": y_domain, "range": [y0, y1], "anchor": xa,
                           "scaleanchor": xa, "scaleratio": 1, "constrain": "domain"},
    }


def _loss_axes(n: int, steps: int, loss_scale: LossScale | None) -> dict:
    """The loss panel's axes (number ``n``): step across, loss (log scale if known) up."""
    axes = {f"xaxis{n}": {**AXIS_STYLE, "domain": [0.72, 1.0], "anchor": f"y{n}",
                          "range": [-0.02 * max(steps, 1), 1.02 * max(steps, 1)],
                          "title": {"text": "step"}}}
    if loss_scale is not None:
        axes[f"yaxis{n}"] = {**AXIS_STYLE, "domain": [0.0, 1.0], "anchor": f"x{n}",
                             "type": "log" if loss_scale.log else "linear",
                             "range": list(loss_scale.y_range), "exponentformat": "power",
                             "title": {"text": loss_scale.axis_title()}}
    return axes


class BuiltFigure(go.Figure):
    """A ``go.Figure`` that serializes the dicts it was built from, as they are.

    ``st.plotly_chart`` (and ``write_html``) call ``to_dict``, which in Plotly
    deep-copies the whole figure and walks it for NumPy arrays to encode: a
    third of the page's script run. The dicts built here hold no NumPy arrays
    (see :mod:`plotting.encode`) and nothing changes them after the build, so
    ``to_dict`` hands them over in a fresh top-level dict. Treat the figure as
    read-only: to change it, build it again.
    """

    def to_dict(self) -> dict:
        spec = {"data": list(self._built["data"]), "layout": dict(self._built["layout"])}
        if self._built["frames"]:
            spec["frames"] = list(self._built["frames"])
        return spec


def _figure(data: list[dict], layout: dict, frames: list[dict]) -> go.Figure:
    """A :class:`BuiltFigure` holding these dicts as they are, without Plotly's validation.

    The dicts are built here from known attribute names. Validating them,
    ``go.Figure(dict)``, took about 100 ms for the lecture scene, six times
    the whole build; ``_validate=False`` skips it for data and layout but not
    for frames, so the frames are set on the figure's ``_frame_objs`` (the
    tuple ``go.Figure`` itself keeps; plotly is pinned in requirements.txt,
    and the tests read every frame back through ``to_dict``).
    """
    fig = BuiltFigure(data=data, layout=layout, _validate=False)
    fig._frame_objs = tuple(go.Frame(f, _validate=False) for f in frames)
    fig._built = {"data": data, "layout": layout, "frames": frames}
    return fig
