"""Colours: a palette for runs that reads on the contour, a quiet scale for the contour.

Each run of a scene has its own place in :data:`PALETTE` (``Scene.colors()``),
kept when other runs are added or removed, and is drawn in that colour in every
chart, from the contour to the loss panel and the run's controls.

The palette is Okabe and Ito's (2008) eight colours, which stay distinct for
the common forms of colour blindness, reordered and adjusted for a pale slate
contour on a projector: the first six (the lecture's six optimizers) are the
strongest and the most different from each other (sky blue, too close to blue
beside it, comes seventh), and Okabe-Ito's yellow, faint on white and slate, is
replaced by a dark gold. The markers (each run's position, the "x" of a diverged
run) carry a dark outline, so that they read on any band of the contour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEE_THROUGH_BLACK = re.compile(r"rgba\(0, 0, 0, ([0-9.]+)\)")
_INLINE_COLOR = re.compile(r"color:(#[0-9a-fA-F]{6})")

PALETTE: tuple[str, ...] = (
    "#000000",  # black
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#0072B2",  # blue
    "#56B4E9",  # sky blue
    "#9A7B00",  # dark gold (Okabe-Ito's yellow, darkened to read on white)
)

# Low loss (the valley floor, where the runs end) is white; walls are slate.
CONTOUR_SCALE: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffff"),
    (0.5, "#dde3ea"),
    (1.0, "#9fadbe"),
)


def run_color(slot: int) -> str:
    """The colour of palette place ``slot`` (a run's ``Scene.colors()`` entry)."""
    return PALETTE[slot % len(PALETTE)]


THEMES = ("light", "dark")


@dataclass(frozen=True)
class Theme:
    """The colours of a figure on a light or a dark page.

    The figures are built in the light colours; a dark figure is the same figure with
    each of them swapped for its dark counterpart (:meth:`color`, applied to every
    colour of the figure by :func:`plotting.build.build_figure`), and its contour drawn
    in :attr:`contour` (the valley floor darkest, the walls lighter slate). Text is
    :attr:`text` on :attr:`background`.
    """

    name: str
    background: str
    text: str
    contour: tuple[tuple[float, str], ...]
    swaps: dict[str, str] = field(default_factory=dict)

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    def color(self, light: str) -> str:
        """The colour to draw where the light figure draws ``light`` (a see-through
        black, a band of the first run's fan, becomes as see-through a white)."""
        if not self.swaps:
            return light
        key = light.lower()
        if key in self.swaps:
            return self.swaps[key]
        black = _SEE_THROUGH_BLACK.fullmatch(key)
        if black and float(black.group(1)) > 0:
            return f"rgba(255, 255, 255, {black.group(1)})"
        return light

    def text_colors(self, text: str) -> str:
        """``text`` (HTML of a title) with its inline ``color:#rrggbb`` swapped."""
        if not self.swaps or "color:" not in text:
            return text
        return _INLINE_COLOR.sub(lambda m: "color:" + self.color(m.group(1)), text)


LIGHT = Theme("light", background="#ffffff", text="#222222", contour=CONTOUR_SCALE)
# Streamlit's dark page is #0e1117 with text #fafafa: the figures sit on it seamlessly.
DARK = Theme(
    "dark", background="#0e1117", text="#fafafa",
    contour=((0.0, "#0e1117"), (0.5, "#1d2633"), (1.0, "#3a4759")),
    swaps={
        "white": "#0e1117", "#ffffff": "#0e1117",           # paper, halos, hollow dots
        "#222222": "#fafafa", "#111111": "#fafafa",         # text, outlines, the star
        "#000000": "#ffffff",                               # the first run: white
        "#444444": "#b8bfca", "#333333": "#b8bfca",         # axis lines and ticks
        "#555555": "#a9b0bb", "#777777": "#9aa1ac",         # the step line, the marks' key
        "#bdbdbd": "#5c6370", "#dddddd": "#2e3440",         # unconverged cells, 3D grid
        "rgba(255, 255, 255, 0.5)": "rgba(14, 17, 23, 0.6)",  # a note's box
        "rgba(90, 90, 90, 0.45)": "rgba(210, 214, 220, 0.45)",  # the penguins
        "#f4faff": "#262730", "#f8fafc": "#262730",         # Plotly's buttons and slider
        "#dbdde0": "#3d4150", "#bec8d9": "#5c6370",
    },
)


def theme_named(name: str | None) -> Theme:
    """:data:`DARK` for ``"dark"``; :data:`LIGHT` for ``"light"`` or None (unknown)."""
    return DARK if name == "dark" else LIGHT


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, 1 to 21."""

    def luminance(color: str) -> float:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
