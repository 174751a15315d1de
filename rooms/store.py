"""The room store's interface (:class:`RoomStore`) and what both stores share (:class:`StoreBase`).

A store holds rooms. A room has a code, the digest of the lecturer's secret, a scene
(a link's query) with a version, a board of the class's runs with its own version,
two switches of the lecturer's (submissions open, names hidden) and the time of its
last write. Any write keeps a room alive (the lecturer's, or a student's run); a room
with no write for ``limits.idle_seconds`` has ended, for every reader, at once.

:class:`StoreBase` checks everything that comes in (:mod:`rooms.checks`) and leaves
each backend its atomic steps: create a room, read one (with its board), apply a
:class:`Change` of the lecturer's (after checking the secret inside the same
transaction), add a run, remove the rooms that have ended.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rooms import checks
from rooms.model import (
    Board,
    Entry,
    Limits,
    Opened,
    RoomError,
    RoomScene,
    Versions,
)

# Draws of a 5-character code before trying 6 characters, and in all.
SHORT_DRAWS, DRAWS = 8, 16


class RoomStore(Protocol):
    """Rooms that a hall follows, and the boards of the class's runs.

    Every method that takes a ``code`` raises :class:`~rooms.NoSuchRoomError` for a code
    that is unknown, ended (closed, or idle for ``limits.idle_seconds``) or not a code
    at all. Every method that takes the lecturer's ``secret`` changes the room, and
    raises :class:`~rooms.NotLecturerError` (changing nothing) when it is not that room's.
    Every message is a plain sentence a page can show.
    """

    limits: Limits

    def open_room(self) -> Opened:
        """A new room, with no scene yet (version 0), submissions open, names shown."""

    def is_lecturer(self, code: str, secret: str) -> bool:
        """Whether ``secret`` controls the room (for a page reloaded with it)."""

    def versions(self, code: str) -> Versions:
        """How often the scene and the board have changed: one cheap read for followers."""

    def read_scene(self, code: str) -> RoomScene:
        """The room's scene and its version."""

    def write_scene(self, code: str, secret: str, scene: str | dict) -> int:
        """Set the room's scene (a link's query string or its keys), checked as a link is
        (:func:`rooms.checks.room_query`); returns the new version."""

    def touch(self, code: str, secret: str) -> None:
        """Keep the room alive without changing it."""

    def close_room(self, code: str, secret: str) -> None:
        """End the room now: its scene and board are gone."""

    def submit(self, code: str, student: str, run: Any, name: str | None = None) -> Entry:
        """Put a student's run on the board. ``student`` is the caller's id of whoever
        sends it (one submission each per ``limits.submit_interval``), ``run`` a
        :class:`~scenes.RunSpec` or its link text, ``name`` optional plain text.

        Raises:
            RefusedError: submissions closed, board full, too soon, a bad name or run.
        """

    def read_board(self, code: str) -> Board:
        """The class's runs, oldest first; names blank while the lecturer hides them."""

    def clear_board(self, code: str, secret: str) -> None:
        """Remove every run from the board (their numbers are not reused)."""

    def set_submissions(self, code: str, secret: str, open_: bool) -> None:
        """Open or close the board to new runs."""

    def hide_names(self, code: str, secret: str, hidden: bool) -> None:
        """Hide the names on the board (for every reader), or show them again."""

    def expire(self) -> int:
        """Remove every room that has ended; returns how many (opening a room does it too)."""

    def close(self) -> None:
        """Let go of the store's connections (the rooms stay)."""


@dataclass(frozen=True)
class RoomState:
    """One room as a backend reads it."""

    digest: str
    last_active: float
    scene: str
    version: int
    board_version: int
    submissions_open: bool
    names_hidden: bool


@dataclass(frozen=True)
class Change:
    """What one write of the lecturer's does (every write also keeps the room alive).

    ``scene``: the new scene's query (version + 1). ``submissions_open``, ``names_hidden``:
    new switches, and ``clear``: empty the board (each one: board version + 1).
    ``close``: remove the room."""

    scene: str | None = None
    submissions_open: bool | None = None
    names_hidden: bool | None = None
    clear: bool = False
    close: bool = False

    @property
    def board_changes(self) -> bool:
        return self.clear or self.submissions_open is not None or self.names_hidden is not None


@dataclass(frozen=True)
class StoredEntry:
    """A run as a backend keeps it on a board."""

    number: int
    name: str
    text: str
    at: float


class StoreBase(ABC):
    """The checks and the public methods of :class:`RoomStore`, over a backend's steps.

    Args:
        limits: how long rooms live and what the class may send.
        now: the clock, seconds since the epoch (``time.time``; a test passes its own).
    """

    def __init__(self, *, limits: Limits | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.limits = limits or Limits()
        self.now = now

    # --- a backend's atomic steps --------------------------------------------------------

    @abstractmethod
    def _create(self, code: str, digest: str, now: float) -> bool:
        """Create the room ``code``; False (and nothing done) if the code is taken."""

    @abstractmethod
    def _state(self, code: str, now: float) -> RoomState:
        """The room, or :func:`checks.no_such_room` if it is missing or has ended."""

    @abstractmethod
    def _change(self, code: str, secret: str, change: Change, now: float) -> RoomState | None:
        """In one transaction: read the room (it must be alive), ``checks.check_secret``,
        apply ``change``, set its last write to ``now``; the room after (None: closed)."""

    @abstractmethod
    def _submit(self, code: str, student: str, name: str, text: str, now: float) -> int:
        """In one transaction: the room must be alive and
        :func:`checks.submission_problem` say nothing; add the run with the room's next
        number, note the student's time, keep the room alive; returns the number."""

    @abstractmethod
    def _board(self, code: str, now: float) -> tuple[RoomState, list[StoredEntry]]:
        """The room and its runs, oldest first, read together."""

    @abstractmethod
    def _sweep(self, now: float) -> int:
        """Remove the rooms that have ended by ``now``; how many."""

    @abstractmethod
    def close(self) -> None: ...

    # --- the interface -------------------------------------------------------------------

    def open_room(self) -> Opened:
        now = self.now()
        self._sweep(now)
        secret = checks.new_secret()
        for draw in range(DRAWS):
            code = checks.new_code(checks.CODE_LENGTH if draw < SHORT_DRAWS
                                   else checks.MAX_CODE)
            if self._create(code, checks.digest(secret), now):
                return Opened(code, secret)
        raise RoomError("No room could be opened just now; try again.")

    def is_lecturer(self, code: str, secret: str) -> bool:
        state = self._state(checks.read_code(code), self.now())
        return checks.secret_matches(secret, state.digest)

    def versions(self, code: str) -> Versions:
        state = self._state(checks.read_code(code), self.now())
        return Versions(state.version, state.board_version)

    def read_scene(self, code: str) -> RoomScene:
        state = self._state(checks.read_code(code), self.now())
        return RoomScene(state.version, state.scene)

    def write_scene(self, code: str, secret: str, scene: str | dict) -> int:
        code = checks.read_code(code)
        state = self._change(code, secret, Change(scene=checks.room_query(scene)), self.now())
        assert state is not None
        return state.version

    def touch(self, code: str, secret: str) -> None:
        self._change(checks.read_code(code), secret, Change(), self.now())

    def close_room(self, code: str, secret: str) -> None:
        self._change(checks.read_code(code), secret, Change(close=True), self.now())

    def clear_board(self, code: str, secret: str) -> None:
        self._change(checks.read_code(code), secret, Change(clear=True), self.now())

    def set_submissions(self, code: str, secret: str, open_: bool) -> None:
        self._change(checks.read_code(code), secret,
                     Change(submissions_open=bool(open_)), self.now())

    def hide_names(self, code: str, secret: str, hidden: bool) -> None:
        self._change(checks.read_code(code), secret, Change(names_hidden=bool(hidden)),
                     self.now())

    def submit(self, code: str, student: str, run: Any, name: str | None = None) -> Entry:
        code = checks.read_code(code)
        student = checks.read_student(student)
        name = checks.read_name(name)
        spec, text = checks.read_run(run)
        now = self.now()
        number = self._submit(code, student, name, text, now)
        return Entry(number, name, spec, text, now)

    def read_board(self, code: str) -> Board:
        state, stored = self._board(checks.read_code(code), self.now())
        entries = tuple(
            Entry(e.number, "" if state.names_hidden else e.name, checks.read_run(e.text)[0],
                  e.text, e.at)
            for e in stored)
        return Board(state.board_version, entries, state.submissions_open, state.names_hidden)

    def expire(self) -> int:
        return self._sweep(self.now())

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
