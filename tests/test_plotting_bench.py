"""``python -m bench.figure`` still runs (on a short scene): a smoke test, no timing asserted."""

from __future__ import annotations

import numpy as np

from bench import figure
from bench.naive_figure import naive_figure


def test_bench_prints_both_figures_and_the_ratios(capsys):
    results = figure.main(["--steps", "12", "--reps", "1"])
    out = capsys.readouterr().out
    assert "bytes ratio" in out and "build+send ratio" in out
    assert set(results) == {12}
    r = results[12]
    assert set(r) == {"scene_figure (overlay)", "scene_figure (multiples)",
                      "naive (frame per step)"}
    assert all(m["bytes"] > 0 and m["build"] >= 0 and m["send"] >= 0 for m in r.values())


def test_the_naive_figure_carries_every_path_so_far_in_each_frame():
    surface, traces, grid = figure.lecture_scene(5)
    fig = naive_figure(surface, traces, grid)
    assert len(fig.frames) == 6
    for k, frame in enumerate(fig.frames):
        for run, path in zip(traces, frame.data[:len(traces)], strict=True):
            np.testing.assert_array_equal(np.c_[path.x, path.y], run.points[:k + 1])
