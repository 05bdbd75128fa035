"""`ledger migrate`: a ledger moved into a new database without losing or changing a number.

The source ledger's write lock is held for the whole move, so no batch allocates while its
rows are copied. The target is made the way ``ledger init`` makes one (a new file linked into
place, or an empty PostgreSQL database in one transaction), every table copied with its row
order (SQLite's ``rowid``, the events' ``id``), then compared with the source, count and every
row, inside the target's transaction: a difference rolls everything back and nothing is
moved. Only then is the target committed and the source marked ``moved_to``: it stays
readable, and refuses every write from then on (two ledgers must never issue from the same
ranges).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notice_factory.errors import LedgerError, UsageError
from notice_factory.ledger import (
    LEDGER_TABLES,
    DateTimeClock,
    Ledger,
    build_file,
    build_in_database,
    create_schema,
    utc_now,
)
from notice_factory.ledgerdb import Backend, PostgresBackend, ledger_target, redact

_CHUNK = 5000


@dataclass(frozen=True)
class MoveReport:
    """What ``ledger migrate`` moved: rows per table, all compared."""

    source: str
    target: str
    rows: dict[str, int]


def _select(db: Backend, table: str) -> tuple[list[str], str]:
    """The columns to copy (the order key first when it is the rowid) and the order key."""
    cols = db.columns(table)
    if "id" in cols:
        return cols, "id"
    return ["rowid", *cols], "rowid"


def _rows(db: Backend, table: str, cols: list[str], key: str) -> Iterator[tuple[Any, ...]]:
    cursor = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {key}")
    while chunk := cursor.fetchmany(_CHUNK):
        yield from (tuple(r) for r in chunk)


def _copy(src: Backend, dst: Backend, table: str) -> int:
    cols, key = _select(src, table)
    insert = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    cursor = src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {key}")
    count = 0
    while chunk := cursor.fetchmany(_CHUNK):
        dst.executemany(insert, [tuple(r) for r in chunk])
        count += len(chunk)
    return count


def _verify(src: Backend, dst: Backend, table: str, copied: int) -> None:
    """Count and every row of the copy equal the source's, in the same order."""
    cols, key = _select(src, table)
    (count,) = dst.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    if int(count) != copied:
        raise LedgerError(f"the copy of table {table} holds {count} rows, the ledger {copied}: "
                          "nothing was moved; run `ledger migrate` again.", file=dst.where)
    mine = _rows(src, table, cols, key)
    theirs = _rows(dst, table, cols, key)
    for n, (a, b) in enumerate(zip(mine, theirs, strict=True), 1):
        if a != b:
            raise LedgerError(
                f"row {n} of table {table} differs in the copy ({key} {a[0]}): nothing was "
                "moved; run `ledger migrate` again, and if it fails again, keep using the "
                "old ledger and have your administrator look at the target.", file=dst.where)


def _same(a: Path | str, b: Path | str) -> bool:
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    return a == b


def migrate_ledger(source: Path | str, target: Path | str, *,
                   clock: DateTimeClock = utc_now) -> MoveReport:
    """Move the ledger at ``source`` (a file or URL) into a new ledger at ``target`` (a new
    file, or an empty PostgreSQL database); see the module docstring."""
    src_at, dst_at = ledger_target(source), ledger_target(target)
    if _same(src_at, dst_at):
        raise UsageError("--from and --to name the same ledger; give the new ledger's path "
                         "or URL with --to")
    shown = redact(dst_at) if isinstance(dst_at, str) else str(dst_at)
    with Ledger(src_at, clock=clock) as ledger:  # brought to this version's schema first
        db = ledger.database
        rows: dict[str, int] = {}

        def fill(new: Backend) -> None:
            create_schema(new)
            for table in LEDGER_TABLES:
                rows[table] = _copy(db, new, table)
            if isinstance(new, PostgresBackend):
                new.reset_identities(LEDGER_TABLES)
            for table in LEDGER_TABLES:
                _verify(db, new, table, rows[table])

        try:
            db.begin_write()  # no batch allocates from the source while it moves
            ledger.refuse_if_moved()
            if isinstance(dst_at, str):
                build_in_database(dst_at, fill)
            else:
                build_file(dst_at, fill)
            now = clock().isoformat(timespec="seconds")
            db.executemany(
                "INSERT INTO ledger_info (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [("moved_to", shown), ("moved_at", now)])
            db.commit()
        except BaseException as exc:
            with contextlib.suppress(*db.errors()):
                db.rollback()
            if isinstance(exc, db.errors()):
                raise db.explain(exc) from None
            raise
    return MoveReport(str(ledger.path), shown, rows)
