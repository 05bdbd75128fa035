"""notice_factory: overdue cases in, legally sound letters and registered-mail batches out."""

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
from notice_factory.model import Amounts, Case, Frequency, Kind, Locale, PlanTerms, Product

__version__ = "0.1.0"

__all__ = [
    "Amounts",
    "Case",
    "CaseError",
    "ConfigError",
    "Frequency",
    "Kind",
    "LedgerError",
    "Locale",
    "NoticeFactoryError",
    "PlanError",
    "PlanTerms",
    "Product",
    "RangeExhaustedError",
    "RenderError",
    "TemplateError",
    "UsageError",
    "__version__",
]
