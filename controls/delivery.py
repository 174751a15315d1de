"""A fragment's run never throws away the page's messages that are still on their way.

Streamlit holds a session's outgoing messages in a queue (``ForwardMsgQueue``) that
its event loop sends every few milliseconds. When a run starts, Streamlit clears the
queue of what it has not sent yet. For a whole page's run that is safe: everything
is drawn again. For a fragment's run, Streamlit drops the queued elements of that
fragment (only that one, not the fragments nested in it) and keeps the rest.

On a busy server the queue may still hold the end of the page's last run when a
fragment's run starts (a phone's screen report, a slider moved early). The race's
fragment then loses its own elements but keeps those of the panel's fragment that
follow them inside it: the browser receives element 2 of a container that has only
element 0 and stops with "Bad delta path index 2 (should be between [0, 1])", a
white page, its connection closed. Seen here on about one first visit in ten on a
loaded server (a fresh server, two busy cores).

:func:`keep_queued_on_fragment_runs` makes the session's queue keep what it holds when
a fragment's run starts: the browser receives the page's last run in full, then the
fragment's run, which redraws the fragment. That is exactly what it receives when the
queue happens to be sent a moment earlier, so nothing new can reach it. A whole page's
run still clears the queue as Streamlit does.

Streamlit's parts used here that are not its documented API (pinned by
``tests/test_delivery.py``, listed in docs/maintaining.md): ``AppSession._browser_queue``,
``ForwardMsgQueue.clear``'s arguments and ``ForwardMsgQueue._delta_index_map``.
"""

from __future__ import annotations

from controls.room_watch import current_session_id, session_of

_KEPT = "_descent_lab_keeps_queue"  # set on a queue whose clear this module wraps


def keep_queued_on_fragment_runs(queue) -> None:
    """Make ``queue`` (a ``ForwardMsgQueue``) keep its messages when a fragment's run
    starts (``clear(retain_lifecycle_msgs=True, fragment_ids_this_run=[...])``). Its
    later messages are appended after them, never merged into an earlier run's. Once
    per queue; a whole page's run clears it as before."""
    if getattr(queue, _KEPT, False):
        return
    clear = queue.clear

    def clear_unless_a_fragment_runs(retain_lifecycle_msgs: bool = False,
                                     fragment_ids_this_run: list[str] | None = None) -> None:
        if retain_lifecycle_msgs and fragment_ids_this_run is not None:
            queue._delta_index_map = {}  # the fragment's new elements come after these
            return
        clear(retain_lifecycle_msgs, fragment_ids_this_run)

    queue.clear = clear_unless_a_fragment_runs
    setattr(queue, _KEPT, True)


def keep_this_sessions_queue() -> None:
    """:func:`keep_queued_on_fragment_runs` for the session of the run on this thread;
    nothing outside a served page (``AppTest``, a bare script)."""
    session_id = current_session_id()
    session = session_of(session_id) if session_id else None
    queue = getattr(session, "_browser_queue", None)
    if queue is not None:
        keep_queued_on_fragment_runs(queue)
