"""The 3D view, export and presenter mode: what each costs, beside a baseline in the same run.

    python -m bench.views                    # lecture scene, 10 repetitions, Chromium too
    python -m bench.views --runs 3 --no-browser

On the lecture scene (six runs on the ravine, 300 steps); the machine is shared
and noisy, so every figure is measured beside its baseline in the same process,
interleaved:

* script run after a slider move (the first run's lr, back and forth), through
  AppTest, caches warm: the 3D panel open, the export panel open and presenter
  mode, each against the page as it opens (budget: 120 ms for the whole run);
* payload: the 3D chart and the presenter race chart against the race chart;
* building the export files (made only when their button is clicked): the
  HTML (with and without the 3D view) and the CSV, against building the race
  figure itself; CPU time;
* in headless Chromium (``--no-browser`` skips it): the time to show one frame,
  jumping through every frame of the 3D figure (``redraw: true``) and of the
  race figure (``redraw: false``), each loaded on its own with plotly.js inline,
  the two interleaved. A 3D frame is redrawn whole; this is what caps its
  frames (:data:`plotting.surface3d.MAX_FRAMES_3D`).
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

from bench.page import chart_bytes, open_page, script_runs
from bench.panels import panel_chart_bytes, slider_moves
from bench.timing import medians

STEPS = 300
FRAME_JUMPS = """async (redraw) => {
    const gd = document.querySelector('.js-plotly-plot');
    const names = gd._transitionData._frames.map(f => f.name);
    const times = [];
    for (const name of names) {
        const start = performance.now();
        await Plotly.animate(gd, [name], {mode: 'immediate', frame: {duration: 0, redraw},
                                          transition: {duration: 0}});
        await new Promise(done => requestAnimationFrame(() => done()));
        times.push(performance.now() - start);
    }
    return times;
}"""


def page_state(steps: int):
    """The lecture scene with ``steps`` steps, as the page computes it (uncached)."""
    from panels import PageState
    from scenes import DEFAULT_SCENE

    return PageState.of(replace(DEFAULT_SCENE, steps=steps))


def script(runs: int, steps: int) -> dict[str, float]:
    """Median seconds per script run: no panel (before and after), each view open."""
    base = slider_moves(None, runs, steps)
    moves = {panel: statistics.median(slider_moves(panel, runs, steps))
             for panel in ("view3d", "export")}
    base += slider_moves(None, runs, steps)
    link = {"steps": str(steps)}
    normal, presenter = [], []
    for _ in range(2):
        normal += script_runs(max(1, runs // 2), cached=True, link=link)
        presenter += script_runs(max(1, runs // 2), cached=True, link={**link, "present": "1"})
    return {"no panel": statistics.median(base), "3D panel open": moves["view3d"],
            "export panel open": moves["export"], "page (for presenter)":
            statistics.median(normal), "presenter mode": statistics.median(presenter)}


def payloads(steps: int) -> dict[str, int]:
    race, view3d = panel_chart_bytes("view3d", steps)
    presenter = chart_bytes(open_page({"steps": str(steps), "present": "1"}))[0]
    return {"race chart": race, "3D chart": view3d, "race chart, presenter": presenter}


def exports(reps: int, steps: int) -> dict[str, float | int]:
    from panels.export import GRID_N, html_file
    from plotting import scene_figure
    from plotting.export import trajectories_csv

    page = page_state(steps)
    html = html_file(page, with_3d=True)
    csv = trajectories_csv(page.scene, page.runs)
    times = medians({
        "race figure": lambda: scene_figure(page.surface, page.traces,
                                            grid=page.surface.grid(GRID_N)),
        "HTML": lambda: html_file(page, with_3d=False),
        "HTML with 3D": lambda: html_file(page, with_3d=True),
        "CSV": lambda: trajectories_csv(page.scene, page.runs),
    }, reps)
    return {**times, "HTML bytes": len(html), "CSV bytes": len(csv.encode())}


def frame_times(reps: int, steps: int) -> dict[str, list[float]]:
    """Milliseconds per frame jump in Chromium, 3D and race figures interleaved."""
    import plotly.io as pio

    from bench.browser import chromium
    from plotting import scene_figure
    from plotting.surface3d import surface_figure

    page_data = page_state(steps)
    figures = {
        "race": (scene_figure(page_data.surface, page_data.traces, start_picker=False), False),
        "3D": (surface_figure(page_data.surface, page_data.traces), True),
    }
    html = {name: pio.to_html(fig.to_dict(), include_plotlyjs=True, auto_play=False,
                              validate=False) for name, (fig, _) in figures.items()}
    times: dict[str, list[float]] = {name: [] for name in figures}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for _ in range(reps):
            for name, (_, redraw) in figures.items():
                page.set_content(html[name])
                page.wait_for_function("document.querySelector('.js-plotly-plot')._fullData")
                times[name] += page.evaluate(FRAME_JUMPS, redraw)
        page.close()
    return times


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="script runs per measurement")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the other figures")
    parser.add_argument("--steps", type=int, default=STEPS, help="the scene's steps")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args(argv)

    results: dict = {"steps": args.steps}
    results["script"] = moves = script(args.runs, args.steps)
    print(f"Script run after a slider move ({args.steps} steps), median of {args.runs}")
    for name, seconds in moves.items():
        base = moves["page (for presenter)" if name == "presenter mode" else "no panel"]
        print(f"  {name:<28}{seconds * 1000:8.1f} ms{seconds / base:8.2f}x of the page")
    results["payload"] = sizes = payloads(args.steps)
    print("Chart payloads")
    for name, size in sizes.items():
        print(f"  {name:<28}{size / 1024:8.1f} KB{size / sizes['race chart']:8.2f}x of the "
              f"race chart")
    results["export"] = built = exports(args.reps, args.steps)
    print(f"Export files, CPU time (median of {args.reps}), made on the button's click")
    for name in ("race figure", "HTML", "HTML with 3D", "CSV"):
        print(f"  {name:<28}{built[name] * 1000:8.1f} ms"
              f"{built[name] / built['race figure']:8.2f}x of building the race figure")
    print(f"  HTML with 3D {built['HTML bytes'] / 1e6:.2f} MB, CSV "
          f"{built['CSV bytes'] / 1e3:.0f} KB")
    if not args.no_browser:
        times = frame_times(max(1, args.reps // 2), args.steps)
        results["frames"] = {name: {"median_ms": statistics.median(t), "frames": len(t),
                                    "p90_ms": sorted(t)[int(0.9 * (len(t) - 1))]}
                             for name, t in times.items()}
        print("One frame shown in headless Chromium (jumping through every frame), ms")
        race = results["frames"]["race"]["median_ms"]
        for name, r in results["frames"].items():
            ratio = r["median_ms"] / race
            print(f"  {name:<28}{r['median_ms']:8.1f} ms (p90 {r['p90_ms']:.1f})"
                  f"{ratio:8.2f}x of the race chart's")
    return results


if __name__ == "__main__":
    main()
