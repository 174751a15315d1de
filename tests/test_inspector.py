"""Effective step sizes and arrows against sums worked out from the recorded gradients."""

import numpy as np
import pytest

from analysis.inspector import arrows_at, effective_step_sizes
from optimizers import simulate
from surfaces import SURFACES

RAVINE = SURFACES["ravine"]


def test_adagrad_step_size_is_lr_over_root_of_summed_squares_and_only_shrinks():
    run = simulate(RAVINE, "adagrad", steps=200, lr=0.5, eps=1e-7, record_state=True)
    grads = run.states["grad"]  # grad[k] took points[k] to points[k + 1]
    sums = np.cumsum(grads**2, axis=0)
    expected = 0.5 / (np.sqrt(sums) + 1e-7)
    sizes = effective_step_sizes(run)
    assert np.isnan(sizes[0]).all()
    np.testing.assert_allclose(sizes[1:], expected, rtol=1e-12)
    assert (np.diff(sizes[1:], axis=0) <= 0).all()


def test_adagrad_decays_towards_zero_under_noisy_gradients_while_rmsprop_does_not():
    kw = dict(steps=4000, lr=0.05, noise=1.0, seed=3, record_state=True)
    ada = effective_step_sizes(simulate(RAVINE, "adagrad", **kw))
    rms = effective_step_sizes(simulate(RAVINE, "rmsprop", **kw))
    assert ada[-1].max() < 0.1 * ada[10].min()  # ~1/sqrt(t): down by more than 10x
    assert rms[-1].min() > 0.5 * rms[100:].mean(axis=0).min()  # settles, no decay


def test_adam_step_size_includes_both_bias_corrections():
    run = simulate(RAVINE, "adam", steps=5, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
                   record_state=True)
    g = run.states["grad"]
    v = np.zeros(2)
    for t in range(1, 6):
        v = 0.999 * v + 0.001 * g[t - 1] ** 2
        expected = 0.1 / (1 - 0.9**t) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(effective_step_sizes(run)[t], expected, rtol=1e-12)
    off = simulate(RAVINE, "adam", steps=5, lr=0.1, bias_correction=False, record_state=True)
    np.testing.assert_allclose(
        effective_step_sizes(off)[1], 0.1 / (np.sqrt(off.states["v"][1]) + 1e-7), rtol=1e-12
    )


def test_sgd_family_step_size_is_lr():
    run = simulate(RAVINE, "momentum", steps=3, lr=0.2, mu=0.9, record_state=True)
    assert (effective_step_sizes(run) == 0.2).all()


def test_arrows_for_nesterov_and_momentum():
    run = simulate(RAVINE, "nesterov", steps=10, lr=0.5, mu=0.9, record_state=True)
    a = arrows_at(run, 3)
    np.testing.assert_array_equal(a.origin, run.points[3])
    np.testing.assert_allclose(a.grad, -0.5 * np.array(RAVINE.grad(*run.points[3])))
    np.testing.assert_allclose(a.textbook_position, run.points[3] - 0.9 * run.states["v"][3])
    # the next position is origin - mu * v_prev + (1 + mu) * v_new
    assert arrows_at(run, 10).grad is None
    plain = arrows_at(simulate(RAVINE, "sgd", steps=2, lr=0.1, record_state=True), 0)
    assert plain.velocity is None and plain.textbook_position is None


def test_needs_recorded_state():
    with pytest.raises(ValueError, match="record_state"):
        effective_step_sizes(simulate(RAVINE, "adam", steps=2))
