"""Each library surface's own default runs: the six optimizers, tuned to tell its lesson.

Switching the surface (or opening a link that names only the surface) loads
:func:`default_scene`: the surface with its start, its number of steps and six
runs (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam) whose hyperparameters
were picked by running the engine so that none diverges or stops, each path can
be told from the others on the contour, and together they show the surface's
``lesson`` (``surfaces/library.py``). ``tests/test_scenes_surface_defaults.py``
checks every one of these claims in numbers.

A surface without an entry in :data:`SURFACE_DEFAULTS` (one added later) still
arrives sane: :func:`fallback_runs` picks each optimizer's learning rate from
the ``lr`` menu by running it (the rate whose run ends lowest, away from the
edge of stability), and a test names every surface still waiting for tuned runs.

>>> scene = default_scene("booth")
>>> [run.optimizer for run in scene.runs]
['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from optimizers import simulate
from scenes.model import (
    CUSTOM,
    RunSpec,
    Scene,
    library_surface,
    slider_menu,
    surface_choices,
    surface_params,
)
from scenes.presets import DEFAULT_SCENE
from surfaces import SURFACES, Domain, Point, Surface, from_expression, make_surface
from surfaces.expression import DEFAULT_DOMAIN

OPTIMIZER_ORDER = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


@dataclass(frozen=True)
class SurfaceDefaults:
    """What a surface arrives with.

    Attributes:
        runs: the six optimizers, in :data:`OPTIMIZER_ORDER`.
        steps: how many steps the story needs.
        start: where it starts; ``None`` keeps the surface's own start (which,
            for the ravine, turns with its ``angle``).
        story: one sentence on what these runs show, in numbers.
    """

    runs: tuple[RunSpec, ...]
    steps: int = 300
    start: Point | None = None
    story: str = ""


def _six(sgd: float, momentum: tuple[float, float], nesterov: tuple[float, float],
         adagrad: float, rmsprop: float, adam: float) -> tuple[RunSpec, ...]:
    """The six runs: the learning rates, and ``(lr, mu)`` for Momentum and Nesterov."""
    return (
        RunSpec.make("sgd", lr=sgd),
        RunSpec.make("momentum", lr=momentum[0], mu=momentum[1]),
        RunSpec.make("nesterov", lr=nesterov[0], mu=nesterov[1]),
        RunSpec.make("adagrad", lr=adagrad),
        RunSpec.make("rmsprop", lr=rmsprop),
        RunSpec.make("adam", lr=adam),
    )


SURFACE_DEFAULTS: dict[str, SurfaceDefaults] = {
    # The lecture's scene (see DEFAULT_SCENE in scenes/presets.py); its runs stay
    # finite for every kappa from 1 to 1000 and every angle.
    "ravine": SurfaceDefaults(
        DEFAULT_SCENE.runs, DEFAULT_SCENE.steps,
        story="SGD zigzags across the valley and crawls along it; momentum overshoots and "
              "settles; AdaGrad slows down; RMSProp and Adam arrive.",
    ),
    # The curvature across the valley is about 1900 at the start, so SGD is stable
    # only below lr 1e-3; along the valley floor that lr crawls.
    "rosenbrock": SurfaceDefaults(
        _six(sgd=1e-3, momentum=(1e-3, 0.9), nesterov=(5e-4, 0.95), adagrad=1.0,
             rmsprop=0.01, adam=0.1),
        steps=600,
        story="Every run drops into the valley within 15 steps; along its bend SGD and "
              "AdaGrad crawl, RMSProp gets two thirds of the way, Momentum, Nesterov and Adam "
              "come within 0.15 of the minimum.",
    ),
    # From the steep ridge at (-3, -1.5) (loss 331): SGD is safe only at lr 1e-3.
    "beale": SurfaceDefaults(
        _six(sgd=1e-3, momentum=(1e-3, 0.9), nesterov=(1e-3, 0.9), adagrad=1.0,
             rmsprop=0.1, adam=0.5),
        steps=500, start=(-3.0, -1.5),
        story="On the ridge SGD needs a tiny lr (ten times more diverges), which leaves it, "
              "and Nesterov, stranded on the flat arm; Momentum gathers speed and RMSProp and "
              "Adam divide by the gradient's size: they reach the minimum (AdaGrad, its steps "
              "shrinking, gets close).",
    ),
    # Everything is gone from the plot (|y| > 2) or still lingering after 200 steps;
    # exponential runs (SGD, momentum) stay far below the engine's runaway limit.
    "saddle": SurfaceDefaults(
        _six(sgd=0.01, momentum=(3e-3, 0.9), nesterov=(3e-3, 0.9), adagrad=0.1,
             rmsprop=0.01, adam=0.01),
        steps=200,
        story="SGD lingers at the saddle for all 200 steps; Momentum and Nesterov build up "
              "speed and leave late; AdaGrad, RMSProp and Adam divide the tiny gradient by its "
              "own size, step out at full size at once and leave first.",
    ),
    # From (0.5, 4.5): three of the four minima.
    "himmelblau": SurfaceDefaults(
        _six(sgd=5e-3, momentum=(2e-3, 0.95), nesterov=(2e-3, 0.9), adagrad=0.5,
             rmsprop=0.02, adam=0.1),
        steps=400, start=(0.5, 4.5),
        story="From one start three minima: SGD and Nesterov slide to (3, 2), Momentum is "
              "carried past it to (3.58, -1.85), the adaptive methods head to (-2.81, 3.13).",
    ),
    # From (-4.5, 3.5), on a crest between dimples.
    "rastrigin": SurfaceDefaults(
        _six(sgd=2e-3, momentum=(3e-3, 0.95), nesterov=(3e-3, 0.95), adagrad=1.0,
             rmsprop=0.02, adam=0.5),
        steps=300, start=(-4.5, 3.5),
        story="SGD, Nesterov and RMSProp stop in the dimple next to the start, AdaGrad's "
              "long first steps throw it into the one further out; Momentum rolls over four "
              "dimples to loss 1, Adam over two.",
    ),
    "booth": SurfaceDefaults(
        _six(sgd=0.05, momentum=(0.01, 0.9), nesterov=(0.01, 0.9), adagrad=3.0,
             rmsprop=0.2, adam=0.6),
        steps=200,
        story="Every optimizer reaches the minimum (1, 3), each along its own path.",
    ),
    # lr 3 is near SGD's stability limit in the well (curvature 1/2: lr < 4).
    "plateau": SurfaceDefaults(
        _six(sgd=3.0, momentum=(1.0, 0.95), nesterov=(1.0, 0.9), adagrad=0.5,
             rmsprop=0.03, adam=0.05),
        steps=300,
        story="SGD and Nesterov (mu 0.9) barely move on the plateau; Momentum (mu 0.95) slowly "
              "gathers speed and crosses late; AdaGrad, RMSProp and Adam divide the tiny gradient "
              "by its own size and cross it within 100 steps.",
    ),
    # The unscaled penguins (condition number about 1300, the valley diagonal in (w, b)):
    # SGD's limit is lr < 2 / 10.1 = 0.198. From (0, 0), a line predicting 0 kg.
    "penguins": SurfaceDefaults(
        _six(sgd=0.15, momentum=(0.1, 0.9), nesterov=(0.03, 0.95), adagrad=2.0,
             rmsprop=0.05, adam=0.5),
        steps=300,
        story="Every run drops to the valley floor within a few steps and then crawls along "
              "it: only Momentum and Nesterov get near the fitted line in 300 steps, since "
              "per-axis step sizes cannot straighten a diagonal valley (scaling the feature "
              "can).",
    ),
}


# A surface's word settings may change its story but not its runs. The penguins' default
# runs were tuned on the raw feature; centred and standardised, the same runs (and start,
# the line predicting 0 kg) show what the scaling did: the lesson is the switch itself.
CHOICE_DEFAULTS: dict[tuple[str, tuple[tuple[str, str], ...]], SurfaceDefaults] = {
    ("penguins", (("scaling", "centred"),)): replace(
        SURFACE_DEFAULTS["penguins"],
        story="Centred, the valley turns to the axes and widens (condition number 51): "
              "AdaGrad, RMSProp and Adam, whose step sizes are per axis, now reach the "
              "fitted line, and so do Momentum and Nesterov; only SGD, its lr held down by "
              "the steep b direction, still crawls along w.",
    ),
    ("penguins", (("scaling", "standardised"),)): replace(
        SURFACE_DEFAULTS["penguins"],
        story="Standardised, the ravine is a round bowl (condition number 1): the same six "
              "runs head for the fitted line and reach it, every one within 0.05 of it from "
              "step 83 on (SGD from step 13), where on the raw feature none came within 0.5 "
              "in 300 steps.",
    ),
}


def fallback_runs(surface: Surface, start: Point, steps: int) -> tuple[RunSpec, ...]:
    """The six optimizers with learning rates picked by running them on ``surface``.

    For each optimizer every ``lr`` of the page's menu from 1e-4 to 10 runs
    from ``start`` (as one batch, default ``mu``, ``decay_rate`` and betas). A
    run qualifies when it stays finite and its loss never climbs above its
    start's by more than ``|loss at the start|``. Of the qualifying rates at most
    half the largest one (a margin from the edge of stability, where paths
    jump about), the one whose run ends lowest wins. When none qualifies, the
    smallest lr of the menu is used.
    """
    menu = np.array([lr for lr in slider_menu("lr") if 1e-4 <= lr <= 10])
    starts = np.tile(np.asarray(start, dtype=float), (len(menu), 1))
    runs = []
    for name in OPTIMIZER_ORDER:
        run = simulate(surface, name, starts, steps, keep_path=False, lr=menu)
        losses = run.losses
        with np.errstate(invalid="ignore"):
            ok = (run.diverged_at > steps) & (
                np.nanmax(losses, axis=0) <= losses[0] + np.abs(losses[0]))
        lr = float(menu[0])
        if ok.any():
            ok &= menu <= max(menu[ok].max() / 2, menu[ok].min())
            lr = float(menu[int(np.argmin(np.where(ok, losses[-1], np.inf)))])
        runs.append(RunSpec.make(name, lr=lr))
    return tuple(runs)


@lru_cache(maxsize=32)
def _fallback(name: str, arguments: tuple, start: Point, steps: int) -> tuple[RunSpec, ...]:
    return fallback_runs(make_surface(name, **dict(arguments)), start, steps)


def defaults_for(name: str, params: Mapping[str, float] | tuple | None = None,
                 choices: Mapping[str, str] | tuple | None = None) -> SurfaceDefaults:
    """The defaults of library surface ``name`` (tuned, or :func:`fallback_runs`);
    ``choices``, its word settings (the penguins' ``scaling``), may change the story
    (:data:`CHOICE_DEFAULTS`).

    Raises:
        ValueError: an unknown surface, parameter or setting.
    """
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose one of {', '.join(SURFACES)}")
    make_surface(name, **dict(params or {}))  # refuses an unknown or out-of-range parameter
    words = surface_choices(name, dict(choices or {}))  # refuses an unknown setting
    if (name, words) in CHOICE_DEFAULTS:
        return CHOICE_DEFAULTS[name, words]
    if name in SURFACE_DEFAULTS:
        return SURFACE_DEFAULTS[name]
    full = surface_params(name, dict(params or {}))
    steps = DEFAULT_SCENE.steps
    start = default_start(name, full, choices=words)
    return SurfaceDefaults(_fallback(name, full + words, start, steps), steps,
                           story="Learning rates picked by running each optimizer.")


def default_runs(name: str, params: Mapping[str, float] | tuple | None = None
                 ) -> tuple[RunSpec, ...]:
    """The runs library surface ``name`` arrives with."""
    return defaults_for(name, params).runs


def default_scene(name: str, params: Mapping[str, float] | tuple | None = None,
                  choices: Mapping[str, str] | tuple | None = None) -> Scene:
    """The scene a visitor sees on picking library surface ``name``.

    ``params`` (e.g. ``{"kappa": 200, "angle": 30}`` for the ravine) and
    ``choices`` (``{"scaling": "standardised"}`` for the penguins) are kept,
    defaults filled in; the start is the surface's tuned one, or its own
    default start (which turns with the ravine). No noise, full batches,
    constant lr.

    >>> default_scene("ravine") == DEFAULT_SCENE
    True
    """
    defaults = defaults_for(name, params, choices)
    full = surface_params(name, dict(params or {}))
    words = surface_choices(name, dict(choices or {}))
    start = defaults.start or default_start(name, full, choices=words)
    return Scene(surface=name, params=full, choices=words, start=tuple(float(v) for v in start),
                 steps=defaults.steps, runs=defaults.runs)


def default_start(surface: str, params: tuple = (), domain: Domain | None = None,
                  expr: str = "", choices: tuple = ()) -> Point:
    """A good start on the surface: the one its default runs were tuned for.

    For a library surface, the start of its tuned default runs
    (:data:`SURFACE_DEFAULTS`) where they name one, else the surface's own,
    built with ``params`` and ``choices`` (the ravine's turns with its angle;
    the penguins' is the same line, ``(0, 0)``, at every scaling). For a typed
    formula, the one ``from_expression`` picks (a point where the formula and
    its gradient are defined); the middle of the box when the formula cannot be
    used (the page then says why).
    """
    if surface == CUSTOM:
        try:
            return from_expression(expr, domain=domain or DEFAULT_DOMAIN).start
        except ValueError:
            (x0, x1), (y0, y1) = domain or DEFAULT_DOMAIN
            return ((x0 + x1) / 2, (y0 + y1) / 2)
    entry = SURFACE_DEFAULTS.get(surface)
    if entry is not None and entry.start is not None:
        return entry.start
    arguments = tuple(params) + surface_choices(surface, dict(choices))
    return tuple(float(v) for v in library_surface(surface, arguments).start)


__all__ = ["CHOICE_DEFAULTS", "OPTIMIZER_ORDER", "SURFACE_DEFAULTS", "SurfaceDefaults",
           "default_runs", "default_scene", "default_start", "defaults_for", "fallback_runs"]

