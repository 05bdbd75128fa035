"""Numbers the operator issued: La Poste's domestic recommandé numbers come from lists imported
into the ledger (`ledger import-numbers`), next to S10 ranges, with the same guarantees: never
issued twice (across batches and concurrent runs), all-or-nothing imports, capacity checked
before anything is written."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LA_POSTE_LIST, REPO, demo_images_beside
from test_batch import batch_command, child_env, derived_cases, explain, ledger_rows, run_batch

from notice_factory.errors import LedgerError, RangeExhaustedError, UsageError
from notice_factory.ledger import Ledger, LetterKey, init_ledger
from notice_factory.model import Locale
from notice_factory.s10 import is_valid_s10
from notice_factory.settings import SenderProfile, load_sender_profile

DAY = dt.date(2026, 11, 23)
# HTML kinds only (no LibreOffice): three French domestic letters, one French letter abroad
# (Belgium: an S10 number of La Poste's range), two Romanian ones (Poșta Română's S10 range).
PICKS = ["FR-2026-0001", "FR-2026-0002", "FR-2026-0004", "FR-2026-0006", "RO-2026-0001",
         "RO-2026-0002"]
DOMESTIC_FR = {0, 1, 2}


def sender_args(folder: Path) -> tuple[str, str]:
    return ("--sender", str(imported_profile(folder)))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "notice_factory", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def imported_profile(folder: Path) -> Path:
    """The demo profile with La Poste's domestic numbers imported (its commented-out line)."""
    text = (REPO / "fixtures" / "sender-demo.toml").read_text("utf-8")
    assert '# domestic_numbers = "imported"' in text
    path = folder / "sender-imported.toml"
    if not path.exists():
        path.write_text(text.replace('# domestic_numbers = "imported"',
                                     'domestic_numbers = "imported"'), encoding="utf-8")
    return demo_images_beside(path)


def profile_of(folder: Path) -> SenderProfile:
    return load_sender_profile(imported_profile(folder))


def new_ledger(path: Path, numbers: list[str]) -> Path:
    init_ledger(path, [e.postal for e in profile_of(path.parent).entities.values()],
                profile="test")
    listing = path.with_suffix(".txt")
    listing.write_text("".join(f"{n}\n" for n in numbers), encoding="utf-8")
    done = cli("ledger", "import-numbers", str(listing), "--operator", "la-poste",
               "--ledger", str(path))
    assert done.returncode == 0, done.stderr
    return path


def la_poste(n: int, start: int = 0) -> list[str]:
    return [f"1A {k:03d} 000 {k:04d} {k % 10}" for k in range(start + 1, start + n + 1)]


def imported(numbers: list[str]) -> set[str]:
    return {"".join(n.split()) for n in numbers}


# ---------------------------------------------------------------- the ledger


def test_import_is_all_or_nothing_and_refuses_a_known_number(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "l.sqlite", la_poste(3))
    with Ledger(path) as led:
        postal = profile_of(tmp_path).entity(Locale.FR_FR)
        assert postal.postal.domestic_numbers == "imported"
        assert led.imported_left(postal.postal) == 3
        with pytest.raises(LedgerError) as known:  # the 3rd is already there: nothing loaded
            led.import_numbers("la-poste", [*la_poste(2, start=10), *la_poste(1, start=2)],
                               "b.txt")
        assert "line 3 (1A00300000033)" in known.value.message
        assert "nothing was imported" in known.value.message
        assert led.imported_left(postal.postal) == 3
        with pytest.raises(UsageError, match="line 2: 1A01100000111 is already on line 1"):
            led.import_numbers("la-poste", la_poste(1, 10) + la_poste(1, 10), "c.txt")
        with pytest.raises(UsageError, match="line 2: 'RR 12' is not a registered number"):
            led.import_numbers("la-poste", [*la_poste(1, 20), "RR 12"], "d.txt")
        with pytest.raises(UsageError, match="not an operator key"):
            led.import_numbers("La Poste", la_poste(1, 30), "e.txt")
        assert led.imported_left(postal.postal) == 3
        # An issued number cannot come back in a later list either.
        key = LetterKey("C1", "reminder", DAY)
        number = led.allocate([key], postal.postal, "b1", imported=True)[key]
        assert number == "1A00100000011"
        with pytest.raises(LedgerError, match="already in the ledger"):
            led.import_numbers("la-poste", [number], "again.txt")
        assert [(s.operator, s.source, s.size, s.issued, s.left) for s in led.status()
                if s.source == "imported list"] == [("la-poste", "imported list", 3, 1, 2)]


def test_a_short_list_fails_before_anything_is_written(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "l.sqlite", la_poste(2))
    postal = profile_of(tmp_path).entity(Locale.FR_FR).postal
    keys = [LetterKey(f"C{i}", "reminder", DAY) for i in range(3)]
    with Ledger(path) as led:
        with pytest.raises(RangeExhaustedError) as err:
            led.allocate(keys, postal, "b1", imported=True)
        assert "1 are missing" in err.value.message and "import-numbers" in err.value.message
        assert led.count() == 0 and led.imported_left(postal) == 2


def test_status_and_import_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    init_ledger(path, [e.postal for e in load_sender_profile().entities.values()])
    done = cli("ledger", "import-numbers", str(LA_POSTE_LIST), "--operator", "la-poste",
               "--ledger", str(path))
    assert done.returncode == 0 and "20000 number(s) of la-poste imported" in done.stdout
    again = cli("ledger", "import-numbers", str(LA_POSTE_LIST), "--operator", "la-poste",
                "--ledger", str(path))
    assert again.returncode == 1 and "20000 number(s)" in again.stderr
    assert "already in the ledger" in again.stderr and "Traceback" not in again.stderr
    status = cli("ledger", "status", "--ledger", str(path))
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any("la-poste" in line and "imported list" in line and "20000 left" in line
               for line in lines), lines
    assert any("La Poste" in line and "S10 RR" in line and "100000 left" in line
               for line in lines), lines
    assert any("Poșta Română" in line and "S10" in line for line in lines), lines


# ---------------------------------------------------------------- batches


@pytest.mark.slow
def test_batches_take_imported_and_s10_numbers_and_never_repeat(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "l.sqlite", la_poste(40))
    listed = imported(la_poste(40))
    seen: dict[str, str] = {}
    for run_no in (1, 2):
        cases = tmp_path / f"cases{run_no}.csv"
        ids = derived_cases(cases, f"B{run_no}", picks=PICKS)
        run = run_batch(cases, tmp_path / f"out{run_no}", path, *sender_args(tmp_path))
        assert run.returncode == 0, explain(run)
        numbers = run.numbers()
        assert set(numbers) == set(ids)
        for i, case_id in enumerate(ids):
            number = numbers[case_id]
            if i in DOMESTIC_FR:  # La Poste domestic: from the imported list
                assert number in listed, number
            else:  # abroad (La Poste) and Poșta Română: S10 from the ranges
                assert is_valid_s10(number), number
            assert number not in seen, (number, seen.get(number))
            seen[number] = case_id
        # The same batch again keeps its numbers.
        again = run_batch(cases, tmp_path / f"out{run_no}", path, *sender_args(tmp_path))
        assert again.returncode == 0 and again.numbers() == numbers, explain(again)
    assert len(ledger_rows(path)) == 12


@pytest.mark.slow
def test_four_concurrent_batches_share_the_list_without_a_repeat(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "l.sqlite", la_poste(12))  # exactly 4 x 3 domestic letters
    procs = []
    for n in range(4):
        cases = tmp_path / f"c{n}.csv"
        derived_cases(cases, f"P{n}", picks=PICKS)
        procs.append(subprocess.Popen(batch_command(cases, tmp_path / f"o{n}", path,
                                                    *sender_args(tmp_path)), cwd=REPO,
                                      env=child_env(), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate(timeout=1800)
        assert p.returncode == 0, err[-2000:]
    rows = ledger_rows(path)
    numbers = [r["number"] for r in rows]
    assert len(numbers) == len(set(numbers)) == 24
    assert {r["number"] for r in rows if r["operator"] == "La Poste"
            and not is_valid_s10(r["number"])} == imported(la_poste(12))


@pytest.mark.slow
def test_a_too_short_list_refuses_the_batch_before_anything_is_written(tmp_path: Path) -> None:
    path = new_ledger(tmp_path / "l.sqlite", la_poste(2))  # 3 domestic letters need 3
    cases = tmp_path / "cases.csv"
    derived_cases(cases, "S", picks=PICKS)
    run = run_batch(cases, tmp_path / "out", path, *sender_args(tmp_path))
    assert run.returncode == 1, explain(run)
    assert "have 2 number(s) left but this batch needs 3: 1 are missing" in run.stderr
    assert "ledger import-numbers" in run.stderr
    assert ledger_rows(path) == []  # not even the S10 numbers of the other operators
    out = tmp_path / "out"
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
