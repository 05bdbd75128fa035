"""The product's vocabulary: document kinds, locales, products and the validated case.

A :class:`Case` only exists once its row has passed validation (see
:mod:`notice_factory.cases`): every field has its final type, money is
:class:`decimal.Decimal`, dates are :class:`datetime.date`.

>>> Kind("formal_notice").language_independent_label
'formal notice'
>>> Locale("zh_CN").language, Locale("zh_CN").country
('zh', 'CN')
>>> Amounts(Decimal("100.00"), Decimal("2.50"), Decimal("0"), Decimal("8")).total
Decimal('110.50')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from notice_factory.errors import CaseError

#: One cent: every amount of a letter is a whole number of cents.
CENT = Decimal("0.01")


def cents_problem(amount: Decimal) -> str | None:
    """Why ``amount`` cannot be a sum of money in a letter, or None: the one money check
    (formatting, amounts in words and repayment plans all use it). Rounding would change
    what the debtor is told to pay, so sub-cent precision is refused, never rounded.

    >>> [cents_problem(Decimal(v)) for v in ("12.30", "12.3", "0.001", "NaN")]
    [None, None, 'has more than 2 decimals', 'is not a finite number']
    """
    if not amount.is_finite():
        return "is not a finite number"
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # too many digits for the context
        return "is too large"
    return None if cents == amount else "has more than 2 decimals"


class Kind(StrEnum):
    """The five document kinds, in the order a collection file escalates.

    >>> Kind("formal_notice") is Kind.FORMAL_NOTICE, Kind.REMINDER.asks_payment_by_deadline
    (True, True)
    """

    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"
    LAWYER_LETTER = "lawyer_letter"
    COMMITMENT_FORM = "commitment_form"
    PLAN_AGREEMENT = "plan_agreement"

    @property
    def language_independent_label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def asks_payment_by_deadline(self) -> bool:
        """Letters that give the debtor a number of days to pay."""
        return self in (Kind.REMINDER, Kind.FORMAL_NOTICE, Kind.LAWYER_LETTER)


class Locale(StrEnum):
    """The letter's language, legal system and formats.

    >>> [(loc.value, loc.language, loc.country) for loc in Locale][:2]
    [('fr_FR', 'fr', 'FR'), ('zh_CN', 'zh', 'CN')]
    """

    FR_FR = "fr_FR"
    ZH_CN = "zh_CN"
    RO_RO = "ro_RO"

    @property
    def language(self) -> str:
        return self.value.split("_")[0]

    @property
    def country(self) -> str:
        return self.value.split("_")[1]


class Product(StrEnum):
    """What the debt comes from (the ``product`` column); decides the consumer-credit rules.

    >>> Product("invoice").is_consumer_credit, Product.PERSONAL_LOAN.is_consumer_credit
    (False, True)
    """

    CREDIT_CARD = "credit_card"
    PERSONAL_LOAN = "personal_loan"
    CONSUMER_CREDIT = "consumer_credit"
    OVERDRAFT = "overdraft"
    INVOICE = "invoice"

    @property
    def is_consumer_credit(self) -> bool:
        """Products under consumer-credit law (FR L312-*, RO OUG 50/2010)."""
        return self is not Product.INVOICE


class Frequency(StrEnum):
    """How often a repayment plan's instalments fall due (``plan_frequency``).

    >>> Frequency("monthly") is Frequency.MONTHLY
    True
    """

    MONTHLY = "monthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Amounts:
    """What the debtor owes, split as the law requires (principal / interest / accessories).

    >>> Amounts(Decimal("1234.56"), interest=Decimal("48.20")).total
    Decimal('1282.76')
    """

    principal: Decimal
    interest: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    penalties: Decimal = Decimal("0")

    @property
    def total(self) -> Decimal:
        # The interface: principal + interest + fees + penalties, minus nothing else.
        return self.principal + self.interest + self.fees + self.penalties


@dataclass(frozen=True)
class PlanTerms:
    """The repayment-plan fields of a case (plan_* columns).

    >>> PlanTerms(6, dt.date(2027, 1, 31)).frequency
    <Frequency.MONTHLY: 'monthly'>
    """

    installments: int
    first_due_date: dt.date
    frequency: Frequency = Frequency.MONTHLY
    down_payment: Decimal = Decimal("0")
    annual_rate: Decimal = Decimal("0")


@dataclass(frozen=True)
class StatementItem:
    """One line of an itemised statement of the claim (JSON case files' ``statement``)."""

    due_date: dt.date
    label: str
    amount: Decimal


@dataclass(frozen=True)
class EarlierLetter:
    """A letter of the same case that the ledger shows as sent before this one.

    Never read from a case file: the batch fills :attr:`Case.earlier_letters` from the ledger,
    so a letter says "despite our previous letters" only when there were some.
    """

    kind: Kind
    letter_date: dt.date


@dataclass(frozen=True)
class Case:
    """One validated row of a case file (see :func:`notice_factory.read_case_file`).

    >>> case = Case("C-1", Kind.REMINDER, Locale.FR_FR, "Jean Dupont", "12 rue des Lilas",
    ...             "75011", "Paris", "FR", "K-1", Product.PERSONAL_LOAN, "EUR",
    ...             Amounts(Decimal("100.00")), dt.date(2026, 9, 5))
    >>> case.letter_key, case.registered
    ('C-1-reminder', True)
    """

    case_id: str
    kind: Kind
    locale: Locale
    debtor_name: str
    address_line1: str
    postal_code: str
    city: str
    country: str
    contract_ref: str
    product: Product
    currency: str
    amounts: Amounts
    due_date: dt.date
    debtor_title: str | None = None
    address_line2: str | None = None
    region: str | None = None
    contract_date: dt.date | None = None
    letter_date: dt.date | None = None
    payment_deadline_days: int | None = None
    plan: PlanTerms | None = None
    # The day the creditor declared the whole loan due (déchéance du terme / acceleration); None
    # while only the missed instalments are due.
    acceleration_date: dt.date | None = None
    # The claim itemised (due date, label, amount), summing to amounts.total; empty: the
    # letter prints only the principal / interest / accessories breakdown.
    statement: tuple[StatementItem, ...] = ()
    registered: bool = True
    acknowledgement: bool = False
    # France: the recommandé's guarantee level (R1/R2/R3) of this item, overriding the sender
    # profile's ([<locale>.postal] guarantee); None: the profile's.
    guarantee: str | None = None
    # 1-based row in the case file (header excluded), for messages and rejects.csv.
    row: int = 0
    # Columns the caller asked to keep although the spec does not know them.
    extra: dict[str, str] = field(default_factory=dict)
    # Letters of this case sent before this one, oldest first: ledger facts the batch adds
    # (pipeline.with_history), empty outside a batch. Not a case-file field.
    earlier_letters: tuple[EarlierLetter, ...] = ()

    @property
    def letter_key(self) -> str:
        """The file stem of the letter: ``<case_id>-<kind>``."""
        return f"{self.case_id}-{self.kind.value}"


@dataclass
class ReadResult:
    """The valid cases of a case file and one rejection (row, field, reason) per bad row.

    Returned by :func:`notice_factory.read_case_file`:

    >>> result = ReadResult(rejects=[CaseError("this field is required", row=2,
    ...                                         field="debtor_name", case_id="C-2")])
    >>> result.cases, [e.format_message() for e in result.rejects]
    ([], ['row 2 (case C-2), field debtor_name: this field is required'])
    """

    cases: list[Case] = field(default_factory=list)
    rejects: list[CaseError] = field(default_factory=list)
    source: str = ""


Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, letter_key)`` after each letter of a batch or render."""

Clock = Callable[[], dt.date]
"""Where "today" comes from. Injected everywhere so the same input gives the same letters."""


def system_clock() -> dt.date:
    return dt.date.today()


def fixed_clock(day: dt.date) -> Clock:
    """A clock that always answers ``day``.

    >>> fixed_clock(dt.date(2026, 11, 23))()
    datetime.date(2026, 11, 23)
    """
    return lambda: day
