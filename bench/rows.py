"""One figure of a benchmark, and the one table every benchmark prints.

Every area returns :class:`Row` s: ours beside a baseline measured in the same
run, and their ratio ``ours / baseline``, so that below 1 is better (ours is
faster, or smaller) and above 1 worse, everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RATIO = "ours / baseline: below 1 is better (ours faster or smaller), above 1 worse"


@dataclass(frozen=True)
class Row:
    """``ours`` beside ``baseline`` (what ``against`` names), in ``unit`` ("s", "bytes"
    or "count"). ``goal``: the largest ratio allowed; ``limit``: the largest ``ours``
    allowed, in ``unit`` (for a figure whose goal is absolute, e.g. memory)."""

    name: str
    ours: float
    baseline: float
    unit: str
    against: str
    goal: float | None = None
    limit: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        """Whether the goal (or the limit) is met; None without one."""
        if self.goal is None and self.limit is None:
            return None
        ratio = self.ratio
        return ((self.goal is None or (ratio is not None and ratio <= self.goal))
                and (self.limit is None or self.ours <= self.limit))


def fmt(value: float, unit: str, digits: str = "") -> str:
    """``value`` in ``unit`` as read: "143.1 ms", "2.39 s", "162.0 KB", "11.54 MB";
    ``digits="g"`` for a goal's round number ("350 MB")."""
    if unit == "bytes":
        return (f"{value / 1e6:{digits or '.2f'}} MB" if value >= 1e6
                else f"{value / 1e3:{digits or '.1f'}} KB")
    if unit == "s":
        if value >= 1:
            return f"{value:{digits or '.2f'}} s"
        return f"{value * 1e3:{digits or ('.1f' if value >= 1e-3 else '.3g')}} ms"
    return f"{value:g}"


def goal_words(row: Row) -> str:
    words = [f"<= {row.goal:g}x" if row.goal is not None else "",
             f"<= {fmt(row.limit, row.unit, 'g')}" if row.limit is not None else ""]
    if row.met is None:
        return ""
    return f"{', '.join(w for w in words if w)}: {'met' if row.met else 'not met'}"


def ratio_words(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def print_rows(rows: Iterable[Row], *, legend: bool = False) -> None:
    """The table: one line per row with its ratio and its goal; with ``legend``, what
    the ratio means (said once per output)."""
    rows = list(rows)
    width = max([len(r.name) for r in rows] + [6]) + 2
    if rows:
        print(f"{'figure':<{width}}{'ours':>11}{'baseline':>11}{'ratio':>10}  {'goal':<20}against")
    for r in rows:
        print(f"{r.name:<{width}}{fmt(r.ours, r.unit):>11}{fmt(r.baseline, r.unit):>11}"
              f"{ratio_words(r.ratio):>10}  {goal_words(r):<20}{r.against}")
    if legend:
        print(f"ratio: {RATIO}")
