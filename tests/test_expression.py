"""Typed surfaces: values, exact gradients, LaTeX, canonical text, domain, start,
holes, and the engine running on them."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from optimizers import simulate
from surfaces import SURFACES, FormulaSurface, Surface, from_expression, validate_domain

# No RuntimeWarning (or any other) may escape a typed surface.
pytestmark = pytest.mark.filterwarnings("error")

ORDINARY = [
    "0.05*x**2 + 2*y**2",
    "(1-x)**2 + 100*(y-x**2)**2",
    "sin(x)*cos(y) + 0.1*(x**2+y**2)",
    "abs(x) + 10*abs(y)",
    "log(x)",
    "1/x",
    "sqrt(x) + y",
    "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "exp(-(x**2 + y**2)/2)",
    "tanh(x*y) + sinh(x/5) - cosh(y/5)",
    "atan2(y, x)",
    "max(x, y) - min(x**2, y)",
    "x**y",
    "ln(1 + x**2) * arctan(y)",
    "tan(x/3) + atan(y)",
    "e**(x/4) * pi**(y/4)",
    "abs(sqrt(abs(x)) - 1) + y**2",
    "x**(1/3) + 2**-y",
    "-x**2 + +y",
    "arctan2(x, 2) - log(y)",
]

# The same formulas in SymPy's own vocabulary: the reference for the gradient.
SYMPY_NAMES = {"ln": sympy.log, "arctan": sympy.atan, "arctan2": sympy.atan2,
               "atan2": sympy.atan2, "abs": sympy.Abs, "min": sympy.Min, "max": sympy.Max,
               "e": sympy.E, "x": sympy.Symbol("x", real=True), "y": sympy.Symbol("y", real=True)}


def _points(surface: Surface, n: int = 40, seed: int = 1):
    """Random points of the domain where f is defined (none on a grid line, so
    none exactly on a kink of abs, max or min)."""
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(seed)
    x = rng.uniform(x0, x1, n)
    y = rng.uniform(y0, y1, n)
    keep = np.isfinite(surface.f(x, y))
    return x[keep], y[keep]


@pytest.mark.parametrize("text", ORDINARY)
def test_gradient_matches_central_differences(text):
    surface = from_expression(text)
    x, y = _points(surface)
    assert len(x) >= 10
    h = 1e-6
    fd_x = (surface.f(x + h, y) - surface.f(x - h, y)) / (2 * h)
    fd_y = (surface.f(x, y + h) - surface.f(x, y - h)) / (2 * h)
    gx, gy = surface.grad(x, y)
    ok = np.isfinite(fd_x) & np.isfinite(fd_y)  # both neighbours defined
    assert ok.sum() >= 10
    scale = 1 + np.abs(gx[ok]) + np.abs(gy[ok])
    np.testing.assert_allclose(gx[ok], fd_x[ok], rtol=1e-5, atol=1e-6 * scale.max())
    np.testing.assert_allclose(gy[ok], fd_y[ok], rtol=1e-5, atol=1e-6 * scale.max())


@pytest.mark.parametrize("text", ORDINARY)
def test_value_and_gradient_match_sympy_on_its_own_functions(text):
    # The reference: the trusted test string read by SymPy itself, with SymPy's
    # own functions and derivative rules, evaluated by lambdify.
    reference = sympy.sympify(text, locals=SYMPY_NAMES)
    sx, sy = SYMPY_NAMES["x"], SYMPY_NAMES["y"]
    f_ref = sympy.lambdify((sx, sy), reference, "numpy")
    grad_ref = sympy.lambdify((sx, sy), [reference.diff(sx), reference.diff(sy)], "numpy")
    surface = from_expression(text)
    x, y = _points(surface, seed=2)
    with np.errstate(all="ignore"):
        expected_f = np.broadcast_to(f_ref(x, y), x.shape)
        expected_gx, expected_gy = (np.broadcast_to(g, x.shape) for g in grad_ref(x, y))
    np.testing.assert_allclose(surface.f(x, y), expected_f, rtol=1e-12, atol=1e-12)
    gx, gy = surface.grad(x, y)
    np.testing.assert_allclose(gx, expected_gx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gy, expected_gy, rtol=1e-9, atol=1e-12)


def test_hand_worked_values_and_gradients():
    rosenbrock = from_expression("(1-x)**2 + 100*(y-x**2)**2")
    assert float(rosenbrock.f(0.0, 1.0)) == 101.0
    assert [float(g) for g in rosenbrock.grad(0.0, 1.0)] == [-2.0, 200.0]
    assert [float(g) for g in rosenbrock.grad(1.0, 1.0)] == [0.0, 0.0]
    ravine = from_expression("0.05*x**2 + 2*y**2")
    assert [float(g) for g in ravine.grad(-3.0, 2.0)] == pytest.approx([-0.3, 8.0])
    # Goldstein-Price: 3 at its minimum (0, -1).
    goldstein_price = from_expression(
        "(1+(x+y+1)**2*(19-14*x+3*x**2-14*y+6*x*y+3*y**2))"
        "*(30+(2*x-3*y)**2*(18-32*x+12*x**2+48*y-36*x*y+27*y**2))", domain=((-2, 2), (-2, 2)))
    assert float(goldstein_price.f(0.0, -1.0)) == 3.0
    assert [float(g) for g in goldstein_price.grad(0.0, -1.0)] == [0.0, 0.0]


def test_kinks_follow_the_documented_conventions():
    def grad(text, x, y):
        return [float(g) for g in from_expression(text).grad(x, y)]

    # |x|' = sign(x), 0 at 0; max and min take the winner's gradient, half of
    # each at a tie.
    assert grad("abs(x)", 0.0, 1.0) == [0.0, 0.0]
    assert grad("abs(x)", -2.0, 1.0) == [-1.0, 0.0]
    assert grad("max(x, 2*y)", 1.0, 0.5) == [0.5, 1.0]
    assert grad("max(x, 2*y)", 3.0, 0.5) == [1.0, 0.0]
    assert grad("min(x, 2*y)", 1.0, 0.5) == [0.5, 1.0]
    assert grad("min(x, 2*y)", 3.0, 0.5) == [0.0, 2.0]


def test_the_typed_library_surfaces_agree_with_the_library():
    typed = {
        "rosenbrock": "(1 - x)**2 + 100*(y - x**2)**2",
        "himmelblau": "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
        "beale": "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
        "saddle": "x**2 - y**2",
    }
    for name, text in typed.items():
        library = SURFACES[name]
        surface = from_expression(text, domain=library.domain)
        xs, ys, z = surface.grid(30)
        np.testing.assert_allclose(z, library.grid(30)[2], rtol=1e-12, atol=1e-12)
        X, Y = np.meshgrid(xs, ys)
        for mine, theirs in zip(surface.grad(X, Y), library.grad(X, Y), strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-9)


def test_a_typed_surface_is_a_surface():
    surface = from_expression("0.05*x**2 + 2*y**2")
    assert isinstance(surface, Surface) and isinstance(surface, FormulaSurface)
    assert (surface.name, surface.title) == ("custom", "Custom formula")
    assert surface.params == {} and surface.minima == () and surface.min_value is None
    assert surface.domain == ((-5.0, 5.0), (-5.0, 5.0))
    assert from_expression("x", domain=None).domain == surface.domain
    assert surface.lesson and "0.05" not in surface.lesson


def test_evaluation_is_vectorized_and_broadcasts():
    surface = from_expression("x*y + 3")
    x = np.arange(12.0).reshape(3, 4)
    assert surface.f(x, x).shape == (3, 4)
    assert surface.f(x, 2.0).shape == (3, 4)
    np.testing.assert_array_equal(surface.f(x, 2.0), 2 * x + 3)
    gx, gy = surface.grad(x, 2.0)
    np.testing.assert_array_equal(gx, np.full((3, 4), 2.0))
    np.testing.assert_array_equal(gy, x)
    assert surface.f(np.arange(3), np.arange(3)).dtype == float  # integers in, floats out
    assert float(surface.f(1.0, 2.0)) == 5.0
    # A constant formula still returns one value per point, and a zero gradient.
    flat = from_expression("x - x + 2")
    assert flat.f(x, x).shape == (3, 4)
    assert flat.grad(x, x)[0].shape == (3, 4) and not flat.grad(x, x)[1].any()
    value, (gx, gy) = surface.value_and_grad(x, x)
    np.testing.assert_array_equal(value, surface.f(x, x))


def test_holes_are_nan_silently():
    surface = from_expression("log(x) + 1/y")
    xs, ys, z = surface.grid(21)  # includes x = 0 and y = 0
    X, Y = np.meshgrid(xs, ys)
    defined = (X > 0) & (Y != 0)
    assert np.isnan(z[~defined]).all() and np.isfinite(z[defined]).all()
    gx, gy = surface.grad(X, Y)
    assert np.isnan(gx[~defined]).all() and np.isfinite(gx[defined]).all()
    # Overflow is not a value either.
    assert np.isnan(from_expression("exp(x*y)").f(30.0, 30.0))


def test_latex_is_rendered_from_the_parsed_expression():
    cases = {
        "0.05*x**2 + 2*y**2": r"f(x, y) = 0.05 x^{2} + 2 y^{2}",
        "abs(x) + 10*abs(y)": r"f(x, y) = \left|{x}\right| + 10 \left|{y}\right|",
        "sin(pi*x)": r"f(x, y) = \sin{\left(\pi x \right)}",
        "ln(x)/y": r"f(x, y) = \frac{\log{\left(x \right)}}{y}",
        "e**x": r"f(x, y) = e^{x}",
        "max(x, y)": r"f(x, y) = \max{\left(x, y \right)}",
        "sqrt(x**2 + y**2)": r"f(x, y) = \sqrt{x^{2} + y^{2}}",
    }
    for text, latex in cases.items():
        assert from_expression(text).latex == latex
    for text in ORDINARY:
        latex = from_expression(text).latex
        assert not set(latex) & set("<>\"'&`;") and "**" not in latex


CANONICAL = {
    "0.05*x**2+2*y**2": "0.05*x**2 + 2*y**2",
    "  ((x))  ": "x",
    "-(x*y)": "-(x*y)",
    "(-x)**2": "(-x)**2",
    "-x**2": "-x**2",
    "2**-x": "2**-x",
    "x - (y - 1)": "x - (y - 1)",
    "(x - y) - 1": "x - y - 1",
    "x/(y*2)": "x/(y*2)",
    "(x**y)**2": "(x**y)**2",
    "x**y**2": "x**y**2",
    "sin( x ,)": "sin(x)",
    "max(x,y)*ln(1+x)": "max(x, y)*ln(1 + x)",
}


@pytest.mark.parametrize(("text", "canonical"), CANONICAL.items())
def test_canonical_text_is_normalized_and_builds_the_same_surface(text, canonical):
    surface = from_expression(text)
    assert surface.formula == canonical
    again = from_expression(surface.formula)
    assert again.formula == canonical and again.latex == surface.latex


@pytest.mark.parametrize("text", ORDINARY)
def test_canonical_text_of_ordinary_formulas_round_trips(text):
    surface = from_expression(text)
    again = from_expression(surface.formula)
    assert again.formula == surface.formula and again.latex == surface.latex
    x, y = _points(surface, n=10)
    np.testing.assert_array_equal(again.f(x, y), surface.f(x, y))


def test_validate_domain_accepts_numbers_and_link_text():
    assert validate_domain(((-5, 5), (-2, 3))) == ((-5.0, 5.0), (-2.0, 3.0))
    assert validate_domain([["-1.5", "2"], [0, "1e-2"]]) == ((-1.5, 2.0), (0.0, 0.01))
    # blanks around text are ignored, as in a link
    assert validate_domain([["\ufeff-1.5\xa0", " 2"], [0, "1e-2\n"]]) == ((-1.5, 2.0), (0.0, 0.01))


@pytest.mark.parametrize(("domain", "message"), [
    (((5, -5), (-5, 5)), "x min must be less than x max (got 5 and -5)"),
    (((-5, 5), (1, 1)), "y min must be less than y max"),
    (((float("nan"), 5), (-5, 5)), "x min must be a finite number"),
    (((-5, float("inf")), (-5, 5)), "x max must be a finite number"),
    (((-5, 5), ("abc", 5)), "y min must be a number, got 'abc'"),
    (((-5, 5), (None, 5)), "y min must be a number"),
    # text goes through the links' number reader (surfaces.plain_text): one policy
    ((("1\x1f", 5), (-5, 5)), "x min must be a number, got '1\\x1f' (U+001F is a control "
                               "character)"),
    ((("-5", "\u0665"), (-5, 5)), "x max must be a number, got '\u0665' (type '5', not U+0665"),
    ((("1_0", 20), (-5, 5)), "x min must be a number, got '1_0'"),
    (((-5, 5), (10**400, 5)), "y min must be a number, got " + "1" + "0" * 36 + "..."),
    (((True, 5), (-5, 5)), "x min must be a number"),
    (((-1e9, 5), (-5, 5)), "x min must lie between -10000 and 10000"),
    (((0, 1e-5), (-5, 5)), "the x range must be at least 0.001 wide"),
    ((-5, 5), "the domain must be ((x min, x max), (y min, y max))"),
    ("", "the domain must be"),
    (None, "the domain must be"),
])
def test_validate_domain_says_what_is_wrong(domain, message):
    with pytest.raises(ValueError) as refusal:
        validate_domain(domain)
    assert message in str(refusal.value)
    with pytest.raises(ValueError):
        from_expression("x**2 + y**2", domain=domain if domain is not None else "")


def test_the_default_start_is_inside_the_domain_where_the_formula_is_defined():
    for text in ORDINARY:
        surface = from_expression(text, domain=((-3, 4), (-2, 6)))
        sx, sy = surface.start
        assert -3 <= sx <= 4 and -2 <= sy <= 6
        value, (gx, gy) = surface.value_and_grad(sx, sy)
        assert np.isfinite([value, gx, gy]).all(), text
    assert from_expression("0.05*x**2 + 2*y**2").start == (-3.5, 2.5)
    assert from_expression("log(x)").start[0] > 0


def test_a_given_start_is_checked():
    assert from_expression("x**2", start=(1, -2)).start == (1.0, -2.0)
    with pytest.raises(ValueError, match="must lie inside the plotting domain"):
        from_expression("x**2", start=(6, 0))
    with pytest.raises(ValueError, match="undefined at the start"):
        from_expression("log(x)", start=(-1, 0))
    with pytest.raises(ValueError, match="start must be a point"):
        from_expression("x**2", start=(1, 2, 3))


def test_simulate_runs_on_a_typed_surface():
    surface = from_expression("abs(x) + 10*abs(y)")
    run = simulate(surface, "adam", steps=200, lr=0.1)
    assert run.diverged_at is None
    assert run.losses[-1] < 0.05 * run.losses[0]
    library = simulate(SURFACES["rosenbrock"], "momentum", steps=100, lr=1e-3, mu=0.9)
    typed = simulate(from_expression("(1 - x)**2 + 100*(y - x**2)**2",
                                     domain=SURFACES["rosenbrock"].domain),
                     "momentum", start=SURFACES["rosenbrock"].start, steps=100, lr=1e-3, mu=0.9)
    np.testing.assert_allclose(typed.points, library.points, rtol=1e-12, atol=1e-12)


def test_a_run_that_steps_into_a_hole_stops_cleanly():
    surface = from_expression("log(x) + y**2")
    # From x = 0.5 the gradient 1/x = 2 sends SGD with lr = 1 to x = -1.5.
    run = simulate(surface, "sgd", start=(0.5, 1.0), steps=10, lr=1.0)
    assert run.diverged_at == 1
    assert np.isfinite(run.points[0]).all() and np.isnan(run.points[1:]).all()
    # In a batch, only the runs that fall in stop.
    batch = simulate(surface, "sgd", start=[(0.5, 1.0), (3.0, 1.0)], steps=10, lr=[1.0, 0.1])
    assert list(batch.diverged_at) == [1, 11]
    assert np.isfinite(batch.points[:, 1]).all()


def test_a_run_starting_where_only_the_gradient_is_undefined_stops():
    cone = from_expression("sqrt(x**2 + y**2)")
    assert float(cone.f(0.0, 0.0)) == 0.0 and np.isnan(cone.grad(0.0, 0.0)).all()
    run = simulate(cone, "sgd", start=(0.0, 0.0), steps=5, lr=0.1)
    assert run.diverged_at == 1
