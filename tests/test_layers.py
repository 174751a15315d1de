"""The app's packages in layers whose imports point one way, and nothing done at import.

From the bottom: ``surfaces`` and ``optimizers``; ``scenes``, ``analysis`` and ``rooms``;
``plotting``; ``controls``; ``panels``; ``app.py``. A module may import its own
layer and the layers below it, never one above, and no module of the app imports
the tools: ``deploy``, ``harness``, ``bench`` and ``tests``, in that order, each of which
imports the app and the tools before it, never one after it. Every import counts,
read from the source with ``ast``: at the top of a module, inside a function, under
``if TYPE_CHECKING``, and ``importlib.import_module("...")`` with a literal name.

Also here: no cycle of imports between modules, not even one a late import dodges; no
process-wide setting changed by importing any module of the app; and every figure made
by one builder, :func:`plotting.build.build_figure`.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"surfaces": 0, "optimizers": 0, "scenes": 1, "analysis": 1, "rooms": 1, "plotting": 2,
          "controls": 3, "panels": 4, "app": 5}
TOOLS = ("deploy", "harness", "bench", "tests")  # in order: each imports those before it
PACKAGES = [name for name in LAYERS if name != "app"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def parsed(path: Path) -> ast.Module:
    """The module's syntax tree, parsed once per test run (the files do not change)."""
    return ast.parse(path.read_text(), str(path))


@functools.cache
def app_modules() -> dict[str, Path]:
    """Every module of the app by its dotted name, ``app`` for app.py."""
    found = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    found["app"] = ROOT / "app.py"
    return found


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the dotted name imported
    line: int


def imports_of(name: str, path: Path) -> list[Import]:
    """Every import in the module's source, wherever it stands; relative ones resolved.

    ``from a import b`` yields ``a.b`` (which may be a module or a name in ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package
                for _ in range(node.level - 1):
                    parent = parent.rpartition(".")[0]
                base = f"{parent}.{base}" if base else parent
            found += [Import(name, f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            found.append(Import(name, node.args[0].value, node.lineno))
    return found


@functools.cache
def all_imports() -> list[Import]:
    return [imp for name, path in app_modules().items() for imp in imports_of(name, path)]


def test_the_imports_are_read_from_everywhere_in_a_module(tmp_path):
    """The reader itself: imports in functions, under TYPE_CHECKING, relative, by name."""
    source = tmp_path / "plotting" / "demo.py"
    source.parent.mkdir()
    source.write_text(
        "import importlib\nfrom typing import TYPE_CHECKING\nfrom . import build\n"
        "if TYPE_CHECKING:\n    from scenes import Scene\n"
        "def f():\n    from panels.page import PageState\n"
        "    return importlib.import_module('bench.timing')\n")
    targets = {i.target for i in imports_of("plotting.demo", source)}
    assert {"plotting.build", "scenes.Scene", "panels.page.PageState",
            "bench.timing"} <= targets, targets


def test_every_import_points_down_the_layers():
    upward = []
    for imp in all_imports():
        source, target = imp.module.split(".")[0], imp.target.split(".")[0]
        where = f"{app_modules()[imp.module].relative_to(ROOT)}:{imp.line}"
        if target in TOOLS:
            upward.append(f"{where}: {imp.module} imports {imp.target} (the app never "
                          f"imports {target}/)")
        elif target in LAYERS and LAYERS[target] > LAYERS[source]:
            upward.append(f"{where}: {imp.module} (layer {LAYERS[source]}) imports "
                          f"{imp.target} (layer {LAYERS[target]}): an arrow pointing up")
    assert not upward, "\n".join(upward)


def test_the_readme_states_the_layers_the_test_checks():
    """README's "Imports point one way, from the bottom: ..." names each layer in order,
    a layer's packages together, layers apart by ";"."""
    text = " ".join((ROOT / "README.md").read_text().split())
    sentence = text.split("Imports point one way, from the bottom:")[1].split("`app.py`")[0]
    sentence = re.sub(r"\([^)]*\)", "", sentence)  # asides name no layer
    stated = [re.findall(r"`(\w+)`", layer) for layer in sentence.split(";")]
    stated = [names for names in stated if names] + [["app"]]
    by_layer = [sorted(n for n in LAYERS if LAYERS[n] == i) for i in sorted(set(LAYERS.values()))]
    assert [sorted(names) for names in stated] == by_layer


def test_every_package_of_the_repository_has_its_place():
    """A new top-level package is placed in a layer (and so checked) or named a tool."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= set(LAYERS) | set(TOOLS), packages - set(LAYERS) - set(TOOLS)
    assert set(PACKAGES) <= packages


def test_the_tools_import_only_the_tools_before_them():
    """``deploy`` starts servers; ``harness`` (the page through AppTest, the websocket
    client, Chromium) uses it; ``bench`` and ``tests`` use both; only ``tests`` imports
    ``bench`` (to test it), and nothing imports ``tests``."""
    found = []
    for rank, tool in enumerate(TOOLS):
        for path in (ROOT / tool).rglob("*.py"):
            found += [f"{path.relative_to(ROOT)}:{imp.line}: {imp.target}"
                      for imp in imports_of(module_name(path), path)
                      if imp.target.split(".")[0] in TOOLS[rank + 1:]]
    assert not found, "\n".join(found)


def module_graph() -> dict[str, set[str]]:
    """Which app modules each app module imports (importing ``a.b`` runs ``a`` first,
    which is no arrow of the importing module's own)."""
    modules = app_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for imp in all_imports():
        target = imp.target
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != imp.module:
            graph[imp.module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(module_graph()) == []


# --- nothing process-wide at import --------------------------------------------------------

# Run in a fresh interpreter: the third-party libraries first (their own settings are
# theirs, and so is what reading Plotly's renderers imports), then a snapshot of what is
# process-wide, then each package of the app with every module in it, bottom layer first,
# each compared with the snapshot before it.
SNAPSHOT_SCRIPT = r"""
import faulthandler, gc, importlib, json, locale, logging, os, pkgutil, random, signal
import socket, sys, threading, warnings
import numpy as np, plotly.io as pio, pygments, segno, streamlit, sympy  # noqa: F401

def snapshot():
    # A logger made at import is no setting; a level, a handler or switching one off is.
    loggers = {name: (lg.level, lg.disabled, len(lg.handlers), lg.propagate)
               for name, lg in logging.Logger.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    return {
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "signals": {s.name: repr(signal.getsignal(s)) for s in signal.valid_signals()
                    if isinstance(s, signal.Signals)},
        "warnings filters": [repr(f) for f in warnings.filters],
        "logging root": [logging.root.level, len(logging.root.handlers)],
        "logging disabled": logging.root.manager.disable,
        "loggers": {k: list(v) for k, v in loggers.items() if v != (0, False, 0, True)},
        "recursion limit": sys.getrecursionlimit(),
        "switch interval": sys.getswitchinterval(),
        "excepthook": repr(sys.excepthook), "displayhook": repr(sys.displayhook),
        "faulthandler": faulthandler.is_enabled(),
        "gc": [gc.isenabled(), list(gc.get_threshold())],
        "socket timeout": socket.getdefaulttimeout(),
        "locale": locale.setlocale(locale.LC_ALL),
        "numpy errors": np.geterr(), "numpy print": repr(np.get_printoptions()),
        "numpy random": repr(np.random.get_state()[1][:4].tolist()),
        "python random": repr(random.getstate()[1][:4]),
        "threads": sorted(t.name for t in threading.enumerate()),
        "plotly": [pio.templates.default, str(pio.renderers.default),
                   pio.json.config.default_engine],
        "sys.path": list(sys.path),
    }

def difference(before, after):
    # What changed: by name for a mapping (never an environment variable's value).
    if isinstance(before, dict):
        return {"added": sorted(set(after) - set(before)),
                "removed": sorted(set(before) - set(after)),
                "changed": sorted(k for k in set(before) & set(after) if before[k] != after[k])}
    if isinstance(before, list):
        return {"added": [repr(v)[:120] for v in after if v not in before],
                "removed": [repr(v)[:120] for v in before if v not in after]}
    return {"before": repr(before)[:200], "after": repr(after)[:200]}

PACKAGES = tuple(sys.argv[1:])
snapshot()  # its first reading of Plotly's renderers imports what they need
changes = {}
for package in PACKAGES:
    before = snapshot()
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
    after = snapshot()
    changes[package] = {k: difference(before[k], after[k]) for k in before
                        if before[k] != after[k]}
print(json.dumps(changes))
"""


def test_importing_the_app_changes_nothing_process_wide():
    """Environment, signal handlers, warnings filters, logging, recursion limit, NumPy's
    error handling and printing, random states, threads, locale, Plotly's defaults, ..."""
    bottom_up = sorted(PACKAGES, key=LAYERS.get)
    result = subprocess.run([sys.executable, "-c", SNAPSHOT_SCRIPT, *bottom_up], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(changes) == set(PACKAGES)
    assert {package: changed for package, changed in changes.items() if changed} == {}


# --- one way to build a figure -------------------------------------------------------------

FIGURE_MAKERS = ("go.Figure", "plotly.graph_objects.Figure", "graph_objects.Figure",
                 "make_subplots", "go.FigureWidget")


def test_no_figure_is_made_but_by_the_builder():
    """``go.Figure(...)`` (or ``make_subplots``, or plotly.express) is called in
    plotting/build.py alone; every figure of the app goes through ``build_figure``."""
    found = []
    for name, path in app_modules().items():
        if name == "plotting.build":
            continue
        for node in ast.walk(parsed(path)):
            call = isinstance(node, ast.Call) and ast.unparse(node.func)
            if call and (call in FIGURE_MAKERS or call.startswith(("px.", "plotly.express"))):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {call}(...)")
            if isinstance(node, ast.ImportFrom) and node.module == "plotly.graph_objects" and \
                    any(a.name in ("Figure", "FigureWidget") for a in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports Figure")
            if isinstance(node, (ast.Import, ast.ImportFrom)) and "plotly.express" in (
                    [a.name for a in node.names] + [getattr(node, "module", None)]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports plotly.express")
    assert not found, "\n".join(found)


def test_every_figure_function_returns_a_built_figure():
    """The public ``*_figure`` functions of plotting/ say they return a BuiltFigure, and do."""
    from analysis.phase_map import phase_map
    from optimizers import simulate
    from panels.page import PageState
    from plotting import scene_figure
    from plotting.build import BuiltFigure
    from plotting.class_runs import ClassRun, class_figure
    from plotting.export import image_figure
    from plotting.fit import fit_figure
    from plotting.inspector import inspector_figure
    from plotting.phase_map import phase_figure
    from plotting.surface3d import surface_figure
    from scenes import DEFAULT_SCENE
    from surfaces import SURFACES

    declared = {}
    for path in set((ROOT / "plotting").glob("*.py")) - {ROOT / "plotting" / "build.py"}:
        for node in parsed(path).body:
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_figure") \
                    and not node.name.startswith("_"):
                declared[node.name] = node.returns and ast.unparse(node.returns)
    assert declared == dict.fromkeys(
        ("scene_figure", "surface_figure", "inspector_figure", "phase_figure", "fit_figure",
         "image_figure", "class_figure"), "BuiltFigure")

    page = PageState.of(DEFAULT_SCENE)
    run = simulate(page.surface, "momentum", DEFAULT_SCENE.start, 20, record_state=True,
                   lr=0.3, mu=0.9)
    pm = phase_map(page.surface, "momentum", np.geomspace(0.01, 1.0, 4), [0.0, 0.5, 0.9],
                   steps=20)
    figures = {
        "scene_figure": scene_figure(page.surface, page.traces),
        "surface_figure": surface_figure(page.surface, page.traces),
        "inspector_figure": inspector_figure(page.surface, run, 5, label="m", color="#000000"),
        "phase_figure": phase_figure(pm),
        "fit_figure": fit_figure(SURFACES["penguins"].dataset, page.traces),
        "image_figure": image_figure(scene_figure(page.surface, page.traces), "title",
                                     "words", width=800),
        "class_figure": class_figure(page.surface, page.surface.grid(20),
                                     [ClassRun(page.traces[0], "sgd")], page.traces),
    }
    assert {name: type(fig) for name, fig in figures.items()} == dict.fromkeys(
        declared, BuiltFigure)
    for fig in figures.values():  # what the builder was given is what the browser gets
        assert fig.to_dict()["data"] == fig._built["data"]
