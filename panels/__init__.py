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
from plotting.layout import DEFAULT_SCREEN, Screen
from plotting.runs import scene_traces
from scenes import RunSpec, Scene
from scenes.compute import Trajectory, build_surface, run_scene
from surfaces import Surface


@dataclass(frozen=True, eq=False)
class PageState:
    """What the page computed for the current scene, handed to every panel.

    ``runs`` holds ``(index, run, trajectory)`` for every run switched on
    (``index``: its place in ``scene.runs``); ``traces`` the same runs as drawn,
    each in its colour. ``add_run`` adds a run to the comparison (for panels that
    propose one). ``view`` is the race chart's view (``"overlay"`` or
    ``"multiples"``), ``screen`` the race chart's room in the browser, and
    ``presenter`` whether the page is in presenter mode (large fonts, thick lines).
    """

    scene: Scene
    surface: Surface
    runs: list[tuple[int, RunSpec, Trajectory]]
    traces: list[RunTrace]
    add_run: Callable[[RunSpec], None]
    view: str = "overlay"
    presenter: bool = False
    screen: Screen = DEFAULT_SCREEN

    @classmethod
    def of(cls, scene: Scene) -> PageState:
        """The state of a page showing ``scene``, computed here, uncached (for tests,
        benchmarks and scripts); ``add_run`` does nothing."""
        surface = build_surface(scene.surface_key)
        runs = run_scene(scene, surface)
        traces = scene_traces(scene, {i: path for i, _, path in runs})
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
