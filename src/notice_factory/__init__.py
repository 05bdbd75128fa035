"""notice_factory: overdue cases in, legally sound letters and registered-mail batches out.

The typed library behind the `notice-factory` command; everything the CLI does is here:

>>> import datetime, decimal
>>> import notice_factory as nf
>>> [line.amount for line in nf.build_schedule(decimal.Decimal("1000.00"), 3,
...                                            datetime.date(2027, 1, 31)).lines]
[Decimal('333.33'), Decimal('333.33'), Decimal('333.34')]

The names below are resolved on first use: ``import notice_factory`` (and ``import
notice_factory.errors``) loads no PDF, template or locale engine; ``nf.render_letters``
loads what rendering needs when it is first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the explicit re-exports, for type checkers and readers
    from notice_factory.carriers import load_codebook as load_codebook
    from notice_factory.cases import ReadResult as ReadResult
    from notice_factory.cases import parse_case as parse_case
    from notice_factory.cases import read_case_file as read_case_file
    from notice_factory.catalog import Catalog as Catalog
    from notice_factory.catalog import TemplateSpec as TemplateSpec
    from notice_factory.catalog import load_catalog as load_catalog
    from notice_factory.context import TemplateContext as TemplateContext
    from notice_factory.context import build_context as build_context
    from notice_factory.errors import CaseError as CaseError
    from notice_factory.errors import ConfigError as ConfigError
    from notice_factory.errors import LedgerError as LedgerError
    from notice_factory.errors import NoticeFactoryError as NoticeFactoryError
    from notice_factory.errors import PlanError as PlanError
    from notice_factory.errors import RangeExhaustedError as RangeExhaustedError
    from notice_factory.errors import RenderError as RenderError
    from notice_factory.errors import TemplateError as TemplateError
    from notice_factory.errors import UsageError as UsageError
    from notice_factory.escalation import escalate as escalate
    from notice_factory.escalation import write_escalation as write_escalation
    from notice_factory.ladder import load_ladders as load_ladders
    from notice_factory.ledger import Ledger as Ledger
    from notice_factory.ledger import LetterKey as LetterKey
    from notice_factory.model import Amounts as Amounts
    from notice_factory.model import Case as Case
    from notice_factory.model import Frequency as Frequency
    from notice_factory.model import Kind as Kind
    from notice_factory.model import Locale as Locale
    from notice_factory.model import PlanTerms as PlanTerms
    from notice_factory.model import Product as Product
    from notice_factory.outcomes import Outcome as Outcome
    from notice_factory.outcomes import Status as Status
    from notice_factory.outcomes import letter_outcome as letter_outcome
    from notice_factory.pipeline import RenderSummary as RenderSummary
    from notice_factory.pipeline import render_case as render_case
    from notice_factory.pipeline import render_letters as render_letters
    from notice_factory.render import LetterRenderer as LetterRenderer
    from notice_factory.s10 import is_valid_s10 as is_valid_s10
    from notice_factory.s10 import make_s10 as make_s10
    from notice_factory.schedule import Schedule as Schedule
    from notice_factory.schedule import build_schedule as build_schedule
    from notice_factory.settings import SenderProfile as SenderProfile
    from notice_factory.settings import load_sender_profile as load_sender_profile
    from notice_factory.tracking import import_events as import_events
    from notice_factory.trackreport import build_report as build_report

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "ReadResult": "cases", "parse_case": "cases", "read_case_file": "cases",
    "Catalog": "catalog", "TemplateSpec": "catalog", "load_catalog": "catalog",
    "TemplateContext": "context", "build_context": "context",
    "CaseError": "errors", "ConfigError": "errors", "LedgerError": "errors",
    "NoticeFactoryError": "errors", "PlanError": "errors", "RangeExhaustedError": "errors",
    "RenderError": "errors", "TemplateError": "errors", "UsageError": "errors",
    "Ledger": "ledger", "LetterKey": "ledger",
    "Amounts": "model", "Case": "model", "Frequency": "model", "Kind": "model",
    "Locale": "model", "PlanTerms": "model", "Product": "model",
    "RenderSummary": "pipeline", "render_case": "pipeline", "render_letters": "pipeline",
    "LetterRenderer": "render",
    "is_valid_s10": "s10", "make_s10": "s10",
    "Schedule": "schedule", "build_schedule": "schedule",
    "SenderProfile": "settings", "load_sender_profile": "settings",
    "load_codebook": "carriers", "escalate": "escalation", "write_escalation": "escalation",
    "load_ladders": "ladder", "Outcome": "outcomes", "Status": "outcomes",
    "letter_outcome": "outcomes", "import_events": "tracking", "build_report": "trackreport",
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
