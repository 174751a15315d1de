"""What holds the server's memory under a class: imports, caches, sessions, the allocator.

    python -m bench.memory                   # a brisk class of 40 on the page
    python -m bench.memory --visitors 40 --trace

Four views of one question, each printed with the server's resident memory
(RSS, from ``/proc``) beside it:

1. imports: a fresh Python importing, in turn, what the server imports
   (Streamlit, NumPy, Plotly, pandas, SymPy, then the app's packages), the
   RSS after each;
2. the server, ``streamlit run app.py`` started through this module
   (``--serve``, which installs a probe and then runs Streamlit's own
   command line) so that on SIGUSR1 it writes down, from inside: its RSS,
   the bytes Python's allocators trace when ``--trace`` is given (tracemalloc,
   grouped by package), and its RSS again after ``malloc_trim(0)`` (glibc
   handing freed memory back: what the allocator kept, not what is in use).
   Probed idle, after one visitor, and after a brisk class of ``--visitors``
   (:func:`bench.classroom.crowd`), the trim only at the very end;
3. Streamlit's own accounting, ``/_stcore/metrics``: the bytes of each
   ``st.cache_data``/``st.cache_resource`` cache, of session state, and the
   sessions it holds (a disconnected session is kept
   ``server.disconnectedSessionTTL`` seconds, 120 by default);
4. the same class on the bare page (:mod:`bench.bare_page`) for scale.

Streamlit 1.67 keeps no forward-message cache on the server (the browser
caches large messages; the server only hashes them), so none is listed.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from deploy.servers import APP, ROOT, free_port, server_flags, stop, wait_until_healthy

IMPORTS = ("streamlit", "numpy", "plotly.graph_objects", "pandas", "pyarrow", "sympy",
           "surfaces", "optimizers", "scenes", "plotting", "panels", "controls")
HEAVY = ("pandas", "pyarrow", "sympy", "plotly.express", "scipy", "PIL", "matplotlib")


# --- 1. imports ---

def import_costs(modules=IMPORTS) -> dict[str, int]:
    """RSS of a fresh Python after importing each of ``modules`` in turn (cumulative)."""
    code = ("import importlib, json, sys\n"
            "def rss():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmRSS:'): return int(line.split()[1]) * 1024\n"
            "out = {'python': rss()}\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name); out[name] = rss()\n"
            "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- 2. the probe inside the server ---

def _rss_self() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _package(filename: str) -> str:
    """The package a traced allocation belongs to, from its file name."""
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    try:
        return path.resolve().relative_to(ROOT).parts[0].removesuffix(".py")
    except ValueError:
        return "python" if "lib/python" in filename else "other"


def _probe(out: Path):
    """The SIGUSR1 handler: append the server's memory, as seen from inside, to ``out``."""
    import tracemalloc

    def handler(signum, frame) -> None:
        record = {"rss": _rss_self(), "time": time.time(),
                  "heavy_modules": [m for m in HEAVY if m in sys.modules]}
        if tracemalloc.is_tracing():
            by_package: dict[str, int] = {}
            for stat in tracemalloc.take_snapshot().statistics("filename"):
                name = _package(stat.traceback[0].filename)
                by_package[name] = by_package.get(name, 0) + stat.size
            record["traced"] = dict(sorted(by_package.items(), key=lambda kv: -kv[1]))
            record["traced_total"] = tracemalloc.get_traced_memory()[0]
        if out.with_suffix(".trim").exists():
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            record["rss_after_trim"] = _rss_self()
        with out.open("a") as f:
            f.write(json.dumps(record) + "\n")

    return handler


def serve(argv: list[str]) -> None:
    """``--serve OUT SCRIPT streamlit-args...``: the probe, then Streamlit's command line."""
    out, script, *rest = argv
    signal.signal(signal.SIGUSR1, _probe(Path(out)))
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", "run", script, *rest]
    streamlit_main()


class ProbedServer:
    """``streamlit run SCRIPT`` through :func:`serve`, probed on demand."""

    def __init__(self, script: Path = APP, trace: bool = False) -> None:
        self.script, self.trace = script, trace

    def __enter__(self) -> ProbedServer:
        self.folder = Path(tempfile.mkdtemp(prefix="descent-memory-"))
        self.out = self.folder / "probe.jsonl"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        python = [sys.executable] + (["-X", "tracemalloc=1"] if self.trace else [])
        self.process = subprocess.Popen(
            [*python, "-m", "bench.memory", "--serve", str(self.out), str(self.script),
             *server_flags(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_until_healthy(self.url, self.process, timeout=120)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    def probe(self, trim: bool = False) -> dict:
        """The server's own record of its memory now (``trim``: then malloc_trim and RSS)."""
        if trim:
            self.out.with_suffix(".trim").touch()
        before = self.out.read_text().count("\n") if self.out.exists() else 0
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines = self.out.read_text().splitlines() if self.out.exists() else []
            if len(lines) > before:
                return json.loads(lines[-1])
            time.sleep(0.1)
        raise RuntimeError("the server did not answer the memory probe")

    def metrics(self) -> dict[str, float]:
        """Streamlit's ``/_stcore/metrics``: ``{"family{labels}": value}``."""
        with urllib.request.urlopen(f"{self.url}/_stcore/metrics", timeout=60) as response:
            text = response.read().decode()
        return {m.group(1): float(m.group(2)) for m in
                re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", text, re.M)}


# --- 3. the class ---

def measure(script: Path, visitors: int, *, trace: bool, moves: int = 5) -> dict:
    from bench.classroom import BRISK, crowd
    from harness.st_client import run_coroutine

    with ProbedServer(script, trace) as server:
        points = {"idle": server.probe()}
        run_coroutine(crowd([server.url], 1, moves=3, think=(0.2, 0.2), seed=7919))
        points["one visitor"] = server.probe()
        run_coroutine(crowd([server.url], visitors, moves=moves, think=BRISK, seed=0))
        points[f"after {visitors} visitors"] = server.probe()
        metrics = server.metrics()
        points["trimmed"] = server.probe(trim=True)
    return {"points": points, "metrics": metrics}


def _mb(n: float) -> str:
    return f"{n / 1e6:7.1f} MB"


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(argv[1:])
        return {}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc in the server (slower; its own bookkeeping adds RSS)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from bench.browser import BARE_PAGE

    results: dict = {"imports": import_costs()}
    print("1. imports, RSS of a fresh Python after each (cumulative, in this order)")
    last = 0
    for name, rss in results["imports"].items():
        print(f"  {name:<24}{_mb(rss)}  (+{(rss - last) / 1e6:.1f} MB)")
        last = rss
    for name, script in (("page", APP), ("bare page", BARE_PAGE)):
        r = results[name] = measure(script, args.visitors, trace=args.trace, moves=args.moves)
        print(f"2. the server of the {name}: RSS from inside, brisk class of {args.visitors}")
        for point, record in r["points"].items():
            extra = (f", after malloc_trim {_mb(record['rss_after_trim'])}"
                     if "rss_after_trim" in record else "")
            traced = (f", traced by Python {_mb(record['traced_total'])}"
                      if "traced_total" in record else "")
            print(f"  {point:<24}RSS {_mb(record['rss'])}{traced}{extra}; loaded: "
                  f"{', '.join(record['heavy_modules']) or '-'}")
        last_traced = r["points"][f"after {args.visitors} visitors"].get("traced", {})
        if last_traced:
            print("  traced after the class, by package: " + ", ".join(
                f"{k} {v / 1e6:.1f} MB" for k, v in list(last_traced.items())[:8]))
        print(f"3. Streamlit's /_stcore/metrics after the class ({name})")
        for key, value in r["metrics"].items():
            if value and ("bytes" in key or "session" in key):
                print(f"  {key:<90}{value:>14,.0f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
