"""The one reader of values a visitor sends as text (surfaces.plain_text): its policy."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from surfaces import plain_text
from surfaces.plain_text import BLANKS, describe, number, numbers, switch, trim, whole, word

# Unicode's White_Space, derived independently: Python's str.isspace() is White_Space plus the
# four information separators U+001C-U+001F (which Unicode counts as control characters).
DERIVED_WHITE_SPACE = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()} \
    - set("\x1c\x1d\x1e\x1f")


def test_white_space_is_unicodes():
    assert plain_text.WHITE_SPACE == DERIVED_WHITE_SPACE


def test_the_invisible_blanks_are_invisible_format_characters():
    import unicodedata

    assert all(unicodedata.category(c) == "Cf" for c in plain_text.INVISIBLE)
    # never the bidi overrides and isolates, which reorder what is shown
    assert not set(plain_text.INVISIBLE) & set("\u202a\u202b\u202c\u202d\u202e"
                                                "\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize("text, value", [
    ("0", 0.0), ("-8", -8.0), ("+1.5", 1.5), (".5", 0.5), ("5.", 5.0), ("1e-3", 0.001),
    ("1E+2", 100.0), ("0.30000000000000004", 0.30000000000000004), ("1e308", 1e308),
    (" 40 ", 40.0), ("\ufeff40", 40.0), ("40\u200b", 40.0), ("\xa0\u3000-2\n\t", -2.0),
    ("\u2060\u200d7\u00ad", 7.0),
])
def test_numbers_it_reads(text, value):
    assert number(text).value == value and number(text).why == ""


@pytest.mark.parametrize("text, why", [
    ("", ""), ("   ", ""), ("fast", ""), ("nan", ""), ("-inf", ""), ("Infinity", ""),
    ("1_000", ""), ("0x10", ""), ("1,5", ""), ("--1", ""), ("1e999", "too large"),
    ("0\x1f", "U+001F is a control character"), ("\x1c1", "U+001C is a control character"),
    ("1\x00", "U+0000 is a control character"), ("1\x7f", "U+007F is a control character"),
    ("\u0661\u0662", "type '1', not U+0661 ARABIC-INDIC DIGIT ONE"),
    ("\uff15", "type '5', not U+FF15 FULLWIDTH DIGIT FIVE"),
    ("\U0001d7cf", "type '1', not U+1D7CF MATHEMATICAL BOLD DIGIT ONE"),
    ("\u22128", "type '-', not U+2212 MINUS SIGN"),
    ("1\uff0e5", "type '.', not U+FF0E FULLWIDTH FULL STOP"),
    ("1\xa02", "U+00A0 NO-BREAK SPACE inside the value"),
    ("1 2", "a space inside the value"),
    ("1\ufeff2", "U+FEFF ZERO WIDTH NO-BREAK SPACE inside the value"),
    ("10\xb2", "U+00B2 SUPERSCRIPT TWO is not plain text"),
    ("\xbd", "U+00BD VULGAR FRACTION ONE HALF is not plain text"),
    ("\u202e21", "U+202E RIGHT-TO-LEFT OVERRIDE is not plain text"),
    ("1\ud800", "U+D800 is half of a surrogate pair"),
    ("1\ue000", "U+E000 is a private-use character"),
])
def test_numbers_it_refuses_and_why(text, why):
    read = number(text)
    assert read.value is None and read.why == why
    assert read.hint == (f" ({why})" if why else "")


def test_whole_numbers_numbers_words_and_switches():
    assert whole("300").value == 300 and whole("3e2").value == 300 and whole("-5").value == -5
    assert whole("2.5").value is None and whole("2.5").why == "not a whole number"
    assert whole("5\x1c").why == "U+001C is a control character"
    assert numbers("-8, 1.5", 2).value == (-8.0, 1.5)
    assert numbers("1\x1d,2", 2).why == "U+001D is a control character"
    assert numbers("1\uff0c2", 2).why == "type ',', not U+FF0C FULLWIDTH COMMA"
    assert numbers("1,2,3", 2).value is None
    assert word("\ufeffsgd\xa0", ("sgd", "adam")).value == "sgd"
    assert word("sgd\x1f", ("sgd",)).why == "U+001F is a control character"
    assert word("SGD", ("sgd",)).value is None  # words are exact; switches fold ASCII case
    assert switch(" TRUE").value is True and switch("Off\u200b").value is False
    assert switch("\u0661").why == "type '1', not U+0661 ARABIC-INDIC DIGIT ONE"
    assert switch("\u0130").value is None  # 'İ'.lower() is two characters, not a word
    assert describe("\x1f") == "U+001F" and describe("\U0001d431").startswith("U+1D431 ")


# Any text at all: nothing raises, a value read is what Python reads from its trimmed ASCII
# form, and a reason never holds a character that does not print.
ANY = st.text(st.characters(exclude_categories=()), max_size=20)
NUMBERISH = st.lists(st.sampled_from(["1", "0", "-", "+", ".", "e", "5", " ", "\xa0", "\ufeff",
                                      "\x1f", "\u0661", "\uff15", "\u2212", "_", "nan", "inf"]),
                     max_size=6).map("".join)


@settings(max_examples=500)
@given(st.one_of(ANY, NUMBERISH))
@example("0\x1f")
@example("\x1c1")
@example("\u0661\u0662")
@example("\uff15")
@example("\ufeff5")
@example("5\u200b")
@example("\xa05\xa0")
@example("\ud800")
def test_any_text_reads_or_says_why_printably(text):
    for read in (number(text), whole(text), numbers(text, 2), word(text, ("a",)), switch(text)):
        assert read.why.isprintable()
    read = number(text)
    core = trim(text)
    if read.ok:
        assert core.isascii() and core.isprintable() and " " not in core and "_" not in core
        assert read.value == float(core) and math.isfinite(read.value)
    elif core.isascii() and core.isprintable() and "_" not in core and " " not in core:
        try:
            value = float(core)
        except ValueError:
            return
        assert not math.isfinite(value)  # Python reads only nan and inf that we refuse
    assert trim(text) == text.strip(BLANKS)


def test_a_number_a_browser_sends_is_finite_or_none():
    assert plain_text.finite(2) == 2.0 and type(plain_text.finite(2)) is float
    assert plain_text.finite(-1.5) == -1.5
    for refused in (10**400, -(10**400), math.nan, math.inf, True, "1", None, [1], {"x": 1}):
        assert plain_text.finite(refused) is None, refused


def test_a_whole_number_a_caller_passes_is_an_int_in_range_or_none():
    assert plain_text.integer(3) == 3 and plain_text.integer(0, 0) == 0
    assert plain_text.integer(10**400, 1) == 10**400  # no float in the way
    for refused, low, high in ((True, 0, 9), (3.0, 0, 9), ("3", 0, 9), (None, 0, 9),
                               (0, 1, 9), (10, 1, 9), (-1, 0, 9)):
        assert plain_text.integer(refused, low, high) is None, (refused, low, high)


def test_a_refused_value_is_quoted_in_at_most_forty_characters():
    assert plain_text.short("lr") == "'lr'" and plain_text.short(1.5) == "1.5"
    quoted = plain_text.short(10**400)
    assert len(quoted) == 40 and quoted == "1" + "0" * 36 + "..."
