"""Fans of seeds in the figure: thin static paths and a loss band, within the payload budget."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.io as pio
import pytest

from plotting import RunTrace, scene_figure
from plotting.fan import FAN_POINTS, fan_stride, kept_steps
from plotting.loss import LossScale
from plotting.runs import scene_traces
from scenes import DEFAULT_SCENE, RunSpec, Scene
from scenes.compute import build_surface, run_scene
from scenes.dynamics import MAX_FAN, Dynamics
from tests.conftest import ARTIFACTS
from tests.test_plotting import values

BUDGET = 400_000
GRID_N = 120  # the page's


def traces_of(scene):
    surface = build_surface(scene.surface_key)
    runs = run_scene(scene, surface)
    return surface, scene_traces(scene, {i: path for i, _, path in runs})


@pytest.fixture(scope="module")
def fanned():
    """The lecture scene under noise with a fan of three seeds per run (every step kept)."""
    return traces_of(replace(DEFAULT_SCENE, dynamics=Dynamics(noise=0.5, seed=7, fan=3)))


@pytest.fixture(scope="module")
def overlay(fanned):
    surface, traces = fanned
    return scene_figure(surface, traces, grid=surface.grid(GRID_N)).to_dict()


def named(fig: dict, suffix: str) -> dict[str, int]:
    """Legend group -> index of the trace whose name ends with ``suffix``."""
    return {t["legendgroup"]: k for k, t in enumerate(fig["data"])
            if t.get("name", "").endswith(suffix)}


def animated(fig: dict) -> set[int]:
    return {k for frame in fig["frames"] for k in frame["traces"]}


def split_at_nan(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The separate paths of a NaN-separated trace."""
    xy = np.stack([x, y], axis=1)
    pieces = (piece[~np.isnan(piece[:, 0])] for piece in np.split(xy, np.flatnonzero(np.isnan(x))))
    return [piece for piece in pieces if len(piece)]


def test_each_fan_draws_the_other_seeds_paths(fanned, overlay):
    _, traces = fanned
    fans = named(overlay, "more seeds")
    assert len(fans) == len(traces)
    for i, run in enumerate(traces):
        trace = overlay["data"][fans[f"run{i}"]]
        assert trace["name"] == f"{run.label}: 2 more seeds"
        paths = split_at_nan(values(trace["x"]), values(trace["y"]))
        assert len(paths) == 2
        for path, member in zip(paths, run.fan, strict=True):
            np.testing.assert_allclose(path, member.points[:member.last + 1], rtol=1e-6,
                                       atol=1e-6)
            assert not np.allclose(member.points, run.points)  # another seed, another path


def test_fans_are_static_thin_faint_and_under_every_path(fanned, overlay):
    _, traces = fanned
    fans = named(overlay, "more seeds")
    assert not set(fans.values()) & animated(overlay)  # in no frame
    first_path = min(k for k, t in enumerate(overlay["data"]) if t.get("mode") == "lines"
                     and t.get("legendgroup") and "seeds" not in t.get("name", ""))
    assert max(fans.values()) < first_path
    for i, run in enumerate(traces):
        trace = overlay["data"][fans[f"run{i}"]]
        path = next(t for t in overlay["data"] if t.get("legendgroup") == f"run{i}"
                    and t.get("mode") == "lines" and t.get("xaxis") == "x"
                    and "seeds" not in t.get("name", ""))
        assert trace["line"]["color"] == run.color
        assert trace["line"]["width"] < path["line"]["width"] / 2
        assert 0 < trace["opacity"] < 0.5
        assert trace["hoverinfo"] == "skip" and trace["showlegend"] is False


def test_the_loss_band_spans_every_seed_at_every_step(fanned, overlay):
    surface, traces = fanned
    scale = LossScale.for_runs(traces, surface.min_value)
    lows = named(overlay, "lowest loss of 3 seeds")
    highs = named(overlay, "highest loss of 3 seeds")
    assert len(lows) == len(highs) == len(traces)
    assert not (set(lows.values()) | set(highs.values())) & animated(overlay)
    for i, run in enumerate(traces):
        low, high = overlay["data"][lows[f"run{i}"]], overlay["data"][highs[f"run{i}"]]
        assert highs[f"run{i}"] == lows[f"run{i}"] + 1  # "tonexty" fills down to the low edge
        assert high["fill"] == "tonexty" and "fill" not in low
        assert high["fillcolor"].startswith("rgba(") and low["xaxis"] == "x2"
        seeds = np.stack([scale.values(m.losses) for m in (run, *run.fan)])
        np.testing.assert_allclose(values(low["y"]), seeds.min(axis=0), rtol=1e-6)
        np.testing.assert_allclose(values(high["y"]), seeds.max(axis=0), rtol=1e-6)
        own = scale.values(run.losses)
        assert (values(low["y"]) <= own * (1 + 1e-6)).all()
        assert (own <= values(high["y"]) * (1 + 1e-6)).all()
        assert (values(high["y"]) > values(low["y"]) * 1.01).mean() > 0.9  # seeds differ


def test_small_multiples_draw_each_fan_in_its_runs_panel(fanned):
    surface, traces = fanned
    fig = scene_figure(surface, traces, view="multiples", grid=surface.grid(GRID_N)).to_dict()
    fans = named(fig, "more seeds")
    for i in range(len(traces)):
        trace = fig["data"][fans[f"run{i}"]]
        assert trace["xaxis"] == ("x" if i == 0 else f"x{i + 1}")


def test_without_a_fan_nothing_is_added(fanned):
    surface, traces = fanned
    bare = [replace(t, fan=()) for t in traces]
    fig = scene_figure(surface, bare, grid=surface.grid(GRID_N)).to_dict()
    assert not any("seeds" in t.get("name", "") for t in fig["data"])
    with_fan = scene_figure(surface, traces, grid=surface.grid(GRID_N)).to_dict()
    assert len(with_fan["data"]) == len(fig["data"]) + 3 * len(traces)
    assert [f["data"] for f in with_fan["frames"]] == [f["data"] for f in fig["frames"]]


def test_a_diverged_seed_is_drawn_up_to_its_last_finite_point():
    # SGD at lr 0.002 under noise 20 on Rosenbrock: two of the seeds 1..7 blow up
    scene = Scene(surface="rosenbrock", start=(-1.5, 2.0), steps=200,
                  runs=(RunSpec.make("sgd", lr=0.002),),
                  dynamics=Dynamics(noise=20.0, seed=0, fan=8))
    surface, (run,) = traces_of(scene)
    diverged = [m for m in run.fan if m.diverged_at is not None]
    assert diverged and run.diverged_at is None
    fig = scene_figure(surface, [run]).to_dict()
    (index,) = named(fig, "more seeds").values()
    paths = split_at_nan(values(fig["data"][index]["x"]), values(fig["data"][index]["y"]))
    assert [len(p) for p in paths] == [m.last + 1 for m in run.fan]
    # the band goes on as long as a seed does: here the run itself never stops
    (high,) = named(fig, "highest loss of 8 seeds").values()
    assert len(values(fig["data"][high]["y"])) == 201


def test_the_stride_is_odd_and_keeps_the_fans_within_their_points():
    def run(steps, seeds):
        points = np.zeros((steps + 1, 2))
        member = RunTrace("m", "#000000", points, np.zeros(steps + 1), None)
        return RunTrace("r", "#000000", points, np.zeros(steps + 1), None,
                        fan=(member,) * (seeds - 1))

    assert fan_stride([run(300, 3)] * 6) == 1
    for steps, seeds, runs in ((300, 8, 6), (2000, 8, 8), (999, 5, 2), (300, 8, 1)):
        traces = [run(steps, seeds)] * runs
        stride = fan_stride(traces)
        assert stride % 2 == 1
        kept = sum(len(kept_steps(m, stride)) for t in traces for m in t.fan)
        assert kept <= FAN_POINTS + runs * (seeds - 1)  # and each path's last point
        assert stride == 1 or sum(len(t.fan) * (steps + 1) for t in traces) > FAN_POINTS
    # a path that flips sign at every step still flips in its fan at stride 3
    flipping = (-0.8) ** np.arange(301)
    assert (np.diff(np.sign(flipping[kept_steps(run(300, 2).fan[0], 3)])) != 0).all()


@pytest.mark.parametrize("view", ["overlay", "multiples"])
def test_the_largest_fan_keeps_the_lecture_scene_within_budget(view):
    scene = replace(DEFAULT_SCENE, dynamics=Dynamics(noise=0.5, seed=7, fan=MAX_FAN))
    surface, traces = traces_of(scene)
    fig = scene_figure(surface, traces, view=view, grid=surface.grid(GRID_N))
    assert len(pio.to_json(fig.to_dict(), validate=False)) <= BUDGET
    assert len(named(fig.to_dict(), "more seeds")) == 6


# --- in Chromium -----------------------------------------------------------------------------

GRAPH = "document.querySelector('.js-plotly-plot')"


@pytest.mark.browser
def test_fans_and_bands_stay_drawn_while_frames_play(page, fanned):
    """Frames use redraw: false; the static fan lines and the band's fill must survive them."""
    surface, traces = fanned
    fig = scene_figure(surface, traces, grid=surface.grid(GRID_N))
    page.set_content(pio.to_html(fig.to_dict(), include_plotlyjs=True, auto_play=False,
                                 validate=False, full_html=True))
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullData && {GRAPH}._fullData.length > 0")
    count = f"""() => {{
        const gd = {GRAPH};
        const uids = gd._fullData.filter(t => (t.name || '').includes('seeds')).map(t => t.uid);
        let lines = 0, fills = 0;
        for (const uid of uids) {{
            const g = gd.querySelector('.scatterlayer .trace' + uid);
            if (!g) continue;
            lines += [...g.querySelectorAll('path.js-line')]
                .filter(p => (p.getAttribute('d') || '').length > 10).length;
            fills += [...g.querySelectorAll('path.js-fill')]
                .filter(p => (p.getAttribute('d') || '').length > 10).length;
        }}
        return {{lines, fills}};
    }}"""
    before = page.evaluate(count)
    assert before["lines"] >= len(traces) and before["fills"] == len(traces)
    for name in ["0", "150", "300", "30"]:
        page.evaluate(f"""() => Plotly.animate({GRAPH}, ['{name}'], {{mode: 'immediate',
            frame: {{duration: 0, redraw: false}}, transition: {{duration: 0}}}})""")
        page.wait_for_timeout(150)
        assert page.evaluate(count) == before, name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "figure-fan.png"))
    assert page.problems == []
