"""Presenter mode, the 3D panel and the export panel through Streamlit's AppTest."""

from __future__ import annotations

import html
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from controls.toolbar import SHARE_MENU
from harness.page import open_menu
from scenes import DEFAULT_SCENE, scene_from_query
from tests.test_app import figure, link_notices, open_page, race_chart


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[dict]:
    """The race chart's figure, then each panel's."""
    return [figure(at), *(json.loads(chart.proto.spec) for chart in at.get("plotly_chart"))]


def configs(at: AppTest) -> list[dict]:
    """The race chart's Plotly config, then each panel's."""
    figure(at)  # the whole figure, which comes with its config
    return [json.loads(race_chart(at).proto.bytes)["config"],
            *(json.loads(chart.proto.config) for chart in at.get("plotly_chart"))]


def path_widths(fig: dict) -> set[float]:
    """Line widths of the runs' paths on the contour and their loss curves."""
    return {t["line"]["width"] for t in fig["data"]
            if t.get("mode") == "lines" and t.get("legendgroup")}


def sizes(fig: dict) -> tuple:
    layout = fig["layout"]
    return (layout["font"]["size"], layout["height"], max(path_widths(fig)),
            next(t["marker"]["size"] for t in fig["data"] if t.get("name") == "position"))


def scene_in_url(at: AppTest):
    scene, messages = scene_from_query(at.query_params)
    assert messages == []
    return scene


PROJECTOR = (1872, 1080, 110)  # a 1920 x 1080 projector, the sidebar tucked away


@pytest.fixture(scope="module")
def normal() -> AppTest:
    return open_page()


def test_a_presenter_link_draws_large_fonts_and_thick_lines_on_the_first_screen():
    at = open_page({"present": "1"}, screen=PROJECTOR)
    normal = open_page(screen=PROJECTOR)
    assert at.toggle(key="present").value is True
    big, small = sizes(figure(at)), sizes(figure(normal))
    # type, lines and markers: readable from the back of a hall
    assert all(b > s for b, s in zip(big[::2] + big[3:], small[::2] + small[3:], strict=True))
    assert big[0] == 24 and small[0] == 14
    # the chart and its controls on the first screen
    assert big[1] <= PROJECTOR[1] - PROJECTOR[2]
    # the CSS makes the page's text, the rules and their code larger
    assert any("katex" in h.proto.body for h in at.get("html"))
    assert not any("katex" in h.proto.body for h in normal.get("html"))
    # the same scene, and the link keeps presenter mode
    assert at.query_params["present"] == "1" and "present" not in normal.query_params
    assert scene_in_url(at) == DEFAULT_SCENE
    assert not at.warning


def share_link(at: AppTest) -> str:
    """The link Share gives: its code block, or in presenter mode the link in large type
    under the QR code (Share opened)."""
    open_menu(at, SHARE_MENU)
    (share,) = [block for block in at.get("popover") if block.proto.popover.label == "Share"]
    shown = [c.value for c in share.code] + [
        html.unescape(re.sub(r"<[^>]+>", "", h.proto.body)) for h in share.get("html")
        if "descent-link" in h.proto.body]
    (link,) = shown
    return link


def test_the_switch_turns_presenter_mode_on_and_off_and_keeps_the_scene():
    at = open_page({"run": ["sgd:lr=1.2", "adam:lr=0.1"]}, screen=PROJECTOR)
    scene = scene_in_url(at)
    at.toggle(key="present").set_value(True)
    rerun(at)
    assert sizes(figure(at))[0] == 24 and at.query_params["present"] == "1"
    assert scene_in_url(at) == scene
    # "Share" gives the audience the scene without presenter mode, and a QR code of it
    link = share_link(at)
    assert "present" not in link and "run=sgd:lr=1.2" in link
    (share,) = [block for block in at.get("popover") if block.proto.popover.label == "Share"]
    assert len(share.get("image")) == 1
    at.toggle(key="present").set_value(False)
    rerun(at)
    assert sizes(figure(at))[0] == 14 and "present" not in at.query_params
    assert scene_in_url(at) == scene


@pytest.mark.parametrize("value", ["maybe", "1" * 300])
def test_a_malformed_present_value_says_so_and_leaves_presenter_mode_off(value):
    at = open_page({"present": value})
    assert at.toggle(key="present").value is False
    (message,) = link_notices(at)
    assert "present" in message
    assert sizes(figure(at))[0] == 14
    assert scene_in_url(at) == DEFAULT_SCENE


def test_the_3d_panel_draws_the_surface_with_every_run_and_its_own_controls(normal):
    at = normal
    at.segmented_control(key="panel").set_value("view3d")
    rerun(at)
    race, view3d = charts(at)
    assert view3d["data"][0]["type"] == "surface"
    legend = [t["name"] for t in view3d["data"] if t.get("type") == "scatter3d"
              and t.get("showlegend") is not False and t.get("name") != "minimum"]
    assert legend == [t["name"] for t in race["data"] if t.get("xaxis") == "x2"
                      and t.get("mode") == "lines" and t.get("legendgroup")]
    assert view3d["frames"] and view3d["layout"]["sliders"][0]["steps"]
    assert view3d["layout"]["scene"]["zaxis"]["title"]["text"] == "loss − min (log)"
    assert configs(at)[1]["toImageButtonOptions"]["filename"] == \
        "descent-lab-ravine-300-steps-3d"
    at.toggle(key="view3d_log").set_value(False)
    rerun(at)
    assert charts(at)[1]["layout"]["scene"]["zaxis"]["title"]["text"].startswith("loss")
    assert "log" not in charts(at)[1]["layout"]["scene"]["zaxis"]["title"]["text"]
    at.segmented_control(key="panel").set_value(None)
    rerun(at)


def test_the_3d_panel_follows_presenter_mode_and_a_surface_with_holes():
    at = open_page({"present": "1", "surface": "custom", "expr": "log(x) + y**2",
                    "domain": "-2,2,-2,2", "start": "1.5,1", "run": "sgd:lr=0.1"})
    at.segmented_control(key="panel").set_value("view3d")
    rerun(at)
    view3d = charts(at)[1]
    assert view3d["layout"]["font"]["size"] == 22  # the panels' presenter size
    assert not at.exception


def test_the_export_panel_offers_html_and_csv_and_every_chart_a_png_button(normal):
    at = normal
    at.segmented_control(key="panel").set_value("export")
    rerun(at)
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download the scene as HTML", "Download the trajectories as CSV"]
    assert all(button.proto.deferred_file_id for button in at.get("download_button"))
    assert configs(at)[0]["toImageButtonOptions"] == {
        "format": "png", "filename": "descent-lab-ravine-300-steps", "scale": 2}
    assert configs(at)[0]["showSendToCloud"] is False
    assert any("camera icon" in c.value for c in at.caption)
    at.segmented_control(key="panel").set_value(None)
    rerun(at)


def test_the_export_panel_with_every_run_off_says_so():
    at = open_page({"run": "sgd:lr=1,enabled=false"})
    at.segmented_control(key="panel").set_value("export")
    rerun(at)
    assert not at.get("download_button")
    assert any("Switch a run on" in i.value for i in at.info)
