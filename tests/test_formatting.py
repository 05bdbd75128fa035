"""Locale formatting: exact strings per locale, including the special spaces."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory import formatting as fmt
from notice_factory.model import Locale

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.56", "EUR", Locale.FR_FR, f"1{NNBSP}234,56{NBSP}€"),
        ("1234567.89", "EUR", Locale.FR_FR, f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        ("0", "EUR", Locale.FR_FR, f"0,00{NBSP}€"),
        ("5.5", "EUR", Locale.FR_FR, f"5,50{NBSP}€"),
        ("1234.56", "CNY", Locale.ZH_CN, "¥1,234.56"),
        ("12345.67", "CNY", Locale.ZH_CN, "¥12,345.67"),
        ("1234.56", "EUR", Locale.ZH_CN, "€1,234.56"),
        ("1234.56", "RON", Locale.RO_RO, f"1.234,56{NBSP}lei"),
        ("1234.56", "EUR", Locale.RO_RO, f"1.234,56{NBSP}EUR"),
        ("999.00", "RON", Locale.RO_RO, f"999,00{NBSP}lei"),
    ],
)
def test_format_money(amount: str, currency: str, locale: Locale, expected: str) -> None:
    assert fmt.format_money(Decimal(amount), currency, locale) == expected


@pytest.mark.parametrize("bad", ["1.005", "0.001", "12.345"])
def test_money_with_sub_cent_precision_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="more than 2 decimals"):
        fmt.format_money(Decimal(bad), "EUR", Locale.FR_FR)
    with pytest.raises(ValueError, match="more than 2 decimals"):
        fmt.format_money_table(Decimal(bad), "EUR", Locale.FR_FR)


def test_trailing_zero_decimals_are_not_a_change() -> None:
    assert fmt.format_money(Decimal("1.500"), "CNY", Locale.ZH_CN) == "¥1.50"


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_money_is_refused(bad: Decimal) -> None:
    with pytest.raises(ValueError):
        fmt.format_money(bad, "EUR", Locale.FR_FR)


def test_float_money_is_refused() -> None:
    with pytest.raises(TypeError):
        fmt.format_money(1.5, "EUR", Locale.FR_FR)  # type: ignore[arg-type]


def test_bad_currency_code() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        fmt.format_money(Decimal("1"), "EURO", Locale.FR_FR)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (Locale.FR_FR, f"1{NNBSP}234,56"),
        (Locale.ZH_CN, "1,234.56"),
        (Locale.RO_RO, "1.234,56"),
    ],
)
def test_format_money_table(locale: Locale, expected: str) -> None:
    assert fmt.format_money_table(Decimal("1234.56"), "EUR", locale) == expected


@pytest.mark.parametrize(
    ("day", "locale", "style", "expected"),
    [
        (dt.date(2026, 11, 23), Locale.FR_FR, "long", "23 novembre 2026"),
        (dt.date(2026, 12, 1), Locale.FR_FR, "long", "1er décembre 2026"),
        (dt.date(2026, 12, 11), Locale.FR_FR, "long", "11 décembre 2026"),
        (dt.date(2026, 12, 21), Locale.FR_FR, "long", "21 décembre 2026"),
        (dt.date(2026, 11, 23), Locale.FR_FR, "numeric", "23/11/2026"),
        (dt.date(2026, 11, 23), Locale.ZH_CN, "long", "2026年11月23日"),
        (dt.date(2026, 1, 5), Locale.ZH_CN, "long", "2026年1月5日"),
        (dt.date(2026, 11, 23), Locale.ZH_CN, "numeric", "2026-11-23"),
        (dt.date(2026, 1, 5), Locale.ZH_CN, "numeric", "2026-01-05"),
        (dt.date(2026, 11, 23), Locale.RO_RO, "long", "23 noiembrie 2026"),
        (dt.date(2026, 1, 1), Locale.RO_RO, "long", "1 ianuarie 2026"),
        (dt.date(2026, 11, 23), Locale.RO_RO, "numeric", "23.11.2026"),
    ],
)
def test_format_date(day: dt.date, locale: Locale, style: str, expected: str) -> None:
    assert fmt.format_date(day, locale, style) == expected  # type: ignore[arg-type]


def test_unknown_date_style() -> None:
    with pytest.raises(ValueError, match="style"):
        fmt.format_date(dt.date(2026, 1, 1), Locale.FR_FR, "short")  # type: ignore[arg-type]


def test_format_place_date() -> None:
    day = dt.date(2026, 11, 23)
    assert fmt.format_place_date("Paris", day, Locale.FR_FR) == "Paris, le 23 novembre 2026"
    assert fmt.format_place_date("北京", day, Locale.ZH_CN) == "北京，2026年11月23日"
    assert fmt.format_place_date("București", day, Locale.RO_RO) == "București, 23 noiembrie 2026"
    first = dt.date(2026, 12, 1)
    assert fmt.format_place_date("Lyon", first, Locale.FR_FR) == "Lyon, le 1er décembre 2026"


@pytest.mark.parametrize(
    ("rate", "locale", "expected"),
    [
        ("4.5", Locale.FR_FR, f"4,5{NBSP}%"),
        ("4.5", Locale.ZH_CN, "4.5%"),
        ("4.5", Locale.RO_RO, f"4,5{NBSP}%"),
        ("4.50", Locale.FR_FR, f"4,5{NBSP}%"),
        ("10", Locale.ZH_CN, "10%"),
        ("10.00", Locale.RO_RO, f"10{NBSP}%"),
        ("3.125", Locale.ZH_CN, "3.13%"),
        ("21.99", Locale.FR_FR, f"21,99{NBSP}%"),
        ("0", Locale.ZH_CN, "0%"),
    ],
)
def test_format_percent(rate: str, locale: Locale, expected: str) -> None:
    assert fmt.format_percent(Decimal(rate), locale) == expected


def test_format_integer() -> None:
    assert fmt.format_integer(1234567, Locale.FR_FR) == f"1{NNBSP}234{NNBSP}567"
    assert fmt.format_integer(1234567, Locale.ZH_CN) == "1,234,567"
    assert fmt.format_integer(1234567, Locale.RO_RO) == "1.234.567"
    assert fmt.format_integer(7, Locale.FR_FR) == "7"


@pytest.mark.parametrize(
    ("code", "locale", "expected"),
    [
        ("BE", Locale.FR_FR, "Belgique"),
        ("BE", Locale.RO_RO, "Belgia"),
        ("BE", Locale.ZH_CN, "比利时"),
        ("RO", Locale.FR_FR, "Roumanie"),
        ("ro", Locale.ZH_CN, "罗马尼亚"),
        ("FR", Locale.RO_RO, "Franța"),
        ("RO", Locale.RO_RO, "România"),
    ],
)
def test_country_name(code: str, locale: Locale, expected: str) -> None:
    assert fmt.country_name(code, locale) == expected


@pytest.mark.parametrize("code", ["XX", "ZZ", "EU", "001", "", "FRA"])
def test_unknown_country(code: str) -> None:
    with pytest.raises(ValueError, match="country code"):
        fmt.country_name(code, Locale.FR_FR)


def test_currency_name() -> None:
    assert fmt.currency_name("EUR", Locale.FR_FR, 2) == "euros"
    assert fmt.currency_name("RON", Locale.RO_RO, 2) == "lei românești"
    assert fmt.currency_name("CNY", Locale.ZH_CN) == "人民币"


def test_normalize_ro_all_forms() -> None:
    cedillas = "\u015f\u0163\u015e\u0162 s\u0327t\u0327S\u0327T\u0327"
    assert fmt.normalize_ro(cedillas) == "\u0219\u021b\u0218\u021a \u0219\u021b\u0218\u021a"
    assert fmt.normalize_ro("Façade ç") == "Façade ç"  # other cedillas are not Romanian s/t


@given(st.text())
def test_normalize_ro_never_leaves_cedilla_s_t(text: str) -> None:
    out = fmt.normalize_ro(text)
    assert not set(out) & {"\u015f", "\u0163", "\u015e", "\u0162"}
    assert not re.search("[sStT]\u0327", out)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("4111111111111111", "**** **** **** 1111"),
        ("4111 1111 1111 1111", "**** **** **** 1111"),
        ("5500-0000-0000-0004", "**** **** **** 0004"),
        ("Card 378282246310005 (Amex)", "Card **** **** **** 0005 (Amex)"),
        ("4111111111111112", "4111111111111112"),  # fails Luhn: not a card
        ("CTR-2024-000123", "CTR-2024-000123"),
        ("123456789012", "123456789012"),  # 12 digits: too short for a card
        ("41111111111111111111", "41111111111111111111"),  # 20 digits: too long
        ("", ""),
    ],
)
def test_mask_card_number(ref: str, expected: str) -> None:
    assert fmt.mask_card_number(ref) == expected


@given(st.text(alphabet="0123456789 -ABC", max_size=40))
def test_masked_reference_never_shows_a_luhn_card(ref: str) -> None:
    out = fmt.mask_card_number(ref)
    for match in re.finditer(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)", out):
        digits = re.sub(r"\D", "", match.group(0))
        assert not fmt._luhn_ok(digits)


def test_mask_id() -> None:
    assert fmt.mask_id("110101199003074518") == "110***********4518"
    assert fmt.mask_id("1900307123456") == "190******3456"
    assert fmt.mask_id("short") == "*****"


# Babel's style: every public function over every locale, so a new Locale member cannot
# ship without the formatting layer knowing it.
@pytest.mark.parametrize("locale", list(Locale))
def test_every_function_works_for_every_locale(locale: Locale) -> None:
    day = dt.date(2026, 12, 1)
    outputs = [
        fmt.format_money(Decimal("1234.56"), "EUR", locale),
        fmt.format_money(Decimal("1234.56"), locale_currency(locale), locale),
        fmt.format_money_table(Decimal("1234.56"), "EUR", locale),
        fmt.format_date(day, locale, "long"),
        fmt.format_date(day, locale, "numeric"),
        fmt.format_place_date("X", day, locale),
        fmt.format_percent(Decimal("4.5"), locale),
        fmt.format_integer(1234, locale),
        fmt.country_name("DE", locale),
        fmt.currency_name("EUR", locale, 2),
    ]
    for out in outputs:
        assert out.strip() == out and out
        assert "\u015f" not in out and "\u0163" not in out
    assert "2026" in outputs[3] and "2026" in outputs[4]
    assert "1234" not in outputs[0]  # grouped


def locale_currency(locale: Locale) -> str:
    return {Locale.FR_FR: "EUR", Locale.ZH_CN: "CNY", Locale.RO_RO: "RON"}[locale]
