"""Where a ledger lives: an SQLite file or a PostgreSQL database, behind one small adapter.

The ledger (``ledger.py``) writes its SQL once, in SQLite's words with ``?`` placeholders; a
:class:`Backend` runs it on its database and owns what differs between the two:

- **connecting**: an SQLite file opened only if it exists (``mode=rw``: a ledger is never
  created by opening it), or a PostgreSQL URL (``postgresql://user@host:port/db``, psycopg 3,
  imported only when one is given);
- **placeholders**: ``?`` becomes psycopg's ``%s``;
- **the schema**: SQLite's implicit ``rowid`` (which fixes allocation and import order) is an
  explicit identity column ``rowid`` in PostgreSQL, ``INTEGER PRIMARY KEY`` an identity key,
  and the schema version is SQLite's ``user_version`` or the one-row table ``ledger_schema``;
- **the write lock**: every write transaction first takes the ledger's one write lock, so what
  it reads (the highest serial issued, the free imported numbers) stays true until it commits.
  SQLite: ``BEGIN IMMEDIATE``. PostgreSQL: ``BEGIN`` then ``pg_advisory_xact_lock`` on the
  ledger's key, held until COMMIT or ROLLBACK (also when the connection dies). Writers queue
  on it (for at most the busy timeout: ``lock_timeout``); readers never wait. Row locks would
  not do (an allocation reads a maximum over rows that do not exist yet), and SERIALIZABLE
  would make concurrent batches fail and retry a whole allocation; a batch's allocation is one
  short transaction (~0.2 ms a number, docs/scaling.md), so one writer at a time costs little.
  The primary and unique keys stay the last guard in both;
- **failures in words**: each driver error becomes the :class:`LedgerError` that says what
  happened (locked, read-only, disk full, damaged, unreachable) and what to do.
"""

from __future__ import annotations

import functools
import re
import shutil
import sqlite3
import stat
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from notice_factory.errors import (
    LedgerBusyError,
    LedgerDamagedError,
    LedgerDiskFullError,
    LedgerEmptyError,
    LedgerError,
    LedgerMissingError,
    LedgerReadOnlyError,
    LedgerUnreachableError,
)

if TYPE_CHECKING:
    import psycopg

URL_SCHEMES = ("postgresql://", "postgres://")

_KEEP = ("Do not delete the ledger or start a new one in its place: the numbers it holds are "
         "printed on letters, and a new ledger would issue them again.")


def is_database_url(target: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://...``), False for a file path."""
    return isinstance(target, str) and target.lower().startswith(URL_SCHEMES)


def ledger_target(value: Path | str) -> Path | str:
    """A ``--ledger`` value as the ledger takes it: a PostgreSQL URL kept as text (a Path would
    fold its ``//``), anything else a file path.

    >>> ledger_target("postgresql://nf@db.example/ledger"), ledger_target("out/ledger.sqlite")
    ('postgresql://nf@db.example/ledger', PosixPath('out/ledger.sqlite'))
    """
    text = str(value)
    return text if is_database_url(text) else Path(text)


def redact(url: str) -> str:
    """The URL as messages show it: the password never.

    >>> redact("postgresql://nf:s3cret@db.example:5433/ledger?sslmode=require")
    'postgresql://nf@db.example:5433/ledger?sslmode=require'
    """
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...


class Backend:
    """One open connection to a ledger's database (see the module docstring)."""

    dialect = ""
    where: str  # the file or (redacted) URL messages name
    busy_timeout_s: float

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def begin_write(self) -> None:
        """BEGIN, holding the ledger's one write lock until COMMIT or ROLLBACK."""
        raise NotImplementedError

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:  # a database may already have rolled back on some errors
            self.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def user_version(self) -> int:
        """The ledger's schema version; 0 when the database holds no ledger."""
        raise NotImplementedError

    def set_user_version(self, version: int) -> None:
        raise NotImplementedError

    def ddl(self, statement: str) -> str:
        """A schema statement (written for SQLite) in this database's words."""
        return statement

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        """The table's columns in order, without PostgreSQL's explicit ``rowid``."""
        raise NotImplementedError

    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exceptions, which :meth:`explain` turns into words."""
        raise NotImplementedError

    def explain(self, exc: Exception) -> LedgerError:
        raise NotImplementedError


# --------------------------------------------------------------------------- SQLite

# SQLite's primary result codes (https://sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26)


def explain_sqlite_error(exc: sqlite3.Error, path: Path, waited_s: float = 0.0) -> LedgerError:
    """What a clerk reads when SQLite fails on the ledger: which failure, and what to do."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    detail = str(exc)
    where = str(path)
    if code in (_BUSY, _LOCKED):
        return LedgerBusyError(
            f"the ledger is locked by another run (waited {waited_s:g} s): wait until the "
            "other batch or ledger command has finished, then run this command again. The "
            "ledger itself is fine.", file=where)
    if code in (_READONLY, _PERM, _CANTOPEN):
        return LedgerReadOnlyError(
            f"the ledger cannot be written ({detail}): the file, its folder or the disk is "
            "read-only or not writable by this user (SQLite also writes the -wal and -shm files "
            "beside it). Give this user write access there, then run again. The ledger itself "
            "is fine; nothing was allocated.", file=where)
    if code == _FULL or (code == _IOERR and _nearly_full(path.parent)):
        # A full disk reaches SQLite as SQLITE_FULL, or (writing its -shm/-wal) as an I/O
        # error: the free space tells which.
        return LedgerDiskFullError(
            f"the disk holding the ledger is full ({path.parent}): free space there, then run "
            "again. Nothing was allocated; the ledger itself is fine.", file=where)
    if code == _IOERR:
        return LedgerError(
            f"the disk reported an error on the ledger ({detail}): check the disk and the free "
            f"space in {path.parent}, then run again. " + _KEEP, file=where)
    if code in (_CORRUPT, _NOTADB):
        return LedgerDamagedError(
            f"the ledger file is damaged or is not a ledger ({detail}). Check the --ledger path; "
            "if it is your ledger, restore it from your last backup (or have your administrator "
            f"recover it, e.g. with `sqlite3 {path} .recover`), then run again. " + _KEEP,
            file=where)
    return LedgerError(f"the ledger failed ({detail}); run again, and if it fails again, "
                       "have your administrator look at the file. " + _KEEP, file=where)


def _nearly_full(folder: Path) -> bool:
    """Too little room left for SQLite to write a few pages of its journal."""
    try:
        return shutil.disk_usage(folder).free < 256 * 1024
    except OSError:
        return False


def check_ledger_file(path: Path) -> None:
    """Refuse, before SQLite may create anything, a path that holds no ledger."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise LedgerMissingError(
            "there is no ledger here. A ledger is never created by a batch: if the path is "
            "mistyped or another machine's, give the right one with --ledger; if this is the "
            "first batch of this sender profile, create its ledger on purpose with "
            f"`notice-factory ledger init {path} --sender PROFILE`.", file=str(path)) from None
    except OSError as exc:
        raise LedgerError(f"cannot reach the ledger ({exc.strerror}): check the path and that "
                          "its folder is mounted and readable.", file=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise LedgerError("this is a folder; give the path of the ledger file (e.g. "
                          f"{path / 'ledger.sqlite'})", file=str(path))
    if info.st_size == 0:
        raise LedgerEmptyError(
            "the ledger file is empty (0 bytes): the numbers it recorded are gone (an "
            "interrupted copy, a full disk or a file emptied by hand). Nothing was allocated. "
            "Restore the file from your last backup, or ask your administrator. " + _KEEP,
            file=str(path))


class SQLiteBackend(Backend):
    """An SQLite ledger file, WAL journal, ``synchronous = FULL``, foreign keys on."""

    dialect = "sqlite"

    def __init__(self, path: Path, busy_timeout_s: float, *, create: bool = False) -> None:
        self.path = path
        self.where = str(path)
        self.busy_timeout_s = busy_timeout_s
        if create:
            target, uri = str(path), False
        else:
            check_ledger_file(path)
            # mode=rw: SQLite must never create the file (a ledger is made only by init).
            target = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=rw"
            uri = True
        try:
            # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE.
            self.db = sqlite3.connect(target, timeout=busy_timeout_s, isolation_level=None,
                                      uri=uri)
        except sqlite3.Error as exc:
            raise self.explain(exc) from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed allocation survives a power cut, so a number is never re-issued.
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            self.db.close()
            raise self.explain(exc) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    def begin_write(self) -> None:
        # IMMEDIATE takes the write lock now (waiting up to busy_timeout).
        self.db.execute("BEGIN IMMEDIATE")

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    def close(self) -> None:
        self.db.close()

    def user_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def set_user_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def table_names(self) -> list[str]:
        return [str(n) for (n,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.db.execute(f"PRAGMA table_info({table})")]

    def errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def explain(self, exc: Exception) -> LedgerError:
        assert isinstance(exc, sqlite3.Error)
        return explain_sqlite_error(exc, self.path, self.busy_timeout_s)


# --------------------------------------------------------------------------- PostgreSQL

# The key of the ledger's write lock (pg_advisory_xact_lock): "nfledger" in ASCII. Advisory
# locks are per database, and a database holds one ledger.
WRITE_LOCK_KEY = 0x6E666C6564676572

_CREATE_TABLE = re.compile(r"^\s*CREATE TABLE (\w+) \(", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def to_pyformat(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled).

    >>> to_pyformat("SELECT number FROM numbers WHERE case_id = ? AND kind LIKE 'a%'")
    "SELECT number FROM numbers WHERE case_id = %s AND kind LIKE 'a%%'"
    """
    return sql.replace("%", "%%").replace("?", "%s")


def pg_ddl(statement: str) -> str:
    """A schema statement written for SQLite, for PostgreSQL: SQLite's ``rowid`` made an
    explicit identity column of every table that has no ``INTEGER PRIMARY KEY`` (which is the
    rowid in SQLite, and becomes an identity key here).

    >>> pg_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
    'CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x TEXT)'
    >>> pg_ddl("CREATE TABLE t (x TEXT PRIMARY KEY)")
    'CREATE TABLE t (rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE, x TEXT PRIMARY KEY)'
    """
    if not _CREATE_TABLE.match(statement):
        return statement
    if "INTEGER PRIMARY KEY" in statement:
        return statement.replace("INTEGER PRIMARY KEY",
                                 "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", 1)
    return _CREATE_TABLE.sub(
        lambda m: f"{m.group(0)}rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE, ",
        statement, count=1)


class PostgresBackend(Backend):
    """A PostgreSQL database holding one ledger (its tables in the connection's schema)."""

    dialect = "postgresql"

    def __init__(self, url: str, busy_timeout_s: float, *, connect_timeout_s: float = 15.0
                 ) -> None:
        try:
            import psycopg
        except ImportError:
            raise LedgerError("a PostgreSQL ledger needs psycopg (pip install 'psycopg[binary]',"
                              " or run scripts/install.sh)", file=redact(url)) from None
        self.url = url
        self.where = redact(url)
        self.busy_timeout_s = busy_timeout_s
        self._psycopg = psycopg
        try:
            self.db: psycopg.Connection[Any] = psycopg.connect(
                url, autocommit=True, connect_timeout=max(1, int(connect_timeout_s)),
                application_name="notice-factory")
            # Waiting for the write lock (or any lock) ends after the busy timeout.
            self.db.execute(f"SET lock_timeout = {int(busy_timeout_s * 1000)}")
        except psycopg.Error as exc:
            raise self.explain(exc) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.db.execute(to_pyformat(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.db.cursor() as cur:
            cur.executemany(to_pyformat(sql), [tuple(r) for r in rows])

    def begin_write(self) -> None:
        self.db.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        # Each statement after this one sees every transaction committed before the lock was
        # granted (READ COMMITTED takes a new snapshot per statement).
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))

    @property
    def in_transaction(self) -> bool:
        status = self.db.info.transaction_status
        return status != self._psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.db.close()

    def user_version(self) -> int:
        row = self.db.execute("SELECT to_regclass('ledger_schema') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return 0
        got = self.db.execute("SELECT version FROM ledger_schema").fetchone()
        return 0 if got is None else int(got[0])

    def set_user_version(self, version: int) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)")
        self.db.execute("DELETE FROM ledger_schema")
        self.db.execute("INSERT INTO ledger_schema (version) VALUES (%s)", (int(version),))

    def ddl(self, statement: str) -> str:
        return pg_ddl(statement)

    def table_names(self) -> list[str]:
        return [str(n) for (n,) in self.db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")]

    def columns(self, table: str) -> list[str]:
        return [str(n) for (n,) in self.db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s AND column_name <> 'rowid'"
            " ORDER BY ordinal_position", (table,))]

    def reset_identities(self, tables: Sequence[str]) -> None:
        """After rows were copied with their ``rowid``/``id``: the identity counters continue
        above the highest one (so new rows keep the order)."""
        for table in tables:
            column = "id" if table in ("events", "carrier_events") else "rowid"
            self.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)")

    def errors(self) -> tuple[type[Exception], ...]:
        return (self._psycopg.Error,)

    def explain(self, exc: Exception) -> LedgerError:
        return explain_postgres_error(exc, self.where, self.busy_timeout_s)


def _pg_reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


# SQLSTATE classes and codes (https://www.postgresql.org/docs/15/errcodes-appendix.html).
_PG_BUSY = {"55P03", "40P01", "40001", "57014"}  # lock_not_available, deadlock, serialization,
#                                                   query_canceled (statement/lock timeout)
_PG_READ_ONLY = {"25006", "42501"}  # read_only_sql_transaction, insufficient_privilege
_PG_FULL = {"53100", "53200", "53300"}  # disk_full, out_of_memory, too_many_connections
_PG_AUTH = {"28000", "28P01"}
_PG_NO_DATABASE = {"3D000"}  # invalid_catalog_name


def _connect_sqlstate(reason: str) -> str:
    """A failed connection carries no SQLSTATE: the server's refusal is read from its text."""
    if re.search(r'database "[^"]*" does not exist', reason):
        return "3D000"
    if re.search(r"password authentication failed|no pg_hba.conf entry|role \"[^\"]*\" does "
                 r"not exist|password", reason):
        return "28000"
    return ""


def explain_postgres_error(exc: Exception, where: str, waited_s: float = 0.0) -> LedgerError:
    """What a clerk reads when PostgreSQL fails on the ledger: which failure, and what to do."""
    reason = _pg_reason(exc)
    code = getattr(exc, "sqlstate", None) or _connect_sqlstate(reason)
    if code in _PG_BUSY:
        return LedgerBusyError(
            f"the ledger is locked by another run (waited {waited_s:g} s; {reason}): wait until "
            "the other batch or ledger command has finished, then run this command again. The "
            "ledger itself is fine; nothing was allocated.", file=where)
    if code in _PG_READ_ONLY:
        return LedgerReadOnlyError(
            f"the ledger database cannot be written by this user ({reason}): have your "
            "database administrator grant this user INSERT, UPDATE and SELECT on the ledger's "
            "tables (or connect to the primary, not a read-only replica), then run again. "
            "Nothing was allocated.", file=where)
    if code in _PG_FULL:
        return LedgerDiskFullError(
            f"the ledger's database server is out of room ({reason}): have your database "
            "administrator free space (or connections) on the server, then run again. Nothing "
            "was allocated; the ledger itself is fine.", file=where)
    if code in _PG_AUTH:
        return LedgerUnreachableError(
            f"the ledger database refused the login ({reason}): check the user and password "
            "in the URL (or in ~/.pgpass), then run again. Nothing was allocated.", file=where)
    if code in _PG_NO_DATABASE:
        return LedgerMissingError(
            f"the database of the ledger does not exist ({reason}): check the URL; a new "
            "ledger is made in an existing, empty database with `notice-factory ledger init "
            "URL --sender PROFILE`.", file=where)
    if code.startswith("08") or code.startswith("57") or not code:
        # Connection refused, lost or ended by the server: PostgreSQL rolls back whatever
        # transaction was open, so no batch is ever half-allocated.
        return LedgerUnreachableError(
            f"cannot reach the ledger database ({reason}): check that the database server is "
            "running and reachable from this machine, and the host, port and database in the "
            "URL, then run again. Nothing of an allocation that did not finish is kept (an "
            "interrupted transaction is rolled back whole); running the same batch again "
            "gives its letters the numbers they already have.", file=where)
    return LedgerError(f"the ledger database failed ({reason}); the transaction was rolled "
                       "back whole. Run again, and if it fails again, have your database "
                       "administrator look at the server's log. " + _KEEP, file=where)


def open_backend(target: Path | str, busy_timeout_s: float, *, create: bool = False) -> Backend:
    """The backend of a ledger path or URL (see :func:`ledger_target`)."""
    if is_database_url(target):
        return PostgresBackend(str(target), busy_timeout_s)
    return SQLiteBackend(Path(target), busy_timeout_s, create=create)


def fetch_chunks(cursor: Cursor, size: int = 5000) -> Iterator[Any]:
    """Every row of a query, read ``size`` at a time (a million-row table never in memory)."""
    while rows := cursor.fetchmany(size):
        yield from rows
