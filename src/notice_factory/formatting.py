"""Locale formatting: the only module that talks to Babel.

Every function takes the letter's :class:`~notice_factory.model.Locale` explicitly, so
nothing depends on the process locale or environment variables. Money arrives as
:class:`~decimal.Decimal` and is never rounded behind the caller's back: an amount with
more than two decimals is an error, not something to "fix" silently.

Spaces matter: French groups thousands with U+202F (narrow no-break space) and puts a
U+00A0 (no-break space) before the currency sign, as Babel/CLDR give them, so an amount
is never split across two lines of a letter.

>>> from notice_factory.model import Locale
>>> format_money(Decimal("1234.56"), "EUR", Locale.FR_FR)
'1\\u202f234,56\\xa0€'
>>> format_money(Decimal("1234.56"), "CNY", Locale.ZH_CN)
'¥1,234.56'
>>> format_money(Decimal("1234.56"), "RON", Locale.RO_RO)
'1.234,56\\xa0lei'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Literal

from babel import Locale as BabelLocale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from notice_factory.model import CENT, Locale, cents_problem

__all__ = [
    "country_name",
    "currency_name",
    "format_date",
    "format_integer",
    "format_money",
    "format_money_table",
    "format_percent",
    "format_place_date",
    "is_country",
    "mask_card_number",
    "mask_id",
    "normalize_ro",
]

_CENT = Decimal("0.01")

# Numeric date patterns are fixed here rather than taken from CLDR "short" because CLDR's
# short forms are not what the legal content asks for (zh short is 2026/11/23, but
# GB/T 9704 wants 2026-11-23; fr/ro short happen to match but must not drift with Babel).
_NUMERIC_DATE_PATTERN = {
    Locale.FR_FR: "dd/MM/yyyy",
    Locale.ZH_CN: "yyyy-MM-dd",
    Locale.RO_RO: "dd.MM.yyyy",
}

# Territory codes Babel knows that are not countries one can post a letter to.
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO"})


def _babel(locale: Locale) -> str:
    # Babel accepts "fr_FR" strings; Locale(...) also validates enum values given as str.
    return Locale(locale).value


def _check_money(amount: Decimal) -> Decimal:
    """Refuse what cannot be money of a letter: non-finite values and sub-cent precision."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    problem = cents_problem(amount)
    if problem:
        raise ValueError(f"money amount {amount} {problem}")
    cents = amount.quantize(CENT)
    # A negative zero (0 - 0.00, or "-0" in a case file) would print "-0,00 €".
    return cents.copy_abs() if cents.is_zero() else cents


def format_money(amount: Decimal, currency: str, locale: Locale) -> str:
    """The amount with its currency as written in a letter's prose, always 2 decimals.

    Romanian letters write ``lei`` rather than Babel's ``RON``; Chinese letters write
    ``¥`` before CNY figures. Other currencies use Babel's standard form for the locale.

    >>> format_money(Decimal("0.5"), "EUR", Locale.FR_FR)
    '0,50\\xa0€'
    >>> format_money(Decimal("1234567.89"), "EUR", Locale.RO_RO)
    '1.234.567,89\\xa0EUR'
    >>> format_money(Decimal("10"), "EUR", Locale.ZH_CN)
    '€10.00'
    >>> format_money(Decimal("-0.00"), "EUR", Locale.FR_FR)  # never "-0,00 €"
    '0,00\xa0€'
    >>> format_money(Decimal("1.005"), "EUR", Locale.FR_FR)
    Traceback (most recent call last):
    ...
    ValueError: money amount 1.005 has more than 2 decimals
    """
    cents = _check_money(amount)
    code = _currency_code(currency)
    loc = Locale(locale)
    text: str = babel_numbers.format_currency(
        cents, code, locale=_babel(loc), currency_digits=False, format_type="standard"
    )
    if loc is Locale.RO_RO and code == "RON":
        text = text.replace("RON", "lei")
    return text


def format_money_table(amount: Decimal, currency: str, locale: Locale) -> str:
    """The amount without any currency sign, for table cells (the column header says it).

    ``currency`` is checked but does not change the output: every supported currency has
    two decimals.

    >>> format_money_table(Decimal("1234.56"), "EUR", Locale.FR_FR)
    '1\\u202f234,56'
    >>> format_money_table(Decimal("1234.5"), "CNY", Locale.ZH_CN)
    '1,234.50'
    >>> format_money_table(Decimal("1234.56"), "RON", Locale.RO_RO)
    '1.234,56'
    """
    cents = _check_money(amount)
    _currency_code(currency)
    text: str = babel_numbers.format_decimal(cents, format="#,##0.00", locale=_babel(locale))
    return text


def _currency_code(currency: str) -> str:
    code = currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code (3 letters)")
    return code


def format_date(
    d: dt.date, locale: Locale, style: Literal["long", "numeric"] = "long"
) -> str:
    """A date as letters print it.

    >>> format_date(dt.date(2026, 11, 23), Locale.FR_FR)
    '23 novembre 2026'
    >>> format_date(dt.date(2026, 12, 1), Locale.FR_FR)
    '1er décembre 2026'
    >>> format_date(dt.date(2026, 1, 5), Locale.ZH_CN)
    '2026年1月5日'
    >>> format_date(dt.date(2026, 11, 23), Locale.RO_RO)
    '23 noiembrie 2026'
    >>> [format_date(dt.date(2026, 1, 5), loc, "numeric") for loc in Locale]
    ['05/01/2026', '2026-01-05', '05.01.2026']
    """
    loc = Locale(locale)
    if style == "numeric":
        numeric: str = babel_dates.format_date(
            d, _NUMERIC_DATE_PATTERN[loc], locale=_babel(loc)
        )
        return numeric
    if style != "long":
        raise ValueError(f"unknown date style {style!r}: use 'long' or 'numeric'")
    text: str = babel_dates.format_date(d, "long", locale=_babel(loc))
    if loc is Locale.FR_FR and d.day == 1:
        # French writes the first day of a month as an ordinal: "1er décembre".
        text = re.sub(r"^1(?=\D)", "1er", text)
    return text


def format_place_date(place: str, d: dt.date, locale: Locale) -> str:
    """The place-and-date line at the top of a letter.

    >>> format_place_date("Paris", dt.date(2026, 11, 23), Locale.FR_FR)
    'Paris, le 23 novembre 2026'
    >>> format_place_date("北京", dt.date(2026, 11, 23), Locale.ZH_CN)
    '北京，2026年11月23日'
    >>> format_place_date("Bucureşti", dt.date(2026, 11, 23), Locale.RO_RO)
    'București, 23 noiembrie 2026'
    """
    loc = Locale(locale)
    when = format_date(d, loc, "long")
    place = place.strip()
    if loc is Locale.FR_FR:
        return f"{place}, le {when}"
    if loc is Locale.ZH_CN:
        return f"{place}，{when}"  # full-width comma in Chinese text
    return normalize_ro(f"{place}, {when}")


def format_percent(rate_percent: Decimal, locale: Locale) -> str:
    """A rate given in percent units, up to 2 decimals, without trailing zeros.

    More than 2 decimals are rounded half-up: a rate is information, not an amount due.

    >>> format_percent(Decimal("4.5"), Locale.FR_FR)
    '4,5\\xa0%'
    >>> format_percent(Decimal("4.50"), Locale.ZH_CN)
    '4.5%'
    >>> format_percent(Decimal("12.125"), Locale.RO_RO)
    '12,13\\xa0%'
    >>> format_percent(Decimal("0"), Locale.FR_FR)
    '0\\xa0%'
    """
    if not isinstance(rate_percent, Decimal) or not rate_percent.is_finite():
        raise ValueError(f"rate {rate_percent!r} is not a finite Decimal")
    rounded = rate_percent.quantize(_CENT, rounding=ROUND_HALF_UP)
    # Drop trailing zeros, but never produce an exponent ("1E+1" for 10).
    fraction = (rounded / 100).normalize()
    if fraction == 0:
        fraction = Decimal("0")
    text: str = babel_numbers.format_percent(
        fraction, locale=_babel(locale), decimal_quantization=False
    )
    return text


def format_integer(n: int, locale: Locale) -> str:
    """A whole number with the locale's grouping.

    >>> [format_integer(1234567, loc) for loc in Locale]
    ['1\\u202f234\\u202f567', '1,234,567', '1.234.567']
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"format_integer needs an int, not {type(n).__name__}")
    text: str = babel_numbers.format_decimal(n, locale=_babel(locale))
    return text


@cache
def _territories(locale: Locale) -> Mapping[str, str]:
    """Babel's territory names for ``locale`` (parsed once: one call per case is slow)."""
    names: Mapping[str, str] = BabelLocale.parse(_babel(locale)).territories
    return names


def country_name(code: str, locale: Locale) -> str:
    """The country's name in the letter's language.

    >>> [country_name("BE", loc) for loc in Locale]
    ['Belgique', '比利时', 'Belgia']
    >>> country_name("XX", Locale.FR_FR)
    Traceback (most recent call last):
    ...
    ValueError: 'XX' is not a known ISO 3166-1 alpha-2 country code
    """
    key = code.strip().upper()
    names = _territories(Locale(locale))
    if not re.fullmatch(r"[A-Z]{2}", key) or key in _NOT_COUNTRIES or key not in names:
        raise ValueError(f"{code!r} is not a known ISO 3166-1 alpha-2 country code")
    name: str = names[key]
    return normalize_ro(name) if Locale(locale) is Locale.RO_RO else name


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code one can address a letter to.

    >>> is_country("BE"), is_country("be"), is_country("XX"), is_country("EU")
    (True, True, False, False)
    """
    try:
        country_name(code, Locale.FR_FR)
    except ValueError:
        return False
    return True


def currency_name(code: str, locale: Locale, count: int | Decimal = 1) -> str:
    """Babel's display name of a currency, singular or plural for ``count``.

    >>> currency_name("EUR", Locale.FR_FR, 2)
    'euros'
    >>> currency_name("CNY", Locale.ZH_CN)
    '人民币'
    """
    text: str = babel_numbers.get_currency_name(
        _currency_code(code), count=count, locale=_babel(locale)
    )
    return normalize_ro(text) if Locale(locale) is Locale.RO_RO else text


# Cedilla forms (precomposed and combining) -> comma-below forms, which is what Romanian
# orthography and [R-DIA] require.
_RO_COMMA_BELOW = str.maketrans(
    {"\u015f": "\u0219", "\u0163": "\u021b", "\u015e": "\u0218", "\u0162": "\u021a"}
)
_RO_COMBINING_CEDILLA = re.compile("([sStT])\u0327")
_RO_COMBINED = {"s": "\u0219", "t": "\u021b", "S": "\u0218", "T": "\u021a"}


def normalize_ro(text: str) -> str:
    """Replace cedilla ş ţ Ş Ţ (precomposed or combining) by comma-below ș ț Ș Ț.

    >>> normalize_ro("Bucureşti, Ţara, s\\u0327i")
    'București, Țara, și'
    """
    text = _RO_COMBINING_CEDILLA.sub(lambda m: _RO_COMBINED[m.group(1)], text)
    return text.translate(_RO_COMMA_BELOW)


# 13 to 19 digits, optionally grouped by single spaces or dashes, not glued to other digits.
_CARD_CANDIDATE = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def mask_card_number(ref: str, *, is_card: bool = False) -> str:
    """Hide a payment card number in a reference, showing only its last 4 digits.

    Only digit runs that look like a card (13 to 19 digits) and pass the Luhn check are
    masked, so ordinary contract numbers stay readable. The masked form does not reveal
    the card's length.

    >>> mask_card_number("4111 1111 1111 1111")
    '**** **** **** 1111'
    >>> mask_card_number("Carte 4111-1111-1111-1111 (Visa)")
    'Carte **** **** **** 1111 (Visa)'
    >>> mask_card_number("PRET-2024-000123")
    'PRET-2024-000123'
    >>> mask_card_number("4111111111111112")
    '4111111111111112'

    When the reference is known to be a card (the product is a credit card), every
    13-19 digit run is masked, Luhn or not: a mistyped card number is still private.

    >>> mask_card_number("4111111111111112", is_card=True)
    '**** **** **** 1112'
    """

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not is_card and not _luhn_ok(digits):
            return match.group(0)
        return "**** **** **** " + digits[-4:]

    return _CARD_CANDIDATE.sub(replace, ref)


def mask_id(value: str) -> str:
    """Mask a national ID number (身份证, CNP, NIR): keep the first 3 and last 4 characters.

    Values shorter than 11 characters would show too much that way, so they are masked
    entirely.

    >>> mask_id("110101199003074518")
    '110***********4518'
    >>> mask_id("1900307123456")
    '190******3456'
    >>> mask_id("12345")
    '*****'
    """
    value = value.strip()
    if len(value) < 11:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
