"""The ravine's theory against hand-worked numbers and against simulated runs."""

import math

import numpy as np
import pytest

from analysis.theory import QuadraticTheory, measured_rate, predicted_rate, theory_for
from optimizers import simulate
from surfaces import SURFACES, ravine


def test_formulas_for_kappa_4_worked_by_hand():
    # lam_min = 1/4, lam_max = 1, sqrt(kappa) = 2
    th = QuadraticTheory(lam_min=0.25, lam_max=1.0)
    assert th.kappa == 4
    assert th.sgd_max_lr == 2
    assert th.sgd_best_lr == pytest.approx(2 / 1.25)  # 1.6
    assert th.sgd_best_rate == pytest.approx(3 / 5)
    assert th.momentum_best_lr == pytest.approx(4 / 1.5**2)
    assert th.momentum_best_rate == pytest.approx(1 / 3)
    assert th.momentum_best_mu == pytest.approx(1 / 9)


def test_theory_reads_kappa_from_the_ravine_only():
    th = theory_for(ravine(kappa=200, angle=30))
    assert th.lam_min == pytest.approx(1 / 200) and th.lam_max == 1
    assert theory_for(SURFACES["rosenbrock"]) is None


@pytest.mark.parametrize(
    "optimizer, hyper",
    [
        ("sgd", {"lr": 1.0}),
        ("sgd", {"lr": 1.9}),
        ("momentum", {"lr": 0.5, "mu": 0.9}),
        ("nesterov", {"lr": 0.5, "mu": 0.9}),
        ("momentum", {"lr": 0.1, "mu": 0.5}),
    ],
)
def test_predicted_rate_matches_the_simulated_run(optimizer, hyper):
    surface = ravine(kappa=50, angle=20)
    run = simulate(surface, optimizer, steps=800, **hyper)
    predicted = predicted_rate(theory_for(surface), optimizer, hyper)
    assert measured_rate(run.losses) == pytest.approx(predicted, abs=5e-3)


def test_optimal_settings_beat_nearby_settings():
    surface = SURFACES["ravine"]
    th = theory_for(surface)
    best = predicted_rate(th, "sgd", {"lr": th.sgd_best_lr})
    for lr in (0.9 * th.sgd_best_lr, 1.01 * th.sgd_best_lr):
        assert predicted_rate(th, "sgd", {"lr": lr}) > best
    hb = {"lr": th.momentum_best_lr, "mu": th.momentum_best_mu}
    assert predicted_rate(th, "momentum", hb) == pytest.approx(th.momentum_best_rate, rel=1e-6)
    for mu in (0.8 * th.momentum_best_mu, 1.2 * th.momentum_best_mu):
        assert predicted_rate(th, "momentum", {**hb, "mu": mu}) > th.momentum_best_rate + 1e-4
    assert th.momentum_best_rate < th.sgd_best_rate


@pytest.mark.parametrize("optimizer, mu", [("sgd", 0.0), ("momentum", 0.5), ("momentum", 0.9),
                                           ("nesterov", 0.5), ("nesterov", 0.9)])
def test_stability_boundary_separates_converging_and_diverging_runs(optimizer, mu):
    surface = SURFACES["ravine"]
    limit = theory_for(surface).max_stable_lr(optimizer, mu)
    hyper = {} if optimizer == "sgd" else {"mu": mu}
    inside = simulate(surface, optimizer, steps=3000, lr=0.97 * limit, **hyper)
    outside = simulate(surface, optimizer, steps=3000, lr=1.03 * limit, **hyper)
    assert inside.diverged_at is None and inside.losses[-1] < 1e-3
    assert outside.diverged_at is not None


def test_adaptive_methods_have_no_closed_form():
    th = QuadraticTheory(0.02, 1.0)
    assert predicted_rate(th, "adam", {"lr": 0.1}) is None
    assert th.max_stable_lr("rmsprop") is None


def test_measured_rate_of_a_geometric_curve_and_of_short_curves():
    steps = np.arange(200)
    losses = 3.0 * 0.9 ** (2 * steps)  # distance shrinks by 0.9 per step
    assert measured_rate(losses) == pytest.approx(0.9, rel=1e-9)
    assert measured_rate(losses[:8]) is None
    with_nan = losses.copy()
    with_nan[50:] = np.nan  # a diverged run: only the finite part counts
    assert measured_rate(with_nan) == pytest.approx(0.9, rel=1e-9)
    # an offset minimum: rounding of L = 1 + tiny limits what can be measured
    assert math.isclose(measured_rate(losses + 1.0, min_value=1.0), 0.9, rel_tol=1e-3)


def test_the_hessian_of_each_quadratic_against_its_own_derivation():
    from analysis.theory import hessian_of
    from surfaces import from_expression, make_surface

    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    # The turned ravine: f = (u**2 / kappa + w**2) / 2, u = c x + s y, w = -s x + c y.
    expected = np.array([[c * c / 200 + s * s, c * s / 200 - c * s],
                         [c * s / 200 - c * s, s * s / 200 + c * c]])
    assert hessian_of(ravine(kappa=200, angle=30)) == pytest.approx(expected, abs=1e-12)
    # Booth: the second derivatives of (x + 2y - 7)**2 + (2x + y - 5)**2 by hand.
    assert hessian_of(SURFACES["booth"]) == pytest.approx(np.array([[10, 8], [8, 10]]))
    assert hessian_of(SURFACES["saddle"]) == pytest.approx(np.array([[2, 0], [0, -2]]))
    assert hessian_of(from_expression("3*x**2 + x*y - 2*y + 1")) == pytest.approx(
        np.array([[6, 1], [1, 0]]))
    data = make_surface("penguins", scaling="centred").dataset
    assert hessian_of(make_surface("penguins", scaling="centred")) == pytest.approx(
        np.array([[2 * np.mean(data.x**2), 0], [0, 2]]), abs=1e-12)  # centred: mean x = 0
    for name in ("rosenbrock", "beale", "himmelblau", "rastrigin", "plateau"):
        assert hessian_of(SURFACES[name]) is None, name
    assert hessian_of(from_expression("x**2 + y**4")) is None


def test_a_typed_quadratic_knows_its_minimum_and_its_loss_there():
    from surfaces import from_expression

    th = theory_for(from_expression("(x - 1)**2 + 3*(y + 2)**2 + 4"))
    assert (th.lam_min, th.lam_max) == pytest.approx((2, 6))
    assert th.minimum == pytest.approx((1, -2)) and th.min_value == pytest.approx(4)


@pytest.mark.parametrize("name, optimizer, mu", [
    ("penguins", "sgd", 0.0), ("penguins", "momentum", 0.9), ("penguins", "nesterov", 0.5),
    ("booth", "sgd", 0.0), ("booth", "momentum", 0.5),
])
def test_the_stable_lr_range_separates_converging_and_diverging_runs(name, optimizer, mu):
    from analysis.theory import stable_lr_range

    surface = SURFACES[name]
    low, high = stable_lr_range(surface, optimizer, mu)
    lam_max = float(np.linalg.eigvalsh(surface.dataset.hessian)[1]) if surface.dataset \
        else 18.0  # Booth: the eigenvalues of [[10, 8], [8, 10]] are 2 and 18
    assert low == 0
    assert high == pytest.approx({"sgd": 2 / lam_max, "momentum": 2 * (1 + mu) / lam_max,
                                  "nesterov": 2 * (1 + mu) / ((1 + 2 * mu) * lam_max)}[optimizer])
    hyper = {} if optimizer == "sgd" else {"mu": mu}
    inside = simulate(surface, optimizer, steps=2000, lr=0.97 * high, **hyper)
    outside = simulate(surface, optimizer, steps=2000, lr=1.03 * high, **hyper)
    assert inside.diverged_at is None
    assert outside.diverged_at is not None


def test_no_stable_range_where_the_theory_has_none():
    from analysis.theory import stable_lr_range

    assert stable_lr_range(SURFACES["rosenbrock"], "sgd") is None
    assert stable_lr_range(SURFACES["saddle"], "sgd") is None
    assert stable_lr_range(SURFACES["ravine"], "adam") is None
    assert stable_lr_range(SURFACES["ravine"], "momentum", 1.0) is None
    assert stable_lr_range(SURFACES["ravine"], "sgd") == (0.0, 2.0)
