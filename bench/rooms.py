"""A hall following the lecturer: followers' idle cost, how soon a change reaches them, and
the class's runs sent to the board.

    python -m bench.rooms --followers 200                 # deploy/serve's nginx, 2 replicas
    python -m bench.rooms --followers 200 --store redis   # a Redis server started for it

On fresh servers (nginx in front of ``--replicas`` replicas, one SQLite store in a
temporary folder, or a Redis server started for the run), two halls one after the other:

1. ``--followers`` plain visitors (the lecture's link, no room), each page opened and
   then left alone for ``--idle`` seconds: the replicas' CPU over that time;
2. as many followers (the room's link ``/?room=CODE``), left alone as long: the
   replicas' CPU, then the lecturer changing the lecture step every ``--every``
   seconds, ``--changes`` times (through the store's ``write_scene``, as the lecturer's
   page does): the lag from each write to each follower's page showing the new step
   (the address the server sends, ``lecture=<step>``), p50 and p95; the changes a
   follower skipped (still behind when the next came, its page went straight to that
   one); and errors (a follower that never showed the last step, an exception, a
   traceback in a replica's log);
3. ``--students`` students (as many as followers unless given), their starts spread
   evenly over ``--within`` seconds, each opening the room's link, opening **Send my
   run** and sending their first run with a name of their own: then the store's board
   and the lecturer's Class panel (the lecturer link's page) are read back. Every run a
   student was told was sent must be stored, as the student's page said it, and in the
   lecturer's table: the runs lost or wrong, and errors, must be none.

Each visitor is a websocket client (:class:`harness.st_client.Visitor`) that keeps
reading what the server sends, and that does what a browser does with a fragment's
``run_every`` (``auto_rerun``): asks for that fragment's run at that interval. The
visitors run in this process, so the replicas' CPU (``bench.servers.cpu_seconds``) is the
servers' alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import ConnectionClosed

import rooms
from bench.classroom import first_page, quantiles
from bench.rows import Row, print_rows
from bench.servers import Log, cpu_seconds, rss_bytes
from harness.page import LECTURE_LINK
from harness.st_client import (
    Run,
    Visitor,
    press,
    read,
    rerun_message,
    run_coroutine,
    texts_of,
)
from scenes.lecture import LECTURE

STEPS = [step.key for step in LECTURE]
LONE_EVERY = 3.0  # seconds between the lone follower's two changes (at most --every)
OPENING = 8  # pages opened at once while a hall arrives (a hall does not arrive at once)
ENV_KEYS = ("DESCENT_LAB_STORE", "DESCENT_LAB_DATA")


class Listener:
    """One visitor's open page: its first run, then everything the server sends, read
    as the browser does (a fragment's ``auto_rerun`` asked for at its interval).

    ``auto=False``: a client that never asks for a run after the first (no timers), so
    every later run is one the server started. ``runs``: runs finished since the page
    opened (its own first excluded);
    ``asked``: fragment runs this client asked for (``auto_rerun``); ``seen``: each
    lecture step the address came to show, with when (``time.perf_counter``);
    ``errors``: what went wrong."""

    def __init__(self, url: str, query: str, *, timeout: float = 120.0,
                 auto: bool = True) -> None:
        self.url, self.query, self.timeout, self.auto = url, query, timeout, auto
        self.changed = asyncio.Event()  # set whenever the address shows another step
        self.ran = asyncio.Event()  # set whenever a run finishes
        self.runs = self.asked = 0
        self.bytes = 0
        self.seen: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.replica: str | None = None
        self._stack = contextlib.AsyncExitStack()
        self._tasks: list[asyncio.Task] = []
        self._timers: dict[str, asyncio.Task] = {}  # fragment id -> its auto_rerun timer
        self._run = Run()
        self._t0 = 0.0

    async def open(self) -> None:
        """Open the page (its first run, to its end), then keep reading in the background."""
        cookie = await asyncio.to_thread(first_page, self.url, self.timeout)
        self.visitor = await self._stack.enter_async_context(
            Visitor(self.url, self.query, timeout=self.timeout, cookie=cookie))
        self.replica = self.visitor.upgrade_headers.get("X-Upstream")
        self._opened = asyncio.Event()
        self._tasks.append(asyncio.create_task(self._listen()))
        msg = rerun_message(self.query, url=f"{self.url}/?{self.query}")
        await self.visitor.socket.send(msg.SerializeToString())
        async with asyncio.timeout(self.timeout):
            await self._opened.wait()
        self.runs = 0

    def _note(self, query_string: str) -> None:
        step = parse_qs(query_string).get("lecture", [None])[0]
        if step is not None and (not self.seen or self.seen[-1][0] != step):
            self.seen.append((step, time.perf_counter()))
            self.changed.set()

    def shown(self, step: str, since: float) -> float | None:
        """When the page first showed ``step`` at ``since`` or later, or None."""
        return next((at for shown, at in self.seen if shown == step and at >= since), None)

    async def _listen(self) -> None:
        try:
            while True:
                data = await self.visitor.socket.recv()
                self.bytes += len(data)
                msg = ForwardMsg.FromString(data)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.visitor.page_script_hash = msg.new_session.page_script_hash
                elif kind == "page_info_changed":
                    self.visitor.query_string = msg.page_info_changed.query_string
                    self._note(msg.page_info_changed.query_string)
                elif kind == "auto_rerun" and self.auto:  # a timer per fragment, as a browser
                    fragment = msg.auto_rerun.fragment_id
                    if fragment in self._timers:
                        self._timers[fragment].cancel()
                    self._timers[fragment] = asyncio.create_task(
                        self._auto(fragment, msg.auto_rerun.interval))
                elif kind == "stop_auto_rerun":
                    for fragment in msg.stop_auto_rerun.fragment_ids:
                        if fragment in self._timers:
                            self._timers.pop(fragment).cancel()
                read(msg, self._run, self.visitor.cache, self.visitor.chart_type, self._t0)
                if self._run.finished_at is not None:
                    self.runs += 1
                    self.errors += self._run.errors
                    self._run = Run()
                    self._opened.set()
                    self.ran.set()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a closed socket, a broken message
            self.errors.append(f"listening: {type(error).__name__}: {error}")

    async def _auto(self, fragment_id: str, interval: float) -> None:
        """What the browser does with ``auto_rerun``: that fragment's run, every interval."""
        while True:
            await asyncio.sleep(interval)
            msg = rerun_message(self.visitor.query_string, self.visitor.widgets,
                                page_script_hash=self.visitor.page_script_hash,
                                cached_hashes=self.visitor.cache.hashes(),
                                url=f"{self.url}/?{self.visitor.query_string}",
                                fragment_id=fragment_id)
            msg.rerun_script.is_auto_rerun = True
            self.asked += 1
            try:
                await self.visitor.socket.send(msg.SerializeToString())
            except ConnectionClosed:
                return  # the listener says why

    async def close(self) -> None:
        tasks = [*self._tasks, *self._timers.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._stack.aclose()


async def arrive(url: str, query: str, count: int, *, auto: bool = True) -> list[Listener]:
    """``count`` pages of ``url/?query`` opened, :data:`OPENING` at a time."""
    listeners = [Listener(url, query, auto=auto) for _ in range(count)]
    gate = asyncio.Semaphore(OPENING)

    async def one(listener: Listener) -> None:
        async with gate:
            try:
                await listener.open()
            except Exception as error:
                listener.errors.append(f"opening: {type(error).__name__}: {error}")

    await asyncio.gather(*(one(listener) for listener in listeners))
    return listeners


def cpu_of(pids: Sequence[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


async def idle(listeners: list[Listener], pids: Sequence[int], seconds: float) -> dict:
    """The replicas' CPU while ``listeners`` sit on their pages for ``seconds``."""
    await asyncio.sleep(min(1.0, seconds))  # the last pages' own messages settle
    runs = sum(listener.runs for listener in listeners)
    cpu, start = cpu_of(pids), time.perf_counter()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - start
    return {"cores": (cpu_of(pids) - cpu) / wall, "seconds": wall,
            "runs": sum(listener.runs for listener in listeners) - runs}


async def lecture(listeners: list[Listener], store, code: str, secret: str, *,
                  changes: int, every: float, first: int = 1) -> dict:
    """The lecturer changes the step ``changes`` times, ``every`` seconds apart (the
    lecture's steps from number ``first`` on): each follower's lag to each change, and
    the changes a follower never showed."""
    written: list[tuple[str, float]] = []
    for i in range(changes):
        step = STEPS[(first + i) % len(STEPS)]
        written.append((step, time.perf_counter()))  # the lag counts the write too
        await asyncio.to_thread(store.write_scene, code, secret, f"lecture={step}")
        await asyncio.sleep(every)
    lags, missed = [], 0
    for listener in listeners:
        for step, at in written:
            shown = listener.shown(step, at)
            if shown is None:  # still behind at the next change: it went straight there
                missed += 1
            else:
                lags.append(shown - at)
    last = written[-1][0] if written else None
    behind = sum(1 for listener in listeners
                 if last is not None and listener.shown(last, written[-1][1]) is None)
    return {"lag": quantiles(lags), "lags": len(lags), "missed": missed, "behind": behind}


async def shown(listener: Listener, step: str, since: float) -> None:
    """Until ``listener``'s page shows ``step`` (at ``since`` or later)."""
    while listener.shown(step, since) is None:
        listener.changed.clear()
        await listener.changed.wait()


async def finished(listener: Listener, runs: int) -> None:
    """Until ``listener``'s page has finished ``runs`` runs since it opened."""
    while listener.runs < runs:
        listener.ran.clear()
        await listener.ran.wait()


async def changes_awaited(listeners: list[Listener], store, code: str, secret: str,
                          steps: Sequence[str], *, timeout: float = 60.0) -> list[str]:
    """The lecturer shows each of ``steps`` in turn, the next once every follower shows
    it and has finished the run that brought it (or after ``timeout`` seconds): the
    steps some follower never showed."""
    missed = []
    for step in steps:
        since, before = time.perf_counter(), [listener.runs for listener in listeners]
        await asyncio.to_thread(store.write_scene, code, secret, f"lecture={step}")
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*(shown(listener, step, since) for listener in listeners))
                await asyncio.gather(*(finished(listener, runs + 1)
                                       for listener, runs in zip(listeners, before, strict=True)))
        except TimeoutError:
            missed.append(step)
    return missed


SENT = re.compile(r"Sent: run (\d+) on the class's board \((.*)\)\.$")


@dataclass
class Sent:
    """One student's "Send my run": the name, the replica, what the page said, and the
    run as the page said it went on the board (None: it did not say so)."""

    name: str
    replica: str | None
    said: list[str]
    text: str | None
    errors: list[str]


async def send_run(url: str, code: str, name: str, *, cookie: str | None = None,
                   timeout: float = 120.0) -> Sent:
    """A student opens the room's link, opens **Send my run** and sends their first run
    with ``name``, over the websocket as a browser does."""
    if cookie is None:
        cookie = await asyncio.to_thread(first_page, url, timeout)
    async with Visitor(url, f"room={code}", cookie=cookie, timeout=timeout) as student:
        first = await student.run()
        errors = list(first.errors)
        if not any("Following the lecturer" in t for t in texts_of(first)):
            errors.append("the page does not follow the room")
        menu = await press(student, None, {}, opened=first.widget("room_send_menu").id)
        run = await press(student, menu.widget("room_send").id,
                          {menu.widget("room_send_name").id: name})
        said = [t for t in texts_of(run) if t.startswith("Sent")]
        found = SENT.match(said[0]) if said else None
        return Sent(name, student.upgrade_headers.get("X-Upstream"), said,
                    found.group(2) if found else None, errors + menu.errors + run.errors)


async def class_sends(url: str, code: str, names: Sequence[str], *, within: float = 0.0,
                      cookie: str | None = None) -> list[Sent]:
    """Each of ``names`` sends a run (:func:`send_run`), the starts spread evenly over
    ``within`` seconds, at most :data:`OPENING` pages opening at a time."""
    gate = asyncio.Semaphore(OPENING)

    async def one(i: int, name: str) -> Sent:
        await asyncio.sleep(within * i / max(len(names), 1))
        async with gate:
            try:
                return await send_run(url, code, name, cookie=cookie)
            except Exception as error:  # a closed socket, a page that never finished
                return Sent(name, None, [], None, [f"{type(error).__name__}: {error}"])

    return list(await asyncio.gather(*(one(i, n) for i, n in enumerate(names))))


async def lecturer_board(url: str, code: str, secret: str, *,
                         cookie: str | None = None) -> tuple[str | None, list[str], list[dict]]:
    """The lecturer's page opened with the lecturer link: (replica, the Class panel's
    heading, its table's rows)."""
    import pyarrow as pa

    async with Visitor(url, f"room={code}&lecturer={secret}", cookie=cookie) as lecturer:
        run = await lecturer.run()
        if run.errors:
            raise RuntimeError(f"the lecturer's page: {run.errors}")
        heading = [t for t in texts_of(run) if t.startswith("Class:")]
        tables = [e.table.arrow_data.data for _, e in run.elements
                  if e.WhichOneof("type") == "table"]
        rows = [row for data in tables
                for row in pa.ipc.open_stream(data).read_all().to_pylist()]
        return lecturer.upgrade_headers.get("X-Upstream"), heading, rows


def board_check(sent: Sequence[Sent], store, code: str, heading: list[str],
                rows: list[dict]) -> dict:
    """What became of the class's runs: how many the store holds, those lost (a student
    was told it was sent, the store lacks it), those wrong (the store or the lecturer's
    table holds another run or name than the student's page said), and errors."""
    entries = {e.name: e.text for e in store.read_board(code).entries}
    told = {s.name: s.text for s in sent if s.text is not None}
    table = {r["name"]: r["run"] for r in rows}
    return {"stored": len(entries), "told": len(told),
            "lost": sorted(set(told) - set(entries)),
            "wrong": sorted(n for n, text in told.items()
                            if n in entries and (entries[n] != text or table.get(n) != text)),
            "heading": heading, "rows": len(rows),
            "errors": [f"{s.name}: {e}" for s in sent for e in s.errors]
                      + [f"{s.name}: not told it was sent" for s in sent if s.text is None]}


def hall(url: str, pids: Sequence[int], store, *, followers: int, idle_seconds: float,
         changes: int, every: float, students: int = 0, within: float = 60.0) -> dict:
    """The two halls of the module's docstring, on servers already running, then the
    class's ``students`` sending their runs within ``within`` seconds."""
    opened = store.open_room()
    code, secret = opened.code, opened.secret
    store.write_scene(code, secret, f"lecture={STEPS[0]}")

    async def both() -> dict:
        plain = await arrive(url, LECTURE_LINK, followers)
        quiet = await idle(plain, pids, idle_seconds)
        plain_errors = [e for listener in plain for e in listener.errors]
        await asyncio.gather(*(listener.close() for listener in plain))
        await asyncio.sleep(min(2.0, idle_seconds))  # the closed sessions' clean-up
        lone = await arrive(url, f"room={code}", 1)
        alone = await lecture(lone, store, code, secret, changes=2,
                              every=min(LONE_EVERY, every))
        await asyncio.gather(*(listener.close() for listener in lone))
        rss_before = sum(rss_bytes(pid) for pid in pids)  # the replicas without the hall
        hall = await arrive(url, f"room={code}", followers)
        following = await idle(hall, pids, idle_seconds)
        asked = sum(listener.asked for listener in hall)
        cpu = cpu_of(pids)
        changed = await lecture(hall, store, code, secret, changes=changes, every=every,
                                first=3)
        per_run = (cpu_of(pids) - cpu) / max(changes * followers, 1)
        follower_errors = [e for listener in hall for e in listener.errors]
        rss = sum(rss_bytes(pid) for pid in pids)
        received = sum(listener.bytes for listener in hall)
        await asyncio.gather(*(listener.close() for listener in hall))
        start = time.perf_counter()
        sent = await class_sends(url, code, [f"Student {i + 1}" for i in range(students)],
                                 within=within)
        sending = time.perf_counter() - start
        _, heading, rows = await lecturer_board(url, code, secret)
        board = board_check(sent, store, code, heading, rows)
        return {"plain": quiet, "following": following, "asked": asked, **changed,
                "alone": alone["lag"], "cpu_per_follower_change": per_run,
                "errors": plain_errors + follower_errors, "rss": rss,
                "rss_per_follower": (rss - rss_before) / max(followers, 1),
                "bytes_per_change": received / max(changes, 1) / max(followers, 1),
                "per_replica": sorted({listener.replica for listener in hall} - {None}),
                "students": students, "within": within, "sending": sending,
                "board": board}

    return run_coroutine(both())


@contextlib.contextmanager
def servers(replicas: int, store_url: str | None):
    """nginx and ``replicas`` fresh replicas on a store of their own: (url, the
    replicas' pids, the store, the replicas' logs)."""
    from deploy.balancer import Balancer

    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="descent-rooms-"))
        env = {"DESCENT_LAB_DATA": folder, "DESCENT_LAB_STORE": store_url or ""}
        saved = {k: os.environ.get(k) for k in ENV_KEYS}
        os.environ.update(env)  # the replicas' environment (they inherit this process's)
        try:
            front = stack.enter_context(Balancer(replicas, stderr=subprocess.PIPE))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        processes = list(front.replicas.values())
        logs = [Log(p) for p in processes]
        store = stack.enter_context(rooms.open_store({**os.environ, **env}))
        yield front.url, [p.pid for p in processes], store, logs


@contextlib.contextmanager
def redis_server():
    """Debian's ``redis-server`` on a free localhost port for the run, keeping nothing on
    disk: its URL."""
    import redis

    from deploy.servers import free_port, stop

    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no redis-server: apt-get install -y redis-server")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    with tempfile.TemporaryDirectory(prefix="descent-redis-") as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            client = redis.Redis.from_url(url)
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.1)
            client.close()
            yield url
        finally:
            stop(process)


def measure(followers: int, *, replicas: int = 2, store_url: str | None = None,
            idle_seconds: float = 60.0, changes: int = 6, every: float = 10.0,
            students: int | None = None, within: float = 60.0) -> dict:
    with servers(replicas, store_url) as (url, pids, store, logs):
        found = hall(url, pids, store, followers=followers, idle_seconds=idle_seconds,
                     changes=changes, every=every,
                     students=followers if students is None else students, within=within)
        tracebacks = sum(log.tracebacks for log in logs)
        found["errors"] += [line for log in logs for line in log.lines
                            if log.tracebacks][-10:]
    found["tracebacks"] = tracebacks
    found["followers"], found["replicas"] = followers, replicas
    return found


def report(name: str, r: dict) -> list[Row]:
    def s(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f} s"

    print(f"{name}: {r['followers']} on {r['replicas']} replicas: idle CPU "
          f"{r['following']['cores']:.1%} of a core ({r['following']['runs']} runs, "
          f"{r['asked']} asked), plain visitors "
          f"{r['plain']['cores']:.1%} ({r['plain']['runs']} runs); lag p50 "
          f"{s(r['lag']['p50'])}, p95 {s(r['lag']['p95'])} over {r['lags']} arrivals, "
          f"{r['missed']} skipped, {r['behind']} never showed the last; server CPU "
          f"{r['cpu_per_follower_change'] * 1e3:.0f} ms and "
          f"{r['bytes_per_change'] / 1e3:.0f} kB per follower per change; "
          f"RSS {r['rss'] / 1e6:.0f} MB ({r['rss_per_follower'] / 1e3:.0f} kB per follower); "
          f"errors {len(r['errors'])}")
    b = r["board"]
    print(f"{name}: {r['students']} students send a run within {r['within']:.0f} s (it took "
          f"{r['sending']:.1f} s): {b['stored']} stored, {b['told']} told it was sent, "
          f"{len(b['lost'])} lost, {len(b['wrong'])} wrong on the board, lecturer's panel "
          f"{b['heading']} with {b['rows']} rows; errors {len(b['errors'])}")
    for error in (r["errors"] + b["errors"])[:5]:
        print(f"  error: {error}")
    prefix = f"{r['followers']} followers, {name}:"
    plain = f"{r['followers']} plain visitors, same servers"
    lone = "one follower alone, same servers"
    # The goal, at most 10% of a core: 6 s of CPU per idle minute.
    return [Row(f"{prefix} server CPU per idle minute", 60 * r["following"]["cores"],
                60 * r["plain"]["cores"], "s", plain, limit=6.0),
            *(Row(f"{prefix} lag to a change, {q}", r["lag"][q], r["alone"][q], "s", lone,
                  limit=2.0 if q == "p95" else None) for q in ("p50", "p95")
              if r["lag"][q] is not None and r["alone"][q] is not None),
            Row(f"{prefix} changes a follower skipped", r["missed"], 0, "count", "-"),
            Row(f"{prefix} errors", len(r["errors"]) + r["behind"], 0, "count", "-",
                limit=0),
            *class_rows(name, r)]


def class_rows(name: str, r: dict) -> list[Row]:
    """The class's runs: all stored (against the students), none lost or wrong."""
    b = r["board"]
    prefix = f"{r['students']} students send within {r['within']:.0f} s, {name}:"
    return [Row(f"{prefix} runs stored", b["stored"], r["students"], "count",
                "the students who sent one"),
            Row(f"{prefix} runs lost or wrong, errors",
                len(b["lost"]) + len(b["wrong"]) + len(b["errors"]), 0, "count", "-",
                limit=0)]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of each idle hall")
    parser.add_argument("--changes", type=int, default=6, help="the lecturer's changes")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between changes")
    parser.add_argument("--students", type=int, default=None,
                        help="students who send a run (default: as many as followers)")
    parser.add_argument("--within", type=float, default=60.0,
                        help="seconds over which the students' sends are spread")
    parser.add_argument("--store", default="sqlite",
                        help="sqlite (a file in a temporary folder), redis (a redis-server "
                             "started for the run) or a redis:// URL")
    args = parser.parse_args(argv)
    from deploy.balancer import INSTALL, find_nginx

    if find_nginx() is None:
        print(f"rooms: skipped, no nginx ({INSTALL})")
        return []
    with contextlib.ExitStack() as stack:
        store_url = {"sqlite": None}.get(args.store, args.store)
        if args.store == "redis":
            store_url = stack.enter_context(redis_server())
        found = measure(args.followers, replicas=args.replicas, store_url=store_url,
                        idle_seconds=args.idle, changes=args.changes, every=args.every,
                        students=args.students, within=args.within)
    return report(args.store.split(":")[0], found)


if __name__ == "__main__":
    print_rows(main(), legend=True)
