"""The page through Streamlit's AppTest, the charts it carries, and the lecture scene.

AppTest runs ``app.py`` in this process without a browser: no JavaScript runs, so
the page's components (``controls/race_chart``) are elements whose data is what they
would draw (the figure and its config, as JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from urllib.parse import urlencode

from controls.race_chart import RACE
from deploy.servers import APP
from scenes import DEFAULT_SCENE, scene_to_query

CONTROL = "run0_lr"  # the first run's learning rate (SGD at 1.8 in the lecture scene)
LECTURE_LINK = urlencode(scene_to_query(DEFAULT_SCENE), doseq=True)  # as a query string


def open_page(link: Mapping[str, str | list[str]] | None = None,
              screen: tuple[float, float, float] | None = None, *, panel: str | None = None,
              cells: int | None = None, menus: Sequence[str] = (), timeout: float = 60):
    """The page as AppTest runs it, opened with ``link`` (a shared link's query
    parameters; the default scene without), in a browser whose main column is
    ``screen = (width, window height, top of the chart)`` pixels as the page's viewport
    component reports it (without, the page lays the chart out for a laptop), then
    ``panel`` picked, the phase map's ``cells`` set and the popovers ``menus`` (their
    keys) opened if given. Fails on an exception on the page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(link or {})
    if screen:
        width, height, top = screen
        at.session_state["viewport"] = {"size": {"width": width, "height": height, "top": top}}
    at.run()
    if panel:
        at.segmented_control(key="panel").set_value(panel).run()
    if cells:
        at.select_slider(key="phase_cells").set_value(cells).run()
    for menu in menus:
        open_menu(at, menu)
    assert not at.exception, at.exception
    return at


def open_menu(at, key: str):
    """The popover ``key`` opened, as a tap on it does (a popover whose contents are
    drawn only while it is open: "Share", "Add a run"), and the page run."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def components(at, name: str) -> list:
    """The page's elements of the component ``name`` (``controls.race_chart.RACE``,
    ``controls.race_chart.STEP``)."""
    return [e for e in at.get("bidi_component") if e.proto.component_name == name]


def race_chart(at):
    """The race chart's element (there is exactly one)."""
    (chart,) = components(at, RACE)
    return chart


def chart_bytes(at) -> list[int]:
    """Bytes of each chart on the page, in page order: the race chart (the data of its
    component: figure and config, as JSON), then each st.plotly_chart's spec."""
    return [len(race_chart(at).proto.bytes),
            *(len(chart.proto.spec.encode()) for chart in at.get("plotly_chart"))]


def lecture_scene(steps: int = DEFAULT_SCENE.steps):
    """The page's default scene at ``steps`` steps, computed as the page does (uncached):
    its surface, its runs as ``RunTrace`` (as the page draws them) and the page's
    contour grid."""
    from panels import PageState
    from plotting.contour import GRID_N  # the page's contour grid

    page = PageState.of(replace(DEFAULT_SCENE, steps=steps))
    return page.surface, page.traces, page.surface.grid(GRID_N)
