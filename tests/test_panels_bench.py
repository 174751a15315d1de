"""``python -m bench.panels`` runs on a tiny scene and reports every panel beside the page.

No timing is asserted: the numbers of a tiny run mean nothing.
"""

from __future__ import annotations

from bench import panels


def test_tiny_run_reports_each_panel_beside_the_page_without_one(capsys):
    results = panels.main(["--runs", "1", "--steps", "12"])
    assert set(results["moves"]) == {None, *panels.PANELS}
    assert all(t > 0 for t in results["moves"].values())
    assert set(results["first_map"]) == {60, 100}
    sizes = results["bytes"]
    assert len(sizes[None]) == 1 and len(sizes["theory"]) == 1  # the theory draws no chart
    assert len(sizes["phase_map"]) == 2 and len(sizes["inspector"]) == 2
    assert len({s[0] for s in sizes.values()}) == 1  # no panel changes the race chart
    out = capsys.readouterr().out
    assert "x of the baseline" in out and "phase map first drawn, 100 x 100" in out
