"""The figures on a dark page: dark paper, light text with WCAG contrast, every colour swapped."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from analysis.phase_map import phase_map
from optimizers import simulate
from panels.page import PageState
from plotting import scene_figure
from plotting.colors import DARK, LIGHT, contrast, theme_named
from plotting.fit import fit_figure
from plotting.inspector import inspector_figure
from plotting.layout import Screen
from plotting.phase_map import phase_figure
from plotting.surface3d import surface_figure
from scenes import DEFAULT_SCENE, scene_from_query
from surfaces import SURFACES

STREAMLIT_DARK_BACKGROUND = "#0e1117"  # Streamlit's dark theme (and .streamlit/config.toml)
# Colours only a light figure may hold: its text, outlines, white paper, the black run.
LIGHT_ONLY = {"#222222", "#111111", "#000000", "white", "#ffffff", "#444444", "#333333"}


def wcag(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, written out here from the definition (not plotting's)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    def lum(color: str) -> float:
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    a, b = sorted((lum(first), lum(second)))
    return (b + 0.05) / (a + 0.05)


def colours(spec) -> set[str]:
    """Every colour a figure's dicts name (values under a key with "color" in it)."""
    found = set()

    def walk(part, key=""):
        if isinstance(part, dict):
            for k, v in part.items():
                walk(v, k)
        elif isinstance(part, list):
            for v in part:
                walk(v, key)
        elif isinstance(part, str) and "color" in key:
            found.add(part.lower())
    walk(spec)
    return found


@pytest.fixture(scope="module")
def page():
    return PageState.of(DEFAULT_SCENE)


@pytest.mark.parametrize("view", ["overlay", "multiples"])
def test_the_race_chart_on_a_dark_page_is_dark_with_readable_text(page, view):
    fig = scene_figure(page.surface, page.traces, view=view,
                       screen=Screen(1000, 620, theme="dark")).to_dict()
    layout = fig["layout"]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == STREAMLIT_DARK_BACKGROUND
    text = layout["font"]["color"]
    assert wcag(text, STREAMLIT_DARK_BACKGROUND) >= 4.5  # WCAG AA for text
    for name in ("xaxis", "yaxis", "xaxis2" if view == "overlay" else "xaxis7"):
        assert wcag(layout[name]["linecolor"], STREAMLIT_DARK_BACKGROUND) >= 3  # graphics
        assert wcag(layout[name]["tickcolor"], STREAMLIT_DARK_BACKGROUND) >= 3
    bar = layout["coloraxis"]["colorbar"]
    assert wcag(bar["tickcolor"], STREAMLIT_DARK_BACKGROUND) >= 3
    # The contour's floor is the page's own dark; its walls lighter, never white.
    steps = layout["coloraxis"]["colorscale"]
    assert wcag(steps[0][1], STREAMLIT_DARK_BACKGROUND) < 1.05  # all but the page's dark
    assert all(wcag(color, "#ffffff") > 4.5 for _, color in steps)
    assert not colours(fig) & LIGHT_ONLY - {"#ffffff"}
    # The first run, black on a light page, is white on a dark one; the others keep theirs.
    curves = [t for t in fig["data"] if t.get("mode") == "lines" and t.get("legendgroup")
              and t.get("xaxis", "x").startswith("x") and t.get("name") in
              {r.name for r in page.traces} and "x0" in t]
    assert [c["line"]["color"] for c in curves] == \
        ["#ffffff" if r.color == "#000000" else r.color for r in page.traces]
    for run in page.traces:  # every run's colour stands out from the page (graphics: 3:1)
        assert wcag(DARK.color(run.color), STREAMLIT_DARK_BACKGROUND) >= 3, run.color


def test_the_dark_contour_picture_is_drawn_in_the_dark_scale(page):
    def pixels(fig) -> np.ndarray:
        source = fig.to_dict()["layout"]["images"][0]["source"]
        png = base64.b64decode(source.split(",", 1)[1])
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)

    screen = Screen(1000, 620)
    light = pixels(scene_figure(page.surface, page.traces, screen=screen))
    dark = pixels(scene_figure(page.surface, page.traces, screen=screen.themed("dark")))
    assert light.shape == dark.shape
    # The valley floor (the lowest band) is near white on a light page, the page's own dark
    # on a dark one; every pixel is darker on the dark page.
    assert light.min(axis=2).max() >= 250 and dark.mean() < 80 < light.mean()
    assert (dark.sum(axis=2) < light.sum(axis=2)).all()
    floor = np.array([int(STREAMLIT_DARK_BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(dark - floor).sum(axis=2).min() <= 6


def test_a_light_page_keeps_the_light_figure(page):
    fig = scene_figure(page.surface, page.traces, screen=Screen(1000, 620)).to_dict()
    layout = fig["layout"]
    assert layout["paper_bgcolor"] == "white" and layout["font"]["color"] == "#222222"
    assert wcag("#222222", "#ffffff") >= 4.5
    assert "modebar" not in layout


def test_every_panel_figure_follows_the_theme():
    ravine = SURFACES["ravine"]
    run = simulate(ravine, "momentum", start=(-8, 1.5), steps=30, lr=0.3, mu=0.9,
                   record_state=True)
    pm = phase_map(ravine, "sgd", np.array([0.1, 1.0, 2.5]), None, start=(-8, 1.5), steps=30)
    penguins = PageState.of(scene_from_query({"surface": "penguins", "steps": "20"})[0])
    builders = {
        "phase map": lambda theme: phase_figure(pm, theme=theme),
        "inspector": lambda theme: inspector_figure(ravine, run, 5, label="Momentum",
                                                    color="#E69F00", theme=theme),
        "3D": lambda theme: surface_figure(ravine, PageState.of(DEFAULT_SCENE).traces,
                                           theme=theme),
        "fitted line": lambda theme: fit_figure(penguins.surface.dataset, penguins.traces,
                                                theme=theme),
    }
    for name, build in builders.items():
        light, dark = build("light").to_dict(), build("dark").to_dict()
        assert dark["layout"]["paper_bgcolor"] == STREAMLIT_DARK_BACKGROUND, name
        assert wcag(dark["layout"]["font"]["color"], STREAMLIT_DARK_BACKGROUND) >= 4.5, name
        assert light["layout"]["paper_bgcolor"] == "white", name
        assert not colours(dark) & (LIGHT_ONLY - {"#ffffff"}), (name, colours(dark) & LIGHT_ONLY)
        assert len(dark["data"]) == len(light["data"]), name


def test_the_theme_swaps_colours_and_measures_contrast_as_wcag_does():
    assert theme_named("dark") is DARK and theme_named("light") is LIGHT
    assert theme_named(None) is LIGHT and theme_named("sepia") is LIGHT
    assert DARK.color("#222222") == "#fafafa" and DARK.color("#E69F00") == "#E69F00"
    assert DARK.color("rgba(0, 0, 0, 0.18)") == "rgba(255, 255, 255, 0.18)"  # a black fan
    assert DARK.color("rgba(0, 0, 0, 0)") == "rgba(0, 0, 0, 0)"  # see-through stays so
    assert LIGHT.color("#222222") == "#222222"
    assert DARK.text_colors('<span style="color:#000000">■</span> SGD') == \
        '<span style="color:#ffffff">■</span> SGD'
    for first, second in (("#ffffff", "#000000"), ("#0e1117", "#fafafa"), ("#777777", "#ffffff")):
        assert contrast(first, second) == pytest.approx(wcag(first, second), rel=1e-3)
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    with pytest.raises(ValueError, match="theme"):
        Screen(theme="blue")
    assert Screen().themed("dark").theme == "dark" and Screen().themed(None).theme == "light"


def test_the_page_draws_dark_figures_on_a_dark_page():
    from streamlit.testing.v1 import AppTest

    from deploy.servers import APP

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.context["theme"] = "dark"
    at.query_params.update({"panel": "phase_map"})
    at.run()
    assert not at.exception, at.exception
    (phase,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert phase["layout"]["paper_bgcolor"] == STREAMLIT_DARK_BACKGROUND
    light = AppTest.from_file(str(APP), default_timeout=60)
    light.context["theme"] = "light"
    light.query_params.update({"panel": "phase_map"})
    light.run()
    (phase,) = [json.loads(c.proto.spec) for c in light.get("plotly_chart")]
    assert phase["layout"]["paper_bgcolor"] == "white"
    assert re.fullmatch(r"#[0-9a-f]{6}", STREAMLIT_DARK_BACKGROUND)
