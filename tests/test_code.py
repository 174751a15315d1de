"""``controls.code``: an update rule's code, coloured on the server, reads as the code."""

from __future__ import annotations

import html
import re

import pytest

from controls.code import PALETTES, code_block, highlighted
from optimizers import OPTIMIZERS


def text_of(markup: str) -> str:
    """What a reader sees of ``markup``: its tags dropped, its escapes read."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def spans(markup: str) -> list[tuple[str, str]]:
    """``(class, text)`` of each coloured token."""
    return [(k, html.unescape(t)) for k, t in
            re.findall(r'<span class="(\w)">([^<]*)</span>', markup)]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_rules_code_reads_exactly_as_its_source(name):
    source = OPTIMIZERS[name].source
    assert text_of(highlighted(source)) == source


def test_keywords_names_numbers_and_comments_get_their_colours_and_the_rest_is_plain():
    marked = spans(highlighted("def update(x, dx):\n    x += -lr * 0.5 * dx  # the step\n"
                               "    return abs(x) if True else None\n"))
    assert marked == [("k", "def"), ("f", "update"), ("m", "0.5"), ("c", "# the step"),
                      ("k", "return"), ("b", "abs"), ("k", "if"), ("k", "True"),
                      ("k", "else"), ("k", "None")]


def test_markup_in_the_code_is_text_not_markup():
    source = 's = "<script>alert(1)</script>"  # <b>&amp;</b>\n'
    marked = highlighted(source)
    assert "<script>" not in marked and "<b>" not in marked
    assert text_of(marked) == source


@pytest.mark.parametrize("theme", ["light", "dark", None])
def test_the_block_carries_the_themes_colours(theme):
    block = code_block("x = 1\n", theme)
    palette = PALETTES["dark" if theme == "dark" else "light"]
    assert f".rule-code .k {{ color: {palette['k']}; }}" in block
    assert '<pre class="rule-code"><code>' in block and block.endswith("</code></pre>")
