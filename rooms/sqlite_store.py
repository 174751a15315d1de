"""The embedded room store: one SQLite file (the standard library's ``sqlite3``, WAL mode).

Several processes share the file (``deploy/serve``'s replicas on one machine): every
write is one ``BEGIN IMMEDIATE`` transaction, which SQLite runs one at a time across
processes, and readers never wait for writers (WAL). A commit is in the file before
the call returns (``synchronous=NORMAL``, WAL's own recommendation): a run acknowledged
to a student survives the process's death and a restart; only a power cut of the
machine may lose the last commits. The file and its folder are made on first use, not
at import.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rooms import checks
from rooms.model import Limits
from rooms.store import Change, RoomState, StoreBase, StoredEntry

# How long a write waits for another process's write before giving up (milliseconds).
BUSY_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    last_active REAL NOT NULL,
    scene TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    board_version INTEGER NOT NULL DEFAULT 0,
    submissions_open INTEGER NOT NULL DEFAULT 1,
    names_hidden INTEGER NOT NULL DEFAULT 0,
    numbered INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rooms_by_last_active ON rooms (last_active);
CREATE TABLE IF NOT EXISTS entries (
    room TEXT NOT NULL,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    run TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (room, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS students (
    room TEXT NOT NULL,
    student TEXT NOT NULL,
    last REAL NOT NULL,
    PRIMARY KEY (room, student)
) WITHOUT ROWID;
"""

_STATE = ("digest, last_active, scene, version, board_version, submissions_open, "
          "names_hidden")


class SQLiteStore(StoreBase):
    """Rooms in the SQLite file at ``path`` (made with its folder on first use).

    One connection per process, used by one thread at a time (Streamlit runs each
    visitor's script in a thread of its own); a process forked after using the store
    opens its own.
    """

    def __init__(self, path: str | os.PathLike, *, limits: Limits | None = None,
                 now: Callable[[], float] = time.time) -> None:
        super().__init__(limits=limits, now=now)
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None,
                                 check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(SCHEMA)
            self._db, self._pid = db, os.getpid()
        return self._db

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction; ``IMMEDIATE`` takes the file's write lock at once (a read
        then a write in it cannot interleave with another process's), ``DEFERRED``
        reads one snapshot."""
        with self._lock:
            db = self._connection()
            db.execute(f"BEGIN {mode}")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
            self._db = None

    # --- the backend's steps -------------------------------------------------------------

    def _read(self, db: sqlite3.Connection, code: str, now: float) -> RoomState:
        row = db.execute(f"SELECT {_STATE} FROM rooms WHERE code = ?", (code,)).fetchone()
        if row is None or not checks.alive(row[1], now, self.limits):
            raise checks.no_such_room(code)
        return RoomState(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))

    def _create(self, code: str, digest: str, now: float) -> bool:
        with self._transaction() as db:
            taken = db.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone()
            if taken is None:
                db.execute("INSERT INTO rooms (code, digest, last_active) VALUES (?, ?, ?)",
                           (code, digest, now))
            return taken is None

    def _state(self, code: str, now: float) -> RoomState:
        # One statement: SQLite reads it from one snapshot without a transaction of ours.
        with self._lock:
            return self._read(self._connection(), code, now)

    def _change(self, code: str, secret: str, change: Change, now: float) -> RoomState | None:
        with self._transaction() as db:
            checks.check_secret(secret, self._read(db, code, now).digest)
            if change.close:
                _remove(db, [code])
                return None
            if change.clear:
                db.execute("DELETE FROM entries WHERE room = ?", (code,))
            db.execute(
                "UPDATE rooms SET last_active = ?, scene = coalesce(?, scene),"
                " version = version + ?, board_version = board_version + ?,"
                " submissions_open = coalesce(?, submissions_open),"
                " names_hidden = coalesce(?, names_hidden) WHERE code = ?",
                (now, change.scene, change.scene is not None, change.board_changes,
                 change.submissions_open, change.names_hidden, code))
            return self._read(db, code, now)

    def _submit(self, code: str, student: str, name: str, text: str, now: float) -> int:
        with self._transaction() as db:
            state = self._read(db, code, now)
            (count,) = db.execute("SELECT count(*) FROM entries WHERE room = ?",
                                  (code,)).fetchone()
            last = db.execute("SELECT last FROM students WHERE room = ? AND student = ?",
                              (code, student)).fetchone()
            last = None if last is None else last[0]
            problem = checks.submission_problem(
                submissions_open=state.submissions_open, count=count, last=last, now=now,
                limits=self.limits)
            if problem:
                raise checks.refusal(problem, now, self.limits, last or 0.0)
            (number,) = db.execute(
                "UPDATE rooms SET numbered = numbered + 1, board_version = board_version + 1,"
                " last_active = ? WHERE code = ? RETURNING numbered", (now, code)).fetchone()
            db.execute("INSERT INTO entries (room, number, name, run, at) VALUES (?, ?, ?, ?, ?)",
                       (code, number, name, text, now))
            db.execute("INSERT OR REPLACE INTO students (room, student, last) VALUES (?, ?, ?)",
                       (code, student, now))
            return number

    def _board(self, code: str, now: float) -> tuple[RoomState, list[StoredEntry]]:
        with self._transaction("DEFERRED") as db:
            state = self._read(db, code, now)
            rows = db.execute("SELECT number, name, run, at FROM entries WHERE room = ?"
                              " ORDER BY number", (code,)).fetchall()
        return state, [StoredEntry(*row) for row in rows]

    def _sweep(self, now: float) -> int:
        with self._transaction() as db:
            codes = [code for (code,) in db.execute(
                "SELECT code FROM rooms WHERE last_active + ? <= ?",
                (self.limits.idle_seconds, now))]
            _remove(db, codes)
        return len(codes)


def _remove(db: sqlite3.Connection, codes: list[str]) -> None:
    for table, column in (("entries", "room"), ("students", "room"), ("rooms", "code")):
        db.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(c,) for c in codes])
