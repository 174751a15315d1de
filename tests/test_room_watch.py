"""The room watcher (controls/room_watch.py): one store read per room, followers nudged
only when their room changed, a few at a time, again when busy or lost; and the
Streamlit internals it relies on, pinned.

The watcher is driven here look by look (``threaded=False``) with a store, sessions and
a clock of the test's own; the real server's side (followers on ``deploy/serve``'s
replicas getting every change without asking) is tests/test_bench_rooms.py.
"""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

import rooms
from controls import room_watch
from controls.room_watch import AT_ONCE, ENDED, RETRY_SECONDS, Watcher


class Hall:
    """Rooms' versions, sessions and what the watcher asked of them."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.reads: list[str] = []
        self.alive: set[str] = set()
        self.busy: set[str] = set()
        self.nudged: list[str] = []
        self.now = 0.0

    def read(self, code: str) -> int:
        self.reads.append(code)
        if self.versions[code] == ENDED:
            raise rooms.NoSuchRoomError("ended")
        return self.versions[code]

    def find(self, session_id: str):
        return session_id if session_id in self.alive else None

    def rerun(self, session, done) -> None:
        if session in self.busy:
            done(False)
        else:
            self.nudged.append(session)
            done(True)

    def watcher(self) -> Watcher:
        return Watcher(self.read, find_session=self.find, rerun=self.rerun,
                       clock=lambda: self.now, threaded=False)


def hall_of(followers: int, code: str = "ACEFG", version: int = 1) -> tuple[Hall, Watcher]:
    hall = Hall()
    hall.versions[code] = version
    watcher = hall.watcher()
    for i in range(followers):
        hall.alive.add(f"s{i}")
        watcher.follow(f"s{i}", code, version)
    return hall, watcher


def catch_up(hall: Hall, watcher: Watcher) -> None:
    """Every nudged page runs and reports the version its room has now."""
    for sid in hall.nudged:
        code = watcher.followers[sid].code
        watcher.follow(sid, code, hall.versions[code])


def test_one_read_per_room_per_look_and_no_nudge_while_nothing_changes():
    hall, watcher = hall_of(200)
    watcher.follow("other", "HKMNP", 4)
    hall.versions["HKMNP"] = 4
    hall.alive.add("other")
    for _ in range(5):
        watcher.look()
    assert sorted(hall.reads) == ["ACEFG"] * 5 + ["HKMNP"] * 5
    assert hall.nudged == []


def test_a_change_reaches_every_follower_once_a_few_at_a_time():
    hall, watcher = hall_of(7)
    watcher.follow("elsewhere", "HKMNP", 1)
    hall.versions["HKMNP"] = 1
    hall.alive.add("elsewhere")
    hall.versions["ACEFG"] = 2
    looks = 0
    while len(set(hall.nudged)) < 7:
        before = len(hall.nudged)
        watcher.look()
        looks += 1
        assert len(hall.nudged) - before <= AT_ONCE
        catch_up(hall, watcher)
    assert sorted(hall.nudged) == [f"s{i}" for i in range(7)]  # each once, no one else
    assert looks == -(-7 // AT_ONCE)
    watcher.look()
    assert len(hall.nudged) == 7


def test_at_most_a_few_running_until_they_report():
    hall, watcher = hall_of(6)
    hall.versions["ACEFG"] = 2
    watcher.look()
    watcher.look()  # the first ones have not reported: nobody else yet
    assert len(hall.nudged) == AT_ONCE


def test_a_busy_page_is_asked_again_at_the_next_look():
    hall, watcher = hall_of(1)
    hall.versions["ACEFG"] = 2
    hall.busy.add("s0")
    watcher.look()
    assert hall.nudged == []
    hall.busy.clear()
    watcher.look()
    assert hall.nudged == ["s0"]


def test_a_nudged_page_that_never_reports_is_asked_again_later():
    hall, watcher = hall_of(1)
    hall.versions["ACEFG"] = 2
    watcher.look()
    hall.now += RETRY_SECONDS / 2
    watcher.look()
    assert hall.nudged == ["s0"]
    hall.now += RETRY_SECONDS
    watcher.look()
    assert hall.nudged == ["s0", "s0"]


def test_a_page_that_left_or_closed_is_not_nudged():
    hall, watcher = hall_of(3)
    watcher.leave("s0")  # explores on their own
    hall.alive.discard("s1")  # the tab closed
    hall.versions["ACEFG"] = 2
    watcher.look()
    watcher.look()
    assert hall.nudged == ["s2"]
    assert set(watcher.followers) == {"s2"}


def test_an_ended_room_nudges_its_followers_and_a_store_failure_nudges_nobody():
    hall, watcher = hall_of(2)
    hall.versions["ACEFG"] = ENDED
    watcher.look()
    assert sorted(hall.nudged) == ["s0", "s1"]

    def broken(code: str) -> int:
        raise OSError("the store is out of reach")

    hall2, _ = hall_of(0)
    watcher2 = Watcher(broken, find_session=hall2.find, rerun=hall2.rerun, threaded=False)
    hall2.alive.add("s0")
    watcher2.follow("s0", "ACEFG", 1)
    watcher2.look()
    assert hall2.nudged == []


def test_a_page_not_loaded_yet_is_nudged():
    hall, watcher = hall_of(0)
    hall.alive.add("s0")
    watcher.follow("s0", "ACEFG", None)
    watcher.look()
    assert hall.nudged == ["s0"]


def test_the_thread_starts_with_a_follower_and_ends_when_none_is_left():
    hall = Hall()
    hall.versions["ACEFG"] = 1
    watcher = Watcher(hall.read, find_session=hall.find, rerun=hall.rerun)
    assert watcher.running is None
    watcher.follow("gone", "ACEFG", 1)  # a session that is not (any more) active
    thread = watcher.running
    assert thread is not None
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert watcher.running is None and watcher.followers == {}


def test_a_stopped_watcher_forgets_its_followers_and_its_thread_ends():
    hall = Hall()
    hall.versions["ACEFG"] = 1
    hall.alive.add("s1")  # an active page: without stop, the thread would keep looking
    watcher = Watcher(hall.read, find_session=hall.find, rerun=hall.rerun)
    watcher.follow("s1", "ACEFG", 1)
    thread = watcher.running
    assert thread is not None
    watcher.stop(timeout=30)
    assert not thread.is_alive()  # nothing reads the store through it any more
    assert watcher.followers == {} and watcher.running is None and hall.nudged == []


# --- the rerun handed to the session's event loop, and Streamlit's parts it uses ---

class FakeSession:
    def __init__(self, loop, *, running: bool = False) -> None:
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.runtime.app_session import AppSessionState

        self._event_loop = loop
        self._scriptrunner = object() if running else None
        self._state = AppSessionState.APP_NOT_RUNNING
        self._client_state = ClientState(query_string="room=ACEFG&lecture=jitter")
        self.asked: list = []

    def request_rerun(self, client_state) -> None:
        self.asked.append(client_state)


@pytest.mark.parametrize("running", [False, True])
def test_request_rerun_runs_on_the_loop_with_the_last_client_state(running):
    loop = asyncio.new_event_loop()
    try:
        session = FakeSession(loop, running=running)
        answers: list[bool] = []
        room_watch.request_rerun(session, answers.append)
        assert answers == [] and session.asked == []  # nothing until the loop runs it
        # In a thread of its own: the browser tests' Playwright keeps a loop running in
        # this worker's main thread, where another loop may not run.
        turn = threading.Thread(target=loop.run_until_complete, args=(asyncio.sleep(0),))
        turn.start()
        turn.join()
    finally:
        loop.close()
    if running:
        assert answers == [False] and session.asked == []
    else:
        assert answers == [True]
        assert [c.query_string for c in session.asked] == ["room=ACEFG&lecture=jitter"]


def test_request_rerun_on_a_closed_loop_says_no():
    loop = asyncio.new_event_loop()
    loop.close()
    answers: list[bool] = []
    room_watch.request_rerun(FakeSession(loop), answers.append)
    assert answers == [False]


def test_streamlit_still_has_what_the_watcher_uses():
    """docs/maintaining.md: a session's event loop, its script runner, its last client
    state and its state, as ``AppSession`` keeps them; the rerun Streamlit itself asks
    for when a script's file changes; ``Runtime.get_app_session``."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.app_session import AppSession, AppSessionState
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    init = inspect.getsource(AppSession.__init__)
    missing = [name for name in ("self._event_loop = asyncio.get_running_loop()",
                                 "self._scriptrunner", "self._client_state = ClientState()",
                                 "self._state = AppSessionState.APP_NOT_RUNNING")
               if name not in init]
    assert not missing, f"AppSession.__init__ no longer sets {missing}"
    assert "self.request_rerun(self._client_state)" in inspect.getsource(
        AppSession._on_source_file_changed)
    assert list(inspect.signature(AppSession.request_rerun).parameters) == ["self",
                                                                             "client_state"]
    assert AppSessionState.SHUTDOWN_REQUESTED.name == "SHUTDOWN_REQUESTED"
    assert list(inspect.signature(Runtime.get_app_session).parameters) == ["self",
                                                                           "session_id"]
    assert callable(Runtime.exists)
    assert "suppress_warning" in inspect.signature(get_script_run_ctx).parameters
