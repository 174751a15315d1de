"""``python -m bench`` runs every area on a tiny scene and writes its table and JSON.

No timing is asserted: the numbers of a tiny run mean nothing. The browser
area is left out here (it starts two servers and Chromium, about 20 s; the
page's browser tests cover Chromium); its skip without Chromium is checked.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import bench.__main__ as bench_main
from bench import phase
from deploy.balancer import find_nginx


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "out.json"
    report = bench_main.main(["--tiny", "--skip", "browser", "--json", str(path)])
    return report, json.loads(path.read_text())


@pytest.mark.server
def test_every_area_but_the_browser_ran_and_was_written(tiny):
    report, written = tiny
    areas = ["engine", "figure", "script", "phase", "expression", "panels", "dynamics",
             "views", "classroom", "balancer"]
    assert list(written["results"]) == areas
    assert list(written["meta"]["areas"]) == areas and written["meta"]["tiny"] is True
    with_rows = set(areas) - ({"balancer"} if find_nginx() is None else set())
    assert {r["area"] for r in written["rows"]} == with_rows
    assert written["rows"] == json.loads(json.dumps(report["rows"]))


@pytest.mark.server
def test_every_row_is_ours_beside_a_baseline_with_their_ratio(tiny):
    _, written = tiny
    for r in written["rows"]:
        if r["unit"] == "count":
            continue
        assert r["ours"] >= 0 and r["baseline"] > 0 and r["against"], r
        # A tiny CPU time may round to 0; then there is no ratio rather than a wrong one.
        assert r["ratio"] == (pytest.approx(r["baseline"] / r["ours"]) if r["ours"] else None), r
    against = {r["against"] for r in written["rows"]}
    assert {"Plotly's one frame per step", "one run per cell", "the bare page, same class",
            "the page with Plotly's frame per step"} <= against


@pytest.mark.server
def test_the_tiny_classroom_ran_the_same_class_on_the_page_and_the_bare_page(tiny):
    _, written = tiny
    results = written["results"]["classroom"]
    for name, script in (("page", "app.py"), ("bare page", "bare_page.py")):
        level = results[name]
        assert level["script"] == script and level["visitors"] == 2
        assert level["errors"] == 0 and level["server_tracebacks"] == 0
        assert level["runs"] == 4  # two openings and one move each
        memory = level["memory"]
        assert memory["peak"] >= memory["one_visitor"] > memory["idle"] > 0
        assert memory["after_class"] > 0
        assert level["baseline"]["moves"]["p50"] > 0 and level["cold_open"] > 0
    # Once a visitor ran it, the page is the heavier server (NumPy, SymPy, its caches).
    assert results["page"]["memory"]["one_visitor"] > results["bare page"]["memory"]["one_visitor"]
    assert results["ratios"]["move p95"] == pytest.approx(
        results["page"]["moves"]["p95"] / results["bare page"]["moves"]["p95"])


@pytest.mark.skipif(find_nginx() is None, reason="the balancer needs nginx: apt-get install "
                    "-y nginx")
@pytest.mark.server
def test_the_tiny_balancer_class_went_through_nginx_to_both_replicas(tiny):
    _, written = tiny
    results = written["results"]["balancer"]
    through, plain = results["balancer, 2 replicas"], results["one server"]
    assert through["balancer"] and through["replicas"] == 2 and not plain["balancer"]
    assert through["errors"] == 0 and plain["errors"] == 0
    assert through["runs"] == plain["runs"] == 4
    # Every visitor's websocket named the replica nginx chose; a plain server names none.
    assert sum(through["per_replica"].values()) == 2 and plain["per_replica"] == {}


def test_the_table_says_which_way_each_ratio_goes(capsys):
    bench_main.print_table([
        bench_main.row("a", "time", 1.0, 3.0, "x", "s"),
        bench_main.row("a", "size", 4e6, 2e6, "y", "bytes")])
    out = capsys.readouterr().out
    assert "1.00 s" in out and "3.00 s" in out and "3.0x faster" in out
    assert "4.00 MB" in out and "2.0x larger" in out


def test_the_browser_area_is_skipped_with_a_note_without_chromium(monkeypatch, capsys):
    monkeypatch.setattr("deploy.servers.CHROMIUM", "/nonexistent/chromium")
    results, rows = bench_main.browser(["--runs", "1"])
    assert rows == [] and "no Chromium" in results["skipped"]
    assert "skipped" in capsys.readouterr().out


def test_the_phase_baseline_computes_the_same_map_one_cell_at_a_time():
    size, steps = 5, 60
    grid = phase.batched(size, steps)
    cells = phase.sample_cells(size, 7)
    assert len(cells) == 7 and len(set(cells)) == 7
    for (i, j), single in zip(cells, phase.cell_by_cell(size, steps, cells), strict=True):
        np.testing.assert_array_equal(single.steps_to_converge[0, 0], grid.steps_to_converge[i, j])
        np.testing.assert_array_equal(single.diverged[0, 0], grid.diverged[i, j])
        np.testing.assert_allclose(single.final_loss[0, 0], grid.final_loss[i, j], rtol=1e-12)


def test_issue_11_figures_are_shown_against_their_goals(capsys):
    bench_main.print_goals([
        bench_main.row("browser", "lr slider move -> chart redrawn (median)", 0.3, 0.1, "x", "s"),
        bench_main.row("classroom", "server RSS after the class, 40 visitors", 263e6, 81e6, "x",
                       "bytes"),
        bench_main.row("balancer", "60 visitors, 1-3 s apart: move p95", 0.4, 2.0, "x", "s")])
    lines = capsys.readouterr().out.splitlines()
    assert "3.00x" in lines[2] and lines[2].endswith("not met")  # a move at 3x the bare page
    assert "263.00 MB" in lines[3] and lines[3].endswith("<= 350 MB: met")
    assert "0.20x" in lines[4] and lines[4].endswith("met")
