"""The ledger in PostgreSQL, where it differs from a file: a server that cannot be reached, a
database without a ledger, a transaction cut off mid-allocation, a writer that holds the lock,
and four real batches at once on one shared ledger (0 duplicate, 0 lost numbers).

The rules every ledger keeps (allocation, re-runs, --resend, capacity, imported numbers,
events, concurrency) run on both backends in test_ledger.py and test_imported_numbers.py.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import BATCH_DATE, REPO, demo_ledger
from pgserver import free_port
from test_batch import derived_cases

from notice_factory.errors import (
    LedgerBusyError,
    LedgerError,
    LedgerMissingError,
    LedgerUnreachableError,
)
from notice_factory.ledger import Ledger, LetterKey, init_ledger
from notice_factory.ledgerdb import WRITE_LOCK_KEY
from notice_factory.s10 import is_valid_s10
from notice_factory.settings import PostalAccount, SerialRange

DAY = dt.date(2026, 11, 23)
ACCOUNT = PostalAccount("La Poste", "FR", "Paris Louvre", "C-42",
                        (SerialRange("RR", 1, 99_999_999),))


def keys(n: int, prefix: str = "FR") -> list[LetterKey]:
    return [LetterKey(f"{prefix}-{i:06d}", "formal_notice", DAY) for i in range(n)]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "notice_factory", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def test_an_unreachable_server_is_a_clear_error() -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/ledger"  # nothing listens there
    with pytest.raises(LedgerUnreachableError) as info:
        Ledger(url)
    message = info.value.format_message()
    assert "cannot reach the ledger database" in message and "Nothing" in message
    assert "127.0.0.1" in message
    done = cli("ledger", "status", "--ledger", url)
    assert done.returncode == 1 and "cannot reach the ledger database" in done.stderr


def test_the_password_is_never_shown(pg_url: str) -> None:
    with_password = pg_url.replace("@", ":s3cret-pw@", 1)
    with pytest.raises(LedgerMissingError) as info:
        Ledger(with_password)  # trust authentication ignores it; the database has no ledger
    assert "s3cret-pw" not in info.value.format_message()


def test_a_database_without_a_ledger_is_refused_and_left_empty(pg_url: str) -> None:
    with pytest.raises(LedgerMissingError, match="holds no notice-factory ledger") as info:
        Ledger(pg_url)
    assert "ledger init" in str(info.value)
    with psycopg.connect(pg_url) as db:  # nothing was created by trying
        assert db.execute("SELECT count(*) FROM information_schema.tables"
                          " WHERE table_schema = 'public'").fetchone() == (0,)


def test_a_missing_database_says_so(postgres_url_of_missing: str) -> None:
    with pytest.raises(LedgerMissingError, match="does not exist"):
        Ledger(postgres_url_of_missing)


@pytest.fixture
def postgres_url_of_missing(pg_url: str) -> str:
    return pg_url.rsplit("/", 1)[0] + "/no_such_database"


def test_init_on_the_command_line_and_never_twice(pg_url: str) -> None:
    sender = str(REPO / "fixtures" / "sender-demo.toml")
    done = cli("ledger", "init", pg_url, "--sender", sender)
    assert done.returncode == 0, done.stderr
    assert "ledger created at postgresql://" in done.stdout
    again = cli("ledger", "init", pg_url, "--sender", sender)
    assert again.returncode == 1 and "already holds a ledger" in again.stderr
    status = cli("ledger", "status", "--ledger", pg_url)
    assert status.returncode == 0 and "La Poste" in status.stdout, status.stderr


def test_a_writer_holding_the_lock_makes_others_wait_then_say_busy(pg_url: str) -> None:
    init_ledger(pg_url, [ACCOUNT])
    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
        with Ledger(pg_url, busy_timeout_s=0.5) as led:
            with pytest.raises(LedgerBusyError, match="locked by another run"):
                led.allocate(keys(3), ACCOUNT, "b1")
            assert led.count() == 0 and led.lookup(keys(3)[0]) is None  # readers never wait
        holder.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
    with Ledger(pg_url) as led:
        assert len(led.allocate(keys(3), ACCOUNT, "b1")) == 3


def _allocating_backend(admin: psycopg.Connection[tuple[Any, ...]], name: str) -> int | None:
    row = admin.execute(
        "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
        " WHERE a.application_name = %s AND l.locktype = 'advisory' AND l.granted"
        " AND a.query LIKE 'INSERT INTO numbers%%'", (name,)).fetchone()
    return None if row is None else int(row[0])


def test_a_transaction_cut_off_mid_allocation_leaves_nothing(pg_url: str) -> None:
    """The server ends the allocating connection while it is inserting a batch's numbers:
    the whole allocation is rolled back (no half-allocated batch), the error says the
    database was lost, and the same batch run again gets the first serials of the range."""
    init_ledger(pg_url, [ACCOUNT])
    wanted = keys(40_000)
    outcome: list[BaseException] = []

    def allocate() -> None:
        try:
            with Ledger(pg_url) as led:
                led.allocate(wanted, ACCOUNT, "big")
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    with psycopg.connect(pg_url, autocommit=True) as admin:
        worker = threading.Thread(target=allocate)
        worker.start()
        pid = None
        deadline = time.monotonic() + 120
        while pid is None and worker.is_alive() and time.monotonic() < deadline:
            pid = _allocating_backend(admin, "notice-factory")
            time.sleep(0.01)
        assert pid is not None, "the allocation finished before it could be cut off"
        time.sleep(0.2)  # well inside the insertion of 40,000 rows
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        worker.join(timeout=120)
    assert len(outcome) == 1 and isinstance(outcome[0], LedgerError), outcome
    assert "rolled back whole" in str(outcome[0]) or "cannot reach" in str(outcome[0])
    with Ledger(pg_url) as led:
        assert led.count() == 0 and led.numbers_for_batch("big") == []
        again = led.allocate(wanted[:5], ACCOUNT, "big")
        assert [n[2:10] for n in again.values()] == [f"{s:08d}" for s in range(1, 6)]


# ---------------------------------------------------------------- four batches at once


def _batch(cases: Path, out: Path, ledger: str) -> list[str]:
    return [sys.executable, "-m", "notice_factory", "batch", str(cases), "--out", str(out),
            "--ledger", ledger, "--date", BATCH_DATE.isoformat(), "--jobs", "1", "--json"]


def _manifest_numbers(out: Path) -> dict[str, str]:
    import csv

    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: r["tracking_number"] for r in csv.DictReader(fh)
                if r["tracking_number"]}


# HTML kinds only (no LibreOffice): French and Romanian letters, at home and abroad.
PICKS = ["FR-2026-0001", "FR-2026-0002", "FR-2026-0004", "FR-2026-0006", "RO-2026-0001",
         "RO-2026-0002"]


@pytest.mark.slow
def test_four_concurrent_batches_on_one_postgresql_ledger(pg_url: str, tmp_path: Path) -> None:
    """Four `batch` commands at once, each its own process and connection, on one ledger:
    every letter has a number, no number twice, none lost (every number issued is on a
    letter, and each range's serials run without a gap from its first)."""
    demo_ledger(pg_url)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    procs, ids = [], {}
    for n in range(4):
        cases = tmp_path / f"c{n}.csv"
        ids[n] = derived_cases(cases, f"P{n}", picks=PICKS)
        procs.append(subprocess.Popen(_batch(cases, tmp_path / f"o{n}", pg_url), cwd=REPO,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    for p in procs:
        _, err = p.communicate(timeout=1800)
        assert p.returncode == 0, err[-3000:]
    printed = {}
    for n in range(4):
        got = _manifest_numbers(tmp_path / f"o{n}")
        assert set(got) == set(ids[n])  # every letter of every batch has its number
        printed.update(got)
    with psycopg.connect(pg_url) as db:
        rows = db.execute("SELECT number, case_id, state, service, serial, country"
                          " FROM numbers").fetchall()
        ranges = db.execute("SELECT service, country, first FROM ranges").fetchall()
    numbers = [r[0] for r in rows]
    assert len(numbers) == len(set(numbers)) == 24  # 0 duplicate
    assert {r[1]: r[0] for r in rows} == printed  # the ledger's numbers are the letters'
    assert {r[2] for r in rows} == {"used"}  # 0 lost: none allocated and left unprinted
    by_range: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, _, _, service, serial, country in rows:
        if service:  # S10 (imported numbers have no service)
            assert is_valid_s10(number)
            by_range[(service, country)].append(int(serial))
    firsts = {(service, country): int(first) for service, country, first in ranges}
    for where, serials in by_range.items():
        start = min(serials)
        assert start in firsts.values() and firsts.get(where, start) <= start
        assert sorted(serials) == list(range(start, start + len(serials))), where
