"""The registered-number ledger: UPU S10 numbers, never issued twice, kept in an SQLite file.

A registered letter's number is a legal proof (it is on the deposit list the post office
stamps), so the ledger promises three things:

- a number is issued at most once, voided numbers included (UPU S10 forbids reuse);
- running the same batch again gives the same letters the same numbers (idempotent), and only an
  explicit ``resend`` gives a letter a new one, voiding the old;
- a batch that needs more numbers than the sender's ranges have left fails before writing
  anything.

Every write runs in one ``BEGIN IMMEDIATE`` transaction, which takes SQLite's write lock before
reading what is free, so two processes allocating at the same time are serialised; the primary
key on the number is the last guard.

>>> import tempfile, pathlib, datetime as dt
>>> from notice_factory.settings import PostalAccount, SerialRange
>>> postal = PostalAccount("Poșta Română", "RO", "București 1", "C-1",
...                        (SerialRange("RR", 100, 199),))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite"
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
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from notice_factory.errors import ConfigError, LedgerError, RangeExhaustedError, UsageError
from notice_factory.s10 import make_s10
from notice_factory.settings import PostalAccount, SerialRange

# --------------------------------------------------------------------------- ledger vocabulary


class LetterKey(NamedTuple):
    """What makes a letter "the same letter" for numbering: case, kind and letter date."""

    case_id: str
    kind: str
    letter_date: dt.date


# The normalised carrier statuses of registered-post.md section 6.
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
    """One row of the ledger."""

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

SCHEMA_VERSION = 1

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
}


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


# --------------------------------------------------------------------------- the ledger


class Ledger:
    """An open ledger file. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        clock: DateTimeClock = utc_now,
        busy_timeout_s: float = 60.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()
        self._clock = clock
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE.
            self._db = sqlite3.connect(
                str(self.path), timeout=busy_timeout_s, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the ledger: {exc}", file=str(self.path)) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed allocation survives a power cut, so a number is never re-issued.
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerError(
                f"cannot use the ledger (not a ledger file, or damaged): {exc}",
                file=str(self.path),
            ) from None

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
    def _write(self) -> Iterator[None]:
        """One write transaction: committed if the block ends normally, else rolled back."""
        # IMMEDIATE takes the write lock now (waiting up to busy_timeout), so what the block
        # reads stays true until COMMIT: the free-serial computation cannot race another process.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # SQLite may already have rolled back on some errors
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write():
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise LedgerError(
                    f"the ledger was written by a newer notice-factory (schema {version}, "
                    f"this one knows {SCHEMA_VERSION}); upgrade notice-factory",
                    file=str(self.path),
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {step}")

    def schema_version(self) -> int:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        return int(version)

    # -- reading

    def _live(self, operator: str | None, key: LetterKey) -> str | None:
        sql = (
            "SELECT number FROM numbers WHERE case_id = ? AND kind = ? AND letter_date = ?"
            " AND state IN ('allocated', 'used')"
        )
        params: list[str] = [key.case_id, _kind_text(key.kind), key.letter_date.isoformat()]
        if operator is not None:
            sql += " AND operator = ?"
            params.append(operator)
        row = self._db.execute(sql + " ORDER BY allocated_at DESC LIMIT 1", params).fetchone()
        return None if row is None else str(row[0])

    def lookup(self, key: LetterKey, operator: str | None = None) -> str | None:
        """The letter's live (allocated or used) number, or None."""
        return self._live(operator, key)

    def record(self, number: str) -> NumberRecord | None:
        row = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE number = ?", (number,)
        ).fetchone()
        return None if row is None else _to_record(row)

    def numbers_for_batch(self, batch_id: str) -> list[NumberRecord]:
        """Every number the batch allocated (any state), in allocation order."""
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM numbers WHERE batch_id = ? ORDER BY rowid",
            (batch_id,),
        ).fetchall()
        return [_to_record(r) for r in rows]

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

    def remaining(self, postal: PostalAccount) -> int:
        """How many numbers the profile's ranges have left."""
        return sum(r.last - nxt + 1 for r, nxt in self._free_blocks(postal))

    def events(self, number: str) -> list[TrackingEvent]:
        rows = self._db.execute(
            "SELECT number, status, event_time, location, source, imported_at FROM events"
            " WHERE number = ? ORDER BY event_time, id",
            (number,),
        ).fetchall()
        return [TrackingEvent(*r) for r in rows]

    # -- writing

    def allocate(
        self,
        keys: Sequence[LetterKey],
        postal: PostalAccount,
        batch_id: str,
        *,
        resend: frozenset[LetterKey] = frozenset(),
    ) -> dict[LetterKey, str]:
        """Give every letter a number, in one transaction; see the module docstring.

        Letters that already have a live number with this operator keep it; letters in
        ``resend`` get their old number voided ("sent again") and a new one; the others get the
        next free serials of the profile's ranges, in ``keys`` order. Raises
        :class:`RangeExhaustedError` (writing nothing) when the ranges have too few left.
        """
        if not batch_id:
            raise UsageError("a batch needs a non-empty batch id")
        wanted_resend = {_norm(k) for k in resend}
        # Same letter listed twice (e.g. as Kind and as text) -> one number.
        unique: dict[LetterKey, None] = dict.fromkeys(_norm(k) for k in keys)
        now = self._now()
        with self._write():
            found: dict[LetterKey, str] = {}
            to_void: list[str] = []
            fresh: list[LetterKey] = []
            for key in unique:
                live = self._live(postal.operator, key)
                if live is not None and key not in wanted_resend:
                    found[key] = live
                    continue
                if live is not None:
                    to_void.append(live)
                fresh.append(key)
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
            self._db.execute(
                "INSERT OR IGNORE INTO batches (batch_id, created_at) VALUES (?, ?)",
                (batch_id, now),
            )
            for number in to_void:
                self._db.execute(
                    "UPDATE numbers SET state = 'voided', voided_at = ?, void_reason = ?"
                    " WHERE number = ?",
                    (now, "sent again", number),
                )
            serials = _take(blocks, len(fresh))
            for key, (service, serial) in zip(fresh, serials, strict=True):
                number = make_s10(service, serial, postal.country)
                self._db.execute(
                    "INSERT INTO numbers (number, operator, service, serial, country, case_id,"
                    " kind, letter_date, batch_id, state, allocated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'allocated', ?)",
                    (
                        number,
                        postal.operator,
                        service,
                        serial,
                        postal.country,
                        key.case_id,
                        key.kind,
                        key.letter_date.isoformat(),
                        batch_id,
                        now,
                    ),
                )
                found[key] = number
        return {k: found[_norm(k)] for k in keys}

    def mark_used(self, numbers: Iterable[str]) -> None:
        """Record that these numbers went on letters that were printed (all or none)."""
        wanted = list(dict.fromkeys(numbers))
        now = self._now()
        with self._write():
            for number in wanted:
                state = self._state(number)
                if state == "voided":
                    raise LedgerError(f"registered number {number} was voided and cannot be used")
            self._db.executemany(
                "UPDATE numbers SET state = 'used', used_at = ?"
                " WHERE number = ? AND state = 'allocated'",
                [(now, n) for n in wanted],
            )

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

    def record_event(
        self, number: str, status: str, when: dt.datetime, location: str = "", source: str = ""
    ) -> bool:
        """Store one carrier event; False when the same event was already imported."""
        if status not in TRACKING_STATUSES:
            raise UsageError(
                f"'{status}' is not a tracking status; expected one of "
                + ", ".join(sorted(TRACKING_STATUSES))
            )
        with self._write():
            self._state(number)
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO events (number, status, event_time, location, source,"
                " imported_at) VALUES (?, ?, ?, ?, ?, ?)",
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


_RECORD_COLUMNS = (
    "number, operator, case_id, kind, letter_date, batch_id, state, allocated_at, used_at,"
    " voided_at, void_reason"
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
