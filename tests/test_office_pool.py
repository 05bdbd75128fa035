"""Word letters in a batch: converted by shared office workers, which fail one letter at most.

Each test runs the real `notice-factory batch` (render workers, office workers,
LibreOffice) and looks at what a user sees: the output folder, the rejects, and the
processes running on the machine.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import processes
import pytest
from conftest import BATCH_DATE, FIXTURES, REPO, demo_ledger

from notice_factory.workers import office_count

pytestmark = [pytest.mark.office, pytest.mark.slow]

WORD_KINDS = {"lawyer_letter", "plan_agreement"}


def write_cases(path: Path, prefix: str, copies: int, kinds: set[str] | None = None) -> list[str]:
    """``copies`` rounds of the fixture cases (only ``kinds`` if given) under new ids."""
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    chosen = [r for r in rows if kinds is None or r["kind"] in kinds]
    out = []
    for n in range(copies):
        for row in chosen:
            out.append({**row, "case_id": f"{prefix}{n}-{row['case_id']}"})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    return [r["case_id"] for r in out]


def offices_of(marker: str) -> set[str]:
    """The LibreOffice instances (one private profile each) started by the test's batch.

    Counted by profile, not by soffice.bin process: on a fresh profile LibreOffice restarts
    itself once, and the old and new soffice.bin can overlap for a moment.
    """
    found: set[str] = set()
    for proc in processes.with_environment(marker):
        args = processes.cmdline(proc.pid)
        if args and "soffice.bin" in args[0]:
            found.update(a for a in args if a.startswith("-env:UserInstallation="))
    return found


def run(tmp_path: Path, cases: Path, *extra: str, env_extra: dict[str, str] | None = None,
        hooks: dict[str, str] | None = None,
        ) -> tuple[subprocess.CompletedProcess[str], int, str]:
    """Run a batch; return it, the most LibreOffice processes seen at once, the marker."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # Inherited by every process of the batch (LibreOffice gets a TMPDIR of its own).
    marker = f"NOTICE_FACTORY_TEST_RUN={scratch}"
    env = {**os.environ, "TMPDIR": str(scratch), "NOTICE_FACTORY_TEST_RUN": str(scratch),
           **(env_extra or {})}
    most = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal most
        while not stop.is_set():
            most = max(most, len(offices_of(marker)))
            stop.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        proc = subprocess.run(
            # Test hooks (a hanging or crashing office...) go through the tests' driver.
            [sys.executable, *([str(REPO / "tests" / "hooked_cli.py"), json.dumps(hooks)]
                               if hooks else ["-m", "notice_factory"]),
             "batch", str(cases), "--out",
             str(tmp_path / "out"), "--ledger", str(demo_ledger(tmp_path / "ledger.sqlite")),
             "--date",
             BATCH_DATE.isoformat(), "--jobs", "2", *extra],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    finally:
        stop.set()
        watcher.join()
    return proc, most, marker


def temporary_leftovers(tmp_path: Path) -> list[str]:
    """Offices' working folders and LibreOffice temporary folders in the batch's TMPDIR."""
    return sorted(p.name for p in (tmp_path / "tmp").iterdir()
                  if p.name.startswith(("notice_factory_office_", "lu")))


def manifest_ids(out: Path) -> list[str]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return [r["case_id"] for r in csv.DictReader(fh)]


def rejects(out: Path) -> list[dict[str, str]]:
    with (out / "rejects.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_office_count_follows_the_share_of_word_letters() -> None:
    assert office_count(2, 0, 50) == 0
    assert office_count(2, 35, 50) == 1  # 70 %: one office keeps up
    assert office_count(2, 36, 50) == 2
    assert office_count(1, 50, 50) == 1
    assert office_count(4, 50, 50) == 2


@pytest.mark.parametrize(("kinds", "expected"), [(None, 1), (WORD_KINDS, 2)],
                         ids=["mixed", "word-only"])


def test_render_workers_share_libreoffice(tmp_path: Path, kinds: set[str] | None,
                                          expected: int) -> None:
    ids = write_cases(tmp_path / "cases.csv", "SH", 2, kinds)
    proc, most, marker = run(tmp_path, tmp_path / "cases.csv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(manifest_ids(tmp_path / "out")) == sorted(ids)
    # Two render workers; a mixed batch runs ONE LibreOffice for both, a batch of Word
    # letters only gets a second one.
    assert most == expected, f"{most} LibreOffice processes at once, expected {expected}"
    assert not offices_of(marker), "LibreOffice still running after the batch"
    assert not temporary_leftovers(tmp_path)


def test_hanging_word_letter_is_rejected_and_the_rest_lands(tmp_path: Path) -> None:
    ids = write_cases(tmp_path / "cases.csv", "HG", 1)
    victim = next(i for i in ids if i.endswith("FR-2026-0003"))  # a lawyer letter (Word)
    t0 = time.monotonic()
    proc, _, marker = run(tmp_path, tmp_path / "cases.csv", hooks={"hang_on": victim},
                          env_extra={"NOTICE_FACTORY_OFFICE_TIMEOUT": "6"})
    assert proc.returncode == 3, proc.stderr[-3000:]
    out = tmp_path / "out"
    rejected = rejects(out)
    assert [r["case_id"] for r in rejected] == [victim]
    assert "did not convert the document within" in rejected[0]["reason"]
    assert sorted(manifest_ids(out)) == sorted(i for i in ids if i != victim)
    assert not list((out / "letters").glob(f"{victim}*"))
    assert time.monotonic() - t0 < 300
    assert not offices_of(marker), "LibreOffice still running after the batch"


def test_dead_office_worker_is_replaced_and_no_letter_is_lost(tmp_path: Path) -> None:
    ids = write_cases(tmp_path / "cases.csv", "DW", 1)
    victim = next(i for i in ids if i.endswith("RO-2026-0005"))  # a plan agreement (Word)
    proc, _, marker = run(tmp_path, tmp_path / "cases.csv",
                          hooks={"office_crash_on": victim})
    # The office worker died converting the victim: its letters in hand are made again
    # alone, so a passing failure of the office costs no letter.
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(manifest_ids(tmp_path / "out")) == sorted(ids)
    assert not offices_of(marker), "LibreOffice still running after the batch"
    # The killed office left nothing in the temporary directory: its working folder went
    # with it, and so did LibreOffice's own temporary folders (lu*.tmp), kept inside it.
    deadline = time.monotonic() + 30  # the bridge removes the folder once the office is dead
    while temporary_leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not temporary_leftovers(tmp_path)
