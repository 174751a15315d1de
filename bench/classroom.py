"""A class on the real server: many visitors at once, each moving the lr slider.

    python -m bench.classroom --visitors 40   # one class of 40, 2 to 8 s apart, on one server
    python -m bench.classroom --against-bare  # 40 brisk visitors; the page with 2; the bare page
    python -m bench.classroom --balancer      # 60 brisk through nginx to 2 replicas; one server

Fresh servers for each class, driven through Streamlit's websocket protocol
(:mod:`harness.st_client`); docs/benchmarks.md and docs/serving.md say what is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from websockets.exceptions import ConnectionClosed

from bench.rows import Row, print_rows
from bench.servers import BARE_PAGE, Log, Server, cpu_seconds, rss_bytes
from deploy.servers import APP
from harness.page import CONTROL, LECTURE_LINK
from harness.st_client import Visitor, run_coroutine

BRISK = (1.0, 3.0)  # seconds between a chart and the next move in a brisk class
NEAR = 3  # a move picks one of the NEAR options on either side of the lecture's value


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
    """One visitor: fetch the page, open the lecture's link, move the lr slider ``moves``
    times. ``{"open": seconds to the first chart or None, "moves": [seconds to each
    updated chart], "errors": [...], "replica": the X-Upstream a balancer named}``."""
    rng = random.Random(seed)
    result = {"open": None, "moves": [], "errors": [], "replica": None}
    try:
        cookie = await asyncio.to_thread(first_page, url, timeout)
        t0 = time.perf_counter()
        async with Visitor(url, LECTURE_LINK, timeout=timeout, cookie=cookie) as visitor:
            connected = time.perf_counter() - t0
            result["replica"] = visitor.upgrade_headers.get("X-Upstream")
            first = await visitor.run()
            result["errors"] += first.errors
            slider = first.widget(CONTROL)
            if first.chart_at is None or slider is None:
                result["errors"].append(f"no chart or no {CONTROL!r} on opening the page")
                return result
            result["open"] = connected + first.chart_at
            # raw_value: a select slider's value as its formatted option, when the script
            # set it (the page does, through session state); else its default's index.
            options = list(slider.options)
            current = slider.raw_value[0] if slider.raw_value else options[int(slider.default[0])]
            for value in move_values(options, current, moves, seed):
                await asyncio.sleep(rng.uniform(*think))
                run = await visitor.run({slider.id: [value]})
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


async def crowd(url: str, visitors: int, *, moves: int, think: tuple[float, float],
                seed: int = 0) -> list[dict]:
    """``visitors`` visitors arriving together; each one's result from :func:`visit`."""
    return await asyncio.gather(*(visit(url, moves=moves, think=think, seed=seed * 100_003 + v)
                                  for v in range(visitors)))


def quantiles(times: Sequence[float]) -> dict[str, float | None]:
    if not times:
        return {"p50": None, "p95": None}
    p50, p95 = np.percentile(times, [50, 95])
    return {"p50": float(p50), "p95": float(p95)}


def level(visitors: int, *, moves: int = 5, think: tuple[float, float] = (2.0, 8.0),
          script: Path = APP, replicas: int = 0) -> dict:
    """One class of ``visitors`` on a fresh server of ``script``, or with ``replicas``
    through nginx to that many fresh replicas (``deploy/serve``'s Balancer)."""
    load = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        if replicas:
            from deploy.balancer import Balancer

            front = stack.enter_context(Balancer(replicas, script=script,
                                                 stderr=subprocess.PIPE))
            url, servers = front.url, list(front.replicas.values())
            logs, everything = [Log(p) for p in servers], [*servers, front.proxy]
        else:
            server = stack.enter_context(Server(script))
            url, servers, logs = server.url, [server.process], [server.log]
            everything = servers
        pids, all_pids = [p.pid for p in servers], [p.pid for p in everything]
        cpu, start = sum(map(cpu_seconds, pids)), time.perf_counter()
        results = run_coroutine(crowd(url, visitors, moves=moves, think=think))
        wall = time.perf_counter() - start
        cpu = sum(map(cpu_seconds, pids)) - cpu
        rss = sum(map(rss_bytes, all_pids))
        peak = sum(rss_bytes(pid, "VmHWM") for pid in all_pids)
        tracebacks = sum(log.tracebacks for log in logs)
        log_tail = [line for log in logs for line in log.lines][-20:] if tracebacks else []
    errors = [e for r in results for e in r["errors"]]
    moved = [t for r in results for t in r["moves"]]
    opened = [r["open"] for r in results if r["open"] is not None]
    runs = len(moved) + len(opened)
    return {"visitors": visitors, "think": think, "move": quantiles(moved),
            "open": quantiles(opened), "errors": len(errors) + tracebacks,
            "error_examples": errors[:5] + log_tail,
            "rss": rss, "peak": peak, "cpu_per_run": cpu / max(runs, 1),
            "cores": cpu / wall, "runs_per_second": runs / wall, "load": load,
            "per_replica": Counter(r["replica"] for r in results if r["replica"])}


def print_level(name: str, r: dict) -> None:
    def s(q: dict, key: str) -> str:
        return f"{q[key]:.2f} s" if q[key] is not None else "-"

    m, o = r["move"], r["open"]
    print(f"{name}: {r['visitors']} visitors, {r['think'][0]:g}-{r['think'][1]:g} s apart: move "
          f"p50 {s(m, 'p50')}, p95 {s(m, 'p95')}; open p50 {s(o, 'p50')}, p95 {s(o, 'p95')}; "
          f"errors {r['errors']}; RSS {r['rss'] / 1e6:.0f} MB after, {r['peak'] / 1e6:.0f} MB "
          f"at peak; CPU {r['cpu_per_run'] * 1e3:.0f} ms/run, {r['cores']:.2f} cores, "
          f"{r['runs_per_second']:.1f} runs/s; load before {r['load']:.1f}")
    if len(r["per_replica"]) > 1:
        print("  visitors per replica: " + ", ".join(
            f"{n} on {replica}" for replica, n in sorted(r["per_replica"].items())))
    for example in r["error_examples"]:
        print(f"  error: {example}")


def classes(*setups: tuple[str, dict], **common) -> list[dict]:
    """A fresh class for each ``(name, level's arguments over common)``, one after the
    other, each printed."""
    levels = []
    for name, setup in setups:
        levels.append(level(**{**common, **setup}))
        print_level(name, levels[-1])
    return levels


def against_bare(visitors: int, pair_moves: int, **common) -> list[Row]:
    """The class on the page, two visitors on the page (making ``pair_moves`` moves each:
    the p95 the class is held to) and the class on the bare page, at the same pace."""
    page, pair, bare = classes(("page", {"visitors": visitors}),
                               ("page", {"visitors": 2, "moves": pair_moves}),
                               ("bare page", {"visitors": visitors, "script": BARE_PAGE}),
                               **common)
    prefix = f"{visitors} visitors, {'-'.join(f'{t:g}' for t in page['think'])} s apart:"
    same = "bare page, same class"
    return [Row(f"{prefix} move p95", page["move"]["p95"], pair["move"]["p95"], "s",
                "the page, 2 visitors, same pace", goal=1.5),
            *(Row(f"{prefix} move {q}", page["move"][q], bare["move"][q], "s", same)
              for q in ("p50", "p95")),
            Row(f"{prefix} server RSS after the class", page["rss"], bare["rss"], "bytes", same,
                limit=250e6),
            Row(f"{prefix} server RSS at its peak", page["peak"], bare["peak"], "bytes", same),
            Row(f"{prefix} server CPU per script run", page["cpu_per_run"],
                bare["cpu_per_run"], "s", same),
            Row(f"{prefix} errors", page["errors"] + pair["errors"], bare["errors"], "count",
                same, limit=0)]


def through_nginx(visitors: int, replicas: int, **common) -> list[Row]:
    """The class through nginx to ``replicas`` replicas, then on one plain server."""
    spread, one = classes((f"nginx, {replicas} replicas", {"replicas": replicas}),
                          ("one server", {}), visitors=visitors, **common)
    prefix, against = f"{visitors} visitors, through nginx:", "one server, same class"
    return [Row(f"{prefix} move p50", spread["move"]["p50"], one["move"]["p50"], "s", against),
            Row(f"{prefix} move p95", spread["move"]["p95"], one["move"]["p95"], "s", against,
                goal=0.75),
            Row(f"{prefix} server CPU per script run", spread["cpu_per_run"],
                one["cpu_per_run"], "s", against),
            Row(f"{prefix} errors", spread["errors"], one["errors"], "count", against, limit=0)]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, help="the class: 40, or 60 with --balancer")
    parser.add_argument("--moves", type=int, default=5, help="slider moves per visitor")
    parser.add_argument("--think", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="seconds between a chart and the next move: 2 8, else 1 3 (brisk)")
    parser.add_argument("--against-bare", action="store_true")
    parser.add_argument("--balancer", action="store_true")
    parser.add_argument("--replicas", type=int, default=2, help="with --balancer")
    parser.add_argument("--baseline-moves", type=int, default=10,
                        help="moves of each of the 2 visitors of --against-bare")
    args = parser.parse_args(argv)
    comparing = args.against_bare or args.balancer
    common = {"moves": args.moves,
              "think": tuple(args.think or (BRISK if comparing else (2.0, 8.0)))}
    rows: list[Row] = []
    if args.against_bare:
        rows += against_bare(args.visitors or 40, args.baseline_moves, **common)
    if args.balancer:
        from deploy.balancer import INSTALL, find_nginx

        if find_nginx() is None:
            print(f"balancer: skipped, no nginx ({INSTALL})")
        else:
            rows += through_nginx(args.visitors or 60, args.replicas, **common)
    if not comparing:
        classes(("page", {"visitors": args.visitors or 40}), **common)
    return rows


if __name__ == "__main__":
    print_rows(main(), legend=True)
