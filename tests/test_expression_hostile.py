"""Typed formulas are hostile input: every malformed or malicious text is refused
with a message, after little work, and nothing in it is ever executed."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import sys

import pytest
import sympy
import sympy.parsing.sympy_parser

from surfaces import from_expression
from surfaces.formula_grammar import FormulaError
from surfaces.formula_parser import build_expression
from tests.work import CountCalls

# Every function of the grammar, so that SymPy's lazy imports (which run module
# code through exec) have happened before the guards go up.
EVERYTHING = (
    "max(x, y) + min(x, 1) + atan2(y, x) + arctan2(x, 2) + x**y + sqrt(x**2) + e**x + pi"
    " + tanh(x) + sinh(y) + cosh(x) + tan(y) + ln(y) + log(x) + atan(x) + arctan(y)"
    " + abs(x) + sin(x)*cos(y)/x - exp(-y)"
)


@pytest.fixture
def nothing_runs(monkeypatch, tmp_path):
    """Fail the test if anything could run the text as code; yield a canary path
    that an injection would create."""
    from_expression(EVERYTHING).grid(5)

    def forbidden(name):
        def guard(*args, **kwargs):
            raise AssertionError(f"{name} was called")
        return guard

    real_compile = builtins.compile

    def compile_to_tree_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            raise AssertionError(f"compile() to code in mode {mode!r}")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", compile_to_tree_only)
    for module, name in [
        (builtins, "eval"), (builtins, "exec"),
        (sympy, "sympify"), (sympy, "parse_expr"), (sympy, "lambdify"),
        (sympy.parsing.sympy_parser, "parse_expr"),
        (sys.modules["sympy.utilities.lambdify"], "lambdify"),
        (os, "system"), (subprocess, "Popen"),
    ]:
        monkeypatch.setattr(module, name, forbidden(f"{module.__name__}.{name}"))
    canary = tmp_path / "canary"
    yield canary
    assert not canary.exists()


# (text, a piece of the message the visitor gets). {canary} is a file an
# injection would create.
HOSTILE = [
    # Code injection
    ("__import__('os').system('touch {canary}')", "character '_' is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "'.' must be part of a number"),
    ("x.__class__", "'.' must be part of a number"),
    ("sin.__globals__", "'.' must be part of a number"),
    ("(lambda: 0)()", "the word 'lambda' is not allowed"),
    ("[c for c in (x, y)]", "use round brackets"),
    ("{x for x in y}", "use round brackets"),
    ("sin(t for t in (x, y))", "the word 'for' is not allowed"),
    ('f"{x}"', "character '\"' is not allowed"),
    ("(y := 2)", "character ':' is not allowed"),
    ("x[0]", "use round brackets ( ) only, not '['"),
    ("exec(x)", "unknown function 'exec'"),
    ("open(x)", "unknown function 'open'"),
    ("getattr(x, y)", "unknown function 'getattr'"),
    ("globals()", "unknown function 'globals'"),
    ("sin(x=1)", "without '='"),
    ("sin(*x)", "starred arguments cannot be used"),
    ("sin(**x)", "sin() takes no keyword arguments"),
    ("x if y else 0", "the word 'if' is not allowed"),
    ("x and y", "the word 'and' is not allowed"),
    ("not x", "the word 'not' is not allowed"),
    ("import os", "the word 'import' is not allowed"),
    ("True", "the word 'True' is not allowed"),
    ("None", "the word 'None' is not allowed"),
    ("1j*x", "imaginary numbers such as 1j are not allowed"),
    ("...", "'.' must be part of a number"),
    ("'x'", "character \"'\" is not allowed"),
    ("b'x'", "character \"'\" is not allowed"),
    ("x == y", "without '='"),
    ("x < y", "character '<' is not allowed"),
    ("x @ y", "character '@' is not allowed"),
    ("x % 2", "character '%' is not allowed"),
    ("x // 2", "only + - * / ** are allowed"),
    ("~x", "character '~' is not allowed"),
    ("x; y", "character ';' is not allowed"),
    ("x  # comment", "character '#' is not allowed"),
    ("\\x", "character '\\\\' is not allowed"),
    # Unknown names, calls, arguments
    ("z + 1", "unknown name 'z': use x and y"),
    ("X**2 + Y**2", "unknown name 'X'"),
    ("foo(x)", "unknown function 'foo'"),
    ("x(2)", "x is not a function: write x*(...)"),
    ("sin", "sin is a function: write sin(...)"),
    ("sin x", "sin is a function"),
    ("sin(x, y)", "sin() takes one argument"),
    ("atan2(x)", "atan2() takes 2 arguments"),
    ("sin()", "sin() takes one argument"),
    # Resource bombs
    ("9**9**9", "powers up to 100 only"),
    ("10**10**10", "powers up to 100 only"),
    ("2**(2**(2**(2**2)))", "powers up to 100 only"),
    ("x**1e9", "numbers up to 1e6 only"),
    ("(x**60)**2", "powers up to 100 only"),
    ("((x + 1)**10)**11", "powers up to 100 only"),
    ("exp(exp(exp(exp(1))))", "nested at most 3 deep"),
    ("exp(exp(exp(exp(x))))", "nested at most 3 deep"),
    ("x**x**x**x**x", "nested at most 3 deep"),
    ("+".join(["x"] * 3000), "too long: at most 1000 characters"),
    ("(" * 1000 + "x" + ")" * 1000, "too long"),
    ("(" * 21 + "x" + ")" * 21, "too many nested parentheses"),
    ("0x" + "f" * 100_000, "too long"),
    ("0xfffff", "write numbers in decimal"),
    ("9" * 30, "numbers of at most 20 characters"),
    ("1e400", "numbers up to 1e6 only"),
    ("1e7*x", "numbers up to 1e6 only"),
    ("999999**51", "too large"),
    ("((999999/1000000)**100 + 0)**100", "too large to compute exactly"),
    ("-" * 150 + "x", "nested too deeply"),
    ("+".join(["x*y"] * 70), "too large: at most 250"),
    ("exp(1000)", "exp(...) is too large"),
    # ... also when SymPy itself cancels x and y away: (x-x+10) reaches it as 10
    ("(x-x+10)**(y-y+10)**(x-x+10)", "powers up to 100 only"),
    ("(x-x+2)**(y-y+1000)", "powers up to 100 only"),
    ("((x-x+999999/1000000)**(y-y+100) + x - x)**(y-y+100)", "too large to compute exactly"),
    ("(x-x+999999)**(y-y+50)*(x-x+999999)**(y-y+50)", "too large"),
    ("(x - x)**(y - y - 1)", "division by zero"),
    # Complex or undefined
    ("sqrt(-1)*x", "not a real number"),
    ("log(-1) + x", "not a real number"),
    ("(-8)**(1/3)", "not a real number"),
    ("sqrt(x - x - 1) + y", "not a real number"),
    ("1/0", "division by zero"),
    ("x/(y - y)", "division by zero"),
    ("1/(x/x - 1)", "division by zero"),
    ("0**y", "its gradient is infinite or undefined everywhere"),
    ("(-1)**y", "its gradient is not real: a part of it is the complex number I"),
    ("(-2)**x + y", "not real"),
    ("log(0)", "not a real number"),
    ("atan2(0, 0)", "not a real number"),
    ("log(-x**2 - 1)", "undefined (or overflows) everywhere in the plotting domain"),
    # Bad syntax
    ("", "type a formula in x and y"),
    ("   ", "type a formula in x and y"),
    ("x +", "incomplete"),
    ("x + * y", "unexpected '*' (column 5)"),
    ("(x", "this '(' is never closed"),
    ("x)", "this ')' closes nothing"),
    ("2x", "missing * between '2' and 'x': write 2*x"),
    ("x y", "missing * between 'x' and 'y'"),
    ("(x)(y)", "missing * between ')' and '('"),
    ("1.2.3", "more than one decimal point"),
    ("007*x", "write 7, not 007"),
    ("x^2 + y^2", "use ** for powers, not ^ (column 2)"),
    ("f(x, y) = x**2", "without '='"),
    ("x, y", "a list of values separated by commas"),
    ("1_000*x", "character '_' is not allowed"),
    # Unicode tricks: look-alikes, invisible and direction characters, other digits
    ("𝐱**2 + y**2", "U+1D431 (MATHEMATICAL BOLD SMALL X) is not allowed: type plain 'x'"),
    ("ｘ**2", "FULLWIDTH LATIN SMALL LETTER X) is not allowed: type plain 'x'"),
    ("ｓｉｎ(x)", "type plain 's'"),
    ("x＋y", "type plain '+'"),
    ("x\u200b+y", "U+200B (ZERO WIDTH SPACE)"),
    ("x\u202e+y", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\ufeffx", "U+FEFF"),
    ("x\u00a0+ y", "U+00A0 (NO-BREAK SPACE)"),
    ("х**2", "CYRILLIC SMALL LETTER HA) is not allowed: type the formula in plain ASCII"),
    ("٣*x", "U+0663 (ARABIC-INDIC DIGIT THREE)"),
    ("x\ny", "control character U+000A"),
    ("x\x00", "control character U+0000"),
    ("π*x", "type pi"),
    ("x − y", "type -"),
    ("x²", "type **2"),
]


# A refusal's work, in Python function calls (tests/work.py): the costliest refusal in
# HOSTILE makes about 6,000, as many as building the surface of 0.05*x**2 + 2*y**2.
MAX_REFUSAL_CALLS = 50_000


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[repr(t[:30]) for t, _ in HOSTILE])
def test_hostile_text_is_refused_with_little_work_and_nothing_runs(text, message, nothing_runs):
    text = text.replace("{canary}", str(nothing_runs))
    with CountCalls() as work, pytest.raises(ValueError) as refusal:
        from_expression(text)
    assert work.calls < MAX_REFUSAL_CALLS
    assert message in str(refusal.value)
    assert isinstance(refusal.value, FormulaError)


@pytest.mark.parametrize("text", [None, b"x**2", 42, ["x"]])
def test_only_text_is_a_formula(text):
    with pytest.raises(ValueError, match="the formula must be text"):
        from_expression(text)


def test_refusals_point_at_the_column():
    with pytest.raises(FormulaError) as refusal:
        from_expression("  x**2 + z")  # columns count the visitor's own spaces
    assert refusal.value.column == 10
    assert str(refusal.value).endswith("(column 10)")


# Hostile Python that parses: the tree walk refuses it on its own, even when
# the text checks before it are bypassed.
PYTHON = [
    "__import__('os').system('touch {canary}')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.real",
    "(lambda: 0)()",
    "[c for c in (x, y)]",
    "{x: y}",
    "{x}",
    "sin(t for t in (x, y))",
    'f"{x}"',
    "(y := 2)",
    "x[0]",
    "sin(x=1)",
    "sin(*x)",
    "max(**x)",
    "x if y else 0",
    "x and y",
    "not x",
    "~x",
    "x < y",
    "x ^ y",
    "x // y",
    "x % y",
    "x @ y",
    "True",
    "None",
    "...",
    "1j",
    "'x'",
    "b'x'",
    "0x10",
    "1_000",
    "print(x)",
    "eval('1')",
    "x(1)",
    "(x)(y)",
    "x, y",
    "z",
]


@pytest.mark.parametrize("text", PYTHON)
def test_the_tree_walk_refuses_what_is_not_in_its_allow_list(text, nothing_runs):
    text = text.replace("{canary}", str(nothing_runs))
    tree = ast.parse(text, mode="eval")
    with pytest.raises(FormulaError):
        build_expression(tree, text)


def test_look_alike_letters_are_refused_not_normalized():
    # Python's parser applies NFKC to names, so "𝐱" would silently be x. We
    # refuse it instead: what the visitor sees must be what is computed, and a
    # link must not carry a formula that reads differently from what it does.
    assert ast.parse("𝐱", mode="eval").body.id == "x"
    with pytest.raises(FormulaError, match="type plain 'x'"):
        from_expression("𝐱")
    assert from_expression("x").formula == "x"


def test_a_refusal_leaves_everything_working():
    with pytest.raises(ValueError):
        from_expression("9**9**9")
    surface = from_expression("x**2 + y**2")
    assert float(surface.f(1.0, 2.0)) == 5.0
