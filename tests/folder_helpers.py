"""Running small real batches and reading a batch folder back, for the tests of the output
folder, re-runs, faults and concurrent runs (issue 11). A helper module, not a test.

``check_folder`` reads a batch folder the way the print house does (manifest first, then every
file it names) and returns what it found, so that a test can compare two states file by file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from conftest import BATCH_DATE, FIXTURES, REPO, demo_ledger
from pypdf import PdfReader

from notice_factory.ledger import Ledger

OWN_DIRS = ("letters", "print", "deposit-slips")


def write_cases(path: Path, n: int, *, prefix: str = "T", principal: str = "1234.56") -> Path:
    """``n`` French HTML letters (reminders and formal notices) from the fixture's first two
    cases, case ids ``<prefix>-0001``..., every principal ``principal``."""
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        base = [row for row in reader][:2]
    rows = []
    for i in range(n):
        row = dict(base[i % 2])
        row.update(case_id=f"{prefix}-{i + 1:04d}", principal=principal, penalties="0")
        rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected_totals(cases: Path) -> dict[str, Decimal]:
    """What each case's letter must claim: principal + interest + fees + penalties."""
    with cases.open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: sum((Decimal(r[k] or "0") for k in ("principal", "interest",
                                                                  "fees", "penalties")),
                                  Decimal(0)) for r in csv.DictReader(fh)}


def totals(state: FolderState) -> dict[str, Decimal]:
    return {c: x.total_due for c, x in state.letters.items()}


def batch_args(cases: Path, out: Path, ledger: Path, *extra: str,
               hooks: dict[str, str] | None = None) -> list[str]:
    start = ([sys.executable, str(REPO / "tests" / "hooked_cli.py"), json.dumps(hooks)]
             if hooks else [sys.executable, "-m", "notice_factory"])
    return [*start, "batch", str(cases), "--out", str(out), "--ledger", str(demo_ledger(ledger)),
            "--date", BATCH_DATE.isoformat(), "--jobs", "1", *extra]


def run_batch(cases: Path, out: Path, ledger: Path, *extra: str,
              hooks: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Output to files, not pipes: a batch killed by SIGKILL is a zombie until waited for, and
    # its workers (which leave when their owner is gone) would keep a pipe open meanwhile.
    args = batch_args(cases, out, ledger, *extra, hooks=hooks)
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.run(args, cwd=REPO, text=True, stdout=so, stderr=se, timeout=900,
                              check=False)
        so.seek(0)
        se.seek(0)
        return subprocess.CompletedProcess(args, proc.returncode, so.read(), se.read())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(out: Path) -> dict[str, str]:
    """Every file of the folder outside the tool's own bookkeeping: relative path -> sha256."""
    return {p.relative_to(out).as_posix(): sha256(p) for p in sorted(out.rglob("*"))
            if p.is_file() and ".notice-factory" not in p.relative_to(out).parts}


@dataclass(frozen=True)
class Letter:
    case_id: str
    number: str
    total_due: Decimal
    sha256: str


@dataclass(frozen=True)
class FolderState:
    """A complete batch as read back: its letters (by case) and every file's digest."""

    letters: dict[str, Letter]
    files: dict[str, str]


def check_folder(out: Path) -> FolderState | None:
    """None when the folder shows no batch (no manifest); else check it file by file against
    its manifest and return it. Fails the test on any disagreement."""
    if not (out / "manifest.csv").exists():
        for sub in OWN_DIRS:  # no manifest: no letter either may stand there as if printable
            assert not any((out / sub).rglob("*.pdf")) or (out / ".notice-factory"
                                                            / "journal.json").exists(), sub
        return None
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    manifest_json = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [r["tracking_number"] for r in manifest_json] == [r["tracking_number"] for r in rows]
    batch = json.loads((out / "batch.json").read_text("utf-8"))
    letters: dict[str, Letter] = {}
    last_page: dict[str, int] = {}
    for row in rows:
        assert sha256(out / row["letter_file"]) == row["sha256"], row["letter_file"]
        assert len(PdfReader(out / row["letter_file"]).pages) == int(row["pages"])
        last_page[row["print_file"]] = max(last_page.get(row["print_file"], 0),
                                           int(row["last_page"]))
        assert row["case_id"] not in letters
        letters[row["case_id"]] = Letter(row["case_id"], row["tracking_number"],
                                         Decimal(row["total_due"]), row["sha256"])
    for print_file, pages in last_page.items():
        assert len(PdfReader(out / print_file).pages) == pages, print_file
    assert sorted(batch["print_files"]) == sorted(last_page)
    expected = ({r["letter_file"] for r in rows} | set(batch["print_files"])
                | set(batch["deposit_slips"]))
    on_disk = {p.relative_to(out).as_posix() for sub in OWN_DIRS for p in (out / sub).rglob("*")
               if p.is_file()}
    assert on_disk == expected, on_disk ^ expected  # no letter of another state beside them
    return FolderState(letters, tree(out))


@dataclass(frozen=True)
class LedgerCounts:
    duplicate: int  # numbers on two different letters, or in two complete batch folders
    lost: int  # cases of a case file with neither a letter nor a reject in its batch folder
    voided_but_printed: int  # numbers in a complete batch folder that the ledger voided


def ledger_counts(ledger: Path, folders: dict[Path, Path]) -> LedgerCounts:
    """The three counts over complete batch folders (folder -> its case file)."""
    seen: dict[str, tuple[str, Path]] = {}
    duplicate = lost = voided = 0
    with Ledger(ledger) as led:
        for out, cases in folders.items():
            state = check_folder(out)
            if state is None:
                continue
            with cases.open(encoding="utf-8", newline="") as fh:
                wanted = {r["case_id"] for r in csv.DictReader(fh)}
            with (out / "rejects.csv").open(encoding="utf-8", newline="") as fh:
                rejected = {r["case_id"] for r in csv.DictReader(fh)}
            lost += len(wanted - set(state.letters) - rejected)
            for letter in state.letters.values():
                record = led.record(letter.number)
                if record is None or record.state == "voided":
                    voided += 1
                if letter.number in seen:
                    duplicate += 1
                seen[letter.number] = (letter.case_id, out)
    return LedgerCounts(duplicate, lost, voided)
