"""A room on the page: the lecturer lets the class follow, and the class follows.

In presenter mode, **Let the class follow** (at the top of Share, :func:`share_menu`)
opens a room in the store (:func:`rooms.open_store`: a SQLite file unless
``DESCENT_LAB_STORE`` names another) and the page becomes its lecturer's: every change
of scene it keeps in its address (:func:`keep_url`) is written to the room, and Share's
link and QR code hold the room's short link ``/?room=CODE`` instead of the scene. The
lecturer's secret stays on the server in the lecturer's session and in the lecturer's
own browser (a small component, ``controls/race_chart/frontend/room_key.js``, keeps it
in a cookie of the room's, :func:`cookie_name`, which the browser sends when a reloaded
page opens; the page believes it only once the store confirms it). It is shown once, on
request, inside the lecturer link ``/?room=CODE&lecturer=SECRET`` that takes control to
a second device; the page reads that link and drops the secret from its address at once.

A visitor who opens ``/?room=CODE`` follows the room: each run of the line above the
race (:func:`bar`) tells this server process's watcher (:mod:`controls.room_watch`, one
per process) the room and the version of its scene the page shows. The watcher reads
the versions of the rooms followed (one small read per room, not per follower) and,
when a room changed, asks each of its followers' sessions to run the page again; the
page's first lines (:func:`catch_up`) then load the new scene, as a link's. An idle
follower runs nothing; a slow poll (every :data:`FALLBACK_SECONDS`) catches up a page
the watcher missed (a reconnect, a watcher that could not reach the store). "Explore on
my own" leaves (so does changing the scene), "Follow the lecturer" rejoins; "Send my
run" puts one of the visitor's runs on the room's board (``panels.class_board`` ranks it
on the lecturer's page). A code that names no open
room, or a room that ends, shows a plain sentence and the ordinary page.

State keys: ``room`` (the room's code), ``room_secret`` (only on the lecturer's page),
``room_following``, ``room_version`` (the room's scene version on the page),
``room_shown`` (that scene's link, to tell a follower's own change), ``room_written``
(the link last written, on the lecturer's page), ``room_message``, ``room_ended``,
``room_link`` (the lecturer link, while it is shown), ``room_changed`` (the room was
just opened or closed: the whole page is drawn again), ``room_student`` (the visitor's
id for the board's limits), ``room_sent`` (what became of their last run) and the "Send my
run" menu's ``room_send_menu`` (open or not), ``room_send_pick`` and ``room_send_name``.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import streamlit as st

import rooms
from controls import address, lecture, room_watch, scene_state
from controls.scene_state import State
from rooms.store import StoreBase
from scenes import escape_markdown
from scenes.links import link_query

FALLBACK_SECONDS = 30.0  # a follower's page asks the store itself this often
ROOM, LECTURER = "room", "lecturer"  # the link's keys
KEY = "room_key"  # the component's key
KEY_DAYS = 7  # how long the lecturer's browser keeps a room's key (the store decides)
COMPONENT = "descent_lab_race_chart.room_key"  # frontend/room_key.js, served over HTTP
ENV_KEYS = ("DESCENT_LAB_STORE", "DESCENT_LAB_DATA", "DESCENT_LAB_ROOM_HOURS",
            "XDG_DATA_HOME", "HOME")
TAKES_CONTROL = ("Anyone with this link controls the room: keep it to yourself (it is "
                 "shown this once), and open it on your other device.")


class Query:
    """A link's query as a mapping of each key to its values, with what
    :class:`controls.address.QueryParams` offers."""

    def __init__(self, params: Mapping[str, Iterable[str]]):
        self.params = {k: list(v) for k, v in params.items()}

    def __iter__(self):
        return iter(self.params)

    def get_all(self, key: str) -> list[str]:
        return list(self.params.get(key, []))

    def from_dict(self, params: Mapping[str, Any]) -> None:
        self.params = {k: v if isinstance(v, list) else [v] for k, v in params.items()}


# --- the store ---

def _one_per_process(make: Callable[[tuple], Any]) -> Callable[[tuple], Any]:
    """``make(environment)``, made once per process for each environment, even when
    several pages ask at once (a hall arriving). Not Streamlit's cache: a page asks for
    the store a few times in every run, and Streamlit's cache works out each call's key
    from the function's signature, a few dozen microseconds every time. ``cache_clear()``
    forgets what was made."""
    made: dict[tuple, Any] = {}
    lock = threading.Lock()

    @functools.wraps(make)
    def one(environment: tuple) -> Any:
        found = made.get(environment)
        if found is None:
            with lock:
                found = made.get(environment)
                if found is None:
                    found = made[environment] = make(environment)
        return found

    one.cache_clear = made.clear  # type: ignore[attr-defined]
    return one


@_one_per_process
def _store_for(environment: tuple) -> StoreBase:
    """The store that ``environment`` (the values of :data:`ENV_KEYS`) names, one per
    process."""
    return rooms.open_store(dict(zip(ENV_KEYS, environment, strict=True)))


def store() -> StoreBase:
    """The room store the environment names (:func:`rooms.open_store`).

    Raises:
        ValueError: the environment names a store that cannot be used.
    """
    return _store_for(tuple(os.environ.get(k, "") for k in ENV_KEYS))


# --- arriving: a link with room=CODE ---

def scene_link(params: address.QueryParams) -> Query:
    """The address without the room's keys: the scene and page keys a link reader takes."""
    return Query({k: params.get_all(k) for k in params if k not in (ROOM, LECTURER)})


def cookie_name(code: str) -> str:
    """The cookie in which the lecturer's browser keeps the key to room ``code``."""
    return f"descent_lab_room_{code}"


def _cookies() -> Mapping[str, str]:
    """The cookies the browser sent when the page opened."""
    return st.context.cookies


def kept_key(code: str) -> str | None:
    """The key to room ``code`` that this browser kept (:func:`key_component`), if any;
    not yet checked with the store."""
    kept = _cookies().get(cookie_name(code))
    return kept if isinstance(kept, str) and kept else None


def _first(params: address.QueryParams, key: str) -> str | None:
    values = params.get_all(key)
    return values[0] if values else None


def arrive(ss: State, params: address.QueryParams) -> None:
    """The page opened a link: with ``room=CODE`` it follows that room (or, with the
    room's ``lecturer=SECRET``, controls it); a code that names no open room leaves the
    store's message and the ordinary page. A link without a room leaves any room the
    page followed to the visitor (Back to a scene of their own)."""
    code, secret = _first(params, ROOM), _first(params, LECTURER)
    if code is None:
        ss["room_following"] = False
        return
    ss["room_message"], ss["room_ended"] = None, False
    try:
        rooms_store = store()
        rooms_store.versions(code)  # NoSuchRoomError: unknown, ended or not a code
        code = code.strip().upper()
        lecturer = secret is not None and rooms_store.is_lecturer(code, secret)
        kept = kept_key(code)
        if secret is None and kept is not None and rooms_store.is_lecturer(code, kept):
            secret, lecturer = kept, True  # the lecturer's page, reloaded
    except (rooms.RoomError, ValueError) as error:
        ss["room"], ss["room_secret"], ss["room_following"] = None, None, False
        ss["room_message"] = str(error)
        return
    if ss.get("room") != code:
        ss["room_secret"], ss["room_written"] = None, None
    ss["room"], ss["room_version"] = code, None
    if secret is not None and not lecturer:
        ss["room_message"] = "This lecturer link does not control the room; you follow it."
    if lecturer:
        ss["room_secret"], ss["room_written"] = secret, None
    ss["room_following"] = not ss.get("room_secret")


def catch_up(ss: State, *, views: Iterable[str], panels: Iterable[str]) -> None:
    """A follower's page: load the room's scene if the lecturer changed it since (one
    small read); any page that has just come into a room (a link, the lecturer's on
    another device, a rejoin) loads it once. Presenter mode stays as the page had it.
    The page's line that says it follows (:func:`_following`) then needs no read of its
    own in the same run."""
    code = ss.get("room")
    if not code or ss.get("room_ended"):
        return
    if not ss.get("room_following") and ss.get("room_version") is not None:
        return  # the lecturer's page, or a visitor exploring, once the room's scene came
    try:
        shared = store().read_scene(code)
    except rooms.RoomError as error:
        ended(ss, error)
        return
    ss["room_read"] = True  # read in this run (the line's own check is for its own runs)
    if shared.version == ss.get("room_version"):
        return
    if shared.version:  # 0: the lecturer has not written a scene yet
        present = ss.get("present")
        address.open_link(ss, Query(shared.params), views=views, panels=panels)
        ss["present"], ss["room_shown"] = present, None
    ss["room_version"] = shared.version


def ended(ss: State, error: rooms.RoomError) -> None:
    """The room ended (closed, or idle too long): the page is the visitor's again."""
    ss["room_following"], ss["room_ended"], ss["room_secret"] = False, True, None
    ss["room_message"] = (f"Room {ss.get('room')} has ended: the lecturer closed it, or it "
                          f"was idle too long. The scene on your page is yours now."
                          if isinstance(error, rooms.NoSuchRoomError) else str(error))


# --- keeping the scene: the lecturer writes it, the address keeps the room ---

class _WithRoom:
    """The address as :func:`controls.address.keep_url` sees it: the scene's keys only;
    what it writes gets the room's code too."""

    def __init__(self, params: address.QueryParams, code: str):
        self.params, self.code = params, code

    def __iter__(self):
        return iter([k for k in self.params if k != ROOM])

    def get_all(self, key: str) -> list[str]:
        return self.params.get_all(key)

    def from_dict(self, params: Mapping[str, Any]) -> None:
        self.params.from_dict({**params, ROOM: self.code})


def keep_url(ss: State, params: address.QueryParams, scene) -> dict:
    """:func:`controls.address.keep_url`, with the room: on the lecturer's page the
    scene's link (the audience's, with ``claim=1`` once the lecture step's claim shows
    and ``at=K`` while its race is paused at step K) is written to the room when it
    changed; a follower who
    changed the scene leaves the room (it is theirs now). While the page leads or follows
    a room its address keeps ``room=CODE`` (so that a reload stays in it), and the query
    returned for Share is the room's short link; otherwise the scene's link. Just after
    the room was opened or closed (Share's buttons, in the race's fragment) it reruns the
    whole page: the Class panel and the lecturer's key are drawn outside that fragment."""
    if ss.pop("room_changed", False):
        st.rerun()  # opened or closed from Share, in the race's fragment: the whole page
    query = link_query(scene, address.page_view(ss, False))
    code = ss.get("room")
    if code and not ss.get("room_ended"):
        if ss.get("room_secret"):
            _write(ss, code, link_query(scene, replace(
                address.page_view(ss, False), claim=lecture.shown(ss),
                at=lecture.paused_at(ss))))
        elif ss.get("room_following"):
            if ss.get("room_shown") is None:
                ss["room_shown"] = query  # the room's scene as this page shows it
            elif query != ss["room_shown"]:
                ss["room_following"] = False  # the visitor changed it: it is theirs now
                st.rerun()  # the whole page: the address, and the line above the race
    if not (code and not ss.get("room_ended")
            and (ss.get("room_secret") or ss.get("room_following"))):
        return address.keep_url(ss, params, scene)
    address.keep_url(ss, _WithRoom(params, code), scene)
    wanted = {**ss["url_kept"], ROOM: [code]}
    if address.link_of(params) != wanted:
        params.from_dict(wanted)
    ss["url_kept"] = wanted
    return {ROOM: code}


def _write(ss: State, code: str, query: dict) -> None:
    """The lecturer's scene into the room, when it changed since the last write."""
    if query == ss.get("room_written"):
        return
    try:
        store().write_scene(code, ss["room_secret"], query)
    except rooms.NoSuchRoomError as error:
        ended(ss, error)
        return
    except rooms.RoomError as error:  # a scene a link cannot hold: the room keeps the last
        ss["room_message"] = str(error)
    else:
        ss["room_message"] = None
    ss["room_written"] = query


# --- the lecturer's controls, in the toolbar ---

@functools.cache
def _component():
    """The lecturer's key's component, registered with Streamlit on first use."""
    return st.components.v2.component(COMPONENT, js="room_key.js")


def open_room() -> None:
    """Let the class follow: a new room, led by this page."""
    ss = st.session_state
    try:
        opened = store().open_room()
    except (rooms.RoomError, ValueError, OSError) as error:
        ss["room_message"] = f"The room could not be opened: {error}"
        return
    ss["room"], ss["room_secret"], ss["room_written"] = opened.code, opened.secret, None
    ss["room_following"], ss["room_ended"], ss["room_message"] = False, False, None
    ss["room_link"], ss["room_version"], ss["room_changed"] = None, 0, True


def close_room() -> None:
    """End the room now: followers see that it ended."""
    ss = st.session_state
    try:
        store().close_room(ss["room"], ss["room_secret"])
    except rooms.RoomError:
        pass  # it had ended already
    ss["room"], ss["room_secret"], ss["room_link"] = None, None, None
    ss["room_changed"] = True


def show_lecturer_link() -> None:
    ss = st.session_state
    ss["room_link"] = {ROOM: ss["room"], LECTURER: ss["room_secret"]}
    ss["room_link_shown"] = True


def hide_lecturer_link() -> None:
    st.session_state["room_link"] = None


def share_menu(ss: State, presenter: bool, link_of) -> None:
    """The room's controls at the top of Share: in presenter mode **Let the class
    follow**; on the lecturer's page the room's code, the lecturer link (once) and
    **Close the room**. ``link_of``: a query's full link (``controls.toolbar.link_of``)."""
    if ss.get("room_secret"):
        code = ss["room"]
        st.markdown(f"**Room {code}**: the class follows this page. The QR code holds the "
                    f"room's link; each change of scene reaches them within two seconds.")
        if ss.get("room_link"):
            st.markdown(TAKES_CONTROL)
            st.code(link_of(ss["room_link"]), language=None, wrap_lines=True)
        with st.container(horizontal=True):
            if ss.get("room_link"):
                st.button("Hide the lecturer link", key="room_hide_link",
                          on_click=hide_lecturer_link)
            else:
                st.button("Lecturer link", key="room_show_link", icon=":material/key:",
                          on_click=show_lecturer_link, disabled=bool(ss.get("room_link_shown")),
                          help="for another device; shown once: anyone with it controls "
                               "the room")
            st.button("Close the room", key="room_close", icon=":material/close:",
                      on_click=close_room, help="followers see that the room ended")
    elif presenter:
        st.button("Let the class follow", key="room_open", icon=":material/groups:",
                  on_click=open_room,
                  help="a room: the QR code then holds its short link, and every student "
                       "who opens it follows this page's scene")


def key_component(ss: State) -> None:
    """The lecturer's key's component (nothing drawn), on the lecturer's page: the
    lecturer's browser keeps the room's key in a cookie (:func:`cookie_name`, for
    :data:`KEY_DAYS`), so that the page opens as the lecturer's after a reload."""
    code = ss.get("room")
    if not code or ss.get("room_ended") or not ss.get("room_secret"):
        return
    # JSON bytes, as the viewport's (controls.viewport.measure says why).
    data = json.dumps({"cookie": cookie_name(code), "secret": ss["room_secret"],
                       "max_age": KEY_DAYS * 24 * 3600}).encode()
    _component()(key=KEY, width="content", height=0, data=data)


# --- a follower's line above the race ---

# The sidebar of a page that follows: the scene is the lecturer's, so its settings are not
# drawn (nor the runs' cards, the lecture bar's buttons, Undo, "Add a run", Share and the
# presenter switch); a follower's page then runs in less than half the time, and a change
# reaches a hall of phones sooner.
FOLLOWING_SIDEBAR = ("You follow the lecturer: the scene and its settings are theirs. "
                     "**Explore on my own**, above the chart, makes them yours to change.")


def following(ss: State) -> bool:
    """Whether the page follows a lecturer's room (it shows the room's scene, and a
    change of the visitor's own leaves the room)."""
    return bool(ss.get("room_following") and ss.get("room") and not ss.get("room_ended"))


def explore() -> None:
    st.session_state["room_following"] = False


def rejoin() -> None:
    ss = st.session_state
    ss["room_following"], ss["room_version"], ss["room_shown"] = True, None, None


@_one_per_process
def _watcher_for(environment: tuple) -> room_watch.Watcher:
    """This process's watcher of the rooms its pages follow, on the store that
    ``environment`` names (one per process and store, made on first use)."""
    rooms_store = _store_for(environment)
    return room_watch.Watcher(lambda code: rooms_store.versions(code).scene)


def watcher() -> room_watch.Watcher:
    """This process's :class:`controls.room_watch.Watcher`, on :func:`store`'s store."""
    return _watcher_for(tuple(os.environ.get(k, "") for k in ENV_KEYS))


def _watch(ss: State) -> None:
    """Tell the watcher what this page follows (the room and the scene version it shows),
    or that it follows nothing."""
    session_id = room_watch.current_session_id()
    if session_id is None:
        return
    if ss.get("room_following") and ss.get("room") and not ss.get("room_ended"):
        watcher().follow(session_id, ss["room"], ss.get("room_version"))
    else:
        watcher().leave(session_id)


@st.fragment(run_every=FALLBACK_SECONDS)
def _following() -> None:
    """Following the lecturer: the line that says so. Each run tells the watcher the
    version on the page (the watcher reruns the page when the room changes); every
    :data:`FALLBACK_SECONDS` it also asks the store itself (one small read) and reruns
    the page when the room's scene changed and the watcher missed it."""
    ss = st.session_state
    if not ss.get("room_following") or not ss.get("room"):
        st.rerun()  # "Explore on my own": the whole page, the scene the visitor's
    if not ss.pop("room_read", False):  # a run of this line alone: the store not read yet
        try:
            changed = store().versions(ss["room"]).scene != ss.get("room_version")
        except rooms.RoomError as error:
            ended(ss, error)
            changed = True
        if changed:
            st.rerun()
    _watch(ss)
    with st.container(horizontal=True, vertical_alignment="center", width="content",
                      key="room_follow"):
        st.markdown(f":material/podcasts: **Following the lecturer** · room {ss['room']}")
        st.button("Explore on my own", key="room_explore", on_click=explore,
                  help="the scene becomes yours to change; rejoin with one click")


NAME_CHARS = 24  # the store's longest name


def send_run() -> None:
    """The student's "Send": the run picked, with the name typed, onto the room's board."""
    ss = st.session_state
    scene = scene_state.read_scene(ss)
    picked = ss.get("room_send_pick")
    runs = dict(scene.enabled_runs)
    if picked not in runs:
        ss["room_sent"] = "Pick one of your runs (switched on) to send."
        return
    student = ss.setdefault("room_student", secrets.token_urlsafe(12))
    try:
        entry = store().submit(ss["room"], student, runs[picked],
                               name=ss.get("room_send_name") or None)
    except rooms.RoomError as error:
        ss["room_sent"] = str(error)
    else:
        ss["room_sent"] = f"Sent: run {entry.number} on the class's board ({entry.text})."


SEND_MENU = "room_send_menu"  # "Send my run": open or not


def send_menu(ss: State) -> None:
    """**Send my run**: one of the visitor's runs, and a name if they like, onto the
    room's board, raced there on the lecturer's surface. Its contents are drawn only
    while it is open (opening it reruns the page): every page in a room runs without
    them."""
    menu = st.popover("Send my run", icon=":material/send:", key=SEND_MENU, on_change="rerun",
                      help="your optimizer and its settings, raced on the lecturer's surface")
    if not menu.open:
        return
    runs = dict(scene_state.read_scene(ss).enabled_runs)
    with menu:
        st.selectbox("Run", list(runs), key="room_send_pick",
                     format_func=lambda i: runs[i].label if i in runs else "")
        st.text_input("Your name (optional)", key="room_send_name", max_chars=NAME_CHARS,
                      persist_state="page")  # kept while the menu is closed
        st.button("Send", key="room_send", icon=":material/send:", on_click=send_run,
                  disabled=not runs)
        if ss.get("room_sent"):
            st.caption(escape_markdown(ss["room_sent"]))


def bar(ss: State) -> None:
    """Above the race: the room's message, and a follower's state with its button."""
    if ss.get("room_message"):
        st.warning(escape_markdown(ss["room_message"]), icon=":material/info:")
    key_component(ss)
    code = ss.get("room")
    if code and (not ss.get("room_following") or ss.get("room_ended")):
        _watch(ss)  # in a room, not following it: the watcher leaves this page alone
    if not code or ss.get("room_secret") or ss.get("room_ended"):
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        if ss.get("room_following"):
            _following()
        else:
            with st.container(horizontal=True, vertical_alignment="center", width="content",
                              key="room_follow"):
                st.markdown(f"Room {code}: you explore on your own.")
                st.button("Follow the lecturer", key="room_rejoin", on_click=rejoin,
                          icon=":material/podcasts:")
        send_menu(ss)
