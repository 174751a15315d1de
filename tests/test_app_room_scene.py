"""What of the lecturer's lecture step reaches a room's followers beyond the scene, through
AppTest: the step's claim, once revealed (``claim=1`` in the room's scene).

The pages share one SQLite store (``store`` of ``tests.test_app_rooms``). References: the
store's own reads, the link reader (``scenes.links.page_from_query``) and the step's own
claim (``scenes.lecture``).
"""

from __future__ import annotations

from controls import lecture as lecture_controls
from harness.page import open_page
from scenes.lecture import LECTURE
from scenes.links import page_from_query, scene_from_query
from tests.test_app_lecture import card, told
from tests.test_app_rooms import lecturer_page, store  # noqa: F401 (the store fixture)

STEP = LECTURE[1]


def claim_shown(at) -> bool:
    return "descent-claim\"" in card(at) and STEP.claim.split(":")[0] in card(at)


def revealed(at) -> None:
    """The lecturer's race chart reports that the step's race ended (its claim shows)."""
    token = told(at)["open"]
    lecture_controls.take_report(at.session_state, {"action": "ended", "open": token})
    at.run()
    assert not at.exception, at.exception


def test_a_revealed_claim_reaches_the_followers(store):  # noqa: F811
    lecturer, code, _ = lecturer_page({"lecture": STEP.key})
    early = open_page({"room": code})  # follows before the claim is revealed
    assert "claim" not in store.read_scene(code).params
    assert not claim_shown(early) and told(early)["stage"] == "ask"
    revealed(lecturer)
    assert claim_shown(lecturer)
    shared = store.read_scene(code)
    assert shared.params["claim"] == ["1"] and shared.params["lecture"] == [STEP.key]
    page, messages = page_from_query(shared.params, scene_from_query(shared.params)[0],
                                     views=("overlay",), panels=())
    assert page.claim and page.lecture == STEP.key and messages == []
    early.run()  # the follower's poll found a new version: the page catches up
    assert claim_shown(early)
    assert told(early) == {"keys": False, "open": None, "stage": "shown"}  # the whole path
    late = open_page({"room": code})  # follows after it was revealed
    assert claim_shown(late) and told(late)["stage"] == "shown"
    # The next step: asked anew, on every page.
    lecturer.button(key="lecture_next").click().run()
    assert "claim" not in store.read_scene(code).params
    early.run()
    assert early.session_state["lecture"] == LECTURE[2].key and not claim_shown(early)
    assert told(early)["stage"] == "ask" and told(early)["open"] is not None


def test_the_lecturers_own_address_and_share_link_keep_no_claim(store):  # noqa: F811
    lecturer, code, _ = lecturer_page({"lecture": STEP.key})
    revealed(lecturer)
    assert "claim" not in dict(lecturer.query_params)
    assert store.read_scene(code).params["claim"] == ["1"]


def test_a_link_with_claim_opens_the_step_with_its_claim_and_claim_alone_is_nothing():
    at = open_page({"lecture": STEP.key, "claim": "1"})
    assert claim_shown(at) and told(at)["stage"] == "shown"
    plain = open_page({"claim": "1"})
    assert plain.session_state["lecture"] is None and not plain.exception
    bad = open_page({"lecture": STEP.key, "claim": "yes please"})
    assert not claim_shown(bad)
    assert any("claim" in m for m in bad.session_state["link_messages"])
