"""Noise, seeds, fans and schedules in a scene: the model, its links, running it, presets."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import simulate
from optimizers.schedules import KINDS, Schedule
from plotting.runs import run_trace
from scenes import DEFAULT_SCENE, PRESETS_BY_KEY, RunSpec, Scene, scene_from_query, scene_to_query
from scenes.compute import divergence_message, fan_message, run_scene, trajectory
from scenes.dynamics import (
    KIND_SETTINGS,
    MAX_FAN,
    MAX_K,
    MAX_NOISE,
    MAX_PERIOD,
    MAX_SEED,
    NO_DYNAMICS,
    Dynamics,
)
from scenes.model import slider_menu
from surfaces import SURFACES, make_surface

RAVINE = make_surface("ravine", kappa=50, angle=0)  # f = (x**2 / 50 + y**2) / 2
START = (-8.0, 1.5)


def ravine_grad(x, y):
    return x / 50, y


def noisy_sgd(lr, noise, seed, steps, lr_factors=None):
    """SGD on the ravine by hand, with the engine's documented noise: the standard
    normals of ``np.random.default_rng(seed)``, one (x, y) pair per step."""
    z = noise * np.random.default_rng(seed).standard_normal((steps, 2))
    factors = np.ones(steps) if lr_factors is None else lr_factors
    x, y = START
    path = [(x, y)]
    for t in range(steps):
        gx, gy = ravine_grad(x, y)
        step = lr * factors[t]
        x, y = x - step * (gx + z[t, 0]), y - step * (gy + z[t, 1])
        path.append((x, y))
    return np.array(path)


def with_dynamics(scene: Scene = DEFAULT_SCENE, **values) -> Scene:
    return replace(scene, dynamics=Dynamics(**values))


# --- the model -------------------------------------------------------------------------------

def test_defaults_are_exact_gradients_at_a_constant_lr():
    assert DEFAULT_SCENE.dynamics == NO_DYNAMICS == Dynamics()
    assert NO_DYNAMICS.simulate_args() == {"noise": 0.0, "seed": 0, "schedule": None,
                                           "batch_size": None}
    assert NO_DYNAMICS.describe() == []


def test_a_schedule_keeps_only_the_settings_of_its_kind():
    assert Dynamics(schedule=Schedule("exponential", gamma=0.9, drop=0.1, every=7, k=3.0)) \
        == Dynamics(schedule=Schedule("exponential", gamma=0.9))
    # annealing off: its settings are not part of the dynamics
    assert Dynamics(schedule=Schedule(mu_end=0.5, anneal_steps=7)) == NO_DYNAMICS
    kept = Dynamics(schedule=Schedule("step", drop=0.3, every=50, mu_start=0.6, mu_end=0.95,
                                      anneal_steps=30)).schedule
    assert (kept.drop, kept.every, kept.mu_start, kept.mu_end, kept.anneal_steps) == \
        (0.3, 50, 0.6, 0.95, 30)


def test_seeds_fan_out_only_under_noise():
    assert Dynamics(seed=7, fan=5).seeds == (7,)  # exact gradients: every seed is one path
    assert Dynamics(noise=0.5, seed=7, fan=5).seeds == (7, 8, 9, 10, 11)
    assert Dynamics(noise=0.5, seed=7).seeds == (7,)


@pytest.mark.parametrize("values, name", [
    ({"noise": -0.1}, "noise"), ({"noise": float("nan")}, "noise"),
    ({"noise": MAX_NOISE * 2}, "noise"), ({"noise": True}, "noise"), ({"noise": "1"}, "noise"),
    ({"seed": -1}, "seed"), ({"seed": 1.0}, "seed"), ({"seed": MAX_SEED + 1}, "seed"),
    ({"fan": 0}, "fan"), ({"fan": MAX_FAN + 1}, "fan"), ({"fan": 2.0}, "fan"),
    ({"schedule": "step"}, "schedule"),
    ({"schedule": Schedule("inverse", k=MAX_K * 2)}, "k"),
    ({"schedule": Schedule("step", every=MAX_PERIOD + 1)}, "every"),
    ({"schedule": Schedule(mu_start=0.5, anneal_steps=MAX_PERIOD + 1)}, "anneal_steps"),
])
def test_bad_values_are_refused_by_name(values, name):
    with pytest.raises(ValueError, match=name):
        Dynamics(**values)


def test_an_annealed_mu_shows_in_the_labels_of_momentum_runs_only():
    dynamics = Dynamics(schedule=Schedule(mu_start=0.5, mu_end=0.99))
    momentum, sgd = RunSpec.make("momentum", lr=0.3, mu=0.9), RunSpec.make("sgd", lr=0.3)
    assert dynamics.label(momentum.label, momentum.values) == \
        "Momentum (lr = 0.3, mu = 0.5 → 0.99)"
    assert dynamics.label(sgd.label, sgd.values) == sgd.label
    assert NO_DYNAMICS.label(momentum.label, momentum.values) == momentum.label


def test_the_description_says_what_differs():
    lines = Dynamics(noise=0.5, seed=7, fan=5, schedule=Schedule(
        "step", drop=0.5, every=100, mu_start=0.5)).describe()
    assert len(lines) == 3
    assert "standard deviation 0.5" in lines[0] and "seed 7" in lines[0]
    assert "seeds 8 to 11" in lines[0] and "all 5 seeds" in lines[0]
    assert "multiplied by 0.5 every 100 steps" in lines[1]
    assert "from 0.5 towards 0.99" in lines[2] and "100 steps" in lines[2]
    assert "1 + 0.02 (t - 1)" in Dynamics(schedule=Schedule("inverse", k=0.02)).describe()[0]
    assert "0.95 at every step" in Dynamics(schedule=Schedule("exponential", gamma=0.95)
                                            ).describe()[0]


def test_the_sliders_offer_round_values_and_keep_a_linked_one():
    assert 0.0 in slider_menu("noise") and 0.5 in slider_menu("noise")
    assert 0.37 in slider_menu("noise", 0.37)
    assert {0.5, 100} <= {*slider_menu("drop"), *slider_menu("every")}


# --- links ------------------------------------------------------------------------------------

@st.composite
def schedules(draw):
    kind = draw(st.sampled_from(KINDS))
    settings_by_name = {
        "drop": st.floats(0, 1, exclude_min=True), "every": st.integers(1, MAX_PERIOD),
        "gamma": st.floats(0, 1, exclude_min=True), "k": st.floats(0, MAX_K),
    }
    values = {name: draw(settings_by_name[name]) for name in KIND_SETTINGS[kind]}
    if draw(st.booleans()):
        values.update(mu_start=draw(st.floats(0, 1)), mu_end=draw(st.floats(0, 1)),
                      anneal_steps=draw(st.integers(1, MAX_PERIOD)))
    return Schedule(kind, **values)


@st.composite
def dynamics(draw):
    return Dynamics(noise=draw(st.one_of(st.sampled_from(slider_menu("noise")),
                                         st.floats(0, MAX_NOISE))),
                    seed=draw(st.integers(0, MAX_SEED)), fan=draw(st.integers(1, MAX_FAN)),
                    schedule=draw(schedules()))


@settings(max_examples=150, deadline=None)
@given(dynamics(), st.sampled_from([DEFAULT_SCENE, PRESETS_BY_KEY["saddle"].scene]))
def test_every_dynamics_round_trips_exactly(value, scene):
    scene = replace(scene, dynamics=value)
    assert scene_from_query(scene_to_query(scene)) == (scene, [])
    url = urlencode(scene_to_query(scene), doseq=True)
    assert scene_from_query(parse_qs(url, keep_blank_values=True)) == (scene, [])


def test_the_schema_example():
    scene, messages = scene_from_query(parse_qs(
        "noise=0.5&seed=7&fan=5&schedule=step:drop=0.5,every=100&anneal=0.5,0.99,100"))
    assert messages == []
    assert scene == replace(DEFAULT_SCENE, dynamics=Dynamics(
        noise=0.5, seed=7, fan=5,
        schedule=Schedule("step", drop=0.5, every=100, mu_start=0.5, mu_end=0.99,
                          anneal_steps=100)))
    query = scene_to_query(scene)
    assert [query[k] for k in ("noise", "seed", "fan", "schedule", "anneal")] == \
        ["0.5", "7", "5", "step:drop=0.5,every=100", "0.5,0.99,100"]


def test_links_without_dynamics_stay_as_they_were():
    query = scene_to_query(DEFAULT_SCENE)
    assert not {"noise", "seed", "fan", "schedule", "anneal"} & set(query)
    assert scene_to_query(with_dynamics(seed=3)) == {**query, "seed": "3"}


@pytest.mark.parametrize("link, expected", [
    ("schedule=exponential", Dynamics(schedule=Schedule("exponential"))),
    ("schedule=inverse:k=0.5", Dynamics(schedule=Schedule("inverse", k=0.5))),
    ("schedule=constant", NO_DYNAMICS),
    ("schedule=step:every=20", Dynamics(schedule=Schedule("step", every=20))),
    ("anneal=on", Dynamics(schedule=Schedule(mu_start=0.5))),
    ("anneal=off&noise=0", NO_DYNAMICS),
    ("noise=.25&seed=0012", Dynamics(noise=0.25, seed=12)),
])
def test_short_forms_are_read(link, expected):
    assert scene_from_query(parse_qs(link)) == (replace(DEFAULT_SCENE, dynamics=expected), [])


@pytest.mark.parametrize("link, needles, expected", [
    ("noise=abc", ["noise='abc'", "from 0 to 100", "used 0"], NO_DYNAMICS),
    ("noise=nan", ["noise='nan'"], NO_DYNAMICS),
    ("noise=-1", ["noise='-1'"], NO_DYNAMICS),
    ("noise=1e9", ["noise='1e9'"], NO_DYNAMICS),
    ("seed=-3", ["seed='-3'", "whole number from 0 to 999,999,999", "used 0"], NO_DYNAMICS),
    ("seed=1.5", ["seed='1.5'"], NO_DYNAMICS),
    ("seed=99999999999", ["seed='99999999999'"], NO_DYNAMICS),
    ("fan=20", ["fan=20 is out of range (1 to 8); used 8"], Dynamics(fan=8)),
    ("fan=0", ["fan=0 is out of range (1 to 8); used 1"], NO_DYNAMICS),
    ("fan=many", ["fan='many'"], NO_DYNAMICS),
    ("schedule=cosine", ["unknown schedule 'cosine'", "constant, step, exponential, inverse"],
     NO_DYNAMICS),
    ("schedule=step:drop=2", ["drop='2'", "drop must be in (0, 1]", "used 0.5"],
     Dynamics(schedule=Schedule("step"))),
    ("schedule=step:every=2.5", ["every='2.5'", "whole number", "used 100"],
     Dynamics(schedule=Schedule("step"))),
    ("schedule=step:every=0", ["every='0'"], Dynamics(schedule=Schedule("step"))),
    ("schedule=step:gamma=0.9", ["ignored 'gamma'", "step takes drop, every"],
     Dynamics(schedule=Schedule("step"))),
    ("schedule=constant:k=1", ["constant takes nothing"], NO_DYNAMICS),
    ("schedule=exponential:gamma", ["write name=value"],
     Dynamics(schedule=Schedule("exponential"))),
    ("schedule=exponential:gamma=0.9,gamma=0.8", ["gamma appears twice"],
     Dynamics(schedule=Schedule("exponential", gamma=0.9))),
    ("schedule=inverse:k=1e9", ["k must be at most 100"], Dynamics(schedule=Schedule("inverse"))),
    ("schedule=inverse:k=inf", ["k='inf'"], Dynamics(schedule=Schedule("inverse"))),
    ("anneal=0.5,1.5,100", ["anneal='0.5,1.5,100'", "mu_end", "not annealed"], NO_DYNAMICS),
    ("anneal=0.5,0.9", ["write it as mu_start,mu_end,steps"], NO_DYNAMICS),
    ("anneal=0.5,0.9,2.5", ["write it as mu_start,mu_end,steps"], NO_DYNAMICS),
    ("anneal=0.5,0.9,0", ["anneal_steps"], NO_DYNAMICS),
    ("noise=1&noise=2", ["noise appears 2 times"], Dynamics(noise=1.0)),
    ("noise=" + "1" * 300, ["too long"], NO_DYNAMICS),
])
def test_malformed_dynamics_fall_back_with_a_message(link, needles, expected):
    scene, messages = scene_from_query(parse_qs(link + "&steps=200&run=sgd:lr=0.5"))
    assert scene.dynamics == expected
    assert (scene.steps, scene.runs) == (200, (RunSpec.make("sgd", lr=0.5),))  # the rest is kept
    assert len(messages) == 1, messages
    assert all(needle in messages[0] for needle in needles), messages


_KEYS = st.sampled_from(["noise", "seed", "fan", "schedule", "anneal"])
_PIECES = st.sampled_from(["step", "exponential", "inverse", "constant", ":", ",", "=", "drop",
                           "every", "gamma", "k", "0.5", "-1", "1e400", "nan", "on", "100", " "])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, st.lists(st.one_of(st.text(max_size=30),
                                                 st.lists(_PIECES, max_size=8).map("".join)),
                                       min_size=1, max_size=2)))
def test_any_dynamics_link_gives_a_scene_that_runs(query):
    scene, messages = scene_from_query(query)
    assert isinstance(scene.dynamics, Dynamics)
    assert all(isinstance(m, str) for m in messages)
    assert scene_from_query(scene_to_query(scene)) == (scene, [])  # and it is a valid scene


# --- running a scene ---------------------------------------------------------------------------

def test_noise_is_the_documented_sequence_and_the_fan_the_next_seeds():
    run = RunSpec.make("sgd", lr=0.5)
    path = trajectory(RAVINE, run, START, 60, Dynamics(noise=0.3, seed=7, fan=3))
    np.testing.assert_allclose(path.points, noisy_sgd(0.5, 0.3, 7, 60), rtol=1e-12, atol=1e-12)
    assert [len(m.points) for m in path.fan] == [61, 61]
    for member, seed in zip(path.fan, (8, 9), strict=True):
        np.testing.assert_allclose(member.points, noisy_sgd(0.5, 0.3, seed, 60),
                                   rtol=1e-12, atol=1e-12)
        assert member.diverged_at is None and member.fan == ()
    # the run's own path does not depend on the fan drawn around it, bit for bit
    alone = trajectory(RAVINE, run, START, 60, Dynamics(noise=0.3, seed=7))
    np.testing.assert_array_equal(alone.points, path.points)
    assert alone.fan == ()


def test_every_run_of_a_scene_sees_the_same_noise():
    """Common random numbers: the noise each step added (gradient used minus the exact
    gradient, recovered from the positions) is the same for SGD runs of any lr."""
    scene = replace(DEFAULT_SCENE, steps=40, runs=(RunSpec.make("sgd", lr=0.1),
                                                   RunSpec.make("sgd", lr=0.4)),
                    dynamics=Dynamics(noise=0.5, seed=3))
    seen = []
    for _, run, path in run_scene(scene, RAVINE):
        lr = run.values["lr"]
        used = -(np.diff(path.points, axis=0)) / lr  # x_{k+1} = x_k - lr * (g + z)
        exact = np.stack(ravine_grad(*path.points[:-1].T), axis=1)
        seen.append(used - exact)
    np.testing.assert_allclose(seen[0], seen[1], atol=1e-9)
    assert np.std(seen[0]) == pytest.approx(0.5, rel=0.25)


def test_without_noise_a_fan_adds_nothing():
    path = trajectory(RAVINE, RunSpec.make("adam", lr=0.3), START, 50, Dynamics(seed=4, fan=6))
    assert path.fan == ()
    np.testing.assert_array_equal(
        path.points, simulate(RAVINE, "adam", START, 50, lr=0.3).points)


def test_a_schedule_scales_the_lr_step_by_step():
    dynamics = Dynamics(noise=0.2, seed=1, schedule=Schedule("step", drop=0.5, every=10))
    path = trajectory(RAVINE, RunSpec.make("sgd", lr=0.4), START, 30, dynamics)
    factors = np.repeat([1.0, 0.5, 0.25], 10)
    np.testing.assert_allclose(path.points, noisy_sgd(0.4, 0.2, 1, 30, factors),
                               rtol=1e-12, atol=1e-12)


def test_annealing_replaces_mu_of_momentum_runs():
    schedule = Schedule(mu_start=0.5, mu_end=0.99, anneal_steps=20)
    annealed = trajectory(RAVINE, RunSpec.make("momentum", lr=0.1, mu=0.9), START, 5,
                          Dynamics(schedule=schedule))
    x, y, vx, vy = *START, 0.0, 0.0
    for mu in schedule.mus(5):  # the notes' v = mu * v - lr * dx, mu from 0.5 up
        gx, gy = ravine_grad(x, y)
        vx, vy = mu * vx - 0.1 * gx, mu * vy - 0.1 * gy
        x, y = x + vx, y + vy
    np.testing.assert_allclose(annealed.points[-1], (x, y), rtol=1e-14)
    # SGD has no mu: annealing leaves it alone
    sgd = RunSpec.make("sgd", lr=0.1)
    np.testing.assert_array_equal(
        trajectory(RAVINE, sgd, START, 5, Dynamics(schedule=schedule)).points,
        trajectory(RAVINE, sgd, START, 5).points)


ROSENBROCK = SURFACES["rosenbrock"]


def test_messages_for_a_run_and_its_fan_that_diverge():
    # SGD at lr 0.002 under noise 20 on Rosenbrock: seeds 4 and 5 of 0..7 blow up
    run = RunSpec.make("sgd", lr=0.002)
    dynamics = Dynamics(noise=20.0, seed=0, fan=8)
    path = trajectory(ROSENBROCK, run, ROSENBROCK.start, 200, dynamics)
    diverged = [m.diverged_at for m in path.fan]
    assert path.diverged_at is None and sum(d is not None for d in diverged) == 2
    first = min(d for d in diverged if d is not None)
    assert divergence_message(run, path, dynamics) is None
    assert fan_message(run, path, dynamics) == \
        f"SGD (lr = 0.002): 2 of the fan's 7 other seeds diverged, the first at step {first}"
    # each diverged member keeps its finite part, as a run alone does
    for member in path.fan:
        if member.diverged_at is not None:
            assert np.isfinite(member.points[:member.diverged_at]).all()
            assert np.isnan(member.points[member.diverged_at:]).all()
    one = trajectory(ROSENBROCK, run, ROSENBROCK.start, 200, Dynamics(noise=20.0, seed=3, fan=2))
    assert fan_message(run, one, Dynamics(noise=20.0, seed=3, fan=2)) == \
        f"SGD (lr = 0.002): the fan's other seed diverged at step {one.fan[0].diverged_at}"
    assert fan_message(run, trajectory(ROSENBROCK, run, ROSENBROCK.start, 200), NO_DYNAMICS) \
        is None


def test_labels_and_messages_of_an_annealed_run():
    run = RunSpec.make("momentum", lr=30.0, mu=0.9)
    dynamics = Dynamics(schedule=Schedule(mu_start=0.5))
    path = trajectory(RAVINE, run, START, 50, dynamics)
    assert divergence_message(run, path, dynamics).startswith(
        "Momentum (lr = 30, mu = 0.5 → 0.99) diverged at step ")
    trace = run_trace(run, path, color="#000000", dynamics=dynamics)
    assert trace.label == "Momentum (lr = 30, mu = 0.5 → 0.99)"


def test_run_trace_carries_the_fan():
    run = RunSpec.make("sgd", lr=0.5)
    path = trajectory(RAVINE, run, START, 30, Dynamics(noise=0.3, seed=2, fan=4))
    trace = run_trace(run, path, color="#E69F00")
    assert len(trace.fan) == 3 and trace.fan == path.fan  # the very trajectories, not copies
    assert trace.points is path.points and trace.losses is path.losses
    assert trace.color == "#E69F00" and trace.label == run.label


# --- presets -----------------------------------------------------------------------------------

def _batch(scene: Scene, run: RunSpec, *, schedule: bool = True, record_state: bool = False):
    """One run of a preset under every seed of its fan, as one batch."""
    surface = make_surface(scene.surface, **dict(scene.params))
    args = scene.dynamics.simulate_args()
    return simulate(surface, run.optimizer, scene.start, scene.steps,
                    noise=args["noise"], seed=np.array(scene.dynamics.seeds),
                    schedule=args["schedule"] if schedule else None,
                    record_state=record_state, **run.values)


def test_a_decaying_lr_settles_sgd_under_noise():
    scene = PRESETS_BY_KEY["noise_lr_decay"].scene
    (run,) = scene.runs
    every = scene.dynamics.schedule.every
    assert scene.dynamics.noise > 0 and scene.dynamics.fan > 1
    assert scene.dynamics.schedule.kind == "step" and scene.steps == 3 * every

    def floors(batch):
        """Each seed's mean loss in the last 40 steps of each lr period: (3, seeds)."""
        return np.array([batch.losses[k * every - 40:k * every].mean(axis=0) for k in (1, 2, 3)])

    decayed, constant = floors(_batch(scene, run)), floors(_batch(scene, run, schedule=False))
    # each cut of the lr lowers the loss floor, for every seed...
    assert (decayed[1:] < decayed[:-1]).all()
    # ...by a factor of 3 or more over the fan
    mean = decayed.mean(axis=1)
    assert mean[0] > 3 * mean[1] > 9 * mean[2]
    # while at a constant lr it stays where the noise holds it
    assert constant.mean(axis=1).max() < 1.5 * constant.mean(axis=1).min()
    np.testing.assert_array_equal(constant[0], decayed[0])  # the same until the first cut
    # and the jitter shrinks with each cut: the steps of every seed get shorter, by about
    # the factor the lr drops (0.3), and not at all at a constant lr
    def jitter(batch):
        """Each seed's mean step length in the last 40 steps of each lr period."""
        length = np.linalg.norm(np.diff(batch.points, axis=0), axis=2)
        return np.array([length[k * every - 40:k * every].mean(axis=0) for k in (1, 2, 3)])

    steps, flat = jitter(_batch(scene, run)), jitter(_batch(scene, run, schedule=False))
    assert (steps[1:] < 0.5 * steps[:-1]).all()
    assert flat.mean(axis=1).max() < 1.2 * flat.mean(axis=1).min()


def test_adagrad_goes_still_under_noise_while_rmsprop_keeps_jittering():
    scene = PRESETS_BY_KEY["noise_adagrad"].scene
    adagrad, rmsprop = scene.runs
    assert (adagrad.optimizer, rmsprop.optimizer) == ("adagrad", "rmsprop")
    assert scene.dynamics.noise > 0 and scene.dynamics.fan > 1
    tail = slice(int(0.8 * scene.steps), None)  # the last 20% of the steps

    def lengths(batch):
        """The length of every step of every seed: (steps, seeds)."""
        return np.linalg.norm(np.diff(batch.points, axis=0), axis=2)

    ada_batch, rms_batch = _batch(scene, adagrad), _batch(scene, rmsprop)
    ada, rms = lengths(ada_batch), lengths(rms_batch)
    # AdaGrad's first step is lr along each axis (the sign of the gradient); by the last
    # fifth its steps are a thirtieth of that, for every seed, and a tenth of RMSProp's
    lr = adagrad.values["lr"]
    np.testing.assert_allclose(ada[0], lr * np.sqrt(2), rtol=1e-3)
    assert (ada[tail].mean(axis=0) < ada[0] / 25).all()
    assert (ada[tail].mean(axis=0) < rms[tail].mean(axis=0) / 7).all()
    # ... shrinking like 1 / sqrt(t): sqrt(450 / 950) = 0.69 from steps 400-500 to 900-1000
    assert ada[900:].mean() / ada[400:500].mean() == pytest.approx(np.sqrt(450 / 950), rel=0.15)
    # RMSProp's cache forgets: its steps keep their size
    assert rms[900:].mean() == pytest.approx(rms[400:500].mean(), rel=0.1)
    # AdaGrad's paths go still: in the last fifth each moves within a box a fraction of
    # RMSProp's, and its loss stays within a factor of 3 while RMSProp's jumps over decades
    box = {name: np.ptp(batch.points[tail], axis=0).max(axis=1)
           for name, batch in (("adagrad", ada_batch), ("rmsprop", rms_batch))}
    assert box["adagrad"].mean() < 0.35 * box["rmsprop"].mean()

    def decades(batch):
        losses = batch.losses[tail]
        return np.log10(losses.max(axis=0) / losses.min(axis=0))

    assert (decades(ada_batch) < np.log10(3)).all() and (decades(rms_batch) > 1).all()
    # short of the minimum: its steps shrank before it arrived, RMSProp jitters around it
    assert (ada_batch.points[-1, :, 0] < -0.5).all()
    along = rms_batch.points[tail, :, 0]
    assert along.min() < -0.5 and along.max() > 0.5  # the fan on both sides of x = 0
    # the effective step size lr / (sqrt(cache) + eps) tells the same: AdaGrad's falls below
    # lr / (noise * sqrt(t)), the bound the noise alone sets
    states = _batch(scene, adagrad, record_state=True).states["cache"]
    eps, noise = adagrad.values["eps"], scene.dynamics.noise
    t = np.arange(200, scene.steps + 1)
    effective = lr / (np.sqrt(states[t]) + eps)  # (t, seeds, axes)
    assert (effective < 1.1 * lr / (noise * np.sqrt(t))[:, None, None]).all()


def test_an_integer_too_large_for_a_float_is_refused_by_name_in_a_short_message():
    from optimizers import simulate
    from surfaces import SURFACES

    for make, name in [(lambda: Dynamics(noise=10**400), "noise"),
                       (lambda: Dynamics(seed=10**400), "seed"),
                       (lambda: Schedule(kind="step", drop=10**400), "drop"),
                       (lambda: simulate(SURFACES["ravine"], "sgd", (1.0, 1.0), 5, lr=10**400),
                        "lr")]:
        with pytest.raises(ValueError, match=name) as refused:
            make()
        assert len(str(refused.value)) < 200
    _, messages = scene_from_query({"schedule": "step:every=1e308"})
    assert len(messages) == 1 and "1e+308" in messages[0] and len(messages[0]) < 200
