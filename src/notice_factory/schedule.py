"""The repayment-plan engine: exact Decimal cents and anchor-day monthly dates.

A plan splits what the debtor owes (less an optional down payment) into 1 to 60
instalments. Every amount is a :class:`~decimal.Decimal` with two decimals; the
sum of the instalments and the down payment is the total to the cent, because a
plan whose lines do not add up is a plan a court or a debtor can challenge.

>>> s = build_schedule(Decimal("1000.00"), 3, date(2026, 1, 31))
>>> [str(line.amount) for line in s.lines]
['333.33', '333.33', '333.34']
>>> [line.due_date.isoformat() for line in s.lines]
['2026-01-31', '2026-02-28', '2026-03-31']
>>> s.total_to_pay, s.months
(Decimal('1000.00'), 2)

With a rate, the instalments are equal annuities ("French" amortisation) and
each line shows its interest and principal:

>>> s = build_schedule(Decimal("1200.00"), 12, date(2026, 1, 15), annual_rate=Decimal("12"))
>>> first = s.lines[0]
>>> first.amount, first.interest, first.principal, first.balance_after
(Decimal('106.62'), Decimal('12.00'), Decimal('94.62'), Decimal('1105.38'))
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from notice_factory.errors import PlanError
from notice_factory.model import CENT, Frequency, Locale, cents_problem
from notice_factory.rules import RULE_PLACE, max_plan_months

MAX_INSTALLMENTS = 60  # the case-file contract (interface.md: plan_installments 1 to 60)

# Periods per year used to turn the nominal annual rate into a periodic rate.
# The proportional rate (annual / periods) is what French and Romanian consumer
# credit contracts print for monthly instalments (taux proportionnel), and the
# same convention for 26 fortnights and 52 weeks keeps the three frequencies
# comparable: a year of instalments always carries annual_rate of simple interest
# on a constant balance, whatever the frequency.
PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.BIWEEKLY: 26, Frequency.WEEKLY: 52}

# Far beyond any debt, and small enough that cent arithmetic stays exact within
# Decimal's default 28 significant digits.
_TOO_LARGE = Decimal(10) ** 15


@dataclass(frozen=True)
class Installment:
    """One line of the schedule. ``amount == interest + principal``."""

    number: int  # 1-based
    due_date: date
    amount: Decimal
    interest: Decimal
    principal: Decimal
    balance_after: Decimal  # principal still owed once this line is paid


@dataclass(frozen=True)
class Schedule:
    """A complete, checked repayment plan, made by :func:`build_schedule` (exact cents).

    >>> plan = build_schedule(Decimal("1000.00"), 3, date(2027, 1, 31))
    >>> [(str(x.due_date), str(x.amount)) for x in plan.lines][-1], plan.total_to_pay
    (('2027-03-31', '333.34'), Decimal('1000.00'))
    """

    lines: tuple[Installment, ...]
    down_payment: Decimal
    financed: Decimal  # total - down_payment: what the instalments repay in principal
    total_interest: Decimal
    total_to_pay: Decimal  # down_payment + sum of the instalment amounts
    frequency: Frequency
    annual_rate: Decimal
    down_payment_date: date | None = None

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def first_due_date(self) -> date:
        return self.lines[0].due_date

    @property
    def last_due_date(self) -> date:
        return self.lines[-1].due_date

    @property
    def start_date(self) -> date:
        """The plan's first payment: the dated down payment, else the first instalment."""
        return self.down_payment_date or self.first_due_date

    @property
    def months(self) -> int:
        """How many months the plan lasts, from :attr:`start_date` to the last instalment.

        A started month counts as a whole one, so "at most 60 months" means the
        last payment falls on or before the start date plus 60 months.

        >>> build_schedule(Decimal("60"), 60, date(2026, 1, 31)).months
        59
        >>> build_schedule(Decimal("10"), 5, date(2026, 1, 1), Frequency.WEEKLY).months
        1
        """
        return months_between(self.start_date, self.last_due_date)

    @property
    def has_interest(self) -> bool:
        return self.annual_rate > 0


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, keeping the anchor's day where the month has it.

    Always computed from the anchor, never from the previous due date, so a plan
    anchored on the 31st comes back to the 31st after February.

    >>> [add_months(date(2026, 1, 31), k).isoformat() for k in range(5)]
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']
    >>> add_months(date(2028, 1, 30), 1)
    datetime.date(2028, 2, 29)
    """
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise PlanError("the plan would end after the year 9999")
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """The smallest number of months k such that ``add_months(start, k) >= end``.

    >>> months_between(date(2026, 1, 31), date(2026, 2, 28))
    1
    >>> months_between(date(2026, 1, 15), date(2026, 2, 16))
    2
    >>> months_between(date(2026, 1, 15), date(2026, 1, 15))
    0
    """
    if end <= start:
        return 0
    k = (end.year - start.year) * 12 + end.month - start.month
    # k is either exact or one short (when end's day is past start's day in the month).
    while k > 0 and add_months(start, k - 1) >= end:
        k -= 1
    while add_months(start, k) < end:
        k += 1
    return k


def due_dates(first_due: date, count: int, frequency: Frequency = Frequency.MONTHLY) -> list[date]:
    """The ``count`` due dates of a plan, strictly increasing.

    >>> [d.isoformat() for d in due_dates(date(2026, 3, 1), 3, Frequency.BIWEEKLY)]
    ['2026-03-01', '2026-03-15', '2026-03-29']
    """
    if frequency is Frequency.MONTHLY:
        return [add_months(first_due, k) for k in range(count)]
    step = timedelta(days=14 if frequency is Frequency.BIWEEKLY else 7)
    try:
        return [first_due + k * step for k in range(count)]
    except OverflowError:
        raise PlanError("the plan would end after the year 9999") from None


def _decimal(value: object, what: str) -> Decimal:
    # Money and rates never travel as binary floats: refuse them rather than
    # silently carrying 0.1 + 0.2 != 0.3 into a signed agreement.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PlanError(f"the {what} must be a decimal number, not {type(value).__name__}")
    d = Decimal(value)
    if not d.is_finite():
        raise PlanError(f"the {what} must be a finite number; got {d}")
    if abs(d) >= _TOO_LARGE:
        raise PlanError(f"the {what} is too large for a repayment plan; got {d}")
    return d


def _cents(value: object, what: str) -> Decimal:
    d = _decimal(value, what)  # finite and not too large
    if cents_problem(d):
        raise PlanError(f"the {what} must have at most 2 decimals; got {d}")
    return d.quantize(CENT)


def build_schedule(
    total: Decimal,
    installments: int,
    first_due: date,
    frequency: Frequency = Frequency.MONTHLY,
    annual_rate: Decimal = Decimal("0"),
    down_payment: Decimal = Decimal("0"),
    down_payment_date: date | None = None,
    max_months: int | None = None,
    locale: Locale | None = None,
) -> Schedule:
    """Build and check a repayment plan.

    ``total`` is what the debtor owes; ``down_payment`` is paid first (on
    ``down_payment_date`` if given) and the rest, ``financed``, is split into
    ``installments`` payments due from ``first_due`` on. ``annual_rate`` is a
    nominal percent (``Decimal("4.5")``) charged on the remaining balance.
    ``max_months`` refuses plans lasting longer (see :attr:`Schedule.months`);
    passing ``locale`` applies that locale's statutory maximum when
    ``max_months`` is not given, and names the rule in the message.

    >>> build_schedule(Decimal("100"), 61, date(2026, 1, 1))
    Traceback (most recent call last):
    ...
    notice_factory.errors.PlanError: the number of instalments must be between 1 and 60; got 61
    >>> build_schedule(Decimal("0.05"), 6, date(2026, 1, 1))
    Traceback (most recent call last):
    ...
    notice_factory.errors.PlanError: cannot split 0.05 into 6 instalments of at least one cent
    >>> s = build_schedule(Decimal("500"), 2, date(2026, 5, 1), down_payment=Decimal("100"))
    >>> s.financed, [str(x.amount) for x in s.lines], s.total_to_pay
    (Decimal('400.00'), ['200.00', '200.00'], Decimal('500.00'))
    """
    _check_count(installments)
    total, down = _total_and_down(total, down_payment)
    rate = _decimal(annual_rate, "annual rate")
    if not 0 <= rate <= 100:
        raise PlanError(f"the annual rate must be between 0 and 100 percent; got {rate}")
    frequency = _frequency(frequency)
    _check_down_date(down, down_payment_date, first_due)

    financed = total - down
    if financed < installments * CENT:
        raise PlanError(
            f"cannot split {financed} into {installments} instalments of at least one cent"
        )

    dates = due_dates(first_due, installments, frequency)
    if rate == 0:
        lines = _equal_split(financed, dates)
    else:
        lines = _annuity(financed, dates, rate / 100 / PERIODS_PER_YEAR[frequency])

    total_interest = sum((line.interest for line in lines), Decimal("0.00"))
    schedule = Schedule(
        lines=tuple(lines),
        down_payment=down,
        financed=financed,
        total_interest=total_interest,
        total_to_pay=down + sum((line.amount for line in lines), Decimal("0.00")),
        frequency=frequency,
        annual_rate=rate,
        down_payment_date=down_payment_date,
    )
    _check_length(schedule, max_months, locale)
    return schedule


def _check_count(installments: int) -> None:
    if isinstance(installments, bool) or not isinstance(installments, int):
        raise PlanError(f"the number of instalments must be a whole number; got {installments!r}")
    if not 1 <= installments <= MAX_INSTALLMENTS:
        raise PlanError(
            f"the number of instalments must be between 1 and {MAX_INSTALLMENTS}; "
            f"got {installments}"
        )


def _total_and_down(total: Decimal, down_payment: Decimal) -> tuple[Decimal, Decimal]:
    """The amount owed and the down payment, in cents, the down payment less than the amount."""
    total = _cents(total, "amount")
    if total <= 0:
        raise PlanError(f"the amount must be greater than 0; got {total}")
    down = _cents(down_payment, "down payment")
    if down < 0:
        raise PlanError(f"the down payment cannot be negative; got {down}")
    if down >= total:
        raise PlanError(
            f"the down payment ({down}) must be less than the amount ({total}); "
            "a payment of the whole amount is not a plan"
        )
    return total, down


def _frequency(frequency: Frequency | str) -> Frequency:
    try:
        return Frequency(frequency)
    except ValueError:
        choices = ", ".join(f.value for f in Frequency)
        raise PlanError(f"the frequency must be one of {choices}; got {frequency!r}") from None


def _check_down_date(down: Decimal, down_payment_date: date | None, first_due: date) -> None:
    if down_payment_date is None:
        return
    if down == 0:
        raise PlanError("a down payment date was given but no down payment")
    if down_payment_date > first_due:
        raise PlanError(
            f"the down payment ({down_payment_date.isoformat()}) must fall on or before "
            f"the first instalment ({first_due.isoformat()})"
        )


def _check_length(schedule: Schedule, max_months: int | None, locale: Locale | None) -> None:
    if max_months is None and locale is not None:
        max_months = max_plan_months(locale)
    if max_months is None or schedule.months <= max_months:
        return
    limit = f"{max_months} months"
    if max_months % 12 == 0:
        years = max_months // 12
        limit = f"{years} year{'s' if years > 1 else ''} ({max_months} months)"
    place = RULE_PLACE.get(locale, "") if locale is not None else ""
    raise PlanError(
        f"a repayment plan{place} may last at most {limit}; this one lasts {schedule.months}"
    )


def _equal_split(financed: Decimal, dates: list[date]) -> list[Installment]:
    """Equal instalments rounded down to the cent, the difference on the last one.

    The last line carries the rounding difference because the debtor then pays
    the same amount every time until the closing instalment, which settles the
    balance (the usual "dernière échéance d'ajustement"); rounding down means
    that difference is never negative, so no line can drop below the others.
    """
    n = len(dates)
    regular = (financed / n).quantize(CENT, rounding=ROUND_DOWN)
    lines = []
    balance = financed
    for number, due in enumerate(dates, start=1):
        amount = regular if number < n else balance
        balance -= amount
        lines.append(Installment(number, due, amount, Decimal("0.00"), amount, balance))
    return lines


def _annuity(financed: Decimal, dates: list[date], period_rate: Decimal) -> list[Installment]:
    """French amortisation: equal instalments, interest on the remaining balance.

    Interest per line is rounded half-up to the cent; the last line repays the
    remaining balance exactly, so the principal parts add up to ``financed``.
    """
    n = len(dates)
    with localcontext() as ctx:
        ctx.prec = 50
        try:
            exact = financed * period_rate / (1 - (1 + period_rate) ** -n)
        except InvalidOperation:  # pragma: no cover - period_rate > 0 keeps the divisor > 0
            raise PlanError("the annual rate gives no usable instalment") from None
    payment = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    lines = []
    balance = financed
    for number, due in enumerate(dates, start=1):
        interest = (balance * period_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if number == n:
            principal = balance
        else:
            # With tiny amounts the cent rounding can drift enough to empty the
            # balance early; keep at least one cent of principal for each line
            # still to come so that no later line is zero or negative.
            reserve = (n - number) * CENT
            principal = max(Decimal("0.00"), min(payment - interest, balance - reserve))
        balance -= principal
        lines.append(Installment(number, due, interest + principal, interest, principal, balance))
    return lines
