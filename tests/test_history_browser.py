"""Back and Forward in headless Chromium: they move through the scenes the visitor saw."""

from __future__ import annotations

import pytest

from tests.waits import rerun, settled

pytestmark = pytest.mark.browser


def test_back_and_forward_move_through_the_scenes(page, app_url):
    page.goto(f"{app_url}/?run=sgd:lr%3D0.1&run=adam:lr%3D0.3")
    page.wait_for_selector(".descent-player button[name=play]", timeout=60_000)
    settled(page)
    opened = page.url
    rerun(page, lambda: page.locator(".st-key-run0_lr_up button:visible").click())
    page.wait_for_url("**lr%3D0.12*", timeout=15_000)
    stepped = page.url
    settled(page)
    rerun(page, page.go_back)
    settled(page)
    assert page.url == opened  # and it stays there: the page shows that scene again
    assert "lr%3D0.12" not in page.url
    # The first run's lr slider (the scene opened anew gives its runs new ids).
    slider = page.locator('[class*="_lr "] [data-testid=stSliderThumbValue]').first
    assert slider.inner_text() == "0.1"
    rerun(page, page.go_forward)
    settled(page)
    assert page.url == stepped
    assert slider.inner_text() == "0.12"
    assert page.problems == []
