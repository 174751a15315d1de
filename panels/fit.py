"""The fitted-line panel: what ``w`` and ``b`` mean, for a surface fitted to data.

Each point ``(w, b)`` on the contour is a line ``prediction = w * x + b``
through the data; this panel draws the data and every run's line at the
animation's step (:func:`plotting.fit.fit_figure`, following the race chart's
Play, Pause and step slider), the least-squares line dashed, and under
mini-batches the rows the step drew. On a surface without data it says which
surface has some.
"""

from __future__ import annotations

import streamlit as st

from controls.race_chart import step_chart
from panels.page import PageState, Panel
from plotting.export import chart_config, file_stem
from plotting.fit import fit_figure
from scenes import escape_markdown
from surfaces import SURFACES, Surface

# Why w and b are tied, or not, for each scaling of the feature: where x = 0 lies.
MEANING = {
    "raw": "b is the line's height at x = 0, far to the left of the data (no flipper is "
           "shorter than 1.7 dm): raising w and lowering b by about twice as much turns the "
           "line about the data's middle and barely changes a prediction, so w and b are "
           "tied and the loss is a narrow diagonal ravine.",
    "centred": "x = 0 is now the mean flipper length: b is the predicted mass of an average "
               "penguin and w the slope about it, two separate questions, so the valley lies "
               "along the axes. It is still long: w moves a typical prediction by only "
               "{spread:.2g} times as much as b does (the flippers' standard deviation, in dm), "
               "so the loss curves {kappa:.0f} times less along w than along b.",
    "standardised": "x is in standard deviations from the mean: w and b move the predictions "
                    "equally, each on its own, so the loss is a round bowl.",
}


def render(page: PageState) -> None:
    data = page.surface.dataset
    if data is None:
        titles = [s.title for s in SURFACES.values() if s.dataset is not None]
        st.info(f"This panel shows the data a surface is fitted to and each run's line "
                f"through it: pick **{escape_markdown(titles[0])}** as the surface.",
                icon=":material/info:")
        return
    batch = page.scene.dynamics.batch_size
    rows = None if batch is None else data.batch_rows(page.scene.steps, batch,
                                                       page.scene.dynamics.seed)
    fig = fit_figure(data, page.traces, batch_rows=rows, presenter=page.presenter,
                     theme=page.screen.theme,
                     narrow=page.screen.stacked)
    config = chart_config(file_stem(page.scene) + "-fit")
    if page.screen.stacked:  # a phone: Plotly's toolbar would sit on the legend's row
        config = {**config, "displayModeBar": False}
    step_chart(fig.to_dict(), config, key="fit_chart")
    if page.presenter:
        return
    meaning = MEANING.get(data.scaling, "").format(spread=float(data.x.std()),
                                                   kappa=data.condition_number)
    ringed = (" Rings: the rows the step's mini-batch drew (seed "
              f"{page.scene.dynamics.seed}, the same for every run)." if batch else "")
    st.caption(f"Each run's point (w, b) is the line prediction = w x + b, drawn in its "
               f"colour at the race chart's step; dashed: the least-squares line, "
               f"the minimum of the loss.{ringed} {meaning}")
    st.caption(f"Data: {escape_markdown(data.source)}.")


def applies(surface: Surface) -> bool:
    """Only a surface fitted to data has lines to draw."""
    return surface.dataset is not None


PANEL = Panel(key="fit", title="The fitted line", render=render, applies=applies)
