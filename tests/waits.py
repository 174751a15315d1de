"""Waiting on the real page in Playwright: on what the page does, never on the clock.

* :func:`settled`: the script's run has finished (Streamlit marks the app
  ``data-test-script-state="notRunning"``), then the browser painted a few frames, so that
  the chart has drawn what the run sent;
* :func:`rerun`: an action (a click, a key press) and the script run it started, counted
  from the websocket's messages (:data:`COUNT_RUNS`), so that a run too quick to be drawn
  still counts;
* :func:`animation_frames`: the browser painted ``count`` frames: work that was queued
  (a redraw, a transition's last step) has run, however busy the machine.
"""

from __future__ import annotations

from collections.abc import Callable

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

APP_IDLE = ("(() => { const app = document.querySelector('[data-testid=stApp]');"
            " return !!app && app.dataset.testScriptState === 'notRunning'; })()")


def animation_frames(page, count: int) -> None:
    """Until the browser has painted ``count`` more frames."""
    page.evaluate("""n => new Promise(done => {
        const next = k => k ? requestAnimationFrame(() => next(k - 1)) : done();
        next(n);
    })""", count)


def settled(page, frames: int = 5, timeout: float = 60_000) -> None:
    """Until no script run is going on, and ``frames`` frames were painted after it."""
    page.wait_for_function(f"() => {APP_IDLE}", timeout=timeout)
    animation_frames(page, frames)


# Counts the script runs that ended on this page: every websocket message the page takes
# is read (a ForwardMsg, protobuf) for its ``script_finished`` field; a run that ended only
# to start again (FINISHED_EARLY_FOR_RERUN) does not count. Each document counts from 0
# and names itself, so that a reload is seen. Added to every context the tests' ``browser``
# fixture makes (before the page's own scripts run: the page's socket is made after it).
# Reading the messages, not the page's "running" state: a quick run's "running" may never
# be drawn, when a busy browser takes several of its messages in one go.
COUNT_RUNS = f"""(() => {{
    const FIELD = {ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number};
    const AGAIN = {ForwardMsg.FINISHED_EARLY_FOR_RERUN};
    // The status in a ForwardMsg's top-level field FIELD (a varint), or null.
    function status(bytes) {{
        let i = 0;
        const varint = () => {{
            let value = 0, shift = 0, byte;
            do {{ byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; }}
            while (byte & 0x80 && i < bytes.length);
            return value;
        }};
        while (i < bytes.length) {{
            const tag = varint(), wire = tag % 8;
            if (wire === 0) {{ const value = varint(); if (Math.floor(tag / 8) === FIELD) return value; }}
            else if (wire === 2) i += varint();
            else if (wire === 1) i += 8;
            else if (wire === 5) i += 4;
            else return null;
        }}
        return null;
    }}
    window.__descentFinished = 0;
    window.__descentDocument = Math.random();
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {{
        constructor(...args) {{
            super(...args);
            this.addEventListener("message", (event) => {{
                if (!(event.data instanceof ArrayBuffer)) return;
                const value = status(new Uint8Array(event.data));
                if (value !== null && value !== AGAIN) window.__descentFinished += 1;
            }});
        }}
    }};
}})();"""


def rerun(page, action: Callable[[], object], frames: int = 5,
          timeout: float = 60_000) -> None:
    """Do ``action``, then wait until a script run (of the page or of a fragment) has
    ended after it, the page is idle, and ``frames`` frames were painted after it. The
    page's context must count its runs (:data:`COUNT_RUNS`)."""
    before = page.evaluate("() => [window.__descentDocument, window.__descentFinished]")
    if before[0] is None:
        raise RuntimeError("this page does not count its runs: add tests.waits.COUNT_RUNS "
                           "to its context (the tests' browser fixture does)")
    action()
    page.wait_for_function(
        f"""([document_, finished]) => (window.__descentDocument === document_
            ? window.__descentFinished > finished : window.__descentFinished > 0)
            && {APP_IDLE}""", arg=before, timeout=timeout)
    animation_frames(page, frames)
