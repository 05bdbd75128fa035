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
    """Base class of every error the product raises on purpose."""

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
    """A command or library call was given values it cannot work with."""

    exit_code = EXIT_USAGE


class ConfigError(NoticeFactoryError):
    """The sender profile or another settings file is missing or wrong."""


class CaseFileError(NoticeFactoryError):
    """The case file as a whole cannot be read (not a single bad row)."""


class CaseError(NoticeFactoryError):
    """One case is unusable; the others go on. Becomes one row of rejects.csv."""

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
    """The output folder, or a file in it, cannot be written (found before numbering)."""


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
    """A template or its metadata is wrong (syntax, variable, missing mention)."""


class RenderError(NoticeFactoryError):
    """A letter could not be turned into a PDF (engine failure, warning, timeout)."""


class OfficeUnavailableError(RenderError):
    """LibreOffice is missing or cannot be started."""


class LedgerError(NoticeFactoryError):
    """The registered-number ledger refused an operation."""


class LedgerMissingError(LedgerError):
    """No ledger at the path given: a ledger is created only on purpose (`ledger init`)."""


class LedgerEmptyError(LedgerError):
    """The ledger file exists but holds nothing (0 bytes): its numbers were lost."""


class LedgerBusyError(LedgerError):
    """Another run held the ledger's lock longer than this one would wait."""


class LedgerReadOnlyError(LedgerError):
    """The ledger (or its folder, or the mount) cannot be written."""


class LedgerDiskFullError(LedgerError):
    """The disk holding the ledger has no space left."""


class LedgerDamagedError(LedgerError):
    """The ledger file is not a ledger, or its content is damaged."""


class LedgerUnreachableError(LedgerError):
    """The ledger's database server cannot be reached, refused the login, or the connection
    was lost (an unfinished transaction is rolled back whole)."""


class LedgerMovedError(LedgerError):
    """The ledger was moved to another database (`ledger migrate`): it is kept for reading,
    and every write goes to the new one."""


class LedgerProfileError(LedgerError):
    """The ledger does not serve the sender profile's ranges (another profile's ledger, or a
    new range not yet recorded), or a range overlaps another operator's."""


class ContentChangedError(LedgerError):
    """A re-run would put a registered number on a letter whose content changed since the
    number was given to it (amount, address, dates, template...): one number, one letter."""

    def __init__(self, message: str, *, cases: list[str]) -> None:
        super().__init__(message)
        self.cases = cases


class LettersBusyError(LedgerError):
    """Another batch is producing (or has produced, in another folder) the same letters: the
    run is refused before it writes anything."""

    def __init__(self, message: str, *, cases: list[str]) -> None:
        super().__init__(message)
        self.cases = cases


class BatchFolderError(NoticeFactoryError):
    """The batch's output folder cannot take this batch: another run writes into it, it holds
    files no batch wrote there, or another batch's files."""


class EventsFileError(NoticeFactoryError):
    """A carrier events file cannot be read as a whole (one bad row is reported, not raised)."""


class RangeExhaustedError(LedgerError):
    """A batch needs more registered numbers than the sender's ranges have left."""

    def __init__(self, message: str, *, missing: int) -> None:
        super().__init__(message)
        self.missing = missing


class ClusterError(NoticeFactoryError):
    """The Dask cluster cannot render this batch (unreachable, no worker, other templates)."""


class PlanError(UsageError):
    """A repayment plan cannot be built with the values given."""
