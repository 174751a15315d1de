"""The export panel: the scene as a standalone HTML file, its trajectories as CSV, a PNG.

Both files are made only when their button is clicked (Streamlit runs a
download button's callable then, on its own thread), so an open panel costs
the page little: the HTML file holds the whole of plotly.js (about
4.7 MB) and the CSV a row per run, seed and step. The PNG is the picture the
panel draws (:func:`plotting.export.image_figure`: the race at its last step,
with a title and a line on the scene), saved by its toolbar's camera icon in
the browser.
"""

from __future__ import annotations

import streamlit as st

from panels.page import PageState, Panel
from plotting import scene_figure
from plotting.contour import GRID_N
from plotting.export import (
    chart_config,
    file_stem,
    image_figure,
    image_text,
    scene_html,
    trajectories_csv,
)
from plotting.layout import Screen
from plotting.surface3d import surface_figure

# The file's chart: laid out for a laptop, or for a projector in presenter mode (it is
# drawn at that width in any browser window).
FILE_SCREEN = Screen(1200, 680)
PRESENTER_FILE_SCREEN = Screen(1800, 900, presenter=True)


def html_file(page: PageState, with_3d: bool) -> bytes:
    """The scene as the page shows it (view, presenter sizes), in one offline HTML file."""
    grid = page.surface.grid(GRID_N)
    screen = PRESENTER_FILE_SCREEN if page.presenter else FILE_SCREEN
    figures = [scene_figure(page.surface, page.traces, view=page.view, grid=grid,
                            start_picker=False, screen=screen)]
    if with_3d and page.traces:
        figures.append(surface_figure(page.surface, page.traces, presenter=page.presenter))
    runs = [f"{trace.label}: {trace.fate}" if trace.fate else trace.label
            for trace in page.traces]
    return scene_html(figures, page.scene, page.surface, runs).encode()


def render(page: PageState) -> None:
    stem = file_stem(page.scene)
    if not page.runs:
        st.info("Switch a run on to export the scene.")
        return
    with_3d = st.checkbox("Add the 3D view to the HTML file", key="export_3d")
    left, right = st.columns(2)
    left.download_button(
        "Download the scene as HTML", data=lambda: html_file(page, with_3d),
        file_name=f"{stem}.html", mime="text/html", key="export_html", on_click="ignore",
        icon=":material/download:", width="stretch",
        help="One file with the chart and plotly.js inside: it plays in any browser "
             "without a network (about 5 MB).")
    right.download_button(
        "Download the trajectories as CSV",
        data=lambda: trajectories_csv(page.scene, page.runs).encode(),
        file_name=f"{stem}.csv", mime="text/csv", key="export_csv", on_click="ignore",
        icon=":material/table:", width="stretch",
        help="One row per run and step (and seed, with a fan): run, label, optimizer, "
             "every hyperparameter, noise, seed, schedule, step, x, y, loss, diverged.")
    st.markdown("**The picture, for a PNG**")
    st.plotly_chart(picture(page), key="export_picture", theme=None,
                    config=chart_config(stem))
    st.caption("Hover the picture and click the camera icon in its toolbar (top right): it "
               f"saves {stem}.png, with its title and the scene in words, at twice the size "
               "shown, without a network. Every other chart has the same icon.")


def picture(page: PageState):
    """The race at its last step, laid out as on the page, titled and described."""
    fig = scene_figure(page.surface, page.traces, view=page.view,
                       grid=page.surface.grid(GRID_N), start_picker=False, screen=page.screen,
                       plotly_controls=False)
    return image_figure(fig, *image_text(page.scene, page.surface), width=page.screen.width)


PANEL = Panel(key="export", title="Export", render=render)
