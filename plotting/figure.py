"""``scene_figure``: the lecture's one figure, contour view beside loss, animated
(``scene_spec``: its dicts alone, for a page that sends them as they are).

The figure is laid out for the screen it is drawn on (:mod:`plotting.layout`:
side by side on a laptop or projector, stacked on a phone) and assembled as
plain dicts (:func:`plotting.build.figure_spec`). The filled contour lies
under each panel as a layout image (see :mod:`plotting.contour`). Trace order,
bottom to top: start picker, fans (growing, :mod:`plotting.fan`) and the seeds'
markers, the paths (one trace a run on a page that plays the frames itself; blocks
and tails in a file of its own, under noise or with dots, :mod:`plotting.animation`),
divergence marks,
current-position markers, then the minima (an open star on a white halo, so
that the markers of runs that arrived, and dark paths, do not hide it) per
panel; then the loss panel; last, the contour's colour-bar carrier.
"""

from __future__ import annotations

import math
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
from plotting.build import AXIS_STYLE, FONT_FAMILY, BuiltFigure, Layers, built, figure_spec
from plotting.contour import (
    PICKER_POINTS,
    ContourScale,
    Grid,
    coloraxis,
    colorbar_trace,
    contour_image,
    minima_halo,
    minima_trace,
    picker_trace,
)
from plotting.fan import fan_layers, fan_stride, frames_per_block, loss_bands, seed_markers
from plotting.layout import DEFAULT_SCREEN, Box, ChartGeometry, Screen, Style, text_width
from plotting.loss import (
    LossScale,
    divergence_marks,
    log_ticks,
    loss_curves,
    rebound_note,
    step_cursor,
)
from plotting.marks import MARKED_RUNS, first_steps, mark_sizes, mark_style, marks_legend
from plotting.runs import RunTrace, exit_point

VIEWS = ("overlay", "multiples")
GRID_N = 100  # grid lines per side computed when no grid is given
# Contour pictures are drawn about as wide as their panel, in steps of this many
# pixels (each width is drawn once per surface and kept), within these bounds.
IMAGE_STEP, IMAGE_MIN, IMAGE_MAX = 100, 200, 1200
# The loss panel's labels up its axis are at least this many font sizes apart.
LOSS_LABEL_SPACING = 1.5


def scene_figure(surface, traces: Sequence[RunTrace], **options) -> BuiltFigure:
    """:func:`scene_spec`'s figure as a ``go.Figure`` (a :class:`BuiltFigure`), with the
    same arguments."""
    return built(scene_spec(surface, traces, **options))


def scene_spec(
    surface,
    traces: Sequence[RunTrace],
    *,
    view: str = "overlay",
    grid: Grid | None = None,
    start_picker: bool = True,
    screen: Screen = DEFAULT_SCREEN,
    max_frames: int = MAX_FRAMES,
    plotly_controls: bool = True,
) -> dict:
    """The contour view (overlaid or small multiples) beside loss against step, animated:
    the figure's dicts, ``{"data", "layout", "frames"}``, as a :class:`BuiltFigure` holds
    them.

    Args:
        surface: a :class:`~surfaces.Surface`.
        traces: the runs, in scene order, each in its own colour.
        view: ``"overlay"`` (every run on one contour) or ``"multiples"``
            (one panel per run, same axes and colour scale).
        grid: ``(xs, ys, z)`` from ``surface.grid(n)``; computed when None.
        start_picker: add the transparent clickable grid ``"start picker"``.
        screen: the chart's container in the browser (and presenter mode),
            which sets the layout and the type size (:class:`plotting.layout.Screen`).
        max_frames: the most animation frames (see :mod:`plotting.animation`).
        plotly_controls: Plotly's own Play/Pause, step slider and speed menu under the
            chart (for a file of its own); False leaves them out, for a page that plays
            the frames with controls of its own (``controls.race_chart``), and draws each
            run's path (but a fan's) as one trace whose frames show its first points: the
            chart is sent the path once (``controls.race_chart.columns``), and a browser
            handles a few traces at each frame, not a block's every few steps; a path
            with dots along it (:mod:`plotting.marks`) stays in blocks.

    Every run must have the same number of steps. The figure shows the last
    step; Play runs from the start.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    runs = list(traces)
    steps_at = run_frame_steps(runs, max_frames)
    grid = grid if grid is not None else surface.grid(GRID_N)
    scale = ContourScale.for_values(grid[2], surface.min_value)
    (x0, x1), (y0, y1) = surface.domain
    panels = 1 if view == "overlay" else max(1, len(runs))
    probe = Style.of(screen)
    titles = []
    if view == "multiples":
        panel_chars = _multiples_title_chars(screen, panels, probe.font)
        titles = [_panel_title(run, panel_chars) for run in runs]
    # Dots along the paths where a panel holds few runs (plotting.marks).
    marked = 0 < len(runs) <= MARKED_RUNS and not any(run.fan for run in runs)
    steps = int(steps_at[-1])
    legend = [run.name for run in runs]
    if marked:
        legend += [entry["name"] for entry in marks_legend(steps, 1)]
    geo = ChartGeometry.of(screen, aspect=(y1 - y0) / (x1 - x0), panels=panels,
                           legend=legend,
                           title_lines=max(map(len, titles), default=0),
                           controls=plotly_controls)
    style = geo.style
    layers = Layers(initial=len(steps_at) - 1)
    loss_axes = (f"x{panels + 1}", f"y{panels + 1}")
    block = block_size(steps_at)
    stride = fan_stride(runs)
    per_block = frames_per_block(steps_at, runs)
    # Under noise (a run with a fan) a path's last two blocks stand out, the rest faint.
    trail = 2 * block

    for p in range(panels):
        axes = _axes(p)
        shown = runs if view == "overlay" else runs[p:p + 1]
        first = 0 if view == "overlay" else p
        if start_picker:
            # a small multiple is about a third as wide: half as many points across
            layers.add(picker_trace(surface, axes, size=style.marker + 3,
                                    points=PICKER_POINTS if panels == 1 else PICKER_POINTS // 2))
        for i, run in enumerate(shown, start=first):  # under every path
            for trace, updates in fan_layers(run, i, axes, style.line, stride, steps_at,
                                             per_block, trail):
                layers.add(trace, updates)
        seeds = seed_markers(shown, steps_at, axes, style.marker * 0.5)
        if seeds:
            layers.add(*seeds)
        for i, run in enumerate(shown, start=first):
            line = {"line": {"color": run.color, "width": style.line},
                    "legendgroup": f"run{i}", "xaxis": axes[0], "yaxis": axes[1]}
            sizes = None
            if marked:
                line["marker"] = mark_style(run.color, style.marker * 0.6)
                sizes = mark_sizes(steps, style.marker * 0.6)
            # A page's own player (the race chart) is sent a path once however many frames
            # show its start (controls.race_chart.columns): one trace a run, no blocks. A
            # file of its own plays Plotly's frames, a fan's trail fades block by block, and
            # a path with dots keeps its blocks: dots drawn anew at every frame cost more
            # than the blocks' traces.
            one_trace = not plotly_controls and not run.fan and sizes is None
            for trace, updates in path_layers(run, steps + 1 if one_trace else block, steps_at,
                                              line, sizes=sizes,
                                              trail=trail if run.fan else None):
                layers.add(trace, updates)
        for i, run in enumerate(shown, start=first):
            arrows = marked and first_steps(run.points, run.last, run.color, style.marker * 1.3,
                                            steps_at, axes, f"run{i}")
            if arrows:
                layers.add(*arrows)
        for i, run in enumerate(shown, start=first):
            if run.diverged_at is not None and run.last >= 0:
                layers.add(*_diverged_mark(run, i, surface.domain, steps_at, axes, style))
        if shown:
            layers.add(_position_markers(shown, axes, style), positions(shown, steps_at))
        if surface.minima:
            layers.add(minima_halo(surface, axes, size=style.marker + 8))
            layers.add(minima_trace(surface, axes, size=style.marker + 8))

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

    if marked:
        for entry in marks_legend(steps, style.marker * 0.6):
            layers.add(entry)
    layers.add(colorbar_trace(scale, ("x", "y")))
    names = [str(int(s)) for s in steps_at]
    layout = _layout(surface, view, geo, titles, scale, loss_scale, int(steps_at[-1]))
    note = loss_scale and rebound_note(runs, loss_scale, loss_axes,
                                       (geo.loss.width, geo.loss.height), style.font)
    if note:  # the loss jumps back up near the minimum: the cue for decaying lr
        layout["annotations"].append(note)
    width = min(IMAGE_MAX, max(IMAGE_MIN, IMAGE_STEP * round(geo.panels[0].width / IMAGE_STEP)))
    image = contour_image(grid, scale, style.theme.contour, width, ("x", "y"))
    layout["images"] = [{**image, "xref": _axes(p)[0], "yref": _axes(p)[1]}
                        for p in range(panels)]
    if plotly_controls:
        slider_y = None if geo.slider_y == geo.buttons_y else -geo.paper_y(geo.slider_y)
        layout["updatemenus"], layout["sliders"] = controls(
            names, steps_at, active=layers.initial, font_size=style.font,
            y=-geo.paper_y(geo.buttons_y), slider_y=slider_y, slider_x=geo.slider_x)
    return figure_spec(layers.data, layout, layers.frames(names, delta=True), theme=style.theme)


def _axes(p: int) -> tuple[str, str]:
    """The axes of contour panel ``p``: ``x``/``y``, then ``x2``/``y2``, ..."""
    return ("x", "y") if p == 0 else (f"x{p + 1}", f"y{p + 1}")


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


def _multiples_title_chars(screen: Screen, panels: int, font: float) -> int:
    """About how many characters of title fit across one small multiple."""
    cols = 2 if screen.stacked or panels == 4 else 3
    share = 1.0 if screen.stacked else 0.62  # of the width the contour grid takes
    across = screen.width * share / min(cols, panels)
    return max(12, int(across / text_width("x", 0.85 * font)) - 2)


def _panel_title(run: RunTrace, chars: int) -> list[str]:
    """A small multiple's title lines: a colour swatch and the optimizer, its settings below.

    ``"Adam (lr = 0.3, beta1 = 0.9, ...)"`` becomes ``["■ Adam", "(lr = 0.3, ...", ...]``,
    wrapped at commas to about ``chars`` characters so that neighbouring titles do not
    run into each other.
    """
    title, paren, settings = run.label.partition(" (")
    fate = f" ({run.fate})" if run.fate else ""
    lines = [f'<span style="color:{run.color}">■</span> {title}{fate}']
    if paren:
        line = "("
        for part in settings.split(", "):
            if len(line) > 1 and len(line) + len(part) + 2 > chars:
                lines.append(line + ",")
                line = ""
            line += (", " if line not in ("", "(") else "") + part
        lines.append(line)
    return lines


def _layout(surface, view: str, geo: ChartGeometry, titles: list[list[str]],
            scale: ContourScale, loss_scale: LossScale | None, steps: int) -> dict:
    """Axes for the contour panels and the loss panel, legend, colour axis, titles."""
    style = geo.style
    layout = {
        "template": {},
        "height": round(geo.height),
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        # Every part has its own room (plotting.layout): Plotly must not move the plot
        # area to make room for the legend, colour bar or controls.
        "margin": {**{k: round(v) for k, v in geo.margin.items()}, "autoexpand": False},
        "legend": {"orientation": "h", "x": 0, "y": 1 + geo.paper_y(4), "yanchor": "bottom",
                   "xanchor": "left", "itemsizing": "constant", "tracegroupgap": 0},
        "hovermode": "closest",
        "dragmode": False,
        "coloraxis": coloraxis(scale, style.theme.contour, font_size=style.font,
                               place=_colorbar_place(geo)),
        "annotations": [],
    }
    for p, box in enumerate(geo.panels):
        layout.update(_panel_axes(surface.domain, p, geo.domain(box)))
        if p < len(titles):
            layout["annotations"].append({
                "text": "<br>".join(titles[p]),
                "x": geo.paper_x(box.left + box.width / 2), "y": geo.paper_y(box.top + 2),
                "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                "showarrow": False, "font": {"size": style.font * 0.85},
            })
    if view == "overlay":  # the coordinates' names: x and y, or the penguins' w and b
        x_name, y_name = getattr(surface, "axes", ("x", "y"))
        layout["xaxis"]["title"] = {"text": x_name, "standoff": 4}
        layout["yaxis"]["title"] = {"text": y_name, "standoff": 4}
    labels = max(2, int(geo.loss.height // (LOSS_LABEL_SPACING * geo.style.font)))
    layout.update(_loss_axes(len(geo.panels) + 1, steps, loss_scale, geo.domain(geo.loss),
                             labels))
    return layout


def _colorbar_place(geo: ChartGeometry) -> dict:
    """Where the contour's colour bar goes: beside the contour, or under it on a phone."""
    bar: Box = geo.colorbar
    if geo.stacked:
        return {"orientation": "h", "x": geo.paper_x(bar.left), "xanchor": "left",
                "len": geo.paper_x(bar.width), "lenmode": "fraction",
                "y": geo.paper_y(bar.top - 0.6 * geo.style.font), "yanchor": "top",
                "thickness": 12}
    return {"x": geo.paper_x(bar.left), "xanchor": "left", "xpad": 0,
            "y": geo.paper_y(bar.bottom + bar.height / 2), "yanchor": "middle",
            "len": geo.paper_y(bar.height), "lenmode": "fraction", "thickness": 12}


def _panel_axes(domain, p: int, paper: tuple[list[float], list[float]]) -> dict:
    """The axes of contour panel ``p``: the surface's domain at equal scales.

    The geometry gives each panel its domain's aspect ratio, so equal scales
    (``scaleanchor``) keep the surface's geometry honest (a ravine's walls are
    as steep as they look) without Plotly having to shrink the panel. Every
    panel gets the same fixed ranges (Plotly's ``matches`` would conflict with
    ``scaleanchor``; nothing can zoom, as dragging is off).
    """
    (x0, x1), (y0, y1) = domain
    xa, ya = _axes(p)
    x_domain, y_domain = paper
    return {
        "xaxis" + xa[1:]: {**AXIS_STYLE, "domain": x_domain, "range": [x0, x1], "anchor": ya,
                           "constrain": "domain", "constraintoward": "left"},
        "yaxis" + ya[1:]: {**AXIS_STYLE, "domain": y_domain, "range": [y0, y1], "anchor": xa,
                           "scaleanchor": xa, "scaleratio": 1, "constrain": "domain",
                           "constraintoward": "top"},
    }


def _loss_axes(n: int, steps: int, loss_scale: LossScale | None,
               paper: tuple[list[float], list[float]], labels: int) -> dict:
    """The loss panel's axes (number ``n``): step across, loss (log scale if known) up.

    On a log axis spanning two decades or more only whole decades are labelled, as
    powers of ten (every one across less than 7 decades, every second across less than
    13, else every third); across less, 1, 2 and 5 times them too, each written out in
    full (:func:`plotting.loss.log_ticks`): a bare minor label such as "3" below 1 would
    read as 3, not 0.3. At most ``labels`` labels go up the axis (a phone's short loss
    panel): fewer decades are labelled, or only whole decades across less than two.
    """
    x_domain, y_domain = paper
    axes = {f"xaxis{n}": {**AXIS_STYLE, "domain": x_domain, "anchor": f"y{n}",
                          "range": [-0.02 * max(steps, 1), 1.02 * max(steps, 1)],
                          "title": {"text": "step", "standoff": 4}}}
    if loss_scale is not None:
        axis = {**AXIS_STYLE, "domain": y_domain, "anchor": f"x{n}",
                "type": "log" if loss_scale.log else "linear",
                "range": list(loss_scale.y_range), "exponentformat": "power",
                "title": {"text": loss_scale.axis_title(), "standoff": 4}}
        if loss_scale.log:
            lo, hi = loss_scale.y_range
            span = hi - lo
            tickvals, ticktext = log_ticks(lo, hi) if span < 2 else ([], [])
            if span < 2 and len(tickvals) <= labels:  # label 2 and 5 too, in full
                axis.update({"tickmode": "array", "tickvals": tickvals, "ticktext": ticktext})
            else:
                least = 1 if span < 7 else 2 if span < 13 else 3
                dtick = next(d for d in range(least, math.ceil(span) + 2)
                             if span // d + 1 <= labels)
                axis.update({"dtick": dtick, "minorloglabels": "none"})
        axes[f"yaxis{n}"] = axis
    return axes
