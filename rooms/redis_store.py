"""The room store on Redis: for replicas on several machines sharing one Redis server.

Keys, under a prefix (``descent-lab:`` unless told; several apps can share a server):

* ``{prefix}room:{CODE}``: a hash of the room (``digest``, ``scene``, ``version``,
  ``board_version``, ``open``, ``hidden``, ``numbered``);
* ``{prefix}room:{CODE}:board``: a list of the board's runs, oldest first, each
  ``number|{"name": ..., "run": ..., "at": ...}``;
* ``{prefix}room:{CODE}:students``: a hash of each student's last submission time;
* ``{prefix}rooms``: a sorted set of the codes by their last write, the clock the
  room's life is read from.

Opening a room, adding a run and removing ended rooms are Lua scripts (atomic on the
server). A change of the lecturer's reads the room under ``WATCH``, checks the secret
here (``hmac.compare_digest``) and writes in ``MULTI``/``EXEC``, again if anything
touched the room in between. Each room's keys also carry a TTL of its idle time plus
an hour, so a room nobody sweeps still leaves the server. Durable across a restart of
Redis as far as the server's own persistence goes (``appendonly yes``; docs/rooms.md).
When the server cannot be reached (down, unreachable, refusing the password), every
step raises a :class:`~rooms.RoomError` with a plain sentence (:data:`UNREACHABLE`),
the client's own error as its ``__cause__``.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rooms import checks
from rooms.model import HOUR, Limits, RoomError
from rooms.store import Change, RoomState, StoreBase, StoredEntry

PREFIX = "descent-lab:"
RETRIES = 100  # of a lecturer's change that other writes to the room keep interrupting
UNREACHABLE = ("The rooms' store does not answer just now; the rest of the page works. "
               "Try again in a moment.")

# KEYS: room, rooms. ARGV: code, digest, now, ttl_ms.
_OPEN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'scene', '', 'version', 0, 'board_version', 0,
           'open', 1, 'hidden', 0, 'numbered', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
"""

# The rules of rooms.checks.submission_problem, in the same order.
# KEYS: room, board, students, rooms.
# ARGV: code, now, idle, interval, max_entries, student, entry, ttl_ms.
_SUBMIT = """
local now = tonumber(ARGV[2])
local open = redis.call('HGET', KEYS[1], 'open')
local active = redis.call('ZSCORE', KEYS[4], ARGV[1])
if not open or not active or not (now < tonumber(active) + tonumber(ARGV[3])) then
  return {'gone'}
end
if open ~= '1' then return {'closed'} end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[5]) then return {'full'} end
local last = redis.call('HGET', KEYS[3], ARGV[6])
if last and now < tonumber(last) + tonumber(ARGV[4]) then return {'soon', last} end
local number = redis.call('HINCRBY', KEYS[1], 'numbered', 1)
redis.call('HINCRBY', KEYS[1], 'board_version', 1)
redis.call('RPUSH', KEYS[2], number .. '|' .. ARGV[7])
redis.call('HSET', KEYS[3], ARGV[6], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
return {'ok', number}
"""

# KEYS: rooms. ARGV: now, idle, prefix. Removes the rooms whose last write + idle <= now.
_SWEEP = """
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - idle + 1, 'WITHSCORES')
local removed = 0
for i = 1, #found, 2 do
  if tonumber(found[i + 1]) + idle <= now then
    local room = ARGV[3] .. 'room:' .. found[i]
    redis.call('DEL', room, room .. ':board', room .. ':students')
    redis.call('ZREM', KEYS[1], found[i])
    removed = removed + 1
  end
end
return removed
"""


def _answered(step: Callable) -> Callable:
    """A backend step whose Redis errors (no server, no answer, a refused password)
    become a :class:`~rooms.RoomError` saying :data:`UNREACHABLE`."""

    @functools.wraps(step)
    def answered(self: RedisStore, *args: Any) -> Any:
        try:
            return step(self, *args)
        except self._redis.RedisError as error:
            raise RoomError(UNREACHABLE) from error

    return answered


class RedisStore(StoreBase):
    """Rooms on the Redis server at ``url`` (``redis://host:6379/0``), keys under ``prefix``.

    The ``redis`` client keeps a pool of connections, safe across threads; nothing
    connects before the first call.
    """

    def __init__(self, url: str, *, prefix: str = PREFIX, limits: Limits | None = None,
                 now: Callable[[], float] = time.time) -> None:
        import redis

        super().__init__(limits=limits, now=now)
        self.url, self.prefix = url, prefix
        self._redis = redis
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self._open_script = self.client.register_script(_OPEN)
        self._submit_script = self.client.register_script(_SUBMIT)
        self._sweep_script = self.client.register_script(_SWEEP)

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"  # the URL may hold a password

    def close(self) -> None:
        self.client.close()

    def _keys(self, code: str) -> tuple[str, str, str]:
        room = f"{self.prefix}room:{code}"
        return room, f"{room}:board", f"{room}:students"

    @property
    def _rooms(self) -> str:
        return f"{self.prefix}rooms"

    @property
    def _ttl_ms(self) -> int:
        return math.ceil((self.limits.idle_seconds + HOUR) * 1000)

    def _as_state(self, code: str, fields: dict, active: float | None, now: float) -> RoomState:
        if not fields or active is None or not checks.alive(active, now, self.limits):
            raise checks.no_such_room(code)
        return RoomState(fields["digest"], active, fields["scene"], int(fields["version"]),
                         int(fields["board_version"]), fields["open"] == "1",
                         fields["hidden"] == "1")

    # --- the backend's steps -------------------------------------------------------------

    @_answered
    def _create(self, code: str, digest: str, now: float) -> bool:
        room, _, _ = self._keys(code)
        return bool(self._open_script(keys=[room, self._rooms],
                                      args=[code, digest, repr(now), self._ttl_ms]))

    @_answered
    def _state(self, code: str, now: float) -> RoomState:
        room, _, _ = self._keys(code)
        with self.client.pipeline() as pipe:
            fields, active = pipe.hgetall(room).zscore(self._rooms, code).execute()
        return self._as_state(code, fields, active, now)

    @_answered
    def _change(self, code: str, secret: str, change: Change, now: float) -> RoomState | None:
        room, board, students = self._keys(code)
        with self.client.pipeline() as pipe:
            for _ in range(RETRIES):
                try:
                    pipe.watch(room)
                    state = self._as_state(code, pipe.hgetall(room),
                                           pipe.zscore(self._rooms, code), now)
                    checks.check_secret(secret, state.digest)
                    pipe.multi()
                    if change.close:
                        pipe.delete(room, board, students).zrem(self._rooms, code)
                        pipe.execute()
                        return None
                    self._queue(pipe, change, code, now)
                    pipe.execute()
                    return _after(state, change, now)
                except self._redis.WatchError:
                    continue
        raise RoomError("The room is busy; try again.")

    def _queue(self, pipe: Any, change: Change, code: str, now: float) -> None:
        """Queue ``change`` (not a close) in a ``MULTI`` block."""
        room, board, students = self._keys(code)
        fields: dict[str, Any] = {}
        if change.scene is not None:
            fields["scene"] = change.scene
            pipe.hincrby(room, "version", 1)
        if change.submissions_open is not None:
            fields["open"] = int(change.submissions_open)
        if change.names_hidden is not None:
            fields["hidden"] = int(change.names_hidden)
        if fields:
            pipe.hset(room, mapping=fields)
        if change.clear:
            pipe.delete(board)
        if change.board_changes:
            pipe.hincrby(room, "board_version", 1)
        pipe.zadd(self._rooms, {code: now})
        for key in (room, board, students):
            pipe.pexpire(key, self._ttl_ms)

    @_answered
    def _submit(self, code: str, student: str, name: str, text: str, now: float) -> int:
        room, board, students = self._keys(code)
        entry = json.dumps({"name": name, "run": text, "at": now}, ensure_ascii=False)
        outcome = self._submit_script(
            keys=[room, board, students, self._rooms],
            args=[code, repr(now), repr(self.limits.idle_seconds),
                  repr(self.limits.submit_interval), self.limits.max_entries, student, entry,
                  self._ttl_ms])
        if outcome[0] == "ok":
            return int(outcome[1])
        if outcome[0] == "gone":
            raise checks.no_such_room(code)
        last = float(outcome[1]) if len(outcome) > 1 else 0.0
        raise checks.refusal(outcome[0], now, self.limits, last)

    @_answered
    def _board(self, code: str, now: float) -> tuple[RoomState, list[StoredEntry]]:
        room, board, _ = self._keys(code)
        with self.client.pipeline() as pipe:
            fields, active, items = (pipe.hgetall(room).zscore(self._rooms, code)
                                     .lrange(board, 0, -1).execute())
        state = self._as_state(code, fields, active, now)
        entries = []
        for item in items:
            number, _, data = item.partition("|")
            stored = json.loads(data)
            entries.append(StoredEntry(int(number), stored["name"], stored["run"],
                                       stored["at"]))
        return state, entries

    @_answered
    def _sweep(self, now: float) -> int:
        return int(self._sweep_script(keys=[self._rooms],
                                      args=[repr(now), repr(self.limits.idle_seconds),
                                            self.prefix]))


def _after(state: RoomState, change: Change, now: float) -> RoomState:
    """The room once ``change`` (not a close) is applied to ``state`` at ``now``."""
    return replace(
        state, last_active=now,
        scene=state.scene if change.scene is None else change.scene,
        version=state.version + (change.scene is not None),
        board_version=state.board_version + change.board_changes,
        submissions_open=(state.submissions_open if change.submissions_open is None
                          else change.submissions_open),
        names_hidden=state.names_hidden if change.names_hidden is None else change.names_hidden)
