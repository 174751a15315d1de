"""nginx in front of N ``streamlit run app.py`` replicas: what ``deploy/serve`` runs.

    deploy/serve --replicas 2 --port 8501          # http://<this machine>:8501/
    deploy/serve --replicas 2 --port 8501 --host 127.0.0.1

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
everything after it (static files, ``/_stcore/health``, the websocket, a
reconnect, downloads under ``/media/``, which only the replica that made them
holds) land on the same replica. Streamlit's own ``_streamlit_xsrf`` cookie
would not do: Streamlit 1.67 sets it only on ``/_stcore/health`` (after the
first page), and re-masks it on every health check, so its value changes
before each reconnect. A replica that is down is skipped (the next one on the
hash ring takes its browsers; their sessions start afresh, the scene survives
in the URL). Every response says which replica answered in ``X-Upstream``.

nginx runs unprivileged from a temporary prefix (its config, pid file and
temp folders; its log on stderr), so it needs no root and no ``/etc/nginx``.
``SIGINT`` (Ctrl-C) or ``SIGTERM`` stops nginx and every replica; a replica
that dies is started again on its port.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy

NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
INSTALL = "apt-get install -y nginx"
COOKIE = "descent_replica"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
TIMEOUT = "1d"  # a websocket is quiet while a student reads the chart


def find_nginx(wanted: str | None = None) -> str | None:
    """The nginx binary: ``wanted`` if given, else on PATH or where Debian puts it."""
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    found = shutil.which("nginx")
    return found or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)


def nginx_config(prefix: Path, replica_ports: Sequence[int], *, port: int,
                 host: str = "0.0.0.0") -> str:
    """nginx.conf for ``host:port`` in front of the replicas on 127.0.0.1 (see the module
    docstring); every path nginx writes lies under ``prefix``."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
                        for p in replica_ports)
    temp = "\n".join(f"    {name}_temp_path {prefix / name};" for name in TEMP_DIRS)
    return f"""# Written by deploy/serve; removed when it stops.
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections 4096;
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
    }}

    server {{
        listen {host}:{port};
        server_name _;
        client_max_body_size 1m;

        location / {{
            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout {TIMEOUT};
            proxy_send_timeout {TIMEOUT};
            add_header Set-Cookie $replica_cookie always;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def _die_with_parent() -> None:
    """In a child: SIGTERM it when deploy/serve dies, even by SIGKILL (Linux prctl)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _interrupt(signum, frame) -> None:
    """SIGINT and SIGTERM alike: stop where we are, as Ctrl-C does."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve(replicas: int, port: int, *, host: str = "0.0.0.0", nginx: str,
          script: Path = APP, out=sys.stdout) -> int:
    """Run nginx and ``replicas`` replicas until SIGINT/SIGTERM; 0 then, 1 if nginx dies."""
    running: list[subprocess.Popen] = []
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    prefix = Path(tempfile.mkdtemp(prefix="descent-nginx-"))
    try:
        # nginx started as root runs its workers as nobody, who must reach the prefix.
        prefix.chmod(0o755)
        ports = [free_port() for _ in range(replicas)]
        replica = {}
        for p in ports:
            replica[p] = start_streamlit(p, script, stderr=None, preexec_fn=_die_with_parent)
            running.append(replica[p])
        for p in ports:
            wait_until_healthy(f"http://127.0.0.1:{p}", replica[p], timeout=120)
        config = prefix / "nginx.conf"
        config.write_text(nginx_config(prefix, ports, port=port, host=host))
        proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr"],
                                 stdout=subprocess.DEVNULL, start_new_session=True,
                                 preexec_fn=_die_with_parent)
        running.append(proxy)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        wait_until_healthy(f"http://{shown}:{port}", proxy, timeout=30)
        print(f"Descent Lab: http://{shown}:{port}/ (nginx, pid {proxy.pid}) in front of "
              f"{replicas} replica(s) on 127.0.0.1 port(s) {', '.join(map(str, ports))}. "
              "Ctrl-C stops everything.", file=out, flush=True)
        while True:
            time.sleep(1)
            if proxy.poll() is not None:
                print(f"nginx exited with code {proxy.returncode}; stopping", file=out,
                      flush=True)
                return 1
            for p, process in replica.items():
                if process.poll() is not None:
                    print(f"replica on port {p} exited with code {process.returncode}; "
                          "starting it again", file=out, flush=True)
                    running.remove(process)
                    replica[p] = start_streamlit(p, script, stderr=None,
                                                 preexec_fn=_die_with_parent)
                    running.append(replica[p])
    except KeyboardInterrupt as why:
        print(f"{why or 'SIGINT'}: stopping nginx and {replicas} replica(s)", file=out,
              flush=True)
        return 0
    finally:
        for sig in previous:  # a second Ctrl-C must not interrupt the clean-up
            signal.signal(sig, signal.SIG_IGN)
        for process in reversed(running):
            stop(process)
        shutil.rmtree(prefix, ignore_errors=True)
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
    parser.add_argument("--nginx", help="the nginx binary (default: on PATH or /usr/sbin/nginx)")
    parser.add_argument("--script", type=Path, default=APP, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    nginx = find_nginx(args.nginx)
    if nginx is None:
        where = f" at {args.nginx}" if args.nginx else " (not on PATH, nor /usr/sbin/nginx)"
        print(f"deploy/serve needs nginx, found none{where}. Install Debian's package: "
              f"{INSTALL}", file=sys.stderr)
        return 2
    try:
        return serve(args.replicas, args.port, host=args.host, nginx=nginx, script=args.script)
    except RuntimeError as error:  # a replica or nginx did not come up
        print(f"deploy/serve: {error}", file=sys.stderr)
        return 1
