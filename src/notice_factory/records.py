"""What a batch writes about itself: manifest.csv/json, rejects.csv and batch.json.

The manifest's first twenty columns are a promise to calling applications
(interface.md section 4): they come first, in this order, in the CSV header and
in every JSON object alike. Booleans are written ``true``/``false`` in both. Every CSV cell is
safe to open in a spreadsheet (:func:`spreadsheet_safe`); the JSON keeps values as they are.
Deposit slips, which are rendered, are made by :mod:`notice_factory.render.slips`.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, cast

from notice_factory.fsutil import atomic_open, atomic_write_text

MANIFEST_FILE = "manifest.csv"
MANIFEST_JSON = "manifest.json"
REJECTS_FILE = "rejects.csv"
BATCH_FILE = "batch.json"


@dataclass(frozen=True)
class ManifestRow:
    """One letter of the batch, one row of manifest.csv/json (interface section 4). The first
    twenty fields are the contract; keep their order. Paths are relative to the batch folder.

    >>> row = ManifestRow("FR-1", "formal_notice", "fr_FR", "RR100000005FR", "La Poste",
    ...                   "Jean Dupont", "75011", "Paris", "FR", "print/la-poste_DL_20g_001.pdf",
    ...                   1, 2, 2, 1, 20, True, "letters/FR-1-formal_notice.pdf", "ab12",
    ...                   "fr.formal_notice", "1.0.0")
    >>> row.tracking_number, row.print_file
    ('RR100000005FR', 'print/la-poste_DL_20g_001.pdf')
    """

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
    sender: str = ""  # who posts the letter: the creditor, or the law firm for a lawyer letter


MANIFEST_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ManifestRow))
CONTRACT_COLUMNS: tuple[str, ...] = MANIFEST_COLUMNS[:20]


@dataclass(frozen=True)
class RejectRow:
    """A case that produced no letter, and why, in words a back-office clerk understands: one
    row of rejects.csv.

    >>> RejectRow(4, "FR-0001", "postal_code", "not a French postal code").format_message()
    'row 4 (case FR-0001), field postal_code: not a French postal code'
    """

    row: int | None  # 1-based row in the case file; None when the case file itself was the problem
    case_id: str
    field: str
    reason: str

    def format_message(self) -> str:
        """The rejection in one line, as the command line prints it."""
        where = ", ".join(
            ([f"row {self.row}" + (f" (case {self.case_id})" if self.case_id else "")]
             if self.row is not None else [f"case {self.case_id}"] if self.case_id else [])
            + ([f"field {self.field}"] if self.field else []))
        return f"{where}: {self.reason}" if where else self.reason


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
    if isinstance(value, bytes):  # e.g. a signature image: its digest stands for it
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(_json_value(k)): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_json_value(v) for v in items]
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")


def to_json_value(value: Any) -> Any:
    """A value as plain JSON data: Decimals as strings, dates in ISO form, dataclasses as
    objects (what manifest.json and batch.json hold).

    >>> to_json_value({"due": Decimal("1.50"), "on": dt.date(2026, 1, 5)})
    {'due': '1.50', 'on': '2026-01-05'}
    """
    return _json_value(value)


#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs: one that starts like a formula gets a
    leading apostrophe (the OWASP rule). Only the CSV files get it; the JSON keeps the value.

    >>> [spreadsheet_safe(t) for t in ("=1+1", "+33 1 23", "-x", "@SUM(A1)", "Dupont")]
    ["'=1+1", "'+33 1 23", "'-x", "'@SUM(A1)", 'Dupont']
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Any) -> str:
    """A CSV cell: ``true``/``false`` like the JSON, empty for a missing value, never a formula.

    >>> [_csv_cell(v) for v in (True, None, Decimal("1.50"), dt.date(2026, 1, 5), 3, "=1+1")]
    ['true', '', '1.50', '2026-01-05', '3', "'=1+1"]
    """
    plain = _json_value(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return spreadsheet_safe(str(plain))


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
