"""Schedules: factors worked by hand, the notes' momentum under a changing lr, torch's form."""

import numpy as np
import pytest

from analysis.inspector import effective_step_sizes
from optimizers import simulate
from optimizers.schedules import Schedule
from surfaces import SURFACES

RAVINE = SURFACES["ravine"]  # f = 0.5 * (x**2 / 50 + y**2): gradient (x / 50, y)


def grad(x, y):
    return x / 50, y


def test_lr_factors_by_hand():
    assert list(Schedule("step", drop=0.5, every=2).lr_factors(5)) == [1, 1, 0.5, 0.5, 0.25]
    assert Schedule("exponential", gamma=0.9).lr_factors(3) == pytest.approx([1, 0.9, 0.81])
    assert Schedule("inverse", k=0.5).lr_factors(3) == pytest.approx([1, 1 / 1.5, 1 / 2])
    assert list(Schedule().lr_factors(2)) == [1, 1]


def test_momentum_annealing_goes_from_start_towards_end():
    mus = Schedule(mu_start=0.5, mu_end=0.99, anneal_steps=100).mus(301)
    assert mus[0] == 0.5
    assert (np.diff(mus) > 0).all()
    assert 0.99 - mus[100] == pytest.approx(0.01 * 0.49)  # 99% of the gap closed
    assert mus[-1] < 0.99
    assert Schedule().mus(3) is None


def test_notes_momentum_under_a_step_schedule_worked_by_hand():
    lrs = [0.1, 0.1, 0.05, 0.05]  # step schedule: drop 0.5 every 2 steps
    x, y, vx, vy = -8.0, 1.5, 0.0, 0.0
    expected = [(x, y)]
    for lr in lrs:
        gx, gy = grad(x, y)
        vx, vy = 0.9 * vx - lr * gx, 0.9 * vy - lr * gy  # v = mu * v - lr * dx
        x, y = x + vx, y + vy
        expected.append((x, y))
    run = simulate(RAVINE, "momentum", steps=4, lr=0.1, mu=0.9,
                   schedule=Schedule("step", drop=0.5, every=2))
    np.testing.assert_allclose(run.points, expected, rtol=1e-15)
    np.testing.assert_allclose(run.lr_at(), lrs)


def torch_form_momentum(lrs, mu=0.9):
    """torch.optim.SGD(momentum=mu) by hand: b = mu * b + dx; x -= lr * b."""
    x, y, bx, by = -8.0, 1.5, 0.0, 0.0
    for lr in lrs:
        gx, gy = grad(x, y)
        bx, by = mu * bx + gx, mu * by + gy
        x, y = x - lr * bx, y - lr * by
    return x, y


def test_notes_form_equals_torch_form_only_while_lr_is_constant():
    constant = simulate(RAVINE, "momentum", steps=50, lr=0.1, mu=0.9)
    np.testing.assert_allclose(constant.points[-1], torch_form_momentum([0.1] * 50), rtol=1e-12)
    schedule = Schedule("exponential", gamma=0.95)
    decayed = simulate(RAVINE, "momentum", steps=50, lr=0.1, mu=0.9, schedule=schedule)
    torch_like = torch_form_momentum(0.1 * schedule.lr_factors(50))
    assert np.abs(decayed.points[-1] - torch_like).max() > 1e-3


def test_annealed_mu_is_used_step_by_step():
    schedule = Schedule(mu_start=0.5, mu_end=0.99, anneal_steps=10)
    mus = schedule.mus(3)
    x, y, vx, vy = -8.0, 1.5, 0.0, 0.0
    for mu in mus:
        gx, gy = grad(x, y)
        vx, vy = mu * vx - 0.1 * gx, mu * vy - 0.1 * gy
        x, y = x + vx, y + vy
    run = simulate(RAVINE, "momentum", steps=3, lr=0.1, mu=0.9, schedule=schedule)
    np.testing.assert_allclose(run.points[-1], (x, y), rtol=1e-15)


def test_a_batch_under_a_schedule_equals_its_single_runs():
    schedule = Schedule("inverse", k=0.05, mu_start=0.5)
    lrs = np.array([0.05, 0.1, 0.3])
    batch = simulate(RAVINE, "nesterov", start=np.tile(RAVINE.start, (3, 1)), steps=60,
                     lr=lrs, mu=0.9, schedule=schedule)
    for r, lr in enumerate(lrs):
        single = simulate(RAVINE, "nesterov", steps=60, lr=lr, mu=0.9, schedule=schedule)
        np.testing.assert_array_equal(batch.points[:, r], single.points)


def test_effective_step_size_follows_the_schedule():
    run = simulate(RAVINE, "sgd", steps=4, lr=0.2, schedule=Schedule("step", drop=0.5, every=2),
                   record_state=True)
    # row k is the size step k + 1 uses; the last row repeats the last step's
    np.testing.assert_allclose(effective_step_sizes(run)[:, 0], [0.2, 0.2, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("kwargs, name", [
    ({"kind": "cosine"}, "schedule"), ({"drop": 0.0}, "drop"), ({"every": 0}, "every"),
    ({"gamma": 1.5}, "gamma"), ({"k": -1.0}, "k"), ({"mu_start": 1.2}, "mu_start"),
    ({"mu_end": float("nan")}, "mu_end"), ({"anneal_steps": 2.5}, "anneal_steps"),
])
def test_bad_schedules_are_refused_by_name(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Schedule(**kwargs)
    with pytest.raises(ValueError, match="Schedule"):
        simulate(RAVINE, "sgd", steps=1, schedule="step")
