r"""A formula's LaTeX laid out for a narrow screen.

KaTeX draws a display formula on one line and never breaks it, so a surface's
definition with its side conditions (``f(x, y) = ...,\quad \binom{u}{w} = ...,\ \kappa = 50``)
runs past a phone's width. :func:`stacked_latex` puts each of its parts on a line of
its own (a ``gathered`` environment, centred), splitting only at the top level: at a
comma followed by ``\quad`` or ``\ `` outside every brace and ``\left ... \right``
pair. A line still too wide for the screen scrolls inside its own box (the page's
style, ``controls/race_chart/frontend/viewport.css``).
"""

from __future__ import annotations

import re

# A part's end: a comma, then a wide space (\quad, \qquad) or a thin one ("\ ").
_BREAK = re.compile(r",\s*(?:\\q?quad\b|\\ )\s*")


def stacked_latex(latex: str) -> str:
    r"""``latex`` with its top-level parts (see the module) one under another;
    unchanged when it has one part.

    >>> stacked_latex(r"f = \left(a,\quad b\right),\quad k = 50")
    '\\begin{gathered}f = \\left(a,\\quad b\\right),\\\\ k = 50\\end{gathered}'
    >>> stacked_latex("f(x, y) = x^2 - y^2")
    'f(x, y) = x^2 - y^2'
    """
    parts, start, depth, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i) and not latex[i + 5:i + 6].isalpha():
            depth += 1
        elif latex.startswith(r"\right", i) and not latex[i + 6:i + 7].isalpha():
            depth -= 1
        elif latex[i] == "\\":
            i += 2  # an escaped character (\{, \,) or a command's first letter
            continue
        elif latex[i] == "{":
            depth += 1
        elif latex[i] == "}":
            depth -= 1
        elif depth == 0 and (match := _BREAK.match(latex, i)):
            parts.append(latex[start:i + 1])
            start = i = match.end()
            continue
        i += 1
    if not parts:
        return latex
    return r"\begin{gathered}" + r"\\ ".join([*parts, latex[start:]]) + r"\end{gathered}"
