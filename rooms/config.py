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
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from rooms.model import HOUR, Limits
from rooms.store import StoreBase

STORE, DATA, ROOM_HOURS = "DESCENT_LAB_STORE", "DESCENT_LAB_DATA", "DESCENT_LAB_ROOM_HOURS"
SQLITE_FILE = "rooms.sqlite3"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


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
    where = env.get(STORE, "").strip()
    limits = limits_from(env)
    if where.startswith(REDIS_SCHEMES):
        from rooms.redis_store import RedisStore

        return RedisStore(where, limits=limits, now=now)
    from rooms.sqlite_store import SQLiteStore

    if where in ("", "sqlite", "sqlite:"):
        return SQLiteStore(data_dir(env) / SQLITE_FILE, limits=limits, now=now)
    if where.startswith("sqlite:///"):
        return SQLiteStore(Path(where.removeprefix("sqlite:///")), limits=limits, now=now)
    raise ValueError(f"{STORE} must be redis://host:port/db or sqlite:////path/to/file "
                     f"(or unset, for {data_dir(env) / SQLITE_FILE})")
