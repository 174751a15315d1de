"""The class's runs through AppTest: a student's "Send my run", and the lecturer's "Class"
panel ranking the board by steps to the target loss, with its switches.

Every test that uses a store runs against both (``tests.test_app_rooms.store``).
References: the store's own reads and each run simulated here
step by step with the optimizers' engine (``optimizers.simulate``), its loss compared with
the target computed from the surface's minimum.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import rooms
from harness.page import open_page
from optimizers import simulate
from panels import class_board
from scenes import DEFAULT_SCENE, RunSpec
from scenes.compute import Trajectory, build_surface
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


def test_a_student_sends_a_run_with_a_name_and_waits_between_runs(store):  # noqa: F811
    _, code, _ = lecturer_page()
    student = open_page({"room": code})
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
    student = open_page({"room": code})
    student.text_input(key="room_send_name").set_value("x" * 40)
    student.button(key="room_send").click().run()
    (entry,) = store.read_board(code).entries
    assert entry.name == "x" * 24


@pytest.mark.parametrize("name", ["<b>bold</b>", "a\u202eb", "a\nb"])
def test_a_name_that_is_not_plain_short_text_is_refused_plainly(store, name):  # noqa: F811
    _, code, _ = lecturer_page()
    student = open_page({"room": code})
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
