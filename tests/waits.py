"""Waiting on the real page in Playwright: on what the page does, never on the clock.

* :func:`settled`: the script's run has finished (Streamlit marks the app
  ``data-test-script-state="notRunning"``), then the browser painted a few frames, so that
  the chart has drawn what the run sent;
* :func:`rerun`: an action (a click, a key press) and the script runs it started, counted
  from the websocket's messages (:data:`COUNT_RUNS`) so that a run too quick to be drawn
  still counts, until no more follow;
* :func:`open_app`, :func:`new_page`: the app opened at a link, its chart drawn and its
  run ended (in a page, or in a new context of a screen's size);
* :func:`navigate`: another link opened in the page already open, as Back or Forward
  would (a rerun, not a new page: cheaper than a load);
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


# Counts the script runs on this page from the websocket's messages (ForwardMsg, protobuf):
# ``__descentStarted`` counts the runs begun (a ``new_session`` message starts each run, of
# the page or of a fragment), ``__descentFinished`` is the number of the last run that ended
# (a ``script_finished`` message; a run that ended only to start again,
# FINISHED_EARLY_FOR_RERUN, does not count). Each document counts from 0 and names itself,
# so that a reload is seen. Added to every context the tests' ``browser`` fixture makes,
# before the page's own scripts run (the page's socket is made after it). The messages, not
# the page's "running" state: a busy browser may take a quick run's messages in one go and
# never draw its "running".
COUNT_RUNS = f"""(() => {{
    const STARTED = {ForwardMsg.DESCRIPTOR.fields_by_name["new_session"].number};
    const FINISHED = {ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number};
    const AGAIN = {ForwardMsg.FINISHED_EARLY_FOR_RERUN};
    // A ForwardMsg's top-level field that starts or ends a run: ["started"], ["finished",
    // status] or null.
    function kind(bytes) {{
        let i = 0;
        const varint = () => {{
            let value = 0, shift = 0, byte;
            do {{ byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; }}
            while (byte & 0x80 && i < bytes.length);
            return value;
        }};
        while (i < bytes.length) {{
            const tag = varint(), wire = tag % 8;
            const field = Math.floor(tag / 8);
            if (wire === 0) {{
                const value = varint();
                if (field === FINISHED) return ["finished", value];
            }}
            else if (wire === 2) {{
                if (field === STARTED) return ["started"];
                const length = varint();  // read first: ``i += varint()`` would add to the old i
                i += length;
            }}
            else if (wire === 1) i += 8;
            else if (wire === 5) i += 4;
            else return null;
        }}
        return null;
    }}
    window.__descentStarted = 0;
    window.__descentFinished = 0;
    window.__descentDocument = Math.random();
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {{
        constructor(...args) {{
            super(...args);
            this.addEventListener("message", (event) => {{
                if (!(event.data instanceof ArrayBuffer)) return;
                const found = kind(new Uint8Array(event.data));
                if (found && found[0] === "started") window.__descentStarted += 1;
                if (found && found[0] === "finished" && found[1] !== AGAIN) {{
                    window.__descentFinished = window.__descentStarted;
                }}
            }});
        }}
    }};
}})();"""


def rerun(page, action: Callable[[], object], frames: int = 5,
          timeout: float = 60_000, looks: int = 20) -> None:
    """Do ``action``, then wait until a script run (of the page or of a fragment) begun
    after it has ended, with every run begun since, the page is idle, and no run began in
    the ``frames`` frames painted after that (a run's drawing may ask for another: a
    component's report, a widget that took its new value). The page's context must count
    its runs (:data:`COUNT_RUNS`)."""
    read = "() => [window.__descentDocument, window.__descentStarted]"
    before = page.evaluate(read)
    if before[0] is None:
        raise RuntimeError("this page does not count its runs: add tests.waits.COUNT_RUNS "
                           "to its context (the tests' browser fixture does)")
    action()
    for _ in range(looks):
        page.wait_for_function(
            f"""([document_, started]) => (window.__descentDocument === document_
                ? window.__descentFinished > started : window.__descentFinished > 0)
                && window.__descentFinished === window.__descentStarted
                && {APP_IDLE}""", arg=before, timeout=timeout)
        ended = page.evaluate(read)
        animation_frames(page, frames)
        if page.evaluate(read) == ended:
            return
    raise AssertionError(f"the page kept running after the action, {looks} runs and more")


def navigate(page, search: str) -> None:
    """Open the link ``search`` (its query: ``"?preset=jitter"``, or ``""`` for the bare
    address) in the app already open in ``page``, as the browser's Back or Forward would:
    the address goes into the browser's history and Streamlit reruns the page with it, which
    opens it as a link (docs/page.md, "The address bar"). The page is brought to the
    front first: pages of the worker's shared profile are tabs of one browser, and a tab
    behind another gets one timer tick a second (a race played there crawls)."""
    page.bring_to_front()
    rerun(page, lambda: page.evaluate(
        """search => {
            history.pushState(null, "", search || location.pathname);
            dispatchEvent(new PopStateEvent("popstate"));
        }""", search))


def as_fresh(page) -> None:
    """The page scrolled to its top (Streamlit's main column and the window) with nothing
    focused, as a page just loaded is: for a page kept open across tests."""
    page.evaluate("""() => {
        document.querySelector('[data-testid="stMain"]').scrollTo(0, 0);
        window.scrollTo(0, 0);
        if (document.activeElement) document.activeElement.blur();
    }""")


def first_card_key(page, hyper: str = "lr") -> str:
    """The class (``st-key-run<id>_<hyper>``) of the first run card's ``hyper`` widget.
    The page numbers runs as they come over its session, so on a page kept open across
    links the first card is not always ``run0``."""
    return page.evaluate("""hyper => [...document.querySelectorAll('[class*=st-key-run]')]
        .flatMap(e => [...e.classList])
        .find(c => /^st-key-run\\d+_/.test(c) && c.replace(/^st-key-run\\d+_/, '') === hyper)""",
                         hyper)


# The race chart drawn: Plotly has laid it out and holds its traces.
CHART_DRAWN = ("(() => { const gd = document.querySelector('.js-plotly-plot');"
               " return !!gd && !!gd._fullLayout && !!gd.data && gd.data.length > 0; })()")


def open_app(page, url: str, link: str = "", ready: str = CHART_DRAWN) -> None:
    """Open the app served at ``url`` with the link ``link`` (its query; ``""``: ``url``
    as it is) in ``page``; wait until ``ready`` (a JavaScript expression; by default the
    race chart is drawn), then until the page is settled."""
    # A busy machine may take long to load a fresh browser's scripts: the page's load
    # and its first chart share one wait, rather than the load's own 30 s.
    page.goto(f"{url}/{link}" if link else url, wait_until="commit")
    page.wait_for_function(f"() => {ready}", timeout=90_000)
    settled(page)


def new_page(browser, url: str, size: tuple[int, int], link: str = "",
             ready: str = CHART_DRAWN, **options):
    """``(context, page)``: a new context of ``size`` (width, height; ``options`` are the
    context's others: touch, colour scheme, ...) and its page, opened as :func:`open_app`
    does. The page is in the worker's shared browser profile for these ``options``
    (``tests.conftest.CountingBrowser``); ``fresh=True`` asks for a browser of its own."""
    fresh = options.pop("fresh", False)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  shared=not fresh, **options)
    page = context.new_page()
    open_app(page, url, link, ready)
    return context, page
