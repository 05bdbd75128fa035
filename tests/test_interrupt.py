"""Issue 11, failure 9 (the stop part): Ctrl-C and SIGTERM say how far the batch got and that
the same command completes it; no worker prints a traceback; the re-run completes the batch
with the same numbers.

A real batch in its own session: Ctrl-C is sent to its whole process group, as a terminal does.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, demo_ledger

pytestmark = pytest.mark.slow


def many_cases(path: Path, n: int) -> list[str]:
    """``n`` French HTML letters made from the fixture's first case."""
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        first = next(reader)
        fields = list(reader.fieldnames or [])
    ids = [f"STOP-{i:03d}" for i in range(n)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows({**first, "case_id": case_id} for case_id in ids)
    return ids


def command(cases: Path, out: Path, ledger: Path) -> list[str]:
    return [sys.executable, "-m", "notice_factory", "batch", str(cases), "--out", str(out),
            "--ledger", str(ledger), "--date", "2026-11-23", "--jobs", "2"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def wait_for_a_letter(proc: subprocess.Popen[str], out: Path) -> None:
    deadline = time.monotonic() + 300
    # Letters are made in the batch folder's staging area (put in place at the end).
    while not list(out.glob(".notice-factory/staging-*/letters/*.pdf")):
        assert proc.poll() is None, "the batch ended before it could be stopped"
        assert time.monotonic() < deadline, "no letter was made"
        time.sleep(0.05)


def manifest_numbers(out: Path) -> dict[str, str]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: r["tracking_number"] for r in csv.DictReader(fh)}


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_stopped_batch_says_how_far_it_got_and_the_rerun_completes_it(
        tmp_path: Path, how: str) -> None:
    cases, out = tmp_path / "cases.csv", tmp_path / "out"
    ledger = demo_ledger(tmp_path / "ledger.sqlite")
    ids = many_cases(cases, 12)
    proc = subprocess.Popen(command(cases, out, ledger), cwd=REPO, env=env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        wait_for_a_letter(proc, out)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole group
        else:
            os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1, stderr
    label = "Ctrl-C" if how == "ctrl-c" else "SIGTERM"
    assert f"Stopped ({label}) " in stderr, stderr
    # How far: counted as the batch process receives the letters (one on disk may not be
    # counted yet), so the first-letter case is allowed too.
    assert ("of 12 letter(s)" in stderr or "all 12 letter(s)" in stderr
            or "before the first letter was finished" in stderr), stderr
    assert "Run the same command again to complete it" in stderr
    assert "Traceback" not in stderr and "Aborted!" not in stderr, stderr
    assert not list(out.rglob("*.part"))

    rerun = subprocess.run(command(cases, out, ledger), cwd=REPO, env=env(), text=True,
                           capture_output=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    numbers = manifest_numbers(out)
    assert sorted(numbers) == ids and len(set(numbers.values())) == len(ids)
