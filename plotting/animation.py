"""Animation that grows linearly with steps: capped frames, chunked paths.

Plotly's documented animation has one frame per step, each carrying every
path so far, so its size grows with the square of the number of steps. Here:

* At most ``MAX_FRAMES`` frames: frame ``k`` shows step ``steps_at[k]``,
  evenly spaced from 0 to the last step (every 6th step of 300, every
  17th of 1,000: see :func:`frame_steps`).
* Each run's path is split into blocks of ``block`` steps, one static trace
  per block (the data is sent once). A frame only sets each block's
  ``opacity`` (1 once the block is wholly behind the current step, else 0)
  and carries the "tail": the few points from the last whole block to the
  current step. Opacity and data are what Plotly's ``redraw: false``
  transitions apply to scatter traces (``visible`` is not), so playback
  never redraws the contour.
* Frames are sent as changes (:meth:`plotting.build.Layers.frames` with
  ``delta``): the first frame sets every animated trace, each later one names
  the frame before it as its ``baseframe`` and holds only the traces whose
  update differs, so a block's toggle is sent once, in the frame that passes
  it. Plotly resolves a frame by merging it onto its chain of base frames
  (``computeFrame``), so every frame still fully determines the picture and
  the slider can jump anywhere, backwards included
  (``tests.measures.resolve_frames`` does the same in Python, for the tests).

A tail point costs about 11 bytes of JSON (two float32 in base64), a toggle
about 18 once, and each block is a trace that the browser handles at every
frame (about 0.35 ms each in headless Chromium), so blocks are a few frame
strides long (:func:`block_size`) and the whole animation is O(steps).

Blocks are how a file of its own (Plotly's own player) draws every path, and how
the page draws a path with dots or a fan. The page's race chart plays the frames
itself and is sent a path drawn so far once, each frame its length
(``controls.race_chart.columns``), so there any other path is one trace: a single
block past the run's last step leaves it all tail (``plotting.figure.scene_spec``).
"""

from __future__ import annotations

import math

import numpy as np

from plotting.encode import typed
from plotting.runs import RunTrace

MAX_FRAMES = 60
# JSON bytes of one block toggle in a frame, and of one tail point.
TOGGLE_BYTES = 18
TAIL_POINT_BYTES = 11
# Play speeds: milliseconds per frame (the frame count is capped, so a full
# playback takes about the same time however many steps there are).
SPEEDS = {"¼×": 320, "½×": 160, "1×": 80, "2×": 40}
NORMAL_SPEED = "1×"

SHOWN = {"opacity": 1}
HIDDEN = {"opacity": 0}
# A path with a trail: its blocks further behind the step than the trail are this faint.
FADED_OPACITY = 0.3


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The step each frame shows: 0, every ``stride``-th step, and the last."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    stride = max(1, math.ceil(steps / max(1, max_frames - 1)))
    return np.unique(np.r_[np.arange(0, steps, stride), steps]).astype(int)


def run_frame_steps(runs: list[RunTrace], max_frames: int = MAX_FRAMES) -> np.ndarray:
    """:func:`frame_steps` of runs that must all have the same number of steps."""
    steps = {r.steps for r in runs}
    if len(steps) > 1:
        raise ValueError(f"every run needs the same number of steps, got {sorted(steps)}")
    return frame_steps(steps.pop() if runs else 0, max_frames)


def block_size(steps_at: np.ndarray) -> int:
    """Steps per path block: a whole number of frame strides, balancing blocks and tails.

    With ``n`` frames a stride ``s`` apart and blocks of ``m`` strides, a run
    has about ``n / m`` blocks (each a trace: ``TOGGLE_BYTES`` stands for its
    cost in the browser and in the frames) and a tail of ``m * s / 2`` points
    on average in each frame, balanced at
    ``m = sqrt(2 * TOGGLE_BYTES * n / (TAIL_POINT_BYTES * s))``: 30 steps of 300,
    10 blocks a run.
    """
    if len(steps_at) < 2:
        return 1
    stride = int(steps_at[1] - steps_at[0])
    m = math.sqrt(2 * TOGGLE_BYTES * len(steps_at) / (TAIL_POINT_BYTES * stride))
    return stride * max(1, round(m))


def _coords(columns: tuple[np.ndarray, np.ndarray], z: np.ndarray | None, lo: int, hi: int,
            sizes: np.ndarray | None = None) -> dict:
    """Steps ``lo`` to ``hi - 1`` as ``x`` and ``y`` (from ``columns``, the path's x and y
    as float32, converted once for all its frames), and ``z``, the height, if given; and
    the markers' sizes, if given."""
    xs, ys = columns
    coords = {"x": typed(xs[lo:hi]), "y": typed(ys[lo:hi])}
    if z is not None:
        coords["z"] = typed(z[lo:hi])
    if sizes is not None:
        coords["marker"] = {"size": typed(sizes[lo:hi], np.uint8)}
    return coords


def path_layers(run: RunTrace, block: int, steps_at: np.ndarray,
                style: dict, z: np.ndarray | None = None,
                sizes: np.ndarray | None = None,
                trail: int | None = None) -> list[tuple[dict, list[dict]]]:
    """The traces that draw a run's path, each with its update for every frame.

    Blocks ``j = 0, 1, ...`` hold ``points[j * block : (j + 1) * block + 1]``
    (neighbours share an end point, so the line is unbroken) for every whole
    block up to the run's last finite point; the tail holds the rest up to
    the frame's step. ``style`` is merged into each trace (line, axes, ...;
    ``"type": "scatter3d"`` for a 3D path, whose height per step is ``z``).
    ``sizes`` (a marker size per step, 0 for none) draws dots on the path
    (:mod:`plotting.marks`), in ``style["marker"]``. With a ``trail`` (steps), a
    block that ended more than that far behind the frame's step is drawn faint
    (:data:`FADED_OPACITY`): under noise the path's recent steps stand out against
    where it has been.
    """
    last = run.last
    shown_end = np.minimum(steps_at, last)  # a diverged run stops at its last point
    pts = run.points
    columns = (np.ascontiguousarray(pts[:, 0], dtype=np.float32),
               np.ascontiguousarray(pts[:, 1], dtype=np.float32))
    mode = "lines" if sizes is None else "lines+markers"
    layers = []
    for j in range(max(0, last) // block):
        lo, hi = j * block, (j + 1) * block
        trace = {"type": "scatter", "mode": mode, "hoverinfo": "skip", "showlegend": False,
                 **style}
        trace = _with(trace, _coords(columns, z, lo, hi + 1, sizes))
        layers.append((trace, [shown(hi, e, trail) for e in shown_end]))
    tail = {"type": "scatter", "mode": mode, "hoverinfo": "skip", "showlegend": False,
            **style}
    updates = []
    for e in shown_end:
        start = (e // block) * block if e >= 0 else 0
        updates.append(_coords(columns, z, start, e + 1, sizes))
    layers.append((tail, updates))
    return layers


def shown(end: int, step: int, trail: int | None, opacity: float = 1.0,
          faded: float = FADED_OPACITY) -> dict:
    """A block's update at a frame: hidden until ``step`` reaches its ``end``, then at
    ``opacity``, and ``faded`` once it lies more than ``trail`` steps behind."""
    if end > step:
        return HIDDEN
    if trail is not None and step - end > trail:
        return {"opacity": faded}
    return SHOWN if opacity == 1 else {"opacity": opacity}


def _with(trace: dict, update: dict) -> dict:
    """``trace`` with ``update`` merged in, nested attributes (``marker``) key by key."""
    out = dict(trace)
    for key, value in update.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict) and "dtype" not in value
        out[key] = {**out[key], **value} if both else value
    return out


def positions(runs: list[RunTrace], steps_at: np.ndarray,
              heights: list[np.ndarray] | None = None) -> list[dict]:
    """For each frame, the runs' positions at its step (NaN once a run diverged).

    ``heights`` (one array per run, a height per step) adds ``z`` for a 3D view.
    """
    xy = np.stack([r.points[steps_at] for r in runs], axis=1)
    z = None if heights is None else np.stack([h[steps_at] for h in heights], axis=1)
    return [{"x": typed(xy[k, :, 0]), "y": typed(xy[k, :, 1]),
             **({} if z is None else {"z": typed(z[k])})} for k in range(len(steps_at))]


# Plotly's own colours for its buttons and slider, named so that a dark figure swaps them.
MENU_COLORS = {"bgcolor": "#f4faff", "bordercolor": "#bec8d9"}
SLIDER_COLORS = {"bgcolor": "#f8fafc", "activebgcolor": "#dbdde0", "bordercolor": "#bec8d9",
                 "tickcolor": "#333333"}


def controls(names: list[str], steps_at: np.ndarray, active: int, *, font_size: float,
             y: float, slider_y: float | None = None, slider_x: tuple[float, float] = (0.2, 0.66),
             redraw: bool = False) -> tuple[list[dict], list[dict]]:
    """Play/Pause and the speed menu at the ends of a row at height ``y`` (paper
    units), the step slider between them, or on a row of its own at ``slider_y``;
    ``slider_x`` is the slider's left end and length.

    Returns ``(updatemenus, sliders)``. Play continues from the current frame
    (from the start when at the end); a speed sets Play's frame duration
    (Plotly's ``relayout`` of the button's own arguments). The slider has
    one step per frame and jumps to it. ``redraw=True`` is for frames of 3D
    traces, which Plotly applies only by redrawing the whole scene.
    """
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": redraw},
            "transition": {"duration": 0}}
    play = {"mode": "immediate", "fromcurrent": True,
            "frame": {"duration": SPEEDS[NORMAL_SPEED], "redraw": redraw},
            "transition": {"duration": 0}}
    font = {"size": font_size}
    buttons = {
        "type": "buttons", "direction": "left", "showactive": False,
        "x": 0.0, "xanchor": "left", "y": y, "yanchor": "top",
        "pad": {"t": 0, "r": 6}, "font": font, **MENU_COLORS,
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], jump]},
        ],
    }
    speed_key = "updatemenus[0].buttons[0].args[1].frame.duration"
    speeds = {
        "type": "dropdown", "direction": "up", "showactive": True,
        "active": list(SPEEDS).index(NORMAL_SPEED),
        "x": 1.0, "xanchor": "right", "y": y, "yanchor": "top", "font": font,
        "pad": {"t": 0}, "name": "speed", **MENU_COLORS,
        "buttons": [{"label": f"speed {label}", "method": "relayout",
                     "args": [{speed_key: ms}]} for label, ms in SPEEDS.items()],
    }
    slider = {
        "active": active, "x": slider_x[0], "len": slider_x[1],
        "y": y if slider_y is None else slider_y, "yanchor": "top",
        # Tick labels (one per frame) would overlap; the current value says the step.
        "pad": {"t": 0, "b": 0}, "font": {"color": "rgba(0, 0, 0, 0)"},
        "currentvalue": {"prefix": "step ", "xanchor": "left",
                         "font": {"size": font_size, "color": "#222222"}},
        "ticklen": 4, **SLIDER_COLORS,
        "steps": [{"label": str(int(s)), "method": "animate", "args": [[name], jump]}
                  for name, s in zip(names, steps_at, strict=True)],
    }
    return [buttons, speeds], [slider]
