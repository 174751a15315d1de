"""The phase map as a figure: how fast each (lr, second hyperparameter) cell converges.

``phase_figure`` draws an :class:`analysis.phase_map.PhaseMap` as

* a heatmap of the chosen metric: steps until the excess loss fell to
  ``tol`` times its start (``"steps"``), or ``log10`` of the final excess
  loss (``"loss"``; the final loss itself on a surface without a minimum);
* cells that diverged in their own colour (vermillion, outside the blue scale),
  and cells that neither converged nor diverged within the steps in grey, as a
  second heatmap over the first, each with a legend entry;
* the analytic stability limit, when given, as a dashed line;
* the scene's runs of this optimizer as markers in their colours (open when
  their other settings differ from the map's);
* transparent scatter points over the cell centres, named ``"cell picker"``
  (and ``"cell picker (diverged)"``, ``"cell picker (not converged)"``, so that
  each hover says what happened there): Plotly heatmaps emit no point
  selections in Streamlit, scatter points do. :func:`cell_of` turns a
  selected point back into its cell.

The lr axis (and an ``eps`` axis) is logarithmic; cells are drawn between
their neighbours' geometric (log axis) or arithmetic midpoints. No ``st.*``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.phase_map import PhaseMap
from plotting.build import FONT_FAMILY, BuiltFigure, build_figure, panel_style
from plotting.colors import theme_named
from plotting.contour import decade_text
from plotting.encode import typed

DIVERGED_COLOR = "#D55E00"  # vermillion: far from every blue of the scale
NOT_CONVERGED_COLOR = "#BDBDBD"
# Few steps (or a low loss) dark blue, slow runs pale: ColorBrewer's Blues, reversed.
METRIC_SCALE = [[0.0, "#08306B"], [0.25, "#2171B5"], [0.5, "#6BAED6"], [0.75, "#C6DBEF"],
                [1.0, "#F7FBFF"]]
PICKER = "cell picker"
LOSS_FLOOR = 1e-30  # log10 of a final excess loss of exactly 0 is drawn as -30
LOG_AXES = {"lr", "eps"}  # hyperparameters swept on a log scale
SPOKEN, NOT_CONVERGED, DIVERGED = 0, 1, 2  # the status layer's values


@dataclass(frozen=True)
class MapMark:
    """A run of the scene drawn on the map.

    ``y`` is ``None`` on a one-row map (SGD); ``same_settings`` says whether
    its other hyperparameters are the map's (a filled marker) or not (open).
    """

    label: str
    color: str
    lr: float
    y: float | None
    same_settings: bool


def picker_groups(pm: PhaseMap, metric: str) -> dict[str, np.ndarray]:
    """Picker trace name -> the flat indices (``i * columns + j``) of its cells.

    One trace per kind of cell, so that each hover says the right thing: the
    metric's value, "diverged", or "not converged".
    """
    status = status_values(pm, metric).ravel()
    groups = {PICKER: np.flatnonzero(status == SPOKEN),
              f"{PICKER} (diverged)": np.flatnonzero(status == DIVERGED),
              f"{PICKER} (not converged)": np.flatnonzero(status == NOT_CONVERGED)}
    return {name: cells for name, cells in groups.items() if cells.size}


def cell_of(pm: PhaseMap, metric: str, trace: str, index: int) -> tuple[float, float | None]:
    """``(lr, y)`` of the cell under point ``index`` of the picker trace named ``trace``
    (``y`` is None on a one-row map)."""
    groups = picker_groups(pm, metric)
    if trace not in groups or not 0 <= index < groups[trace].size:
        raise ValueError(f"no point {index} in a picker trace {trace!r}")
    i, j = divmod(int(groups[trace][index]), pm.lrs.size)
    return float(pm.lrs[j]), None if pm.y_name is None else float(pm.ys[i])


def cell_edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """``n + 1`` edges around ``n`` increasing centres: midpoints (geometric on a log axis)."""
    c = np.log10(centres) if log else np.asarray(centres, dtype=float)
    if c.size == 1:
        half = 0.1 if log else max(0.05 * abs(c[0]), 0.05)
        edges = np.array([c[0] - half, c[0] + half])
    else:
        mid = (c[:-1] + c[1:]) / 2
        edges = np.r_[2 * c[0] - mid[0], mid, 2 * c[-1] - mid[-1]]
    return 10.0**edges if log else edges


def metric_values(pm: PhaseMap, metric: str, min_value: float | None) -> tuple[np.ndarray, str]:
    """The heatmap's values (NaN where the status layer speaks) and the colour bar's title."""
    if metric == "steps":
        return np.where(pm.diverged, np.nan, pm.steps_to_converge), "steps to converge"
    if metric != "loss":
        raise ValueError(f"metric must be 'steps' or 'loss', got {metric!r}")
    final = np.where(pm.diverged, np.nan, pm.final_loss)
    if min_value is None:
        return final, "final loss"
    with np.errstate(invalid="ignore"):
        return np.log10(np.maximum(final - min_value, LOSS_FLOOR)), "final loss − min"


def status_values(pm: PhaseMap, metric: str) -> np.ndarray:
    """The layer drawn over the metric, as small integers: ``DIVERGED`` where a run
    diverged, ``NOT_CONVERGED`` where it did not converge within the steps (steps
    metric only), ``SPOKEN`` (transparent) where the metric speaks."""
    status = np.full(pm.diverged.shape, SPOKEN, dtype=np.uint8)
    if metric == "steps":
        status[np.isnan(pm.steps_to_converge)] = NOT_CONVERGED
    status[pm.diverged] = DIVERGED
    return status


def phase_figure(
    pm: PhaseMap,
    *,
    metric: str = "steps",
    min_value: float | None = 0.0,
    boundary: tuple[np.ndarray, np.ndarray] | None = None,
    marks: Sequence[MapMark] = (),
    presenter: bool = False,
    theme: str = "light",
) -> BuiltFigure:
    """The phase map of ``pm`` (see the module's docstring).

    Args:
        pm: the map.
        metric: ``"steps"`` (steps to converge) or ``"loss"`` (final loss).
        min_value: the surface's minimum value (None: it has none; then only
            ``"loss"`` has values, drawn linearly).
        boundary: ``(lrs, ys)`` of the analytic stability limit, or None.
        marks: the scene's runs of this optimizer.
        presenter: large fonts and marks for the projector (the race chart's sizes).
        theme: the page's, ``"light"`` or ``"dark"`` (:func:`plotting.colors.theme_named`).
    """
    style = panel_style(presenter)
    one_row = pm.y_name is None
    y_log = pm.y_name in LOG_AXES
    ys = np.zeros(1) if one_row else pm.ys
    x_edges = cell_edges(pm.lrs, log=True)
    y_edges = np.array([-0.5, 0.5]) if one_row else cell_edges(ys, y_log)
    values, title = metric_values(pm, metric, min_value)
    log_loss = metric == "loss" and min_value is not None
    finite = values[np.isfinite(values)]

    colorbar = {"title": {"text": title, "side": "right"}, "thickness": 14, "len": 0.9}
    if log_loss and finite.size:
        decades = range(math.floor(finite.min()), math.ceil(finite.max()) + 1)
        step = max(1, math.ceil(len(decades) / 8))
        ticks = [d for d in decades if d % step == 0]
        colorbar |= {"tickvals": ticks, "ticktext": [decade_text(d) for d in ticks]}
    grid = {"type": "heatmap", "x": typed(x_edges), "y": typed(y_edges), "hoverinfo": "skip"}
    data: list[dict] = [
        {**grid, "name": title, "z": typed(values), "colorscale": METRIC_SCALE,
         "colorbar": colorbar, "zmin": float(finite.min()) if finite.size else 0.0,
         "zmax": float(finite.max()) if finite.size else 1.0},
        {**grid, "name": "status", "z": typed(status_values(pm, metric), np.uint8),
         "zmin": 0, "zmax": 2, "showscale": False,
         "colorscale": [[0, "rgba(0, 0, 0, 0)"], [1 / 3, "rgba(0, 0, 0, 0)"],
                        [1 / 3, NOT_CONVERGED_COLOR], [2 / 3, NOT_CONVERGED_COLOR],
                        [2 / 3, DIVERGED_COLOR], [1, DIVERGED_COLOR]]},
    ]
    legend = [("diverged", DIVERGED_COLOR)]
    if metric == "steps":
        legend.append((f"not converged in {pm.steps} steps", NOT_CONVERGED_COLOR))
    for name, color in legend:  # legend entries for the two colours of the status layer
        data.append({"type": "scatter", "mode": "markers", "name": name, "x": [None],
                     "y": [None], "marker": {"symbol": "square", "size": style.marker,
                                             "color": color,
                                             "line": {"width": 1, "color": "#444444"}}})
    if boundary is not None:
        bx, by = boundary
        data.append({"type": "scatter", "mode": "lines", "name": "stability limit (theory)",
                     "x": [float(v) for v in bx],
                     "y": [0.0] * len(by) if one_row else [float(v) for v in by],
                     "line": {"color": "#111111", "width": style.line, "dash": "dash"},
                     "hovertemplate": "theory: stable for lr < %{x:.3g}<extra></extra>"})
    if marks:
        data.append({
            "type": "scatter", "mode": "markers", "name": "runs in the scene",
            "x": [m.lr for m in marks], "y": [0.0 if one_row else m.y for m in marks],
            "text": [m.label for m in marks],
            "marker": {"size": style.marker + 3, "color": [m.color for m in marks],
                       "symbol": ["circle" if m.same_settings else "circle-open"
                                  for m in marks],
                       "line": {"width": 2, "color": [
                           "#222222" if m.same_settings else m.color for m in marks]}},
            "hovertemplate": "%{text}<extra></extra>", "showlegend": False,
        })
    data += _pickers(pm, values, ys, metric, log_loss)

    y_name = pm.y_name or ""
    layout = {
        "template": {}, "height": 150 + 6 * style.font if one_row else style.height - 80,
        "font": {"family": FONT_FAMILY, "size": style.font, "color": "#222222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {"l": 20 + 3.5 * style.font, "r": 20, "t": 3 * style.font,
                   "b": 4.5 * style.font},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest", "dragmode": False,
        "xaxis": {"type": "log", "title": {"text": "lr (log scale)"}, "ticks": "outside",
                  "range": [math.log10(x_edges[0]), math.log10(x_edges[-1])],
                  "showgrid": False, "zeroline": False, "exponentformat": "power"},
        "yaxis": {"type": "log" if y_log else "linear", "ticks": "outside",
                  "title": {"text": y_name}, "showgrid": False, "zeroline": False,
                  "range": ([math.log10(y_edges[0]), math.log10(y_edges[-1])] if y_log
                            else [float(y_edges[0]), float(y_edges[-1])]),
                  "visible": not one_row},
    }
    return build_figure(data, layout, theme=theme_named(theme))


def _pickers(pm: PhaseMap, values: np.ndarray, ys: np.ndarray, metric: str,
             log_loss: bool) -> list[dict]:
    """The transparent clickable cell centres, one trace per :func:`picker_groups` group.

    They also carry the hover text (a picker point is always the closest trace).
    """
    gx, gy = np.meshgrid(pm.lrs, ys)
    gx, gy, values = gx.ravel(), gy.ravel(), values.ravel()
    if metric == "steps":
        value = "%{customdata:.0f} steps to converge"
    elif log_loss:
        value = "final loss − min 10^%{customdata:.1f}"
    else:
        value = "final loss %{customdata:.4g}"
    says = {PICKER: value, f"{PICKER} (diverged)": "diverged",
            f"{PICKER} (not converged)": f"not converged in {pm.steps} steps"}
    y_part = "" if pm.y_name is None else f"<br>{pm.y_name} = %{{y:.4g}}"
    traces = []
    for name, cells in picker_groups(pm, metric).items():
        trace = {
            "type": "scatter", "mode": "markers", "name": name,
            "x": typed(gx[cells]), "y": typed(gy[cells]),
            "marker": {"size": 8, "color": "rgba(0, 0, 0, 0)", "symbol": "square"},
            "hovertemplate": f"lr = %{{x:.3g}}{y_part}<br>{says[name]}<br>click: add this run"
                             "<extra></extra>",
            "unselected": {"marker": {"opacity": 0}}, "selected": {"marker": {"opacity": 0}},
            "showlegend": False,
        }
        if name == PICKER:
            trace["customdata"] = typed(values[cells])
        traces.append(trace)
    return traces
