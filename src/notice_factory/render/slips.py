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
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import weasyprint
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from notice_factory.batching import WEIGHT_TIERS
from notice_factory.formatting import country_name, format_date, format_integer
from notice_factory.fsutil import atomic_write_bytes
from notice_factory.model import Locale
from notice_factory.records import ManifestRow
from notice_factory.render.html import ConfinedFetcher, make_environment
from notice_factory.settings import Entity, templates_root


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


def slip_items(rows: Iterable[ManifestRow], print_file: str) -> list[SlipItem]:
    """The registered items of one print file, in print order."""
    chosen = sorted((r for r in rows if r.print_file == print_file and r.tracking_number),
                    key=lambda r: r.first_page)
    return [SlipItem(r.tracking_number, r.recipient_name, r.postal_code, r.city, r.country,
                     r.acknowledgement, r.weight_class) for r in chosen]


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


def slip_context(
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str,
    folder: Path | None = None,
) -> dict[str, Any]:
    """The variables of ``slip.html``: everything already worded and formatted."""
    locale = entity.locale
    s = slip_strings(locale.language, folder)
    order = {label: i for i, (_, label) in enumerate(WEIGHT_TIERS)}
    tiers = Counter(i.weight_class for i in items)
    return {
        "language": locale.language,
        "s": s,
        "sender": {
            "name": entity.creditor.name,
            "address": list(entity.creditor.address),
            "registration": entity.creditor.registration,
        },
        "operator": entity.postal.operator,
        "deposit_office": entity.postal.deposit_office,
        "customer_id": entity.postal.customer_id,
        "date": format_date(deposit_date, locale, "long"),
        "date_iso": deposit_date.isoformat(),
        "print_file": Path(print_file).name,
        "items": [
            {
                "line": format_integer(n, locale),
                "number": item.number,
                "recipient": item.recipient_name,
                "place": f"{item.postal_code} {item.city}",
                "country": _country(item.country, locale),
                "ar": s["ar_yes"] if item.acknowledgement else s["ar_no"],
                "weight": _weight_label(item.weight_class),
            }
            for n, item in enumerate(items, start=1)
        ],
        "totals": {
            "count": format_integer(len(items), locale),
            "with_ar": format_integer(sum(1 for i in items if i.acknowledgement), locale),
            "by_weight": [
                {"label": _weight_label(tier), "count": format_integer(tiers[tier], locale)}
                for tier in sorted(tiers, key=lambda t: (order.get(t, len(order)), t))
            ],
        },
    }


def deposit_slip_html(
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str,
    folder: Path | None = None,
) -> str:
    """The slip as HTML (sandboxed Jinja, autoescaped: recipient names are untrusted), from
    ``slip.html`` of ``folder`` (the slips folder; default :func:`slips_dir`)."""
    if not items:
        raise ValueError(f"{print_file}: a deposit slip lists at least one registered item")
    folder = folder or slips_dir()
    env = make_environment(folder)
    context = slip_context(entity, items, deposit_date=deposit_date, print_file=print_file,
                           folder=folder)
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
) -> Path:
    """Render and write ``<out_dir>/<print file name>`` atomically; return its path.

    ``out_dir`` is the batch's ``deposit-slips/`` folder; the slip has the name of
    the print file it lists (``la-poste_DL_20g_001.pdf``). ``templates``: the templates
    tree (``batch --templates``) whose ``_slips`` folder is used.
    """
    folder = slips_dir(templates)
    html = deposit_slip_html(entity, items, deposit_date=deposit_date, print_file=print_file,
                             folder=folder)
    path = out_dir / Path(print_file).name
    atomic_write_bytes(path, render_slip_pdf(html, folder))
    return path
