"""The language of typed formulas: what may appear, and the limits on it.

A formula is an expression in ``x`` and ``y`` built from decimal numbers
(at most ``MAX_NUMBER``), the constants ``pi`` and ``e``, ``+ - * / **``,
unary ``-`` and ``+``, parentheses and the functions of :data:`FUNCTIONS`.
The limits bound the work any formula can cause: the text's size, the tree's
size and depth, and what SymPy's automatic evaluation of numbers may do
(``9**9**9``, towers of ``exp``). Every refusal is a :class:`FormulaError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from surfaces.formula_functions import (
    Atan,
    Atan2,
    Cos,
    Cosh,
    Exp,
    Log,
    RealAbs,
    RealMax,
    RealMin,
    Sin,
    Sinh,
    Tan,
    Tanh,
)

# The symbols every typed formula is built from. pi and e are symbols too (known
# positive; they print as \pi and e), not SymPy's constants: SymPy evaluates
# expressions of its constants numerically, to ever higher precision, whenever
# it wonders about a sign, which can take seconds. Their values come in when
# the formula is evaluated.
X, Y = sp.symbols("x y", real=True)
PI, E = sp.symbols("pi e", positive=True)

MAX_LENGTH = 1000  # characters of raw text, spaces included
MAX_CHARS = 300  # characters that are not spaces
MAX_PARENS = 20  # nesting of parentheses
MAX_NODES = 250  # numbers, names, operations and calls
MAX_DEPTH = 100  # nesting of operations in the parsed tree (a sum of n terms nests n deep)
MAX_NUMBER = 1e6  # largest number that may be typed
MAX_NUMBER_CHARS = 20  # longest number that may be typed
MAX_EXPONENT = 100  # largest power, after SymPy merges (x**a)**b into x**(a*b)
MAX_GROWTH = 3  # nesting of exp, sinh, cosh and powers with x or y in the exponent
MAX_BITS = 20_000  # size of the exact integers and fractions SymPy may compute
MAX_CONSTANT = 1e300  # largest magnitude of a part of the formula without x or y

NAMES = {"x": X, "y": Y, "pi": PI, "e": E}
NAME_VALUES = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True)
class Function:
    """An allowed function: its arity, its SymPy builder and its float version."""

    arity: int
    sympy: Callable
    math: Callable
    grows: bool = False  # grows like exp: counts towards MAX_GROWTH


def _atan2(y: float, x: float) -> float:
    if x == 0 and y == 0:
        raise ValueError("atan2(0, 0) is undefined")
    return math.atan2(y, x)


FUNCTIONS: dict[str, Function] = {
    "sin": Function(1, Sin, math.sin),
    "cos": Function(1, Cos, math.cos),
    "tan": Function(1, Tan, math.tan),
    "exp": Function(1, Exp, math.exp, grows=True),
    "log": Function(1, Log, math.log),
    "ln": Function(1, Log, math.log),
    "sqrt": Function(1, sp.sqrt, math.sqrt),
    "abs": Function(1, RealAbs, abs),
    "sinh": Function(1, Sinh, math.sinh, grows=True),
    "cosh": Function(1, Cosh, math.cosh, grows=True),
    "tanh": Function(1, Tanh, math.tanh),
    "atan": Function(1, Atan, math.atan),
    "arctan": Function(1, Atan, math.atan),
    "atan2": Function(2, Atan2, _atan2),
    "arctan2": Function(2, Atan2, _atan2),
    "min": Function(2, RealMin, min),
    "max": Function(2, RealMax, max),
}

HINT = "use x and y, the constants pi and e, and " + ", ".join(FUNCTIONS)


class FormulaError(ValueError):
    """A formula was refused. ``column`` (from 1) points at the problem, or is None."""

    def __init__(self, message: str, column: int | None = None) -> None:
        if column is not None:
            message = f"{message} (column {column})"
        super().__init__(message)
        self.column = column
