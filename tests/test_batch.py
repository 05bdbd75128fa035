"""`notice-factory batch` end to end, judged from the files it leaves behind.

Every batch here is a real `notice-factory batch` subprocess on the fixture cases (or on
case files derived from them), and every check reads the output folder the way the print
house, the post office or the back office would: manifest.csv/json, the print files, the
letters, the deposit slips, batch.json, rejects.csv and the ledger file. Batches are
module-scoped fixtures so that each one runs once (a batch costs seconds of rendering).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import processes
import pytest
from conftest import (
    BATCH_DATE,
    DEMO_CASES,
    FIXTURES,
    PT_PER_MM,
    REPO,
    demo_images_beside,
    demo_ledger,
    page_words,
    pdftotext,
)
from pypdf import PdfReader

from notice_factory import batching
from notice_factory.ledger import Ledger, LetterKey
from notice_factory.rules import declared_content
from notice_factory.s10 import is_valid_s10
from notice_factory.settings import DEFAULT_WINDOWS, load_sender_profile
from notice_factory.window import content_zone

pytestmark = pytest.mark.slow

CONTRACT_COLUMNS = (
    "case_id", "kind", "locale", "tracking_number", "operator", "recipient_name",
    "postal_code", "city", "country", "print_file", "first_page", "last_page", "pages",
    "sheets", "weight_g", "acknowledgement", "letter_file", "sha256", "template_id",
    "template_version",
)
A4_MM = (210.0, 297.0)

# Deposit-slip total lines, per sender locale: (registered items, of which with receipt).
SLIP_TOTALS = {
    "fr_FR": (r"Nombre d'envois recommandés\s+(\d+)",
              r"dont avec avis de réception \(AR\)\s+(\d+)"),
    "zh_CN": (r"挂号信件数\s+(\d+)", r"其中附回执\s+(\d+)"),
    "ro_RO": (r"Număr de trimiteri recomandate\s+(\d+)",
              r"din care cu confirmare de primire\s+(\d+)"),
}


# ---------------------------------------------------------------- running batches


def batch_command(cases: Path, out: Path, ledger: Path, *extra: str,
                  hooks: dict[str, str] | None = None) -> list[str]:
    # With test hooks (a letter that kills its worker...), through the tests' driver.
    start = ([sys.executable, str(REPO / "tests" / "hooked_cli.py"), json.dumps(hooks)]
             if hooks else [sys.executable, "-m", "notice_factory"])
    return [*start, "batch", str(cases), "--out", str(out),
            "--ledger", str(demo_ledger(ledger)), "--date", BATCH_DATE.isoformat(), *extra]


MARKER_ENV = "NOTICE_FACTORY_TEST_RUN"


def child_env(tmpdir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if tmpdir is not None:  # LibreOffice profiles go here
        tmpdir.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
        # Inherited by every process the batch starts, LibreOffice included (which gets a
        # TMPDIR of its own): lets a test find the batch's leftover processes.
        env[MARKER_ENV] = str(tmpdir)
    return env


@dataclass
class BatchRun:
    """One finished `notice-factory batch` and what it left in its output folder."""

    out: Path
    ledger: Path
    returncode: int
    stdout: str
    stderr: str

    def _csv(self, name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (self.out / name).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            return list(reader.fieldnames or []), rows

    @property
    def header(self) -> list[str]:
        return self._csv("manifest.csv")[0]

    @property
    def rows(self) -> list[dict[str, str]]:
        return self._csv("manifest.csv")[1]

    @property
    def json_rows(self) -> list[dict[str, Any]]:
        data = json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))
        assert isinstance(data, list), "manifest.json is a list of rows"
        return data

    @property
    def rejects(self) -> list[dict[str, str]]:
        return self._csv("rejects.csv")[1]

    @property
    def batch_json(self) -> dict[str, Any]:
        data = json.loads((self.out / "batch.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def contract(self) -> list[tuple[str, ...]]:
        """The 20 contract columns of every manifest row, in file order."""
        return [tuple(r[c] for c in CONTRACT_COLUMNS) for r in self.rows]

    def numbers(self) -> dict[str, str]:
        return {r["case_id"]: r["tracking_number"] for r in self.rows if r["tracking_number"]}


def run_batch(cases: Path, out: Path, ledger: Path, *extra: str,
              env: dict[str, str] | None = None, hooks: dict[str, str] | None = None,
              ) -> BatchRun:
    proc = subprocess.run(batch_command(cases, out, ledger, *extra, hooks=hooks), cwd=REPO,
                          env=env or child_env(), capture_output=True, text=True, timeout=1800)
    return BatchRun(out, ledger, proc.returncode, proc.stdout, proc.stderr)


def explain(run: BatchRun) -> str:
    return f"exit {run.returncode}\nstdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}"


# ---------------------------------------------------------------- case files


def fixture_rows() -> tuple[list[str], list[dict[str, str]]]:
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def derived_cases(path: Path, prefix: str, picks: Sequence[str] | None = None,
                  count: int | None = None) -> list[str]:
    """Write a case file of fixture rows under new case ids; return the new ids.

    ``picks`` names fixture case ids to copy (in that order); ``count`` cycles through all
    fixture rows until that many cases exist.
    """
    fields, rows = fixture_rows()
    by_id = {r["case_id"]: r for r in rows}
    chosen = ([by_id[p] for p in picks] if picks is not None
              else [rows[i % len(rows)] for i in range(count or len(rows))])
    out_rows, ids = [], []
    for n, row in enumerate(chosen, 1):
        new = dict(row, case_id=f"{prefix}-{n:03d}-{row['case_id']}")
        out_rows.append(new)
        ids.append(new["case_id"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out_rows)
    return ids


# ---------------------------------------------------------------- reading the ledger file


def ledger_rows(path: Path) -> list[dict[str, str]]:
    """Every row of the ledger's numbers table, read with plain sqlite3."""
    db = sqlite3.connect(str(path))
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(
            "SELECT number, operator, case_id, kind, letter_date, batch_id, state, void_reason"
            " FROM numbers ORDER BY rowid")]
    finally:
        db.close()


# ---------------------------------------------------------------- reading PDFs


def norm(text: str) -> str:
    """NFC, no whitespace at all: names wrap and CJK text is spaced differently per tool."""
    return "".join(unicodedata.normalize("NFC", text).split())


class PdfCache:
    """Bytes, pypdf reader and per-page poppler text of each PDF, read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._bytes: dict[str, bytes] = {}
        self._pages: dict[str, list[str]] = {}

    def bytes(self, rel: str) -> bytes:
        if rel not in self._bytes:
            self._bytes[rel] = (self.root / rel).read_bytes()
        return self._bytes[rel]

    def reader(self, rel: str) -> PdfReader:
        return PdfReader(io.BytesIO(self.bytes(rel)))

    def page_count(self, rel: str) -> int:
        return len(self.reader(rel).pages)

    def pages(self, rel: str) -> list[str]:
        """poppler's text of each page (pdftotext separates pages with a form feed)."""
        if rel not in self._pages:
            text = pdftotext(self.bytes(rel), "-layout")
            pages = text.split("\f")
            self._pages[rel] = pages[: self.page_count(rel)]
        return self._pages[rel]


# ---------------------------------------------------------------- the main batch


@pytest.fixture(scope="module")
def main_batch(tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    """fixtures/cases.csv as one duplex batch, with --json (run once for the module)."""
    base = tmp_path_factory.mktemp("main")
    run = run_batch(FIXTURES / "cases.csv", base / "out", base / "ledger.sqlite", "--json")
    assert run.returncode == 0, explain(run)
    return run


@pytest.fixture(scope="module")
def main_pdfs(main_batch: BatchRun) -> PdfCache:
    return PdfCache(main_batch.out)


def fixture_case_ids() -> list[str]:
    return [r["case_id"] for r in fixture_rows()[1]]


def zone_params() -> list[Any]:
    """One param per fixture case, HTML and Word letters alike."""
    return [pytest.param(case.case_id, id=case.case_id) for case in DEMO_CASES]


def row_of(run: BatchRun, case_id: str) -> dict[str, str]:
    found = [r for r in run.rows if r["case_id"] == case_id]
    assert len(found) == 1, f"{case_id} is in the manifest {len(found)} times"
    return found[0]


def test_json_summary_and_exit_status(main_batch: BatchRun) -> None:
    summary = json.loads(main_batch.stdout)
    assert summary["exit_code"] == 0
    assert summary["letters"] == len(fixture_case_ids())
    assert summary["rejected"] == 0
    assert summary["registered"] == sum(1 for r in main_batch.rows if r["tracking_number"])
    assert sorted(summary["print_files"]) == sorted({r["print_file"] for r in main_batch.rows})
    assert main_batch.rejects == []


def test_every_case_has_one_row_and_one_letter(main_batch: BatchRun) -> None:
    ids = [r["case_id"] for r in main_batch.rows]
    assert sorted(ids) == sorted(fixture_case_ids())
    letters = sorted(p.name for p in (main_batch.out / "letters").iterdir())
    assert letters == sorted(Path(r["letter_file"]).name for r in main_batch.rows)
    for r in main_batch.rows:
        assert r["letter_file"] == f"letters/{r['case_id']}-{r['kind']}.pdf"


def test_manifest_columns_in_contract_order(main_batch: BatchRun) -> None:
    assert tuple(main_batch.header[:20]) == CONTRACT_COLUMNS
    json_rows = main_batch.json_rows
    assert len(json_rows) == len(main_batch.rows)
    for js, row in zip(json_rows, main_batch.rows, strict=True):
        assert tuple(js)[:20] == CONTRACT_COLUMNS
        # Same facts in both files (JSON keeps numbers and booleans typed).
        for col in CONTRACT_COLUMNS:
            value = js[col]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            assert text == row[col], (row["case_id"], col)
        for col in ("first_page", "last_page", "pages", "sheets", "weight_g"):
            assert isinstance(js[col], int), (row["case_id"], col)
        assert isinstance(js["acknowledgement"], bool)


@pytest.mark.parametrize("case_id", fixture_case_ids())
def test_page_range_shows_the_debtors_letter(main_batch: BatchRun, main_pdfs: PdfCache,
                                             case_id: str) -> None:
    row = row_of(main_batch, case_id)
    first, last = int(row["first_page"]), int(row["last_page"])
    pages = main_pdfs.pages(row["print_file"])
    assert 1 <= first <= last <= len(pages)
    text = norm("".join(pages[first - 1: last]))
    assert norm(row["recipient_name"]) in text
    number = row["tracking_number"]
    if not number:
        return
    assert number in norm(pages[first - 1]), "the registered number is on the first page"
    # The letter boundaries are right: no other letter's number inside this range.
    others = {r["tracking_number"] for r in main_batch.rows
              if r["print_file"] == row["print_file"] and r["case_id"] != case_id}
    assert not [n for n in others if n and n in text]


@pytest.mark.parametrize("case_id", zone_params())
def test_number_sits_in_registered_zone_above_address(main_batch: BatchRun,
                                                      main_pdfs: PdfCache,
                                                      case_id: str) -> None:
    row = row_of(main_batch, case_id)
    if not row["tracking_number"]:
        pytest.skip("letter not registered")
    first = int(row["first_page"])
    page = main_pdfs.reader(row["print_file"]).pages[first - 1]
    size = (float(page.mediabox.width) / PT_PER_MM, float(page.mediabox.height) / PT_PER_MM)
    assert size == pytest.approx(A4_MM, abs=1), "an A4 portrait page"
    words = page_words(main_pdfs.bytes(row["print_file"]), first)
    hits = [w for w in words if w.text == row["tracking_number"]]
    assert len(hits) == 1, [w.text for w in words[:40]]
    number = hits[0]
    # In the window, 3 mm from its edges whatever the play (window.content_zone), on the
    # barcode's row above the address.
    zone = content_zone(DEFAULT_WINDOWS["DL"])
    assert number.y0 >= zone.y and number.y1 <= zone.y + 6.5, (number.y0, number.y1)
    assert zone.x <= number.x0 and number.x1 <= zone.right, (number.x0, number.x1)
    # The address block starts below the number: its postal code is within the window.
    below = [w for w in words if row["postal_code"] in w.text
             and number.y1 <= w.y0 <= number.y1 + 30 and w.x0 >= 90]
    assert below, f"postal code {row['postal_code']} not found under the number"


def test_sheets_weight_and_pages(main_batch: BatchRun, main_pdfs: PdfCache) -> None:
    for row in main_batch.rows:
        pages, sheets, grams = int(row["pages"]), int(row["sheets"]), int(row["weight_g"])
        assert pages == main_pdfs.page_count(row["letter_file"]), row["case_id"]
        assert int(row["last_page"]) - int(row["first_page"]) + 1 == pages, row["case_id"]
        assert sheets == math.ceil(pages / 2), row["case_id"]
        assert grams == batching.weight_g(sheets), row["case_id"]
        if "weight_class" in row:
            assert row["weight_class"] == batching.weight_class(grams), row["case_id"]
        # Print files are grouped by weight class: every letter in one file shares it.
        assert f"_{batching.weight_class(grams)}_" in Path(row["print_file"]).name


def test_duplex_letters_start_on_a_recto(main_batch: BatchRun, main_pdfs: PdfCache) -> None:
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in main_batch.rows:
        by_file.setdefault(row["print_file"], []).append(row)
    for rel, rows in by_file.items():
        rows.sort(key=lambda r: int(r["first_page"]))
        texts = main_pdfs.pages(rel)
        expected_first = 1
        for row in rows:
            first, last = int(row["first_page"]), int(row["last_page"])
            assert first % 2 == 1, (rel, row["case_id"], first)
            assert first == expected_first, (rel, row["case_id"])
            expected_first = last + 1 + (last % 2)  # the blank verso after an odd page
            if last % 2 and last < len(texts):
                assert not texts[last].strip(), f"page {last + 1} of {rel} should be blank"
        # At most one trailing blank (after a last letter of odd length).
        assert main_pdfs.page_count(rel) in {int(rows[-1]["last_page"]), expected_first - 1}


def test_sha256_matches_letter_file(main_batch: BatchRun) -> None:
    for row in main_batch.rows:
        data = (main_batch.out / row["letter_file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["case_id"]


def test_print_and_slip_files_are_the_listed_ones(main_batch: BatchRun) -> None:
    info = main_batch.batch_json
    on_disk = sorted(f"print/{p.name}" for p in (main_batch.out / "print").iterdir())
    assert on_disk == sorted(info["print_files"]) == sorted({r["print_file"]
                                                             for r in main_batch.rows})
    slips = sorted(f"deposit-slips/{p.name}"
                   for p in (main_batch.out / "deposit-slips").iterdir())
    assert slips == sorted(info["deposit_slips"])
    assert info["counts"]["letters"] == len(main_batch.rows)
    assert info["counts"]["pages"] == sum(int(r["pages"]) for r in main_batch.rows)
    assert info["counts"]["sheets"] == sum(int(r["sheets"]) for r in main_batch.rows)
    assert info["templates"] == {r["template_id"]: r["template_version"]
                                 for r in main_batch.rows}


def test_deposit_slip_lists_every_number_of_its_print_file(main_batch: BatchRun,
                                                           main_pdfs: PdfCache) -> None:
    registered: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in main_batch.rows:
        if row["tracking_number"]:
            registered.setdefault((row["operator"], row["print_file"]), []).append(row)
    slips = sorted(f"deposit-slips/{p.name}"
                   for p in (main_batch.out / "deposit-slips").iterdir())
    # One slip per (operator, print file) with registered letters, named after the file.
    assert len(slips) == len(registered)
    assert slips == sorted(f"deposit-slips/{Path(pf).name}" for _, pf in registered)
    all_numbers = {r["tracking_number"] for r in main_batch.rows if r["tracking_number"]}
    for (_, print_file), rows in registered.items():
        slip = f"deposit-slips/{Path(print_file).name}"
        text = "\n".join(main_pdfs.pages(slip))
        flat = norm(text)
        mine = {r["tracking_number"] for r in rows}
        for r in rows:  # on its line, and on its declared-content list when it has one
            expected = 2 if declared_content(r["locale"], r["kind"]) else 1
            assert flat.count(r["tracking_number"]) == expected, (slip, r["tracking_number"])
        assert not [n for n in all_numbers - mine if n in flat], "a number of another file"
        for r in rows:
            assert norm(r["recipient_name"]) in flat, (slip, r["recipient_name"])
        count_re, ack_re = SLIP_TOTALS[rows[0]["locale"]]
        count = re.search(count_re, text)
        ack = re.search(ack_re, text)
        assert count and int(count[1]) == len(rows), slip
        acks = sum(1 for r in rows if r["acknowledgement"] == "true")
        assert ack and int(ack[1]) == acks, slip


def test_numbers_are_valid_s10_and_unique(main_batch: BatchRun) -> None:
    numbers = [r["tracking_number"] for r in main_batch.rows if r["tracking_number"]]
    assert numbers and all(is_valid_s10(n) for n in numbers), numbers
    assert len(set(numbers)) == len(numbers)
    led = {r["number"]: r for r in ledger_rows(main_batch.ledger)}
    for row in main_batch.rows:
        entry = led[row["tracking_number"]]
        assert (entry["case_id"], entry["kind"], entry["state"]) == (
            row["case_id"], row["kind"], "used")
        assert entry["operator"] == row["operator"]


# ---------------------------------------------------------------- a crashing letter


@pytest.fixture(scope="module")
def crash_batches(main_batch: BatchRun, tmp_path_factory: pytest.TempPathFactory,
                  ) -> tuple[BatchRun, BatchRun, str]:
    """On the main ledger: a batch where one letter kills its worker, then another batch."""
    base = tmp_path_factory.mktemp("crash")
    ids = derived_cases(base / "crash.csv", "CR", picks=[
        "FR-2026-0001", "FR-2026-0002", "CN-2026-0001", "FR-2026-0006", "RO-2026-0001",
        "FR-2026-0004"])
    victim = ids[3]
    # First the batch as it should go; then the same command again, now with one letter
    # that kills its worker: the re-run is what the folder must show afterwards.
    first = run_batch(base / "crash.csv", base / "crash-out", main_batch.ledger, "--jobs", "2")
    assert first.returncode == 0, explain(first)
    crashed = run_batch(base / "crash.csv", base / "crash-out", main_batch.ledger, "--jobs",
                        "2", hooks={"crash_on": victim})
    derived_cases(base / "after.csv", "AF", picks=["FR-2026-0001", "FR-2026-0006"])
    after = run_batch(base / "after.csv", base / "after-out", main_batch.ledger, "--jobs", "1")
    return crashed, after, victim


def test_crashing_letter_is_rejected_and_the_rest_lands(
        crash_batches: tuple[BatchRun, BatchRun, str]) -> None:
    crashed, _, victim = crash_batches
    assert crashed.returncode == 3, explain(crashed)
    assert [r["case_id"] for r in crashed.rejects] == [victim]
    assert crashed.rejects[0]["reason"].strip()
    ids = [r["case_id"] for r in crashed.rows]
    assert len(ids) == 5 and victim not in ids and len(set(ids)) == 5
    # No letter of it is left (not even the first run's, which bears a now voided number).
    assert not any(victim in p.name for p in (crashed.out / "letters").iterdir())
    assert sorted(p.name for p in (crashed.out / "letters").iterdir()) == sorted(
        Path(r["letter_file"]).name for r in crashed.rows)
    for row in crashed.rows:
        assert (crashed.out / row["letter_file"]).is_file()


def test_crashed_letters_number_is_voided_and_never_reused(
        main_batch: BatchRun, crash_batches: tuple[BatchRun, BatchRun, str]) -> None:
    crashed, after, victim = crash_batches
    assert after.returncode == 0, explain(after)
    led = ledger_rows(main_batch.ledger)
    victims = [r for r in led if r["case_id"] == victim]
    assert len(victims) == 1, victims
    assert victims[0]["state"] == "voided" and victims[0]["void_reason"]
    voided = victims[0]["number"]
    for run in (main_batch, crashed, after):
        assert voided not in run.numbers().values()
    # Not on the deposit slip of the batch that lost it either.
    for slip in (crashed.out / "deposit-slips").iterdir():
        assert voided not in norm(pdftotext(slip.read_bytes()))


def test_numbers_never_repeat_across_batches_sharing_a_ledger(
        main_batch: BatchRun, crash_batches: tuple[BatchRun, BatchRun, str]) -> None:
    crashed, after, _ = crash_batches
    seen: list[str] = []
    for run in (main_batch, crashed, after):
        seen.extend(run.numbers().values())
    assert all(is_valid_s10(n) for n in seen)
    assert len(seen) == len(set(seen)) == len(main_batch.rows) + 5 + 2
    led = ledger_rows(main_batch.ledger)
    assert len({r["number"] for r in led}) == len(led)
    assert Counter(r["state"] for r in led) == {"used": len(seen), "voided": 1}


# ---------------------------------------------------------------- concurrent batches


@pytest.fixture(scope="module")
def concurrent_batches(tmp_path_factory: pytest.TempPathFactory) -> list[BatchRun]:
    """Two batches on different case files, started together on one (new) ledger file."""
    base = tmp_path_factory.mktemp("concurrent")
    ledger = base / "ledger.sqlite"
    picks = ["FR-2026-0001", "FR-2026-0002", "FR-2026-0004", "FR-2026-0006", "CN-2026-0001"]
    procs = []
    for name in ("CA", "CB"):
        derived_cases(base / f"{name}.csv", name, picks=picks)
        procs.append((base / f"{name}-out", subprocess.Popen(
            batch_command(base / f"{name}.csv", base / f"{name}-out", ledger, "--jobs", "1"),
            cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)))
    runs = []
    for out, proc in procs:
        stdout, stderr = proc.communicate(timeout=1800)
        runs.append(BatchRun(out, ledger, proc.returncode, stdout, stderr))
    return runs


def test_concurrent_batches_never_share_a_number(concurrent_batches: list[BatchRun]) -> None:
    a, b = concurrent_batches
    assert a.returncode == 0, explain(a)
    assert b.returncode == 0, explain(b)
    na, nb = set(a.numbers().values()), set(b.numbers().values())
    assert len(na) == len(a.rows) == 5 and len(nb) == len(b.rows) == 5
    assert not na & nb
    assert all(is_valid_s10(n) for n in na | nb)
    led = ledger_rows(a.ledger)
    assert sorted(r["number"] for r in led) == sorted(na | nb)
    assert {r["state"] for r in led} == {"used"}


# ---------------------------------------------------------------- re-runs and resends




@dataclass(frozen=True)
class Snapshot:
    """What one run left behind, kept in memory before the next run overwrites it."""

    returncode: int
    explain: str
    contract: list[tuple[str, ...]]
    json_contract: list[tuple[Any, ...]]
    numbers: dict[str, str]
    ledger: list[dict[str, str]]
    counts: dict[str, Any]


def snapshot(run: BatchRun) -> Snapshot:
    if run.returncode != 0:
        return Snapshot(run.returncode, explain(run), [], [], {}, [], {})
    return Snapshot(run.returncode, explain(run), run.contract(),
                    [tuple(r[c] for c in CONTRACT_COLUMNS) for r in run.json_rows],
                    run.numbers(), ledger_rows(run.ledger), run.batch_json["counts"])


@pytest.fixture(scope="module")
def rerun_batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Snapshot,
                                                                      Snapshot, BatchRun]:
    """The same command three times: as is, as is again, then with --resend."""
    base = tmp_path_factory.mktemp("rerun")
    derived_cases(base / "cases.csv", "RE", picks=[
        "FR-2026-0001", "FR-2026-0005", "CN-2026-0001", "RO-2026-0005", "RO-2026-0003"])
    args = (base / "cases.csv", base / "out", base / "ledger.sqlite")
    first = snapshot(run_batch(*args))
    again = snapshot(run_batch(*args))
    resent_run = run_batch(*args, "--resend")
    return first, again, snapshot(resent_run), resent_run


def test_rerun_gives_same_numbers_and_identical_manifest(
        rerun_batches: tuple[Snapshot, Snapshot, Snapshot, BatchRun]) -> None:
    first, again, _, _ = rerun_batches
    assert first.returncode == 0, first.explain
    assert again.returncode == 0, again.explain
    assert len(first.contract) == 5
    assert again.numbers == first.numbers
    sha = CONTRACT_COLUMNS.index("sha256")
    assert [c[:sha] + c[sha + 1:] for c in again.contract] == [
        c[:sha] + c[sha + 1:] for c in first.contract]
    # Nothing new was allocated: the ledger holds the same numbers, now used.
    assert [r["number"] for r in again.ledger] == [r["number"] for r in first.ledger]
    assert {r["state"] for r in again.ledger} == {"used"}
    assert (again.counts["new_numbers"], again.counts["reused_numbers"]) == (0, 5)


def test_rerun_gives_identical_letter_files(
        rerun_batches: tuple[Snapshot, Snapshot, Snapshot, BatchRun]) -> None:
    first, again, _, _ = rerun_batches
    assert first.returncode == again.returncode == 0, first.explain + again.explain
    assert again.contract == first.contract  # sha256 included: the same bytes
    assert again.json_contract == first.json_contract


def test_resend_gives_new_numbers_and_voids_the_old(
        rerun_batches: tuple[Snapshot, Snapshot, Snapshot, BatchRun]) -> None:
    first, _, resent, run = rerun_batches
    assert resent.returncode == 0, resent.explain
    assert set(resent.numbers) == set(first.numbers)
    old, new = set(first.numbers.values()), set(resent.numbers.values())
    assert not old & new and len(new) == 5
    assert all(is_valid_s10(n) for n in new)
    states = {r["number"]: r["state"] for r in resent.ledger}
    assert len(states) == len(resent.ledger) == 10
    assert {states[n] for n in old} == {"voided"}
    assert {states[n] for n in new} == {"used"}
    # The resent letters carry their new numbers.
    for row in run.rows:
        first_page = int(row["first_page"])
        text = norm(pdftotext((run.out / row["print_file"]).read_bytes(), "-f",
                              str(first_page), "-l", str(first_page)))
        assert row["tracking_number"] in text
        assert first.numbers[row["case_id"]] not in text


# ---------------------------------------------------------------- simplex


@pytest.fixture(scope="module")
def simplex_batch(tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    base = tmp_path_factory.mktemp("simplex")
    # Letters of 3 pages (odd) followed by others: duplex would insert blanks here; and plan
    # agreements, whose two copies of 3 pages would have a blank back between them in duplex.
    derived_cases(base / "cases.csv", "SX", picks=[
        "FR-2026-0005", "FR-2026-0002", "FR-2026-0001", "RO-2026-0005", "RO-2026-0001",
        "CN-2026-0005", "CN-2026-0001"])
    run = run_batch(base / "cases.csv", base / "out", base / "ledger.sqlite", "--simplex")
    assert run.returncode == 0, explain(run)
    return run


def test_simplex_inserts_no_blank_pages(simplex_batch: BatchRun) -> None:
    pdfs = PdfCache(simplex_batch.out)
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in simplex_batch.rows:
        by_file.setdefault(row["print_file"], []).append(row)
    assert any(int(r["pages"]) % 2 for r in simplex_batch.rows), "needs odd page counts"
    for rel, rows in by_file.items():
        rows.sort(key=lambda r: int(r["first_page"]))
        expected = 1
        for row in rows:
            assert int(row["first_page"]) == expected, (rel, row["case_id"])
            expected = int(row["last_page"]) + 1
            pages = int(row["pages"])
            assert pages == pdfs.page_count(row["letter_file"])
            assert int(row["sheets"]) == pages  # one side per sheet
            assert int(row["weight_g"]) == batching.weight_g(pages)
        assert pdfs.page_count(rel) == sum(int(r["pages"]) for r in rows)
        assert all(t.strip() for t in pdfs.pages(rel)), f"blank page in {rel}"


# ---------------------------------------------------------------- a range too small


def test_range_too_small_is_refused_before_writing_anything(tmp_path: Path) -> None:
    profile = (FIXTURES / "sender-demo.toml").read_text(encoding="utf-8")
    shrunk, n = re.subn(r"(\[\[fr_FR\.postal\.ranges\]\]\s*service = \"RR\"\s*"
                        r"first = (\d+)\s*last = )\d+",
                        lambda m: m[1] + str(int(m[2]) + 2), profile)
    assert n == 1, "the demo profile's fr_FR range was not found"
    sender = tmp_path / "sender.toml"
    demo_images_beside(sender).write_text(shrunk, encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    # A ledger that already holds one (Chinese) number: it must hold exactly that after.
    demo = load_sender_profile()
    zh_postal = next(e.postal for loc, e in demo.entities.items() if loc.value == "zh_CN")
    with Ledger(demo_ledger(ledger)) as led:
        led.allocate([LetterKey("PRE-1", "reminder", BATCH_DATE)], zh_postal, "pre")
    before = ledger_rows(ledger)
    french = sum(1 for r in fixture_rows()[1] if r["locale"] == "fr_FR")
    assert french > 3
    out = tmp_path / "out"
    run = run_batch(FIXTURES / "cases.csv", out, ledger, "--sender", str(sender))
    assert run.returncode == 1, explain(run)
    missing = french - 3
    assert re.search(rf"\b{missing}\b[^\n]*missing", run.stderr), run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    assert ledger_rows(ledger) == before


# ---------------------------------------------------------------- bad cases


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    base = tmp_path_factory.mktemp("bad")
    return run_batch(FIXTURES / "bad-cases.csv", base / "out", base / "ledger.sqlite", "--json")


def test_bad_rows_are_rejected_and_the_rest_lands(bad_batch: BatchRun) -> None:
    assert bad_batch.returncode == 3, explain(bad_batch)
    summary = json.loads(bad_batch.stdout)
    with (FIXTURES / "bad-cases.csv").open(encoding="utf-8", newline="") as fh:
        source = list(csv.DictReader(fh))
    good = {"OK-1", "OK-2"}
    # Row numbers count the header as row 1, as a spreadsheet shows them.
    bad_rows = {n for n, r in enumerate(source, 2) if r["case_id"] not in good}
    rejects = bad_batch.rejects
    assert {int(r["row"]) for r in rejects} == bad_rows
    assert len(rejects) == len(bad_rows) == summary["rejected"]
    for r in rejects:
        assert r["case_id"] and r["field"] and len(r["reason"]) > 10, r
        assert source[int(r["row"]) - 2]["case_id"] == r["case_id"]
    assert {r["case_id"] for r in bad_batch.rows} == good
    assert summary["letters"] == 2 and summary["exit_code"] == 3
    # No number was spent on a rejected case.
    assert {r["case_id"] for r in ledger_rows(bad_batch.ledger)} == good


# ---------------------------------------------------------------- a killed batch


def leftover_processes(marker: str) -> list[int]:
    """Processes (other than this one) whose environment carries ``marker``."""
    return [proc.pid for proc in processes.with_environment(marker)]


def wait_until_gone(marker: str, limit_s: float = 60.0) -> list[int]:
    """Give orphans of a killed batch time to notice and exit; return those still there."""
    deadline = time.monotonic() + limit_s
    while (alive := leftover_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return alive


def test_killed_batch_reruns_cleanly(tmp_path: Path) -> None:
    ids = derived_cases(tmp_path / "big.csv", "KB", count=40)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite"
    scratch = tmp_path / "tmp"
    env = child_env(tmpdir=scratch)
    marker = f"{MARKER_ENV}={scratch}"
    command = batch_command(tmp_path / "big.csv", out, ledger, "--jobs", "2")
    with (tmp_path / "stdout").open("wb") as so, (tmp_path / "stderr").open("wb") as se:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=so, stderr=se,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 900
        while proc.poll() is None and time.monotonic() < deadline:
            # Letters are made in the batch folder's staging area (put in place at the end).
            if any(out.glob(".notice-factory/staging-*/letters/*.pdf")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be killed: " + (
            tmp_path / "stderr").read_text(errors="replace")[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    orphans = wait_until_gone(marker)
    for pid in orphans:  # ours (started by this test's batch): do not leave them running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not orphans, f"processes of the killed batch still running: {orphans}"

    letters_after_kill = sorted(
        p.name for p in out.glob(".notice-factory/staging-*/letters/*.pdf"))
    assert 1 <= len(letters_after_kill) < len(ids), "the kill did not interrupt the batch"
    # The folder had no batch and still has none: no letter stands there as if printable.
    assert not (out / "manifest.csv").exists() and not list(out.glob("letters/*.pdf"))
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(".part"):
            # A temporary name may survive a kill -9, but never under a final name.
            assert path.name.startswith("."), path
            continue
        if path.suffix == ".pdf":
            assert len(PdfReader(path).pages) >= 1, path  # opens, so it is complete
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    allocated = {r["case_id"]: r["number"] for r in ledger_rows(ledger)}
    assert allocated and set(allocated) <= set(ids)

    rerun = run_batch(tmp_path / "big.csv", out, ledger, "--jobs", "2")
    assert rerun.returncode == 0, explain(rerun)
    rows = rerun.rows
    assert sorted(r["case_id"] for r in rows) == sorted(ids), "each case exactly once"
    assert sorted(p.name for p in (out / "letters").iterdir()) == sorted(
        Path(r["letter_file"]).name for r in rows)
    assert not [p for p in out.rglob("*.part")], "stale temporary files were not removed"
    numbers = rerun.numbers()
    for case_id, number in allocated.items():
        assert numbers[case_id] == number, f"{case_id} got a new number after the kill"
    led = ledger_rows(ledger)
    assert len(led) == len(rows)
    assert Counter(r["state"] for r in led) == {"used": len(rows)}
    assert len(set(numbers.values())) == len(rows)
    # No letter twice in the print files: page ranges never overlap and add up.
    pdfs = PdfCache(out)
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        assert hashlib.sha256((out / row["letter_file"]).read_bytes()).hexdigest() == row[
            "sha256"]
        by_file.setdefault(row["print_file"], []).append(row)
    for rel, file_rows in by_file.items():
        file_rows.sort(key=lambda r: int(r["first_page"]))
        for prev, nxt in itertools.pairwise(file_rows):
            assert int(prev["last_page"]) < int(nxt["first_page"]), rel
        text = norm("".join(pdfs.pages(rel)))
        for row in file_rows:
            assert text.count(row["tracking_number"]) >= 1
        assert pdfs.page_count(rel) <= sum(int(r["pages"]) + 1 for r in file_rows)
    assert sorted(f"print/{p.name}" for p in (out / "print").iterdir()) == sorted(by_file)
