"""``notice-factory plan``: print a repayment schedule, as a table or as JSON.

The command is a thin layer on :func:`notice_factory.schedule.build_schedule`:
it parses the options itself (so a bad value gives one plain sentence, not a
traceback), applies the locale's legal maximum duration and formats money and
dates through :mod:`notice_factory.formatting`.

>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(plan, ["--amount", "1000", "--installments", "3",
...                                    "--first-due", "2026-01-31", "--json"])
>>> import json
>>> [line["amount"] for line in json.loads(result.output)["installments"]]
['333.33', '333.33', '333.34']
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import click

from notice_factory.errors import NoticeFactoryError, UsageError
from notice_factory.model import Frequency, Locale
from notice_factory.schedule import Schedule, build_schedule
from notice_factory.words import ro_needs_de

DEFAULT_CURRENCY = {Locale.FR_FR: "EUR", Locale.ZH_CN: "CNY", Locale.RO_RO: "RON"}

# Labels of the terminal table, in the letter's language: the people reading it
# are the back-office clerks of that country.
_LABELS: dict[Locale, dict[str, str]] = {
    Locale.FR_FR: {
        "title": "Échéancier",
        "number": "N°",
        "due": "Échéance",
        "amount": "Montant",
        "interest": "Intérêts",
        "principal": "Capital",
        "balance": "Capital restant dû",
        "total": "Total",
        "down": "Acompte",
        "financed": "Montant échelonné",
        "rate": "Taux annuel",
        "total_interest": "Total des intérêts",
        "total_to_pay": "Total à payer",
        "monthly": "paiement mensuel",
        "biweekly": "paiement toutes les deux semaines",
        "weekly": "paiement hebdomadaire",
    },
    Locale.ZH_CN: {
        "title": "还款计划",
        "number": "期数",
        "due": "还款日",
        "amount": "金额",
        "interest": "利息",
        "principal": "本金",
        "balance": "剩余本金",
        "total": "合计",
        "down": "首付款",
        "financed": "分期金额",
        "rate": "年利率",
        "total_interest": "利息合计",
        "total_to_pay": "应还总额",
        "monthly": "每月还款",
        "biweekly": "每两周还款",
        "weekly": "每周还款",
    },
    Locale.RO_RO: {
        "title": "Grafic de rambursare",
        "number": "Nr.",
        "due": "Scaden\u021b\u0103",
        "amount": "Sum\u0103",
        "interest": "Dob\u00e2nd\u0103",
        "principal": "Principal",
        "balance": "Sold r\u0103mas",
        "total": "Total",
        "down": "Avans",
        "financed": "Sum\u0103 e\u0219alonat\u0103",
        "rate": "Dob\u00e2nd\u0103 anual\u0103",
        "total_interest": "Total dob\u00e2nd\u0103",
        "total_to_pay": "Total de plat\u0103",
        "monthly": "plat\u0103 lunar\u0103",
        "biweekly": "plat\u0103 la dou\u0103 s\u0103pt\u0103m\u00e2ni",
        "weekly": "plat\u0103 s\u0103pt\u0103m\u00e2nal\u0103",
    },
}

_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


def parse_decimal(text: str, option: str) -> Decimal:
    """A decimal written with ``.`` (never parsed through float).

    >>> parse_decimal("1234.56", "--amount")
    Decimal('1234.56')
    >>> parse_decimal("12,5", "--amount")
    Traceback (most recent call last):
    ...
    notice_factory.errors.UsageError: --amount: '12,5' is not a number; write it like 1234.56
    """
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        raise UsageError(f"{option}: '{text}' is not a number; write it like 1234.56")
    return Decimal(text)


def parse_int(text: str, option: str) -> int:
    """A whole number.

    >>> parse_int("12", "--installments")
    12
    """
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        raise UsageError(f"{option}: '{text}' is not a whole number")
    return int(text)


def parse_date(text: str, option: str) -> date:
    """An ISO date, checked against the calendar.

    >>> parse_date("2026-02-28", "--first-due")
    datetime.date(2026, 2, 28)
    >>> parse_date("2026-02-30", "--first-due")
    Traceback (most recent call last):
    ...
    notice_factory.errors.UsageError: --first-due: '2026-02-30' is not a valid date (day is out of range for month)
    """  # noqa: E501 - a doctest's expected output cannot be wrapped
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise UsageError(f"{option}: '{text}' is not a date; write it as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{option}: '{text}' is not a valid date ({exc})") from None


def _money(value: Decimal) -> str:
    # JSON carries money as decimal strings: a float would round 0.1 + 0.2.
    return str(value.quantize(Decimal("0.01")))


def schedule_json(schedule: Schedule, currency: str, locale: Locale) -> dict[str, Any]:
    """The ``--json`` document: every amount a decimal string, every date ISO.

    >>> s = build_schedule(Decimal("10"), 2, date(2026, 1, 1))
    >>> doc = schedule_json(s, "EUR", Locale.FR_FR)
    >>> doc["total"], doc["installments"][1]
    ('10.00', {'number': 2, 'due_date': '2026-02-01', 'amount': '5.00', 'balance': '0.00'})
    """
    lines = []
    for line in schedule.lines:
        item: dict[str, Any] = {
            "number": line.number,
            "due_date": line.due_date.isoformat(),
            "amount": _money(line.amount),
        }
        if schedule.has_interest:
            item["interest"] = _money(line.interest)
            item["principal"] = _money(line.principal)
        item["balance"] = _money(line.balance_after)
        lines.append(item)
    return {
        "locale": locale.value,
        "currency": currency,
        "frequency": schedule.frequency.value,
        "count": schedule.count,
        "annual_rate": str(schedule.annual_rate),
        "total": _money(schedule.financed + schedule.down_payment),
        "down_payment": _money(schedule.down_payment),
        "down_payment_date": (
            schedule.down_payment_date.isoformat() if schedule.down_payment_date else None
        ),
        "financed": _money(schedule.financed),
        "total_interest": _money(schedule.total_interest),
        "total_to_pay": _money(schedule.total_to_pay),
        "first_due_date": schedule.first_due_date.isoformat(),
        "last_due_date": schedule.last_due_date.isoformat(),
        "months": schedule.months,
        "installments": lines,
    }


def _width(text: str) -> int:
    from notice_factory.address import display_width  # with Babel, when a plan is printed

    return display_width(text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _ro_count(n: int, singular: str, plural: str) -> str:
    # Romanian puts "de" between a number >= 20 and its noun unless the number
    # ends in 01-19 ("20 de rate", "105 rate"; legal-content.md 3.6): words.ro_needs_de.
    if n == 1:
        return f"1 {singular}"
    de = "de " if ro_needs_de(n) else ""
    return f"{n} {de}{plural}"


def _heading(schedule: Schedule, locale: Locale) -> str:
    """One line saying how many instalments, how often, and between which dates.

    >>> s = build_schedule(Decimal("40"), 20, date(2026, 1, 1))
    >>> _heading(s, Locale.RO_RO).split(":")[1].split(",")[0]
    ' 20 de rate'
    """
    from notice_factory.formatting import format_date  # Babel loads when a plan is printed

    labels = _LABELS[locale]
    n = schedule.count
    first = format_date(schedule.first_due_date, locale, style="long")
    last = format_date(schedule.last_due_date, locale, style="long")
    how = labels[schedule.frequency.value]
    if locale is Locale.ZH_CN:
        when = first if n == 1 else f"自{first}至{last}"
        return f"{labels['title']}：{how}，共{n}期，{when}"
    if locale is Locale.FR_FR:
        count = f"{n} échéance" if n == 1 else f"{n} échéances"
        when = f"le {first}" if n == 1 else f"du {first} au {last}"
        return f"{labels['title']}, {how}\u00a0: {count}, {when}"
    count = _ro_count(n, "rat\u0103", "rate")
    when = f"la {first}" if n == 1 else f"de la {first} p\u00e2n\u0103 la {last}"
    return f"{labels['title']}, {how}: {count}, {when}"


def render_table(schedule: Schedule, currency: str, locale: Locale) -> str:
    """The schedule as a text table in the locale's language and formats.

    >>> s = build_schedule(Decimal("1000"), 3, date(2026, 1, 31))
    >>> print(render_table(s, "EUR", Locale.FR_FR).replace("\u202f", " ").replace("\xa0", " "))
    Échéancier, paiement mensuel : 3 échéances, du 31 janvier 2026 au 31 mars 2026
    <BLANKLINE>
    N°  Échéance    Montant (EUR)
    --  ----------  -------------
     1  31/01/2026         333,33
     2  28/02/2026         333,33
     3  31/03/2026         333,34
    --  ----------  -------------
        Total            1 000,00
    <BLANKLINE>
    Total à payer : 1 000,00 €
    """
    from notice_factory.formatting import (  # Babel loads when a plan is printed
        format_date,
        format_money_table,
    )

    labels = _LABELS[locale]

    def money(v: Decimal) -> str:
        return format_money_table(v, currency, locale)

    with_rate = schedule.has_interest
    # Table cells carry no currency sign (format_money_table): the headers say it.
    header = [labels["number"], labels["due"], f"{labels['amount']} ({currency})"]
    if with_rate:
        header += [f"{labels[k]} ({currency})" for k in ("interest", "principal", "balance")]
    rows = []
    for line in schedule.lines:
        row = [str(line.number), format_date(line.due_date, locale, style="numeric")]
        row.append(money(line.amount))
        if with_rate:
            row += [money(line.interest), money(line.principal), money(line.balance_after)]
        rows.append(row)
    total_row = ["", labels["total"], money(sum((x.amount for x in schedule.lines), Decimal(0)))]
    if with_rate:
        total_row += [money(schedule.total_interest), money(schedule.financed), ""]

    table = [header, *rows, total_row]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    right = [True, False] + [True] * (len(header) - 2)

    def fmt(row: list[str]) -> str:
        cells = (_pad(c, w, r) for c, w, r in zip(row, widths, right, strict=True))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    heading = _heading(schedule, locale)
    out = [heading, "", fmt(header), rule, *(fmt(r) for r in rows), rule, fmt(total_row), ""]

    summary = _summary(schedule, currency, locale)
    label_width = max(_width(k) for k, _ in summary)
    colon = "：" if locale is Locale.ZH_CN else "\u00a0:" if locale is Locale.FR_FR else ":"
    out += [f"{_pad(k + colon, label_width + _width(colon), False)} {v}" for k, v in summary]
    return "\n".join(out)



def _summary(schedule: Schedule, currency: str, locale: Locale) -> list[tuple[str, str]]:
    """The lines under the table: down payment, financed, rate, interest, total to pay."""
    from notice_factory.formatting import format_date, format_money, format_percent

    labels = _LABELS[locale]

    def money(value: Decimal) -> str:
        return format_money(value, currency, locale)

    summary: list[tuple[str, str]] = []
    if schedule.down_payment > 0:
        down = money(schedule.down_payment)
        if schedule.down_payment_date is not None:
            down += f" ({format_date(schedule.down_payment_date, locale, style='long')})"
        summary.append((labels["down"], down))
        summary.append((labels["financed"], money(schedule.financed)))
    if schedule.has_interest:
        summary.append((labels["rate"], format_percent(schedule.annual_rate, locale)))
        summary.append((labels["total_interest"], money(schedule.total_interest)))
    summary.append((labels["total_to_pay"], money(schedule.total_to_pay)))
    return summary

_EPILOG = """\b
Examples:
  notice-factory plan --amount 1000 --installments 3 --first-due 2026-01-31
  notice-factory plan --amount 1200 --installments 12 --first-due 2026-01-15 \\
      --rate 12 --locale zh_CN --json
"""


@click.command("plan", epilog=_EPILOG)
@click.option("--amount", required=True, metavar="A", help="Total owed, e.g. 1234.56.")
@click.option("--installments", required=True, metavar="N", help="Number of instalments, 1 to 60.")
@click.option("--first-due", required=True, metavar="DATE", help="First due date, YYYY-MM-DD.")
@click.option(
    "--frequency",
    type=click.Choice([f.value for f in Frequency]),
    default=Frequency.MONTHLY.value,
    show_default=True,
    help="Monthly keeps the first due date's day (31st -> last day of shorter months).",
)
@click.option("--rate", default="0", metavar="R", show_default=True, help="Annual rate, percent.")
@click.option("--down", default="0", metavar="D", show_default=True, help="Down payment.")
@click.option("--down-date", metavar="DATE", help="When the down payment is due (YYYY-MM-DD).")
@click.option(
    "--locale",
    "locale_code",
    type=click.Choice([loc.value for loc in Locale]),
    default=Locale.FR_FR.value,
    show_default=True,
    help="Language, formats and legal limits (zh_CN: at most 5 years).",
)
@click.option("--currency", metavar="CODE", help="ISO 4217 code; default EUR, CNY or RON.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (amounts as decimal strings).")
@click.pass_context
def plan(
    ctx: click.Context,
    amount: str,
    installments: str,
    first_due: str,
    frequency: str,
    rate: str,
    down: str,
    down_date: str | None,
    locale_code: str,
    currency: str | None,
    as_json: bool,
) -> None:
    """Print a repayment schedule: equal instalments to the cent, dates and totals.

    The instalments and the down payment always add up to the amount exactly;
    the rounding difference goes on the last instalment. With --rate the
    instalments are equal annuities and each line shows interest and principal.
    """
    locale = Locale(locale_code)
    try:
        if currency is None:
            currency = DEFAULT_CURRENCY[locale]
        elif not _CURRENCY.fullmatch(currency):
            raise UsageError(f"--currency: '{currency}' is not an ISO 4217 code such as EUR")
        schedule = build_schedule(
            total=parse_decimal(amount, "--amount"),
            installments=parse_int(installments, "--installments"),
            first_due=parse_date(first_due, "--first-due"),
            frequency=Frequency(frequency),
            annual_rate=parse_decimal(rate, "--rate"),
            down_payment=parse_decimal(down, "--down"),
            down_payment_date=None if down_date is None else parse_date(down_date, "--down-date"),
            locale=locale,
        )
    except NoticeFactoryError as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        ctx.exit(exc.exit_code)
    if as_json:
        doc = schedule_json(schedule, currency, locale)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(schedule, currency, locale))
