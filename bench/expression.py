"""Typed surfaces: what the safe pipeline costs, beside baselines in the same process.

    python -m bench.expression --reps 9 --build ravine,rosenbrock
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np
import sympy

from bench.rows import Row, print_rows
from bench.timing import medians
from optimizers import simulate
from surfaces import SURFACES, from_expression

BUILD = {
    "ravine": "0.05*x**2 + 2*y**2",
    "rosenbrock": "(1-x)**2 + 100*(y-x**2)**2",
    "bumps": "sin(x)*cos(y) + 0.1*(x**2+y**2)",
    "kinks": "abs(x) + 10*abs(y) + max(x, y)",
    "goldstein-price": "(1+(x+y+1)**2*(19-14*x+3*x**2-14*y+6*x*y+3*y**2))"
                       "*(30+(2*x-3*y)**2*(18-32*x+12*x**2+48*y-36*x*y+27*y**2))",
    # SymPy's own Max compares every pair of its arguments: 4 s here, more deeper.
    "max nested 6 deep": "max(" * 6 + "x" + "".join(f",x*{i}+y)" for i in range(6)),
}
HOSTILE = {
    "9**9**9": "9**9**9",
    "exp tower": "exp(exp(exp(exp(1))))",
    "3,000 terms": "+".join(["x"] * 3000),
    "1,000 parentheses": "(" * 1000 + "x" + ")" * 1000,
    "100,000-digit hex": "0x" + "f" * 100_000,
    "injection": "__import__('os').system('true')",
    "x**1e9": "x**1e9",
    "21 parentheses": "(" * 21 + "x" + ")" * 21,
}
SYMPY_NAMES = {"abs": sympy.Abs, "max": sympy.Max, "min": sympy.Min}


def cold(build: Callable[[str], object], text: str) -> None:
    """Build with SymPy's cache emptied first, as for a formula never seen before."""
    sympy.core.cache.clear_cache()
    build(text)


def sympy_pipeline(text: str) -> None:
    """SymPy alone on trusted text: parse (which evaluates Python), differentiate, lambdify."""
    x, y = sympy.symbols("x y", real=True)
    expr = sympy.sympify(text, locals={**SYMPY_NAMES, "x": x, "y": y})
    sympy.lambdify((x, y), [expr, expr.diff(x), expr.diff(y)], "numpy")


def refuse(text: str) -> None:
    try:
        from_expression(text)
    except ValueError:
        return
    raise AssertionError(f"{text[:40]!r} was accepted")


def measure(reps: int = 5, batch: int = 1000, build: Sequence[str] = tuple(BUILD)
            ) -> list[Row]:
    rows = []
    for name in build:
        t = medians({"ours": lambda text=BUILD[name]: cold(from_expression, text),
                     "sympy": lambda text=BUILD[name]: cold(sympy_pipeline, text)}, reps)
        rows.append(Row(f"build {name}, CPU time", t["ours"], t["sympy"], "s",
                        "SymPy's sympify + diff + lambdify"))
    library = SURFACES["rosenbrock"]
    typed = from_expression(BUILD["rosenbrock"], domain=library.domain)
    starts = np.random.default_rng(0).uniform(-1.5, 1.5, (batch, 2))
    tasks = {
        "simulate, 1 run": lambda s: simulate(s, "adam", start=(-1.5, 2.0), steps=300, lr=0.01),
        f"simulate, {batch} runs": lambda s: simulate(s, "adam", start=starts, steps=300,
                                                      lr=0.01),
        "grid(200)": lambda s: s.grid(200),
    }
    for name, task in tasks.items():
        t = medians({"typed": lambda task=task: task(typed),
                     "library": lambda task=task: task(library)}, reps)
        rows.append(Row(f"typed Rosenbrock, {name}, CPU time", t["typed"], t["library"], "s",
                        "the library's Rosenbrock"))
    for name, text in HOSTILE.items():
        t = medians({"refuse": lambda text=text: refuse(text),
                     "build": lambda: from_expression("x**2 + y**2")}, reps)
        rows.append(Row(f"refuse {name}, CPU time", t["refuse"], t["build"], "s",
                        "building x**2 + y**2"))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--build", default=",".join(BUILD),
                        help="comma-separated names of the formulas to build (default: all)")
    args = parser.parse_args(argv)
    return measure(args.reps, args.batch, args.build.split(","))


if __name__ == "__main__":
    print_rows(main(), legend=True)
