"""The registered-number ledger: UPU S10 numbers, never issued twice, kept in an SQLite file or
a PostgreSQL database shared by several machines (``postgresql://user@host/db``).

A registered letter's number is a legal proof (it is on the deposit list the post office
stamps), so the ledger promises three things:

- a number is issued at most once, voided numbers included (UPU S10 forbids reuse);
- running the same batch again gives the same letters the same numbers (idempotent), and only an
  explicit ``resend`` gives a letter a new one, voiding the old;
- a batch that needs more numbers than the sender's ranges have left fails before writing
  anything.

Every write runs in one transaction that first takes the ledger's one write lock (SQLite's
``BEGIN IMMEDIATE``, a PostgreSQL advisory transaction lock: ``ledgerdb``) before reading what
is free, so two processes allocating at the same time, on one machine or many, are serialised;
the primary key on the number is the last guard. The SQL is written once; ``ledgerdb`` runs it
on either database.

A ledger is created only on purpose (:func:`init_ledger`, ``notice-factory ledger init``): opening
a path where there is no ledger, or an emptied file, is refused, because a new ledger there would
issue again numbers already printed on letters. The ledger records the ranges it serves (per
operator); a profile whose ranges it does not serve is refused (another profile's ledger), and a
range that overlaps another operator's is never recorded. Each database failure is reported as
what it is (locked, read-only, disk full, damaged, unreachable) with what to do.

>>> import tempfile, pathlib, datetime as dt
>>> from notice_factory.settings import PostalAccount, SerialRange
>>> postal = PostalAccount("Poșta Română", "RO", "București 1", "C-1",
...                        (SerialRange("RR", 100, 199),))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite"
>>> init_ledger(path, [postal])
>>> clock = lambda: dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
>>> with Ledger(path, clock=clock) as ledger:
...     key = LetterKey("RO-0001", "formal_notice", dt.date(2026, 11, 23))
...     first = ledger.allocate([key], postal, "batch-1")[key]
...     again = ledger.allocate([key], postal, "batch-2")[key]  # same letter: same number
...     first, again, ledger.remaining(postal)
('RR000001006RO', 'RR000001006RO', 99)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Concatenate, NamedTuple, ParamSpec, TypeVar

from notice_factory.batching import operator_slug
from notice_factory.errors import (
    ConfigError,
    ContentChangedError,
    LedgerDamagedError,
    LedgerError,
    LedgerMissingError,
    LedgerMovedError,
    LedgerProfileError,
    LettersBusyError,
    RangeExhaustedError,
    UsageError,
)
from notice_factory.ledgerdb import (
    Backend,
    PostgresBackend,
    SQLiteBackend,
    explain_sqlite_error,
    is_database_url,
    ledger_target,
    open_backend,
    redact,
)
from notice_factory.s10 import make_s10
from notice_factory.settings import PostalAccount, SerialRange

# --------------------------------------------------------------------------- ledger vocabulary


class LetterKey(NamedTuple):
    """What makes a letter "the same letter" for numbering: case, kind and letter date.

    >>> LetterKey("FR-1", "formal_notice", dt.date(2026, 11, 23)).kind
    'formal_notice'
    """

    case_id: str
    kind: str
    letter_date: dt.date


# The constructor NamedTuple makes claims a module "namedtuple_LetterKey": named after ours, the
# API reference (pdoc) resolves its annotations (dt.date) here.
LetterKey.__new__.__module__ = __name__


# The normalised carrier statuses of registered-post.md section 6, of the first `events` table.
# No command writes or reads that table: `tracking import` stores carrier events in
# `carrier_events` (schema step 3) with the statuses of outcomes.Status; the two are kept apart
# so ledgers written before keep their rows.
TRACKING_STATUSES: frozenset[str] = frozenset(
    {
        "deposited",
        "in_transit",
        "awaiting_pickup",
        "delivered",
        "refused",
        "unclaimed",
        "returned_address_unknown",
        "lost",
    }
)

STATES = ("allocated", "used", "voided")

DateTimeClock = Callable[[], dt.datetime]
"""Where "now" comes from; injected so tests (and reruns) control every stored time."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_ledger_path() -> Path:
    """The ledger used when no ``--ledger`` is given: in the user's data directory."""
    # Imported here so that merely importing the module does not need platformdirs.
    from platformdirs import user_data_dir

    return Path(user_data_dir("notice-factory")) / "ledger.sqlite"


@dataclass(frozen=True)
class NumberRecord:
    """One registered number of the ledger: whose letter it is, in which batch, and its
    state (``allocated``, ``used`` once printed, ``voided``), from
    :meth:`Ledger.record`, :meth:`Ledger.sent_letters` or :meth:`Ledger.numbers_for_batch`.

    >>> r = NumberRecord("RR100000005FR", "La Poste", "FR-1", "reminder", dt.date(2026, 11, 23),
    ...                  "b-1", "used", "2026-11-23T10:00:00+00:00", None, None, None)
    >>> r.key
    LetterKey(case_id='FR-1', kind='reminder', letter_date=datetime.date(2026, 11, 23))
    """

    number: str
    operator: str
    case_id: str
    kind: str
    letter_date: dt.date
    batch_id: str
    state: str
    allocated_at: str
    used_at: str | None
    voided_at: str | None
    void_reason: str | None
    fingerprint: str = ""  # of the letter's content ("" for numbers issued before schema 5)
    batch_folder: str = ""  # "host:/path" of the batch folder producing the letter, or ""
    replaced_by: str = ""  # the number of a resend in flight (this one is voided when it lands)

    @property
    def key(self) -> LetterKey:
        return LetterKey(self.case_id, self.kind, self.letter_date)


@dataclass(frozen=True)
class TrackingEvent:
    number: str
    status: str
    event_time: str
    location: str
    source: str
    imported_at: str


# --------------------------------------------------------------------------- schema

SCHEMA_VERSION = 5

# One list of statements per version step; a file at version N gets steps N+1.. applied in order.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE batches (
            batch_id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE numbers (
            number TEXT PRIMARY KEY,
            operator TEXT NOT NULL,
            service TEXT NOT NULL,
            serial INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 99999999),
            country TEXT NOT NULL,
            case_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            letter_date TEXT NOT NULL,
            batch_id TEXT NOT NULL REFERENCES batches(batch_id),
            state TEXT NOT NULL CHECK (state IN ('allocated', 'used', 'voided')),
            allocated_at TEXT NOT NULL,
            used_at TEXT,
            voided_at TEXT,
            void_reason TEXT,
            UNIQUE (service, serial, country)
        )""",
        "CREATE INDEX numbers_by_letter ON numbers (case_id, kind, letter_date, state)",
        # At most one live number per letter and operator, even if a caller bypasses allocate().
        """CREATE UNIQUE INDEX one_live_number_per_letter
            ON numbers (operator, case_id, kind, letter_date)
            WHERE state IN ('allocated', 'used')""",
        "CREATE INDEX numbers_by_batch ON numbers (batch_id)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL REFERENCES numbers(number),
            status TEXT NOT NULL CHECK (status IN ('deposited', 'in_transit', 'awaiting_pickup',
                'delivered', 'refused', 'unclaimed', 'returned_address_unknown', 'lost')),
            event_time TEXT NOT NULL,
            location TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL,
            UNIQUE (number, status, event_time, source)
        )""",
    ),
    2: (
        # Who made the ledger, when, for which profile (key/value, for `ledger status`).
        "CREATE TABLE ledger_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # The ranges this ledger serves: numbers are allocated only from these.
        """CREATE TABLE ranges (
            operator TEXT NOT NULL,
            country TEXT NOT NULL,
            service TEXT NOT NULL,
            first INTEGER NOT NULL CHECK (first BETWEEN 0 AND 99999999),
            last INTEGER NOT NULL CHECK (last BETWEEN first AND 99999999),
            profile TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            PRIMARY KEY (operator, country, service, first, last)
        )""",
    ),
    # Carrier events as the carrier sent them (code, label, time) beside the logistics status
    # and legal outcome they were read as (tracking import, issue 14). One event is stored once:
    # (number, code, event_at) is what makes it the same event, so re-imports add nothing.
    3: (
        """CREATE TABLE carrier_events (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL REFERENCES numbers(number),
            operator TEXT NOT NULL,
            code TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            event_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('deposited', 'in_transit', 'notice_left',
                'available_for_pickup', 'delivered', 'returned', 'exception', 'lost')),
            outcome TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL,
            UNIQUE (number, code, event_at)
        )""",
        "CREATE INDEX carrier_events_by_number ON carrier_events (number, event_at)",
    ),
    4: (
        # Numbers an operator issued (La Poste's domestic recommandé, ...), imported from its
        # list: a number is free while no row of `numbers` has it. Taken in import order.
        """CREATE TABLE imported_numbers (
            number TEXT PRIMARY KEY,
            operator TEXT NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL
        )""",
        "CREATE INDEX imported_by_operator ON imported_numbers (operator)",
    ),
    # One number, one letter (issue 11). `fingerprint`: what the letter under the number says
    # (see LetterKey; '' for numbers issued before this step), so a re-run whose letter changed
    # is stopped. `batch_folder`: where the letter is produced ("host:/absolute/path"), so two
    # runs never produce the same letters in two folders. `replaced_by`: a resend in flight;
    # the old number stays live (its letter is still in its batch folder) until the batch of
    # the new one is complete, then it is voided, so a killed resend leaves the old letter's
    # number valid and a finished one never leaves a printed letter with a live old number.
    # Plain SQL (ALTER TABLE ... ADD COLUMN with a default, partial unique index): SQLite and
    # PostgreSQL alike.
    5: (
        "ALTER TABLE numbers ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE numbers ADD COLUMN batch_folder TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE numbers ADD COLUMN replaced_by TEXT NOT NULL DEFAULT ''",
        "DROP INDEX one_live_number_per_letter",
        """CREATE UNIQUE INDEX one_live_number_per_letter
            ON numbers (operator, case_id, kind, letter_date)
            WHERE state IN ('allocated', 'used') AND replaced_by = ''""",
    ),
}


#: The tables of a ledger, in creation order (PostgreSQL adds `ledger_schema`, its version).
LEDGER_TABLES: tuple[str, ...] = tuple(
    m.group(1) for step in sorted(_MIGRATIONS) for statement in _MIGRATIONS[step]
    if (m := re.match(r"\s*CREATE TABLE (\w+)", statement)))


def _kind_text(kind: object) -> str:
    # Accept model.Kind as well as plain text: a str-Enum hashes by name, not value, so keys are
    # normalised to the value before they reach SQL or are compared.
    return str(kind.value) if isinstance(kind, Enum) else str(kind)


def _check_ranges(postal: PostalAccount) -> list[SerialRange]:
    ranges = list(postal.ranges)
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            if a.service == b.service and a.first <= b.last and b.first <= a.last:
                # Overlapping blocks would make "how many are left" count some serials twice.
                raise ConfigError(
                    f"the registered-number ranges of {postal.operator} overlap: "
                    f"{a.service} {a.first}-{a.last} and {b.service} {b.first}-{b.last}; "
                    "correct the sender profile"
                )
    return ranges


def _range_text(service: str, first: int, last: int) -> str:
    return f"{service} {first}-{last}"


# --------------------------------------------------------------------------- failures, in words

_P = ParamSpec("_P")
_T = TypeVar("_T")


_Method = Callable[Concatenate["Ledger", _P], _T]


def _guarded(method: _Method[_P, _T]) -> _Method[_P, _T]:
    """A ledger method whose database failures come out as the LedgerError that names them."""

    def wrapper(self: Ledger, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(self, *args, **kwargs)
        except self._db.errors() as exc:
            raise self._db.explain(exc) from None

    functools.update_wrapper(wrapper, method)
    return wrapper


def create_schema(db: Backend) -> None:
    """Every table of a new, empty ledger (inside the caller's transaction)."""
    _apply_migrations(db, 0)


def _apply_migrations(db: Backend, version: int) -> None:
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in _MIGRATIONS[step]:
            db.execute(db.ddl(statement))
        db.set_user_version(step)


def _record_ranges(db: Backend, postal: PostalAccount, profile: str,
                   now: str) -> list[SerialRange]:
    """Record the account's ranges not yet served (inside the caller's transaction); refuse
    one that overlaps a range of another operator (the same S10 numbers twice)."""
    added = []
    for r in _check_ranges(postal):
        clash = db.execute(
            "SELECT operator, first, last FROM ranges WHERE service = ? AND country = ?"
            " AND operator <> ? AND first <= ? AND ? <= last",
            (r.service, postal.country, postal.operator, r.last, r.first)).fetchone()
        if clash is not None:
            raise LedgerProfileError(
                f"the range {_range_text(r.service, r.first, r.last)} ({postal.country}) of "
                f"{postal.operator} overlaps the range {_range_text(r.service, clash[1], clash[2])}"
                f" this ledger serves for {clash[0]}: the same registered numbers cannot belong "
                "to two operators. Correct the sender profile (ask the operator which range is "
                "yours); nothing was recorded.")
        cursor = db.execute(
            "INSERT INTO ranges (operator, country, service, first, last, profile,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (postal.operator, postal.country, r.service, r.first, r.last, profile, now))
        if cursor.rowcount == 1:
            added.append(r)
    return added


def _fill_new(db: Backend, accounts: Iterable[PostalAccount], profile: str, now: str) -> None:
    """The schema, the ledger's facts and the accounts' ranges, in the caller's transaction."""
    _apply_migrations(db, 0)
    db.executemany("INSERT INTO ledger_info (key, value) VALUES (?, ?)",
                   [("created_at", now), ("profile", profile)])
    for postal in accounts:
        _record_ranges(db, postal, profile, now)


def init_ledger(path: Path | str, accounts: Iterable[PostalAccount], *, profile: str = "",
                clock: DateTimeClock | None = None) -> None:
    """Create a new ledger at ``path`` (a file, or a ``postgresql://`` URL) serving the
    accounts' ranges; never replaces one.

    A file is built under a temporary name and linked into place, so a crash leaves no
    half-made ledger, and two ``init`` at once make one ledger (the other is refused). In
    PostgreSQL the database must exist (made by its administrator) and hold no ledger; the
    schema is made in one transaction under the ledger's write lock, with the same effect.
    """
    now = (clock or utc_now)().isoformat(timespec="seconds")
    if is_database_url(path):
        build_in_database(str(path), lambda db: _fill_new(db, accounts, profile, now))
    else:
        build_file(Path(path), lambda db: _fill_new(db, accounts, profile, now))


def _refuse_existing(target: Path) -> None:
    if target.exists() or target.is_symlink():
        raise LedgerError(
            "a file already exists here, and a ledger is never replaced or re-created: to use "
            f"it, pass --ledger {target}; to start another ledger, choose a new path.",
            file=str(target))


def build_file(target: Path, fill: Callable[[Backend], None]) -> None:
    """Make a new ledger file: ``fill`` writes it under a temporary name, in one transaction,
    then it is linked into place (never over an existing file)."""
    _refuse_existing(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.init")
    for leftover in _sqlite_files(tmp):
        leftover.unlink(missing_ok=True)
    try:
        db = SQLiteBackend(tmp, 5.0, create=True)
        try:
            db.begin_write()
            fill(db)
            db.commit()
        except sqlite3.Error as exc:
            raise explain_sqlite_error(exc, target) from None
        finally:
            db.close()
        os.link(tmp, target)  # fails if the path appeared meanwhile: never replaces
    except FileExistsError:
        raise LedgerError("a file appeared here while the ledger was being created; it was "
                          "left as it is. Run `ledger init` again with a new path.",
                          file=str(target)) from None
    finally:
        for leftover in _sqlite_files(tmp):
            leftover.unlink(missing_ok=True)


def _sqlite_files(path: Path) -> list[Path]:
    return [path, *(Path(f"{path}{end}") for end in ("-wal", "-shm", "-journal"))]


def build_in_database(url: str, fill: Callable[[Backend], None]) -> None:
    """Make a new ledger in an existing PostgreSQL database that holds none: ``fill`` writes
    it in one transaction (PostgreSQL's schema changes are transactional: all or nothing)."""
    db = PostgresBackend(url, 30.0)
    try:
        db.begin_write()  # two `init` at once: the second waits, then finds the first's ledger
        clash = sorted(set(db.table_names()) & {*LEDGER_TABLES, "ledger_schema"})
        if db.user_version() or clash:
            raise LedgerError(
                "this database already holds a ledger (tables " + ", ".join(clash or
                ["ledger_schema"]) + "), and a ledger is never replaced or re-created: to "
                f"use it, pass --ledger {db.where}; to start another ledger, give an empty "
                "database.", file=db.where)
        fill(db)
        db.commit()
    except BaseException as exc:
        with contextlib.suppress(*db.errors()):
            db.rollback()
        if isinstance(exc, db.errors()):
            raise db.explain(exc) from None
        raise
    finally:
        db.close()


# --------------------------------------------------------------------------- the ledger


class Ledger:
    """An open ledger: an SQLite file or a PostgreSQL database (``postgresql://`` URL). Use as
    a context manager, or call :meth:`close`. Open one with
    :func:`~notice_factory.api.open_ledger` (made beforehand by ``create_ledger``).

    A letter (:class:`LetterKey`) gets one number, kept on every re-run; a voided number is
    never issued again:

    >>> import tempfile, notice_factory as nf
    >>> path = nf.create_ledger(Path(tempfile.mkdtemp()) / "ledger.sqlite")
    >>> la_poste = nf.load_sender_profile().entity(nf.Locale.FR_FR).postal
    >>> key = LetterKey("FR-1", "formal_notice", dt.date(2026, 11, 23))
    >>> with nf.open_ledger(path) as ledger:
    ...     number = ledger.allocate([key], la_poste, "batch-1")[key]
    ...     again = ledger.allocate([key], la_poste, "batch-1")[key]  # the same letter
    ...     found = ledger.lookup(key)
    ...     ledger.void(number, "envelope damaged")
    ...     state, after = ledger.record(number).state, ledger.lookup(key)
    ...     issued = [line.issued for line in ledger.status() if line.operator == "La Poste"]
    >>> number == again == found, nf.is_valid_s10(number), state, after, issued
    (True, True, 'voided', None, [1])
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        clock: DateTimeClock = utc_now,
        busy_timeout_s: float = 60.0,
    ) -> None:
        target = ledger_target(path) if path is not None else default_ledger_path()
        # A file's path, or the database's URL without its password (what messages name).
        self.path: Path | str = target if isinstance(target, Path) else redact(target)
        self._clock = clock
        self.busy_timeout_s = busy_timeout_s
        self._db: Backend = open_backend(target, busy_timeout_s)
        try:
            self._migrate()
        except BaseException as exc:
            with contextlib.suppress(*self._db.errors()):
                self._db.close()
            if isinstance(exc, self._db.errors()):
                raise self._db.explain(exc) from None
            raise

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.dialect

    @property
    def database(self) -> Backend:
        """The open connection (for ``ledger migrate``, which copies tables as they are)."""
        return self._db

    # -- plumbing

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    @contextlib.contextmanager
    def _write(self, *, moved_ok: bool = False) -> Iterator[None]:
        """One write transaction under the ledger's write lock (see ledgerdb): committed if the
        block ends normally, else rolled back whole. What the block reads stays true until
        COMMIT: the free-serial computation cannot race another process."""
        try:
            self._db.begin_write()  # inside: a lock wait that times out still rolls back
            if not moved_ok:
                self.refuse_if_moved()
            yield
        except BaseException:
            # A lost connection has rolled back already (and cannot say ROLLBACK).
            with contextlib.suppress(*self._db.errors()):
                self._db.rollback()
            raise
        self._db.commit()

    def refuse_if_moved(self) -> None:
        """Raise LedgerMovedError when ``ledger migrate`` moved this ledger elsewhere."""
        row = self._db.execute(
            "SELECT value FROM ledger_info WHERE key = 'moved_to'").fetchone()
        if row is not None:
            raise LedgerMovedError(
                f"this ledger was moved to {row[0]} (`notice-factory ledger migrate`): it is "
                f"kept for reading, and numbers are issued only by the new one. Give --ledger "
                f"{row[0]}; nothing was written here.", file=str(self.path))

    def _migrate(self) -> None:
        version = self._db.user_version()
        if version == SCHEMA_VERSION:
            return  # the usual case: no write lock needed just to open
        if version == 0:
            # No ledger was ever made here: never turn the file or database into one.
            if self._db.dialect == "postgresql":
                raise LedgerMissingError(
                    "this database holds no notice-factory ledger. A ledger is never created "
                    "by a batch: check the --ledger URL; to make a new ledger in this (empty) "
                    f"database: `notice-factory ledger init {self.path} --sender PROFILE`.",
                    file=str(self.path))
            raise LedgerDamagedError(
                "this file is an SQLite database but not a notice-factory ledger: check the "
                "--ledger path. A ledger is created on purpose with "
                "`notice-factory ledger init PATH --sender PROFILE`.", file=str(self.path))
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger was written by a newer notice-factory (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade notice-factory",
                file=str(self.path),
            )
        with self._write(moved_ok=True):
            _apply_migrations(self._db, self._db.user_version())

    @_guarded
    def schema_version(self) -> int:
        return self._db.user_version()

    # -- reading

    def _live_record(self, operator: str | None, key: LetterKey) -> NumberRecord | None:
        """The letter's live number (not one a resend in flight is replacing)."""
        sql = (
            f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE case_id = ? AND kind = ?"
            " AND letter_date = ? AND state IN ('allocated', 'used') AND replaced_by = ''"
        )
        params: list[str] = [key.case_id, _kind_text(key.kind), key.letter_date.isoformat()]
        if operator is not None:
            sql += " AND operator = ?"
            params.append(operator)
        row = self._db.execute(sql + " ORDER BY allocated_at DESC LIMIT 1", params).fetchone()
        return None if row is None else _to_record(row)

    def _live(self, operator: str | None, key: LetterKey) -> str | None:
        record = self._live_record(operator, key)
        return None if record is None else record.number

    @_guarded
    def lookup(self, key: LetterKey, operator: str | None = None) -> str | None:
        """The letter's live (allocated or used) number, or None."""
        return self._live(operator, key)

    @_guarded
    def record(self, number: str) -> NumberRecord | None:
        row = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE number = ?", (number,)
        ).fetchone()
        return None if row is None else _to_record(row)

    @_guarded
    def numbers_for_batch(self, batch_id: str) -> list[NumberRecord]:
        """Every number the batch allocated (any state), in allocation order."""
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE batch_id = ? ORDER BY rowid",
            (batch_id,),
        ).fetchall()
        return [_to_record(r) for r in rows]

    @_guarded
    def count(self, state: str | None = None) -> int:
        """How many numbers the ledger holds (in ``state``, or all)."""
        if state is None:
            row = self._db.execute("SELECT COUNT(*) FROM numbers").fetchone()
        else:
            sql = "SELECT COUNT(*) FROM numbers WHERE state = ?"
            row = self._db.execute(sql, (state,)).fetchone()
        return int(row[0])

    def _free_blocks(self, postal: PostalAccount) -> list[tuple[SerialRange, int]]:
        """Per range, in profile order: the range and the first serial never issued above its
        highest issued one. Gaps below a range's high-water mark are never filled: they may be
        numbers printed outside the ledger, and reuse within 12 months is forbidden."""
        blocks = []
        for r in _check_ranges(postal):
            (high,) = self._db.execute(
                "SELECT MAX(serial) FROM numbers WHERE service = ? AND country = ?"
                " AND serial BETWEEN ? AND ?",
                (r.service, postal.country, r.first, r.last),
            ).fetchone()
            blocks.append((r, r.first if high is None else int(high) + 1))
        return blocks

    @_guarded
    def ranges(self) -> list[tuple[str, str, SerialRange]]:
        """The ranges this ledger serves: (operator, country, range), in recording order."""
        rows = self._db.execute(
            "SELECT operator, country, service, first, last FROM ranges ORDER BY rowid").fetchall()
        return [(op, country, SerialRange(service, first, last))
                for op, country, service, first, last in rows]

    @_guarded
    def add_ranges(self, postal: PostalAccount, profile: str = "") -> list[SerialRange]:
        """Record the account's ranges this ledger does not serve yet; returns those added.
        Refused (nothing recorded) when one overlaps a range of another operator."""
        with self._write():
            return _record_ranges(self._db, postal, profile, self._now())

    def check_serves(self, postal: PostalAccount) -> None:
        """Refuse a profile whose ranges this ledger does not serve (another profile's ledger,
        or a new range nobody recorded): numbers are only ever taken from recorded ranges."""
        self.refuse_if_moved()  # a moved ledger numbers nothing, whatever its ranges
        served = [r for op, country, r in self.ranges()
                  if op == postal.operator and country == postal.country]
        if not postal.ranges:
            raise LedgerProfileError(
                f"the sender profile gives {postal.operator} no registered-number range "
                "(postal.ranges): add the ranges the operator assigned to you.")
        missing = [r for r in postal.ranges
                   if not any(s.service == r.service and s.first <= r.first and r.last <= s.last
                              for s in served)]
        if not missing:
            return
        wanted = ", ".join(_range_text(r.service, r.first, r.last) for r in missing)
        record = (f"if {postal.operator} assigned {'it' if len(missing) == 1 else 'them'} to you "
                  "and no other ledger numbers from it, record it in this ledger with "
                  f"`notice-factory ledger add-ranges {self.path} --sender PROFILE`.")
        if not served:
            raise LedgerProfileError(
                f"this ledger serves no range of {postal.operator} ({postal.country}), but the "
                f"sender profile numbers its letters from {wanted}: the ledger belongs to "
                "another sender profile, or was made before this operator was added. Give this "
                "profile's ledger with --ledger; " + record, file=str(self.path))
        have = ", ".join(_range_text(r.service, r.first, r.last) for r in served)
        raise LedgerProfileError(
            f"the sender profile's range {wanted} of {postal.operator} is not one this ledger "
            f"serves ({have}): check that this is the profile's ledger; " + record,
            file=str(self.path))

    @_guarded
    def remaining(self, postal: PostalAccount) -> int:
        """How many numbers the profile's ranges have left."""
        self.check_serves(postal)
        return sum(r.last - nxt + 1 for r, nxt in self._free_blocks(postal))

    @_guarded
    def events(self, number: str) -> list[TrackingEvent]:
        rows = self._db.execute(
            "SELECT number, status, event_time, location, source, imported_at FROM events"
            " WHERE number = ? ORDER BY event_time, id",
            (number,),
        ).fetchall()
        return [TrackingEvent(*r) for r in rows]

    def _free_imported(self, operator: str, limit: int | None = None) -> list[tuple[str, int]]:
        """(number, import row) of the operator's imported numbers never issued, import order."""
        sql = ("SELECT i.number, i.rowid FROM imported_numbers i WHERE i.operator = ?"
               " AND NOT EXISTS (SELECT 1 FROM numbers n WHERE n.number = i.number)"
               " ORDER BY i.rowid")
        params: list[object] = [operator]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [(str(n), int(r)) for n, r in self._db.execute(sql, params).fetchall()]

    @_guarded
    def imported_left(self, postal: PostalAccount) -> int:
        """How many numbers the operator's imported lists have left."""
        (left,) = self._db.execute(
            "SELECT COUNT(*) FROM imported_numbers i WHERE i.operator = ? AND NOT EXISTS"
            " (SELECT 1 FROM numbers n WHERE n.number = i.number)",
            (operator_key(postal.operator),)).fetchone()
        return int(left)

    @_guarded
    def status(self) -> list[StatusLine]:
        """What is left, per operator and range (S10) or imported list."""
        lines = []
        for operator, country, r in self.ranges():
            (issued,) = self._db.execute(
                "SELECT COUNT(*) FROM numbers WHERE service = ? AND country = ?"
                " AND serial BETWEEN ? AND ?", (r.service, country, r.first, r.last)).fetchone()
            (high,) = self._db.execute(
                "SELECT MAX(serial) FROM numbers WHERE service = ? AND country = ?"
                " AND serial BETWEEN ? AND ?", (r.service, country, r.first, r.last)).fetchone()
            left = r.size if high is None else r.last - int(high)
            lines.append(StatusLine(operator, f"S10 {_range_text(r.service, r.first, r.last)} "
                                    f"{country}", r.size, int(issued), left))
        for operator, total, free in self._db.execute(
                "SELECT i.operator, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM numbers n"
                " WHERE n.number = i.number) THEN 0 ELSE 1 END) FROM imported_numbers i"
                " GROUP BY i.operator"
                " ORDER BY i.operator").fetchall():
            lines.append(StatusLine(str(operator), "imported list", int(total),
                                    int(total) - int(free), int(free)))
        return lines

    # -- writing

    @_guarded
    def import_numbers(self, operator: str, numbers: Sequence[str], source: str) -> int:
        """Load an operator's list of issued numbers, all or nothing; returns how many.

        ``operator`` is the operator's key as in print files' names (``la-poste``). A number
        already known to the ledger (imported before, or issued), twice in the list, or not a
        registered number (8 to 20 letters and digits once spaces are removed) refuses the
        whole list. Spaces are dropped: ``1A 123 456 7890 1`` is ``1A12345678901``.
        """
        key = operator.strip()
        if not key or key != operator_key(key):
            raise UsageError(f"'{operator}' is not an operator key: use the name as in the print "
                             f"files, e.g. {operator_key('La Poste')}")
        cleaned = _clean_imported(numbers, source)
        now = self._now()
        with self._write():
            known = _known_numbers(self._db, [n for n, _ in cleaned])
            if known:
                where = ", ".join(f"line {line} ({n})" for n, line in cleaned if n in known)
                raise LedgerError(
                    f"{len(known)} number(s) of {source} are already in the ledger: {where[:300]}."
                    " A number is never loaded or issued twice; nothing was imported. Remove "
                    "them from the file (or check that this list was not imported already).",
                    file=str(self.path))
            self._db.executemany(
                "INSERT INTO imported_numbers (number, operator, source, imported_at)"
                " VALUES (?, ?, ?, ?)", [(n, key, source, now) for n, _ in cleaned])
        return len(cleaned)

    @_guarded
    def allocate(
        self,
        keys: Sequence[LetterKey],
        postal: PostalAccount,
        batch_id: str,
        *,
        resend: frozenset[LetterKey] = frozenset(),
        imported: bool = False,
        fingerprints: Mapping[LetterKey, str] | None = None,
        folder: str = "",
        check_folder: FolderCheck | None = None,
    ) -> dict[LetterKey, str]:
        """Give every letter a number, in one transaction; see the module docstring.

        With ``imported``, new numbers come from the operator's imported lists (in import
        order) instead of the profile's S10 ranges, with the same guarantees.

        Letters that already have a live number with this operator keep it; letters in
        ``resend`` whose number went on a finished batch (state used) get a new one, the old
        staying live until :meth:`mark_used` lands the new one (then it is voided, "sent
        again"); the others get the next free serials of the profile's ranges, in ``keys``
        order. Raises :class:`RangeExhaustedError` (writing nothing) when the ranges have too
        few left.

        ``fingerprints`` (what each letter says) are recorded with the numbers; a letter whose
        finished number was recorded with another fingerprint raises
        :class:`ContentChangedError` (writing nothing) unless it is resent. ``folder`` is the
        batch folder producing the letters; a letter whose number is recorded in another folder
        is asked to ``check_folder``: BUSY (a run is writing there) or HOLDS (its finished batch
        has the letter, resent or not: a letter is in one folder only, so no folder keeps a
        printable letter whose number a resend voided elsewhere) raise
        :class:`LettersBusyError`, writing nothing; FREE lets this folder take the letter over.
        """
        if not batch_id:
            raise UsageError("a batch needs a non-empty batch id")
        if not imported:
            self.check_serves(postal)
        # Same letter listed twice (e.g. as Kind and as text) -> one number.
        unique: dict[LetterKey, None] = dict.fromkeys(_norm(k) for k in keys)
        prints = {_norm(k): v for k, v in (fingerprints or {}).items()}
        now = self._now()
        with self._write():
            plan = self._plan(postal.operator, list(unique), {_norm(k) for k in resend}, prints,
                              folder, check_folder)
            plan.refuse()
            # The replaced numbers leave the "one live number per letter" index first; a
            # shortage raised below rolls the whole transaction back, marks included.
            self._db.executemany("UPDATE numbers SET replaced_by = ? WHERE number = ?",
                                 [("(resend)", n) for n in plan.replaced.values()])
            issue = self._issue_imported if imported else self._issue_s10
            found = plan.found | issue(postal, plan.fresh, batch_id, now)
            self._db.executemany(
                "UPDATE numbers SET replaced_by = ? WHERE number = ?",
                [(found[k], old) for k, old in plan.replaced.items()])
            self._db.executemany(
                "UPDATE numbers SET fingerprint = ? WHERE number = ?",
                [(prints[k], n) for k, n in found.items() if prints.get(k)])
            if folder:
                self._db.executemany("UPDATE numbers SET batch_folder = ? WHERE number = ?",
                                     [(folder, n) for n in found.values()])
        return {k: found[_norm(k)] for k in keys}

    @_guarded
    def check_allocation(self, keys: Sequence[LetterKey], postal: PostalAccount, *,
                         resend: frozenset[LetterKey] = frozenset(),
                         fingerprints: Mapping[LetterKey, str] | None = None, folder: str = "",
                         check_folder: FolderCheck | None = None) -> None:
        """Raise what :meth:`allocate` would refuse for these letters (another run's, another
        folder's, changed content), writing nothing: a batch asks for every operator before
        it allocates for any."""
        unique = list(dict.fromkeys(_norm(k) for k in keys))
        prints = {_norm(k): v for k, v in (fingerprints or {}).items()}
        self._plan(postal.operator, unique, {_norm(k) for k in resend}, prints, folder,
                   check_folder).refuse()

    def _plan(self, operator: str, keys: list[LetterKey], resend: set[LetterKey],
              prints: Mapping[LetterKey, str], folder: str,
              check_folder: FolderCheck | None) -> _Plan:
        """Which letters keep their number, get one, or are refused (see allocate)."""
        plan = _Plan()
        for key in keys:
            rec = self._live_record(operator, key)
            if rec is None:
                plan.fresh.append(key)
                continue
            where = FolderState.FREE
            if check_folder is not None and rec.batch_folder not in ("", folder):
                where = check_folder(rec.batch_folder, rec.number)
            again = key in resend and rec.state == "used"
            fingerprint = prints.get(key, "")
            if where is not FolderState.FREE:
                plan.refused.append((key, rec, where))
            elif again:
                plan.replaced[key] = rec.number
                plan.fresh.append(key)
            elif (rec.state == "used" and fingerprint and rec.fingerprint
                  and fingerprint != rec.fingerprint):
                # A number on a finished letter stays with that letter's content; one never
                # finished (a killed run) may go on the letter as it is now.
                plan.changed.append((key, rec))
            else:
                plan.found[key] = rec.number
        return plan

    def _insert(self, number: str, postal: PostalAccount, service: str, serial: int,
                key: LetterKey, batch_id: str, now: str) -> None:
        self._db.execute(
            "INSERT INTO numbers (number, operator, service, serial, country, case_id,"
            " kind, letter_date, batch_id, state, allocated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'allocated', ?)",
            (number, postal.operator, service, serial, postal.country, key.case_id, key.kind,
             key.letter_date.isoformat(), batch_id, now))

    def _issue_s10(self, postal: PostalAccount, fresh: list[LetterKey], batch_id: str,
                   now: str) -> dict[LetterKey, str]:
        blocks = self._free_blocks(postal)
        left = sum(r.last - nxt + 1 for r, nxt in blocks)
        if len(fresh) > left:
            missing = len(fresh) - left
            raise RangeExhaustedError(
                f"the registered-number ranges of {postal.operator} have {left} numbers left "
                f"but this batch needs {len(fresh)}: {missing} are missing; ask "
                f"{postal.operator} for a new range and add it to the sender profile",
                missing=missing,
            )
        self._db.execute("INSERT INTO batches (batch_id, created_at) VALUES (?, ?)"
                         " ON CONFLICT DO NOTHING",
                         (batch_id, now))
        out = {}
        for key, (service, serial) in zip(fresh, _take(blocks, len(fresh)), strict=True):
            out[key] = make_s10(service, serial, postal.country)
            self._insert(out[key], postal, service, serial, key, batch_id, now)
        return out

    def _issue_imported(self, postal: PostalAccount, fresh: list[LetterKey], batch_id: str,
                        now: str) -> dict[LetterKey, str]:
        # An imported number has no S10 service or serial: service '' (never an S10 indicator,
        # so the S10 ranges never see it) and its import row as serial keep the table's keys.
        free = self._free_imported(operator_key(postal.operator), len(fresh))
        if len(fresh) > len(free):
            missing = len(fresh) - len(free)
            raise RangeExhaustedError(
                f"the imported number lists of {postal.operator} have {len(free)} numbers left "
                f"but this batch needs {len(fresh)}: {missing} are missing; import the next "
                f"list {postal.operator} issued with `notice-factory ledger import-numbers FILE "
                f"--operator {operator_key(postal.operator)} --ledger {self.path}`",
                missing=missing)
        self._db.execute("INSERT INTO batches (batch_id, created_at) VALUES (?, ?)"
                         " ON CONFLICT DO NOTHING",
                         (batch_id, now))
        out = {}
        for key, (number, row) in zip(fresh, free, strict=True):
            out[key] = number
            self._insert(number, postal, "", row, key, batch_id, now)
        return out

    @_guarded
    def mark_used(self, numbers: Iterable[str], *, voids: Mapping[str, str] | None = None) -> None:
        """Record that these numbers went on letters that were printed (all or none); the
        numbers they replace (a resend), and ``voids`` (number -> reason), are voided in the
        same transaction."""
        wanted = list(dict.fromkeys(numbers))
        now = self._now()
        with self._write():
            for number in wanted:
                state = self._state(number)
                if state == "voided":
                    raise LedgerError(f"registered number {number} was voided and cannot be used",
                                      file=str(self.path))
            self._db.executemany(
                "UPDATE numbers SET state = 'used', used_at = ?"
                " WHERE number = ? AND state = 'allocated'",
                [(now, n) for n in wanted],
            )
            for number in wanted:
                self._void_replaced(number, now)
            for number, reason in (voids or {}).items():
                self._db.execute(
                    "UPDATE numbers SET state = 'voided', voided_at = ?, void_reason = ?"
                    " WHERE number = ? AND state <> 'voided'", (now, reason, number))

    def _void_replaced(self, number: str, now: str) -> None:
        """Void the numbers ``number`` replaces: their letter went out again under it."""
        (fingerprint,) = self._db.execute(
            "SELECT fingerprint FROM numbers WHERE number = ?", (number,)).fetchone()
        for old, old_print in self._db.execute(
                "SELECT number, fingerprint FROM numbers WHERE replaced_by = ?"
                " AND state <> 'voided'", (number,)).fetchall():
            changed = bool(fingerprint and old_print and fingerprint != old_print)
            reason = (f"corrected letter sent under {number}" if changed
                      else f"sent again under {number}")
            self._db.execute(
                "UPDATE numbers SET state = 'voided', voided_at = ?, void_reason = ?"
                " WHERE number = ?", (now, reason, old))

    @_guarded
    def void(self, number: str, reason: str) -> None:
        """Void a number (it is kept, and never issued again). Voiding twice keeps the first
        reason."""
        if not reason.strip():
            raise UsageError("voiding a registered number needs a reason")
        with self._write():
            if self._state(number) != "voided":
                self._db.execute(
                    "UPDATE numbers SET state = 'voided', voided_at = ?, void_reason = ?"
                    " WHERE number = ?",
                    (self._now(), reason, number),
                )
                # A resend whose new letter was not made: the old number is the live one again.
                self._db.execute("UPDATE numbers SET replaced_by = '' WHERE replaced_by = ?"
                                 " AND state <> 'voided'", (number,))

    @_guarded
    def record_event(
        self, number: str, status: str, when: dt.datetime, location: str = "", source: str = ""
    ) -> bool:
        """Store one event in the first ``events`` table; False when already there. Tracking
        uses :meth:`add_carrier_events` (see TRACKING_STATUSES)."""
        if status not in TRACKING_STATUSES:
            raise UsageError(
                f"'{status}' is not a tracking status; expected one of "
                + ", ".join(sorted(TRACKING_STATUSES))
            )
        with self._write():
            self._state(number)
            cursor = self._db.execute(
                "INSERT INTO events (number, status, event_time, location, source,"
                " imported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (number, status, when.isoformat(timespec="seconds"), location, source, self._now()),
            )
        return cursor.rowcount == 1

    def _state(self, number: str) -> str:
        row = self._db.execute("SELECT state FROM numbers WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise LedgerError(
                f"registered number {number} is not in the ledger", file=str(self.path)
            )
        return str(row[0])


    # -- carrier events (tracking, issue 14)

    @_guarded
    def add_carrier_events(self, events: Sequence[CarrierEvent]) -> int:
        """Store carrier events in one transaction; returns how many were new (a re-import of
        the same events adds nothing). Every number must be in the ledger."""
        now = self._now()
        added = 0
        with self._write():
            for e in events:
                self._state(e.number)
                cursor = self._db.execute(
                    "INSERT INTO carrier_events (number, operator, code, label, event_at, status,"
                    " outcome, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (e.number, e.operator, e.code, e.label, e.event_at, e.status, e.outcome,
                     e.source, now),
                )
                added += cursor.rowcount
        return added

    @_guarded
    def carrier_events(self, number: str) -> list[CarrierEvent]:
        """The letter's carrier events in import order (the caller orders them by time)."""
        rows = self._db.execute(
            "SELECT number, operator, code, label, event_at, status, outcome, source"
            " FROM carrier_events WHERE number = ? ORDER BY id",
            (number,),
        ).fetchall()
        return [CarrierEvent(*r) for r in rows]

    @_guarded
    def sent_letters(self, *, batch_id: str | None = None,
                     case_id: str | None = None) -> list[NumberRecord]:
        """Letters that went out (numbers in state used), oldest first."""
        sql = f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE state = 'used'"
        params: list[str] = []
        for column, value in (("batch_id", batch_id), ("case_id", case_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = self._db.execute(sql + " ORDER BY letter_date, rowid", params).fetchall()
        return [_to_record(r) for r in rows]


class FolderState(Enum):
    """What the batch folder recorded for a letter says about it (see Ledger.allocate)."""

    FREE = "free"  # gone, or not holding the letter: another folder may produce it
    BUSY = "busy"  # a run is writing into it now
    HOLDS = "holds"  # its finished batch has the letter under this number


FolderCheck = Callable[[str, str], FolderState]
"""check_folder(batch_folder, number): what that folder says about the letter."""


def folder_text(batch_folder: str) -> str:
    """A batch folder as a clerk reads it: ``host:/path`` -> ``/path (on host)``.

    >>> folder_text("pc-12:/srv/out/b1")
    '/srv/out/b1 (on pc-12)'
    """
    host, _, path = batch_folder.partition(":")
    return f"{path} (on {host})" if path else batch_folder


def _letters_text(items: Sequence[tuple[LetterKey, NumberRecord]], limit: int = 10) -> str:
    shown = [f"case {k.case_id} ({k.kind}, {k.letter_date.isoformat()}) under {r.number}"
             for k, r in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(shown) + more


@dataclass
class _Plan:
    """allocate()'s decision per letter, before anything is written."""

    found: dict[LetterKey, str] = field(default_factory=dict)  # keep their number
    fresh: list[LetterKey] = field(default_factory=list)  # get a new one
    replaced: dict[LetterKey, str] = field(default_factory=dict)  # resent: the old number
    refused: list[tuple[LetterKey, NumberRecord, FolderState]] = field(default_factory=list)
    changed: list[tuple[LetterKey, NumberRecord]] = field(default_factory=list)

    def refuse(self) -> None:
        """Raise for the refused letters (another run or folder), then the changed ones."""
        busy = [(k, r) for k, r, w in self.refused if w is FolderState.BUSY]
        held = [(k, r) for k, r, w in self.refused if w is FolderState.HOLDS]
        if busy:
            where = folder_text(busy[0][1].batch_folder)
            raise LettersBusyError(
                f"{len(busy)} letter(s) of this batch are being produced right now by another "
                f"run, in {where}: {_letters_text(busy)}. Two runs never produce the same "
                "letters: wait until that run has finished and use the batch it makes. Nothing "
                "was written.", cases=[k.case_id for k, _ in busy])
        if held:
            where = folder_text(held[0][1].batch_folder)
            raise LettersBusyError(
                f"{len(held)} letter(s) of this batch were already produced in another batch "
                f"folder, {where}, under the same registered numbers: {_letters_text(held)}. "
                "A letter is produced in one folder only: print them from there, or run this "
                "command with --out on that folder (add --resend to send them again under new "
                "numbers, the old ones voided and their letters replaced there). To produce "
                "them here instead, first move that folder away (its letters must then not be "
                "posted). Nothing was written.", cases=[k.case_id for k, _ in held])
        if self.changed:
            raise ContentChangedError(
                f"the content of {len(self.changed)} letter(s) changed since their registered "
                f"number went on a finished batch: {_letters_text(self.changed)}. A registered "
                "number stands for one letter. To send the corrected letters under new numbers "
                "(the old ones are voided), run again with --resend; to produce the letters as "
                "they were, run with the case file as it was. Nothing was written.",
                cases=[k.case_id for k, _ in self.changed])


@dataclass(frozen=True)
class CarrierEvent:
    """One carrier event as stored: the carrier's code and label, and how they were read."""

    number: str
    operator: str  # the key of the code table that read it (la-poste, maileva, ...)
    code: str
    label: str
    event_at: str  # ISO date or date-time, as the carrier gave it
    status: str  # a logistics status (outcomes.Status)
    outcome: str  # the legal outcome the code or label states (outcomes.Outcome), or ""
    source: str  # the file (and format) it came from


_RECORD_COLUMNS = (
    "number, operator, case_id, kind, letter_date, batch_id, state, allocated_at, used_at,"
    " voided_at, void_reason, fingerprint, batch_folder, replaced_by"
)


def _to_record(row: tuple[str, ...]) -> NumberRecord:
    values = list(row)
    return NumberRecord(
        number=values[0],
        operator=values[1],
        case_id=values[2],
        kind=values[3],
        letter_date=dt.date.fromisoformat(values[4]),
        batch_id=values[5],
        state=values[6],
        allocated_at=values[7],
        used_at=values[8],
        voided_at=values[9],
        void_reason=values[10],
        fingerprint=values[11],
        batch_folder=values[12],
        replaced_by=values[13],
    )


def _norm(key: LetterKey) -> LetterKey:
    day = key.letter_date
    if isinstance(day, dt.datetime):  # a datetime is a date too; keep only the day
        day = day.date()
    return LetterKey(str(key.case_id), _kind_text(key.kind), day)


def _take(blocks: list[tuple[SerialRange, int]], n: int) -> list[tuple[str, int]]:
    """The next ``n`` free (service, serial) pairs, range by range in profile order."""
    out: list[tuple[str, int]] = []
    for r, nxt in blocks:
        while nxt <= r.last and len(out) < n:
            out.append((r.service, nxt))
            nxt += 1
    return out


@dataclass(frozen=True)
class StatusLine:
    """One line of ``ledger status`` (:meth:`Ledger.status`): an operator's S10 range or
    imported list, its size, how many numbers were issued and how many are left.

    >>> StatusLine("La Poste", "imported list", 100, 40, 60).left
    60
    """

    operator: str
    source: str  # "S10 RR 10000000-10099999 FR" or "imported list"
    size: int
    issued: int
    left: int


def operator_key(operator: str) -> str:
    """The operator's key as in print files' names: ``La Poste`` -> ``la-poste``."""
    return operator_slug(operator)


_IMPORTED = re.compile(r"[0-9A-Z]{8,20}")


def _clean_imported(numbers: Sequence[str], source: str) -> list[tuple[str, int]]:
    """(number, line) of every non-blank line, spaces removed; refuses the whole list when a
    line is not a number or a number comes twice."""
    out: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(numbers, start=1):
        number = "".join(raw.split()).upper()
        if not number:
            continue
        if not _IMPORTED.fullmatch(number):
            raise UsageError(f"{source}, line {line}: '{raw.strip()[:40]}' is not a registered "
                             "number (8 to 20 letters and digits); nothing was imported")
        if number in seen:
            raise UsageError(f"{source}, line {line}: {number} is already on line "
                             f"{seen[number]}; nothing was imported")
        seen[number] = line
        out.append((number, line))
    if not out:
        raise UsageError(f"{source} holds no number; nothing was imported")
    return out


def _known_numbers(db: Backend, numbers: list[str]) -> set[str]:
    known: set[str] = set()
    for i in range(0, len(numbers), 500):
        chunk = numbers[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for table in ("imported_numbers", "numbers"):
            known.update(str(n) for (n,) in db.execute(
                f"SELECT number FROM {table} WHERE number IN ({marks})", chunk))
    return known
