"""Followers that cost the server nothing while idle: one watcher per server process.

A follower's page does not ask the store whether the room changed. Each time it runs,
it tells this process's :class:`Watcher` which room it follows and which version of
the room's scene it shows (:meth:`Watcher.follow`). The watcher, a thread of its own
started on the first follower and ending when none is left, reads every
:data:`WATCH_SECONDS` the versions of the rooms this process's followers follow: one
small read per room, however many follow it. When a room's scene is no longer the
version a follower's page shows (or the room ended), the watcher asks that page's
session to run its script again, the way Streamlit reruns a session when its script's
file changes: ``AppSession.request_rerun`` with the session's last client state (its
address and browser context), handed to the session's event loop, where Streamlit's
own calls into a session run. The page's first lines (``controls.room.catch_up``) then
load the new scene, and its run tells the watcher the version it now shows.

An idle follower therefore runs nothing at all. A page that is running already is
not interrupted: the watcher asks again at its next look, as it does when a nudged
page has not reported the new version within :data:`RETRY_SECONDS`. At most
:data:`AT_ONCE` pages of a process run for a room's change at a time, the next one
nudged as soon as one reports: the pages finish one after another, the first within
a run's time of the change, instead of all together at the end. A session that
closed (or lost its connection) is dropped; a page that comes back registers again
when it runs (its slow poll, ``controls.room.FALLBACK_SECONDS``, does that too).

Streamlit's parts used here that are not its documented API (pinned by
``tests/test_room_watch.py``, listed in docs/maintaining.md):
``Runtime.instance().get_app_session``, ``AppSession._event_loop``,
``AppSession._scriptrunner``, ``AppSession._client_state``, ``AppSession._state`` and
``AppSessionState.SHUTDOWN_REQUESTED``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import rooms

WATCH_SECONDS = 0.2  # how often the watcher reads the versions of the rooms followed
RETRY_SECONDS = 3.0  # a nudged page that has not reported the new version by then: again
AT_ONCE = 2  # pages of one process running for a room's change at the same time
ENDED = -1  # the version of a room that ended: its followers' pages say so

_LOGGER = logging.getLogger(__name__)


@dataclass
class Follower:
    """A following page: the room's code, the scene version it shows, and when the
    watcher last nudged it (to which version), if it did."""

    code: str
    version: int | None
    nudged_to: int | None = None
    nudged_at: float = 0.0


def session_of(session_id: str):
    """The active ``AppSession`` of ``session_id`` in this process, or None (closed, or
    disconnected). Thread-safe, as Streamlit documents ``get_app_session``."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    return Runtime.instance().get_app_session(session_id)


def current_session_id() -> str | None:
    """The session id of the script run on this thread, or None outside a run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def request_rerun(session, done: Callable[[bool], None]) -> None:
    """Ask ``session`` to run its script again, on its event loop, with its last client
    state (its address, page and browser context: what the browser would send, without
    widget changes). ``done(True)`` once asked; ``done(False)`` when the session was
    running (the page is busy: ask again later) or shutting down."""
    from streamlit.runtime.app_session import AppSessionState

    def on_loop() -> None:
        if (session._state is AppSessionState.SHUTDOWN_REQUESTED
                or session._scriptrunner is not None):
            done(False)
            return
        session.request_rerun(session._client_state)
        done(True)

    try:
        session._event_loop.call_soon_threadsafe(on_loop)
    except RuntimeError:  # the loop closed: the server is stopping
        done(False)


class Watcher:
    """One server process's followers, and the thread that nudges them.

    ``read_version(code)``: the room's scene version (the store's ``versions``), raising
    ``rooms.RoomError`` when the room ended. ``find_session(session_id)``: the active
    session or None; ``rerun(session, done)``: :func:`request_rerun`. ``clock``: seconds.
    ``threaded=False``: no thread; whoever holds the watcher calls :meth:`look`.
    """

    def __init__(self, read_version: Callable[[str], int], *,
                 find_session: Callable[[str], object | None] = session_of,
                 rerun: Callable[[object, Callable[[bool], None]], None] = request_rerun,
                 clock: Callable[[], float] = time.monotonic, threaded: bool = True) -> None:
        self.read_version, self.find_session, self.rerun = read_version, find_session, rerun
        self.clock, self.threaded = clock, threaded
        self.followers: dict[str, Follower] = {}
        self.reads = 0  # store reads so far (one per room per look)
        self.nudges = 0  # reruns asked for so far
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what a page tells the watcher (from its script thread) ---

    def follow(self, session_id: str, code: str, version: int | None) -> None:
        """The page of ``session_id`` follows room ``code`` and shows its scene's
        ``version`` (None: not loaded yet). Starts the watcher's thread if none runs."""
        with self._lock:
            known = self.followers.get(session_id)
            if known is not None and known.code == code:
                reported = known.version != version
                known.version = version
            else:
                reported = True
                self.followers[session_id] = Follower(code, version)
            if self._thread is None and self.threaded:
                self._thread = threading.Thread(target=self._run, name="descent-room-watch",
                                                daemon=True)
                self._thread.start()
        if reported:
            self._wake.set()  # a page caught up: the next one may run

    def leave(self, session_id: str) -> None:
        """The page of ``session_id`` follows no room (any more)."""
        with self._lock:
            self.followers.pop(session_id, None)

    # --- the watcher's look ---

    def look(self) -> bool:
        """One look: read the version of every room followed (once per room), drop the
        followers whose session is gone, nudge the pages behind their room (at most
        :data:`AT_ONCE` running at a time). Whether pages are still waiting for a
        nudge (the thread then looks again as soon as one catches up)."""
        with self._lock:
            followed = {sid: (f.code, f.version) for sid, f in self.followers.items()}
        current: dict[str, int] = {}
        for code in {code for code, _ in followed.values()}:
            self.reads += 1
            try:
                current[code] = self.read_version(code)
            except rooms.RoomError:
                current[code] = ENDED
            except Exception:  # the store is out of reach: try again at the next look
                _LOGGER.warning("Could not read room %s's version", code, exc_info=True)
        now = self.clock()
        sessions, behind = {}, []
        for sid, (code, version) in followed.items():
            session = self.find_session(sid)
            if session is None:
                self.leave(sid)
            elif code in current and current[code] != version:
                sessions[sid] = session
                behind.append(sid)
        with self._lock:
            running = 0
            waiting = []
            for sid in behind:
                follower = self.followers.get(sid)
                if follower is None:
                    continue
                target = current[follower.code]
                if follower.version == target:
                    continue
                if follower.nudged_to == target and now - follower.nudged_at < RETRY_SECONDS:
                    running += 1
                else:
                    waiting.append(sid)
            chosen = waiting[:max(0, AT_ONCE - running)]
            for sid in chosen:
                follower = self.followers[sid]
                follower.nudged_to, follower.nudged_at = current[follower.code], now
        for sid in chosen:
            self.nudges += 1
            self.rerun(sessions[sid], lambda asked, sid=sid: None if asked else self._busy(sid))
        return len(waiting) > len(chosen)

    def _busy(self, session_id: str) -> None:
        """The nudged page was running: nudge it again at the next look."""
        with self._lock:
            follower = self.followers.get(session_id)
            if follower is not None:
                follower.nudged_to = None
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Forget every follower and wait (at most ``timeout`` seconds) for the thread to
        end: nothing reads the store through this watcher afterwards."""
        with self._lock:
            self.followers.clear()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> threading.Thread | None:
        """The watcher's thread while it runs, else None."""
        return self._thread

    def _run(self) -> None:
        """The watcher's thread: look every :data:`WATCH_SECONDS` (sooner when a page
        reports while others wait); end when no page follows."""
        while True:
            with self._lock:
                if not self.followers:
                    self._thread = None
                    return
            self._wake.clear()
            try:
                self.look()
            except Exception:  # a bug here must not end the watcher
                _LOGGER.exception("The room watcher's look failed")
            self._wake.wait(WATCH_SECONDS)
