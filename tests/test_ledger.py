"""The registered-number ledger: S10 check digits, allocation rules, refusals, concurrency."""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, overload

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory.errors import ConfigError, LedgerError, RangeExhaustedError, UsageError
from notice_factory.ledger import (
    SCHEMA_VERSION,
    TRACKING_STATUSES,
    Ledger,
    LetterKey,
    default_ledger_path,
    init_ledger,
)
from notice_factory.model import Kind
from notice_factory.s10 import MAX_SERIAL, WEIGHTS, is_valid_s10, make_s10, s10_check_digit
from notice_factory.settings import PostalAccount, SerialRange

DAY = dt.date(2026, 11, 23)


def postal(*ranges: SerialRange, operator: str = "La Poste", country: str = "FR") -> PostalAccount:
    return PostalAccount(operator, country, "Paris Louvre", "C-42", ranges)


def keys(n: int, prefix: str = "FR", kind: str = "formal_notice") -> list[LetterKey]:
    return [LetterKey(f"{prefix}-{i:04d}", kind, DAY) for i in range(n)]


def stepping_clock() -> Callable[[], dt.datetime]:
    """A clock that moves one second per call, so stored times are known and ordered."""
    ticks = iter(range(10**6))
    start = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    return lambda: start + dt.timedelta(seconds=next(ticks))


@overload
def new_ledger(path: Path) -> Path: ...


@overload
def new_ledger(path: str) -> str: ...


@overload
def new_ledger(path: Path | str) -> Path | str: ...


def new_ledger(path: Path | str) -> Path | str:
    """A ledger made on purpose (a file, or in a PostgreSQL database), serving every range
    these tests number from."""
    everything = (SerialRange("RR", 0, MAX_SERIAL), SerialRange("RS", 0, MAX_SERIAL))
    init_ledger(path, [postal(*everything),
                       postal(*everything, operator="Poșta Română", country="RO")])
    return path


@pytest.fixture
def ledger(ledger_at: Path | str) -> Iterator[Ledger]:
    """A new ledger, once in an SQLite file and once in PostgreSQL (conftest.ledger_at)."""
    with Ledger(new_ledger(ledger_at), clock=stepping_clock()) as led:
        yield led


@contextlib.contextmanager
def raw(target: Path | str) -> Iterator[Any]:
    """A plain driver connection to the ledger's database (sqlite3 or psycopg), autocommit."""
    if isinstance(target, Path):
        db = sqlite3.connect(target, isolation_level=None)
        try:
            yield db
        finally:
            db.close()
    else:
        with psycopg.connect(target, autocommit=True) as conn:
            yield conn


# --------------------------------------------------------------------------- S10


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("RB123456785GB", True),  # S = 204, 204 mod 11 = 6, C = 5
        ("CO006150666RO", True),  # S = 137, 137 mod 11 = 5, C = 6
        ("EM001220590RO", True),  # S = 122, 122 mod 11 = 1, C = 10 -> 0
        ("RB123456786GB", False),
        ("RB12345678GB", False),
        ("RB1234567850GB", False),
        ("R8123456785GB", False),
        ("RB123456785G1", False),
        ("RB12345678XGB", False),
        ("RB١٢٣٤٥٦٧٨٥GB", False),  # Arabic-Indic digits are digits to str.isdigit, not to S10
    ],
)
def test_worked_examples(number: str, valid: bool) -> None:
    assert is_valid_s10(number) is valid


def test_check_digit_special_cases() -> None:
    assert s10_check_digit("00122059") == 0  # C = 10 becomes 0
    assert s10_check_digit(0) == 5  # S = 0: C = 11 becomes 5
    assert s10_check_digit(12345678) == s10_check_digit("12345678") == 5


@pytest.mark.parametrize("bad", [-1, 100_000_000, "1234567", "1234567a", "123456789"])
def test_bad_serials_are_refused(bad: int | str) -> None:
    with pytest.raises(UsageError):
        s10_check_digit(bad)


@pytest.mark.parametrize(
    ("service", "country"), [("R", "FR"), ("rr", "FR"), ("RR", "F1"), ("RR", "")]
)
def test_bad_codes_are_refused(service: str, country: str) -> None:
    with pytest.raises(UsageError):
        make_s10(service, 1, country)


services = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
serials = st.integers(min_value=0, max_value=99_999_999)


@given(services, serials, services)
def test_make_s10_always_validates(service: str, serial: int, country: str) -> None:
    number = make_s10(service, serial, country)
    assert len(number) == 13 and number[2:10] == f"{serial:08d}"
    assert is_valid_s10(number)


@given(services, serials, services, st.integers(min_value=2, max_value=10), st.integers(1, 9))
def test_single_digit_changes(
    service: str, serial: int, country: str, position: int, delta: int
) -> None:
    number = make_s10(service, serial, country)
    changed = str((int(number[position]) + delta) % 10)
    mutated = number[:position] + changed + number[position + 1 :]
    if position == 10:
        # A wrong check digit is always caught.
        assert not is_valid_s10(mutated)
        return
    # A changed serial digit is caught, except for the one weakness the standard itself has:
    # a weighted sum of 0 mod 11 and one of 6 mod 11 both give check digit 5.
    def rest(n: str) -> int:
        return sum(w * int(d) for w, d in zip(WEIGHTS, n[2:10], strict=True)) % 11

    remainders = {rest(number), rest(mutated)}
    assert is_valid_s10(mutated) is (remainders == {0, 6})


def test_the_documented_blind_spot_exists() -> None:
    # 00000000 (S = 0) and 90000000 (S = 72, 72 mod 11 = 6) share check digit 5.
    assert is_valid_s10("RR000000005FR") and is_valid_s10("RR900000005FR")


# --------------------------------------------------------------------------- opening


def test_default_path_is_in_the_user_data_directory() -> None:
    path = default_ledger_path()
    assert path.name == "ledger.sqlite" and "notice-factory" in path.parts[-2]


def test_schema_is_versioned_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "sub" / "ledger.sqlite")
    with Ledger(path) as led:
        assert led.schema_version() == SCHEMA_VERSION
        number = led.allocate(keys(1), postal(SerialRange("RR", 1, 9)), "b1")[keys(1)[0]]
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with Ledger(path) as led:
        assert led.lookup(keys(1)[0]) == number
        assert led.count() == 1


def test_a_postgresql_ledger_is_versioned_and_survives_reopening(pg_url: str) -> None:
    new_ledger(pg_url)
    with Ledger(pg_url) as led:
        assert led.backend == "postgresql" and led.schema_version() == SCHEMA_VERSION
        number = led.allocate(keys(1), postal(SerialRange("RR", 1, 9)), "b1")[keys(1)[0]]
    with raw(pg_url) as db:
        assert db.execute("SELECT version FROM ledger_schema").fetchall() == [(SCHEMA_VERSION,)]
    with Ledger(pg_url) as led:
        assert led.lookup(keys(1)[0]) == number and led.count() == 1


def test_a_newer_schema_is_refused(ledger_at: Path | str) -> None:
    new_ledger(ledger_at)
    with raw(ledger_at) as db:
        if isinstance(ledger_at, Path):
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        else:
            db.execute(f"UPDATE ledger_schema SET version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LedgerError, match="newer notice-factory"):
        Ledger(ledger_at)


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not an SQLite database, just some text " * 100)
    with pytest.raises(LedgerError, match="is not a ledger"):
        Ledger(path)


def test_the_database_itself_refuses_a_bad_state(ledger: Ledger,
                                                  ledger_at: Path | str) -> None:
    number = ledger.allocate(keys(1), postal(SerialRange("RR", 1, 9)), "b1")[keys(1)[0]]
    with raw(ledger_at) as db:
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
            db.execute("UPDATE numbers SET state = 'lost'")
        # The same number twice, or a second live number for one letter, even by hand.
        row = ("La Poste", "RR", 1, "FR", "FR-X", "reminder", "2026-11-23", "b1", "allocated",
               "2026-11-23T08:00:00+00:00")
        insert = ("INSERT INTO numbers (number, operator, service, serial, country, case_id, kind,"
                  " letter_date, batch_id, state, allocated_at) VALUES ({})")
        marks = ", ".join(["?" if isinstance(ledger_at, Path) else "%s"] * 11)
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
            db.execute(insert.format(marks), (number, *row))
        second = (*row[:2], 7, *row[3:4], "FR-0000", "formal_notice", *row[6:])
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
            db.execute(insert.format(marks), (make_s10("RR", 7, "FR"), *second))


# --------------------------------------------------------------------------- allocation


def test_allocation_follows_the_order_of_the_keys(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1000, 1999))
    ks = keys(3)
    got = ledger.allocate(ks, account, "b1")
    assert list(got) == ks
    assert [got[k] for k in ks] == [make_s10("RR", s, "FR") for s in (1000, 1001, 1002)]
    records = ledger.numbers_for_batch("b1")
    assert [r.number for r in records] == [got[k] for k in ks]
    assert {r.state for r in records} == {"allocated"}
    assert records[0].key == ks[0] and records[0].operator == "La Poste"
    assert records[0].allocated_at == "2026-11-23T08:00:00+00:00"
    assert ledger.remaining(account) == 1000 - 3


def test_rerun_is_idempotent(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 99))
    first = ledger.allocate(keys(5), account, "b1")
    assert ledger.count() == 5
    again = ledger.allocate(list(reversed(keys(5))), account, "b2")
    assert again == first
    assert ledger.count() == 5 and ledger.numbers_for_batch("b2") == []
    # A re-run with more letters: the old ones keep their numbers, the new ones continue.
    more = ledger.allocate(keys(7), account, "b3")
    assert {k: more[k] for k in keys(5)} == first
    assert more[keys(7)[6]] == make_s10("RR", 7, "FR")
    assert ledger.count() == 7


def test_kind_enum_and_text_are_the_same_letter(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 99))
    as_text = LetterKey("FR-1", "reminder", DAY)
    as_enum = LetterKey("FR-1", Kind.REMINDER, DAY)
    got = ledger.allocate([as_enum, as_text], account, "b1")
    assert got[as_enum] == got[as_text] and ledger.count() == 1
    assert ledger.lookup(as_enum) == got[as_text]


def test_a_number_is_per_operator(ledger: Ledger) -> None:
    fr = postal(SerialRange("RR", 1, 99))
    ro = postal(SerialRange("RR", 1, 99), operator="Poșta Română", country="RO")
    key = keys(1)[0]
    a = ledger.allocate([key], fr, "b1")[key]
    b = ledger.allocate([key], ro, "b1")[key]
    assert a.endswith("FR") and b.endswith("RO") and ledger.count() == 2
    assert ledger.lookup(key, operator="Poșta Română") == b


def test_resend_voids_the_old_number_and_allocates_a_new_one(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 99))
    ks = keys(3)
    first = ledger.allocate(ks, account, "b1")
    ledger.mark_used(first.values())
    second = ledger.allocate(ks, account, "b2", resend=frozenset({ks[1]}))
    assert second[ks[0]] == first[ks[0]] and second[ks[2]] == first[ks[2]]
    assert second[ks[1]] == make_s10("RR", 4, "FR")
    # The old number is voided when the new letter's batch is done (mark_used), not before.
    ledger.mark_used(second.values())
    old = ledger.record(first[ks[1]])
    assert old is not None and old.state == "voided"
    assert old.void_reason == f"sent again under {second[ks[1]]}"
    assert ledger.lookup(ks[1]) == second[ks[1]]
    assert ledger.count() == 4 and ledger.count("voided") == 1


def test_resend_of_a_letter_never_numbered_just_allocates(ledger: Ledger) -> None:
    key = keys(1)[0]
    got = ledger.allocate([key], postal(SerialRange("RR", 1, 9)), "b1", resend=frozenset({key}))
    assert got[key] == make_s10("RR", 1, "FR") and ledger.count("voided") == 0


def test_voided_numbers_are_never_reused(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 99))
    ks = keys(3)
    first = ledger.allocate(ks, account, "b1")
    ledger.void(first[ks[2]], "envelope damaged")  # the highest serial issued so far
    ledger.void(first[ks[2]], "second reason is ignored")
    record = ledger.record(first[ks[2]])
    assert record is not None and record.void_reason == "envelope damaged"
    # The voided letter and a new one both get fresh serials above the voided one.
    got = ledger.allocate([ks[2], LetterKey("FR-NEW", "reminder", DAY)], account, "b2")
    assert got[ks[2]] == make_s10("RR", 4, "FR")
    assert got[LetterKey("FR-NEW", "reminder", DAY)] == make_s10("RR", 5, "FR")
    assert first[ks[2]] not in got.values()
    assert ledger.remaining(account) == 99 - 5


def test_a_range_spanning_two_blocks(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 10, 11), SerialRange("RS", 500, 502))
    got = ledger.allocate(keys(4), account, "b1")
    assert list(got.values()) == [
        make_s10("RR", 10, "FR"),
        make_s10("RR", 11, "FR"),
        make_s10("RS", 500, "FR"),
        make_s10("RS", 501, "FR"),
    ]
    assert ledger.remaining(account) == 1
    assert ledger.allocate(keys(5), account, "b2")[keys(5)[4]] == make_s10("RS", 502, "FR")
    assert ledger.remaining(account) == 0


def test_exhaustion_is_refused_up_front_and_writes_nothing(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 3), SerialRange("RR", 10, 11))
    ks = keys(3)
    first = ledger.allocate(ks, account, "b1")
    ledger.mark_used(first.values())  # a resend replaces numbers of finished letters
    rows_before = ledger.count()
    # 3 already numbered (reused), 1 resend and 4 new letters = 5 new numbers; 2 are left.
    wanted = [*ks, *keys(4, prefix="NEW")]
    with pytest.raises(RangeExhaustedError) as info:
        ledger.allocate(wanted, account, "b2", resend=frozenset({ks[0]}))
    assert info.value.missing == 3
    assert info.value.message == (
        "the registered-number ranges of La Poste have 2 numbers left but this batch needs 5: "
        "3 are missing; ask La Poste for a new range and add it to the sender profile"
    )
    assert ledger.count() == rows_before and ledger.count("voided") == 0
    assert ledger.lookup(ks[0]) == first[ks[0]]
    assert ledger.numbers_for_batch("b2") == []
    assert ledger.remaining(account) == 2


def test_overlapping_ranges_are_a_profile_error(ledger: Ledger) -> None:
    account = postal(SerialRange("RR", 1, 10), SerialRange("RR", 5, 20))
    with pytest.raises(ConfigError, match="overlap"):
        ledger.allocate(keys(1), account, "b1")
    assert ledger.count() == 0


def test_numbers_issued_outside_the_current_ranges_are_not_counted(ledger: Ledger) -> None:
    ledger.allocate(keys(2), postal(SerialRange("RR", 1, 2)), "b1")
    assert ledger.remaining(postal(SerialRange("RR", 1, 2), SerialRange("RR", 3, 4))) == 2
    # The same serials under another country are another number space.
    assert ledger.remaining(postal(SerialRange("RR", 1, 2), country="RO",
                                   operator="Poșta Română")) == 2


# --------------------------------------------------------------------------- states and events


def test_mark_used_is_all_or_nothing(ledger: Ledger) -> None:
    got = ledger.allocate(keys(3), postal(SerialRange("RR", 1, 9)), "b1")
    a, b, c = got.values()
    ledger.void(c, "misprint")
    with pytest.raises(LedgerError, match="voided"):
        ledger.mark_used([a, b, c])
    assert ledger.count("used") == 0
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.mark_used([a, "RR999999990FR"])
    assert ledger.count("used") == 0
    ledger.mark_used([a, b, a])
    ledger.mark_used([a])  # twice is fine
    record = ledger.record(a)
    assert record is not None and record.state == "used" and record.used_at is not None


def test_void_needs_a_known_number_and_a_reason(ledger: Ledger) -> None:
    with pytest.raises(LedgerError):
        ledger.void("RR000000005FR", "no such number")
    number = ledger.allocate(keys(1), postal(SerialRange("RR", 1, 9)), "b1")[keys(1)[0]]
    with pytest.raises(UsageError):
        ledger.void(number, "  ")
    assert ledger.lookup(keys(1)[0]) == number


def test_tracking_events(ledger: Ledger) -> None:
    number = ledger.allocate(keys(1), postal(SerialRange("RR", 1, 9)), "b1")[keys(1)[0]]
    when = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)
    assert ledger.record_event(number, "deposited", when, "Paris Louvre", "laposte-export.csv")
    assert not ledger.record_event(number, "deposited", when, "Paris Louvre", "laposte-export.csv")
    assert ledger.record_event(number, "delivered", when + dt.timedelta(days=1), "", "csv")
    events = ledger.events(number)
    assert [e.status for e in events] == ["deposited", "delivered"]
    assert events[0].event_time == "2026-11-25T14:30:00+00:00"
    with pytest.raises(UsageError, match="not a tracking status"):
        ledger.record_event(number, "signed", when)
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.record_event("RR000000005FR", "lost", when)
    assert "returned_address_unknown" in TRACKING_STATUSES and len(TRACKING_STATUSES) == 8


# --------------------------------------------------------------------------- concurrency


def _allocate_worker(
    path: str, prefix: str, count: int, chunk: int, barrier: Any, out: Any
) -> None:
    account = postal(SerialRange("RR", 1, 500), SerialRange("RS", 1, 10_000))
    try:
        with Ledger(path, busy_timeout_s=30) as led:  # opened concurrently too
            barrier.wait()
            result: dict[str, str] = {}
            ks = keys(count, prefix=prefix)
            for i in range(0, count, chunk):
                got = led.allocate(ks[i : i + chunk], account, f"batch-{prefix}-{i}")
                result.update({k.case_id: n for k, n in got.items()})
        out.put((prefix, result, None))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put((prefix, {}, repr(exc)))


def _run_workers(
    path: Path | str, prefixes: list[str], count: int, chunk: int
) -> list[tuple[str, dict[str, str]]]:
    # forkserver, not fork: forking a test process that has threads (left by earlier tests'
    # pools) can copy a held lock into the child, which then hangs forever.
    ctx = multiprocessing.get_context("forkserver")
    barrier = ctx.Barrier(len(prefixes))
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_allocate_worker, args=(str(path), p, count, chunk, barrier, out))
        for p in prefixes
    ]
    for proc in procs:
        proc.start()
    try:
        results = [out.get(timeout=120) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.exitcode is None:  # stuck: end it so a failure does not hang the suite
                proc.kill()
                proc.join()
    assert all(proc.exitcode == 0 for proc in procs)
    errors = [err for _, _, err in results if err]
    assert not errors
    return [(prefix, result) for prefix, result, _ in results]


@pytest.mark.parametrize("chunk", [1, 10, 200])
def test_concurrent_processes_never_share_a_number(ledger_at: Path | str, chunk: int) -> None:
    path = new_ledger(ledger_at)  # a fresh ledger, in a file or in PostgreSQL
    prefixes = ["A", "B", "C", "D"]
    results = _run_workers(path, prefixes, 200, chunk)
    numbers = [n for _, result in results for n in result.values()]
    assert len(numbers) == 4 * 200
    assert len(set(numbers)) == len(numbers)
    assert all(is_valid_s10(n) for n in numbers)
    with Ledger(path) as led:
        assert led.count() == 800
        # Together the four used exactly the first 800 free serials: RR 1..500, then RS 1..300.
        account = postal(SerialRange("RR", 1, 500), SerialRange("RS", 1, 10_000))
        assert led.remaining(account) == 10_000 - 300
        for prefix, result in results:
            for case_id, number in result.items():
                assert led.lookup(LetterKey(case_id, "formal_notice", DAY)) == number, prefix


def test_concurrent_reruns_of_the_same_letters_agree(ledger_at: Path | str) -> None:
    path = new_ledger(ledger_at)
    results = _run_workers(path, ["S", "S", "S"], 150, 25)
    assert len(results) == 3 and len(results[0][1]) == 150
    assert len({tuple(sorted(r.items())) for _, r in results}) == 1
    with Ledger(path) as led:
        assert led.count() == 150
