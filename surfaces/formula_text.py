"""Check the raw text of a typed formula before Python's parser sees it.

:func:`check_text` scans the text once: its length, every character (plain
ASCII letters, digits, spaces and ``+ - * / ( ) , .`` only), the nesting of
parentheses, Python keywords, and two numbers or names side by side (the
usual slip: ``2x`` for ``2*x``). This runs before ``ast.parse``, which could
itself recurse deeply or take long on hostile text, and gives messages a
visitor understands ("use ** for powers, not ^").
"""

from __future__ import annotations

import keyword
import re
import unicodedata

from surfaces.formula_grammar import FUNCTIONS, MAX_CHARS, MAX_LENGTH, MAX_PARENS, FormulaError

NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TOKEN = re.compile(
    r"(?P<space>[ \t]+)"
    rf"|(?P<number>{NUMBER.pattern})"
    r"|(?P<name>[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<op>\*\*|[-+*/(),])"
)
_LEADING_ZERO = re.compile(r"0[0-9]+")  # Python refuses 07 (a relic of octal)
_VALUE_TOKENS = ("number", "name", ")")  # a token that ends an operand


def limit_text(value: float) -> str:
    """A limit as the visitor would type it: 1e6, not 1e+06."""
    return f"{value:g}".replace("e+0", "e").replace("e+", "e")


# Characters that formulas copied from slides and PDFs bring along.
_TYPOGRAPHY = {"π": "pi", "×": "*", "·": "*", "⋅": "*", "−": "-", "–": "-", "÷": "/",
               "²": "**2", "³": "**3"}


def _char_problem(ch: str) -> str:
    """Why ``ch`` may not appear in a formula, with a hint."""
    if ch in _TYPOGRAPHY:
        return f"character {ch!r} is not allowed: type {_TYPOGRAPHY[ch]}"
    if ch == "^":
        return "use ** for powers, not ^"
    if ch == "=":
        return "type only the right-hand side, without '=' (for example x**2 + y**2)"
    if ch in "[]{}":
        return f"use round brackets ( ) only, not {ch!r}"
    if ch == ".":
        return "a '.' must be part of a number, such as 0.5"
    if ch.isascii() and ch.isprintable():
        return f"character {ch!r} is not allowed in a formula"
    if not ch.isprintable() and unicodedata.category(ch) == "Cc":
        return f"control character U+{ord(ch):04X} is not allowed: type the formula on one line"
    name = unicodedata.name(ch, "unnamed")
    plain = unicodedata.normalize("NFKC", ch)
    hint = (
        f": type plain {plain!r}" if plain.isascii() and plain.isprintable() and plain.strip()
        else ": type the formula in plain ASCII"
    )
    return f"character U+{ord(ch):04X} ({name}) is not allowed{hint}"


def check_text(text: str) -> tuple[str, int]:
    """Check the raw text; return it stripped, and how many characters were stripped in front."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is too long: at most {MAX_LENGTH} characters")
    stripped = text.strip(" \t\r\n")
    lead = len(text) - len(text.lstrip(" \t\r\n"))
    if not stripped:
        raise FormulaError("type a formula in x and y, for example x**2 + y**2")
    if sum(not c.isspace() for c in stripped) > MAX_CHARS:
        raise FormulaError(
            f"the formula is too long: at most {MAX_CHARS} characters besides spaces"
        )

    previous: tuple[str, str, int] | None = None  # the last token: (kind, text, column)
    pos, opened = 0, []  # columns of the parentheses still open
    while pos < len(stripped):
        column = lead + pos + 1
        match = _TOKEN.match(stripped, pos)
        if match is None:
            raise FormulaError(_char_problem(stripped[pos]), column)
        kind, token = match.lastgroup, match.group()
        pos = match.end()
        if kind == "space":
            continue
        if kind == "name" and keyword.iskeyword(token):
            raise FormulaError(f"the word {token!r} is not allowed in a formula", column)
        if kind == "number" and _LEADING_ZERO.fullmatch(token):
            raise FormulaError(f"write {token.lstrip('0') or '0'}, not {token}", column)
        if kind == "op":
            kind = token if token in "()" else "op"
        if token == "(":
            opened.append(column)
            if len(opened) > MAX_PARENS:
                raise FormulaError(f"too many nested parentheses: at most {MAX_PARENS}", column)
        elif token == ")":
            if not opened:
                raise FormulaError("this ')' closes nothing", column)
            opened.pop()
        if previous is not None:
            _check_neighbours(previous, (kind, token, column))
        previous = (kind, token, column)
    if opened:
        raise FormulaError("this '(' is never closed", opened[-1])
    return stripped, lead


def _check_neighbours(before: tuple[str, str, int], after: tuple[str, str, int]) -> None:
    """Refuse two operands side by side, the usual slip being ``2x`` for ``2*x``."""
    kind, token, column = before
    next_kind, next_token, next_column = after
    touching = next_column == column + len(token)
    if kind == "number" and next_kind == "name" and touching and next_token in ("j", "J"):
        raise FormulaError("imaginary numbers such as 1j are not allowed", column)
    if kind == "number" and token == "0" and next_kind == "name" and touching \
            and next_token[0] in "xXoObB" and len(next_token) > 1:
        raise FormulaError("write numbers in decimal (no 0x, 0o or 0b)", column)
    if kind == "number" and next_kind == "number" and next_token[0] == "." and touching:
        raise FormulaError("a number has more than one decimal point", column)
    if kind == "name" and token in FUNCTIONS and next_token != "(":
        raise FormulaError(f"{token} is a function: write {token}(...)", column)
    if kind in _VALUE_TOKENS and next_kind in ("number", "name", "("):
        if kind == "name" and next_kind == "(":
            return  # a call such as sin(x); the tree says whether it is allowed
        hint = f": write {token}*{next_token}" if kind != ")" and next_kind != "(" else ""
        raise FormulaError(f"missing * between {token!r} and {next_token!r}{hint}", next_column)
