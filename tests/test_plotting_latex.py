"""A surface's LaTeX on a phone: each top-level part on a line of its own."""

from __future__ import annotations

import re

import pytest

from plotting.latex import stacked_latex
from scenes import DEFAULT_SCENE, PRESETS
from scenes.compute import build_surface
from surfaces import from_expression

LATEX = sorted({build_surface(scene.surface_key).latex
                for scene in [DEFAULT_SCENE, *(p.scene for p in PRESETS)]})


def lines(stacked: str) -> list[str]:
    body = stacked.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}")
    return body.split(r"\\ ")


@pytest.mark.parametrize("latex", LATEX)
def test_every_surfaces_parts_are_its_lines_and_nothing_is_lost(latex):
    stacked = stacked_latex(latex)
    parts = re.split(r",\s*(?:\\quad|\\ )\s*", latex)
    if len(parts) == 1:
        assert stacked == latex
        return
    assert stacked.startswith(r"\begin{gathered}") and stacked.endswith(r"\end{gathered}")
    assert lines(stacked) == [p + "," for p in parts[:-1]] + [parts[-1]]
    for line in lines(stacked):  # every line balanced: no brace or \left split apart
        assert line.count("{") - line.count(r"\{") == line.count("}") - line.count(r"\}")
        assert line.count(r"\left") == line.count(r"\right")


def test_the_ravine_and_the_penguins_are_split_where_a_phone_needs_it():
    assert len(lines(stacked_latex(build_surface(DEFAULT_SCENE.surface_key).latex))) == 3
    penguins = next(p.scene for p in PRESETS if p.key == "unscaled")
    assert len(lines(stacked_latex(build_surface(penguins.surface_key).latex))) == 3


@pytest.mark.parametrize("latex", [
    r"\left(a,\quad b\right)",  # inside \left ... \right
    r"\frac{a,\quad b}{c}",  # inside braces
    r"\leftarrow a,\quad",  # a command that starts like \left, a break at the end
    "",
])
def test_no_break_inside_a_group_and_odd_input_is_kept(latex):
    stacked = stacked_latex(latex)
    if latex == r"\leftarrow a,\quad":
        assert stacked == r"\begin{gathered}\leftarrow a,\\ \end{gathered}"
    else:
        assert stacked == latex


def test_a_typed_formulas_latex_is_kept_whole():
    surface = from_expression("x**2 + 10*y**2")
    assert stacked_latex(surface.latex) == surface.latex
