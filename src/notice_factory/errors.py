"""One error hierarchy for the whole product.

Every error knows the exit status the command line returns for it and how to
describe itself in one line a back-office clerk or a legal-team member can act
on: the file and line (or case-file row and field) come first, then the reason.
No caller needs a traceback to understand what went wrong.

>>> err = CaseError("postal code '7501' is not a French postal code (5 digits)",
...                 row=4, field="postal_code", case_id="FR-0001")
>>> err.format_message()
"row 4 (case FR-0001), field postal_code: postal code '7501' is not a French postal code (5 digits)"
>>> TemplateError("unexpected '}'", file="fr/reminder/letter.html", line=12).format_message()
"fr/reminder/letter.html:12: unexpected '}'"
"""

from __future__ import annotations

import errno

# Exit statuses promised by the interface (shared/spec/interface.md section 3).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


class NoticeFactoryError(Exception):
    """Base class of every error the product raises on purpose: catch it to handle them all.

    ``format_message()`` is the one line the command line prints (file and line first), and
    ``exit_code`` the exit status it returns (1 unless a subclass says otherwise).

    >>> err = NoticeFactoryError("cannot read the case file", file="cases.csv")
    >>> err.format_message(), err.exit_code, isinstance(LedgerMissingError("x"), NoticeFactoryError)
    ('cases.csv: cannot read the case file', 1, True)
    """

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def format_message(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.format_message()


class UsageError(NoticeFactoryError):
    """A command or library call was given values it cannot work with: ``jobs`` below 0, an
    unknown events ``format``, a ``batch_id`` naming no batch of the ledger
    (:func:`~notice_factory.api.tracking_report`), an escalation FILE with another suffix than
    .csv/.jsonl/.json, a void without a reason. Exit status 2.

    >>> UsageError("jobs must be 0 (this process) or more worker processes, not -1").exit_code
    2
    """

    exit_code = EXIT_USAGE


class ConfigError(NoticeFactoryError):
    """The sender profile (or a ``NOTICE_FACTORY_*`` variable) is missing or wrong: raised by
    :func:`~notice_factory.settings.load_sender_profile` and by every function given a
    ``sender``.

    >>> import notice_factory as nf
    >>> nf.load_sender_profile("no-such-profile.toml")
    Traceback (most recent call last):
    notice_factory.errors.ConfigError: ...
    """


class CaseFileError(NoticeFactoryError):
    """The case file as a whole cannot be read (missing, not UTF-8, unknown type, a required
    column missing, not the expected JSON shape): raised by
    :func:`~notice_factory.api.read_case_file`, ``render_letters``, ``run_batch`` and
    ``escalate_cases`` before anything is written. A single bad row is a rejection instead.

    >>> import datetime as dt, notice_factory as nf
    >>> nf.read_case_file("cases.txt", batch_date=dt.date(2026, 11, 23))
    Traceback (most recent call last):
    notice_factory.errors.CaseFileError: cases.txt: cannot read the case file: ...
    """


class CaseError(NoticeFactoryError):
    """One case is unusable; the others go on. In a batch it becomes one row of rejects.csv
    (a :class:`~notice_factory.records.RejectRow` of the result); raised alone by
    :func:`~notice_factory.api.render_case` and ``preview_template`` for their one case.
    Exit status 3.

    >>> CaseError("this field is required", row=2, field="debtor_name",
    ...           case_id="FR-2").format_message()
    'row 2 (case FR-2), field debtor_name: this field is required'
    """

    exit_code = EXIT_PARTIAL

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        case_id: str | None = None,
        file: str | None = None,
    ) -> None:
        super().__init__(message, file=file, line=row)
        self.row = row
        self.field = field
        self.case_id = case_id

    def format_message(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}" + (f" (case {self.case_id})" if self.case_id else ""))
        elif self.case_id:
            parts.append(f"case {self.case_id}")
        if self.field:
            parts.append(f"field {self.field}")
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message


class CaseErrors(CaseError):
    """Several problems found in one case (row), reported together: the first is the
    headline (message, row, field), all are kept in ``errors``, one rejection each."""

    def __init__(self, errors: list[CaseError]) -> None:
        first = errors[0]
        super().__init__(first.message, row=first.row, field=first.field, case_id=first.case_id)
        self.errors = errors


class OutputError(NoticeFactoryError):
    """The output folder, or a file in it, cannot be written (read-only, disk full...): raised
    by :func:`~notice_factory.api.run_batch` and ``render_letters``, found before numbering.

    >>> OutputError("the disk is full", file="out/batch").format_message()
    'out/batch: the disk is full'
    """


# What a system error means to a clerk, and what to do about it.
_OS_ERROR_WORDS = {
    errno.ENOSPC: "the disk is full (no space left on device); free some space, or choose "
                  "another folder, and run the same command again",
    errno.EDQUOT: "your disk quota is used up; free some space and run the same command again",
    errno.EROFS: "the disk is mounted read-only; choose another folder",
    errno.EPERM: "the system does not allow changing it (an immutable or protected file: "
                 "`lsattr` shows an 'i' or 'a' flag, which an administrator lifts with "
                 "`chattr -i` or `chattr -a`)",
    errno.EACCES: "permission denied; check who owns the folder and its rights",
    errno.EISDIR: "a folder has that name",
    errno.ENOTDIR: "a file stands where a folder is needed on that path",
}


def describe_os_error(err: OSError) -> str:
    """A system error in words, naming its path.

    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device", "/out/manifest.csv"))
    '/out/manifest.csv: the disk is full (no space left on device); free some space, or choose another folder, and run the same command again'
    """  # noqa: E501
    words = _OS_ERROR_WORDS.get(err.errno or -1, err.strerror or str(err))
    return f"{err.filename}: {words}" if err.filename else words


class TemplateError(NoticeFactoryError):
    """A template or its metadata is wrong (syntax, variable, missing mention, a ladder):
    raised when a letter is rendered with it, listed (not raised) by
    :func:`~notice_factory.api.check_templates`.

    >>> TemplateError("unexpected '}'", file="fr/reminder/letter.html", line=12).format_message()
    "fr/reminder/letter.html:12: unexpected '}'"
    """


class RenderError(NoticeFactoryError):
    """A letter could not be turned into a PDF (engine failure, warning, timeout): raised by
    :func:`~notice_factory.api.render_case`; in a batch the letter is rejected instead and its
    number voided.

    >>> issubclass(OfficeUnavailableError, RenderError)
    True
    """


class OfficeUnavailableError(RenderError):
    """LibreOffice is missing or cannot be started, for a Word template's letter (the message
    says how to install it); a batch rejects those letters before numbering them.

    >>> OfficeUnavailableError("soffice not found: install LibreOffice").exit_code
    1
    """


class LedgerError(NoticeFactoryError):
    """The registered-number ledger refused an operation (opening, allocating, voiding,
    importing): the subclasses below say which and what to do. Raised by
    :func:`~notice_factory.api.open_ledger`, ``create_ledger``, ``run_batch``, the
    :class:`~notice_factory.ledger.Ledger` methods and the after-dispatch functions.

    >>> issubclass(RangeExhaustedError, LedgerError), issubclass(LedgerBusyError, LedgerError)
    (True, True)
    """


class LedgerMissingError(LedgerError):
    """No ledger at the path given: a ledger is created only on purpose (`ledger init`,
    :func:`~notice_factory.api.create_ledger`), never by opening it.

    >>> import notice_factory as nf
    >>> nf.open_ledger("no-such-folder/ledger.sqlite")
    Traceback (most recent call last):
    notice_factory.errors.LedgerMissingError: ...
    """


class LedgerEmptyError(LedgerError):
    """The ledger file exists but holds nothing (0 bytes): its numbers were lost. Raised on
    opening; restore the ledger from a backup (a new one would issue printed numbers again).

    >>> LedgerEmptyError("the ledger is empty", file="ledger.sqlite").format_message()
    'ledger.sqlite: the ledger is empty'
    """


class LedgerBusyError(LedgerError):
    """Another run held the ledger's write lock longer than this one would wait (the busy
    timeout); run again once the other batch is done.

    >>> LedgerBusyError("another batch holds the ledger").exit_code
    1
    """


class LedgerReadOnlyError(LedgerError):
    """The ledger (or its folder, or the mount, or the database role) cannot be written.

    >>> issubclass(LedgerReadOnlyError, LedgerError)
    True
    """


class LedgerDiskFullError(LedgerError):
    """The disk holding the ledger has no space left; the transaction was rolled back whole.

    >>> issubclass(LedgerDiskFullError, LedgerError)
    True
    """


class LedgerDamagedError(LedgerError):
    """The ledger file is not a ledger (another SQLite database, another file), or its
    content is damaged. Raised on opening.

    >>> issubclass(LedgerDamagedError, LedgerError)
    True
    """


class LedgerUnreachableError(LedgerError):
    """The ledger's database server cannot be reached, refused the login, or the connection
    was lost (an unfinished transaction is rolled back whole). PostgreSQL ledgers only.

    >>> issubclass(LedgerUnreachableError, LedgerError)
    True
    """


class LedgerMovedError(LedgerError):
    """The ledger was moved to another database (`ledger migrate`): it is kept for reading,
    and every write goes to the new one. Raised by a write to the old one.

    >>> issubclass(LedgerMovedError, LedgerError)
    True
    """


class LedgerProfileError(LedgerError):
    """The ledger does not serve the sender profile's ranges (another profile's ledger, or a
    new range not yet recorded), or a range overlaps another operator's. Raised before any
    number is allocated.

    >>> issubclass(LedgerProfileError, LedgerError)
    True
    """


class ContentChangedError(LedgerError):
    """A re-run would put a registered number on a letter whose content changed since the
    number was given to it (amount, address, dates, template...): one number, one letter.
    Raised by :func:`~notice_factory.api.run_batch` before anything is written; ``cases``
    names them (send them again with ``resend=True``).

    >>> ContentChangedError("the content changed", cases=["FR-1"]).cases
    ['FR-1']
    """

    def __init__(self, message: str, *, cases: list[str]) -> None:
        super().__init__(message)
        self.cases = cases


class LettersBusyError(LedgerError):
    """Another batch is producing (or has produced, in another folder) the same letters: the
    run is refused before it writes anything. Raised by :func:`~notice_factory.api.run_batch`.

    >>> LettersBusyError("another batch is making them", cases=["FR-1", "FR-2"]).cases
    ['FR-1', 'FR-2']
    """

    def __init__(self, message: str, *, cases: list[str]) -> None:
        super().__init__(message)
        self.cases = cases


class BatchFolderError(NoticeFactoryError):
    """The batch's output folder cannot take this batch: another run writes into it, it holds
    files no batch wrote there, or another batch's files. Raised by
    :func:`~notice_factory.api.run_batch` before any number is spent; give a new or empty
    folder, or the one this batch wrote before.

    >>> BatchFolderError("it holds files no batch wrote", file="out/b").format_message()
    'out/b: it holds files no batch wrote'
    """


class EventsFileError(NoticeFactoryError):
    """A carrier events file cannot be read as a whole (missing, not UTF-8, not the format's
    shape): raised by :func:`~notice_factory.api.import_tracking`. One bad row is one of the
    report's problems, not raised.

    >>> EventsFileError("not JSON", file="suivi.json").format_message()
    'suivi.json: not JSON'
    """


class RangeExhaustedError(LedgerError):
    """A batch needs more registered numbers than the sender's ranges (or imported lists)
    have left: raised by :func:`~notice_factory.api.run_batch` and
    :meth:`~notice_factory.ledger.Ledger.allocate` before any number is written; ``missing``
    says how many are lacking.

    >>> RangeExhaustedError("12 are missing", missing=12).missing
    12
    """

    def __init__(self, message: str, *, missing: int) -> None:
        super().__init__(message)
        self.missing = missing


class ClusterError(NoticeFactoryError):
    """The Dask cluster cannot render this batch (unreachable, no worker, other templates or
    code): raised by :func:`~notice_factory.api.run_batch` with ``cluster=`` before the ledger
    is opened, so no number is spent.

    >>> ClusterError("no worker joined tcp://render01:8786").exit_code
    1
    """


class PlanError(UsageError):
    """A repayment plan cannot be built with the values given (a usage error, exit 2).

    >>> import datetime as dt, decimal, notice_factory as nf
    >>> nf.build_schedule(decimal.Decimal("100.00"), 0, dt.date(2027, 1, 31))
    Traceback (most recent call last):
    notice_factory.errors.PlanError: the number of instalments must be between 1 and 60; got 0
    """
