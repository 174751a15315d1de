"""Figures for the lecture page: pure functions from a surface and runs to Plotly figures.

>>> from surfaces import SURFACES
>>> from optimizers import simulate
>>> from plotting import run_traces, scene_figure
>>> runs = [simulate(SURFACES["ravine"], "sgd", steps=50, lr=0.5)]
>>> fig = scene_figure(SURFACES["ravine"], run_traces(runs))
>>> fig.layout.images[0].source[:14]  # the filled contour, drawn under the paths
'data:image/png'
>>> names = [trace.name for trace in fig.data]
>>> "minimum" in names, "SGD (lr = 0.5)" in names  # the minimum's marker, the run's legend
(True, True)

No ``st.*`` here: the page lays out widgets and shows what these return.
"""

from plotting.colors import PALETTE, run_color
from plotting.figure import scene_figure, scene_spec
from plotting.runs import RunTrace, run_traces

__all__ = ["PALETTE", "RunTrace", "run_color", "run_traces", "scene_figure", "scene_spec"]
