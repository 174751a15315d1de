"""Debian's ``redis-server`` on a free localhost port, for the tests of the Redis store.

The server keeps its data in a folder of its own with ``appendonly yes`` (so that a
restart keeps what it acknowledged) and no snapshots; it runs in the foreground, as a
child of this process, until :meth:`RedisServer.stop`. Each store that uses it may
name its connections (``?client_name=...`` in the URL, :meth:`RedisServer.url_for`), so
that a test can ask the server which of them are still open (:meth:`clients`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from deploy.servers import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
INSTALL = "apt-get install -y redis-server"


def available() -> bool:
    """Whether Debian's ``redis-server`` is installed."""
    return Path(REDIS_SERVER).exists()


class RedisServer:
    """``redis-server`` on 127.0.0.1 and a free port, its data in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def url_for(self, client_name: str) -> str:
        """The server's URL for a store whose connections are named ``client_name``."""
        return f"{self.url}?client_name={client_name}"

    def start(self) -> None:
        """Start the server; return once it accepts connections."""
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--appendonly", "yes", "--save", "", "--daemonize", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = []
        for line in self.process.stdout:  # ends when the server exits
            log.append(line)
            if "Ready to accept connections" in line:
                return
        raise RuntimeError("redis-server did not start:\n" + "".join(log[-20:]))

    def stop(self) -> None:
        """SIGTERM: Redis writes what it holds and exits."""
        self.process.terminate()
        self.process.wait(timeout=60)
        self.process.stdout.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        """Empty every database of the server."""
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()

    def clients(self) -> list[str]:
        """The names of the connections open to the server now (unnamed ones as ``""``),
        but the one asking."""
        import redis

        with redis.Redis.from_url(self.url, decode_responses=True) as client:
            me = client.client_id()
            return [c["name"] for c in client.client_list() if int(c["id"]) != me]
