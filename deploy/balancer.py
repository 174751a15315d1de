"""nginx in front of N ``streamlit run app.py`` replicas: what ``deploy/serve`` runs.

    deploy/serve --replicas 2 --port 8501          # http://<this machine>:8501/
    deploy/serve --replicas 2 --port 8501 --host 127.0.0.1
    deploy/serve --replicas 4 --port 8501 --upstream 10.0.0.2:8501 --upstream 10.0.0.3:8501
    deploy/serve --replicas 2 --port 8501 --store redis://10.0.0.1:6379/0

One Streamlit process runs every session's script in one Python interpreter,
so it uses about one core. A lecture hall needs several: each replica is a
``streamlit run app.py`` on a free localhost port (same script, same
``.streamlit/config.toml``), and Debian's nginx listens on ``--port`` and hands
each browser to one replica.

Stickiness is per browser, not per address (a hall reaches the server through
one NAT address, so ``ip_hash`` would send the whole class to one replica).
nginx hashes a cookie of its own, ``descent_replica``: a request without it
(a browser's very first, the page's HTML) is hashed on its ``$request_id``,
and its response sets the cookie to that same id, so that the first page and
everything after it (Streamlit's own static files, ``/_stcore/health``, the
websocket, a reconnect, downloads under ``/media/``, which only the replica that
made them holds) land on the same replica. The app's static folder (``app/static/``:
plotly.js) nginx serves from the disk itself, each file as the compressed copy the
app wrote beside it (``gzip_static``), so that no replica compresses plotly.js for
each browser's first visit. Streamlit's own ``_streamlit_xsrf`` cookie
would not do: Streamlit 1.67 sets it only on ``/_stcore/health`` (after the
first page), and re-masks it on every health check, so its value changes
before each reconnect. A replica that is down is skipped (the next one on the
hash ring takes its browsers; their sessions start afresh, the scene survives
in the URL). Every response says which replica answered in ``X-Upstream``.

Replicas on other machines (``--upstream HOST:PORT``, each a ``streamlit run
app.py --server.address 0.0.0.0`` with the same ``.streamlit/config.toml``)
join the same hash ring; they are not started or stopped here.

Every replica opens the same room store (:func:`replica_environment`): the
SQLite file in one data folder (``--data``, else ``DESCENT_LAB_DATA`` or its
default), made absolute, since the replicas run in the project's folder; or
the Redis server of ``--store`` (else ``DESCENT_LAB_STORE``). The store is
checked before anything starts: a malformed URL is an error of the command
line, a store that does not answer a plain error.

nginx runs unprivileged from a temporary prefix (its config, pid file and
temp folders; its log on stderr), so it needs no root and no ``/etc/nginx``.
``SIGINT`` (Ctrl-C) or ``SIGTERM`` stops nginx and every replica; a replica
that dies is started again on its port.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy
from rooms import config as store_config

NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
INSTALL = "apt-get install -y nginx"
COOKIE = "descent_replica"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
UPSTREAM = re.compile(r"(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}")
TIMEOUT = "1d"  # a websocket is quiet while a student reads the chart
# The app's static folder (beside app.py), which Streamlit serves at app/static/.
STATIC = APP.parent / "static"


def find_nginx(wanted: str | None = None) -> str | None:
    """The nginx binary: ``wanted`` if given, else on PATH or where Debian puts it."""
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    found = shutil.which("nginx")
    return found or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)


def nginx_config(prefix: Path, replicas: Sequence[str], *, port: int,
                 host: str = "0.0.0.0", static: Path = STATIC) -> str:
    """nginx.conf for ``host:port`` in front of the ``replicas`` (``"address:port"`` each;
    see the module docstring); every path nginx writes lies under ``prefix``; the app's
    static files (``app/static/``) from ``static``."""
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=5s;"
                        for address in replicas)
    # Each student holds a websocket to nginx and nginx one to a replica: two descriptors.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    files = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    temp = "\n".join(f"    {name}_temp_path {prefix / name};" for name in TEMP_DIRS)
    proxy = f"""            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout {TIMEOUT};
            proxy_send_timeout {TIMEOUT};
            add_header Set-Cookie $replica_cookie always;
            add_header X-Upstream $upstream_addr always;"""
    return f"""# Written by deploy/serve; removed when it stops.
daemon off;
worker_processes 1;
worker_rlimit_nofile {files};
pid {prefix / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections {max(512, files // 2 - 64)};
}}

http {{
    access_log off;
{temp}

    # A browser's replica: its {COOKIE} cookie, or for its first request (no cookie
    # yet) that request's id, which the response then sets as the cookie.
    map $cookie_{COOKIE} $replica_key {{
        ""      $request_id;
        default $cookie_{COOKIE};
    }}
    map $cookie_{COOKIE} $replica_cookie {{
        ""      "{COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    # Websocket upgrades pass through; other requests may reuse upstream connections.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}

    upstream streamlit {{
        hash $replica_key consistent;
{servers}
        keepalive 16;
        # Streamlit's server (uvicorn) closes a connection idle for 5 s. nginx lets go
        # of one first: else it may send a request down a connection the replica is
        # closing, and retry it on another replica (a browser's request off its own).
        keepalive_timeout 4s;
    }}

    server {{
        listen {host}:{port};
        server_name _;
        client_max_body_size 1m;

        # The app's static files (plotly.js) from the disk, each sent as the compressed
        # copy the app wrote beside it (gzip_static): no replica compresses 4.8 MB of
        # plotly.js for each browser's first visit. A file not there yet (or unreadable):
        # a replica's.
        location /app/static/ {{
            alias {static}/;
            gzip_static on;
            types {{ text/javascript js; }}
            default_type application/octet-stream;
            error_page 403 404 = @replica;
        }}

        location / {{
{proxy}
        }}

        location @replica {{
{proxy}
        }}
    }}
}}
"""


def replica_environment(store: str | None = None, data: str | os.PathLike | None = None,
                        environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The room store's variables every replica gets, so that all of them open the same
    store: ``DESCENT_LAB_STORE`` (``store``, else ``environ``'s; ``os.environ`` unless
    given) and ``DESCENT_LAB_DATA`` (``data``, else ``environ``'s, else its default),
    each SQLite path made absolute against this process's folder (the replicas run in
    the project's).

    Raises:
        ValueError: a store that :func:`rooms.config.store_location` cannot read, or an
            unusable ``DESCENT_LAB_ROOM_HOURS``; the message names the variable.
    """
    env = dict(os.environ if environ is None else environ)
    if store is not None:
        env[store_config.STORE] = store.strip()
    if data is not None:
        env[store_config.DATA] = os.fspath(data)
    store_config.limits_from(env)
    kind, where = store_config.store_location(env)
    chosen = env.get(store_config.STORE, "").strip()
    if kind == "sqlite" and chosen.startswith("sqlite:///"):
        chosen = f"sqlite:///{Path(where).expanduser().resolve()}"
    return {store_config.STORE: chosen,
            store_config.DATA: str(store_config.data_dir(env).resolve())}


def _die_with_parent() -> None:
    """In a child: SIGTERM it when deploy/serve dies, even by SIGKILL (Linux prctl)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _interrupt(signum, frame) -> None:
    """SIGINT and SIGTERM alike: stop where we are, as Ctrl-C does."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


class Balancer:
    """nginx on ``host:port`` in front of ``replicas`` fresh replicas of ``script``, as a
    context manager (``deploy/serve`` runs one; :mod:`bench.classroom` measures one).

    ``port`` None picks a free one. The replicas' logs go to ``stderr``
    (inherited by default; with a pipe, read each ``replicas[port].stderr``).
    ``upstreams`` (``"host:port"`` each) are replicas started elsewhere, on
    other machines, that nginx hashes browsers onto beside the local ones;
    they are neither started nor stopped here. ``environment``: variables each
    replica gets over this process's environment (:func:`replica_environment`).
    ``tied`` ties every process
    started to this one's life (Linux: SIGTERM to them if this process dies,
    even by SIGKILL); only for a main thread that lives as long as they do.
    """

    def __init__(self, replicas: int, port: int | None = None, *, host: str = "127.0.0.1",
                 nginx: str | None = None, script: Path = APP, stderr: int | None = None,
                 tied: bool = False, upstreams: Sequence[str] = (),
                 environment: Mapping[str, str] | None = None) -> None:
        self.count, self.host, self.script, self.stderr = replicas, host, script, stderr
        self.environment = dict(environment or {})
        self.upstreams = list(upstreams)
        self.port = port or free_port()
        self.nginx = nginx or find_nginx()
        if self.nginx is None:
            raise RuntimeError(f"no nginx found: {INSTALL}")
        self.preexec_fn = _die_with_parent if tied else None
        self.replicas: dict[int, subprocess.Popen] = {}
        self.proxy: subprocess.Popen | None = None
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.url = f"http://{shown}:{self.port}"

    def __enter__(self) -> Balancer:
        self.prefix = Path(tempfile.mkdtemp(prefix="descent-nginx-"))
        try:
            # nginx started as root runs its workers as nobody, who must reach the prefix.
            self.prefix.chmod(0o755)
            for port in [free_port() for _ in range(self.count)]:
                self.replicas[port] = self._start(port)
            for port, process in self.replicas.items():
                wait_until_healthy(f"http://127.0.0.1:{port}", process, timeout=120)
            config = self.prefix / "nginx.conf"
            local = [f"127.0.0.1:{port}" for port in self.replicas]
            config.write_text(nginx_config(self.prefix, local + self.upstreams, port=self.port,
                                           host=self.host))
            self.proxy = subprocess.Popen(
                [self.nginx, "-p", str(self.prefix), "-c", str(config), "-e", "stderr"],
                stdout=subprocess.DEVNULL, start_new_session=True, preexec_fn=self.preexec_fn)
            wait_until_healthy(self.url, self.proxy, timeout=30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for process in [self.proxy, *self.replicas.values()]:
            if process is not None:
                stop(process)
        shutil.rmtree(self.prefix, ignore_errors=True)

    def _start(self, port: int) -> subprocess.Popen:
        return start_streamlit(port, self.script, stderr=self.stderr,
                               preexec_fn=self.preexec_fn, environment=self.environment)

    def pids(self) -> list[int]:
        """nginx's master and every replica (each with its children: see /proc)."""
        return [self.proxy.pid, *(p.pid for p in self.replicas.values())]

    def restart_dead(self) -> list[tuple[int, int]]:
        """Start again every replica that exited; ``[(port, exit code)]`` of those."""
        restarted = []
        for port, process in self.replicas.items():
            if process.poll() is not None:
                restarted.append((port, process.returncode))
                self.replicas[port] = self._start(port)
        return restarted


def serve(replicas: int, port: int, *, host: str = "0.0.0.0", nginx: str,
          script: Path = APP, upstreams: Sequence[str] = (),
          environment: Mapping[str, str] | None = None, out=sys.stdout) -> int:
    """Run nginx and ``replicas`` replicas (each with ``environment`` over this process's)
    until SIGINT/SIGTERM; 0 then, 1 if nginx dies."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Balancer(replicas, port, host=host, nginx=nginx, script=script, tied=True,
                      upstreams=upstreams, environment=environment) as balancer:
            try:
                elsewhere = (f", and {len(upstreams)} elsewhere: {', '.join(upstreams)}"
                             if upstreams else "")
                print(f"Descent Lab: {balancer.url}/ (nginx, pid {balancer.proxy.pid}) in "
                      f"front of {replicas} replica(s) on 127.0.0.1 port(s) "
                      f"{', '.join(map(str, balancer.replicas)) or '-'}{elsewhere}. "
                      "Ctrl-C stops everything.", file=out, flush=True)
                while balancer.proxy.poll() is None:
                    time.sleep(1)
                    for dead, code in balancer.restart_dead():
                        print(f"replica on port {dead} exited with code {code}; starting it "
                              "again", file=out, flush=True)
                print(f"nginx exited with code {balancer.proxy.returncode}; stopping",
                      file=out, flush=True)
                return 1
            finally:
                for sig in previous:  # a second Ctrl-C must not interrupt the clean-up
                    signal.signal(sig, signal.SIG_IGN)
    except KeyboardInterrupt as why:
        print(f"{why or 'SIGINT'}: stopped nginx and {replicas} replica(s)", file=out,
              flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/serve",
        description="Serve Descent Lab to a class: nginx in front of N Streamlit replicas, "
                    "sticky per browser. Runs in the foreground; Ctrl-C stops everything.")
    parser.add_argument("--replicas", type=int, default=2,
                        help="streamlit processes, about one per core (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="the port nginx listens on")
    parser.add_argument("--host", default="0.0.0.0",
                        help="the address nginx listens on (default: every interface)")
    parser.add_argument("--upstream", action="append", default=[], metavar="HOST:PORT",
                        help="a replica started on another machine (streamlit run app.py "
                        "--server.address 0.0.0.0 --server.port PORT), hashed onto beside the "
                        "local ones; repeat for more")
    parser.add_argument("--store", metavar="URL",
                        help="the room store every replica uses: redis://HOST:PORT/DB for "
                        "replicas on several machines, or sqlite:////path/to/file (default: "
                        "DESCENT_LAB_STORE, else the SQLite file in the data folder)")
    parser.add_argument("--data", metavar="DIR",
                        help="the data folder every replica shares, which holds the SQLite "
                        "store (default: DESCENT_LAB_DATA, else ~/.local/share/descent-lab)")
    parser.add_argument("--nginx", help="the nginx binary (default: on PATH or /usr/sbin/nginx)")
    parser.add_argument("--script", type=Path, default=APP, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replicas < 0 or args.replicas + len(args.upstream) < 1:
        parser.error("--replicas must be at least 1 (or 0 with --upstream)")
    for address in args.upstream:
        if not UPSTREAM.fullmatch(address):
            parser.error(f"--upstream {address!r} is not HOST:PORT (e.g. 10.0.0.2:8501)")
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    try:
        environment = replica_environment(args.store, args.data)
    except ValueError as error:
        given = " (--store)" if args.store is not None else ""
        parser.error(f"{error}{given}")
    if importlib.util.find_spec("streamlit") is None:
        print(f"deploy/serve: this Python ({sys.executable}) has no streamlit; run it with the "
              "one that has the requirements: python deploy/serve ...", file=sys.stderr)
        return 2
    nginx = find_nginx(args.nginx)
    if nginx is None:
        where = f" at {args.nginx}" if args.nginx else " (not on PATH, nor /usr/sbin/nginx)"
        print(f"deploy/serve needs nginx, found none{where}. Install Debian's package: "
              f"{INSTALL}", file=sys.stderr)
        return 2
    try:
        where = store_config.reach({**os.environ, **environment})
    except ValueError as error:
        print(f"deploy/serve: {error}", file=sys.stderr)
        return 1
    print(f"Room store: {where}, shared by every replica.", flush=True)
    try:
        return serve(args.replicas, args.port, host=args.host, nginx=nginx, script=args.script,
                     upstreams=args.upstream, environment=environment)
    except RuntimeError as error:  # a replica or nginx did not come up
        print(f"deploy/serve: {error}", file=sys.stderr)
        return 1
