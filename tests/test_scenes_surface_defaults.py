"""Each library surface arrives with six runs that tell its lesson, in numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizers import simulate
from scenes import DEFAULT_SCENE, MAX_STEPS, RunSpec, default_runs, default_scene, scene_from_query
from scenes.compute import build_surface, run_scene
from scenes.model import inside, plot_box
from scenes.surface_defaults import (
    OPTIMIZER_ORDER,
    SURFACE_DEFAULTS,
    default_start,
    defaults_for,
    fallback_runs,
)
from surfaces import SURFACES, make_surface


def untuned_surfaces() -> list[str]:
    """Library surfaces without tuned default runs (they get ``fallback_runs``)."""
    return [name for name in SURFACES if name not in SURFACE_DEFAULTS]


def test_every_library_surface_has_tuned_runs():
    missing = untuned_surfaces()
    assert not missing, f"no tuned default runs for: {', '.join(missing)} " \
                        "(add them to SURFACE_DEFAULTS in scenes/surface_defaults.py)"
    assert set(SURFACE_DEFAULTS) <= set(SURFACES)


def _ran(name: str, params=None):
    """The default scene of ``name``, run: ``{optimizer: Trajectory}`` and the surface."""
    scene = default_scene(name, params)
    surface = build_surface(scene.surface_key)
    return {run.optimizer: path for _, run, path in run_scene(scene, surface)}, surface


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_surface_arrives_whole_and_sane(name):
    scene = default_scene(name)
    assert tuple(run.optimizer for run in scene.runs) == OPTIMIZER_ORDER
    assert all(run.enabled for run in scene.runs) and scene.runs == default_runs(name)
    story = defaults_for(name).story
    assert story.endswith(".") and story.count(". ") == 0  # one sentence, for the page
    assert 1 <= scene.steps <= MAX_STEPS and inside(scene.start, plot_box(scene))
    assert scene.start == default_start(name, scene.params)  # links and the page agree
    paths, surface = _ran(name)
    for optimizer, path in paths.items():
        # nothing diverges or stops on arrival ...
        assert path.diverged_at is None and path.stop_reason is None, optimizer
        # ... and every run goes downhill
        assert path.losses[-1] < path.losses[0], optimizer
    # Every two paths part somewhere by more than 2% of the plot's diagonal.
    (x0, x1), (y0, y1) = surface.domain
    diagonal = np.hypot(x1 - x0, y1 - y0)
    for (a, pa), (b, pb) in itertools.combinations(paths.items(), 2):
        apart = np.linalg.norm(pa.points - pb.points, axis=1).max()
        assert apart > 0.02 * diagonal, f"{a} and {b} run on top of each other"


def _distance(path, point):
    return float(np.hypot(*(path.points[-1] - np.asarray(point))))


def test_the_ravine_defaults_are_the_lecture_scene():
    assert default_scene("ravine") == DEFAULT_SCENE
    assert default_scene("ravine", {"kappa": 50.0, "angle": 0.0}) == DEFAULT_SCENE


@pytest.mark.parametrize("kappa", [1.0, 10.0, 50.0, 200.0, 1000.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, -45.0, 90.0])
def test_the_ravine_runs_stay_sane_when_it_is_steeper_or_turned(kappa, angle):
    scene = default_scene("ravine", {"kappa": kappa, "angle": angle})
    assert dict(scene.params) == {"kappa": kappa, "angle": angle}
    assert scene.start == pytest.approx(make_surface("ravine", angle=angle).start)
    paths, _ = _ran("ravine", {"kappa": kappa, "angle": angle})
    for optimizer, path in paths.items():
        assert path.diverged_at is None, optimizer
        assert path.losses[-1] < 0.1 * path.losses[0], optimizer
    # RMSProp and Adam keep their step size and arrive, however the valley lies
    assert paths["rmsprop"].losses[-1] < 1e-2 * paths["rmsprop"].losses[0]
    assert paths["adam"].losses[-1] < 1e-2 * paths["adam"].losses[0]


def test_rosenbrock_valley_found_fast_minimum_reached_slowly():
    paths, _ = _ran("rosenbrock")
    for optimizer, path in paths.items():
        x, y = path.points.T
        off = np.abs(y - x**2)  # how far from the valley floor y = x**2
        found = int(np.argmax(off < 0.1))
        assert off[found] < 0.1 and found <= 15, optimizer  # the valley: within 15 steps
        assert off[found:].max() < 0.4, optimizer  # and it stays in it
    far = {k: _distance(p, (1, 1)) for k, p in paths.items()}
    assert far["sgd"] > 1.5 and far["adagrad"] > 1.0  # crawling along the bend
    assert 0.3 < far["rmsprop"] < 1.0  # two thirds of the way from 2.7 away
    assert max(far["momentum"], far["nesterov"], far["adam"]) < 0.15  # close to the minimum


def test_beale_a_safe_lr_on_the_ridge_strands_sgd_unless_it_adapts():
    scene = default_scene("beale")
    surface = build_surface(scene.surface_key)
    sgd = scene.runs[0]
    assert surface.f(*scene.start) > 300  # a steep ridge
    ten_times = simulate(surface, "sgd", scene.start, scene.steps, lr=10 * sgd.values["lr"])
    assert ten_times.diverged_at is not None and ten_times.diverged_at < 10
    paths, _ = _ran("beale")
    minimum = surface.minima[0]
    # SGD and Nesterov: stranded on the flat arm (x < 0, y > 1) with a small gradient
    for optimizer in ("sgd", "nesterov"):
        x, y = paths[optimizer].points[-1]
        assert x < 0 and y > 1 and paths[optimizer].losses[-1] > 0.5, optimizer
        assert np.hypot(*surface.grad(x, y)) < 1
    assert _distance(paths["rmsprop"], minimum) < 0.05
    assert _distance(paths["adam"], minimum) < 0.01
    assert _distance(paths["momentum"], minimum) < 0.1
    assert _distance(paths["adagrad"], minimum) < 0.5


def test_saddle_sgd_lingers_momentum_leaves_late_per_axis_steps_leave_first():
    paths, surface = _ran("saddle")

    def escape(path):
        """The first step at which the run is more than 1 from the ridge y = 0 (or None)."""
        away = np.abs(path.points[:, 1]) > 1
        return int(np.argmax(away)) if away.any() else None

    assert abs(paths["sgd"].points[-1, 1]) < 0.1  # still at the saddle
    steps = {k: escape(p) for k, p in paths.items()}
    assert steps["sgd"] is None
    adaptive = max(steps["adagrad"], steps["rmsprop"], steps["adam"])
    assert adaptive < min(steps["momentum"], steps["nesterov"])
    # everyone else has left the plot by the end, yet far inside the engine's runaway limit
    for optimizer in ("momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        y = abs(paths[optimizer].points[-1, 1])
        assert 2 < y < 0.01 * surface.escape_radius, optimizer


def test_himmelblau_one_start_three_minima():
    paths, surface = _ran("himmelblau")
    minima = np.array(surface.minima)

    def reached(path):
        distance = np.linalg.norm(minima - path.points[-1], axis=1)
        assert distance.min() < 1e-3
        return int(distance.argmin())

    ends = {k: reached(p) for k, p in paths.items()}
    top_right, top_left, _, bottom_right = range(4)
    assert ends["sgd"] == ends["nesterov"] == top_right
    assert ends["momentum"] == bottom_right  # carried past (3, 2)
    assert ends["adagrad"] == ends["rmsprop"] == ends["adam"] == top_left
    assert surface.minima[top_right] == (3.0, 2.0)


def test_rastrigin_small_steps_trapped_momentum_rolls_over_dimples():
    paths, surface = _ran("rastrigin")
    start = np.asarray(default_scene("rastrigin").start)
    # The dimple next to the start: where plain gradient descent with tiny steps ends.
    nearest = simulate(surface, "sgd", tuple(start), 2000, lr=1e-4).points[-1]
    for optimizer in ("sgd", "nesterov", "rmsprop"):
        assert np.allclose(paths[optimizer].points[-1], nearest, atol=0.02), optimizer
    trapped = paths["sgd"].losses[-1]
    assert trapped > 20
    # AdaGrad's first steps of about lr throw it one dimple further out, where it stays
    assert np.abs(paths["adagrad"].points[-1] - start).max() < 1
    assert paths["adagrad"].losses[-1] > trapped
    # Momentum rolls over dimples (each about 1 apart) to near the global minimum; Adam too
    assert np.linalg.norm(paths["momentum"].points[-1] - start) > 4
    assert paths["momentum"].losses[-1] < 2 < paths["adam"].losses[-1] < 10 < trapped


def test_booth_every_optimizer_reaches_the_minimum():
    paths, surface = _ran("booth")
    for optimizer, path in paths.items():
        assert _distance(path, surface.minima[0]) < 0.05, optimizer
        assert path.losses[-1] < 1e-6 * path.losses[0], optimizer


def test_plateau_sgd_barely_moves_adaptive_methods_cross():
    paths, surface = _ran("plateau")
    moved = {k: float(np.linalg.norm(p.points[-1] - p.points[0])) for k, p in paths.items()}
    assert moved["sgd"] < 0.2 and moved["nesterov"] < 1  # the gradient is about 1e-4 here
    for optimizer in ("adagrad", "rmsprop", "adam"):
        assert paths[optimizer].losses[-1] < 1e-6, optimizer
        # at about lr a step: the first is lr * |g| / (sqrt(cache) + eps) along each axis,
        # the sign of the gradient times lr (RMSProp: ten times that, as its first cache
        # is 1 - decay_rate = 1% of g**2), eps 1e-7 aside
        run = defaults_for("plateau").runs[OPTIMIZER_ORDER.index(optimizer)].values
        g = np.abs(surface.grad(*paths[optimizer].points[0]))
        root = np.sqrt(1 - run["decay_rate"]) * g if optimizer == "rmsprop" else g
        first = np.abs(paths[optimizer].points[1] - paths[optimizer].points[0])
        np.testing.assert_allclose(first, run["lr"] * g / (root + run["eps"]), rtol=1e-9)
        assert first.min() > 0.9 * run["lr"]
    # Momentum gathers speed: slow on the plateau, it arrives only late
    loss = paths["momentum"].losses
    assert loss[len(loss) // 2] > 0.9 and loss[-1] < 0.05
    for optimizer in ("adagrad", "rmsprop", "adam"):  # within 100 steps
        assert paths[optimizer].losses[100] < 1e-2, optimizer  # from 1 on the plateau


def test_a_surface_without_tuned_runs_gets_learning_rates_that_work(monkeypatch):
    monkeypatch.delitem(SURFACE_DEFAULTS, "booth")
    assert untuned_surfaces() == ["booth"]
    scene = default_scene("booth")
    assert tuple(run.optimizer for run in scene.runs) == OPTIMIZER_ORDER
    assert scene.start == SURFACES["booth"].start and scene.steps == DEFAULT_SCENE.steps
    for _, run, path in run_scene(scene):
        assert path.diverged_at is None, run.label
        assert path.losses[-1] < 1e-2 * path.losses[0], run.label


@pytest.mark.parametrize("name", list(SURFACES))
def test_fallback_runs_stay_finite_everywhere(name):
    surface = SURFACES[name]
    for run in fallback_runs(surface, surface.start, 300):
        result = simulate(surface, run.optimizer, surface.start, 300, **run.values)
        assert result.diverged_at is None, run.label
        assert result.losses[-1] < result.losses[0], run.label


def test_unknown_surfaces_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown surface 'nope'"):
        default_scene("nope")
    with pytest.raises(ValueError, match="kappa"):
        default_scene("ravine", {"kappa": -1})
    with pytest.raises(ValueError, match="kappa must be a number between 1 and 1000"):
        default_scene("ravine", {"kappa": 5000})
    with pytest.raises(ValueError, match="no parameter 'tilt'"):
        default_runs("booth", {"tilt": 1})


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_link_naming_only_the_surface_opens_its_default_scene(name):
    assert scene_from_query({"surface": [name]}) == (default_scene(name), [])
    # what the link names is kept; only what it leaves out comes from the defaults
    scene, messages = scene_from_query({"surface": [name], "steps": ["50"],
                                        "run": ["sgd:lr=0.001"]})
    assert messages == [] and scene.steps == 50 and scene.runs == (RunSpec.make("sgd", lr=0.001),)
    assert scene.start == default_scene(name).start


def test_a_link_to_a_turned_ravine_opens_the_lecture_runs_turned():
    scene, messages = scene_from_query({"surface": ["ravine"], "kappa": ["200"], "angle": ["30"]})
    assert messages == [] and scene == default_scene("ravine", {"kappa": 200, "angle": 30})
    assert scene.runs == DEFAULT_SCENE.runs
