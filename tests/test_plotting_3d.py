"""The 3D view, checked by its traces, frames and controls (no browser; see
``tests/test_views_browser.py`` for the frames played in Chromium)."""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import pytest

from optimizers import simulate
from plotting import PALETTE, RunTrace, run_traces
from plotting.animation import SPEEDS
from plotting.contour import DECADES
from plotting.surface3d import GRID_N, LIFT, LINEAR_QUANTILE, MAX_FRAMES_3D, surface_figure
from scenes.compute import Trajectory
from surfaces import SURFACES, from_expression, make_surface
from tests.test_plotting import values

KAPPA = 50.0
BUDGET_3D = 250_000  # bytes of the lecture scene's 3D figure (the race chart has 400 KB)


@pytest.fixture(scope="module")
def fig(lecture):
    surface, traces = lecture
    return surface_figure(surface, traces).to_dict()


def named(fig: dict, name: str) -> list[int]:
    return [i for i, t in enumerate(fig["data"]) if t.get("name") == name]


def path_traces(fig: dict, i: int) -> list[int]:
    """Blocks then tail of run ``i``'s animated path."""
    return [k for k, t in enumerate(fig["data"]) if t.get("legendgroup") == f"run{i}"
            and t.get("showlegend") is False and "name" not in t]


def shown_path(fig: dict, indices: list[int], frame: dict) -> np.ndarray:
    """(x, y, z) rows a frame shows: the opaque blocks in order, then the tail."""
    update = dict(zip(frame["traces"], frame["data"], strict=True))
    pieces = []
    for k in indices[:-1]:
        assert set(update[k]) == {"opacity"}
        if update[k]["opacity"] == 1:
            t = fig["data"][k]
            pieces.append(np.c_[values(t["x"]), values(t["y"]), values(t["z"])])
    tail = update[indices[-1]]
    pieces.append(np.c_[values(tail["x"]), values(tail["y"]), values(tail["z"])].reshape(-1, 3))
    out = pieces[0]
    for piece in pieces[1:]:
        if len(out) and len(piece):
            np.testing.assert_array_equal(out[-1], piece[0])  # blocks share end points
            piece = piece[1:]
        out = np.vstack([out, piece])
    return out


def ravine_loss(x, y):
    """The unturned ravine by hand: (x^2 / kappa + y^2) / 2."""
    return 0.5 * (np.asarray(x) ** 2 / KAPPA + np.asarray(y) ** 2)


def ravine_log_range() -> tuple[float, float]:
    """The heights' range on the ravine's 60 x 60 grid: the top decade and five below
    it, or the grid's lowest value if higher."""
    xs, ys = np.linspace(-10, 10, GRID_N), np.linspace(-5, 5, GRID_N)
    f = ravine_loss(xs[None, :], ys[:, None])
    top = np.log10(f.max())
    return max(top - DECADES, np.log10(f.min())), top


def test_surface_is_the_log_gap_of_the_loss_on_a_60_grid(lecture, fig):
    surface, _ = lecture
    (k,) = [i for i, t in enumerate(fig["data"]) if t["type"] == "surface"]
    trace = fig["data"][k]
    xs, ys = values(trace["x"]), values(trace["y"])
    z = values(trace["z"]).reshape(GRID_N, GRID_N)
    assert len(xs) == len(ys) == GRID_N
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (-10, 10, -5, 5)
    f = ravine_loss(xs[None, :], ys[:, None])  # rows over y, as Plotly reads z
    expected = np.clip(np.log10(f), *ravine_log_range())
    np.testing.assert_allclose(z, expected, atol=1e-5)
    # the z axis says so, with ticks in units of loss, one per decade
    zaxis = fig["layout"]["scene"]["zaxis"]
    assert zaxis["title"]["text"] == "loss − min (log)"
    assert zaxis["ticktext"][-2:] == ["1", "10"] and np.diff(zaxis["tickvals"]).tolist() == [
        1.0] * (len(zaxis["tickvals"]) - 1)
    # coloured by its heights, the contour's own variable, on the contour's colour axis
    assert "surfacecolor" not in trace
    assert trace["coloraxis"] == "coloraxis"
    colors = fig["layout"]["coloraxis"]
    assert (colors["cmin"], colors["cmax"]) == pytest.approx(ravine_log_range())
    assert colors["colorbar"]["title"]["text"] == "loss − min"


def test_each_run_lies_on_the_surface_at_the_height_of_its_loss(lecture, fig):
    surface, runs = lecture
    last = fig["frames"][-1]
    lo, hi = ravine_log_range()
    lift = LIFT * (hi - lo)
    for i, run in enumerate(runs):
        xyz = shown_path(fig, path_traces(fig, i), last)
        np.testing.assert_allclose(xyz[:, :2], run.points.astype(np.float32), rtol=0)
        loss = ravine_loss(run.points[:, 0], run.points[:, 1])
        height = np.clip(np.log10(loss), lo, hi) + lift
        np.testing.assert_allclose(xyz[:, 2], height, rtol=1e-5, atol=1e-5)


def test_every_frame_alone_shows_the_path_and_markers_up_to_its_step(lecture, fig):
    _, runs = lecture
    (marker,) = named(fig, "position")
    assert fig["data"][marker]["marker"]["color"] == list(PALETTE[:6])
    traces = fig["frames"][0]["traces"]
    assert 0 not in traces  # the surface is sent once, in no frame
    for frame in fig["frames"]:
        step = int(frame["name"])
        assert frame["traces"] == traces
        for i, run in enumerate(runs):
            path = shown_path(fig, path_traces(fig, i), frame)
            np.testing.assert_array_equal(path[:, :2], run.points[:step + 1].astype(np.float32))
        update = dict(zip(frame["traces"], frame["data"], strict=True))[marker]
        np.testing.assert_allclose(np.c_[values(update["x"]), values(update["y"])],
                                   [run.points[step] for run in runs], rtol=1e-6, atol=1e-7)
        assert len(values(update["z"])) == len(runs)


def test_controls_redraw_3d_frames_capped_and_play_lasts_as_in_the_race_chart(fig):
    frames = fig["frames"]
    steps = [int(f["name"]) for f in frames]
    assert steps[0] == 0 and steps[-1] == 300 and len(frames) <= MAX_FRAMES_3D
    (slider,) = fig["layout"]["sliders"]
    assert [s["args"][0] for s in slider["steps"]] == [[f["name"]] for f in frames]
    assert all(s["args"][1]["frame"]["redraw"] is True for s in slider["steps"])
    play, pause = fig["layout"]["updatemenus"][0]["buttons"]
    assert play["args"][1]["frame"]["redraw"] is True
    assert pause["args"][1]["frame"]["redraw"] is True
    # half as many frames as the race chart's 60, each twice as long
    assert play["args"][1]["frame"]["duration"] == 2 * SPEEDS["1×"]
    speeds = [b["args"][0]["updatemenus[0].buttons[0].args[1].frame.duration"]
              for b in fig["layout"]["updatemenus"][1]["buttons"]]
    assert speeds == [2 * ms for ms in SPEEDS.values()]


def test_payload_is_modest_and_nothing_is_loaded_from_the_network(lecture):
    surface, runs = lecture
    text = pio.to_json(surface_figure(surface, runs).to_dict(), validate=False)
    assert len(text) < BUDGET_3D
    assert "http" not in text


def test_nan_holes_stay_holes():
    surface = from_expression("log(x) + y**2", domain=((-2, 2), (-2, 2)))
    run = simulate(surface, "sgd", start=(1.5, 1.0), steps=20, lr=0.1)
    fig = surface_figure(surface, run_traces([run])).to_dict()
    trace = fig["data"][0]
    xs = values(trace["x"])
    z = values(trace["z"]).reshape(GRID_N, GRID_N)
    assert np.isnan(z[:, xs <= 0]).all()
    assert np.isfinite(z[:, xs > 0]).all()


def test_without_a_minimum_the_height_is_the_loss_clipped_at_a_quantile():
    surface = SURFACES["saddle"]  # x^2 - y^2, no minimum value
    run = simulate(surface, "sgd", steps=30, lr=0.1)
    fig = surface_figure(surface, run_traces([run])).to_dict()
    xs, ys = values(fig["data"][0]["x"]), values(fig["data"][0]["y"])
    f = xs[None, :] ** 2 - ys[:, None] ** 2
    cap = np.quantile(f, LINEAR_QUANTILE)
    np.testing.assert_allclose(values(fig["data"][0]["z"]).reshape(GRID_N, GRID_N),
                               np.minimum(f, cap), atol=1e-5)
    assert fig["layout"]["scene"]["zaxis"]["title"]["text"] == f"loss (clipped at {cap:.3g})"
    np.testing.assert_allclose(values(fig["data"][0]["surfacecolor"]).reshape(GRID_N, GRID_N),
                               f, atol=1e-5)  # colours: the loss, as on the contour
    # log=False does the same on a surface with a minimum
    ravine = make_surface("ravine", kappa=KAPPA)
    linear = surface_figure(ravine, [], log=False).to_dict()
    z = values(linear["data"][0]["z"])
    assert z.max() == pytest.approx(np.quantile(
        ravine_loss(*np.meshgrid(values(linear["data"][0]["x"]),
                                 values(linear["data"][0]["y"]))), LINEAR_QUANTILE), rel=1e-5)


def test_a_diverged_run_stops_at_its_last_finite_point():
    surface = make_surface("ravine", kappa=KAPPA)
    run = simulate(surface, "sgd", start=(-8, 1.5), steps=40, lr=2.5)  # diverges at 22
    assert run.diverged_at == 22
    fig = surface_figure(surface, run_traces([run])).to_dict()
    (marker,) = named(fig, "position")
    for frame in fig["frames"]:
        step = int(frame["name"])
        path = shown_path(fig, path_traces(fig, 0), frame)
        assert len(path) == min(step, 21) + 1 and np.isfinite(path).all()
        update = dict(zip(frame["traces"], frame["data"], strict=True))[marker]
        assert np.isnan(values(update["x"])[0]) == (step >= 22)
    (legend,) = [t for t in fig["data"] if t.get("showlegend") is not False
                 and t["type"] == "scatter3d"]
    assert legend["name"].endswith("diverged at step 22")


def test_a_fan_of_seeds_is_one_static_thin_trace_per_run():
    surface = make_surface("ravine", kappa=KAPPA)
    members = [simulate(surface, "sgd", start=(-8, 1.5), steps=50, lr=0.5, noise=0.3, seed=s)
               for s in range(3)]
    own, *others = members
    trace = RunTrace(own.points, own.losses, None,
                     fan=tuple(Trajectory(m.points, m.losses, None) for m in others),
                     label="SGD", color=PALETTE[0])
    fig = surface_figure(surface, [trace]).to_dict()
    (fan,) = named(fig, "SGD: 2 more seeds")
    assert fan not in fig["frames"][0]["traces"]
    x = values(fig["data"][fan]["x"])
    gaps = np.flatnonzero(np.isnan(x))
    assert len(gaps) == 1  # two paths joined by one NaN gap
    np.testing.assert_allclose(x[:gaps[0]], others[0].points[:, 0], rtol=1e-6)
    np.testing.assert_allclose(x[gaps[0] + 1:], others[1].points[:, 0], rtol=1e-6)
    path_width = fig["data"][path_traces(fig, 0)[0]]["line"]["width"]
    assert fig["data"][fan]["line"]["width"] < path_width


def test_presenter_mode_has_larger_fonts_and_thicker_lines(lecture):
    surface, runs = lecture
    normal = surface_figure(surface, runs).to_dict()
    big = surface_figure(surface, runs, presenter=True).to_dict()
    assert big["layout"]["font"]["size"] > normal["layout"]["font"]["size"]
    assert big["layout"]["height"] > normal["layout"]["height"]
    for axis in ("xaxis", "yaxis", "zaxis"):
        sizes = [f["layout"]["scene"][axis]["title"]["font"]["size"] for f in (big, normal)]
        assert sizes[0] > sizes[1]
    for k in path_traces(normal, 0):
        assert big["data"][k]["line"]["width"] > normal["data"][k]["line"]["width"]


def test_a_scene_without_runs_draws_the_surface_alone():
    surface = SURFACES["himmelblau"]
    fig = surface_figure(surface, []).to_dict()
    assert [t["type"] for t in fig["data"]] == ["surface", "scatter3d"]  # and its minima
    assert len(values(fig["data"][1]["x"])) == 4
    assert [f["name"] for f in fig["frames"]] == ["0"]


def test_runs_of_different_lengths_are_refused(lecture):
    surface, runs = lecture
    short = simulate(surface, "sgd", start=(-8, 1.5), steps=10, lr=0.5)
    with pytest.raises(ValueError, match="same number of steps"):
        surface_figure(surface, [*runs, *run_traces([short])])


def test_on_a_phone_the_slider_has_a_row_of_its_own_under_the_buttons(lecture, fig):
    surface, traces = lecture
    narrow = surface_figure(surface, traces, narrow=True).to_dict()
    layout = narrow["layout"]
    plot = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    (buttons, speed), (slider,) = layout["updatemenus"], layout["sliders"]
    # Buttons below the colour bar, the slider below the buttons, all inside the figure.
    bar = layout["coloraxis"]["colorbar"]
    assert bar["orientation"] == "h" and bar["y"] == 0 and bar["yanchor"] == "top"
    assert buttons["y"] == speed["y"] < bar["y"]
    assert slider["y"] < buttons["y"] and (buttons["y"] - slider["y"]) * plot >= 40
    assert slider["y"] * plot >= -layout["margin"]["b"]
    assert slider["x"] == 0 and slider["len"] >= 0.95  # the whole width to scrub on
    # The camera further back than on a laptop (the box's corners in view), same direction.
    eye = np.array(list(layout["scene"]["camera"]["eye"].values()))
    wide = np.array(list(fig["layout"]["scene"]["camera"]["eye"].values()))
    assert np.linalg.norm(eye) > 1.3 * np.linalg.norm(wide)
    assert np.allclose(eye / np.linalg.norm(eye), wide / np.linalg.norm(wide))
    # A laptop's figure keeps its one row of controls.
    (wide_buttons, _), (wide_slider,) = fig["layout"]["updatemenus"], fig["layout"]["sliders"]
    assert wide_slider["y"] == wide_buttons["y"] == 0
