"""What the page computes, cached for the whole server process, and what the race drew.

Defined here, not in ``app.py``: Streamlit runs the page's script anew on every rerun,
and a cache's decorator (which reads its function's source) or a dataclass defined there
would be made again each time, a few milliseconds of every page's run (a hall of
following phones reruns at once). Keys are plain values: tuples of names and numbers, and
the scene and screen themselves (frozen dataclasses).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass

import surfaces
from controls.race_chart import Prepared, below_player, forget_columns
from plotting import scene_spec
from plotting.contour import GRID_N
from plotting.layout import Screen
from scenes import RunSpec, Scene, compute
from scenes.dynamics import NO_DYNAMICS, Dynamics
from surfaces import Domain


# functools' cache: a run asks for its surface a few times, and Streamlit's cache works out
# each call's key from the function's signature. A surface is immutable and shared by all.
@functools.lru_cache(maxsize=64)
def surface_of(key: tuple) -> surfaces.Surface:
    """The surface of a scene's ``surface_key``.

    Raises:
        ValueError: a typed formula that cannot be used (its message says why).
    """
    return compute.build_surface(key)


# functools' cache, as the surfaces': Streamlit's would work out each call's key from the
# function's signature and hand out a copy of the grid; every page shares one instead, which
# nobody can change (its arrays are read-only).
@functools.lru_cache(maxsize=64)
def grid_of(key: tuple) -> tuple:
    """The surface's loss on the contour's grid (:data:`plotting.contour.GRID_N`), its
    arrays read-only."""
    grid = surface_of(key).grid(GRID_N)
    for array in grid:
        array.setflags(write=False)
    return grid


# functools' cache, as the surfaces': a run asks for each of its runs' paths, a move and a
# follower's page too, and Streamlit's cache would work out each call's key from the
# function's signature and hash its arguments, then unpickle a copy of the path. Every page
# shares one path instead, which nobody can change (its arrays are read-only).
@functools.lru_cache(maxsize=512)
def path_of(key: tuple, optimizer: str, hyper: tuple, start: tuple, steps: int,
            dynamics: Dynamics = NO_DYNAMICS) -> compute.Trajectory:
    """One run's trajectory (:func:`scenes.compute.trajectory`) on the surface ``key``, its
    arrays read-only."""
    path = compute.trajectory(surface_of(key), RunSpec(optimizer, hyper), start, steps,
                              dynamics)
    for member in (path, *path.fan):
        member.points.setflags(write=False)
        member.losses.setflags(write=False)
    return path


def clear() -> None:
    """Forget everything computed here (a benchmark's cold run)."""
    surface_of.cache_clear()
    path_of.cache_clear()
    grid_of.cache_clear()
    with _figures_lock:
        _figures.clear()
    forget_columns()


def formula_error(scene: Scene) -> str | None:
    """Why the scene's typed formula cannot be used, or None."""
    try:
        surface_of(scene.surface_key)
    except ValueError as error:
        return str(error)
    return None


# One figure for every page that shows the same scene on the same screen in the same view
# (a room's followers on like phones): built, turned to JSON and digested once, by the first
# page that asks (the others wait for it). The surface and the traces follow from the
# scene, so they are not part of the key; the runs' colours are, beside the scene (a run's
# colour is not part of a scene's equality). Kept as functools keeps the paths (Streamlit's
# cache would work out each call's key from the function's signature and hash the scene's
# text); the most recent FIGURES_KEPT.
FIGURES_KEPT = 32
_figures: OrderedDict[tuple, tuple[Prepared, float]] = OrderedDict()
_building: dict[tuple, threading.Lock] = {}  # a figure's key -> the lock of its build
_figures_lock = threading.Lock()  # guards both


def race_figure(scene: Scene, screen: Screen, view: str, surface,
                traces: list) -> tuple[Prepared, float]:
    """The race chart's figure, prepared (``controls.race_chart.Prepared``), and its type
    size in pixels."""
    key = (scene, tuple(scene.colors()), screen, view)
    made = _kept_figure(key)
    if made is not None:
        return made
    with _figures_lock:
        building = _building.setdefault(key, threading.Lock())
    try:
        with building:
            made = _kept_figure(key)  # built meanwhile by the page that held the lock
            if made is None:
                spec = scene_spec(surface, traces, view=view, grid=grid_of(scene.surface_key),
                                  start_picker=True, screen=below_player(screen),
                                  plotly_controls=False)
                made = Prepared.of(spec), spec["layout"]["font"]["size"]
                with _figures_lock:
                    _figures[key] = made
                    while len(_figures) > FIGURES_KEPT:
                        _figures.popitem(last=False)
    finally:
        with _figures_lock:
            _building.pop(key, None)
    return made


def _kept_figure(key: tuple) -> tuple[Prepared, float] | None:
    """The figure kept for ``key``, now the most recent, or None."""
    with _figures_lock:
        made = _figures.get(key)
        if made is not None:
            _figures.move_to_end(key)
        return made


@dataclass(frozen=True)
class Race:
    """What the race chart's fragment drew, for what follows it on the page."""

    box: Domain | None  # the plotting box (None while a typed box is upside down)
    scene: Scene
    surface: surfaces.Surface | None  # None: the typed formula cannot be used
    paths: dict
    traces: list
    screen: Screen
    view: str
