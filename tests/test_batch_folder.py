"""The batch folder keeps what it did not write, and one number goes on one letter (issue 11,
failures 2 and 4): real `notice-factory batch` runs of a few French HTML letters, judged from
the folder and the ledger they leave."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, demo_ledger
from folder_helpers import check_folder, run_batch, tree, write_cases
from pypdf import PdfReader

from notice_factory.ledger import Ledger

pytestmark = pytest.mark.slow


def numbers_in(ledger: Path) -> int:
    with Ledger(ledger) as led:
        return led.count()


def test_a_folder_holding_files_no_batch_wrote_is_refused(tmp_path: Path) -> None:
    cases, out, ledger = write_cases(tmp_path / "cases.csv", 2), tmp_path / "out", tmp_path / "l"
    (out / "letters").mkdir(parents=True)
    (out / "letters" / "my-own-letter.pdf").write_bytes(b"%PDF-1.4 the user's own letter")
    (out / "notes.txt").write_text("keep me")
    before = tree(out)
    run = run_batch(cases, out, ledger)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "no batch wrote here" in run.stderr and "notes.txt" in run.stderr
    assert "letters/" in run.stderr and str(out) in run.stderr
    assert "Traceback" not in run.stderr
    assert tree(out) == before  # nothing deleted, nothing written
    assert numbers_in(ledger) == 0  # refused before any number was spent


def test_another_batch_in_the_folder_is_refused_and_kept(tmp_path: Path) -> None:
    ledger, out = tmp_path / "l", tmp_path / "out"
    first = run_batch(write_cases(tmp_path / "a.csv", 2, prefix="A"), out, ledger)
    assert first.returncode == 0, first.stderr
    before = tree(out)
    other = run_batch(write_cases(tmp_path / "b.csv", 2, prefix="B"), out, ledger)
    assert other.returncode == 1
    assert "a different batch goes into a folder of its own" in other.stderr
    assert str(tmp_path / "a.csv") in other.stderr
    assert tree(out) == before
    assert numbers_in(ledger) == 2


def test_a_rerun_replaces_only_its_own_files(tmp_path: Path) -> None:
    cases, out, ledger = write_cases(tmp_path / "cases.csv", 3), tmp_path / "out", tmp_path / "l"
    assert run_batch(cases, out, ledger).returncode == 0
    first = check_folder(out)
    assert first is not None
    (out / "notes.txt").write_text("the clerk's notes")  # beside the batch: kept
    (out / "archive").mkdir()
    (out / "archive" / "old.pdf").write_bytes(b"%PDF-1.4 archived")
    again = run_batch(cases, out, ledger)
    assert again.returncode == 0, again.stderr
    second = check_folder(out)
    assert second is not None and second.letters == first.letters
    assert (out / "notes.txt").read_text() == "the clerk's notes"
    assert (out / "archive" / "old.pdf").read_bytes() == b"%PDF-1.4 archived"
    # A file put among the batch's own letters is named, not deleted.
    (out / "letters" / "extra.pdf").write_bytes(b"%PDF-1.4 mine")
    third = run_batch(cases, out, ledger)
    assert third.returncode == 1 and "letters/extra.pdf" in third.stderr
    assert "not written by its batch" in third.stderr
    assert (out / "letters" / "extra.pdf").read_bytes() == b"%PDF-1.4 mine"
    (out / "letters" / "extra.pdf").unlink()
    assert check_folder(out) == second  # the batch itself untouched


def test_a_changed_letter_under_its_number_stops_and_resend_corrects_it(tmp_path: Path) -> None:
    cases, out, ledger = write_cases(tmp_path / "cases.csv", 3), tmp_path / "out", tmp_path / "l"
    assert run_batch(cases, out, ledger).returncode == 0
    first = check_folder(out)
    assert first is not None
    # The clerk corrects one case's amount and runs the same command again.
    text = cases.read_text("utf-8").splitlines()
    text[2] = text[2].replace(",1234.56,", ",9999.99,")
    cases.write_text("\n".join(text) + "\n", "utf-8")
    changed = run_batch(cases, out, ledger)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "T-0002" in changed.stderr and first.letters["T-0002"].number in changed.stderr
    assert "T-0001" not in changed.stderr and "--resend" in changed.stderr
    assert check_folder(out) == first  # nothing written
    # --resend: the corrected letters under new numbers, the old ones voided with a reason.
    resent = run_batch(cases, out, ledger, "--resend")
    assert resent.returncode == 0, resent.stderr
    after = check_folder(out)
    assert after is not None
    letter = after.letters["T-0002"]
    assert letter.number != first.letters["T-0002"].number
    assert letter.total_due > first.letters["T-0002"].total_due
    text_of_letter = PdfReader(out / "letters" / "T-0002-formal_notice.pdf").pages[0]
    assert letter.number in (text_of_letter.extract_text() or "").replace(" ", "")
    with Ledger(ledger) as led:
        old = led.record(first.letters["T-0002"].number)
        assert old is not None and old.state == "voided"
        assert old.void_reason == f"corrected letter sent under {letter.number}"
        unchanged = led.record(first.letters["T-0001"].number)
        assert unchanged is not None and unchanged.state == "voided"
        assert (unchanged.void_reason or "").startswith("sent again under")


def test_the_same_letters_are_not_produced_in_a_second_folder(tmp_path: Path) -> None:
    cases, ledger = write_cases(tmp_path / "cases.csv", 2), tmp_path / "l"
    assert run_batch(cases, tmp_path / "a", ledger).returncode == 0
    second = run_batch(cases, tmp_path / "b", ledger)
    assert second.returncode == 1
    assert "already produced in another batch folder" in second.stderr
    assert str(tmp_path / "a") in second.stderr
    assert not (tmp_path / "b" / "manifest.csv").exists()
    assert not list((tmp_path / "b").rglob("*.pdf"))


_FULL_DISK = r"""
set -u
disk=$1; cases=$2; ledger=$3; keep=$4
mount -t tmpfs -o size=8m tmpfs "$disk" || { echo NO-MOUNT; exit 0; }
batch() { "$PYTHON" -m notice_factory batch "$cases" --out "$disk/out" --ledger "$ledger" \
            --date 2026-11-23 --jobs 1; }
batch > "$keep/first.txt" 2>&1; echo "exit $?" >> "$keep/first.txt"
cp -r "$disk/out" "$keep/before"
dd if=/dev/zero of="$disk/filler" bs=64k > /dev/null 2>&1
batch > "$keep/second.txt" 2>&1; echo "exit $?" >> "$keep/second.txt"
cp -r "$disk/out" "$keep/after"
"""


def test_a_full_disk_during_a_rerun_keeps_the_previous_batch(tmp_path: Path) -> None:
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) is needed to mount a small disk for the test")
    cases, ledger = write_cases(tmp_path / "cases.csv", 2), demo_ledger(tmp_path / "l")
    disk, keep = tmp_path / "disk", tmp_path / "keep"
    disk.mkdir()
    keep.mkdir()
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    proc = subprocess.run([*prefix, "sh", "-c", _FULL_DISK, "sh", str(disk), str(cases),
                           str(ledger), str(keep)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable}, cwd=REPO)
    if (proc.returncode and "unshare" in proc.stderr) or "NO-MOUNT" in proc.stdout:
        pytest.skip(f"no small disk can be mounted here: {proc.stderr.strip()}")
    assert (keep / "first.txt").read_text().endswith("exit 0\n"), (keep / "first.txt").read_text()
    second = (keep / "second.txt").read_text()
    assert second.endswith("exit 1\n") and "Traceback" not in second, second
    assert "the disk holding the batch folder is full" in second and str(disk / "out") in second
    before, after = check_folder(keep / "before"), check_folder(keep / "after")
    assert before is not None and after == before
