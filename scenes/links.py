"""Shared links: a scene as URL query parameters, and back.

The schema (a public interface, documented in docs/links.md)::

    ?kappa=100&steps=200&run=sgd:lr=1.9&run=momentum:lr=0.3,mu=0.99&run=adam:lr=0.3

* ``surface``: a library surface (``ravine``, ``rosenbrock``, ...) or ``custom``;
* the surface's parameters by name (the ravine's ``kappa`` and ``angle``) and
  its settings that take a word (the penguins' ``scaling=raw``, ``centred`` or
  ``standardised``);
* ``expr`` and ``domain=x0,x1,y0,y1`` for ``surface=custom`` (a typed formula);
* ``start=x,y`` and ``steps=n``;
* how the page shows the scene rather than part of it (a :class:`PageView`, read
  by :func:`page_from_query`, written by :func:`page_to_query`): ``present=1``
  (presenter mode), ``view=multiples``, ``panel=<key>`` (the panel open under
  the chart), ``preset=<key>`` (while the scene is still that preset's) and
  ``lecture=<key>`` (a step of the lecture, :mod:`scenes.lecture`, opened at
  step 0 of its race, ready to play). A ``preset`` or ``lecture`` key with no
  key of the scene's is the whole link: ``?lecture=friction`` opens that step's
  scene (:func:`scene_from_query` reads it so);
* gradient noise and schedules for every run, each only when not the default
  (see :mod:`scenes.dynamics`): ``noise=0.5`` (the standard deviation),
  ``seed=7``, ``fan=5`` (seeds drawn), ``batch=16`` (rows per mini-batch, on a
  surface with data; every row, full batch, is not written),
  ``schedule=step:drop=0.5,every=100``
  (or ``exponential:gamma=0.99``, ``inverse:k=0.01``) and
  ``anneal=0.5,0.99,100`` (``mu`` from 0.5 towards 0.99 over 100 steps);
* one ``run`` per run, in order: ``optimizer:name=value,name=value``, with
  hyperparameters by their lecture names, switches as ``true`` / ``false``,
  ``enabled=false`` for a run that is switched off, and ``color=k`` for a run
  drawn in palette colour ``k`` other than the one its place gives it (a run
  before it was removed). Missing hyperparameters take the optimizer's
  defaults.

:func:`scene_to_query` writes only the values that differ from what a link
without them gives (numbers in their shortest exact form): the surface's own
parameters' defaults, its default scene's start, steps and runs
(:func:`scenes.surface_defaults.default_scene`), each optimizer's defaults; the
default scene's link is empty. :func:`scene_from_query` gives back exactly the
same scene, and reads the long links that spell every value out just as well.
:func:`link_query` is the shortest link of a scene as the page shows it: a
lecture step's or preset's key alone while the scene is still theirs.
:func:`scene_from_query` never raises: whatever it cannot use it replaces by a
sane value and says so in a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from optimizers import OPTIMIZERS
from optimizers.schedules import KINDS, Schedule
from scenes.dynamics import (
    ANNEAL_FROM,
    KIND_SETTINGS,
    MAX_FAN,
    MAX_NOISE,
    MAX_SEED,
    NO_DYNAMICS,
    Dynamics,
)
from scenes.lecture import STEPS_BY_KEY
from scenes.model import (
    CUSTOM,
    MAX_EXPR_LENGTH,
    MAX_RUNS,
    MAX_STEPS,
    PALETTE_SIZE,
    RunSpec,
    Scene,
    data_rows,
    inside,
    plot_box,
    surface_choices,
    surface_params,
)
from scenes.presets import DEFAULT_SCENE, PRESETS_BY_KEY
from scenes.surface_defaults import default_scene, default_start
from surfaces import FACTORIES, SURFACE_PARAMS, SURFACE_WORDS, validate_domain
from surfaces import plain_text as read
from surfaces.expression import DEFAULT_DOMAIN

# Longest value read from a link (a formula may be longer, up to MAX_EXPR_LENGTH).
MAX_VALUE_LENGTH = 200
# At most this many unknown names are listed in one message.
MAX_NAMES_SHOWN = 5
SURFACE_NAMES = (*FACTORIES, CUSTOM)
# Keys of how the page shows a scene, not of the scene (PageView): read by
# page_from_query, written by page_to_query.
PAGE_KEYS = ("present", "view", "panel", "preset", "lecture", "claim", "at")
# Keys of the scene itself: a link with none of them and a preset or lecture step's key
# opens that preset's or step's scene.
SCENE_KEYS = frozenset({
    "surface", "expr", "domain", "start", "steps", "noise", "seed", "fan", "batch",
    "schedule", "anneal", "run",
    *(p.name for specs in SURFACE_PARAMS.values() for p in specs),
    *(c.name for specs in SURFACE_WORDS.values() for c in specs),
})


def fmt(value: float | int | bool) -> str:
    """A number as a link writes it: shortest exact form, ``-8`` rather than ``-8.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _run_text(run: RunSpec, color: int | None) -> str:
    """``optimizer:name=value,...`` with only the values that differ from the optimizer's
    defaults (``sgd`` alone: SGD at its default lr)."""
    defaults = OPTIMIZERS[run.optimizer].defaults
    pairs = [f"{name}={fmt(value)}" for name, value in run.hyper if value != defaults[name]]
    if not run.enabled:
        pairs.append("enabled=false")
    if color is not None:
        pairs.append(f"color={color}")
    return f"{run.optimizer}:{','.join(pairs)}" if pairs else run.optimizer


def _link_colors(scene: Scene) -> list[int | None]:
    """Each run's colour where the link must say it: where it is not the colour the
    run would get by its place (a run removed before it, say); None elsewhere.

    A run without a colour in the link takes the first colour that no written one and no
    run before it has taken (:meth:`Scene.colors`), so a written colour can move an
    unwritten one: the runs whose colour would come out otherwise are written too, until
    every run reads back in its own colour.
    """
    colors = scene.colors()
    written = [None if color == placed else color for color, placed in zip(
        colors, scene.with_runs([replace(run, color=None) for run in scene.runs]).colors(),
        strict=True)]
    while True:
        read_back = scene.with_runs([replace(run, color=color) for run, color
                                     in zip(scene.runs, written, strict=True)]).colors()
        wrong = [i for i, (got, want) in enumerate(zip(read_back, colors, strict=True))
                 if got != want]
        if not wrong:
            return written
        written[wrong[0]] = colors[wrong[0]]


def arrival(scene: Scene) -> Scene:
    """What a link with ``scene``'s surface keys alone opens, which a link therefore need not
    write: the surface's default scene (for a typed formula, the formula's own start with the
    lecture's steps and runs). The one reference of :func:`scene_to_query` and
    :func:`scene_from_query`."""
    if scene.surface == CUSTOM:
        return replace(DEFAULT_SCENE, surface=CUSTOM, params=(), choices=(), expr=scene.expr,
                       domain=scene.domain,
                       start=default_start(CUSTOM, (), scene.domain, scene.expr))
    return default_scene(scene.surface, scene.params, scene.choices)


def scene_to_query(scene: Scene) -> dict[str, str | list[str]]:
    """The scene as query parameters: a string per key, a list for the repeated ``run``.

    Only what differs from what the link would give without it is written (see the
    module); the default scene gives ``{}``.
    """
    query: dict[str, str | list[str]] = {}
    if scene.surface != DEFAULT_SCENE.surface:
        query["surface"] = scene.surface
    defaults = {spec.name: spec.default for spec in SURFACE_PARAMS.get(scene.surface, ())}
    for name, value in scene.params:
        if value != defaults.get(name):
            query[name] = fmt(value)
    words = {spec.name: spec.default for spec in SURFACE_WORDS.get(scene.surface, ())}
    for name, word in scene.choices:
        if word != words.get(name):
            query[name] = word
    if scene.surface == CUSTOM:
        query["expr"] = scene.expr
        domain = scene.domain or DEFAULT_DOMAIN
        if domain != DEFAULT_DOMAIN:
            (x0, x1), (y0, y1) = domain
            query["domain"] = ",".join(fmt(v) for v in (x0, x1, y0, y1))
    base = arrival(scene)
    if tuple(scene.start) != tuple(base.start):
        query["start"] = ",".join(fmt(v) for v in scene.start)
    if scene.steps != base.steps:
        query["steps"] = str(scene.steps)
    query.update(_dynamics_query(scene.dynamics))
    colors = _link_colors(scene)
    if scene.runs != base.runs or any(color is not None for color in colors):
        query["run"] = [_run_text(run, color)
                        for run, color in zip(scene.runs, colors, strict=True)]
    return query


def _dynamics_query(dynamics: Dynamics) -> dict[str, str]:
    """The dynamics' keys, each only where it differs from exact gradients at a constant lr."""
    query = {}
    if dynamics.noise != NO_DYNAMICS.noise:
        query["noise"] = fmt(dynamics.noise)
    if dynamics.seed != NO_DYNAMICS.seed:
        query["seed"] = str(dynamics.seed)
    if dynamics.fan != NO_DYNAMICS.fan:
        query["fan"] = str(dynamics.fan)
    if dynamics.batch_size is not None:
        query["batch"] = str(dynamics.batch_size)
    schedule = dynamics.schedule
    if schedule.kind != "constant":
        settings = (f"{name}={fmt(getattr(schedule, name))}"
                    for name in KIND_SETTINGS[schedule.kind])
        query["schedule"] = f"{schedule.kind}:{','.join(settings)}"
    if dynamics.anneals:
        query["anneal"] = ",".join(
            fmt(v) for v in (schedule.mu_start, schedule.mu_end, schedule.anneal_steps))
    return query


def quote(value: str, limit: int = 30) -> str:
    """A piece of a link, shortened and quoted, for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown (and Streamlit LaTeX ``$``) character escaped,
    so that a message quoting a hostile link shows as plain text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _is_text(value: Any) -> bool:
    """A ``str`` that can be shown and sent (no lone surrogate halves)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_lists(params: Any, messages: list[str]) -> dict[str, list[str]]:
    """Every key's values as a list of strings, keys with the blanks around them trimmed
    (``read.trim``); anything else is dropped with a message."""
    out: dict[str, list[str]] = {}
    try:
        items = list(params.items())
    except Exception:  # not a mapping at all: nothing to read
        messages.append("the link's parameters could not be read; showing the default scene")
        return out
    for key, value in items:
        if not _is_text(key):
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or not all(map(_is_text, values)):
            messages.append(f"ignored {quote(key)}: its value is not text")
            continue
        out.setdefault(read.trim(key), []).extend(values)
    return out


class _Reader:
    """Reads one link, collecting a message for everything it ignores.

    Every value goes through :mod:`surfaces.plain_text` (one policy for numbers and
    words); a new key reads itself with :meth:`number`, :meth:`whole`, :meth:`word`
    or :meth:`switch`, which say what they ignored.
    """

    def __init__(self, query: dict[str, list[str]], messages: list[str]):
        self.query = query
        self.messages = messages
        self.used: set[str] = set()

    def one(self, key: str, limit: int = MAX_VALUE_LENGTH) -> str | None:
        """The single value of ``key``: the first if repeated, None if missing or too long."""
        values = self.query.get(key)
        self.used.add(key)
        if not values:
            return None
        if len(values) > 1:
            self.messages.append(
                f"{key} appears {len(values)} times in the link; used the first"
            )
        value = values[0]
        if len(value) > limit:
            self.messages.append(
                f"ignored {key}: {len(value):,} characters is too long (at most {limit})"
            )
            return None
        return value

    def number(self, key: str, low: float, high: float, default: float) -> float:
        """The number ``key`` in ``[low, high]``; ``default`` (with a message) otherwise."""
        text = self.one(key)
        if text is None:
            return default
        value = read.number(text)
        if value.ok and low <= value.value <= high:
            return value.value
        self.messages.append(f"ignored {key}={quote(text)}{value.hint}: it must be a number "
                             f"from {low:g} to {high:g}; used {fmt(default)}")
        return default

    def whole(self, key: str, low: int, high: int, default: int, *, clamp: bool = True) -> int:
        """The whole number ``key``: ``default`` if missing or not a whole number; out of
        range, the nearest bound (``clamp``) or ``default``."""
        text = self.one(key)
        if text is None:
            return default
        value = read.whole(text)
        if not value.ok or not (clamp or low <= value.value <= high):
            self.messages.append(
                f"ignored {key}={quote(text)}{value.hint}: it must be a whole number from "
                f"{low:,} to {high:,}; used {default:,}"
            )
            return default
        if not low <= value.value <= high:
            used = min(max(value.value, low), high)
            shown = f"{value.value:,}" if abs(value.value) < 10**15 else f"{value.value:.3g}"
            self.messages.append(f"{key}={shown} is out of range ({low:,} to {high:,}); "
                                 f"used {used:,}")
            return used
        return value.value

    def word(self, key: str, choices: tuple[str, ...], default: str, what: str) -> str:
        """The word ``key``, one of ``choices`` (a ``what``: "surface"); ``default`` if not.
        An empty choice (``""``: none, as ``panel=``) is allowed but not listed."""
        text = self.one(key)
        if text is None:
            return default
        value = read.word(text, choices)
        if value.ok:
            return value.value
        self.messages.append(f"ignored {key}={quote(text)}{value.hint}: unknown {what} "
                             f"(choose one of {', '.join(filter(None, choices))}); "
                             f"used {default or 'none'}")
        return default

    def switch(self, key: str, default: bool, meaning: str) -> bool:
        """The switch ``key`` (``1``/``0``, ``true``/``false``, ...); ``default`` if not one.
        ``meaning`` says what ``1`` does, for the message."""
        text = self.one(key)
        if text is None:
            return default
        value = read.switch(text)
        if value.ok:
            return value.value
        self.messages.append(f"ignored {key}={quote(text)}{value.hint}: it must be 1 "
                             f"({meaning}) or 0")
        return default

    def surface(self) -> tuple[str, tuple, tuple, str, Any]:
        """The surface's name, ``params``, ``choices``, typed formula and box."""
        name = self.word("surface", SURFACE_NAMES, DEFAULT_SCENE.surface, "surface")
        params = self.surface_params(name)
        if name != CUSTOM:
            for key in ("expr", "domain"):
                if key in self.query:
                    self.used.add(key)
                    self.messages.append(f"ignored {key}: only a custom surface takes it")
            return name, params, self.surface_choices(name), "", None
        expr = read.trim(self.one("expr", MAX_EXPR_LENGTH) or "")  # blanks as for every key
        if not expr:
            self.messages.append(
                f"ignored surface=custom: the link has no formula (expr); showing the "
                f"{DEFAULT_SCENE.surface}"
            )
            name = DEFAULT_SCENE.surface
            return name, self.surface_params(name), self.surface_choices(name), "", None
        return CUSTOM, (), self.surface_choices(CUSTOM), expr, self.domain()

    def surface_params(self, name: str) -> tuple:
        values = {spec.name: self.number(spec.name, spec.low, spec.high, spec.default)
                  for spec in SURFACE_PARAMS.get(name, ())}
        return surface_params(name, values)

    def surface_choices(self, name: str) -> tuple:
        """The surface's word settings (the penguins' ``scaling``); another surface's
        setting is ignored, saying which surfaces take it."""
        own = SURFACE_WORDS.get(name, ())
        words = {spec.name: self.word(spec.name, spec.choices, spec.default, spec.name)
                 for spec in own}
        for other, specs in SURFACE_WORDS.items():
            for spec in specs:
                if spec.name not in words and spec.name in self.query \
                        and spec.name not in self.used:
                    self.used.add(spec.name)
                    self.messages.append(f"ignored {spec.name}: only surface={other} takes it")
        return surface_choices(name, words)

    def domain(self):
        text = self.one("domain")
        if text is None:
            return DEFAULT_DOMAIN
        values = read.numbers(text, 4)
        try:
            if not values.ok:
                raise ValueError(f"write it as x0,x1,y0,y1{values.hint}")
            return validate_domain((values.value[:2], values.value[2:]))
        except ValueError as error:
            self.messages.append(f"ignored domain={quote(text)}: {error}; used the box from "
                                 f"-5 to 5")
            return DEFAULT_DOMAIN

    def start(self, scene: Scene, fallback):
        """``start=x,y`` inside the plotting box of ``scene``; ``fallback`` if missing or not."""
        text = self.one("start")
        if text is None:
            return fallback
        values = read.numbers(text, 2)
        if values.ok and inside(values.value, plot_box(scene)):
            return values.value
        (x0, x1), (y0, y1) = plot_box(scene)
        self.messages.append(
            f"ignored start={quote(text)}{values.hint}: it must be x,y inside the plot "
            f"([{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]); used {fmt(fallback[0])},{fmt(fallback[1])}"
        )
        return fallback

    def steps(self, default: int = DEFAULT_SCENE.steps) -> int:
        return self.whole("steps", 1, MAX_STEPS, default)

    def dynamics(self, rows: int | None = None) -> Dynamics:
        """Noise, seed, fan, mini-batches, schedule and annealing (see
        :mod:`scenes.dynamics`) of a scene whose surface has ``rows`` rows of data
        (None: no data, so no mini-batches)."""
        noise = self.number("noise", 0.0, MAX_NOISE, NO_DYNAMICS.noise)
        seed = self.whole("seed", 0, MAX_SEED, NO_DYNAMICS.seed, clamp=False)
        fan = self.whole("fan", 1, MAX_FAN, NO_DYNAMICS.fan)
        batch = self.batch(rows)
        kind, settings = self.schedule()
        return Dynamics(noise, seed, fan, Schedule(kind, **settings, **self.anneal()),
                        batch_size=batch)

    def batch(self, rows: int | None) -> int | None:
        """``batch=B``: rows per mini-batch, 1 to ``rows`` (``rows``: every row, full
        batch, written as no ``batch`` at all); None for full batch."""
        if rows is None:
            if self.one("batch") is not None:
                self.messages.append("ignored batch: only a surface with data (surface="
                                     "penguins) draws mini-batches; used the exact gradient")
            return None
        size = self.whole("batch", 1, rows, rows, clamp=False)
        return None if size == rows else size

    def schedule(self) -> tuple[str, dict]:
        """``schedule=kind:name=value,...``: the kind and the settings that could be used."""
        text = self.one("schedule")
        if text is None:
            return "constant", {}
        kind_text, _, rest = text.partition(":")
        kind = read.word(kind_text, KINDS)
        if not kind.ok:
            self.messages.append(f"ignored schedule={quote(text)}{kind.hint}: unknown schedule "
                                 f"{quote(kind_text)} (choose one of {', '.join(KINDS)})")
            return "constant", {}
        kind = kind.value
        settings: dict[str, float | int] = {}
        where = f"in schedule {quote(text)}"
        for pair in filter(None, map(read.trim, rest.split(","))):
            name_text, sep, raw = pair.partition("=")
            name = read.word(name_text, KIND_SETTINGS[kind])
            if not sep:
                self.messages.append(f"ignored {quote(pair)} {where}: write name=value")
            elif not name.ok:
                takes = ", ".join(KIND_SETTINGS[kind]) or "nothing"
                self.messages.append(f"ignored {quote(read.trim(name_text))}{name.hint} {where}: "
                                     f"{kind} takes {takes}")
            elif name.value in settings:
                self.messages.append(f"{name.value} appears twice {where}; used the first")
            else:
                name = name.value
                value = (read.whole if name == "every" else read.number)(raw)
                try:
                    if not value.ok:
                        whole = "whole " if name == "every" else ""
                        raise ValueError(f"{name} must be a {whole}number")
                    Dynamics(schedule=Schedule(kind, **{name: value.value}))
                    settings[name] = value.value
                except ValueError as error:
                    default = fmt(getattr(NO_DYNAMICS.schedule, name))
                    self.messages.append(f"ignored {name}={quote(raw)}{value.hint} {where}: "
                                         f"{error}; used {default}")
        return kind, settings

    def anneal(self) -> dict:
        """``anneal=mu_start,mu_end,anneal_steps`` (or ``on``, the notes' 0.5 -> 0.99 over
        the default steps; ``off``): the annealing's settings for a ``Schedule``."""
        text = self.one("anneal")
        if text is None:
            return {}
        on = read.switch(text)
        if on.ok:
            return {"mu_start": ANNEAL_FROM} if on.value else {}
        values = read.numbers(text, 3)
        try:
            if not values.ok or not values.value[2].is_integer():
                raise ValueError("write it as mu_start,mu_end,steps")
            start, end, steps = values.value[0], values.value[1], int(values.value[2])
            Dynamics(schedule=Schedule(mu_start=start, mu_end=end, anneal_steps=steps))
        except ValueError as error:
            self.messages.append(f"ignored anneal={quote(text)}{values.hint}: {error}; "
                                 f"mu is not annealed")
            return {}
        return {"mu_start": start, "mu_end": end, "anneal_steps": steps}

    def runs(self, default: tuple[RunSpec, ...] = DEFAULT_SCENE.runs) -> tuple[RunSpec, ...]:
        texts = self.query.get("run", [])
        self.used.add("run")
        if len(texts) > MAX_RUNS:
            self.messages.append(
                f"the link has {len(texts):,} runs; kept the first {MAX_RUNS}"
            )
            texts = texts[:MAX_RUNS]
        runs = [run for run in map(self.run, texts) if run is not None]
        if texts and not runs:
            self.messages.append("no run in the link could be used; showing the default runs")
        return tuple(runs) or default

    def run(self, text: str) -> RunSpec | None:
        if len(text) > MAX_VALUE_LENGTH:
            self.messages.append(
                f"ignored a run of {len(text):,} characters (at most {MAX_VALUE_LENGTH})"
            )
            return None
        name_text, _, rest = text.partition(":")
        name = read.word(name_text, OPTIMIZERS)
        if not name.ok:
            self.messages.append(
                f"ignored run={quote(text)}{name.hint}: unknown optimizer "
                f"{quote(read.trim(name_text))} (choose one of {', '.join(OPTIMIZERS)})"
            )
            return None
        opt = OPTIMIZERS[name.value]
        specs = {h.name: h for h in opt.hyper}
        values: dict[str, float | bool] = {}
        enabled, color = True, None
        where = f"in run {quote(text)}"
        for pair in filter(None, map(read.trim, rest.split(","))):
            key_text, sep, raw = pair.partition("=")
            key = read.word(key_text, ("enabled", "color", *specs))
            if not sep:
                self.messages.append(f"ignored {quote(pair)} {where}: write name=value")
            elif not key.ok:
                self.messages.append(f"ignored {quote(read.trim(key_text))}{key.hint} {where}: "
                                     f"{opt.title} takes {', '.join(specs)}")
            elif key.value == "color":
                slot = read.whole(raw)
                if not slot.ok or not 0 <= slot.value < PALETTE_SIZE:
                    self.messages.append(f"ignored color={quote(raw)}{slot.hint} {where}: it "
                                         f"must be a whole number from 0 to {PALETTE_SIZE - 1}")
                else:
                    color = slot.value
            elif key.value == "enabled" or specs[key.value].kind == "bool":
                word = read.switch(raw)
                if not word.ok:
                    self.messages.append(f"ignored {key.value}={quote(raw)}{word.hint} {where}: "
                                         f"it must be true or false")
                elif key.value == "enabled":
                    enabled = word.value
                elif key.value in values:
                    self.messages.append(f"{key.value} appears twice {where}; used the first")
                else:
                    values[key.value] = word.value
            elif key.value in values:
                self.messages.append(f"{key.value} appears twice {where}; used the first")
            else:
                spec = specs[key.value]
                value = read.number(raw)
                if not value.ok or not spec.contains(value.value):
                    self.messages.append(
                        f"ignored {key.value}={quote(raw)}{value.hint} {where}: it must be a "
                        f"number {spec.range_text}; used {fmt(spec.default)}"
                    )
                else:
                    values[key.value] = value.value
        return RunSpec.make(name.value, enabled, color=color, **values)

    def unknown(self) -> None:
        names = sorted(set(self.query) - self.used - set(PAGE_KEYS))
        if names:
            shown = ", ".join(quote(n, 20) for n in names[:MAX_NAMES_SHOWN])
            more = len(names) - MAX_NAMES_SHOWN
            self.messages.append(
                f"ignored unknown link parameter{'s' if len(names) > 1 else ''} {shown}"
                + (f" and {more:,} more" if more > 0 else "")
            )


def scene_from_query(params: Mapping[str, Any]) -> tuple[Scene, list[str]]:
    """The scene a link describes, and a message for everything it ignored.

    ``params`` maps each key to a string or a list of strings (a repeated key),
    as ``st.query_params`` and ``urllib.parse.parse_qs`` give them. Never
    raises: an empty link gives the default scene. A link with no key of the
    scene's (:data:`SCENE_KEYS`) and a known ``lecture`` step or ``preset`` gives
    that step's or preset's scene (the step's when it names both);
    :func:`page_from_query` says what was wrong with an unknown one.
    """
    messages: list[str] = []
    query = _as_lists(params, messages)
    reader = _Reader(query, messages)
    named = None if SCENE_KEYS & set(query) else _named_scene(query)
    if named is not None:
        reader.unknown()
        return named, messages
    surface, surface_values, words, expr, domain = reader.surface()
    scene = Scene(surface=surface, params=surface_values, choices=words, expr=expr,
                  domain=domain)
    # What the link leaves out comes from the surface's own default scene.
    base = arrival(scene)
    scene = replace(scene, start=reader.start(scene, base.start), steps=reader.steps(base.steps),
                    dynamics=reader.dynamics(data_rows(surface)), runs=reader.runs(base.runs))
    reader.unknown()
    return scene, messages


def _named_scene(query: dict[str, list[str]]) -> Scene | None:
    """The scene of the lecture step or preset the link names (its first value), if any."""
    for key, scenes in (("lecture", STEPS_BY_KEY), ("preset", PRESETS_BY_KEY)):
        word = read.word((query.get(key) or [""])[0], tuple(scenes))
        if word.ok:
            return scenes[word.value].scene
    return None


@dataclass(frozen=True)
class PageView:
    """How the page shows a scene, which a link also carries: not part of the scene.

    Attributes:
        present: presenter mode (``present=1``).
        view: the race chart's view (``view=multiples``; ``overlay`` is not written).
        panel: the open panel under the chart (``panel=phase_map``), or None.
        preset: the lecture preset the scene is (``preset=jitter``), or None. A link
            carries it only while the scene is still exactly the preset's, so a
            student who opens it reads the preset's "what to look for" too.
        lecture: the lecture step the scene is (``lecture=friction``,
            :data:`scenes.lecture.STEPS_BY_KEY`), or None; carried, like ``preset``,
            only while the scene is still exactly the step's.
        frame: the step of the race the chart opens at: None for the whole path
            (the last step), 0 for a lecture step opened from a link, ready to play.
            Not written into links.
        claim: the lecture step's claim is shown (``claim=1``, with ``lecture`` only):
            what a room's lecturer writes once it is revealed, so that the followers
            show it too.
        at: the step of the race the lecturer paused at (``at=120``), or None: what a
            room's lecturer writes, so that the followers' charts show that step.
    """

    present: bool = False
    view: str = "overlay"
    panel: str | None = None
    preset: str | None = None
    lecture: str | None = None
    frame: int | None = None
    claim: bool = False
    at: int | None = None


NO_PAGE_VIEW = PageView()


def page_to_query(page: PageView) -> dict[str, str]:
    """The page's keys of a link, each only where it differs from :data:`NO_PAGE_VIEW`."""
    query = {}
    if page.present:
        query["present"] = "1"
    if page.view != NO_PAGE_VIEW.view:
        query["view"] = page.view
    if page.panel:
        query["panel"] = page.panel
    if page.preset:
        query["preset"] = page.preset
    if page.lecture:
        query["lecture"] = page.lecture
        if page.claim:
            query["claim"] = "1"
    if page.at is not None:
        query["at"] = str(page.at)
    return query


def link_query(scene: Scene, page: PageView = NO_PAGE_VIEW) -> dict[str, str | list[str]]:
    """The shortest link to ``scene`` shown as ``page`` says: the lecture step's key alone
    (``{"lecture": "friction"}``) while the scene is still that step's, else the preset's
    while it is still that preset's, else :func:`scene_to_query`; then the page's keys.

    >>> link_query(STEPS_BY_KEY["friction"].scene, PageView(lecture="friction"))
    {'lecture': 'friction'}
    """
    page_query = page_to_query(page)
    if page.lecture in STEPS_BY_KEY and STEPS_BY_KEY[page.lecture].scene == scene:
        page_query.pop("preset", None)
        return page_query
    page_query.pop("lecture", None)
    page_query.pop("claim", None)
    if page.preset in PRESETS_BY_KEY and PRESETS_BY_KEY[page.preset].scene == scene:
        return page_query
    page_query.pop("preset", None)
    return {**scene_to_query(scene), **page_query}


def page_from_query(params: Mapping[str, Any], scene: Scene, *, views: tuple[str, ...],
                    panels: tuple[str, ...]) -> tuple[PageView, list[str]]:
    """How a link asks the page to show ``scene`` (the scene the same link gave), and a
    message for every value that could not be used. Never raises.

    ``views`` and ``panels`` are the choices the page offers. A ``preset`` or
    ``lecture`` step whose scene differs from ``scene`` is dropped with a message:
    the link was changed after it was made. A lecture step opens at step 0 of its
    race (``frame=0``).
    """
    messages: list[str] = []
    reader = _Reader(_as_lists(params, []), messages)
    present = reader.switch("present", False, "presenter mode")
    view = reader.word("view", views, NO_PAGE_VIEW.view, "view")
    panel = reader.word("panel", ("", *panels), "", "panel") or None
    preset = reader.word("preset", ("", *PRESETS_BY_KEY), "", "preset") or None
    if preset and PRESETS_BY_KEY[preset].scene != scene:
        messages.append(f"ignored preset={preset}: the link's scene is no longer that "
                        f"preset's, so its sentence would not fit")
        preset = None
    lecture = reader.word("lecture", ("", *STEPS_BY_KEY), "", "lecture step") or None
    if lecture and STEPS_BY_KEY[lecture].scene != scene:
        messages.append(f"ignored lecture={lecture}: the link's scene is no longer that "
                        f"step's, so its question and claim would not fit")
        lecture = None
    claim = reader.switch("claim", False, "the lecture step's claim shown") and bool(lecture)
    at = None if reader.one("at") is None else reader.whole("at", 0, scene.steps, scene.steps)
    return PageView(present, view, panel, preset, lecture,
                    frame=0 if lecture else None, claim=claim, at=at), messages

