"""Issue 11, the input side: what a case file can do wrong is refused at validation (or at the
pre-flight, for what needs the templates: fonts, LibreOffice), naming row, field and file,
before any registered number is spent, and never as an "internal error".

Real case files through the real reader and, where numbers are at stake, the real
`notice-factory batch` (its rejects.csv, manifest and ledger read back).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import BATCH_DATE, FIXTURES, REPO
from test_batch import BatchRun, batch_command, child_env, explain, ledger_rows, run_batch

from notice_factory.cases import read_case_file
from notice_factory.catalog import Catalog
from notice_factory.errors import CaseFileError
from notice_factory.pipeline import preflight_stage
from notice_factory.settings import SenderProfile

CSV_FIELDS = (FIXTURES / "cases.csv").read_text(encoding="utf-8").splitlines()[0].split(",")


def fixture_row(case_id: str) -> dict[str, str]:
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["case_id"] == case_id)


def fr_reminder(case_id: str, **changes: str) -> dict[str, str]:
    """The demo's French reminder (an HTML letter) under another case id."""
    return dict(fixture_row("FR-2026-0001"), case_id=case_id, **changes)


def write_csv(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def json_case(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(
        (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines()[0])
    obj.update(changes)
    return obj


def batch(tmp_path: Path, cases: Path, *extra: str,
          env: dict[str, str] | None = None) -> BatchRun:
    return run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite", "--jobs", "1", *extra,
                     env=env)


def rejects_by_case(run: BatchRun) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in run.rejects:
        out.setdefault(row["case_id"], []).append(row)
    return out


def assert_clean_failure(run: BatchRun) -> None:
    """No traceback, no 'internal error': every failure is said in words."""
    assert "Traceback" not in run.stderr, explain(run)
    assert "internal error" not in run.stderr, explain(run)


def assert_numbers_only_for_letters(run: BatchRun) -> None:
    """Every number the ledger holds is on a letter of the manifest; none voided."""
    rows = ledger_rows(run.ledger)
    assert [r for r in rows if r["state"] == "voided"] == [], rows
    assert sorted(r["number"] for r in rows) == sorted(run.numbers().values()), explain(run)


# --------------------------------------------------------------------------- failure 3: case ids


def test_a_json_number_is_never_a_case_id(tmp_path: Path) -> None:
    """"123" and 123 (or 1.5, "1.5", 15e-1) used to pass the duplicate check as two cases and
    give one letter. A case id is text: a JSON number is refused, naming row and field."""
    path = tmp_path / "ids.json"
    objs = [json_case(case_id=v) for v in ("123", "__123__", "1.5", "__1.5__", "__15e-1__")]
    text = json.dumps(objs, ensure_ascii=False)
    for raw in ("123", "1.5", "15e-1"):
        text = text.replace(f'"__{raw}__"', raw)
    path.write_text(text, encoding="utf-8")
    run = batch(tmp_path, path)
    assert run.returncode == 3, explain(run)
    assert_clean_failure(run)
    assert sorted(run.numbers()) == ["1.5", "123"]
    rejected = [(r["row"], r["field"]) for r in run.rejects]
    assert rejected == [("2", "case_id"), ("4", "case_id"), ("5", "case_id")], run.rejects
    assert all("in quotes" in r["reason"] for r in run.rejects), run.rejects
    assert run.batch_json["new_numbers"] == len(ledger_rows(run.ledger)) == 2
    assert_numbers_only_for_letters(run)


def test_a_json_number_is_refused_in_any_text_field_of_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join([
        json.dumps(json_case(case_id="A1")),
        json.dumps(json_case(case_id="A2")).replace('"A2"', "2"),
        json.dumps(json_case(case_id="A3")).replace('"75011"', "75011"),
    ]) + "\n", encoding="utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["A1"]
    assert [(e.row, e.field) for e in result.rejects] == [(2, "case_id"), (3, "postal_code")]
    # Amounts may stay JSON numbers (read as exact decimals).
    ok = tmp_path / "amount.jsonl"
    ok.write_text(json.dumps(json_case()).replace('"1234.56"', "1234.56") + "\n", "utf-8")
    assert read_case_file(ok, batch_date=BATCH_DATE).rejects == []


def test_case_ids_differing_only_by_capitals_are_one_letter_file(tmp_path: Path) -> None:
    """letters/AB-1-reminder.pdf and letters/ab-1-reminder.pdf are one file on Windows and
    macOS shares (a print house's): such case ids are refused like a repeated one."""
    rows = [fr_reminder("AB-1"), fr_reminder("OK-1"), fr_reminder("ab-1")]
    result = read_case_file(write_csv(tmp_path / "caps.csv", rows), batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["OK-1"]
    assert [(e.row, e.field, e.case_id) for e in result.rejects] == [
        (2, "case_id", "AB-1"), (4, "case_id", "ab-1")]
    assert "capital" in result.rejects[0].message and "row 4" in result.rejects[0].message


# --------------------------------------------------------------------------- failure 6: bounds

BOUNDS = {
    "BIG-PRINCIPAL": ({"principal": "1000000000000"}, "principal"),
    "BIG-TOTAL": ({"principal": "999999999999.99", "interest": "0.01"}, "principal"),
    "YEAR-9999": ({"letter_date": "9999-12-01"}, "letter_date"),
    "FAR-LETTER": ({"letter_date": "2031-01-15"}, "letter_date"),
    "OLD-DUE": ({"due_date": "1066-10-14"}, "due_date"),
    "OLD-CONTRACT": ({"contract_date": "0001-01-01"}, "contract_date"),
}


def test_amounts_and_dates_out_of_bounds_are_refused_before_numbering(tmp_path: Path) -> None:
    """10^12 or a letter dated 9999 ended in "internal error" with numbers spent, part of the
    letters written and no manifest."""
    rows = [fr_reminder("OK-1")] + [fr_reminder(cid, **ch) for cid, (ch, _) in BOUNDS.items()]
    run = batch(tmp_path, write_csv(tmp_path / "bounds.csv", rows))
    assert run.returncode == 3, explain(run)
    assert_clean_failure(run)
    assert list(run.numbers()) == ["OK-1"]
    got = rejects_by_case(run)
    for n, (cid, (_, field)) in enumerate(BOUNDS.items(), start=3):
        assert [(r["row"], r["field"]) for r in got[cid]] == [(str(n), field)], got[cid]
    assert "999 999 999 999.99" in got["BIG-PRINCIPAL"][0]["reason"]
    assert "total" in got["BIG-TOTAL"][0]["reason"]
    assert "9999-12-01" in got["YEAR-9999"][0]["reason"]
    assert_numbers_only_for_letters(run)


def test_a_50_mb_cell_rejects_its_row_and_is_never_echoed_whole(tmp_path: Path) -> None:
    rows = [fr_reminder("OK-1"), fr_reminder("HUGE", debtor_name="x" * (50 * 1024 * 1024)),
            fr_reminder("OK-2")]
    result = read_case_file(write_csv(tmp_path / "huge.csv", rows), batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["OK-1", "OK-2"]
    [err] = result.rejects
    assert (err.row, err.field, err.case_id) == (3, "debtor_name", "HUGE")
    assert len(err.message) < 300 and "52,428,800 characters" in err.message, err.message[:400]

    # Not even in the row's name: a huge case id or JSON key is shortened in every column.
    objs = [json_case(case_id="OK-1"), json_case(case_id="y" * 1_000_000),
            {**json_case(case_id="KEY"), "z" * 1_000_000: "1"}]
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(objs), encoding="utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["OK-1"]
    assert [(e.row, e.field) for e in result.rejects] == [(2, "case_id"), (3, "z" * 63 + "…")]
    for e in result.rejects:
        assert len(e.format_message()) < 400 and len(e.case_id or "") <= 64, e.format_message()


def test_a_5000_digit_json_integer_rejects_its_row(tmp_path: Path) -> None:
    objs = [json_case(case_id="OK-1"), json_case(case_id="DIGITS", principal="__N__")]
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(objs).replace('"__N__"', "9" * 5000), encoding="utf-8")
    lines = tmp_path / "digits.jsonl"
    lines.write_text("\n".join(json.dumps(o) for o in objs).replace('"__N__"', "9" * 5000),
                     encoding="utf-8")
    for source in (path, lines):
        result = read_case_file(source, batch_date=BATCH_DATE)
        assert [c.case_id for c in result.cases] == ["OK-1"]
        [err] = result.rejects
        assert (err.row, err.field) == (2, "principal"), err.format_message()
        assert len(err.message) < 300 and "…" in err.message, err.message


def test_deep_json_nesting_names_the_row_or_the_file_and_line(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = tmp_path / "deep.jsonl"
    lines.write_text(json.dumps(json_case(case_id="OK-1")) + "\n"
                     + json.dumps(json_case(case_id="DEEP", region="__D__"))
                     .replace('"__D__"', deep) + "\n", encoding="utf-8")
    result = read_case_file(lines, batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["OK-1"]
    assert [(e.row, e.field) for e in result.rejects] == [(2, "(row)")]
    assert "nested" in result.rejects[0].message

    whole = tmp_path / "deep.json"
    whole.write_text(json.dumps([json_case(case_id="OK-1"), json_case(region="__D__")],
                                indent=1).replace('"__D__"', deep), encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        read_case_file(whole, batch_date=BATCH_DATE)
    line = next(n for n, text in enumerate(whole.read_text("utf-8").splitlines(), 1)
                if "[[[" in text)
    assert info.value.format_message().startswith(f"{whole}:{line}: "), info.value
    assert "nested" in info.value.message


def test_huge_and_deep_inputs_through_the_cli_are_never_internal_errors(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(json.dumps([json_case(region="__D__")]).replace(
        '"__D__"', "{\"a\":" * 50_000 + "1" + "}" * 50_000), encoding="utf-8")
    run = batch(tmp_path, path)
    assert run.returncode == 1, explain(run)
    assert_clean_failure(run)
    assert str(path) in run.stderr and "nested" in run.stderr
    assert not ledger_rows(run.ledger)


# --------------------------------------------------------------------------- failure 8


WORD_ENV_MISSING = {"NOTICE_FACTORY_SOFFICE": "/nonexistent/libreoffice/soffice"}


def test_word_letters_without_libreoffice_are_refused_before_numbering(tmp_path: Path) -> None:
    rows = [fr_reminder("HTML-1"),
            dict(fixture_row("FR-2026-0003"), case_id="WORD-1"),   # lawyer letter (docx)
            dict(fixture_row("FR-2026-0005"), case_id="WORD-2")]   # plan agreement (docx)
    run = batch(tmp_path, write_csv(tmp_path / "word.csv", rows),
                env=child_env() | WORD_ENV_MISSING)
    assert run.returncode == 3, explain(run)
    assert_clean_failure(run)
    assert list(run.numbers()) == ["HTML-1"]
    got = rejects_by_case(run)
    for cid, row in (("WORD-1", "3"), ("WORD-2", "4")):
        [reject] = got[cid]
        assert reject["row"] == row and reject["field"] == "kind", reject
        assert "LibreOffice is not installed" in reject["reason"], reject
        assert "apt-get install" in reject["reason"], reject
    assert_numbers_only_for_letters(run)


def test_render_without_libreoffice_says_so_without_a_traceback(tmp_path: Path) -> None:
    rows = [fr_reminder("HTML-1"), dict(fixture_row("FR-2026-0003"), case_id="WORD-1")]
    cases = write_csv(tmp_path / "word.csv", rows)
    out = tmp_path / "letters"
    proc = subprocess.run([sys.executable, "-m", "notice_factory", "render", str(cases), "--out",
                           str(out), "--date", BATCH_DATE.isoformat(), "--jobs", "1"],
                          cwd=REPO, env=child_env() | WORD_ENV_MISSING, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert [p.name for p in out.glob("*.pdf")] == ["HTML-1-reminder.pdf"]
    with (out / "rejects.csv").open(encoding="utf-8", newline="") as fh:
        [reject] = list(csv.DictReader(fh))
    assert (reject["row"], reject["case_id"], reject["field"]) == ("3", "WORD-1", "kind")
    assert "LibreOffice is not installed" in reject["reason"]


# --------------------------------------------------------------------------- failure 9


@pytest.mark.parametrize("name,content", [
    ("header.csv", ",".join(CSV_FIELDS) + "\n"),
    ("empty.json", "[]"),
    ("blank.jsonl", "\n\n"),
])
def test_a_file_without_cases_says_so(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    run = batch(tmp_path, path)
    assert run.returncode == 1, explain(run)
    assert_clean_failure(run)
    assert f"{path}" in run.stderr and "no case" in run.stderr, explain(run)
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_rows_after_a_multiline_cell_are_the_spreadsheet_rows(tmp_path: Path) -> None:
    """Rows are counted as a spreadsheet shows them (header = row 1), also after a cell that
    holds a line break: the 3rd record is row 3 wherever its line is."""
    rows = [fr_reminder("MULTI", address_line2="Bâtiment B\nEscalier 2"),
            fr_reminder("BAD-CODE", postal_code="7501")]
    result = read_case_file(write_csv(tmp_path / "multi.csv", rows), batch_date=BATCH_DATE)
    assert [(e.row, e.case_id, e.field) for e in result.rejects] == [
        (2, "MULTI", "address_line2"), (3, "BAD-CODE", "postal_code")]


def test_a_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "excel-fr.csv"
    path.write_text(";".join(CSV_FIELDS) + "\n" + ";".join(fr_reminder("A1").values()) + "\n",
                    encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        read_case_file(path, batch_date=BATCH_DATE)
    message = info.value.format_message()
    assert message.startswith(f"{path}:1: ") and "';'" in message and "comma" in message, message


def _in_private_tmpfs(script: str, folder: Path,
                      size: str = "2m") -> subprocess.CompletedProcess[str]:
    """Run ``script`` (bash) with a small tmpfs mounted on ``folder`` in a mount namespace of
    its own (the mount vanishes with it)."""
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) is needed to mount a small disk for the test")
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    full = f"mount -t tmpfs -o size={size} tmpfs {folder} || {{ echo NO-MOUNT; exit 0; }}\n{script}"
    proc = subprocess.run([*prefix, "bash", "-c", full], capture_output=True, text=True,
                          env=child_env(), cwd=REPO, timeout=900)
    if proc.returncode and "unshare" in proc.stderr:
        pytest.skip(f"no mount namespace here: {proc.stderr.strip()}")
    if "NO-MOUNT" in proc.stdout:
        pytest.skip("tmpfs cannot be mounted here")
    return proc


def test_a_full_disk_names_the_path(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [fr_reminder("DISK-1"), fr_reminder("DISK-2")])
    disk = tmp_path / "disk"
    disk.mkdir()

    command = " ".join(f"'{a}'" for a in batch_command(cases, disk / "out",
                                                      tmp_path / "ledger.sqlite", "--jobs", "1"))
    proc = _in_private_tmpfs(f"cat /dev/zero > {disk}/filler 2>/dev/null\n{command}", disk)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "disk" in proc.stderr and "full" in proc.stderr, proc.stderr
    assert f"{disk}/out" in proc.stderr and ".part" not in proc.stderr, proc.stderr


def _immutable(path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("chattr +i needs root")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("this file system has no immutable flag")


def test_an_immutable_output_file_is_said_in_words_before_numbering(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [fr_reminder("IMM-1"), fr_reminder("IMM-2")])
    first = batch(tmp_path, cases)
    assert first.returncode == 0, explain(first)
    before = ledger_rows(first.ledger)
    cases.write_text(cases.read_text("utf-8") + ",".join(fr_reminder("IMM-3").values()) + "\n",
                     encoding="utf-8")
    letter = tmp_path / "out" / "letters" / "IMM-1-reminder.pdf"
    _immutable(letter)
    try:
        run = batch(tmp_path, cases)
    finally:
        subprocess.run(["chattr", "-i", str(letter)], check=True)
    assert run.returncode == 1, explain(run)
    assert_clean_failure(run)
    assert str(letter) in run.stderr and ".part" not in run.stderr, explain(run)
    assert "does not allow changing it" in run.stderr, explain(run)
    assert "No number was allocated" in run.stderr, explain(run)
    assert ledger_rows(run.ledger) == before  # checked before IMM-3 got a number


# --------------------------------------------------------------------------- failure 10

INVISIBLE = ["\u2060", "\ufeff", "\u00ad", "\u061c", "\u180e", "\U000e0041", "\U000e007f",
             "\u3164", "\u115f", "\uffa0", "\u034f", "\ufe0f", "\u200b", "\u2066", "\U0001d173",
             "\ue000", "\x85", "\x07", "\x1b", "\x7f"]  # the last three: ASCII controls


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_characters_are_refused_naming_field_and_code_point(
        tmp_path: Path, char: str) -> None:
    rows = [fr_reminder("OK-1"), fr_reminder("INV", address_line1=f"12 rue des{char} Lilas")]
    result = read_case_file(write_csv(tmp_path / "inv.csv", rows), batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["OK-1"]
    [err] = result.rejects
    assert (err.row, err.field) == (3, "address_line1")
    assert f"U+{ord(char):04X}" in err.message, err.message


def test_visible_text_of_every_demo_language_is_kept() -> None:
    result = read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE)
    assert result.rejects == [] and len(result.cases) == 16


def test_full_width_digits_in_codes_are_normalised_other_digits_refused(tmp_path: Path) -> None:
    """NFKC for codes (postal code, country, currency): ７５０１１ is 75011, printed as such;
    digits of other scripts (٧٥٠١١) are not postal codes and are refused."""
    rows = [fr_reminder("WIDE", postal_code="７５０１１", country="ＦＲ"),
            fr_reminder("ARABIC", postal_code="٧٥٠١١")]
    result = read_case_file(write_csv(tmp_path / "wide.csv", rows), batch_date=BATCH_DATE)
    [case] = result.cases
    assert (case.case_id, case.postal_code, case.country) == ("WIDE", "75011", "FR")
    assert [(e.case_id, e.field) for e in result.rejects] == [("ARABIC", "postal_code")]


def test_json_duplicate_keys_are_refused_naming_the_key(tmp_path: Path) -> None:
    obj = json.dumps(json_case(case_id="DUP"), indent=1)
    twice = obj.replace('"principal": "1234.56"', '"principal": "1234.56",\n "principal": "1.00"')
    assert twice != obj
    whole = tmp_path / "dup.json"
    whole.write_text(f"[{json.dumps(json_case(case_id='OK-1'))}, {twice}]", encoding="utf-8")
    lines = tmp_path / "dup.jsonl"
    lines.write_text(json.dumps(json_case(case_id="OK-1")) + "\n" + twice.replace("\n", "")
                     + "\n", encoding="utf-8")
    for path in (whole, lines):
        result = read_case_file(path, batch_date=BATCH_DATE)
        assert [c.case_id for c in result.cases] == ["OK-1"], path
        [err] = result.rejects
        assert (err.row, err.field, err.case_id) == (2, "principal", "DUP"), err
        assert "twice" in err.message and "'1.00'" in err.message


def test_a_name_the_letters_fonts_cannot_print_is_refused_before_numbering(
        tmp_path: Path) -> None:
    """A Thai name in a French letter (Liberation fonts) used to fail at render time, its
    number voided. A Chinese letter's Noto CJK prints 堃 (a rare name character) and Latin."""
    rows = [fr_reminder("OK-1"), fr_reminder("THAI", debtor_name="สมชาย ใจดี"),
            fr_reminder("HAN-FR", city="Paris 堃"),
            dict(fixture_row("CN-2026-0001"), case_id="CN-KUN", debtor_name="王堃")]
    run = batch(tmp_path, write_csv(tmp_path / "scripts.csv", rows))
    assert run.returncode == 3, explain(run)
    assert_clean_failure(run)
    assert sorted(run.numbers()) == ["CN-KUN", "OK-1"]
    got = rejects_by_case(run)
    assert [(r["row"], r["field"]) for r in got["THAI"]] == [("3", "debtor_name")]
    assert "U+0E2A" in got["THAI"][0]["reason"] and "font" in got["THAI"][0]["reason"]
    assert [(r["row"], r["field"]) for r in got["HAN-FR"]] == [("4", "city")]
    assert_numbers_only_for_letters(run)


def test_a_statement_line_the_fonts_cannot_print_is_refused_at_the_preflight(
        tmp_path: Path, catalog: Catalog, sender: SenderProfile) -> None:
    line = {"due_date": "2026-09-05", "label": "Échéance ຂ", "amount": "1282.76"}
    path = tmp_path / "statement.jsonl"
    path.write_text(json.dumps(json_case(case_id="ST-1", statement=[line])) + "\n"
                    + json.dumps(json_case(case_id="ST-2", statement=[
                        dict(line, label="Échéance de septembre")])) + "\n", encoding="utf-8")
    read = read_case_file(path, batch_date=BATCH_DATE)
    assert read.rejects == [] and len(read.cases) == 2
    checked = preflight_stage(read.cases, catalog, sender, BATCH_DATE)
    assert [c.case_id for c in checked.cases] == ["ST-2"]
    assert [(e.row, e.field) for e in checked.rejects] == [(1, "statement[1].label")]
    assert "U+0E82" in checked.rejects[0].message


@pytest.mark.parametrize("kind_of", ["FR-2026-0001", "FR-2026-0002", "RO-2026-0001"])
def test_nothing_to_claim_is_refused(tmp_path: Path, kind_of: str) -> None:
    row = dict(fixture_row(kind_of), case_id="ZERO", principal="0", interest="0.00", fees="0",
               penalties="0")
    result = read_case_file(write_csv(tmp_path / "zero.csv", [row]), batch_date=BATCH_DATE)
    assert result.cases == []
    assert [(e.row, e.field) for e in result.rejects] == [(2, "principal")]
    assert "nothing to claim" in result.rejects[0].message


def test_a_character_seen_printable_does_not_hide_the_next_unprintable_one() -> None:
    """fonts.unprintable remembers the characters it found printable (issue 16: a batch checks
    13,600 strings for 2,000 letters); a string of known characters and a new one the fonts lack
    still names that one, the first in the string, and per set of families."""
    from notice_factory.fonts import unprintable

    sans = ("Liberation Sans",)
    assert unprintable("Rue de la Paix 12", sans) is None
    assert unprintable("Rue de la Paix 12", sans) is None  # from what it remembers
    assert unprintable("Rue ລາວ de la Paix", sans) == "ລ"
    assert unprintable("Paix 北京", sans) == "北"
    assert unprintable("Paix 北京", ("Liberation Sans", "Noto Serif CJK SC")) is None
    assert unprintable("北京", sans) == "北"
