"""The page's address: the scene and how it shows, opened from a link and kept in the URL.

A visitor's first run reads the link (:func:`open_link`): the scene goes into the
widgets' state (:mod:`controls.scene_state`), and the page's keys (presenter
mode, view, open panel, preset, lecture step; ``scenes.links.page_from_query``) into
theirs,
with any message about what the link got wrong. A preset's button loads its
scene (:func:`choose_preset`). While the visitor works, :func:`follow` drops the
link's messages, the preset's sentence and the lecture step once the scene is no
longer theirs, and :func:`keep_url` writes the scene and the view back into the
address bar, as its shortest link (``scenes.links.link_query``: ``?lecture=<key>``
alone while the scene is still that step's), a new entry of the browser's history for
each change. Back and Forward rerun the page with another entry's address, which
:func:`navigated` tells apart and the page opens as a link.

Every function takes the widgets' state as ``ss`` (``st.session_state`` on the
page, a ``dict`` in the tests) and the address's query as ``params``, an object
with ``st.query_params``' ``get_all(key)``, ``from_dict(mapping)`` and iteration
over its keys. State keys: ``loaded`` (the scene last opened or chosen),
``preset``, ``link_messages``, ``present``, ``view``, ``panel``, ``url_kept`` (the
address last written), and the lecture's (:mod:`controls.lecture`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from controls import lecture, scene_state
from controls.scene_state import State
from scenes import PRESETS_BY_KEY, Scene, scene_from_query
from scenes.links import PageView, link_query, page_from_query


class QueryParams(Protocol):
    """What the page uses of ``st.query_params``."""

    def __iter__(self) -> Any: ...

    def get_all(self, key: str) -> list[str]: ...

    def from_dict(self, params: Mapping[str, Any]) -> None: ...


def link_of(params: QueryParams) -> dict[str, list[str]]:
    """Every key of the address with all its values."""
    return {key: params.get_all(key) for key in params}


def open_link(ss: State, params: QueryParams, *, views: Iterable[str],
              panels: Iterable[str]) -> None:
    """Load the link's scene and page keys (``views`` and ``panels``: the names the page
    has) into the state, with the link's messages."""
    link = link_of(params)
    scene, messages = scene_from_query(link)
    page, page_messages = page_from_query(link, scene, views=tuple(views),
                                          panels=tuple(panels))
    scene_state.load_scene(ss, scene)
    ss["link_messages"] = [*messages, *page_messages]
    ss["loaded"], ss["preset"] = scene, page.preset
    ss["present"], ss["view"], ss["panel"] = page.present, page.view, page.panel
    # a step opens at step 0 of its race (page.frame), its claim hidden unless page.claim
    lecture.entered(ss, page.lecture, claim=page.claim)
    lecture.pause_at(ss, page.at, scene)  # a room's lecturer paused the race there


def choose_preset(ss: State, key: str) -> None:
    """Load the preset's scene; its sentence shows until the scene changes."""
    scene_state.load_scene(ss, PRESETS_BY_KEY[key].scene)
    ss["loaded"], ss["preset"], ss["link_messages"] = PRESETS_BY_KEY[key].scene, key, []
    lecture.entered(ss, None)


def follow(ss: State, scene: Scene) -> None:
    """The visitor moved on from the link or preset they opened: its messages go, and
    the preset's sentence and the lecture step once the scene is no longer theirs."""
    lecture.follow(ss, scene)
    if scene != ss.get("loaded"):
        ss["link_messages"] = []
        preset = ss.get("preset")
        if preset and scene != PRESETS_BY_KEY[preset].scene:
            ss["preset"] = None
        ss["loaded"] = scene


def page_view(ss: State, present: bool) -> PageView:
    """How the page shows the scene, as a link carries it."""
    return PageView(present=present, view=ss.get("view") or "overlay",
                    panel=ss.get("panel"), preset=ss.get("preset"),
                    lecture=ss.get("lecture"))


def keep_url(ss: State, params: QueryParams, scene: Scene) -> dict:
    """Write the scene and how it shows into the address, as its shortest link (rewritten
    only when it differs); return the link for the audience: the same without presenter
    mode."""
    query = link_query(scene, page_view(ss, False))
    address = link_query(scene, page_view(ss, bool(ss.get("present"))))
    wanted = {k: v if isinstance(v, list) else [v] for k, v in address.items()}
    if link_of(params) != wanted:
        params.from_dict(address)
    ss["url_kept"] = wanted
    return query


def navigated(ss: State, params: QueryParams) -> bool:
    """Whether the address is not the one :func:`keep_url` last wrote: the visitor went
    Back or Forward (the browser reruns the page with that entry's address), and the
    page should open it as a link."""
    kept = ss.get("url_kept")
    return kept is not None and link_of(params) != kept
