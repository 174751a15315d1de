"""The examples in the docstrings are tests: every module of every package of the project
imports on its own, and each ``>>>`` example in it shows what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(init.parent.name for init in ROOT.glob("*/__init__.py")
                  if init.parent.name != "tests")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], f"{package}."):
            if not info.name.endswith(".__main__"):  # a command, run rather than imported
                names.append(info.name)
    return names


MODULES = _modules()


def test_the_packages_are_found():
    assert {"optimizers", "surfaces", "plotting", "scenes", "controls", "panels"} <= set(PACKAGES)
    assert "surfaces.expression" in MODULES and "plotting.figure" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_its_docstring_examples_hold(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    for test in finder.find(module, name):
        result = runner.run(test, out=failures.append)
        assert result.failed == 0, "".join(failures)
