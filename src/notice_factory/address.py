"""Postal codes and the recipient block printed in the envelope window.

The window holds at most 6 lines of at most 38 characters (La Poste rejects longer lines,
ERR38), without empty lines in the middle (shared/domain/registered-post.md section 3).
Each destination country has its own order:

- France (AFNOR NF Z10-011): name, complement (apartment, floor, building), street,
  then a P.O. box (BP, CS), and ``75011 PARIS``: town in capitals without accents or
  punctuation, as in La Poste's routing names (``L HAY LES ROSES``).
- Romania: name, street with nr./bl./sc./et./ap., complement, ``010011 București``
  (diacritics kept, comma below), then ``Județul Cluj`` (Bucharest sectors as given).
- China, written in Chinese: big to small, recipient last. The 6-digit postcode comes
  first, where a Chinese envelope (GB/T 1416) has its postcode boxes, then province/city
  /district, street, complement, and ``张伟 先生``. Chinese characters are counted as
  two columns: a window that holds 38 Latin characters holds 19 Chinese ones.
- Elsewhere: the destination's own last line (``1000 BRUXELLES``, ``NEW YORK NY 10001``,
  British postcode on its own line), town in capitals as the UPU asks for foreign items.

Cross-border items end with the destination country in the sender's language, in
capitals for Latin scripts (``ROUMANIE``, ``BELGIA``; ``罗马尼亚``).

>>> from notice_factory.model import Locale
>>> layout_address(name="Jean Dupont", title="M.", line1="12 rue de la Roquette",
...     line2="Bâtiment B, 3e étage", postal_code="75011", city="Paris", region=None,
...     country="FR", sender_country="FR", locale=Locale.FR_FR)
['M. Jean Dupont', 'Bâtiment B, 3e étage', '12 rue de la Roquette', '75011 PARIS']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from notice_factory.errors import CaseError
from notice_factory.formatting import country_name, normalize_ro
from notice_factory.model import Locale

__all__ = ["MAX_LINES", "MAX_LINES_ABROAD", "MAX_WIDTH", "RETURN_LABELS", "layout_address",
           "postal_code_problem", "return_line"]

MAX_LINES = 6
#: A cross-border item may take a 7th line (the destination country, UPU S42) where the
#: envelope's window holds it: window.address_problem decides that from the sender profile.
MAX_LINES_ABROAD = 7
MAX_WIDTH = 38


# --- postal codes -----------------------------------------------------------------------


@dataclass(frozen=True)
class _PostalRule:
    adjective: str  # for the message: "a French postal code"
    pattern: str  # full match, case-insensitive
    requirement: str  # what the clerk must fix


_POSTAL_RULES = {
    "FR": _PostalRule("French", r"\d{5}", "it must have 5 digits"),
    "RO": _PostalRule("Romanian", r"\d{6}", "it must have 6 digits"),
    "CN": _PostalRule("Chinese", r"\d{6}", "it must have 6 digits"),
    "BE": _PostalRule("Belgian", r"[1-9]\d{3}", "it must have 4 digits"),
    "CH": _PostalRule("Swiss", r"[1-9]\d{3}", "it must have 4 digits"),
    "DE": _PostalRule("German", r"\d{5}", "it must have 5 digits"),
    "IT": _PostalRule("Italian", r"\d{5}", "it must have 5 digits"),
    "ES": _PostalRule(
        "Spanish", r"(0[1-9]|[1-4]\d|5[0-2])\d{3}", "it must have 5 digits, starting 01 to 52"
    ),
    "NL": _PostalRule(
        "Dutch", r"[1-9]\d{3} ?[A-Z]{2}", "it must be 4 digits and 2 letters (1012 AB)"
    ),
    "PT": _PostalRule("Portuguese", r"\d{4}-\d{3}", "it must be 4 digits, a dash and 3 digits"),
    "GB": _PostalRule(
        "British",
        r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA",
        "it must look like SW1A 1AA",
    ),
    "US": _PostalRule("US", r"\d{5}(-\d{4})?", "it must be a 5-digit ZIP code (or ZIP+4)"),
}
_GENERIC_POSTAL = re.compile(r"(?=.*[A-Z0-9])[A-Z0-9 -]{2,10}", re.IGNORECASE | re.ASCII)


def postal_code_problem(country: str, code: str) -> str | None:
    """None when ``code`` is a valid postal code for ``country``, else what is wrong.

    >>> postal_code_problem("FR", "75011") is None
    True
    >>> postal_code_problem("FR", "7501")
    "'7501' is not a French postal code: it must have 5 digits"
    >>> postal_code_problem("FR", "96100")  # doctest: +ELLIPSIS
    "'96100' is not a French postal code: it must start with a department number 01 to 95, ..."
    >>> [postal_code_problem("FR", c) is None for c in ("97133", "97700", "97800", "97900")]
    [True, False, False, False]
    >>> postal_code_problem("FR", "98000")
    "'98000' is Monaco's postal code, and Monaco is not France: set the country to MC"
    >>> postal_code_problem("RO", "010011") is None, postal_code_problem("GB", "sw1a 1aa") is None
    (True, True)
    >>> postal_code_problem("JP", "100-0001") is None
    True
    """
    value = code.strip()
    key = country.strip().upper()
    rule = _POSTAL_RULES.get(key)
    if rule is None:
        if _GENERIC_POSTAL.fullmatch(value):
            return None
        return (
            f"'{code}' is not a valid postal code for {key}: "
            "it must have 2 to 10 letters, digits, spaces or dashes"
        )
    if not re.fullmatch(rule.pattern, value, re.IGNORECASE | re.ASCII):
        return f"'{code}' is not a {rule.adjective} postal code: {rule.requirement}"
    if key == "FR":
        return _french_code_problem(code, value)
    return None


def _french_code_problem(code: str, value: str) -> str | None:
    """Allocated French codes: departments 01-95 (20xxx: Corsica kept its codes when 2A/2B
    were created), overseas 971-976 (Saint-Barthélemy 97133 and Saint-Martin 97150 included),
    984 TAAF, 986 Wallis-et-Futuna, 987 Polynésie, 988 Nouvelle-Calédonie. 98000 is Monaco,
    another country."""
    if value.startswith("980"):
        return (f"'{code}' is Monaco's postal code, and Monaco is not France: "
                "set the country to MC")
    if 1 <= int(value[:2]) <= 95 or value[:3] in _FR_OVERSEAS:
        return None
    return (f"'{code}' is not a French postal code: it must start with a department number "
            "01 to 95, or 971 to 976, 984, 986, 987, 988 overseas")


_FR_OVERSEAS = ("971", "972", "973", "974", "975", "976", "984", "986", "987", "988")


# --- layout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    field: str
    wrappable: bool = False


# Short forms a clerk would accept on an envelope when the full title does not fit.
_SHORT_TITLES = {
    "monsieur": "M.", "madame": "Mme", "mademoiselle": "Mlle", "maître": "Me",
    "maitre": "Me", "docteur": "Dr", "domnul": "Dl.", "domnului": "Dlui", "doamna": "Dna.",
    "doamnei": "Dnei", "domnișoara": "Dra.",
}


def _clean(value: str | None) -> str:
    """Collapse whitespace (including newlines from the case file) and strip."""
    return " ".join((value or "").split())


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a window or a terminal: East Asian wide characters count
    double, combining marks nothing.

    >>> display_width("Ștefan"), display_width("王小明"), display_width("e\u0301")
    (6, 6, 1)
    """
    return sum(0 if unicodedata.combining(ch) else 2 if _is_cjk(ch) else 1 for ch in text)


_width = display_width


def _has_cjk(*texts: str) -> bool:
    return any(_is_cjk(ch) for text in texts for ch in text)


def _la_poste_town(city: str) -> str:
    """Town as La Poste routes it: capitals, no accents, no hyphens or apostrophes."""
    text = city.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = re.sub(r"[-'’.,;:!?\"«»()]", " ", text.upper())
    return " ".join(text.split())


def _ro_region(region: str, city: str) -> str:
    """The județ line; kept for a county town named like its county (Iași, județul Iași).

    >>> _ro_region("Iași", "Iași"), _ro_region("București", "București")
    ('Județul Iași', '')
    """
    if not region or region.casefold() in ("bucurești", "bucuresti", "bucharest"):
        return ""
    lowered = region.casefold()
    if lowered.startswith(("județ", "judet", "jud.", "sector", "municipiul", "bucureșt")):
        return region  # already qualified, or a Bucharest sector / the capital itself
    return f"Județul {region}"


def _name_line(name: str, title: str, chinese_order: bool) -> str:
    if not title:
        return name
    return f"{name} {title}" if chinese_order else f"{title} {name}"


def _fit_name(name: str, title: str, chinese_order: bool) -> str:
    """The name line, shortening then dropping the title rather than refusing the letter."""
    candidates = [title, _SHORT_TITLES.get(title.casefold(), title), ""] if title else [""]
    for candidate in candidates:
        line = _name_line(name, candidate, chinese_order)
        if _width(line) <= MAX_WIDTH:
            return line
    return name  # too long even alone: reported by the width check


def _wrap(text: str, words: bool = False) -> list[str] | None:
    """Split a too-long line into window-wide lines, or None when it cannot be split.

    Latin text breaks after a comma ("Str. X nr. 5, bl. A, sc. 2"), a name (``words``)
    between words; Chinese text may break between any two characters but not inside a run
    of Latin letters or digits.
    """
    if words and not _has_cjk(text):
        tokens, sep = text.split(), " "
    elif _has_cjk(text):
        tokens = re.findall(r"[A-Za-z0-9\-./#]+|\s+|.", text)
        sep = ""
    else:
        tokens = [t.strip() for t in text.split(",")]
        sep = ", "
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current}{sep}{token}" if current else token
        if _width(candidate.strip()) <= MAX_WIDTH:
            current = candidate
            continue
        if not current.strip() or _width(token.strip()) > MAX_WIDTH:
            return None
        lines.append(current.strip())
        current = token
    if current.strip():
        lines.append(current.strip())
    return lines


def _too_long(line: _Line) -> CaseError:
    width = _width(line.text)
    if _has_cjk(line.text):
        what = f"is {width} columns wide (Chinese characters count as two)"
    else:
        what = f"has {width} characters"
    return CaseError(
        f"address line '{line.text}' {what}; the window allows {MAX_WIDTH} "
        f"({width - MAX_WIDTH} too many)",
        field=line.field,
    )


def layout_address(
    *,
    name: str,
    title: str | None,
    line1: str,
    line2: str | None,
    postal_code: str,
    city: str,
    region: str | None,
    country: str,
    sender_country: str,
    locale: Locale,
) -> list[str]:
    """The recipient block as printed in the window: at most 6 lines of 38 characters.

    Raises :class:`~notice_factory.errors.CaseError` naming the case-file field to fix
    when a required part is missing, the postal code is wrong, or the block cannot fit.

    >>> layout_address(name="Ion Popescu", title="Dl.", line1="Str. Lipscani nr. 5, ap. 3",
    ...     line2=None, postal_code="400001", city="Cluj-Napoca", region="Cluj",
    ...     country="RO", sender_country="RO", locale=Locale.RO_RO)
    ['Dl. Ion Popescu', 'Str. Lipscani nr. 5, ap. 3', '400001 Cluj-Napoca', 'Județul Cluj']
    >>> layout_address(name="张伟", title="先生", line1="建国路88号", line2="5号楼1203室",
    ...     postal_code="100022", city="朝阳区", region="北京市", country="CN",
    ...     sender_country="CN", locale=Locale.ZH_CN)
    ['100022', '北京市朝阳区', '建国路88号', '5号楼1203室', '张伟 先生']
    >>> layout_address(name="Ana Ionescu", title="Mme", line1="Bd. Unirii 1",
    ...     line2=None, postal_code="030167", city="București", region="Sector 3",
    ...     country="RO", sender_country="FR", locale=Locale.FR_FR)
    ['Mme Ana Ionescu', 'Bd. Unirii 1', '030167 București', 'Sector 3', 'ROUMANIE']
    """
    loc = Locale(locale)
    dest = _clean(country).upper()
    parts = _Parts(_clean(name), _clean(title), _clean(line1), _clean(line2),
                   _clean(postal_code).upper(), _clean(city), _clean(region))
    _check_parts(parts)
    country_line = _country_line(dest, _clean(sender_country).upper(), loc)
    problem = postal_code_problem(dest, parts.code)
    if problem:
        raise CaseError(problem, field="postal_code")
    lines = _block(parts, dest)
    if country_line:
        lines.append(_Line(country_line, "country"))
    fix: Callable[[str], str] = normalize_ro if "RO" in (dest, loc.country) else str
    laid_out = _fit([_Line(fix(x.text), x.field, x.wrappable) for x in lines if x.text],
                    MAX_LINES_ABROAD if country_line else MAX_LINES)
    return [x.text for x in laid_out]


@dataclass(frozen=True)
class _Parts:
    """An address as the case file gives it, whitespace collapsed."""

    name: str
    title: str
    line1: str
    line2: str
    code: str  # upper case
    town: str
    region: str


def _check_parts(p: _Parts) -> None:
    """A required part missing, named by its case-file field."""
    for value, field_name in ((p.name, "debtor_name"), (p.line1, "address_line1"),
                              (p.code, "postal_code"), (p.town, "city")):
        if not value:
            raise CaseError(f"{field_name} is empty; the address needs it", field=field_name)


def _country_line(dest: str, origin: str, loc: Locale) -> str:
    """The destination country for a cross-border item, in the sender's language (capitals
    for Latin scripts); empty at home."""
    if dest == origin:
        return ""
    try:
        name = country_name(dest, loc)
    except ValueError as exc:
        raise CaseError(str(exc), field="country") from exc
    return name if loc.language == "zh" else name.upper()


def _block(p: _Parts, dest: str) -> list[_Line]:
    """The lines in the destination's order, before wrapping (empty lines dropped later)."""
    chinese_order = dest == "CN" and _has_cjk(p.name, p.line1, p.line2, p.town, p.region)
    name_line = _Line(_fit_name(p.name, p.title, chinese_order), "debtor_name", wrappable=True)
    street = _Line(p.line1, "address_line1", wrappable=dest != "FR")  # FR: street is one line
    extra = _Line(p.line2, "address_line2", wrappable=True)
    if dest == "FR":
        town = _la_poste_town(p.town)
        if not town:
            raise CaseError(f"city '{p.town}' has no letter to route the letter by; write "
                            "the town's name", field="city")
        return [*_french_lines(name_line, street, extra), _Line(f"{p.code} {town}", "city")]
    if dest == "RO":
        return [name_line, street, extra, _Line(f"{p.code} {p.town}", "city"),
                _Line(_ro_region(p.region, p.town), "region")]
    if chinese_order:
        area = p.town if p.region and p.town.startswith(p.region) else f"{p.region}{p.town}"
        return [_Line(p.code, "postal_code"), _Line(area, "region" if p.region else "city"),
                street, extra, name_line]
    return [name_line, street, extra, *_foreign_last_lines(dest, p.code, p.town, p.region)]


# NF Z10-011 line 5: a distribution service (BP, CS, TSA, in any spelling: "B.P. 412",
# "bp412", "Boîte postale 12") or a lieu-dit, both printed under the street line.
_FR_BELOW_STREET = re.compile(
    r"(?i)^\s*(?:b\.?\s*p\.?|c\.?\s*s\.?|t\.?\s*s\.?\s*a\.?|bo[iî]te\s+postale"
    r"|lieu[\s-]?dit|l\.?\s*d\.?)(?=[\s\d.]|$)")
# Lines 4 to 6 carry no punctuation (NF Z10-011): these go, apostrophes and hyphens stay.
_FR_PUNCT = re.compile(r"[.,;:!?\"«»()]")


def _french_punctuation_free(text: str) -> str:
    """A line 4-6 as NF Z10-011 wants it: no punctuation, "B.P. 412" -> "BP 412".

    >>> _french_punctuation_free("12, rue de l'Église")
    "12 rue de l'Église"
    >>> _french_punctuation_free("B.P.412"), _french_punctuation_free("lieu dit La Combe")
    ('BP 412', 'LIEU-DIT La Combe')
    """
    m = _FR_BELOW_STREET.match(text)
    if m:
        head = re.sub(r"[\s.]", "", m.group(0)).upper()
        head = {"LIEUDIT": "LIEU-DIT", "LIEU-DIT": "LIEU-DIT", "LD": "LIEU-DIT",
                "BOITEPOSTALE": "BP", "BOÎTEPOSTALE": "BP"}.get(head, head)
        text = f"{head} {text[m.end():]}"
    return " ".join(_FR_PUNCT.sub(" ", text).split())


def _french_lines(name: _Line, street: _Line, extra: _Line) -> list[_Line]:
    """Name, complement (above the street), street (line 4), lieu-dit or BP/CS/TSA (line 5).

    A case file that puts the lieu-dit or the P.O. box in address_line1 and the street in
    address_line2 is put back in that order.
    """
    if _FR_BELOW_STREET.match(street.text) and extra.text and not _FR_BELOW_STREET.match(
            extra.text):
        street, extra = _Line(extra.text, extra.field), _Line(street.text, street.field)
    below = bool(extra.text) and _FR_BELOW_STREET.match(extra.text) is not None
    street = _Line(_french_punctuation_free(street.text), street.field)
    if below:
        extra = _Line(_french_punctuation_free(extra.text), extra.field)
        return [name, street, extra]
    return [name, extra, street]


def _foreign_last_lines(dest: str, code: str, town: str, region: str) -> list[_Line]:
    """The destination's own last line(s), town in capitals (UPU for foreign items)."""
    town_up = town.upper()
    if dest == "GB":
        return [_Line(town_up, "city"), _Line(code, "postal_code")]
    if dest in ("US", "CA", "AU"):
        return [_Line(" ".join(p for p in (town_up, region.upper(), code) if p), "city")]
    if dest == "CN":  # Latin-script address to China: "CHAOYANG, BEIJING 100022"
        where = f"{town_up}, {region.upper()}" if region else town_up
        return [_Line(f"{where} {code}", "city")]
    return [_Line(f"{code} {town_up}", "city")]


def _fit(lines: list[_Line], max_lines: int = MAX_LINES) -> list[_Line]:
    """Wrap what may be wrapped, then enforce the window's width and line count."""
    out: list[_Line] = []
    wrapped_fields: list[str] = []
    for line in lines:
        if _width(line.text) <= MAX_WIDTH:
            out.append(line)
            continue
        pieces = _wrap(line.text, words=line.field == "debtor_name") if line.wrappable else None
        if pieces is None:
            raise _too_long(line)
        wrapped_fields.append(line.field)
        out.extend(_Line(p, line.field) for p in pieces)
    if len(out) > max_lines:
        optional = [x.field for x in out if x.field in ("address_line2", "region")]
        culprit = (wrapped_fields or optional or [out[-1].field])[-1]
        raise CaseError(
            f"the address needs {len(out)} lines; the window allows {max_lines} "
            f"(shorten {culprit})",
            field=culprit,
        )
    return out


# --- return address ----------------------------------------------------------------------

#: The label of the return address printed small at the top of the window, per language: where
#: the operator sends an undeliverable item back (La Poste "Retour", Poșta Română's "Expeditor"
#: box of an envelope, China Post "退回地址").
RETURN_LABELS = {"fr": "Retour\u00a0: ", "ro": "Expeditor: ", "zh": "退回地址："}


def return_line(lines: Sequence[str], language: str) -> str:
    """The return address as one line, label first (the window has room for one line).

    >>> return_line(["Banque Exemple SA", "12 rue de la Paix", "75002 PARIS"], "fr")
    'Retour\xa0: Banque Exemple SA, 12 rue de la Paix, 75002 PARIS'
    >>> return_line(["示例银行信用卡中心", "北京市朝阳区建国路88号", "100022"], "zh")
    '退回地址：示例银行信用卡中心 北京市朝阳区建国路88号 100022'
    """
    parts = [_clean(x) for x in lines if _clean(x)]
    return RETURN_LABELS[language] + (" " if language == "zh" else ", ").join(parts)
