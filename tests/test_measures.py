"""Step lengths, the gaps between marks, and loss rebounds, on hand-made and real paths."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import simulate
from scenes import PRESETS_BY_KEY, default_scene
from scenes.compute import run_scene
from surfaces import SURFACES
from tests.measures import first_rebound, mark_gaps, step_lengths


def test_step_lengths_and_mark_gaps_of_a_known_path():
    points = np.array([(0, 0), (3, 4), (3, 4), (0, 0), (0, 4)], dtype=float)
    np.testing.assert_array_equal(step_lengths(points), [5, 0, 5, 4])
    np.testing.assert_array_equal(mark_gaps(points, 2), [5, 3])  # (0,0)-(3,4)-(0,4)
    np.testing.assert_array_equal(mark_gaps(points, 1), step_lengths(points))
    with pytest.raises(ValueError, match="every"):
        mark_gaps(points, 0)


def test_adagrad_marks_crowd_together():
    (run,) = PRESETS_BY_KEY["adagrad_decay"].scene.runs
    path = simulate(SURFACES["ravine"], "adagrad", (-8.0, 1.5), 1000, **run.values)
    gaps = mark_gaps(path.points, 100)
    assert len(gaps) == 10 and (np.diff(gaps) < 0).all() and gaps[-1] < gaps[0] / 3


def test_a_rebound_is_a_settled_loss_climbing_back_into_view():
    settled = np.r_[1.0, 0.1, 1e-3, np.full(30, 1e-9), 1e-6, 1e-2, 1e-1, 1e-5]
    assert first_rebound(settled) == 34  # 1e-2: above 1e-3 of the start, after 30 at 1e-9
    assert first_rebound(settled, min_value=None) is None  # no minimum, no rebound
    # passing through the minimum (a few low steps, not settled) is not a rebound
    assert first_rebound(np.r_[1.0, 1e-9, 1e-9, 0.5, 1e-9, 0.5]) is None
    # nor is a loss that never climbs back high enough
    assert first_rebound(np.r_[1.0, np.full(30, 1e-12), 1e-5]) is None
    # a stopped run: only its finite part counts
    assert first_rebound(np.r_[1.0, np.full(30, 1e-9), np.nan, np.nan]) is None
    # relative to min_value
    assert first_rebound(5 + settled, min_value=5.0) == 34
    assert first_rebound(np.zeros(40)) is None


@pytest.mark.parametrize("name", list(SURFACES))
def test_no_default_run_but_rmsprop_rebounds(name):
    scene = default_scene(name)
    surface = SURFACES[name]
    for _, run, path in run_scene(scene):
        if run.optimizer != "rmsprop":
            assert first_rebound(path.losses, surface.min_value) is None, run.label


def test_rmsprop_rebounds_on_a_turned_ravine_and_on_the_plateau_at_a_constant_lr():
    turned = default_scene("ravine", {"angle": 30})
    (path,) = [p for _, run, p in run_scene(turned) if run.optimizer == "rmsprop"]
    assert first_rebound(path.losses) is not None
    plateau = default_scene("plateau")
    run = plateau.runs[4]
    long = simulate(SURFACES["plateau"], "rmsprop", plateau.start, 2000, **run.values)
    assert first_rebound(long.losses) is not None
