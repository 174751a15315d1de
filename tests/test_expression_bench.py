"""``python -m bench.expression`` on small cases: a row for every formula, task and
hostile text, each beside its baseline. No timing is asserted."""

from __future__ import annotations

from bench import expression


def test_every_formula_task_and_refusal_has_its_row():
    rows = expression.main(["--reps", "1", "--batch", "10", "--build", "ravine,kinks"])
    against = {r.name: r.against for r in rows}
    assert [name for name in against if name.startswith("build ")] == [
        "build ravine, CPU time", "build kinks, CPU time"]
    assert sum(name.startswith("typed Rosenbrock") for name in against) == 3
    assert {name for name in against if name.startswith("refuse ")} == {
        f"refuse {name}, CPU time" for name in expression.HOSTILE}
    assert set(against.values()) == {"SymPy's sympify + diff + lambdify",
                                     "the library's Rosenbrock", "building x**2 + y**2"}
    assert all(r.ours >= 0 and r.baseline > 0 and r.unit == "s" for r in rows)
