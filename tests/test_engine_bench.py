"""``python -m bench.engine`` still runs (on a tiny batch): a smoke test, no timing asserted."""

from __future__ import annotations

import importlib.util

import numpy as np

from bench import engine


def test_bench_runs_on_a_tiny_batch_and_prints_ratios(capsys):
    results = engine.main(["--runs", "30", "--steps", "5", "--reps", "2",
                           "--sampled-runs", "2", "--no-torch"])
    out = capsys.readouterr().out
    assert "torch.optim baselines skipped" in out
    assert set(results) == {"simulate (batched)", "simulate (batched, keep_path=False)",
                            "bare NumPy loop (batched)", "bare NumPy loop, recording as simulate",
                            "simulate, one run at a time",
                            "plain NumPy loop, one run at a time"}
    assert results["simulate (batched)"]["ratio"] == 1.0
    assert results["bare NumPy loop (batched)"]["vs_bare"] == 1.0
    ours = results["simulate (batched)"]
    assert ours["vs_bare"] == ours["seconds"] / results["bare NumPy loop (batched)"]["seconds"]
    assert all(len(r["times"]) == 2 and r["seconds"] >= 0 for r in results.values())
    assert results["simulate, one run at a time"]["scaled_from"] == 2
    assert "user / bare" in out and "(scaled from 2 runs)" in out
    assert "what the engine adds: simulate / bare loop = " in out


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
    points, losses = engine.recording_numpy_loop(start, 50)()
    assert np.allclose(points.transpose(0, 2, 1), run.points, rtol=1e-12, atol=1e-12)
    assert np.allclose(losses, run.losses, rtol=1e-12, atol=1e-12)
