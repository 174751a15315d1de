"""The SymPy functions of typed formulas: quiet, real, with their derivatives.

SymPy's own ``sin``, ``cosh``, ``Abs``, ``Max``, ``Heaviside`` and friends try
to settle their value when they are built, through its assumptions system:
is the argument real, zero, a multiple of pi, which argument is larger? On a
typed formula such questions can take SymPy seconds (it expands, takes real
and imaginary parts, evaluates constants to ever higher precision), without
a way to stop it; and ``Abs`` of an argument it cannot prove real
(``sqrt(y)``) differentiates as a complex number, through ``re`` and ``im``.
Here every value is real or undefined, and parts without ``x`` and ``y`` are
already folded to numbers, so these functions ask nothing: they stay as they
are, print as usual in LaTeX, carry the derivatives of real analysis (so that
SymPy's ``diff`` applies the chain rule through them in linear time) and their
NumPy twin, which :mod:`surfaces.formula_numpy` evaluates.

Conventions at the kinks (where the derivative does not exist): ``|a|'`` is
``sign(a) a'`` (0 at ``a = 0``), and ``max(a, b)`` and ``min(a, b)`` take the
derivative of the winning argument, the mean of both at a tie
(``Step(0) = 1/2``, as SymPy's ``Heaviside``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp


class RealFunction(sp.Function):
    """A function SymPy leaves as it is, with its NumPy version in ``numpy``."""

    numpy: Callable

    def _latex(self, printer, exp=None):
        tex = self._tex(*(printer._print(arg) for arg in self.args))
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def _named(command: str) -> Callable[..., str]:
    """LaTeX in SymPy's style: ``\\sin{\\left(x \\right)}``."""
    return lambda *args: rf"{command}{{\left({', '.join(args)} \right)}}"


def _smooth(name: str, tex: Callable[[str], str], numpy: Callable,
            derivative: Callable) -> type[RealFunction]:
    """A smooth function of one argument ``u``; ``derivative(u)`` is its derivative at ``u``."""

    def fdiff(self, argindex=1):
        return derivative(self.args[0])

    return type(name, (RealFunction,), {
        "nargs": 1, "numpy": staticmethod(numpy), "_tex": staticmethod(tex), "fdiff": fdiff,
        "__module__": __name__, "__doc__": f"``{name.lower()}(u)``, smooth where defined.",
    })


# The derivatives of real analysis, one line each (u is the argument).
Sin = _smooth("Sin", _named(r"\sin"), np.sin, lambda u: Cos(u))
Cos = _smooth("Cos", _named(r"\cos"), np.cos, lambda u: -Sin(u))
Tan = _smooth("Tan", _named(r"\tan"), np.tan, lambda u: 1 + Tan(u) ** 2)
Exp = _smooth("Exp", lambda u: f"e^{{{u}}}", np.exp, lambda u: Exp(u))
Log = _smooth("Log", _named(r"\log"), np.log, lambda u: 1 / u)
Sinh = _smooth("Sinh", _named(r"\sinh"), np.sinh, lambda u: Cosh(u))
Cosh = _smooth("Cosh", _named(r"\cosh"), np.cosh, lambda u: Sinh(u))
Tanh = _smooth("Tanh", _named(r"\tanh"), np.tanh, lambda u: 1 - Tanh(u) ** 2)
Atan = _smooth("Atan", _named(r"\operatorname{atan}"), np.arctan, lambda u: 1 / (1 + u**2))


class Atan2(RealFunction):
    """``atan2(y, x)``, the angle of the point ``(x, y)``.

    Its partial derivatives are ``x / (x**2 + y**2)`` in ``y`` and
    ``-y / (x**2 + y**2)`` in ``x``.
    """

    nargs = 2
    numpy = staticmethod(np.arctan2)
    _tex = staticmethod(_named(r"\operatorname{atan}_{2}"))

    def fdiff(self, argindex=1):
        y, x = self.args
        return (x if argindex == 1 else -y) / (x**2 + y**2)


class Step(RealFunction):
    """The step ``Step(a)``: 0 for ``a < 0``, 1/2 at 0, 1 for ``a > 0``."""

    nargs = 1
    numpy = staticmethod(lambda a: np.heaviside(a, 0.5))
    _tex = staticmethod(_named(r"\theta"))

    @classmethod
    def eval(cls, a):
        return (sp.sign(a) + 1) / 2 if a.is_Number else None


class Sign(RealFunction):
    """``sign(a)``: -1, 0 or 1."""

    nargs = 1
    numpy = staticmethod(np.sign)
    _tex = staticmethod(_named(r"\operatorname{sign}"))

    @classmethod
    def eval(cls, a):
        return sp.sign(a) if a.is_Number else None


class RealAbs(RealFunction):
    """``|a|``, with derivative ``sign(a) a'``."""

    nargs = 1
    numpy = staticmethod(np.abs)

    def fdiff(self, argindex=1):
        return Sign(self.args[0])

    @staticmethod
    def _tex(a):
        return rf"\left|{{{a}}}\right|"


class RealMax(RealFunction):
    """``max(a, b)``, with derivative ``Step(a - b) a' + Step(b - a) b'``."""

    nargs = 2
    numpy = staticmethod(np.maximum)
    _tex = staticmethod(_named(r"\max"))

    def fdiff(self, argindex=1):
        a, b = self.args
        return Step(a - b) if argindex == 1 else Step(b - a)


class RealMin(RealFunction):
    """``min(a, b)``, with derivative ``Step(b - a) a' + Step(a - b) b'``."""

    nargs = 2
    numpy = staticmethod(np.minimum)
    _tex = staticmethod(_named(r"\min"))

    def fdiff(self, argindex=1):
        a, b = self.args
        return Step(b - a) if argindex == 1 else Step(a - b)
