"""The race chart in the browser: drawn once, then only what a move changed.

``st.plotly_chart`` replaces its chart whenever the figure changes: every move
of a slider redrew the whole race (``Plotly.newPlot``: about 80 ms for the
lecture scene in headless Chromium here, a third of a move). This component
draws the same figure with the same plotly.js (the one the ``plotly`` package
ships, pinned in requirements.txt; nothing fetched), and when a new figure has
the same layout and the same traces as the one on screen (a run's ``lr`` or
``mu`` moved), it animates only the traces whose data changed to their new data
(``Plotly.animate`` without a redraw, as Play does) and swaps in the new frames.
Anything else (another view, screen, surface or number of steps) draws the
figure anew with ``Plotly.newPlot``.

plotly.js itself (4.8 MB) reaches the browser once per visit: it is the script
of a component of its own (:func:`load_plotly`) whose message never changes, so
Streamlit sends it once and then only its hash. The page mounts it first, so
the browser reads plotly.js while the server is still running the page.

The figure travels as JSON bytes in the component's data. A click on the
``"start picker"`` trace comes back as the trigger value ``click``: ``{"x", "y"}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import plotly
import streamlit as st

from plotting.animation import NORMAL_SPEED, SPEEDS
from plotting.layout import Screen, Style
from surfaces.plain_text import finite

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

_CHART_JS = """
const ANIMATE = {mode: "immediate", transition: {duration: 0},
                 frame: {duration: 0, redraw: false}};
const SPEEDS = __SPEEDS__;  // plotting.animation.SPEEDS

function plotlyReady() {
  return new Promise((resolve) => {
    const wait = () => (window.Plotly ? resolve(rememberArrayAttributes(window.Plotly))
                                      : setTimeout(wait, 20));
    wait();
  });
}

// Plotly.animate recomputes every trace (Plots.doCalcdata), and for each it crawls the
// whole attribute schema to list which attributes hold arrays (findArrayAttributes):
// about half of a move's plotly.js time for the race's ~80 traces. The answer depends
// only on the trace's type and on which of its attributes the figure gave as arrays, so
// it is remembered by that shape; a trace whose shape is not plain (arrays of objects)
// is crawled as before.
function arrayShape(trace) {
  const paths = [];
  const walk = (value, path, depth) => {
    if (Array.isArray(value) || ArrayBuffer.isView(value)
        || (value && typeof value === "object" && "bdata" in value && "dtype" in value)) {
      if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) return false;
      paths.push(path);
      return true;
    }
    if (value && typeof value === "object") {
      if (depth > 6) return false;
      return Object.keys(value).every((k) => walk(value[k], path ? `${path}.${k}` : k,
                                                  depth + 1));
    }
    return true;
  };
  const input = trace && trace._input;
  if (!input || typeof trace.type !== "string" || !walk(input, "", 0)) return null;
  return `${trace.type}|${paths.sort().join("|")}`;
}

function rememberArrayAttributes(Plotly) {
  const schema = Plotly.PlotSchema;
  if (!schema || schema.__remembered) return Plotly;
  const crawl = schema.findArrayAttributes;
  const known = new Map();
  schema.findArrayAttributes = function (trace) {
    const shape = arrayShape(trace);
    if (shape === null) return crawl.call(this, trace);
    if (!known.has(shape)) known.set(shape, crawl.call(this, trace));
    return known.get(shape).slice();
  };
  schema.__crawl = crawl;  // the original, for tests
  schema.__remembered = true;
  return Plotly;
}

// The layout and each trace as text, to tell what a new figure changed.
function signature(figure) {
  return {layout: JSON.stringify(figure.layout), traces: figure.data.map((t) => JSON.stringify(t))};
}

// Play/Pause, the step slider with its "step N" label and the speed menu, in HTML under
// the chart: a row that wraps on a narrow screen, so that nothing can overlap.
function makePlayer(root, font) {
  const bar = document.createElement("div");
  bar.className = "descent-player";
  bar.style.cssText = `display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;`
    + `font-size:${font}px;font-family:inherit;padding:2px 0 4px 0;`;
  const button = (label, name) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.name = name;
    b.style.cssText = `font:inherit;padding:4px 12px;border:1px solid #b8c0cc;`
      + `border-radius:6px;background:#fff;color:#111;cursor:pointer;`;
    return b;
  };
  const play = button("▶ Play", "play"), pause = button("❚❚ Pause", "pause");
  const buttons = document.createElement("span");
  buttons.style.cssText = "display:flex;gap:6px;";
  buttons.append(play, pause);
  const label = document.createElement("label");
  label.style.cssText = "display:flex;align-items:center;gap:8px;flex:1 1 220px;min-width:0;";
  const step = document.createElement("span");
  step.className = "descent-step";
  step.style.cssText = "white-space:nowrap;min-width:5.5em;";
  const slider = document.createElement("input");
  slider.type = "range"; slider.min = "0"; slider.step = "1";
  slider.setAttribute("aria-label", "step");
  slider.style.cssText = "flex:1 1 auto;min-width:80px;accent-color:#0072B2;";
  label.append(step, slider);
  const speed = document.createElement("select");
  speed.setAttribute("aria-label", "speed");
  speed.style.cssText = "font:inherit;padding:3px 6px;border:1px solid #b8c0cc;border-radius:6px;";
  for (const [text, ms] of SPEEDS) {
    const option = document.createElement("option");
    option.value = String(ms); option.textContent = `speed ${text}`;
    speed.appendChild(option);
  }
  speed.value = String(__NORMAL_MS__);
  bar.append(buttons, label, speed);
  root.appendChild(bar);
  return {bar, play, pause, step, slider, speed};
}

// Frames sent as changes (plotting.build.Layers.frames with ``delta``): each names the
// frame before it as its ``baseframe`` and carries only the traces that changed. Each
// frame resolved to every animated trace's update, for a jump to it.
function resolve(frames) {
  let state = new Map();
  return frames.map((frame) => {
    if (!frame.baseframe) state = new Map();
    else state = new Map(state);
    frame.traces.forEach((trace, j) => {
      state.set(trace, {...(state.get(trace) || {}), ...frame.data[j]});
    });
    return {name: frame.name, traces: [...state.keys()], data: [...state.values()]};
  });
}

// The race chart announces each step it shows; a follower (a panel's chart with the same
// frame names) shows the same step.
const STEP_EVENT = "descent-lab:step";

// The index of the frame named ``name`` (a step), else of the last frame before it.
function frameAt(frames, name) {
  const exact = frames.findIndex((f) => f.name === name);
  if (exact >= 0 || name === undefined) return exact >= 0 ? exact : frames.length - 1;
  let k = frames.length - 1;
  while (k > 0 && Number(frames[k].name) > Number(name)) k -= 1;
  return k;
}

export default async function ({ parentElement, data, setTriggerValue }) {
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  const { figure, config, font, follow } = JSON.parse(text);
  let gd = parentElement.querySelector(".descent-race");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "descent-race";
    parentElement.appendChild(gd);
    gd.__follow = Boolean(follow);
    if (!gd.__follow) gd.__player = makePlayer(parentElement, font);
  }
  const player = gd.__player;
  if (player) player.bar.style.fontSize = `${font}px`;
  const Plotly = await plotlyReady();
  const frames = figure.frames || [];
  const next = signature(figure);
  const last = gd.__descent;
  gd.__descent = next;
  gd.__frames = frames;
  gd.__resolved = resolve(frames);
  const same = last && last.layout === next.layout && last.traces.length === next.traces.length
    && gd._fullLayout && gd.data;
  if (same) {  // a run's settings moved: only its traces change
    const changed = [];
    next.traces.forEach((t, i) => { if (t !== last.traces[i]) changed.push(i); });
    if (changed.length) {
      await Plotly.animate(gd, {data: changed.map((i) => figure.data[i]), traces: changed},
                           ANIMATE);
    }
  } else {
    // A new layout (another surface, view or screen): drawn anew, as a first time.
    await Plotly.newPlot(gd, {data: figure.data, layout: figure.layout, config});
    gd.__at = frames.length - 1;
    gd.on("plotly_click", (event) => {  // newPlot dropped the last plot's listeners
      const point = event.points && event.points[0];
      if (point && point.data && point.data.name === "start picker") {
        gd.__setTrigger("click", {x: point.x, y: point.y});
      }
    });
    if (!gd.__wired) {
      gd.__wired = true;
      if (gd.__follow) listen(gd, Plotly); else wire(gd, Plotly);
    }
  }
  // The figure shows its last frame; a visitor who had scrubbed elsewhere stays there,
  // and a follower shows the race's step.
  const end = frames.length - 1;
  const at = gd.__follow ? frameAt(frames, window.__descentStep) : Math.min(gd.__at ?? end, end);
  gd.__at = end;
  if (player) player.slider.max = String(Math.max(0, end));
  await show(gd, Plotly, at, at === end);
  gd.__setTrigger = setTriggerValue;  // the latest: a rerun hands over a new one
  gd.__revision = (gd.__revision || 0) + 1;  // what the page shows changed (for tests)
}

// Show frame k (unless ``drawn``: the traces show it already), and the slider at its
// step: from frame k - 1 only what changed, from anywhere else every animated trace.
async function show(gd, Plotly, k, drawn = false) {
  const frame = gd.__at === k - 1 ? gd.__frames[k] : gd.__resolved[k];
  gd.__at = k;
  if (gd.__player) {
    gd.__player.slider.value = String(k);
    gd.__player.step.textContent = frame ? `step ${frame.name}` : "";
  }
  if (frame && frame.traces.length && !drawn) {
    await Plotly.animate(gd, {data: frame.data, traces: frame.traces}, ANIMATE);
  }
  if (!gd.__follow && frame) {
    window.__descentStep = frame.name;
    document.dispatchEvent(new CustomEvent(STEP_EVENT, {detail: {name: frame.name}}));
  }
}

// A follower: each step the race chart shows, until the follower leaves the page.
function listen(gd, Plotly) {
  const onStep = (event) => {
    if (!gd.isConnected) { document.removeEventListener(STEP_EVENT, onStep); return; }
    const k = frameAt(gd.__frames, event.detail.name);
    if (k !== gd.__at) show(gd, Plotly, k);
  };
  document.addEventListener(STEP_EVENT, onStep);
}

function wire(gd, Plotly) {
  const p = gd.__player;
  const stop = () => { clearTimeout(gd.__timer); gd.__timer = null; };
  const tick = async () => {
    if (gd.__at >= gd.__frames.length - 1) { stop(); return; }
    const timer = gd.__timer;
    await show(gd, Plotly, gd.__at + 1);
    if (gd.__timer !== timer) return;  // paused (or played again) while this frame drew
    gd.__timer = setTimeout(tick, Number(p.speed.value));
  };
  p.play.addEventListener("click", async () => {
    stop();
    if (gd.__at >= gd.__frames.length - 1) await show(gd, Plotly, 0);  // from the start
    gd.__timer = setTimeout(tick, Number(p.speed.value));
  });
  p.pause.addEventListener("click", stop);
  p.slider.addEventListener("input", () => { stop(); show(gd, Plotly, Number(p.slider.value)); });
}
"""


def player_height(screen: Screen) -> float:
    """Pixels the player takes under the chart: one row, two on a phone (it wraps)."""
    rows = 2 if screen.stacked else 1
    return rows * (1.6 * Style.of(screen).font + 16) + 8


def below_player(screen: Screen) -> Screen:
    """The room left for the figure itself once the player has its row."""
    return replace(screen, height=screen.height - player_height(screen))


@functools.cache
def _loader() -> Callable[..., Any]:
    js = PLOTLY_JS.read_text(encoding="utf-8") + "\nexport default function () {}\n"
    return st.components.v2.component("descent_lab_plotly", js=js)


def _chart_js() -> str:
    """The component's JavaScript with the Play speeds of :mod:`plotting.animation`."""
    return (_CHART_JS.replace("__SPEEDS__", json.dumps(list(SPEEDS.items()), ensure_ascii=False))
            .replace("__NORMAL_MS__", str(SPEEDS[NORMAL_SPEED])))


@functools.cache
def _chart() -> Callable[..., Any]:
    return st.components.v2.component("descent_lab_race_chart", js=_chart_js(),
                                      isolate_styles=False)


@functools.cache
def _follower() -> Callable[..., Any]:
    return st.components.v2.component("descent_lab_step_chart", js=_chart_js(),
                                      isolate_styles=False)


def load_plotly() -> None:
    """Mount plotly.js (invisible); its message is the same on every run."""
    _loader()(key="plotly_js", width="content", height=0)


def race_chart(figure: dict, config: dict, *, key: str, font: float
               ) -> tuple[float, float] | None:
    """Draw ``figure`` (a figure as a dict: data, layout, frames) with Plotly ``config``,
    its player (Play/Pause, step slider, speed) under it at ``font`` pixels; ``(x, y)``
    of a click on its start picker in the last run, or None."""
    payload = json.dumps({"figure": figure, "config": config, "font": font},
                         separators=(",", ":"))
    result = _chart()(key=key, data=payload.encode(), on_click_change=lambda: None)
    click = result.get("click") if result is not None else None
    if isinstance(click, dict):  # a browser may send anything: finite numbers only
        x, y = finite(click.get("x")), finite(click.get("y"))
        if x is not None and y is not None:
            return x, y
    return None


def step_chart(figure: dict, config: dict, *, key: str) -> None:
    """Draw ``figure`` (frames named by step, as the race chart's) with no player of its
    own: it shows the step the race chart shows, following its Play, Pause and slider.
    A step the figure has no frame for shows its last frame before that step."""
    payload = json.dumps({"figure": figure, "config": config, "follow": True},
                         separators=(",", ":"))
    _follower()(key=key, data=payload.encode())
