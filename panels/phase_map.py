"""The phase-map panel: steps to converge over lr x a second hyperparameter, live.

The visitor picks the optimizer, the second axis (``mu``; ``decay_rate`` for
RMSProp; ``beta1`` or ``beta2`` for Adam; ``eps`` for AdaGrad; none for SGD),
the ranges, the number of cells and the metric. The map runs every cell from
the scene's start for the scene's steps in one batched ``simulate`` call
(:func:`analysis.phase_map.phase_map`), cached, and only while the panel is
open. Hyperparameters off the axes are those of the scene's first run of that
optimizer (its defaults when there is none). The map uses exact gradients and
constant settings, whatever noise or schedule the scene has. A click on a cell
adds that run.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from analysis.phase_map import PhaseMap, phase_map
from analysis.theory import theory_for
from controls.choice import selected
from optimizers import OPTIMIZERS
from panels.page import PageState, Panel
from plotting.colors import run_color
from plotting.phase_map import LOG_AXES, PICKER, MapMark, cell_of, phase_figure
from plotting.selection import picked_index
from scenes import MAX_RUNS, RunSpec, Scene, escape_markdown, slider_menu
from surfaces import Surface

# The second axis each optimizer's map may sweep against lr, the first being the default.
Y_AXES: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("mu",), "nesterov": ("mu",), "adagrad": ("eps",),
    "rmsprop": ("decay_rate",), "adam": ("beta1", "beta2"),
}
LR_RANGE = (1e-3, 10.0)
Y_RANGES = {"mu": (0.0, 0.99), "decay_rate": (0.0, 0.999), "beta1": (0.0, 0.99),
            "beta2": (0.5, 0.9999), "eps": (1e-10, 0.1)}
CELLS = (20, 40, 60, 80, 100)
# Most runs x (steps + 1) one map records: 100 x 100 cells of 300 steps (about 70 MB).
MAX_MAP_VALUES = 100 * 100 * 301
METRICS = {"steps": "Steps to converge", "loss": "Final loss"}

ss = st.session_state


def round_axis(values: np.ndarray) -> np.ndarray:
    """``values`` (increasing) with the fewest significant digits, at least 3, that keep
    them strictly increasing and inside their first and last value's span, so that a
    clicked cell becomes a run with a short, readable setting."""
    values = np.asarray(values, dtype=float)
    for digits in range(3, 18):
        rounded = np.array([float(f"{v:.{digits}g}") for v in values])
        if (np.diff(rounded) > 0).all() and rounded[0] >= values[0] \
                and rounded[-1] <= values[-1]:
            return rounded
    return values


def axis_values(name: str, low: float, high: float, n: int) -> np.ndarray:
    """``n`` rounded values of hyperparameter ``name`` from ``low`` to ``high``:
    log-spaced for ``lr`` and ``eps``, evenly spaced otherwise."""
    if low == high or n == 1:
        return np.array([low])
    spaced = np.geomspace(low, high, n) if name in LOG_AXES else np.linspace(low, high, n)
    return round_axis(spaced)


def cells_per_side(wanted: int, steps: int, rows: bool) -> int:
    """The cells along each axis: ``wanted``, fewer when the map would record more
    than ``MAX_MAP_VALUES`` values (a one-row map is never cut)."""
    if not rows:
        return wanted
    return max(2, min(wanted, math.isqrt(MAX_MAP_VALUES // (steps + 1))))


def fixed_settings(scene: Scene, optimizer: str, swept: set[str]) -> dict[str, float | bool]:
    """The hyperparameters off the map's axes: the scene's first run of ``optimizer``
    that is switched on, else the optimizer's defaults."""
    source = next((run.values for _, run in scene.enabled_runs if run.optimizer == optimizer),
                  OPTIMIZERS[optimizer].defaults)
    return {k: v for k, v in source.items() if k not in swept}


def map_marks(scene: Scene, optimizer: str, y_name: str | None,
              fixed: dict[str, float | bool]) -> list[MapMark]:
    """The scene's runs of ``optimizer`` that are switched on, as markers on its map."""
    marks = []
    colors = scene.colors()
    for i, run in scene.enabled_runs:
        if run.optimizer != optimizer:
            continue
        values = run.values
        same = all(values[k] == v for k, v in fixed.items())
        marks.append(MapMark(run.label, run_color(colors[i]), float(values["lr"]),
                             None if y_name is None else float(values[y_name]), same))
    return marks


def stability_limit(surface: Surface, optimizer: str,
                    pm: PhaseMap) -> tuple[np.ndarray, np.ndarray] | None:
    """A quadratic bowl's analytic stability limit across the map, or None (other surfaces,
    the adaptive methods): ``lr = max_stable_lr(optimizer, mu)`` for each ``mu``."""
    theory = theory_for(surface)
    if theory is None or optimizer not in ("sgd", "momentum", "nesterov"):
        return None
    if optimizer == "sgd":
        limit = theory.max_stable_lr("sgd")
        return np.array([limit, limit]), np.array([-0.5, 0.5])
    mus = np.linspace(pm.ys[0], pm.ys[-1], 200)
    mus = mus[mus < 1]
    return np.array([theory.max_stable_lr(optimizer, float(mu)) for mu in mus]), mus


@st.cache_data(max_entries=16, show_spinner="Computing the phase map…")
def map_of(surface_key: tuple, start: tuple, steps: int, optimizer: str, y_name: str | None,
           lrs: tuple, ys: tuple, fixed: tuple, _surface: Surface) -> PhaseMap:
    """The phase map, cached on plain values (``_surface`` is the surface they name)."""
    return phase_map(_surface, optimizer, lrs, ys if y_name else None, y_name=y_name,
                     start=start, steps=steps, hyper=dict(fixed))


def range_slider(name: str, default: tuple[float, float]) -> tuple[float, float]:
    """A two-ended slider over the page's menu of values for ``name``."""
    low, high = st.select_slider(f"{name} from / to", slider_menu(name), value=default,
                                 key=f"phase_{name}_range", format_func=lambda v: f"{v:g}")
    return float(low), float(high)


def render(page: PageState) -> None:
    scene = page.scene
    st.caption("Each cell is one run from the scene's start for its steps: how many steps "
               "until the loss above the minimum fell to 1/10,000 of where it started "
               "(or the final loss), with runs that diverged in their own colour. "
               "Click a cell to add that run to the comparison.")
    left, middle, right = st.columns([2, 2, 3])
    selected("phase_optimizer", list(OPTIMIZERS), "momentum")
    optimizer = left.selectbox("Optimizer", list(OPTIMIZERS), key="phase_optimizer",
                               index=list(OPTIMIZERS).index("momentum"),
                               format_func=lambda n: OPTIMIZERS[n].title)
    axes = Y_AXES[optimizer]
    y_name = None
    with middle:
        if len(axes) > 1:
            y_name = st.segmented_control("Second axis", axes, key=f"phase_y_{optimizer}",
                                          default=axes[0]) or axes[0]
        elif axes:
            y_name = axes[0]
        metric = "loss"  # a surface without a minimum value has no "converged"
        if page.surface.min_value is not None:
            metric = st.segmented_control("Colour", list(METRICS), key="phase_metric",
                                          default="steps", format_func=METRICS.get) or "steps"
    with right:
        lr_range = range_slider("lr", LR_RANGE)
        y_range = range_slider(y_name, Y_RANGES[y_name]) if y_name else None
        wanted = st.select_slider("cells per side", CELLS, key="phase_cells", value=60)
    n = cells_per_side(wanted, scene.steps, rows=y_name is not None)
    lrs = axis_values("lr", *lr_range, n)
    ys = axis_values(y_name, *y_range, n) if y_name else np.array([np.nan])
    swept = {"lr", y_name} if y_name else {"lr"}
    fixed = fixed_settings(scene, optimizer, swept)

    pm = map_of(scene.surface_key, scene.start, scene.steps, optimizer, y_name,
                tuple(lrs), tuple(ys), tuple(fixed.items()), page.surface)
    boundary = stability_limit(page.surface, optimizer, pm)
    fig = phase_figure(pm, metric=metric, min_value=page.surface.min_value,
                       theme=page.screen.theme,
                       boundary=boundary, marks=map_marks(scene, optimizer, y_name, fixed),
                       presenter=page.presenter)
    state = st.plotly_chart(fig, key=f"phase_chart{ss.get('phase_clicks', 0)}",
                            on_select="rerun", selection_mode="points", theme=None,
                            config={"displaylogo": False})
    notes = [f"{pm.lrs.size} x {pm.ys.size} runs of {scene.steps} steps"]
    if n < wanted:
        notes.append(f"{n} cells per side at most for {scene.steps} steps")
    others = ", ".join(f"{k} = {v:g}" if not isinstance(v, bool) else f"{k} {'on' if v else 'off'}"
                       for k, v in fixed.items())
    if others:
        notes.append(f"other settings {others}")
    if boundary is not None:
        notes.append("dashed: the largest stable lr of the theory (the surface is quadratic)")
    if page.scene.dynamics.describe():
        notes.append("the map uses exact gradients and constant settings, without the "
                     "scene's noise or schedule")
    st.caption("; ".join(notes) + ".")

    pickers = {n for n, trace in enumerate(fig.data) if (trace.name or "").startswith(PICKER)}
    picked = picked_index(state, pickers)
    if picked:
        ss.phase_clicks = ss.get("phase_clicks", 0) + 1  # a fresh chart: the click is used up
        curve, index = picked
        try:
            lr, y = cell_of(pm, metric, fig.data[curve].name, index)
        except ValueError:  # a point no picker has: no browser sends one
            return
        run = RunSpec.make(optimizer, lr=lr, **({y_name: y} if y_name else {}), **fixed)
        if len(scene.runs) >= MAX_RUNS:
            st.warning(f"At most {MAX_RUNS} runs: remove one to add "
                       f"{escape_markdown(run.label)}.")
        elif replace(run, enabled=True) in scene.runs:
            st.info(f"{escape_markdown(run.label)} is already in the comparison.")
        else:
            page.add_run(run)
            st.rerun()


PANEL = Panel(key="phase_map", title="Phase map", render=render)
