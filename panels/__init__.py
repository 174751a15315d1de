"""Optional panels below the race chart: one module per panel, drawn on demand.

Each panel is a :class:`Panel` with a ``render(page)`` function that draws it
with ``st.*`` calls (layout only: it computes through the packages, cached).
The page draws only the panel the visitor picked, so a costly panel (a phase
map) costs nothing while closed. Register a panel by adding it to ``PANELS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plotting import RunTrace
from scenes import RunSpec, Scene
from scenes.compute import Trajectory, build_surface, run_scene, run_trace
from surfaces import Surface


@dataclass(frozen=True, eq=False)
class PageState:
    """What the page computed for the current scene, handed to every panel.

    ``runs`` holds ``(index, run, trajectory)`` for every run switched on
    (the index fixes the run's colour); ``traces`` the same runs as drawn.
    ``add_run`` adds a run to the comparison (for panels that propose one).
    ``view`` is the race chart's view (``"overlay"`` or ``"multiples"``) and
    ``presenter`` whether the page is in presenter mode (large fonts, thick lines).
    """

    scene: Scene
    surface: Surface
    runs: list[tuple[int, RunSpec, Trajectory]]
    traces: list[RunTrace]
    add_run: Callable[[RunSpec], None]
    view: str = "overlay"
    presenter: bool = False

    @classmethod
    def of(cls, scene: Scene) -> PageState:
        """The state of a page showing ``scene``, computed here, uncached (for tests,
        benchmarks and scripts); ``add_run`` does nothing."""
        surface = build_surface(scene.surface_key)
        runs = run_scene(scene, surface)
        traces = [run_trace(i, run, path, scene.dynamics) for i, run, path in runs]
        return cls(scene=scene, surface=surface, runs=runs, traces=traces,
                   add_run=lambda run: None)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    render: Callable[[PageState], None]


PANELS: dict[str, Panel] = {}

# The panels import Panel and PageState from here, so they are registered last.
from panels import export, inspector, phase_map, theory, view3d  # noqa: E402

PANELS.update({panel.key: panel for panel in (theory.PANEL, phase_map.PANEL, inspector.PANEL,
                                              view3d.PANEL, export.PANEL)})
