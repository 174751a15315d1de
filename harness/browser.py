"""Debian's headless Chromium through Playwright, and when the page's chart is drawn.

Playwright's own browser download cannot work on these machines: the browser is
``deploy.servers.CHROMIUM``, started with ``deploy.servers.CHROMIUM_ARGS``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

# The first chart on the page drawn, contour image included.
CHART_DRAWN = (
    "() => { const gd = document.querySelector('.js-plotly-plot');"
    " return gd && gd._fullLayout && gd.querySelector('.main-svg') !== null"
    " && (gd._fullLayout.images || []).length === gd.querySelectorAll('.imagelayer image')"
    ".length; }"
)


@contextlib.contextmanager
def chromium(browser=None, args: Sequence[str] = ()):
    """``browser`` if given (a test's own, already running), else a headless Chromium of
    our own for the duration, started with ``args`` besides ``CHROMIUM_ARGS``."""
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    from deploy.servers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])
        try:
            yield own
        finally:
            own.close()
