"""Work counted, not timed: a bound on how much a piece of code may do that holds the
same on a busy shared machine as on an idle one.

:class:`CountCalls` counts the Python function calls made while it is active (through
:func:`sys.setprofile`, on this thread): every SymPy operation, every step of the
parser's walk, every NumPy wrapper written in Python. Work that blows up (an expansion
of ``(x + 1)**110``, a tree walked again and again) shows as many more calls.
"""

from __future__ import annotations

import sys


class CountCalls:
    """``with CountCalls() as work: ...``; then ``work.calls`` is how many Python
    function calls the block made (generators count once per resumption)."""

    def __init__(self) -> None:
        self.calls = 0

    def _profile(self, frame, event, arg) -> None:
        if event == "call":
            self.calls += 1

    def __enter__(self) -> CountCalls:
        self._before = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(self._before)
