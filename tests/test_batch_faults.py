"""kill -9 at random points of a batch, re-runs and corrected re-runs (--resend) included
(issue 11): after each kill the batch folder holds the previous complete batch or the new one,
never a mix, checked file by file against its manifest and against the ledger; the same
command then completes it. Real `notice-factory batch` processes killed by SIGKILL (the
tests' driver sets the ``kill_at`` hook: the batch kills itself at the named point)."""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest
from conftest import BATCH_DATE
from folder_helpers import (
    FolderState,
    check_folder,
    expected_totals,
    ledger_counts,
    run_batch,
    totals,
    write_cases,
)

from notice_factory.batchdir import BatchFolder, Identity
from notice_factory.ledger import Ledger

pytestmark = pytest.mark.slow

SEED = 1111
TRIALS = 22
# Every point a batch passes with 3 letters (1 print file, 1 deposit slip: 5 files, then the
# 4 records): before numbering, after it, after each letter, after the merge, once staged,
# and at each step of putting the files in place (journal, old manifests removed, each file
# moved, each record moved, state recorded, numbers marked used).
POINTS = ["opened", "numbered", "letter:1", "letter:2", "letter:3", "merged", "staged",
          "journal", "unlinked", "moved:1", "moved:3", "moved:5", "record:1", "record:2",
          "record:3", "record:4", "state", "ledger"]
AMOUNTS = ("1234.56", "10048.19")


def restart(cases: Path, out: Path, ledger: Path) -> None:
    """What the next run does first: open the folder (completing an interrupted move)."""
    with Ledger(ledger) as led:
        BatchFolder.open(out, Identity.of(cases, BATCH_DATE), led).close()


def assert_ledger_agrees(ledger: Path, state: FolderState) -> None:
    """Every number of a complete batch is live in the ledger and used there once."""
    with Ledger(ledger) as led:
        for letter in state.letters.values():
            record = led.record(letter.number)
            assert record is not None and record.state != "voided", letter
            assert record.case_id == letter.case_id


def test_kill_9_at_random_points_leaves_the_previous_or_the_new_batch(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    trials = rng.sample([(p, resend) for p in POINTS for resend in (False, True)], TRIALS)
    assert sum(resend for _, resend in trials) >= 6
    cases, out, ledger = (write_cases(tmp_path / "cases.csv", 3, principal=AMOUNTS[0]),
                          tmp_path / "out", tmp_path / "ledger.sqlite")
    first = run_batch(cases, out, ledger)
    assert first.returncode == 0, first.stderr
    previous = check_folder(out)
    assert previous is not None
    amount = 0
    found = {"previous": 0, "new": 0}
    for point, resend in trials:
        if resend:  # the clerk corrects every amount and sends the letters again
            amount = 1 - amount
            write_cases(cases, 3, principal=AMOUNTS[amount])
        extra = ("--resend",) if resend else ()
        killed = run_batch(cases, out, ledger, *extra, hooks={"kill_at": point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stdout, killed.stderr)
        seen = check_folder(out)  # right after the kill: a manifest there is always true
        assert seen is None or seen == previous or totals(seen) == expected_totals(cases), point
        restart(cases, out, ledger)
        after = check_folder(out)
        assert after is not None, point
        assert_ledger_agrees(ledger, after)
        if after == previous:
            found["previous"] += 1
        else:  # the new batch, whole: every letter of the new content, and new numbers if resent
            found["new"] += 1
            assert totals(after) == expected_totals(cases), point
            old_numbers = {x.number for x in previous.letters.values()}
            new_numbers = {x.number for x in after.letters.values()}
            assert (old_numbers.isdisjoint(new_numbers) if resend
                    else old_numbers == new_numbers), point
        # The same command again completes the batch.
        again = run_batch(cases, out, ledger, *extra)
        assert again.returncode == 0, (point, again.stderr)
        previous = check_folder(out)
        assert previous is not None
        assert totals(previous) == expected_totals(cases)
        assert_ledger_agrees(ledger, previous)
    counts = ledger_counts(ledger, {out: cases})
    with Ledger(ledger) as led:
        issued = led.count()
        voided = led.count("voided")
    print(f"\nfault injection (seed {SEED}): {len(trials)} kill -9, "
          f"{sum(r for _, r in trials)} during a changed re-run with --resend; after restart "
          f"{found['previous']} previous complete batch, {found['new']} new complete batch, "
          f"0 mixed; numbers issued {issued} (voided {voided}): duplicate {counts.duplicate}, "
          f"lost {counts.lost}, voided-but-printed {counts.voided_but_printed}")
    assert counts == type(counts)(0, 0, 0)
    assert found["previous"] and found["new"]
