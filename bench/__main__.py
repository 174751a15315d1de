"""Every benchmark in one command: each area's own table, then one table of ratios, and JSON.

    python -m bench                          # everything, about 5 minutes on 2 cores
    python -m bench --tiny                   # tiny sizes: the command runs; numbers mean nothing
    python -m bench --only engine figure     # some areas
    python -m bench --skip browser classroom
    python -m bench --json somewhere.json    # default: bench/results/latest.json

Areas, each measured by its module beside a baseline in the same process:

* ``engine`` (:mod:`bench.engine`): a batch of Adam runs against
  torch.optim.Adam (when torch is installed; skipped with a note otherwise)
  and against per-run loops (the engine's, and a plain NumPy loop);
* ``figure`` (:mod:`bench.figure`): the lecture scene's figure payload and
  build + send time against Plotly's one-frame-per-step animation;
* ``script`` (:mod:`bench.script`): a full script run after a slider move,
  the page against the same page drawing that animation, and against itself
  with its caches cleared (:mod:`bench.page`);
* ``phase`` (:mod:`bench.phase`): a 100 x 100 phase map in one batch against
  one run per cell;
* ``expression`` (:mod:`bench.expression`): typed formulas against SymPy's
  own pipeline, the library's surfaces, and the smallest build;
* ``panels`` (:mod:`bench.panels`): script runs with each analysis panel open
  against the page without one;
* ``dynamics`` (:mod:`bench.dynamics`): noise, a fan of seeds and schedules
  against the lecture scene without them;
* ``views`` (:mod:`bench.views`): script runs with the 3D or export panel
  open or in presenter mode against the page as it opens, the 3D chart's
  payload against the race chart's, the export files against building the
  race figure, and a 3D frame in Chromium against a race frame;
* ``browser`` (:mod:`bench.browser`): in headless Chromium, an lr slider
  move until the chart is redrawn (and the tab's main-thread and JavaScript
  time per move), and the first chart drawn (a second visitor's, and the
  first after the server started), against the bare page
  (:mod:`bench.bare_page`: one slider, one small chart; skipped with a note
  when Chromium is missing);
* ``classroom`` (:mod:`bench.classroom`): a brisk class of 40 visitors (each
  moving an lr slider 5 times, 1 to 3 s apart) on one server, through
  Streamlit's websocket protocol, against the same class on the bare page:
  move p50 and p95, server memory after the class and at its peak, errors;
* ``balancer`` (:mod:`bench.classroom` ``--balancer``): 60 such visitors
  through nginx in front of 2 replicas (``deploy/serve``) against the same 60
  on one plain server (skipped with a note when nginx is missing).

The last table has one row per figure: ours, the baseline beside it, and the
ratio in words ("12.0x faster": the baseline took 12 times as long). The
JSON holds every area's full results, the rows, the versions, the commit and
the load average before and after each area; it is rewritten after each area,
so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
AREAS = ("engine", "figure", "script", "phase", "expression", "panels", "dynamics", "views",
         "browser", "classroom", "balancer")
TINY_CLASS = ["--visitors", "2", "--moves", "1", "--think", "0", "0", "--baseline-moves", "1"]
ARGS = {  # each area's arguments: full, tiny
    "engine": ([], ["--runs", "200", "--steps", "20", "--reps", "2", "--sampled-runs", "2",
                    "--no-torch"]),
    "figure": ([], ["--steps", "12", "--reps", "1"]),
    "script": (["--runs", "6"], ["--runs", "1", "--steps", "12"]),
    "phase": ([], ["--size", "4", "--steps", "10", "--reps", "1", "--sampled-cells", "4"]),
    "expression": ([], ["--reps", "1", "--build", "ravine", "--batch", "10"]),
    "panels": ([], ["--runs", "1", "--steps", "12"]),
    "dynamics": ([], ["--runs", "1", "--reps", "1"]),
    "views": ([], ["--runs", "1", "--reps", "1", "--steps", "12", "--no-browser"]),
    "browser": (["--runs", "5", "--moves", "10"], ["--runs", "1", "--moves", "1"]),
    "classroom": (["--visitors", "40", "--against-bare"], [*TINY_CLASS, "--against-bare"]),
    "balancer": (["--visitors", "60", "--balancer"], [*TINY_CLASS, "--balancer"]),
}


def row(area: str, what: str, ours: float, baseline: float, against: str, unit: str) -> dict:
    """One figure: ours and the baseline's, in ``unit`` ("s", "bytes")."""
    return {"area": area, "what": what, "ours": ours, "baseline": baseline, "against": against,
            "unit": unit, "ratio": baseline / ours if ours else None}


# --- each area: run its module, return (full results, rows) ---

def engine(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import engine as bench_engine

    results = bench_engine.main(argv)
    ours = results["simulate (batched)"]
    rows = [row("engine", "Adam batch, CPU time", ours["seconds"], r["seconds"], name, "s")
            for name, r in results.items() if r is not ours]
    # simulate's system time is mostly the kernel handing out the pages it records into,
    # which torch's loops do not do: their user times side by side as well.
    return results, rows + [row("engine", "Adam batch, user CPU time", ours["user"], r["user"],
                                name, "s") for name, r in results.items() if "torch" in name]


def figure(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import figure as bench_figure

    results = bench_figure.main(argv)
    rows = []
    for steps, r in results.items():
        ours, naive = r["scene_figure (overlay)"], r["naive (frame per step)"]
        against = "Plotly's one frame per step"
        rows += [row("figure", f"payload, {steps} steps", ours["bytes"], naive["bytes"],
                     against, "bytes"),
                 row("figure", f"build + send, {steps} steps", ours["build"] + ours["send"],
                     naive["build"] + naive["send"], against, "s")]
    return {str(k): v for k, v in results.items()}, rows


def script(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import script as bench_script

    results = bench_script.main(argv)
    ours = results["page"]["seconds"]
    return results, [
        row("script", "script run after a slider move", ours,
            results["page, naive figure"]["seconds"], "the page with Plotly's frame per step",
            "s"),
        row("script", "script run after a slider move", ours,
            results["page, caches cleared"]["seconds"], "the page with its caches cleared", "s")]


def phase(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import phase as bench_phase

    results = bench_phase.main(argv)
    ours, base = results["phase_map (one batch)"], results["phase_map per cell"]
    return results, [row("phase", "phase map, CPU time", ours["seconds"], base["seconds"],
                         "one run per cell", "s")]


def expression(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import expression as bench_expression

    results = bench_expression.main(argv)
    rows = [row("expression", f"build {name}, CPU time", t["ours"], t["sympy"],
                "SymPy's sympify + diff + lambdify", "s")
            for name, t in results["build"].items()]
    rows += [row("expression", f"typed Rosenbrock, {name}", t["typed"], t["library"],
                 "the library's Rosenbrock", "s") for name, t in results["evaluate"].items()]
    slowest = max(results["refuse"], key=lambda name: results["refuse"][name]["refuse"])
    t = results["refuse"][slowest]
    rows.append(row("expression", f"slowest refusal ({slowest})", t["refuse"], t["build"],
                    "building x**2 + y**2", "s"))
    return results, rows


def panels(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import panels as bench_panels

    results = bench_panels.main(argv)
    page = results["moves"][None]
    rows = [row("panels", f"script run, {panel} panel open", results["moves"][panel], page,
                "the page with no panel", "s") for panel in bench_panels.PANELS]
    rows += [row("panels", f"phase map first drawn, {cells} x {cells}", t, page,
                 "a script run with no panel", "s") for cells, t in results["first_map"].items()]
    rows += [row("panels", f"{panel} chart payload", sizes[1], sizes[0], "the race chart",
                 "bytes") for panel, sizes in results["bytes"].items() if panel and len(sizes) > 1]
    return results, rows


def dynamics(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import dynamics as bench_dynamics

    results = bench_dynamics.main(argv)
    script, sizes, sims = results["script"], results["payload"], results["simulation"]
    noisy, plain = "with noise, fan 8, schedules", "lecture scene"
    against = "the lecture scene without them"
    return results, [
        row("dynamics", "script run, noise + fan 8 + schedules", script[noisy], script[plain],
            against, "s"),
        *(row("dynamics", f"payload, noise + fan 8 + schedules, {view}", sizes[f"{noisy}, {view}"],
              sizes[f"{plain}, {view}"], against, "bytes")
          for view in ("overlay (page)", "small multiples")),
        row("dynamics", "a run with its fan of 8, CPU time",
            sims["one run with a fan of 8 (one batch)"], sims["8 separate runs"],
            "8 separate runs", "s")]


def views(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import views as bench_views

    results = bench_views.main(argv)
    moves, sizes, built = results["script"], results["payload"], results["export"]
    rows = [row("views", f"script run, {name}", moves[name], moves["no panel"],
                "the page with no panel", "s") for name in ("3D panel open", "export panel open")]
    rows += [row("views", "script run, presenter mode", moves["presenter mode"],
                 moves["page (for presenter)"], "the page as it opens", "s"),
             row("views", "3D chart payload", sizes["3D chart"], sizes["race chart"],
                 "the race chart", "bytes")]
    rows += [row("views", f"export {name}, CPU time", built[name], built["race figure"],
                 "building the race figure", "s") for name in ("HTML with 3D", "CSV")]
    if "frames" in results:
        frames = results["frames"]
        rows.append(row("views", "3D frame shown in Chromium", frames["3D"]["median_ms"] / 1e3,
                        frames["race"]["median_ms"] / 1e3, "a frame of the race chart", "s"))
    return results, rows


def browser(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import browser as bench_browser

    results = bench_browser.main(argv)
    if "skipped" in results:
        return results, []
    page, bare = results["page"], results["bare page"]
    against = "the bare page (one slider, one small chart)"
    rows = [row("browser", "lr slider move -> chart redrawn (median)", page["move"],
                bare["move"], against, "s"),
            row("browser", "main-thread time per move, to settled", page["move_busy"],
                bare["move_busy"], against, "s"),
            row("browser", "JavaScript time per move, to settled", page["move_script"],
                bare["move_script"], against, "s")] if page["move"] is not None else []
    return results, rows + [
        row("browser", "first chart, a second visitor (warm, median)", page["later_visit"],
            bare["later_visit"], against, "s"),
        row("browser", "first chart, first visit after start", page["first_visit"],
            bare["first_visit"], against, "s")]


def classroom(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import classroom as bench_classroom

    results = bench_classroom.main(argv)["against_bare"]
    return results, _class_rows("classroom", results, "page", "bare page",
                                "the bare page, same class")


def balancer(argv: list[str]) -> tuple[dict, list[dict]]:
    from bench import classroom as bench_classroom

    results = bench_classroom.main(argv)["balancer"]
    if "skipped" in results:
        return results, []
    ours = next(name for name in results if name.startswith("balancer"))
    return results, _class_rows("balancer", results, ours, "one server",
                                "the same class on one plain server", memory=False)


def _class_rows(area: str, results: dict, ours: str, base: str, against: str, *,
                memory: bool = True) -> list[dict]:
    """Rows of a class on ``ours`` against the same class on ``base``."""
    o, b = results[ours], results[base]
    n, pace = o["visitors"], "-".join(f"{t:g}" for t in o["think"])
    rows = [row(area, f"{n} visitors, {pace} s apart: move {q}", o["moves"][q], b["moves"][q],
                against, "s") for q in ("p50", "p95") if o["moves"][q] and b["moves"][q]]
    if memory:
        rows += [row(area, f"server RSS {what}, {n} visitors", o["memory"][key],
                     b["memory"][key], against, "bytes")
                 for what, key in (("after the class", "after_class"), ("at its peak", "peak"))]
    return rows + [{"area": area, "what": f"errors, {n} visitors", "ours": o["errors"],
                    "baseline": b["errors"], "against": f"{against} (must be 0)",
                    "unit": "count", "ratio": None}]


# --- the table and the JSON ---

def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "bytes":
        return f"{value / 1e6:.2f} MB" if value >= 1e6 else f"{value / 1e3:.1f} KB"
    if unit == "s":
        return f"{value:.2f} s" if value >= 1 else f"{value * 1e3:.1f} ms"
    return f"{value:g}"


def in_words(r: dict) -> str:
    ratio = r["ratio"]
    if ratio is None:
        return ""
    better, worse = ("smaller", "larger") if r["unit"] == "bytes" else ("faster", "slower")
    return f"{ratio:.1f}x {better}" if ratio >= 1 else f"{1 / ratio:.1f}x {worse}"


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'area':<11}{'figure':<48}{'ours':>11}{'baseline':>11}  {'ratio':<16}against")
    for r in rows:
        print(f"{r['area']:<11}{r['what']:<48}{fmt(r['ours'], r['unit']):>11}"
              f"{fmt(r['baseline'], r['unit']):>11}  {in_words(r):<16}{r['against']}")
    print("ratio: the baseline's figure over ours (\"3.0x faster\": the baseline took 3 times "
          "as long); times are CPU time for engine, figure, phase and expression, wall-clock "
          "for the rest")


# Issue 11's figures: (area, the start of the row's "what", the goal in words, and the goal
# as the largest ours / baseline allowed, or for memory the largest ours in bytes).
GOALS = (
    ("browser", "lr slider move", "<= 2x the bare page (aim 1.5x)", ("ratio", 2.0)),
    ("browser", "first chart, a second visitor", "<= 1.5x the bare page", ("ratio", 1.5)),
    ("classroom", "40 visitors, 1-3 s apart: move p95", "<= 1.5x the bare page, same class",
     ("ratio", 1.5)),
    ("classroom", "server RSS after the class", "<= 350 MB", ("ours", 350e6)),
    ("balancer", "60 visitors, 1-3 s apart: move p95", "<= 0.75x one server",
     ("ratio", 0.75)),
    ("balancer", "errors", "none through the balancer", ("ours", 0)),
)


def print_goals(rows: list[dict]) -> None:
    """Issue 11's figures, each as ours / the baseline's (the goals are written that way)."""
    found = [(r, goal, check) for area, start, goal, check in GOALS for r in rows
             if r["area"] == area and r["what"].startswith(start)]
    if not found:
        return
    print(f"\n{'issue 11':<50}{'ours':>10}{'baseline':>10}{'ours/base':>10}  goal")
    for r, goal, (kind, limit) in found:
        share = r["ours"] / r["baseline"] if r["baseline"] else None
        value = share if kind == "ratio" else r["ours"]
        met = value is not None and value <= limit
        print(f"{r['area'] + ': ' + r['what']:<50.50}{fmt(r['ours'], r['unit']):>10}"
              f"{fmt(r['baseline'], r['unit']):>10}{fmt_share(share):>10}  {goal}: "
              f"{'met' if met else 'not met'}")


def fmt_share(share: float | None) -> str:
    return "-" if share is None else f"{share:.2f}x"


def versions() -> dict[str, str | None]:
    found = {}
    for name in ("numpy", "plotly", "streamlit", "sympy", "torch", "websockets", "playwright"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true",
                        help="tiny sizes, a few seconds an area: checks that everything runs")
    parser.add_argument("--only", nargs="+", choices=AREAS, default=list(AREAS))
    parser.add_argument("--skip", nargs="+", choices=AREAS, default=[])
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    runners: dict[str, Callable[[list[str]], tuple[dict, list[dict]]]] = {
        "engine": engine, "figure": figure, "script": script, "phase": phase,
        "expression": expression, "panels": panels, "dynamics": dynamics, "views": views,
        "browser": browser, "classroom": classroom, "balancer": balancer}
    report = {"meta": {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                       "commit": commit(), "tiny": args.tiny, "python": platform.python_version(),
                       "versions": versions(), "cpus": os.cpu_count(), "areas": {}},
              "rows": [], "results": {}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    for area in (a for a in AREAS if a in args.only and a not in args.skip):
        print(f"\n=== {area} ===")
        load_before, began = os.getloadavg()[0], time.perf_counter()
        results, rows = runners[area](ARGS[area][args.tiny])
        report["results"][area] = results
        report["rows"] += rows
        report["meta"]["areas"][area] = {"seconds": time.perf_counter() - began,
                                         "load_before": load_before,
                                         "load_after": os.getloadavg()[0]}
        args.json.write_text(json.dumps(report, indent=1, default=float))
    print_table(report["rows"])
    print_goals(report["rows"])
    print(f"\nwritten to {args.json}")
    return report


if __name__ == "__main__":
    main()
