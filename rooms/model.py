"""What a room store gives and takes, as plain values, and the errors it raises.

Every error is a :class:`RoomError` whose ``str()`` is a plain sentence a page can
show as it is (it never quotes what a visitor sent, but a link's own message, which
quotes with ``repr``: escape it as every link message is escaped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qs

from scenes import RunSpec

HOUR = 3600.0


class RoomError(Exception):
    """A room operation the store cannot do; ``str(error)`` says why, plainly."""


class NoSuchRoomError(RoomError):
    """The code names no open room: unknown, expired, closed or not a code at all."""


class NotLecturerError(RoomError):
    """A change to a room without the lecturer's secret of that room."""


class RefusedError(RoomError):
    """A submission or a scene the store does not take (too soon, board full, closed,
    a name that is not plain text, a run or a scene a link could not hold)."""


@dataclass(frozen=True)
class Limits:
    """How long rooms live and how much the class may send.

    Attributes:
        idle_seconds: a room with no write for this long has ended (12 hours).
        submit_interval: one submission per student per this many seconds.
        max_entries: at most this many runs on a room's board.
    """

    idle_seconds: float = 12 * HOUR
    submit_interval: float = 5.0
    max_entries: int = 500

    def __post_init__(self) -> None:
        if not (self.idle_seconds > 0 and self.submit_interval >= 0 and self.max_entries > 0):
            raise ValueError(f"limits must be positive, got {self}")


@dataclass(frozen=True)
class Opened:
    """A room just opened: its short ``code`` (for the link ``/?room=CODE``) and the
    lecturer's ``secret``, which the store keeps only as a hash. Whoever holds the
    secret controls the room; it never goes into the room's link."""

    code: str
    secret: str = field(repr=False)


class Versions(NamedTuple):
    """How many times a room's scene and its board have changed: a follower that saw
    version ``n`` asks whether it is still ``n`` before reading anything else."""

    scene: int
    board: int


@dataclass(frozen=True)
class RoomScene:
    """A room's scene as its link's query string (``surface=ravine&...&run=...``),
    checked and written as :mod:`scenes.links` writes a link, without presenter mode.
    ``version`` 0 and an empty ``query``: the lecturer has not written a scene yet."""

    version: int
    query: str

    @property
    def params(self) -> dict[str, list[str]]:
        """The query as ``scenes.scene_from_query`` and ``page_from_query`` take it."""
        return parse_qs(self.query, keep_blank_values=True)


@dataclass(frozen=True)
class Entry:
    """One run a student sent: its ``number`` in the room (1, 2, ...; not reused after
    the board is cleared), the ``name`` given (plain text, may be empty; empty on a
    board whose names are hidden), the ``run`` and its ``text`` as a link writes it,
    and when it came (``at``, seconds since the epoch by the store's clock)."""

    number: int
    name: str
    run: RunSpec
    text: str
    at: float


@dataclass(frozen=True)
class Board:
    """The class's runs in the order they came, and how the lecturer set the board."""

    version: int
    entries: tuple[Entry, ...]
    submissions_open: bool
    names_hidden: bool
