"""Evaluate the SymPy expressions of a typed formula over NumPy arrays.

``sympy.lambdify`` would do this by printing Python source and running it
with ``exec``; harmless for an expression we built ourselves, but a page that
takes hostile text is easier to audit when nothing is ever executed. So
:func:`compile_numpy` turns expressions into a straight-line program of
NumPy calls instead: one step per distinct subexpression, shared between the
expressions (``f`` and its gradient share most of their work), with parts
that hold neither ``x`` nor ``y`` folded to floats once.

The program is silent: it runs under ``np.errstate(all="ignore")``, and
every value that is not finite (a log of a negative number, 1/0, an overflow)
comes out as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import reduce

import numpy as np
import sympy as sp

from surfaces.formula_functions import RealFunction
from surfaces.formula_grammar import PI, E, FormulaError, X, Y

# SymPy's own classes in a typed formula or its derivative: its log comes with
# the derivative of a power u**v, its Abs and sign with simplifications such
# as sqrt(x**2) = Abs(x). Everything else is a RealFunction with its NumPy twin.
_SYMPY_CLASSES: dict[type, Callable] = {
    sp.Add: lambda *args: reduce(np.add, args),
    sp.Mul: lambda *args: reduce(np.multiply, args),
    sp.Pow: np.power,
    sp.log: np.log,
    sp.Abs: np.abs,
    sp.sign: np.sign,
}


def _numpy(func: type) -> Callable | None:
    if isinstance(func, type) and issubclass(func, RealFunction):
        return func.numpy
    return _SYMPY_CLASSES.get(func)


def compile_numpy(exprs: Sequence[sp.Expr]) -> Callable[..., tuple[np.ndarray, ...]]:
    """Compile expressions in ``x`` and ``y`` into ``run(x, y) -> (value, ...)``.

    ``run`` takes arrays (or numbers) of any shapes that broadcast together and
    returns one float array of the broadcast shape per expression, NaN wherever
    the value is not finite. Raises :class:`FormulaError` for a constant that
    is not a real number or a function this module cannot evaluate.
    """
    slots: dict[sp.Expr, int] = {X: 0, Y: 1, PI: 2, E: 3}
    template: list[float | None] = [None, None, math.pi, math.e]  # None: an array
    steps: list[tuple[int, Callable, tuple[int, ...]]] = []

    def slot(expr: sp.Expr) -> int:
        if expr in slots:
            return slots[expr]
        if expr.is_Atom:  # a number (x, y, pi and e have their slots)
            try:
                template.append(float(expr))
            except (TypeError, ValueError):
                raise FormulaError(f"{expr} is not a real number") from None
        else:
            function = _numpy(expr.func)
            if function is None:
                raise FormulaError(f"{expr.func.__name__} cannot be evaluated")
            args = tuple(slot(arg) for arg in expr.args)
            if all(template[i] is not None for i in args):
                with np.errstate(all="ignore"):  # folded once, as run() would compute it
                    template.append(float(function(*(template[i] for i in args))))
            else:
                template.append(None)
                steps.append((len(template) - 1, function, args))
        slots[expr] = len(template) - 1
        return slots[expr]

    outputs = [slot(expr) for expr in exprs]

    def run(x, y) -> tuple[np.ndarray, ...]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shape = np.broadcast_shapes(x.shape, y.shape)
        registers = list(template)
        registers[0], registers[1] = x, y
        with np.errstate(all="ignore"):
            for target, function, args in steps:
                registers[target] = function(*(registers[i] for i in args))
            results = []
            for i in outputs:
                value = np.broadcast_to(registers[i], shape)
                results.append(np.where(np.isfinite(value), value, np.nan)[()])
        return tuple(results)

    return run
