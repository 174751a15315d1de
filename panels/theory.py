"""The theory panel: what a quadratic bowl's eigenvalues predict, beside what each run measured.

Offered on every surface whose Hessian is the same everywhere and positive
definite (:func:`analysis.theory.theory_for`): the ravine
``f = (x'^2 / kappa + y'^2) / 2`` (eigenvalues ``1 / kappa`` and 1), the
penguins' mean squared error (``2/n X^T X``: raw flipper lengths give 0.0078
and 10.1, so SGD is stable below ``2 / 10.1 = 0.198``), Booth's function and a
typed formula of degree 2. From the eigenvalues ``lam_min <= lam_max``,
:mod:`analysis.theory` gives SGD's stable and best learning rates and rate,
and Polyak's heavy-ball ``lr`` and ``mu`` with theirs. The rate ``rho`` is
the factor by which the distance to the minimum shrinks per step, measured
against the minimum's loss (the quadratic's own, for a typed formula).

"Set to optimal" *adds* two runs, SGD at its best ``lr`` and Momentum at
Polyak's ``lr`` and ``mu`` (the scene's own runs stay, so the lecture's settings
race the optimal ones); a run already in the scene is not added twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from analysis.theory import QuadraticTheory, measured_rate, predicted_rate, theory_for
from panels.page import PageState, Panel
from plotting.colors import Theme, run_color, theme_named
from scenes import MAX_RUNS, RunSpec, Scene
from scenes.compute import Trajectory
from surfaces import FormulaSurface, Surface

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

ADAPTIVE = ("adagrad", "rmsprop", "adam")


@dataclass(frozen=True)
class RateRow:
    """One run's predicted and measured rate (None: no closed form / too few steps)."""

    index: int
    label: str
    predicted: float | None
    measured: float | None
    note: str


def optimal_runs(theory: QuadraticTheory) -> tuple[RunSpec, RunSpec]:
    """SGD at ``2 / (lam_min + lam_max)`` and Momentum at Polyak's ``lr`` and ``mu``."""
    return (RunSpec.make("sgd", lr=theory.sgd_best_lr),
            RunSpec.make("momentum", lr=theory.momentum_best_lr, mu=theory.momentum_best_mu))


def runs_to_add(scene: Scene, theory: QuadraticTheory) -> list[RunSpec]:
    """The optimal runs not yet in the scene (switched on), as many as fit in it."""
    missing = [run for run in optimal_runs(theory) if run not in scene.runs]
    return missing[:max(0, MAX_RUNS - len(scene.runs))]


def steps_per_tenfold(rate: float) -> float:
    """Steps for the distance to the minimum to shrink tenfold at ``rate`` per step
    (0 at rate 0: the minimum in one step; infinite at rate 1 or more)."""
    if rate <= 0:
        return 0.0
    return math.log(10) / -math.log(rate) if rate < 1 else math.inf


def tenfold_text(rate: float) -> str:
    """``"57.6 steps per tenfold"``, ``"1,968 steps per tenfold"``, or ``"the minimum in one
    step"`` at rate 0."""
    if rate <= 0:
        return "the minimum in one step"
    steps = steps_per_tenfold(rate)
    return f"{steps:,.0f} steps per tenfold" if steps >= 100 else \
        f"{steps:.3g} steps per tenfold"


def rate_rows(theory: QuadraticTheory, runs: list[tuple[int, RunSpec, Trajectory]],
              min_value: float) -> list[RateRow]:
    """Each run's rate as the theory predicts it and as its loss curve measured it."""
    rows = []
    for i, run, path in runs:
        predicted = predicted_rate(theory, run.optimizer, run.values)
        measured = measured_rate(path.losses, min_value)
        if run.optimizer in ADAPTIVE:
            note = "no closed form: the step is rescaled per axis by the gradient history"
        elif predicted >= 1:
            note = "the theory says it does not converge" if path.diverged_at is None \
                else f"diverges, as predicted (step {path.diverged_at})"
        elif measured is None:
            note = "too few steps above rounding to measure"
        else:
            note = f"{tenfold_text(predicted)} (theory)"
        rows.append(RateRow(i, run.label, predicted, measured, note))
    return rows


def _rate(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.4f}"


def origin(surface: Surface) -> str:
    """Why the surface is quadratic, in a sentence for a student."""
    if surface.name == "ravine":
        return ("The ravine is quadratic: f = ½(x′²/κ + y′²) in its own turned axes x′ "
                "and y′, so its curvature is the same everywhere.")
    if surface.dataset is not None:
        return ("The mean squared error of a line is quadratic in w and b: its Hessian, "
                "2/n times the sum over the rows of (x², x; x, 1), depends on the data "
                "only, not on where (w, b) is.")
    if isinstance(surface, FormulaSurface):
        return ("The formula is a polynomial of degree 2 in x and y: its Hessian, SymPy's "
                "second derivatives, is the same everywhere.")
    return "This surface is quadratic: its Hessian is the same everywhere."


def hessian_latex(theory: QuadraticTheory, axes: tuple[str, str], ravine: bool) -> str:
    """``H = (matrix)`` in the surface's coordinates and its two eigenvalues, as LaTeX."""
    (a, b), (_, d) = theory.hessian

    def n(v: float) -> str:  # rounding noise of a turned ravine's zeros is shown as 0
        return number_tex(0.0 if abs(v) < 1e-12 * theory.lam_max else v, 4)

    over_kappa = r"1/\kappa = " if ravine else ""
    low = rf"\lambda_{{\min}} = {over_kappa}{n(theory.lam_min)}"
    return (rf"H = \begin{{pmatrix}} {n(a)} & {n(b)} \\ {n(b)} & {n(d)} \end{{pmatrix}}"
            rf"\ \text{{in }} ({axes[0]}, {axes[1]}),\quad {low},\quad "
            rf"\lambda_{{\max}} = {n(theory.lam_max)}")


def number_tex(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant figures for LaTeX: ``0.198``, ``7.804 \\times
    10^{-3}``."""
    text = f"{value:.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    if exponent:
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def render(page: PageState) -> None:
    theory = theory_for(page.surface)
    if theory is None:
        st.info("This theory is for a quadratic bowl, whose curvature is the same "
                "everywhere: the ravine, the penguins' loss, Booth's function, or a typed "
                "formula of degree 2 such as x**2 + 10*y**2. Pick one to see its best "
                "learning rates.", icon=":material/functions:")
        return
    k = theory.kappa
    ravine = page.surface.name == "ravine"
    st.caption(origin(page.surface) + " Its two eigenvalues, the curvatures along the "
               "steepest and the shallowest direction, give every number below. A rate ρ "
               "is the factor by which the distance to the minimum shrinks per step (the "
               "loss above the minimum by ρ²).")
    st.latex(hessian_latex(theory, page.surface.axes, ravine))
    left, right = st.columns(2)
    with left:
        st.markdown("**SGD**")
        st.latex(rf"\kappa = \frac{{\lambda_{{\max}}}}{{\lambda_{{\min}}}} = {k:.4g}")
        st.latex(rf"\text{{stable for }} \mathrm{{lr}} < \frac{{2}}{{\lambda_{{\max}}}} "
                 rf"= {theory.sgd_max_lr:.3g}")
        st.latex(rf"\mathrm{{lr}}^* = \frac{{2}}{{\lambda_{{\min}} + \lambda_{{\max}}}} "
                 rf"= {theory.sgd_best_lr:.4g}")
        st.latex(rf"\rho = \frac{{\kappa - 1}}{{\kappa + 1}} = {theory.sgd_best_rate:.4f}")
    with right:
        st.markdown("**Momentum (heavy ball, Polyak)**")
        st.latex(rf"\text{{stable for }} \mathrm{{lr}} < \frac{{2(1 + \mu)}}"
                 rf"{{\lambda_{{\max}}}} = {theory.max_stable_lr('momentum', 0.9):.3g}"
                 r"\text{ at } \mu = 0.9")
        st.latex(rf"\mathrm{{lr}}^* = \frac{{4}}{{(\sqrt{{\lambda_{{\max}}}} + "
                 rf"\sqrt{{\lambda_{{\min}}}})^2}} = {theory.momentum_best_lr:.4g}")
        st.latex(rf"\mu^* = \left(\frac{{\sqrt{{\kappa}} - 1}}{{\sqrt{{\kappa}} + 1}}\right)^2 "
                 rf"= {theory.momentum_best_mu:.4g}")
        st.latex(rf"\rho = \frac{{\sqrt{{\kappa}} - 1}}{{\sqrt{{\kappa}} + 1}} "
                 rf"= {theory.momentum_best_rate:.4f}")
        st.caption(f"Heavy ball: {tenfold_text(theory.momentum_best_rate)}; "
                   f"SGD: {tenfold_text(theory.sgd_best_rate)}.")

    adding = runs_to_add(page.scene, theory)
    missing = [run for run in optimal_runs(theory) if run not in page.scene.runs]
    st.button("Set to optimal (adds SGD and Momentum runs)", key="theory_optimal",
              on_click=_add_runs, args=(page.add_run, adding), disabled=not adding,
              help="adds the two runs to the comparison; the scene's own runs stay"
              if adding else ("both are in the comparison already" if not missing
                              else f"at most {MAX_RUNS} runs: remove one first"))

    rows = rate_rows(theory, page.runs, theory.min_value)
    if rows:
        st.markdown("**Each run: the rate the theory predicts, and the rate its loss curve "
                    "shows** (fitted over the second half of the curve above rounding)")
        st.table(_styled(rows, page.scene.colors(), theme_named(page.screen.theme)))
    notes = page.scene.dynamics.describe()
    if notes:
        st.caption("The theory is for exact gradients and a constant lr; this scene has "
                   + " and ".join(n.split(":")[0].lower() for n in notes)
                   + ", so the measured rates may differ from it.")


def _add_runs(add_run: Callable[[RunSpec], None], runs: list[RunSpec]) -> None:
    for run in runs:
        add_run(run)


def _styled(rows: list[RateRow], colors: list[int], theme: Theme) -> Styler:
    """The rows as a table, each run's name beside a bar in its colour (``colors``: the
    scene's, ``Scene.colors()``, as ``theme`` draws them). pandas is imported here, when
    the panel is open: it holds about 80 MB of a server's memory, which a page that
    never opens this panel does without."""
    import pandas as pd

    frame = pd.DataFrame({
        "run": [row.label for row in rows],
        "predicted ρ": [_rate(row.predicted, "no closed form") for row in rows],
        "measured ρ": [_rate(row.measured, "—") for row in rows],
        "note": [row.note for row in rows],
    })
    colours = np.array([theme.color(run_color(colors[row.index])) for row in rows])
    # A bar in the run's colour beside its name: coloured text would not read on white.
    return frame.style.hide(axis="index").apply(
        lambda column: [f"border-left: 10px solid {c}" for c in colours], subset=["run"])


def applies(surface: Surface) -> bool:
    """The panel speaks of quadratic bowls only."""
    return theory_for(surface) is not None


PANEL = Panel(key="theory", title="Theory (quadratic)", render=render, applies=applies)
