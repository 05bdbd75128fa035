"""One number, one letter (issue 11, failure 4, ledger side): the ledger records what each
letter says (a fingerprint) and where it is produced (its batch folder); schema step 5."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from notice_factory.errors import ContentChangedError, LettersBusyError
from notice_factory.ledger import (
    _MIGRATIONS,
    SCHEMA_VERSION,
    FolderState,
    Ledger,
    LetterKey,
    init_ledger,
)
from notice_factory.settings import PostalAccount, SerialRange

DAY = dt.date(2026, 11, 23)
ACCOUNT = PostalAccount("La Poste", "FR", "Paris Louvre", "C-42", (SerialRange("RR", 1, 999),))
KEY = LetterKey("FR-0001", "formal_notice", DAY)
OTHER = LetterKey("FR-0002", "reminder", DAY)


@pytest.fixture
def ledger(ledger_at: Path | str) -> Iterator[Ledger]:
    """A new ledger, in a file and in PostgreSQL (conftest.ledger_at)."""
    init_ledger(ledger_at, [ACCOUNT])
    with Ledger(ledger_at) as led:
        yield led


def test_a_schema_4_ledger_is_migrated_keeping_its_numbers(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path, isolation_level=None) as raw:
        for step in range(1, 5):
            for statement in _MIGRATIONS[step]:
                raw.execute(statement)
        raw.execute("PRAGMA user_version = 4")
        raw.execute("INSERT INTO ranges VALUES ('La Poste', 'FR', 'RR', 1, 999, '', 'x')")
        raw.execute("INSERT INTO batches VALUES ('b0', 'x')")
        raw.execute("INSERT INTO numbers (number, operator, service, serial, country, case_id,"
                    " kind, letter_date, batch_id, state, allocated_at) VALUES ('RR000000015FR',"
                    " 'La Poste', 'RR', 1, 'FR', 'FR-0001', 'formal_notice', '2026-11-23', 'b0',"
                    " 'used', 'x')")
    raw.close()
    with Ledger(path) as led:
        assert led.schema_version() == SCHEMA_VERSION == 5
        old = led.record("RR000000015FR")
        assert old is not None and old.state == "used"
        assert (old.fingerprint, old.batch_folder, old.replaced_by) == ("", "", "")
        # A number issued before fingerprints takes the content it is re-run with.
        assert led.allocate([KEY], ACCOUNT, "b1", fingerprints={KEY: "f1"}) == {
            KEY: "RR000000015FR"}
        again = led.record("RR000000015FR")
        assert again is not None and again.fingerprint == "f1"
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError):
        # The one-live-number-per-letter index survived the migration.
        raw.execute("INSERT INTO numbers (number, operator, service, serial, country, case_id,"
                    " kind, letter_date, batch_id, state, allocated_at) VALUES ('RR000000029FR',"
                    " 'La Poste', 'RR', 2, 'FR', 'FR-0001', 'formal_notice', '2026-11-23', 'b0',"
                    " 'allocated', 'x')")
    raw.close()


def test_a_changed_letter_under_a_finished_number_is_refused(ledger: Ledger) -> None:
    first = ledger.allocate([KEY, OTHER], ACCOUNT, "b1", fingerprints={KEY: "a", OTHER: "o"})
    ledger.mark_used(first.values())
    with pytest.raises(ContentChangedError) as caught:
        ledger.allocate([KEY, OTHER, LetterKey("FR-NEW", "reminder", DAY)], ACCOUNT, "b2",
                        fingerprints={KEY: "b", OTHER: "o"})
    message = caught.value.format_message()
    assert "FR-0001" in message and first[KEY] in message and "--resend" in message
    assert "FR-0002" not in message and caught.value.cases == ["FR-0001"]
    # Nothing was written: no number for the new case, the old content kept.
    assert ledger.count() == 2
    rec = ledger.record(first[KEY])
    assert rec is not None and rec.fingerprint == "a" and rec.state == "used"
    # The same content again is the same letter.
    assert ledger.allocate([KEY], ACCOUNT, "b3", fingerprints={KEY: "a"}) == {KEY: first[KEY]}


def test_a_number_never_finished_takes_the_new_content(ledger: Ledger) -> None:
    first = ledger.allocate([KEY], ACCOUNT, "b1", fingerprints={KEY: "a"})  # killed before done
    assert ledger.allocate([KEY], ACCOUNT, "b2", fingerprints={KEY: "b"}) == first
    rec = ledger.record(first[KEY])
    assert rec is not None and rec.fingerprint == "b" and rec.state == "allocated"


def test_a_resend_voids_the_old_number_only_when_the_new_letter_is_done(ledger: Ledger) -> None:
    old = ledger.allocate([KEY], ACCOUNT, "b1", fingerprints={KEY: "a"})[KEY]
    ledger.mark_used([old])
    new = ledger.allocate([KEY], ACCOUNT, "b2", fingerprints={KEY: "b"},
                          resend=frozenset({KEY}))[KEY]
    assert new != old and ledger.lookup(KEY) == new
    before = ledger.record(old)
    assert before is not None and before.state == "used" and before.replaced_by == new
    # The run is killed and run again: the new number is reused, not a third one.
    assert ledger.allocate([KEY], ACCOUNT, "b2", fingerprints={KEY: "b"},
                           resend=frozenset({KEY}))[KEY] == new
    ledger.mark_used([new])
    after = ledger.record(old)
    assert after is not None and after.state == "voided"
    assert after.void_reason == f"corrected letter sent under {new}"
    assert ledger.count() == 2


def test_a_resend_whose_letter_failed_gives_the_old_number_back(ledger: Ledger) -> None:
    old = ledger.allocate([KEY], ACCOUNT, "b1")[KEY]
    ledger.mark_used([old])
    new = ledger.allocate([KEY], ACCOUNT, "b2", resend=frozenset({KEY}))[KEY]
    ledger.void(new, "letter not produced: font missing")
    assert ledger.lookup(KEY) == old
    rec = ledger.record(old)
    assert rec is not None and rec.state == "used" and rec.replaced_by == ""


@pytest.mark.parametrize(("state", "resend", "refused"), [
    (FolderState.BUSY, False, "being produced right now"),
    (FolderState.BUSY, True, "being produced right now"),
    (FolderState.HOLDS, False, "already produced in another batch folder"),
    (FolderState.HOLDS, True, "already produced in another batch folder"),
    (FolderState.FREE, False, ""),
])
def test_a_letter_recorded_in_another_folder(ledger: Ledger, state: FolderState, resend: bool,
                                             refused: str) -> None:
    first = ledger.allocate([KEY], ACCOUNT, "b1", folder="pc:/out/a")[KEY]
    ledger.mark_used([first])
    asked: list[tuple[str, str]] = []

    def check(folder: str, number: str) -> FolderState:
        asked.append((folder, number))
        return state

    def again() -> dict[LetterKey, str]:
        return ledger.allocate([KEY, OTHER], ACCOUNT, "b2", folder="pc:/out/b",
                               check_folder=check, resend=frozenset({KEY} if resend else ()))

    if refused:
        with pytest.raises(LettersBusyError, match=refused) as caught:
            again()
        assert "/out/a (on pc)" in str(caught.value) and "FR-0001" in str(caught.value)
        assert ledger.count() == 1  # nothing written, not even the other letter's number
        return
    got = again()
    assert asked == [("pc:/out/a", first)]
    assert (got[KEY] != first) == resend
    rec = ledger.record(got[KEY])
    assert rec is not None and rec.batch_folder == "pc:/out/b"


def test_a_letter_dropped_by_a_rerun_is_voided_with_the_new_batch(ledger: Ledger) -> None:
    first = ledger.allocate([KEY, OTHER], ACCOUNT, "b1")
    ledger.mark_used(first.values())
    # The re-run could not make OTHER's letter: its number is voided when the new batch (with
    # KEY only) is in place, in the same transaction, not while the old batch is still there.
    ledger.mark_used([first[KEY]], voids={first[OTHER]: "letter not produced: font missing"})
    dropped = ledger.record(first[OTHER])
    assert dropped is not None and dropped.state == "voided"
    assert dropped.void_reason == "letter not produced: font missing"
    kept = ledger.record(first[KEY])
    assert kept is not None and kept.state == "used"
