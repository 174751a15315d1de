"""What holds the server's memory after a class: imports, caches, sessions, the allocator.

    python -m bench.memory                   # a brisk class of 40, on the page and the bare page
    python -m bench.memory --visitors 40 --trace

The server runs with a probe (``--serve``) that writes its memory to its log on SIGUSR1,
and on SIGUSR2 after ``malloc_trim(0)``; docs/serving.md ("Memory") reads the output.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.servers import BARE_PAGE, PROBED, Server, rss_bytes
from deploy.servers import APP, ROOT, server_flags

IMPORTS = ("streamlit", "numpy", "plotly.graph_objects", "pandas", "pyarrow", "sympy",
           "surfaces", "optimizers", "scenes", "plotting", "panels", "controls")
HEAVY = ("pandas", "pyarrow", "sympy", "plotly.express", "scipy", "PIL", "matplotlib")


def import_costs(modules=IMPORTS) -> dict[str, int]:
    """RSS of a fresh Python after importing each of ``modules`` in turn (cumulative)."""
    code = ("import importlib, json, sys\n"
            "def rss():\n    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmRSS:'): return int(line.split()[1]) * 1024\n"
            "out = {'python': rss()}\n"
            "for name in sys.argv[1:]:\n    importlib.import_module(name); out[name] = rss()\n"
            "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _package(filename: str) -> str:
    """The package a traced allocation belongs to, from its file name."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    try:
        return Path(filename).resolve().relative_to(ROOT).parts[0].removesuffix(".py")
    except ValueError:
        return "python" if "lib/python" in filename else "other"


def _probe(signum, frame) -> None:
    """In the server: its memory as seen from inside, one line of its log."""
    import tracemalloc

    if signum == signal.SIGUSR2:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    record = {"rss": rss_bytes(os.getpid()), "trimmed": signum == signal.SIGUSR2,
              "heavy_modules": [m for m in HEAVY if m in sys.modules]}
    if tracemalloc.is_tracing():
        by_package: dict[str, int] = {}
        for stat in tracemalloc.take_snapshot().statistics("filename"):
            name = _package(stat.traceback[0].filename)
            by_package[name] = by_package.get(name, 0) + stat.size
        record["traced"] = dict(sorted(by_package.items(), key=lambda kv: -kv[1]))
        record["traced_total"] = tracemalloc.get_traced_memory()[0]
    print(PROBED + json.dumps(record), file=sys.stderr, flush=True)


def serve(script: str, *flags: str) -> None:
    """``--serve SCRIPT streamlit-flags...``: the probe, then Streamlit's command line."""
    signal.signal(signal.SIGUSR1, _probe)
    signal.signal(signal.SIGUSR2, _probe)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", "run", script, *flags]
    streamlit_main()


def probed(trace: bool = False):
    """How :class:`bench.servers.Server` starts a server with the probe (and tracemalloc)."""
    def launch(port: int, script: Path) -> subprocess.Popen:
        python = [sys.executable, *(["-X", "tracemalloc=1"] if trace else [])]
        return subprocess.Popen([*python, "-m", "bench.memory", "--serve", str(script),
                                 *server_flags(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    return launch


def probe(server: Server, trim: bool = False, timeout: float = 120) -> dict:
    """The server's own record of its memory now (``trim``: after malloc_trim)."""
    before = len(server.log.probes)
    server.process.send_signal(signal.SIGUSR2 if trim else signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while len(server.log.probes) == before:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not answer the memory probe")
        time.sleep(0.05)
    return server.log.probes[-1]


def metrics(url: str) -> dict[str, float]:
    """Streamlit's ``/_stcore/metrics``: ``{"family{labels}": value}``."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=60) as response:
        text = response.read().decode()
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", text, re.M)}


def measure(script: Path, visitors: int, *, trace: bool) -> dict:
    from bench.classroom import BRISK, crowd
    from harness.st_client import run_coroutine

    with Server(script, probed(trace)) as server:
        points = {"idle": probe(server)}
        run_coroutine(crowd(server.url, 1, moves=3, think=(0.2, 0.2), seed=7919))
        points["one visitor"] = probe(server)
        run_coroutine(crowd(server.url, visitors, moves=5, think=BRISK))
        points[f"after {visitors} visitors"] = probe(server)
        found = metrics(server.url)
        points["after malloc_trim"] = probe(server, trim=True)
    return {"points": points, "metrics": found}


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve(*argv[1:]) or {}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc in the server (slower; its own bookkeeping adds RSS)")
    args = parser.parse_args(argv)
    results: dict = {"imports": import_costs()}
    print("1. imports, RSS of a fresh Python after each (cumulative, in this order)")
    last = 0
    for name, rss in results["imports"].items():
        print(f"  {name:<24}{rss / 1e6:7.1f} MB  (+{(rss - last) / 1e6:.1f} MB)")
        last = rss
    for name, script in (("page", APP), ("bare page", BARE_PAGE)):
        r = results[name] = measure(script, args.visitors, trace=args.trace)
        print(f"2. the server of the {name}, from inside, brisk class of {args.visitors}")
        for point, record in r["points"].items():
            traced = (f", traced by Python {record['traced_total'] / 1e6:.1f} MB"
                      if "traced_total" in record else "")
            print(f"  {point:<24}RSS {record['rss'] / 1e6:7.1f} MB{traced}; loaded: "
                  f"{', '.join(record['heavy_modules']) or '-'}")
        traced = r["points"][f"after {args.visitors} visitors"].get("traced", {})
        if traced:
            print("  traced after the class, by package: " + ", ".join(
                f"{k} {v / 1e6:.1f} MB" for k, v in list(traced.items())[:8]))
        print(f"3. Streamlit's /_stcore/metrics after the class ({name})")
        for key, value in r["metrics"].items():
            if value and ("bytes" in key or "session" in key):
                print(f"  {key:<90}{value:>14,.0f}")
    return results


if __name__ == "__main__":
    main()
