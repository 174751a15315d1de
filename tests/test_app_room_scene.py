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


def paused(at, step) -> None:
    """The lecturer's race chart reports that its race is paused at ``step`` (None: it ran
    to its end)."""
    lecture_controls.take_report(at.session_state, {"action": "paused", "at": step})
    at.run()
    assert not at.exception, at.exception


def test_the_step_the_lecturer_paused_at_reaches_the_followers(store):  # noqa: F811
    lecturer, code, _ = lecturer_page({"lecture": STEP.key})
    assert told(lecturer)["report"] is True  # only the room's lecturer's chart reports
    student = open_page({"room": code})
    assert "report" not in told(student) and "at" not in told(student)
    paused(lecturer, 120)
    assert store.read_scene(code).params["at"] == ["120"]
    assert "at" not in told(lecturer)  # the lecturer's own chart is where it paused
    assert "at" not in dict(lecturer.query_params)  # nor in the address, nor Share's link
    student.run()
    assert told(student)["at"] == 120 and told(student)["stage"] == "ask"
    late = open_page({"room": code})
    assert told(late)["at"] == 120
    paused(lecturer, 45)  # the slider let go at another step
    student.run()
    assert told(student)["at"] == 45
    paused(lecturer, None)  # the race ran on to its end
    assert "at" not in store.read_scene(code).params
    student.run()
    assert "at" not in told(student)
    # A change of scene forgets the step: the next step opens at step 0 for everyone.
    paused(lecturer, 80)
    lecturer.button(key="lecture_next").click().run()
    assert "at" not in store.read_scene(code).params
    student.run()
    assert "at" not in told(student) and told(student)["open"] is not None


def test_a_report_of_a_pause_that_is_not_a_step_of_the_race_changes_nothing(store):  # noqa: F811
    lecturer, code, _ = lecturer_page({"lecture": STEP.key})
    version = store.versions(code).scene
    for step in (-1, STEP.scene.steps + 1, "12", True, 1.5, None):
        lecture_controls.take_report(lecturer.session_state, {"action": "paused", "at": step})
    lecture_controls.take_report(lecturer.session_state, {"action": "paused"})
    lecturer.run()
    assert store.versions(code).scene == version and not lecturer.exception
    student = open_page({"room": code})  # a follower's own report is not the room's
    lecture_controls.take_report(student.session_state, {"action": "paused", "at": 10})
    student.run()
    assert "at" not in told(student) and store.versions(code).scene == version


def test_a_link_with_at_opens_the_race_there_and_a_bad_at_says_so():
    at = open_page({"lecture": STEP.key, "at": "30"})
    assert told(at)["at"] == 30
    far = open_page({"lecture": STEP.key, "at": "99999"})
    assert told(far)["at"] == STEP.scene.steps
    assert any("at=" in m for m in far.session_state["link_messages"])
