// Descent Lab's race chart (a Streamlit Components v2 component; README.md beside this
// file lists the messages). It draws a Plotly figure with plotly.js's public API (newPlot,
// animate; one internal is relied on, rememberArrayAttributes below) and keeps it: a
// message that carries one run's traces changes those traces and their steps, and leaves
// the contour, the layout and the other runs alone.

// Plotly.animate without a transition or a redraw: the scatter traces move in place.
const ANIMATE = {mode: "immediate", transition: {duration: 0},
                 frame: {duration: 0, redraw: false}};

// The race chart announces each step it shows; a follower (a panel's chart with the same
// frame names) shows the same step.
const STEP_EVENT = "descent-lab:step";

// plotly.js, once per page: the plotly package's own plotly.min.js, served by the app's
// static folder (``name`` under app/static/), compressed on the way, and run from a script
// tag: the browser keeps the file in its cache and, from the second load on, the code it
// compiled from it. The measuring component (viewport.js) may have preloaded it.
function loadPlotly(name) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__descentPlotly) {
    // This module is served at <base>/_stcore/bidi-components/<component>/race_chart.js.
    const src = new URL(`../../../app/static/${name}`, import.meta.url).href;
    window.__descentPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => (window.Plotly ? resolve(window.Plotly)
                                           : reject(new Error(`no Plotly in ${src}`)));
      script.onerror = () => {
        script.remove();
        window.__descentPlotly = null;  // the next message tries again
        reject(new Error(`plotly.js could not be loaded from ${src}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__descentPlotly;
}

// plotly.js works out which attributes of each trace hold arrays
// (Plotly.PlotSchema.findArrayAttributes) every time it recalculates a figure, once a move
// and once a frame of Play, for every trace, by crawling the trace type's whole attribute
// schema: about a sixth of a frame of the lecture's race (README.md). The answer
// depends on the trace's type and on which of its attributes hold arrays only; a walk of
// the trace finds those in a hundredth of the time, and the answers are kept by them. The
// one plotly.js internal the page relies on: tests/test_plotly_internals_browser.py checks
// every trace of the page's charts against plotly.js's own answer (``__plotly``).
function rememberArrayAttributes(Plotly) {
  const schema = Plotly.PlotSchema;
  if (!schema || typeof schema.findArrayAttributes !== "function"
      || schema.findArrayAttributes.__plotly) return;
  const find = schema.findArrayAttributes;
  const answers = new Map();
  const remembered = (trace) => {
    const key = arrayKey(trace);
    if (key === null) return find(trace);
    if (!answers.has(key)) answers.set(key, find(trace));
    return answers.get(key).slice();
  };
  remembered.__plotly = find;
  schema.findArrayAttributes = remembered;
}

// "type|path,path,..." of the trace's attributes that hold arrays (plain or typed), from
// a walk of its own keys (not plotly.js's "_" ones) down to paths of five names (a trace's
// attributes nest three deep at most: marker.line.color); null when an array holds
// objects (plotly.js looks into those items: asked every time).
function arrayKey(trace) {
  const paths = [];
  let plain = true;
  const walk = (container, prefix, depth) => {
    for (const name of Object.keys(container)) {
      if (name[0] === "_") continue;
      const value = container[name];
      if (Array.isArray(value)) {
        if (value.some((item) => item !== null && typeof item === "object")) plain = false;
        paths.push(prefix + name);
      } else if (ArrayBuffer.isView(value)) {
        paths.push(prefix + name);
      } else if (value !== null && typeof value === "object" && depth < 4) {
        walk(value, `${prefix}${name}.`, depth + 1);
      }
    }
  };
  walk(trace, "", 0);
  return plain ? `${trace.type}|${paths.join(",")}` : null;
}

// Play/Pause, the step slider with its "step N" label and the speed menu, in HTML under
// the chart: a row that wraps on a narrow screen, so that nothing can overlap
// (race_chart.css lays it out).
function makePlayer(root, speeds, normal) {
  const element = (tag, props) => Object.assign(document.createElement(tag), props);
  const bar = element("div", {className: "descent-player"});
  const play = element("button", {type: "button", textContent: "▶ Play", name: "play"});
  const pause = element("button", {type: "button", textContent: "❚❚ Pause", name: "pause"});
  const buttons = element("span", {className: "descent-buttons"});
  buttons.append(play, pause);
  const label = element("label", {className: "descent-scrub"});
  const step = element("span", {className: "descent-step"});
  const slider = element("input", {type: "range", min: "0", step: "1"});
  slider.setAttribute("aria-label", "step");
  label.append(step, slider);
  const speed = element("select", {});
  speed.setAttribute("aria-label", "speed");
  for (const [text, ms] of speeds) {
    speed.appendChild(element("option", {value: String(ms), textContent: `speed ${text}`}));
  }
  speed.value = String(normal);
  bar.append(buttons, label, speed);
  root.appendChild(bar);
  return {bar, play, pause, step, slider, speed};
}

// Frames as framesOf makes them (or a follower's, each frame setting every trace): each
// names the frame before it as its ``baseframe`` and carries the traces that changed. Each frame resolved to every animated
// trace's update, for a jump to it.
function resolve(frames) {
  let state = new Map();
  return frames.map((frame) => {
    state = frame.baseframe ? new Map(state) : new Map();
    frame.traces.forEach((trace, j) => {
      state.set(trace, {...(state.get(trace) || {}), ...frame.data[j]});
    });
    return {name: frame.name, traces: [...state.keys()], data: [...state.values()]};
  });
}

// A whole figure's frames from the frames' names and each animated trace's steps
// (README.md): each frame holds what changed since the one before it.
function framesOf(names, steps) {
  const frames = names.map((name, k) => ({name, ...(k ? {baseframe: names[k - 1]} : {}),
                                          traces: [], data: []}));
  for (const [t, trace] of Object.entries(steps)) replaceSteps(frames, Number(t), unpack(trace));
  return frames;
}

// ``value`` set at ``name`` in ``update``: a column named by a path (``marker.size``) in
// its nested attribute.
function setPath(update, name, value) {
  const path = name.split(".");
  const last = path.pop();
  let inner = update;
  for (const part of path) inner = inner[part] = inner[part] || {};
  inner[last] = value;
}

// A trace's steps sent as columns (README.md) as ``[[k, update], ...]``.
function unpack(steps) {
  if (Array.isArray(steps)) return steps;
  const names = Object.keys(steps.columns);
  const ks = Array.isArray(steps.k) ? steps.k  // else frames that follow one another
    : Array.from({length: steps.k.count}, (_, j) => steps.k.from + j);
  // A column with ``take``: its arrays decoded once; step j is the first n values of the
  // i-th, take[j] = [i, n].
  const sent = Object.fromEntries(names.filter((name) => steps.columns[name].take)
    .map((name) => {
      const {dtype, bdata} = steps.columns[name];
      return [name, bdata.map((text) => values({dtype, bdata: text}))];
    }));
  const value = (name, j) => {
    const column = steps.columns[name];
    if (Array.isArray(column)) return column[j];
    if (!column.take) return {dtype: column.dtype, bdata: column.bdata[j]};
    const [i, n] = column.take[j];
    return sent[name][i].subarray(0, n);  // a view: the array is decoded once
  };
  return ks.map((k, j) => {
    const update = {};
    for (const name of names) setPath(update, name, value(name, j));
    return [k, update];
  });
}

// ``trace`` with each attribute its steps send already (``{sent: j}``, README.md) put
// back: the j-th array of the column of that name, as Plotly's typed array spec.
function resent(trace, steps) {
  const out = {...trace};
  for (const [name, value] of Object.entries(trace)) {
    if (value && value.sent !== undefined) {
      const column = steps.columns[name];
      out[name] = {dtype: column.dtype, bdata: column.bdata[value.sent]};
    }
  }
  return out;
}

// A move's steps of trace ``t``, ``[[k, update], ...]``, put into the frames in place of
// the steps the trace had.
function replaceSteps(frames, t, steps) {
  for (const frame of frames) {
    const keep = frame.traces.map((trace, j) => j).filter((j) => frame.traces[j] !== t);
    if (keep.length !== frame.traces.length) {
      frame.data = keep.map((j) => frame.data[j]);
      frame.traces = keep.map((j) => frame.traces[j]);
    }
  }
  for (const [k, update] of steps) {
    frames[k].traces.push(t);
    frames[k].data.push(update);
  }
}

// The index of the frame named ``name`` (a step), else of the last frame before it.
function frameAt(frames, name) {
  const exact = frames.findIndex((f) => f.name === name);
  if (exact >= 0 || name === undefined) return exact >= 0 ? exact : frames.length - 1;
  let k = frames.length - 1;
  while (k > 0 && Number(frames[k].name) > Number(name)) k -= 1;
  return k;
}

export default function ({ parentElement, data, setTriggerValue }) {
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  const message = JSON.parse(text);
  let gd = parentElement.querySelector(".descent-race");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "descent-race";
    parentElement.appendChild(gd);
    gd.__follow = Boolean(message.follow);
  }
  gd.__setTrigger = setTriggerValue;  // the latest: a rerun hands over a new one
  // One message at a time, in the order they came.
  return enqueue(gd, () => receive(gd, message));
}

// ``work`` after everything queued before it on the chart: the messages and the player's
// jumps, one at a time (Plotly.animate cuts short an animation still running, rejecting its
// promise: a move applied during Play would stop half way).
function enqueue(gd, work) {
  gd.__queue = (gd.__queue || Promise.resolve()).then(work)
    .catch((error) => console.error("race chart:", error));
  return gd.__queue;
}

// The player's jump to frame ``k`` (Play's next frame, the slider, the clicker, a
// follower's step), queued; jumps asked while one waits go to the latest frame asked.
function jump(gd, Plotly, k) {
  gd.__wanted = k;
  if (!gd.__jumping) {
    gd.__jumping = enqueue(gd, () => {
      gd.__jumping = null;
      return show(gd, Plotly, Math.min(gd.__wanted, gd.__frames.length - 1));
    });
  }
  return gd.__jumping;
}

async function receive(gd, message) {
  const lectureAt = lecture(gd, message.lecture);
  if (message.rev === gd.__rev) {  // drawn already: a rerun that changed nothing here
    if (lectureAt !== null && gd.__frames) {
      gd.__stop?.();
      await show(gd, window.Plotly, frameFor(gd, lectureAt));
    }
    return;
  }
  if (!message.figure && (message.base == null || message.base !== gd.__rev)) {
    // A change to a figure this chart does not have (mounted anew, or handed only a later
    // run's message): ask for it whole.
    gd.__setTrigger("resync", {has: gd.__rev ?? null});
    return;
  }
  const Plotly = await loadPlotly(message.plotly);
  rememberArrayAttributes(Plotly);
  const end = message.figure ? await draw(gd, Plotly, message) : await move(gd, Plotly, message);
  if (gd.__player && message.font) gd.__player.bar.style.fontSize = `${message.font}px`;
  gd.__rev = message.rev;
  // The figure shows its last frame; a visitor who had scrubbed elsewhere stays there,
  // and a follower shows the race's step.
  let at = gd.__follow ? frameAt(gd.__frames, window.__descentStep)
                       : Math.min(gd.__at ?? end, end);
  if (lectureAt !== null) at = frameFor(gd, lectureAt);
  if (lectureAt !== null) gd.__stop?.();
  gd.__at = end;
  if (gd.__player) gd.__player.slider.max = String(Math.max(0, end));
  await show(gd, Plotly, at, at === end);
  gd.__revision = (gd.__revision || 0) + 1;  // what the page shows changed (for tests)
}

// A whole figure (a new surface, screen or view): drawn anew. Returns its last frame.
async function draw(gd, Plotly, message) {
  const {figure, config} = message;
  if (!gd.__follow && !gd.__player) {
    gd.__player = makePlayer(gd.parentNode, message.speeds, message.normal);
  }
  gd.__frames = framesOf(figure.names, figure.steps);
  gd.__resolved = resolve(gd.__frames);
  const data = figure.data.map((trace, i) => resent(trace, figure.steps[i]));
  gd.__loss = lossCurves(data);
  gd.__clipped = null;  // newPlot drew the curves whole
  // No zoom reset on a double click: a double tap is how a touch screen picks the start.
  await Plotly.newPlot(gd, {data, layout: figure.layout,
                            config: {...config, doubleClick: false}});
  gd.__at = gd.__frames.length - 1;  // a new figure shows its last step
  gd.on("plotly_click", (event) => {  // newPlot dropped the last plot's listeners
    const point = event.points && event.points[0];
    const start = point && point.data && point.data.name === "start picker"
      ? picked(gd, point) : null;
    if (start) gd.__setTrigger("click", start);
  });
  if (!gd.__wired) {
    gd.__wired = true;
    watchTaps(gd);
    if (gd.__follow) listen(gd, Plotly); else wire(gd, Plotly);
  }
  return gd.__frames.length - 1;
}

// On a touch screen a tap on the contour is often a stray one (scrolling the page, a
// thumb resting): the start moves only on a double tap, two taps within DOUBLE_TAP_MS and
// TAP_SLOP pixels of each other (counted from the touches themselves: Plotly may report
// one tap as two clicks; timed by when the finger lifted, not by when a busy page got to
// the event). A mouse's click moves it at once.
const DOUBLE_TAP_MS = 500, TAP_SLOP = 30;
function watchTaps(gd) {
  gd.__taps = [];
  gd.addEventListener("touchend", (event) => {
    const touch = event.changedTouches[0];
    gd.__taps = [...gd.__taps.slice(-1),
                 {x: touch.clientX, y: touch.clientY, at: event.timeStamp}];
  }, {capture: true, passive: true});
}
// The start a click picks: the clicked point for a mouse; on a touch screen, after a
// double tap only, the start picker's point nearest the second tap (Plotly's own pick
// for a tap may be a neighbour), else null.
function picked(gd, point) {
  if (!window.matchMedia("(pointer: coarse)").matches) return {x: point.x, y: point.y};
  const [first, second] = gd.__taps || [];
  if (!(first && second && second.at - first.at < DOUBLE_TAP_MS
        && Math.hypot(second.x - first.x, second.y - first.y) < TAP_SLOP)) return null;
  gd.__taps = [];
  const trace = point.fullData || point.data, full = gd._fullLayout;
  const xa = full[(trace.xaxis || "x").replace("x", "xaxis")];
  const ya = full[(trace.yaxis || "y").replace("y", "yaxis")];
  const box = gd.getBoundingClientRect();
  const px = second.x - box.left - xa._offset, py = second.y - box.top - ya._offset;
  let best = null, distance = Infinity;
  trace.x.forEach((x, k) => {
    const d = Math.hypot(xa.l2p(x) - px, ya.l2p(trace.y[k]) - py);
    if (d < distance) { distance = d; best = {x, y: trace.y[k]}; }
  });
  return best;
}

// What a move changed: some traces (a run's path, marks and loss curve) and their steps.
async function move(gd, Plotly, message) {
  const indices = Object.keys(message.traces).map(Number);
  const traces = Object.fromEntries(indices.map((i) => [i, resent(message.traces[i],
                                                                  message.steps[i])]));
  if (indices.length) {
    await Plotly.animate(gd, {data: indices.map((i) => traces[i]), traces: indices}, ANIMATE);
  }
  for (const i of indices) {  // a moved run's loss curve: drawn whole again
    if (gd.__loss.has(i) && traces[i].y !== undefined) {
      gd.__loss.set(i, values(traces[i].y));
      // Curves cut at a step: some are whole now, so set them all again; curves shown
      // whole stay whole (no second redraw).
      if (gd.__clipped !== null) gd.__clipped = undefined;
    }
  }
  for (const [t, steps] of Object.entries(message.steps)) {
    replaceSteps(gd.__frames, Number(t), unpack(steps));
  }
  gd.__resolved = resolve(gd.__frames);
  return gd.__frames.length - 1;
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
  const update = frame && frame.traces.length && !drawn
    ? {data: [...frame.data], traces: [...frame.traces]} : {data: [], traces: []};
  clipLoss(gd, frame, update);
  if (update.traces.length) await Plotly.animate(gd, update, ANIMATE);
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
    if (k !== gd.__at) jump(gd, Plotly, k);
  };
  document.addEventListener(STEP_EVENT, onStep);
}

function wire(gd, Plotly) {
  const p = gd.__player;
  // Each Play is a run of its own; Pause (or a new Play) ends the one going on, also
  // while it waits for a frame to be drawn.
  let playing = 0;
  const stop = () => { clearTimeout(gd.__timer); gd.__timer = null; playing += 1; };
  gd.__stop = stop;
  const tick = async (run) => {
    if (run !== playing) return;
    if (gd.__at >= gd.__frames.length - 1) {
      stop();
      if (!raceEnded(gd)) paused(gd, null);
      return;
    }
    await jump(gd, Plotly, gd.__at + 1);
    if (run === playing) gd.__timer = setTimeout(tick, Number(p.speed.value), run);
  };
  p.play.addEventListener("click", async () => {
    stop();
    played(gd);
    const run = playing;
    if (gd.__at >= gd.__frames.length - 1) await jump(gd, Plotly, 0);  // from the start
    if (run === playing) gd.__timer = setTimeout(tick, Number(p.speed.value), run);
  });
  // Pause and a let-go slider report the frame shown once the jump asked before is shown.
  p.pause.addEventListener("click", () => { stop(); enqueue(gd, () => paused(gd, gd.__at)); });
  p.slider.addEventListener("input", () => {
    stop();
    played(gd);
    jump(gd, Plotly, Number(p.slider.value));
  });
  p.slider.addEventListener("change", () => enqueue(gd, () => paused(gd, gd.__at)));
  listenForKeys(gd);
}

// --- Predict, then reveal: the loss curves grow with the race while the claim is hidden ---

// Plotly's typed arrays as the figure sends them ({dtype, bdata}: base64 of
// little-endian values), or a plain array as it is.
const TYPED = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
               i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array};
function values(v) {
  if (!v || v.bdata === undefined) return v;
  const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
  return new TYPED[v.dtype](bytes.buffer);
}

// The loss panel's curve of each run (a line in a run's legend group whose x is the step,
// from step 0: ``x0`` 0, ``dx`` 1, as plotting.loss.loss_curves draws it, on whichever
// axes the view puts it), by trace index: its loss at each step.
function lossCurves(data) {
  const curves = new Map();
  data.forEach((trace, i) => {
    if (trace.mode === "lines" && trace.x == null && trace.x0 === 0 && trace.dx === 1
        && String(trace.legendgroup || "").startsWith("run")) curves.set(i, values(trace.y));
  });
  return curves;
}

// While a lecture step's claim is hidden (``lecture.open``), the loss panel shows each
// run's curve up to the step shown, not the race's outcome; else the curves whole. The
// curves' updates are added to ``update`` (a Plotly.animate's data and traces) when the
// step they end at changed (``gd.__clipped``: that step; null: whole; undefined: unknown).
function clipLoss(gd, frame, update) {
  const open = gd.__lecture && gd.__lecture.open && frame;
  const step = open ? Number(frame.name) : null;
  if (!gd.__loss || step === gd.__clipped) return;
  gd.__clipped = step;
  for (const [i, y] of gd.__loss) {
    update.traces.push(i);
    update.data.push({y: step === null ? y : y.slice(0, step + 1)});
  }
}

// --- The lecture: predict, then reveal; the clicker's keys (README.md, "The lecture") ---

// Take the message's ``lecture`` ({keys, open, stage, report, at}); the frame the chart
// must show for it (``{step}``: a room's lecturer paused the race at that step; 0: a step
// entered, its race not played yet; "end": the step left before its race was played, so
// the whole path shows), or null: the step's frame as it is.
function lecture(gd, told) {
  if (gd.__follow) return null;
  const before = gd.__lecture || {};
  const now = told || {keys: false, open: null, stage: "ask"};
  gd.__lecture = now;
  if (now.at != null) return now.at !== before.at ? {step: now.at} : null;
  if (now.open && now.stage === "ask" && gd.__raced !== now.open) return 0;
  if (now.at == null && before.at != null) return "end";  // the lecturer's race went on
  if (before.open && before.open !== now.open && !now.open) return "end";
  return null;
}

// The frame index of what ``lecture`` returned.
function frameFor(gd, at) {
  if (at === "end") return gd.__frames.length - 1;
  return typeof at === "object" ? frameAt(gd.__frames, String(at.step)) : at;
}

// On a room's lecturer's page (``lecture.report``), the race paused at frame ``k`` (null:
// it ran to its end, the whole path shows): reported as the step, for the followers.
function paused(gd, k) {
  if (!gd.__lecture || !gd.__lecture.report) return;
  const frame = k === null ? null : gd.__frames[k];
  gd.__setTrigger("lecture", {action: "paused", at: frame ? Number(frame.name) : null});
}

// Play was pressed or the slider moved: the step's race has been played.
function played(gd) {
  if (gd.__lecture && gd.__lecture.open) gd.__raced = gd.__lecture.open;
}

// The race reached its last step while the step's claim is hidden: the claim shows.
// Whether it was reported.
function raceEnded(gd) {
  const l = gd.__lecture;
  if (l && l.open && l.stage === "ask" && gd.__raced === l.open) {
    gd.__setTrigger("lecture", {action: "ended", open: l.open});
    return true;
  }
  return false;
}

// Forward: play the step's race if it has not been played, else show its claim, else
// the next step (the lecture bar's button, as a click would).
function forward(gd) {
  const l = gd.__lecture;
  const p = gd.__player;
  if (l.open && l.stage === "ask") {
    if (gd.__raced !== l.open) { p.play.click(); return; }
    gd.__stop?.();
    jump(gd, window.Plotly, gd.__frames.length - 1);
    gd.__setTrigger("lecture", {action: "reveal", open: l.open});
    return;
  }
  pressBar("lecture_next");
}

function pressBar(key) {
  const button = document.querySelector(`.st-key-${key} button`);
  if (button && !button.disabled) button.click();
}

// A field that takes typing keeps its arrows (the caret moves); PageUp and PageDown
// are the lecture's everywhere.
function typing(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA") return true;
  return target.tagName === "INPUT" && target.getAttribute("role") !== "combobox"
         && !["range", "button", "checkbox", "radio"].includes(target.type);
}

// The clicker's keys, listened for once per page, in the capture phase on the window
// (the component is drawn in the page's own document, not in a frame), so that no
// slider, button or scrolling container sees them first; the latest race chart acts.
function listenForKeys(gd) {
  window.__descentRace = gd;
  if (window.__descentKeys) return;
  window.__descentKeys = true;
  window.addEventListener("keydown", (event) => {
    const race = window.__descentRace;
    if (!race || !race.isConnected || !race.__lecture || !race.__lecture.keys) return;
    const ahead = event.key === "PageDown" || event.key === "ArrowRight";
    const back = event.key === "PageUp" || event.key === "ArrowLeft";
    if (!ahead && !back) return;
    if (event.key.startsWith("Arrow") && typing(event.target)) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.repeat || !race.__frames) return;
    if (ahead) forward(race); else pressBar("lecture_prev");
  }, {capture: true});
}
