"""Nothing the class sends is lost when a replica dies or every replica restarts: on
``deploy/serve``'s nginx and replicas, with each store (SQLite in one data folder, Redis).

Students open ``/?room=CODE`` through nginx with a cookie that lands on replica A and
press **Send my run** on the page, over Streamlit's websocket (:mod:`harness.st_client`:
the button's trigger and the name typed, as the browser sends them). Then A is killed
(SIGKILL), and the lecturer's page (``/?room=CODE&lecturer=SECRET``) opened through
replica B shows every run on its Class panel; then every replica stops, and a fresh one
shows the same board. The reference is the store itself, read by the test. The lecturer
opens the room in the store, as the first device does.
"""

from __future__ import annotations

import os
import select
import signal
from pathlib import Path

import pytest

from bench import rooms as bench_rooms
from deploy.balancer import COOKIE
from deploy.servers import stop
from harness.st_client import run_coroutine
from rooms import open_store
from tests.test_deploy import Serving, get, needs_nginx

STUDENTS = ["Ada", "Grace", "Alan", "Emmy", "Kurt", "Sofia"]
STORES = ["sqlite", "redis"]
pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture(params=STORES)
def store_args(request, tmp_path) -> list[str]:
    """``deploy/serve``'s options for a fresh store of each kind."""
    if request.param == "sqlite":
        return ["--data", str(tmp_path / "data")]
    server = request.getfixturevalue("redis_server")
    server.flush()
    return ["--store", server.url]


def store_env(args: list[str]) -> dict[str, str]:
    """The environment that names the same store as ``deploy/serve``'s ``args``."""
    option, value = args
    return {"DESCENT_LAB_STORE": value} if option == "--store" else {
        "DESCENT_LAB_STORE": "", "DESCENT_LAB_DATA": value}


def open_room(args: list[str]):
    with open_store(store_env(args)) as store:
        return store.open_room()


def cookie_for(serving: Serving, replica: str) -> str:
    """A ``descent_replica`` cookie that nginx hashes onto ``replica``."""
    for i in range(200):
        cookie = f"{COOKIE}=browser-{i}"
        if get(f"{serving.url}/_stcore/health", cookie)[1]["X-Upstream"] == replica:
            return cookie
    raise AssertionError(f"no cookie lands on {replica}")


def replica_pid(serving: Serving, replica: str) -> int:
    """The pid of the replica that listens on ``replica`` (``127.0.0.1:PORT``)."""
    port = replica.rpartition(":")[2]
    for pid in serving.pids:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"streamlit" in args and args[args.index(b"--server.port") + 1] == port.encode():
            return pid
    raise AssertionError(f"no replica on {replica}")


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().partition("=")[::2] for p in pairs if p)


def kill(pid: int) -> None:
    """SIGKILL ``pid`` and wait until it is gone (a pidfd is readable once it exited)."""
    fd = os.pidfd_open(pid)
    try:
        os.kill(pid, signal.SIGKILL)
        assert select.select([fd], [], [], 60)[0], f"{pid} did not die"
    finally:
        os.close(fd)


def assert_board_shows_every_run(serving: Serving, replica: str, args: list[str],
                                 room) -> None:
    """The lecturer's page, opened through ``replica``, shows every student's run, as the
    store holds them."""
    upstream, heading, rows = run_coroutine(bench_rooms.lecturer_board(
        serving.url, room.code, room.secret, cookie=cookie_for(serving, replica)))
    assert upstream == replica
    assert heading == [f"Class: {len(STUDENTS)} runs sent"]
    assert sorted(r["name"] for r in rows) == sorted(STUDENTS)
    with open_store(store_env(args)) as store:  # the reference: the store itself
        entries = store.read_board(room.code).entries
    assert sorted(e.name for e in entries) == sorted(STUDENTS)
    assert sorted(r["run"] for r in rows) == sorted(e.text for e in entries)


@needs_nginx
def test_runs_sent_survive_a_replicas_death_and_a_restart_of_every_replica(store_args):
    room = open_room(store_args)
    serving = Serving(2, *store_args)
    try:
        replica_a, replica_b = sorted(serving.replicas)
        # What every replica got: the same store.
        for replica in (replica_a, replica_b):
            env = environment_of(replica_pid(serving, replica))
            assert {k: env.get(k) for k in store_env(store_args)} == store_env(store_args)
        sent = run_coroutine(bench_rooms.class_sends(
            serving.url, room.code, STUDENTS, cookie=cookie_for(serving, replica_a)))
        assert [(s.errors, s.replica) for s in sent] == [([], replica_a)] * len(STUDENTS)
        numbers = [int(bench_rooms.SENT.match(s.said[0]).group(1)) for s in sent]
        assert sorted(numbers) == list(range(1, len(STUDENTS) + 1))  # each told its place
        kill(replica_pid(serving, replica_a))
        assert_board_shows_every_run(serving, replica_b, store_args, room)
        assert serving.stop_with(signal.SIGTERM) == 0 and serving.left_behind() == []
    finally:
        stop(serving.process)
    # Every replica stopped; a fresh one reads the same board.
    again = Serving(1, *store_args)
    try:
        (replica,) = again.replicas
        assert_board_shows_every_run(again, replica, store_args, room)
        assert again.stop_with(signal.SIGTERM) == 0
    finally:
        stop(again.process)
