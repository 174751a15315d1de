"""The surface library: gradients, minima, grids and metadata, for every registered surface.

The tests walk ``SURFACES`` (plus a few turned and stretched ravines), so a
surface added to the registry is checked here without a new test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from surfaces import (
    FACTORIES,
    SURFACE_PARAMS,
    SURFACES,
    Surface,
    make_surface,
    penguins,
    ravine,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

VARIANTS = {
    "ravine(kappa=200, angle=30)": ravine(kappa=200, angle=30),
    "ravine(kappa=1000, angle=-60)": ravine(kappa=1000, angle=-60),
    "ravine(kappa=1, angle=90)": ravine(kappa=1, angle=90),
    "penguins(scaling='centred')": penguins(scaling="centred"),
    "penguins(scaling='standardised')": penguins(scaling="standardised"),
}
ALL = {**SURFACES, **VARIANTS}
each_surface = pytest.mark.parametrize("surface", list(ALL.values()), ids=list(ALL))


def sample_points(surface: Surface, n_grid: int = 25, n_random: int = 300, seed: int = 0):
    """A grid over the domain, edges included, and random points inside it."""
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n_grid), np.linspace(y0, y1, n_grid))
    rng = np.random.default_rng(seed)
    x = np.concatenate([gx.ravel(), rng.uniform(x0, x1, n_random)])
    y = np.concatenate([gy.ravel(), rng.uniform(y0, y1, n_random)])
    return x, y


@each_surface
def test_gradient_matches_central_differences(surface):
    x, y = sample_points(surface)
    (x0, x1), (y0, y1) = surface.domain
    width = max(x1 - x0, y1 - y0)
    h = 1e-6 * width
    fd_x = (surface.f(x + h, y) - surface.f(x - h, y)) / (2 * h)
    fd_y = (surface.f(x, y + h) - surface.f(x, y - h)) / (2 * h)
    gx, gy = surface.grad(x, y)
    # Central differences are good to about 1e-10 of the surface's gradient scale
    # (its range of values over the domain's width); a wrong term is off by far more.
    f = surface.f(x, y)
    scale = (f.max() - f.min()) / width
    assert_allclose(gx, fd_x, rtol=1e-7, atol=1e-7 * scale)
    assert_allclose(gy, fd_y, rtol=1e-7, atol=1e-7 * scale)


@each_surface
def test_declared_minima_have_the_value_and_a_zero_gradient(surface):
    if not surface.minima:
        assert surface.min_value is None
        return
    (x0, x1), (y0, y1) = surface.domain
    for mx, my in surface.minima:
        assert x0 <= mx <= x1 and y0 <= my <= y1
        assert surface.f(mx, my) == pytest.approx(surface.min_value, abs=1e-12)
        gx, gy = surface.grad(np.float64(mx), np.float64(my))
        assert math.hypot(gx, gy) < 1e-9
        # A minimum: every nearby point is higher.
        for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
            d = 1e-3 * max(x1 - x0, y1 - y0)
            assert surface.f(mx + d * np.cos(angle), my + d * np.sin(angle)) > surface.min_value
    # ... and a global one: nothing on a fine grid over the domain is lower.
    _, _, z = surface.grid(301)
    assert np.nanmin(z) >= surface.min_value - 1e-12


def test_saddle_has_no_minimum_but_a_stationary_point():
    saddle = SURFACES["saddle"]
    assert saddle.minima == () and saddle.min_value is None
    assert saddle.grad(0.0, 0.0) == (0.0, 0.0)
    assert saddle.f(1.0, 0.0) > saddle.f(0.0, 0.0) > saddle.f(0.0, 1.0)


@each_surface
def test_value_and_grad_equal_f_and_grad(surface):
    x, y = sample_points(surface, n_grid=10, n_random=50)
    value, (gx, gy) = surface.value_and_grad(x, y)
    assert_array_equal(value, surface.f(x, y))
    assert_array_equal(gx, surface.grad(x, y)[0])
    assert_array_equal(gy, surface.grad(x, y)[1])


@each_surface
def test_grid_equals_point_by_point(surface):
    xs, ys, z = surface.grid(17)
    (x0, x1), (y0, y1) = surface.domain
    assert z.shape == (17, 17)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (x0, x1, y0, y1)
    expected = [[surface.f(float(x), float(y)) for x in xs] for y in ys]  # rows are y
    assert_allclose(z, expected, rtol=1e-14, atol=0)


@each_surface
def test_vectorized_over_any_shape(surface):
    x, y = sample_points(surface, n_grid=4, n_random=0)
    x, y = x.reshape(2, 8), y.reshape(2, 8)
    assert np.shape(surface.f(x, y)) == (2, 8)
    assert [np.shape(g) for g in surface.grad(x, y)] == [(2, 8), (2, 8)]


def test_grid_shows_holes_as_nan_without_warning():
    hole = Surface(name="custom", title="log", f=lambda x, y: np.log(x) + y * y,
                   grad=lambda x, y: (1 / x, 2 * y), domain=((-1.0, 1.0), (-1.0, 1.0)),
                   minima=(), min_value=None, start=(0.5, 0.5), latex="", lesson="")
    xs, _, z = hole.grid(21)
    assert np.isnan(z[:, xs <= 0]).all() and np.isfinite(z[:, xs > 0]).all()


# --- Metadata --------------------------------------------------------------------------

def test_registry_holds_the_library():
    assert list(SURFACES)[0] == "ravine"  # the default
    assert set(SURFACES) >= {"ravine", "rosenbrock", "beale", "saddle", "himmelblau",
                             "rastrigin", "booth", "plateau"}
    assert set(FACTORIES) == set(SURFACES)


@pytest.mark.parametrize("key", list(SURFACES))
def test_metadata_is_complete(key):
    s = SURFACES[key]
    assert s.name == key and s.title
    assert s.latex.startswith(f"f({s.axes[0]}, {s.axes[1]}) =")
    assert s.lesson.endswith(".") and s.lesson.count(". ") == 0  # one sentence
    (x0, x1), (y0, y1) = s.domain
    assert x0 < x1 and y0 < y1
    sx, sy = s.start
    assert x0 <= sx <= x1 and y0 <= sy <= y1
    assert np.isfinite(s.f(sx, sy))
    if s.minima:
        assert s.f(sx, sy) > s.min_value  # a start that has somewhere to go
    assert max(x1 - x0, y1 - y0) / 2 < s.escape_radius <= 1e6
    assert FACTORIES[key]().title == s.title


def test_plateau_gradient_all_but_vanishes_far_from_the_well():
    plateau = SURFACES["plateau"]
    (x0, x1), _ = plateau.domain
    gx, gy = plateau.grad(x1 - 1, 0.0)
    assert 0 < math.hypot(gx, gy) < 1e-3
    assert math.hypot(*plateau.grad(*plateau.start)) < 0.01


# --- The ravine's parameters -------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(kappa=st.floats(1.0, 1000.0), angle=st.floats(-90.0, 90.0))
def test_ravine_hessian_has_eigenvalues_one_over_kappa_and_one(kappa, angle):
    s = ravine(kappa=kappa, angle=angle)
    # The gradient of a quadratic is linear: the Hessian's columns are grad at (1, 0), (0, 1).
    H = np.array([s.grad(1.0, 0.0), s.grad(0.0, 1.0)]).T
    assert_allclose(H, H.T, atol=1e-15)
    values, vectors = np.linalg.eigh(H)
    assert_allclose(values, [1 / kappa, 1.0], rtol=1e-12, atol=1e-15)
    # f = 0.5 p^T H p
    p = np.array([3.0, -2.0])
    assert s.f(*p) == pytest.approx(0.5 * p @ H @ p, rel=1e-12)
    if kappa > 1.01:  # the shallow direction is along the angle (up to sign)
        a = math.radians(angle)
        assert abs(vectors[:, 0] @ [math.cos(a), math.sin(a)]) == pytest.approx(1, abs=1e-9)
    (x0, x1), (y0, y1) = s.domain
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    assert s.params == {"kappa": kappa, "angle": angle}


def test_default_ravine_is_steep_vertically_and_shallow_horizontally():
    s = SURFACES["ravine"]
    assert s.params == {"kappa": 50.0, "angle": 0.0}
    assert s.grad(1.0, 0.0) == pytest.approx((1 / 50, 0.0))
    assert s.grad(0.0, 1.0) == pytest.approx((0.0, 1.0))
    assert s.start == pytest.approx((-8.0, 1.5))


def test_make_surface_with_parameters():
    s = make_surface("ravine", kappa=200, angle=30)
    assert s.params == {"kappa": 200.0, "angle": 30.0}
    assert_array_equal(s.grid(5)[2], ravine(kappa=200, angle=30).grid(5)[2])
    assert {p.name for p in SURFACE_PARAMS["ravine"]} == {"kappa", "angle"}


@pytest.mark.parametrize("name, params, words", [
    ("valley", {}, ["unknown surface", "'valley'", "ravine"]),
    ("ravine", {"depth": 2}, ["'depth'", "kappa, angle"]),
    ("rosenbrock", {"a": 1}, ["'a'", "none"]),
    ("ravine", {"kappa": 0.5}, ["kappa", "between 1 and 1000"]),
    ("ravine", {"kappa": float("nan")}, ["kappa", "between 1 and 1000"]),
    ("ravine", {"angle": 120}, ["angle", "between -90 and 90"]),
    ("ravine", {"kappa": "steep"}, ["kappa", "number", "steep"]),
])
def test_make_surface_refuses_bad_input_with_a_message(name, params, words):
    with pytest.raises(ValueError) as err:
        make_surface(name, **params)
    for word in words:
        assert word in str(err.value)
