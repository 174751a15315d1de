"""The runs' controls, in a strip under the race chart: one card per run, and "Add a run".

Each card shows the run's colour and name, its learning rate (log scale) and
the lecture's second knob of its optimizer (``mu``, ``decay_rate`` or
``beta1``) as sliders, and behind its settings button the rest: the optimizer,
the other hyperparameters, the on/off switch and "Remove". Under the chart, not in
the sidebar, so that the lecturer in presenter mode (sidebar tucked away) and a student on a phone
reach them. Moving a slider reruns only what it changes (the callbacks ``app.py``
passes: the chart and the panel, not the cards).

Widget keys: ``run<id>_<hyper>``, ``run<id>_lr_down`` and ``run<id>_lr_up`` (− / +),
``run<id>_on``, ``run<id>_remove``, ``run<id>_pick``
(its optimizer), ``run<id>_menu`` (its settings popover), ``add_optimizer``, ``add_run``
and ``add_run_menu`` (the toolbar's "Add a run" popover).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import streamlit as st

from controls import scene_state
from optimizers import OPTIMIZERS
from plotting.colors import run_color, theme_named
from plotting.layout import Screen
from scenes import MAX_RUNS, RunSpec, Scene, slider_menu
from scenes.dynamics import Dynamics

# The knob each optimizer shows beside lr on its card; the rest wait behind "⋯".
MAIN_KNOB = {"momentum": "mu", "nesterov": "mu", "rmsprop": "decay_rate", "adam": "beta1"}
# A card is about this wide (wider in presenter mode, for its larger type: the title and
# the settings button on one line); a row holds as many as fit, at most MAX_PER_ROW.
CARD_WIDTH, PRESENTER_CARD_WIDTH, MAX_PER_ROW = 220, 300, 6
ADD_MENU = scene_state.ADD_MENU


def _fmt(value: float) -> str:
    return f"{value:g}"


def _slider(ss: MutableMapping[str, Any], rid: int, hyper, dynamics: Dynamics,
            on_change: Callable[[], None] | None) -> None:
    key = f"run{rid}_{hyper.name}"
    if hyper.kind == "bool":
        st.toggle(hyper.name.replace("_", " "), key=key, help=hyper.help, on_change=on_change)
        return
    annealed = hyper.name == "mu" and dynamics.anneals
    st.select_slider(hyper.name, slider_menu(hyper.name, ss[key]), key=key, format_func=_fmt,
                     disabled=annealed, on_change=on_change,
                     help="annealed: see Noise and schedules" if annealed else hyper.help)


def _lr_steps(ss: MutableMapping[str, Any], rid: int, limit: float | None) -> None:
    """Under the lr slider: where lr is stable (``limit``: the stable lr's upper end, for a
    quadratic surface), and − / + buttons, one position of the slider each, for a
    precise lr on a phone. They rerun the race (the cards show the new lr)."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if limit is not None:
            st.caption(f"stable below {limit:.3g}", width="content")
        st.space("stretch")
        for step, icon in ((-1, ":material/remove:"), (1, ":material/add:")):
            st.button("", key=f"run{rid}_lr_{'down' if step < 0 else 'up'}", icon=icon,
                      on_click=scene_state.step_lr, args=(ss, rid, step),
                      help="a smaller lr" if step < 0 else "a larger lr")


def _named(ss: MutableMapping[str, Any], rid: int, run: RunSpec, name: str) -> str:
    """Run ``rid``'s colour swatch, then ``name`` (HTML, escaped here) and "(off)" when the
    run is switched off: the colour as the charts draw it on this page's theme (black
    reads on white, its dark counterpart on a dark page), one of the palette's hex codes."""
    color = theme_named(st.context.theme.type).color(run_color(ss[f"run{rid}_color"]))
    off = " <i>(off)</i>" if not run.enabled else ""
    return (f'<span class="descent-swatch" style="color:{color};font-size:1.3em">&#9632;'
            f"</span> {name}{off}")


def _card(ss: MutableMapping[str, Any], rid: int, run: RunSpec, dynamics: Dynamics,
          removable: bool, on_move: Callable[[], None] | None,
          limit: float | None = None) -> None:
    opt = OPTIMIZERS[run.optimizer]
    label = dynamics.label(run.label, run.values)
    main = ("lr", MAIN_KNOB.get(run.optimizer))
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(_named(ss, rid, run, f"<b>{html.escape(opt.title)}</b>"),
                        unsafe_allow_html=True, width="content")
            st.space("stretch")
            # Its own key: when the run is removed, its popover goes with it (the next
            # card's stays closed).
            with st.popover("", icon=":material/tune:", help=f"every setting of {label}",
                            key=f"run{rid}_menu"):
                _optimizer_choice(ss, rid, run.optimizer, on_move)
                st.toggle("on", key=f"run{rid}_on", help="switch the run off to hide it")
                for hyper in opt.hyper:
                    if hyper.name not in main:
                        _slider(ss, rid, hyper, dynamics, on_move)
                st.button("Remove", key=f"run{rid}_remove", icon=":material/delete:",
                          on_click=scene_state.remove_run, args=(ss, rid),
                          disabled=not removable)
        for hyper in opt.hyper:
            if hyper.name in main:
                # With a stable lr shown, mu moves it: the card is drawn again.
                moved = None if limit is not None and hyper.name == "mu" else on_move
                _slider(ss, rid, hyper, dynamics, moved)
                if hyper.name == "lr":
                    _lr_steps(ss, rid, limit)


def _optimizer_choice(ss: MutableMapping[str, Any], rid: int, optimizer: str,
                      on_change: Callable[[], None] | None) -> None:
    """The run's optimizer, as radio buttons (a tap, no keyboard); another one keeps the
    run's lr when it accepts it (``scene_state.change_optimizer``)."""
    names = list(OPTIMIZERS)
    key = f"run{rid}_pick"
    if ss.get(key) != optimizer:
        ss[key] = optimizer  # the run's optimizer as the scene holds it
    st.radio("optimizer", names, key=key, format_func=lambda n: OPTIMIZERS[n].title,
             horizontal=True, on_change=_then(scene_state.change_optimizer, on_change),
             args=(ss, rid))


def _then(first: Callable[..., None], then: Callable[[], None] | None) -> Callable[..., None]:
    """A callback that calls ``first`` with its arguments, then ``then`` (if any)."""
    def both(*args: Any) -> None:
        first(*args)
        if then is not None:
            then()
    return both


def strip(ss: MutableMapping[str, Any], scene: Scene, screen: Screen, *,
          on_move: Callable[[], None] | None = None,
          limits: Mapping[int, float] | None = None) -> None:
    """The cards of every run (the scene's runs, in the order of ``ss["ids"]``), as many
    to a row as the screen's width takes. A moved slider calls ``on_move``; switching a
    run on or off, or removing it, reruns what holds the cards (they change).
    ``limits``: the stable lr's upper end of each run (by id) that has one."""
    ids = list(ss["ids"])
    card = PRESENTER_CARD_WIDTH if screen.presenter else CARD_WIDTH
    per_row = min(len(ids), max(1, int(screen.width // card)), MAX_PER_ROW)
    runs = dict(zip(ids, scene.runs, strict=True))
    for row in range(0, len(ids), per_row):
        columns = st.columns(per_row)
        for column, rid in zip(columns, ids[row:row + per_row], strict=False):
            with column:
                _card(ss, rid, runs[rid], scene.dynamics, removable=len(ids) > 1,
                      on_move=on_move, limit=(limits or {}).get(rid))


def summary(ss: MutableMapping[str, Any], scene: Scene) -> None:
    """The runs without their controls, on one line (wrapping): each run's colour, its
    optimizer and its settings (a page that follows a lecturer's room shows the scene
    without its widgets)."""
    parts = [f'<span class="descent-run">'
             f"{_named(ss, rid, run, html.escape(scene.dynamics.label(run.label, run.values)))}"
             f"</span>" for rid, run in zip(ss["ids"], scene.runs, strict=True)]
    st.markdown(" &nbsp; ".join(parts), unsafe_allow_html=True)


def add_run(ss: MutableMapping[str, Any], rerun: Callable[[], None] | None = None) -> None:
    """"Add a run": pick an optimizer, add it at a learning rate that tells a story; then
    ``rerun`` (the part of the page that draws the cards)."""
    full = len(ss["ids"]) >= MAX_RUNS
    # Keyed and stateful, so that adding closes it (``scene_state.add_optimizer``); its
    # contents are drawn only while it is open (a slider's move sends none of them).
    menu = st.popover("Add a run", icon=":material/add:", disabled=full, key=ADD_MENU,
                      on_change="rerun",
                      help=f"at most {MAX_RUNS} runs" if full else "race one more optimizer")
    if not menu.open:
        return
    with menu:
        # Pills, not a selectbox: a tap picks, and no keyboard comes up on a phone.
        st.pills("Optimizer", list(OPTIMIZERS), key="add_optimizer", default="sgd",
                 format_func=lambda n: OPTIMIZERS[n].title)
        st.button("Add", key="add_run", icon=":material/add:", width="stretch",
                  on_click=_then(scene_state.add_optimizer, rerun), args=(ss,))


def used_optimizers(scene: Scene) -> tuple[str, ...]:
    """The optimizers of the runs switched on, in order, each once."""
    return tuple(dict.fromkeys(run.optimizer for _, run in scene.enabled_runs))
