"""Waiting on the real page in Playwright: on what the page does, never on the clock.

* :func:`settled`: the script's run has finished (Streamlit marks the app
  ``data-test-script-state="notRunning"``), then the browser painted a few frames, so that
  the chart has drawn what the run sent;
* :func:`rerun`: an action (a click, a key press) and the script run it started, watched
  from before the action, so that a run too quick to be seen still counts;
* :func:`animation_frames`: the browser painted ``count`` frames: work that was queued
  (a redraw, a transition's last step) has run, however busy the machine.
"""

from __future__ import annotations

from collections.abc import Callable

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


# Counts the app's runs from now on: each time the page changes while its script state is
# not notRunning (the whole document is watched: the app's element may be drawn anew).
WATCH_RUNS = f"""() => {{
    window.__descentRuns = 0;
    if (window.__descentWatch) window.__descentWatch.disconnect();
    window.__descentWatch = new MutationObserver(() => {{
        if (!{APP_IDLE}) window.__descentRuns += 1;
    }});
    window.__descentWatch.observe(document.documentElement, {{
        attributes: true, attributeFilter: ['data-test-script-state'], childList: true,
        subtree: true}});
}}"""


def rerun(page, action: Callable[[], object], frames: int = 5,
          timeout: float = 60_000) -> None:
    """Do ``action``, then wait until the script run it started has finished and ``frames``
    frames were painted after it."""
    page.evaluate(WATCH_RUNS)
    action()
    page.wait_for_function(f"() => window.__descentRuns > 0 && {APP_IDLE}", timeout=timeout)
    animation_frames(page, frames)
