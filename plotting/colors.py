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
