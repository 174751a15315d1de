"""The class's runs on the lecturer's page: the room's board, drawn on its contour and ranked.

Each run a student sent (``rooms.Entry``: an optimizer and its hyperparameters) races on
the lecturer's scene: its surface, start and number of steps. A run **reaches the
target** at the first step whose excess loss ``L - min_value`` falls to :data:`TOL`
times the start's (the phase map's measure); runs are ranked by that step (fewer is
better; the earlier entry first on a tie), then come the runs that never reached it
within the scene's steps, then the diverged ones (counted, not ranked). On a surface
without a known minimum (a typed formula) no run is ranked.

Above the ranking, the picture (:func:`plotting.class_runs.class_figure`): every run of
the board as a thin line on the scene's contour, the diverged ones marked where they
left the view, the target loss as a dashed level line, and the lecturer's own runs on
top in their colours. With the names hidden, no name is in the figure either.

The board is read again when the store says it changed (``versions(code).board``):
the panel is a fragment that asks every :data:`POLL_SECONDS`. The lecturer can hide
the names (for every reader), close the board to new runs and clear it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import streamlit as st

import rooms
from controls import room as room_controls
from controls import viewport
from plotting.class_runs import ClassRun, class_figure
from plotting.contour import GRID_N
from plotting.layout import Screen
from plotting.runs import RunTrace
from scenes import RunSpec, Scene, escape_markdown
from scenes.compute import Trajectory
from surfaces import Surface
from surfaces.plain_text import finite

TOL = 1e-4  # the target: the excess loss down to this fraction of the start's
POLL_SECONDS = 2.0
HEADER = 90  # pixels of the window above the figure when it is scrolled to: the page's bar


@dataclass(frozen=True)
class Ranked:
    """One entry of the board and how its run did on the lecturer's scene: ``steps`` to
    the target (None: not reached), ``diverged_at`` (None: stayed finite), and its
    ``path`` there."""

    entry: rooms.Entry
    steps: int | None
    diverged_at: int | None
    path: Trajectory | None = None

    @property
    def result(self) -> str:
        """How the run did, as the table says it."""
        return (f"{self.steps} steps" if self.steps is not None
                else f"diverged at step {self.diverged_at}" if self.diverged_at is not None
                else "not reached")


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
                            else steps_to(path, target), path.diverged_at, path))

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
        out.append({"#": str(place) if item.steps is not None else "",
                    "name": "" if names_hidden else (item.entry.name or ""),
                    "run": item.entry.text, "to the target": item.result})
    return out


def class_runs(board: list[Ranked], names_hidden: bool) -> list[ClassRun]:
    """The board's runs as the figure draws them: each hover says the run and how it
    did, and its name only while names are shown."""
    out = []
    for item in board:
        if item.path is None:
            continue
        name = "" if names_hidden or not item.entry.name else f"{item.entry.name}: "
        out.append(ClassRun(item.path, f"{name}{item.entry.text}, {item.result}"))
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
    if surface is not None:
        picture(scene, surface, ss["class_ranked"][1], read.names_hidden, target)
    if table:
        st.table(table)
    else:
        st.caption("No runs yet: students send theirs with **Send my run**.")


def lecturer_runs(scene: Scene) -> tuple[list[RunTrace], Screen | None]:
    """The lecturer's own runs as the race chart drew them last (the page's
    ``race_now``, fresher than this fragment's arguments after a card's slider moved),
    and the screen it drew them for; no runs if that race is on another scene."""
    now = st.session_state.get("race_now")
    if now is None:
        return [], None
    same = (now.scene.surface_key, now.scene.start, now.scene.steps, now.scene.dynamics) == (
        scene.surface_key, scene.start, scene.steps, scene.dynamics)
    return (list(now.traces) if same else []), now.screen


def window_height() -> float | None:
    """The browser window's height as its page last reported it (``controls.viewport``),
    or None."""
    size = viewport.reported_size(st.session_state)
    height = finite(size.get("height")) if isinstance(size, Mapping) else None
    return height if height is not None and height > 0 else None


def picture(scene: Scene, surface: Surface, board: list[Ranked], names_hidden: bool,
            target: float | None) -> None:
    """The class's runs on the scene's contour, the lecturer's on top (built again only
    when the board, the names' switch, the lecturer's runs or the screen changed)."""
    ss = st.session_state
    traces, screen = lecturer_runs(scene)
    presenter = bool(ss.get("present"))
    width, theme = (screen.width, screen.theme) if screen is not None else (None, "light")
    tall = window_height()
    key = (ss["class_ranked"][0], names_hidden, presenter, width, tall, theme,
           tuple((t.name, t.color, t.points.tobytes()) for t in traces))
    if ss.get("class_figure", (None,))[0] != key:
        fig = class_figure(surface, surface.grid(GRID_N), class_runs(board, names_hidden),
                           traces, target=target, presenter=presenter, width=width,
                           max_height=tall - HEADER if tall else None, theme=theme)
        ss["class_figure"] = (key, fig)
    st.plotly_chart(ss["class_figure"][1], key="class_chart", theme=None,
                    config={"displaylogo": False, "displayModeBar": False})
    if target is not None:
        st.caption(f"Thin grey lines: the class's runs (× where a diverged run left the "
                   f"view); in colour, this page's runs; dashed, the target's level, loss "
                   f"{target:.3g}: a ring around the minimum, as small as the target is "
                   f"strict.")
