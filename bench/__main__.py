"""Every benchmark in one command: each area's figures beside their baselines, and JSON.

    python -m bench                          # every area, about 13 minutes on 2 cores
    python -m bench --tiny                   # tiny sizes: every area runs; numbers mean nothing
    python -m bench --only engine figure     # some areas (or --skip browser classroom)

docs/benchmarks.md says what each area measures. The JSON is rewritten after each area.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import subprocess
import time
from pathlib import Path

from bench.rows import RATIO, Row, print_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
TINY_CLASS = ["--visitors", "2", "--moves", "1", "--think", "0", "0", "--baseline-moves", "2"]
# area: (its module, its arguments in a full run, in a tiny one), in the order they run
AREAS = {
    "engine": ("bench.engine", [], ["--runs", "200", "--steps", "20", "--reps", "2",
                                    "--sampled-runs", "2", "--no-torch"]),
    "figure": ("bench.figure", [], ["--steps", "12", "--reps", "1"]),
    "page": ("bench.page", [], ["--runs", "1", "--steps", "12"]),
    "phase": ("bench.phase", [], ["--size", "4", "--steps", "10", "--reps", "1",
                                  "--sampled-cells", "4"]),
    "expression": ("bench.expression", [], ["--reps", "1", "--build", "ravine", "--batch", "10"]),
    "browser": ("bench.browser", [], ["--runs", "1", "--moves", "1", "--steps", "12"]),
    "classroom": ("bench.classroom", ["--against-bare"], [*TINY_CLASS, "--against-bare"]),
    "balancer": ("bench.classroom", ["--balancer"], [*TINY_CLASS, "--balancer",
                                                      "--replicas", "1"]),
    "rooms": ("bench.rooms", [], ["--followers", "2", "--idle", "0.1", "--changes", "1",
                                  "--every", "0.1", "--replicas", "1", "--within", "0.1"]),
}


def engine_rows(results: dict[str, dict]) -> list[Row]:
    """``bench.engine``'s own results as rows: the batched ``simulate`` beside each other
    contender, by CPU time, and beside torch's loops by user time alone too (simulate's
    system time is mostly the kernel handing out the pages it records into, which
    torch's loops do not do)."""
    ours = results["simulate (batched)"]
    rows = [Row("Adam batch, CPU time", ours["seconds"], r["seconds"], "s", name)
            for name, r in results.items() if r is not ours]
    return rows + [Row("Adam batch, user CPU time", ours["user"], r["user"], "s", name)
                   for name, r in results.items() if "torch" in name]


def run_area(area: str, tiny: bool) -> list[Row]:
    module, full, small = AREAS[area]
    found = importlib.import_module(module).main(small if tiny else full)
    return engine_rows(found) if isinstance(found, dict) else found


def versions() -> dict[str, str | None]:
    found = {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()}
    return {name: found.get(name) for name in ("numpy", "plotly", "streamlit", "sympy", "torch",
                                               "websockets", "playwright")}


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true",
                        help="tiny sizes, a few seconds an area: checks that everything runs")
    parser.add_argument("--only", nargs="+", choices=AREAS, default=list(AREAS), metavar="AREA",
                        help=f"the areas to run, of: {', '.join(AREAS)}")
    parser.add_argument("--skip", nargs="+", choices=AREAS, default=[], metavar="AREA",
                        help="the areas not to run")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    report = {"meta": {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                       "commit": commit(), "tiny": args.tiny, "python": platform.python_version(),
                       "versions": versions(), "cpus": os.cpu_count(), "areas": {}},
              "rows": []}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    print(f"ratio: {RATIO}")
    rows: list[Row] = []
    for area in (a for a in AREAS if a in args.only and a not in args.skip):
        print(f"\n=== {area} ===")
        load_before, began = os.getloadavg()[0], time.perf_counter()
        found = run_area(area, args.tiny)
        print_rows(found)
        rows += found
        report["rows"] += [{"area": area, **dataclasses.asdict(r), "ratio": r.ratio}
                           for r in found]
        report["meta"]["areas"][area] = {"seconds": time.perf_counter() - began,
                                         "load_before": load_before,
                                         "load_after": os.getloadavg()[0]}
        args.json.write_text(json.dumps(report, indent=1))
    goals = [r for r in rows if r.met is not None]
    if goals:
        print("\n=== goals ===")
        print_rows(goals)
    print(f"\nwritten to {args.json}")
    return report


if __name__ == "__main__":
    main()
