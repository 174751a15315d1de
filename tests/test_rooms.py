"""The room store: every test runs against both stores, SQLite and Redis.

The SQLite store uses a file in the test's own folder (fast tier). The Redis store
uses Debian's ``redis-server``, started once for the module on a free port in a
temporary folder (``appendonly yes``, so a restart keeps what it acknowledged: the
``redis_server`` fixture of tests/conftest.py, :mod:`harness.redis_server`);
those tests are marked ``server`` and skipped, saying how to install it, where it is
missing. Time is a :class:`Clock` the test moves: nothing sleeps, nothing is timed.
"""

from __future__ import annotations

import multiprocessing
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rooms import (
    Limits,
    NoSuchRoomError,
    NotLecturerError,
    RedisStore,
    RefusedError,
    SQLiteStore,
    Versions,
    checks,
    open_store,
)
from rooms.config import data_dir
from rooms.store import SHORT_DRAWS
from scenes import DEFAULT_SCENE, PRESETS_BY_KEY, RunSpec, scene_from_query, scene_to_query
from scenes.links import page_from_query
from surfaces.plain_text import trim

START = 1_800_000_000.0  # the clocks' first reading (2027), far from the real time
HOURS = 3600.0


class Clock:
    """The store's clock, moved by the test."""

    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


BACKENDS = ["sqlite", pytest.param("redis", marks=pytest.mark.server)]


@pytest.fixture(params=BACKENDS)
def env(request, tmp_path) -> dict[str, str]:
    """The environment that names a fresh, empty store of each kind."""
    if request.param == "sqlite":
        return {"DESCENT_LAB_STORE": f"sqlite:///{tmp_path / 'rooms.sqlite3'}"}
    server = request.getfixturevalue("redis_server")
    server.flush()
    return {"DESCENT_LAB_STORE": server.url}


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(env, clock):
    with open_store(env, now=clock) as store:
        yield store


def raw_contents(store) -> bytes:
    """Everything the store has written, as bytes: the SQLite files, or every Redis
    value under the store's keys and the server's append-only files."""
    if isinstance(store, SQLiteStore):
        store.close()  # its files as another process would read them
        files = [p for p in store.path.parent.iterdir() if p.name.startswith(store.path.name)]
        return b"".join(p.read_bytes() for p in files)
    client, found = store.client, []
    for key in client.scan_iter("*"):
        kind = client.type(key)
        if kind == "hash":
            found += [f"{k}={v}" for k, v in client.hgetall(key).items()]
        elif kind == "list":
            found += client.lrange(key, 0, -1)
        elif kind == "zset":
            found += [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
        else:
            found.append(client.get(key))
    folder = Path(client.config_get("dir")["dir"])
    aof = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    return "\n".join(found).encode() + aof


PRESET = PRESETS_BY_KEY["no_friction"]
SCENE = PRESET.scene
SCENE_QUERY = {**scene_to_query(SCENE), "preset": PRESET.key, "view": "multiples",
               "panel": "theory"}


# --- codes -----------------------------------------------------------------------------------

def test_codes_draw_from_an_alphabet_without_look_alikes():
    assert not set(checks.ALPHABET) & set("0OQD1ILJ2Z5S8BUV")
    assert checks.ALPHABET.isascii() and all(ch.isupper() or ch.isdigit()
                                             for ch in checks.ALPHABET)
    codes = [checks.new_code() for _ in range(2000)]
    assert {len(code) for code in codes} == {checks.CODE_LENGTH}
    assert set("".join(codes)) == set(checks.ALPHABET)  # every character drawn, none else
    assert len(set(codes)) > 1990  # 3.2 million codes: a repeat in 2,000 is rare
    assert {len(checks.new_code(n)) for n in (4, 6)} == {4, 6}


def test_a_room_has_a_short_code_read_in_any_case(store):
    codes = [store.open_room().code for _ in range(20)]
    assert len(set(codes)) == 20
    assert all(len(c) == checks.CODE_LENGTH and set(c) <= set(checks.ALPHABET) for c in codes)
    assert store.read_scene(f" {codes[0].lower()}\n").version == 0


def test_a_code_already_taken_is_drawn_again_then_longer(store, monkeypatch):
    taken = store.open_room().code
    asked = []

    def draws(length=checks.CODE_LENGTH):
        asked.append(length)
        return taken if length == checks.CODE_LENGTH else "ACEFGH"[:length]

    monkeypatch.setattr(checks, "new_code", draws)
    room = store.open_room()
    assert room.code == "ACEFGH"
    assert asked == [5] * SHORT_DRAWS + [6]
    assert store.is_lecturer(room.code, room.secret)


@pytest.mark.parametrize("code", ["", "AC", "ACEFGHK", "O0O0O", "ACE<G", "ACE G", "ACEFG\x00",
                                  "\uff21\uff23\uff25\uff26\uff27", "ACE\u200bFG", None, 12345,
                                  ["ACEFG"], "a" * 10_000])
def test_a_malformed_code_is_no_room_with_a_plain_message(store, code):
    room = store.open_room()
    for call in (lambda: store.read_scene(code), lambda: store.versions(code),
                 lambda: store.read_board(code),
                 lambda: store.submit(code, "s1", "sgd:lr=1"),
                 lambda: store.write_scene(code, room.secret, SCENE_QUERY),
                 lambda: store.close_room(code, room.secret)):
        with pytest.raises(NoSuchRoomError) as error:
            call()
        message = str(error.value)
        assert message.startswith("This is not a room's code") and message.isascii()


def test_an_unknown_code_is_no_room(store):
    opened = store.open_room().code
    unknown = next(c for c in ("ACEFG", "HKMNP") if c != opened)
    with pytest.raises(NoSuchRoomError, match=f"There is no room {unknown}: it has ended"):
        store.read_scene(unknown)


# --- the lecturer's secret -------------------------------------------------------------------

def test_the_secret_is_long_random_and_stored_only_as_its_hash(store):
    rooms = [store.open_room() for _ in range(3)]
    for room in rooms:
        assert len(room.secret) >= 43  # token_urlsafe(32): 256 bits, at least 128 asked
        assert room.secret not in repr(room)
        store.write_scene(room.code, room.secret, SCENE_QUERY)
    assert len({room.secret for room in rooms}) == 3
    contents = raw_contents(store)
    for room in rooms:
        assert room.secret.encode() not in contents
        assert checks.digest(room.secret).encode() in contents
        assert room.code.encode() in contents  # the dump does hold the rooms


BAD_SECRETS = ["", None, 123, "é" * 43, " ", "x" * 10_000]
LECTURERS_CHANGES = [("write_scene", scene_to_query(DEFAULT_SCENE)), ("touch",),
                     ("close_room",), ("clear_board",), ("set_submissions", False),
                     ("hide_names", True)]


def test_only_the_secrets_holder_changes_the_room(store):
    room, other = store.open_room(), store.open_room()
    store.write_scene(room.code, room.secret, SCENE_QUERY)
    store.submit(room.code, "s1", "adam:lr=0.3", "Ada")
    before = store.versions(room.code), store.read_scene(room.code), store.read_board(room.code)
    wrong = [other.secret, room.secret[:-1] + ("A" if room.secret[-1] != "A" else "B"),
             room.secret + " ", room.secret.upper(), *BAD_SECRETS]
    for secret in wrong:
        for change, *args in LECTURERS_CHANGES:
            with pytest.raises(NotLecturerError, match="Only the lecturer can change this room"):
                getattr(store, change)(room.code, secret, *args)
        assert not store.is_lecturer(room.code, secret)
    after = store.versions(room.code), store.read_scene(room.code), store.read_board(room.code)
    assert after == before
    assert store.is_lecturer(room.code, room.secret) and store.is_lecturer(other.code,
                                                                           other.secret)
    store.clear_board(room.code, room.secret)
    assert store.read_board(room.code).entries == ()


def test_a_closed_room_is_gone_for_everyone(store):
    room = store.open_room()
    store.write_scene(room.code, room.secret, SCENE_QUERY)
    store.submit(room.code, "s1", "sgd:lr=1")
    store.close_room(room.code, room.secret)
    for call in (lambda: store.read_scene(room.code), lambda: store.read_board(room.code),
                 lambda: store.submit(room.code, "s2", "sgd:lr=1"),
                 lambda: store.touch(room.code, room.secret),
                 lambda: store.is_lecturer(room.code, room.secret)):
        with pytest.raises(NoSuchRoomError, match=f"There is no room {room.code}"):
            call()


# --- the scene and its versions --------------------------------------------------------------

def test_each_scene_write_bumps_the_version(store):
    room = store.open_room()
    assert store.versions(room.code) == Versions(0, 0)
    empty = store.read_scene(room.code)
    assert (empty.version, empty.query, empty.params) == (0, "", {})
    scenes = [SCENE_QUERY, scene_to_query(DEFAULT_SCENE), SCENE_QUERY]
    assert [store.write_scene(room.code, room.secret, s) for s in scenes] == [1, 2, 3]
    assert store.versions(room.code) == Versions(3, 0)
    store.touch(room.code, room.secret)
    assert store.versions(room.code) == Versions(3, 0)  # kept alive, not changed


def test_a_room_scene_reads_back_as_the_link_it_was(store):
    room = store.open_room()
    store.write_scene(room.code, room.secret, {**SCENE_QUERY, "present": "1"})
    shared = store.read_scene(room.code)
    scene, messages = scene_from_query(shared.params)
    page, page_messages = page_from_query(shared.params, scene, views=("overlay", "multiples"),
                                          panels=("theory",))
    assert (scene, messages, page_messages) == (SCENE, [], [])
    assert (page.view, page.panel, page.preset, page.present) == (
        "multiples", "theory", PRESET.key, False)  # presenter mode is the lecturer's own
    assert "present" not in shared.params and "run=momentum:lr=0.1,mu=1" in shared.query
    # the same scene as a query string, with or without its "?", or as lists
    for same in (shared.query, "?" + shared.query, shared.params):
        store.write_scene(room.code, room.secret, same)
        assert store.read_scene(room.code).query == shared.query


@pytest.mark.parametrize("scene, why", [
    ("surface=nope", "ignored surface='nope': unknown surface"),
    ({"run": "sgd:lr=1e9"}, "ignored lr='1e9' in run"),
    ("steps=abc", "ignored steps='abc'"),
    ({"steps": ["10", "20"]}, "steps appears 2 times"),
    ({"foo": "1"}, "ignored unknown link parameter 'foo'"),
    ({"view": "<b>x</b>"}, "ignored view='<b>x</b>': unknown view"),
    ({"preset": "jitter", "surface": "rosenbrock"}, "ignored preset=jitter"),
    ({"run": ["sgd:lr=1"] * 9}, "the link has 9 runs"),
    ("run=" + "x" * 9000, "longer than 8,000 characters"),
    ({f"k{i}": "1" for i in range(100)}, "more than 60 keys"),
    (12, "it is not a link's query"),
    (["surface", "ravine"], "it is not a link's query"),
])
def test_a_scene_is_checked_as_a_link_is(store, scene, why):
    room = store.open_room()
    store.write_scene(room.code, room.secret, SCENE_QUERY)
    with pytest.raises(RefusedError) as error:
        store.write_scene(room.code, room.secret, scene)
    assert str(error.value).startswith("The scene was not shared: ") and why in str(error.value)
    assert store.versions(room.code).scene == 1


# --- expiry ----------------------------------------------------------------------------------

def test_an_idle_room_ends_after_twelve_hours(store, clock):
    assert store.limits.idle_seconds == 12 * HOURS
    read, sent, written = (store.open_room() for _ in range(3))
    clock.advance(11 * HOURS)
    store.read_scene(read.code)  # reading keeps no room alive
    store.read_board(read.code)
    store.submit(sent.code, "s1", "sgd:lr=1")  # a student's run does
    clock.advance(HOURS - 1)
    store.write_scene(written.code, written.secret, SCENE_QUERY)  # the lecturer's write does
    assert store.read_scene(read.code).version == 0  # 1 s left
    clock.advance(1)
    for call in (lambda: store.read_scene(read.code), lambda: store.versions(read.code),
                 lambda: store.read_board(read.code),
                 lambda: store.submit(read.code, "s2", "sgd:lr=1"),
                 lambda: store.write_scene(read.code, read.secret, SCENE_QUERY),
                 lambda: store.touch(read.code, read.secret)):
        with pytest.raises(NoSuchRoomError, match=f"There is no room {read.code}"):
            call()
    assert store.expire() == 1  # ``read``
    clock.advance(11 * HOURS - 1)
    assert store.read_board(sent.code).entries[0].text == "sgd:lr=1"
    clock.advance(1)  # 12 h after the run
    assert store.expire() == 1
    with pytest.raises(NoSuchRoomError):
        store.versions(sent.code)
    clock.advance(HOURS - 2)
    assert store.read_scene(written.code).version == 1
    clock.advance(1)  # 12 h after the lecturer's write
    with pytest.raises(NoSuchRoomError):
        store.read_scene(written.code)
    assert store.expire() == 1


def test_opening_a_room_removes_the_ended_ones(store, clock):
    old = store.open_room()
    store.submit(old.code, "s1", "sgd:lr=1")
    clock.advance(12 * HOURS)
    store.open_room()
    assert store.expire() == 0  # already removed
    with pytest.raises(NoSuchRoomError):
        store.read_board(old.code)


def test_the_idle_time_is_set_by_the_environment(env, clock):
    with open_store({**env, "DESCENT_LAB_ROOM_HOURS": "0.5"}, now=clock) as store:
        assert store.limits.idle_seconds == 1800
        room = store.open_room()
        clock.advance(1799)
        store.touch(room.code, room.secret)
        clock.advance(1800)
        with pytest.raises(NoSuchRoomError):
            store.read_scene(room.code)


# --- the board -------------------------------------------------------------------------------

def test_a_run_goes_on_the_board_in_order(store, clock):
    room = store.open_room()
    first = store.submit(room.code, "s1", "momentum: lr=0.3 , mu=0.9", "  Ada ")
    clock.advance(1)
    second = store.submit(room.code, "s2", RunSpec.make("adam", lr=0.1, color=3))
    assert (first.number, first.name, first.text) == (1, "Ada", "momentum:lr=0.3")
    assert first.run == RunSpec.make("momentum", lr=0.3, mu=0.9)
    assert (second.number, second.name, second.run.color) == (2, "", None)
    assert second.text == "adam:lr=0.1"  # as a link writes a run: its defaults left out
    board = store.read_board(room.code)
    assert board.entries == (first, second)
    assert (board.version, board.submissions_open, board.names_hidden) == (2, True, False)
    assert [e.at for e in board.entries] == [START, START + 1]


def test_one_run_per_student_every_few_seconds(store, clock):
    room = store.open_room()
    assert store.limits.submit_interval == 5
    store.submit(room.code, "s1", "sgd:lr=1")
    clock.advance(2)
    with pytest.raises(RefusedError,
                       match=r"^One run every 5 s, please: send again in 3 s\.$"):
        store.submit(room.code, "s1", "sgd:lr=2")
    store.submit(room.code, "s2", "sgd:lr=2")  # another student is not held up
    store.submit(store.open_room().code, "s1", "sgd:lr=2")  # nor the same in another room
    clock.advance(2.5)
    with pytest.raises(RefusedError, match="send again in 1 s"):
        store.submit(room.code, "s1", "sgd:lr=2")
    clock.advance(0.5)
    assert store.submit(room.code, "s1", "sgd:lr=3").number == 3
    assert [e.text for e in store.read_board(room.code).entries] == [
        "sgd:lr=1", "sgd:lr=2", "sgd:lr=3"]


def test_the_lecturer_closes_submissions_hides_names_and_clears(store, clock):
    room = store.open_room()
    store.submit(room.code, "s1", "sgd:lr=1", "Ada")
    store.set_submissions(room.code, room.secret, False)
    with pytest.raises(RefusedError, match="^The lecturer has closed submissions for now.$"):
        store.submit(room.code, "s2", "sgd:lr=1")
    store.set_submissions(room.code, room.secret, True)
    store.submit(room.code, "s2", "sgd:lr=2", "Grace")
    store.hide_names(room.code, room.secret, True)
    hidden = store.read_board(room.code)
    assert ([e.name for e in hidden.entries], hidden.names_hidden) == (["", ""], True)
    store.hide_names(room.code, room.secret, False)
    assert [e.name for e in store.read_board(room.code).entries] == ["Ada", "Grace"]
    versions = store.versions(room.code)
    store.clear_board(room.code, room.secret)
    assert store.read_board(room.code).entries == ()
    assert store.versions(room.code) == Versions(versions.scene, versions.board + 1)
    clock.advance(5)
    assert store.submit(room.code, "s1", "sgd:lr=1").number == 3  # numbers are not reused
    assert store.versions(room.code).board == 8  # 3 runs, 2 switches twice, 1 clear


def test_a_board_holds_500_runs(store, clock):
    room = store.open_room()
    for i in range(500):
        store.submit(room.code, f"student {i}", "sgd:lr=1")
    with pytest.raises(RefusedError) as error:
        store.submit(room.code, "one more", "sgd:lr=1")
    assert str(error.value) == ("The board is full (500 runs): it takes more once the "
                                "lecturer clears it.")
    board = store.read_board(room.code)
    assert [e.number for e in board.entries] == list(range(1, 501))
    store.clear_board(room.code, room.secret)
    assert store.submit(room.code, "one more", "sgd:lr=1").number == 501


@pytest.mark.parametrize("run, why", [
    ("sgd:lr=1e9", "ignored lr='1e9' in run"),
    ("nope:lr=1", "unknown optimizer 'nope'"),
    ("", "unknown optimizer ''"),
    ("adam:lr=0.1,beta1=2", "ignored beta1='2'"),
    ("sgd:lr=1,enabled=false", "it is switched off"),
    ("sgd:lr=1,mu=0.9", "ignored 'mu'"),
    ("sgd:" + "x" * 300, "ignored a run of 304 characters"),
    ("sgd:lr=\u0661", "U+0661 ARABIC-INDIC DIGIT ONE"),
    (None, "A run is sent as its optimizer"),
    ({"optimizer": "sgd"}, "A run is sent as its optimizer"),
])
def test_a_run_is_checked_as_a_links_run_is(store, run, why):
    room = store.open_room()
    with pytest.raises(RefusedError) as error:
        store.submit(room.code, "s1", run)
    assert why in str(error.value)
    assert store.read_board(room.code).entries == ()
    store.submit(room.code, "s1", "sgd:lr=1")  # a refused run does not count as one sent


@pytest.mark.parametrize("student", ["", None, 7, "é", "a\nb", "x" * 129])
def test_a_student_id_must_be_plain(store, student):
    room = store.open_room()
    with pytest.raises(RefusedError, match="could not say who is sending the run"):
        store.submit(room.code, student, "sgd:lr=1")


# --- names -----------------------------------------------------------------------------------

HOSTILE_NAMES = {
    "<b>Ada</b>": "cannot hold < or >",
    "x<y": "cannot hold < or >",
    "a\x00b": "U+0000 (a control character)",
    "a\x1bb": "U+001B (a control character)",
    "ab\u202ecd": "U+202E RIGHT-TO-LEFT OVERRIDE (an invisible formatting character)",
    "a\u200bb": "U+200B ZERO WIDTH SPACE",
    "x\u2028y": "U+2028 LINE SEPARATOR (a line break)",
    "\ue000": "U+E000 (a private-use character)",
    "\u0378": "U+0378 (an unassigned character)",
    "\ud800x": "U+D800 (half of a surrogate pair)",
    "\u3164\u3164": "U+3164 HANGUL FILLER (it shows as nothing)",
    "x" + "\u0301" * 3: "cannot pile more than 2 accents",
    "x" * 25: "at most 24 characters; this one has 25",
    "x" * 500: "at most 24 characters.",
}


@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_a_hostile_name_is_refused_plainly(store, name):
    room = store.open_room()
    with pytest.raises(RefusedError) as error:
        store.submit(room.code, "s1", "sgd:lr=1", name)
    assert HOSTILE_NAMES[name] in str(error.value)
    assert str(error.value).isascii() and str(error.value).isprintable()
    assert store.read_board(room.code).entries == ()


@pytest.mark.parametrize("given, kept", [
    ("Ada", "Ada"), ("  Ada Lovelace\u00a0", "Ada Lovelace"), (None, ""), ("\u200b \t", ""),
    ("Zoe\u0308", "Zo\u00eb"),  # NFD from a Mac becomes NFC
    ("李小龙", "李小龙"), ("Nguyễn", "Nguyễn"), ("a & b; 'c' \"d\"", "a & b; 'c' \"d\""),
    ("x" * 24, "x" * 24), ("🦆 team", "🦆 team"),
])
def test_a_plain_name_is_kept(store, given, kept):
    room = store.open_room()
    assert store.submit(room.code, "s1", "sgd:lr=1", given).name == kept
    assert store.read_board(room.code).entries[0].name == kept


BANNED = set(checks._BANNED)


@given(st.text(st.characters(codec=None, categories=None), max_size=40)
       | st.lists(st.sampled_from(["<", ">", "\u202e", "\u200d", "\x00", "\u0301", "e",
                                   "\u3164", "\ud83e", "A", " ", "\n", "\u2066"]),
                  max_size=30).map("".join))
@example("e\u0301" * 12)  # 24 characters in NFC, 24 more before it
@example("\u0065\u0301\u0302\u0303")
def test_whatever_the_text_a_name_is_plain_or_refused_plainly(text):
    try:
        name = checks.read_name(text)
    except RefusedError as error:
        assert str(error).isascii() and str(error).isprintable()
        return
    assert name == unicodedata.normalize("NFC", trim(text)) == trim(name)
    assert len(name) <= checks.MAX_NAME and not set(name) & set("<>")
    assert not {unicodedata.category(ch) for ch in name} & BANNED


@given(st.text(st.characters(categories=["L", "N"], codec="ascii") | st.just(" "),
               max_size=24))
def test_every_short_ascii_name_is_taken(text):
    assert checks.read_name(text) == text.strip()


# --- several processes, a restart ------------------------------------------------------------

WRITES = 40


def lecturer_and_class(env: dict, code: str, secret: str, who: int, queue) -> None:
    """One replica: the lecturer's scene writes and students' runs, interleaved."""
    with open_store(env) as store:
        versions, numbers = [], []
        for i in range(WRITES):
            steps = str(10 + who * WRITES + i)
            versions.append(store.write_scene(code, secret, {"steps": steps}))
            numbers.append(store.submit(code, f"p{who}-{i}", f"sgd:lr={who + 1}").number)
        queue.put((versions, numbers))


def test_two_processes_write_one_room_at_once(env):
    with open_store(env) as store:
        room = store.open_room()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=lecturer_and_class,
                               args=(env, room.code, room.secret, who, queue))
               for who in (0, 1)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    versions = sorted(v for vs, _ in results for v in vs)
    numbers = sorted(n for _, ns in results for n in ns)
    assert versions == numbers == list(range(1, 2 * WRITES + 1))  # none lost, none twice
    with open_store(env) as store:
        board = store.read_board(room.code)
        assert sorted(e.text for e in board.entries) == ["sgd:lr=1"] * WRITES + ["sgd:lr=2"] \
            * WRITES
        assert store.versions(room.code) == Versions(2 * WRITES, 2 * WRITES)


def test_threads_of_one_process_share_a_store(store):
    """Streamlit runs each visitor's script in a thread of its own."""
    room = store.open_room()

    def student(i: int) -> int:
        return store.submit(room.code, f"t{i}", "sgd:lr=1").number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(pool.map(student, range(64)))
    assert numbers == list(range(1, 65))
    assert store.versions(room.code).board == 64


def test_everything_survives_a_restart(env, clock, request):
    with open_store(env, now=clock) as store:
        room = store.open_room()
        store.write_scene(room.code, room.secret, SCENE_QUERY)
        store.submit(room.code, "s1", "adam:lr=0.3", "Ada")
        store.hide_names(room.code, room.secret, True)
        before = store.read_scene(room.code), store.read_board(room.code)
    if "redis" in env["DESCENT_LAB_STORE"]:
        request.getfixturevalue("redis_server").restart()
    clock.advance(1)
    with open_store(env, now=clock) as store:
        assert (store.read_scene(room.code), store.read_board(room.code)) == before
        with pytest.raises(RefusedError, match="send again in 4 s"):
            store.submit(room.code, "s1", "adam:lr=0.3")
        store.hide_names(room.code, room.secret, False)  # the lecturer still holds it
        assert store.read_board(room.code).entries[0].name == "Ada"


@pytest.mark.server
def test_redis_keys_leave_by_themselves_an_hour_after_the_room_ends(redis_server):
    """Rooms nobody sweeps still go: each key's TTL is the idle time plus an hour."""
    with RedisStore(redis_server.url, prefix="ttl-test:") as store:
        room = store.open_room()
        store.submit(room.code, "s1", "sgd:lr=1")
        store.write_scene(room.code, room.secret, SCENE_QUERY)
        keys = sorted(store.client.scan_iter("ttl-test:room:*"))
        assert keys == sorted(store._keys(room.code))
        idle_ms = store.limits.idle_seconds * 1000
        for key in keys:
            assert idle_ms < store.client.pttl(key) <= idle_ms + HOURS * 1000
        store.close_room(room.code, room.secret)
        assert list(store.client.scan_iter("ttl-test:*")) == []


# --- choosing a store ------------------------------------------------------------------------

def test_the_environment_chooses_the_store(tmp_path):
    store = open_store({"DESCENT_LAB_DATA": str(tmp_path / "data")})
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "data" / "rooms.sqlite3"
    assert not (tmp_path / "data").exists()  # nothing made before it is used
    store.open_room()
    assert store.path.exists()
    store.close()
    assert data_dir({"HOME": "/home/a"}) == Path("/home/a/.local/share/descent-lab")
    assert data_dir({"XDG_DATA_HOME": "/x", "HOME": "/h"}) == Path("/x/descent-lab")
    own = open_store({"DESCENT_LAB_STORE": f"sqlite:///{tmp_path}/own.db"})
    assert own.path == tmp_path / "own.db"
    remote = open_store({"DESCENT_LAB_STORE": "redis://:pw@db.example:6379/2"})
    assert isinstance(remote, RedisStore) and "pw" not in repr(remote)  # not connected yet
    assert open_store({"DESCENT_LAB_STORE": "redis://h:1/0",
                       "DESCENT_LAB_ROOM_HOURS": "2"}).limits == Limits(idle_seconds=7200)
    for bad in ({"DESCENT_LAB_STORE": "mysql://h/db"}, {"DESCENT_LAB_ROOM_HOURS": "nan"},
                {"DESCENT_LAB_ROOM_HOURS": "-1"}, {"DESCENT_LAB_ROOM_HOURS": "soon"}):
        with pytest.raises(ValueError, match="DESCENT_LAB_"):
            open_store({"DESCENT_LAB_DATA": str(tmp_path), **bad})
