"""The race through AppTest: what a card's slider reruns, and what it sends the chart."""

from __future__ import annotations

import json
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

import controls.runs
import controls.sidebar
from harness.race import apply, whole
from tests.test_app import figure, message, open_page


def lower_lr(at) -> None:
    """Move the first run's lr one step down its menu, as a visitor's slider does."""
    slider = at.select_slider(key="run0_lr")
    menu = [float(v) for v in slider.options]
    slider.set_value(menu[menu.index(float(slider.value)) - 1]).run()


def by_frame(fig: dict) -> list[dict]:
    """Each frame as {trace: update}, to compare frames whatever their traces' order."""
    return [dict(zip(map(str, f["traces"]), f["data"], strict=True)) for f in fig["frames"]]


def test_a_move_sends_the_moved_runs_traces_and_the_chart_gets_the_whole_figure_right():
    at = open_page()
    before = figure(at)
    whole_bytes = len(json.dumps(message(at)))
    lower_lr(at)
    change = message(at)
    assert "figure" not in change and change["base"] == change["rev"] - 1
    # Not the contour (an image in the layout), nor most traces: the moved run's.
    assert 0 < len(change["traces"]) < len(before["data"]) / 3
    assert len(json.dumps(change)) < whole_bytes / 4
    groups = {before["data"][int(i)].get("legendgroup") for i in change["traces"]}
    assert len(groups - {None}) == 1
    # The moved path's points travel once, in its steps; its trace names them there.
    sent = {(i, name) for i, trace in change["traces"].items() for name, value in trace.items()
            if isinstance(value, dict) and "sent" in value}
    assert {name for _, name in sent} == {"x", "y"}
    assert all(i in change["steps"] for i, _ in sent)
    # What the chart makes of it is the figure the page draws whole.
    after = figure(at)
    applied = apply(before, change)
    assert applied["data"] == after["data"] and applied["layout"] == after["layout"]
    assert by_frame(applied) == by_frame(after)


def test_a_rerun_that_changes_nothing_in_the_chart_sends_only_its_revision():
    at = open_page()
    rev = message(at)["rev"]
    at.run()
    assert message(at) == {**message(at), "rev": rev} and "figure" not in message(at)
    assert "traces" not in message(at)


def test_a_cards_slider_reruns_the_chart_not_the_cards_nor_the_page():
    at = open_page()
    calls = {"cards": 0, "sidebar": 0}

    def counted(name, function):
        def count(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return count

    with mock.patch.object(controls.runs, "strip", counted("cards", controls.runs.strip)), \
            mock.patch.object(controls.sidebar, "presets",
                              counted("sidebar", controls.sidebar.presets)):
        rev = message(at)["rev"]
        lower_lr(at)
        assert message(at)["rev"] == rev + 1  # the chart's fragment ran
        assert calls == {"cards": 0, "sidebar": 0}
        assert not at.exception
        # This run sent the chart's fragment alone: no card, nothing of the sidebar.
        assert not at.select_slider and not at.sidebar
        # A run switched off changes its card: the race reruns with its cards.
        at.run()
        calls.update(cards=0, sidebar=0)
        at.toggle(key="run1_on").set_value(False).run()
        assert calls["cards"] == 1


def resync(at, value) -> None:
    """Rerun ``at`` with the race chart's ``resync`` trigger holding ``value``, as a chart
    mounted anew sends it (or anything a visitor's websocket sends)."""
    from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

    from tests.test_app import race_chart
    from tests.test_app_hostile import send
    widget = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{race_chart(at).proto.id}__events"
    send(at, widget, "json_trigger_value",
         json.dumps([{"event": "resync", "value": value}], allow_nan=True))


def test_a_chart_mounted_anew_that_asks_gets_the_whole_figure():
    at = open_page()
    rev = message(at)["rev"]
    at.run()
    assert "figure" not in message(at)  # it has the figure
    resync(at, {"has": None})
    assert not at.exception
    assert message(at)["rev"] == rev + 1 and "figure" in message(at)
    at.run()  # and then nothing new again
    assert message(at) == {**message(at), "rev": rev + 1} and "figure" not in message(at)


def test_whatever_a_visitor_sends_as_resync_at_worst_costs_the_whole_figure():
    at = open_page()
    for value in ([], "x" * 1000, None, {"has": float("nan")}, 0):
        resync(at, value)
        assert not at.exception
        assert set(message(at)) >= {"rev", "font"}


def test_pages_showing_one_scene_on_one_screen_share_its_figure_built_once():
    """A room's followers on like phones: the second page's figure is the first's,
    built, turned to JSON and digested once; what its chart is sent is the same."""
    from tests.test_computed import figures_built

    with figures_built() as built:
        first = open_page()
        count = len(built)
        second = open_page()
    assert count >= 1 and len(built) == count  # the second page built no figure
    assert figure(second) == figure(first)
    assert json.loads(json.dumps(message(second)["figure"])) == message(first)["figure"]


def test_a_whole_figure_is_sent_as_json_with_the_prepared_text():
    from controls.race_chart import Prepared, _payload
    from controls.race_chart import message as chart_message

    fig = {"data": [{"x": [1, 2], "y": [3.5, None], "name": "SGD"}],
           "layout": {"title": {"text": "ravine \u2014 \"quoted\""}}, "frames": []}
    ready = Prepared.of(fig)
    change, _ = chart_message(ready, None)
    payload = {**change, "font": 18, "lecture": {"step": "sgd"}}
    assert json.loads(_payload(payload, ready)) == json.loads(json.dumps(payload))
    assert json.loads(_payload({"figure": fig}, ready)) == {"figure": ready.whole}
    assert whole(ready.whole) == fig  # the frames (none here) in place of names and steps
    assert json.loads(_payload({"rev": 3}, ready)) == {"rev": 3}


def test_steps_in_frames_that_follow_one_another_are_sent_as_a_range():
    from controls.race_chart import columns
    from harness.race import unpack

    ones = ["AAAAAAAA8D8=", "AAAAAAAAAEA=", "AAAAAAAACEA="]  # 1.0, 2.0, 3.0 (f8)
    following = [[3 + j, {"x": {"dtype": "f8", "bdata": one}, "y": [j]}]
                 for j, one in enumerate(ones)]
    packed = columns(following)
    assert packed["k"] == {"from": 3, "count": 3}
    assert packed["columns"]["x"] == {"dtype": "f8", "bdata": ones}
    assert unpack(packed) == following
    gaps = [following[0], following[2]]
    assert columns(gaps)["k"] == [3, 5] and unpack(columns(gaps)) == gaps
    mixed = [[0, {"x": [1]}], [1, {"y": [2]}]]  # not the same attributes: as they are
    assert columns(mixed) == mixed


def test_a_path_drawn_so_far_is_sent_once_with_each_steps_length():
    import base64

    import numpy as np

    from controls.race_chart import columns
    from harness.race import unpack

    path = np.array([0.5, -1.25, 2.0, 3.5, 4.0], dtype="f4")
    text = lambda a: base64.b64encode(a.tobytes()).decode()  # noqa: E731
    # Two pieces of a path, each drawn so far: [0:1], [0:2], [0:3], then [2:3], [2:5].
    pieces = [path[:1], path[:2], path[:3], path[2:3], path[2:5]]
    steps = [[k, {"x": {"dtype": "f4", "bdata": text(a)}}] for k, a in enumerate(pieces)]
    packed = columns(steps)["columns"]["x"]
    assert packed == {"dtype": "f4", "bdata": [text(path[:3]), text(path[2:5])],
                      "take": [[0, 1], [0, 2], [0, 3], [1, 1], [1, 3]]}
    assert unpack(columns(steps)) == steps
    # No array the start of a later one: each sent as it is.
    other = [[k, {"x": {"dtype": "f4", "bdata": text(path[k:k + 2])}}] for k in range(3)]
    assert columns(other)["columns"]["x"] == {"dtype": "f4",
                                              "bdata": [u["x"]["bdata"] for _, u in other]}
    assert unpack(columns(other)) == other


@given(st.binary(max_size=40), st.binary(max_size=40), st.integers(0, 40), st.booleans())
def test_a_start_is_read_from_the_base64_texts_as_from_the_bytes(data, other, cut, flip):
    """``starts_with`` and ``decoded_size`` read the base64 texts as their decoded bytes
    would be read: a start of ``data`` (its last byte changed, or not), or other bytes."""
    import base64

    from controls.race_chart import decoded_size, starts_with

    start = data[:cut]
    if flip and start:
        start = start[:-1] + bytes([start[-1] ^ 1])
    text = lambda b: base64.b64encode(b).decode()  # noqa: E731
    for candidate in (start, other):
        assert starts_with(text(data), text(candidate)) == data.startswith(candidate)
    assert decoded_size(text(data)) == len(data)


def test_a_nested_attribute_is_a_column_named_by_its_path():
    import base64

    import numpy as np

    from controls.race_chart import columns
    from harness.race import unpack

    sizes = np.array([9, 0, 0, 9], dtype="u1")
    text = lambda a: base64.b64encode(a.tobytes()).decode()  # noqa: E731
    steps = [[k, {"marker": {"size": {"dtype": "u1", "bdata": text(sizes[:k + 1])}}}]
             for k in range(4)]
    packed = columns(steps)
    assert list(packed["columns"]) == ["marker.size"]
    assert packed["columns"]["marker.size"] == {"dtype": "u1", "bdata": [text(sizes)],
                                                "take": [[0, 1], [0, 2], [0, 3], [0, 4]]}
    assert unpack(packed) == steps


def test_the_race_draws_a_path_as_one_trace_sent_once_however_many_frames_show_it(lecture):
    """On the page (its own player, not Plotly's) each run's path is one trace, whose
    frames show its first points up to the frame's step; the whole figure sends each path's
    points once, in its steps (the trace shows the last of them, named by its place there),
    never once a frame, and the chart's frames are Plotly's own frames of the figure."""
    import numpy as np

    from controls.race_chart import Prepared
    from plotting.figure import scene_spec
    from tests.measures import resolve_frames
    from tests.test_plotting import values

    surface, traces = lecture
    page = scene_spec(surface, traces, plotly_controls=False)
    file = scene_spec(surface, traces)  # a file of its own: Plotly's player, path blocks
    paths = [[i for i, t in enumerate(fig["data"]) if t.get("xaxis") == "x"
              and t.get("mode", "").startswith("lines") and t.get("legendgroup")]
             for fig in (page, file)]
    assert len(paths[0]) == len(traces) < len(paths[1])
    # Two runs get dots along their paths (plotting.marks), redrawn at every frame if the
    # path were one trace: they keep their blocks.
    dotted = scene_spec(surface, traces[:2], plotly_controls=False)
    assert len([t for t in dotted["data"] if t.get("xaxis") == "x" and t.get("legendgroup")
                and t.get("mode") == "lines+markers"]) > 2
    resolved = resolve_frames(page["frames"])
    for run, i in zip(traces, paths[0], strict=True):
        for frame in resolved:
            update = dict(zip(frame["traces"], frame["data"], strict=True))[i]
            step = min(int(frame["name"]), run.last)
            shown = np.c_[values(update["x"]), values(update["y"])]
            np.testing.assert_array_equal(shown, run.points[:step + 1].astype("f4").astype(float))
    ready = Prepared.of(page)
    sent = json.dumps(ready.whole)
    assert whole(json.loads(sent)) == json.loads(json.dumps(page))
    for i in paths[0]:  # the whole path once: one array, each frame a length of it
        x = ready.whole["steps"][i]["columns"]["x"]
        assert len(x["bdata"]) == 1 and len(x["take"]) == len(page["frames"])
        assert ready.whole["data"][i]["x"] == {"sent": 0}  # the trace: that same array
        assert page["data"][i]["x"]["bdata"] == x["bdata"][0]
        for name in ("x", "y"):  # the path's points in the message once, not twice
            assert sent.count(page["data"][i][name]["bdata"]) == 1
    assert len(sent) < len(json.dumps(page)) / 3
