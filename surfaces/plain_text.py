"""Values a visitor sends as text (a shared link, a typed box): one reader for all of them.

Every key of a link, every field of a ``run``, and a plotting box given as text
are read here, so that no two values can follow different rules. The policy
(documented in docs/links.md):

* **Blanks around a value are ignored**: spaces of any kind (Unicode's
  White_Space: space, tab, line breaks, U+00A0 no-break space, U+3000
  ideographic space, ...) and the invisible characters that chat apps and
  editors slip into copied links (:data:`INVISIBLE`: zero-width spaces and
  joiners, U+FEFF byte-order mark, U+00AD soft hyphen, direction marks).
* **A number is plain ASCII**: an optional sign, digits ``0-9`` with at most
  one point, an optional exponent (``1e-3``), and finite. Anything else is
  refused, not guessed at: digits of other scripts (``١٢``, fullwidth ``５``),
  a minus sign ``−`` copied from a PDF, a control character such as U+001F, a
  space inside the number, ``nan``, ``inf``, ``1_000``. The same rule as for
  a typed formula (docs/formulas.md), so a link and a formula agree.
* **A word is one of its choices exactly** (after blanks are trimmed); the
  switch words ``true/on/1/yes`` and ``false/off/0/no`` in any ASCII case.

Values that come as Python or JSON values rather than text (a chart's click, a reported
size, a :class:`~optimizers.schedules.Schedule`'s fields) are checked here too:
:func:`finite` and :func:`integer`; and :func:`short` is how every message quotes a
refused value.

Nothing here raises for any ``str``. A value that cannot be read comes back as
a :class:`Read` whose ``value`` is None and whose ``why`` names the character
at fault visibly (``U+001F is a control character``, ``type '1', not U+0661
ARABIC-INDIC DIGIT ONE``), never the raw character, so that a message can
show it to a student.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from surfaces.formula_text import NUMBER

# Unicode's White_Space property (Unicode 15), every character of it.
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Invisible characters that copying adds: zero-width space, non-joiner and joiner, word
# joiner, byte-order mark (zero-width no-break space), soft hyphen, left-to-right and
# right-to-left marks, Mongolian vowel separator. Not the bidi overrides (U+202A-U+202E,
# U+2066-U+2069): those reorder what is shown, so a value holding one is refused.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\xad\u200e\u200f\u180e")
BLANKS = "".join(sorted(WHITE_SPACE | INVISIBLE))

TRUE_WORDS = ("true", "on", "1", "yes")
FALSE_WORDS = ("false", "off", "0", "no")

_SIGNED_NUMBER = re.compile(rf"[+-]?(?:{NUMBER.pattern})")
# Look-alikes of a sign a number may carry, copied from typeset text.
_DASHES = {"\u2212": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-", "\ufe63": "-",
           "\uff0d": "-"}
_UNNAMED = {"Cc": "a control character", "Cs": "half of a surrogate pair",
            "Co": "a private-use character", "Cn": "an unassigned character"}


@dataclass(frozen=True)
class Read:
    """What a value read as.

    Attributes:
        value: the number, whole number, word or switch; None when the text
            could not be read.
        why: when a character is to blame, it in a few words with the character
            named as ``U+XXXX`` (never raw), e.g. ``"U+001F is a control
            character"``; empty otherwise (the caller says what is expected).
    """

    value: Any = None
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def hint(self) -> str:
        """``why`` in parentheses after a space, or nothing: for a message."""
        return f" ({self.why})" if self.why else ""


def trim(text: str) -> str:
    """``text`` without the blanks (:data:`BLANKS`) around it."""
    return text.strip(BLANKS)


def describe(ch: str) -> str:
    """A character named visibly: ``U+0661 ARABIC-INDIC DIGIT ONE``, ``U+001F`` (a
    control character has no name)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def plain_form(ch: str) -> str | None:
    """The plain ASCII character a visitor meant by ``ch``, or None.

    A digit of any script gives its value (``'١'`` and ``'５'`` give ``'1'`` and
    ``'5'``), a dash or minus sign ``'-'``, a fullwidth or other compatibility form
    its plain letter or sign (``'ｅ'``, ``'．'``). Superscripts and fractions give
    None: ``'²'`` is not a ``'2'`` that was meant.
    """
    if ch in _DASHES:
        return _DASHES[ch]
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if unicodedata.category(ch) == "No":
        return None
    plain = unicodedata.normalize("NFKC", ch)
    return plain if len(plain) == 1 and plain.isascii() and plain.isprintable() \
        and not plain.isspace() else None


def fault(text: str) -> str:
    """Why ``text`` (already trimmed) holds a character no value may hold, or ``""``.

    The first such character, named visibly: a blank inside, a control character,
    a look-alike of a plain character (with the one to type), anything else not
    printable ASCII. Printable ASCII (``fast``, ``1_000``) has no fault here: the
    caller says what it expects instead.
    """
    for ch in text:
        if ch in BLANKS:
            return f"{describe(ch)} inside the value" if ch != " " else "a space inside the value"
        if ch.isascii() and ch.isprintable():
            continue
        category = unicodedata.category(ch)
        if category in _UNNAMED and not unicodedata.name(ch, ""):
            return f"{describe(ch)} is {_UNNAMED[category]}"
        plain = plain_form(ch)
        if plain is not None:
            return f"type {plain!r}, not {describe(ch)}"
        return f"{describe(ch)} is not plain text"
    return ""


def short(value: object) -> str:
    """``repr`` of a value for a message, cut at 40 characters (a value a visitor sent
    may be a whole number of 400 digits)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def finite(value: object) -> float | None:
    """A number a browser sent as JSON (a chart's click, a reported size) or a caller
    passed, as a finite float, or None: not a bool, not text, not NaN or infinite, and not
    an integer too large for a float (JSON may carry ``1`` followed by 400 zeros). Never
    raises."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def integer(value: object, low: float = -math.inf, high: float = math.inf) -> int | None:
    """``value`` if it is an ``int`` (not a bool, not a float, not text) from ``low`` to
    ``high``, or None. Never raises."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if low <= value <= high else None


def number(text: str) -> Read:
    """A finite float from plain text (see the module's policy), or why not."""
    core = trim(text)
    if _SIGNED_NUMBER.fullmatch(core):
        value = float(core)
        if math.isfinite(value):
            return Read(value)
        return Read(why="too large")
    return Read(why=fault(core))


def whole(text: str) -> Read:
    """A whole number (``300``, also ``3e2`` or ``300.0``), or why not."""
    read = number(text)
    if not read.ok:
        return read
    if not read.value.is_integer():
        return Read(why="not a whole number")
    return Read(int(read.value))


def numbers(text: str, count: int) -> Read:
    """``count`` numbers separated by commas (``-8,1.5``) as a tuple of floats, or why not."""
    parts = text.split(",")
    if len(parts) != count:
        return Read(why=fault(trim(text)))
    reads = [number(part) for part in parts]
    for read in reads:
        if not read.ok:
            return read
    return Read(tuple(read.value for read in reads))


def word(text: str, choices: Iterable[str]) -> Read:
    """``text`` if it is one of ``choices`` (blanks around it trimmed), or why not."""
    core = trim(text)
    if core in tuple(choices):
        return Read(core)
    return Read(why=fault(core))


def switch(text: str) -> Read:
    """True or False from a switch word (``true/on/1/yes``, ``false/off/0/no``, any ASCII
    case), or why not."""
    core = trim(text)
    lowered = core.lower() if core.isascii() else core
    if lowered in TRUE_WORDS:
        return Read(True)
    if lowered in FALSE_WORDS:
        return Read(False)
    return Read(why=fault(core))
