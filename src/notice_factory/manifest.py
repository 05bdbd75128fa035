"""What a batch writes about itself: manifest, rejects, batch.json and deposit slips.

The manifest's first twenty columns are a promise to calling applications
(interface.md section 4): they come first, in this order, in the CSV header and
in every JSON object alike. Booleans are written ``true``/``false`` in both.

The deposit slip (bordereau de dépôt / 交寄清单 / borderou de depunere) is the
list the post office stamps: the sender's proof of deposit for every registered
item of one print file (registered-post.md section 2). Its wording lives in
``templates/_slips/strings.toml`` so that the legal team can change it.

>>> MANIFEST_COLUMNS[:4]
('case_id', 'kind', 'locale', 'tracking_number')
>>> REJECT_COLUMNS
('row', 'case_id', 'field', 'reason')
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlsplit

import weasyprint
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from notice_factory.batching import WEIGHT_TIERS
from notice_factory.formatting import country_name, format_date, format_integer
from notice_factory.fsutil import atomic_open, atomic_write_bytes, atomic_write_text
from notice_factory.model import Locale
from notice_factory.render.html import ConfinedFetcher, make_environment
from notice_factory.settings import Entity, templates_root

MANIFEST_FILE = "manifest.csv"
MANIFEST_JSON = "manifest.json"
REJECTS_FILE = "rejects.csv"
BATCH_FILE = "batch.json"


@dataclass(frozen=True)
class ManifestRow:
    """One letter of the batch. The first twenty fields are the contract; keep their order."""

    case_id: str
    kind: str
    locale: str
    tracking_number: str  # "" when the letter is not registered
    operator: str
    recipient_name: str
    postal_code: str
    city: str
    country: str
    print_file: str  # relative to the batch folder, e.g. "print/la-poste_DL_20g_001.pdf"
    first_page: int  # 1-based pages of print_file
    last_page: int
    pages: int
    sheets: int
    weight_g: int
    acknowledgement: bool
    letter_file: str  # relative to the batch folder, e.g. "letters/C1-reminder.pdf"
    sha256: str  # of letter_file
    template_id: str
    template_version: str
    # Added columns: free to grow, always after the contract's.
    weight_class: str = ""
    envelope: str = ""
    registered: bool = True
    letter_date: dt.date | None = None
    deadline: dt.date | None = None
    total_due: Decimal | None = None
    currency: str = ""


MANIFEST_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ManifestRow))
CONTRACT_COLUMNS: tuple[str, ...] = MANIFEST_COLUMNS[:20]


@dataclass(frozen=True)
class RejectRow:
    """A case that produced no letter, and why, in words a back-office clerk understands."""

    row: int | None  # 1-based row in the case file; None when the case file itself was the problem
    case_id: str
    field: str
    reason: str


REJECT_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RejectRow))


def _json_value(value: Any) -> Any:
    """Exact and portable: Decimals as strings (never floats), dates in ISO form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return _json_value(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(_json_value(k)): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_json_value(v) for v in items]
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")


def _csv_cell(value: Any) -> str:
    """A CSV cell: ``true``/``false`` like the JSON, empty for a missing value.

    >>> [_csv_cell(v) for v in (True, None, Decimal("1.50"), dt.date(2026, 1, 5), 3)]
    ['true', '', '1.50', '2026-01-05', '3']
    """
    plain = _json_value(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return str(plain)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        writer = csv.writer(cast(IO[str], fh))
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])


def write_manifest(rows: Sequence[ManifestRow], out_dir: Path) -> tuple[Path, Path]:
    """Write ``manifest.csv`` and ``manifest.json`` (same columns, same order); return both."""
    csv_path, json_path = out_dir / MANIFEST_FILE, out_dir / MANIFEST_JSON
    values = [[getattr(r, c) for c in MANIFEST_COLUMNS] for r in rows]
    _write_csv(csv_path, MANIFEST_COLUMNS, values)
    # Python dicts keep insertion order, so every JSON object lists the columns in order.
    objects = [{c: _json_value(v) for c, v in zip(MANIFEST_COLUMNS, row, strict=True)}
               for row in values]
    atomic_write_text(json_path, json.dumps(objects, ensure_ascii=False, indent=2) + "\n")
    return csv_path, json_path


def write_rejects(rejects: Sequence[RejectRow], out_dir: Path) -> Path:
    """Write ``rejects.csv``: always, with only the header when nothing was rejected."""
    path = out_dir / REJECTS_FILE
    _write_csv(path, REJECT_COLUMNS, ([getattr(r, c) for c in REJECT_COLUMNS] for r in rejects))
    return path


def write_batch_json(summary: Mapping[str, Any], out_dir: Path) -> Path:
    """Write ``batch.json`` (counts, dates, sender, template versions, timings)."""
    path = out_dir / BATCH_FILE
    text = json.dumps(_json_value(summary), ensure_ascii=False, indent=2)
    atomic_write_text(path, text + "\n")
    return path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (letters can be large).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- deposit slips


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


def slips_dir() -> Path:
    """The deposit-slip templates: ``templates/_slips``."""
    return templates_root() / "_slips"


@lru_cache(maxsize=4)
def slip_strings(language: str) -> Mapping[str, str]:
    """The slip's wording in ``language`` (fr, zh, ro), from ``strings.toml``.

    >>> slip_strings("zh")["title"]
    '挂号信交寄清单'
    """
    path = slips_dir() / "strings.toml"
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
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str
) -> dict[str, Any]:
    """The variables of ``slip.html``: everything already worded and formatted."""
    locale = entity.locale
    s = slip_strings(locale.language)
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
    entity: Entity, items: Sequence[SlipItem], *, deposit_date: dt.date, print_file: str
) -> str:
    """The slip as HTML (sandboxed Jinja, autoescaped: recipient names are untrusted)."""
    if not items:
        raise ValueError(f"{print_file}: a deposit slip lists at least one registered item")
    env = make_environment(slips_dir())
    context = slip_context(entity, items, deposit_date=deposit_date, print_file=print_file)
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
    """HTML to PDF bytes; relative links resolve against ``base_url`` (the slips folder).

    Kept small on purpose: the shared HTML engine will take this over.
    """
    fetcher = _SlipFetcher([slips_dir()])
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
) -> Path:
    """Render and write ``<out_dir>/<print file name>`` atomically; return its path.

    ``out_dir`` is the batch's ``deposit-slips/`` folder; the slip has the name of
    the print file it lists (``la-poste_DL_20g_001.pdf``).
    """
    html = deposit_slip_html(entity, items, deposit_date=deposit_date, print_file=print_file)
    path = out_dir / Path(print_file).name
    atomic_write_bytes(path, render_slip_pdf(html, slips_dir()))
    return path
