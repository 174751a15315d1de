"""The sidebar: the lecture presets, then the scene's setting: surface, start, steps, noise.

Widget keys: ``preset_<key>``, ``surface``, the surface's parameters
(``kappa``, ``angle``) and word settings (the penguins' ``scaling``), ``expr``
and ``x0``/``x1``/``y0``/``y1`` (a typed formula), ``keep_runs``, ``start_x``,
``start_y``, ``steps``, and the keys of :mod:`controls.dynamics`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from controls import address, scene_state
from controls import dynamics as dynamics_controls
from scenes import CUSTOM, MAX_STEPS, PRESETS, escape_markdown, slider_menu
from scenes.dynamics import NO_DYNAMICS, Dynamics
from scenes.model import MAX_EXPR_LENGTH
from surfaces import SURFACE_PARAMS, SURFACE_WORDS, SURFACES, Dataset, Domain
from surfaces.expression import DOMAIN_LIMIT


def _fmt(value: float) -> str:
    return f"{value:g}"


def presets(ss: MutableMapping[str, Any]) -> None:
    """One button per lecture preset, which loads its scene; the active one is
    highlighted."""
    st.header("Lecture presets")
    for preset in PRESETS:
        st.button(preset.title, key=f"preset_{preset.key}", on_click=address.choose_preset,
                  args=(ss, preset.key), width="stretch",
                  type="primary" if ss.get("preset") == preset.key else "secondary")


def surface(ss: MutableMapping[str, Any], formula_error: str | None,
            data: Dataset | None = None) -> None:
    """The surface, its parameters (or the typed formula and its box), and whether a new
    surface keeps the current runs. ``data``: the surface's data, if it is fitted to
    some (its word settings, the feature's scaling, then come with the condition
    number they give)."""
    st.header("Surface")
    st.selectbox("Surface", scene_state.SURFACE_OPTIONS, key="surface",
                 on_change=scene_state.switch_surface, args=(ss,),
                 format_func=lambda n: "Custom formula" if n == CUSTOM else SURFACES[n].title,
                 label_visibility="collapsed")
    if ss["surface"] == "ravine":
        kappa, angle = SURFACE_PARAMS["ravine"]
        st.select_slider("kappa (condition number)", slider_menu("kappa", ss["kappa"]),
                         key="kappa", format_func=_fmt, help=kappa.help)
        st.slider("angle", -90.0, 90.0, step=1.0, format="%.0f°", key="angle",
                  on_change=scene_state.turn_surface, args=(ss,), help=angle.help)
    elif ss["surface"] in SURFACE_WORDS:
        for spec in SURFACE_WORDS[ss["surface"]]:
            st.radio(spec.name, spec.choices, key=spec.name, horizontal=True,
                     on_change=scene_state.turn_surface, args=(ss,), help=spec.help)
        if data is not None:
            st.caption(data_caption(data))
    elif ss["surface"] == CUSTOM:
        st.text_input("f(x, y) =", key="expr", max_chars=MAX_EXPR_LENGTH,
                      on_change=scene_state.switch_surface, args=(ss,),
                      help="x and y, numbers, + - * / **, pi, e, and functions such as sin, "
                           "cos, exp, log, sqrt, abs, tanh")
        if formula_error:
            st.error(f"This formula cannot be used: {escape_markdown(formula_error)}",
                     icon=":material/error:")
        left, right = st.columns(2)
        for column, key, label in ((left, "x0", "x from"), (right, "x1", "x to"),
                                   (left, "y0", "y from"), (right, "y1", "y to")):
            column.number_input(label, -DOMAIN_LIMIT, DOMAIN_LIMIT, key=key, step=1.0)
    st.toggle("Keep my runs when I change the surface", key="keep_runs",
              help="Off: each surface arrives with its own six runs, tuned to tell its "
                   "story. On: the runs you have stay as they are.")


def data_caption(data: Dataset) -> str:
    """What the model sees and the condition number it makes, e.g. ``"x = flipper length
    (dm); condition number 1,295: a narrow ravine"``."""
    kappa = data.condition_number
    shape = ("a round bowl" if kappa < 1.5 else "a wide valley" if kappa < 100
             else "a narrow ravine")
    return (f"{data.n} {escape_markdown(data.name)}, x = {escape_markdown(data.x_label)}: "
            f"condition number **{kappa:,.0f}**, {shape}")


def start_and_steps(box: Domain | None) -> None:
    """The start (typed, or a click on the chart) and the number of steps."""
    st.caption("Start (or click the chart)")
    (x0, x1), (y0, y1) = box or ((None, None), (None, None))
    left, right = st.columns(2)
    left.number_input("start x", x0, x1, key="start_x", step=0.1, format="%.4g")
    right.number_input("start y", y0, y1, key="start_y", step=0.1, format="%.4g")
    st.slider("steps", 1, MAX_STEPS, key="steps")


def noise_and_schedules(dynamics: Dynamics, rows: int | None = None) -> None:
    """Noise, mini-batches (for a surface with ``rows`` rows of data) and schedules."""
    title = "Noise, mini-batches and schedules" if rows else "Noise and schedules"
    with st.expander(title, expanded=dynamics != NO_DYNAMICS):
        dynamics_controls.draw(rows)
