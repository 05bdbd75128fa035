"""`ledger migrate`: a ledger moved from a file to PostgreSQL and back without losing or
changing a number (every row of every table compared), the old one retired, a target that
already holds a ledger refused."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import REPO

from notice_factory.errors import LedgerError, LedgerMovedError, UsageError
from notice_factory.ledger import LEDGER_TABLES, CarrierEvent, Ledger, LetterKey, init_ledger
from notice_factory.ledgermove import migrate_ledger
from notice_factory.s10 import make_s10
from notice_factory.settings import PostalAccount, SerialRange

DAY = dt.date(2026, 11, 23)
FR = PostalAccount("La Poste", "FR", "Paris Louvre", "C-42",
                   (SerialRange("RR", 10, 19), SerialRange("RS", 500, 999)))
RO = PostalAccount("Poșta Română", "RO", "București 1", "C-1", (SerialRange("RR", 1, 99),))
MOVED_KEYS = ("moved_to", "moved_at")


def keys(n: int, prefix: str) -> list[LetterKey]:
    return [LetterKey(f"{prefix}-{i:04d}", "formal_notice", DAY) for i in range(n)]


def busy_ledger(path: Path) -> None:
    """A ledger that has lived: two operators, a range run over into the next, an imported
    list half used, a resend, voided, used and allocated numbers, events of both kinds."""
    init_ledger(path, [FR, RO], profile="test")
    with Ledger(path) as led:
        led.import_numbers("la-poste", [f"1A{k:011d}" for k in range(1, 9)], "list.txt")
        got = led.allocate(keys(14, "FR"), FR, "b1")
        led.allocate(keys(3, "DOM"), FR, "b1", imported=True)
        led.allocate(keys(5, "RO"), RO, "b2")
        led.mark_used(list(got.values())[:12])
        led.allocate(keys(2, "FR"), FR, "b3", resend=frozenset(keys(2, "FR")))
        led.void(got[keys(14, "FR")[13]], "envelope damaged")
        led.record_event(got[keys(14, "FR")[0]], "deposited",
                         dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC), "Paris", "csv")
        led.add_carrier_events([CarrierEvent(got[keys(14, "FR")[1]], "la-poste", "DI1",
                                             "Distribué", "2026-11-26", "delivered", "delivered",
                                             "suivi.json")])


def table_rows(target: Path | str, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table with its order key, read with the plain driver."""
    if isinstance(target, Path):
        db = sqlite3.connect(target)
        try:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            key = "id" if "id" in cols else "rowid"
            select = cols if key == "id" else ["rowid", *cols]
            return [tuple(r) for r in db.execute(
                f"SELECT {', '.join(select)} FROM {table} ORDER BY {key}")]
        finally:
            db.close()
    with psycopg.connect(target) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " AND column_name <> 'rowid' ORDER BY ordinal_position", (table,))]
        key = "id" if "id" in cols else "rowid"
        select = cols if key == "id" else ["rowid", *cols]
        return [tuple(r) for r in conn.execute(
            f"SELECT {', '.join(select)} FROM {table} ORDER BY {key}")]


def everything(target: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    out = {t: table_rows(target, t) for t in LEDGER_TABLES}
    out["ledger_info"] = [r for r in out["ledger_info"] if r[1] not in MOVED_KEYS]
    return out


def test_a_round_trip_through_postgresql_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    original = tmp_path / "ledger.sqlite"
    busy_ledger(original)
    before = everything(original)
    assert len(before["numbers"]) == 14 + 3 + 5 + 2 and before["events"]
    assert before["carrier_events"] and before["imported_numbers"]

    there = migrate_ledger(original, pg_url)
    assert there.rows["numbers"] == 24 and there.rows["imported_numbers"] == 8
    assert everything(pg_url) == before  # every row, every column, the same order keys
    back_path = tmp_path / "back.sqlite"
    migrate_ledger(pg_url, back_path)
    assert everything(back_path) == before

    # The old ledgers are kept for reading and refuse writes.
    for old in (original, pg_url):
        with Ledger(old) as led:
            assert led.count() == 24
            with pytest.raises(LedgerMovedError, match="moved to"):
                led.allocate(keys(1, "NEW"), FR, "b4")
            with pytest.raises(LedgerMovedError):
                led.mark_used([before["numbers"][-1][1]])
    # The new one goes on where the old stopped: no number reissued, import order kept.
    with Ledger(back_path) as led:
        got = led.allocate(keys(1, "NEW"), FR, "b4")[keys(1, "NEW")[0]]
        dom = led.allocate(keys(1, "DOM2"), FR, "b4", imported=True)[keys(1, "DOM2")[0]]
    # A numbers row: rowid, number, operator, service, serial, ...
    used_serials = [int(r[4]) for r in before["numbers"] if r[3] == "RS"]
    assert got == make_s10("RS", max(used_serials) + 1, "FR")
    assert dom == "1A00000000004"  # the 4th of the list: 3 were issued before the move


def test_the_moved_postgresql_ledger_continues_too(tmp_path: Path, pg_url: str) -> None:
    original = tmp_path / "ledger.sqlite"
    busy_ledger(original)
    migrate_ledger(original, pg_url)
    with Ledger(pg_url) as led:
        got = led.allocate(keys(3, "NEW"), RO, "b9")
        assert list(got.values()) == [make_s10("RR", s, "RO") for s in (6, 7, 8)]
        assert [r.number for r in led.numbers_for_batch("b2")] == [
            make_s10("RR", s, "RO") for s in range(1, 6)]
        # New events get ids above the copied ones.
        assert led.record_event(got[keys(3, "NEW")[0]], "deposited",
                                dt.datetime(2026, 11, 30, tzinfo=dt.UTC))


def test_a_target_holding_a_ledger_is_refused(tmp_path: Path, pg_url: str) -> None:
    original = tmp_path / "ledger.sqlite"
    busy_ledger(original)
    init_ledger(pg_url, [FR])
    with pytest.raises(LedgerError, match="already holds a ledger"):
        migrate_ledger(original, pg_url)
    taken = tmp_path / "taken.sqlite"
    taken.write_bytes(b"")
    with pytest.raises(LedgerError, match="already exists"):
        migrate_ledger(original, taken)
    with pytest.raises(UsageError, match="same ledger"):
        migrate_ledger(original, tmp_path / "." / "ledger.sqlite")
    # Refused moves leave the source as it was: it still issues numbers.
    with Ledger(original) as led:
        assert led.allocate(keys(1, "AFTER"), RO, "b5")


def test_migrate_on_the_command_line(tmp_path: Path, pg_url: str) -> None:
    original = tmp_path / "ledger.sqlite"
    busy_ledger(original)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-m", "notice_factory", "ledger", "migrate",
                           "--from", str(original), "--to", pg_url], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "every row compared" in done.stdout and "numbers 24" in done.stdout
    again = subprocess.run([sys.executable, "-m", "notice_factory", "batch",
                            str(REPO / "fixtures" / "cases.csv"), "--out", str(tmp_path / "o"),
                            "--ledger", str(original)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and "was moved to postgresql://" in again.stderr
