"""The lecture figure, checked by its traces, frames and images (no browser)."""

from __future__ import annotations

import base64
import itertools
import json
import math
import struct
import zlib

import numpy as np
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.page import lecture_scene
from optimizers import simulate
from plotting import PALETTE, RunTrace, run_traces, scene_figure
from plotting.animation import MAX_FRAMES, frame_steps
from plotting.build import Layers
from plotting.colors import CONTOUR_SCALE
from plotting.contour import ContourScale, contour_pixels, picker_step
from plotting.layout import Screen
from plotting.marks import mark_every
from plotting.runs import exit_point
from surfaces import SURFACES
from tests.measures import first_rebound, mark_gaps, resolve_frames, step_lengths

START = (-8.0, 1.5)
BUDGET = 400_000


@pytest.fixture(scope="module")
def overlay(lecture):
    surface, runs = lecture
    return scene_figure(surface, runs).to_dict()


@pytest.fixture(scope="module")
def multiples(lecture):
    surface, runs = lecture
    return scene_figure(surface, runs, view="multiples").to_dict()


# --- reading a figure back ---

def values(array) -> np.ndarray:
    """A figure array: a list, or Plotly's base64 typed array ``{"dtype", "bdata"}``."""
    if isinstance(array, dict):
        dtype = {"f4": np.float32, "u1": np.uint8, "i4": np.int32}[array["dtype"]]
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=dtype).astype(float)
    return np.array([np.nan if v is None else v for v in array], dtype=float)


def png_pixels(uri: str) -> np.ndarray:
    """RGB pixels of a palette PNG ``data:`` URI, decoded independently of the encoder."""
    data = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(tag + body) == crc, tag
        chunks[tag] = chunks.get(tag, b"") + body
        pos += 12 + length
    width, height, depth, kind = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, kind) == (8, 3)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, width + 1)
    assert (rows[:, 0] == 0).all()  # filter type None on every row
    palette = np.frombuffer(chunks[b"PLTE"], np.uint8).reshape(-1, 3)
    return palette[rows[:, 1:]]


def frames_of(fig: dict) -> list[dict]:
    """The figure's frames as the browser applies them (each one's chain of base frames
    merged: :func:`plotting.build.resolve_frames`)."""
    return resolve_frames(fig["frames"])


def run_layers(fig: dict, group: str, xaxis: str = "x") -> list[int]:
    """Indices of the traces drawing one run's path on one contour panel, in order."""
    return [i for i, t in enumerate(fig["data"])
            if t.get("legendgroup") == group and t.get("mode", "").startswith("lines")
            and t.get("xaxis") == xaxis]


def shown_path(fig: dict, indices: list[int], frame: dict) -> np.ndarray:
    """The path a frame shows: the blocks it makes opaque, in order, then its tail.

    Only what the frame (resolved through its base frames) says counts, so this is
    what the browser shows after jumping to the frame from anywhere.
    """
    update = dict(zip(frame["traces"], frame["data"], strict=True))
    assert all(i in update for i in indices), "a frame must set every path trace"
    pieces = []
    for i in indices[:-1]:
        assert set(update[i]) == {"opacity"}
        if update[i]["opacity"] == 1:
            pieces.append(np.c_[values(fig["data"][i]["x"]), values(fig["data"][i]["y"])])
    tail = update[indices[-1]]
    pieces.append(np.c_[values(tail["x"]), values(tail["y"])].reshape(-1, 2))
    # Neighbouring pieces share their end points: drop the repeats.
    out = pieces[0]
    for piece in pieces[1:]:
        if len(out) and len(piece):
            np.testing.assert_array_equal(out[-1], piece[0])
            piece = piece[1:]
        out = np.vstack([out, piece])
    return out


# --- the contour ---

def test_contour_is_one_image_per_panel_and_in_no_frame(overlay, multiples):
    for fig, panels in ((overlay, 1), (multiples, 6)):
        images = fig["layout"]["images"]
        assert len(images) == panels
        assert all(im["source"].startswith("data:image/png;base64,") for im in images)
        assert all(im["layer"] == "below" for im in images)
        assert [(im["xref"], im["yref"]) for im in images] == [
            ("x", "y")] + [(f"x{p}", f"y{p}") for p in range(2, panels + 1)]
        assert not any("contour" == t["type"] for t in fig["data"])
        for frame in fig["frames"]:
            assert set(frame) <= {"name", "data", "traces", "baseframe"}  # no layout


def test_contour_image_covers_the_domain_and_shows_the_log_bands_of_f(overlay):
    surface = SURFACES["ravine"]
    (image,) = overlay["layout"]["images"]
    (x0, x1), (y0, y1) = surface.domain
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (x0, y1, x1 - x0, y1 - y0)
    assert (image["xanchor"], image["yanchor"], image["sizing"]) == ("left", "top", "stretch")
    pixels = png_pixels(image["source"])
    h, w, _ = pixels.shape
    assert h / w == pytest.approx((y1 - y0) / (x1 - x0), abs=2 / w)  # square pixels
    # The band of the exact loss at each pixel centre, against the image.
    scale = ContourScale.for_values(surface.grid(100)[2], surface.min_value)
    px = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    py = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    f = surface.f(*np.meshgrid(px, py))
    levels = scale.levels
    band = np.searchsorted(levels, f, side="right")
    colors = np.rint(scale.band_colors(CONTOUR_SCALE)).astype(np.uint8)
    matches = (pixels == colors[band]).all(axis=2)
    # Off the level lines (darker pixels) and a pixel's width from them, every band agrees.
    assert matches.mean() > 0.93
    # Each band's colour and its darker level-line colour, nothing else.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) <= 2 * (len(levels) + 1)


def test_contour_levels_are_log_spaced_below_the_top():
    surface = SURFACES["ravine"]
    scale = ContourScale.for_values(surface.grid(100)[2], surface.min_value)
    # By hand: the grid's top is f(10, 5) = 0.5 * (100 / 50 + 25) = 13.5; its lowest
    # point is a half cell from the minimum, f(10/99, 5/99) = 0.0013774: 3.99 decades,
    # so a quarter decade apart (16 levels at most), from 10**-2.75 to 10**1.
    ratios = scale.levels[1:] / scale.levels[:-1]
    np.testing.assert_allclose(ratios, 10**0.25)
    np.testing.assert_allclose(scale.levels[[0, -1]], [10**-2.75, 10.0])
    assert len(scale.levels) == 16
    assert scale.hi == pytest.approx(math.log10(13.5))
    assert scale.lo == pytest.approx(math.log10(0.5 * ((10 / 99) ** 2 / 50 + (5 / 99) ** 2)))
    # Ticks at whole decades, labelled in loss.
    vals, text = scale.ticks()
    assert text == ["0.01", "0.1", "1", "10"]
    assert vals == [-2.0, -1.0, 0.0, 1.0]


def test_saddle_without_a_minimum_gets_linear_levels_and_loss():
    surface = SURFACES["saddle"]
    scale = ContourScale.for_values(surface.grid(60)[2], surface.min_value)
    assert not scale.log
    np.testing.assert_allclose(np.diff(scale.levels), scale.spacing)
    run = simulate(surface, "sgd", steps=20, lr=0.1)
    fig = scene_figure(surface, run_traces([run])).to_dict()
    assert fig["layout"]["yaxis2"]["type"] == "linear"
    assert not any(t.get("name") == "minimum" for t in fig["data"])
    (curve,) = [t for t in fig["data"] if t.get("xaxis") == "x2" and t.get("mode") == "lines"
                and t.get("legendgroup")]
    np.testing.assert_allclose(values(curve["y"]), run.losses, rtol=1e-6, atol=1e-6)


def test_level_lines_sit_where_a_level_is_crossed():
    surface = SURFACES["booth"]
    grid = surface.grid(50)
    scale = ContourScale.for_values(grid[2], surface.min_value)
    bands, on_line, holes = contour_pixels(grid, scale, 200)
    assert not holes.any()
    crossed = np.zeros_like(on_line)
    crossed[:, 1:] |= np.diff(bands, axis=1) != 0
    crossed[1:] |= np.diff(bands, axis=0) != 0
    np.testing.assert_array_equal(on_line, crossed)
    assert 0.01 < on_line.mean() < 0.2


# --- paths and frames ---

def test_chunks_of_each_run_add_up_to_its_points_in_order(lecture, overlay):
    _, runs = lecture
    last = frames_of(overlay)[-1]
    for i, run in enumerate(runs):
        path = shown_path(overlay, run_layers(overlay, f"run{i}"), last)
        np.testing.assert_allclose(path, run.points.astype(np.float32), rtol=0)


def test_every_frame_alone_shows_the_path_up_to_its_step(lecture, overlay):
    """Each frame, resolved through its base frames, sets every animated trace, so
    scrubbing backwards shows the right state."""
    _, runs = lecture
    frames = frames_of(overlay)
    steps = [int(f["name"]) for f in frames]
    traces = sorted(frames[0]["traces"])
    for frame, step in zip(frames, steps, strict=True):
        assert sorted(frame["traces"]) == traces
        for i, run in enumerate(runs):
            path = shown_path(overlay, run_layers(overlay, f"run{i}"), frame)
            np.testing.assert_array_equal(path, run.points[:step + 1].astype(np.float32))


def test_markers_in_each_frame_sit_at_each_run_position_at_its_step(lecture, overlay):
    _, runs = lecture
    (marker,) = [i for i, t in enumerate(overlay["data"]) if t.get("name") == "position"]
    (loss_marker,) = [i for i, t in enumerate(overlay["data"]) if t.get("name") == "loss now"]
    (cursor,) = [i for i, t in enumerate(overlay["data"]) if t.get("name") == "current step"]
    assert overlay["data"][marker]["marker"]["color"] == list(PALETTE[:6])
    for frame in frames_of(overlay):
        step = int(frame["name"])
        update = dict(zip(frame["traces"], frame["data"], strict=True))
        xy = np.c_[values(update[marker]["x"]), values(update[marker]["y"])]
        expected = np.array([run.points[step] for run in runs])
        np.testing.assert_allclose(xy, expected, rtol=1e-6, atol=1e-7)
        assert update[cursor]["x"] == [step, step]
        assert values(update[loss_marker]["x"]).tolist() == [step] * 6
        gaps = np.array([max(run.losses[step], 1e-11) for run in runs])  # floor: see below
        np.testing.assert_allclose(values(update[loss_marker]["y"]), gaps, rtol=1e-6)


def test_slider_steps_and_play_match_the_frames(overlay):
    frames = overlay["frames"]
    (slider,) = overlay["layout"]["sliders"]
    assert [s["args"][0] for s in slider["steps"]] == [[f["name"]] for f in frames]
    assert [s["label"] for s in slider["steps"]] == [f["name"] for f in frames]
    assert slider["active"] == len(frames) - 1  # the figure shows the last step
    for s in slider["steps"]:
        assert s["method"] == "animate" and s["args"][1]["frame"]["redraw"] is False
    steps = [int(f["name"]) for f in frames]
    assert steps[0] == 0 and steps[-1] == 300 and len(frames) <= MAX_FRAMES
    assert len(set(np.diff(steps[:-1]))) == 1  # evenly spaced up to the last
    play, pause = overlay["layout"]["updatemenus"][0]["buttons"]
    assert play["args"][0] is None and play["args"][1]["fromcurrent"] is True
    assert pause["args"][0] == [None]
    speeds = overlay["layout"]["updatemenus"][1]["buttons"]
    durations = [b["args"][0]["updatemenus[0].buttons[0].args[1].frame.duration"]
                 for b in speeds]
    assert durations == sorted(durations, reverse=True) and len(set(durations)) == len(speeds)
    assert play["args"][1]["frame"]["duration"] in durations


@settings(max_examples=40, deadline=None)
@given(steps=st.integers(0, 400), max_frames=st.integers(2, 80),
       diverged=st.one_of(st.none(), st.integers(0, 400)), data=st.data())
def test_any_frame_shows_exactly_the_finite_path_so_far(steps, max_frames, diverged, data):
    rng = np.random.default_rng(steps)
    points = rng.normal(size=(steps + 1, 2))
    losses = rng.random(steps + 1)
    if diverged is not None and diverged <= steps:
        points[diverged:] = np.nan
        losses[diverged:] = np.nan
    else:
        diverged = None
    run = RunTrace(points, losses, diverged, label="a run", color=PALETTE[0])
    fig = scene_figure(SURFACES["booth"], [run], max_frames=max_frames,
                       start_picker=False).to_dict()
    at = frame_steps(steps, max_frames)
    assert [f["name"] for f in fig["frames"]] == [str(s) for s in at]
    k = data.draw(st.integers(0, len(at) - 1))
    shown = shown_path(fig, run_layers(fig, "run0"), frames_of(fig)[k])
    end = at[k] if diverged is None else min(at[k], diverged - 1)
    np.testing.assert_array_equal(shown, points[:end + 1].astype(np.float32))


def test_frame_steps_are_capped_and_end_at_the_last_step():
    assert frame_steps(0).tolist() == [0]
    assert frame_steps(10, 60).tolist() == list(range(11))
    at = frame_steps(1000, 60)
    assert at[0] == 0 and at[-1] == 1000 and len(at) <= 60
    assert set(np.diff(at)[:-1]) == {17}


def test_each_frame_after_the_first_sends_only_what_changed(overlay):
    """Frame ``k`` names frame ``k - 1`` as its base frame and holds the traces whose update
    differs from it: a block of a path once, when the step passes it, and not again."""
    frames = overlay["frames"]
    assert "baseframe" not in frames[0]
    animated = set(frames[0]["traces"])
    drawn = frames_of(overlay)
    for before, frame, now, earlier in zip(frames, frames[1:], drawn[1:], drawn, strict=False):
        assert frame["baseframe"] == before["name"]
        assert set(frame["traces"]) <= animated
        was, is_ = (dict(zip(f["traces"], f["data"], strict=True)) for f in (earlier, now))
        assert {i for i in animated if was[i] != is_[i]} == set(frame["traces"])
    blocks = [i for i in animated if "opacity" in frames[0]["data"][frames[0]["traces"].index(i)]]
    sent = [sum(i in f["traces"] for f in frames[1:]) for i in blocks]
    assert max(sent) <= 1  # a path block is switched on once, never resent
    # Well under what the same frames cost when each sets every animated trace.
    full = sum(len(json.dumps({"traces": f["traces"], "data": f["data"]})) for f in drawn)
    assert len(json.dumps(frames)) < 0.7 * full


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=6), min_size=1, max_size=5),
       st.data())
def test_delta_frames_resolve_to_the_full_frames(per_trace, data):
    frames = len(per_trace[0])
    layers = Layers(initial=0)
    for values_ in per_trace:
        updates = [{"opacity": v} for v in (values_ * frames)[:frames]]
        layers.add({"type": "scatter"}, updates)
    layers.add({"type": "scatter"})  # a static trace: in no frame
    names = [f"f{k}" for k in range(frames)]
    full, delta = layers.frames(names), layers.frames(names, delta=True)
    assert all("baseframe" not in f for f in full)
    for a, b in zip(full, resolve_frames(delta), strict=True):
        assert dict(zip(a["traces"], a["data"], strict=True)) == dict(
            zip(b["traces"], b["data"], strict=True))
    # the same from any frame onwards, in any order: resolving needs nothing but the chain
    k = data.draw(st.integers(0, frames - 1))
    assert resolve_frames(delta)[k] == resolve_frames(list(reversed(delta)))[frames - 1 - k]


# --- divergence ---

def test_a_diverged_run_is_marked_where_last_seen_and_says_the_step():
    surface = SURFACES["ravine"]
    run = simulate(surface, "sgd", start=START, steps=60, lr=2.3)  # |1 - lr| > 1: blows up
    assert run.diverged_at is not None
    (trace,) = run_traces([run])
    assert trace.name == f"SGD (lr = 2.3): diverged at step {run.diverged_at}"
    fig = scene_figure(surface, [trace]).to_dict()
    (mark,) = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "x"
               and t.get("xaxis") == "x"]
    assert mark["name"] == trace.name
    last = run.points[run.diverged_at - 1]
    assert np.abs(last).max() > 1e3  # the last finite point is far off the plot...
    x, y = mark["x"][0], mark["y"][0]
    (x0, x1), (y0, y1) = surface.domain
    assert x0 <= x <= x1 and y in (y0, y1)  # ...so the mark is where it left the plot
    # The mark appears from the step it diverged on.
    i = fig["data"].index(mark)
    for frame in frames_of(fig):
        update = dict(zip(frame["traces"], frame["data"], strict=True))
        assert update[i]["opacity"] == (1 if int(frame["name"]) >= run.diverged_at else 0)
    # On the loss panel: an "x" at its last finite loss; the legend says the step.
    (loss_mark,) = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "x"
                    and t.get("xaxis") == "x2"]
    assert loss_mark["x"] == [run.diverged_at - 1]
    assert loss_mark["y"][0] == pytest.approx(run.losses[run.diverged_at - 1])
    (curve,) = [t for t in fig["data"] if t.get("showlegend", True) and t.get("legendgroup")]
    assert curve["name"] == trace.name


def test_exit_point_is_the_last_finite_point_inside_or_the_edge_crossing():
    domain = ((-1.0, 1.0), (-1.0, 1.0))
    inside = np.array([[0.0, 0.0], [0.5, 0.2]])
    np.testing.assert_array_equal(exit_point(inside, 1, domain), [0.5, 0.2])
    # From (0.5, 0) to (2.5, 4): leaves through the top edge y = 1 at x = 1.0? no:
    # x reaches 1 at t = 0.25 (y = 1.0), both edges at once; then goes on to (9, 9).
    path = np.array([[0.5, 0.0], [2.5, 4.0], [9.0, 9.0]])
    np.testing.assert_allclose(exit_point(path, 2, domain), [1.0, 1.0])
    path = np.array([[0.0, 0.0], [0.0, 0.5], [0.25, -3.0], [5.0, 5.0]])
    # Last inside: (0, 0.5); towards (0.25, -3) it crosses y = -1 at t = 1.5 / 3.5.
    np.testing.assert_allclose(exit_point(path, 3, domain), [0.25 * 1.5 / 3.5, -1.0])
    never_inside = np.array([[5.0, 5.0], [6.0, 6.0]])
    np.testing.assert_array_equal(exit_point(never_inside, 1, domain), [6.0, 6.0])


# --- small multiples ---

def test_small_multiples_have_one_panel_per_run_with_the_same_axes_and_colours(multiples):
    fig = multiples
    layout = fig["layout"]
    ranges = {(tuple(layout[f"xaxis{s}"]["range"]), tuple(layout[f"yaxis{s}"]["range"]))
              for s in ["", "2", "3", "4", "5", "6"]}
    assert ranges == {((-10.0, 10.0), (-5.0, 5.0))}
    assert len({im["source"] for im in layout["images"]}) == 1  # one colour scale
    for p, axis in enumerate(["x", "x2", "x3", "x4", "x5", "x6"]):
        groups = {t["legendgroup"] for t in fig["data"]
                  if t.get("xaxis") == axis and t.get("mode", "").startswith("lines")}
        assert groups == {f"run{p}"}
        colours = {t["line"]["color"] for t in fig["data"]
                   if t.get("xaxis") == axis and t.get("mode", "").startswith("lines")}
        assert colours == {PALETTE[p]}
    titles = [a["text"] for a in layout["annotations"]]
    assert len(titles) == 6 and "SGD" in titles[0] and "Adam" in titles[5]
    # The panels do not overlap.
    boxes = [(layout[f"xaxis{s}"]["domain"], layout[f"yaxis{s}"]["domain"])
             for s in ["", "2", "3", "4", "5", "6"]]
    for a in range(6):
        for b in range(a + 1, 6):
            (ax, ay), (bx, by) = boxes[a], boxes[b]
            assert ax[1] <= bx[0] or bx[1] <= ax[0] or ay[1] <= by[0] or by[1] <= ay[0]


# --- colours, loss panel, picker, styles ---

def test_colours_come_from_the_palette_in_order(overlay):
    curves = [t for t in overlay["data"] if t.get("xaxis") == "x2" and t.get("mode") == "lines"
              and t.get("legendgroup")]
    assert [c["line"]["color"] for c in curves] == list(PALETTE[:6])
    runs = [simulate(SURFACES["booth"], "sgd", steps=3, lr=0.01)] * 10
    assert [t.color for t in run_traces(runs)] == [PALETTE[i % 8] for i in range(10)]


def _lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB hex colour."""
    rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    def luminance(color):
        rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_six_runs_colours_read_on_the_valley_floor_and_differ_from_each_other():
    six = PALETTE[:6]
    # Okabe-Ito's yellow (#F0E442) is 1.3 against the white valley floor: too faint.
    assert min(_contrast(c, "#ffffff") for c in six) > 2.2
    assert _contrast("#F0E442", "#ffffff") < 1.4
    # Okabe-Ito's sky blue and blue (the old Nesterov and Adam) are 26 apart in CIE76;
    # every pair of the six is further apart than that.
    closest = min(math.dist(_lab(a), _lab(b)) for a, b in itertools.combinations(six, 2))
    assert closest > 1.2 * math.dist(_lab("#56B4E9"), _lab("#0072B2"))
    assert len(set(PALETTE)) == len(PALETTE) == 8


def test_loss_panel_plots_log_gap_floored_twelve_decades_below_the_start(lecture, overlay):
    _, runs = lecture
    assert overlay["layout"]["yaxis2"]["type"] == "log"
    curves = [t for t in overlay["data"] if t.get("xaxis") == "x2" and t.get("mode") == "lines"
              and t.get("legendgroup")]
    start = runs[0].losses[0]  # 0.5 * (64 / 50 + 2.25) = 1.765
    assert start == pytest.approx(0.5 * (64 / 50 + 2.25))
    floor = 10.0 ** (math.ceil(math.log10(start)) - 12)
    for curve, run in zip(curves, runs, strict=True):
        assert (curve["x0"], curve["dx"]) == (0, 1)
        np.testing.assert_allclose(values(curve["y"]), np.maximum(run.losses, floor), rtol=1e-6)


def test_start_picker_covers_the_domain_on_a_regular_grid():
    for name in ("ravine", "rosenbrock", "rastrigin", "beale"):
        surface = SURFACES[name]
        run = simulate(surface, "sgd", steps=2, lr=1e-3)
        fig = scene_figure(surface, run_traces([run])).to_dict()
        (picker,) = [t for t in fig["data"] if t.get("name") == "start picker"]
        x, y = values(picker["x"]), values(picker["y"])
        step = picker_step(surface.domain)
        (x0, x1), (y0, y1) = surface.domain
        xs, ys = np.unique(x), np.unique(y)
        assert len(x) == len(xs) * len(ys)
        np.testing.assert_allclose(np.diff(xs), step)
        np.testing.assert_allclose(np.diff(ys), step)
        assert x0 <= xs[0] < x0 + step and x1 - step < xs[-1] <= x1
        assert y0 <= ys[0] < y0 + step and y1 - step < ys[-1] <= y1
        assert 20 <= max(len(xs), len(ys)) <= 49
        np.testing.assert_array_equal(xs, xs.astype(np.float32))  # exact in float32
        assert picker["marker"]["color"] == "rgba(0, 0, 0, 0)"
        assert picker["hovertemplate"].startswith("start here (%{x}, %{y})")
    fig = scene_figure(surface, run_traces([run]), start_picker=False).to_dict()
    assert not any(t.get("name") == "start picker" for t in fig["data"])


def test_presenter_mode_has_larger_fonts_thicker_lines_bigger_markers(lecture):
    surface, runs = lecture
    normal = scene_figure(surface, runs, screen=Screen(1872, 900)).to_dict()
    big = scene_figure(surface, runs, screen=Screen(1872, 900, presenter=True)).to_dict()
    assert big["layout"]["font"]["size"] >= 1.5 * normal["layout"]["font"]["size"]

    def first(fig, name):
        return next(t for t in fig["data"] if t.get("name") == name)
    line = next(t for t in big["data"] if t.get("legendgroup") == "run0")["line"]["width"]
    assert line > next(t for t in normal["data"]
                       if t.get("legendgroup") == "run0")["line"]["width"]
    assert first(big, "position")["marker"]["size"] > first(normal, "position")["marker"]["size"]


def test_nothing_is_loaded_from_the_network(overlay, multiples):
    for fig in (overlay, multiples):
        text = pio.to_json(fig, validate=False)
        for banned in ("http:", "https:", "//", "mapbox", "$", "@import", "url("):
            assert banned not in text.replace("data:image/png;base64,", ""), banned


# --- budgets ---

def payload(fig) -> int:
    """Bytes ``st.plotly_chart`` sends: ``to_json`` of ``Figure.to_dict()``."""
    return len(pio.to_json(fig.to_dict(), validate=False))


@pytest.mark.parametrize("view", ["overlay", "multiples"])
def test_payload_is_within_budget_and_grows_at_most_linearly(view):
    sizes = {}
    for steps in (300, 1000):
        surface, traces, grid = lecture_scene(steps)
        fig = scene_figure(surface, traces, grid=grid, view=view)
        sizes[steps] = payload(fig)
        assert len(fig.to_json()) == pytest.approx(sizes[steps], rel=0.01)
    assert sizes[300] <= BUDGET
    assert sizes[1000] / sizes[300] <= 1000 / 300


# --- bad input ---

def test_bad_input_says_what_was_wrong(lecture):
    surface, traces = lecture
    with pytest.raises(ValueError, match="view must be one of overlay, multiples"):
        scene_figure(surface, traces, view="grid")
    short = run_traces([simulate(surface, "sgd", start=START, steps=10, lr=0.1)])
    with pytest.raises(ValueError, match="same number of steps"):
        scene_figure(surface, traces + short)
    with pytest.raises(ValueError, match="points must have shape"):
        RunTrace(np.zeros((3, 3)), np.zeros(3), None, label="x", color=PALETTE[0])
    with pytest.raises(ValueError, match="losses must have shape"):
        RunTrace(np.zeros((3, 2)), np.zeros(4), None, label="x", color=PALETTE[0])
    with pytest.raises(ValueError, match="diverged_at"):
        RunTrace(np.zeros((3, 2)), np.zeros(3), 3, label="x", color=PALETTE[0])
    with pytest.raises(ValueError, match="single runs"):
        run_traces([simulate(surface, "sgd", start=[START, START], steps=3, lr=0.1)])


def test_a_scene_without_runs_still_draws_the_surface():
    fig = scene_figure(SURFACES["himmelblau"], []).to_dict()
    assert len(fig["layout"]["images"]) == 1
    (minima,) = [t for t in fig["data"] if t.get("name") == "minimum"]
    assert len(minima["x"]) == 4
    json.dumps(fig["layout"]["sliders"])


def test_exit_point_of_a_tiny_step_warns_of_nothing():
    import warnings

    path = np.array([[0.0, 0.0], [1e-310, 20.0]])  # leaves through the top, barely moving in x
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        point = exit_point(path, 1, ((-1.0, 1.0), (-1.0, 1.0)))
    np.testing.assert_allclose(point, [5e-312, 1.0], rtol=1e-12, atol=0)


# --- step marks: arrowheads on the first steps, dots every k steps ---

def preset_figure(key: str, **options):
    from plotting.runs import scene_traces
    from scenes import PRESETS_BY_KEY
    from scenes.compute import build_surface, run_scene

    scene = PRESETS_BY_KEY[key].scene
    surface = build_surface(scene.surface_key)
    traces = scene_traces(scene, {i: path for i, _, path in run_scene(scene, surface)})
    return traces, scene_figure(surface, traces, **options).to_dict()


def dots_shown(fig: dict, group: str, frame: dict) -> np.ndarray:
    """The dots a (resolved) frame shows on one run's path: the points of its shown
    blocks and tail whose marker size is not 0."""
    update = dict(zip(frame["traces"], frame["data"], strict=True))
    out = []
    for i in run_layers(fig, group):
        trace = {**fig["data"][i], **update[i]}
        if trace.get("opacity", 1) == 0:
            continue
        sizes = values(trace["marker"]["size"]) if trace["x"] else np.zeros(0)
        xy = np.c_[values(trace["x"]), values(trace["y"])] if trace["x"] else np.zeros((0, 2))
        out.append(xy[sizes > 0])
    dots = np.unique(np.vstack(out), axis=0) if out else np.zeros((0, 2))
    return dots


def test_adagrads_dots_crowd_together_as_its_steps_shrink():
    (run,), fig = preset_figure("adagrad_decay")
    legend = [t["name"] for t in fig["data"] if t.get("legendrank") == 2000]
    assert legend == ["first 3 steps", "every 50 steps"]
    frames = frames_of(fig)
    every = 50
    for frame in frames:
        step = int(frame["name"])
        shown = dots_shown(fig, "run0", frame)
        expected = run.points[every:step + 1:every].astype(np.float32)
        np.testing.assert_array_equal(shown, np.unique(expected, axis=0))  # they grow
    # In the last frame: 20 dots, each gap shorter than the one before, the last a
    # fifth of the first (the sentence: each hundred steps it covers less ground).
    dots = run.points[::every]
    gaps = mark_gaps(run.points, every)
    np.testing.assert_allclose(np.hypot(*np.diff(dots, axis=0).T), gaps)
    assert (np.diff(gaps[1:]) < 0).all() and gaps[-1] < gaps[1] / 5


def test_adams_first_steps_are_arrowheads_three_times_as_far_apart_without_correction():
    runs, fig = preset_figure("adam_bias")
    arrows = [t for t in fig["data"] if t.get("name") == "first steps"]
    assert [t["legendgroup"] for t in arrows] == ["run0", "run1"]
    spacing = []
    for run, arrow in zip(runs, arrows, strict=True):
        np.testing.assert_allclose(np.c_[arrow["x"], arrow["y"]], run.points[:4])
        assert arrow["marker"]["size"][0] == 0 and min(arrow["marker"]["size"][1:]) > 10
        assert arrow["marker"]["symbol"] == "arrow" and arrow["marker"]["angleref"] == "previous"
        spacing.append(step_lengths(run.points[:4]).mean())
    assert spacing[1] > 3 * spacing[0]  # bias correction off: 2.4 against 0.7
    index = fig["data"].index(arrows[0])
    for frame in frames_of(fig):  # shown once the run has taken a step
        update = dict(zip(frame["traces"], frame["data"], strict=True))[index]
        assert update["opacity"] == (1 if int(frame["name"]) > 0 else 0)


def test_marks_only_where_few_runs_share_the_figure(overlay, multiples):
    def marked(fig):
        return {t["xaxis"] for t in fig["data"] if t.get("name") == "first steps"}

    for fig in (overlay, multiples):  # six runs: no dots, no arrowheads
        assert marked(fig) == set()
        assert not any(t.get("mode") == "lines+markers" for t in fig["data"])
        assert not any(t.get("legendrank") == 2000 for t in fig["data"])
    _, fig = preset_figure("adam_bias", view="multiples")
    assert marked(fig) == {"x", "x2"}  # each small multiple has its run's
    every = [t["name"] for t in fig["data"] if t.get("legendrank") == 2000]
    assert every == ["first 3 steps", "every 10 steps"]
    assert [mark_every(s) for s in (3, 30, 150, 200, 300, 1000, 5000)] == [
        1, 1, 5, 10, 10, 50, 200]


# --- the rebound note ---

def test_rmsprops_rebound_is_noted_on_the_loss_panel_where_it_happens(overlay):
    runs, fig = preset_figure("rmsprop_fix")
    (note,) = [a for a in fig["layout"]["annotations"] if a.get("name") == "rebound"]
    assert note["text"].replace("<br>", " ") == "lr too large near the minimum: decay it"
    assert (note["xref"], note["yref"]) == ("x2", "y2") and note["arrowcolor"] == runs[1].color
    # At the top of RMSProp's first jump back: far below 1e-10 before it, about 0.06 at it.
    step = note["x"]
    assert 760 <= step <= 790 and first_rebound(runs[1].losses) <= step
    assert runs[1].losses[step - 30:step - 10].max() < 1e-10
    assert note["y"] == pytest.approx(math.log10(runs[1].losses[step]))  # log axis: log10
    assert 1e-2 < runs[1].losses[step] < 1
    # The text sits inside the panel, left of the jump (it is in the right half).
    assert note["ax"] < 0 < note["ay"]
    assert not [a for a in overlay["layout"]["annotations"] if a.get("name") == "rebound"]
    _, adagrad = preset_figure("adagrad_decay")
    assert not [a for a in adagrad["layout"]["annotations"] if a.get("name") == "rebound"]


# --- the loss axis's labels ---

def read_label(text: str) -> float:
    """A tick label as a reader takes it: "0.5", "2", "10⁻⁵", "2×10⁻⁵"."""
    digits = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    mantissa, _, power = text.rpartition("×") if "×" in text else ("", "", text)
    if power.startswith("10") and power[2:] and power[2:].translate(digits) != power[2:]:
        value = 10.0 ** int(power[2:].translate(digits))
        return value * (float(mantissa) if mantissa else 1.0)
    return float(text)


@pytest.mark.parametrize("key", ["adagrad_decay", "rmsprop_fix", "noise_lr_decay", "saddle"])
def test_log_loss_axes_say_each_value_unambiguously(key):
    from scenes import PRESETS_BY_KEY

    _, fig = preset_figure(key)
    axis = fig["layout"]["yaxis2"]
    if axis["type"] != "log":
        assert PRESETS_BY_KEY[key].scene.surface == "saddle"  # no minimum: linear
        return
    lo, hi = axis["range"]
    if hi - lo < 2:  # narrow: 1, 2 and 5 times the powers of ten, each written in full
        assert axis["tickmode"] == "array" and len(axis["tickvals"]) >= 3
        for value, text in zip(axis["tickvals"], axis["ticktext"], strict=True):
            assert lo <= math.log10(value) <= hi
            assert read_label(text) == pytest.approx(value)  # "0.5" for 0.5, never "5"
        if key == "adagrad_decay":
            assert axis["ticktext"] == ["0.2", "0.5", "1", "2"]
    else:  # wide: whole decades only, as Plotly's powers of ten
        assert axis["minorloglabels"] == "none" and axis["dtick"] in (1, 2, 3)
        assert axis["exponentformat"] == "power"


def test_narrow_log_ticks_read_as_their_values_at_any_place():
    from plotting.loss import log_ticks

    for lo in np.linspace(-12, 5, 35):
        for span in (0.2, 0.5, 1.0, 1.4, 1.99):
            values, texts = log_ticks(lo, lo + span)
            assert len(values) >= 3 or span < 0.3
            assert all(lo - 1e-9 <= math.log10(v) <= lo + span + 1e-9 for v in values)
            assert [read_label(t) for t in texts] == pytest.approx(values)


def test_a_typed_formulas_positive_loss_is_on_a_log_axis():
    # x**2 + 10*y**2 from (-3.5, 2.5): SGD at lr 0.05 falls by 0.9**2 per step on x and much
    # faster on y; on a linear axis it sat flat at 0 from step 20. On a log axis its tail
    # keeps falling through the decades.
    from surfaces import from_expression

    surface = from_expression("x**2 + 10*y**2")
    run = simulate(surface, "sgd", steps=100, lr=0.05, start=(-3.5, 2.5))
    fig = scene_figure(surface, run_traces([run])).to_dict()
    axis = fig["layout"]["yaxis2"]
    assert axis["type"] == "log" and axis["title"]["text"] == "loss (log)"
    (curve,) = [t for t in fig["data"] if t.get("xaxis") == "x2" and t.get("mode") == "lines"
                and t.get("legendgroup")]
    np.testing.assert_allclose(values(curve["y"]), run.losses, rtol=1e-6)  # the loss itself
    low, high = axis["range"]
    assert low < math.log10(run.losses[-1]) and math.log10(run.losses[0]) < high
    # from step 20 to the end the curve spans several decades of the axis, not a flat line
    assert math.log10(run.losses[20] / run.losses[-1]) > 7


def test_the_colour_bar_leaves_room_for_the_last_contours_last_tick_label(lecture):
    # The last small multiple's x axis ends at 10 (the ravine's domain): its label "10" is
    # centred on the panel's right edge. In Arial a digit is 0.556 em wide, so half of "10"
    # is 0.556 em; the colour bar must start further right than that.
    surface, runs = lecture
    for screen in (Screen(1066, 620), Screen(1800, 900, presenter=True),
                   Screen(1900, 1000, presenter=True)):
        for view in ("overlay", "multiples"):
            fig = scene_figure(surface, runs, view=view, screen=screen).to_dict()
            layout = fig["layout"]
            font = layout["font"]["size"]
            width = screen.width - layout["margin"]["l"] - layout["margin"]["r"]
            last = max(k for k in layout if k.startswith("xaxis") and "range" in layout[k]
                       and layout[k]["range"] == [-10.0, 10.0])
            right = layout[last]["domain"][1] * width
            bar = layout["coloraxis"]["colorbar"]["x"] * width
            assert bar - right >= 0.556 * font + 2, (screen, view, bar - right, font)


def test_the_colour_bar_writes_a_minus_sign_as_the_axes_do():
    # Plotly's axes print negative numbers with U+2212; the saddle's linear colour bar
    # must not print a hyphen beside them.
    surface = SURFACES["saddle"]
    fig = scene_figure(surface, run_traces([simulate(surface, "sgd", steps=20, lr=0.1)]))
    bar = fig.to_dict()["layout"]["coloraxis"]["colorbar"]
    negative = [(v, t) for v, t in zip(bar["tickvals"], bar["ticktext"], strict=True) if v < 0]
    assert negative
    for value, text in negative:
        assert "-" not in text and text.startswith("\u2212")
        assert float(text.replace("\u2212", "-")) == pytest.approx(value)
    # Far decades of a log colour bar as powers of ten, with a superscript minus.
    scale = ContourScale(True, 0.0, -6.0, 0.0, -6.0, 1.0)
    assert scale.ticks()[1][:2] == ["10\u207b\u2076", "10\u207b\u2075"]
    assert "-" not in "".join(scale.ticks()[1])


@pytest.mark.parametrize("height", [300, 400, 600])
def test_a_phones_short_loss_panel_labels_fewer_decades_each_clear_of_the_next(height):
    from plotting.layout import MIN_STACKED_LOSS, Screen, Style

    screen = Screen(330, height)  # a 360-px phone's column, the room under its toolbar
    _, fig = preset_figure("friction", screen=screen, plotly_controls=False)
    layout = fig["layout"]
    axis = layout["yaxis2"]
    lo, hi = axis["range"]
    assert axis["type"] == "log" and hi - lo > 7  # twelve decades: every second labelled
    font = Style.of(screen).font
    panel = (axis["domain"][1] - axis["domain"][0]) * (
        layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])
    assert panel >= MIN_STACKED_LOSS - 1
    labels = (hi - lo) // axis["dtick"] + 1
    assert panel / labels >= 1.5 * font, (panel, labels, font)  # no label meets the next
    if axis["dtick"] > 2:  # every second decade, as on a laptop, unless they would meet
        assert panel / ((hi - lo) // (axis["dtick"] - 1) + 1) < 1.5 * font
