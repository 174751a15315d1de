"""``python -m bench``: its rows, its one table, and every area run on a tiny scene.

No timing is asserted: the numbers of a tiny run mean nothing. The table is read
back into numbers, and the ratios are checked against timings given by hand.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import bench.__main__ as bench_main
from bench import phase
from bench.rows import Row, print_rows
from deploy.balancer import find_nginx

UNITS = {"s": 1.0, "ms": 1e-3, "KB": 1e3, "MB": 1e6}


def read_table(out: str) -> dict[str, tuple[float, float, float | None, str]]:
    """The printed table read back: ``{figure: (ours, baseline, ratio, goal words)}``."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"(.+?)\s+([\d.]+) (s|ms|KB|MB)\s+([\d.]+) (s|ms|KB|MB)\s+([\d.,]+)x"
                     r"\s+((?:<= [^:]+: (?:not )?met)?)", line)
        if m:
            name, ours, u1, base, u2, ratio, goal = m.groups()
            found[name] = (float(ours) * UNITS[u1], float(base) * UNITS[u2],
                           float(ratio.replace(",", "")), goal)
    return found


def test_a_ratio_is_ours_over_the_baseline_and_a_goal_is_met_at_most_at_its_limit():
    assert Row("t", 1.0, 4.0, "s", "x").ratio == 0.25  # ours four times faster
    assert Row("t", 1.0, 0.0, "s", "x").ratio is None
    assert Row("t", 3.0, 2.0, "s", "x", goal=1.5).met is True
    assert Row("t", 3.1, 2.0, "s", "x", goal=1.5).met is False
    assert Row("m", 351e6, 80e6, "bytes", "x", limit=350e6).met is False
    assert Row("e", 0, 0, "count", "x", limit=0).met is True  # no baseline, no ratio: the limit
    assert Row("t", 1.0, 2.0, "s", "x").met is None


def test_the_printed_table_reads_back_as_the_rows_it_was_given(capsys):
    rows = [Row("a move", 0.143, 0.048, "s", "the bare page", goal=2.0),
            Row("the figure sent", 162e3, 11.5e6, "bytes", "one frame per step"),
            Row("a phase map", 0.032, 33.4, "s", "one run per cell"),
            Row("the server's memory", 263e6, 81e6, "bytes", "the bare page", limit=350e6)]
    print_rows(rows, legend=True)
    out = capsys.readouterr().out
    table = read_table(out)
    assert list(table) == [r.name for r in rows]
    for r in rows:
        ours, baseline, ratio, _ = table[r.name]
        assert ours == pytest.approx(r.ours, rel=0.01)
        assert baseline == pytest.approx(r.baseline, rel=0.01)
        assert ratio == pytest.approx(ours / baseline, rel=0.01)
    assert table["a move"][3] == "<= 2x: not met"  # 2.98x the bare page
    assert table["the server's memory"][3] == "<= 350 MB: met"
    assert out.count("below 1 is better") == 1


def test_the_engine_results_become_rows_of_the_batch_over_each_contender():
    timings = {"simulate (batched)": {"seconds": 0.5, "user": 0.1},
               "torch Adam, bare step()": {"seconds": 0.08, "user": 0.08},
               "plain NumPy loop, one run at a time": {"seconds": 50.0, "user": 49.0}}
    rows = bench_main.engine_rows(timings)
    by = {(r.name, r.against): r.ratio for r in rows}
    assert by == {("Adam batch, CPU time", "torch Adam, bare step()"): pytest.approx(6.25),
                  ("Adam batch, CPU time", "plain NumPy loop, one run at a time"):
                      pytest.approx(0.01),
                  ("Adam batch, user CPU time", "torch Adam, bare step()"): pytest.approx(1.25)}


def test_the_browser_area_is_skipped_with_a_note_without_chromium(monkeypatch, capsys):
    monkeypatch.setattr("deploy.servers.CHROMIUM", "/nonexistent/chromium")
    assert bench_main.run_area("browser", tiny=True) == []
    assert "no Chromium" in capsys.readouterr().out


def test_the_phase_baseline_computes_the_same_map_one_cell_at_a_time():
    size, steps = 5, 60
    grid = phase.batched(size, steps)
    cells = phase.sample_cells(size, 7)
    assert len(cells) == 7 and len(set(cells)) == 7
    for (i, j), single in zip(cells, phase.cell_by_cell(size, steps, cells), strict=True):
        np.testing.assert_array_equal(single.steps_to_converge[0, 0], grid.steps_to_converge[i, j])
        np.testing.assert_array_equal(single.diverged[0, 0], grid.diverged[i, j])
        np.testing.assert_allclose(single.final_loss[0, 0], grid.final_loss[i, j], rtol=1e-12)


def test_the_fan_baseline_runs_the_same_seeds_one_at_a_time():
    contenders = phase.fan_contenders()
    fan, runs = contenders["fan"](), contenders["runs"]()
    members = [fan, *fan.fan]  # the run itself, then the rest of its fan
    assert len(runs) == len(members) == 8
    for run, member in zip(runs, members, strict=True):  # a batch equals its single runs
        np.testing.assert_array_equal(run.points, member.points)


@pytest.mark.server
def test_every_area_but_the_browsers_and_the_pages_runs_tiny_and_writes_its_rows(tmp_path, capsys):
    path = tmp_path / "out.json"
    # The browser's area has tests of its own, and so has the page's, with these same
    # tiny arguments (tests/test_bench_page.py).
    report = bench_main.main(["--tiny", "--skip", "browser", "page", "--json", str(path)])
    written = json.loads(path.read_text())
    areas = [a for a in bench_main.AREAS if a not in ("browser", "page")]
    assert list(written["meta"]["areas"]) == areas and written["meta"]["tiny"] is True
    with_rows = set(areas) - ({"balancer", "rooms"} if find_nginx() is None else set())
    assert {r["area"] for r in written["rows"]} == with_rows
    assert written["rows"] == report["rows"]
    for r in written["rows"]:
        assert r["ours"] >= 0 and r["baseline"] >= 0 and r["against"], r
        assert r["ratio"] == (pytest.approx(r["ours"] / r["baseline"]) if r["baseline"]
                              else None), r
    # The page's class (two visitors) ran without an error, as did the bare page's.
    errors = [r for r in written["rows"] if r["area"] == "classroom" and r["unit"] == "count"]
    assert [(r["ours"], r["baseline"]) for r in errors] == [(0, 0)]
    printed = read_table(capsys.readouterr().out)
    assert all(name in printed for name in {r["name"] for r in written["rows"]
                                            if r["unit"] != "count" and r["baseline"]})
