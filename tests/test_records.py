"""Records of a batch: manifest.csv/json, rejects.csv, batch.json (and the slips' items)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from notice_factory.model import Kind, Locale
from notice_factory.records import (
    MANIFEST_COLUMNS,
    ManifestRow,
    RejectRow,
    sha256_file,
    write_batch_json,
    write_manifest,
    write_rejects,
)
from notice_factory.render.slips import slip_items

CONTRACT = [
    "case_id", "kind", "locale", "tracking_number", "operator", "recipient_name", "postal_code",
    "city", "country", "print_file", "first_page", "last_page", "pages", "sheets", "weight_g",
    "acknowledgement", "letter_file", "sha256", "template_id", "template_version",
]

DAY = dt.date(2026, 11, 23)


def row(case_id: str = "FR-0001", **changes: object) -> ManifestRow:
    values: dict[str, object] = dict(
        case_id=case_id, kind=Kind.FORMAL_NOTICE, locale=Locale.FR_FR,
        tracking_number="RR100000005FR", operator="La Poste", recipient_name="Zoé Lefèvre, \"Z\"",
        postal_code="75011", city="PARIS", country="FR",
        print_file="print/la-poste_DL_20g_001.pdf", first_page=1, last_page=3, pages=3, sheets=2,
        weight_g=15, acknowledgement=True, letter_file=f"letters/{case_id}-formal_notice.pdf",
        sha256="0" * 64, template_id="fr.formal_notice", template_version="1.0.0",
        weight_class="20g", envelope="DL", letter_date=DAY, deadline=dt.date(2026, 12, 8),
        total_due=Decimal("1234.50"), currency="EUR",
    )
    values.update(changes)
    return ManifestRow(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- manifest


def test_contract_columns_first_and_in_order() -> None:
    assert list(MANIFEST_COLUMNS[:20]) == CONTRACT


def test_manifest_csv_and_json(tmp_path: Path) -> None:
    rows = [row("FR-0001"),
            row("FR-0002", tracking_number="", acknowledgement=False, total_due=None,
                deadline=None)]
    csv_path, json_path = write_manifest(rows, tmp_path)
    assert (csv_path.name, json_path.name) == ("manifest.csv", "manifest.json")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][:20] == CONTRACT
    assert table[0] == list(MANIFEST_COLUMNS)
    first = dict(zip(table[0], table[1], strict=True))
    second = dict(zip(table[0], table[2], strict=True))
    assert first["kind"] == "formal_notice" and first["locale"] == "fr_FR"
    assert first["acknowledgement"] == "true" and second["acknowledgement"] == "false"
    assert first["recipient_name"] == 'Zoé Lefèvre, "Z"'
    assert first["total_due"] == "1234.50" and second["total_due"] == ""
    assert first["letter_date"] == "2026-11-23"
    assert second["tracking_number"] == ""

    objects = json.loads(json_path.read_text(encoding="utf-8"))
    assert [list(o) for o in objects] == [list(MANIFEST_COLUMNS)] * 2
    assert objects[0]["acknowledgement"] is True and objects[1]["acknowledgement"] is False
    assert objects[0]["first_page"] == 1 and objects[0]["weight_g"] == 15
    assert objects[0]["total_due"] == "1234.50"  # exact decimal, never a float
    assert objects[1]["total_due"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv", "manifest.json"]


def test_empty_manifest_has_header(tmp_path: Path) -> None:
    csv_path, json_path = write_manifest([], tmp_path)
    assert csv_path.read_text(encoding="utf-8").splitlines() == [",".join(MANIFEST_COLUMNS)]
    assert json.loads(json_path.read_text(encoding="utf-8")) == []


def test_rejects_csv(tmp_path: Path) -> None:
    path = write_rejects([RejectRow(4, "FR-0004", "postal_code",
                                    "the French postal code must have 5 digits, not '7501'"),
                          RejectRow(None, "", "", "the case file is empty")], tmp_path)
    with path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert path.name == "rejects.csv"
    assert table == [["row", "case_id", "field", "reason"],
                     ["4", "FR-0004", "postal_code",
                      "the French postal code must have 5 digits, not '7501'"],
                     ["", "", "", "the case file is empty"]]


def test_rejects_csv_written_even_when_empty(tmp_path: Path) -> None:
    path = write_rejects([], tmp_path)
    assert path.read_bytes() == b"row,case_id,field,reason\r\n"


def test_batch_json(tmp_path: Path) -> None:
    path = write_batch_json({"date": DAY, "counts": {"letters": 2, "rejected": 1},
                             "total": Decimal("10.00"), "locales": (Locale.ZH_CN,),
                             "sender": "fixtures/sender-demo.toml"}, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "date": "2026-11-23", "counts": {"letters": 2, "rejected": 1}, "total": "10.00",
        "locales": ["zh_CN"], "sender": "fixtures/sender-demo.toml"}


def test_batch_json_refuses_values_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_batch_json({"x": object()}, tmp_path)
    assert not (tmp_path / "batch.json").exists()


def test_sha256_file(tmp_path: Path) -> None:
    p = tmp_path / "letter.pdf"
    p.write_bytes(b"")
    assert sha256_file(p) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_slip_items_registered_only_in_print_order() -> None:
    rows = [row("B", first_page=5, tracking_number="RR2"), row("A", first_page=1),
            row("C", tracking_number=""), row("D", print_file="print/other.pdf")]
    items = slip_items(rows, "print/la-poste_DL_20g_001.pdf")
    assert [i.number for i in items] == ["RR100000005FR", "RR2"]
