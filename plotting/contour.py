"""The static layer of the contour view: filled contour, minima, start picker.

Levels are log-spaced when the surface has a minimum value: the contour is
drawn of ``v = log10(f - min_value)`` with evenly spaced levels in ``v``, so
each band is the same factor of loss (a third of a decade, say) on the
valley floor and high on the walls. Without a minimum (the saddle) levels
are evenly spaced in ``f`` itself.

The filled contour is an image under the axes (``layout.images``, a palette
PNG in a ``data:`` URI), not a contour trace. Plotly's ``redraw: false``
animation re-plots only the traces a frame names and removes every other
kind of trace layer from the subplot: a contour trace vanishes at the first
frame (and ``redraw: true`` redraws everything: each frame took 3 to 7
times longer in headless Chromium). Layout images are not touched by
frames. The image interpolates the grid bilinearly at pixel centres, as a
contour trace would between grid points, and marks each level line with a
darker pixel. A colour bar is kept
through an invisible scatter trace on the same colour axis.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from plotting.encode import typed
from plotting.loss import SUPERSCRIPT
from plotting.png import data_uri, palette_png

if TYPE_CHECKING:
    from surfaces import Surface

# Decades of loss the log-scaled contour spans below its highest value.
DECADES = 5.0
# Spacings tried for the levels, finest first: the first that gives at most
# MAX_LEVELS levels is used (in decades for a log scale).
LOG_SPACINGS = (0.25, 1 / 3, 0.5, 1.0, 2.0)
MAX_LEVELS = 16
# Level lines: the band's colour mixed with this much of LINE_RGB.
LINE_RGB = (60, 70, 90)
LINE_WEIGHT = 0.3
# Where the loss is undefined (log(x) for x < 0, say): stripes of two pale reds,
# HOLE_STRIPE pixels wide, so a hole never reads as a band of the contour.
HOLE_RGB = ((250, 228, 228), (236, 196, 196))
HOLE_STRIPE = 4
# Aimed-at number of start-picker points along the longer side of the domain.
PICKER_POINTS = 24
# The contour's grid (``surface.grid(GRID_N)``) wherever a scene's contour is drawn: fine
# enough for a projector, small enough to ship.
GRID_N = 120

Grid = tuple[np.ndarray, np.ndarray, np.ndarray]
Colorscale = tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class ContourScale:
    """The plotted variable ``v`` of a loss, its range and its levels.

    ``v = log10(f - min_value)`` (``log``) or ``v = f``; the colour range is
    ``[lo, hi]`` in ``v`` and the levels sit at ``first + k * spacing``,
    ``k = 0, 1, ...``, up to ``hi``. Band ``b`` is where exactly ``b``
    levels lie at or below ``v``.
    """

    log: bool
    min_value: float
    lo: float
    hi: float
    first: float
    spacing: float

    @classmethod
    def for_values(cls, f: np.ndarray, min_value: float | None) -> ContourScale:
        """The scale for the loss values ``f`` (NaN ignored) of a surface."""
        finite = f[np.isfinite(f)]
        if finite.size == 0:
            raise ValueError("the surface has no finite value on the grid")
        if min_value is None:
            lo, hi = float(finite.min()), float(finite.max())
            if hi <= lo:
                hi = lo + 1.0
            spacing = nice_step((hi - lo) / MAX_LEVELS)
            return cls(False, 0.0, lo, hi, math.ceil(lo / spacing) * spacing, spacing)
        gap = finite - min_value
        positive = gap[gap > 0]
        hi = math.log10(positive.max()) if positive.size else 0.0
        lo = max(hi - DECADES, math.log10(positive.min())) if positive.size else hi - 1.0
        lo = min(lo, hi - 1.0)  # an almost flat grid still shows a decade
        spacing = next((s for s in LOG_SPACINGS if (hi - lo) / s <= MAX_LEVELS), LOG_SPACINGS[-1])
        first = math.ceil(lo / spacing - 1e-9) * spacing
        return cls(True, float(min_value), lo, hi, first, spacing)

    def variable(self, f: np.ndarray) -> np.ndarray:
        """The plotted variable of loss values ``f`` (floored at ``lo`` on a log scale)."""
        f = np.asarray(f, dtype=float)
        if not self.log:
            return f
        with np.errstate(invalid="ignore"):
            return np.log10(np.maximum(f - self.min_value, 10.0**self.lo))

    @property
    def level_values(self) -> np.ndarray:
        """The levels in ``v``."""
        n = math.floor((self.hi - self.first) / self.spacing + 1e-9) + 1
        return self.first + self.spacing * np.arange(n)

    @property
    def levels(self) -> np.ndarray:
        """The levels in units of loss: log-spaced on a log scale."""
        v = self.level_values
        return self.min_value + 10.0**v if self.log else v

    def bands(self, v: np.ndarray) -> np.ndarray:
        """The band of each value of ``v``: how many levels are <= it (NaN: the top band)."""
        n = len(self.level_values)
        with np.errstate(invalid="ignore"):
            b = np.floor((v - self.first) / self.spacing) + 1
        return np.where(np.isnan(b), n, np.clip(b, 0, n)).astype(np.int64)

    def band_colors(self, colorscale: Colorscale) -> np.ndarray:
        """RGB of each band: the colour scale at the band's middle, ``(levels + 1, 3)``."""
        levels = self.level_values
        edges = np.r_[self.lo, levels, self.hi]
        mid = np.clip((edges[:-1] + edges[1:]) / 2, self.lo, self.hi)
        return _sample(colorscale, (mid - self.lo) / (self.hi - self.lo))

    def ticks(self) -> tuple[list[float], list[str]]:
        """Colour-bar ticks in ``v`` and their labels in units of loss."""
        if self.log:
            decades = range(math.ceil(self.lo - 1e-9), math.floor(self.hi + 1e-9) + 1)
            return [float(d) for d in decades], [decade_text(d) for d in decades]
        step = nice_step((self.hi - self.lo) / 5)
        k = np.arange(math.ceil(self.lo / step), math.floor(self.hi / step) + 1)
        values = [float(v) for v in k * step]
        return values, [tick_text(v) for v in values]


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is >= ``raw``."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))


MINUS = "\u2212"  # the minus sign Plotly prints on its axes (a hyphen is shorter)


def tick_text(value: float) -> str:
    """A tick label as Plotly's axes write one: ``−2``, ``0.5``, ``1.25``, with a true minus
    sign (U+2212) where Python writes a hyphen."""
    return f"{value:.4g}".replace("-", MINUS)


def decade_text(d: int) -> str:
    """``10**d`` as a short label: ``0.01``, ``1``, ``100``, or ``10⁻⁵``, ``10⁶`` as the
    loss panel's powers of ten."""
    return f"{10.0**d:g}" if -3 <= d <= 4 else "10" + str(d).translate(SUPERSCRIPT)


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _sample(colorscale: Colorscale, t: np.ndarray) -> np.ndarray:
    """The colour scale (``(position, "#rrggbb")`` stops) at ``t`` in [0, 1], as RGB rows."""
    stops = np.array([s for s, _ in colorscale])
    rgb = np.array([_rgb(c) for _, c in colorscale])
    return np.stack([np.interp(t, stops, rgb[:, k]) for k in range(3)], axis=-1)


def _bilinear(xs: np.ndarray, ys: np.ndarray, v: np.ndarray, px: np.ndarray,
              py: np.ndarray) -> np.ndarray:
    """``v`` (rows over ``ys``, columns over ``xs``) interpolated at the grid ``py`` x ``px``.

    Separably: along x on every grid row first, then along y between rows.
    """
    i = np.clip(np.searchsorted(xs, px) - 1, 0, len(xs) - 2)
    j = np.clip(np.searchsorted(ys, py) - 1, 0, len(ys) - 2)
    tx = np.clip((px - xs[i]) / (xs[i + 1] - xs[i]), 0, 1)
    ty = np.clip((py - ys[j]) / (ys[j + 1] - ys[j]), 0, 1)[:, None]
    rows = v[:, i] * (1 - tx) + v[:, i + 1] * tx
    return rows[j] * (1 - ty) + rows[j + 1] * ty


def contour_pixels(
    grid: Grid, scale: ContourScale, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Band, level-line flag and hole flag of each pixel of a ``width``-pixel-wide picture.

    Pixels are square in data units (the plot has equal scales); rows run
    from the top (largest ``y``). A pixel is a hole where the loss is
    undefined (NaN) at a grid point around it. Returns ``(bands, on_line, holes)``.
    """
    xs, ys, z = grid
    x0, x1, y0, y1 = xs[0], xs[-1], ys[0], ys[-1]
    size = (x1 - x0) / width
    height = max(2, round((y1 - y0) / size))
    px = x0 + (np.arange(width) + 0.5) * (x1 - x0) / width
    py = y1 - (np.arange(height) + 0.5) * (y1 - y0) / height
    with np.errstate(invalid="ignore"):
        v = _bilinear(xs, ys, scale.variable(z), px, py)
    bands = scale.bands(v)
    on_line = np.zeros(bands.shape, dtype=bool)
    on_line[:, 1:] |= bands[:, 1:] != bands[:, :-1]
    on_line[1:, :] |= bands[1:, :] != bands[:-1, :]
    return bands, on_line, np.isnan(v)


# The last few contour pictures, by grid content and drawing settings: every
# slider move redraws the figure, but the surface (and so its picture) rarely
# changes, and drawing it is a tenth of a page's script run.
_PICTURES: OrderedDict[tuple, str] = OrderedDict()
_PICTURES_LOCK = threading.Lock()
_PICTURES_KEPT = 32


def _picture(grid: Grid, scale: ContourScale, colorscale: Colorscale, width: int) -> str:
    """The contour picture's ``data:`` URI, drawn once per grid and settings."""
    digest = hashlib.blake2b(digest_size=16)
    for array in grid:
        digest.update(np.ascontiguousarray(array, dtype=float).tobytes())
    key = (digest.digest(), scale, colorscale, width)
    with _PICTURES_LOCK:
        if key in _PICTURES:
            _PICTURES.move_to_end(key)
            return _PICTURES[key]
    bands, on_line, holes = contour_pixels(grid, scale, width)
    colors = scale.band_colors(colorscale)
    lines = colors * (1 - LINE_WEIGHT) + np.array(LINE_RGB) * LINE_WEIGHT
    palette = np.rint(np.vstack([colors, lines, HOLE_RGB])).astype(np.uint8)
    index = bands + len(colors) * on_line
    # Holes (the loss undefined) are hatched with diagonal stripes, unlike any band.
    rows, cols = np.indices(index.shape)
    stripe = (rows + cols) // HOLE_STRIPE % 2
    index = np.where(holes, 2 * len(colors) + stripe, index)
    source = data_uri(palette_png(index, palette))
    with _PICTURES_LOCK:
        _PICTURES[key] = source
        while len(_PICTURES) > _PICTURES_KEPT:
            _PICTURES.popitem(last=False)
    return source


def contour_image(grid: Grid, scale: ContourScale, colorscale: Colorscale, width: int,
                  axes: tuple[str, str]) -> dict:
    """The filled contour of ``grid`` as a layout image stretched over the grid's box."""
    xs, ys, _ = grid
    return {
        "source": _picture(grid, scale, colorscale, width),
        "xref": axes[0], "yref": axes[1],
        "x": float(xs[0]), "y": float(ys[-1]),
        "sizex": float(xs[-1] - xs[0]), "sizey": float(ys[-1] - ys[0]),
        "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below",
    }


def coloraxis(scale: ContourScale, colorscale: Colorscale, *, font_size: float,
              place: dict) -> dict:
    """The colour axis of the contour: its bands as steps, ticks in units of loss.

    ``place`` positions the colour bar (Plotly's ``colorbar`` keys: ``x``, ``y``,
    ``len``, ``orientation``, ...); its title is beside a vertical bar and above a
    horizontal one.
    """
    colors = scale.band_colors(colorscale)
    edges = np.r_[scale.lo, scale.level_values, scale.hi]
    t = np.clip((edges - scale.lo) / (scale.hi - scale.lo), 0, 1)
    steps = []
    for b, rgb in enumerate(np.rint(colors).astype(int)):
        color = "#{:02x}{:02x}{:02x}".format(*rgb)
        steps += [[float(t[b]), color], [float(t[b + 1]), color]]
    tickvals, ticktext = scale.ticks()
    side = "top" if place.get("orientation") == "h" else "right"
    return {
        "colorscale": steps,
        "cmin": scale.lo,
        "cmax": scale.hi,
        "colorbar": {
            "title": {"text": "loss − min" if scale.log else "loss", "side": side,
                      "font": {"size": font_size * 0.9}},
            "tickvals": tickvals,
            "ticktext": ticktext,
            "tickcolor": "#444444",
            "thickness": 12,
            "len": 0.75,
            "xanchor": "left",
            "outlinewidth": 0,
            "tickfont": {"size": font_size * 0.85},
            **place,
        },
    }


def colorbar_trace(scale: ContourScale, axes: tuple[str, str]) -> dict:
    """An invisible trace on the colour axis, so that Plotly draws its colour bar."""
    return {
        "type": "scatter", "mode": "markers", "name": "contour colours",
        "x": [None], "y": [None], "marker": {"color": [scale.lo], "coloraxis": "coloraxis"},
        "hoverinfo": "skip", "showlegend": False, "xaxis": axes[0], "yaxis": axes[1],
    }


def minima_trace(surface: Surface, axes: tuple[str, str], size: float) -> dict:
    """The surface's minima as open stars, drawn over the runs' markers: the markers of
    runs that arrived show through, and the star stays visible on top of them."""
    xy = np.array(surface.minima, dtype=float).reshape(-1, 2)
    value = "" if surface.min_value is None else f", loss {surface.min_value:.4g}"
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "minimum",
        "x": xy[:, 0].tolist(),
        "y": xy[:, 1].tolist(),
        "marker": {"symbol": "star-open", "size": size, "color": "#111111",
                   "line": {"color": "#111111", "width": max(2.0, size / 8)}},
        "hovertemplate": "minimum (%{x:.4~g}, %{y:.4~g})" + value + "<extra></extra>",
        "showlegend": False,
        "xaxis": axes[0],
        "yaxis": axes[1],
    }


def minima_halo(surface: Surface, axes: tuple[str, str], size: float) -> dict:
    """A white open star under :func:`minima_trace`'s, a little wider: the star reads on
    top of a dark tangle of paths (a noisy run settled around the minimum)."""
    star = minima_trace(surface, axes, size)
    width = star["marker"]["line"]["width"]
    halo = {key: value for key, value in star.items() if key != "hovertemplate"}
    return {**halo, "name": "minimum halo", "hoverinfo": "skip",
            "marker": {**star["marker"], "color": "white",
                       "line": {"color": "white", "width": width + 3}}}


def picker_step(domain: tuple[tuple[float, float], tuple[float, float]],
                points: int = PICKER_POINTS) -> float:
    """The start picker's spacing: the largest power of two at most 1/``points`` (24) of
    the longer side.

    A power of two keeps the grid values exact in float32 and short in
    decimal (``-7.5``, ``0.125``), so a click reports the number the hover shows.
    """
    (x0, x1), (y0, y1) = domain
    return 2.0 ** math.floor(math.log2(max(x1 - x0, y1 - y0) / points))


def picker_axis(lo: float, hi: float, step: float) -> np.ndarray:
    """The multiples of ``step`` in ``[lo, hi]``."""
    return np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step


def picker_trace(surface: Surface, axes: tuple[str, str], size: float,
                 points: int = PICKER_POINTS) -> dict:
    """The transparent clickable grid named ``"start picker"``, about ``points`` along the
    domain's longer side (see :func:`picker_step`).

    The page reads a click through Streamlit's selection (``curve_number``,
    ``x``, ``y``) and starts the runs there.
    """
    (x0, x1), (y0, y1) = surface.domain
    step = picker_step(surface.domain, points)
    gx, gy = np.meshgrid(picker_axis(x0, x1, step), picker_axis(y0, y1, step))
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "start picker",
        "x": typed(gx.ravel()),
        "y": typed(gy.ravel()),
        "marker": {"size": size, "color": "rgba(0, 0, 0, 0)"},
        "hovertemplate": "start here (%{x}, %{y})<extra></extra>",
        "unselected": {"marker": {"opacity": 0}},
        "selected": {"marker": {"opacity": 0}},
        "showlegend": False,
        "xaxis": axes[0],
        "yaxis": axes[1],
    }
