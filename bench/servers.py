"""The servers a benchmark measures, and what they use: memory from ``/proc``, CPU time from
each process's CPU clock.

:class:`Server` is a fresh ``streamlit run`` of the page (``APP``) or of the bare
page (:data:`BARE_PAGE`) on a free port, its log drained and its tracebacks counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from deploy.servers import APP, free_port, start_streamlit, stop, wait_until_healthy
from harness.processes import process_tree

BARE_PAGE = Path(__file__).with_name("bare_page.py")
PROBED = "memory probe: "  # how a server's line of bench.memory's probe begins
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return ""  # gone


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of ``pid`` and its children (0 for a process that is gone); with
    ``field="VmHWM"``, the peak of each since it started."""
    return sum(int(line.split()[1]) * 1024 for p in process_tree(pid)
               for line in _proc(p, "status").splitlines() if line.startswith(f"{field}:"))


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children so far, each to the nanosecond
    (:func:`process_cpu_seconds`)."""
    return sum(map(process_cpu_seconds, process_tree(pid)))


def process_cpu_seconds(pid: int) -> float:
    """CPU time of the process ``pid`` so far (0 once it is gone): its CPU clock, the
    kernel's running sum of every thread's time on a CPU, its ended threads included
    (``clock_getcpuclockid(3)``; Linux numbers the clock of process ``pid`` ``~pid << 3 |
    2``). ``/proc/<pid>/stat``'s user and system times count in ticks of 10 ms, the CPU
    time of a whole script run of the bare page."""
    if pid <= 0:  # 0 would name the calling process's own clock
        return 0.0
    try:
        return time.clock_gettime((~pid << 3) | 2)
    except OSError:  # gone, or a kernel without process CPU clocks: count ticks
        fields = _proc(pid, "stat").rsplit(")", 1)[-1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if len(fields) > 12 else 0.0


class Log:
    """A server's stderr, drained in a thread (an unread pipe would fill and stall the
    server): its last lines, its tracebacks counted, and the records of
    :mod:`bench.memory`'s probe."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: deque[str] = deque(maxlen=2000)
        self.tracebacks = 0
        self.probes: list[dict] = []
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()

    def _drain(self, process: subprocess.Popen) -> None:
        for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            self.tracebacks += line.startswith("Traceback")
            if line.startswith(PROBED):
                self.probes.append(json.loads(line.removeprefix(PROBED)))


class Server:
    """``streamlit run script`` on a free port as a context manager, its log drained;
    ``launch(port, script)`` starts it another way (a :class:`subprocess.Popen` with
    its stderr piped)."""

    def __init__(self, script: Path = APP, launch: Callable = start_streamlit) -> None:
        self.script, self.launch = script, launch

    def __enter__(self) -> Server:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen = self.launch(port, self.script)
        self.log = Log(self.process)
        try:
            wait_until_healthy(self.url, self.process, timeout=120)
        except BaseException:
            stop(self.process)
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
