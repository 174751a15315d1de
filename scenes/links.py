"""Shared links: a scene as URL query parameters, and back.

The schema (a public interface, documented in the README)::

    ?surface=ravine&kappa=50&angle=0&start=-8,1.5&steps=300
     &run=sgd:lr=1.8&run=momentum:lr=0.3,mu=0.9&run=adam:lr=0.3,beta1=0.9,beta2=0.999

* ``surface``: a library surface (``ravine``, ``rosenbrock``, ...) or ``custom``;
* the surface's parameters by name (the ravine's ``kappa`` and ``angle``);
* ``expr`` and ``domain=x0,x1,y0,y1`` for ``surface=custom`` (a typed formula);
* ``start=x,y`` and ``steps=n``;
* ``present=1``: presenter mode, how the page shows the scene rather than part of
  it (read by :func:`presenter_from_query`, ignored by :func:`scene_from_query`);
* gradient noise and schedules for every run, each only when not the default
  (see :mod:`scenes.dynamics`): ``noise=0.5`` (the standard deviation),
  ``seed=7``, ``fan=5`` (seeds drawn), ``schedule=step:drop=0.5,every=100``
  (or ``exponential:gamma=0.99``, ``inverse:k=0.01``) and
  ``anneal=0.5,0.99,100`` (``mu`` from 0.5 towards 0.99 over 100 steps);
* one ``run`` per run, in order: ``optimizer:name=value,name=value``, with
  hyperparameters by their lecture names, switches as ``true`` / ``false``,
  and ``enabled=false`` for a run that is switched off. Missing
  hyperparameters take the optimizer's defaults.

:func:`scene_to_query` writes every value (numbers in their shortest exact
form), so that :func:`scene_from_query` gives back exactly the same scene.
:func:`scene_from_query` never raises: whatever it cannot use it replaces by a
sane value and says so in a message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
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
from scenes.model import (
    CUSTOM,
    MAX_EXPR_LENGTH,
    MAX_RUNS,
    MAX_STEPS,
    RunSpec,
    Scene,
    default_start,
    in_range,
    inside,
    plot_box,
    range_text,
    surface_params,
)
from scenes.presets import DEFAULT_SCENE
from surfaces import FACTORIES, SURFACE_PARAMS, validate_domain
from surfaces.expression import DEFAULT_DOMAIN

# Longest value read from a link (a formula may be longer, up to MAX_EXPR_LENGTH).
MAX_VALUE_LENGTH = 200
# At most this many unknown names are listed in one message.
MAX_NAMES_SHOWN = 5
SURFACE_NAMES = (*FACTORIES, CUSTOM)
TRUE_WORDS = ("true", "on", "1", "yes")
FALSE_WORDS = ("false", "off", "0", "no")
# Keys of how the page shows a scene, not of the scene: read by
# presenter_from_query, written by the page itself.
PAGE_KEYS = ("present",)


def fmt(value: float | int | bool) -> str:
    """A number as a link writes it: shortest exact form, ``-8`` rather than ``-8.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _run_text(run: RunSpec) -> str:
    pairs = [f"{name}={fmt(value)}" for name, value in run.hyper]
    if not run.enabled:
        pairs.append("enabled=false")
    return f"{run.optimizer}:{','.join(pairs)}"


def scene_to_query(scene: Scene) -> dict[str, str | list[str]]:
    """The scene as query parameters: a string per key, a list for the repeated ``run``."""
    query: dict[str, str | list[str]] = {"surface": scene.surface}
    for name, value in scene.params:
        query[name] = fmt(value)
    if scene.surface == CUSTOM:
        query["expr"] = scene.expr
        (x0, x1), (y0, y1) = scene.domain or DEFAULT_DOMAIN
        query["domain"] = ",".join(fmt(v) for v in (x0, x1, y0, y1))
    query["start"] = ",".join(fmt(v) for v in scene.start)
    query["steps"] = str(scene.steps)
    query.update(_dynamics_query(scene.dynamics))
    query["run"] = [_run_text(run) for run in scene.runs]
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


def _number(text: str) -> float | None:
    """A finite float from a link, or None (``nan``, ``inf``, words, ``1_000``...)."""
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text.strip()):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _numbers(text: str, count: int) -> tuple[float, ...] | None:
    parts = text.split(",")
    if len(parts) != count:
        return None
    values = tuple(_number(p) for p in parts)
    return None if any(v is None for v in values) else values


def _as_lists(params: Any, messages: list[str]) -> dict[str, list[str]]:
    """Every key's values as a list of strings; anything else is dropped with a message."""
    out: dict[str, list[str]] = {}
    try:
        items = list(params.items())
    except Exception:  # not a mapping at all: nothing to read
        messages.append("the link's parameters could not be read; showing the default scene")
        return out
    for key, value in items:
        if not isinstance(key, str):
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            messages.append(f"ignored {quote(key)}: its value is not text")
            continue
        out[key] = list(values)
    return out


class _Reader:
    """Reads one link, collecting a message for everything it ignores."""

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

    def surface(self) -> tuple[str, tuple, str, Any]:
        name = self.one("surface")
        if name is None:
            name = DEFAULT_SCENE.surface
        elif name not in SURFACE_NAMES:
            self.messages.append(
                f"ignored surface={quote(name)}: unknown surface "
                f"(choose one of {', '.join(SURFACE_NAMES)}); showing the "
                f"{DEFAULT_SCENE.surface}"
            )
            name = DEFAULT_SCENE.surface
        params = self.surface_params(name)
        if name != CUSTOM:
            for key in ("expr", "domain"):
                if key in self.query:
                    self.used.add(key)
                    self.messages.append(f"ignored {key}: only a custom surface takes it")
            return name, params, "", None
        expr = self.one("expr", MAX_EXPR_LENGTH)
        if not expr or not expr.strip():
            self.messages.append(
                f"ignored surface=custom: the link has no formula (expr); showing the "
                f"{DEFAULT_SCENE.surface}"
            )
            return DEFAULT_SCENE.surface, self.surface_params(DEFAULT_SCENE.surface), "", None
        return CUSTOM, (), expr, self.domain()

    def surface_params(self, name: str) -> tuple:
        values = {}
        for spec in SURFACE_PARAMS.get(name, ()):
            text = self.one(spec.name)
            if text is None:
                continue
            value = _number(text)
            if value is None or not spec.low <= value <= spec.high:
                self.messages.append(
                    f"ignored {spec.name}={quote(text)}: it must be a number between "
                    f"{spec.low:g} and {spec.high:g}; used {spec.default:g}"
                )
                continue
            values[spec.name] = value
        return surface_params(name, values)

    def domain(self):
        text = self.one("domain")
        if text is None:
            return DEFAULT_DOMAIN
        values = _numbers(text, 4)
        try:
            if values is None:
                raise ValueError("write it as x0,x1,y0,y1")
            return validate_domain((values[:2], values[2:]))
        except ValueError as error:
            self.messages.append(f"ignored domain={quote(text)}: {error}; used the box from "
                                 f"-5 to 5")
            return DEFAULT_DOMAIN

    def start(self, scene: Scene):
        fallback = default_start(scene.surface, scene.params, scene.domain, scene.expr)
        text = self.one("start")
        if text is None:
            return fallback
        values = _numbers(text, 2)
        if values is not None and inside(values, plot_box(scene)):
            return values
        (x0, x1), (y0, y1) = plot_box(scene)
        self.messages.append(
            f"ignored start={quote(text)}: it must be x,y inside the plot "
            f"([{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]); used {fmt(fallback[0])},{fmt(fallback[1])}"
        )
        return fallback

    def steps(self) -> int:
        return self.whole("steps", 1, MAX_STEPS, DEFAULT_SCENE.steps)

    def whole(self, key: str, low: int, high: int, default: int, *, clamp: bool = True) -> int:
        """The whole number ``key``: ``default`` if missing or not a whole number; out of
        range, the nearest bound (``clamp``) or ``default``."""
        text = self.one(key)
        if text is None:
            return default
        if not re.fullmatch(r"\d{1,9}", text.strip()):
            self.messages.append(
                f"ignored {key}={quote(text)}: it must be a whole number from {low:,} to "
                f"{high:,}; used {default:,}"
            )
            return default
        value = int(text)
        used = min(max(value, low), high) if clamp else default
        if not low <= value <= high:
            self.messages.append(f"{key}={value:,} is out of range ({low:,} to {high:,}); "
                                 f"used {used:,}")
            return used
        return value

    def dynamics(self) -> Dynamics:
        """Noise, seed, fan, schedule and annealing (see :mod:`scenes.dynamics`)."""
        noise = NO_DYNAMICS.noise
        text = self.one("noise")
        if text is not None:
            value = _number(text)
            if value is None or not 0 <= value <= MAX_NOISE:
                self.messages.append(f"ignored noise={quote(text)}: it must be a number from "
                                     f"0 to {MAX_NOISE:g}; used {fmt(noise)}")
            else:
                noise = value
        seed = self.whole("seed", 0, MAX_SEED, NO_DYNAMICS.seed, clamp=False)
        fan = self.whole("fan", 1, MAX_FAN, NO_DYNAMICS.fan)
        kind, settings = self.schedule()
        return Dynamics(noise, seed, fan, Schedule(kind, **settings, **self.anneal()))

    def schedule(self) -> tuple[str, dict]:
        """``schedule=kind:name=value,...``: the kind and the settings that could be used."""
        text = self.one("schedule")
        if text is None:
            return "constant", {}
        kind, _, rest = (part.strip() for part in text.partition(":"))
        if kind not in KINDS:
            self.messages.append(f"ignored schedule={quote(text)}: unknown schedule "
                                 f"{quote(kind)} (choose one of {', '.join(KINDS)})")
            return "constant", {}
        settings: dict[str, float | int] = {}
        where = f"in schedule {quote(text)}"
        for pair in filter(None, (p.strip() for p in rest.split(","))):
            name, sep, raw = (part.strip() for part in pair.partition("="))
            if not sep:
                self.messages.append(f"ignored {quote(pair)} {where}: write name=value")
            elif name not in KIND_SETTINGS[kind]:
                takes = ", ".join(KIND_SETTINGS[kind]) or "nothing"
                self.messages.append(f"ignored {quote(name)} {where}: {kind} takes {takes}")
            elif name in settings:
                self.messages.append(f"{name} appears twice {where}; used the first")
            else:
                value = _number(raw)
                if name == "every" and value is not None:
                    value = int(value) if value.is_integer() else None
                try:
                    if value is None:
                        whole = "whole " if name == "every" else ""
                        raise ValueError(f"{name} must be a {whole}number")
                    Dynamics(schedule=Schedule(kind, **{name: value}))
                    settings[name] = value
                except ValueError as error:
                    default = fmt(getattr(NO_DYNAMICS.schedule, name))
                    self.messages.append(f"ignored {name}={quote(raw)} {where}: {error}; "
                                         f"used {default}")
        return kind, settings

    def anneal(self) -> dict:
        """``anneal=mu_start,mu_end,anneal_steps`` (or ``on``, the notes' 0.5 -> 0.99 over
        the default steps; ``off``): the annealing's settings for a ``Schedule``."""
        text = self.one("anneal")
        if text is None or text.strip().lower() in FALSE_WORDS:
            return {}
        if text.strip().lower() in TRUE_WORDS:
            return {"mu_start": ANNEAL_FROM}
        values = _numbers(text, 3)
        try:
            if values is None or not values[2].is_integer():
                raise ValueError("write it as mu_start,mu_end,steps")
            start, end, steps = values[0], values[1], int(values[2])
            Dynamics(schedule=Schedule(mu_start=start, mu_end=end, anneal_steps=steps))
        except ValueError as error:
            self.messages.append(f"ignored anneal={quote(text)}: {error}; mu is not annealed")
            return {}
        return {"mu_start": start, "mu_end": end, "anneal_steps": steps}

    def runs(self) -> tuple[RunSpec, ...]:
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
        return tuple(runs) or DEFAULT_SCENE.runs

    def run(self, text: str) -> RunSpec | None:
        if len(text) > MAX_VALUE_LENGTH:
            self.messages.append(
                f"ignored a run of {len(text):,} characters (at most {MAX_VALUE_LENGTH})"
            )
            return None
        name, _, rest = text.partition(":")
        name = name.strip()
        if name not in OPTIMIZERS:
            self.messages.append(
                f"ignored run={quote(text)}: unknown optimizer {quote(name)} "
                f"(choose one of {', '.join(OPTIMIZERS)})"
            )
            return None
        opt = OPTIMIZERS[name]
        specs = {h.name: h for h in opt.hyper}
        values: dict[str, float | bool] = {}
        enabled = True
        for pair in filter(None, (p.strip() for p in rest.split(","))):
            key, sep, raw = (part.strip() for part in pair.partition("="))
            where = f"in run {quote(text)}"
            if not sep:
                self.messages.append(f"ignored {quote(pair)} {where}: write name=value")
            elif key == "enabled" or (key in specs and specs[key].kind == "bool"):
                word = raw.lower()
                if word not in TRUE_WORDS + FALSE_WORDS:
                    self.messages.append(f"ignored {key}={quote(raw)} {where}: "
                                         f"it must be true or false")
                elif key == "enabled":
                    enabled = word in TRUE_WORDS
                else:
                    values[key] = word in TRUE_WORDS
            elif key not in specs:
                self.messages.append(
                    f"ignored {quote(key)} {where}: {opt.title} takes {', '.join(specs)}"
                )
            elif key in values:
                self.messages.append(f"{key} appears twice {where}; used the first")
            else:
                value = _number(raw)
                if value is None or not in_range(specs[key], value):
                    self.messages.append(
                        f"ignored {key}={quote(raw)} {where}: it must be a number "
                        f"{range_text(specs[key])}; used {fmt(specs[key].default)}"
                    )
                else:
                    values[key] = value
        return RunSpec.make(name, enabled, **values)

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
    raises: an empty link gives the default scene.
    """
    messages: list[str] = []
    reader = _Reader(_as_lists(params, messages), messages)
    surface, surface_values, expr, domain = reader.surface()
    scene = Scene(surface=surface, params=surface_values, expr=expr, domain=domain)
    scene = replace(scene, start=reader.start(scene), steps=reader.steps(),
                    dynamics=reader.dynamics(), runs=reader.runs())
    reader.unknown()
    return scene, messages


def presenter_from_query(params: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Whether a link asks for presenter mode (``present=1``), and a message for a value
    that could not be read (presenter mode then stays off). Never raises."""
    messages: list[str] = []
    text = _Reader(_as_lists(params, []), messages).one("present")
    if text is None:
        return False, messages
    word = text.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        messages.append(f"ignored present={quote(text)}: it must be 1 (presenter mode) or 0")
    return word in TRUE_WORDS, messages
