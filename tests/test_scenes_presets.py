"""Each preset shows the claim of the lecture it is named after, in numbers: its sentence
(the lecture step's claim) and the numbers of its details."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import simulate
from optimizers.schedules import Schedule
from scenes import DEFAULT_SCENE, PRESETS, PRESETS_BY_KEY
from scenes.model import inside, plot_box
from scenes.presets import CLAIM_LENGTH
from surfaces import make_surface
from tests.measures import first_rebound, mark_gaps, step_lengths


def _runs(scene):
    """Every run of the scene under its dynamics (its own seed), with the optimizer's state
    recorded."""
    surface = make_surface(scene.surface, **dict(scene.params + scene.choices))
    return [simulate(surface, run.optimizer, scene.start, scene.steps, record_state=True,
                     **scene.dynamics.simulate_args(), **run.values) for run in scene.runs]


def _seeds(scene, run):
    """One run of the scene under every seed of its fan, as one batch."""
    surface = make_surface(scene.surface, **dict(scene.params + scene.choices))
    args = {**scene.dynamics.simulate_args(), "seed": np.array(scene.dynamics.seeds)}
    return simulate(surface, run.optimizer, scene.start, scene.steps, **args, **run.values)


def _effective_step(run, axis):
    """lr / (sqrt(cache) + eps) along one axis after each step (AdaGrad, RMSProp)."""
    cache = run.states["cache"][1:, axis]
    return run.hyper["lr"] / (np.sqrt(cache) + run.hyper["eps"])


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_preset_is_whole(preset):
    assert preset.title and preset.look_for.endswith(".")
    # the claim fits two lines at presenter size; its numbers go into the details
    assert len(preset.look_for) <= CLAIM_LENGTH and "\n" not in preset.look_for
    assert preset.details.endswith(".") and len(preset.details) > len(preset.look_for)
    assert inside(preset.scene.start, plot_box(preset.scene))
    assert all(run.enabled for run in preset.scene.runs)
    assert all(r.diverged_at is None for r in _runs(preset.scene))


def test_keys_are_unique():
    assert len(PRESETS_BY_KEY) == len(PRESETS)


def test_default_scene_tells_the_lecture_story():
    sgd, momentum, nesterov, adagrad, rmsprop, adam = _runs(DEFAULT_SCENE)
    assert [r.optimizer.name for r in (sgd, momentum, nesterov, adagrad, rmsprop, adam)] == [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    # SGD jitters across the valley: y changes sign at every one of the first 20 steps...
    y = sgd.points[:21, 1]
    assert (np.sign(y[1:]) == -np.sign(y[:-1])).all()
    # ...and crawls along it: after 50 steps it is further from the minimum than
    # momentum, Nesterov, RMSProp and Adam.
    x50 = {r.optimizer.name: abs(r.points[50, 0]) for r in _runs(DEFAULT_SCENE)}
    assert all(x50["sgd"] > x50[k] for k in ("momentum", "nesterov", "rmsprop", "adam"))
    # Momentum overshoots the minimum along the valley, then settles.
    assert momentum.points[:, 0].max() > 0.3
    assert momentum.losses[-1] < 1e-8
    # AdaGrad slows down: its steps shrink and after 300 steps it is still far off,
    # while RMSProp and Adam have arrived.
    assert adagrad.losses[-1] > 1e-3
    assert rmsprop.losses[-1] < 1e-8 and adam.losses[-1] < 1e-8
    steps = np.linalg.norm(np.diff(adagrad.points, axis=0), axis=1)
    assert steps[250:].mean() < steps[:50].mean() / 10


def test_jitter():
    """SGD: jitter along the steep direction, slow progress along the shallow one."""
    fast, slow = _runs(PRESETS_BY_KEY["jitter"].scene)
    y_fast, y_slow = fast.points[:41, 1], slow.points[:41, 1]
    assert (np.sign(y_fast[1:]) == -np.sign(y_fast[:-1])).all()  # zigzag for 40 steps
    assert (y_slow > 0).all()  # no zigzag at the smaller lr
    # Along the valley both still crawl after 100 steps, the smaller lr more.
    assert fast.points[100, 0] < -1 and slow.points[100, 0] < fast.points[100, 0]


def test_friction():
    """mu 0.5 creeps, 0.9 overshoots a little and settles, 0.99 keeps swinging."""
    creep, settle, swing = _runs(PRESETS_BY_KEY["friction"].scene)
    start_x = creep.points[0, 0]
    # How far past the minimum (x = 0) each gets along the valley, from x = -8.
    overshoot = [r.points[:, 0].max() for r in (creep, settle, swing)]
    assert overshoot[0] < 0  # never gets there
    assert 0 < overshoot[1] < 0.05 * abs(start_x)  # a little past, then back
    assert overshoot[2] > 0.5 * abs(start_x)  # swings most of the way up the other side
    crossings = [int((np.diff(np.sign(r.points[:, 0])) != 0).sum()) for r in (settle, swing)]
    assert crossings[1] > crossings[0]
    assert settle.losses[-1] < 1e-10 < 1e-3 < creep.losses[-1]
    assert swing.losses[-50:].max() > 1e-2  # still moving at the end


def test_annealed_mu_gathers_speed_yet_overshoots_less_than_mu_099():
    preset = PRESETS_BY_KEY["mu_anneal"]
    scene = preset.scene
    schedule = scene.dynamics.schedule
    assert (schedule.mu_start, schedule.mu_end, schedule.anneal_steps) == (0.5, 0.99, 100)
    (run,) = scene.runs
    (annealed,) = _runs(scene)
    # the same ball at a fixed mu, as the friction preset has it
    surface = make_surface(scene.surface, **dict(scene.params))
    fixed = {mu: simulate(surface, "momentum", scene.start, scene.steps,
                          **{**run.values, "mu": mu}) for mu in (0.5, 0.99)}
    assert any(r.values == {**run.values, "mu": 0.99}
               for r in PRESETS_BY_KEY["friction"].scene.runs)
    # it starts calm and gathers speed: along the valley each ten steps cover more ground
    # than the ten before for its first 50 steps, though the slope gets gentler
    gaps = np.diff(annealed.points[:51:10, 0])
    assert (np.diff(gaps) > 0).all() and [round(gaps[0], 2), round(gaps[-1], 2)] == [0.66, 1.57]
    assert "0.66 in its first 10 steps and 1.57 in steps 40 to 50" in preset.details
    slope = np.abs(annealed.points[:51:10, 0]) / 50  # |gradient| along the valley, kappa 50
    assert (np.diff(slope) < 0).all()
    # yet it overshoots the minimum by 1.3, where at 0.99 throughout it goes 6.2 past
    overshoot = [annealed.points[:, 0].max(), fixed[0.99].points[:, 0].max()]
    assert [round(v, 1) for v in overshoot] == [1.3, 6.2]
    # and its loss stays below 0.01 from step 99, where at mu 0.5 throughout from 258
    def below(losses):
        return int(np.flatnonzero(losses >= 0.01).max()) + 1

    assert (below(annealed.losses), below(fixed[0.5].losses)) == (99, 258)
    for number in ("1.3 past", "6.2 past", "step 99", "step 258"):
        assert number in preset.details


def test_no_friction_never_settles():
    free, damped = _runs(PRESETS_BY_KEY["no_friction"].scene)
    # Without friction the loss keeps coming back up towards its starting level: every
    # one of its peaks (about 50 of them) is above 60% of it, and the last ones reach it.
    loss = free.losses
    peaks = np.flatnonzero((loss[1:-1] > loss[:-2]) & (loss[1:-1] > loss[2:])) + 1
    assert len(peaks) > 20 and (loss[peaks] > 0.6 * loss[0]).all()
    assert loss[-150:].max() > 0.95 * loss[0]
    assert damped.losses[-1] < 1e-8


def test_momentum_builds_speed_along_the_valley_and_swings_into_the_middle_across():
    preset = PRESETS_BY_KEY["momentum_sgd"]
    sgd, momentum = _runs(preset.scene)
    assert sgd.hyper["lr"] == momentum.hyper["lr"]
    # along the shallow valley: momentum's steps grow to six times SGD's longest...
    along = [np.abs(np.diff(r.points[:, 0])) for r in (sgd, momentum)]
    assert along[1].max() > 6 * along[0].max()
    assert along[1][0] < along[1].max() / 5  # it gathers speed: its first step is SGD's
    assert along[1][0] == pytest.approx(along[0][0])
    # ... and it arrives, while SGD is still 1.3 short of the minimum after 300 steps
    assert momentum.losses[-1] < 1e-10 and round(sgd.points[-1, 0], 1) == -1.3
    # across the steep one: momentum swings from side to side, each swing smaller, into the
    # middle; SGD slides straight down without crossing
    y = momentum.points[:100, 1]
    crossings = np.flatnonzero(np.sign(y[1:]) != np.sign(y[:-1]))
    swings = [np.abs(y[a + 1:b + 1]).max() for a, b in zip(crossings[:-1], crossings[1:],
                                                                 strict=True)]
    assert len(swings) >= 8 and (np.diff(swings) < 0).all()
    assert abs(momentum.points[100, 1]) < 0.01
    assert (sgd.points[:, 1] >= 0).all() and (np.diff(sgd.points[:, 1]) <= 0).all()
    assert "six times SGD's longest" in preset.details and "1.3 short" in preset.details


def test_nesterov_swings_less_and_overshoots_less_than_momentum():
    preset = PRESETS_BY_KEY["nesterov"]
    momentum, nesterov = _runs(preset.scene)
    assert (momentum.hyper["lr"], momentum.hyper["mu"]) == (
        nesterov.hyper["lr"], nesterov.hyper["mu"])
    # Along the valley: past the minimum by 3.2 against 4.8, a gap of 8% of the plot's
    # width, so that it shows.
    overshoot = [r.points[:, 0].max() for r in (momentum, nesterov)]
    assert [round(v, 1) for v in overshoot] == [4.8, 3.2]
    (x0, x1), _ = plot_box(preset.scene)
    assert overshoot[0] - overshoot[1] > 0.08 * (x1 - x0)
    assert "3.2 past the minimum where momentum goes 4.8" in preset.details
    # Across it: the summed |y| (the swinging) is a seventh of momentum's.
    swing = [np.abs(r.points[:, 1]).sum() for r in (momentum, nesterov)]
    assert round(swing[0] / swing[1]) == 7 and "a seventh" in preset.details
    # Both end at the minimum.
    assert momentum.losses[-1] < 1e-6 and nesterov.losses[-1] < 1e-6


def test_many_minima_none_of_them_bad():
    preset = PRESETS_BY_KEY["many_minima"]
    runs = _runs(preset.scene)
    ends = np.array([r.points[-1] for r in runs])
    # three different minima (Himmelblau's four minima are at least 3 apart) ...
    assert min(np.linalg.norm(ends[i] - ends[j]) for i in range(3) for j in range(i)) > 3
    np.testing.assert_allclose(ends, [[3, 2], [3.58, -1.85], [-2.81, 3.13]], atol=0.01)
    # ... each of loss 0 (the same as the others, none worse)
    assert all(r.losses[-1] < 1e-6 for r in runs)
    for point in ("(3, 2)", "(3.58, -1.85)", "(-2.81, 3.13)", "below 1e-6"):
        assert point in preset.details


def test_adagrad_scales_each_axis_by_its_own_history():
    preset = PRESETS_BY_KEY["adagrad_axes"]
    sgd, adagrad = _runs(preset.scene)
    along, across = _effective_step(adagrad, 0), _effective_step(adagrad, 1)
    # long steps along the shallow valley, short ones across the steep one, at every step
    assert (along > across).all()
    assert round(across[-1], 2) == 0.63 and along.min() > 2.3
    # its first step is lr along each axis: as long along the valley as across it
    np.testing.assert_allclose(np.abs(adagrad.points[1] - adagrad.points[0]),
                               adagrad.hyper["lr"], rtol=1e-6)
    # it never zigzags, SGD zigzags at every step; after 50 steps it is nearer the minimum
    assert (adagrad.points[:, 1] >= 0).all()
    y = sgd.points[:21, 1]
    assert (np.sign(y[1:]) == -np.sign(y[:-1])).all()
    assert [round(abs(r.points[50, 0]), 1) for r in (adagrad, sgd)] == [0.5, 1.3]
    for number in ("0.63", "above 2.3", "0.5 from the minimum", "1.3 from it"):
        assert number in preset.details


def test_adagrad_step_size_decays_towards_zero():
    (adagrad,) = _runs(PRESETS_BY_KEY["adagrad_decay"].scene)
    for axis in (0, 1):
        step = _effective_step(adagrad, axis)
        assert (np.diff(step) <= 0).all()  # the cache only grows
    step_x = _effective_step(adagrad, 0)
    assert step_x[-1] < step_x[0] / 20
    # Each hundred steps covers less ground; after 1000 it is still far from 0.
    travelled = mark_gaps(adagrad.points, 100)  # between marks every 100 steps
    assert (np.diff(travelled) < 0).all() and travelled[-1] < travelled[0] / 3
    assert adagrad.points[-1, 0] < -4


def test_rmsprop_fixes_adagrad():
    adagrad, rmsprop = _runs(PRESETS_BY_KEY["rmsprop_fix"].scene)
    assert rmsprop.hyper["lr"] == adagrad.hyper["lr"]
    ada, rms = _effective_step(adagrad, 0), _effective_step(rmsprop, 0)
    assert ada[-1] < ada[0] / 20
    assert rms[100:].min() > 0.3 * rms[0]  # does not decay: it grows as the gradient shrinks
    assert rmsprop.losses[400] < 1e-3 and adagrad.losses[-1] > 0.1
    assert first_rebound(adagrad.losses) is None


def test_rmsprop_at_a_constant_lr_rebounds_near_the_minimum():
    """The sentence's second half: the jump near step 770, why, and what removes it."""
    scene = PRESETS_BY_KEY["rmsprop_fix"].scene
    _, rmsprop = _runs(scene)
    step = first_rebound(rmsprop.losses)
    assert step is not None and 750 <= step <= 790
    assert rmsprop.losses[400:step - 30].max() < 1e-10  # far below 1e-10 before it ...
    assert 0.03 < rmsprop.losses[step:step + 20].max() < 0.1  # ... back up to about 0.06
    # Why: across the valley (curvature 1) gradient descent with a step size above 2
    # overshoots more each step. RMSProp's effective step there, lr / sqrt(cache), stays
    # below 2 while it descends; as the gradient dies away the cache leaks away and the
    # effective step climbs past 2 well before the jump; the jump is across the valley
    # and refills the cache, which brings the effective step back below 2.
    across = _effective_step(rmsprop, 1)  # after step k + 1
    assert across[:300].max() < 2 and (across[step - 300:step - 1] > 2).all()
    jump = rmsprop.points[step] - rmsprop.points[step - 1]
    assert abs(jump[1]) > 10 * abs(jump[0])
    assert across[step + 10] < 2
    # ... and again before step 1000: a constant lr never settles for good
    assert rmsprop.losses[step + 100:].min() < 1e-30 and rmsprop.losses[-50:].max() > 1e-8
    # What removes it: a decaying lr (1/t, or a step schedule) keeps the effective step
    # from growing; RMSProp then settles for good, still reaching the minimum.
    surface = make_surface(scene.surface, **dict(scene.params + scene.choices))
    for schedule in (Schedule("inverse", k=0.01), Schedule("step", drop=0.5, every=100)):
        decayed = simulate(surface, "rmsprop", scene.start, scene.steps, schedule=schedule,
                           **scene.runs[1].values)
        assert first_rebound(decayed.losses) is None, schedule.kind
        assert decayed.losses[-1] < 1e-7 and decayed.losses[400:].max() < 1e-3, schedule.kind


def test_adam_without_bias_correction_starts_with_too_long_steps():
    scene = PRESETS_BY_KEY["adam_bias"].scene
    corrected, notes = _runs(scene)
    assert corrected.hyper["bias_correction"] and not notes.hyper["bias_correction"]
    lr, beta1, beta2 = (corrected.hyper[k] for k in ("lr", "beta1", "beta2"))
    first = [np.abs(r.points[1] - r.points[0]) for r in (corrected, notes)]
    # Corrected: about lr along each axis. The notes' Adam: m/sqrt(v) is off by
    # (1 - beta1) / sqrt(1 - beta2) at t = 1, about 3.16.
    np.testing.assert_allclose(first[0], lr, rtol=1e-4)  # eps aside
    np.testing.assert_allclose(first[1], lr * (1 - beta1) / np.sqrt(1 - beta2), rtol=1e-4)
    length = [step_lengths(r.points) for r in (corrected, notes)]
    assert length[1][0] / length[0][0] == pytest.approx(3.16, rel=0.01)  # "three times"
    assert "three times too long" in PRESETS_BY_KEY["adam_bias"].look_for
    assert length[0][0] == pytest.approx(0.71, abs=0.01)  # the details' numbers
    assert length[1][0] == pytest.approx(2.24, abs=0.01)
    # the first five steps are all three times too long or more, the first ten too long
    assert (length[1][:5] > 3 * length[0][:5]).all() and (length[1][:10] > length[0][:10]).all()
    # Both first steps show on the contour: the corrected one is 3% of the plot's width,
    # the notes' one 11%.
    (x0, x1), _ = plot_box(scene)
    assert length[0][0] > 0.03 * (x1 - x0) and length[1][0] > 0.1 * (x1 - x0)
    # ... and the notes' Adam overshoots the minimum (x = 0) along the valley by more
    overshoot = [r.points[:, 0].max() for r in (corrected, notes)]
    assert overshoot[0] == pytest.approx(1.4, abs=0.05)
    assert overshoot[1] == pytest.approx(4.8, abs=0.05)
    assert corrected.losses[-1] < 1e-8 and notes.losses[-1] < 1e-8  # both settle in the end


def test_saddle_sgd_lingers_adaptive_methods_escape():
    def escape_step(run):
        away = np.abs(run.points[:, 1]) > 1
        return int(np.argmax(away)) if away.any() else None

    sgd, rmsprop, adam = _runs(PRESETS_BY_KEY["saddle"].scene)
    assert escape_step(sgd) is None  # still within 1 of the ridge after all its steps
    assert escape_step(rmsprop) < 30 and escape_step(adam) < 100
    assert "within 30 and 100 steps" in PRESETS_BY_KEY["saddle"].details


def test_noisy_sgd_jitters_at_a_loss_set_by_its_lr():
    preset = PRESETS_BY_KEY["noise_lr_decay"]
    scene = preset.scene
    (run,) = scene.runs
    every, drop = scene.dynamics.schedule.every, scene.dynamics.schedule.drop
    assert (every, drop, scene.steps, scene.dynamics.fan) == (100, 0.2, 300, 3)
    losses = _seeds(scene, run).losses  # (steps + 1, seeds)
    # each stretch of constant lr, once settled (20 steps in): three levels, for every seed
    stretches = [losses[k * every + 20:(k + 1) * every] for k in range(3)]
    medians = np.array([np.median(x, axis=0) for x in stretches])  # (3, seeds)
    assert (medians[1:] < medians[:-1] / 4).all()
    # distinct on the loss panel: nine in ten losses of a stretch lie below the median of
    # the one before
    assert all(np.quantile(stretches[k + 1], 0.9) < np.median(stretches[k]) for k in (0, 1))
    pooled = [float(np.median(x)) for x in stretches]
    assert [round(pooled[0], 2), round(pooled[1], 2), round(pooled[2], 3)] == [0.55, 0.08, 0.009]
    assert "median 0.55, then 0.08, then 0.009" in preset.details
    # at a constant lr it cannot settle: the loss keeps jumping about a level
    first = losses[20:every]
    assert (first.max(axis=0) > 4 * np.median(first, axis=0)).all()
    # the words: gradient noise, in the title and the details alike
    assert "Noisy gradients" in preset.title and "Gaussian noise" in preset.details


# --- real data: the penguins ---------------------------------------------------------------------

def _penguins(scaling):
    return make_surface("penguins", scaling=scaling)


def test_unscaled_features_make_a_ravine():
    preset = PRESETS_BY_KEY["unscaled"]
    surface = _penguins("raw")
    data = surface.dataset
    # its sentence states the data's condition number, and SGD's limit 2 / lambda_max
    low, high = np.linalg.eigvalsh(data.hessian)
    assert f"condition number {data.condition_number:,.0f}" in preset.look_for
    assert f"limit {2 / high:.3f}" in preset.details and 0.15 < 2 / high
    sgd, momentum, adam = _runs(preset.scene)
    assert [r.optimizer.name for r in (sgd, momentum, adam)] == ["sgd", "momentum", "adam"]
    # along and across the valley, measured from the least-squares fit
    along, across = np.linalg.eigh(data.hessian)[1].T
    minimum = np.array(data.solution)
    # SGD crawls: after its first steps it stays on the floor, its steps along the valley
    # short (its whole way covers 30%)
    rel = sgd.points - minimum
    assert (np.abs(rel[6:] @ across) < 0.05).all()
    progress = {r.optimizer.name: 1 - abs((r.points[-1] - minimum) @ along)
                / abs((r.points[0] - minimum) @ along) for r in (sgd, momentum, adam)}
    assert [round(100 * progress[k]) for k in ("sgd", "adam", "momentum")] == [30, 50, 91]
    assert "SGD (lr 0.15, just below its limit 0.198) covers 30%" in preset.details
    assert "Adam 50%" in preset.details and "Momentum 91%" in preset.details
    # the switch the sentence asks for: standardised, the same runs end at the fit
    bowl = _penguins("standardised")
    for run in preset.scene.runs:
        end = simulate(bowl, run.optimizer, preset.scene.start, preset.scene.steps,
                       **run.values).points[-1]
        assert np.linalg.norm(end - bowl.dataset.solution) < 1e-3


def test_full_batch_reads_every_row_and_settles():
    preset = PRESETS_BY_KEY["full_batch"]
    surface = _penguins("standardised")
    (run,) = _runs(preset.scene)
    assert preset.scene.dynamics.batch_size is None
    gap = run.losses - surface.min_value
    first = int(np.argmax(gap < 0.05))
    n = surface.dataset.n
    assert (first, n) == (14, 342) and f"all {n} penguins" in preset.look_for
    assert f"by step {first}" in preset.look_for
    assert f"{first} x {n} = {first * n:,} rows" in preset.details
    assert abs(gap[100:]).max() < 1e-12  # settled on the fit


def test_small_batches_are_noisy_and_cheap():
    preset = PRESETS_BY_KEY["small_batches"]
    scene = preset.scene
    surface = _penguins("standardised")
    n, batch = surface.dataset.n, scene.dynamics.batch_size
    (run,) = scene.runs
    # the same run, start and steps as the full-batch preset just before it
    full_preset = PRESETS_BY_KEY["full_batch"].scene
    assert (full_preset.runs, full_preset.start, full_preset.steps, full_preset.choices) == (
        scene.runs, scene.start, scene.steps, scene.choices)
    assert f"{batch} of the {n} penguins a step, {n / batch:.0f} times cheaper" in preset.look_for
    seeds = np.array(scene.dynamics.seeds)
    assert len(seeds) == 5
    noisy = simulate(surface, "sgd", np.zeros((5, 2)), scene.steps, batch_size=batch,
                     seed=seeds, **run.values)
    full = simulate(surface, "sgd", scene.start, scene.steps, **run.values)
    gap, full_gap = noisy.losses - surface.min_value, full.losses - surface.min_value
    # about as fast: as many steps as full batch to come within 0.05, a fraction of its rows
    first = np.argmax(gap < 0.05, axis=0)
    full_first = int(np.argmax(full_gap < 0.05))
    assert full_first == 14 and full_first * n == 4788
    assert (first.min(), first.max()) == (13, 15)
    assert (first.min() * batch, first.max() * batch) == (104, 120)
    assert "by step 13 to 15 (full batch: 14), having read 104 to 120 rows" in preset.details
    # the sentence speaks only of what the picture shows, the five seeds: every one of them
    # near the fit (loss within 0.05 of its minimum) by the step it names
    assert f"{len(seeds)} seeds near the fit by step {first.max()}, then jitter" \
        in preset.look_for
    # but it jitters: from step 100 on the seeds jitter about the fit, full batch has settled
    tail = gap[100:]
    assert round(tail.mean(), 4) == 0.0045 and "about 0.0045 above" in preset.details
    assert (tail.mean(axis=0) > 0.003).all() and abs(full_gap[100:]).max() < 1e-12
    distance = np.linalg.norm(noisy.points[100:] - surface.dataset.solution, axis=2)
    assert (distance.mean(axis=0) > 0.04).all() and distance.max() < 0.2
