"""The 3D panel: the loss surface in 3D with every run on it, at height = its loss.

The figure (:func:`plotting.surface3d.surface_figure`) has its own Play, Pause,
speed and step slider, built by the same helpers as the race chart's. The
surface's coarse grid is cached per surface; the figure is built only while
the panel is open.
"""

from __future__ import annotations

import streamlit as st

from panels.page import PageState, Panel
from plotting.contour import Grid
from plotting.export import chart_config, file_stem
from plotting.surface3d import GRID_N, surface_figure
from surfaces import Surface

# How to turn and zoom the view, on a laptop (a mouse) and on a phone (a finger: Plotly's
# 3D view turns with one finger and has no pinch zoom).
TURN = {False: "drag to turn the surface, scroll to zoom.",
        True: "drag a finger across the surface to turn it."}


@st.cache_data(max_entries=32, show_spinner=False)
def grid3d(surface_key: tuple, _surface: Surface) -> Grid:
    """The 3D surface's grid (``_surface`` is the one ``surface_key`` names)."""
    return _surface.grid(GRID_N)


def render(page: PageState) -> None:
    surface = page.surface
    log = True
    if surface.min_value is not None:
        log = st.toggle("Height on a log scale", value=True, key="view3d_log",
                        help="Up is log10(loss − min), as the contour's colours: the ravine's "
                             "shallow floor keeps its shape beside walls a thousand times "
                             "higher. Off: the loss itself, clipped above its 90th "
                             "percentile on the plot.")
    fig = surface_figure(surface, page.traces, grid=grid3d(page.scene.surface_key, surface),
                         theme=page.screen.theme, narrow=page.screen.stacked,
                         log=log, presenter=page.presenter)
    st.plotly_chart(fig, key="view3d_chart", theme=None,
                    config=chart_config(file_stem(page.scene) + "-3d"))
    if not page.presenter:
        st.caption(f"Each line is a run at the height of its loss; {TURN[page.screen.stacked]} "
                   "Play and the slider step through the runs as in the race chart (a 3D "
                   "frame is redrawn whole, so there are fewer of them).")


PANEL = Panel(key="view3d", title="3D view", render=render)
