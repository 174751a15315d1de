"""``python -m bench.dynamics`` runs and reports every figure it promises."""

from bench import dynamics


def test_the_dynamics_benchmark_runs_and_reports(capsys):
    results = dynamics.main(["--runs", "1", "--reps", "1"])
    assert set(results["script"]) == {"lecture scene", "with noise, fan 8, schedules"}
    assert len(results["payload"]) == 4 and all(v > 50_000 for v in results["payload"].values())
    # the fan adds bytes: its figure is the larger one in both views
    sizes = list(results["payload"].values())
    assert sizes[2] > sizes[0] and sizes[3] > sizes[1]
    assert set(results["simulation"]) == {"one run", "one run with a fan of 8 (one batch)",
                                          "8 separate runs"}
    out = capsys.readouterr().out
    assert "budget 120 ms" in out and "budget 400 KB" in out
