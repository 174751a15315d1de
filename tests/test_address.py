"""The page's address (controls/address.py), without Streamlit: a link opened into the
widgets' state, a preset chosen, the link's messages and the preset's sentence dropped
once the scene moves on, and the address kept in step.

A plain ``dict`` stands in for ``st.session_state`` and :class:`Params` for
``st.query_params``. References: the link schema's own reader (``scenes.links``) and
the presets' scenes.
"""

from __future__ import annotations

from dataclasses import replace

from controls import address, scene_state
from scenes import DEFAULT_SCENE, PRESETS_BY_KEY
from scenes.links import scene_from_query, scene_to_query

VIEWS, PANELS = ("overlay", "multiples"), ("theory", "fit")


class Params:
    """What the page uses of ``st.query_params``: every value as text, as a browser's
    address holds it; ``writes`` counts the rewrites."""

    def __init__(self, query: dict[str, list[str] | str] | None = None) -> None:
        self.query = {k: v if isinstance(v, list) else [v] for k, v in (query or {}).items()}
        self.writes = 0

    def __iter__(self):
        return iter(self.query)

    def get_all(self, key: str) -> list[str]:
        return list(self.query.get(key, []))

    def from_dict(self, params) -> None:
        self.writes += 1
        self.query = {k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
                      for k, v in params.items()}


def opened(query: dict) -> dict:
    ss: dict = {}
    address.open_link(ss, Params(query), views=VIEWS, panels=PANELS)
    return ss


def test_a_link_opens_its_scene_and_how_it_shows():
    scene = PRESETS_BY_KEY["adam_bias"].scene
    query = {**scene_to_query(scene), "present": "1", "view": "multiples",
             "panel": "theory", "preset": "adam_bias"}
    ss = opened(query)
    assert scene_state.read_scene(ss) == scene
    assert (ss["present"], ss["view"], ss["panel"], ss["preset"]) == (
        True, "multiples", "theory", "adam_bias")
    assert ss["link_messages"] == [] and ss["loaded"] == scene


def test_a_malformed_link_opens_a_scene_and_says_what_was_wrong():
    ss = opened({"kappa": "0\x1f", "view": "sideways", "panel": "nope"})
    assert scene_state.read_scene(ss).surface == DEFAULT_SCENE.surface
    said = " ".join(ss["link_messages"])
    assert "kappa" in said and "view" in said and "panel" in said
    assert ss["view"] == "overlay" and ss["panel"] is None


def test_a_preset_loads_and_its_sentence_goes_once_the_scene_moves_on():
    ss = opened({})
    ss["link_messages"] = ["a message of the link"]
    address.choose_preset(ss, "jitter")
    preset = PRESETS_BY_KEY["jitter"].scene
    assert scene_state.read_scene(ss) == preset and ss["preset"] == "jitter"
    assert ss["link_messages"] == []
    address.follow(ss, preset)  # nothing moved
    assert ss["preset"] == "jitter"
    moved = replace(preset, steps=preset.steps + 10)
    address.follow(ss, moved)
    assert ss["preset"] is None and ss["loaded"] == moved


def test_the_links_messages_go_once_the_visitor_moves_on():
    ss = opened({"steps": "-5"})
    assert ss["link_messages"]
    address.follow(ss, ss["loaded"])
    assert ss["link_messages"]
    address.follow(ss, replace(ss["loaded"], steps=120))
    assert ss["link_messages"] == []


def test_the_address_is_kept_in_step_and_the_audience_link_leaves_presenter_mode_out():
    ss = opened({})
    ss.update(present=True, view="multiples", panel="fit")
    params = Params()
    scene = replace(DEFAULT_SCENE, steps=150)
    shared = address.keep_url(ss, params, scene)
    assert params.writes == 1
    assert scene_from_query(params.query) == (scene, [])
    assert params.get_all("present") == ["1"] and "present" not in shared
    assert params.get_all("view") == ["multiples"] and shared["view"] == "multiples"
    assert scene_from_query(shared) == (scene, [])
    address.keep_url(ss, params, scene)  # unchanged: the address is not rewritten
    assert params.writes == 1


def test_a_lecture_step_is_kept_as_its_short_link_until_the_scene_moves_on():
    from scenes.lecture import STEPS_BY_KEY

    ss = opened({"lecture": "friction", "present": "1"})
    step = STEPS_BY_KEY["friction"].scene
    assert scene_state.read_scene(ss) == step and ss["lecture"] == "friction"
    params = Params()
    shared = address.keep_url(ss, params, step)
    assert params.query == {"lecture": ["friction"], "present": ["1"]}
    assert shared == {"lecture": "friction"}
    moved = replace(step, steps=step.steps + 1)
    address.follow(ss, moved)
    shared = address.keep_url(ss, params, moved)
    assert ss["lecture"] is None and "lecture" not in shared
    assert scene_from_query(shared) == (moved, [])
