"""Colours: the Okabe-Ito palette for runs, a quiet scale for the contour.

Run ``i`` of a scene is drawn in ``PALETTE[i % len(PALETTE)]`` in every chart,
so a run keeps its colour from the contour to the loss panel. The palette is
Okabe and Ito's (2008) set of eight colours that stay distinct for the common
forms of colour blindness, in their published order. The contour scale runs
from white (low loss) to a mid slate blue: light enough that every palette
colour but yellow stands out on it, which is why paths and markers also get a
dark outline where they would otherwise vanish (see ``outline``).
"""

from __future__ import annotations

PALETTE: tuple[str, ...] = (
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)

# Low loss (the valley floor, where the runs end) is white; walls are slate.
CONTOUR_SCALE: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffff"),
    (0.5, "#dde3ea"),
    (1.0, "#9fadbe"),
)


def run_color(i: int) -> str:
    """The colour of run ``i`` of a scene."""
    return PALETTE[i % len(PALETTE)]
