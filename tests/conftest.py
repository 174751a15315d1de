"""Shared fixtures: the real page served by ``streamlit run``, and headless Chromium.

The browser tests (``@pytest.mark.browser``) drive Debian's Chromium through
Playwright's Python package; Playwright's own browser download cannot work on
these machines. Without ``/usr/bin/chromium`` they are skipped, saying so. Starting
and stopping servers is :mod:`deploy.servers`, shared with the benchmarks and
``deploy/serve``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from deploy.servers import (  # noqa: F401  (free_port: for tests that start servers)
    CHROMIUM,
    free_port,
    start_streamlit,
    stop,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (README, "Quick start"):
# * "ci", the default (and what .ci/run sets): derandomized, each test's examples fixed by its
#   own code, no example database, no timing-based health check or deadline. The suite passes
#   or fails the same way on every run and every machine.
# * "explore": fresh random examples on every run, failures kept in .hypothesis/ and replayed
#   locally. Every failure it finds is kept in the test as an @example, so that "ci" sees it.
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} "
                    "(apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(chromium_path) -> Iterator[str]:
    """The page served by ``streamlit run app.py`` on a free localhost port."""
    port = free_port()
    process = start_streamlit(port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Debian's headless Chromium, as the benchmarks start it (skipped without it)."""
    from harness.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture()
def page(browser):
    """A fresh page; ``page.problems`` collects console errors, page errors and any
    request that leaves localhost."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1",
                                                           "data:", "blob:"))
            else page.problems.append(f"network: {r.url}"))
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def lecture():
    """The lecture scene of the budgets (``harness.page``): six runs of 300 steps on the
    ravine, as ``(surface, traces)``."""
    from harness.page import lecture_scene

    surface, traces, _ = lecture_scene(300)
    return surface, traces
