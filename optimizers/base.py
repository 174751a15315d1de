"""What every optimizer module declares: its hyperparameters and its update.

An optimizer is a small record (:class:`Optimizer`) holding

* ``init(x) -> state``: a dict of zero arrays shaped like the positions ``x``;
* ``update(x, dx, state, t, **hyper)``: one step, written as the lecture writes
  it: ``x`` changes in place (``x += ...``) and the new state arrays go back
  into the dict ``state``.

Positions are stored as an array of shape ``(2, R)``: row 0 holds ``x``, row 1
``y``, one column per run. A hyperparameter is an array of shape ``(R,)`` that
broadcasts over both rows, so one run, six optimizers side by side and a
100 x 100 sweep are the same code. ``t`` counts steps from 1.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@functools.cache
def _source(function: Callable) -> str:
    """``function``'s code, read from its module's file."""
    return inspect.getsource(function)


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter: its default and allowed range, as the lecture names it.

    The range runs from ``low`` to ``high``; ``low_open`` / ``high_open`` say
    whether the ends are excluded. ``log`` asks sliders for a log scale.
    ``kind="bool"`` marks a switch such as Adam's ``bias_correction``.
    """

    name: str
    default: float | bool
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    kind: str = "float"
    help: str = ""

    @property
    def range_text(self) -> str:
        """The allowed range in words, e.g. ``"in [0, 1)"`` or ``"> 0"``."""
        if self.kind == "bool":
            return "true or false"
        if math.isinf(self.high):
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"

    def contains(self, value: np.ndarray) -> np.ndarray:
        """Elementwise: is ``value`` finite and inside the allowed range?"""
        value = np.asarray(value, dtype=float)
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return np.isfinite(value) & above & below


def learning_rate(default: float) -> Hyper:
    """The learning rate every optimizer takes: from 1e-6 to 100. Wider teaches nothing
    (a step of 1e9 leaves any plot at once, one of 1e-9 never moves) and only makes the
    sliders useless."""
    return Hyper("lr", default, low=1e-6, high=100.0, log=True, help="learning rate")


MU = Hyper("mu", 0.9, low=0.0, high=1.0, help="momentum: 1 minus the friction (1 = none)")
# eps from 1e-12 (below it, 1 + eps is 1 in float64 anyway) to 1 (above it, eps outweighs
# the root of the cache of any gradient the plots show).
EPS = Hyper("eps", 1e-7, low=1e-12, high=1.0, log=True,
            help="added to the root of the cache, so that no division is by zero")


@dataclass(frozen=True)
class Optimizer:
    """An update rule as the lecture writes it, with what the page shows of it.

    Attributes:
        name: registry key (``"adam"``).
        title: display name (``"Adam"``).
        hyper: its hyperparameters, in the order the page lists them.
        init: ``init(x) -> state`` (a dict of arrays shaped like ``x``).
        update: ``update(x, dx, state, t, **hyper)``: moves ``x`` in place, keeps its
            state in the dict ``state``.
        latex: the update rule as LaTeX lines (no ``$`` delimiters).
        torch: the ``torch.optim`` call this rule equals for a constant ``lr``.
    """

    name: str
    title: str
    hyper: tuple[Hyper, ...]
    init: Callable[[np.ndarray], dict[str, np.ndarray]]
    update: Callable[..., None]
    latex: str
    torch: str

    @property
    def defaults(self) -> dict[str, float | bool]:
        """Hyperparameter name -> default value."""
        return {h.name: h.default for h in self.hyper}

    @property
    def source(self) -> str:
        """The exact code of ``update`` that runs, read from its module's file (once)."""
        return _source(self.update)

    def label(self, **values: float | bool) -> str:
        """A short label stating the settings, e.g. ``"Momentum (lr = 0.1, mu = 0.9)"``.

        Only the hyperparameters given are shown.
        """
        shown = []
        for h in self.hyper:
            if h.name in values:
                v = values[h.name]
                shown.append(f"{h.name} {'on' if v else 'off'}" if h.kind == "bool"
                             else f"{h.name} = {float(v):.3g}")
        return f"{self.title} ({', '.join(shown)})" if shown else self.title
