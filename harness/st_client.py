"""A minimal Streamlit visitor: the browser's websocket protocol without the browser.

The page's JavaScript talks to ``streamlit run`` over one websocket at
``/_stcore/stream`` (subprotocol ``streamlit``) in protobuf messages. This
module speaks the part of that protocol a visitor needs, as Streamlit's
frontend does (``sendRerunBackMsg`` in its ``App``):

* to run the script it sends a ``BackMsg`` whose ``rerun_script`` is a
  ``ClientState``: the page's query string, the widget states, the page's
  script hash (empty until the server's ``new_session`` names it), the
  hashes of the messages it holds in its cache, and the browser's context
  (timezone, locale, URL, colour scheme);
* the server answers with ``ForwardMsg``s: ``new_session``, one ``delta`` per
  element (a widget's element carries its id, ``$$ID-<hash>-<key>`` for a
  widget with a user key), ``page_info_changed`` and ``script_finished``;
* a large element (``metadata.cacheable``) is kept by the browser, which
  lists its hash in later reruns; the server may then send only a
  ``ref_hash`` for an unchanged element. Cached hashes expire after
  ``new_session.config.max_cached_message_age`` runs, as in the browser.

A "control move" is a rerun whose widget states carry the moved widget's new
value. The frontend sends the value of every widget on the page; this client
sends the widgets it has moved, which the server treats the same way (a
widget missing from the states keeps its value from the last run). A widget
drawn inside an ``st.fragment`` arrives in a delta naming that fragment
(``delta.fragment_id``); moving it, the browser asks for a rerun of that
fragment only (``ClientState.fragment_id``), and so does this client.

Not done here: fetching the page's HTML and JavaScript (a browser caches them;
``bench.browser`` measures a real first visit in Chromium), heartbeats, and
anything but ``rerun_script``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from controls.race_chart import RACE

STREAM_PATH = "/_stcore/stream"
SUBPROTOCOL = "streamlit"
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False,
           "color_scheme": "light"}


def rerun_message(query_string: str, widgets: Mapping[str, Sequence[str]] | None = None,
                  *, page_script_hash: str = "", cached_hashes: Iterable[str] = (),
                  url: str = "", fragment_id: str = "") -> BackMsg:
    """The ``BackMsg`` that asks the server to run the script, as the browser builds it.

    ``widgets`` maps a widget's id to its value as a list of strings (the
    ``string_array_value`` of a select slider, multiselect or segmented
    control); the one kind of value the tests and benchmarks move. ``fragment_id``: rerun only
    that fragment (a move of a widget drawn in it), as the browser does.
    """
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query_string
    state.page_script_hash = page_script_hash
    state.fragment_id = fragment_id
    state.cached_message_hashes.extend(sorted(cached_hashes))
    for widget_id, value in (widgets or {}).items():
        widget = state.widget_states.widgets.add()
        widget.id = widget_id
        widget.string_array_value.data.extend(value)
    for name, value in CONTEXT.items():
        setattr(state.context_info, name, value)
    state.context_info.url = url
    return msg


@dataclass
class Run:
    """What one script run sent back, with times in seconds since its request."""

    elements: list[tuple[tuple[int, ...], object]] = field(default_factory=list)
    chart_at: float | None = None
    finished_at: float | None = None
    status: int | None = None
    errors: list[str] = field(default_factory=list)
    bytes_received: int = 0
    fragments: dict[str, str] = field(default_factory=dict)  # widget id -> its fragment
    blocks: list = field(default_factory=list)  # the containers drawn (Block protos)

    def widget(self, key: str):
        """The last element (or stateful container, such as a keyed popover) whose widget
        id ends with ``-<key>`` (a user key), or None."""
        found = None
        for element in [element for _, element in self.elements] + self.blocks:
            kind = element.WhichOneof("type")
            inner = getattr(element, kind) if kind else None
            if getattr(inner, "id", "").endswith(f"-{key}"):
                found = inner
        return found


class Cache:
    """The browser's message cache: cacheable elements by hash, with the run they came in."""

    def __init__(self) -> None:
        self.runs = 0
        self.max_age = 2
        self.kept: dict[str, tuple[int, object]] = {}

    def keep(self, msg: ForwardMsg) -> None:
        if msg.metadata.cacheable and msg.hash:
            self.kept[msg.hash] = (self.runs, msg.delta.new_element)

    def element(self, ref_hash: str):
        """The element a ``ref_hash`` stands for; it stays cached (as the browser does)."""
        _, element = self.kept[ref_hash]
        self.kept[ref_hash] = (self.runs, element)
        return element

    def finish_run(self) -> None:
        self.runs += 1
        self.kept = {h: (run, element) for h, (run, element) in self.kept.items()
                     if self.runs - run <= self.max_age}

    def hashes(self) -> list[str]:
        return list(self.kept)


# The page's race chart: the component of controls/race_chart, not an st.plotly_chart.
PAGE_CHART = f"bidi_component:{RACE}"
# What a visitor waits for by default: the page's race chart, or a Plotly chart (the
# bare page's).
ANY_CHART = f"{PAGE_CHART}|plotly_chart"


def is_chart(element, chart_type: str) -> bool:
    """Whether ``element`` is the chart a visitor waits for: an element of type
    ``chart_type`` ("plotly_chart"), ``"bidi_component:<name>"`` for a custom component
    of that name (:data:`PAGE_CHART`), or any of several joined by ``|``."""
    for wanted in chart_type.split("|"):
        kind, _, name = wanted.partition(":")
        if element.WhichOneof("type") == kind and (
                not name or getattr(element, kind).component_name == name):
            return True
    return False


def chart_message(element) -> dict | None:
    """What an ``st.plotly_chart`` (``{"figure": ...}``) or the page's race chart (a whole
    figure or a move: :func:`harness.race.figures` reads them) carries, or None."""
    if is_chart(element, "plotly_chart"):
        return {"figure": json.loads(element.plotly_chart.spec)}
    if is_chart(element, PAGE_CHART):
        return json.loads(element.bidi_component.bytes)
    return None


def read(msg: ForwardMsg, run: Run, cache: Cache, chart_type: str, t0: float) -> None:
    """Take one ``ForwardMsg`` of a run into ``run`` (and the cache)."""
    kind = msg.WhichOneof("type")
    cache.keep(msg)
    if kind == "ref_hash":
        if msg.ref_hash not in cache.kept:
            run.errors.append(f"cached message missing: {msg.ref_hash}")
            return
        element = cache.element(msg.ref_hash)
    elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
    else:
        element = None
    if element is not None:
        element_type = element.WhichOneof("type")
        if is_chart(element, chart_type) and run.chart_at is None:
            run.chart_at = time.perf_counter() - t0
        elif element_type == "exception":
            run.errors.append(f"exception: {element.exception.type}: {element.exception.message}")
        elif element_type == "alert" and element.alert.format == Alert.ERROR:
            run.errors.append(f"st.error: {element.alert.body}")
        run.elements.append((tuple(msg.metadata.delta_path), element))
        widget_id = getattr(getattr(element, element_type, None), "id", "")
        if widget_id and msg.delta.fragment_id:
            run.fragments[widget_id] = msg.delta.fragment_id
    elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
        run.blocks.append(msg.delta.add_block)
    elif kind == "new_session":
        cache.max_age = msg.new_session.config.max_cached_message_age or cache.max_age
    elif kind == "script_finished":
        cache.finish_run()
        if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return  # another run follows at once (st.rerun, a callback)
        run.finished_at = time.perf_counter() - t0
        run.status = msg.script_finished
        if msg.script_finished not in FINISHED_OK:
            name = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            run.errors.append(f"script finished with {name}")


class Visitor:
    """One browser tab on the page: a websocket and what the browser remembers."""

    def __init__(self, base_url: str, query_string: str, *, chart_type: str = ANY_CHART,
                 timeout: float = 60.0, cookie: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie  # sent with the websocket's upgrade, as a browser does
        self.query_string = query_string
        self.chart_type = chart_type
        self.timeout = timeout
        self.page_script_hash = ""
        self.cache = Cache()
        self.widgets: dict[str, list[str]] = {}
        self.fragments: dict[str, str] = {}  # widget id -> the fragment it was drawn in
        self.socket = None

    async def __aenter__(self) -> Visitor:
        ws_url = "ws" + self.base_url.removeprefix("http") + STREAM_PATH
        self.socket = await websockets.connect(
            ws_url, subprotocols=[SUBPROTOCOL], max_size=None, proxy=None,
            open_timeout=self.timeout,
            additional_headers={"Cookie": self.cookie} if self.cookie else None)
        return self

    @property
    def upgrade_headers(self):
        """The headers of the server's answer to the websocket upgrade."""
        return self.socket.response.headers

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def run(self, moved: Mapping[str, Sequence[str]] | None = None) -> Run:
        """Send a rerun (with ``moved`` widgets set) and read until the script finishes.

        Raises ``TimeoutError`` if the script does not finish within the
        timeout, and websockets' ``ConnectionClosed`` if the server hangs up.
        """
        self.widgets.update({k: list(v) for k, v in (moved or {}).items()})
        scopes = {self.fragments.get(k, "") for k in moved or {}}
        msg = rerun_message(self.query_string, self.widgets,
                            page_script_hash=self.page_script_hash,
                            cached_hashes=self.cache.hashes(),
                            url=f"{self.base_url}/?{self.query_string}",
                            fragment_id=scopes.pop() if len(scopes) == 1 else "")
        return await self.send(msg)

    async def send(self, msg: BackMsg) -> Run:
        """Send ``msg`` (a rerun, as :func:`rerun_message` builds it) and read until the
        script finishes, keeping what the browser keeps (its page, its address, the
        fragments its widgets are in, the message cache).

        Raises ``TimeoutError`` if the script does not finish within the
        timeout, and websockets' ``ConnectionClosed`` if the server hangs up.
        """
        run = Run()
        t0 = time.perf_counter()
        await self.socket.send(msg.SerializeToString())
        async with asyncio.timeout(self.timeout):
            while run.finished_at is None:
                data = await self.socket.recv()
                run.bytes_received += len(data)
                fwd = ForwardMsg.FromString(data)
                if fwd.WhichOneof("type") == "new_session":
                    self.page_script_hash = fwd.new_session.page_script_hash
                elif fwd.WhichOneof("type") == "page_info_changed":
                    self.query_string = fwd.page_info_changed.query_string
                read(fwd, run, self.cache, self.chart_type, t0)
        self.fragments.update(run.fragments)
        return run


async def press(visitor: Visitor, button: str | None, texts: Mapping[str, str],
                opened: str | None = None) -> Run:
    """A rerun as the browser sends it when ``button`` (its widget id) is pressed, with the
    text inputs ``texts`` (widget id -> text) as typed, or when the popover ``opened``
    (its widget id) is opened; read until the script finishes."""
    msg = rerun_message(visitor.query_string, page_script_hash=visitor.page_script_hash,
                        cached_hashes=visitor.cache.hashes(),
                        url=f"{visitor.base_url}/?{visitor.query_string}")
    for widget_id, text in texts.items():
        widget = msg.rerun_script.widget_states.widgets.add()
        widget.id, widget.string_value = widget_id, text
    if opened is not None:
        widget = msg.rerun_script.widget_states.widgets.add()
        widget.id, widget.bool_value = opened, True
    if button is not None:
        widget = msg.rerun_script.widget_states.widgets.add()
        widget.id, widget.trigger_value = button, True
    return await visitor.send(msg)


def texts_of(run: Run) -> list[str]:
    """Every Markdown text the run drew (captions, headings), Markdown's escapes dropped."""
    return [getattr(element, kind).body.replace("\\", "") for _, element in run.elements
            if (kind := element.WhichOneof("type")) in ("markdown", "heading")]


def run_coroutine(coroutine):
    """``asyncio.run(coroutine)``, also from a thread whose event loop is busy.

    Playwright's sync API (the browser tests' session fixture) keeps an event
    loop running in the main thread, where ``asyncio.run`` refuses to start;
    the coroutine then runs in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result = {}

    def target():
        result["value"] = asyncio.run(coroutine)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    return result["value"]
