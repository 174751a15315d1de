"""The penguins' loss surface and mini-batches, against independent references.

* the data read again here with ``numpy.genfromtxt``, not with the module's reader;
* the minimum against ``numpy.linalg.lstsq``;
* the condition number against the Hessian ``2/n X^T X`` built here from the data;
* each mini-batch gradient against the mean of the rows' own gradients, row by row.

The generic checks (finite differences, minima, metadata) run on this surface in
``tests/test_surfaces.py``, which walks ``SURFACES``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from optimizers import OPTIMIZERS, simulate
from surfaces import SURFACE_WORDS, SURFACES, make_surface
from surfaces.penguins import CSV, SCALINGS

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_data():
    """Flipper length in dm and body mass in kg of the penguins that have both, read anew."""
    table = np.genfromtxt(CSV, delimiter=",", skip_header=1, usecols=(4, 5), dtype=float,
                          missing_values="NA", filling_values=np.nan)
    header = Path(CSV).read_text().splitlines()[0].split(",")
    assert header[4:6] == ["flipper_length_mm", "body_mass_g"]
    flipper, mass = table[:, 0] / 100, table[:, 1] / 1000
    keep = np.isfinite(flipper) & np.isfinite(mass)
    return flipper[keep], mass[keep]


FLIPPER, MASS = reference_data()
N = FLIPPER.size


def scaled(scaling: str) -> np.ndarray:
    if scaling == "raw":
        return FLIPPER
    if scaling == "centred":
        return FLIPPER - FLIPPER.mean()
    return (FLIPPER - FLIPPER.mean()) / FLIPPER.std()


def row_gradients(x, y, w, b):
    """Each row's gradient of (w x + b - y)**2: shape (rows, 2)."""
    r = w * x + b - y
    return np.stack([2 * r * x, 2 * r], axis=-1)


# --- The data and the surface ------------------------------------------------------------

def test_the_shipped_data_are_the_palmer_penguins():
    assert (Path(CSV).parent / "README.md").read_text().count("CC0") >= 1
    assert N == 342  # 344 penguins, two without measurements
    assert 1.7 <= FLIPPER.min() and FLIPPER.max() <= 2.35  # dm
    assert 2.7 <= MASS.min() and MASS.max() <= 6.3  # kg
    data = SURFACES["penguins"].dataset
    assert_array_equal(data.measured, FLIPPER)
    assert_array_equal(data.x, FLIPPER) and assert_array_equal(data.y, MASS)
    assert data.n == N and data.scaling == "raw"
    assert data.x_label == "flipper length (dm)" and data.y_label == "body mass (kg)"


@pytest.mark.parametrize("scaling", SCALINGS)
def test_the_feature_is_scaled_as_asked(scaling):
    data = make_surface("penguins", scaling=scaling).dataset
    assert_allclose(data.x, scaled(scaling), rtol=1e-13, atol=1e-15)
    assert_allclose((data.measured - data.shift) / data.scale, data.x, rtol=0, atol=0)
    assert_array_equal(data.y, MASS)


@pytest.mark.parametrize("scaling", SCALINGS)
def test_loss_is_the_mean_squared_error_and_its_minimum_the_least_squares_line(scaling):
    surface = make_surface("penguins", scaling=scaling)
    x = scaled(scaling)
    X = np.stack([x, np.ones(N)], axis=1)
    solution, *_ = np.linalg.lstsq(X, MASS, rcond=None)
    assert_allclose(surface.minima[0], solution, rtol=1e-12)
    assert surface.min_value == pytest.approx(np.mean((X @ solution - MASS) ** 2), rel=1e-12)
    rng = np.random.default_rng(0)
    for w, b in rng.uniform(-10, 10, size=(20, 2)):
        assert surface.f(w, b) == pytest.approx(np.mean((w * x + b - MASS) ** 2), rel=1e-12)
        assert_allclose(surface.grad(w, b), row_gradients(x, MASS, w, b).mean(axis=0),
                        rtol=1e-11, atol=1e-12)
    # The domain is centred on the minimum and holds the start, (0, 0).
    (x0, x1), (y0, y1) = surface.domain
    assert_allclose([(x0 + x1) / 2, (y0 + y1) / 2], solution, rtol=1e-12)
    assert surface.start == (0.0, 0.0) and x0 < 0 < x1 and y0 < 0 < y1


@pytest.mark.parametrize("scaling", SCALINGS)
def test_condition_number_is_that_of_the_hessian_two_over_n_xtx(scaling):
    surface = make_surface("penguins", scaling=scaling)
    x = scaled(scaling)
    X = np.stack([x, np.ones(N)], axis=1)
    hessian = 2 / N * X.T @ X
    # The gradient of a quadratic is linear: its Hessian's columns are differences of gradients.
    g0 = np.array(surface.grad(0.0, 0.0))
    measured = np.array([np.array(surface.grad(1.0, 0.0)) - g0,
                         np.array(surface.grad(0.0, 1.0)) - g0]).T
    assert_allclose(measured, hessian, rtol=1e-9, atol=1e-12)
    assert_allclose(surface.dataset.hessian, hessian, rtol=1e-12)
    low, high = np.linalg.eigvalsh(hessian)
    assert surface.dataset.condition_number == pytest.approx(high / low, rel=1e-9)


def test_the_scaling_switch_turns_a_ravine_into_a_bowl():
    kappa = {s: make_surface("penguins", scaling=s).dataset.condition_number for s in SCALINGS}
    # As measured: a ravine in the tens to thousands, visible on a contour.
    assert 10 < kappa["raw"] < 10_000
    # Centred, the Hessian is diag(2 var(x), 2): the condition number is 1 / var(x) in dm**2.
    assert kappa["centred"] == pytest.approx(1 / FLIPPER.var(), rel=1e-9)
    # Standardised, it is 2 I: a round bowl.
    assert kappa["standardised"] == pytest.approx(1.0, abs=1e-9)
    assert kappa["raw"] > 10 * kappa["centred"] > 10 * kappa["standardised"]
    for s in SCALINGS:  # the lesson states its own number
        assert f"condition number {kappa[s]:,.0f}" in make_surface("penguins", scaling=s).lesson


def test_scaling_is_a_choice_the_page_and_links_can_list():
    (choice,) = SURFACE_WORDS["penguins"]
    assert (choice.name, choice.default, choice.choices) == ("scaling", "raw", SCALINGS)
    assert SURFACES["penguins"].params == {"scaling": "raw"}
    assert SURFACES["penguins"].axes == ("w", "b")
    for bad, words in [({"scaling": "scaled"}, ["scaling", "raw, centred, standardised"]),
                       ({"scaling": 2}, ["scaling", "got 2"]),
                       ({"kappa": 5}, ["no parameter 'kappa'", "scaling"])]:
        with pytest.raises(ValueError) as err:
            make_surface("penguins", **bad)
        assert all(word in str(err.value) for word in words)


# --- Mini-batches --------------------------------------------------------------------------

PENGUINS = SURFACES["penguins"]
DATA = PENGUINS.dataset


def test_batch_rows_are_drawn_without_replacement_and_fresh_each_step():
    rows = DATA.batch_rows(200, 32, seed=5)
    assert rows.shape == (200, 32) and rows.min() >= 0 and rows.max() < N
    assert all(len(set(step)) == 32 for step in rows)  # no row twice in a batch
    assert len({tuple(sorted(step)) for step in rows}) == 200  # a fresh batch every step
    assert_array_equal(DATA.batch_rows(200, 32, seed=5), rows)  # a seed repeats them
    assert not np.array_equal(DATA.batch_rows(200, 32, seed=6), rows)
    assert_array_equal(DATA.batch_rows(200, 8, seed=5), rows[:, :8])  # smaller batches nest
    assert sorted(DATA.batch_rows(3, N, seed=5)[0]) == list(range(N))
    # Every row is drawn about equally often: 200 * 32 / 342 = 18.7 times on average.
    counts = np.bincount(rows.ravel(), minlength=N)
    assert counts.min() > 3 and counts.max() < 45


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_step_follows_the_mean_gradient_of_its_batch(name):
    run = simulate(PENGUINS, name, steps=40, batch_size=20, seed=3, record_state=True, lr=0.05)
    rows = DATA.batch_rows(40, 20, seed=3)
    for k in range(40):
        w, b = run.points[k]
        expected = row_gradients(FLIPPER[rows[k]], MASS[rows[k]], w, b).mean(axis=0)
        assert_allclose(run.states["grad"][k], expected, rtol=1e-10, atol=1e-12)
    # The recorded loss is the loss over all the data, at each point of the path.
    assert_allclose(run.losses, PENGUINS.f(run.points[:, 0], run.points[:, 1]), rtol=1e-14)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_batch_of_every_row_is_full_batch_descent_exactly(name):
    full = simulate(PENGUINS, name, steps=200, lr=0.05, record_state=True)
    every_row = simulate(PENGUINS, name, steps=200, lr=0.05, record_state=True, batch_size=N,
                         seed=4)
    assert_array_equal(every_row.points, full.points)
    assert_array_equal(every_row.losses, full.losses)
    for key in full.states:
        assert_array_equal(every_row.states[key], full.states[key])
    assert full.batch_size is None and every_row.batch_size == N


def test_the_same_seed_repeats_the_batches_and_another_does_not():
    a = simulate(PENGUINS, "momentum", steps=100, lr=0.05, batch_size=10, seed=7)
    b = simulate(PENGUINS, "momentum", steps=100, lr=0.05, batch_size=10, seed=7)
    c = simulate(PENGUINS, "momentum", steps=100, lr=0.05, batch_size=10, seed=8)
    assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points, c.points)


def test_runs_in_one_call_see_the_same_batches():
    # Two optimizers side by side, as the page runs them: the same seed, the same batches.
    steps = 30
    start = np.array([[0.0, 0.0], [1.0, -1.0]])
    sgd = simulate(PENGUINS, "sgd", start=start, steps=steps, lr=[0.05, 0.1], batch_size=12,
                   seed=2, record_state=True)
    adam = simulate(PENGUINS, "adam", start=start, steps=steps, lr=0.1, batch_size=12, seed=2,
                    record_state=True)
    rows = DATA.batch_rows(steps, 12, seed=2)
    for run in (sgd, adam):
        for r in range(2):
            for k in (0, 1, steps - 1):
                w, b = run.points[k, r]
                expected = row_gradients(FLIPPER[rows[k]], MASS[rows[k]], w, b).mean(axis=0)
                assert_allclose(run.states["grad"][k, r], expected, rtol=1e-10, atol=1e-12)


def test_a_fan_of_seeds_draws_a_sequence_per_seed():
    seeds = np.array([0, 1, 2, 3])
    fan = simulate(PENGUINS, "sgd", steps=50, lr=0.1, batch_size=8, seed=seeds)
    assert fan.points.shape == (51, 4, 2)
    for r, s in enumerate(seeds):
        one = simulate(PENGUINS, "sgd", steps=50, lr=0.1, batch_size=8, seed=int(s))
        assert_array_equal(fan.points[:, r], one.points)
    assert len({fan.points[-1, r].tobytes() for r in range(4)}) == 4  # every seed its own path


def test_small_batches_are_noisy_but_unbiased():
    # At a fixed point the mean of many mini-batch gradients is the full gradient.
    steps, size = 4000, 16
    batches = DATA.minibatch_gradient(steps, [size], [11])
    w, b = np.array([2.0]), np.array([-1.0])
    grads = np.array([np.concatenate(batches.at(t, w, b)) for t in range(1, steps + 1)])
    full = np.array(PENGUINS.grad(2.0, -1.0))
    spread = grads.std(axis=0)
    assert (spread > 0.01 * np.abs(full)).all()  # noisy
    assert_allclose(grads.mean(axis=0), full, atol=4 * spread.max() / np.sqrt(steps))


def test_batches_and_noise_draw_from_separate_streams():
    plain = simulate(PENGUINS, "sgd", steps=20, lr=0.05, batch_size=10, seed=1,
                     record_state=True)
    noisy = simulate(PENGUINS, "sgd", steps=20, lr=0.05, batch_size=10, seed=1, noise=0.5,
                     record_state=True)
    # The first step starts from the same point: the batch is the same, the noise is added.
    z = np.random.default_rng(1).standard_normal((20, 2))
    assert_allclose(noisy.states["grad"][0] - plain.states["grad"][0], 0.5 * z[0], rtol=1e-12)


@pytest.mark.parametrize("kwargs, words", [
    ({"batch_size": 0}, ["batch_size", "whole number from 1 to 342", "got 0"]),
    ({"batch_size": 343}, ["batch_size", "from 1 to 342"]),
    ({"batch_size": 2.5}, ["batch_size", "whole number"]),
    ({"batch_size": True}, ["batch_size", "whole number"]),
    ({"batch_size": [8, 16], "lr": [0.1, 0.2, 0.3]},
     ["numbers of runs disagree", "batch_size: 2", "lr: 3"]),
    ({"batch_size": 8, "seed": np.arange(2000), "steps": 100}, ["too many to draw", "2000 seeds"]),
])
def test_bad_batch_sizes_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError) as err:
        simulate(PENGUINS, "sgd", **{"steps": 5, **kwargs})
    for word in words:
        assert word in str(err.value)


def test_a_surface_without_data_refuses_batch_size():
    with pytest.raises(ValueError, match="batch_size needs a surface with data.*'ravine'"):
        simulate(SURFACES["ravine"], "sgd", steps=5, batch_size=8)
    bowl = SimpleNamespace(f=lambda x, y: x * x + y * y, grad=lambda x, y: (2 * x, 2 * y))
    with pytest.raises(ValueError, match="batch_size needs a surface with data"):
        simulate(bowl, "sgd", start=(1.0, 1.0), steps=5, batch_size=8)


@st.composite
def minibatch_call(draw):
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    R = draw(st.integers(1, 4))
    starts = np.reshape(draw(st.lists(st.floats(-3, 3), min_size=2 * R, max_size=2 * R)), (R, 2))
    lr = np.array(draw(st.lists(st.floats(-3, -0.5).map(lambda e: 10.0**e), min_size=R,
                                max_size=R)))
    sizes = np.array(draw(st.lists(st.sampled_from([1, 5, 64, N]), min_size=R, max_size=R)))
    seeds = np.array(draw(st.lists(st.integers(0, 2), min_size=R, max_size=R)))
    return name, starts, lr, sizes, seeds


@FAST
@given(minibatch_call())
def test_a_batch_of_runs_equals_its_single_runs(call):
    name, starts, lr, sizes, seeds = call
    batch = simulate(PENGUINS, name, start=starts, steps=25, lr=lr, batch_size=sizes, seed=seeds)
    assert_array_equal(batch.batch_size, sizes)
    for r in range(len(starts)):
        one = simulate(PENGUINS, name, start=starts[r], steps=25, lr=lr[r],
                       batch_size=int(sizes[r]), seed=int(seeds[r]))
        assert_array_equal(batch.points[:, r], one.points)
        assert_array_equal(batch.losses[:, r], one.losses)
