"""The race chart in the browser: drawn once, then only what a move changed.

A Streamlit Components v2 package: ``pyproject.toml`` beside this file declares
its components (``race_chart`` and ``step_chart``) and their ``asset_dir``,
``frontend/``, whose ``race_chart.js`` and ``race_chart.css`` Streamlit serves
over HTTP (``frontend/README.md`` lists the messages). requirements.txt installs
this folder in editable mode, which is how Streamlit finds it.

plotly.js is the ``plotly`` package's own ``plotly.min.js`` (pinned in
requirements.txt; nothing fetched from the network): on first use it is copied into
the app's static folder, which Streamlit serves at ``app/static/``
(``server.enableStaticServing``), compressed on the way. The browser loads it from
there with a script tag, once, and keeps it in its cache with the code it compiled
from it: a reload runs plotly.js without compiling it again. It never travels
through the websocket. A compressed copy lies beside it for nginx to send as it is
(``deploy/serve``), where Streamlit compresses the file anew for each browser.

What the chart is sent (:func:`race_chart`): the whole figure when the browser
has none or its layout changed (another surface, screen, view or number of
steps); after a move, only the traces that changed (the run's path, its marks,
its loss curve) and their steps in the animation, which the browser applies
without drawing the figure anew. The session remembers a digest of each trace
it sent, not the figure. A figure may come :class:`Prepared` (its JSON and digests
worked out once), so that pages showing the same figure share that work.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import plotly
import streamlit as st

from plotting.animation import NORMAL_SPEED, SPEEDS
from plotting.layout import Screen, Style
from surfaces.plain_text import finite

PACKAGE = "descent_lab_race_chart"  # the [project] name in pyproject.toml
RACE, STEP = f"{PACKAGE}.race_chart", f"{PACKAGE}.step_chart"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The app's static folder (beside app.py), served at app/static/.
STATIC = Path(__file__).resolve().parents[2] / "static"
# One name per plotly version: the file under a name never changes.
PLOTLY_NAME = f"plotly-{plotly.__version__}.min.js"
# Streamlit's static serving sends a file with its Last-Modified and no Cache-Control;
# a browser then keeps it for a tenth of its age (heuristic freshness, RFC 9111 4.2.2).
# The copy is dated 2020-01-01, so that a browser keeps it for years (a new plotly
# version comes under a new name).
PLOTLY_DATE = 1_577_836_800
# What a move may send instead of the whole figure: at most this share of its bytes.
MOVE_SHARE = 0.5
SPEED_MENU = {"speeds": list(SPEEDS.items()), "normal": SPEEDS[NORMAL_SPEED]}


# A touch target's least height (race_chart.css, for a coarse pointer): a phone's rows.
TOUCH_TARGET = 44


def player_height(screen: Screen) -> float:
    """Pixels the player takes under the chart: one row, two on a phone (it wraps), each
    a touch target high there."""
    if screen.stacked:
        return 2 * (TOUCH_TARGET + 6) + 8
    return 1.6 * Style.of(screen).font + 16 + 8


def below_player(screen: Screen) -> Screen:
    """The room left for the figure itself once the player has its row."""
    return replace(screen, height=screen.height - player_height(screen))


@functools.cache
def plotly_file() -> str:
    """The name of plotly.min.js in the app's static folder, copied there on first use,
    with a gzip-compressed copy beside it (the name and ``.gz``) that nginx sends as it
    lies where it serves the folder (``deploy/serve``: ``gzip_static``). Each is written
    whole, then renamed: several servers may start at once."""
    target = STATIC / PLOTLY_NAME
    copies = {target: lambda source: source,
              target.with_name(f"{target.name}.gz"):
                  lambda source: gzip.compress(source, compresslevel=9, mtime=0)}
    missing = [path for path in copies if not path.exists()]
    if not missing:
        return PLOTLY_NAME
    source = PLOTLY_JS.read_bytes()  # 4.8 MB: read only when a copy is missing
    STATIC.mkdir(exist_ok=True)
    for path in missing:
        with tempfile.NamedTemporaryFile(dir=STATIC, suffix=".part", delete=False) as out:
            out.write(copies[path](source))
        os.chmod(out.name, 0o644)  # readable by nginx's workers, as a copy is
        os.utime(out.name, (PLOTLY_DATE, PLOTLY_DATE))
        os.replace(out.name, path)
    return PLOTLY_NAME


def plotly_path() -> str:
    """Where the page's address serves plotly.js (relative to it), to fetch it early."""
    return f"app/static/{plotly_file()}"


@functools.cache
def _component(name: str) -> Callable[..., Any]:
    return st.components.v2.component(name, js="race_chart.js", css="race_chart.css",
                                      isolate_styles=False)


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _steps(frames: list[dict]) -> dict[int, list]:
    """Each animated trace's steps, ``[[k, update], ...]``: its update in each frame ``k``
    that changes it (the frames carry only what changed since the frame before)."""
    steps: dict[int, list] = {}
    for k, frame in enumerate(frames):
        for trace, update in zip(frame["traces"], frame["data"], strict=True):
            steps.setdefault(trace, []).append([k, update])
    return steps


def _flat(update: dict) -> dict:
    """A step's update with its nested attributes named by their path (``marker.size``)."""
    flat = {}
    for name, value in update.items():
        if isinstance(value, dict) and "dtype" not in value:
            flat.update({f"{name}.{inner}": v for inner, v in _flat(value).items()})
        else:
            flat[name] = value
    return flat


def columns(steps: list) -> dict | list:
    """A trace's steps as columns, when every update sets the same attributes:
    ``{"k": [k, ...], "columns": {name: [value, ...]}}``, a nested attribute named by its
    path (``marker.size``), where a column of typed arrays of one dtype is
    ``{"dtype", "bdata": [text, ...]}``, with ``"take": [[i, n], ...]`` when some steps'
    arrays are the starts of later ones' (a path drawn so far: step ``j`` is the first ``n``
    values of the ``i``-th array, each sent once), and frames that follow one another, ``k``,
    ``k + 1``, ..., are ``{"from": k, "count": n}`` (frontend/README.md). Else the steps as
    they are."""
    flat = [_flat(update) for _, update in steps]
    names = set(flat[0]) if steps else set()
    if not steps or any(set(update) != names for update in flat):
        return steps
    packed = {}
    for name in sorted(names):
        values = [update[name] for update in flat]
        dtypes = {v.get("dtype") if isinstance(v, dict) and set(v) == {"dtype", "bdata"}
                  else None for v in values}
        packed[name] = (_typed(dtypes.pop(), tuple(v["bdata"] for v in values))
                        if len(dtypes) == 1 and None not in dtypes else values)
    ks = [k for k, _ in steps]
    if ks == list(range(ks[0], ks[0] + len(ks))):
        return {"k": {"from": ks[0], "count": len(ks)}, "columns": packed}
    return {"k": ks, "columns": packed}


def _whole(figure: dict) -> dict:
    """``figure`` (data, layout, frames) as the chart is sent a whole figure: its data
    (:func:`sent_once`) and layout, ``names``, the frames' names, and ``steps``, each
    animated trace's steps (:func:`columns`) in place of the frames."""
    frames = figure.get("frames", [])
    steps = {t: columns(s) for t, s in _steps(frames).items()}
    return {"data": [sent_once(trace, steps.get(t)) for t, trace in enumerate(figure["data"])],
            "layout": figure["layout"], "names": [frame["name"] for frame in frames],
            "steps": steps}


def sent_once(trace: dict, steps: dict | list | None) -> dict:
    """``trace`` with each typed array that its ``steps`` (:func:`columns`) send already
    (a path drawn whole, as the last frame shows it) as ``{"sent": j}``: the ``j``-th
    array of the column of the same name. The chart's script puts the array back."""
    if not isinstance(steps, dict):
        return trace
    refs = {}
    for name, value in trace.items():
        column = steps["columns"].get(name)
        if (isinstance(column, dict) and "take" in column and isinstance(value, dict)
                and value.keys() == {"dtype", "bdata"} and value["dtype"] == column["dtype"]
                and value["bdata"] in column["bdata"]):
            refs[name] = {"sent": column["bdata"].index(value["bdata"])}
    return {**trace, **refs} if refs else trace


# Bytes per value of Plotly's typed arrays whose starts the chart's script takes (race_chart.js,
# TYPED).
ITEM_SIZES = {"f8": 8, "f4": 4, "i4": 4, "u4": 4, "i2": 2, "u2": 2, "i1": 1, "u1": 1}


def decoded_size(text: str) -> int:
    """The number of bytes the base64 ``text`` stands for."""
    return len(text) // 4 * 3 - text[-2:].count("=")


def starts_with(text: str, start: str) -> bool:
    """Whether the bytes of base64 ``text`` begin with those of base64 ``start``, read
    from the texts: every 4 characters of base64 stand for 3 bytes, so the whole groups of
    ``start`` must begin ``text`` as they are, and only its last group, when padded (1 or
    2 bytes), is decoded, beside the same group of ``text``."""
    whole = len(start.rstrip("=")) // 4 * 4
    if not text.startswith(start[:whole]):
        return False
    if whole == len(start):
        return True
    tail = base64.b64decode(start[whole:])
    return base64.b64decode(text[whole:whole + 4]).startswith(tail)


# Remembered: a move builds the figure anew, and each run it did not move has the same
# columns as before (a column's texts are hashed once each, far cheaper than reading them
# for their starts). The last 64 columns, those of about five figures (each holds its
# texts: about 40 KB for a path of 300 steps, seven times as much at 2,000); nobody changes a
# column.
@functools.lru_cache(maxsize=64)
def _typed(dtype: str, texts: tuple[str, ...]) -> dict:
    """A column of typed arrays (base64 ``texts`` of one Plotly ``dtype``, such as "f4"),
    each array sent once: where a step's array is the start of a later step's (a path
    drawn so far), step ``j`` is ``take[j] = [i, n]``, the first ``n`` values of the
    ``i``-th array sent."""
    size = ITEM_SIZES.get(dtype)
    if size is None:  # a dtype whose starts the chart's script does not take
        return {"dtype": dtype, "bdata": list(texts)}
    sent: list[int] = []  # indices into texts, from the last step back
    take = []
    for j in reversed(range(len(texts))):
        if not sent or not starts_with(texts[sent[-1]], texts[j]):
            sent.append(j)
        take.append([len(sent) - 1, decoded_size(texts[j]) // size])
    if len(sent) == len(texts):
        return {"dtype": dtype, "bdata": list(texts)}
    last = len(sent) - 1
    return {"dtype": dtype, "bdata": [texts[j] for j in reversed(sent)],
            "take": [[last - i, n] for i, n in reversed(take)]}


def forget_columns() -> None:
    """Forget the columns remembered (a benchmark's cold run)."""
    _typed.cache_clear()


@dataclass(frozen=True)
class Sent:
    """What the browser's chart holds: a digest of each part of the figure last sent
    (of each trace's attributes one by one)."""

    rev: int
    layout: bytes
    names: tuple[str, ...]
    traces: tuple[dict[str, bytes], ...]
    steps: dict[int, bytes]


@dataclass(frozen=True, eq=False)
class Prepared:
    """A figure (a dict: data, layout, frames) as :func:`message` sends it, worked out
    once: ``whole``, the figure as a whole-figure message carries it (:func:`_whole`: each
    animated trace's steps packed in place of the frames, a path drawn so far once, not
    once a frame, so that a figure kept costs the server about what it sends), ``data``,
    the traces as they are (a move sends a trace's attribute as :func:`sent_once` names it
    only with the steps it names), each trace's attributes and each trace's packed steps as
    JSON text, and their digests; the whole figure's JSON text when a message first needs
    it. Pages that show the same figure (a room's followers on like screens) share one;
    nobody changes it."""

    whole: dict
    data: list[dict]  # the traces as they are, no attribute sent as ``{"sent": j}``
    texts: list[dict[str, str]]
    steps: dict[int, str]
    digests: Sent  # rev 0: the digests alone

    @functools.cached_property
    def text(self) -> str:
        """:attr:`whole` as JSON."""
        return _text(self.whole)

    @classmethod
    def of(cls, figure: dict) -> Prepared:
        whole = _whole(figure)
        steps = {t: _text(s) for t, s in whole["steps"].items()}
        texts = [{name: _text(value) for name, value in trace.items()}
                 for trace in figure["data"]]
        layout = _text(figure["layout"])
        digests = Sent(rev=0, layout=_digest(layout), names=tuple(whole["names"]),
                       traces=tuple({name: _digest(text) for name, text in trace.items()}
                                    for trace in texts),
                       steps={t: _digest(s) for t, s in steps.items()})
        return cls(whole, figure["data"], texts, steps, digests)


def message(figure: dict | Prepared, sent: Sent | None) -> tuple[dict, Sent]:
    """What to send the chart for ``figure`` when it holds ``sent`` (None: nothing), and
    what it holds then: ``{"rev", "figure"}`` for the whole figure (:attr:`Prepared.whole`), or
    ``{"rev", "base", "traces", "steps"}`` for what changed since ``base``: the changed
    attributes of each trace that changed (``{index: {name: value}}``) and the steps of
    each animated trace whose steps changed (``{index: steps}``, as :func:`columns`).
    The whole figure goes when the layout, the frames' names, the traces or the
    attributes they set are not the same, or when the change is not much smaller."""
    ready = figure if isinstance(figure, Prepared) else Prepared.of(figure)
    texts, steps = ready.texts, ready.steps
    now = replace(ready.digests, rev=(sent.rev + 1) if sent else 1)
    same_shape = sent is not None and (sent.layout, sent.names, set(sent.steps)) == (
        now.layout, now.names, set(now.steps)) and [set(t) for t in sent.traces] == [
        set(t) for t in now.traces]
    if sent is not None and same_shape:
        if sent.traces == now.traces and sent.steps == now.steps:
            return {"rev": sent.rev}, sent  # the chart shows this figure already
        changed = {i: [name for name in trace if old[name] != trace[name]]
                   for i, (old, trace) in enumerate(zip(sent.traces, now.traces, strict=True))
                   if old != trace}
        moved = [t for t in steps if sent.steps[t] != now.steps[t]]
        size = (sum(len(texts[i][name]) for i, names in changed.items() for name in names)
                + sum(len(steps[t]) for t in moved))
        whole = sum(len(text) for trace in texts for text in trace.values())
        if size < MOVE_SHARE * (whole + sum(map(len, steps.values()))):
            # An attribute its steps send (sent_once) goes as a reference only with them.
            data = {i: (ready.whole["data"] if i in moved else ready.data)[i] for i in changed}
            return {"rev": now.rev, "base": sent.rev,
                    "traces": {i: {name: data[i][name] for name in names}
                               for i, names in changed.items()},
                    "steps": {t: ready.whole["steps"][t] for t in moved}}, now
    return {"rev": now.rev, "figure": ready.whole}, now


def _payload(change: dict, ready: Prepared) -> bytes:
    """``change`` as the component's JSON data; a whole figure's text is the prepared one
    (the same bytes ``json.dumps`` makes of it), not dumped again."""
    if "figure" not in change:
        return _text(change).encode()
    rest = _text({k: v for k, v in change.items() if k != "figure"})
    return (rest[:-1] + ("," if len(rest) > 2 else "") + '"figure":' + ready.text
            + "}").encode()


def race_chart(ss: MutableMapping[str, Any], figure: dict | Prepared, config: dict, *,
               key: str, font: float, lecture: Mapping[str, Any] | None = None,
               on_lecture: Callable[[], None] | None = None) -> tuple[float, float] | None:
    """Draw ``figure`` (a figure as a dict: data, layout, frames, or :class:`Prepared`)
    with Plotly ``config``, its player (Play/Pause, step slider, speed) under it at
    ``font`` pixels, sending only what changed since the figure the chart holds
    (remembered in ``ss``); ``(x, y)`` of a click on its start picker in the last run,
    or None.

    ``lecture`` (``controls.lecture.chart_message``): whether the clicker's keys listen,
    and the lecture step open, whose race opens at step 0 until it has been played.
    ``on_lecture`` is called when the chart reports on it (``ss[key]["lecture"]``: the
    race ended, or the lecturer asked for the claim)."""
    held = f"{key}_sent"
    asked = ss.get(key)
    if isinstance(asked, Mapping) and asked.get("resync") is not None:
        forget(ss, key)  # the chart was mounted anew: it needs the whole figure
    ready = figure if isinstance(figure, Prepared) else Prepared.of(figure)
    change, ss[held] = message(ready, ss.get(held))
    payload = {**change, "font": font, "plotly": plotly_file()}
    if lecture is not None:
        payload["lecture"] = dict(lecture)
    if "figure" in change:
        payload.update(config=config, **SPEED_MENU)
    result = _component(RACE)(key=key, data=_payload(payload, ready),
                              on_click_change=lambda: None, on_resync_change=lambda: None,
                              on_lecture_change=on_lecture or (lambda: None))
    click = result.get("click") if result is not None else None
    if isinstance(click, dict):  # a browser may send anything: finite numbers only
        x, y = finite(click.get("x")), finite(click.get("y"))
        if x is not None and y is not None:
            return x, y
    return None


def forget(ss: MutableMapping[str, Any], key: str) -> None:
    """The chart ``key`` holds nothing (it is not drawn in this run, or was mounted anew):
    its next figure goes whole, under the next revision."""
    sent = ss.get(f"{key}_sent")
    if sent is not None:
        ss[f"{key}_sent"] = replace(sent, layout=b"", traces=(), steps={})


def step_chart(figure: dict, config: dict, *, key: str) -> None:
    """Draw ``figure`` (frames named by step, as the race chart's) with no player of its
    own: it shows the step the race chart shows, following its Play, Pause and slider.
    A step the figure has no frame for shows its last frame before that step."""
    sent = _whole(figure)
    text = json.dumps(sent, separators=(",", ":"))
    payload = {"rev": hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
               "figure": sent, "config": config, "follow": True, "plotly": plotly_file()}
    _component(STEP)(key=key, data=json.dumps(payload, separators=(",", ":")).encode())
