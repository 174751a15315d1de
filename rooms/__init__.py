"""Rooms: a hall following the lecturer's scene, and the board of the class's runs.

>>> import tempfile, pathlib
>>> from rooms import SQLiteStore
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "rooms.sqlite3")
>>> room = store.open_room()
>>> store.write_scene(room.code, room.secret, "surface=ravine&run=sgd:lr=1.8")
1
>>> store.read_scene(room.code).version, store.submit(room.code, "s1", "adam:lr=0.3").number
(1, 1)
>>> store.close()

* :mod:`rooms.store`: the interface, :class:`RoomStore`, and what both stores share;
* :mod:`rooms.sqlite_store` and :mod:`rooms.redis_store`: the two stores;
* :mod:`rooms.config`: :func:`open_store`, the store the environment names;
* :mod:`rooms.checks`: codes, secrets, and what a room takes (names, runs, scenes);
* :mod:`rooms.model`: the values a store gives, and its errors.

docs/rooms.md describes them.
"""

from __future__ import annotations

from rooms.config import open_store
from rooms.model import (
    Board,
    Entry,
    Limits,
    NoSuchRoomError,
    NotLecturerError,
    Opened,
    RefusedError,
    RoomError,
    RoomScene,
    Versions,
)
from rooms.redis_store import RedisStore
from rooms.sqlite_store import SQLiteStore
from rooms.store import RoomStore

__all__ = [
    "Board", "Entry", "Limits", "NoSuchRoomError", "NotLecturerError", "Opened", "RedisStore",
    "RefusedError", "RoomError", "RoomScene", "RoomStore", "SQLiteStore", "Versions",
    "open_store",
]
