"""Amounts in words, as letters and commitments must state them next to the figures.

Pure Python on purpose: the usual libraries get Romanian ("una mie") and Chinese
capital numerals wrong or not at all (shared/domain/engines.md), and a wrong amount in
words on a legal letter is worse than none.

- French: traditional spelling (hyphens below 100, "vingt et un"), "cent"/"vingt" plural
  only when multiplied and final, "mille" invariable, "de" after an exact million/billion.
- Romanian: gender agreement ("doi lei", "două mii", "douăzeci și unu de milioane"),
  "de" after 20 and more unless the last two digits are 01-19, comma-below ș ț only.
- Chinese: 人民币大写 with only 零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整.

>>> from notice_factory.model import Locale
>>> amount_in_words(Decimal("1234.56"), "EUR", Locale.FR_FR)
'mille deux cent trente-quatre euros et cinquante-six centimes'
>>> amount_in_words(Decimal("1234.56"), "RON", Locale.RO_RO)
'o mie două sute treizeci și patru de lei și cincizeci și șase de bani'
>>> amount_in_words(Decimal("12345.67"), "CNY", Locale.ZH_CN)
'人民币壹万贰仟叁佰肆拾伍元陆角柒分'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from notice_factory.model import Locale, cents_problem

__all__ = ["AMOUNT_LIMIT", "SUPPORTED_CURRENCIES", "amount_in_words"]

#: Amounts a letter can state in words: below 10^12 (case files are held to it, cases.py).
AMOUNT_LIMIT = 10**12


@dataclass(frozen=True)
class _Unit:
    """How one currency unit (or sub-unit) is named in a language."""

    singular: str
    plural: str
    feminine: bool = False
    # French: "d'euros" but "de dollars" after an exact million.
    elided: bool = False


@dataclass(frozen=True)
class _Currency:
    main: _Unit
    sub: _Unit


# Kept small and explicit: a currency missing here is refused, never guessed.
_FR_CURRENCIES = {
    "EUR": _Currency(_Unit("euro", "euros", elided=True), _Unit("centime", "centimes")),
    "CHF": _Currency(_Unit("franc suisse", "francs suisses"), _Unit("centime", "centimes")),
    "USD": _Currency(_Unit("dollar", "dollars"), _Unit("cent", "cents")),
    "GBP": _Currency(
        _Unit("livre sterling", "livres sterling", feminine=True), _Unit("penny", "pence")
    ),
    "RON": _Currency(_Unit("leu", "lei"), _Unit("ban", "bani")),
    "CNY": _Currency(_Unit("yuan", "yuans"), _Unit("fen", "fens")),
}

# Romanian nouns used here are all masculine (DOOM: euro s.m. invariable, eurocent s.m.).
_RO_CURRENCIES = {
    "RON": _Currency(_Unit("leu", "lei"), _Unit("ban", "bani")),
    "EUR": _Currency(_Unit("euro", "euro"), _Unit("eurocent", "eurocenți")),
    "USD": _Currency(_Unit("dolar", "dolari"), _Unit("cent", "cenți")),
}

_ZH_CURRENCIES = frozenset({"CNY"})

SUPPORTED_CURRENCIES: dict[Locale, frozenset[str]] = {
    Locale.FR_FR: frozenset(_FR_CURRENCIES),
    Locale.RO_RO: frozenset(_RO_CURRENCIES),
    Locale.ZH_CN: _ZH_CURRENCIES,
}
"""Currencies whose amounts each locale can write in words."""


def amount_in_words(amount: Decimal, currency: str, locale: Locale) -> str:
    """The amount in words in the letter's language, currency included.

    Sub-units are only written when not zero; an amount below one unit is written with
    the sub-unit alone ("cinquante centimes", "人民币伍角").

    >>> amount_in_words(Decimal("2000000"), "EUR", Locale.FR_FR)
    "deux millions d'euros"
    >>> amount_in_words(Decimal("105"), "RON", Locale.RO_RO)
    'o sută cinci lei'
    >>> amount_in_words(Decimal("1005"), "CNY", Locale.ZH_CN)
    '人民币壹仟零伍元整'
    >>> amount_in_words(Decimal("1.001"), "EUR", Locale.FR_FR)
    Traceback (most recent call last):
    ...
    ValueError: amount 1.001 has more than 2 decimals
    """
    units, cents = _split(amount)
    code = currency.strip().upper()
    loc = Locale(locale)
    if code not in SUPPORTED_CURRENCIES[loc]:
        known = ", ".join(sorted(SUPPORTED_CURRENCIES[loc]))
        raise ValueError(
            f"cannot write {code!r} amounts in words for {loc.value} (supported: {known})"
        )
    if loc is Locale.FR_FR:
        return _fr_amount(units, cents, _FR_CURRENCIES[code])
    if loc is Locale.RO_RO:
        return _ro_amount(units, cents, _RO_CURRENCIES[code])
    return _zh_amount(units, cents)


def _split(amount: Decimal) -> tuple[int, int]:
    """Whole units and cents, refusing anything a letter must not round or cannot say."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"amount {amount} is not a finite number")
    if amount < 0:
        raise ValueError(f"amount {amount} is negative")
    if amount >= AMOUNT_LIMIT:
        raise ValueError(f"amount {amount} is too large (limit: below 10^12)")
    problem = cents_problem(amount)
    if problem:
        raise ValueError(f"amount {amount} {problem}")
    units, cents = divmod(int(amount * 100), 100)
    return units, cents


# --- French -----------------------------------------------------------------------------

_FR_SMALL = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf",
]
_FR_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def _fr_below_100(n: int, final: bool, feminine: bool) -> str:
    one = "une" if feminine else "un"
    if n < 20:
        return one if n == 1 else _FR_SMALL[n]
    tens, unit = divmod(n, 10)
    if tens < 7:
        base = _FR_TENS[tens]
        if unit == 0:
            return base
        return f"{base} et {one}" if unit == 1 else f"{base}-{_FR_SMALL[unit]}"
    if tens == 7:
        rest = n - 60
        return "soixante et onze" if rest == 11 else f"soixante-{_FR_SMALL[rest]}"
    if n == 80:
        # "quatre-vingts" only when final: "quatre-vingt mille", "quatre-vingts euros".
        return "quatre-vingts" if final else "quatre-vingt"
    rest = n - 80
    return f"quatre-vingt-{one if rest == 1 else _FR_SMALL[rest]}"


def _fr_below_1000(n: int, final: bool, feminine: bool = False) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds == 1:
        parts.append("cent")
    elif hundreds > 1:
        plural = "s" if rest == 0 and final else ""
        parts.append(f"{_FR_SMALL[hundreds]} cent{plural}")
    if rest:
        parts.append(_fr_below_100(rest, final, feminine))
    return " ".join(parts)


def _fr_number(n: int, feminine: bool = False) -> str:
    """French cardinal for 0 <= n < 10^12; ``feminine`` only affects the final "un"."""
    if n == 0:
        return "zéro"
    parts = []
    billions, n = divmod(n, 10**9)
    millions, n = divmod(n, 10**6)
    thousands, rest = divmod(n, 1000)
    # milliard and million are nouns: they take "s", and "cents"/"vingts" before them stay
    # final ("deux cents millions").
    if billions:
        parts.append(_fr_below_1000(billions, True) + " milliard" + ("s" if billions > 1 else ""))
    if millions:
        parts.append(_fr_below_1000(millions, True) + " million" + ("s" if millions > 1 else ""))
    if thousands:
        # mille is an invariable adjective; "cent"/"vingt" before it lose their "s".
        parts.append("mille" if thousands == 1 else _fr_below_1000(thousands, False) + " mille")
    if rest:
        parts.append(_fr_below_1000(rest, True, feminine))
    return " ".join(parts)


def _fr_count(n: int, unit: _Unit) -> str:
    name = unit.singular if n <= 1 else unit.plural  # "zéro euro", "un euro"
    words = _fr_number(n, unit.feminine)
    if n and n % 10**6 == 0:
        # "deux millions d'euros": a bare million/milliard is a noun needing "de".
        return f"{words} d'{name}" if unit.elided else f"{words} de {name}"
    return f"{words} {name}"


def _fr_amount(units: int, cents: int, currency: _Currency) -> str:
    parts = []
    if units or not cents:
        parts.append(_fr_count(units, currency.main))
    if cents:
        parts.append(_fr_count(cents, currency.sub))
    return " et ".join(parts)


# --- Romanian ---------------------------------------------------------------------------

_RO_UNITS = ["zero", "unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă"]
_RO_TEENS = {
    10: "zece", 11: "unsprezece", 12: "doisprezece", 13: "treisprezece", 14: "paisprezece",
    15: "cincisprezece", 16: "șaisprezece", 17: "șaptesprezece", 18: "optsprezece",
    19: "nouăsprezece",
}
_RO_TENS = {
    2: "douăzeci", 3: "treizeci", 4: "patruzeci", 5: "cincizeci", 6: "șaizeci",
    7: "șaptezeci", 8: "optzeci", 9: "nouăzeci",
}

# Genders of what is counted: masculine (lei, bani), feminine (mii, sute), neuter
# (milioane, miliarde). Neuter takes "unu" like the masculine but "două" like the feminine:
# "douăzeci și unu de milioane", "douăsprezece milioane".
_M, _F, _N = "m", "f", "n"


def _ro_unit(n: int, gender: str) -> str:
    """A unit digit at the end of a compound numeral ("... și unu", "o sută două")."""
    if n == 1:
        return "una" if gender == _F else "unu"
    if n == 2:
        return "doi" if gender == _M else "două"
    return _RO_UNITS[n]


def _ro_below_100(n: int, gender: str) -> str:
    if n < 10:
        return _ro_unit(n, gender)
    if n < 20:
        return "douăsprezece" if n == 12 and gender != _M else _RO_TEENS[n]
    tens, unit = divmod(n, 10)
    return _RO_TENS[tens] if unit == 0 else f"{_RO_TENS[tens]} și {_ro_unit(unit, gender)}"


def _ro_below_1000(n: int, gender: str) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds == 1:
        parts.append("o sută")
    elif hundreds:
        parts.append(f"{_ro_unit(hundreds, _F)} sute")
    if rest:
        parts.append(_ro_below_100(rest, gender))
    return " ".join(parts)


def ro_needs_de(n: int) -> bool:
    """Whether Romanian puts "de" between the number ``n`` and its noun: from 20 on, unless
    it ends in 01-19 ("20 de rate", "105 rate", "douăzeci de mii"; legal-content.md 3.6).

    >>> [n for n in (1, 19, 20, 101, 119, 120) if ro_needs_de(n)]
    [20, 120]
    """
    return n >= 20 and not 1 <= n % 100 <= 19


def _ro_counted(n: int, gender: str, one: str, plural: str) -> str:
    """``n`` things: "un leu", "o mie", "două milioane", "douăzeci de mii"."""
    if n == 1:
        return one
    link = " de " if ro_needs_de(n) else " "
    return _ro_number(n, gender) + link + plural


def _ro_number(n: int, gender: str) -> str:
    """Romanian cardinal for 2 <= n < 10^12 agreeing with a noun of ``gender``."""
    parts = []
    billions, n = divmod(n, 10**9)
    millions, n = divmod(n, 10**6)
    thousands, rest = divmod(n, 1000)
    if billions:
        parts.append(_ro_counted(billions, _N, "un miliard", "miliarde"))
    if millions:
        parts.append(_ro_counted(millions, _N, "un milion", "milioane"))
    if thousands:
        parts.append(_ro_counted(thousands, _F, "o mie", "mii"))
    if rest:
        parts.append(_ro_below_1000(rest, gender))
    return " ".join(parts)


def _ro_count(n: int, unit: _Unit) -> str:
    if n == 0:
        return f"zero {unit.plural}"
    gender = _F if unit.feminine else _M
    return _ro_counted(n, gender, f"{'o' if unit.feminine else 'un'} {unit.singular}", unit.plural)


def _ro_amount(units: int, cents: int, currency: _Currency) -> str:
    parts = []
    if units or not cents:
        parts.append(_ro_count(units, currency.main))
    if cents:
        parts.append(_ro_count(cents, currency.sub))
    return " și ".join(parts)


# --- Chinese: 人民币大写 ----------------------------------------------------------------

_ZH_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_ZH_SMALL_UNITS = ("", "拾", "佰", "仟")
_ZH_BIG_UNITS = ("", "万", "亿")


def _zh_integer(n: int) -> str:
    """Capital numerals for 0 < n < 10^12, with one 零 per run of inner zeros."""
    digits = str(n)
    out: list[str] = []
    zero_pending = False
    top = len(digits) - 1
    for i, ch in enumerate(digits):
        pos = top - i
        d = int(ch)
        if d == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            # 壹拾 for 10-19 as banks write it: "拾" alone could be altered into "贰拾".
            out.append(_ZH_DIGITS[d] + _ZH_SMALL_UNITS[pos % 4])
        if pos % 4 == 0 and pos > 0:
            section = int(digits[max(0, i - 3) : i + 1])
            if section:
                # 壹拾万叁仟: zeros closing a 万/亿 section do not call for 零.
                out.append(_ZH_BIG_UNITS[pos // 4])
                zero_pending = False
    return "".join(out)


def _zh_amount(units: int, cents: int) -> str:
    jiao, fen = divmod(cents, 10)
    text = "人民币"
    if units == 0 and cents == 0:
        return text + "零元整"
    if units:
        text += _zh_integer(units) + "元"
        if cents == 0:
            return text + "整"  # 整 after 元 only; never after 分, and we omit it after 角
        if jiao == 0:
            text += "零"  # 16409.02 -> ...元零贰分
    if jiao:
        text += _ZH_DIGITS[jiao] + "角"
    if fen:
        text += _ZH_DIGITS[fen] + "分"
    return text
