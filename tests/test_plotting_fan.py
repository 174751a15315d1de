"""Fans of seeds in the figure: thin paths that grow with the frames, the seeds' markers,
a loss band, within the payload budget."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import plotly.io as pio
import pytest

from plotting import RunTrace, scene_figure
from plotting.animation import FADED_OPACITY, frame_steps
from plotting.fan import FAN_BLOCKS, FAN_FADED, FAN_OPACITY, FAN_POINTS, fan_stride, kept_steps
from plotting.loss import LossScale
from plotting.runs import scene_traces
from scenes import DEFAULT_SCENE, RunSpec, Scene
from scenes.compute import Trajectory, build_surface, run_scene
from scenes.dynamics import MAX_FAN, Dynamics
from tests.conftest import ARTIFACTS
from tests.measures import resolve_frames
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


def fan_blocks(fig: dict, group: str, xaxis: str = "x") -> list[int]:
    """Indices of the traces drawing one run's fan on one panel, in order."""
    return [k for k, t in enumerate(fig["data"]) if t.get("name", "").endswith("more seeds")
            and t["legendgroup"] == group and t["xaxis"] == xaxis]


def animated(fig: dict) -> set[int]:
    return {k for frame in fig["frames"] for k in frame["traces"]}


def split_at_nan(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The separate paths of a NaN-separated trace."""
    xy = np.stack([x, y], axis=1)
    pieces = (piece[~np.isnan(piece[:, 0])] for piece in np.split(xy, np.flatnonzero(np.isnan(x))))
    return [piece for piece in pieces if len(piece)]


def shown_fan(fig: dict, blocks: list[int], frame: dict, seeds: int) -> list[np.ndarray]:
    """Each seed's line as a (resolved) frame shows it: its pieces in the blocks the frame
    makes visible, in order, joined where neighbouring blocks share an end point."""
    update = dict(zip(frame["traces"], frame["data"], strict=True))
    lines = [np.zeros((0, 2)) for _ in range(seeds)]
    for k in blocks:
        assert set(update[k]) == {"opacity"}  # every block is in every resolved frame
        if update[k]["opacity"] == 0:
            continue
        trace = fig["data"][k]
        x, y = values(trace["x"]), values(trace["y"])
        pieces = [p[~np.isnan(p[:, 0])] for p in np.split(np.c_[x, y], np.flatnonzero(np.isnan(x)))]
        assert len(pieces) == seeds  # the k-th piece is seed k's, empty once it stopped
        for seed, piece in enumerate(pieces):
            if len(lines[seed]) and len(piece):
                np.testing.assert_array_equal(lines[seed][-1], piece[0])
                piece = piece[1:]
            lines[seed] = np.vstack([lines[seed], piece])
    return lines


def test_each_fan_draws_the_other_seeds_paths_by_the_last_frame(fanned, overlay):
    _, traces = fanned
    last = resolve_frames(overlay["frames"])[-1]
    for i, run in enumerate(traces):
        blocks = fan_blocks(overlay, f"run{i}")
        assert blocks
        lines = shown_fan(overlay, blocks, last, len(run.fan))
        assert len(lines) == 2
        for line, member in zip(lines, run.fan, strict=True):
            np.testing.assert_allclose(line, member.points[:member.last + 1], rtol=1e-6,
                                       atol=1e-6)
            assert not np.allclose(member.points, run.points)  # another seed, another path


def test_fans_grow_with_the_frames_led_by_the_seeds_markers(fanned, overlay):
    """At every frame each seed's line runs from its start to within one block of the
    frame's step (never past it), and its marker sits at the step itself."""
    _, traces = fanned
    frames = resolve_frames(overlay["frames"])
    steps = [int(f["name"]) for f in frames]
    (dots,) = [k for k, t in enumerate(overlay["data"]) if t.get("name") == "seeds now"]
    assert overlay["data"][dots]["marker"]["color"] == [r.color for r in traces for _ in r.fan]
    lags = []
    for frame, step in zip(frames, steps, strict=True):
        update = dict(zip(frame["traces"], frame["data"], strict=True))
        now = np.c_[values(update[dots]["x"]), values(update[dots]["y"])]
        expected = np.array([m.points[step] for r in traces for m in r.fan])
        np.testing.assert_allclose(now, expected, rtol=1e-6, atol=1e-6)
        for i, run in enumerate(traces):
            lines = shown_fan(overlay, fan_blocks(overlay, f"run{i}"), frame, len(run.fan))
            for line, member in zip(lines, run.fan, strict=True):
                reached = len(line) - 1
                np.testing.assert_allclose(line, member.points[:reached + 1], rtol=1e-6,
                                           atol=1e-6)
                assert reached <= step
                lags.append(step - max(reached, 0))
    # Six fanned runs share the FAN_BLOCKS blocks: each run's 50 frame intervals
    # in blocks of m frames, so a line trails its seed's marker by less than m frames.
    m = math.ceil(50 / (FAN_BLOCKS // 6))
    stride = steps[1] - steps[0]
    assert max(lags) <= (m - 1) * stride + (steps[-1] - steps[-2])
    assert max(lags) >= (m - 1) * stride // 2 and min(lags) == 0


def test_fans_are_thin_faint_and_under_every_path(fanned, overlay):
    _, traces = fanned
    first_path = min(k for k, t in enumerate(overlay["data"])
                     if t.get("mode", "").startswith("lines") and t.get("legendgroup")
                     and "seeds" not in t.get("name", ""))
    frames = resolve_frames(overlay["frames"])
    for i, run in enumerate(traces):
        blocks = fan_blocks(overlay, f"run{i}")
        assert max(blocks) < first_path
        path = next(t for t in overlay["data"] if t.get("legendgroup") == f"run{i}"
                    and t.get("mode", "").startswith("lines") and t.get("xaxis") == "x"
                    and "seeds" not in t.get("name", ""))
        for k in blocks:
            trace = overlay["data"][k]
            assert trace["line"]["color"] == run.color
            assert trace["line"]["width"] < path["line"]["width"] / 2
            assert trace["hoverinfo"] == "skip" and trace["showlegend"] is False
            shown = {dict(zip(f["traces"], f["data"], strict=True))[k]["opacity"]
                     for f in frames}
            assert shown <= {0, FAN_FADED, FAN_OPACITY} and 0 < FAN_OPACITY < 0.5


def test_a_figure_keeps_its_fan_blocks_few(fanned):
    """Each block is a trace the browser handles at every frame: at most FAN_BLOCKS in a
    figure, whatever the steps and seeds."""
    surface, traces = fanned
    for steps in (10, 300, 1000):
        runs = [replace(r, points=np.resize(r.points, (steps + 1, 2)),
                        losses=np.resize(r.losses, steps + 1),
                        fan=tuple(replace(m, points=np.resize(m.points, (steps + 1, 2)),
                                          losses=np.resize(m.losses, steps + 1))
                                  for m in r.fan)) for r in traces]
        fig = scene_figure(surface, runs, grid=surface.grid(40), start_picker=False).to_dict()
        blocks = [t for t in fig["data"] if t.get("name", "").endswith("more seeds")]
        assert len(traces) <= len(blocks) <= FAN_BLOCKS
        assert len(blocks) >= min(FAN_BLOCKS // 2, len(traces) * (len(frame_steps(steps)) - 1))


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
    for i in range(len(traces)):
        axis = "x" if i == 0 else f"x{i + 1}"
        assert fan_blocks(fig, f"run{i}", axis)
        assert all(fig["data"][k]["xaxis"] == axis for k in fan_blocks(fig, f"run{i}", axis))
    dots = [t for t in fig["data"] if t.get("name") == "seeds now"]
    assert [t["xaxis"] for t in dots] == ["x"] + [f"x{p}" for p in range(2, len(traces) + 1)]


def test_without_a_fan_nothing_is_added(fanned):
    surface, traces = fanned
    bare = [replace(t, fan=()) for t in traces]
    fig = scene_figure(surface, bare, grid=surface.grid(GRID_N)).to_dict()
    assert not any("seeds" in t.get("name", "") for t in fig["data"])
    with_fan = scene_figure(surface, traces, grid=surface.grid(GRID_N)).to_dict()
    fan = {k for k, t in enumerate(with_fan["data"]) if "seeds" in t.get("name", "")}
    blocks = [t for t in with_fan["data"] if t.get("name", "").endswith("more seeds")]
    assert len(with_fan["data"]) == len(fig["data"]) + len(blocks) + 1 + 2 * len(traces)
    # Everything else is drawn and animated as without the fans, but for the faded
    # blocks behind a noisy path's trail.
    def unfaded(trace: dict) -> dict:
        return {**trace, "opacity": 1} if trace.get("opacity") == FADED_OPACITY else trace

    kept = [k for k in range(len(with_fan["data"])) if k not in fan]
    assert [unfaded(with_fan["data"][k]) for k in kept] == fig["data"]
    renumber = {k: n for n, k in enumerate(kept)}
    for a, b in zip(resolve_frames(with_fan["frames"]), resolve_frames(fig["frames"]),
                    strict=True):
        rest = {renumber[k]: unfaded(u) for k, u in zip(a["traces"], a["data"], strict=True)
                if k not in fan}
        assert rest == dict(zip(b["traces"], b["data"], strict=True))


def test_a_diverged_seed_is_drawn_up_to_its_last_finite_point():
    # SGD at lr 0.002 under noise 20 on Rosenbrock: two of the seeds 1..7 blow up
    scene = Scene(surface="rosenbrock", start=(-1.5, 2.0), steps=200,
                  runs=(RunSpec.make("sgd", lr=0.002),),
                  dynamics=Dynamics(noise=20.0, seed=0, fan=8))
    surface, (run,) = traces_of(scene)
    diverged = [m for m in run.fan if m.diverged_at is not None]
    assert diverged and run.diverged_at is None
    fig = scene_figure(surface, [run]).to_dict()
    last = resolve_frames(fig["frames"])[-1]
    lines = shown_fan(fig, fan_blocks(fig, "run0"), last, len(run.fan))
    stride = fan_stride([run])
    for line, member in zip(lines, run.fan, strict=True):
        assert len(line) >= len(kept_steps(member, stride))
        np.testing.assert_allclose(line[-1], member.points[member.last], rtol=1e-6)
        assert np.isfinite(line).all()
    # the band goes on as long as a seed does: here the run itself never stops
    (high,) = named(fig, "highest loss of 8 seeds").values()
    assert len(values(fig["data"][high]["y"])) == 201


def test_the_stride_is_odd_and_keeps_the_fans_within_their_points():
    def run(steps, seeds):
        points = np.zeros((steps + 1, 2))
        member = Trajectory(points, np.zeros(steps + 1), None)
        return RunTrace(points, np.zeros(steps + 1), None, fan=(member,) * (seeds - 1),
                        label="r", color="#000000")

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
def test_fans_grow_while_frames_play_and_bands_stay(page, fanned):
    """Frames use redraw: false and base frames: the fan blocks a frame shows are drawn,
    the others hidden, jumping either way; the bands' fills stay."""
    surface, traces = fanned
    fig = scene_figure(surface, traces, grid=surface.grid(GRID_N))
    spec = fig.to_dict()
    frames = {f["name"]: f for f in resolve_frames(spec["frames"])}
    blocks = [k for k, t in enumerate(spec["data"]) if t.get("name", "").endswith("more seeds")]
    page.set_content(pio.to_html(spec, include_plotlyjs=True, auto_play=False,
                                 validate=False, full_html=True))
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullData && {GRAPH}._fullData.length > 0")
    state = f"""(blocks) => {{
        const gd = {GRAPH};
        const shown = blocks.filter(k => {{
            const g = gd.querySelector('.scatterlayer .trace' + gd._fullData[k].uid);
            return g && Number(getComputedStyle(g).opacity) > 0
                && [...g.querySelectorAll('path.js-line')]
                    .some(p => (p.getAttribute('d') || '').length > 10);
        }});
        const fills = gd._fullData.filter(t => (t.name || '').includes('seeds'))
            .map(t => gd.querySelector('.scatterlayer .trace' + t.uid))
            .filter(g => g && [...g.querySelectorAll('path.js-fill')]
                .some(p => (p.getAttribute('d') || '').length > 10)).length;
        return {{shown, fills}};
    }}"""
    counts = []
    for name in ["300", "0", "150", "30", "300"]:
        # evaluate waits for the promise Plotly.animate returns: the frame is drawn
        page.evaluate(f"""() => Plotly.animate({GRAPH}, ['{name}'], {{mode: 'immediate',
            frame: {{duration: 0, redraw: false}}, transition: {{duration: 0}}}})""")
        now = page.evaluate(state, blocks)
        update = dict(zip(frames[name]["traces"], frames[name]["data"], strict=True))
        assert now["shown"] == [k for k in blocks if update[k]["opacity"] > 0], name
        assert now["fills"] == len(traces), name
        counts.append(len(now["shown"]))
    assert counts[1] == 0 and counts[3] < counts[2] < counts[0] == len(blocks)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "figure-fan.png"))
    assert page.problems == []


def test_under_noise_a_path_and_its_fan_fade_behind_a_trail():
    """A fanned run's blocks more than two blocks behind the frame's step are faint, the
    recent ones full: at the last frame of "Mini-batch noise" the bold part is the last
    steps, where the decayed lr keeps it close to the minimum."""
    from plotting.animation import block_size
    from scenes import PRESETS_BY_KEY

    surface, (run,) = traces_of(PRESETS_BY_KEY["noise_lr_decay"].scene)
    fig = scene_figure(surface, [run], grid=surface.grid(40)).to_dict()
    last = resolve_frames(fig["frames"])[-1]
    update = dict(zip(last["traces"], last["data"], strict=True))
    steps = frame_steps(run.steps)
    block = block_size(steps)
    paths = [k for k, t in enumerate(fig["data"]) if t.get("legendgroup") == "run0"
             and t.get("mode") == "lines" and t["xaxis"] == "x"
             and "seeds" not in t.get("name", "")
             and k in update and "opacity" in update[k]]
    opacities = [update[k]["opacity"] for k in paths]
    bold = opacities.count(1)
    assert opacities == [FADED_OPACITY] * (len(paths) - bold) + [1] * bold and bold == 3
    recent = run.points[run.steps - 2 * block:]
    assert np.abs(recent).max() < np.abs(run.points[:100]).max() / 2  # settled, drawn bold
    fans = {update[k]["opacity"] for k in fan_blocks(fig, "run0")}
    assert fans == {FAN_FADED, FAN_OPACITY}
    # Without noise, nothing fades.
    bare = scene_figure(surface, [replace(run, fan=())], grid=surface.grid(40)).to_dict()
    drawn = resolve_frames(bare["frames"])[-1]
    assert {u["opacity"] for u in drawn["data"] if set(u) == {"opacity"}} <= {0, 1}
