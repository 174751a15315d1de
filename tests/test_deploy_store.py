"""``deploy/serve --store URL --data DIR``: every replica gets the same room store, and a
store that cannot be used is a plain error before anything starts.

Fast tier: nothing here starts a server (tests/conftest.py fails a test of this tier that
would). What the replicas get is read from the command line and environment that
``deploy/serve`` hands ``subprocess.Popen`` for each; tests/test_rooms_replicas.py reads
them from the running replicas' ``/proc/PID/environ`` and the runs they share.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy import balancer
from deploy.balancer import Balancer, replica_environment
from deploy.balancer import main as serve_main
from deploy.servers import APP, free_port
from rooms import SQLiteStore, open_store
from rooms.config import DATA, STORE, describe


def test_redis_is_passed_to_every_replica_as_given(tmp_path):
    url = "redis://:pw@10.0.0.1:6379/0"
    env = replica_environment(url, None, {"HOME": str(tmp_path)})
    assert env == {STORE: url, DATA: str(tmp_path / ".local/share/descent-lab")}
    assert describe(env) == "Redis at 10.0.0.1:6379, database 0"  # no password


def test_sqlite_replicas_share_one_absolute_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # From the environment, relative: made absolute against deploy/serve's folder.
    env = replica_environment(None, None, {"HOME": "/nowhere", DATA: "lab-data"})
    assert env == {STORE: "", DATA: str(tmp_path / "lab-data")}
    # --data wins over the environment.
    assert replica_environment(None, "given", {DATA: "/elsewhere"})[DATA] == str(
        tmp_path / "given")
    # A SQLite file of one's own, relative: absolute, so that the replicas, which run in
    # the project's folder, open this one.
    own = replica_environment("sqlite:///own.sqlite3", None, {"HOME": "/nowhere"})
    assert own[STORE] == f"sqlite:///{tmp_path / 'own.sqlite3'}"
    monkeypatch.chdir(APP.parent)
    for environment in (env, own):
        store = open_store(environment)
        assert isinstance(store, SQLiteStore) and store.path.parent == tmp_path / (
            "lab-data" if environment is env else "")
        store.close()


@pytest.mark.parametrize("url, says", [
    ("redis://10.0.0.1:port/0", "its port is not a number from 1 to 65535"),
    ("redis://10.0.0.1:70000/0", "its port is not a number from 1 to 65535"),
    ("redis://:6379/0", "it names no host"),
    ("redis://10.0.0.1:6379/zero", "its path is not a database's number"),
    ("redis://10.0.0.1:6379/0#x", "it has a '#' part"),
    ("mysql://10.0.0.1/db", "must be redis://host:port/db or sqlite:////path/to/file"),
    ("sqlite:///", "must be redis://host:port/db or sqlite:////path/to/file"),
])
def test_a_malformed_store_is_refused_before_anything_starts(url, says, capsys, monkeypatch):
    monkeypatch.setattr(balancer, "serve", lambda *a, **k: pytest.fail("serve was called"))
    with pytest.raises(SystemExit) as refusal:
        serve_main(["--port", str(free_port()), "--store", url])
    out, err = capsys.readouterr()
    assert refusal.value.code == 2 and out == ""
    assert "deploy/serve: error: DESCENT_LAB_STORE must be" in err and says in err
    assert err.rstrip().endswith("(--store)") and "Traceback" not in err


def test_an_unusable_idle_time_is_refused_before_anything_starts(capsys, monkeypatch):
    monkeypatch.setenv("DESCENT_LAB_ROOM_HOURS", "soon")
    with pytest.raises(SystemExit) as refusal:
        serve_main(["--port", str(free_port()), "--store", "redis://10.0.0.1:6379/0"])
    assert refusal.value.code == 2
    assert "DESCENT_LAB_ROOM_HOURS must be a number of hours" in capsys.readouterr().err


def test_a_store_that_does_not_answer_is_a_plain_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(balancer, "serve", lambda *a, **k: pytest.fail("serve was called"))
    nobody = free_port()  # nothing listens there
    code = serve_main(["--port", str(free_port()), "--nginx", "/bin/true",  # any program
                       "--store", f"redis://:hunter2@127.0.0.1:{nobody}/0"])
    out, err = capsys.readouterr()
    assert code == 1 and "Room store" not in out
    assert err.startswith(f"deploy/serve: the room store (Redis at 127.0.0.1:{nobody}, "
                          "database 0) cannot be used: ")
    assert "refused" in err.lower() and "hunter2" not in err
    code = serve_main(["--port", str(free_port()), "--nginx", "/bin/true",
                       "--data", "/proc/no-such-folder"])
    assert code == 1 and "cannot be used" in capsys.readouterr().err


def test_a_store_that_answers_is_said_and_handed_to_serve(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DESCENT_LAB_STORE", raising=False)
    handed = {}
    monkeypatch.setattr(balancer, "serve", lambda *a, **k: handed.update(k) or 0)
    code = serve_main(["--port", str(free_port()), "--nginx", "/bin/true",
                       "--data", str(tmp_path / "data")])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out == (f"Room store: SQLite file {tmp_path / 'data' / 'rooms.sqlite3'}, shared by "
                   "every replica.\n")
    assert (tmp_path / "data" / "rooms.sqlite3").exists()  # made and swept before serving
    assert handed["environment"] == {STORE: "", DATA: str(tmp_path / "data")}


class Started:
    """What ``subprocess.Popen`` was asked to start, instead of starting it."""

    def __init__(self, args, **options):
        self.args, self.options, self.pid = args, options, 0


def test_each_replica_is_started_with_the_store_over_this_environment(monkeypatch):
    monkeypatch.setenv("DESCENT_LAB_STORE", "redis://old:6379/0")
    environment = replica_environment("redis://10.0.0.1:6379/3")
    started: list[Started] = []
    monkeypatch.setattr(subprocess, "Popen",
                        lambda args, **options: started.append(Started(args, **options)))
    serving = Balancer(2, environment=environment, nginx="/bin/true")
    for port in (8601, 8602):
        serving._start(port)
    assert [s.args[:5] for s in started] == [[sys.executable, "-m", "streamlit", "run",
                                              str(APP)]] * 2
    assert [s.args[s.args.index("--server.port") + 1] for s in started] == ["8601", "8602"]
    for replica in started:
        env = replica.options["env"]
        assert env[STORE] == "redis://10.0.0.1:6379/3" and env[DATA] == environment[DATA]
        assert env["PATH"] == os.environ["PATH"]  # the rest of this process's environment
        assert Path(replica.options["cwd"]) == APP.parent
