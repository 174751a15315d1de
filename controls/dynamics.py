"""The sidebar's "Noise and schedules": a scene's :class:`~scenes.dynamics.Dynamics`.

Widget keys (the tests find widgets by them): ``noise``, ``batch`` (rows per
mini-batch, only for a surface with data; 0 means every row, full batch),
``seed``, ``fan``, ``schedule``, ``schedule_drop``, ``schedule_every``, ``schedule_gamma``,
``schedule_k``, ``anneal``, ``anneal_mu_start``, ``anneal_mu_end``,
``anneal_steps``. A schedule's settings are drawn only for its kind, and the
annealing's only while it is on; Streamlit forgets the state of widgets not
drawn, so every value is read with its default.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from controls.choice import selected
from optimizers.schedules import KINDS, Schedule
from scenes import slider_menu
from scenes.dynamics import ANNEAL_FROM, KIND_SETTINGS, KIND_TITLES, MAX_FAN, MAX_SEED, Dynamics

DEFAULT = Schedule()
# Each setting's widget key and help.
SETTINGS = {
    "drop": ("schedule_drop", "the factor lr is multiplied by at each drop"),
    "every": ("schedule_every", "steps between two drops"),
    "gamma": ("schedule_gamma", "the factor lr is multiplied by at every step"),
    "k": ("schedule_k", "lr at step t is lr / (1 + k (t - 1))"),
}
WHOLE = {"every", "anneal_steps"}
FULL_BATCH = 0  # ``batch`` of every row: full-batch descent (the scene's batch_size None)


def load(dynamics: Dynamics, ss: MutableMapping[str, Any] | None = None) -> None:
    """Put ``dynamics`` into the widgets' state ``ss`` (``st.session_state`` unless
    given), before the widgets are drawn."""
    ss = st.session_state if ss is None else ss
    s = dynamics.schedule
    ss["noise"], ss["seed"], ss["fan"] = dynamics.noise, dynamics.seed, dynamics.fan
    ss["batch"] = dynamics.batch_size or FULL_BATCH
    ss["schedule"] = s.kind
    for name, (key, _) in SETTINGS.items():
        ss[key] = getattr(s, name)
    ss["anneal"] = dynamics.anneals
    ss["anneal_mu_start"] = s.mu_start if dynamics.anneals else ANNEAL_FROM
    ss["anneal_mu_end"], ss["anneal_steps"] = s.mu_end, s.anneal_steps


def read(ss: MutableMapping[str, Any] | None = None, rows: int | None = None) -> Dynamics:
    """The dynamics the widgets' state ``ss`` (``st.session_state`` unless given) shows,
    for a surface with ``rows`` rows of data (None: no data, so full batches whatever
    ``batch`` says; a batch larger than the data is every row)."""
    ss = st.session_state if ss is None else ss
    kind = selected("schedule", KINDS, ss=ss) or "constant"
    settings = {name: ss.get(SETTINGS[name][0], getattr(DEFAULT, name))
                for name in KIND_SETTINGS[kind]}
    if ss.get("anneal", False):
        settings.update(mu_start=ss.get("anneal_mu_start", ANNEAL_FROM),
                        mu_end=ss.get("anneal_mu_end", DEFAULT.mu_end),
                        anneal_steps=ss.get("anneal_steps", DEFAULT.anneal_steps))
    settings = {k: int(v) if k in WHOLE else float(v) for k, v in settings.items()}
    batch = int(ss.get("batch", FULL_BATCH))
    batch = batch if rows is not None and 0 < batch < rows else None
    return Dynamics(float(ss.get("noise", 0.0)), int(ss.get("seed", 0)),
                    int(ss.get("fan", 1)), Schedule(kind, **settings), batch_size=batch)


def batch_menu(rows: int, current: int = FULL_BATCH) -> list[int]:
    """The batch sizes the slider offers for data of ``rows`` rows: powers of two below
    ``rows`` (and ``current``, from a link), then :data:`FULL_BATCH`, every row."""
    sizes = {2**k for k in range(rows.bit_length()) if 2**k < rows}
    if 0 < current < rows:
        sizes.add(current)
    return [*sorted(sizes), FULL_BATCH]


def _menu(label: str, name: str, key: str, help: str, default, **kwargs) -> None:
    """A slider over ``slider_menu(name)`` for ``key``, starting at ``default`` when unset."""
    st.session_state.setdefault(key, default)
    st.select_slider(label, slider_menu(name, st.session_state[key]), key=key,
                     format_func=lambda v: f"{v:g}", help=help, **kwargs)


def draw(rows: int | None = None) -> None:
    """The section's widgets (in the sidebar, or wherever the caller puts them); the
    mini-batch size only for a surface with ``rows`` rows of data."""
    ss = st.session_state
    _menu("gradient noise", "noise", "noise", "standard deviation of the Gaussian noise added "
          "to every gradient component at every step, standing in for mini-batches "
          "(0: exact gradients)", 0.0)
    if rows is not None:
        current = ss.setdefault("batch", FULL_BATCH)
        menu = batch_menu(rows, current if type(current) is int else FULL_BATCH)
        selected("batch", menu, FULL_BATCH, ss=ss)
        st.select_slider("mini-batch size", menu, key="batch",
                         format_func=lambda b: f"all {rows} (full batch)" if b == FULL_BATCH
                         else str(b),
                         help=f"rows each step's gradient is averaged over, drawn afresh "
                              f"every step from the {rows} (full batch: the exact gradient)")
    left, right = st.columns(2)
    left.number_input("seed", 0, MAX_SEED, step=1, key="seed",
                      help="which noise sequence and mini-batches; every run sees the same")
    right.number_input("seeds in the fan", 1, MAX_FAN, step=1, key="fan",
                       disabled=ss.noise == 0 and ss.get("batch", FULL_BATCH) == FULL_BATCH,
                       help="draw the runs under this many seeds (seed, seed + 1, ...): the "
                            "others as thin lines; needs noise or mini-batches")
    st.selectbox("lr schedule", KINDS, key="schedule", format_func=KIND_TITLES.get,
                 help="decay each run's lr over the steps")
    for name in KIND_SETTINGS[ss.schedule]:
        key, help = SETTINGS[name]
        _menu(name, name, key, help, getattr(DEFAULT, name))
    st.toggle("anneal mu (Momentum, Nesterov)", key="anneal",
              help="raise mu from 0.5 towards 0.99 over the steps, as the notes suggest, in "
                   "place of each run's own mu")
    if ss.anneal:
        left, right = st.columns(2)
        with left:
            _menu("mu from", "mu", "anneal_mu_start", "mu at the first step", ANNEAL_FROM)
        with right:
            _menu("mu towards", "mu", "anneal_mu_end", "where mu is heading", DEFAULT.mu_end)
        _menu("anneal steps", "anneal_steps", "anneal_steps",
              "steps until mu has gone 99% of the way", DEFAULT.anneal_steps)
