"""Amounts in words: hand-checked golden tables per language, then properties."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory.model import Locale
from notice_factory.words import SUPPORTED_CURRENCIES, amount_in_words

FR_EUR = [
    ("0", "zéro euro"),
    ("1", "un euro"),
    ("2", "deux euros"),
    ("10", "dix euros"),
    ("11", "onze euros"),
    ("12", "douze euros"),
    ("13", "treize euros"),
    ("14", "quatorze euros"),
    ("15", "quinze euros"),
    ("16", "seize euros"),
    ("17", "dix-sept euros"),
    ("18", "dix-huit euros"),
    ("19", "dix-neuf euros"),
    ("20", "vingt euros"),
    ("21", "vingt et un euros"),
    ("22", "vingt-deux euros"),
    ("31", "trente et un euros"),
    ("61", "soixante et un euros"),
    ("70", "soixante-dix euros"),
    ("71", "soixante et onze euros"),
    ("72", "soixante-douze euros"),
    ("77", "soixante-dix-sept euros"),
    ("80", "quatre-vingts euros"),
    ("81", "quatre-vingt-un euros"),
    ("90", "quatre-vingt-dix euros"),
    ("91", "quatre-vingt-onze euros"),
    ("99", "quatre-vingt-dix-neuf euros"),
    ("100", "cent euros"),
    ("101", "cent un euros"),
    ("180", "cent quatre-vingts euros"),
    ("200", "deux cents euros"),
    ("201", "deux cent un euros"),
    ("203", "deux cent trois euros"),
    ("1000", "mille euros"),
    ("1001", "mille un euros"),
    ("2000", "deux mille euros"),
    ("21000", "vingt et un mille euros"),
    ("80000", "quatre-vingt mille euros"),
    ("200000", "deux cent mille euros"),
    ("1000000", "un million d'euros"),
    ("2000000", "deux millions d'euros"),
    ("1000100", "un million cent euros"),
    ("1002000", "un million deux mille euros"),
    ("80000000", "quatre-vingts millions d'euros"),
    ("200000000", "deux cents millions d'euros"),
    ("1000000000", "un milliard d'euros"),
    ("1002000000", "un milliard deux millions d'euros"),
    ("1234.56", "mille deux cent trente-quatre euros et cinquante-six centimes"),
    (
        "1234567.89",
        "un million deux cent trente-quatre mille cinq cent soixante-sept euros "
        "et quatre-vingt-neuf centimes",
    ),
    ("1.01", "un euro et un centime"),
    ("0.50", "cinquante centimes"),
    ("0.01", "un centime"),
    ("2000000.10", "deux millions d'euros et dix centimes"),
]


@pytest.mark.parametrize(("amount", "expected"), FR_EUR)
def test_french_euros(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "EUR", Locale.FR_FR) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1", "GBP", "une livre sterling"),
        ("21", "GBP", "vingt et une livres sterling"),
        ("2000000", "GBP", "deux millions de livres sterling"),
        ("1.01", "USD", "un dollar et un cent"),
        ("2.02", "CHF", "deux francs suisses et deux centimes"),
        ("3", "RON", "trois lei"),
        ("1", "RON", "un leu"),
        ("5", "CNY", "cinq yuans"),
    ],
)
def test_french_other_currencies(amount: str, currency: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, Locale.FR_FR) == expected


RO_RON = [
    ("0", "zero lei"),
    ("1", "un leu"),
    ("2", "doi lei"),
    ("10", "zece lei"),
    ("11", "unsprezece lei"),
    ("12", "doisprezece lei"),
    ("13", "treisprezece lei"),
    ("14", "paisprezece lei"),
    ("15", "cincisprezece lei"),
    ("16", "șaisprezece lei"),
    ("17", "șaptesprezece lei"),
    ("18", "optsprezece lei"),
    ("19", "nouăsprezece lei"),
    ("20", "douăzeci de lei"),
    ("21", "douăzeci și unu de lei"),
    ("22", "douăzeci și doi de lei"),
    ("71", "șaptezeci și unu de lei"),
    ("80", "optzeci de lei"),
    ("81", "optzeci și unu de lei"),
    ("91", "nouăzeci și unu de lei"),
    ("99", "nouăzeci și nouă de lei"),
    ("100", "o sută de lei"),
    ("101", "o sută unu lei"),
    ("105", "o sută cinci lei"),
    ("112", "o sută doisprezece lei"),
    ("120", "o sută douăzeci de lei"),
    ("134", "o sută treizeci și patru de lei"),
    ("200", "două sute de lei"),
    ("201", "două sute unu lei"),
    ("1000", "o mie de lei"),
    ("1001", "o mie unu lei"),
    ("2000", "două mii de lei"),
    ("2005", "două mii cinci lei"),
    ("12000", "douăsprezece mii de lei"),
    ("21000", "douăzeci și una de mii de lei"),
    ("22000", "douăzeci și două de mii de lei"),
    ("100000", "o sută de mii de lei"),
    ("1000000", "un milion de lei"),
    ("2000000", "două milioane de lei"),
    ("12000000", "douăsprezece milioane de lei"),
    ("21000000", "douăzeci și unu de milioane de lei"),
    ("1000000000", "un miliard de lei"),
    ("2000000000", "două miliarde de lei"),
    ("1234.56", "o mie două sute treizeci și patru de lei și cincizeci și șase de bani"),
    (
        "1234567.89",
        "un milion două sute treizeci și patru de mii cinci sute șaizeci și șapte de lei "
        "și optzeci și nouă de bani",
    ),
    ("0.01", "un ban"),
    ("0.02", "doi bani"),
    ("0.50", "cincizeci de bani"),
    ("1.01", "un leu și un ban"),
]


@pytest.mark.parametrize(("amount", "expected"), RO_RON)
def test_romanian_lei(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "RON", Locale.RO_RO) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1", "un euro"),
        ("2", "doi euro"),
        ("20.01", "douăzeci de euro și un eurocent"),
        ("3.45", "trei euro și patruzeci și cinci de eurocenți"),
    ],
)
def test_romanian_euro(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "EUR", Locale.RO_RO) == expected


ZH_CNY = [
    ("0", "人民币零元整"),
    ("1", "人民币壹元整"),
    ("10", "人民币壹拾元整"),
    ("11", "人民币壹拾壹元整"),
    ("15", "人民币壹拾伍元整"),
    ("19", "人民币壹拾玖元整"),
    ("20", "人民币贰拾元整"),
    ("21", "人民币贰拾壹元整"),
    ("71", "人民币柒拾壹元整"),
    ("80", "人民币捌拾元整"),
    ("81", "人民币捌拾壹元整"),
    ("91", "人民币玖拾壹元整"),
    ("99", "人民币玖拾玖元整"),
    ("100", "人民币壹佰元整"),
    ("101", "人民币壹佰零壹元整"),
    ("110", "人民币壹佰壹拾元整"),
    ("200", "人民币贰佰元整"),
    ("201", "人民币贰佰零壹元整"),
    ("1000", "人民币壹仟元整"),
    ("1001", "人民币壹仟零壹元整"),
    ("1005", "人民币壹仟零伍元整"),
    ("1010", "人民币壹仟零壹拾元整"),
    ("2000", "人民币贰仟元整"),
    ("10010", "人民币壹万零壹拾元整"),
    ("100000", "人民币壹拾万元整"),
    ("100010", "人民币壹拾万零壹拾元整"),
    ("103456", "人民币壹拾万叁仟肆佰伍拾陆元整"),
    ("1000000", "人民币壹佰万元整"),
    ("2000000", "人民币贰佰万元整"),
    ("100000000", "人民币壹亿元整"),
    ("100001000", "人民币壹亿零壹仟元整"),
    ("101000000", "人民币壹亿零壹佰万元整"),
    ("1000000000", "人民币壹拾亿元整"),
    ("12345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("1234567.89", "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("0.5", "人民币伍角"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    ("100.50", "人民币壹佰元伍角"),
    ("10.05", "人民币壹拾元零伍分"),
]


@pytest.mark.parametrize(("amount", "expected"), ZH_CNY)
def test_chinese_capitals(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "CNY", Locale.ZH_CN) == expected


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("bad", ["-1", "0.001", "1000000000000", "NaN", "Infinity"])
def test_refused_amounts(locale: Locale, bad: str) -> None:
    currency = sorted(SUPPORTED_CURRENCIES[locale])[0]
    with pytest.raises(ValueError):
        amount_in_words(Decimal(bad), currency, locale)


@pytest.mark.parametrize(
    ("locale", "currency"),
    [(Locale.ZH_CN, "EUR"), (Locale.RO_RO, "JPY"), (Locale.FR_FR, "XYZ")],
)
def test_unknown_currency_is_refused(locale: Locale, currency: str) -> None:
    with pytest.raises(ValueError, match="cannot write"):
        amount_in_words(Decimal("1"), currency, locale)


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        amount_in_words(1.5, "EUR", Locale.FR_FR)  # type: ignore[arg-type]


def test_limit_just_below_a_trillion() -> None:
    zh = amount_in_words(Decimal("999999999999.99"), "CNY", Locale.ZH_CN)
    assert zh == "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"


amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("999999999999.99"), places=2,
    allow_nan=False, allow_infinity=False,
)
small_amounts = st.integers(min_value=0, max_value=10**7).map(lambda c: Decimal(c) / 100)
ZH_ALLOWED = set("人民币零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


@given(amounts)
def test_zh_uses_only_capital_characters(amount: Decimal) -> None:
    text = amount_in_words(amount, "CNY", Locale.ZH_CN)
    assert set(text) <= ZH_ALLOWED
    assert text.startswith("人民币")
    assert "零零" not in text
    assert not text.endswith("分整")  # 整 never after 分
    assert not text.endswith("零")
    if amount != 0:
        assert "零元" not in text  # a zero never comes right before 元
    # 整 exactly when there are no jiao or fen
    assert text.endswith("整") == (amount == amount.to_integral_value())


def _zh_parse(text: str) -> Decimal:
    """Independent reader of 人民币大写, to check that the writer says the right number."""
    digits = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
    small = {"拾": 10, "佰": 100, "仟": 1000}
    total = section = big = 0
    pending = 0
    body = text.removeprefix("人民币").removesuffix("整")
    integer_part, _, cents_part = body.partition("元") if "元" in body else ("", "", body)
    for ch in integer_part:
        if ch in digits:
            pending = digits[ch]
        elif ch in small:
            section += pending * small[ch]
            pending = 0
        elif ch == "万":
            big += (section + pending) * 10**4
            section = pending = 0
        elif ch == "亿":
            total += (big + section + pending) * 10**8
            big = section = pending = 0
    total += big + section + pending
    cents = 0
    for m in re.finditer("([壹贰叁肆伍陆柒捌玖])([角分])", cents_part):
        cents += digits[m.group(1)] * (10 if m.group(2) == "角" else 1)
    return Decimal(total) + Decimal(cents) / 100


@given(amounts)
def test_zh_round_trips(amount: Decimal) -> None:
    assert _zh_parse(amount_in_words(amount, "CNY", Locale.ZH_CN)) == amount


@given(amounts)
def test_fr_has_no_digits_and_consistent_plural(amount: Decimal) -> None:
    text = amount_in_words(amount, "EUR", Locale.FR_FR)
    assert not re.search(r"\d", text)
    assert "  " not in text and text == text.strip()
    assert not text.startswith("un mille") and "milles" not in text
    assert ("euro" in text) == (amount >= 1 or amount == 0)


@given(amounts, st.sampled_from(["RON", "EUR"]))
def test_ro_has_no_digits_nor_cedilla(amount: Decimal, currency: str) -> None:
    text = amount_in_words(amount, currency, Locale.RO_RO)
    assert not re.search(r"\d", text)
    assert not set(text) & {"\u015f", "\u0163", "\u015e", "\u0162", "\u0327"}
    assert "una mie" not in text and "unu mie" not in text
    assert "  " not in text and text == text.strip()


@given(small_amounts)
def test_ro_de_rule(amount: Decimal) -> None:
    units = int(amount)
    text = amount_in_words(amount, "RON", Locale.RO_RO)
    if units >= 2:
        expect_de = units >= 20 and not 1 <= units % 100 <= 19
        assert (" de lei" in text) == expect_de
