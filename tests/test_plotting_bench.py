"""``python -m bench.figure`` on a short scene: its rows, and the naive baseline holding
every path so far in each frame. No timing is asserted."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio

from bench import figure
from harness.page import lecture_scene
from plotting import scene_figure


def test_the_figure_rows_weigh_what_is_sent_for_each_figure():
    rows = {r.name: r for r in figure.main(["--steps", "12", "--reps", "1"])}
    assert set(rows) == {"race figure sent, 12 steps", "small multiples sent, 12 steps",
                         "race figure built + sent, 12 steps, CPU time",
                         "export HTML with the 3D view, 12 steps, CPU time",
                         "export CSV, 12 steps, CPU time"}
    surface, traces, grid = lecture_scene(12)
    sent = rows["race figure sent, 12 steps"]
    assert sent.baseline == len(pio.to_json(figure.naive_figure(surface, traces, grid).to_dict(),
                                            validate=False))
    ours = scene_figure(surface, traces, grid=grid)  # sent as the page sends it: plain JSON
    assert sent.ours == len(json.dumps(ours.to_dict(), separators=(",", ":")))
    assert sent.ours < sent.baseline
    assert rows["small multiples sent, 12 steps"].baseline == sent.ours


def test_the_naive_figure_carries_every_path_so_far_in_each_frame():
    surface, traces, grid = lecture_scene(5)
    fig = figure.naive_figure(surface, traces, grid)
    assert len(fig.frames) == 6
    for k, frame in enumerate(fig.frames):
        for run, path in zip(traces, frame.data[:len(traces)], strict=True):
            np.testing.assert_array_equal(np.c_[path.x, path.y], run.points[:k + 1])
