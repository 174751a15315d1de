"""``python -m bench.engine`` on a tiny batch: every contender timed, and the baselines
computing what ``simulate`` does. No timing is asserted."""

from __future__ import annotations

import importlib.util

import numpy as np

from bench import engine


def test_bench_times_every_contender_on_a_tiny_batch():
    results = engine.main(["--runs", "30", "--steps", "5", "--reps", "2",
                           "--sampled-runs", "2", "--no-torch"])
    assert set(results) == {"simulate (batched)", "simulate (batched, keep_path=False)",
                            "bare NumPy loop (batched)", "bare NumPy loop, recording (batched)",
                            "simulate, one run at a time",
                            "plain NumPy loop, one run at a time"}
    assert all(len(r["times"]) == 2 and r["seconds"] >= 0 for r in results.values())
    # The loops one run at a time are timed on the sampled runs and scaled to all 30.
    assert results["simulate, one run at a time"]["scaled_from"] == 2
    assert results["simulate (batched)"]["scaled_from"] == 30


def test_bench_skips_torch_when_it_is_missing(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert engine.torch_version() is None


def test_the_plain_loop_baseline_computes_what_simulate_does():
    start = engine.starts(5)
    finals = engine.plain_numpy_loop(start, 50)()
    run = engine.ours(start, 50)()
    assert np.allclose(finals, run.points[-1], rtol=1e-12, atol=1e-15)


def test_the_batched_loops_compute_what_simulate_does():
    start = engine.starts(7)
    run = engine.ours(start, 50)()
    finals = engine.bare_numpy_loop(start, 50)()
    assert finals.shape == (7, 2)
    assert np.allclose(finals, run.points[-1], rtol=1e-12, atol=1e-15)


def test_the_recording_loop_records_what_simulate_does():
    start = engine.starts(7)
    run = engine.ours(start, 50)()
    points, losses = engine.recording_numpy_loop(start, 50)()
    assert points.shape == (51, 2, 7) and losses.shape == (51, 7)
    assert np.allclose(points.transpose(0, 2, 1), run.points, rtol=1e-12, atol=1e-12)
    assert np.allclose(losses, run.losses, rtol=1e-12, atol=1e-12)
