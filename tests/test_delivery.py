"""A fragment's run and the page's messages still queued (controls.delivery).

The queue holds the end of a whole page's run, the race's fragment with the panel's
fragment nested in it, when the race's fragment starts to run again. The browser
applies each element at its path, and stops on an element whose index is past the
end of its container (its rule, "Bad delta path index", is :func:`draw`'s).
"""

from __future__ import annotations

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

from controls import delivery

RACE, PANEL = "race-fragment", "panel-fragment"

# The end of a page's run, still queued: the race's cards, the panel's container and
# its text (nested in the race), then the page's own text. The browser has the rest.
PAGE_TAIL = [((0, 2, 1), RACE), ((0, 2, 2), PANEL), ((0, 2, 2, 0), PANEL), ((0, 3), "")]


def delta(path: tuple[int, ...], fragment: str, text: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path[:] = path
    if path == (0, 2, 2):  # the panel's container
        msg.delta.add_block.SetInParent()
    else:
        msg.delta.new_element.markdown.body = text or str(path)
    msg.delta.fragment_id = fragment
    return msg


def lifecycle(kind: str) -> ForwardMsg:
    msg = ForwardMsg()
    if kind == "new_session":
        msg.new_session.SetInParent()
    else:
        msg.script_finished = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    return msg


def draw(messages: list[ForwardMsg], page: dict | None = None) -> dict:
    """The browser's page after ``messages``: nested ``{index: child}`` containers
    (the main column already holds elements 0 and 1 and the race's container, the
    chart in it). Raises as the browser does on an element whose index is past its
    container's end."""
    page = page if page is not None else {0: {0: {}, 1: {}, 2: {0: {}}}}
    for msg in messages:
        if msg.WhichOneof("type") != "delta":
            continue
        *parents, index = msg.metadata.delta_path
        box = page
        for i in parents:
            box = box[i]
        if index > len(box):
            raise ValueError(f"Bad delta path index {index} (should be between "
                             f"[0, {len(box)}])")
        box[index] = box.get(index, {})
    return page


def queued(queue: ForwardMsgQueue) -> list[ForwardMsg]:
    return list(queue._queue)


def filled(queue: ForwardMsgQueue) -> ForwardMsgQueue:
    for path, fragment in PAGE_TAIL:
        queue.enqueue(delta(path, fragment))
    queue.enqueue(lifecycle("script_finished"))
    return queue


def test_streamlits_own_clear_leaves_the_browser_a_gap():
    """Streamlit as pinned: the race's run drops its queued elements but keeps the
    panel's that follow them; the browser stops. (When this fails, Streamlit clears
    nested fragments' elements too, and controls.delivery may go.)"""
    queue = filled(ForwardMsgQueue())
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=[RACE])
    paths = [tuple(m.metadata.delta_path) for m in queued(queue)
             if m.WhichOneof("type") == "delta"]
    assert paths == [(0, 2, 2), (0, 2, 2, 0), (0, 3)]  # the cards, (0, 2, 1), are gone
    with pytest.raises(ValueError, match="Bad delta path index 2"):
        draw(queued(queue))


def test_with_the_queue_kept_the_browser_draws_the_page_then_the_fragment():
    queue = filled(ForwardMsgQueue())
    delivery.keep_queued_on_fragment_runs(queue)
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=[RACE])
    # The race's run: its chart and cards again, the cards at a path the queue holds.
    queue.enqueue(lifecycle("new_session"))
    queue.enqueue(delta((0, 2, 0), RACE, "the chart"))
    queue.enqueue(delta((0, 2, 1), RACE, "the new cards"))
    sent = queued(queue)
    assert [tuple(m.metadata.delta_path) for m in sent[:len(PAGE_TAIL)]] == [
        p for p, _ in PAGE_TAIL]
    # the new cards follow the run's start: appended, not merged into the old cards
    assert sent[-1].delta.new_element.markdown.body == "the new cards"
    assert sent[-3].WhichOneof("type") == "new_session"
    assert sent[len(PAGE_TAIL)].script_finished == \
        ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    page = draw(sent)
    assert set(page[0][2]) == {0, 1, 2} and set(page[0]) == {0, 1, 2, 3}


def test_a_whole_pages_run_still_clears_the_queue():
    queue = filled(ForwardMsgQueue())
    delivery.keep_queued_on_fragment_runs(queue)
    queue.clear(retain_lifecycle_msgs=True)
    assert [m.WhichOneof("type") for m in queued(queue)] == ["script_finished"]
    queue.enqueue(delta((0, 0), ""))
    queue.clear()
    assert queued(queue) == []


def test_the_queue_is_wrapped_once():
    queue = ForwardMsgQueue()
    delivery.keep_queued_on_fragment_runs(queue)
    wrapped = queue.clear
    delivery.keep_queued_on_fragment_runs(queue)
    assert queue.clear is wrapped


def test_a_served_session_gets_its_queue_kept(monkeypatch):
    class Session:
        _browser_queue = ForwardMsgQueue()

    session = Session()
    monkeypatch.setattr(delivery, "current_session_id", lambda: "abc")
    monkeypatch.setattr(delivery, "session_of", lambda sid: session if sid == "abc" else None)
    delivery.keep_this_sessions_queue()
    filled(session._browser_queue).clear(retain_lifecycle_msgs=True,
                                         fragment_ids_this_run=[RACE])
    draw(queued(session._browser_queue))  # no gap
    monkeypatch.setattr(delivery, "current_session_id", lambda: None)
    delivery.keep_this_sessions_queue()  # outside a served page: nothing to do


def test_streamlit_clears_the_sessions_queue_as_the_wrapper_expects():
    """The session's queue is ``_browser_queue``, and a run's start clears it by calling
    its ``clear`` with the fragment ids of the run (the wrapped method, so the wrapper
    is what runs)."""
    import inspect

    from streamlit.runtime.app_session import AppSession

    source = inspect.getsource(AppSession)
    assert "self._browser_queue = ForwardMsgQueue()" in source
    assert inspect.getsource(AppSession._clear_queue).count(
        "self._browser_queue.clear(") == 1
    assert "retain_lifecycle_msgs=True, fragment_ids_this_run=fragment_ids_this_run" in \
        inspect.getsource(AppSession._clear_queue)
