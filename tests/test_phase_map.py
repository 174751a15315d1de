"""Phase maps: each cell is its own run; the ravine's boundary is where theory puts it."""

import numpy as np
import pytest

from analysis.phase_map import log_grid, phase_map
from analysis.theory import theory_for
from optimizers import simulate
from surfaces import SURFACES


def test_cells_equal_their_single_runs():
    surface = SURFACES["ravine"]
    lrs, mus = log_grid(0.01, 5.0, 7), np.array([0.0, 0.5, 0.9])
    pm = phase_map(surface, "momentum", lrs, mus, steps=200)
    assert pm.steps_to_converge.shape == (3, 7)
    for i, mu in enumerate(mus):
        for j, lr in enumerate(lrs):
            run = simulate(surface, "momentum", steps=200, lr=lr, mu=mu)
            assert pm.diverged[i, j] == (run.diverged_at is not None)
            excess = run.losses - surface.min_value
            hits = np.flatnonzero(excess <= 1e-4 * excess[0])
            expected = hits[0] if hits.size else np.nan
            np.testing.assert_equal(pm.steps_to_converge[i, j], expected)
            np.testing.assert_equal(pm.final_loss[i, j], run.losses[-1])


def test_momentum_divergence_follows_the_analytic_boundary():
    surface = SURFACES["ravine"]
    theory = theory_for(surface)
    lrs, mus = log_grid(0.05, 10.0, 40), np.linspace(0.0, 0.95, 20)
    pm = phase_map(surface, "momentum", lrs, mus, steps=300)
    limit = 2 * (1 + mus[:, None]) / theory.lam_max
    clearly_inside = lrs[None, :] < 0.9 * limit
    clearly_outside = lrs[None, :] > 1.2 * limit
    assert clearly_inside.any() and clearly_outside.any()
    assert not pm.diverged[clearly_inside].any()
    assert pm.diverged[clearly_outside].all()


def test_sgd_has_one_row_and_adam_sweeps_beta1():
    surface = SURFACES["ravine"]
    sgd = phase_map(surface, "sgd", [0.1, 1.0, 3.0], steps=100)
    assert sgd.y_name is None and sgd.diverged.shape == (1, 3)
    assert list(sgd.diverged[0]) == [False, False, True]
    adam = phase_map(surface, "adam", [0.1, 0.3], [0.0, 0.9], steps=50)
    assert adam.y_name == "beta1" and adam.final_loss.shape == (2, 2)


def test_a_surface_without_minimum_has_no_convergence_steps():
    pm = phase_map(SURFACES["saddle"], "sgd", [0.01, 0.1], steps=20)
    assert np.isnan(pm.steps_to_converge).all()
    assert np.isfinite(pm.final_loss).all()


def test_bad_axes_are_refused_with_the_parameter_named():
    with pytest.raises(ValueError, match="beta1"):
        phase_map(SURFACES["ravine"], "adam", [0.1], [1.5])
    with pytest.raises(ValueError, match="unknown optimizer"):
        phase_map(SURFACES["ravine"], "lbfgs", [0.1])
