"""The class's runs through AppTest: a student's "Send my run", and the lecturer's "Class"
panel ranking the board by steps to the target loss, with its switches.

Every test that uses a store runs against both (``tests.test_app_rooms.store``).
References: the store's own reads and each run simulated here
step by step with the optimizers' engine (``optimizers.simulate``), its loss compared with
the target computed from the surface's minimum.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import rooms
from harness.page import open_page
from optimizers import simulate
from panels import class_board
from plotting.build import panel_style
from plotting.colors import run_color
from scenes import DEFAULT_SCENE, RunSpec
from scenes.compute import Trajectory, build_surface
from tests.panel_page import decode
from tests.test_app_rooms import lecturer_page, store  # noqa: F401 (the store fixture)

RUNS = ["sgd:lr=0.1", "momentum:lr=0.3", "sgd:lr=10", "adam:lr=0.3"]  # as links write them


def reference_steps(text: str) -> int | None | str:
    """Steps to the target of the run ``text`` on the default scene, simulated here:
    'diverged', or the first step whose excess loss is at most TOL of the start's."""
    optimizer, _, settings = text.partition(":")
    values = {k: float(v) for k, v in (pair.split("=") for pair in settings.split(","))}
    spec = RunSpec.make(optimizer, **values)  # with the optimizer's other defaults
    surface = build_surface(DEFAULT_SCENE.surface_key)
    result = simulate(surface, spec.optimizer, np.asarray(DEFAULT_SCENE.start, float),
                      DEFAULT_SCENE.steps, **dict(spec.hyper))
    if result.diverged_at is not None and result.diverged_at <= DEFAULT_SCENE.steps:
        return "diverged"
    excess = result.losses - surface.min_value
    reached = np.flatnonzero(excess <= class_board.TOL * excess[0])
    return int(reached[0]) if reached.size else None


def captions(at) -> list[str]:
    """The page's captions as a student reads them (Markdown's escapes dropped)."""
    return [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]


def table_of(at) -> list[dict]:
    (table,) = at.table
    frame = table.value
    return frame.to_dict("records")


def test_the_class_panel_ranks_the_board_by_steps_to_the_target(store):  # noqa: F811
    lecturer, code, secret = lecturer_page()
    for n, text in enumerate(RUNS):
        store.submit(code, f"student{n}", text, name=f"S{n}")
    lecturer.run()
    rows = table_of(lecturer)
    expected = {text: reference_steps(text) for text in RUNS}
    reached = sorted((s, t) for t, s in expected.items() if isinstance(s, int))
    assert [r["run"] for r in rows[:len(reached)]] == [t for _, t in reached]
    assert [r["to the target"] for r in rows[:len(reached)]] == [f"{s} steps" for s, _ in reached]
    assert [r["#"] for r in rows[:len(reached)]] == [str(i + 1) for i in range(len(reached))]
    assert expected["sgd:lr=10"] == "diverged"
    assert rows[-1]["run"] == "sgd:lr=10" and rows[-1]["#"] == ""
    assert rows[-1]["to the target"].startswith("diverged at step ")
    assert {r["name"] for r in rows} == {"S0", "S1", "S2", "S3"}
    # Hide names: for every reader; clear; close submissions.
    lecturer.toggle(key="class_hide").set_value(True).run()
    assert store.read_board(code).names_hidden
    assert {r["name"] for r in table_of(lecturer)} == {""}
    lecturer.toggle(key="class_open").set_value(False).run()
    assert not store.read_board(code).submissions_open
    with pytest.raises(rooms.RefusedError):
        store.submit(code, "late", "sgd:lr=0.1")
    lecturer.button(key="class_clear").click().run()
    assert store.read_board(code).entries == ()
    assert lecturer.table == [] or table_of(lecturer) == []
    assert not lecturer.exception


def opened_send_menu(code: str):
    """A student's page in room ``code`` with "Send my run" open (its contents are drawn
    only while it is open)."""
    student = open_page({"room": code})
    assert [w.key for w in student.text_input if w.key == "room_send_name"] == []
    student.session_state["room_send_menu"] = True  # as the browser's tap opens it
    student.run()
    return student


def test_a_student_sends_a_run_with_a_name_and_waits_between_runs(store):  # noqa: F811
    _, code, _ = lecturer_page()
    student = opened_send_menu(code)
    student.selectbox(key="room_send_pick").set_value(1)
    student.text_input(key="room_send_name").set_value("Ada")
    student.button(key="room_send").click().run()
    (entry,) = store.read_board(code).entries
    assert entry.name == "Ada" and entry.run.optimizer == DEFAULT_SCENE.runs[1].optimizer
    assert entry.run.values == DEFAULT_SCENE.runs[1].values
    assert any(c.startswith("Sent: run 1 on the class's board") for c in captions(student))
    student.button(key="room_send").click().run()  # at once again: refused, plainly
    assert len(store.read_board(code).entries) == 1
    assert any(c.startswith("One run every 5 s, please") for c in captions(student))
    assert not student.exception


def test_a_name_field_takes_at_most_24_characters(store):  # noqa: F811
    _, code, _ = lecturer_page()
    student = opened_send_menu(code)
    student.text_input(key="room_send_name").set_value("x" * 40)
    student.button(key="room_send").click().run()
    (entry,) = store.read_board(code).entries
    assert entry.name == "x" * 24


@pytest.mark.parametrize("name", ["<b>bold</b>", "a\u202eb", "a\nb"])
def test_a_name_that_is_not_plain_short_text_is_refused_plainly(store, name):  # noqa: F811
    _, code, _ = lecturer_page()
    student = opened_send_menu(code)
    student.text_input(key="room_send_name").set_value(name)
    student.button(key="room_send").click().run()
    assert store.read_board(code).entries == ()
    assert not student.exception
    assert not any(c.startswith("Sent") for c in captions(student))
    assert any("name" in c for c in captions(student)), captions(student)


def test_steps_to_the_target_on_a_made_up_path():
    losses = np.array([10.0, 5.0, 0.5, 1e-4, 0.0])
    path = Trajectory(np.zeros((5, 2)), losses, None)
    assert class_board.steps_to(path, 1e-3) == 3
    assert class_board.steps_to(path, -1.0) is None
    assert class_board.steps_to(path, None) is None
    entry = rooms.Entry(1, "", RunSpec("sgd", (("lr", 0.1),)), "sgd:lr=0.1", 0.0)
    assert class_board.ranked([entry], 1e-3, lambda run: path)[0].steps == 3


# --- the picture: the class's runs on the contour ---

# Names with a blank, which no base64 array of the figure can hold by chance.
NAMES = ["Zelda Quokka", "Hypatia Wombat", "Grace Hopper", "Emmy Noether"]


def class_chart(at) -> dict:
    """The Class panel's figure, as the browser gets it."""
    (chart,) = [c for c in at.get("plotly_chart") if c.key == "class_chart"]
    return json.loads(chart.proto.spec)


def split_paths(x, y) -> list[np.ndarray]:
    """One trace's line broken at its NaN points: each part's points."""
    xy = np.column_stack([decode(x), decode(y)])
    breaks = np.flatnonzero(np.isnan(xy[:, 0]))
    starts = np.r_[0, breaks[:-1] + 1]
    return [xy[a:b] for a, b in zip(starts, breaks, strict=True)]


def reference_drawn(text: str) -> np.ndarray:
    """The part of run ``text``'s path on the default scene that the figure must draw,
    simulated here: the whole path, or for a run that diverged its steps up to the last
    one inside the plot and then the point where the segment after it crosses the plot's
    edge (found by bisection)."""
    optimizer, _, settings = text.partition(":")
    values = {k: float(v) for k, v in (pair.split("=") for pair in settings.split(","))}
    spec = RunSpec.make(optimizer, **values)
    surface = build_surface(DEFAULT_SCENE.surface_key)
    run = simulate(surface, spec.optimizer, np.asarray(DEFAULT_SCENE.start, float),
                   DEFAULT_SCENE.steps, **dict(spec.hyper))
    if run.diverged_at is None:
        return run.points
    (x0, x1), (y0, y1) = surface.domain
    finite = run.points[:run.diverged_at]

    def inside(p):
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1

    last = max(k for k in range(len(finite)) if inside(finite[k]))
    if last == len(finite) - 1:
        return finite
    a, b = finite[last], finite[last + 1]
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(a + mid * (b - a)) else (lo, mid)
    return np.vstack([finite[:last + 1], a + lo * (b - a)])


def test_the_class_panel_draws_every_run_on_the_contour_under_the_lecturers(store):  # noqa: F811
    lecturer, code, _ = lecturer_page()
    for n, text in enumerate(RUNS):
        store.submit(code, f"student{n}", text, name=NAMES[n])
    lecturer.run()
    fig = class_chart(lecturer)
    names = [trace.get("name", "") for trace in fig["data"]]
    (lines,) = [i for i, n in enumerate(names) if n.startswith("the class's runs (")]
    assert names[lines] == f"the class's runs ({len(RUNS)})"
    drawn = split_paths(fig["data"][lines]["x"], fig["data"][lines]["y"])
    assert len(drawn) == len(RUNS)
    for text in RUNS:  # each run's path once, in float32
        expected = reference_drawn(text)
        matches = [p for p in drawn if p.shape == expected.shape
                   and np.allclose(p, expected, rtol=1e-6, atol=1e-5)]
        assert len(matches) == 1, text
    assert reference_drawn("sgd:lr=10").shape[0] < DEFAULT_SCENE.steps  # it left the view
    (gone,) = [fig["data"][i] for i, n in enumerate(names) if n.startswith("diverged")]
    assert names.count("diverged: last seen here (1)") == 1
    assert np.allclose([decode(gone["x"])[0], decode(gone["y"])[0]],
                       reference_drawn("sgd:lr=10")[-1], atol=1e-5)
    # The lecturer's runs: later in data, each in its colour, thicker than the class's.
    own = [(i, DEFAULT_SCENE.runs[k]) for k in range(len(DEFAULT_SCENE.runs))
           for i, t in enumerate(fig["data"])
           if t.get("line", {}).get("color") == run_color(k) and t["mode"] == "lines"]
    assert len(own) == len(DEFAULT_SCENE.runs)
    assert all(i > lines for i, _ in own)
    for i, run in own:
        path = decode(fig["data"][i]["x"])
        reference = simulate(build_surface(DEFAULT_SCENE.surface_key), run.optimizer,
                             np.asarray(DEFAULT_SCENE.start, float), DEFAULT_SCENE.steps,
                             **dict(run.hyper)).points[:, 0]
        assert np.allclose(path, reference[:path.size], rtol=1e-6, atol=1e-5)
        assert fig["data"][i]["line"]["width"] > fig["data"][lines]["line"]["width"]
    # The target's level: a contour line of exactly the ranking's target, in the legend.
    surface = build_surface(DEFAULT_SCENE.surface_key)
    target = class_board.target_loss(surface, DEFAULT_SCENE.start)
    (ring,) = [t for t in fig["data"] if t["type"] == "contour"]
    assert ring["contours"]["start"] == ring["contours"]["end"] == pytest.approx(target)
    assert any(n.startswith(f"target: loss {target:.3g}") for n in names)
    assert fig["layout"]["images"]  # the filled contour under it all
    text = json.dumps(fig)
    assert all(name in text for name in NAMES)  # in the ends' hovers while names show


def test_hidden_names_are_in_no_string_of_the_class_figure(store):  # noqa: F811
    lecturer, code, _ = lecturer_page()
    for n, text in enumerate(RUNS):
        store.submit(code, f"student{n}", text, name=NAMES[n])
    lecturer.run()
    lecturer.toggle(key="class_hide").set_value(True).run()
    fig = class_chart(lecturer)
    strings = []
    stack = [fig]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend([*node.keys(), *node.values()])
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            strings.append(node)
    assert strings and not [s for s in strings if any(name in s for name in NAMES)]
    assert not lecturer.exception


def test_the_class_figure_follows_the_lecturers_screen_in_presenter_mode(store):  # noqa: F811
    lecturer, code, _ = lecturer_page()
    store.submit(code, "student", RUNS[0])
    heights = []
    for width, height in ((1888, 1080), (1248, 720)):  # 1920x1080's and 1280x720's column
        lecturer.session_state["viewport"] = {
            "size": {"width": width, "height": height, "top": 180}}
        lecturer.run()
        fig = class_chart(lecturer)
        assert fig["layout"]["font"]["size"] == panel_style(True).font
        assert 320 <= fig["layout"]["height"] <= height - class_board.HEADER
        heights.append(fig["layout"]["height"])
        assert not lecturer.exception
    assert heights[1] < heights[0]
