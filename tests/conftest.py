"""Shared fixtures: the real page served by ``streamlit run``, and headless Chromium;
and the two tiers of the suite.

The browser tests (marked ``browser``) drive Debian's Chromium through
Playwright's Python package; Playwright's own browser download cannot work on
these machines. Without Debian's Chromium (``deploy.servers.CHROMIUMS``) they are
skipped, saying so. Starting and stopping servers is :mod:`deploy.servers`, shared with
the benchmarks and ``deploy/serve``.

Tiers: ``python -m pytest -m "not browser and not server"`` is the fast tier,
``python -m pytest`` everything. A test that uses the ``browser`` fixture (or ``page``,
built on it) is marked ``browser``, one that uses ``app_url`` ``server``, here at
collection; a test that starts a server otherwise carries the mark itself. When a run
leaves either mark out, a test without it that starts ``streamlit``, nginx,
``redis-server`` or Chromium fails, saying which mark it needs; and each Hypothesis test
draws at most ``FAST_TIER_EXAMPLES`` examples (the whole suite, what CI runs, draws as
many as the test declares).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import subprocess
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

# The tests' Chromium, besides the flags the benchmarks start it with: a site's tabs share
# one renderer process (in each context), so that a page opened in a new tab finds plotly.js
# and Streamlit's bundles compiled already, as a reload does. A page load then costs Chromium
# about 1.9 CPU-s, not 3.0. Contexts stay apart, so a fresh context is still a first visit.
TEST_ARGS = ("--process-per-site",)

# The fixtures that make a test a browser test or a server test.
FIXTURE_MARKS = {"browser": "browser", "app_url": "server", "redis_server": "server"}
# What a test must not start unless it carries the mark: a program, a module run with
# ``python -m`` or a script, by name (``/usr/sbin/nginx``, ``.../playwright/driver/node``).
STARTS = {"streamlit": "server", "nginx": "server", "redis-server": "server",
          "serve": "server", "chromium": "browser", "chromium-headless-shell": "browser",
          "playwright": "browser"}


def _started(args) -> str | None:
    """The name in a command line that ``STARTS`` lists, if any."""
    for arg in [args] if isinstance(args, str | os.PathLike) else args:
        arg = os.fspath(arg)
        if "\n" not in arg:  # not a script given inline (python -c)
            for part in Path(arg).parts:
                if part in STARTS:
                    return part
    return None


# The fast tier's budget of examples for each Hypothesis test: a quarter of Hypothesis's default.
# The whole suite draws as many as each test declares.
FAST_TIER_EXAMPLES = 25


def _narrowed(config) -> bool:
    """Whether this run leaves out the browser or the server tests (the fast tier)."""
    return any(mark in config.option.markexpr for mark in ("browser", "server"))


@pytest.hookimpl(tryfirst=True)  # the marks in place before anything reads them
def pytest_collection_modifyitems(config, items) -> None:
    """Each test's marks from its fixtures, and the fast tier's Hypothesis examples."""
    for item in items:
        for fixture, mark in FIXTURE_MARKS.items():
            if fixture in item.fixturenames:
                item.add_marker(mark)
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        if _narrowed(config) and hasattr(test, "hypothesis"):
            # Where @given keeps the test's settings (read on each call).
            declared = test._hypothesis_internal_use_settings
            if declared.max_examples > FAST_TIER_EXAMPLES:
                test._hypothesis_internal_use_settings = settings(
                    declared, max_examples=FAST_TIER_EXAMPLES)


def pytest_collection_finish(session) -> None:
    """What collection imported (Streamlit, SymPy, Plotly, the app) lives as long as the
    run: moved out of the garbage collector's reach, so that its full collections walk only
    what the tests make (a tenth of the fast tier's CPU time otherwise)."""
    gc.collect()
    gc.freeze()


class _Guarded(subprocess.Popen):
    """``subprocess.Popen`` that fails the test instead of starting what ``STARTS`` lists."""

    def __new__(cls, args, *more, **options):
        name = _started(args)
        if name:
            pytest.fail(f"this test starts {name}: mark it @pytest.mark.{STARTS[name]}",
                        pytrace=False)
        return super().__new__(cls)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """In a run that leaves out ``browser`` or ``server`` tests, a test without either mark
    fails if it (or a fixture it sets up) starts such a process: the fast tier stays fast,
    and says why not."""
    if not _narrowed(item.config) or item.get_closest_marker("browser") \
            or item.get_closest_marker("server"):
        return (yield)
    popen, subprocess.Popen = subprocess.Popen, _Guarded
    try:
        return (yield)
    finally:
        subprocess.Popen = popen


@pytest.fixture(scope="session", autouse=True)
def _component_manifests_scanned_once() -> Iterator[None]:
    """Each new ``AppTest`` scans every installed package for Streamlit component
    manifests (half a second, most of a page's first run); the installed packages are the
    same throughout a test run, so the scan runs once."""
    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      functools.cache(manifest_scanner.scan_component_manifests))
        yield


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} "
                    "(apt-get install -y chromium-headless-shell)")
    return CHROMIUM


def server_log(name: str) -> Path:
    """Where :func:`served` writes the log of the server ``name`` of this worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return ARTIFACTS / f"server-{name}-{worker}.log"


@contextlib.contextmanager
def served(name: str, environment: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free localhost port (``environment`` over this
    process's), its url while the block runs.

    Its log goes to :func:`server_log` (``artifacts/server-<name>-<worker>.log``), a
    file, never a pipe nobody reads: a pipe's buffer fills after some 64 KB of log, and
    the server's next log line then blocks it (its pages stay white)."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    with open(server_log(name), "wb") as log:
        process = start_streamlit(port, stderr=log, environment=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        stop(process)


def all_but_two(secret: str) -> str:
    """A room's ``secret`` with its last two characters changed, as a forger who almost
    knows it would send: never the secret itself (a secret that ends in "AA" gets "BB":
    one in 1,024 does, the last of ``token_urlsafe(32)``'s 43 characters being one of 16)."""
    return secret[:-2] + ("AA" if secret[-2:] != "AA" else "BB")


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """The data folder of :func:`app_url`'s server: its room store (SQLite), the tests'
    own, never the machine's."""
    return tmp_path_factory.mktemp("app-data")


@pytest.fixture(scope="session")
def app_url(chromium_path, app_data) -> Iterator[str]:
    """The page served by ``streamlit run app.py`` on a free localhost port, with a room
    store of its own (:func:`app_data`)."""
    with served("app", {"DESCENT_LAB_DATA": str(app_data), "DESCENT_LAB_STORE": ""}) as url:
        yield url


@pytest.fixture(scope="session")
def room_server(app_url, app_data) -> tuple[str, Path]:
    """The page's server and its data folder, for tests that open rooms: (url, folder),
    the rooms' SQLite file being ``folder / "rooms.sqlite3"``. Each test opens rooms of
    its own, so the tests share the one server."""
    return app_url, app_data


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """Debian's ``redis-server`` on a free localhost port for the module's tests
    (:class:`harness.redis_server.RedisServer`), skipped, saying how to install it, where
    it is missing. Each test empties it first, if it needs an empty one (``flush``)."""
    from harness import redis_server as redis

    if not redis.available():
        pytest.skip(f"the Redis store's tests need Debian's redis-server ({redis.INSTALL})")
    server = redis.RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class SharedContext:
    """Pages of a given viewport in the worker's shared browser profile
    (:meth:`CountingBrowser.new_context` with ``shared=True``), used as a context is:
    :meth:`new_page`, :meth:`close` (its own pages only), the rest the profile's."""

    def __init__(self, profile, viewport: dict | None):
        self._profile, self._viewport, self._pages = profile, viewport, []

    def new_page(self):
        page = self._profile.new_page()
        if self._viewport:
            page.set_viewport_size(self._viewport)
        self._pages.append(page)
        return page

    def close(self) -> None:
        for page in self._pages:
            if not page.is_closed():
                page.close()

    def __getattr__(self, name):
        return getattr(self._profile, name)


class CountingBrowser:
    """A browser whose every new context counts the app's script runs
    (:data:`tests.waits.COUNT_RUNS`, for :func:`tests.waits.rerun`); the rest is the
    browser's own.

    ``new_context(shared=True, viewport=..., **options)`` gives pages in a browser profile
    that the worker's tests share (one for each set of other ``options``), its HTTP cache
    and compiled scripts kept: a page load then
    costs Chromium about a third of a fresh context's (plotly.js, Streamlit's bundles and
    KaTeX are compiled once). Cookies and storage are shared too: a test that needs a
    browser of its own (first visits, cookies, several visitors) asks for a fresh context.
    """

    def __init__(self, browser, profile_dir):
        self._browser, self._profile_dir, self._profiles = browser, profile_dir, {}

    def new_context(self, *, shared: bool = False, **options):
        from tests.waits import COUNT_RUNS

        if shared:
            viewport = options.pop("viewport", None)
            return SharedContext(self._shared_profile(options), viewport)
        context = self._browser.new_context(**options)
        context.add_init_script(COUNT_RUNS)
        return context

    def _shared_profile(self, options: dict):
        """The shared profile of these context ``options`` (touch, ...): one each."""
        from deploy.servers import CHROMIUM, CHROMIUM_ARGS
        from tests.waits import COUNT_RUNS

        key = tuple(sorted(options.items()))
        if key not in self._profiles:
            profile = self._browser.browser_type.launch_persistent_context(
                str(self._profile_dir / f"profile-{len(self._profiles)}"),
                executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *TEST_ARGS], **options)
            profile.add_init_script(COUNT_RUNS)
            self._profiles[key] = profile
        return self._profiles[key]

    def close(self) -> None:
        for profile in self._profiles.values():
            profile.close()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser(chromium_path, tmp_path_factory):
    """Debian's headless Chromium, as the benchmarks start it (skipped without it); its
    contexts count the app's runs (:class:`CountingBrowser`)."""
    from harness.browser import chromium

    with chromium(args=TEST_ARGS) as browser:
        counting = CountingBrowser(browser, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield counting
        finally:
            counting.close()


@pytest.fixture()
def page(browser):
    """A new page (in the worker's shared browser profile); ``page.problems`` collects
    console errors, page errors and any request that leaves localhost."""
    context = browser.new_context(shared=True, viewport={"width": 1600, "height": 1000})
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
