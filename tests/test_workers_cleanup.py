"""A stopped or killed batch leaves no worker and no LibreOffice running behind it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import processes
import pytest
from conftest import demo_ledger

REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.office, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")]


def _cases(tmp_path: Path, count: int) -> Path:
    """Many Word-template letters, so the workers start LibreOffice early."""
    lines = (REPO / "fixtures" / "cases.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], [r for r in lines[1:] if ",lawyer_letter," in r]
    out = [header] + [row.replace(row.split(",")[0], f"{row.split(',')[0]}-{i}", 1)
                      for i in range(count) for row in rows]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_stopped_batch_leaves_nothing_running(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "notice_factory", "batch", str(_cases(tmp_path, 15)),
         "--out", str(out), "--ledger", str(demo_ledger(tmp_path / "l.sqlite")),
         "--date", "2026-11-23", "--jobs", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        family: set[int] = set()
        while time.monotonic() < deadline:
            family |= processes.descendants(proc.pid)
            office = [p for p in family if processes.alive(p) and "soffice" in
                      " ".join(processes.cmdline(p))]
            # Letters are made in the batch folder's staging area (put in place at the end).
            if office and any(out.glob(".notice-factory/staging-*/letters/*.pdf")):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the batch never started LibreOffice")
        family |= processes.descendants(proc.pid)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(processes.alive(p) for p in family):
            time.sleep(0.5)
        left = sorted(p for p in family if processes.alive(p))
        assert not left, [" ".join(processes.cmdline(p))[:80] for p in left]
    finally:
        if proc.poll() is None:
            proc.kill()
