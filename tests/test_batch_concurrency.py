"""Runs at once on one ledger (issue 11, failure 4): 4 runs of the same case file and 4 of
different files, then two corrected re-runs (--resend) of one batch at once. Same letters:
one run makes them, the others are refused before they write anything (their folders stay
empty, no number of theirs is voided); different letters: every run completes. Counted over
every complete batch folder: 0 duplicate, 0 lost, 0 voided-but-printed numbers."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import REPO
from folder_helpers import (
    batch_args,
    check_folder,
    expected_totals,
    ledger_counts,
    totals,
    tree,
    write_cases,
)

from notice_factory.ledger import Ledger

pytestmark = pytest.mark.slow

REFUSED = ("being produced right now by another run", "already produced in another batch folder",
           "another batch is writing into this folder")


def run_at_once(runs: Sequence[tuple[Path, Path, tuple[str, ...]]],
                ledger: Path) -> list[tuple[int, str]]:
    procs = [subprocess.Popen(batch_args(cases, out, ledger, *extra), cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for cases, out, extra in runs]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=1800)
        results.append((proc.returncode, err))
    return results


def test_runs_at_once_never_print_a_number_twice(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    same = write_cases(tmp_path / "same.csv", 3, prefix="S")
    others = [write_cases(tmp_path / f"d{n}.csv", 3, prefix=f"D{n}") for n in range(4)]
    runs = ([(same, tmp_path / f"same-{n}", ()) for n in range(4)]
            + [(cases, tmp_path / f"diff-{n}", ()) for n, cases in enumerate(others)])
    results = run_at_once(runs, ledger)

    made = [out for (_, out, _), (code, _) in zip(runs, results, strict=True) if code == 0]
    same_made = [out for out in made if out.name.startswith("same-")]
    assert len(same_made) == 1, results
    assert sorted(out.name for out in made if out.name.startswith("diff-")) == [
        f"diff-{n}" for n in range(4)], results
    for (_, out, _), (code, err) in zip(runs, results, strict=True):
        if code != 0:
            assert code == 1 and any(r in err for r in REFUSED), err
            assert "Traceback" not in err
            assert not out.exists() or tree(out) == {}  # refused before writing anything
    folders = {out: cases for cases, out, _ in runs if out in made}
    first = ledger_counts(ledger, folders)
    with Ledger(ledger) as led:
        issued, voided = led.count(), led.count("voided")
    assert issued == 3 * 5 and voided == 0  # 3 letters of the same file once, 3 x 4 others

    # Two corrected re-runs of that batch at once: into its folder and into a new one.
    winner = same_made[0]
    write_cases(same, 3, prefix="S", principal="2222.22")
    before = check_folder(winner)
    resends = run_at_once([(same, winner, ("--resend",)),
                           (same, tmp_path / "same-elsewhere", ("--resend",))], ledger)
    assert [code for code, _ in resends] == [0, 1], resends
    assert any(r in resends[1][1] for r in REFUSED), resends[1][1]
    assert tree(tmp_path / "same-elsewhere") == {}
    after = check_folder(winner)
    assert after is not None and before is not None
    assert totals(after) == expected_totals(same)
    assert {x.number for x in after.letters.values()}.isdisjoint(
        {x.number for x in before.letters.values()})
    second = ledger_counts(ledger, folders)
    print(f"\nconcurrent runs: 4 of the same file ({len(same_made)} made it, "
          f"{4 - len(same_made)} refused before writing) and 4 of different files (all made): "
          f"duplicate {first.duplicate}, lost {first.lost}, voided-but-printed "
          f"{first.voided_but_printed}; then 2 corrected re-runs (--resend) at once (1 made, 1 "
          f"refused): duplicate {second.duplicate}, lost {second.lost}, voided-but-printed "
          f"{second.voided_but_printed}")
    assert first == second == type(first)(0, 0, 0)
