"""The page's own caches (controls.computed): what they keep, for how many, and that
nobody can change what they share."""

from __future__ import annotations

import contextlib
import threading
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


def test_runs_coloured_otherwise_are_another_figure():
    """A run's colour is not part of a scene's equality (a run keeps its colour when
    another is removed): the figure's key holds the colours beside the scene."""
    shifted = replace(DEFAULT_SCENE, runs=tuple(
        replace(run, color=(i + 3) % len(DEFAULT_SCENE.runs))
        for i, run in enumerate(DEFAULT_SCENE.runs)))
    assert shifted == DEFAULT_SCENE and shifted.colors() != DEFAULT_SCENE.colors()
    computed.clear()
    first, second = figure_of(DEFAULT_SCENE)[0], figure_of(shifted)[0]
    assert second is not first and second.text != first.text


def test_pages_asking_at_once_for_one_figure_wait_for_one_build():
    """A room's followers rerun in a burst after each change: the first page builds the
    figure, the others wait for it."""
    scene = replace(DEFAULT_SCENE, steps=77)
    figure_of(scene)  # its paths computed, so that the pages ask at once for the figure
    start, found = threading.Barrier(8), []

    def page():
        start.wait()
        found.append(figure_of(scene)[0])

    with figures_built() as built:
        pages = [threading.Thread(target=page) for _ in range(8)]
        for thread in pages:
            thread.start()
        for thread in pages:
            thread.join()
    assert len(built) == 1 and len(found) == 8 and all(f is found[0] for f in found)
