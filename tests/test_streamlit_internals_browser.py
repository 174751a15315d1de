"""Every selector by which the page reaches into Streamlit's page matches an element of the
real page, in headless Chromium.

The page's stylesheets (presenter mode's type sizes in app.py, the layout's paddings and
sidebar in controls/viewport.py) and the viewport's script find Streamlit's elements by
``data-testid`` and the classes Streamlit sets. Nothing warns when an upgrade renames one:
the rule simply stops applying (the script falls back to ``document.body``). So each
selector must match at least one element on the page as a visitor sees it, normal or in
presenter mode (docs/maintaining.md).
"""

from __future__ import annotations

import re

import pytest

from tests.test_streamlit_internals import APP, streamlit_selectors
from tests.waits import animation_frames, open_app

pytestmark = pytest.mark.browser

MATCHES = "(selectors) => selectors.filter((s) => document.querySelector(s) === null)"


def script_selectors() -> dict[str, str]:
    """The selectors the app's scripts look Streamlit's elements up by (``closest``,
    ``querySelector``), by the file that holds them."""
    pattern = re.compile(r"""(?:closest|querySelector(?:All)?)\(\s*'([^']*data-testid[^']*)'""")
    return {selector: str(path.name) for path in APP if path.suffix in (".py", ".js")
            for selector in pattern.findall(path.read_text())}


def streamlits_part(selector: str) -> str:
    """``selector`` up to its last part that names something of Streamlit's: in
    ``[data-testid="stMain"] [data-testid="stMarkdownContainer"] li`` Streamlit provides
    the containers; whether the text holds a list is the page's business."""
    parts = selector.split()
    last = max(i for i, part in enumerate(parts)
               if "data-testid" in part or ".st-" in part or ".katex" in part)
    return " ".join(parts[: last + 1])


def unmatched_by_both(pages, selectors: list[str], looks: int = 100) -> list[str]:
    """The selectors that match no element of any of ``pages``: looked for again (after
    some frames painted on each page: a settled page may still be drawing its cards) until
    every one matches somewhere, at most ``looks`` times."""
    for _ in range(looks):
        missing = set(selectors)
        for page in pages:
            missing &= set(page.evaluate(MATCHES, selectors))
        if not missing:
            return []
        for page in pages:
            animation_frames(page, 10)
    return sorted(missing)


def test_the_selectors_are_found_in_the_app():
    assert '[data-testid="stMainBlockContainer"]' in script_selectors()
    assert len(streamlit_selectors()) >= 8
    assert streamlits_part('[data-testid="stMain"] .st-key-story [data-testid="x"] p') == \
        '[data-testid="stMain"] .st-key-story [data-testid="x"]'
    assert streamlits_part('[data-testid="stMain"] .katex') == '[data-testid="stMain"] .katex'


def test_every_selector_into_streamlits_page_matches_an_element(page, app_url):
    wanted = {streamlits_part(s): where
              for s, where in {**streamlit_selectors(), **script_selectors()}.items()}
    presenting = page.context.new_page()
    open_app(page, app_url)
    open_app(presenting, app_url, "?present=1")
    missing = unmatched_by_both([page, presenting], sorted(wanted))
    assert not missing, "selectors that match nothing on the page: " + "; ".join(
        f"{s} ({wanted[s]})" for s in missing)
    assert not page.problems, page.problems
