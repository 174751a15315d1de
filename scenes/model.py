"""What a scene is: a surface, a start, a number of steps and a list of runs.

A :class:`Scene` is everything the page shows, as plain immutable values, so
that it can be compared, hashed for caching, written into a link and read back
exactly. A :class:`RunSpec` is one optimizer with all of its hyperparameters.

:meth:`RunSpec.make` checks what it is given (a known optimizer, every
hyperparameter known and in range, a palette colour): the optimizer and its
hyperparameters by :mod:`optimizers.validation`, the very check and messages of
``simulate``, so a run the page or a link holds is one the engine takes. A :class:`Scene` holds
what it is given without checking its surface, start or steps
(``Scene(surface="nope", steps=-5)`` builds): the scenes the page shows are
checked where they come in, by :func:`scenes.links.scene_from_query` for a link
and by the widgets' bounded menus and inputs (:mod:`controls.scene_state`), and
a typed formula and its box only when its surface is built
(:func:`scenes.compute.build_surface`), which says why one cannot be used.

The page offers hyperparameter values from fixed menus (:func:`slider_menu`); links
may carry any value inside each hyperparameter's range (its ``Hyper`` spec).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from optimizers import OPTIMIZERS
from optimizers.validation import hyperparameters, optimizer_named
from scenes.dynamics import MENUS as DYNAMICS_MENUS
from scenes.dynamics import NO_DYNAMICS, Dynamics
from surfaces import FACTORIES, SURFACE_PARAMS, SURFACE_WORDS, SURFACES, Domain, Point, Surface
from surfaces.expression import DEFAULT_DOMAIN

MAX_STEPS = 2000
MAX_RUNS = 8
PALETTE_SIZE = MAX_RUNS  # one colour per run a scene can hold (plotting.colors.PALETTE)
CUSTOM = "custom"
MAX_EXPR_LENGTH = 500


def _log_menu(low_exp: int, high_exp: int, mantissas: tuple[float, ...]) -> tuple[float, ...]:
    """Round numbers ``m * 10**k`` roughly evenly spaced on a log scale."""
    return tuple(
        float(f"{m}e{k}") for k in range(low_exp, high_exp + 1) for m in mantissas
    )


# The values each slider offers. lr: about ten per decade, all round numbers.
_MENUS: dict[str, tuple[float, ...]] = {
    "lr": _log_menu(-4, 1, (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)) + (100.0,),
    "eps": _log_menu(-12, -1, (1,)),
    "mu": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.995, 0.999,
           1.0),
    "decay_rate": (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999),
    "beta1": (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999),
    "beta2": (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999),
    "kappa": _log_menu(0, 2, (1, 1.5, 2, 3, 5, 7)) + (1000.0,),
    **DYNAMICS_MENUS,  # noise and schedule settings: see scenes.dynamics
}


def slider_menu(name: str, current: float | None = None) -> tuple[float, ...]:
    """The values a slider for ``name`` offers, sorted, with ``current`` among them.

    ``name`` is a hyperparameter (``"lr"``, ``"mu"``, ...) or ``"kappa"``. A
    value that came from a link and is not on the menu is added to it, so that
    the slider can show it.
    """
    menu = set(_MENUS[name])
    if current is not None:
        menu.add(float(current))
    return tuple(sorted(menu))


@dataclass(frozen=True)
class RunSpec:
    """One run of a scene: an optimizer and every one of its hyperparameters.

    ``hyper`` holds ``(name, value)`` pairs in the optimizer's declared order,
    defaults filled in; floats are Python floats and switches Python bools.
    ``enabled`` False keeps the run in the list without running it. ``color``
    is the run's place in the palette (:data:`PALETTE_SIZE` colours), kept when
    other runs are added or removed; None takes the first colour the runs before
    it leave free (:meth:`Scene.colors`). It is how the run is drawn, not what it
    computes, so two runs that differ only in colour are equal.

    Make one with :meth:`make`, which checks it; ``RunSpec(optimizer, hyper)``
    itself checks nothing (the page rebuilds runs it has checked from cache keys).
    """

    optimizer: str
    hyper: tuple[tuple[str, float | bool], ...]
    enabled: bool = True
    color: int | None = field(default=None, compare=False)

    @classmethod
    def make(cls, optimizer: str, enabled: bool = True, *, color: int | None = None,
             **values: float | bool) -> RunSpec:
        """A run of ``optimizer`` with ``values`` over its defaults.

        Raises:
            ValueError: unknown optimizer or hyperparameter, a value out of range or more
                than one value (the messages of ``simulate``).
        """
        opt = optimizer_named(optimizer)
        checked = hyperparameters(opt, values)
        pairs = []
        for spec in opt.hyper:
            value = checked[spec.name]
            if value.ndim:
                raise ValueError(f"{spec.name} must be one value for one run, "
                                 f"got shape {value.shape}")
            pairs.append((spec.name, value.item()))  # a Python float or bool
        if color is not None and not (isinstance(color, int) and 0 <= color < PALETTE_SIZE):
            raise ValueError(f"color must be a whole number from 0 to {PALETTE_SIZE - 1}, "
                             f"got {color!r}")
        return cls(optimizer, tuple(pairs), bool(enabled), color)

    @property
    def values(self) -> dict[str, float | bool]:
        """The hyperparameters as a dict, ready for ``simulate(**values)``."""
        return dict(self.hyper)

    @property
    def label(self) -> str:
        """Its settings in a few words, e.g. ``"Momentum (lr = 0.3, mu = 0.9)"``.

        The learning rate, ``mu`` and ``decay_rate`` are always shown; the rest
        (betas, eps, bias correction) only where they differ from the defaults.
        """
        opt = OPTIMIZERS[self.optimizer]
        always = {"lr", "mu", "decay_rate"}
        shown = {
            name: value for name, value in self.hyper
            if name in always or value != opt.defaults[name]
        }
        return opt.label(**shown)


@dataclass(frozen=True)
class Scene:
    """Everything the page shows, as plain values (not checked here: see the module).

    Attributes:
        surface: a key of ``surfaces.FACTORIES``, or ``"custom"`` for a typed formula.
        params: the surface's numeric parameters as ``(name, value)`` pairs, every
            one of ``SURFACE_PARAMS[surface]`` in order (empty for the other surfaces).
        choices: the surface's settings that take a word, as ``(name, word)``
            pairs, every one of ``SURFACE_WORDS[surface]`` in order (the
            penguins' ``(("scaling", "raw"),)``; :func:`surface_choices` fills
            them in; empty for the other surfaces).
        expr: the typed formula (only for ``"custom"``; empty otherwise).
        domain: the typed formula's plotting box ``((x0, x1), (y0, y1))``
            (only for ``"custom"``; ``None`` otherwise).
        start: the start point ``(x, y)``, inside the plotting box.
        steps: number of updates, 1 to :data:`MAX_STEPS`.
        runs: at most :data:`MAX_RUNS` runs, in the order they are drawn.
        dynamics: gradient noise, seeds, mini-batches and schedules for every run
            (:class:`scenes.dynamics.Dynamics`; exact gradients, constant lr by default).
            A mini-batch size belongs to a surface with data (:attr:`rows`) and is
            smaller than its rows: every row, full-batch descent, is ``None``
            (the links and the widgets read it so; the engine refuses a batch on
            a surface without data).
    """

    surface: str = "ravine"
    params: tuple[tuple[str, float], ...] = ()
    expr: str = ""
    domain: Domain | None = None
    start: Point = (0.0, 0.0)
    steps: int = 300
    runs: tuple[RunSpec, ...] = field(default=())
    dynamics: Dynamics = NO_DYNAMICS
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def surface_key(self) -> tuple:
        """What identifies the surface alone, as plain hashable values (for caching):
        ``(surface, arguments, expr, domain)``, ``arguments`` being every argument of
        the surface's factory, ``params`` then ``choices`` (``build_surface`` takes it)."""
        return (self.surface, self.params + self.choices, self.expr, self.domain)

    @property
    def rows(self) -> int | None:
        """How many rows the surface's data has (None: a surface without data)."""
        return data_rows(self.surface)

    @property
    def enabled_runs(self) -> list[tuple[int, RunSpec]]:
        """``(index, run)`` of the runs switched on, ``index`` their place in ``runs``."""
        return [(i, run) for i, run in enumerate(self.runs) if run.enabled]

    def colors(self) -> list[int]:
        """Each run's palette colour: its own ``color``, or else the first one that no
        run with a ``color`` and no run before it has taken."""
        taken = {run.color for run in self.runs if run.color is not None}
        out = []
        for run in self.runs:
            if run.color is None:
                color = next((c for c in range(PALETTE_SIZE) if c not in taken),
                             len(out) % PALETTE_SIZE)
                taken.add(color)
            else:
                color = run.color
            out.append(color)
        return out

    def with_runs(self, runs: tuple[RunSpec, ...] | list[RunSpec]) -> Scene:
        return replace(self, runs=tuple(runs))


def surface_params(name: str, given: Mapping[str, float] | None = None) -> tuple:
    """The ``params`` of a scene on surface ``name``: every parameter, defaults filled in."""
    given = given or {}
    specs = SURFACE_PARAMS.get(name, ())
    return tuple((p.name, float(given.get(p.name, p.default))) for p in specs)


def surface_choices(name: str, given: Mapping[str, str] | None = None) -> tuple:
    """The ``choices`` of a scene on surface ``name``: every word setting, defaults
    filled in.

    Raises:
        ValueError: a setting the surface does not take, or a word not among its choices.
    """
    given = dict(given or {})
    specs = SURFACE_WORDS.get(name, ())
    unknown = set(given) - {c.name for c in specs}
    if unknown:
        takes = ", ".join(c.name for c in specs) or "none"
        raise ValueError(f"surface {name!r} has no setting {sorted(unknown)[0]!r} "
                         f"(settings: {takes})")
    out = []
    for spec in specs:
        word = given.get(spec.name, spec.default)
        if word not in spec.choices:
            raise ValueError(f"{spec.name} must be one of {', '.join(spec.choices)}, "
                             f"got {word!r}")
        out.append((spec.name, word))
    return tuple(out)


def data_rows(name: str) -> int | None:
    """How many rows library surface ``name`` is fitted to (the same for every setting of
    the surface), or None for a surface without data (a formula)."""
    data = getattr(SURFACES.get(name), "dataset", None)
    return None if data is None else data.n


@lru_cache(maxsize=64)
def library_surface(name: str, arguments: tuple = ()) -> Surface:
    """Library surface ``name`` built with ``arguments``, its factory's ``(name, value)``
    pairs (``params + choices`` of a scene), kept for the next call."""
    return FACTORIES[name](**dict(arguments))


def plot_box(scene: Scene) -> Domain:
    """The plotting box of the scene's surface, without building a typed formula."""
    if scene.surface == CUSTOM:
        return scene.domain or DEFAULT_DOMAIN
    return library_surface(scene.surface, scene.params + scene.choices).domain


def inside(point: Point, box: Domain) -> bool:
    """Whether ``point`` is finite and in the closed box."""
    (x0, x1), (y0, y1) = box
    x, y = point
    return math.isfinite(x) and math.isfinite(y) and x0 <= x <= x1 and y0 <= y <= y1
