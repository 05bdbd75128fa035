"""Reading case files (CSV, JSON Lines, JSON) and validating each row into a :class:`Case`.

A bad row never stops the others: each problem becomes a :class:`CaseError` naming
the row, the field and the reason in words a back-office clerk understands. Rows are
numbered as a spreadsheet shows them (CSV: the header is row 1, the first case row 2, and a
cell holding a line break does not shift the rows after it; JSON Lines: the line number;
JSON: the object's position from 1).

What a row may hold is checked here, before any number is spent: text in every text field
(a JSON number is not a case reference nor a postal code), no invisible character (by
Unicode category, see :func:`invisible_character`), codes and numbers in ASCII once
full-width forms are folded (NFKC: ``７５０１１`` is ``75011``), at most
:data:`MAX_CELL` characters a field, amounts a letter can state and dates a letter can
carry. A reason quotes a value shortened (:func:`shown`), never a huge value whole.

>>> result = parse_rows([{"case_id": "A1", "kind": "reminder"}], batch_date=dt.date(2026, 11, 23))
>>> [e.format_message() for e in result.rejects][:2]  # doctest: +NORMALIZE_WHITESPACE
['row 1 (case A1), field locale: this field is required',
 'row 1 (case A1), field debtor_name: this field is required']
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from notice_factory import formatting, rules, words
from notice_factory.address import postal_code_problem
from notice_factory.errors import CaseError, CaseErrors, CaseFileError
from notice_factory.model import (
    Amounts,
    Case,
    Frequency,
    Kind,
    Locale,
    PlanTerms,
    Product,
    StatementItem,
)
from notice_factory.model import ReadResult as ReadResult  # its home; cases.py fills it

FIELDS: tuple[str, ...] = (
    "case_id", "kind", "locale", "debtor_name", "debtor_title", "address_line1", "address_line2",
    "postal_code", "city", "region", "country", "contract_ref", "product", "contract_date",
    "currency", "principal", "interest", "fees", "penalties", "due_date", "letter_date",
    "payment_deadline_days", "plan_installments", "plan_first_due_date", "plan_frequency",
    "plan_down_payment", "plan_annual_rate", "registered", "acknowledgement",
    "acceleration_date", "guarantee",
)
REQUIRED: tuple[str, ...] = (
    "case_id", "kind", "locale", "debtor_name", "address_line1", "postal_code", "city",
    "country", "contract_ref", "product", "currency", "principal", "due_date",
)

# Fields only a JSON or JSON Lines case file can carry (a list of objects does not fit a cell).
JSON_FIELDS: tuple[str, ...] = ("statement",)
# The longest itemised statement a letter prints.
MAX_STATEMENT_LINES = 200

# Optional columns of the case file `escalate` reads (issue 14): what the back office knows of
# the case besides the letters. `batch` accepts them too and does not use them.
STATUS_FIELDS: tuple[str, ...] = ("paid_amount", "plan_signed", "disputed", "insolvency",
                                  "deceased")

_CASE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_RATE = re.compile(r"[0-9]+(\.[0-9]{1,4})?")

#: The longest value a field may hold: no field of a letter needs more (a window line holds
#: 38 characters), and a reason never has to quote more.
MAX_CELL = 1000
#: The largest amount (and total) a letter can state, in figures and in words.
MAX_AMOUNT = Decimal(words.AMOUNT_LIMIT) - Decimal("0.01")
#: Dates a letter can carry; the letter date itself stays within a year of the batch date.
FIRST_YEAR, LAST_YEAR = 1900, 2199
LETTER_DATE_SPAN = dt.timedelta(days=366)

# Characters shown as nothing (or as a blank) that the categories below do not catch:
# Unicode's Default_Ignorable_Code_Point outside Cf/Cn (DerivedCoreProperties.txt): the
# combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other
# variation selectors; and the braille blank, which looks like a space.
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)
# Cc control, Cf format (soft hyphen, joiners, direction marks, BOM, tags...), Cs surrogate,
# Co private use, Cn unassigned, Zl/Zp line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_CATEGORY_WORDS = {"Cc": "control character", "Cs": "surrogate", "Co": "private-use character",
                   "Cn": "unassigned code point"}


def invisible_character(text: str) -> str | None:
    r"""The first character of ``text`` a reader cannot see, or None.

    By design, not by list: every control, format, private-use, unassigned and separator
    character (Unicode categories Cc Cf Co Cn Cs Zl Zp), and the default-ignorable ones
    outside them (Hangul fillers, variation selectors...). Spaces are visible; letters of
    every script pass (whether the letter's fonts print them is the pre-flight's check).

    >>> [f"U+{ord(h):04X}" for t in ("a\u2060b", "x\u3164", "\U000e0041", "\u00ad")
    ...  if (h := invisible_character(t))]
    ['U+2060', 'U+3164', 'U+E0041', 'U+00AD']
    >>> invisible_character("Ștefan Țurcanu, 北京市 朝阳区, Élodie\u202fMarchand") is None
    True
    """
    if text.isascii() and text.isprintable():  # most fields: no control character (Cc)
        return None
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            return ch
        code = ord(ch)
        if code >= 0x034F and any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES):
            return ch
    return None


def describe_character(ch: str) -> str:
    r"""``U+2060 (WORD JOINER)``: the code point and its Unicode name, for a reason.

    >>> describe_character("\ue000"), describe_character("\t")
    ('U+E000 (private-use character)', 'U+0009 (control character)')
    """
    name = unicodedata.name(ch, "") or _CATEGORY_WORDS.get(unicodedata.category(ch), "")
    return f"U+{ord(ch):04X} ({name})" if name else f"U+{ord(ch):04X}"


def label(text: str, limit: int = 64) -> str:
    """A case id or field name as a rejection names it: shortened with an ellipsis past the
    longest valid case id (a 50 MB "case id" is not copied into rejects.csv).

    >>> label("FR-2026-0001"), len(label("x" * 1000))
    ('FR-2026-0001', 64)
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: object, limit: int = 40) -> str:
    """A value quoted in a reason, shortened with an ellipsis: a reason never carries a huge
    value whole.

    >>> shown("75011"), shown("x" * 100)
    ("'75011'", "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'")
    """
    text = str(value)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 1]}…'"


class _Row:
    """Field access for one raw row that collects every problem instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, Any], row: int) -> None:
        self.raw, self.row = raw, row
        cid = raw.get("case_id")
        self.case_id = label(cid.strip()) if isinstance(cid, str) and cid.strip() else None
        self.errors: list[CaseError] = []

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(CaseError(reason, row=self.row, field=label(name),
                                     case_id=self.case_id))

    def text(self, name: str, required: bool = False, *, code: bool = False,
             number: bool = False) -> str | None:
        """The field as text (None when empty), or None with the problem recorded.

        ``code``: a code or number field, folded by NFKC (full-width ``７５０１１`` is
        ``75011``); ``number``: a JSON number is accepted (amounts, counts), elsewhere a
        value must be a JSON string.
        """
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "this field is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.fail(name, "must be text")
            return None
        raw = str(value)
        if len(raw) > MAX_CELL:
            self.fail(name, f"{shown(raw)} is {len(raw):,} characters long; a field holds at "
                            f"most {MAX_CELL:,}")
            return None
        if not isinstance(value, str) and not number:
            self.fail(name, f"must be written as text in quotes, not as the JSON number "
                            f"{shown(raw)}: a number loses leading zeros and has no single "
                            "spelling (123, 1.23e2, 123.0)")
            return None
        text = unicodedata.normalize("NFKC" if code else "NFC", raw.strip())
        hidden = invisible_character(text)
        if hidden is not None:
            at = text.index(hidden) + 1
            self.fail(name, f"contains the invisible character {describe_character(hidden)} "
                            f"at position {at}; retype the value without it")
            return None
        return text

    def choice(self, name: str, enum: type[Any], required: bool = True) -> Any:
        text = self.text(name, required, code=True)
        if text is None:
            return None
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.fail(name, f"{shown(text)} is not allowed; use one of: {allowed}")
            return None

    def date(self, name: str, required: bool = False) -> dt.date | None:
        text = self.text(name, required, code=True)
        if text is None:
            return None
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            self.fail(name, f"{shown(text)} is not a date in the form YYYY-MM-DD "
                            "(e.g. 2026-11-23)")
            return None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(name, f"{shown(text)} is not a real calendar date")
            return None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail(name, f"'{text}' is not a plausible date for a letter (years "
                            f"{FIRST_YEAR} to {LAST_YEAR}); check the year")
            return None
        return day

    def amount(self, name: str, required: bool = False, pattern: re.Pattern[str] = _AMOUNT,
               what: str = "an amount") -> Decimal | None:
        value = self.raw.get(name)
        if isinstance(value, float):  # a JSON producer that already lost exactness
            self.fail(name, "must be written as a string or an exact number, not a "
                            "floating-point value")
            return None
        text = self.text(name, required, code=True, number=True)
        if text is None:
            return None
        if text.startswith("-"):
            self.fail(name, f"{shown(text)} is negative; {what} must be 0 or more")
            return None
        if "," in text:
            self.fail(name, f"{shown(text)} uses a comma; write {what} with a dot as decimal "
                            "separator and no thousands separator, e.g. 1234.56")
            return None
        if not pattern.fullmatch(text):
            decimals = "2" if pattern is _AMOUNT else "4"
            self.fail(name, f"{shown(text)} is not {what} with at most {decimals} decimals "
                            "(digits and an optional dot only, e.g. 1234.56)")
            return None
        amount = Decimal(text)
        if amount > MAX_AMOUNT:
            self.fail(name, f"{shown(text)} is more than a letter can state (at most "
                            f"{_grouped(MAX_AMOUNT)}); check the amount")
            return None
        return amount

    def integer(self, name: str, low: int, high: int, required: bool = False) -> int | None:
        text = self.text(name, required, code=True, number=True)
        if text is None:
            return None
        if not re.fullmatch(r"[0-9]{1,9}", text) or not low <= int(text) <= high:
            self.fail(name, f"{shown(text)} must be a whole number from {low} to {high}")
            return None
        return int(text)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if isinstance(value, bool):
            return value
        text = self.text(name, code=True, number=True)
        if text is None:
            return default
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        self.fail(name, f"{shown(text)} must be true or false")
        return default


def _grouped(amount: Decimal) -> str:
    """``999 999 999 999.99``: an amount as a clerk reads it in any locale.

    >>> _grouped(Decimal("1234567.5"))
    '1 234 567.50'
    """
    return f"{amount:,.2f}".replace(",", " ")


def parse_case(raw: Mapping[str, Any], row: int, *, batch_date: dt.date,
               allow_unknown: bool = False) -> Case:
    """Validate one row; raise the first :class:`CaseError` (all of them in ``.errors``).

    Fields are parsed here; the locale's legal rules come from :mod:`notice_factory.rules`.
    """
    r = _Row(raw, row)
    _refuse_unreadable(r)
    extra = _extra_columns(r, allow_unknown)
    case_id = _case_id(r)
    kind: Kind | None = r.choice("kind", Kind)
    locale: Locale | None = r.choice("locale", Locale)
    name, title = r.text("debtor_name", required=True), r.text("debtor_title")
    line1, line2 = r.text("address_line1", required=True), r.text("address_line2")
    city, region = r.text("city", required=True), r.text("region")
    country = _country(r)
    postal_code = _postal_code(r, country)
    contract_ref = r.text("contract_ref", required=True)
    product: Product | None = r.choice("product", Product)
    contract_date = r.date("contract_date")
    currency = _currency(r, locale)
    principal = r.amount("principal", required=True)
    interest, fees, penalties = (r.amount(f) or Decimal("0")
                                 for f in ("interest", "fees", "penalties"))
    _check_total(r, principal, interest + fees + penalties)
    due_date = r.date("due_date", required=True)
    letter_day = _letter_date(r, batch_date)
    acceleration_date = r.date("acceleration_date")
    deadline_days = r.integer("payment_deadline_days", 1, 365)
    registered, acknowledgement = _delivery(r, kind)
    guarantee = _guarantee(r, registered)
    effective_day = letter_day or batch_date
    for name_, reason in rules.claim_problems(
            locale=locale, product=product, principal=principal, interest=interest, fees=fees,
            penalties=penalties, due_date=due_date, contract_date=contract_date,
            letter_day=effective_day, kind=kind, acceleration_date=acceleration_date):
        r.fail(name_, reason)
    total = None if principal is None else principal + interest + fees + penalties
    plan = _plan_terms(r, kind, effective_day, total)
    statement = _statement(r, total, effective_day)
    if r.errors:
        raise r.errors[0] if len(r.errors) == 1 else CaseErrors(r.errors)
    assert case_id and kind and locale and name and line1 and postal_code and city
    assert country and contract_ref and product and currency and principal is not None
    assert due_date is not None
    if locale is Locale.RO_RO:
        # Romanian is written with comma-below ș ț, never cedilla ş ţ: fixed once here, so the
        # letter, the manifest and the deposit slip all carry the same spelling.
        name, line1, city = (formatting.normalize_ro(v) for v in (name, line1, city))
        title, line2, region = (None if v is None else formatting.normalize_ro(v)
                                for v in (title, line2, region))
    return Case(
        case_id=case_id, kind=kind, locale=locale, debtor_name=name, debtor_title=title,
        address_line1=line1, address_line2=line2, postal_code=postal_code, city=city,
        region=region, country=country, contract_ref=contract_ref, product=product,
        contract_date=contract_date, currency=currency,
        amounts=Amounts(principal, interest, fees, penalties), due_date=due_date,
        letter_date=letter_day, payment_deadline_days=deadline_days, plan=plan,
        registered=registered, acknowledgement=acknowledgement, row=row, extra=extra,
        acceleration_date=acceleration_date, guarantee=guarantee, statement=statement,
    )


def _refuse_unreadable(r: _Row) -> None:
    for marker in ("__json__", "__width__"):
        if marker in r.raw:  # the row could not even be split into fields
            raise CaseError(f"the row is unreadable: {r.raw[marker]}", row=r.row, field="(row)",
                            case_id=r.case_id)
    for key, values in r.raw.get(_TWICE, {}).items():
        times = "twice" if len(values) == 2 else f"{len(values)} times"
        r.fail(key, f"the key {shown(key)} appears {times} in this object (values "
                    f"{', '.join(shown(v, 20) for v in values)}); keep the right one only")


def _check_total(r: _Row, principal: Decimal | None, others: Decimal) -> None:
    if principal is not None and principal + others > MAX_AMOUNT:
        r.fail("principal", f"the total due (principal + interest + fees + penalties = "
                            f"{_grouped(principal + others)}) is more than a letter can state "
                            f"(at most {_grouped(MAX_AMOUNT)}); check the amounts")


def _letter_date(r: _Row, batch_date: dt.date) -> dt.date | None:
    """The letter date, within a year of the batch date: a letter is dated when it is sent."""
    day = r.date("letter_date")
    if day is not None and abs(day - batch_date) > LETTER_DATE_SPAN:
        r.fail("letter_date", f"the letter date ({day.isoformat()}) is more than a year from the "
                              f"batch date ({batch_date.isoformat()}); a letter is dated when it "
                              "is sent: check the year")
        return None
    return day


def _extra_columns(r: _Row, allow_unknown: bool) -> dict[str, str]:
    """Columns the format does not know: kept aside if allowed, else each one a problem."""
    extra: dict[str, str] = {}
    for key in r.raw:
        if key in STATUS_FIELDS or key in JSON_FIELDS or key == _TWICE:
            continue  # escalate's columns (known, of no use to a letter); the statement
        if key not in FIELDS:
            if allow_unknown:
                extra[key] = str(r.raw[key])
            else:
                r.fail(key, _unknown_field_reason(key))
    return extra


def _case_id(r: _Row) -> str | None:
    case_id = r.text("case_id", required=True)
    if case_id is not None and not _CASE_ID.fullmatch(case_id):
        r.fail("case_id", f"{shown(case_id)} may only use letters, digits, '.', '_' and '-' "
                          "(1 to 64 characters)")
        return None
    return case_id


def _country(r: _Row) -> str | None:
    country = r.text("country", required=True, code=True)
    if country is None:
        return None
    country = country.upper()
    if not re.fullmatch(r"[A-Z]{2}", country) or not formatting.is_country(country):
        r.fail("country", f"{shown(country)} is not an ISO 3166-1 alpha-2 country code "
                          "(FR, CN, RO, BE, ...)")
        return None
    return country


def _postal_code(r: _Row, country: str | None) -> str | None:
    postal_code = r.text("postal_code", required=True, code=True)
    if postal_code is not None and country is not None:
        problem = postal_code_problem(country, postal_code)
        if problem:
            r.fail("postal_code", problem)
    return postal_code


def _currency(r: _Row, locale: Locale | None) -> str | None:
    currency = r.text("currency", required=True, code=True)
    if currency is None:
        return None
    currency = currency.upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        r.fail("currency", f"{shown(currency)} is not an ISO 4217 currency code (EUR, CNY, RON...)")
        return None
    if locale is not None:
        try:
            words.amount_in_words(Decimal("1"), currency, locale)
        except ValueError:
            r.fail("currency", f"{locale.value} letters cannot state amounts in {currency} "
                               "(the amount must also be written out in words)")
            return None
    return currency


def _delivery(r: _Row, kind: Kind | None) -> tuple[bool, bool]:
    """(registered, acknowledgement): formal notices and lawyer letters ask for a receipt."""
    registered = r.flag("registered", True)
    acknowledgement = r.flag("acknowledgement", kind in (Kind.FORMAL_NOTICE, Kind.LAWYER_LETTER))
    if acknowledgement and not registered:
        r.fail("acknowledgement", "a return receipt is only possible for registered post; "
                                  "set registered to true or acknowledgement to false")
    return registered, acknowledgement


def all_errors(err: CaseError) -> list[CaseError]:
    """Every problem an error carries (a :class:`CaseErrors` holds several)."""
    return list(err.errors) if isinstance(err, CaseErrors) else [err]


def _guarantee(r: _Row, registered: bool) -> str | None:
    """France: the recommandé's guarantee level of this item (R1, R2, R3), or None for the
    sender profile's. Whether the item's operator and destination have such levels is
    checked against the profile before numbering (context.preflight)."""
    text = r.text("guarantee")
    if text is None:
        return None
    level = text.upper()
    if level not in ("R1", "R2", "R3"):
        r.fail("guarantee", f"'{text}' is not a guarantee level: use R1, R2 or R3 (indemnity "
                            "16, 153 or 458 €), or leave it empty for the sender profile's")
        return None
    if not registered:
        r.fail("guarantee", "a guarantee level is only for registered post; set registered to "
                            "true or leave guarantee empty")
        return None
    return level


def _plan_terms(r: _Row, kind: Kind | None, day: dt.date,
                total: Decimal | None) -> PlanTerms | None:
    count = r.integer("plan_installments", 1, 60, required=kind is Kind.PLAN_AGREEMENT)
    first = r.date("plan_first_due_date", required=kind is Kind.PLAN_AGREEMENT or count is not None)
    frequency = r.choice("plan_frequency", Frequency, required=False) or Frequency.MONTHLY
    down = r.amount("plan_down_payment") or Decimal("0")
    rate = r.amount("plan_annual_rate", pattern=_RATE, what="a rate in percent")
    if rate is not None and rate > 100:
        r.fail("plan_annual_rate", f"{shown(rate)} % is not a plausible annual rate (0 to 100)")
    if first is not None and first < day:
        r.fail("plan_first_due_date", f"the first instalment ({first.isoformat()}) cannot fall "
                                      f"before the letter date ({day.isoformat()})")
    if count is None or first is None:
        return None
    if total is not None and down >= total:
        r.fail("plan_down_payment", "the down payment must be less than the total due")
    return PlanTerms(count, first, frequency, down, rate or Decimal("0"))


_SIGNED_AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")
_ITEM_KEYS = ("due_date", "label", "amount")


def _statement(r: _Row, total: Decimal | None, day: dt.date) -> tuple[StatementItem, ...]:
    """The itemised statement: every line valid, and the lines summing to the whole claim
    (principal + interest + fees + penalties, the letter's total), to the cent."""
    raw = r.raw.get("statement")
    if raw is None or raw == []:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_STATEMENT_LINES:
        r.fail("statement", "must be a list of at most "
                            f"{MAX_STATEMENT_LINES} {{due_date, label, amount}} objects")
        return ()
    items = [item for n, obj in enumerate(raw, 1)
             if (item := _statement_item(r, n, obj, day)) is not None]
    if len(items) != len(raw) or total is None:
        return ()
    listed = sum((i.amount for i in items), Decimal("0"))
    if listed != total:
        r.fail("statement", f"the statement's {len(items)} lines sum to {listed:.2f}, but the "
                            f"claim (principal + interest + fees + penalties) is {total:.2f} "
                            f"(difference {listed - total:.2f}); the lines must account for "
                            "exactly what the letter claims")
        return ()
    return tuple(items)


def _statement_item(r: _Row, n: int, obj: Any, day: dt.date) -> StatementItem | None:
    where = f"statement[{n}]"
    if not isinstance(obj, dict) or set(obj) != set(_ITEM_KEYS):
        r.fail(where, "each line must be an object with exactly the keys due_date, label "
                      "and amount")
        return None
    line = _Row({f"{where}.{k}": v for k, v in obj.items()}, r.row)
    line.case_id = r.case_id
    due = line.date(f"{where}.due_date", required=True)
    label = line.text(f"{where}.label", required=True)
    amount = _signed_amount(line, f"{where}.amount", obj["amount"])
    if due is not None and due > day:
        line.fail(f"{where}.due_date", f"{due.isoformat()} is after the letter date "
                                       f"({day.isoformat()}): an item not yet due is not claimed")
    if label is not None and len(label) > 120:
        line.fail(f"{where}.label", "is longer than 120 characters")
    r.errors.extend(line.errors)
    if line.errors or due is None or label is None or amount is None:
        return None
    return StatementItem(due, label, amount)


def _signed_amount(line: _Row, name: str, value: Any) -> Decimal | None:
    """A line's amount: a payment received is negative ("-50.00"); never a float."""
    if isinstance(value, float | bool) or value is None:
        line.fail(name, "must be written as a string or an exact number such as \"-50.00\", "
                        "not a floating-point value")
        return None
    text = str(value).strip()
    if not _SIGNED_AMOUNT.fullmatch(text) or Decimal(text) == 0:
        line.fail(name, f"{shown(text)} is not a non-zero amount with at most 2 decimals and a dot "
                        "(e.g. 123.45, or -50.00 for a payment received)")
        return None
    return Decimal(text)


def _unknown_field_reason(key: str) -> str:
    close = difflib.get_close_matches(key, FIELDS, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"{shown(key)} is not a case-file field{hint}; remove the column or run with "
            "--ignore-unknown-columns")


def parse_rows(rows: Iterable[tuple[int, Mapping[str, Any]]] | Iterable[Mapping[str, Any]], *,
               batch_date: dt.date, allow_unknown: bool = False, source: str = "") -> ReadResult:
    """Validate rows; rows are (row_number, mapping) pairs or plain mappings numbered from 1."""
    result = ReadResult(source=source)
    numbered: list[tuple[int, Mapping[str, Any]]] = []
    for i, item in enumerate(rows, start=1):
        numbered.append(item if isinstance(item, tuple) else (i, item))
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row, raw in numbered:
        cid = raw.get("case_id")
        if isinstance(cid, str) and cid.strip():
            seen[cid.strip().casefold()].append((row, cid.strip()))
    for row, raw in numbered:
        cid = raw.get("case_id")
        key = cid.strip() if isinstance(cid, str) else None
        if key and len(seen[key.casefold()]) > 1:
            result.rejects.append(_duplicate(key, row, seen[key.casefold()]))
            continue
        try:
            result.cases.append(parse_case(raw, row, batch_date=batch_date,
                                           allow_unknown=allow_unknown))
        except CaseError as err:
            result.rejects.extend(all_errors(err))
    return result


def _duplicate(case_id: str, row: int, uses: list[tuple[int, str]]) -> CaseError:
    """The rejection of a case id used on several rows (letters/<case_id>-<kind>.pdf would be
    one file, also when the ids differ only by capitals: one file on Windows and macOS)."""
    same = [str(n) for n, cid in uses if n != row and cid == case_id]
    capitals = [f"{shown(cid)} on row {n}" for n, cid in uses if cid != case_id]
    why = " and ".join(
        ([f"is also used on row {', '.join(same)}"] if same else [])
        + ([f"differs only by capital letters from {', '.join(capitals)} (their letters would "
            "be one file on Windows and macOS)"] if capitals else []))
    why = f"case_id {shown(case_id)} {why}"
    return CaseError(f"{why}; every case needs its own reference, so none of these rows is "
                     "sent", row=row, field="case_id", case_id=label(case_id))


def read_case_file(path: Path | str, *, batch_date: dt.date,
                   allow_unknown: bool = False) -> ReadResult:
    """Read and validate a .csv, .jsonl or .json case file (one without cases is refused)."""
    rows = read_rows(path, allow_unknown=allow_unknown)
    if not rows:
        raise CaseFileError("the file holds no cases (nothing after the header row, or an "
                            "empty list): check that the right file was exported", file=str(path))
    return parse_rows(rows, batch_date=batch_date, allow_unknown=allow_unknown, source=str(path))


def read_rows(path: Path | str, *, allow_unknown: bool = False,
              optional: tuple[str, ...] = ()) -> list[tuple[int, Mapping[str, Any]]]:
    """The raw rows of a case file, numbered; ``optional``: required columns that may be absent
    (``escalate`` reads files whose ``kind`` is empty or missing)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CaseFileError(f"cannot read the case file: {exc.strerror}", file=str(p)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"the file is not UTF-8 text (byte {exc.start}); save it as "
                            "UTF-8 CSV", file=str(p)) from None
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return list(_csv_rows(text, str(p), allow_unknown, optional))
    if suffix in (".jsonl", ".ndjson"):
        return list(_jsonl_rows(text, str(p)))
    if suffix == ".json":
        return list(_json_rows(text, str(p)))
    raise CaseFileError("unknown case-file type: use .csv, .jsonl or .json", file=str(p))


def _csv_rows(text: str, source: str, allow_unknown: bool,
              optional: tuple[str, ...] = ()) -> Iterator[tuple[int, Mapping[str, Any]]]:
    # A cell may be as long as the file: an over-long value is refused by its row (MAX_CELL),
    # not by the reader. (The limit is the csv module's, process-wide; only ever raised.)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CaseFileError("the file is empty (no header row)", file=source) from None
    _check_header(header, source, allow_unknown, optional)
    # Rows as a spreadsheet numbers them: one per record (a blank line is one too), so a
    # cell holding a line break does not shift the rows after it.
    for row, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line, e.g. at the end of a spreadsheet export
        if len(record) != len(header):
            raw: dict[str, Any] = dict(zip(header, record, strict=False))
            raw["__width__"] = f"{len(record)} cells for {len(header)} columns"
            yield row, raw
            continue
        yield row, dict(zip(header, record, strict=True))


def _check_header(header: list[str], source: str, allow_unknown: bool,
                  optional: tuple[str, ...] = ()) -> None:
    """Refuse a CSV header with a required column missing, an unknown or a repeated one."""
    missing = [f for f in REQUIRED if f not in header and f not in optional]
    if missing:
        raise CaseFileError(f"the header row lacks the required column(s): {', '.join(missing)}"
                            + _separator_hint(header), file=source, line=1)
    _refuse_json_only_columns(header, source)
    unknown = [h for h in header if h not in FIELDS and h not in STATUS_FIELDS]
    if unknown and not allow_unknown:
        raise CaseFileError("; ".join(_unknown_field_reason(h) for h in unknown),
                            file=source, line=1)
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise CaseFileError(f"column(s) {', '.join(sorted(dupes))} appear twice in the header",
                            file=source, line=1)


def _separator_hint(header: list[str]) -> str:
    """What to do when the columns were split on something else than commas.

    >>> _separator_hint(["case_id;kind;locale"])  # doctest: +ELLIPSIS
    "; the columns are separated by ';', not commas (a spreadsheet set to French or ..."
    """
    joined = ",".join(header)
    for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if sum(1 for f in REQUIRED if f in joined.split(sep)) >= 2:
            return (f"; the columns are separated by {name}, not commas (a spreadsheet set to "
                    "French or another language that writes 1,5 does that): save the file again "
                    "as 'CSV UTF-8 (comma delimited)'")
    return ""


def _refuse_json_only_columns(header: list[str], source: str) -> None:
    in_json = [h for h in header if h in JSON_FIELDS]
    if in_json:
        raise CaseFileError(f"column {in_json[0]}: an itemised statement is a list of "
                            "{due_date, label, amount} objects, read only from .json or .jsonl "
                            "case files; remove the column (the letter then prints the "
                            "principal / interest / accessories breakdown) or use JSON",
                            file=source, line=1)


_TWICE = "__twice__"  # the keys an object holds more than once, and their values


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object that remembers its repeated keys (json keeps the last one silently)."""
    obj: dict[str, Any] = {}
    twice: dict[str, list[Any]] = {}
    for key, value in pairs:
        if key in obj:
            twice.setdefault(key, [obj[key]]).append(value)
        obj[key] = value
    if twice:
        obj[_TWICE] = twice
    return obj


def _loads(text: str) -> Any:
    """JSON with exact numbers (an integer of any length is a Decimal, never an int that the
    interpreter refuses to read past 4,300 digits) and repeated keys kept in sight."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, object_pairs_hook=_object)


_TOO_DEEP = "values are nested too deeply (lists or objects inside each other); a case is one " \
            "flat object of fields"


def _jsonl_rows(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = _loads(line)
        except json.JSONDecodeError as exc:
            yield n, {"__json__": f"not valid JSON ({exc.msg} at column {exc.colno})"}
            continue
        except RecursionError:
            yield n, {"__json__": _TOO_DEEP}
            continue
        yield n, obj if isinstance(obj, dict) else {"__json__": "each line must be one object"}


def _json_rows(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"not valid JSON: {exc.msg}", file=source, line=exc.lineno) from None
    except RecursionError:
        raise CaseFileError(_TOO_DEEP, file=source, line=_deep_line(text)) from None
    if not isinstance(data, list):
        raise CaseFileError("a .json case file must hold an array of case objects", file=source)
    for n, obj in enumerate(data, start=1):
        yield n, obj if isinstance(obj, dict) else {"__json__": "each item must be an object"}


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|\n')


def _deep_line(text: str, depth: int = 32) -> int | None:
    r"""The line where the JSON text first nests deeper than ``depth``, to point at it once
    the reader gave up (a case file nests 4 deep at most: array, case, statement, line);
    strings are skipped whole.

    >>> _deep_line('[{"a": "[[["},\n {"b": [{"c": [[1]]}]}]', depth=4)
    2
    """
    level, line = 0, 1
    for token in _JSON_TOKENS.finditer(text):
        mark = token.group()
        if mark == "\n":
            line += 1
        elif mark in "[{":
            level += 1
            if level > depth:
                return line
        elif mark in "]}":
            level -= 1
        else:
            line += mark.count("\n")  # a string: raw line breaks are invalid JSON anyway
    return None
