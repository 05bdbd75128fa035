"""Manifest, rejects, batch.json and deposit slips."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from notice_factory.manifest import (
    MANIFEST_COLUMNS,
    ManifestRow,
    RejectRow,
    SlipItem,
    deposit_slip_html,
    render_slip_pdf,
    sha256_file,
    slip_items,
    slip_strings,
    slips_dir,
    write_batch_json,
    write_deposit_slip,
    write_manifest,
    write_rejects,
)
from notice_factory.model import Kind, Locale
from notice_factory.settings import Entity, load_sender_profile

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


def entity(locale: Locale) -> Entity:
    return load_sender_profile().entity(locale)


def pdf_text(path: Path) -> list[str]:
    """Text of each page, as poppler extracts it (reliable for CJK)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


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


# ---------------------------------------------------------------- deposit slips

TITLES = {
    Locale.FR_FR: "Bordereau de dépôt de lettres recommandées",
    Locale.ZH_CN: "挂号信交寄清单",
    Locale.RO_RO: "Borderou de depunere a trimiterilor recomandate",
}
NAMES = ["Zoé Lefèvre", "王小明", "Ioana Ștefănescu"]


def items(n: int) -> list[SlipItem]:
    return [SlipItem(number=f"RR{10_000_000 + k:08d}{k % 10}FR", recipient_name=NAMES[k % 3],
                     postal_code=f"{75001 + k % 20:05d}", city="PARIS",
                     country="BE" if k % 4 == 3 else "FR", acknowledgement=k % 2 == 0,
                     weight_class="50g" if k % 5 == 4 else "20g")
            for k in range(n)]


@pytest.mark.parametrize("locale", list(Locale))
def test_slip_for_three_items(locale: Locale, tmp_path: Path) -> None:
    three = items(3)
    path = write_deposit_slip(entity(locale), three, deposit_date=DAY,
                              print_file="print/la-poste_DL_20g_001.pdf",
                              out_dir=tmp_path / "deposit-slips")
    assert path == tmp_path / "deposit-slips" / "la-poste_DL_20g_001.pdf"
    (page,) = pdf_text(path)
    flat = re.sub(r"\s+", "", page)
    s = slip_strings(locale.language)
    assert TITLES[locale] in page
    for item in three:
        assert item.number in page
        assert item.recipient_name.replace(" ", "") in flat
    assert entity(locale).creditor.name in page
    assert entity(locale).postal.deposit_office in page
    assert {"fr_FR": "23 novembre 2026", "zh_CN": "2026年11月23日",
            "ro_RO": "23 noiembrie 2026"}[locale.value] in page
    assert page.count(s["ar_yes"]) >= 2  # items 1 and 3 have a return receipt
    assert s["ar_no"] in page
    # Totals: 3 items, 2 with return receipt, all in the 20 g class.
    assert re.search(re.escape(s["total_items"]) + r"\s+3\b", page)
    assert re.search(re.escape(s["total_ar"]) + r"\s+2\b", page)
    assert re.search(re.escape(s["by_weight"]) + r"\s+20 g\s+3\b", page)
    assert s["stamp"] in page


def test_slip_escapes_recipient_markup() -> None:
    hostile = [SlipItem("RR100000005FR", "<img src=x>", "75011", "PARIS", "FR", True, "20g")]
    html = deposit_slip_html(entity(Locale.FR_FR), hostile, deposit_date=DAY,
                             print_file="print/p.pdf")
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html


def test_slip_refuses_empty_list() -> None:
    with pytest.raises(ValueError):
        deposit_slip_html(entity(Locale.FR_FR), [], deposit_date=DAY, print_file="print/p.pdf")


@pytest.mark.parametrize("locale", [Locale.FR_FR, Locale.ZH_CN])
def test_250_items_paginate_with_header_on_every_page(locale: Locale, tmp_path: Path) -> None:
    many = items(250)
    path = write_deposit_slip(entity(locale), many, deposit_date=DAY,
                              print_file="print/la-poste_DL_20g_001.pdf", out_dir=tmp_path)
    pages = pdf_text(path)
    total = len(pages)
    assert total >= 5
    s = slip_strings(locale.language)
    for n, page in enumerate(pages, start=1):
        assert s["col_number"] in page and s["col_recipient"] in page, n
        counter = (f"Page{n}/{total}" if locale is Locale.FR_FR else f"第{n}页/共{total}页")
        assert counter in re.sub(r"\s+", "", page), (n, page[-200:])
    text = "\n".join(pages)
    for item in many:  # every line once, none lost at a page break
        assert text.count(item.number) == 1, item.number
    assert re.search(re.escape(s["total_items"]) + r"\s+250\b", pages[-1])
    assert re.search(re.escape(s["total_ar"]) + r"\s+125\b", pages[-1])
    assert re.search(re.escape(s["by_weight"]) + r"\s+50 g\s+50\b", pages[-1])
    # The stamp box is never split from the totals and sits on the last page.
    assert s["stamp"] in pages[-1]
    assert len(PdfReader(path).pages) == total


def test_slip_fetcher_refuses_files_outside_the_slips_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("h1 { color: red }", encoding="utf-8")
    assert not secret.resolve().is_relative_to(slips_dir().resolve())
    from notice_factory.manifest import _SlipFetcher
    fetcher = _SlipFetcher([slips_dir()])
    with pytest.raises(PermissionError):
        fetcher.fetch(secret.as_uri())
    with pytest.raises(PermissionError):
        fetcher.fetch("data:text/css,h1{color:red}")
    with pytest.raises(PermissionError):
        fetcher.fetch("http://127.0.0.1:9/slip.css")
    # And a page that links to it still renders, without the outside style sheet.
    pdf = render_slip_pdf(f'<link rel="stylesheet" href="{secret.as_uri()}"><h1>x</h1>',
                          slips_dir())
    assert pdf.startswith(b"%PDF")


def test_slip_is_deterministic(tmp_path: Path) -> None:
    html = deposit_slip_html(entity(Locale.RO_RO), items(3), deposit_date=DAY,
                             print_file="print/p.pdf")
    assert render_slip_pdf(html, slips_dir()) == render_slip_pdf(html, slips_dir())


def words_with_x(path: Path) -> list[list[tuple[str, float]]]:
    """(word, left x in pt) of each page, from ``pdftotext -bbox``."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = html.split("<page ")[1:]
    word = re.compile(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>')
    return [[(w, float(x)) for x, w in word.findall(page)] for page in pages]


def test_120_line_slip_keeps_every_line_and_aligns_the_shared_cells(tmp_path: Path) -> None:
    # Romanian: the longest receipt wording; two cells of each line hold two columns each
    # (N° <tab> number, weight <tab> receipt): every value must still sit under its header.
    many = items(120)
    path = write_deposit_slip(entity(Locale.RO_RO), many, deposit_date=DAY,
                              print_file="print/posta-romana_C5_50g_002.pdf", out_dir=tmp_path)
    pages = pdf_text(path)
    assert len(pages) >= 3
    s = slip_strings("ro")
    headers = [s[k] for k in ("col_line", "col_number", "col_recipient", "col_place",
                              "col_country", "col_weight", "col_ar")]
    for n, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", " ", page)
        for header in headers:  # the clerk stamps every page: every column is named on it
            assert header.split()[0] in flat, (n, header)
        assert f"Pagina {n} / {len(pages)}" in flat, n
    text = "\n".join(pages)
    for k, item in enumerate(many, start=1):
        assert text.count(item.number) == 1, item.number
        line = re.search(rf"^\s*{k}\s+{item.number}\s+(.*)$", text, re.M)
        assert line, (k, item.number)
        ar = s["ar_yes"] if item.acknowledgement else s["ar_no"]
        weight = "50 g" if item.weight_class == "50g" else "20 g"
        assert re.search(rf"\s{weight}\s+{ar}\s*$", line[1]), (k, line[1])
    last = re.sub(r"[ \t]+", " ", pages[-1])
    assert re.search(re.escape(s["total_items"]) + r"\s+120\b", last)
    assert re.search(re.escape(s["total_ar"]) + r"\s+60\b", last)
    assert s["stamp"] in last and s["certify"] in last.replace("\n", " ")
    # Alignment: each number starts where its header starts, each receipt where "Confirmare".
    for n, words in enumerate(words_with_x(path), start=1):
        x_of = {w: x for w, x in reversed(words)}  # first occurrence on the page
        numbers = [x for w, x in words if re.fullmatch(r"RR\d{9}FR", w)]
        receipts = [x for w, x in words if w in ("cu", "fără") and x > x_of["Greutate"]]
        assert numbers and receipts, n
        assert all(abs(x - x_of["Număr"]) < 0.5 for x in numbers), (n, numbers[:3])
        assert all(abs(x - x_of["Confirmare"]) < 0.5 for x in receipts), (n, receipts[:3])


def test_slips_skip_the_unused_pseudo_element_styles() -> None:
    # The trimmed user-agent sheet is what makes slips cheaper; if a WeasyPrint upgrade changes
    # its style sheet, slips still render (stock sheet) but this says the speed-up is gone.
    from notice_factory.manifest import _UNUSED_UA_PSEUDO, _slip_ua_sheet
    assert _slip_ua_sheet() is not None
    assert not _UNUSED_UA_PSEUDO.search("li::marker { color: red }")
