"""The page's servers on localhost, and the headless browser that visits them.

One place for what ``deploy/serve``, the tests and the benchmarks all do:
pick a free port, start ``streamlit run app.py`` on it, wait until it
answers ``/_stcore/health``, stop it (and everything it started). Debian's
Chromium (``CHROMIUM``, with ``CHROMIUM_ARGS``) is the browser the browser
tests and benchmarks drive through Playwright; Playwright's own browser
download cannot work on these machines. ``CHROMIUM`` is Debian's
``chromium-headless-shell`` where it is installed (the same Chromium build
without the desktop browser's windows, as Playwright itself runs headless
pages; the browser tests take 7 to 11% less CPU with it), else ``chromium``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CHROMIUMS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
CHROMIUM = next((path for path in CHROMIUMS if os.path.exists(path)), CHROMIUMS[-1])
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0,
                       path: str = "/_stcore/health") -> None:
    """Return once ``url + path`` answers 200; raise if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{Path(str(process.args[0])).name} exited with code "
                               f"{process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}{path} did not answer within {timeout:.0f} s")


def start_streamlit(port: int, script: Path = APP, *, stderr: int | None = subprocess.PIPE,
                    preexec_fn=None, environment: Mapping[str, str] | None = None
                    ) -> subprocess.Popen:
    """``streamlit run app.py`` (or ``script``) on 127.0.0.1:``port``, quiet, in a
    process group of its own (so :func:`stop` ends it and its children), in the
    project's folder, with this process's environment and ``environment`` over it.

    Its log goes to ``stderr`` (a pipe by default: read it, or it fills and
    stalls the server; ``None`` inherits this process's stderr). ``preexec_fn``
    runs in the child before streamlit starts (``deploy/serve``: die with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), *server_flags(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        preexec_fn=preexec_fn, env={**os.environ, **environment} if environment else None,
    )


def server_flags(port: int) -> list[str]:
    """The options every local server here runs with: headless on 127.0.0.1:``port``,
    no file watcher."""
    return ["--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM to ``process`` (to its whole process group when it leads one, as
    :func:`start_streamlit`'s do), SIGKILL after ``timeout`` seconds; waits until
    it is gone, then SIGKILLs whatever of its group is left."""
    group = _group_led_by(process)

    def send(sig: int) -> None:
        try:
            if group is not None:
                os.killpg(group, sig)
            elif process.poll() is None:
                process.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait()
    if group is not None:
        send(signal.SIGKILL)


def _group_led_by(process: subprocess.Popen) -> int | None:
    """``process``'s pid if it is alive and leads its own process group, else None."""
    if process.poll() is not None:
        return None
    try:
        return process.pid if os.getpgid(process.pid) == process.pid else None
    except ProcessLookupError:
        return None
