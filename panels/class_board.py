"""The class's runs on the lecturer's page: the room's board, ranked.

Each run a student sent (``rooms.Entry``: an optimizer and its hyperparameters) races on
the lecturer's scene: its surface, start and number of steps. A run **reaches the
target** at the first step whose excess loss ``L - min_value`` falls to :data:`TOL`
times the start's (the phase map's measure); runs are ranked by that step (fewer is
better; the earlier entry first on a tie), then come the runs that never reached it
within the scene's steps, then the diverged ones (counted, not ranked). On a surface
without a known minimum (a typed formula) no run is ranked.

The board is read again when the store says it changed (``versions(code).board``):
the panel is a fragment that asks every :data:`POLL_SECONDS`. The lecturer can hide
the names (for every reader), close the board to new runs and clear it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import streamlit as st

import rooms
from controls import room as room_controls
from scenes import RunSpec, Scene, escape_markdown
from scenes.compute import Trajectory
from surfaces import Surface

TOL = 1e-4  # the target: the excess loss down to this fraction of the start's
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Ranked:
    """One entry of the board and how its run did on the lecturer's scene: ``steps`` to
    the target (None: not reached), ``diverged_at`` (None: stayed finite)."""

    entry: rooms.Entry
    steps: int | None
    diverged_at: int | None


def target_loss(surface: Surface, start) -> float | None:
    """The loss a run must reach: ``min_value + TOL * (L(start) - min_value)``; None on
    a surface whose minimum is not known."""
    if surface.min_value is None:
        return None
    start_loss = float(surface.f(np.asarray(start[0], float), np.asarray(start[1], float)))
    return surface.min_value + TOL * (start_loss - surface.min_value)


def steps_to(path: Trajectory, target: float | None) -> int | None:
    """The first step whose loss is at most ``target``, or None."""
    if target is None:
        return None
    with np.errstate(invalid="ignore"):
        reached = np.flatnonzero(path.losses <= target)
    return int(reached[0]) if reached.size else None


def ranked(entries: Iterable[rooms.Entry], target: float | None,
           path_of: Callable[[RunSpec], Trajectory]) -> list[Ranked]:
    """The entries in the board's order of merit: reached (fewest steps, then earliest),
    not reached, diverged."""
    found = []
    for entry in entries:
        path = path_of(entry.run)
        found.append(Ranked(entry, None if path.diverged_at is not None
                            else steps_to(path, target), path.diverged_at))

    def merit(item: Ranked) -> tuple:
        group = 0 if item.steps is not None else 2 if item.diverged_at is not None else 1
        return group, item.steps if item.steps is not None else math.inf, item.entry.number

    return sorted(found, key=merit)


def rows(board: list[Ranked], names_hidden: bool) -> list[dict[str, str]]:
    """The board as the table shows it."""
    out, place = [], 0
    for item in board:
        if item.steps is not None:
            place += 1
        result = (f"{item.steps} steps" if item.steps is not None
                  else f"diverged at step {item.diverged_at}" if item.diverged_at is not None
                  else "not reached")
        out.append({"#": str(place) if item.steps is not None else "",
                    "name": "" if names_hidden else (item.entry.name or ""),
                    "run": item.entry.text, "to the target": result})
    return out


def _change(change: Callable[[rooms.RoomStore, str, str], None]) -> None:
    """A lecturer's change of the board; a room that ended says so above the race."""
    ss = st.session_state
    try:
        change(room_controls.store(), ss["room"], ss["room_secret"])
    except rooms.RoomError as error:
        ss["room_message"] = str(error)


def hide_names() -> None:
    _change(lambda store, code, secret: store.hide_names(
        code, secret, bool(st.session_state["class_hide"])))


def open_submissions() -> None:
    _change(lambda store, code, secret: store.set_submissions(
        code, secret, bool(st.session_state["class_open"])))


def clear() -> None:
    _change(lambda store, code, secret: store.clear_board(code, secret))


@st.fragment(run_every=POLL_SECONDS)
def board(scene: Scene, surface: Surface | None,
          path_of: Callable[[RunSpec], Trajectory]) -> None:
    """The "Class" panel: the room's board, ranked on ``scene``, with the lecturer's
    switches. ``path_of(run)``: the run's trajectory on the scene (the page's cache)."""
    ss = st.session_state
    code = ss.get("room")
    if not (code and ss.get("room_secret")):
        return
    try:
        read = room_controls.store().read_board(code)
    except rooms.RoomError as error:
        st.caption(escape_markdown(str(error)))
        return
    st.subheader(f"Class: {len(read.entries)} run{'' if len(read.entries) == 1 else 's'} sent")
    target = target_loss(surface, scene.start) if surface is not None else None
    key = (read.version, scene.surface_key, scene.start, scene.steps, scene.dynamics)
    if ss.get("class_ranked", (None,))[0] != key:
        ss["class_ranked"] = (key, ranked(read.entries, target, path_of) if surface else [])
    table = rows(ss["class_ranked"][1], read.names_hidden)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.toggle("Hide names", value=read.names_hidden, key="class_hide",
                  on_change=hide_names, help="blank every name, on every screen")
        st.toggle("Submissions open", value=read.submissions_open, key="class_open",
                  on_change=open_submissions, help="off: the board takes no more runs")
        st.button("Clear the board", key="class_clear", icon=":material/delete_sweep:",
                  on_click=clear)
    if target is None and surface is not None:
        st.caption("This surface's minimum is not known: the runs are listed, not ranked.")
    elif surface is not None:
        st.caption(f"Ranked by steps until the loss is within {TOL:g} of the way from the "
                   f"start's loss to the minimum, in {scene.steps} steps; diverged runs "
                   f"are counted, not ranked.")
    if table:
        st.table(table)
    else:
        st.caption("No runs yet: students send theirs with **Send my run**.")
