"""The six update rules against independent references.

* first steps worked by hand from the lecture's formulas, as literal numbers;
* longer runs of the lecture's lines written out again here in plain Python
  floats, one coordinate at a time (positions and optimizer state);
* torch.optim trajectories recorded once in float64 (``tests/golden/``);
* the identities the lecture implies (Momentum with mu = 0 is SGD, ...).

The ravine with kappa = 50 and angle = 0 is ``f = 0.5 * (x**2 / 50 + y**2)``,
so its gradient at ``(x, y)`` is ``(x / 50, y)``; from the start (-8, 1.5)
that is (-0.16, 1.5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from optimizers import OPTIMIZERS, simulate
from surfaces import SURFACES, make_surface

RAVINE = SURFACES["ravine"]
START = (-8.0, 1.5)
GOLDEN = Path(__file__).parent / "golden" / "torch_trajectories.npz"


def ravine_grad(x: float, y: float) -> tuple[float, float]:
    """Gradient of ``0.5 * (x**2 / 50 + y**2)``, by hand."""
    return x / 50, y


# --- The lecture's lines, one coordinate at a time, in Python floats --------------------
# Each takes the coordinate x, its gradient dx, that coordinate's state (a dict of
# floats, all starting at 0), the step count t (from 1) and the hyperparameters.

def sgd(x, dx, s, t, lr):
    return x - lr * dx


def momentum(x, dx, s, t, lr, mu):
    s["v"] = mu * s["v"] - lr * dx  # integrate velocity
    return x + s["v"]  # integrate position


def nesterov(x, dx, s, t, lr, mu):
    v_prev = s["v"]
    s["v"] = mu * s["v"] - lr * dx
    return x - mu * v_prev + (1 + mu) * s["v"]


def adagrad(x, dx, s, t, lr, eps):
    s["cache"] += dx**2
    return x - lr * dx / (math.sqrt(s["cache"]) + eps)


def rmsprop(x, dx, s, t, lr, decay_rate, eps):
    s["cache"] = decay_rate * s["cache"] + (1 - decay_rate) * dx**2
    return x - lr * dx / (math.sqrt(s["cache"]) + eps)  # with the minus the notes dropped


def adam(x, dx, s, t, lr, beta1, beta2, eps, bias_correction):
    """Kingma & Ba, Algorithm 1; without bias correction, the notes' three lines."""
    s["m"] = beta1 * s["m"] + (1 - beta1) * dx
    s["v"] = beta2 * s["v"] + (1 - beta2) * dx**2
    m_hat = s["m"] / (1 - beta1**t) if bias_correction else s["m"]
    v_hat = s["v"] / (1 - beta2**t) if bias_correction else s["v"]
    return x - lr * m_hat / (math.sqrt(v_hat) + eps)


BY_HAND = {
    "sgd": (sgd, ()),
    "momentum": (momentum, ("v",)),
    "nesterov": (nesterov, ("v",)),
    "adagrad": (adagrad, ("cache",)),
    "rmsprop": (rmsprop, ("cache",)),
    "adam": (adam, ("m", "v")),
}

# Settings that move visibly in a few steps; every hyperparameter given explicitly.
SETTINGS = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "mu": 0.9},
    "nesterov": {"lr": 0.1, "mu": 0.9},
    "adagrad": {"lr": 1.0, "eps": 1e-7},
    "rmsprop": {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-7},
    "adam": {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True},
}


def by_hand(name: str, steps: int, hyper: dict, start=START, grad=ravine_grad):
    """Positions, gradients and states of ``steps`` steps of the lecture's rule ``name``."""
    rule, state_names = BY_HAND[name]
    x = list(start)
    per_axis = [dict.fromkeys(state_names, 0.0) for _ in x]
    points = [tuple(x)]
    grads = []
    states = {k: [(0.0, 0.0)] for k in state_names}
    for t in range(1, steps + 1):
        dx = grad(*x)
        grads.append(dx)
        x = [rule(x[i], dx[i], per_axis[i], t, **hyper) for i in range(2)]
        points.append(tuple(x))
        for k in state_names:
            states[k].append((per_axis[0][k], per_axis[1][k]))
    return np.array(points), np.array(grads), {k: np.array(v) for k, v in states.items()}


# --- First steps as literal numbers ---------------------------------------------------

def test_sgd_first_step():
    # x1 = x0 - lr * g0 = (-8 + 0.1 * 0.16, 1.5 - 0.1 * 1.5)
    run = simulate(RAVINE, "sgd", start=START, steps=1, lr=0.1)
    assert_allclose(run.points[1], [-7.984, 1.35], rtol=1e-15)


def test_momentum_first_two_steps():
    # v1 = -lr * g0 = (0.016, -0.15), x1 = (-7.984, 1.35);
    # g1 = (-0.15968, 1.35), v2 = 0.9 * v1 - 0.1 * g1 = (0.030368, -0.27), x2 = x1 + v2.
    run = simulate(RAVINE, "momentum", start=START, steps=2, lr=0.1, mu=0.9, record_state=True)
    assert_allclose(run.points[1:], [[-7.984, 1.35], [-7.953632, 1.08]], rtol=1e-14)
    assert_allclose(run.states["v"][1:], [[0.016, -0.15], [0.030368, -0.27]], rtol=1e-14)


def test_nesterov_first_step():
    # v_prev = 0, v1 = (0.016, -0.15), x1 = x0 + (1 + 0.9) * v1 = (-8 + 0.0304, 1.5 - 0.285)
    run = simulate(RAVINE, "nesterov", start=START, steps=1, lr=0.1, mu=0.9)
    assert_allclose(run.points[1], [-7.9696, 1.215], rtol=1e-15)


def test_adagrad_first_step_moves_each_axis_by_lr():
    # cache1 = g0**2, so x1 = x0 - lr * g0 / (|g0| + eps): a step of almost exactly lr per axis.
    run = simulate(RAVINE, "adagrad", start=START, steps=1, lr=1.0, eps=1e-7)
    assert_allclose(run.points[1], [-8 + 0.16 / (0.16 + 1e-7), 1.5 - 1.5 / (1.5 + 1e-7)],
                    rtol=1e-15)
    assert_allclose(run.points[1], [-7.0, 0.5], atol=1e-6)


def test_rmsprop_first_step_is_lr_over_root_one_minus_decay():
    # cache1 = 0.01 * g0**2, sqrt(cache1) = 0.1 * |g0|: a step of lr / 0.1 = 0.1 per axis.
    run = simulate(RAVINE, "rmsprop", start=START, steps=1, lr=0.01, decay_rate=0.99, eps=1e-7)
    assert_allclose(run.points[1], [-8 + 0.01 * 0.16 / (0.1 * 0.16 + 1e-7),
                                    1.5 - 0.01 * 1.5 / (0.1 * 1.5 + 1e-7)], rtol=1e-15)
    assert_allclose(run.points[1], [-7.9, 1.4], atol=1e-5)


def test_adam_first_step_is_lr_per_axis():
    # m_hat = g0 and v_hat = g0**2 after bias correction: x1 = x0 - lr * g0 / (|g0| + eps).
    run = simulate(RAVINE, "adam", start=START, steps=1, lr=0.3, beta1=0.9, beta2=0.999, eps=1e-8)
    assert_allclose(run.points[1], [-8 + 0.3 * 0.16 / (0.16 + 1e-8),
                                    1.5 - 0.3 * 1.5 / (1.5 + 1e-8)], rtol=1e-15)


def test_notes_adam_first_step_is_too_large():
    # Without bias correction m1 = 0.1 * g0 and v1 = 0.001 * g0**2, so the first step is
    # lr * 0.1 / sqrt(0.001) = 3.16 lr per axis: the reason Adam corrects the bias.
    run = simulate(RAVINE, "adam", start=START, steps=1, lr=0.1, beta1=0.9, beta2=0.999,
                   eps=1e-7, bias_correction=False)
    step = 0.1 * 0.1 / math.sqrt(0.001)
    assert_allclose(run.points[1], [-8 + step, 1.5 - step], rtol=1e-6)
    assert step > 3 * 0.1


# --- Longer runs against the lecture's lines in Python floats -------------------------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_steps_match_the_lecture_formulas(name):
    hyper = SETTINGS[name]
    points, grads, states = by_hand(name, 30, hyper)
    run = simulate(RAVINE, name, start=START, steps=30, record_state=True, **hyper)
    # The engine computes the ravine's gradient as 0.02 * x (not x / 50), so the two
    # differ by rounding; the floor covers coordinates that converge to zero.
    assert_allclose(run.points, points, rtol=1e-12, atol=1e-14)
    assert_allclose(run.losses, [0.5 * (x * x / 50 + y * y) for x, y in points], rtol=1e-12)
    assert_allclose(run.states["grad"], grads, rtol=1e-12, atol=1e-14)
    assert set(run.states) == {"grad", *states}
    for key, expected in states.items():
        assert_allclose(run.states[key], expected, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)])
def test_adam_without_bias_correction_is_the_notes_adam(beta1, beta2):
    hyper = {"lr": 0.1, "beta1": beta1, "beta2": beta2, "eps": 1e-7, "bias_correction": False}
    points, _, states = by_hand("adam", 40, hyper)
    run = simulate(RAVINE, "adam", start=START, steps=40, record_state=True, **hyper)
    assert_allclose(run.points, points, rtol=1e-12, atol=1e-14)
    assert_allclose(run.states["m"], states["m"], rtol=1e-12, atol=1e-14)
    assert_allclose(run.states["v"], states["v"], rtol=1e-12, atol=1e-14)
    corrected = simulate(RAVINE, "adam", start=START, steps=40,
                         **{**hyper, "bias_correction": True})
    assert np.abs(corrected.points - run.points).max() > 0.1


def test_record_state_shapes():
    steps, R = 7, 3
    single = simulate(RAVINE, "adam", start=START, steps=steps, record_state=True)
    assert {k: v.shape for k, v in single.states.items()} == {
        "m": (steps + 1, 2), "v": (steps + 1, 2), "grad": (steps, 2)}
    batch = simulate(RAVINE, "momentum", start=np.zeros((R, 2)) + START, steps=steps,
                     record_state=True)
    assert {k: v.shape for k, v in batch.states.items()} == {
        "v": (steps + 1, R, 2), "grad": (steps, R, 2)}
    assert_array_equal(batch.states["v"][0], 0.0)
    sgd = simulate(RAVINE, "sgd", start=START, steps=steps, record_state=True)
    assert list(sgd.states) == ["grad"]  # SGD keeps no state
    assert simulate(RAVINE, "adam", start=START, steps=steps).states is None


# --- torch.optim golden trajectories -------------------------------------------------

def _golden():
    data = np.load(GOLDEN)
    meta = json.loads(str(data["meta"]))
    return data, meta


GOLDEN_DATA, GOLDEN_META = _golden()


def test_golden_data_covers_every_optimizer_on_two_surfaces():
    cases = GOLDEN_META["cases"]
    assert GOLDEN_META["dtype"] == "float64"
    assert {c["optimizer"] for c in cases} == set(OPTIMIZERS)
    assert {c["surface"] for c in cases} >= {"ravine", "rosenbrock"}
    assert all(c["steps"] >= 300 for c in cases)
    assert GOLDEN.stat().st_size < 400_000


@pytest.mark.parametrize("case", GOLDEN_META["cases"], ids=lambda c: c["case"])
def test_matches_torch_optim(case):
    surface = make_surface(case["surface"], **case["params"])
    run = simulate(surface, case["optimizer"], start=case["start"], steps=case["steps"],
                   **case["hyper"])
    points = GOLDEN_DATA[f"{case['case']}-points"]
    losses = GOLDEN_DATA[f"{case['case']}-losses"]
    assert run.diverged_at is None
    # 1e-9 relative. A coordinate that converges to zero (the ravine's steep axis
    # reaches 1e-121) or crosses it keeps only an absolute accuracy of about
    # machine epsilon times the trajectory's size, so the floor is 1e-12 times
    # that size: far below anything a plot or a different update rule would show.
    assert_allclose(run.points, points, rtol=1e-9, atol=1e-12 * np.abs(points).max())
    assert_allclose(run.losses, losses, rtol=1e-9, atol=1e-12 * losses.max())
    # The trajectories did go somewhere: at least a tenth of the way to the minimum.
    assert np.hypot(*(points[-1] - points[0])) > 0.1


# --- Identities --------------------------------------------------------------------------

@pytest.mark.parametrize("surface", ["ravine", "rosenbrock", "rastrigin"])
def test_momentum_with_mu_zero_is_sgd(surface):
    s = SURFACES[surface]
    for lr in (1e-3, 0.01, 0.1):
        assert_array_equal(simulate(s, "momentum", steps=200, lr=lr, mu=0.0).points,
                           simulate(s, "sgd", steps=200, lr=lr).points)


@pytest.mark.parametrize("surface", ["ravine", "beale", "plateau"])
def test_rmsprop_is_adam_with_beta1_zero_and_no_bias_correction(surface):
    s = SURFACES[surface]
    for decay_rate in (0.5, 0.9, 0.99):
        rms = simulate(s, "rmsprop", steps=200, lr=0.01, decay_rate=decay_rate, eps=1e-6)
        ada = simulate(s, "adam", steps=200, lr=0.01, beta1=0.0, beta2=decay_rate, eps=1e-6,
                       bias_correction=False)
        assert_array_equal(rms.points, ada.points)


def test_nesterov_with_mu_zero_is_sgd():
    assert_array_equal(simulate(RAVINE, "nesterov", steps=100, lr=0.3, mu=0.0).points,
                       simulate(RAVINE, "sgd", steps=100, lr=0.3).points)


def test_textbook_nesterov_seen_from_its_look_ahead_point():
    """The notes' first form, ``v = mu v - lr d(x + mu v); x += v``, run in Python floats:
    its look-ahead points ``x + mu v`` are the rewritten form's positions."""
    lr, mu = 0.1, 0.9
    x, v = list(START), [0.0, 0.0]
    ahead = [tuple(START)]
    for _ in range(50):
        g = ravine_grad(x[0] + mu * v[0], x[1] + mu * v[1])
        v = [mu * v[i] - lr * g[i] for i in range(2)]
        x = [x[i] + v[i] for i in range(2)]
        ahead.append((x[0] + mu * v[0], x[1] + mu * v[1]))
    run = simulate(RAVINE, "nesterov", start=START, steps=50, lr=lr, mu=mu)
    assert_allclose(run.points, ahead, rtol=1e-12, atol=1e-14)


# --- Metadata -------------------------------------------------------------------------

def test_registry_names_and_lecture_hyperparameters():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert {name: [h.name for h in opt.hyper] for name, opt in OPTIMIZERS.items()} == {
        "sgd": ["lr"],
        "momentum": ["lr", "mu"],
        "nesterov": ["lr", "mu"],
        "adagrad": ["lr", "eps"],
        "rmsprop": ["lr", "decay_rate", "eps"],
        "adam": ["lr", "beta1", "beta2", "eps", "bias_correction"],
    }


def test_defaults_follow_the_notes():
    # The notes' code adds 1e-7; mu "usually ~0.5, 0.9 or 0.99"; Adam corrects its bias.
    for opt in OPTIMIZERS.values():
        defaults = opt.defaults
        if "eps" in defaults:
            assert defaults["eps"] == 1e-7
        if "mu" in defaults:
            assert defaults["mu"] in (0.5, 0.9, 0.99)
        assert 0 < defaults["lr"] <= 0.1
    adam_defaults = OPTIMIZERS["adam"].defaults
    assert (adam_defaults["beta1"], adam_defaults["beta2"]) == (0.9, 0.999)
    assert adam_defaults["bias_correction"] is True
    # Defaults are used when a hyperparameter is not given.
    assert_array_equal(simulate(RAVINE, "adam", steps=20).points,
                       simulate(RAVINE, "adam", steps=20, **adam_defaults).points)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_record_shows_its_code(name):
    opt = OPTIMIZERS[name]
    assert opt.title and opt.latex and opt.torch.startswith("torch.optim.")
    assert opt.source.startswith("def update(x, dx, state, t")
    assert opt.label() == opt.title
    assert opt.label(lr=0.1) == f"{opt.title} (lr = 0.1)"
    for h in opt.hyper:
        assert h.help
        assert h.kind == "bool" or h.contains(h.default), h.name


# The lecture's lines, as each update must carry them in code: the page shows
# ``source`` to the audience. (Adam's m_hat and v_hat divide by 1 - beta**t, or by 1
# where bias correction is off.)
LECTURE_LINES = {
    "sgd": ["x += -lr * dx"],
    "momentum": ["v = mu * v - lr * dx", "x += v"],
    "nesterov": ["v_prev = v", "v = mu * v - lr * dx", "x += -mu * v_prev + (1 + mu) * v"],
    "adagrad": ["cache += dx**2", "x += -lr * dx / (np.sqrt(cache) + eps)"],
    "rmsprop": ["cache = decay_rate * cache + (1 - decay_rate) * dx**2",
                "x += -lr * dx / (np.sqrt(cache) + eps)"],
    "adam": ["m = beta1 * m + (1 - beta1) * dx", "v = beta2 * v + (1 - beta2) * dx**2",
             "m_hat = m / (1 - bias_correction * beta1**t)",
             "v_hat = v / (1 - bias_correction * beta2**t)",
             "x += -lr * m_hat / (np.sqrt(v_hat) + eps)"],
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_is_the_lectures_lines_in_code(name):
    lines = OPTIMIZERS[name].source.splitlines()[1:]
    code = [line.split("#")[0].strip() for line in lines]
    comments = " ".join(line.partition("#")[2] for line in lines)
    for lecture_line in LECTURE_LINES[name]:
        assert lecture_line in code, lecture_line
        assert lecture_line not in comments  # none hidden in a comment
    # Short: the lecture's lines, plus at most the lines that take and keep the state.
    assert len(lines) <= len(LECTURE_LINES[name]) + 2
    indices = [code.index(line) for line in LECTURE_LINES[name]]
    assert indices == sorted(indices)  # in the lecture's order


def test_run_label_states_the_settings():
    run = simulate(RAVINE, "adam", steps=3, lr=0.3, bias_correction=False)
    assert run.label == (
        "Adam (lr = 0.3, beta1 = 0.9, beta2 = 0.999, eps = 1e-07, bias_correction off)")
    batch = simulate(RAVINE, "sgd", start=np.zeros((4, 2)) + START, steps=3)
    assert batch.label == "SGD (batch of 4)"
