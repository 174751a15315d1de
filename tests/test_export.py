"""Export: the trajectories as CSV, the scene as standalone HTML, the PNG button's options.

The CSV is checked against steps worked by hand and against the engine run
on its own; the HTML by what it holds (plotly.js inline, no address it would
load). ``tests/test_views_browser.py`` plays the HTML in Chromium offline.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import replace

import numpy as np
import pytest

from optimizers import OPTIMIZERS, simulate
from optimizers.schedules import Schedule
from panels import PageState
from panels.export import html_file
from plotting import scene_figure
from plotting.animation import frame_steps
from plotting.export import (
    CSV_COLUMNS,
    HYPER_COLUMNS,
    PNG_SCALE,
    chart_config,
    file_stem,
    scene_html,
    trajectories_csv,
)
from plotting.surface3d import surface_figure
from scenes import DEFAULT_SCENE, RunSpec
from scenes.compute import build_surface, run_scene
from scenes.dynamics import Dynamics
from scenes.links import scene_from_query
from scenes.presets import ravine_scene

KAPPA = 50.0


def rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


# --- CSV ---

def test_csv_columns_name_every_hyperparameter_once_in_the_lecture_order():
    every = {h.name for opt in OPTIMIZERS.values() for h in opt.hyper}
    assert set(HYPER_COLUMNS) == every and len(HYPER_COLUMNS) == len(every)
    assert HYPER_COLUMNS[:3] == ("lr", "mu", "decay_rate")
    assert CSV_COLUMNS[:3] == ("run", "label", "optimizer")
    assert CSV_COLUMNS[-5:] == ("step", "x", "y", "loss", "diverged")


def test_csv_first_steps_are_the_hand_worked_ones():
    """SGD (lr 0.5) and Momentum (lr 0.1, mu 0.9) on the ravine, grad = (x / 50, y)."""
    scene = ravine_scene(RunSpec.make("sgd", lr=0.5), RunSpec.make("momentum", lr=0.1, mu=0.9),
                         steps=3)
    table = rows(trajectories_csv(scene, run_scene(scene)))
    assert len(table) == 2 * 4
    sgd, momentum = table[:4], table[4:]
    # SGD: x1 = -8 - 0.5 * (-8 / 50) = -7.92; y1 = 1.5 - 0.5 * 1.5 = 0.75
    assert [r["step"] for r in sgd] == ["0", "1", "2", "3"]
    assert (float(sgd[1]["x"]), float(sgd[1]["y"])) == pytest.approx((-7.92, 0.75), abs=1e-12)
    assert float(sgd[1]["loss"]) == pytest.approx(0.5 * (7.92**2 / KAPPA + 0.75**2), rel=1e-12)
    # Momentum: v1 = -0.1 * (-0.16, 1.5) = (0.016, -0.15); x1 = (-7.984, 1.35);
    # v2 = 0.9 v1 - 0.1 * (-7.984 / 50, 1.35) = (0.0144 + 0.015968, -0.135 - 0.135)
    assert (float(momentum[1]["x"]), float(momentum[1]["y"])) == pytest.approx(
        (-7.984, 1.35), abs=1e-12)
    assert (float(momentum[2]["x"]), float(momentum[2]["y"])) == pytest.approx(
        (-7.984 + 0.030368, 1.35 - 0.27), abs=1e-12)
    assert {r["run"] for r in sgd} == {"0"} and {r["run"] for r in momentum} == {"1"}
    assert sgd[0]["label"] == "SGD (lr = 0.5)" and sgd[0]["optimizer"] == "sgd"
    assert (sgd[0]["lr"], sgd[0]["mu"], sgd[0]["beta1"]) == ("0.5", "", "")
    assert (momentum[0]["lr"], momentum[0]["mu"]) == ("0.1", "0.9")
    assert {r["diverged"] for r in table} == {"false"}
    assert {(r["noise"], r["seed"], r["schedule"], r["anneal"]) for r in table} == {
        ("0", "0", "constant", "")}


def test_csv_holds_every_step_of_the_lecture_scene_exactly():
    runs = run_scene(DEFAULT_SCENE)
    table = rows(trajectories_csv(DEFAULT_SCENE, runs))
    assert len(table) == len(runs) * (DEFAULT_SCENE.steps + 1)
    surface = build_surface(DEFAULT_SCENE.surface_key)
    for index, run, _ in runs:
        mine = [r for r in table if r["run"] == str(index)]
        alone = simulate(surface, run.optimizer, DEFAULT_SCENE.start, DEFAULT_SCENE.steps,
                         **run.values)  # the engine on its own
        xy = np.array([[float(r["x"]), float(r["y"])] for r in mine])
        # 12 significant digits: the engine's floats to within half a unit of the 12th
        np.testing.assert_allclose(xy, alone.points, rtol=5e-12, atol=0)
        np.testing.assert_allclose([float(r["loss"]) for r in mine], alone.losses,
                                   rtol=5e-12, atol=0)
        for r in mine:
            for column in ("x", "y", "loss"):
                digits = r[column].lstrip("-").split("e")[0].replace(".", "").lstrip("0")
                assert len(digits) <= 12, r[column]
        for name, value in run.hyper:
            cell = mine[0][name]
            assert cell == ("true" if value else "false") if isinstance(value, bool) \
                else float(cell) == value


def test_csv_writes_the_intended_numbers_without_float_noise():
    # lr = 0.1 * 3 and mu = 0.7 + 0.2 as arithmetic leaves them (0.30000000000000004,
    # 0.8999999999999999); SGD's first step from -8 at lr 0.3 is -8 + 0.3 * 8 / 50 = -7.952,
    # which floats compute as -7.952000000000001. The CSV says what was meant.
    lr, mu = 0.1 * 3, 0.7 + 0.2
    assert repr(lr) == "0.30000000000000004" and repr(mu) == "0.8999999999999999"
    scene = ravine_scene(RunSpec.make("sgd", lr=lr), RunSpec.make("momentum", lr=lr, mu=mu),
                         steps=2)
    text = trajectories_csv(scene, run_scene(scene))
    assert "0000000" not in text and "9999999" not in text
    table = rows(text)
    assert table[0]["lr"] == "0.3" and table[3]["mu"] == "0.9"
    assert table[1]["x"] == "-7.952" and table[1]["y"] == "1.05"  # 1.5 - 0.3 * 1.5
    assert float(table[1]["loss"]) == pytest.approx(0.5 * (7.952**2 / KAPPA + 1.05**2),
                                                    rel=1e-12)


def test_csv_marks_divergence_and_leaves_the_lost_positions_empty():
    scene = ravine_scene(RunSpec.make("sgd", lr=2.5), steps=30)  # diverges at step 22
    ((_, _, path),) = run_scene(scene)
    assert path.diverged_at == 22
    table = rows(trajectories_csv(scene, run_scene(scene)))
    assert [r["diverged"] for r in table] == ["false"] * 22 + ["true"] * 9
    assert all(r["x"] == r["y"] == r["loss"] == "" for r in table[22:])
    # across the valley y is multiplied by 1 - 2.5 = -1.5 each step
    assert float(table[21]["y"]) == pytest.approx(1.5 * (-1.5) ** 21, rel=1e-12)


def test_csv_gives_each_seed_of_a_fan_its_rows_and_the_schedule_its_link_text():
    dynamics = Dynamics(noise=0.3, seed=7, fan=3,
                        schedule=Schedule("step", drop=0.5, every=10, mu_start=0.5))
    scene = replace(ravine_scene(RunSpec.make("momentum", lr=0.1, mu=0.9), steps=20),
                    dynamics=dynamics)
    table = rows(trajectories_csv(scene, run_scene(scene)))
    assert len(table) == 3 * 21
    assert [r["seed"] for r in table[::21]] == ["7", "8", "9"]
    assert {(r["noise"], r["schedule"], r["anneal"]) for r in table} == {
        ("0.3", "step:drop=0.5,every=10", "0.5,0.99,100")}
    assert table[0]["label"] == "Momentum (lr = 0.1, mu = 0.5 → 0.99)"
    surface = build_surface(scene.surface_key)
    for k, seed in enumerate((7, 8, 9)):  # each seed's path is the engine's with that seed
        alone = simulate(surface, "momentum", scene.start, 20, lr=0.1, mu=0.9, noise=0.3,
                         seed=seed, schedule=dynamics.schedule)
        xy = [[float(r["x"]), float(r["y"])] for r in table[21 * k:21 * (k + 1)]]
        np.testing.assert_allclose(xy, alone.points, rtol=5e-12, atol=0)  # 12 digits
    # the columns are the link's own: reading them back gives the scene's dynamics
    back, messages = scene_from_query({"noise": "0.3", "seed": "7", "fan": "3",
                                       "schedule": table[0]["schedule"],
                                       "anneal": table[0]["anneal"]})
    assert messages == [] and back.dynamics == dynamics


# --- HTML ---

@pytest.fixture(scope="module")
def lecture_html() -> str:
    page = PageState.of(DEFAULT_SCENE)
    return html_file(page, with_3d=True).decode()


def test_html_inlines_plotly_and_loads_nothing(lecture_html):
    html = lecture_html
    assert len(html) > 3_000_000  # plotly.js itself is inside
    assert not re.search(r"<script[^>]*\bsrc=", html)  # no script fetched
    assert not re.search(r"<link[^>]*\bhref=", html)  # no style sheet or font
    assert not re.search(r"<img[^>]*\bsrc=\"?http", html)
    assert "MathJax.Hub" not in html and "mathjax.js" not in html.lower()
    assert 'id="descent-lab-figure"' in html and 'id="descent-lab-figure-2"' in html
    assert html.count("Plotly.newPlot(") == 2
    assert "Plotly.animate" not in html.split("Plotly.newPlot(")[-1]  # no autoplay


def figure_in(html: str, div_id: str) -> dict:
    """The data, layout, config and frames the page hands to Plotly for ``div_id``."""
    decoder = json.JSONDecoder()

    def arguments(call: str, count: int) -> list:
        match = re.search(call, html)
        assert match, call
        pos, out = match.end(), []
        for _ in range(count):
            value, pos = decoder.raw_decode(html, pos)
            out.append(value)
            pos = re.compile(r"\s*,?\s*").match(html, pos).end()
        return out

    data, layout, config = arguments(rf'Plotly\.newPlot\(\s*"{div_id}",\s*', 3)
    (frames,) = arguments(rf"Plotly\.addFrames\('{div_id}',\s*", 1)
    return {"data": data, "layout": layout, "config": config, "frames": frames}


def test_html_carries_the_scene_the_page_shows(lecture_html):
    html = lecture_html
    race = figure_in(html, "descent-lab-figure")
    assert [f["name"] for f in race["frames"]] == [str(s) for s in frame_steps(300)]
    names = [t.get("name") for t in race["data"]]
    assert "start picker" not in names  # nothing to click offline
    assert "SGD" in names and "Adam" in names  # the legend
    assert race["config"]["toImageButtonOptions"]["filename"] == "descent-lab-ravine-300-steps"
    three_d = figure_in(html, "descent-lab-figure-2")
    assert three_d["data"][0]["type"] == "surface"
    assert three_d["config"]["toImageButtonOptions"]["filename"] == \
        "descent-lab-ravine-300-steps-2"
    assert "<li>Adam (lr = 0.3)</li>" in html
    assert "takes 300\nsteps" in html and "(-8, 1.5)" in html
    # the default scene's link is the page's address as it is
    assert "open\nthe page's address as it is (its default scene)" in html


def test_html_escapes_what_it_quotes():
    scene = ravine_scene(RunSpec.make("sgd", lr=0.5), steps=5)
    surface = build_surface(scene.surface_key)
    fig = scene_figure(surface, [], start_picker=False)
    html = scene_html([fig], scene, surface, ["<b>bold</b> & co"], link="?x=<script>")
    assert "<li>&lt;b&gt;bold&lt;/b&gt; &amp; co</li>" in html
    assert "?x=&lt;script&gt;" in html and "?x=<script>" not in html


def test_html_of_the_presenter_view_keeps_its_sizes_and_view():
    page = replace(PageState.of(DEFAULT_SCENE), view="multiples", presenter=True)
    html = html_file(page, with_3d=False).decode()
    race = figure_in(html, "descent-lab-figure")
    assert race["layout"]["font"]["size"] == 24  # laid out for a projector
    assert sum(1 for key in race["layout"] if key.startswith("xaxis")) == 7  # 6 panels + loss
    assert 'id="descent-lab-figure-2"' not in html


# --- PNG and names ---

def test_png_button_options_and_file_names():
    config = chart_config("descent-lab-ravine-300-steps")
    assert config["displaylogo"] is False and config["showSendToCloud"] is False
    assert config["toImageButtonOptions"] == {
        "format": "png", "filename": "descent-lab-ravine-300-steps", "scale": PNG_SCALE}
    assert "modeBarButtonsToRemove" not in config  # the camera stays
    assert file_stem(DEFAULT_SCENE) == "descent-lab-ravine-300-steps"
    custom, _ = scene_from_query({"surface": "custom", "expr": "x**2 + y**2", "steps": "40"})
    assert file_stem(custom) == "descent-lab-custom-40-steps"


def test_an_empty_scene_still_exports():
    scene = replace(ravine_scene(RunSpec.make("sgd", lr=0.5, enabled=False), steps=5))
    page = PageState.of(scene)
    assert page.runs == []
    assert trajectories_csv(scene, page.runs).strip() == ",".join(CSV_COLUMNS)
    surface = page.surface
    html = scene_html([scene_figure(surface, [], start_picker=False),
                       surface_figure(surface, [])], scene, surface, [])
    assert html.count("Plotly.newPlot(") == 2 and math.isfinite(len(html))


# --- the PNG's picture: a title and the scene in words ---

def test_the_pictures_words_name_the_surface_its_settings_start_and_steps():
    from plotting.export import image_text

    page = PageState.of(DEFAULT_SCENE)
    title, words = image_text(page.scene, page.surface)
    assert title == "Descent Lab: Anisotropic ravine"
    assert words == ("kappa = 50, angle = 0. Every run starts at (\u22128, 1.5) and takes "
                     "300 steps, shown at the last.")
    scene, _ = scene_from_query({"surface": "custom", "expr": "x**2 + 10*y**2",
                                 "start": "-3,2", "steps": "50", "noise": "0.2",
                                 "run": "sgd:lr=0.05"})
    title, words = image_text(scene, build_surface(scene.surface_key))
    assert title == "Descent Lab: Custom formula"
    assert words.startswith("f(x, y) = x**2 + 10*y**2. Every run starts at (\u22123, 2)")
    assert words.endswith("With gradient noise.")


def test_the_picture_adds_its_words_above_the_chart_and_moves_nothing_of_it():
    from plotting.export import image_figure

    page = PageState.of(DEFAULT_SCENE)
    fig = scene_figure(page.surface, page.traces, start_picker=False, plotly_controls=False)
    words = "A line " * 60  # wraps onto several lines at 800 px
    picture = image_figure(fig, "Descent Lab: <ravine>", words, width=800).to_dict()
    before, after = fig.to_dict()["layout"], picture["layout"]
    band = after["height"] - before["height"]
    assert band > 0 and after["margin"]["t"] - before["margin"]["t"] == pytest.approx(band, abs=1)
    assert {k: v for k, v in after["margin"].items() if k != "t"} == \
        {k: v for k, v in before["margin"].items() if k != "t"}
    words = {a["name"]: a for a in after["annotations"] if a.get("name") in
             ("title", "description")}
    assert words["title"]["text"] == "<b>Descent Lab: &lt;ravine&gt;</b>"  # escaped
    assert words["description"]["text"].count("<br>") >= 2  # wrapped to the width
    assert "A line" in words["description"]["text"]
    assert after["annotations"][:-2] == before["annotations"]  # the chart's own stay
    assert "frames" not in picture  # still: the last step, as the traces show it
    assert picture["data"] == fig.to_dict()["data"]
    # Both in the band above the plot area, the title on top, the words under it, and the
    # words' lines (1.3 em each) end above the legend's band (the old top margin).
    plot_height = after["height"] - after["margin"]["t"] - after["margin"]["b"]
    title_top, words_top = (after["margin"]["t"] - (words[name]["y"] - 1) * plot_height
                            for name in ("title", "description"))  # pixels below the top
    font = before["font"]["size"]
    assert 0 < title_top < words_top
    lines = words["description"]["text"].count("<br>") + 1
    assert words_top + 1.3 * 0.9 * font * lines <= band + 1


def test_the_export_panel_draws_the_picture_its_camera_saves():
    from bench.page import open_page

    at = open_page(panel="export")
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    def named(chart: dict) -> dict:
        return {a.get("name"): a["text"] for a in chart["layout"].get("annotations", [])}

    (picture,) = [c for c in charts if "title" in named(c)]
    assert named(picture)["title"] == "<b>Descent Lab: Anisotropic ravine</b>"
    assert "Every run starts at" in named(picture)["description"]
    (config,) = [json.loads(c.proto.config) for c in at.get("plotly_chart")
                 if "title" in named(json.loads(c.proto.spec))]
    assert config["toImageButtonOptions"]["filename"] == "descent-lab-ravine-300-steps"
    assert any("camera icon" in c.value and "title" in c.value for c in at.caption)
