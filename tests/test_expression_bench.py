"""``python -m bench.expression`` still runs (on small cases): a smoke test, no timing asserted."""

from __future__ import annotations

from bench import expression


def test_bench_prints_the_three_tables(capsys):
    results = expression.main(["--reps", "1", "--batch", "10", "--build", "ravine,kinks"])
    out = capsys.readouterr().out
    assert "SymPy ms" in out and "typed ms" in out and "x**2+y**2" in out
    assert set(results["build"]) == {"ravine", "kinks"}
    assert set(results["refuse"]) == set(expression.HOSTILE)
    assert all(t >= 0 for table in results.values() for row in table.values()
               for t in row.values())
