"""Typed surfaces: what the safe pipeline costs, beside baselines in the same process.

    python -m bench.expression            # 5 repetitions
    python -m bench.expression --reps 9 --build ravine,rosenbrock

Three tables, each against a baseline run interleaved with it (the machine is
shared and noisy: after an untimed warm-up the contenders run in turn, and
each time is the median CPU time of this process):

* build: ``from_expression(text)`` against SymPy's own pipeline on the same
  trusted text (``sympify``, ``diff``, ``lambdify``: what the page must not
  do with a visitor's text), both with SymPy's cache emptied first; ratio =
  SymPy / ours (above 1: ours is faster);
* evaluate: a typed Rosenbrock against the library's hand-written one, for
  ``simulate`` (one run and a batch of 1,000 runs of 300 Adam steps) and
  ``grid(200)``; ratio = typed / library (the price of the interpreted
  NumPy program);
* refuse: hostile texts against building the tiny ``x**2 + y**2``; ratio =
  refusal / build (below 1: refused faster than the smallest formula builds).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import sympy

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


def main(argv: list[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--build", default=",".join(BUILD),
                        help="comma-separated names of the formulas to build (default: all)")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, dict[str, float]]] = {"build": {}, "evaluate": {}, "refuse": {}}

    print(f"{'build':28s} {'ours ms':>9s} {'SymPy ms':>9s} {'ratio':>7s}")
    for name in args.build.split(","):
        text = BUILD[name]
        t = medians({"ours": lambda text=text: cold(from_expression, text),
                  "sympy": lambda text=text: cold(sympy_pipeline, text)}, args.reps)
        results["build"][name] = t
        print(f"{name:28s} {t['ours'] * 1e3:9.2f} {t['sympy'] * 1e3:9.2f} "
              f"{t['sympy'] / max(t['ours'], 1e-9):7.2f}")

    library = SURFACES["rosenbrock"]
    typed = from_expression(BUILD["rosenbrock"], domain=library.domain)
    starts = np.random.default_rng(0).uniform(-1.5, 1.5, (args.batch, 2))
    tasks = {
        "simulate, 1 run": lambda s: simulate(s, "adam", start=(-1.5, 2.0), steps=300, lr=0.01),
        f"simulate, {args.batch} runs": lambda s: simulate(s, "adam", start=starts, steps=300,
                                                           lr=0.01),
        "grid(200)": lambda s: s.grid(200),
    }
    print(f"\n{'evaluate (Rosenbrock)':28s} {'typed ms':>9s} {'library':>9s} {'ratio':>7s}")
    for name, task in tasks.items():
        t = medians({"typed": lambda task=task: task(typed),
                  "library": lambda task=task: task(library)}, args.reps)
        results["evaluate"][name] = t
        print(f"{name:28s} {t['typed'] * 1e3:9.2f} {t['library'] * 1e3:9.2f} "
              f"{t['typed'] / max(t['library'], 1e-9):7.2f}")

    print(f"\n{'refuse':28s} {'ours ms':>9s} {'x**2+y**2':>9s} {'ratio':>7s}")
    for name, text in HOSTILE.items():
        t = medians({"refuse": lambda text=text: refuse(text),
                  "build": lambda: from_expression("x**2 + y**2")}, args.reps)
        results["refuse"][name] = t
        print(f"{name:28s} {t['refuse'] * 1e3:9.3f} {t['build'] * 1e3:9.3f} "
              f"{t['refuse'] / max(t['build'], 1e-9):7.3f}")
    return results


if __name__ == "__main__":
    main()
