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
are, print as usual in LaTeX, and carry the derivatives of real analysis, so
that SymPy's ``diff`` applies the chain rule through them in linear time.

Conventions at the kinks (where the derivative does not exist): ``|a|'`` is
``sign(a) a'`` (0 at ``a = 0``), and ``max(a, b)`` and ``min(a, b)`` take the
derivative of the winning argument, the mean of both at a tie
(``Step(0) = 1/2``, as SymPy's ``Heaviside``).
"""

from __future__ import annotations

import sympy as sp


class RealFunction(sp.Function):
    """A function SymPy leaves as it is, except ``Step`` and ``Sign`` of a plain number."""

    def _latex(self, printer, exp=None):
        tex = self._tex(*(printer._print(arg) for arg in self.args))
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def _named(command: str):
    """LaTeX in SymPy's style: ``\\sin{\\left(x \\right)}``."""
    return staticmethod(lambda *args: rf"{command}{{\left({', '.join(args)} \right)}}")


class Sin(RealFunction):
    nargs = 1
    _tex = _named(r"\sin")

    def fdiff(self, argindex=1):
        return Cos(self.args[0])


class Cos(RealFunction):
    nargs = 1
    _tex = _named(r"\cos")

    def fdiff(self, argindex=1):
        return -Sin(self.args[0])


class Tan(RealFunction):
    nargs = 1
    _tex = _named(r"\tan")

    def fdiff(self, argindex=1):
        return 1 + Tan(self.args[0]) ** 2


class Exp(RealFunction):
    nargs = 1

    def fdiff(self, argindex=1):
        return self

    @staticmethod
    def _tex(a):
        return f"e^{{{a}}}"


class Log(RealFunction):
    """The natural logarithm."""

    nargs = 1
    _tex = _named(r"\log")

    def fdiff(self, argindex=1):
        return 1 / self.args[0]


class Sinh(RealFunction):
    nargs = 1
    _tex = _named(r"\sinh")

    def fdiff(self, argindex=1):
        return Cosh(self.args[0])


class Cosh(RealFunction):
    nargs = 1
    _tex = _named(r"\cosh")

    def fdiff(self, argindex=1):
        return Sinh(self.args[0])


class Tanh(RealFunction):
    nargs = 1
    _tex = _named(r"\tanh")

    def fdiff(self, argindex=1):
        return 1 - Tanh(self.args[0]) ** 2


class Atan(RealFunction):
    nargs = 1
    _tex = _named(r"\operatorname{atan}")

    def fdiff(self, argindex=1):
        return 1 / (1 + self.args[0] ** 2)


class Atan2(RealFunction):
    """``atan2(y, x)``, the angle of the point ``(x, y)``.

    Its partial derivatives are ``x / (x**2 + y**2)`` in ``y`` and
    ``-y / (x**2 + y**2)`` in ``x``.
    """

    nargs = 2
    _tex = _named(r"\operatorname{atan_2}")

    def fdiff(self, argindex=1):
        y, x = self.args
        return (x if argindex == 1 else -y) / (x**2 + y**2)


class Step(RealFunction):
    """The step ``Step(a)``: 0 for ``a < 0``, 1/2 at 0, 1 for ``a > 0``."""

    nargs = 1
    _tex = _named(r"\theta")

    @classmethod
    def eval(cls, a):
        return (sp.sign(a) + 1) / 2 if a.is_Number else None


class Sign(RealFunction):
    """``sign(a)``: -1, 0 or 1."""

    nargs = 1
    _tex = _named(r"\operatorname{sign}")

    @classmethod
    def eval(cls, a):
        return sp.sign(a) if a.is_Number else None


class RealAbs(RealFunction):
    """``|a|``, with derivative ``sign(a) a'``."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Sign(self.args[0])

    @staticmethod
    def _tex(a):
        return rf"\left|{{{a}}}\right|"


class RealMax(RealFunction):
    """``max(a, b)``, with derivative ``Step(a - b) a' + Step(b - a) b'``."""

    nargs = 2
    _tex = _named(r"\max")

    def fdiff(self, argindex=1):
        a, b = self.args
        return Step(a - b) if argindex == 1 else Step(b - a)


class RealMin(RealFunction):
    """``min(a, b)``, with derivative ``Step(b - a) a' + Step(a - b) b'``."""

    nargs = 2
    _tex = _named(r"\min")

    def fdiff(self, argindex=1):
        a, b = self.args
        return Step(b - a) if argindex == 1 else Step(a - b)
