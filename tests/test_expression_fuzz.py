"""Random formulas from the grammar, and random text: a typed formula either
builds a surface or is refused with a ValueError, with bounded work (counted in
Python function calls, ``tests/work.py``), and a surface it
builds is silent, NaN where undefined, and travels by its canonical text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from surfaces import FormulaSurface, from_expression
from surfaces.formula_grammar import FUNCTIONS, FormulaError
from tests.work import CountCalls

pytestmark = pytest.mark.filterwarnings("error")

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# (x-x+10) and (y/y): parts that SymPy, not the parser, finds to be numbers.
LEAVES = st.sampled_from(["x", "y", "pi", "e", "0", "1", "2", "0.5", "3.75", "1e-3", "100",
                          "(x-x+10)", "(y/y)", "(x-x)"])
UNARY = [name for name, f in FUNCTIONS.items() if f.arity == 1]
BINARY = [name for name, f in FUNCTIONS.items() if f.arity == 2]


def _grow(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(st.sampled_from(["-", "+"]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(BINARY), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    )


FORMULAS = st.recursive(LEAVES, _grow, max_leaves=40)


# A bound on the work of building any surface, refused or not, in Python function calls:
# the largest formula at the limits below makes about a million.
MAX_CALLS = 2_000_000


def _build(text: str) -> FormulaSurface | None:
    """from_expression, its work bounded; None for a refusal (which must be a FormulaError)."""
    with CountCalls() as work:
        try:
            surface = from_expression(text)
        except FormulaError as refusal:
            assert str(refusal)
            surface = None
    assert work.calls < MAX_CALLS, text
    return surface


@FUZZ
@given(FORMULAS)
def test_a_formula_from_the_grammar_builds_a_silent_surface_or_is_refused(text):
    surface = _build(text)
    if surface is None:
        return
    xs = np.linspace(-5, 5, 7)
    X, Y = np.meshgrid(xs, xs)
    value, (gx, gy) = surface.value_and_grad(X, Y)
    for array in (value, gx, gy, surface.f(X, Y)):
        assert array.shape == X.shape and array.dtype == float
        assert not np.isinf(array).any()  # finite, or NaN where undefined
    assert np.isnan(gx[np.isnan(value)]).all()
    np.testing.assert_array_equal(surface.f(X, Y), value)
    # The canonical text builds the same surface.
    again = from_expression(surface.formula)
    assert again.formula == surface.formula and again.latex == surface.latex
    np.testing.assert_array_equal(again.f(X, Y), value)


ALPHABET = "xyzepi0123456789.+-*/^()[], _=:'\"!<>%@~#\\lambdasincoqrtfhgmn\t\n𝐱ｘ\u200b\u202e٣"


@FUZZ
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_random_text_only_ever_raises_value_error(text):
    _build(text)


TOKENS = [*FUNCTIONS, "x", "y", "pi", "e", "0", "2", "1e6", "0.5", ".5", "1e400", "+", "-", "*",
          "/", "**", "(", ")", ",", " ", "for", "lambda", "z", "__class__", "."]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_random_token_soup_only_ever_raises_value_error(text):
    _build(text)


SMOOTH_LEAVES = st.sampled_from(["x", "y", "0.5", "1", "2", "pi"])


def _smooth(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(children, st.sampled_from(["2", "3"])).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(st.sampled_from(["sin", "cos", "tanh", "atan"]), children).map(
            lambda t: f"{t[0]}({t[1]})"),
    )


def _central(surface, px, py, h):
    """Central differences of f at (px, py) with step h."""
    f = surface.f(np.array([px + h, px - h, px, px]), np.array([py, py, py + h, py - h]))
    return (f[0] - f[1]) / (2 * h), (f[2] - f[3]) / (2 * h)


@FUZZ
@given(st.recursive(SMOOTH_LEAVES, _smooth, max_leaves=12),
       st.floats(-2, 2), st.floats(-2, 2))
def test_gradients_of_smooth_random_formulas_match_central_differences(text, px, py):
    surface = from_expression(text, domain=((-2.5, 2.5), (-2.5, 2.5)))
    gradient = surface.grad(px, py)
    coarse, fine = _central(surface, px, py, 1e-4), _central(surface, px, py, 1e-5)
    for exact, d_coarse, d_fine in zip(gradient, coarse, fine, strict=True):
        # Where the differences have not settled (sin(x**64) oscillates too fast
        # for any step), they are no reference: skip the point.
        unsettled = abs(d_coarse - d_fine)
        assume(unsettled <= 1e-3 * (1 + abs(d_fine)))
        assert exact == pytest.approx(d_fine, rel=1e-4, abs=10 * unsettled + 1e-6)


# Formulas at the limits: nested calls 20 deep, hundreds of characters.
AT_THE_LIMITS = [
    "max(" * 19 + "x" + "".join(f",x*{i}+y)" for i in range(19)),
    "atan2(" * 19 + "x" + "".join(f",y+x*{i})" for i in range(19)),
    "abs(" * 19 + "x" + "".join(f"+y**{i % 5 + 1}-{i})" for i in range(19)),
    "sqrt(" * 19 + "x**2" + "".join(f"+y**2+{i})" for i in range(19)),
    "(" * 19 + "x" + "".join("+y)**1.5" for _ in range(19)),
    "/".join(f"sin(x+{i})" for i in range(1, 30)),
    "*".join(f"(x+{i}*y)**{10 + i}" for i in range(15)),
    "*".join(f"exp(sin(x*{i}+y))" for i in range(1, 14)),
    "sin(cos(tan(atan(tanh(sqrt(abs(log(exp(sin(cos(tan(atan(tanh(sqrt(abs(log(exp(sin(cos("
    "x*y))))))))))))))))))))",
    "cos(max((((((sin(e))/(exp(5.80)))**(-1))**(-2))-(1.81))*((log(atan2((pi)+((e)/(x)), "
    "max(atan(pi), atan2(x, 1.95)))))**(1)), sinh(cos(atan((sin(log(8)))+(((x)-(y))/(log(x))))))))",
    "(3.57)/((sqrt((1)/(max((pi)*((e)-(6.78)), (abs(pi))*(tanh((1)**((6.47)*(y))))))))/(0))",
]


@pytest.mark.parametrize("text", AT_THE_LIMITS, ids=range(len(AT_THE_LIMITS)))
def test_formulas_at_the_limits_are_handled_with_bounded_work(text):
    surface = _build(text)
    if surface is not None:
        surface.grid(50)
