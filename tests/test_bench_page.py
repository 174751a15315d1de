"""``python -m bench.page`` on a tiny scene: every page it promises, beside the right
baseline, and charts whose sizes follow what each page shows. No timing is asserted."""

from __future__ import annotations

from bench import page


def test_every_page_is_measured_beside_the_page_as_it_opens():
    rows = {r.name: r for r in page.main(["--runs", "1", "--steps", "12"])}
    plain = rows["script run after an lr move"]
    assert plain.against == "the same, caches cleared" and plain.unit == "s"
    runs = [r for name, r in rows.items() if name.startswith("script run, ")]
    assert {r.name.removeprefix("script run, ") for r in runs} == {
        *(f"{p} panel open" for p in page.PANELS), "presenter mode", page.DYNAMICS_NAME,
        "phase map drawn anew, 60 x 60", "phase map drawn anew, 100 x 100"}
    assert all(r.baseline == plain.ours and r.ours > 0 for r in runs)
    # Charts: each panel's chart beside the same race chart; a fan of 8 draws more paths.
    sent = {name: r for name, r in rows.items() if r.unit == "bytes"}
    assert len({r.baseline for r in sent.values()}) == 1
    assert sent[f"race chart sent, {page.DYNAMICS_NAME}"].ratio > 1.2
    assert sent["race chart sent, presenter mode"].ours > 0
    assert sent["inspector chart sent"].ours < sent["phase_map chart sent"].ours
