"""What a room store checks before it stores anything: codes, secrets, names, runs, scenes.

* **Codes**: :data:`CODE_LENGTH` characters of :data:`ALPHABET`, drawn with
  :mod:`secrets`; any code of 4 to 6 of them is read (lower case and blanks around it
  too), anything else is :class:`~rooms.model.NoSuchRoomError`.
* **Secrets**: ``secrets.token_urlsafe(32)`` (256 bits), stored only as their SHA-256
  (:func:`digest`) and compared with ``hmac.compare_digest``.
* **Names**: plain text of at most :data:`MAX_NAME` characters in NFC (:func:`read_name`).
* **Runs and scenes**: read by :mod:`scenes.links`, exactly as a shared link is read;
  anything the link reader would ignore or replace is refused with its message.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlencode

from rooms.model import Limits, NoSuchRoomError, NotLecturerError, RefusedError
from scenes import DEFAULT_SCENE, RunSpec, scene_from_query, scene_to_query
from scenes.links import page_from_query, page_to_query
from surfaces.plain_text import describe, trim

# No look-alikes: none of 0 O Q D, 1 I L J, 2 Z, 5 S, 8 B, U V.
ALPHABET = "ACEFGHKMNPRTWXY34679"
CODE_LENGTH = 5  # 20**5 = 3.2 million codes; 6 when the first draws are all taken
MIN_CODE, MAX_CODE = 4, 6
MAX_NAME = 24
MAX_STUDENT = 128
MAX_SECRET = 200
# A room's scene as a query string, and the keys of one as a mapping: far above any link
# the page writes (eight runs of at most 200 characters, a formula of 500).
MAX_QUERY = 8000
MAX_KEYS = 60
# A view or panel name (the page checks it against its own when it reads the room).
_PAGE_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")

# Characters no name may hold, by Unicode category.
_BANNED = {"Cc": "a control character", "Cf": "an invisible formatting character",
           "Cs": "half of a surrogate pair", "Co": "a private-use character",
           "Cn": "an unassigned character", "Zl": "a line break", "Zp": "a paragraph break"}
# Letters that show as nothing (Hangul fillers, the Braille blank): a blank name in disguise.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Marks stacked on one letter: two are ordinary (a Vietnamese vowel), more is a pile.
MAX_MARKS = 2


def new_code(length: int = CODE_LENGTH) -> str:
    """A fresh room code: ``length`` characters of :data:`ALPHABET`, each from ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def read_code(code: Any) -> str:
    """The room code ``code`` as stored (upper case, no blanks around it).

    Raises:
        NoSuchRoomError: ``code`` cannot be a room's code (never quoted in the message).
    """
    text = trim(code) if isinstance(code, str) else ""
    text = text.upper() if text.isascii() else ""
    if MIN_CODE <= len(text) <= MAX_CODE and all(ch in ALPHABET for ch in text):
        return text
    raise NoSuchRoomError(f"This is not a room's code: a code has {MIN_CODE} to {MAX_CODE} "
                     f"letters and digits. Check the link, or ask for a new one.")


def no_such_room(code: str) -> NoSuchRoomError:
    """The error for a well-formed ``code`` that names no open room."""
    return NoSuchRoomError(f"There is no room {code}: it has ended, or the code is mistyped.")


def new_secret() -> str:
    """The lecturer's secret of a new room: 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the store keeps of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: Any, stored: str) -> bool:
    """Whether ``secret`` is the one whose digest is ``stored`` (compared in constant time)."""
    if not isinstance(secret, str) or not secret.isascii() or not 0 < len(secret) <= MAX_SECRET:
        return False
    return hmac.compare_digest(digest(secret), stored)


def check_secret(secret: Any, stored: str) -> None:
    """Raises :class:`NotLecturerError` unless ``secret`` matches ``stored``."""
    if not secret_matches(secret, stored):
        raise NotLecturerError("Only the lecturer can change this room (with the lecturer's link).")


def alive(last_active: float, now: float, limits: Limits) -> bool:
    """Whether a room last written at ``last_active`` is still open at ``now``."""
    return now < last_active + limits.idle_seconds


def read_student(student: Any) -> str:
    """The caller's id of a student (a session's id): printable ASCII, 1 to
    :data:`MAX_STUDENT` characters.

    Raises:
        RefusedError: anything else.
    """
    if isinstance(student, str) and 0 < len(student) <= MAX_STUDENT and student.isascii() \
            and student.isprintable():
        return student
    raise RefusedError("This page could not say who is sending the run; reload it and send again.")


def read_name(name: Any) -> str:
    """A student's name for the board: plain text, blanks around it dropped, in NFC.

    At most :data:`MAX_NAME` characters; no ``<`` or ``>``; no control, formatting
    (zero-width, bidi overrides), private-use, unassigned or surrogate characters, no
    line breaks, no letter that shows as nothing, at most :data:`MAX_MARKS` combining
    marks on a letter. ``None`` or blanks: no name (``""``).

    Raises:
        RefusedError: with a message that names a character only as ``U+XXXX NAME``.
    """
    if name is None:
        return ""
    if not isinstance(name, str):
        raise RefusedError("A name is plain text.")
    if len(name) > 4 * MAX_NAME:  # before normalizing: a page may send megabytes
        raise RefusedError(f"A name has at most {MAX_NAME} characters.")
    for ch in name:
        if unicodedata.category(ch) == "Cs":
            raise RefusedError(f"A name cannot hold {describe(ch)} (half of a surrogate pair).")
    text = unicodedata.normalize("NFC", trim(name))
    if len(text) > MAX_NAME:
        raise RefusedError(f"A name has at most {MAX_NAME} characters; this one has {len(text)}.")
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "<>":
            raise RefusedError("A name is plain text: it cannot hold < or >.")
        if category in _BANNED:
            raise RefusedError(f"A name cannot hold {describe(ch)} ({_BANNED[category]}).")
        if ch in _BLANK_LETTERS:
            raise RefusedError(f"A name cannot hold {describe(ch)} (it shows as nothing).")
        marks = marks + 1 if category in ("Mn", "Me") else 0
        if marks > MAX_MARKS:
            raise RefusedError(f"A name cannot pile more than {MAX_MARKS} accents on a letter.")
    return text


def run_text(run: RunSpec) -> str:
    """``run`` as a link writes it (``momentum:lr=0.3,mu=0.9``), without its colour."""
    return scene_to_query(DEFAULT_SCENE.with_runs([replace(run, color=None)]))["run"][0]


def read_run(run: Any) -> tuple[RunSpec, str]:
    """A student's run, checked as a link's ``run=`` is, and its text as a link writes it.

    ``run`` is a :class:`~scenes.RunSpec` or its text. Its colour is dropped (the board
    draws the class's runs its own way).

    Raises:
        RefusedError: not a run a link could hold (the link reader's message), or switched off.
    """
    if isinstance(run, RunSpec):
        run = run_text(run)
    if not isinstance(run, str):
        raise RefusedError("A run is sent as its optimizer and hyperparameters.")
    return _read_run_text(run)


@lru_cache(maxsize=2048)  # a board of 500 runs is read again at every change
def _read_run_text(text: str) -> tuple[RunSpec, str]:
    scene, messages = scene_from_query({"run": text})
    if messages:
        raise RefusedError(f"The run was not sent: {messages[0]}.")
    run = scene.runs[0]
    if not run.enabled:
        raise RefusedError("The run was not sent: it is switched off.")
    return replace(run, color=None), run_text(run)


def room_query(scene: Any) -> str:
    """A room's scene, as the query string the store keeps.

    ``scene`` is a link's query string (``surface=ravine&run=...``, with or without its
    ``?``) or a mapping of its keys to a string or a list of strings (JSON's, or
    ``{key: params.get_all(key) for key in params}`` of ``st.query_params``, whose own
    ``get`` gives a repeated key's last value only). It is read as a link is
    (``scenes.scene_from_query``, ``scenes.links.page_from_query``), and written back
    as a link is, without ``present`` (presenter mode is the lecturer's own screen).

    Raises:
        RefusedError: anything the link reader would ignore or replace (its message), too
            long, or not a query at all.
    """
    if isinstance(scene, str):
        if len(scene) > MAX_QUERY:
            raise RefusedError(f"The scene was not shared: its link is longer than "
                          f"{MAX_QUERY:,} characters.")
        params: Mapping[str, Any] = parse_qs(scene.removeprefix("?"), keep_blank_values=True)
    elif isinstance(scene, Mapping):
        params = scene
    else:
        raise RefusedError("The scene was not shared: it is not a link's query.")
    if len(params) > MAX_KEYS:
        raise RefusedError(f"The scene was not shared: its link has more than {MAX_KEYS} keys.")
    read, messages = scene_from_query(params)
    words = {key: _page_word(params, key) for key in ("view", "panel")}
    page, page_messages = page_from_query(
        params, read, views=tuple(filter(None, [words["view"]])),
        panels=tuple(filter(None, [words["panel"]])))
    problems = messages + page_messages
    if problems:
        raise RefusedError(f"The scene was not shared: {problems[0]}.")
    query = {**scene_to_query(read), **page_to_query(replace(page, present=False))}
    return urlencode(query, doseq=True, safe=":,=")


def _page_word(params: Mapping[str, Any], key: str) -> str | None:
    """The view or panel a scene's query names, if it is a plain lower-case word (the
    page that reads the room checks it against the views and panels it has)."""
    value = params.get(key)
    value = value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value
    return value if isinstance(value, str) and _PAGE_WORD.fullmatch(value) else None


def wait_text(last: float, now: float, limits: Limits) -> str:
    """How long a student who sent a run at ``last`` still waits, in whole seconds."""
    left = min(last + limits.submit_interval - now, limits.submit_interval)
    return f"{max(1, math.ceil(left))} s"


def refusal(kind: str, now: float, limits: Limits, last: float = 0.0) -> RefusedError:
    """The error of a submission the room's state refuses: ``kind`` is ``"closed"``,
    ``"full"`` or ``"soon"`` (``last``: when the student last sent one)."""
    if kind == "closed":
        return RefusedError("The lecturer has closed submissions for now.")
    if kind == "full":
        return RefusedError(f"The board is full ({limits.max_entries} runs): it takes more once "
                       f"the lecturer clears it.")
    interval = f"{limits.submit_interval:g} s"
    return RefusedError(f"One run every {interval}, please: send again in "
                   f"{wait_text(last, now, limits)}.")


def submission_problem(*, submissions_open: bool, count: int, last: float | None, now: float,
                       limits: Limits) -> str | None:
    """Why the room's state refuses a submission now (a :func:`refusal` kind), or None.

    In this order: submissions closed; ``count`` runs already on the board (at most
    ``limits.max_entries``); the student's last run at ``last`` less than
    ``limits.submit_interval`` ago. The Redis store runs the same rules in Lua.
    """
    if not submissions_open:
        return "closed"
    if count >= limits.max_entries:
        return "full"
    if last is not None and now < last + limits.submit_interval:
        return "soon"
    return None
