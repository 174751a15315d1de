"""The NumPy code of an update rule as the page shows it: Python, coloured on the server.

Streamlit's own code block (``st.code``) colours code in the browser with a highlighter
of every language it knows: a 1.5 MB script, fetched and parsed on every visit (about a
quarter of a second of a laptop's main thread, more on a phone) for the few lines of one
rule. Here Pygments' Python lexer splits the code into tokens on the server; keywords,
function names, numbers, strings, comments and builtins become ``<span>``\\ s of a class
(``CLASSES``), coloured by :data:`CODE_CSS` for the page's light or dark theme; every other
token is plain text. The block's text is the code exactly, escaped.
"""

from __future__ import annotations

import functools
import html

from pygments.lexers import PythonLexer
from pygments.token import Comment, Keyword, Name, Number, String, _TokenType

# The token kinds that are coloured, and the class of each (checked in order: a keyword
# constant such as True is a keyword).
CLASSES: tuple[tuple[_TokenType, str], ...] = (
    (Comment, "c"), (String, "s"), (Number, "m"), (Keyword, "k"),
    (Name.Function, "f"), (Name.Builtin, "b"),
)

# GitHub's colours for code, light and dark.
PALETTES = {
    "light": {"k": "#cf222e", "f": "#8250df", "m": "#0550ae", "s": "#0a3069",
              "c": "#6e7781", "b": "#953800"},
    "dark": {"k": "#ff7b72", "f": "#d2a8ff", "m": "#79c0ff", "s": "#a5d6ff",
             "c": "#8b949e", "b": "#ffa657"},
}

# The block's box and type, and its captions'; presenter mode's stylesheet enlarges
# ``.rule-code code``.
CODE_CSS = """
.rule-caption { font-size: 0.875rem; opacity: 0.6; margin: 0.4rem 0; }
.rule-caption code { font-size: 0.8rem; }
.rule-code { background: rgba(128, 128, 128, 0.1); border-radius: 0.5rem;
             padding: 0.75rem 1rem; margin: 0; overflow-x: auto; }
.rule-code code { font-family: "Source Code Pro", monospace; font-size: 0.875rem;
                  line-height: 1.6; white-space: pre; background: none; color: inherit;
                  padding: 0; }
"""


def token_class(kind: _TokenType) -> str | None:
    """The class of a token of ``kind`` (``"k"`` for a keyword, ...), or None: plain."""
    for parent, name in CLASSES:
        if kind in parent:
            return name
    return None


def highlighted(source: str) -> str:
    """``source`` as HTML: each coloured token a ``<span class=...>``, all text escaped."""
    parts = []
    for kind, text in PythonLexer(stripnl=False, ensurenl=False).get_tokens(source):
        name, escaped = token_class(kind), html.escape(text)
        parts.append(f'<span class="{name}">{escaped}</span>' if name else escaped)
    return "".join(parts)


@functools.lru_cache(maxsize=32)  # six rules, two themes: lexed once, not on every run
def code_block(source: str, theme: str | None, above: str = "", equals: str = "") -> str:
    """The whole block for ``st.html``: its style for ``theme`` (``"dark"``, else light)
    and ``<pre class="rule-code"><code>`` holding :func:`highlighted` ``source``; over it
    the caption ``above``, under it "Equals ``equals`` for a constant lr." (each left out
    when empty; in the type of Streamlit's captions, the page's own colour, lighter)."""
    palette = PALETTES["dark" if theme == "dark" else "light"]
    colours = " ".join(f".rule-code .{k} {{ color: {c}; }}" for k, c in palette.items())
    head = f'<p class="rule-caption">{html.escape(above)}</p>' if above else ""
    tail = (f'<p class="rule-caption">Equals <code>{html.escape(equals)}</code> for a constant'
            " lr.</p>" if equals else "")
    return (f"<style>{CODE_CSS}{colours}</style>{head}"
            f'<pre class="rule-code"><code>{highlighted(source)}</code></pre>{tail}')
