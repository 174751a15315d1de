"""Rooms on the page through AppTest: the lecturer opens one, the class follows it.

Every test runs against both stores, as the environment names them: a SQLite file in
``tmp_path`` (``DESCENT_LAB_DATA``), shared by the test's pages as by the replicas of one
machine; and Redis (``DESCENT_LAB_STORE``: the module's ``redis-server``, emptied before
each test; marked ``server``). The test reads the same store to check what the pages
wrote. References: the store's own reads (``rooms.open_store``) and the link reader
(``scenes.links.scene_from_query``).

The page keeps one store per process and environment (``controls.room.store``); each
test's environment is its own (its folder, or its own name for its Redis connections),
and the store the page opened is closed once the test ends, its connections checked gone.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

import rooms
from controls import room as page_room
from controls.race_chart import RACE
from controls.room import COMPONENT as KEY_COMPONENT
from controls.room import cookie_name
from controls.toolbar import SHARE_MENU
from controls.viewport import COMPONENT as VIEWPORT_COMPONENT
from harness.page import open_page
from scenes.lecture import LECTURE, STEPS_BY_KEY, position
from scenes.links import scene_from_query
from tests.conftest import all_but_two

STORES = ["sqlite", pytest.param("redis", marks=pytest.mark.server)]


def connection_name(request) -> str:
    """The name of a test's Redis connections: its own, in the characters Redis takes."""
    return re.sub(r"[^\w.-]", "_", request.node.name)


def release_page_store() -> None:
    """Stop this process's watcher for this environment (its thread reads the store),
    close the store the page opened, and forget both: the next test's page opens its
    own."""
    page_room.watcher().stop()
    page_room.store().close()
    page_room._watcher_for.cache_clear()
    page_room._store_for.cache_clear()


@pytest.fixture(params=STORES)
def store(request, tmp_path, monkeypatch):
    """The store the pages use, named by the environment: a SQLite file in ``tmp_path``,
    or the module's Redis server, emptied, the pages' connections named after the test
    (the test's own store's, ``the-test-itself``)."""
    monkeypatch.setenv("DESCENT_LAB_DATA", str(tmp_path))
    monkeypatch.delenv("DESCENT_LAB_ROOM_HOURS", raising=False)
    server, own = None, {}
    if request.param == "sqlite":
        monkeypatch.delenv("DESCENT_LAB_STORE", raising=False)
    else:
        server = request.getfixturevalue("redis_server")
        server.flush()
        monkeypatch.setenv("DESCENT_LAB_STORE", server.url_for(connection_name(request)))
        own = {"DESCENT_LAB_STORE": server.url_for("the-test-itself")}
    with rooms.open_store({**os.environ, **own}) as opened:
        yield opened
    release_page_store()
    if server is not None:  # nothing of this test's is left connected for the next one
        assert connection_name(request) not in server.clients()


pytestmark = pytest.mark.usefixtures("store")
PAGE_COMPONENTS = (RACE, VIEWPORT_COMPONENT)


def lecturer_page(link: dict | None = None):
    """A page in presenter mode that opened a room: (page, code, secret)."""
    at = open_page({"present": "1", **(link or {})}, menus=[SHARE_MENU])
    at.button(key="room_open").click().run()
    assert not at.exception, at.exception
    ss = at.session_state
    return at, ss["room"], ss["room_secret"]


def page_text(at) -> str:
    """Everything the page sends its browser but the lecturer's key's own component:
    every element's content (text, links, images' data, other components' data) and
    the address."""
    parts = [str(dict(at.query_params))]
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "component_name", "") != KEY_COMPONENT:
            parts.append(str(proto))
        children = getattr(node, "children", {})
        stack.extend(children.values() if isinstance(children, dict) else children)
    return "\n".join(parts)


def following(at) -> bool:
    return any("Following the lecturer" in m.value for m in at.markdown)


def set_lr(at, lr: float) -> None:
    """Move the first run's lr (its card's key names the run's id, which a loaded scene
    renews)."""
    slider = next(w for w in at.select_slider if re.fullmatch(r"run\d+_lr", w.key))
    slider.set_value(lr).run()  # the chart's fragment runs: AppTest's tree holds it alone
    at.run()
    assert not at.exception, at.exception


def params(at) -> dict[str, list[str]]:
    """The page's address: each key with all its values."""
    return {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def scene_of(at):
    """The scene the page's address holds."""
    scene, _ = scene_from_query({k: v for k, v in params(at).items() if k != "room"})
    return scene


def test_the_lecturer_opens_a_room_and_shares_its_short_link(store):
    at, code, secret = lecturer_page({"lecture": LECTURE[0].key})
    assert re.fullmatch(r"[ACEFGHKMNPRTWXY34679]{5,6}", code)
    assert len(secret) >= 22 and store.is_lecturer(code, secret)
    # The page's scene is in the room, as the audience's link (no presenter mode).
    shared = store.read_scene(code)
    assert shared.version >= 1 and shared.params["lecture"] == [LECTURE[0].key]
    assert scene_from_query(shared.params)[0] == LECTURE[0].scene
    assert "present" not in shared.params
    # The address keeps the room and the scene; Share holds the room's short link.
    assert params(at).get("room", []) == [code]
    assert params(at).get("present", []) == ["1"]
    (link,) = [h.proto.body for h in at.get("html") if '<p class="descent-link">' in h.proto.body]
    assert link.endswith(f"/?room={code}</p>")
    # The secret is nowhere on the lecturer's page but in its own key's component.
    assert secret not in page_text(at)
    assert any(m.value.startswith(f"**Room {code}**: the class follows") for m in at.markdown)
    assert [b.key for b in at.button if b.key.startswith("room_")] \
        == ["room_show_link", "room_close"]


def test_let_the_class_follow_is_offered_in_presenter_mode_only():
    assert [b.key for b in open_page(menus=[SHARE_MENU]).button if b.key == "room_open"] == []
    assert [b.key for b in open_page({"present": "1"}, menus=[SHARE_MENU]).button
            if b.key == "room_open"] == ["room_open"]


def test_a_student_follows_each_change_of_the_lecturer(store):
    lecturer, code, secret = lecturer_page({"lecture": LECTURE[0].key})
    student = open_page({"room": code})
    assert following(student)
    assert scene_of(student) == LECTURE[0].scene
    assert params(student).get("room", []) == [code]
    assert "present" not in student.query_params  # presenter mode is the lecturer's
    # The lecturer moves on: a step, then a run's lr, then a panel.
    lecturer.button(key="lecture_next").click().run()
    version = store.versions(code).scene
    student.run()
    assert student.session_state["lecture"] == LECTURE[1].key
    assert scene_of(student) == STEPS_BY_KEY[LECTURE[1].key].scene
    set_lr(lecturer, 0.6)
    assert store.versions(code).scene == version + 1
    student.run()
    assert scene_of(student).runs[0].values["lr"] == 0.6
    assert following(student)
    lecturer.segmented_control(key="panel").set_value("theory").run()
    student.run()
    assert student.session_state["panel"] == "theory" and following(student)
    assert r"\kappa" in page_text(student)  # the panel drawn, without its switch
    assert "xaxis4" not in page_text(student)  # one contour panel and the loss panel
    lecturer.segmented_control(key="view").set_value("multiples").run()
    student.run()
    assert student.session_state["view"] == "multiples" and following(student)
    assert "xaxis4" in page_text(student)  # a contour panel for each of the three runs
    lecturer.run()  # the view reran the chart's fragment alone: the sidebar comes back
    lecturer.selectbox(key="surface").set_value("rosenbrock").run()
    student.run()
    assert scene_of(student).surface == "rosenbrock" and following(student)
    assert scene_of(student) == scene_of(lecturer)
    # Nothing of the lecturer's control reached the student.
    assert secret not in page_text(student)
    assert not student.exception


def test_a_student_leaves_and_rejoins_with_one_click(store):
    lecturer, code, _ = lecturer_page()
    set_lr(lecturer, 0.6)
    student = open_page({"room": code})
    student.run()
    student.run()  # runs that draw none of the scene's widgets keep the scene
    student.button(key="room_explore").click().run()
    assert not following(student)
    assert params(student).get("room", []) == []  # the address is their own scene's
    assert scene_of(student) == scene_of(lecturer)  # the cards hold the scene followed
    assert [s.value for s in student.select_slider if re.fullmatch(r"run\d+_lr", s.key)][0] \
        == 0.6
    set_lr(lecturer, 0.8)
    student.run()
    assert scene_of(student).runs[0].values["lr"] == 0.6
    # The scene is theirs: their change stays, and the room does not change.
    version = store.versions(code).scene
    set_lr(student, 0.3)
    assert scene_of(student).runs[0].values["lr"] == 0.3
    assert store.versions(code).scene == version
    student.button(key="room_rejoin").click().run()
    assert following(student)
    assert scene_of(student).runs[0].values["lr"] == 0.8
    assert params(student).get("room", []) == [code]


def test_a_following_page_shows_the_scene_without_its_controls(store):
    lecturer, code, _ = lecturer_page({"lecture": LECTURE[2].key})
    student = open_page({"room": code})
    assert following(student)
    # The runs as text, each with its settings; none of the scene's widgets.
    (runs,) = [m.value for m in student.markdown if "descent-run" in m.value]
    for run in LECTURE[2].scene.runs:
        assert run.label.replace(" (", " (").split(" (")[0] in runs
    assert f"lr = {LECTURE[2].scene.runs[0].values['lr']:g}" in runs
    keys = {w.key for kind in ("select_slider", "slider", "selectbox", "number_input",
                               "toggle", "radio", "text_area")
            for w in getattr(student, kind)}
    assert not [k for k in keys if re.fullmatch(r"run\d+_.*", k)]
    assert not keys & {"surface", "steps", "start_x", "start_y", "noise", "lecture_pick"}
    assert not [b.key for b in student.button
                if b.key in ("undo_button", "add_run", "lecture_prev", "lecture_next")]
    assert [t.key for t in student.toggle if t.key == "present"] == []
    assert not [p for p in student.get("popover") if p.proto.popover.label == "Share"]
    assert [m.value for m in student.sidebar.markdown] == [
        f"# Descent Lab\n\n{page_room.FOLLOWING_SIDEBAR}"]  # the title and one sentence
    assert page_room.FOLLOWING_SIDEBAR.startswith("You follow the lecturer")
    assert any(m.value == f"**{position(LECTURE[2].key)}**" for m in student.markdown)
    # The lecturer's page keeps every control.
    assert {"surface", "lecture_pick"} <= {w.key for w in lecturer.selectbox}
    assert [b.key for b in lecturer.button if b.key == "lecture_next"] == ["lecture_next"]
    assert [t.key for t in lecturer.toggle if t.key == "present"] == ["present"]
    assert [p for p in lecturer.get("popover") if p.proto.popover.label == "Share"]


def test_a_followers_page_has_no_switches_and_a_students_own_change_leaves_the_room(store):
    lecturer, code, _ = lecturer_page()
    student = open_page({"room": code})
    # Following: the view and the panel are the lecturer's, no switch for either; the
    # lecture's rules can still be read for each optimizer in use.
    assert following(student)
    assert [control.key for control in student.segmented_control] == ["rule"]
    student.button(key="room_explore").click().run()
    student.segmented_control(key="view").set_value("multiples").run()
    student.run()
    assert not following(student)
    assert [b.key for b in student.button if b.key == "room_rejoin"] == ["room_rejoin"]
    assert store.read_scene(code).params.get("view", [""])[0] != "multiples"
    assert scene_of(student) == scene_of(lecturer)  # the scene followed, theirs now
    set_lr(student, 0.3)  # and its controls are back
    assert scene_of(student).runs[0].values["lr"] == 0.3


@pytest.mark.parametrize("code, says", [
    ("zz", "This is not a room's code"),
    ("<b>x</b>", "This is not a room's code"),
    ("ACEFG", "There is no room ACEFG: it has ended, or the code is mistyped."),
])
def test_a_bad_code_gets_a_plain_message_and_the_ordinary_page(code, says):
    at = open_page({"room": code, "run": "adam:lr=0.3"})
    (warning,) = at.warning
    assert re.sub(r"\\(.)", r"\1", warning.value).startswith(says)
    assert not following(at) and at.session_state["room"] is None
    assert scene_of(at).runs[0].optimizer == "adam"  # the rest of the link still opens
    assert not at.exception


def test_an_expired_room_gets_a_plain_message(store):
    with rooms.open_store(now=lambda: time.time() - 13 * 3600) as long_ago:
        opened = long_ago.open_room()
    at = open_page({"room": opened.code})
    (warning,) = at.warning
    assert f"There is no room {opened.code}" in warning.value
    assert not following(at) and not at.exception


def test_followers_see_that_the_lecturer_closed_the_room(store):
    lecturer, code, _ = lecturer_page()
    student = open_page({"room": code})
    lecturer.button(key="room_close").click().run()
    assert lecturer.session_state["room"] is None
    assert "room" not in lecturer.query_params
    with pytest.raises(rooms.NoSuchRoomError):
        store.versions(code)
    student.run()
    (warning,) = student.warning
    assert f"Room {code} has ended" in warning.value
    assert not following(student) and "room" not in student.query_params
    set_lr(student, 0.3)  # the page is theirs, and works
    assert not student.exception


def kept_in_browser(monkeypatch, cookies: dict[str, str]) -> None:
    """The cookies the browser sends when a page opens (AppTest sends none)."""
    monkeypatch.setattr("controls.room._cookies", lambda: cookies)


def test_the_lecturer_keeps_control_across_a_reload(store, monkeypatch):
    lecturer, code, secret = lecturer_page()
    set_lr(lecturer, 0.6)
    address = params(lecturer)
    assert "lecturer" not in address and secret not in str(address)
    # The lecturer's page hands its browser the key to keep, in the room's cookie.
    (key,) = [n.proto for n in lecturer.get("bidi_component")
              if n.proto.component_name == KEY_COMPONENT]
    kept = json.loads(key.bytes)
    assert kept["cookie"] == cookie_name(code) and kept["secret"] == secret
    # The reloaded page opens with the cookie the browser kept: the lecturer's again.
    kept_in_browser(monkeypatch, {cookie_name(code): secret})
    reloaded = open_page(address)
    assert reloaded.session_state["room_secret"] == secret and not following(reloaded)
    set_lr(reloaded, 0.4)
    assert "sgd:lr=0.4" in store.read_scene(code).query


def test_a_forged_key_gives_no_control(store, monkeypatch):
    _, code, secret = lecturer_page()
    kept_in_browser(monkeypatch, {cookie_name(code): all_but_two(secret)})
    student = open_page({"room": code})
    assert student.session_state["room_secret"] is None and following(student)
    kept_in_browser(monkeypatch, {})
    student = open_page({"room": code, "lecturer": "guess"})
    assert student.session_state["room_secret"] is None and following(student)
    assert "lecturer" not in student.query_params
    # A student's page hands its browser no key.
    assert not [n for n in student.get("bidi_component")
                if n.proto.component_name == KEY_COMPONENT]


def test_the_lecturer_link_is_shown_once_and_takes_control_to_another_device(store):
    lecturer, code, secret = lecturer_page()
    assert secret not in page_text(lecturer)
    lecturer.button(key="room_show_link").click().run()
    (shown,) = [c.value for c in lecturer.code if "lecturer=" in c.value]
    assert shown.endswith(f"/?room={code}&lecturer={secret}")
    assert any("Anyone with this link controls the room" in m.value for m in lecturer.markdown)
    lecturer.button(key="room_hide_link").click().run()
    assert secret not in page_text(lecturer)
    assert lecturer.button(key="room_show_link").disabled  # shown once
    # The second device: the link's secret controls the room, and leaves its address.
    set_lr(lecturer, 0.6)
    second = open_page({"room": code, "lecturer": secret})
    assert second.session_state["room_secret"] == secret
    assert "lecturer" not in second.query_params and secret not in page_text(second)
    assert scene_of(second).runs[0].values["lr"] == 0.6  # the room's scene, not the default
    set_lr(second, 0.2)
    assert "sgd:lr=0.2" in store.read_scene(code).query


def test_each_tests_pages_open_a_store_of_their_own(store, request, monkeypatch):
    _, code, _ = lecturer_page()
    page_store = page_room.store()
    assert page_room.store() is page_store  # one per process and environment
    assert page_store is not store and type(page_store) is type(store)
    assert page_store.read_scene(code) == store.read_scene(code)  # the test's store
    server = request.getfixturevalue("redis_server") if isinstance(
        store, rooms.RedisStore) else None
    if server is not None:
        assert connection_name(request) in server.clients()
    # The next test's environment (another folder, another name) gets another store.
    key, value = (("DESCENT_LAB_DATA", str(page_store.path.parent / "next")) if server is None
                  else ("DESCENT_LAB_STORE", server.url_for("the-next-test")))
    before = os.environ[key]
    monkeypatch.setenv(key, value)
    assert page_room.store() is not page_store
    monkeypatch.setenv(key, before)
    assert page_room.store() is page_store
    release_page_store()
    if server is not None:
        assert connection_name(request) not in server.clients()
    assert page_room.store() is not page_store


def test_a_store_that_does_not_answer_gets_a_plain_message(monkeypatch):
    from deploy.servers import free_port

    # A Redis server that is down: nothing listens on its port.
    monkeypatch.setenv("DESCENT_LAB_STORE", f"redis://127.0.0.1:{free_port()}/0")
    student = open_page({"room": "ACEFG", "run": "adam:lr=0.3"})
    (warning,) = student.warning
    assert re.sub(r"\\(.)", r"\1", warning.value) == rooms.redis_store.UNREACHABLE
    assert not following(student) and scene_of(student).runs[0].optimizer == "adam"
    set_lr(student, 0.3)  # the rest of the page works
    lecturer = open_page({"present": "1"}, menus=[SHARE_MENU])
    lecturer.button(key="room_open").click().run()
    assert not lecturer.exception
    assert [b.key for b in lecturer.button if b.key.startswith("room_")] == ["room_open"]
    (warning,) = lecturer.warning
    assert re.sub(r"\\(.)", r"\1", warning.value) == (
        f"The room could not be opened: {rooms.redis_store.UNREACHABLE}")
    release_page_store()


def test_every_component_takes_its_data_as_json_bytes():
    """The race chart, the viewport and the lecturer's key take JSON bytes: a dict handed
    to a component has Streamlit look among its values for dataframes, and the first
    look imports pandas and pyarrow into the server."""
    lecturer, _, _ = lecturer_page()
    components = lecturer.get("bidi_component")
    assert {c.proto.component_name for c in components} >= {KEY_COMPONENT, *PAGE_COMPONENTS}
    for component in components:
        assert component.proto.WhichOneof("data") == "bytes", component.proto.component_name
        json.loads(component.proto.bytes)
