"""Issue 11, failure 5: every CSV the product writes is safe to open in a spreadsheet.

A cell that starts like a formula (= + - @ tab carriage-return, the OWASP rule) gets a leading
apostrophe in the CSV files; the JSON files keep the value as it is. Checked on the writers and
on a real `render` and a real `batch` run whose case file carries formulas in every text field.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, demo_ledger

from notice_factory.records import (
    FORMULA_STARTS,
    MANIFEST_COLUMNS,
    ManifestRow,
    RejectRow,
    write_manifest,
    write_rejects,
)

FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "@SUM(1+1)", '=HYPERLINK("http://x.example","clic")',
            "-2+3", "\tx=1", "\r=1"]


def cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def assert_safe(path: Path) -> None:
    for n, row in enumerate(cells(path), 1):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{path.name} row {n}: {cell!r}"


def _row(text: str) -> ManifestRow:
    return ManifestRow(
        case_id=text, kind="reminder", locale="fr_FR", tracking_number="", operator=text,
        recipient_name=text, postal_code="75011", city=text, country="FR",
        print_file="print/x.pdf", first_page=1, last_page=2, pages=2, sheets=1, weight_g=15,
        acknowledgement=False, letter_file="letters/x.pdf", sha256="0" * 64,
        template_id="fr.reminder", template_version="1.0.0")


@pytest.mark.parametrize("text", FORMULAS)
def test_writers_neutralise_formulas_and_keep_the_json(tmp_path: Path, text: str) -> None:
    write_manifest([_row(text)], tmp_path)
    write_rejects([RejectRow(row=2, case_id=text, field=text, reason=text)], tmp_path)
    for name in ("manifest.csv", "rejects.csv"):
        assert_safe(tmp_path / name)
    manifest = dict(zip(MANIFEST_COLUMNS, cells(tmp_path / "manifest.csv")[1], strict=True))
    assert manifest["recipient_name"] == "'" + text  # shown as the text it is
    assert cells(tmp_path / "rejects.csv")[1] == ["2", "'" + text, "'" + text, "'" + text]
    objects = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert objects[0]["recipient_name"] == text and objects[0]["city"] == text


def test_harmless_values_are_unchanged(tmp_path: Path) -> None:
    write_manifest([_row("Jean Dupont, 12 rue = 3")], tmp_path)
    manifest = dict(zip(MANIFEST_COLUMNS, cells(tmp_path / "manifest.csv")[1], strict=True))
    assert manifest["recipient_name"] == "Jean Dupont, 12 rue = 3"
    assert manifest["weight_g"] == "15" and manifest["acknowledgement"] == "false"


def _hostile_case_file(path: Path) -> None:
    """Two good cases with formulas in their text fields, one rejected with one in its id."""
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    good = [dict(rows[0]), dict(rows[1])]
    good[0].update(case_id="-cmd", debtor_name='=HYPERLINK("http://x.example","clic")',
                   city="@SUM(1+1)", address_line2="+cmd|' /C calc'!A0")
    good[1].update(debtor_name="=1+1", city="-2+3")
    bad = dict(rows[2], case_id="=1+1")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*good, bad])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "notice_factory", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def test_a_real_batch_and_render_write_safe_csv(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    _hostile_case_file(cases)
    out = tmp_path / "batch"
    run = _cli("batch", str(cases), "--out", str(out), "--date", "2026-11-23", "--jobs", "1",
               "--ledger", str(demo_ledger(tmp_path / "ledger.sqlite")))
    assert run.returncode == 3, run.stderr
    assert_safe(out / "manifest.csv")
    assert_safe(out / "rejects.csv")
    by_id = {r[0]: r for r in cells(out / "manifest.csv")[1:]}
    assert "'-cmd" in by_id and len(by_id) == 2
    assert cells(out / "rejects.csv")[1][1] == "'=1+1"
    names = {o["recipient_name"] for o in json.loads((out / "manifest.json").read_text("utf-8"))}
    assert names == {'=HYPERLINK("http://x.example","clic")', "=1+1"}

    letters = tmp_path / "letters"
    rendered = _cli("render", str(cases), "--out", str(letters), "--date", "2026-11-23",
                    "--jobs", "1")
    assert rendered.returncode == 3, rendered.stderr
    assert_safe(letters / "rejects.csv")
    assert cells(letters / "rejects.csv")[1][1] == "'=1+1"
