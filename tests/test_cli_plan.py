"""``notice-factory plan`` through click's runner: JSON, locale tables and one-line errors."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner, Result

from notice_factory.cli.plan import plan
from notice_factory.formatting import format_date, format_money, format_money_table
from notice_factory.model import Locale

D = Decimal


def run(*args: str) -> Result:
    return CliRunner().invoke(plan, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return doc


# --- JSON --------------------------------------------------------------------------------


def test_json_splits_exactly_and_keeps_amounts_as_strings() -> None:
    doc = run_json("--amount", "1000.00", "--installments", "3", "--first-due", "2026-01-31")
    lines = doc["installments"]
    assert [x["amount"] for x in lines] == ["333.33", "333.33", "333.34"]
    assert [x["due_date"] for x in lines] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert [x["number"] for x in lines] == [1, 2, 3]
    assert all(isinstance(x["amount"], str) for x in lines)
    assert "interest" not in lines[0] and "principal" not in lines[0]
    assert sum(D(x["amount"]) for x in lines) == D(doc["total"]) == D("1000.00")
    assert doc["currency"] == "EUR" and doc["down_payment"] == "0.00"
    assert doc["total_interest"] == "0.00" and doc["frequency"] == "monthly"


def test_json_with_rate_and_down_payment() -> None:
    doc = run_json(
        "--amount", "1400", "--installments", "12", "--first-due", "2026-01-15",
        "--rate", "12", "--down", "200", "--locale", "zh_CN",
    )  # fmt: skip
    lines = doc["installments"]
    assert doc["currency"] == "CNY" and doc["down_payment"] == "200.00"
    assert doc["financed"] == "1200.00" and doc["annual_rate"] == "12"
    assert lines[0] == {
        "number": 1,
        "due_date": "2026-01-15",
        "amount": "106.62",
        "interest": "12.00",
        "principal": "94.62",
        "balance": "1105.38",
    }
    assert sum(D(x["principal"]) for x in lines) + D(doc["down_payment"]) == D(doc["total"])
    assert sum(D(x["amount"]) for x in lines) + D("200") == D(doc["total_to_pay"])
    assert doc["total_interest"] == "79.42" and doc["total_to_pay"] == "1479.42"
    # Every value in the document is a string, a whole number or null: never a float.
    assert not any(isinstance(v, float) for v in doc.values())
    assert not any(isinstance(v, float) for x in lines for v in x.values())


@pytest.mark.parametrize(
    ("frequency", "dates"),
    [
        ("weekly", ["2026-03-01", "2026-03-08", "2026-03-15"]),
        ("biweekly", ["2026-03-01", "2026-03-15", "2026-03-29"]),
    ],
)
def test_json_frequencies(frequency: str, dates: list[str]) -> None:
    doc = run_json(
        "--amount", "0.10", "--installments", "3", "--first-due", "2026-03-01",
        "--frequency", frequency, "--locale", "ro_RO",
    )  # fmt: skip
    assert [x["due_date"] for x in doc["installments"]] == dates
    assert [x["amount"] for x in doc["installments"]] == ["0.03", "0.03", "0.04"]
    assert doc["currency"] == "RON"


def test_currency_override() -> None:
    doc = run_json(
        "--amount", "100", "--installments", "2", "--first-due", "2026-01-01",
        "--currency", "USD",
    )  # fmt: skip
    assert doc["currency"] == "USD"


def test_zh_plan_of_exactly_60_months_is_accepted() -> None:
    doc = run_json(
        "--amount", "6000", "--installments", "60", "--first-due", "2026-02-01",
        "--down", "100", "--down-date", "2026-01-01", "--locale", "zh_CN",
    )  # fmt: skip
    assert doc["months"] == 60 and doc["down_payment_date"] == "2026-01-01"


# --- terminal table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "currency", "words"),
    [
        (Locale.FR_FR, "EUR", ["Échéancier", "Échéance", "Montant", "Total à payer"]),
        (Locale.ZH_CN, "CNY", ["还款计划", "还款日", "金额", "应还总额"]),
        (Locale.RO_RO, "RON", ["Grafic de rambursare", "Scadență", "Total de plată"]),
    ],
)
def test_table_uses_locale_formats(locale: Locale, currency: str, words: list[str]) -> None:
    result = run(
        "--amount", "1234.56", "--installments", "3", "--first-due", "2026-01-31",
        "--locale", locale.value,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    for word in words:
        assert word in out
    # 1234.56 / 3 = 411.52 exactly: three equal lines.
    assert out.count(format_money_table(D("411.52"), currency, locale)) >= 3
    assert format_date(date(2026, 2, 28), locale, style="numeric") in out
    assert format_date(date(2026, 3, 31), locale, style="long") in out
    assert format_money(D("1234.56"), currency, locale) in out
    # Romanian is written with comma-below ș ț, never the cedilla forms.
    assert not set("şţŞŢ") & set(out)
    assert "Intérêts" not in out and "利息" not in out


def test_table_with_rate_shows_interest_and_principal() -> None:
    result = run(
        "--amount", "1200", "--installments", "12", "--first-due", "2026-01-15",
        "--rate", "12", "--down", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Intérêts" in out and "Capital" in out and "Taux annuel" in out
    first_line = next(line for line in out.splitlines() if line.lstrip().startswith("1 "))
    for value in ("106.62", "12.00", "94.62", "1105.38"):
        assert format_money_table(D(value), "EUR", Locale.FR_FR) in first_line
    assert format_money(D("79.42"), "EUR", Locale.FR_FR) in out
    assert format_money(D("1279.42"), "EUR", Locale.FR_FR) in out


def test_table_shows_the_down_payment() -> None:
    result = run(
        "--amount", "500", "--installments", "2", "--first-due", "2026-05-01",
        "--down", "100", "--down-date", "2026-04-01", "--locale", "ro_RO",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Avans" in result.stdout
    assert format_money(D("100"), "RON", Locale.RO_RO) in result.stdout
    assert format_date(date(2026, 4, 1), Locale.RO_RO, style="long") in result.stdout


def test_help_has_an_example() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "notice-factory plan --amount 1000 --installments 3" in result.stdout
    for option in ("--first-due", "--frequency", "--rate", "--down", "--locale", "--json"):
        assert option in result.stdout


# --- errors: one line on stderr, usage exit status, no traceback --------------------------

BASE = ["--amount", "100", "--installments", "3", "--first-due", "2026-01-31"]


def with_option(option: str, value: str) -> list[str]:
    args = list(BASE)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    return args


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (with_option("--installments", "0"), "between 1 and 60; got 0"),
        (with_option("--installments", "61"), "between 1 and 60; got 61"),
        (with_option("--installments", "three"), "--installments: 'three' is not a whole number"),
        (with_option("--amount", "-5"), "the amount must be greater than 0"),
        (with_option("--amount", "0"), "the amount must be greater than 0"),
        (with_option("--amount", "abc"), "--amount: 'abc' is not a number"),
        (with_option("--amount", "12,50"), "--amount: '12,50' is not a number"),
        (with_option("--amount", "nan"), "--amount: 'nan' is not a number"),
        (with_option("--amount", "10.001"), "at most 2 decimals; got 10.001"),
        (with_option("--first-due", "2026-02-30"), "'2026-02-30' is not a valid date"),
        (with_option("--first-due", "31/01/2026"), "write it as YYYY-MM-DD"),
        (with_option("--rate", "101"), "between 0 and 100 percent"),
        (with_option("--down", "100"), "must be less than the amount"),
        (with_option("--currency", "eur"), "not an ISO 4217 code"),
        (with_option("--amount", "0.02"), "cannot split 0.02 into 3 instalments of at least one"),
        (
            [
                *with_option("--installments", "60"),
                *["--first-due", "2026-05-01", "--down", "1", "--down-date", "2026-01-01"],
                *["--locale", "zh_CN"],
            ],
            "a repayment plan in China may last at most 5 years (60 months); this one lasts 63",
        ),
    ],
)
def test_bad_values_give_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_the_same_plan_is_fine_in_france() -> None:
    args = [
        *with_option("--installments", "60"),
        *["--first-due", "2026-05-01", "--down", "1", "--down-date", "2026-01-01"],
    ]
    doc = run_json(*args)
    assert doc["months"] == 63


@pytest.mark.parametrize(
    "args",
    [
        ["--installments", "3", "--first-due", "2026-01-31"],  # --amount missing
        with_option("--frequency", "daily"),
        with_option("--locale", "de_DE"),
    ],
)
def test_click_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "Traceback" not in result.output
