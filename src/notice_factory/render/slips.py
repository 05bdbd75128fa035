"""Deposit slips: the list of a print file's registered items that the post office stamps.

The deposit slip (bordereau de dépôt / 交寄清单 / borderou de depunere) is the sender's
proof of deposit for every registered item of one print file (registered-post.md section 2).
Its wording and layout live in the templates tree, ``_slips/`` (``strings.toml``,
``slip.html``, CSS), so that the legal team can change them; ``batch --templates`` chooses
the tree. Rendered by WeasyPrint like the HTML letters, in a Jinja sandbox, loading only
files of the slips folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import weasyprint
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from notice_factory.batching import WEIGHT_TIERS
from notice_factory.formatting import (
    country_name,
    format_date,
    format_integer,
    format_money,
    format_money_table,
)
from notice_factory.fsutil import atomic_write_bytes
from notice_factory.model import Locale
from notice_factory.records import ManifestRow
from notice_factory.render.html import ConfinedFetcher, make_environment
from notice_factory.settings import Entity, PostalAccount, Sender, sender_of, templates_root


@dataclass(frozen=True)
class SlipItem:
    """One registered item on a deposit slip."""

    number: str
    recipient_name: str
    postal_code: str
    city: str
    country: str  # ISO alpha-2
    acknowledgement: bool
    weight_class: str  # a batching.WEIGHT_TIERS label, e.g. "20g"
    #: The recipient's address block exactly as printed in the window (name line first).
    address: tuple[str, ...] = ()
    service: str = ""  # "R1"/"R2"/"R3" (France), "domestic", "international"
    weight_g: int = 0
    price: Decimal | None = None  # from the sender's tariffs; None: no tariff for it
    #: Sent with declared content (Romanian somație): the documents the envelope holds.
    declared: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlipDetail:
    """What a slip line says beyond the manifest row: the address as printed and, for an
    item sent with declared content, the documents it holds."""

    address: tuple[str, ...]
    declared: tuple[str, ...] = ()
    #: The case's guarantee level (R1/R2/R3), when it overrides the profile's.
    guarantee: str | None = None


def slip_items(rows: Iterable[ManifestRow], print_file: str,
               postal: PostalAccount | None = None,
               details: Mapping[str, SlipDetail] | None = None) -> list[SlipItem]:
    """The registered items of one print file, in print order, priced from ``postal``'s
    tariffs; ``details`` by letter key (the name of the letter file without ``.pdf``)."""
    chosen = sorted((r for r in rows if r.print_file == print_file and r.tracking_number),
                    key=lambda r: r.first_page)
    out = []
    for r in chosen:
        detail = (details or {}).get(Path(r.letter_file).stem)
        service = postal.service_of(r.country, detail.guarantee if detail else None
                                    ) if postal else ""
        out.append(SlipItem(
            r.tracking_number, r.recipient_name, r.postal_code, r.city, r.country,
            r.acknowledgement, r.weight_class,
            address=detail.address if detail else (),
            service=service, weight_g=r.weight_g,
            price=postal.price(service, r.weight_g, r.acknowledgement) if postal else None,
            declared=detail.declared if detail else ()))
    return out


def slips_dir(templates: Path | None = None) -> Path:
    """The deposit-slip templates: ``_slips`` of the templates tree ``templates``.

    ``None`` is the default tree (:func:`~notice_factory.settings.templates_root`); a tree
    without a ``_slips`` folder (one made only of letters) gets the default tree's slips.
    """
    folder = (templates or templates_root()) / "_slips"
    if templates is not None and not folder.is_dir():
        return templates_root() / "_slips"
    return folder


def slip_strings(language: str, folder: Path | None = None) -> Mapping[str, str]:
    """The slip's wording in ``language`` (fr, zh, ro), from ``strings.toml`` of ``folder``
    (the slips folder; default :func:`slips_dir`).

    >>> slip_strings("zh")["title"]
    '挂号信交寄清单'
    """
    return _strings(language, (folder or slips_dir()).resolve())


@lru_cache(maxsize=8)
def _strings(language: str, folder: Path) -> Mapping[str, str]:
    path = folder / "strings.toml"
    with path.open("rb") as fh:
        table = tomllib.load(fh).get(language)
    if not isinstance(table, dict):
        raise KeyError(f"{path}: no [{language}] table of deposit-slip wording")
    return {str(k): str(v) for k, v in table.items()}


def _weight_label(tier: str) -> str:
    """``"20g"`` -> ``"20 g"``, ``"1kg"`` -> ``"1 kg"`` (units are written apart).

    >>> _weight_label("250g"), _weight_label("2kg")
    ('250 g', '2 kg')
    """
    number = tier.rstrip("kg")
    return f"{number} {tier[len(number):]}" if number and number != tier else tier


def _country(code: str, locale: Locale) -> str:
    try:
        return country_name(code, locale)
    except ValueError:
        return code


def declared_documents(kind: str, pages: int, language: str,
                       folder: Path | None = None) -> tuple[str, ...]:
    """The declared-content list of one item: the letter itself, with its page count
    (``doc_<kind>`` in ``strings.toml``).

    >>> declared_documents("formal_notice", 3, "ro")
    ('Notificare – somație de plată (3 pagini)',)
    """
    wording = slip_strings(language, folder).get(f"doc_{kind}")
    if wording is None:
        raise KeyError(f"strings.toml [{language}] has no doc_{kind}: the declared-content "
                       "list cannot name the document")
    return (wording.format(pages=pages),)


#: Lines of a slip page: each page carries its own subtotal, so the post office checks and
#: stamps every sheet on its own. A line holds at most a 7-line address (about 18 mm).
LINES_PER_PAGE = 10


def slip_context(
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str,
    folder: Path | None = None, sender: Sender | None = None,
) -> dict[str, Any]:
    """The variables of ``slip.html``: everything already worded and formatted.

    ``sender``: who posts the items (default the creditor; a law firm for its lawyer letters).
    """
    locale = entity.locale
    s = slip_strings(locale.language, folder)
    currency = entity.postal.currency
    lines = [_slip_line(n, item, s, locale, currency) for n, item in enumerate(items, start=1)]
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    chunks = [items[i:i + LINES_PER_PAGE] for i in range(0, len(items), LINES_PER_PAGE)]
    who = sender or sender_of("", entity)
    return {
        "language": locale.language,
        "s": s,
        "sender": {"name": who.name, "address": list(who.address),
                   "registration": who.registration},
        "operator": entity.postal.operator,
        "deposit_office": entity.postal.deposit_office,
        "customer_id": who.postal_account or entity.postal.customer_id,
        "date": format_date(deposit_date, locale, "long"),
        "date_iso": deposit_date.isoformat(),
        "print_file": Path(print_file).name,
        "international": all(i.service == "international" for i in items),
        "currency": currency,
        "pages": [{"lines": page, "subtotal": _totals(chunk, locale, currency)}
                  for page, chunk in zip(pages, chunks, strict=True)],
        "totals": _totals(items, locale, currency),
        "declared": [line for line in lines if line["declared"]],
    }


def _slip_line(n: int, item: SlipItem, s: Mapping[str, str], locale: Locale,
               currency: str) -> dict[str, Any]:
    # The address as printed (it ends with the country when abroad), else what the row has.
    address = list(item.address) or [item.recipient_name, f"{item.postal_code} {item.city}",
                                      _country(item.country, locale)]
    return {
        "line": format_integer(n, locale),
        "number": item.number,
        "address": address,
        "country": _country(item.country, locale),
        "service": _service_label(item.service, s),
        "ar": s["ar_yes"] if item.acknowledgement else s["ar_no"],
        "weight": format_integer(item.weight_g, locale),
        "price": format_money_table(item.price, currency, locale)
        if item.price is not None and currency else "—",
        "declared": list(item.declared),
    }


def _service_label(service: str, s: Mapping[str, str]) -> str:
    return {"international": s["service_international"],
            "domestic": s["service_domestic"]}.get(service, service)


def _totals(items: Sequence[SlipItem], locale: Locale, currency: str) -> dict[str, Any]:
    order = {label: i for i, (_, label) in enumerate(WEIGHT_TIERS)}
    tiers = Counter(i.weight_class for i in items)
    priced = [i.price for i in items if i.price is not None]
    return {
        "count": format_integer(len(items), locale),
        "with_ar": format_integer(sum(1 for i in items if i.acknowledgement), locale),
        "declared": format_integer(sum(1 for i in items if i.declared), locale),
        "weight": format_integer(sum(i.weight_g for i in items), locale),
        "price": format_money(sum(priced, Decimal("0")), currency, locale) if currency else "—",
        "unpriced": format_integer(len(items) - len(priced), locale)
        if len(priced) < len(items) else "",
        "by_weight": [
            {"label": _weight_label(tier), "count": format_integer(tiers[tier], locale)}
            for tier in sorted(tiers, key=lambda t: (order.get(t, len(order)), t))
        ],
    }


def deposit_slip_html(
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str,
    folder: Path | None = None, sender: Sender | None = None,
) -> str:
    """The slip as HTML (sandboxed Jinja, autoescaped: recipient names are untrusted), from
    ``slip.html`` of ``folder`` (the slips folder; default :func:`slips_dir`)."""
    if not items:
        raise ValueError(f"{print_file}: a deposit slip lists at least one registered item")
    folder = folder or slips_dir()
    env = make_environment(folder)
    context = slip_context(entity, items, deposit_date=deposit_date, print_file=print_file,
                           folder=folder, sender=sender)
    return env.get_template("slip.html").render(**context)


class _SlipFetcher(ConfinedFetcher):
    """Only files under templates/_slips: not even data: URLs (a slip needs none)."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        if urlsplit(url).scheme != "file":
            raise PermissionError(f"{url}: a deposit slip may only load files of {self.roots[0]}")
        return super().fetch(url, headers)


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    # One per process: a fresh configuration per document leaks font data (engines.md).
    return FontConfiguration()


# Rules of WeasyPrint's user-agent style sheet that give EVERY element a style for a pseudo-element
# (list markers, footnote and note calls). WeasyPrint computes these six styles for each element
# eagerly, a sixth of a long slip's rendering time; a slip has no list, footnote or note.
_UNUSED_UA_PSEUDO = re.compile(
    r"(?m)^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)"
    r"\s*\{[^{}]*\}[ \t]*$")


@lru_cache(maxsize=1)
def _slip_ua_sheet() -> Any:
    """WeasyPrint's own user-agent style sheet minus ``_UNUSED_UA_PSEUDO``; None to keep it whole.

    None (the stock sheet is used, slips are only slower) when this WeasyPrint has no such file
    or its rules are no longer written one per line as matched above.
    """
    path = Path(weasyprint.__file__).parent / "css" / "html5_ua.css"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    trimmed, removed = _UNUSED_UA_PSEUDO.subn("", text)
    if removed == 0:
        return None
    # A throwaway CounterStyle: the sheet's @counter-style rules are already in WeasyPrint's own.
    return CSS(string=trimmed, counter_style=CounterStyle())


class _SlipHTML(HTML):  # type: ignore[misc]  # weasyprint ships no type hints
    """An HTML document rendered with ``_slip_ua_sheet`` (overrides a private hook of WeasyPrint).

    If a WeasyPrint release renames the hook, the stock sheet is used: same PDF, slower.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
        sheet = _slip_ua_sheet()
        if forms or sheet is None:
            return cast(list[Any], super()._ua_stylesheets(forms=forms))
        return [sheet]


def render_slip_pdf(html: str, base_url: Path) -> bytes:
    """HTML to PDF bytes; relative links resolve against ``base_url`` (the slips folder),
    and only files of that folder may be loaded."""
    fetcher = _SlipFetcher([base_url])
    pdf = _SlipHTML(string=html, base_url=base_url.resolve().as_uri() + "/",
                    url_fetcher=fetcher).write_pdf(
        font_config=_font_config(),
        # Same slip, same bytes: the identifier comes from the content, not the clock.
        pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode(),
    )
    assert isinstance(pdf, bytes)
    return pdf


def write_deposit_slip(
    entity: Entity,
    items: Sequence[SlipItem],
    *,
    deposit_date: dt.date,
    print_file: str,
    out_dir: Path,
    templates: Path | None = None,
    sender: Sender | None = None,
) -> Path:
    """Render and write ``<out_dir>/<print file name>`` atomically; return its path.

    ``out_dir`` is the batch's ``deposit-slips/`` folder; the slip has the name of
    the print file it lists (``la-poste_DL_20g_001.pdf``). ``templates``: the templates
    tree (``batch --templates``) whose ``_slips`` folder is used.
    """
    folder = slips_dir(templates)
    html = deposit_slip_html(entity, items, deposit_date=deposit_date, print_file=print_file,
                             folder=folder, sender=sender)
    path = out_dir / Path(print_file).name
    atomic_write_bytes(path, render_slip_pdf(html, folder))
    return path
