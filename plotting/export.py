"""The current scene to take away: a standalone HTML page, the trajectories as CSV, a PNG.

* :func:`scene_html`: one HTML file holding the scene's figure, the whole of
  plotly.js (from the installed plotly package, about 4.7 MB) and a short
  description of the scene with its link. Nothing is fetched when it opens (no
  CDN, no MathJax, no web fonts), so it plays in a lecture hall without network.
* :func:`trajectories_csv`: one row per run, seed and step (columns in
  :data:`CSV_COLUMNS`, documented in docs/panels.md, "3D view, export and
  presenter mode"), every number to 12 significant digits.
* PNG: :func:`chart_config` puts Plotly's "Download plot as png" button in
  every chart's toolbar (the camera icon), which draws the PNG in the browser,
  offline; there is no server-side PNG (that would need kaleido and a Chrome).
  :func:`image_figure` is the scene as a picture to save so: still, at its last
  step, with a title and a line saying what it shows (:func:`image_text`), so
  that a PNG on a slide says what it is.
"""

from __future__ import annotations

import csv
import html
import io
import re
import textwrap
from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from optimizers import OPTIMIZERS
from plotting.build import BuiltFigure, build_figure
from plotting.contour import MINUS
from scenes import RunSpec, Scene
from scenes.compute import Trajectory
from scenes.links import scene_to_query
from surfaces import Surface

PNG_SCALE = 2  # the PNG has twice the chart's pixels: sharp on a slide
FIGURE_ID = "descent-lab-figure"

# Every hyperparameter of every optimizer: the lecture's order, then any other.
_LECTURE_ORDER = ("lr", "mu", "decay_rate", "beta1", "beta2", "eps", "bias_correction")
HYPER_COLUMNS: tuple[str, ...] = tuple(sorted(
    {h.name for opt in OPTIMIZERS.values() for h in opt.hyper},
    key=lambda n: (_LECTURE_ORDER.index(n) if n in _LECTURE_ORDER else len(_LECTURE_ORDER), n)))
CSV_COLUMNS: tuple[str, ...] = (
    "run", "label", "optimizer", *HYPER_COLUMNS, "noise", "seed", "schedule", "anneal",
    "step", "x", "y", "loss", "diverged",
)


def file_stem(scene: Scene) -> str:
    """A file name for the scene without extension, e.g. ``descent-lab-ravine-300-steps``."""
    return f"descent-lab-{re.sub(r'[^a-z0-9]+', '-', scene.surface.lower())}-{scene.steps}-steps"


def chart_config(filename: str = "descent-lab") -> dict:
    """Plotly's ``config`` for a chart: a PNG download named ``filename``.png at
    :data:`PNG_SCALE` times the chart's size (the toolbar's camera icon), no logo, and
    no "Share chart..." button (plotly.js 4 would upload the chart to Plotly Cloud)."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": PNG_SCALE},
    }


CSV_DIGITS = 12  # significant digits of a number in the CSV


def _number(value: float | bool) -> str:
    """A CSV cell: a float to :data:`CSV_DIGITS` significant digits, in the shortest form
    that reads back as that (``0.1 * 3`` is written ``0.3``, not ``0.30000000000000004``:
    the last bits of float arithmetic are noise to a reader); ``true``/``false``; empty
    for NaN or infinity."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    value = float(value)
    if not np.isfinite(value):
        return ""
    value = float(f"{value:.{CSV_DIGITS}g}")
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def trajectories_csv(scene: Scene, runs: Sequence[tuple[int, RunSpec, Trajectory]]) -> str:
    """The runs' paths as CSV text: one row per run, seed and step, start (step 0) included.

    ``runs`` holds ``(index, run, trajectory)`` as the page computed them (the
    index is the run's place in the scene, 0-based, as its colour). With a fan of
    seeds each seed's path follows the run's own, with its ``seed``. From the
    step a path diverged on, ``x``, ``y`` and ``loss`` are empty and
    ``diverged`` is ``true``.
    """
    query = scene_to_query(scene)
    dynamics = scene.dynamics
    schedule, anneal = query.get("schedule", "constant"), query.get("anneal", "")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for index, run, path in runs:
        values = run.values
        hyper = [_number(values[name]) if name in values else "" for name in HYPER_COLUMNS]
        for seed, member in zip(dynamics.seeds, (path, *path.fan), strict=True):
            head = [index, dynamics.label(run.label, values), run.optimizer, *hyper,
                    _number(dynamics.noise), seed, schedule, anneal]
            last = len(member.points) if member.diverged_at is None else member.diverged_at
            for k, ((x, y), loss) in enumerate(zip(member.points, member.losses, strict=True)):
                writer.writerow([*head, k, _number(x), _number(y), _number(loss),
                                 "true" if k >= last else "false"])
    return out.getvalue()


def scene_html(figures: Sequence[go.Figure], scene: Scene, surface: Surface,
               labels: Sequence[str], *, link: str | None = None) -> str:
    """A standalone HTML page: a title, the scene in words, the figures, the scene's link.

    ``figures`` are shown one below the other (the race chart, then perhaps the
    3D view), in ``<div>`` elements with ids ``descent-lab-figure``,
    ``descent-lab-figure-2``, ... ``labels`` are the runs' labels in the
    figures' order; ``link`` the scene's query (``?surface=...``; made from
    ``scene`` when None). plotly.js is inlined once and MathJax left out, so
    nothing is loaded from the network; the animations do not start by
    themselves (press Play).
    """
    if link is None:
        link = "?" + urlencode(scene_to_query(scene), doseq=True, safe=",:=")
    name = file_stem(scene)
    plot = "\n".join(
        pio.to_html(fig.to_dict(), config=chart_config(name if n == 0 else f"{name}-{n + 1}"),
                    auto_play=False, include_plotlyjs=n == 0, include_mathjax=False,
                    full_html=False, validate=False,
                    div_id=FIGURE_ID if n == 0 else f"{FIGURE_ID}-{n + 1}",
                    default_height=f"{fig.layout.height or 560}px")
        for n, fig in enumerate(figures))
    reopen = (f"add this\nto the page's address: <code>{html.escape(link)}</code>"
              if link.strip("?") else "open\nthe page's address as it is (its default scene)")
    x, y = scene.start
    runs = "".join(f"<li>{html.escape(label)}</li>" for label in labels)
    notes = "".join(f"<p>{html.escape(line)}</p>" for line in scene.dynamics.describe())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Descent Lab: {html.escape(surface.title)}</title>
<style>
body {{ font-family: "Source Sans Pro", Arial, Helvetica, sans-serif; color: #222;
       margin: 1.5rem 2rem; }}
h1 {{ font-size: 1.6rem; margin: 0 0 0.3rem; }}
p, li {{ font-size: 1rem; line-height: 1.4; }}
code {{ word-break: break-all; font-size: 0.85rem; }}
</style>
</head>
<body>
<h1>Descent Lab: {html.escape(surface.title)}</h1>
<p>{html.escape(surface.lesson)} Every run starts at ({x:g}, {y:g}) and takes {scene.steps}
steps. Press <b>Play</b> below the chart to watch them race; the slider moves to any step.</p>
<ul>{runs}</ul>
{notes}
{plot}
<p>This file works without a network. To open the same scene in Descent Lab, {reopen}</p>
</body>
</html>
"""


def image_text(scene: Scene, surface: Surface) -> tuple[str, str]:
    """The title and the one-line description of the scene's picture (:func:`image_figure`):
    ``("Descent Lab: Anisotropic ravine", "kappa = 50, angle = 0. Every run starts at
    (−8, 1.5) and takes 300 steps, shown at the last.")``; a typed formula is quoted,
    and noise, mini-batches or schedules are named."""
    setting = [f"{name} = {value:g}" for name, value in scene.params]
    setting += [f"{name} {word}" for name, word in scene.choices]
    if scene.expr:
        setting = [f"f(x, y) = {scene.expr}"]
    x, y = (f"{v:g}".replace("-", MINUS) for v in scene.start)
    told = f"Every run starts at ({x}, {y}) and takes {scene.steps} steps, shown at the last."
    extras = [line.split(":")[0].lower() for line in scene.dynamics.describe()]
    if extras:
        told += " With " + " and ".join(extras) + "."
    return f"Descent Lab: {surface.title}", (", ".join(setting) + ". " if setting else "") + told


def image_figure(fig: BuiltFigure, title: str, description: str, *,
                 width: float) -> BuiltFigure:
    """``fig`` (a :func:`~plotting.scene_figure`, ``width`` pixels wide) as a still picture
    with ``title`` in bold above it and ``description`` under the title, wrapped to the
    width: the traces as the figure shows them (its last step), no frames. The band for
    the words is added above the plot area (its margin and the height grow by as much),
    so nothing of the chart moves."""
    spec = fig.to_dict()
    layout = dict(spec["layout"])
    font = float(layout["font"]["size"])
    chars = max(20, int(width / (0.56 * 0.9 * font)))
    lines = textwrap.wrap(description, chars) or [""]
    band = 1.3 * (1.15 * font + 0.9 * font * len(lines)) + 16
    margin = dict(layout["margin"])
    margin["t"] = round(margin["t"] + band)
    height = round(layout["height"] + band)
    plot_height = height - margin["t"] - margin["b"]

    def above(pixels: float) -> float:  # pixels below the figure's top, in paper units
        return 1 + (margin["t"] - pixels) / plot_height

    # Annotations, not a title: Plotly anchors a title of several lines by its first.
    words_box = {"x": 0, "xref": "paper", "yref": "paper", "xanchor": "left",
                 "yanchor": "top", "showarrow": False, "align": "left"}
    layout.update({
        "height": height,
        "margin": margin,
        "annotations": [
            *layout.get("annotations", []),
            {**words_box, "name": "title", "text": f"<b>{html.escape(title)}</b>",
             "y": above(6), "font": {"size": 1.15 * font}},
            {**words_box, "name": "description",
             "text": "<br>".join(html.escape(line) for line in lines),
             "y": above(6 + 1.3 * 1.15 * font), "font": {"size": 0.9 * font}},
        ],
    })
    return build_figure(spec["data"], layout)
