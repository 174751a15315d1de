"""Work counted, not timed: a bound on how much a piece of code may do that holds the
same on a busy shared machine as on an idle one.

:class:`CountCalls` counts the Python function calls made while it is active (through
:func:`sys.settrace`, on this thread, tracing no lines): every SymPy operation, every
step of the parser's walk, every NumPy wrapper written in Python. Work that blows up (an expansion
of ``(x + 1)**110``, a tree walked again and again) shows as many more calls.
"""

from __future__ import annotations

import sys


class CountCalls:
    """``with CountCalls() as work: ...``; then ``work.calls`` is how many Python
    function calls the block made (generators count once per resumption)."""

    def __init__(self) -> None:
        self.calls = 0

    def _trace(self, frame, event, arg) -> None:
        self.calls += 1  # a "call" event: the only one a global trace function gets
        return None  # no line events inside the call

    def __enter__(self) -> CountCalls:
        self._before = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._before)
