"""typst letters through a real batch (render worker processes, window check, ledger, print
files, manifest, deposit slips), mixed with HTML letters: the French reminders and formal
notices are typst letters, the commitment form an HTML one. Judged from the batch folder."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, pdftotext
from pypdf import PdfReader

import notice_factory as nf
from notice_factory.catalog import load_catalog, squash
from notice_factory.model import Kind, Locale

pytestmark = pytest.mark.slow

KINDS = ("reminder", "formal_notice", "commitment_form")


def french_cases(path: Path) -> Path:
    """The French demo rows of these kinds, each sent three times (other case ids)."""
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["locale"] == "fr_FR" and r["kind"] in KINDS]
        fields = reader.fieldnames
    assert fields is not None and {r["kind"] for r in rows} == set(KINDS)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for n in range(3):
            for row in rows:
                writer.writerow(row | {"case_id": f"{row['case_id']}-T{n}", "registered": "true"})
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> nf.BatchResult:
    work = tmp_path_factory.mktemp("typst-batch")
    ledger = nf.create_ledger(work / "ledger.sqlite")
    import datetime as dt

    return nf.run_batch(french_cases(work / "cases.csv"), work / "out", ledger=ledger,
                        date=dt.date(2026, 11, 23), jobs=2)


def test_the_kinds_are_typst_letters_in_the_shipped_tree() -> None:
    catalog = load_catalog()
    assert catalog.template(Locale.FR_FR, Kind.REMINDER).engine == "typst"
    assert catalog.template(Locale.FR_FR, Kind.FORMAL_NOTICE).engine == "typst"
    assert catalog.template(Locale.FR_FR, Kind.COMMITMENT_FORM).engine == "html"


def test_every_case_made_a_letter_in_the_manifest(batch: nf.BatchResult) -> None:
    assert batch.rejects == () and batch.exit_code == 0
    assert len(batch.manifest) == len(batch.letters) == 3 * len(
        {r.case_id.rsplit("-T", 1)[0] for r in batch.manifest})
    versions = {(r.template_id, r.template_version) for r in batch.manifest}
    assert ("fr.reminder", "1.1.0") in versions and ("fr.formal_notice", "1.1.0") in versions
    summary = json.loads((batch.out_dir / "batch.json").read_text(encoding="utf-8"))
    assert "typst" in json.dumps(summary)  # the engine's letters are counted apart


def test_print_files_hold_each_letter_at_its_pages(batch: nf.BatchResult) -> None:
    readers = {p: PdfReader(io.BytesIO(p.read_bytes())) for p in batch.print_files}
    for letter in batch.letters:
        own = PdfReader(io.BytesIO(letter.file.read_bytes()))
        assert len(own.pages) == letter.pages
        merged = readers[letter.print_file]
        first = squash(merged.pages[letter.first_page - 1].extract_text() or "")
        assert squash(own.pages[0].extract_text() or "") == first, letter.case_id
        if letter.tracking_number:
            assert letter.tracking_number in first


def test_deposit_slips_list_every_number(batch: nf.BatchResult) -> None:
    text = squash("".join(pdftotext(p.read_bytes()) for p in batch.deposit_slips))
    numbers = [x.tracking_number for x in batch.letters if x.tracking_number]
    assert numbers and all(n in text for n in numbers)
