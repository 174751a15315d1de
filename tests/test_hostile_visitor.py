"""A hostile visitor on the real server's websocket cannot break the page for anyone.

One ``streamlit run app.py``; one visitor speaking Streamlit's protocol
(:mod:`harness.st_client`) sends what no browser would. Every widget of the page is found from
the page itself (the sidebar's, the chart's, each panel's once it is opened), so widgets
added later are attacked too:

* values of the widget's own kind but out of every range: NaN, infinities, 1e308, options
  that do not exist, control characters, 100,000-character strings, several values for one,
  clicks on disabled buttons, selections of the chart that are not JSON or not points. The
  page must take them all: every run finishes without an exception.
* values of the wrong kind (a list for a switch, a number for a button, ...), NaN for a whole
  number, garbage frames that are no protobuf at all. Streamlit refuses these itself, before
  or inside its own widget code, and logs it; the page's own code is never where it fails,
  and the visitor's next run works again.
* huge query strings and a burst of reruns without waiting.

Then a normal visitor opens the lecture link and gets its chart, no exception, and the
server's log holds no traceback of the page's own code (none at all during that visit).

A student following a lecturer's room does the same on the room's page, with links that
claim the lecturer's secret and forged keys in the room's cookie: the room does not
change, and no such page becomes the lecturer's.
Heavy: a server and a few hundred script runs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider

from controls.race_chart import RACE
from controls.room import COMPONENT as ROOM_KEY
from controls.room import cookie_name
from harness.st_client import Cache, Run, Visitor, rerun_message, run_coroutine
from scenes import DEFAULT_SCENE, scene_to_query
from tests.conftest import all_but_two, served, server_log

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
LECTURE = urlencode(scene_to_query(DEFAULT_SCENE), doseq=True)
RACE_CHART = f"bidi_component:{RACE}"  # what a visitor waits for: the race chart


class KeepingCache(Cache):
    """A browser's message cache that keeps every message. Streamlit's frontend ages, after
    a run of some fragments, only those fragments' messages (its ForwardMsgCache's
    ``incrementRunCount``); ``harness.st_client.Cache`` ages every message after every run,
    and would miss a message the server rightly refers to after a card's slider reran the
    chart's fragment alone."""

    def finish_run(self) -> None:
        self.runs += 1


def tab_on(url: str, link: str, *, timeout: float, cookie: str | None = None) -> Visitor:
    """A websocket visitor waiting for the race chart, with a :class:`KeepingCache` (and
    ``cookie``, sent as a browser sends its cookies)."""
    tab = Visitor(url, link, timeout=timeout, chart_type=RACE_CHART, cookie=cookie)
    tab.cache = KeepingCache()
    return tab
LINKS = {  # each draws widgets the others do not
    "lecture": LECTURE,
    "dynamics": LECTURE + "&noise=0.5&fan=3&schedule=step:drop=0.5,every=50&anneal=on",
    "custom": "surface=custom&expr=x**2%2By**2&domain=-3,3,-2,2&run=sgd:lr=0.1",
}
HUGE = 1e308
JUNK = ["", "no such option", "\x00\x1f\u202e\ufeff" * 5, "x" * 100_000, "1e308", "nan"]
SELECTIONS = [  # what a chart's selection may be made to hold: JSON, but no point of ours
    "[]", "{}", '{"selection": {}}', '{"selection": {"points": 1}}',
    '{"selection": {"points": [1, "x", null, {}]}}',
    '{"selection": {"points": [{"curve_number": 0, "x": "a", "y": []}]}}',
    '{"selection": {"points": [{"curve_number": 0, "x": 1e308, "y": -1e308}]}}',
    '{"selection": {"points": [{"curve_number": 0, "x": NaN, "y": Infinity}]}}',
    '{"selection": {"points": [{"curve_number": true, "x": true, "y": false}]}}',
]

BIG = "1" + "0" * 400  # an integer too large for a float: JSON carries it, Python reads it
COMPONENT_STATES = [  # what a component's state (the viewport's report) may be made to hold
    "{}", "[]", "null", '"x"', '{"size": 1}', '{"size": {"width": "a", "height": [], "top": null}}',
    '{"size": {"width": 1e999, "height": -1e999, "top": NaN}}',
    '{"size": {"width": ' + BIG + ', "height": 800, "top": 10}}',
    '{"size": {"width": -5, "height": 800, "top": 10}}', '{"click": {"x": 1, "y": 2}}',
]
COMPONENT_EVENTS = [  # and a component's events (the race chart's click and resync)
    "[]", "{}", "null", '[1, null, "x"]', '[{"event": "click"}]',
    '[{"event": "click", "value": {"x": "a", "y": []}}]',
    '[{"event": "click", "value": {"x": ' + BIG + ', "y": 1}}]',
    '[{"event": "click", "value": {"x": NaN, "y": Infinity}}]',
    '[{"event": "size", "value": {"width": 1}}, {"event": 7}]',
    '[{"event": "resync", "value": {"has": "x"}}]', '[{"event": "resync", "value": []}]',
]


def events_id(component_id: str) -> str:
    """The widget id of a component's events (Streamlit's trigger aggregator)."""
    from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
    return f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{component_id}__events"


def own_kind_values(element) -> tuple[str, list]:
    """The widget's own value field, and values of that kind no browser would send."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind)
    if kind == "checkbox":
        return "bool_value", [True, False]
    if kind == "button":
        return "trigger_value", [True]
    if kind in ("selectbox", "text_input"):
        options = [o for o in getattr(widget, "options", [])]
        return "string_value", [*JUNK, *options[-1:]]
    if kind == "plotly_chart":
        return "string_value", SELECTIONS
    if kind == "bidi_component":
        return "json_value", COMPONENT_STATES
    if kind == "button_group" or (kind == "slider" and widget.type == Slider.SELECT_SLIDER):
        options = [getattr(o, "content", o) for o in widget.options]
        return "string_array_value", [[], *([j] for j in JUNK), options, [options[0]] * 3]
    if kind == "slider":
        return "double_array_value", [[math.nan], [math.inf], [-HUGE], [HUGE, HUGE], [],
                                      [widget.min - 1], [widget.max + 1], [-0.0] * 3]
    if kind == "number_input":
        low = widget.min if widget.has_min else -HUGE
        high = widget.max if widget.has_max else HUGE
        values = [HUGE, -HUGE, low - 1, high + 1, -0.0, 5e-324, 2.5]
        if widget.data_type == NumberInput.FLOAT:
            values += [math.nan, math.inf, -math.inf]
        return "double_value", values
    return "", []


# Values Streamlit's own code refuses, before the page's code runs: the wrong kind for every
# widget, NaN or infinity for a whole number, a chart's selection that is no JSON object.
WRONG_KIND = [("trigger_value", True), ("bool_value", True), ("double_value", math.nan),
              ("double_value", math.inf), ("int_value", -(2**63)), ("string_value", "{"),
              ("string_value", "null"), ("string_value", '{"selection": 1}'),
              ("string_array_value", ["\x1f"]), ("double_array_value", [math.nan]),
              ("int_array_value", [2**62]), ("json_value", "{"), ("bytes_value", b"\x00")]
GARBAGE = [b"", b"\x00" * 1000, b"\xff" * 64, bytes(range(256)), "text, not bytes",
           b"\x0a\x05hello", b"\x12" + b"\xff" * 9]


def set_widget(msg: BackMsg, widget_id: str, field: str, value) -> None:
    """Add to ``msg``'s rerun the widget ``widget_id`` holding ``value`` in ``field``."""
    state = msg.rerun_script.widget_states.widgets.add()
    state.id = widget_id
    if field.endswith("_array_value"):
        getattr(state, field).data.extend(value)
    else:
        setattr(state, field, value)


def widgets(run: Run) -> dict[str, object]:
    """Every widget element the run drew, by widget id."""
    found = {}
    for _, element in run.elements:
        inner = getattr(element, element.WhichOneof("type"))
        widget_id = getattr(inner, "id", "")
        if widget_id.startswith("$$ID-"):
            found[widget_id] = element
    return found


def rerun(visitor: Visitor, query: str) -> BackMsg:
    return rerun_message(query, page_script_hash=visitor.page_script_hash,
                         cached_hashes=visitor.cache.hashes(), url=f"{visitor.base_url}/?{query}")


def page_errors(run: Run) -> list[str]:
    """What went wrong in a run: an exception, a run that did not finish. Not the page's own
    messages (an ``st.error`` saying a typed box is upside down is the page working)."""
    return [e for e in run.errors if not e.startswith("st.error: ")]


async def attack(url: str, link: str, full: bool) -> tuple[list[str], dict]:
    """Values of each widget's own kind, out of range, every widget at once, a round per
    value; if ``full``, with each panel open in turn, then one button (and chart, and panel
    switch) at a time. The errors, and the widgets found."""
    errors = []
    async with tab_on(url, link, timeout=60) as visitor:
        found = widgets(await visitor.send(rerun(visitor, link)))
        panel_id = next(i for i in found if i.endswith("-panel"))
        opened = [[o.content] for o in found[panel_id].button_group.options] if full else []
        for panel in opened or [None]:
            msg = rerun(visitor, link)
            if panel:
                set_widget(msg, panel_id, "string_array_value", panel)
            run = await visitor.send(msg)
            errors += [f"opening {panel}: {e}" for e in page_errors(run)]
            drawn = widgets(run)
            found.update(drawn)
            attacks = {widget_id: own_kind_values(element) for widget_id, element in drawn.items()
                       if widget_id != panel_id}
            for n in range(max((len(values) for _, values in attacks.values()), default=0)):
                msg = rerun(visitor, link)
                if panel:
                    set_widget(msg, panel_id, "string_array_value", panel)
                for widget_id, (field, values) in attacks.items():
                    if field not in ("", "trigger_value"):
                        set_widget(msg, widget_id, field, values[n % len(values)])
                errors += [f"{panel} round {n}: {e}"
                           for e in page_errors(await visitor.send(msg))]
        for widget_id, element in found.items() if full else ():
            if element.WhichOneof("type") == "bidi_component":
                for value in COMPONENT_EVENTS:
                    msg = rerun(visitor, link)
                    set_widget(msg, events_id(widget_id), "json_trigger_value", value)
                    errors += [f"{widget_id.rsplit('-', 1)[-1]} events={value!r:.40}: {e}"
                               for e in page_errors(await visitor.send(msg))]
            field, values = own_kind_values(element)
            if field == "trigger_value" or element.WhichOneof("type") in ("plotly_chart",
                                                                          "button_group"):
                for value in values:
                    msg = rerun(visitor, link)
                    set_widget(msg, widget_id, field, value)
                    errors += [f"{widget_id.rsplit('-', 1)[-1]}={value!r:.40}: {e}"
                               for e in page_errors(await visitor.send(msg))]
    return errors, found


async def wrong_kinds(url: str, link: str, found: dict) -> None:
    """Values Streamlit refuses itself, each round on a fresh session (Streamlit keeps a
    widget's refused value, so the session stays refused until a browser sends a good one)."""
    for field, value in WRONG_KIND:
        async with tab_on(url, link, timeout=60) as visitor:
            await visitor.send(rerun(visitor, link))
            msg = rerun(visitor, link)
            for widget_id in found:
                set_widget(msg, widget_id, field, value)
            await visitor.send(msg)  # an exception of Streamlit's, at most


async def garbage_huge_and_burst(url: str) -> list[str]:
    errors = []
    for frame in GARBAGE:  # each on a socket of its own: the server may hang up
        async with tab_on(url, LECTURE, timeout=30) as visitor:
            try:  # the server reads the frame before the close that follows it
                await visitor.socket.send(frame)
            except websockets.ConnectionClosed:
                pass
    async with tab_on(url, LECTURE, timeout=60) as visitor:
        for query in ("a=" + "x" * 2_000_000, "&".join(f"k{i}=%1F{i}" for i in range(20_000)),
                      "run=" + "&run=".join(["sgd:lr=%1F"] * 5_000), "%" * 100_000,
                      "kappa=%ED%A0%80&steps=%C0%AF&start=%FF%FE,1",
                      "kappa=0%1F&angle=3%1F&steps=5%1C&start=1%1D,2&seed=1%1F&fan=%1C1"):
            run = await visitor.send(rerun(visitor, query))
            errors += [f"query {query[:20]!r}: {e}" for e in page_errors(run)]
            assert run.chart_at is not None, query[:40]
        for _ in range(30):  # a burst: the server may cut runs short, but must answer
            await visitor.socket.send(rerun(visitor, LECTURE).SerializeToString())
        run = await visitor.send(rerun(visitor, LECTURE))
        errors += [f"after the burst: {e}" for e in page_errors(run)]
    return errors


TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n(?:(?:  .*|\S.*)\n)*?\S.*$",
                       re.MULTILINE)
FRAME = re.compile(r'^  File "([^"]+)", line \d+', re.MULTILINE)


def page_tracebacks(log: str) -> list[str]:
    """The tracebacks in ``log`` raised by the page's own code: of their frames in this
    repository or in the server (Streamlit, the websocket server, protobuf), the innermost
    is the repository's. Streamlit refusing what it received (a widget state of the wrong
    kind, a frame that is no protobuf) is not the page's."""
    server = ("/site-packages/streamlit/", "/site-packages/starlette/",
              "/site-packages/uvicorn/", "/site-packages/google/protobuf/")
    found = []
    for match in TRACEBACK.finditer(log):
        frames = [f for f in FRAME.findall(match.group())
                  if f.startswith(str(ROOT)) or any(part in f for part in server)]
        if not frames or frames[-1].startswith(str(ROOT)):
            found.append(match.group())
    return found


@pytest.fixture()
def server():
    """``streamlit run app.py`` on a free port, its log in a file: (url, the log's path)."""
    with served("hostile") as url:
        yield url, server_log("hostile")


def test_a_hostile_visitor_cannot_break_the_page(server):
    url, log = server

    async def hostile():
        errors, found = [], {}
        for name, link in LINKS.items():
            more, drawn = await attack(url, link, full=name == "lecture")
            errors += more
            found.update(drawn)
        await wrong_kinds(url, LINKS["dynamics"], found)
        errors += await garbage_huge_and_burst(url)
        return errors, len(found)

    errors, attacked = run_coroutine(hostile())
    assert attacked > 40  # the sidebar, the chart and the panels' widgets were all found
    during = log.read_text()
    assert page_tracebacks(during) == [], page_tracebacks(during)[:3]
    assert errors == []

    async def normal():
        async with tab_on(url, LECTURE, timeout=30) as visitor:
            return await visitor.run()

    visit = run_coroutine(normal())
    assert visit.errors == [] and visit.chart_at is not None
    assert visit.status == ForwardMsg.FINISHED_SUCCESSFULLY
    assert "Traceback" not in log.read_text()[len(during):]


# What a follower's browser may send as the room's cookie, claiming to have kept the
# lecturer's key (controls/room.py): each with the room's code in its place.
FORGED_KEYS = ["guess", "", '""', "A" * 3000, "\\x00;%00", "{code}", "{secret_but_two}"]


@pytest.fixture()
def hostile_room_server(tmp_path):
    """``streamlit run app.py`` with a room store of its own (a SQLite file in
    ``tmp_path``), its log in a file: (url, the log's path, the store's file)."""
    with served("hostile-room", {"DESCENT_LAB_DATA": str(tmp_path),
                                 "DESCENT_LAB_STORE": ""}) as url:
        yield url, server_log("hostile-room"), tmp_path / "rooms.sqlite3"


def test_a_followers_forged_messages_cannot_change_the_room(hostile_room_server):
    """A student following a room sends what no browser would: every widget's hostile
    values, every button, links that claim the lecturer's secret or open presenter mode,
    forged keys in the room's cookie. The room's scene, its version and
    the board's switches stay as the lecturer left them, and the lecturer still controls it;
    the board holds at most the one run the store's limit lets through."""
    import rooms

    url, log, store_file = hostile_room_server
    with rooms.SQLiteStore(store_file) as store:
        room = store.open_room()
        store.write_scene(room.code, room.secret, LECTURE)
        board = store.read_board(room.code)
        before = store.read_scene(room.code), board.submissions_open, board.names_hidden
    link = f"room={room.code}"

    async def follower():
        errors = []
        async with tab_on(url, link, timeout=60) as visitor:
            found = widgets(await visitor.send(rerun(visitor, link)))
            attacks = {i: own_kind_values(e) for i, e in found.items()}
            for n in range(max(len(values) for _, values in attacks.values())):
                msg = rerun(visitor, link)
                for widget_id, (field, values) in attacks.items():
                    if field not in ("", "trigger_value"):
                        set_widget(msg, widget_id, field, values[n % len(values)])
                errors += [f"round {n}: {e}" for e in page_errors(await visitor.send(msg))]
            for widget_id, element in found.items():
                if element.WhichOneof("type") == "button":
                    msg = rerun(visitor, link)
                    set_widget(msg, widget_id, "trigger_value", True)
                    errors += [f"{widget_id}: {e}" for e in page_errors(await visitor.send(msg))]
            claims = (f"{link}&lecturer=guess", f"{link}&lecturer=",
                      f"{link}&lecturer={all_but_two(room.secret)}",
                      f"{link}&lecturer={'x' * 50_000}",
                      f"{link}&room=ACEFG", f"{link}&present=1&run=adam:lr=0.3")
            for query in claims:
                run = await visitor.send(rerun(visitor, query))
                errors += [f"query {query[:30]!r}: {e}" for e in page_errors(run)]
                drawn = widgets(run)  # in presenter mode: its own buttons, pressed too,
                pressed = [i for i, e in drawn.items()  # all at once (every callback runs)
                           if e.WhichOneof("type") == "button" and i not in found]
                if pressed:
                    msg = rerun(visitor, query)
                    for widget_id in pressed:
                        set_widget(msg, widget_id, "trigger_value", True)
                    errors += [f"{len(pressed)} buttons: {e}"
                               for e in page_errors(await visitor.send(msg))]
        for forged in FORGED_KEYS:  # a forged key in the room's cookie: still a follower
            value = forged.format(code=room.code, secret_but_two=all_but_two(room.secret))
            async with tab_on(url, link, timeout=60,
                              cookie=f"{cookie_name(room.code)}={value}") as visitor:
                run = await visitor.send(rerun(visitor, link))
                errors += [f"cookie {value[:20]!r}: {e}" for e in page_errors(run)]
                if any(e.WhichOneof("type") == "bidi_component"
                       and e.bidi_component.component_name == ROOM_KEY
                       for e in widgets(run).values()):
                    errors.append(f"cookie {value[:20]!r}: the page became the lecturer's")
        return errors

    errors = run_coroutine(follower())
    assert errors == []
    assert page_tracebacks(log.read_text()) == []
    with rooms.SQLiteStore(store_file) as store:
        # The scene and the board's switches as the lecturer left them; what a student
        # may do (send a run) passed the store's checks.
        board = store.read_board(room.code)
        assert (store.read_scene(room.code), board.submissions_open, board.names_hidden) \
            == before
        assert store.is_lecturer(room.code, room.secret)
        assert len(board.entries) <= 1  # one run at most: the rest came too soon
        assert all(len(e.name) <= 24 and "<" not in e.name for e in board.entries)
