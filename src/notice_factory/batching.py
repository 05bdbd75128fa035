"""Sheets, weights, envelopes and print-file groups: pure arithmetic on page counts.

A print-and-mail house wants letters grouped by operator and envelope/weight
class (one inserter set-up and one tariff per file), presorted by postal code,
and split at a size its spool accepts (registered-post.md sections 4 and 5).

>>> s = sheets(3, duplex=True)
>>> s, weight_g(s), envelope_for(s), weight_class(weight_g(s))
(2, 15, 'DL', '20g')
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHEET_G = 5  # an A4 sheet at 80 g/m2
DL_ENVELOPE_G = 5
C4_ENVELOPE_G = 15  # a flat C4 envelope, needed beyond what a DL window envelope holds
DL_MAX_SHEETS = 6  # a folded A4 stack thicker than this no longer fits a DL envelope

# La Poste recommandé tiers, upper bounds in grams (inclusive).
WEIGHT_TIERS: tuple[tuple[int, str], ...] = (
    (20, "20g"),
    (50, "50g"),
    (100, "100g"),
    (250, "250g"),
    (500, "500g"),
    (1000, "1kg"),
    (2000, "2kg"),
)
_TIER_ORDER = {label: i for i, (_, label) in enumerate(WEIGHT_TIERS)}

# Operators whose names have no Latin letters get a fixed ASCII name, so that
# print-file names stay stable and readable on any spool.
OPERATOR_SLUGS: dict[str, str] = {
    "中国邮政": "china-post",
    "中国邮政集团": "china-post",
    "中国邮政集团有限公司": "china-post",
}


def sheets(pages: int, duplex: bool = True) -> int:
    """Sheets of paper for a letter of ``pages`` pages.

    >>> sheets(1, True), sheets(2, True), sheets(3, True), sheets(3, False)
    (1, 1, 2, 3)
    """
    if pages < 1:
        raise ValueError(f"a letter has at least one page, not {pages}")
    return math.ceil(pages / 2) if duplex else pages


def envelope_for(sheet_count: int) -> str:
    """``"DL"`` (folded in three, window) up to 6 sheets, else a flat ``"C4"``.

    >>> envelope_for(6), envelope_for(7)
    ('DL', 'C4')
    """
    if sheet_count < 1:
        raise ValueError(f"an envelope holds at least one sheet, not {sheet_count}")
    return "DL" if sheet_count <= DL_MAX_SHEETS else "C4"


def weight_g(sheet_count: int) -> int:
    """Weight of the item in grams: the sheets plus the envelope they need.

    >>> weight_g(1), weight_g(3), weight_g(6), weight_g(7)
    (10, 20, 35, 50)
    """
    envelope = DL_ENVELOPE_G if envelope_for(sheet_count) == "DL" else C4_ENVELOPE_G
    return sheet_count * SHEET_G + envelope


def weight_class(grams: int) -> str:
    """The La Poste tier an item of ``grams`` grams is charged at.

    >>> [weight_class(g) for g in (10, 20, 21, 100, 1000, 1001)]
    ['20g', '20g', '50g', '100g', '1kg', '2kg']
    >>> weight_class(2001)
    Traceback (most recent call last):
    ...
    ValueError: 2001 g is over the 2 kg limit of a registered letter
    """
    if grams < 1:
        raise ValueError(f"an item weighs something, not {grams} g")
    for limit, label in WEIGHT_TIERS:
        if grams <= limit:
            return label
    raise ValueError(f"{grams} g is over the 2 kg limit of a registered letter")


def operator_slug(operator: str) -> str:
    """A stable ASCII name for an operator, for file names.

    >>> operator_slug("La Poste"), operator_slug("Poșta Română"), operator_slug("中国邮政")
    ('la-poste', 'posta-romana', 'china-post')
    >>> operator_slug("郵便")  # no table entry, no Latin letters: a stable digest
    'operator-52a82ec7'
    """
    known = OPERATOR_SLUGS.get(operator.strip())
    if known:
        return known
    # NFKD splits "ș" into "s" + comma below, so dropping the marks keeps the letter.
    ascii_text = unicodedata.normalize("NFKD", operator).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if slug:
        return slug
    return "operator-" + hashlib.sha256(operator.strip().encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class PrintItem:
    """One letter as the print house sees it.

    Build it with :meth:`of` so that sheets, weight and envelope agree with the
    page count. ``country`` is the recipient's (ISO alpha-2).
    """

    letter_key: str
    case_id: str
    kind: str
    operator: str
    postal_code: str
    country: str
    pages: int
    sheets: int
    weight_g: int
    weight_class: str
    envelope: str
    title: str = ""  # the print file's bookmark for this letter
    tracking_number: str = ""
    #: Sent abroad (recipient's country is not the operator's): in print files and on deposit
    #: slips of their own, because the counter takes and prices them apart.
    international: bool = False
    #: Who posts it, when not the creditor (a law firm's key): on print files and slips of
    #: its own, since the firm deposits them under its name.
    sender: str = ""

    @classmethod
    def of(
        cls,
        *,
        letter_key: str,
        case_id: str,
        kind: str,
        operator: str,
        postal_code: str,
        country: str,
        pages: int,
        duplex: bool = True,
        title: str = "",
        tracking_number: str = "",
        international: bool = False,
        sender: str = "",
    ) -> PrintItem:
        """An item whose derived fields come from ``pages``.

        >>> PrintItem.of(letter_key="C1-reminder", case_id="C1", kind="reminder",
        ...              operator="La Poste", postal_code="75011", country="FR", pages=3)
        ... # doctest: +ELLIPSIS
        PrintItem(..., pages=3, sheets=2, weight_g=15, weight_class='20g', envelope='DL', ...)
        """
        n = sheets(pages, duplex)
        grams = weight_g(n)
        return cls(
            letter_key=letter_key,
            case_id=case_id,
            kind=str(getattr(kind, "value", kind)),
            operator=operator,
            postal_code=postal_code,
            country=country,
            pages=pages,
            sheets=n,
            weight_g=grams,
            weight_class=weight_class(grams),
            envelope=envelope_for(n),
            title=title,
            tracking_number=tracking_number,
            international=international,
            sender=sender,
        )


@dataclass(frozen=True)
class PrintGroup:
    """The letters of one print file, in print order."""

    operator: str
    envelope: str
    weight_class: str
    index: int  # 1-based among the files of the same (operator, envelope, weight class)
    items: tuple[PrintItem, ...]
    slug: str
    international: bool = False
    sender: str = ""

    @property
    def file_name(self) -> str:
        """E.g. ``la-poste_DL_20g_001.pdf``; items abroad ``la-poste-intl_DL_20g_001.pdf``; a
        law firm's ``la-poste-lefevre-associes-avocats_DL_20g_001.pdf``."""
        slug = f"{self.slug}-{self.sender}" if self.sender else self.slug
        slug = f"{slug}-intl" if self.international else slug
        return f"{slug}_{self.envelope}_{self.weight_class}_{self.index:03d}.pdf"


def _slugs(operators: Iterable[str]) -> dict[str, str]:
    """One slug per operator; two operators whose slugs collide get a digest suffix."""
    by_slug: dict[str, set[str]] = {}
    for op in operators:
        by_slug.setdefault(operator_slug(op), set()).add(op)
    out: dict[str, str] = {}
    for slug, ops in by_slug.items():
        for op in ops:
            out[op] = slug if len(ops) == 1 else (
                f"{slug}-{hashlib.sha256(op.encode('utf-8')).hexdigest()[:6]}"
            )
    return out


def group_print_files(items: Sequence[PrintItem], *, letters_per_file: int) -> list[PrintGroup]:
    """Group by (operator, domestic or abroad, envelope, weight class), presort by postal
    code, split.

    Groups come out in a stable order (operator name, envelope, lightest tier
    first), so the same batch always gives the same file names.

    >>> mk = lambda key, cp, pages: PrintItem.of(letter_key=key, case_id=key, kind="reminder",
    ...     operator="La Poste", postal_code=cp, country="FR", pages=pages)
    >>> groups = group_print_files([mk("a", "75011", 1), mk("b", "13001", 1),
    ...                             mk("c", "69001", 1), mk("d", "33000", 9)],
    ...                            letters_per_file=2)
    >>> [(g.file_name, [i.letter_key for i in g.items]) for g in groups]
    [('la-poste_DL_20g_001.pdf', ['b', 'c']), ('la-poste_DL_20g_002.pdf', ['a']), \
('la-poste_DL_50g_001.pdf', ['d'])]
    """
    if letters_per_file < 1:
        raise ValueError(f"letters_per_file must be at least 1, not {letters_per_file}")
    slugs = _slugs(i.operator for i in items)
    buckets: dict[tuple[str, str, bool, str, str], list[PrintItem]] = {}
    for item in items:
        key = (item.operator, item.sender, item.international, item.envelope, item.weight_class)
        buckets.setdefault(key, []).append(item)

    def bucket_order(key: tuple[str, str, bool, str, str]) -> tuple[str, str, bool, str, int, str]:
        op, sender, abroad, envelope, tier = key
        return (slugs[op], sender, abroad, envelope, _TIER_ORDER.get(tier, len(_TIER_ORDER)),
                tier)

    groups: list[PrintGroup] = []
    for key in sorted(buckets, key=bucket_order):
        op, sender, abroad, envelope, tier = key
        ordered = sorted(buckets[key], key=lambda i: (i.country, i.postal_code, i.letter_key))
        for n, start in enumerate(range(0, len(ordered), letters_per_file), start=1):
            groups.append(PrintGroup(
                operator=op,
                envelope=envelope,
                weight_class=tier,
                index=n,
                items=tuple(ordered[start:start + letters_per_file]),
                slug=slugs[op],
                international=abroad,
                sender=sender,
            ))
    return groups
