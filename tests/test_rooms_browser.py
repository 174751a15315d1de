"""A room in headless Chromium: the lecturer's projector and a student's phone.

The page's server with the tests' room store (``room_server``: a SQLite file in a
temporary folder). The lecturer (1920 x 1080, presenter mode, a lecture step) lets the class
follow; Share's QR code, read back from a screenshot, is the room's short link; a phone
(390 x 844) opens it and shows "Following the lecturer" and the step; the lecturer moves
to the next step and the phone shows it. The lecturer's secret is nowhere in the phone's
page; the phone sends its run and the lecturer's Class panel lists it; the lecturer's
reloaded page still leads the room (its browser kept the key in a cookie).
"""

from __future__ import annotations

import re

import PIL.Image
import pytest
import zxingcpp

import rooms
from controls.room import cookie_name
from scenes.lecture import LECTURE
from tests.conftest import ARTIFACTS
from tests.waits import open_app, rerun, settled

pytestmark = [pytest.mark.browser, pytest.mark.server]

GRAPH = "document.querySelector('.js-plotly-plot')"
QUESTION = "document.querySelector('.descent-question')"


def opened(browser, url: str, size: tuple[int, int], phone: bool = False):
    """``url`` in a page of ``size``, its chart drawn (on failing, a screenshot and the
    page's text say what it showed). The page is one of the worker's shared browser
    profiles (its scripts compiled once): a lecturer's the plain one, whose cookies then
    hold the room's key; a ``phone``'s the touch screen's, a browser with cookies of its
    own, so that the phone is a student's, never the lecturer's."""
    touch = {"has_touch": True, "is_mobile": True} if phone else {}
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  shared=True, **touch)
    page = context.new_page()
    try:
        open_app(page, url)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"room-open-failed-{size[0]}.png"))
        raise AssertionError(f"{url} at {size}: " + page.inner_text("body")[:1500]) from None
    return context, page


def open_room(lecturer) -> str:
    """The lecturer lets the class follow (Share, then its button; Share stays open): the
    room's code, read from the page's address."""
    lecturer.get_by_role("button", name="Share").click()
    rerun(lecturer, lambda: lecturer.get_by_role("button", name="Let the class follow")
          .click())
    settled(lecturer)
    return re.search(r"room=(\w+)", lecturer.evaluate("() => location.search")).group(1)


def shows_question(page, question: str) -> None:
    """Until the page shows the lecture step's ``question`` (on failing, a screenshot
    and the page's text say what it showed)."""
    try:
        page.wait_for_function(f"q => {QUESTION} && {QUESTION}.textContent.endsWith(q)",
                               arg=question, timeout=30_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "room-failed.png"))
        raise AssertionError(page.inner_text("body")[:1500]) from None


def follows(page) -> None:
    """Until the page says it follows the lecturer (on failing, a screenshot and the
    page's text say what it showed)."""
    try:
        page.get_by_text("Following the lecturer").wait_for(timeout=60_000)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "room-not-following.png"))
        raise AssertionError(page.inner_text("body")[:1500]) from None


def question_of(page) -> str:
    return page.evaluate(f"() => {QUESTION} && {QUESTION}.textContent") or ""


def test_a_phone_follows_the_lecturers_projector(browser, room_server):
    url, data = room_server
    first, second = LECTURE[1], LECTURE[2]
    lecturer_context, lecturer = opened(browser, f"{url}/?lecture={first.key}&present=1",
                                        (1920, 1080))
    phone_context = None
    try:
        code = open_room(lecturer)
        # Share's QR code scans to the room's short link.
        if not lecturer.locator(".st-key-share_qr img").is_visible():
            lecturer.get_by_role("button", name="Share").click()
        lecturer.get_by_text(f"Room {code}").wait_for(timeout=60_000)
        lecturer.locator(".st-key-share_qr img").wait_for(timeout=60_000)
        settled(lecturer)
        ARTIFACTS.mkdir(exist_ok=True)
        lecturer.screenshot(path=str(ARTIFACTS / "room-share-1920.png"))
        (qr,) = zxingcpp.read_barcodes(PIL.Image.open(ARTIFACTS / "room-share-1920.png"))
        assert qr.text == f"{url}/?room={code}"
        lecturer.keyboard.press("Escape")
        settled(lecturer)
        with rooms.SQLiteStore(data / "rooms.sqlite3") as store:
            assert f"lecture={first.key}" in store.read_scene(code).query
        # A phone opens the QR's link and follows.
        phone_context, phone = opened(browser, qr.text, (390, 844), phone=True)
        follows(phone)
        phone.wait_for_function(f"() => {QUESTION}", timeout=60_000)
        assert question_of(phone).endswith(first.question)
        # The lecturer moves on; the phone shows the next step (its poll asks every second).
        rerun(lecturer, lambda: lecturer.locator(".st-key-lecture_next button").first.click())
        assert question_of(lecturer).endswith(second.question)
        shows_question(phone, second.question)
        phone.screenshot(path=str(ARTIFACTS / "room-follower-390.png"))
        assert phone.get_by_text("Following the lecturer").is_visible()
        assert f"room={code}" in phone.evaluate("() => location.search")
        # The lecturer's secret: nowhere in the phone's page, nor in the lecturer's address.
        (secret,) = [c["value"] for c in lecturer_context.cookies()
                     if c["name"] == cookie_name(code)]
        with rooms.SQLiteStore(data / "rooms.sqlite3") as store:
            assert store.is_lecturer(code, secret)
        assert secret not in phone.content() and secret not in lecturer.evaluate(
            "() => location.href")
        assert not [c for c in phone_context.cookies() if secret in c["value"]]
        # The phone sends its run with a name; the lecturer's Class panel lists it.
        phone.get_by_role("button", name="Send my run").click()
        phone.get_by_label("Your name (optional)").fill("Ada L.")
        phone.get_by_label("Your name (optional)").press("Enter")
        settled(phone)
        rerun(phone, lambda: phone.get_by_role("button", name="Send", exact=True).click())
        phone.get_by_text("Sent: run 1 on the class's board").wait_for(timeout=30_000)
        with rooms.SQLiteStore(data / "rooms.sqlite3") as store:
            (entry,) = store.read_board(code).entries
        assert entry.name == "Ada L."
        lecturer.locator("[data-testid=stTable]").get_by_text("Ada L.").wait_for(
            timeout=30_000)
        assert entry.text in lecturer.locator("[data-testid=stTable]").inner_text()
        phone.keyboard.press("Escape")
        # The lecturer reloads: the browser's key keeps the room theirs.
        lecturer.reload()
        lecturer.wait_for_function(f"{GRAPH} && {GRAPH}._fullLayout", timeout=60_000)
        settled(lecturer)
        # the reloaded page opens the step it showed (its address names it)
        assert question_of(lecturer).endswith(second.question), lecturer.url
        lecturer.get_by_role("button", name="Share").click()
        lecturer.get_by_role("button", name="Close the room").wait_for(timeout=60_000)
        lecturer.keyboard.press("Escape")
        settled(lecturer)
        rerun(lecturer, lambda: lecturer.locator(".st-key-lecture_prev button").first.click())
        shows_question(phone, first.question)
    finally:
        lecturer_context.close()
        if phone_context is not None:
            phone_context.close()
