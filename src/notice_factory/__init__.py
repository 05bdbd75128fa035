"""notice_factory: overdue cases in, legally sound letters and registered-mail batches out.

The typed library behind the ``notice-factory`` command: every command works through the
functions listed here (their home is :mod:`notice_factory.api`), which print nothing and
never exit. What goes wrong is one of the exceptions of :mod:`notice_factory.errors`.

- letters: :func:`read_case_file`, :func:`render_case`, :func:`render_letters`;
  a registered-mail batch: :func:`run_batch` -> :class:`BatchResult`;
- the registered-number ledger: :func:`create_ledger`, :func:`open_ledger` ->
  :class:`Ledger` (allocate, lookup, void, status);
- after dispatch: :func:`import_tracking`, :func:`tracking_report`, and the escalation
  decision :func:`escalate_cases` (written for ``batch`` by :func:`write_escalation`);
- templates: :func:`check_templates`, :func:`preview_template`;
- repayment plans: :func:`build_schedule`.

>>> import datetime, decimal
>>> import notice_factory as nf
>>> [line.amount for line in nf.build_schedule(decimal.Decimal("1000.00"), 3,
...                                            datetime.date(2027, 1, 31)).lines]
[Decimal('333.33'), Decimal('333.33'), Decimal('333.34')]

The names are resolved on first use: ``import notice_factory`` (or any name of ``__all__``)
loads no PDF, template or locale engine; calling :func:`run_batch` loads what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the explicit re-exports, for type checkers and readers
    from notice_factory.api import BatchLetter as BatchLetter
    from notice_factory.api import BatchResult as BatchResult
    from notice_factory.api import RenderedLetter as RenderedLetter
    from notice_factory.api import RenderResult as RenderResult
    from notice_factory.api import TemplatePreview as TemplatePreview
    from notice_factory.api import TemplatesReport as TemplatesReport
    from notice_factory.api import check_templates as check_templates
    from notice_factory.api import create_ledger as create_ledger
    from notice_factory.api import escalate_cases as escalate_cases
    from notice_factory.api import import_tracking as import_tracking
    from notice_factory.api import open_ledger as open_ledger
    from notice_factory.api import preview_template as preview_template
    from notice_factory.api import read_case_file as read_case_file
    from notice_factory.api import render_case as render_case
    from notice_factory.api import render_letters as render_letters
    from notice_factory.api import run_batch as run_batch
    from notice_factory.api import tracking_report as tracking_report
    from notice_factory.errors import BatchFolderError as BatchFolderError
    from notice_factory.errors import CaseError as CaseError
    from notice_factory.errors import CaseFileError as CaseFileError
    from notice_factory.errors import ClusterError as ClusterError
    from notice_factory.errors import ConfigError as ConfigError
    from notice_factory.errors import ContentChangedError as ContentChangedError
    from notice_factory.errors import EventsFileError as EventsFileError
    from notice_factory.errors import LedgerBusyError as LedgerBusyError
    from notice_factory.errors import LedgerDamagedError as LedgerDamagedError
    from notice_factory.errors import LedgerDiskFullError as LedgerDiskFullError
    from notice_factory.errors import LedgerEmptyError as LedgerEmptyError
    from notice_factory.errors import LedgerError as LedgerError
    from notice_factory.errors import LedgerMissingError as LedgerMissingError
    from notice_factory.errors import LedgerMovedError as LedgerMovedError
    from notice_factory.errors import LedgerProfileError as LedgerProfileError
    from notice_factory.errors import LedgerReadOnlyError as LedgerReadOnlyError
    from notice_factory.errors import LedgerUnreachableError as LedgerUnreachableError
    from notice_factory.errors import LettersBusyError as LettersBusyError
    from notice_factory.errors import NoticeFactoryError as NoticeFactoryError
    from notice_factory.errors import OfficeUnavailableError as OfficeUnavailableError
    from notice_factory.errors import OutputError as OutputError
    from notice_factory.errors import PlanError as PlanError
    from notice_factory.errors import RangeExhaustedError as RangeExhaustedError
    from notice_factory.errors import RenderError as RenderError
    from notice_factory.errors import TemplateError as TemplateError
    from notice_factory.errors import UsageError as UsageError
    from notice_factory.escalation import Decision as Decision
    from notice_factory.escalation import Escalation as Escalation
    from notice_factory.escalation import write_escalation as write_escalation
    from notice_factory.ledger import Ledger as Ledger
    from notice_factory.ledger import LetterKey as LetterKey
    from notice_factory.ledger import NumberRecord as NumberRecord
    from notice_factory.ledger import StatusLine as StatusLine
    from notice_factory.model import Amounts as Amounts
    from notice_factory.model import Case as Case
    from notice_factory.model import Frequency as Frequency
    from notice_factory.model import Kind as Kind
    from notice_factory.model import Locale as Locale
    from notice_factory.model import PlanTerms as PlanTerms
    from notice_factory.model import Product as Product
    from notice_factory.model import ReadResult as ReadResult
    from notice_factory.outcomes import Outcome as Outcome
    from notice_factory.outcomes import Status as Status
    from notice_factory.records import ManifestRow as ManifestRow
    from notice_factory.records import RejectRow as RejectRow
    from notice_factory.s10 import is_valid_s10 as is_valid_s10
    from notice_factory.s10 import make_s10 as make_s10
    from notice_factory.schedule import Schedule as Schedule
    from notice_factory.schedule import build_schedule as build_schedule
    from notice_factory.settings import SenderProfile as SenderProfile
    from notice_factory.settings import load_sender_profile as load_sender_profile
    from notice_factory.settings import templates_root as templates_root
    from notice_factory.tracking import ImportReport as ImportReport
    from notice_factory.trackreport import TrackingReport as TrackingReport

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "BatchLetter": "api", "BatchResult": "api", "RenderResult": "api", "RenderedLetter": "api",
    "TemplatePreview": "api", "TemplatesReport": "api", "check_templates": "api",
    "create_ledger": "api", "escalate_cases": "api", "import_tracking": "api",
    "open_ledger": "api", "preview_template": "api", "read_case_file": "api",
    "render_case": "api", "render_letters": "api", "run_batch": "api", "tracking_report": "api",
    "BatchFolderError": "errors", "CaseError": "errors", "CaseFileError": "errors",
    "ClusterError": "errors",
    "ConfigError": "errors", "ContentChangedError": "errors", "EventsFileError": "errors",
    "LedgerBusyError": "errors", "LedgerDamagedError": "errors",
    "LedgerDiskFullError": "errors", "LedgerEmptyError": "errors", "LedgerError": "errors",
    "LedgerMissingError": "errors", "LedgerMovedError": "errors",
    "LedgerProfileError": "errors", "LedgerReadOnlyError": "errors",
    "LedgerUnreachableError": "errors", "LettersBusyError": "errors",
    "NoticeFactoryError": "errors", "OfficeUnavailableError": "errors", "OutputError": "errors",
    "PlanError": "errors",
    "RangeExhaustedError": "errors", "RenderError": "errors", "TemplateError": "errors",
    "UsageError": "errors",
    "Decision": "escalation", "Escalation": "escalation", "write_escalation": "escalation",
    "Ledger": "ledger", "LetterKey": "ledger", "NumberRecord": "ledger", "StatusLine": "ledger",
    "Amounts": "model", "Case": "model", "Frequency": "model", "Kind": "model",
    "Locale": "model", "PlanTerms": "model", "Product": "model", "ReadResult": "model",
    "Outcome": "outcomes", "Status": "outcomes",
    "ManifestRow": "records", "RejectRow": "records",
    "is_valid_s10": "s10", "make_s10": "s10",
    "Schedule": "schedule", "build_schedule": "schedule",
    "SenderProfile": "settings", "load_sender_profile": "settings",
    "templates_root": "settings",
    "ImportReport": "tracking",
    "TrackingReport": "trackreport",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'notice_factory' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"notice_factory.{module}"), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
