"""A small hall on the real servers (bench.rooms): followers on ``deploy/serve``'s nginx
and two replicas get every change of the lecturer's scene without asking for a run, and
nothing else while idle. Behaviour only; no time is asserted (the benchmark measures).
"""

from __future__ import annotations

import asyncio

import pytest

from bench import rooms as bench_rooms
from deploy.balancer import find_nginx
from harness.st_client import run_coroutine

FOLLOWERS = 4


@pytest.mark.server
def test_followers_get_every_change_without_asking_and_nothing_else():
    if find_nginx() is None:
        pytest.skip("needs Debian's nginx (apt-get install -y nginx)")
    steps = bench_rooms.STEPS[1:5]
    with bench_rooms.servers(2, None) as (url, pids, store, logs):
        opened = store.open_room()
        store.write_scene(opened.code, opened.secret, f"lecture={bench_rooms.STEPS[0]}")

        async def hall():
            # Clients that never ask for a run after their first: whatever runs later,
            # the server started.
            followers = await bench_rooms.arrive(url, f"room={opened.code}", FOLLOWERS,
                                                 auto=False)
            plain = await bench_rooms.arrive(url, bench_rooms.LECTURE_LINK, 1, auto=False)
            missed = await bench_rooms.changes_awaited(followers, store, opened.code,
                                                       opened.secret, steps)
            found = [(f.runs, [s for s, _ in f.seen], f.errors) for f in followers]
            plain_found = (plain[0].runs, plain[0].errors)
            await asyncio.gather(*(f.close() for f in followers + plain))
            return missed, found, plain_found

        missed, found, (plain_runs, plain_errors) = run_coroutine(hall())
        tracebacks = sum(log.tracebacks for log in logs)
    assert missed == []
    for runs, seen, errors in found:
        assert errors == []
        assert seen == [bench_rooms.STEPS[0], *steps]
        assert runs == len(steps)  # one run per change, none while idle
    assert plain_runs == 0 and plain_errors == []  # a page in no room is left alone
    assert tracebacks == 0


def test_a_listener_takes_a_step_once_and_finds_it_after_a_time():
    listener = bench_rooms.Listener("http://127.0.0.1:1", "room=ACEFG")
    listener._note("lecture=jitter&room=ACEFG")
    listener._note("room=ACEFG&lecture=jitter")
    listener._note("lecture=friction&room=ACEFG")
    assert [step for step, _ in listener.seen] == ["jitter", "friction"]
    jitter_at = listener.seen[0][1]
    assert listener.shown("jitter", jitter_at) == jitter_at
    assert listener.shown("jitter", listener.seen[1][1] + 1) is None
    assert listener.shown("nesterov", 0.0) is None


def test_the_board_check_finds_runs_lost_wrong_or_never_told():
    from types import SimpleNamespace

    def entry(name, text):
        return SimpleNamespace(name=name, text=text)

    board = [entry("Ada", "sgd:lr=0.1"), entry("Alan", "adam:lr=0.3"),
             entry("Emmy", "momentum:lr=0.3,mu=0.9")]
    store = SimpleNamespace(read_board=lambda code: SimpleNamespace(entries=board))
    sent = [bench_rooms.Sent("Ada", "a", ["Sent: ..."], "sgd:lr=0.1", []),
            bench_rooms.Sent("Alan", "a", ["Sent: ..."], "adam:lr=0.1", []),  # not as told
            bench_rooms.Sent("Grace", "b", ["Sent: ..."], "sgd:lr=1", []),  # told, not kept
            bench_rooms.Sent("Kurt", None, [], None, ["TimeoutError: "])]
    rows = [{"name": "Ada", "run": "sgd:lr=0.1"}, {"name": "Alan", "run": "adam:lr=0.3"},
            {"name": "Emmy", "run": "sgd:lr=1"}]  # Emmy's: never told, not counted wrong
    found = bench_rooms.board_check(sent, store, "ACEFG", ["Class: 3 runs sent"], rows)
    assert (found["stored"], found["told"], found["rows"]) == (3, 3, 3)
    assert found["lost"] == ["Grace"] and found["wrong"] == ["Alan"]
    assert found["errors"] == ["Kurt: TimeoutError: ", "Kurt: not told it was sent"]
    said = "Sent: run 12 on the class's board (momentum:lr=0.3,mu=0.9)."
    assert bench_rooms.SENT.match(said).groups() == ("12", "momentum:lr=0.3,mu=0.9")
