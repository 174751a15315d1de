"""``simulate`` itself: validation, batching, divergence, noise, any surface object.

Every RuntimeWarning (NumPy's overflow, invalid value, division by zero) is an
error in this module: none may reach the console, whatever a run does.
"""

from __future__ import annotations

import itertools
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from optimizers import OPTIMIZERS, simulate
from optimizers.engine import MAX_VALUES, RUNAWAY
from surfaces import SURFACES

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RAVINE = SURFACES["ravine"]  # f = 0.5 * (x**2 / 50 + y**2), domain 20 x 10
START = (-8.0, 1.5)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, hyper, words", [
    ("sgd", {"lr": 0.0}, ["lr", "in [1e-06, 100]", "got 0.0"]),
    ("sgd", {"lr": -0.1}, ["lr", "in [1e-06, 100]"]),
    ("sgd", {"lr": 1e-7}, ["lr", "in [1e-06, 100]", "got 1e-07"]),
    ("sgd", {"lr": 100.5}, ["lr", "in [1e-06, 100]", "got 100.5"]),
    ("sgd", {"lr": float("nan")}, ["lr", "finite", "in [1e-06, 100]"]),
    ("adam", {"lr": float("inf")}, ["lr", "finite", "in [1e-06, 100]"]),
    ("sgd", {"lr": [0.1, 0.2, -1.0]}, ["lr", "in [1e-06, 100]", "got -1.0"]),
    ("sgd", {"lr": "fast"}, ["lr", "number", "in [1e-06, 100]", "fast"]),
    ("momentum", {"mu": -0.1}, ["mu", "in [0, 1]"]),
    ("momentum", {"mu": 1.01}, ["mu", "in [0, 1]"]),
    ("nesterov", {"mu": float("nan")}, ["mu", "in [0, 1]"]),
    ("rmsprop", {"decay_rate": 1.0}, ["decay_rate must be a finite number in [0, 1), got 1.0"]),
    ("rmsprop", {"decay_rate": -0.5}, ["decay_rate", "in [0, 1)"]),
    ("adam", {"beta1": 1.0}, ["beta1", "in [0, 1)"]),
    ("adam", {"beta2": 1.0}, ["beta2", "in [0, 1)"]),
    ("adam", {"beta2": -1e-9}, ["beta2", "in [0, 1)"]),
    ("adam", {"beta1": [0.9, 1.5]}, ["beta1", "in [0, 1)", "got 1.5"]),
    ("adagrad", {"eps": 0.0}, ["eps", "in [1e-12, 1]"]),
    ("rmsprop", {"eps": -1e-8}, ["eps", "in [1e-12, 1]"]),
    ("adam", {"eps": 2.0}, ["eps", "in [1e-12, 1]", "got 2.0"]),
    ("adam", {"eps": float("inf")}, ["eps", "in [1e-12, 1]"]),
    ("adam", {"bias_correction": "yes"}, ["bias_correction", "true or false"]),
    ("adam", {"bias_correction": 2}, ["bias_correction", "true or false"]),
    ("sgd", {"mu": 0.9}, ["sgd", "no hyperparameter", "'mu'", "lr"]),
    ("adam", {"beta": 0.9}, ["'beta'", "lr, beta1, beta2, eps, bias_correction"]),
    ("sgd", {"lr": [[0.1, 0.2]]}, ["lr", "shape (R,)", "(1, 2)"]),
])
def test_bad_hyperparameters_name_the_parameter_and_range(optimizer, hyper, words):
    with pytest.raises(ValueError) as err:
        simulate(RAVINE, optimizer, start=START, steps=5, **hyper)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"optimizer": "adamw"}, ["unknown optimizer", "'adamw'", "sgd, momentum, nesterov"]),
    ({"start": (1.0, float("nan"))}, ["start", "finite"]),
    ({"start": (1.0, 2.0, 3.0)}, ["start", "(2,) or (R, 2)", "(3,)"]),
    ({"start": np.zeros((2, 2, 2))}, ["start", "(2, 2, 2)"]),
    ({"start": "here"}, ["start", "(R, 2) array of numbers", "here"]),
    ({"start": np.zeros((0, 2))}, ["at least one run"]),
    ({"steps": -1}, ["steps", "whole number >= 0", "-1"]),
    ({"steps": 2.5}, ["steps", "whole number"]),
    ({"steps": True}, ["steps", "whole number"]),
    ({"noise": -0.1}, ["noise", ">= 0"]),
    ({"noise": float("nan")}, ["noise", ">= 0"]),
    ({"seed": -1}, ["seed", "whole number >= 0"]),
    ({"seed": 1.5}, ["seed", "whole number"]),
    ({"start": np.zeros((3, 2)), "lr": [0.1, 0.2]},
     ["numbers of runs disagree", "start: 3", "lr: 2"]),
    ({"start": np.zeros((3, 2)), "steps": MAX_VALUES}, ["too much", f"{MAX_VALUES:,}"]),
])
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    args = {"optimizer": "sgd", "start": START, "steps": 5, **kwargs}
    with pytest.raises(ValueError) as err:
        simulate(RAVINE, **args)
    for word in words:
        assert word in str(err.value)


def test_range_ends_that_are_allowed():
    for optimizer, hyper in [("momentum", {"mu": 0.0}), ("momentum", {"mu": 1.0}),
                             ("rmsprop", {"decay_rate": 0.0}), ("adam", {"beta1": 0.0}),
                             ("adam", {"beta2": 0.0}), ("sgd", {"lr": 1e-6}),
                             ("sgd", {"lr": 100.0}), ("adam", {"eps": 1e-12}),
                             ("adam", {"eps": 1.0}),
                             ("adam", {"bias_correction": np.array([True, False])})]:
        simulate(RAVINE, optimizer, start=START, steps=3, **hyper)


def test_surface_without_start_needs_one():
    bowl = SimpleNamespace(f=lambda x, y: x * x + y * y, grad=lambda x, y: (2 * x, 2 * y))
    with pytest.raises(ValueError, match="start is required"):
        simulate(bowl, "sgd")


# Every finite valid input: hyperparameters drawn from each one's whole allowed range.
def hyper_strategy(name: str):
    strategies = {}
    for h in OPTIMIZERS[name].hyper:
        if h.kind == "bool":
            strategies[h.name] = st.booleans()
        else:
            strategies[h.name] = st.floats(
                min_value=max(h.low, -1e300), max_value=min(h.high, 1e300),
                exclude_min=h.low_open and h.low > -1e300,
                exclude_max=h.high_open and h.high < 1e300)
    return st.fixed_dictionaries(strategies)


@st.composite
def any_valid_call(draw):
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    surface = draw(st.sampled_from(list(SURFACES.values())))
    coordinate = st.floats(allow_nan=False, allow_infinity=False)
    start = draw(st.tuples(coordinate, coordinate) | st.just(surface.start))
    return surface, name, start, draw(st.integers(0, 25)), draw(hyper_strategy(name))


@FAST
@given(any_valid_call())
def test_any_finite_valid_input_runs_without_error_or_warning(call):
    surface, name, start, steps, hyper = call
    run = simulate(surface, name, start=start, steps=steps, **hyper)
    assert run.points.shape == (steps + 1, 2)
    stop = steps + 1 if run.diverged_at is None else run.diverged_at
    assert np.isfinite(run.points[:stop]).all() and np.isfinite(run.losses[:stop]).all()
    assert np.isnan(run.points[stop:]).all() and np.isnan(run.losses[stop:]).all()


# --- Single runs and batches ---------------------------------------------------------------

def test_single_run_shapes_and_fields():
    run = simulate(RAVINE, "adam", start=START, steps=300, lr=0.3, beta1=0.9, beta2=0.999,
                   eps=1e-8)
    assert run.points.shape == (301, 2) and run.losses.shape == (301,)
    assert_array_equal(run.points[0], START)
    assert run.diverged_at is None and not run.batched and run.steps == 300
    assert run.optimizer is OPTIMIZERS["adam"]
    assert run.hyper == {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                         "bias_correction": True}
    assert run.losses[-1] < 1e-6 * run.losses[0]  # Adam does reach the ravine's floor


def test_zero_steps_and_default_start():
    run = simulate(RAVINE, "sgd", steps=0)
    assert_array_equal(run.points, [RAVINE.start])
    assert run.losses.shape == (1,) and run.diverged_at is None


def test_batch_shapes_and_never_value():
    starts = np.array([START, (2.0, -3.0), (0.5, 0.5)])
    start_copy = starts.copy()
    run = simulate(RAVINE, "momentum", start=starts, steps=50, lr=0.1, mu=[0.5, 0.9, 0.99])
    assert run.batched
    assert run.points.shape == (51, 3, 2) and run.losses.shape == (51, 3)
    assert run.diverged_at.dtype.kind == "i" and run.diverged_at.shape == (3,)
    assert_array_equal(run.diverged_at, [51, 51, 51])  # steps + 1: never diverged
    assert_array_equal(run.hyper["lr"], [0.1] * 3)
    assert_array_equal(run.hyper["mu"], [0.5, 0.9, 0.99])
    assert_array_equal(starts, start_copy)  # the caller's start is not moved


def test_an_array_hyperparameter_alone_makes_a_batch_from_one_start():
    run = simulate(RAVINE, "sgd", start=START, steps=10, lr=[0.1, 0.5, 1.0])
    assert run.points.shape == (11, 3, 2)
    assert_array_equal(run.points[0], [START] * 3)
    assert_array_equal(run.points[:, 2], simulate(RAVINE, "sgd", start=START, steps=10,
                                                  lr=1.0).points)
    assert simulate(RAVINE, "sgd", start=START, steps=10, seed=[0, 1]).points.shape == (11, 2, 2)


def batch_and_singles(surface, name, starts, steps, hyper, **kw):
    batch = simulate(surface, name, start=starts, steps=steps, record_state=True, **hyper, **kw)
    for r in range(len(starts)):
        one_hyper = {k: v[r] if np.ndim(v) else v for k, v in hyper.items()}
        one_kw = {k: v[r] if np.ndim(v) else v for k, v in kw.items()}
        one = simulate(surface, name, start=starts[r], steps=steps, record_state=True,
                       **one_hyper, **one_kw)
        yield batch, r, one


def assert_batch_column_is_single(batch, r, one):
    assert_array_equal(batch.points[:, r], one.points)
    assert_array_equal(batch.losses[:, r], one.losses)
    assert batch.diverged_at[r] == (batch.steps + 1 if one.diverged_at is None else one.diverged_at)
    assert batch.states.keys() == one.states.keys()
    for key in one.states:
        assert_array_equal(batch.states[key][:, r], one.states[key], err_msg=key)


def test_batch_of_mixed_adams_equals_its_single_runs():
    starts = np.array([START, (-8.0, 1.5), (3.0, -4.0), (-9.0, 4.0)])
    hyper = {"lr": np.array([0.3, 0.05, 1.0, 0.3]), "beta1": np.array([0.9, 0.0, 0.5, 0.99]),
             "beta2": np.array([0.999, 0.9, 0.5, 0.0]), "eps": 1e-8,
             "bias_correction": np.array([True, False, True, False])}
    for batch, r, one in batch_and_singles(RAVINE, "adam", starts, 200, hyper):
        assert_batch_column_is_single(batch, r, one)


@st.composite
def batch_call(draw):
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    surface = draw(st.sampled_from(list(SURFACES.values())))
    R = draw(st.integers(1, 4))
    per_run = st.lists(st.floats(-2, 2), min_size=2 * R, max_size=2 * R)
    starts = np.array(surface.start) + np.reshape(draw(per_run), (R, 2))
    hyper = {}
    for h in OPTIMIZERS[name].hyper:
        if h.kind == "bool":
            values = st.booleans()
        elif h.name in ("lr", "eps"):  # log-uniform, large enough to diverge sometimes
            values = st.floats(-9, 0).map(lambda e: 10.0**e) if h.name == "eps" else \
                st.floats(-4, 1).map(lambda e: 10.0**e)
        else:  # a bounded range (a new optimizer's unbounded one: up to 1e3)
            values = st.floats(max(h.low, -1e3), min(h.high, 1e3),
                               exclude_min=h.low_open and h.low > -1e3,
                               exclude_max=h.high_open and h.high < 1e3)
        hyper[h.name] = np.array(draw(st.lists(values, min_size=R, max_size=R)))
        if draw(st.booleans()):  # or one scalar for every run
            hyper[h.name] = hyper[h.name][0].item()
    noisy = draw(st.booleans())
    kw = {"noise": np.array(draw(st.lists(st.floats(0, 1), min_size=R, max_size=R))),
          "seed": np.array(draw(st.lists(st.integers(0, 3), min_size=R, max_size=R)))} \
        if noisy else {}
    return surface, name, starts, hyper, kw


@FAST
@given(batch_call())
def test_batch_equals_single_runs_exactly(call):
    surface, name, starts, hyper, kw = call
    for batch, r, one in batch_and_singles(surface, name, starts, 40, hyper, **kw):
        assert_batch_column_is_single(batch, r, one)


# --- Divergence ----------------------------------------------------------------------------

def test_sgd_diverges_on_the_ravine_at_the_predicted_step():
    # With lr > 2 the steep axis multiplies by (1 - lr) each step: y_k = 1.5 * (-1.5)**k for
    # lr = 2.5, while x shrinks by 1 - 2.5/50. The ravine's domain is 20 wide, so a run has
    # run away beyond 1000 half-widths, 1e4: 1.5 * 1.5**21 = 7482, 1.5 * 1.5**22 = 11223.
    assert RAVINE.escape_radius == 1e4
    predicted = next(k for k in itertools.count() if 1.5 * 1.5**k > 1e4)
    assert predicted == 22
    run = simulate(RAVINE, "sgd", start=START, steps=40, lr=2.5)
    assert run.diverged_at == predicted
    k = np.arange(predicted)
    assert_allclose(run.points[:predicted, 1], 1.5 * (-1.5) ** k, rtol=1e-13)
    assert_allclose(run.points[:predicted, 0], -8.0 * 0.95**k, rtol=1e-13)
    assert np.isfinite(run.losses[:predicted]).all()
    assert np.isnan(run.points[predicted:]).all() and np.isnan(run.losses[predicted:]).all()


def test_the_escape_box_is_per_axis_around_the_domain_centre():
    # Rosenbrock's domain is x in [-2, 2], y in [-1, 3]: centre (0, 1), half-width 2, so
    # the box is x in [-2000, 2000], y in [-1999, 2001]; a corner is further than 2000 away.
    rosen = SURFACES["rosenbrock"]
    assert rosen.escape_radius == 2000
    tiny = {"steps": 0, "lr": 1e-6}
    assert simulate(rosen, "sgd", start=(1999.0, 2000.0), **tiny).diverged_at is None
    assert simulate(rosen, "sgd", start=(2001.0, 0.0), **tiny).diverged_at == 0
    assert simulate(rosen, "sgd", start=(0.0, 1 - 1999.0), **tiny).diverged_at is None
    assert simulate(rosen, "sgd", start=(0.0, 1 - 2001.0), **tiny).diverged_at == 0


def test_sgd_at_lr_two_oscillates_forever_without_diverging():
    run = simulate(RAVINE, "sgd", start=START, steps=500, lr=2.0)
    assert run.diverged_at is None
    assert_allclose(np.abs(run.points[:, 1]), 1.5)


def test_batch_where_only_some_runs_diverge():
    # Steep-axis factors -0.5, -1.5, -0.9, -2: lr = 3 passes 1e4 when 1.5 * 2**k > 1e4, k = 13.
    lrs = np.array([0.5, 2.5, 1.9, 3.0])
    run = simulate(RAVINE, "sgd", start=np.tile(START, (4, 1)), steps=60, lr=lrs)
    assert_array_equal(run.diverged_at, [61, 22, 61, 13])
    assert np.isfinite(run.points[:, [0, 2]]).all()
    for r, stop in [(1, 22), (3, 13)]:
        assert np.isfinite(run.points[:stop, r]).all() and np.isnan(run.points[stop:, r]).all()
        single = simulate(RAVINE, "sgd", start=START, steps=60, lr=lrs[r])
        assert_array_equal(run.points[:, r], single.points)


def test_surface_without_domain_runs_away_at_one_million():
    # Any object with f and grad will do. SGD on x**2 + y**2 multiplies x by 1 - 2 lr = -5.
    bowl = SimpleNamespace(f=lambda x, y: x * x + y * y, grad=lambda x, y: (2 * x, 2 * y))
    assert RUNAWAY == 1e6
    run = simulate(bowl, "sgd", start=(1.0, 0.0), steps=20, lr=3.0)
    assert run.diverged_at == 9  # 5**8 = 390625, 5**9 = 1953125
    assert_allclose(run.points[:9, 0], (-5.0) ** np.arange(9))


def test_loss_undefined_stops_the_run_without_a_warning():
    # sqrt(x) has no value left of 0: from x = 1, SGD with lr = 4 steps to 1 - 4 * 0.5 = -1.
    hole = SimpleNamespace(f=lambda x, y: np.sqrt(x) + y * y,
                           grad=lambda x, y: (0.5 / np.sqrt(x), 2 * y))
    run = simulate(hole, "adam", start=(1.0, 1.0), steps=10, lr=0.01)
    assert run.diverged_at is None  # Adam's small steps stay right of the hole
    run = simulate(hole, "sgd", start=(1.0, 1.0), steps=10, lr=4.0)
    assert run.diverged_at == 1
    assert_array_equal(run.points[0], (1.0, 1.0))
    assert np.isnan(run.points[1:]).all()


def test_overflowing_gradients_stop_every_optimizer_quietly():
    # At x = 26.63, exp(x**2) is about 1.6e308, still finite; its slope 2 x exp(x**2) is not.
    steep = SimpleNamespace(f=lambda x, y: np.exp(x * x) + y * y,
                            grad=lambda x, y: (2 * x * np.exp(x * x), 2 * y))
    with np.errstate(over="ignore"):
        assert np.isfinite(steep.f(26.63, 0.0)) and np.isinf(steep.grad(26.63, 0.0)[0])
    for name in OPTIMIZERS:
        for lr in (1e-6, 100.0):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                run = simulate(steep, name, start=(26.63, 0.0), steps=50, lr=lr)
            assert run.diverged_at == 1, (name, lr)


# --- Gradient noise ------------------------------------------------------------------------

def noise_seen(run, surface=RAVINE):
    """The noise each step added: the gradient used minus the exact one at that point."""
    grad = np.stack(surface.grad(run.points[:-1, ..., 0], run.points[:-1, ..., 1]), axis=-1)
    return run.states["grad"] - grad


def test_zero_noise_is_deterministic_whatever_the_seed():
    plain = simulate(RAVINE, "adam", steps=100, lr=0.3)
    for seed in (0, 1, 12345):
        assert_array_equal(simulate(RAVINE, "adam", steps=100, lr=0.3, noise=0.0,
                                    seed=seed).points, plain.points)


def test_same_seed_same_noise_for_every_run_and_optimizer():
    common = {"start": START, "steps": 300, "noise": 0.5, "seed": 7, "record_state": True}
    runs = [simulate(RAVINE, name, **common) for name in OPTIMIZERS]
    z = noise_seen(runs[0])
    for run in runs[1:]:
        assert_allclose(noise_seen(run), z, atol=1e-12)
    again = simulate(RAVINE, "sgd", **common)
    assert_array_equal(again.points, runs[0].points)
    other = simulate(RAVINE, "sgd", **{**common, "seed": 8})
    assert not np.allclose(noise_seen(other), z)


def test_noise_is_gaussian_with_the_given_scale():
    run = simulate(RAVINE, "sgd", start=START, steps=4000, lr=1e-3, noise=0.3, seed=3,
                   record_state=True)
    z = noise_seen(run)
    n = len(z)
    assert np.abs(z.mean(axis=0)).max() < 4 * 0.3 / np.sqrt(n)
    assert_allclose(z.std(axis=0), 0.3, rtol=0.05)
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.1
    assert abs(np.corrcoef(z[:-1, 0], z[1:, 0])[0, 1]) < 0.1  # fresh noise every step


def test_batch_noise_scales_and_seeds_per_run():
    starts = np.tile(START, (4, 1))
    run = simulate(RAVINE, "momentum", start=starts, steps=200, lr=0.05,
                   noise=[0.0, 0.2, 0.4, 0.4], seed=[5, 5, 5, 6], record_state=True)
    z = noise_seen(run)
    assert_array_equal(z[:, 0], 0.0)
    assert_allclose(z[:, 2], 2 * z[:, 1], atol=1e-12)  # same sequence, twice the scale
    assert not np.allclose(z[:, 3], z[:, 2])  # another seed, another sequence
    single = simulate(RAVINE, "momentum", start=START, steps=200, lr=0.05, noise=0.4, seed=6)
    assert_array_equal(run.points[:, 3], single.points)


def test_keep_path_false_keeps_start_end_and_every_loss():
    surface = SURFACES["ravine"]
    starts = np.array([[-8.0, 1.5], [-8.0, 1.5], [3.0, -2.0]])
    lrs = np.array([0.3, 2.5, 1.0])  # the second diverges (SGD is unstable above lr = 2)
    full = simulate(surface, "sgd", start=starts, steps=40, lr=lrs)
    short = simulate(surface, "sgd", start=starts, steps=40, lr=lrs, keep_path=False)
    assert short.points.shape == (2, 3, 2)
    np.testing.assert_array_equal(short.points, full.points[[0, -1]])
    np.testing.assert_array_equal(short.losses, full.losses)
    np.testing.assert_array_equal(short.diverged_at, full.diverged_at)
    single = simulate(surface, "adam", steps=10, lr=0.1, keep_path=False)
    assert single.points.shape == (2, 2)
    whole = simulate(surface, "adam", steps=10, lr=0.1)
    np.testing.assert_array_equal(single.points[-1], whole.points[-1])


def test_stop_reason_tells_a_hole_from_a_runaway():
    from surfaces import from_expression

    holes = from_expression("log(x) + y**2", domain=((-3.0, 3.0), (-2.0, 2.0)))
    into_hole = simulate(holes, "sgd", start=(1.0, 1.5), steps=50, lr=0.3)
    # x: 1 -> 0.7 -> 0.27 -> 0.27 - 0.3 / 0.27 < 0, where log is undefined
    assert into_hole.diverged_at == 3 and into_hole.stop_reason == "undefined"
    assert np.isfinite(into_hole.points[2]).all() and np.isnan(into_hole.points[3]).all()
    away = simulate(RAVINE, "sgd", steps=50, lr=2.5)
    assert away.diverged_at == 22 and away.stop_reason == "diverged"
    assert simulate(RAVINE, "sgd", steps=5, lr=0.5).stop_reason is None
    batch = simulate(RAVINE, "sgd", start=np.tile((-8.0, 1.5), (3, 1)), steps=50,
                     lr=[0.5, 2.5, 1.0])
    assert list(batch.stop_reason) == ["", "diverged", ""]
