"""``deploy/serve``: the real nginx in front of real replicas, sticky per browser.

It runs with this interpreter (``python deploy/serve``, as CI's PATH may find
another ``python3`` first); that it is an executable script is checked apart.
The replica that answered a request is read from the ``X-Upstream`` header
nginx adds (the replica's address), and compared with the replicas' ports that
``deploy/serve`` printed when it started. Skipped, saying how to install it,
where Debian's nginx is missing.
"""

from __future__ import annotations

import gzip
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request

import pytest

from controls.race_chart import PLOTLY_JS, plotly_file
from deploy.balancer import COOKIE, find_nginx
from deploy.balancer import main as serve_main
from deploy.servers import ROOT, free_port, start_streamlit, stop, wait_until_healthy
from harness.page import LECTURE_LINK
from harness.processes import process_tree
from harness.st_client import Visitor, run_coroutine

SERVE = ROOT / "deploy" / "serve"


def needs_nginx(test):
    """A test that starts deploy/serve (nginx and its replicas): a ``server`` test, skipped,
    saying how to install it, where nginx is missing."""
    skip = pytest.mark.skipif(find_nginx() is None,
                              reason="deploy/serve needs nginx: apt-get install -y nginx")
    return pytest.mark.server(skip(test))


class Serving:
    """``deploy/serve`` started as a user would, its output read as it comes."""

    def __init__(self, replicas: int, *more: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if "--data" not in more and "--store" not in more:  # the room store: not the user's
            self.data = tempfile.TemporaryDirectory()
            more = (*more, "--data", self.data.name)
        self.process = subprocess.Popen(
            [sys.executable, str(SERVE), "--replicas", str(replicas), "--port",
             str(self.port), "--host", "127.0.0.1", *more],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        self.started = threading.Event()  # it printed where it serves, or it ended
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.started.wait(timeout=120)
        if "Descent Lab:" not in self.output():
            stop(self.process)
            raise AssertionError(f"deploy/serve did not start:\n{self.output()}")
        ports = re.search(r"port\(s\) ([\d, ]+)", self.output()).group(1)
        self.replicas = {f"127.0.0.1:{p.strip()}" for p in ports.split(",") if p.strip()}
        elsewhere = re.search(r"elsewhere: ([^ ]+)\. ", self.output())
        self.replicas |= set(elsewhere.group(1).split(",")) if elsewhere else set()
        self.pids = process_tree(self.process.pid)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if "Descent Lab:" in line:
                self.started.set()
        self.started.set()

    def output(self) -> str:
        return "".join(self.lines)

    def stop_with(self, sig: int) -> int:
        """Send ``sig`` to deploy/serve alone; its exit code, once all it printed is read."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.reader.join(timeout=60)  # the end of its output: every process it started gone
        return code

    def left_behind(self, wait: float = 10.0) -> list[int]:
        """The processes deploy/serve started that have not exited, each given up to
        ``wait`` seconds (waited on through a pidfd, readable once the process has exited)."""
        alive = []
        for pid in self.pids:
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            try:
                if not select.select([fd], [], [], wait)[0]:
                    alive.append(pid)
            finally:
                os.close(fd)
        return alive


def get(url: str, cookie: str | None = None):
    """``(status, headers, body)`` of a GET, with ``cookie`` as the browser's Cookie header."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # a 404 still says which replica answered
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def balancer():
    if find_nginx() is None:
        pytest.skip("deploy/serve needs nginx: apt-get install -y nginx")
    serving = Serving(2)
    try:
        yield serving
    finally:
        stop(serving.process)


def test_serve_is_an_executable_script():
    assert os.access(SERVE, os.X_OK)
    assert SERVE.read_text().startswith("#!/usr/bin/env python3\n")


def test_without_nginx_it_says_how_to_install_it_and_starts_nothing(capsys):
    # In this process: a test without the server mark fails if it starts anything
    # (tests/conftest.py).
    code = serve_main(["--replicas", "1", "--port", str(free_port()),
                       "--nginx", "/nonexistent/nginx"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "needs nginx" in err and "apt-get install -y nginx" in err
    assert "Descent Lab:" not in out


def test_a_malformed_upstream_is_refused_with_a_message(capsys):
    with pytest.raises(SystemExit) as refusal:
        serve_main(["--port", str(free_port()), "--upstream", "10.0.0.2:8501; evil"])
    assert refusal.value.code == 2 and "is not HOST:PORT" in capsys.readouterr().err


@needs_nginx
def test_a_replica_on_another_machine_joins_the_ring_and_is_left_running():
    port = free_port()  # "another machine": a streamlit of its own, not started by serve
    other = start_streamlit(port, stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", other)
        serving = Serving(1, "--upstream", f"127.0.0.1:{port}")
        try:
            assert f"127.0.0.1:{port}" in serving.replicas and len(serving.replicas) == 2
            landed = {get(f"{serving.url}/_stcore/health", f"{COOKIE}=browser-{i}")[1][
                "X-Upstream"] for i in range(24)}
            assert landed == serving.replicas
            assert serving.stop_with(signal.SIGTERM) == 0 and serving.left_behind() == []
        finally:
            stop(serving.process)
        assert other.poll() is None  # not serve's to stop
    finally:
        stop(other)


@needs_nginx
def test_the_page_is_healthy_through_nginx(balancer):
    status, _, body = get(f"{balancer.url}/_stcore/health")
    assert (status, body) == (200, b"ok")
    status, headers, body = get(f"{balancer.url}/")
    assert status == 200 and b'<div id="root">' in body
    assert headers["X-Upstream"] in balancer.replicas


@needs_nginx
def test_a_browser_first_page_sets_the_cookie_that_keeps_it_on_that_replica(balancer):
    status, headers, _ = get(f"{balancer.url}/")
    first = headers["X-Upstream"]
    [cookie] = [c.split(";")[0] for c in headers.get_all("Set-Cookie")]
    assert status == 200 and cookie.startswith(f"{COOKIE}=") and len(cookie) > len(COOKIE) + 8
    # Everything after the first page: the health check, the host config, a download
    # under /media/ (which only this replica could hold), the page again.
    for path in ("/_stcore/health", "/_stcore/host-config", "/media/nothing.csv", "/",
                 "/_stcore/health"):
        status, headers, _ = get(f"{balancer.url}{path}", cookie)
        assert headers["X-Upstream"] == first, path
        # Set once, on the first response (Streamlit sets its own XSRF cookie on health).
        assert not any(c.startswith(f"{COOKIE}=") for c in headers.get_all("Set-Cookie", [])), path


@needs_nginx
def test_nginx_sends_plotly_js_compressed_from_the_disk_and_leaves_other_files_to_a_replica(
        balancer):
    name = plotly_file()  # as a replica writes it on its first page
    plain = PLOTLY_JS.read_bytes()
    url = f"{balancer.url}/app/static/{name}"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        headers, body = response.headers, response.read()
    # The compressed copy as it lies on disk: no replica compressed it, none answered.
    assert headers["Content-Encoding"] == "gzip" and "javascript" in headers["Content-Type"]
    assert gzip.decompress(body) == plain and "X-Upstream" not in headers
    status, headers, body = get(url)  # a client that takes no gzip: the plain file
    assert status == 200 and body == plain and "X-Upstream" not in headers
    status, headers, _ = get(f"{balancer.url}/app/static/no-such-file.js")
    assert status == 404 and headers["X-Upstream"] in balancer.replicas  # a replica's answer


@needs_nginx
def test_browsers_with_different_cookies_land_on_both_replicas(balancer):
    landed = {get(f"{balancer.url}/_stcore/health", f"{COOKIE}=browser-{i}")[1]["X-Upstream"]
              for i in range(24)}
    assert landed == balancer.replicas  # 24 browsers on one of 2 replicas: odds 2 ** -23


@needs_nginx
def test_a_browser_websocket_and_its_reconnect_stay_on_its_replica(balancer):
    cookie = get(f"{balancer.url}/")[1]["Set-Cookie"].split(";")[0]
    replica = get(f"{balancer.url}/_stcore/health", cookie)[1]["X-Upstream"]

    async def visit():
        async with Visitor(balancer.url, LECTURE_LINK, cookie=cookie) as visitor:
            run = await visitor.run()
            return visitor.upgrade_headers["X-Upstream"], run

    for _ in range(2):  # the first connection, then a reconnect
        upstream, run = run_coroutine(visit())
        assert upstream == replica
        assert run.errors == [] and run.chart_at is not None and run.widget("run0_lr")


@needs_nginx
def test_ctrl_c_stops_everything_too():
    serving = Serving(1)
    try:
        assert serving.stop_with(signal.SIGINT) == 0
        assert serving.left_behind() == []
    finally:
        stop(serving.process)


@needs_nginx
@pytest.mark.browser
def test_chromium_through_nginx_draws_the_chart_with_every_request_on_one_replica(balancer,
                                                                                    browser):
    from harness.browser import CHART_DRAWN

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        answered: list[str] = []
        # Every answer over the network (not the page's own blob: and data: URLs, which
        # the inline JavaScript of a component is loaded from).
        page.on("response", lambda r: answered.append(
            (r.url, r.headers.get("x-upstream"), r.headers.get("content-encoding")))
                if r.url.startswith(("http:", "https:")) else None)
        page.goto(f"{balancer.url}/")
        page.wait_for_function(CHART_DRAWN, timeout=60_000)
        page.reload()  # a second visit of the same browser
        page.wait_for_function(CHART_DRAWN, timeout=60_000)
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    finally:
        context.close()
    # plotly.js from nginx itself, compressed; everything else from one replica.
    static = {(upstream, encoding) for url, upstream, encoding in answered
              if "/app/static/" in url}
    assert static == {(None, "gzip")}
    replicas = {upstream for url, upstream, _ in answered if "/app/static/" not in url}
    assert len(answered) > 10 and len(replicas) == 1 and replicas <= balancer.replicas
    assert cookie["value"] and cookie["httpOnly"]


@needs_nginx
def test_sigterm_stops_nginx_and_every_replica(balancer):  # last: it stops the module's serve
    assert len(balancer.pids) >= 1 + 2 + 2  # serve, two replicas, nginx master and worker
    assert balancer.stop_with(signal.SIGTERM) == 0
    assert balancer.left_behind() == []
    assert "SIGTERM: stopped nginx and 2 replica(s)" in balancer.output()


def test_nginx_lets_go_of_an_idle_replica_connection_before_the_replica_does(tmp_path):
    """A replica (uvicorn, as Streamlit starts it) closes a connection idle for
    ``timeout_keep_alive`` seconds; nginx's kept connections to it must go sooner, or a
    request sent down one the replica is closing is retried on another replica."""
    import inspect

    import uvicorn
    from streamlit.web.server.starlette import starlette_server

    from deploy.balancer import nginx_config

    assert "timeout_keep_alive" not in inspect.getsource(starlette_server)  # uvicorn's own
    replica_seconds = inspect.signature(uvicorn.Config).parameters["timeout_keep_alive"].default
    config = nginx_config(tmp_path, ["127.0.0.1:8601", "127.0.0.1:8602"], port=8600)
    upstream = config[config.index("upstream streamlit"):]
    upstream = upstream[:upstream.index("}")]
    (nginx_seconds,) = re.findall(r"keepalive_timeout (\d+)s;", upstream)
    assert "keepalive 16;" in upstream and 0 < int(nginx_seconds) < replica_seconds
