"""notice_factory: overdue cases in, legally sound letters and registered-mail batches out.

The typed library behind the `notice-factory` command; everything the CLI does is here:

>>> import notice_factory as nf
>>> [line.amount for line in nf.build_schedule(nf.Decimal("1000.00"), 3,
...                                            nf.date(2027, 1, 31)).lines]
[Decimal('333.33'), Decimal('333.33'), Decimal('333.34')]
"""

from datetime import date
from decimal import Decimal

from notice_factory.cases import ReadResult, parse_case, read_case_file
from notice_factory.catalog import Catalog, TemplateSpec, load_catalog
from notice_factory.context import TemplateContext, build_context
from notice_factory.errors import (
    CaseError,
    ConfigError,
    LedgerError,
    NoticeFactoryError,
    PlanError,
    RangeExhaustedError,
    RenderError,
    TemplateError,
    UsageError,
)
from notice_factory.ledger import Ledger, LetterKey
from notice_factory.model import Amounts, Case, Frequency, Kind, Locale, PlanTerms, Product
from notice_factory.pipeline import RenderSummary, render_case, render_letters
from notice_factory.render import LetterRenderer
from notice_factory.s10 import is_valid_s10, make_s10
from notice_factory.schedule import Schedule, build_schedule
from notice_factory.settings import SenderProfile, load_sender_profile

__version__ = "0.1.0"

__all__ = [
    "Amounts",
    "Case",
    "CaseError",
    "Catalog",
    "ConfigError",
    "Decimal",
    "Frequency",
    "Kind",
    "Ledger",
    "LedgerError",
    "LetterKey",
    "LetterRenderer",
    "Locale",
    "NoticeFactoryError",
    "PlanError",
    "PlanTerms",
    "Product",
    "RangeExhaustedError",
    "ReadResult",
    "RenderError",
    "RenderSummary",
    "Schedule",
    "SenderProfile",
    "TemplateContext",
    "TemplateError",
    "TemplateSpec",
    "UsageError",
    "__version__",
    "build_context",
    "build_schedule",
    "date",
    "is_valid_s10",
    "load_catalog",
    "load_sender_profile",
    "make_s10",
    "parse_case",
    "read_case_file",
    "render_case",
    "render_letters",
]
