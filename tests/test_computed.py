"""The page's own caches (controls.computed): what they keep, for how many, and that
nobody can change what they share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from unittest import mock

import numpy as np
import pytest

from controls import computed
from controls.race_chart import Prepared
from plotting.layout import Screen
from plotting.runs import scene_traces
from scenes import DEFAULT_SCENE

LAPTOP = Screen()


def figure_of(scene, screen=LAPTOP):
    surface = computed.surface_of(scene.surface_key)
    paths = {i: computed.path_of(scene.surface_key, run.optimizer, run.hyper, scene.start,
                                 scene.steps, scene.dynamics)
             for i, run in scene.enabled_runs}
    return computed.race_figure(scene, screen, "overlay", surface, scene_traces(scene, paths))


@contextlib.contextmanager
def figures_built() -> Iterator[list]:
    """Every figure the page's caches forget: the list of those built (``Prepared.of``)
    while in the context."""
    computed.clear()
    built = []
    original = Prepared.of.__func__

    def counted(cls, fig):
        built.append(fig)
        return original(cls, fig)

    with mock.patch.object(Prepared, "of", classmethod(counted)):
        yield built


def test_the_most_recent_figures_are_kept_each_built_once():
    scenes = [replace(DEFAULT_SCENE, steps=steps)
              for steps in range(20, 20 + computed.FIGURES_KEPT + 3)]
    with figures_built() as built:
        first = [figure_of(scene) for scene in scenes]
        assert len(built) == len(scenes)
        again = figure_of(scenes[-1])  # kept: the same figure, not built again
        assert again is first[-1] and len(built) == len(scenes)
        figure_of(scenes[0])  # the oldest three were let go: built anew
        assert len(built) == len(scenes) + 1
        # another screen is another figure
        assert figure_of(scenes[-1], Screen(width=400, height=700)) is not first[-1]
    assert len(computed._figures) == computed.FIGURES_KEPT


def test_the_grid_every_page_shares_is_read_only():
    xs, ys, z = computed.grid_of(DEFAULT_SCENE.surface_key)
    assert computed.grid_of(DEFAULT_SCENE.surface_key)[2] is z  # one grid, shared
    for array in (xs, ys, z):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = np.nan
