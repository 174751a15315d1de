"""A classroom under load: many visitors on the real server, each moving a slider.

    python -m bench.classroom --visitors 40              # a class of 40 on one server
    python -m bench.classroom --visitors 40 --replicas 2 # two servers, visitors split
    python -m bench.classroom --against-bare             # 40 brisk, then on the bare page
    python -m bench.classroom --balancer                 # 60 brisk through nginx, then one server

Each class starts fresh ``streamlit run app.py`` servers on localhost (cold
caches, as when a lecture starts) and drives them through Streamlit's own
websocket protocol (:mod:`harness.st_client`), not a browser:

1. the baseline, on the first server: a first visitor opens the lecture's
   link (the default scene, six runs on the ravine) on the cold server and
   leaves; then one visitor alone opens it and moves the first run's lr
   slider 10 times (``--baseline-moves``), 0.2 s apart;
2. the class: ``--visitors`` visitors open the same link at the same moment
   (the worst case of "everyone open the link now"), then each moves the same
   slider ``--moves`` times to values near the lecture's 1.8 (1 to 3, drawn
   with a seed per visitor, so some charts are shared and some not), waiting
   a think time after each chart arrives: uniform in ``--think LOW HIGH``,
   2 to 8 s by default (a student looks at the new chart, perhaps presses
   Play, then tries another value; ``--think 1 3`` is a brisker class). With
   ``--replicas K``, visitor ``v`` stays on server ``v % K``, as behind a load
   balancer with sticky sessions.

A move's response time runs from sending the rerun to the arrival of the
message carrying the updated Plotly chart (or, for a chart the visitor still
has cached, the reference to it). Opening time runs from the websocket
connect to the first chart. Errors are client exceptions, dropped
connections, timeouts, exception or ``st.error`` elements, runs that did not
finish successfully, and tracebacks in the servers' logs; they must be zero.
Memory is the resident set (RSS, from ``/proc``) of the servers and their
children, sampled every 0.1 s: idle, after the lone visitor (its ratio's
baseline is that server's RSS times the number of replicas), and the peak
during the class. Server CPU time (from ``/proc``) per completed run shows
what a move costs; runs/s is what the class got through.

Every figure is printed with its ratio to the lone visitor measured just
before, and the load average before the class (the machine is shared).
``--against-bare`` runs the same class (same visitors, same seeds) on the bare
page (:mod:`bench.bare_page`) after the page, ``--balancer`` through nginx in
front of ``--replicas`` replicas (``deploy/serve``) and then on one plain
server: each returns the rows of the first beside the second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import threading
import time
import urllib.request
from collections import Counter, deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from websockets.exceptions import ConnectionClosed

from bench.browser import BARE_PAGE
from bench.rows import Row, print_rows
from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy
from harness.page import CONTROL, LECTURE_LINK
from harness.processes import process_tree
from harness.st_client import Visitor, run_coroutine

BRISK = (1.0, 3.0)  # seconds between a chart and the next move in a brisk class
NEAR = 3  # a move picks one of the NEAR options on either side of the lecture's value
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the server and what it uses, from /proc ---

def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its children (0 for a process that is gone)."""
    total = 0
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children so far."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


class Log:
    """A server's stderr, drained in a thread (an unread pipe would fill and stall the
    server), its last lines kept and its tracebacks counted."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: deque[str] = deque(maxlen=2000)
        self.tracebacks = 0
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()

    def _drain(self, process: subprocess.Popen) -> None:
        for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            self.tracebacks += line.startswith("Traceback")


class Server:
    """``streamlit run app.py`` (or ``script``) on a free port, its log drained."""

    def __init__(self, script: Path = APP) -> None:
        self.script = script

    def __enter__(self) -> Server:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen = start_streamlit(port, self.script)
        self.log = Log(self.process)
        try:
            wait_until_healthy(self.url, self.process)
        except BaseException:
            stop(self.process)
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)


class Memory:
    """The peak of the summed RSS of some process trees, sampled in a thread."""

    def __init__(self, pids: Sequence[int], every: float = 0.1) -> None:
        self.pids, self.every = list(pids), every
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> int:
        return sum(rss_bytes(pid) for pid in self.pids)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


# --- visitors ---

def move_values(options: Sequence[str], current: str, moves: int, seed: int) -> list[str]:
    """``moves`` slider values near ``current``, each different from the one before."""
    rng = random.Random(seed)
    i = options.index(current)
    near = options[max(0, i - NEAR): i + NEAR + 1]
    values, last = [], current
    for _ in range(moves):
        last = rng.choice([o for o in near if o != last])
        values.append(last)
    return values


def first_page(url: str, timeout: float) -> str | None:
    """GET the page's HTML as a browser's first request does; the sticky cookie a
    balancer set (``deploy.balancer.COOKIE=...``), or None (a plain server sets none)."""
    from deploy.balancer import COOKIE

    with urllib.request.urlopen(f"{url}/?{LECTURE_LINK}", timeout=timeout) as response:
        response.read()
        cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie", [])]
    return next((c for c in cookies if c.startswith(f"{COOKIE}=")), None)


async def visit(url: str, *, moves: int, think: tuple[float, float], seed: int,
                timeout: float = 120.0) -> dict:
    """One visitor: fetch the page, open the lecture's link, move the lr slider ``moves`` times.

    Returns ``{"open": seconds to the first chart or None, "moves": [seconds
    to each updated chart], "errors": [...], "bytes": received, "replica": the
    X-Upstream a balancer named, or None}``.
    """
    rng = random.Random(seed)
    result = {"open": None, "moves": [], "errors": [], "bytes": 0, "replica": None}
    try:
        cookie = await asyncio.to_thread(first_page, url, timeout)
        t0 = time.perf_counter()
        async with Visitor(url, LECTURE_LINK, timeout=timeout, cookie=cookie) as visitor:
            connected = time.perf_counter() - t0
            result["replica"] = visitor.upgrade_headers.get("X-Upstream")
            first = await visitor.run()
            result["bytes"] += first.bytes_received
            result["errors"] += first.errors
            if first.chart_at is None:
                result["errors"].append("no chart on opening the page")
                return result
            result["open"] = connected + first.chart_at
            slider = first.widget(CONTROL)
            if slider is None:
                result["errors"].append(f"no widget with key {CONTROL!r} on the page")
                return result
            # raw_value: a select slider's value as its formatted option, when the script
            # set it (the page does, through session state); else its default's index.
            options = list(slider.options)
            current = slider.raw_value[0] if slider.raw_value else options[int(slider.default[0])]
            for value in move_values(options, current, moves, seed):
                await asyncio.sleep(rng.uniform(*think))
                run = await visitor.run({slider.id: [value]})
                result["bytes"] += run.bytes_received
                result["errors"] += run.errors
                if run.chart_at is None:
                    result["errors"].append(f"no updated chart after moving {CONTROL} to {value}")
                else:
                    result["moves"].append(run.chart_at)
    except ConnectionClosed as error:
        result["errors"].append(f"disconnected: {error}")
    except TimeoutError:
        result["errors"].append(f"no answer within {timeout:.0f} s")
    except OSError as error:
        result["errors"].append(f"connection failed: {error}")
    return result


async def crowd(urls: Sequence[str], visitors: int, *, moves: int,
                think: tuple[float, float], seed: int = 0) -> list[dict]:
    """``visitors`` visitors arriving together, visitor ``v`` on ``urls[v % len(urls)]``
    (a load balancer with sticky sessions); each one's result from :func:`visit`."""
    return await asyncio.gather(*(
        visit(urls[v % len(urls)], moves=moves, think=think, seed=seed * 100_003 + v)
        for v in range(visitors)))


def quantiles(times: Sequence[float]) -> dict[str, float | None]:
    if not times:
        return {"p50": None, "p95": None, "max": None}
    p50, p95 = np.percentile(times, [50, 95])
    return {"p50": float(p50), "p95": float(p95), "max": float(max(times))}


def summarize(results: list[dict]) -> dict:
    moves = [t for r in results for t in r["moves"]]
    opens = [r["open"] for r in results if r["open"] is not None]
    errors = [e for r in results for e in r["errors"]]
    spread = Counter(r["replica"] for r in results if r["replica"])
    return {"visitors": len(results), "moves": quantiles(moves), "open": quantiles(opens),
            "runs": len(moves) + len(opens), "errors": len(errors), "error_examples": errors[:5],
            "bytes_per_visitor": float(np.mean([r["bytes"] for r in results])),
            "per_replica": dict(sorted(spread.items()))}


# --- one class: fresh servers, the lone visitor, then the class ---

def level(visitors: int, *, moves: int = 5, think: tuple[float, float] = (2.0, 8.0),
          replicas: int = 1, baseline_moves: int = 10, seed: int = 0,
          script: Path = APP, balancer: bool = False) -> dict:
    """Measure one class size on ``replicas`` fresh servers of ``script``; see the module
    docstring. With ``balancer``, the replicas stand behind nginx (``deploy/serve``'s
    :class:`deploy.balancer.Balancer`) and every visitor goes through it.

    The baseline (a cold first visit, then one visitor alone making
    ``baseline_moves`` moves 0.2 s apart) runs before the class arrives, on
    the first server or through the balancer; every ratio is the class's figure
    over the lone visitor's.
    """
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        if balancer:
            from deploy.balancer import Balancer

            front = stack.enter_context(Balancer(replicas, script=script,
                                                 stderr=subprocess.PIPE))
            urls, logs = [front.url], [Log(process) for process in front.replicas.values()]
            pids = [process.pid for process in front.replicas.values()]
            servers_pids = [*pids, front.proxy.pid]
        else:
            servers = [stack.enter_context(Server(script)) for _ in range(replicas)]
            urls, logs = [server.url for server in servers], [server.log for server in servers]
            pids = servers_pids = [server.process.pid for server in servers]
        idle = sum(rss_bytes(pid) for pid in servers_pids)
        cold = run_coroutine(crowd(urls[:1], 1, moves=0, think=(0, 0), seed=seed + 7907))
        lone = run_coroutine(crowd(urls[:1], 1, moves=baseline_moves, think=(0.2, 0.2),
                                   seed=seed + 7919))
        after_lone = max(rss_bytes(pid) for pid in pids)  # the replica the lone visitor used
        cpu_before = sum(map(cpu_seconds, pids))
        start = time.perf_counter()
        with Memory(servers_pids) as memory:
            results = run_coroutine(crowd(urls, visitors, moves=moves, think=think, seed=seed))
        wall = time.perf_counter() - start
        server_cpu = sum(map(cpu_seconds, pids)) - cpu_before
        after_class = sum(rss_bytes(pid) for pid in servers_pids)
        tracebacks = sum(log.tracebacks for log in logs)
    out = summarize(results)
    out["script"] = script.name
    out["replicas"] = replicas
    out["balancer"] = balancer
    out["think"] = list(think)
    out["baseline"] = summarize(lone)
    out["cold_open"] = cold[0]["open"]
    out["errors"] += out["baseline"]["errors"] + len(cold[0]["errors"]) + tracebacks
    out["error_examples"] += cold[0]["errors"][:5] + out["baseline"]["error_examples"]
    out["server_tracebacks"] = tracebacks
    if tracebacks:
        out["error_examples"] += [line for log in logs for line in log.lines][-20:]
    base = out["baseline"]["moves"]
    out["moves"] |= {f"ratio_{q}": out["moves"][q] / base[q] if out["moves"][q] and base[q]
                     else None for q in ("p50", "p95")}
    # The memory baseline: every replica as the lone visitor left its server.
    out["memory"] = {"idle": idle, "one_visitor": after_lone, "peak": memory.peak,
                     "after_class": after_class,
                     "ratio_peak": memory.peak / (after_lone * replicas)}
    out["cpu"] = {"server_cores": server_cpu / wall,
                  "server_per_run": server_cpu / max(out["runs"], 1)}
    out["runs_per_second"] = out["runs"] / wall
    out["load_before"] = load_before
    return out


def _s(x: float | None) -> str:
    return f"{x:6.2f}" if x is not None else "     -"


def _x(x: float | None) -> str:
    return f"{x:5.1f}x" if x is not None else "     -"


def print_header() -> None:
    print(f"{'visitors':>8} {'move p50':>8} {'p95':>6} {'vs alone':>13} {'open p50':>9} "
          f"{'p95':>6} {'errors':>6} {'peak RSS':>9} {'vs 1':>6} {'runs/s':>7} "
          f"{'server CPU':>14}  load")


def print_level(r: dict) -> None:
    m, o, mem, cpu = r["moves"], r["open"], r["memory"], r["cpu"]
    print(f"{r['visitors']:>8} {_s(m['p50'])}s {_s(m['p95'])}s {_x(m['ratio_p50'])}/"
          f"{_x(m['ratio_p95'])} {_s(o['p50'])}s {_s(o['p95'])}s {r['errors']:>6} "
          f"{mem['peak'] / 2**20:>6.0f} MB {mem['ratio_peak']:>5.2f}x "
          f"{r['runs_per_second']:>7.1f} {cpu['server_per_run'] * 1e3:>4.0f} ms/run "
          f"{cpu['server_cores']:.2f}  {r['load_before']:.1f}")
    b = r["baseline"]
    print(f"{'(alone)':>8} {_s(b['moves']['p50'])}s {_s(b['moves']['p95'])}s {'':>13} "
          f"{_s(b['open']['p50'])}s {'':>7} {b['errors']:>6} "
          f"{mem['one_visitor'] / 2**20:>6.0f} MB   (first visit, cold: "
          f"{_s(r['cold_open']).strip()} s)")
    if len(r["per_replica"]) > 1:
        print(f"{'':>8} visitors per replica: " + ", ".join(
            f"{n} on {replica}" for replica, n in r["per_replica"].items()))
    for example in r["error_examples"]:
        print(f"         error: {example}")


def compare(contenders: dict[str, dict], visitors: int, *, p95_goal: float,
            memory_limit: float | None = None, **kwargs) -> tuple[dict, list[Row]]:
    """The same class (same visitors, same seeds) on each contender's fresh servers, one
    after the other: ``{name: level}``, and the rows of the first (ours) beside the
    second (the baseline): moves' p50 and p95 (``p95_goal``: the largest ratio allowed),
    errors, and with ``memory_limit`` the servers' RSS after the class and at its peak."""
    levels = {}
    for name, setup in contenders.items():
        levels[name] = level(visitors, **kwargs, **setup)
        print(f"--- {name}")
        print_level(levels[name])
    (ours_name, ours), (base_name, base) = levels.items()
    pace = "-".join(f"{t:g}" for t in ours["think"])
    prefix, against = f"{visitors} visitors, {pace} s apart:", f"{base_name}, same class"
    rows = [Row(f"{prefix} move {q}", ours["moves"][q], base["moves"][q], "s", against,
                goal=p95_goal if q == "p95" else None)
            for q in ("p50", "p95") if ours["moves"][q] and base["moves"][q]]
    if memory_limit is not None:
        rows += [Row(f"{prefix} server RSS {what}", ours["memory"][key], base["memory"][key],
                     "bytes", against, limit=memory_limit if key == "after_class" else None)
                 for what, key in (("after the class", "after_class"), ("at its peak", "peak"))]
    rows.append(Row(f"{prefix} server CPU per script run", ours["cpu"]["server_per_run"],
                    base["cpu"]["server_per_run"], "s", against))
    rows.append(Row(f"{prefix} errors", ours["errors"], base["errors"], "count", against,
                    limit=0))
    return levels, rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, help="the class size: 40, or 60 with "
                        "--balancer")
    parser.add_argument("--moves", type=int, default=5, help="slider moves per visitor")
    parser.add_argument("--think", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="seconds between a chart and the next move: 2 8, or 1 3 (brisk) "
                        "with --against-bare or --balancer")
    parser.add_argument("--replicas", type=int,
                        help="servers, visitors spread over them (sticky, round robin); "
                        "behind nginx with --balancer (default 2 there, else 1)")
    parser.add_argument("--against-bare", action="store_true",
                        help="the class on the page, then the same class on the bare page")
    parser.add_argument("--balancer", action="store_true",
                        help="the class on one plain server, then the same class through "
                        "nginx in front of --replicas replicas (deploy/serve)")
    parser.add_argument("--baseline-moves", type=int, default=10,
                        help="moves of the lone visitor measured before each class")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    comparing = args.against_bare or args.balancer
    visitors = args.visitors or (60 if args.balancer else 40)
    think = tuple(args.think or (BRISK if comparing else (2.0, 8.0)))
    replicas = args.replicas or (2 if args.balancer else 1)
    common = {"moves": args.moves, "think": think, "baseline_moves": args.baseline_moves,
              "seed": args.seed}
    where = (f"through nginx to {replicas} replicas, against one plain server" if args.balancer
             else f"on {replicas} server(s)")
    print(f"Classroom: each visitor opens the lecture's link and moves {CONTROL} {args.moves} "
          f"times, {think[0]:g}-{think[1]:g} s apart, {where}; move = rerun sent -> updated "
          "chart received; vs alone = over one visitor alone on a fresh server; "
          f"{os.cpu_count()} cores; load = 1-min load average before the class")
    print_header()
    rows: list[Row] = []
    if args.against_bare:
        rows += compare({"page": {"replicas": replicas},
                         "bare page": {"replicas": replicas, "script": BARE_PAGE}},
                        visitors, p95_goal=1.5, memory_limit=350e6, **common)[1]
    if args.balancer:
        from deploy.balancer import INSTALL, find_nginx

        if find_nginx() is None:
            print(f"balancer: skipped, no nginx ({INSTALL})")
        else:
            rows += compare({f"nginx, {replicas} replicas": {"replicas": replicas,
                                                             "balancer": True},
                             "one server": {"replicas": 1}}, visitors, p95_goal=0.75,
                            **common)[1]
    if not comparing:
        print_level(level(visitors, replicas=replicas, **common))
    return rows


if __name__ == "__main__":
    print_rows(main(), legend=True)
