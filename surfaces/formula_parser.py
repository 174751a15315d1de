"""Read a typed formula in ``x`` and ``y`` into a SymPy expression, safely.

The text is hostile input: it is never given to ``eval``, ``exec``,
``sympify`` or ``parse_expr``, which all run Python. Instead:

1. :func:`~surfaces.formula_text.check_text` checks the raw text;
2. ``ast.parse(text, mode="eval")`` turns it into a tree (nothing runs), and
   :func:`_check_tree` bounds the tree's size and depth;
3. :func:`build_expression` walks the tree against the allow-list of
   :mod:`surfaces.formula_grammar` and builds the SymPy expression from its
   own symbols, bounding before each SymPy operation the work that SymPy's
   automatic evaluation of numbers could do.

Every refusal is a :class:`~surfaces.formula_grammar.FormulaError`, a
``ValueError`` whose message says what is wrong and, where it can, at which
column (counted from 1).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from surfaces.formula_functions import Exp
from surfaces.formula_grammar import (
    FUNCTIONS,
    HINT,
    MAX_BITS,
    MAX_CONSTANT,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_GROWTH,
    MAX_NODES,
    MAX_NUMBER,
    MAX_NUMBER_CHARS,
    NAME_VALUES,
    NAMES,
    E,
    FormulaError,
)
from surfaces.formula_text import NUMBER, check_text, limit_text

# What the visitor wrote, by the tree node it became, for refusals.
_NODE_WORDS = {
    ast.Attribute: "attribute access with '.'",
    ast.Subscript: "indexing with [ ]",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and / or",
    ast.IfExp: "if / else",
    ast.NamedExpr: "the := operator",
    ast.Starred: "starred arguments",
    ast.Tuple: "a list of values separated by commas",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.List: "lists",
    ast.ListComp: "list comprehensions",
    ast.Set: "sets",
    ast.Dict: "dicts",
}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _column(node: ast.AST, lead: int) -> int | None:
    offset = getattr(node, "col_offset", None)
    return None if offset is None else lead + offset + 1


def _check_tree(tree: ast.Expression, lead: int) -> None:
    """Bound the tree's size and depth (iteratively: no recursion on hostile trees)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, ast.expr):
            continue
        count += 1
        if count > MAX_NODES:
            raise FormulaError(
                f"the formula is too large: at most {MAX_NODES} numbers, names and operations"
            )
        if depth > MAX_DEPTH:
            raise FormulaError(
                f"the formula is nested too deeply: at most {MAX_DEPTH} levels", _column(node, lead)
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _parse(stripped: str, lead: int) -> ast.Expression:
    """``ast.parse`` in eval mode (it only builds a tree), with readable syntax errors."""
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        offset = error.offset or 0
        if offset < 1 or offset > len(stripped):
            raise FormulaError("the formula is incomplete: something is missing at the end") \
                from None
        raise FormulaError(f"unexpected {stripped[offset - 1]!r}", lead + offset) from None
    return tree


# ---------------------------------------------------------------------------
# The walk


@dataclass(frozen=True)
class _Term:
    """A built subexpression and what bounds the work SymPy may do with it.

    Attributes:
        expr: the SymPy expression.
        value: its value as a float when it holds neither x nor y, else None.
        bits: an upper bound on the size of the exact numbers SymPy would compute.
        power: the largest exponent SymPy would apply to x or y, after it merges
            ``(x**a)**b`` into ``x**(a*b)`` and distributes powers over products.
        growth: how many exp-like operations are nested in it.
    """

    expr: sp.Expr
    value: float | None
    bits: int = 0
    power: float = 1.0
    growth: int = 0


def _float_op(op: Callable, args: list[float], what: str, column: int | None) -> float:
    """Apply ``op`` to the constant ``args`` as floats, refusing what is not a real number."""
    try:
        value = op(*args)
    except ZeroDivisionError:
        raise FormulaError("division by zero", column) from None
    except OverflowError:
        raise FormulaError(f"{what} is too large", column) from None
    except ValueError:
        raise FormulaError(f"{what} is undefined here (not a real number)", column) from None
    if isinstance(value, complex):
        raise FormulaError(f"{what} is not a real number", column)
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise FormulaError(f"{what} is too large", column)
    return float(value)


class _Builder:
    """Builds the SymPy expression of an allowed tree, refusing everything else."""

    def __init__(self, text: str, lead: int) -> None:
        self.text = text
        self.lead = lead

    def column(self, node: ast.AST) -> int | None:
        return _column(node, self.lead)

    def refuse(self, message: str, node: ast.AST) -> FormulaError:
        return FormulaError(message, self.column(node))

    def build(self, node: ast.AST) -> _Term:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            term = self.unary(node)
        elif isinstance(node, ast.BinOp):
            term = self.binary(node)
        elif isinstance(node, ast.Call):
            term = self.call(node)
        else:
            what = _NODE_WORDS.get(type(node), f"this kind of expression ({type(node).__name__})")
            raise self.refuse(f"{what} cannot be used in a formula", node)
        if term.value is None and term.expr.is_Number:
            return self.cancelled(term, node)
        return term

    def cancelled(self, term: _Term, node: ast.AST) -> _Term:
        """A part that SymPy made a plain number (``x - x + 10``): bound it as one.

        Without this, ``(x-x+10)**(y-y+10)**(x-x+10)`` would reach SymPy as
        ``10**10**10``, which it would compute exactly.
        """
        if not (term.expr.is_Rational or term.expr.is_Float):
            raise self.refuse("this part of the formula is infinite or undefined", node)
        value = _float_op(float, [term.expr], "this part of the formula", self.column(node))
        bits = term.expr.p.bit_length() + term.expr.q.bit_length() if term.expr.is_Rational else 0
        self.check_bits(bits, node)
        return _Term(term.expr, value, bits, 1.0, term.growth)

    def number(self, node: ast.Constant) -> _Term:
        value = node.value
        if type(value) not in (int, float):
            kind = "imaginary numbers" if isinstance(value, complex) else repr(value)
            raise self.refuse(f"{kind} cannot be used in a formula: use numbers, x and y", node)
        source = ast.get_source_segment(self.text, node) or ""
        if not NUMBER.fullmatch(source):
            raise self.refuse("write numbers in decimal, such as 2, 0.5 or 1e-3", node)
        if len(source) > MAX_NUMBER_CHARS:
            raise self.refuse(f"numbers of at most {MAX_NUMBER_CHARS} characters only", node)
        if value > MAX_NUMBER:
            raise self.refuse(f"numbers up to {limit_text(MAX_NUMBER)} only", node)
        if isinstance(value, int):
            return _Term(sp.Integer(value), float(value), bits=value.bit_length())
        # A decimal is a SymPy Float: what was typed shows in the LaTeX (0.05, not 1/20),
        # and Float arithmetic has a fixed precision however it is combined.
        return _Term(sp.Float(value), value)

    def name(self, node: ast.Name) -> _Term:
        if node.id in NAMES:
            return _Term(NAMES[node.id], NAME_VALUES.get(node.id))
        if node.id in FUNCTIONS:
            raise self.refuse(f"{node.id} is a function: write {node.id}(...)", node)
        raise self.refuse(f"unknown name {node.id!r}: {HINT}", node)

    def unary(self, node: ast.UnaryOp) -> _Term:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise self.refuse("only + - * / ** are allowed as operators", node)
        term = self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return term
        value = None if term.value is None else -term.value
        return _Term(-term.expr, value, term.bits, term.power, term.growth)

    def binary(self, node: ast.BinOp) -> _Term:
        symbol = _OPERATORS.get(type(node.op))
        if symbol is None:
            raise self.refuse("only + - * / ** are allowed as operators", node)
        left, right = self.build(node.left), self.build(node.right)
        if symbol == "**":
            return self.power(node, left, right)
        op = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
        }[symbol]
        value = None
        if left.value is not None and right.value is not None:
            value = _float_op(op, [left.value, right.value], "this number", self.column(node))
        if right.value == 0 and symbol == "/":
            raise self.refuse("division by zero", node)
        power = 1.0 if symbol in "+-" else max(left.power, right.power)
        bits = left.bits + right.bits
        self.check_bits(bits, node)
        return _Term(op(left.expr, right.expr), value, bits, power, max(left.growth, right.growth))

    def power(self, node: ast.BinOp, base: _Term, exponent: _Term) -> _Term:
        column = self.column(node)
        growth = max(base.growth, exponent.growth)
        if exponent.value is None:
            # x or y in the exponent: exp-like growth, bounded by nesting.
            growth += 1
            self.check_growth(growth, node)
            bits, power = base.bits + exponent.bits, base.power
        else:
            power = base.power * max(1.0, abs(exponent.value))
            if power > MAX_EXPONENT:
                raise FormulaError(f"powers up to {MAX_EXPONENT} only", column)
            # An integer power of an exact number is computed exactly: its size grows.
            bits = base.bits * max(1, math.ceil(abs(exponent.value))) + exponent.bits
            self.check_bits(bits, node)
        value = None
        if base.value is not None and exponent.value is not None:
            value = _float_op(pow, [base.value, exponent.value], "this power", column)
        if base.expr is E:  # e**u is exp(u)
            return _Term(Exp(exponent.expr), value, bits, power, growth)
        return _Term(base.expr**exponent.expr, value, bits, power, growth)

    def call(self, node: ast.Call) -> _Term:
        if not isinstance(node.func, ast.Name):
            raise self.refuse(f"only these functions can be called: {', '.join(FUNCTIONS)}", node)
        name = node.func.id
        function = FUNCTIONS.get(name)
        if function is None:
            if name in NAMES:
                raise self.refuse(f"{name} is not a function: write {name}*(...) for a product",
                                  node)
            raise self.refuse(f"unknown function {name!r}: {HINT}", node)
        if node.keywords:
            raise self.refuse(f"{name}() takes no keyword arguments", node)
        if len(node.args) != function.arity:
            count = "one argument" if function.arity == 1 else f"{function.arity} arguments"
            raise self.refuse(f"{name}() takes {count}", node)
        args = [self.build(arg) for arg in node.args]
        growth = max(arg.growth for arg in args) + function.grows
        self.check_growth(growth, node)
        bits = sum(arg.bits for arg in args)
        if any(arg.value is None for arg in args):
            return _Term(function.sympy(*(arg.expr for arg in args)), None, bits, 1.0, growth)
        value = _float_op(function.math, [arg.value for arg in args], f"{name}(...)",
                          self.column(node))
        if name == "sqrt":  # sqrt(2) stays exact: a power, cheap for SymPy
            return _Term(function.sympy(args[0].expr), value, bits, 1.0, growth)
        # A function of a constant becomes its float value: SymPy would keep
        # log(atan2(e, 4)) exact and evaluate it again and again, to ever higher
        # precision, whenever it asks for a sign (seconds for a few nested calls).
        return _Term(sp.Float(value), value, 0, 1.0, growth)

    def check_growth(self, growth: int, node: ast.AST) -> None:
        if growth > MAX_GROWTH:
            raise self.refuse(
                f"exp, sinh, cosh and powers with x or y in the exponent may be nested "
                f"at most {MAX_GROWTH} deep", node
            )

    def check_bits(self, bits: int, node: ast.AST) -> None:
        if bits > MAX_BITS:
            raise self.refuse("the numbers in this formula grow too large to compute exactly",
                              node)


def refuse_non_real(expr: sp.Expr, what: str = "the formula") -> None:
    """Refuse what SymPy's own simplification made infinite, undefined or complex
    (``0**y``, whose derivative holds ``log(0)``; ``(-1)**y``)."""
    if expr.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan):
        raise FormulaError(f"{what} is infinite or undefined everywhere")
    for sub in sp.preorder_traversal(expr):
        if sub.is_number and sub.is_extended_real is False:
            raise FormulaError(f"{what} is not real: a part of it is the complex number {sub}")


# ---------------------------------------------------------------------------
# Canonical text

_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_UNARY = 3


def _print(node: ast.expr, text: str) -> tuple[str, int]:
    """Print an allowed tree compactly (``0.05*x**2 + 2*y**2``); return text and precedence."""
    if isinstance(node, ast.Constant):
        return ast.get_source_segment(text, node), 5
    if isinstance(node, ast.Name):
        return node.id, 5
    if isinstance(node, ast.Call):
        args = ", ".join(_print(arg, text)[0] for arg in node.args)
        return f"{node.func.id}({args})", 5
    if isinstance(node, ast.UnaryOp):
        operand, prec = _print(node.operand, text)
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + (f"({operand})" if prec < _UNARY else operand), _UNARY
    prec = _PRECEDENCE[type(node.op)]
    left, left_prec = _print(node.left, text)
    right, right_prec = _print(node.right, text)
    if prec == 4:  # ** binds to the right, and tighter than a unary minus on its left
        left = f"({left})" if left_prec <= prec else left
        right = f"({right})" if right_prec < _UNARY else right
        return f"{left}**{right}", prec
    left = f"({left})" if left_prec < prec else left
    right = f"({right})" if right_prec <= prec else right
    op = _OPERATORS[type(node.op)]
    return (f"{left} {op} {right}" if prec == 1 else f"{left}{op}{right}"), prec


# ---------------------------------------------------------------------------


def build_expression(tree: ast.Expression, text: str, lead: int = 0) -> sp.Expr:
    """Walk a parsed tree against the allow-list and build its SymPy expression.

    ``text`` is what the tree was parsed from (numbers are read from their
    digits), ``lead`` how many characters were stripped in front of it (for
    columns). This is the second wall: it refuses on its own every node that
    is not a number, an allowed name, operator or call, whatever the text.
    """
    _check_tree(tree, lead)
    expr = _Builder(text, lead).build(tree.body).expr
    refuse_non_real(expr)
    return expr


@dataclass(frozen=True)
class Formula:
    """A parsed formula: the SymPy expression and its canonical text."""

    expr: sp.Expr
    text: str


def parse_formula(text: str) -> Formula:
    """Parse a typed formula in ``x`` and ``y`` into a SymPy expression.

    Raises :class:`FormulaError` (a ``ValueError``) saying what is wrong and where.
    The canonical text (``Formula.text``) parses back to the same expression.
    """
    stripped, lead = check_text(text)
    tree = _parse(stripped, lead)
    return Formula(build_expression(tree, stripped, lead), _print(tree.body, stripped)[0])
