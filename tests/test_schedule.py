"""The repayment-plan engine: golden schedules checked by hand, then properties."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notice_factory.errors import PlanError, UsageError
from notice_factory.model import Frequency, Locale
from notice_factory.rules import max_plan_months
from notice_factory.schedule import (
    Schedule,
    add_months,
    build_schedule,
    due_dates,
    months_between,
)

D = Decimal


def amounts(s: Schedule) -> list[str]:
    return [str(line.amount) for line in s.lines]


def isodates(s: Schedule) -> list[str]:
    return [line.due_date.isoformat() for line in s.lines]


# --- golden schedules ---------------------------------------------------------------------


def test_thousand_in_three_puts_the_cent_on_the_last_line() -> None:
    # 1000.00 / 3 = 333.333...: two lines of 333.33 (rounded down), 1000 - 666.66 = 333.34 last.
    s = build_schedule(D("1000.00"), 3, date(2026, 3, 10))
    assert amounts(s) == ["333.33", "333.33", "333.34"]
    assert [str(x.balance_after) for x in s.lines] == ["666.67", "333.34", "0.00"]
    assert s.total_to_pay == D("1000.00") and s.total_interest == D("0.00")


def test_anchor_31_january_comes_back_to_the_31st() -> None:
    s = build_schedule(D("400.00"), 5, date(2026, 1, 31))
    assert isodates(s) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    assert amounts(s) == ["80.00"] * 5


def test_anchor_30_january_in_a_leap_year() -> None:
    s = build_schedule(D("100.00"), 3, date(2028, 1, 30))
    assert isodates(s) == ["2028-01-30", "2028-02-29", "2028-03-30"]
    # 100 / 3 = 33.33 twice, then 100 - 66.66 = 33.34.
    assert amounts(s) == ["33.33", "33.33", "33.34"]


def test_29_february_anchor_across_years() -> None:
    s = build_schedule(D("13.00"), 13, date(2028, 2, 29))
    assert s.lines[1].due_date == date(2028, 3, 29)
    assert s.lines[12].due_date == date(2029, 2, 28)


def test_biweekly_and_weekly_steps() -> None:
    s = build_schedule(D("10.00"), 3, date(2026, 12, 25), Frequency.BIWEEKLY)
    assert isodates(s) == ["2026-12-25", "2027-01-08", "2027-01-22"]
    s = build_schedule(D("10.00"), 3, date(2026, 12, 25), Frequency.WEEKLY)
    assert isodates(s) == ["2026-12-25", "2027-01-01", "2027-01-08"]
    assert amounts(s) == ["3.33", "3.33", "3.34"]


def test_annuity_1200_at_12_percent_over_12_months() -> None:
    # Monthly rate r = 12 % / 12 = 1 %. Instalment = 1200 * r / (1 - 1.01^-12)
    #   1.01^12 = 1.1268250, 1 / 1.1268250 = 0.8874492, 1 - 0.8874492 = 0.1125508
    #   12.00 / 0.1125508 = 106.6185 -> 106.62 (half up).
    # Line 1: interest 1200.00 * 1 % = 12.00, principal 106.62 - 12.00 = 94.62, balance 1105.38.
    # Line 2: interest 1105.38 * 1 % = 11.0538 -> 11.05, principal 95.57, balance 1009.81.
    # Line 3: interest 10.0981 -> 10.10, principal 96.52, balance 913.29.
    # ...
    # Line 11 leaves 105.54; line 12: interest 1.0554 -> 1.06, principal 105.54, amount 106.60.
    # Interest 12.00+11.05+10.10+9.13+8.16+7.17+6.18+5.17+4.16+3.14+2.10+1.06 = 79.42.
    s = build_schedule(D("1200.00"), 12, date(2026, 1, 15), annual_rate=D("12"))
    assert amounts(s) == ["106.62"] * 11 + ["106.60"]
    first, second, third, last = s.lines[0], s.lines[1], s.lines[2], s.lines[-1]
    assert (first.interest, first.principal, first.balance_after) == (
        D("12.00"),
        D("94.62"),
        D("1105.38"),
    )
    assert (second.interest, second.principal, second.balance_after) == (
        D("11.05"),
        D("95.57"),
        D("1009.81"),
    )
    assert (third.interest, third.balance_after) == (D("10.10"), D("913.29"))
    assert (last.interest, last.principal, last.balance_after) == (
        D("1.06"),
        D("105.54"),
        D("0.00"),
    )
    assert s.total_interest == D("79.42")
    assert s.total_to_pay == D("1279.42")
    assert s.financed == D("1200.00")


def test_annuity_with_down_payment_and_one_instalment() -> None:
    # 1000 - 200 down = 800 financed, 1 monthly instalment at 6 %: interest 800 * 0.5 % = 4.00.
    s = build_schedule(D("1000"), 1, date(2026, 6, 1), annual_rate=D("6"), down_payment=D("200"))
    assert [(x.amount, x.interest, x.principal) for x in s.lines] == [
        (D("804.00"), D("4.00"), D("800.00"))
    ]
    assert s.total_to_pay == D("1004.00") and s.down_payment == D("200.00")


def test_weekly_rate_is_annual_over_52() -> None:
    # 5200.00 at 52 %: weekly rate 1 %, first interest 52.00 exactly.
    s = build_schedule(D("5200"), 4, date(2026, 1, 1), Frequency.WEEKLY, annual_rate=D("52"))
    assert s.lines[0].interest == D("52.00")
    s = build_schedule(D("2600"), 4, date(2026, 1, 1), Frequency.BIWEEKLY, annual_rate=D("26"))
    assert s.lines[0].interest == D("26.00")


def test_exactly_one_cent_per_instalment() -> None:
    s = build_schedule(D("0.60"), 60, date(2026, 1, 1))
    assert amounts(s) == ["0.01"] * 60


def test_summary_properties() -> None:
    s = build_schedule(
        D("1000"),
        10,
        date(2026, 4, 30),
        down_payment=D("100"),
        down_payment_date=date(2026, 3, 1),
    )
    assert s.first_due_date == date(2026, 4, 30)
    assert s.last_due_date == date(2027, 1, 30)
    assert s.start_date == date(2026, 3, 1)
    # 1 March 2026 + 10 months = 1 January 2027 < 30 January 2027, + 11 months is past it.
    assert s.months == 11
    assert s.count == 10 and not s.has_interest


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"installments": 0}, "the number of instalments must be between 1 and 60; got 0"),
        ({"installments": 61}, "the number of instalments must be between 1 and 60; got 61"),
        ({"total": D("0")}, "the amount must be greater than 0; got 0.00"),
        ({"total": D("-5")}, "the amount must be greater than 0; got -5.00"),
        ({"total": D("10.001")}, "the amount must have at most 2 decimals; got 10.001"),
        ({"total": D("NaN")}, "the amount must be a finite number; got NaN"),
        ({"total": 10.5}, "the amount must be a decimal number, not float"),
        ({"down_payment": D("-1")}, "the down payment cannot be negative; got -1.00"),
        ({"down_payment": D("100")}, "the down payment (100.00) must be less than the amount"),
        ({"annual_rate": D("101")}, "the annual rate must be between 0 and 100 percent; got 101"),
        ({"annual_rate": D("-1")}, "the annual rate must be between 0 and 100 percent; got -1"),
        ({"total": D("0.05"), "installments": 6}, "cannot split 0.05 into 6 instalments of at"),
        ({"frequency": "daily"}, "the frequency must be one of monthly, biweekly, weekly"),
        ({"down_payment_date": date(2026, 1, 1)}, "a down payment date was given but no down"),
        (
            {"down_payment": D("1"), "down_payment_date": date(2026, 2, 1)},
            "the down payment (2026-02-01) must fall on or before the first instalment",
        ),
    ],
)
def test_bad_values_are_refused_with_a_sentence(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"total": D("100"), "installments": 3, "first_due": date(2026, 1, 1)}
    args.update(kwargs)
    with pytest.raises(PlanError) as info:
        build_schedule(**args)  # type: ignore[arg-type]
    assert message in str(info.value)
    # Plan errors are usage errors: the command line exits 2.
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2


def test_trailing_zeros_are_not_extra_decimals() -> None:
    assert build_schedule(D("10.000"), 1, date(2026, 1, 1)).total_to_pay == D("10.00")


def test_china_refuses_plans_longer_than_five_years() -> None:
    assert max_plan_months(Locale.ZH_CN) == 60
    assert max_plan_months(Locale.FR_FR) is None and max_plan_months(Locale.RO_RO) is None
    # 60 monthly instalments from the first due date span 59 months: allowed.
    ok = build_schedule(D("6000"), 60, date(2026, 1, 31), locale=Locale.ZH_CN)
    assert ok.months == 59
    # A down payment 4 months before the first instalment stretches the plan to 63 months.
    with pytest.raises(PlanError) as info:
        build_schedule(
            D("6000"),
            60,
            date(2026, 5, 1),
            down_payment=D("100"),
            down_payment_date=date(2026, 1, 1),
            locale=Locale.ZH_CN,
        )
    assert str(info.value) == (
        "a repayment plan in China may last at most 5 years (60 months); this one lasts 63"
    )
    # Exactly 60 months from the down payment is still within the limit.
    edge = build_schedule(
        D("6000"),
        60,
        date(2026, 2, 1),
        down_payment=D("100"),
        down_payment_date=date(2026, 1, 1),
        locale=Locale.ZH_CN,
    )
    assert edge.months == 60
    # France has no statutory maximum.
    build_schedule(
        D("6000"),
        60,
        date(2026, 5, 1),
        down_payment=D("100"),
        down_payment_date=date(2026, 1, 1),
        locale=Locale.FR_FR,
    )


def test_explicit_max_months() -> None:
    longest = r"may last at most 2 years \(24 months\); this one lasts 29"
    with pytest.raises(PlanError, match=longest):
        build_schedule(D("300"), 30, date(2026, 1, 1), max_months=24)
    with pytest.raises(PlanError, match=r"may last at most 7 months; this one lasts 9"):
        build_schedule(D("300"), 10, date(2026, 1, 1), max_months=7)
    assert build_schedule(D("300"), 8, date(2026, 1, 1), max_months=7).months == 7


def test_dates_past_year_9999_are_refused() -> None:
    with pytest.raises(PlanError, match="after the year 9999"):
        build_schedule(D("10"), 3, date(9999, 11, 1))
    with pytest.raises(PlanError, match="after the year 9999"):
        build_schedule(D("10"), 3, date(9999, 12, 20), Frequency.WEEKLY)


def test_tiny_amount_with_high_rate_keeps_every_line_positive() -> None:
    # 0.90 over 60 weeks: the exact instalment 0.015.. rounds up to 0.02, which would
    # empty the balance after 45 lines; the engine keeps a cent for each line to come.
    s = build_schedule(D("0.90"), 60, date(2026, 1, 1), Frequency.WEEKLY, annual_rate=D("1"))
    assert all(x.amount > 0 and x.principal >= 0 for x in s.lines)
    assert sum(x.principal for x in s.lines) == D("0.90")
    assert s.lines[-1].balance_after == 0


def test_helpers() -> None:
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == 2
    assert months_between(date(2026, 3, 1), date(2026, 1, 1)) == 0
    assert due_dates(date(2026, 1, 1), 2, Frequency.WEEKLY) == [date(2026, 1, 1), date(2026, 1, 8)]


# --- properties --------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=1_000_000_000).map(lambda c: Decimal(c) / 100)
counts = st.integers(min_value=1, max_value=60)
frequencies = st.sampled_from(list(Frequency))
# Bias towards the 29th-31st, where the anchor rule matters.
days = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.builds(
        lambda y, m, d: date(y, m, min(d, calendar.monthrange(y, m)[1])),
        st.integers(1990, 2090),
        st.integers(1, 12),
        st.integers(28, 31),
    ),
)
rates = st.integers(min_value=0, max_value=3000).map(lambda c: Decimal(c) / 100)


@st.composite
def plans(draw: st.DrawFn, with_rate: bool) -> dict[str, object]:
    n = draw(counts)
    total = draw(cents.filter(lambda t: t >= Decimal(n) / 100))
    # A down payment that still leaves at least one cent per instalment.
    room = int((total - Decimal(n) / 100) * 100)
    down = Decimal(draw(st.integers(0, room))) / 100 if draw(st.booleans()) else Decimal(0)
    return {
        "total": total,
        "installments": n,
        "first_due": draw(days),
        "frequency": draw(frequencies),
        "annual_rate": draw(rates) if with_rate else Decimal(0),
        "down_payment": down,
    }


def check_common(s: Schedule, args: dict[str, object]) -> None:
    total, n, first = args["total"], args["installments"], args["first_due"]
    assert isinstance(total, Decimal) and isinstance(n, int) and isinstance(first, date)
    assert s.count == n
    assert [x.number for x in s.lines] == list(range(1, n + 1))
    assert all(x.amount > 0 for x in s.lines)
    assert all(x.amount == x.interest + x.principal for x in s.lines)
    assert all(x.amount == x.amount.quantize(Decimal("0.01")) for x in s.lines)
    assert sum(x.principal for x in s.lines) == s.financed == total - s.down_payment
    assert s.total_to_pay == s.down_payment + sum(x.amount for x in s.lines)
    assert s.total_interest == sum(x.interest for x in s.lines)
    assert s.lines[-1].balance_after == 0
    balances = [s.financed] + [x.balance_after for x in s.lines]
    steps = zip(pairwise(balances), s.lines, strict=True)
    assert all(a - b == x.principal for (a, b), x in steps)
    assert all(b >= 0 for b in balances)
    ds = [x.due_date for x in s.lines]
    assert ds[0] == first
    assert all(a < b for a, b in pairwise(ds))
    if s.frequency is Frequency.MONTHLY:
        for k, d in enumerate(ds):
            month_index = first.year * 12 + first.month - 1 + k
            year, month0 = divmod(month_index, 12)
            assert (d.year, d.month) == (year, month0 + 1)
            assert d.day == min(first.day, calendar.monthrange(d.year, d.month)[1])
    else:
        step = 14 if s.frequency is Frequency.BIWEEKLY else 7
        assert all(b - a == timedelta(days=step) for a, b in pairwise(ds))
    assert s.months == months_between(first, ds[-1])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(plans(with_rate=False))
def test_without_rate_the_sum_is_exact_and_only_the_last_line_differs(
    args: dict[str, object],
) -> None:
    s = build_schedule(**args)  # type: ignore[arg-type]
    check_common(s, args)
    assert s.total_to_pay == args["total"]
    assert s.total_interest == 0
    regular = s.lines[0].amount
    assert all(x.amount == regular for x in s.lines[:-1])
    # The last line carries the rounding difference: less than one cent per instalment.
    assert 0 <= s.lines[-1].amount - regular < Decimal(s.count) / 100
    assert regular == (s.financed / s.count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(plans(with_rate=True))
def test_with_rate_principal_parts_add_up_and_balance_ends_at_zero(
    args: dict[str, object],
) -> None:
    s = build_schedule(**args)  # type: ignore[arg-type]
    check_common(s, args)
    total = args["total"]
    assert isinstance(total, Decimal) and s.total_to_pay >= total
    assert s.total_interest >= 0
    if s.annual_rate == 0:
        assert s.total_interest == 0
    if s.financed >= 10 * s.count:
        # Amounts large enough for cent rounding not to matter: equal annuities.
        regular = s.lines[0].amount
        assert all(x.amount == regular for x in s.lines[:-1])
        assert abs(s.lines[-1].amount - regular) <= Decimal(s.count) / 100


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
)
def test_months_between_is_the_smallest_covering_month_count(a: date, b: date) -> None:
    k = months_between(a, b)
    if b <= a:
        assert k == 0
    else:
        assert add_months(a, k) >= b > add_months(a, k - 1)


@given(
    counts,
    days,
    frequencies,
    st.integers(min_value=0, max_value=3000),
)
def test_china_never_yields_a_plan_longer_than_60_months(
    n: int, first: date, frequency: Frequency, days_before: int
) -> None:
    down_date = first - timedelta(days=days_before)
    args: dict[str, object] = {
        "total": D("100000"),
        "installments": n,
        "first_due": first,
        "frequency": frequency,
        "down_payment": D("10"),
        "down_payment_date": down_date,
        "locale": Locale.ZH_CN,
    }
    last = due_dates(first, n, frequency)[-1]
    try:
        s = build_schedule(**args)  # type: ignore[arg-type]
    except PlanError as exc:
        assert "may last at most 5 years (60 months)" in str(exc)
        assert add_months(down_date, 60) < last
    else:
        assert s.months <= 60 and add_months(down_date, 60) >= last
