"""A room's lecturer pauses the race and reveals the claim; a follower's phone shows both.

Headless Chromium on the page's server with the tests' room store
(``room_server``). The lecturer (1920 x 1080, presenter mode, a lecture step) opens a
room; a phone (390 x 844) follows it. The lecturer lets the step slider go at a step: the
room's scene gets ``at=`` that step and the phone's chart shows it, paused. The
lecturer presses PageDown (the claim): the phone shows the claim and the race's last step.
"""

from __future__ import annotations

import pytest

import rooms
from scenes.lecture import LECTURE
from tests.test_rooms_browser import follows, open_room, opened
from tests.waits import rerun, settled

pytestmark = [pytest.mark.browser, pytest.mark.server]

STEP = LECTURE[1]
RACE = "document.querySelector('.descent-race')"
LABEL = "document.querySelector('.descent-step')"


def shown_step(page) -> str:
    return page.evaluate(f"() => {LABEL} && {LABEL}.textContent") or ""


def test_a_phone_shows_the_step_the_lecturer_paused_at_and_the_claim(browser, room_server):
    url, data = room_server
    lecturer_context, lecturer = opened(browser, f"{url}/?lecture={STEP.key}&present=1",
                                        (1920, 1080))
    phone_context = None
    try:
        code = open_room(lecturer)
        lecturer.keyboard.press("Escape")
        settled(lecturer)
        phone_context, phone = opened(browser, f"{url}/?room={code}", (390, 844), phone=True)
        follows(phone)
        assert shown_step(phone) == "step 0"  # the step asked: its race at step 0
        # The lecturer scrubs to a frame and lets go: the race is paused there.
        frame = 40
        rerun(lecturer, lambda: lecturer.evaluate(
            "k => { const s = document.querySelector('.descent-player input[type=range]');"
            " s.value = String(k); s.dispatchEvent(new Event('input'));"
            " s.dispatchEvent(new Event('change')); }", frame))
        step = shown_step(lecturer).removeprefix("step ")
        assert step.isdigit() and int(step) > 0
        with rooms.SQLiteStore(data / "rooms.sqlite3") as store:
            assert store.read_scene(code).params["at"] == [step]
        phone.wait_for_function(f"s => {LABEL} && {LABEL}.textContent === s",
                                arg=f"step {step}", timeout=30_000)
        settled(phone)
        assert phone.evaluate(f"() => {RACE}.__timer") is None  # paused, not playing
        # The lecturer shows the claim (the race plays on to its end first, at the
        # player's fastest speed): the phone shows it too, and the whole path.
        lecturer.locator(".descent-player select").select_option("40")
        lecturer.evaluate("() => document.activeElement && document.activeElement.blur()")
        rerun(lecturer, lambda: lecturer.keyboard.press("PageDown"))
        lecturer.locator(".descent-claim").wait_for(timeout=90_000)
        phone.locator(".descent-claim").wait_for(timeout=60_000)
        assert STEP.claim[:30] in phone.locator(".descent-claim").inner_text()
        last = phone.evaluate(f"() => {RACE}.__frames.length - 1")
        phone.wait_for_function(f"k => {RACE}.__at === k", arg=last, timeout=30_000)
    finally:
        lecturer_context.close()
        if phone_context is not None:
            phone_context.close()
