"""``bench.memory``: the probe inside a real server answers, and imports are weighed.

No size is asserted beyond "present and positive": memory depends on the machine.
"""

from __future__ import annotations

import pytest

from bench import memory
from bench.servers import BARE_PAGE, Server
from deploy.servers import ROOT


def test_import_costs_are_cumulative_rss_after_each_import_in_order():
    costs = memory.import_costs(("json", "decimal"))
    assert list(costs) == ["python", "json", "decimal"]
    assert 0 < costs["python"] <= costs["json"] <= costs["decimal"]


def test_allocations_are_grouped_by_package():
    assert memory._package(str(ROOT / "plotting" / "figure.py")) == "plotting"
    assert memory._package(str(ROOT / "app.py")) == "app"
    assert memory._package("/x/lib/python3.11/site-packages/numpy/core/a.py") == "numpy"
    assert memory._package("/x/lib/python3.11/json/decoder.py") == "python"


@pytest.mark.server
def test_the_probe_in_a_real_server_reports_its_memory_and_what_malloc_trim_returns():
    with Server(BARE_PAGE, memory.probed(trace=True)) as server:
        first = memory.probe(server)
        trimmed = memory.probe(server, trim=True)
        metrics = memory.metrics(server.url)
    assert first["rss"] > first["traced_total"] > 0 and "streamlit" in first["traced"]
    assert not first["trimmed"] and trimmed["trimmed"] and trimmed["rss"] > 0
    assert "pandas" not in first["heavy_modules"]  # an idle Streamlit server has not imported it
    assert any(key.startswith("session_") for key in metrics)
