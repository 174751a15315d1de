"""Timing contenders side by side, as every benchmark here does (docs/benchmarks.md, "How to
read them honestly"). A time is ``clock()`` after minus before: this process's CPU time by
default, :data:`WALL` for work in other threads or processes.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

CPU = time.process_time
WALL = time.perf_counter


def user_system() -> np.ndarray:
    """This process's user and system CPU seconds so far, as ``[user, system]``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return np.array([usage.ru_utime, usage.ru_stime])


def interleaved(contenders: Mapping[Hashable, Callable[[], object]], reps: int, *,
                clock: Callable[[], Any] = CPU, warm_up: bool = True,
                prepare: Mapping[Hashable, Callable[[], object]] | None = None,
                ) -> dict[Hashable, list]:
    """``{name: [clock() difference of each round]}`` for each contender, run in turn.

    ``prepare[name]()``, when given, runs untimed before each timed call of
    that contender (e.g. moving a slider before the script run it causes).
    """
    prepare = {name: (prepare or {}).get(name, lambda: None) for name in contenders}
    if warm_up:
        for name, run in contenders.items():
            prepare[name]()
            run()
    names = list(contenders)
    times: dict[Hashable, list] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            prepare[name]()
            begin = clock()
            contenders[name]()
            times[name].append(clock() - begin)
    return times


def medians(contenders: Mapping[Hashable, Callable[[], object]], reps: int,
            **kwargs) -> dict[Hashable, float]:
    """The median of each contender's times from :func:`interleaved` (same arguments)."""
    return {name: statistics.median(t)
            for name, t in interleaved(contenders, reps, **kwargs).items()}

