"""Which room store the app uses, from the environment (read when called, never at import).

* ``DESCENT_LAB_STORE``: ``redis://host:6379/0`` (or ``rediss://``, ``unix://``) for
  :class:`~rooms.redis_store.RedisStore`; ``sqlite:///rooms.sqlite3`` (relative) or
  ``sqlite:////srv/lab/rooms.sqlite3`` (absolute: four slashes) for a SQLite file of
  one's own; unset or empty for the SQLite file in the data folder.
* ``DESCENT_LAB_DATA``: the data folder (``$XDG_DATA_HOME/descent-lab``, else
  ``~/.local/share/descent-lab``), which holds ``rooms.sqlite3``.
* ``DESCENT_LAB_ROOM_HOURS``: hours without a write after which a room ends (12).
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from rooms.model import HOUR, Limits, RoomError
from rooms.store import StoreBase

STORE, DATA, ROOM_HOURS = "DESCENT_LAB_STORE", "DESCENT_LAB_DATA", "DESCENT_LAB_ROOM_HOURS"
SQLITE_FILE = "rooms.sqlite3"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
REDIS_FORM = "redis://HOST:PORT/DB (e.g. redis://10.0.0.1:6379/0)"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the app's data: ``DESCENT_LAB_DATA``, else the XDG data folder's
    ``descent-lab``."""
    env = os.environ if environ is None else environ
    if env.get(DATA):
        return Path(env[DATA]).expanduser()
    base = env.get("XDG_DATA_HOME") or Path(env.get("HOME") or Path.home()) / ".local" / "share"
    return Path(base) / "descent-lab"


def limits_from(environ: Mapping[str, str]) -> Limits:
    """The rooms' limits, with ``DESCENT_LAB_ROOM_HOURS`` for their idle time."""
    text = environ.get(ROOM_HOURS, "").strip()
    if not text:
        return Limits()
    try:
        hours = float(text)
    except ValueError:
        hours = math.nan
    if not (math.isfinite(hours) and hours > 0):
        raise ValueError(f"{ROOM_HOURS} must be a number of hours above 0, got {text[:40]!r}")
    return Limits(idle_seconds=hours * HOUR)


def open_store(environ: Mapping[str, str] | None = None, *,
               now: Callable[[], float] = time.time) -> StoreBase:
    """The room store the environment (``os.environ`` unless given) names.

    Nothing connects or creates a file until the store is first used.

    Raises:
        ValueError: a ``DESCENT_LAB_STORE`` or ``DESCENT_LAB_ROOM_HOURS`` that cannot be used.
    """
    env = os.environ if environ is None else environ
    limits = limits_from(env)
    kind, where = store_location(env)
    if kind == "redis":
        from rooms.redis_store import RedisStore

        return RedisStore(where, limits=limits, now=now)
    from rooms.sqlite_store import SQLiteStore

    return SQLiteStore(Path(where), limits=limits, now=now)


def store_location(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``("redis", URL)`` or ``("sqlite", PATH)``: the store ``DESCENT_LAB_STORE`` names
    (the SQLite file in the data folder when it is unset).

    Raises:
        ValueError: a value that is neither, or a Redis URL that is not
            ``redis://HOST:PORT/DB`` (``rediss://`` too; ``unix:///path/to/socket``).
    """
    env = os.environ if environ is None else environ
    where = env.get(STORE, "").strip()
    if where.startswith(REDIS_SCHEMES):
        problem = redis_url_problem(where)
        if problem:
            raise ValueError(f"{STORE} must be {REDIS_FORM}: {problem}")
        return "redis", where
    if where in ("", "sqlite", "sqlite:"):
        return "sqlite", str(data_dir(env) / SQLITE_FILE)
    if where.startswith("sqlite:///") and where != "sqlite:///":
        return "sqlite", where.removeprefix("sqlite:///")
    raise ValueError(f"{STORE} must be redis://host:port/db or sqlite:////path/to/file "
                     f"(or unset, for {data_dir(env) / SQLITE_FILE})")


def redis_url_problem(url: str) -> str | None:
    """What is wrong with a Redis URL, in words (the password never quoted), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError: not a number, or out of range
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if parts.fragment:
        return "it has a '#' part"
    if parts.scheme == "unix":
        return None if parts.path else "a unix:// URL names the socket's path"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "its port is not a number from 1 to 65535"
    if parts.path not in ("", "/") and not re.fullmatch(r"/[0-9]{1,5}", parts.path):
        return "its path is not a database's number (/0, /1, ...)"
    return None


def describe(environ: Mapping[str, str] | None = None) -> str:
    """The store the environment names, in words for a log: ``Redis at HOST:PORT,
    database N`` (no password) or ``SQLite file PATH``.

    Raises:
        ValueError: as :func:`store_location`.
    """
    kind, where = store_location(environ)
    if kind == "sqlite":
        return f"SQLite file {where}"
    parts = urlsplit(where)
    if parts.scheme == "unix":
        return f"Redis at {parts.path}"
    database = parts.path.strip("/") or "0"
    secure = ", over TLS" if parts.scheme == "rediss" else ""
    return f"Redis at {parts.hostname}:{parts.port or 6379}, database {database}{secure}"


def reach(environ: Mapping[str, str] | None = None) -> str:
    """Open the store the environment names and remove its ended rooms (a write: the
    SQLite file and its folder are made, the Redis server answers); its
    :func:`describe`.

    Raises:
        ValueError: a store that cannot be used (as :func:`open_store`) or reached, with
            the reason.
    """
    import sqlite3

    where = describe(environ)
    errors: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
    if store_location(environ)[0] == "redis":
        import redis

        errors += (redis.RedisError,)
    try:
        with open_store(environ) as store:
            store.expire()
    except (*errors, RoomError) as error:
        reason = error.__cause__ or error  # the client's own words, for whoever serves
        raise ValueError(f"the room store ({where}) cannot be used: {reason}") from error
    return where
