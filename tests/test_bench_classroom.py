"""The classroom bench's websocket client and its bookkeeping; no timing is asserted.

The messages are checked without a server (built by hand as Streamlit builds
them), then one visitor moves the lr slider on the real server and the chart
it gets back must show the new value.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import classroom
from bench.servers import CLOCK_TICKS, Server, cpu_seconds, process_cpu_seconds, rss_bytes
from harness.page import CONTROL, LECTURE_LINK
from harness.processes import process_tree
from harness.race import figures
from harness.st_client import (
    Cache,
    Run,
    Visitor,
    chart_message,
    read,
    rerun_message,
    run_coroutine,
)


def chart_msg(spec: str = "{}", hash_: str = "h1", path=(0, 3)) -> ForwardMsg:
    msg = ForwardMsg(hash=hash_)
    msg.metadata.cacheable = True
    msg.metadata.delta_path[:] = path
    msg.delta.new_element.plotly_chart.spec = spec
    return msg


def finished(status=ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    return ForwardMsg(script_finished=status)


def test_a_rerun_message_carries_what_the_browser_sends():
    msg = rerun_message("surface=ravine&steps=300", {"$$ID-abc-run0_lr": ["1.5"]},
                        page_script_hash="p1", cached_hashes={"b", "a"}, url="http://h/?x")
    state = BackMsg.FromString(msg.SerializeToString()).rerun_script
    assert state.query_string == "surface=ravine&steps=300"
    assert state.page_script_hash == "p1"
    assert list(state.cached_message_hashes) == ["a", "b"]
    [widget] = state.widget_states.widgets
    assert widget.id == "$$ID-abc-run0_lr" and list(widget.string_array_value.data) == ["1.5"]
    assert state.context_info.url == "http://h/?x" and state.context_info.timezone == "UTC"
    assert not rerun_message("").rerun_script.widget_states.widgets


def test_reading_a_run_finds_the_chart_errors_and_the_end():
    run, cache = Run(), Cache()
    new_session = ForwardMsg()
    new_session.new_session.config.max_cached_message_age = 3
    alert = ForwardMsg()
    alert.delta.new_element.alert.body, alert.delta.new_element.alert.format = "bad", Alert.ERROR
    warning = ForwardMsg()
    warning.delta.new_element.alert.format = Alert.WARNING
    exception = ForwardMsg()
    exception.delta.new_element.exception.type = "ValueError"
    for msg in (new_session, warning, chart_msg(), alert, exception,
                finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN)):
        read(msg, run, cache, "plotly_chart", 0.0)
    assert cache.max_age == 3
    assert run.chart_at is not None and run.finished_at is None  # a rerun follows
    assert run.errors == ["st.error: bad", "exception: ValueError: "]
    read(finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR), run, cache, "plotly_chart", 0.0)
    assert run.finished_at is not None
    assert run.errors[-1] == "script finished with FINISHED_WITH_COMPILE_ERROR"
    assert [path for path, _ in run.elements if path] == [(0, 3)]


def test_a_cached_chart_arrives_as_its_reference_until_it_expires():
    cache = Cache()
    first = Run()
    read(chart_msg(spec='{"a": 1}'), first, cache, "plotly_chart", 0.0)
    read(finished(), first, cache, "plotly_chart", 0.0)
    assert cache.hashes() == ["h1"]
    again = Run()
    read(ForwardMsg(ref_hash="h1"), again, cache, "plotly_chart", 0.0)
    assert again.chart_at is not None and not again.errors
    assert again.elements[0][1].plotly_chart.spec == '{"a": 1}'
    for _ in range(cache.max_age + 1):  # runs without the chart: it ages out, as in the browser
        cache.finish_run()
    assert cache.hashes() == []
    late = Run()
    read(ForwardMsg(ref_hash="h1"), late, cache, "plotly_chart", 0.0)
    assert late.chart_at is None and late.errors == ["cached message missing: h1"]


def test_a_widget_is_found_by_its_user_key():
    run = Run()
    for key in ("run0_lr", "xrun0_lr"):
        msg = ForwardMsg()
        msg.delta.new_element.slider.id = f"$$ID-0123-{key}"
        read(msg, run, Cache(), "plotly_chart", 0.0)
    assert run.widget("run0_lr").id == "$$ID-0123-run0_lr"
    assert run.widget("lr") is None


def test_moves_stay_near_the_start_and_always_change():
    options = [str(v) for v in range(20)]
    for seed in range(20):
        values = classroom.move_values(options, "1", 5, seed)
        assert all(abs(int(v) - 1) <= classroom.NEAR for v in values)
        assert all(a != b for a, b in zip(["1", *values], values, strict=False))
        assert values == classroom.move_values(options, "1", 5, seed)


def fake_level(visitors, *, script="app.py", moves=5, think=(1.0, 3.0), **_):
    """A class's figures: the page's four times the bare page's, and a class's p95 twice
    that of two visitors."""
    page = 4 if script == "app.py" else 1
    crowded = 2 if visitors > 2 else 1
    return {"visitors": visitors, "think": think, "errors": int(page > 1),
            "move": {"p50": 0.01 * page, "p95": 0.04 * page * crowded},
            "rss": 50e6 * page + 60e6 * (visitors > 2), "peak": 100e6 * page,
            "cpu_per_run": 0.009 * page}


def test_the_class_is_held_to_two_visitors_p95_and_its_memory_to_250_mb(monkeypatch):
    monkeypatch.setattr(classroom, "level", fake_level)
    monkeypatch.setattr(classroom, "print_level", lambda name, r: None)
    rows = classroom.against_bare(40, 10, moves=5, think=(1.0, 3.0))
    (p95, *others) = rows
    assert (p95.ours, p95.baseline, p95.ratio, p95.goal, p95.met) == (0.32, 0.16, 2.0, 1.5,
                                                                       False)
    assert p95.against == "the page, 2 visitors, same pace"
    by = {r.name: r for r in others}
    assert by["40 visitors, 1-3 s apart: move p95"].ratio == pytest.approx(4)  # the bare page's
    after = by["40 visitors, 1-3 s apart: server RSS after the class"]
    assert (after.ours, after.baseline, after.met) == (260e6, 110e6, False)  # above 250 MB
    assert by["40 visitors, 1-3 s apart: server CPU per script run"].ratio == pytest.approx(4)
    errors = by["40 visitors, 1-3 s apart: errors"]
    assert (errors.ours, errors.met) == (2, False)  # the class's and the two visitors'
    assert all(r.against == "bare page, same class" for r in others)


def test_memory_and_cpu_cover_the_process_and_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; print(1, flush=True); "
                              "time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        child.stdout.readline()  # the interpreter is up
        assert child.pid in process_tree(os.getpid())
        assert rss_bytes(os.getpid()) > rss_bytes(child.pid) > 1e6
        resident = rss_bytes(child.pid)  # asleep: its memory stays as it is
        assert rss_bytes(child.pid, "VmHWM") >= resident  # its peak
        assert cpu_seconds(os.getpid()) > 0
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert rss_bytes(child.pid) == 0 and cpu_seconds(child.pid) == 0  # gone: nothing to count


def test_cpu_time_is_each_process_cpu_clock_which_its_ticks_round_down():
    before = time.process_time()  # this process's own CPU clock, read by Python
    ours = process_cpu_seconds(os.getpid())
    assert before <= ours <= time.process_time()
    child = subprocess.Popen([sys.executable, "-c", "sum(range(3_000_000)); print(1, flush=True);"
                              " import time; time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        child.stdout.readline()  # its work is done: it sleeps
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # user + system, in ticks
        assert ticks > 0
        assert ticks <= process_cpu_seconds(child.pid) < ticks + 2 / CLOCK_TICKS
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


@pytest.mark.server
def test_a_visitor_moving_the_slider_gets_the_chart_of_the_new_value():
    async def visit(url):
        async with Visitor(url, LECTURE_LINK) as visitor:
            first = await visitor.run()
            slider = first.widget(CONTROL)
            moved = await visitor.run({slider.id: ["1.5"]})
            return first, slider, moved, visitor.query_string

    with Server() as server:
        first, slider, moved, query = run_coroutine(visit(server.url))
        assert server.log.tracebacks == 0
    assert not first.errors and not moved.errors
    assert slider.raw_value[0] == "1.8"
    charts = list(figures(chart_message(e) for run in (first, moved) for _, e in run.elements
                          if chart_message(e) is not None))
    # Each run's full label is in its loss curve's hover text (its legend name is short).
    names = [" ".join(trace.get("hovertemplate", "") for trace in chart["data"])
             for chart in charts]
    assert len(names) == 2
    assert "SGD (lr = 1.8)" in names[0] and "SGD (lr = 1.5)" not in names[0]
    assert "SGD (lr = 1.5)" in names[1] and "SGD (lr = 1.8)" not in names[1]
    assert parse_qs(query)["run"][0] == "sgd:lr=1.5"  # the page wrote the move into the link
    # The slider is drawn in the race's fragment: its move reran that fragment only, as a
    # browser's does (the rules below it and the sidebar were not sent again).
    def rules_drawn(run):
        return any("How each optimizer updates" in str(e) for _, e in run.elements)

    assert slider.id in first.fragments and rules_drawn(first)
    assert moved.status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert not rules_drawn(moved) and len(moved.elements) < len(first.elements)
