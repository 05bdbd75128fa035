"""`notice-factory render` as the back office runs it: files written, rejects listed, and the
exit status the interface promises (0 all, 3 some rejected, 1 nothing usable)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BATCH_DATE, DEMO_CASES, FIXTURES
from pypdf import PdfReader

from notice_factory.catalog import squash
from notice_factory.cli import main

DATE = ["--date", BATCH_DATE.isoformat()]


def run_render(*args: str) -> Result:
    result = CliRunner().invoke(main, ["render", *args, *DATE], catch_exceptions=True)
    # An exception click did not turn into an exit status would be a traceback for the user.
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def read_rejects(out: Path) -> list[dict[str, str]]:
    with (out / "rejects.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames is not None
        assert list(reader.fieldnames)[:4] == ["row", "case_id", "field", "reason"]
        return list(reader)


def test_render_demo_cases_writes_one_pdf_per_case(tmp_path: Path) -> None:
    out = tmp_path / "letters"
    result = run_render(str(FIXTURES / "cases.csv"), "--out", str(out))
    assert result.exit_code == 0, result.output
    expected = {f"{c.case_id}-{c.kind.value}.pdf" for c in DEMO_CASES}
    written = {p.name for p in out.glob("*.pdf")}
    assert written == expected
    assert read_rejects(out) == []
    assert f"{len(expected)} letter(s) written" in result.stdout
    for case in DEMO_CASES:
        pdf = (out / f"{case.letter_key}.pdf").read_bytes()
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) >= 1
        text = "".join(page.extract_text() or "" for page in reader.pages)
        assert squash(case.debtor_name) in squash(text), case.letter_key
    assert not [p for p in out.iterdir() if p.suffix not in (".pdf", ".csv")], \
        "temporary files left behind"


def test_render_bad_cases_exits_3_and_lists_rejects(tmp_path: Path) -> None:
    out = tmp_path / "letters"
    result = run_render(str(FIXTURES / "bad-cases.csv"), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert sorted(p.name for p in out.glob("*.pdf")) == ["OK-1-reminder.pdf", "OK-2-reminder.pdf"]
    rejects = read_rejects(out)
    by_case: dict[str, list[dict[str, str]]] = {}
    for row in rejects:
        by_case.setdefault(row["case_id"], []).append(row)
    assert set(by_case) == {
        "BAD-POSTCODE", "BAD-COMMA", "BAD-NEGATIVE", "BAD-DATE", "BAD-KIND", "BAD-LOCALE",
        "DUP-1", "NO-NAME", "BAD-COUNTRY", "FEES-FR", "LONG-ADDRESS", "PLAN-61"}
    assert sorted(int(r["row"]) for r in by_case["DUP-1"]) == [9, 10]
    assert [(r["row"], r["field"]) for r in by_case["LONG-ADDRESS"]] == [("14", "address_line1")]
    assert [(r["row"], r["field"]) for r in by_case["BAD-POSTCODE"]] == [("3", "postal_code")]
    for row in rejects:
        assert row["row"].isdigit() and row["field"], row
        assert len(row["reason"].split()) >= 3, row
    assert "rejected: row 3 (case BAD-POSTCODE), field postal_code: " in result.stderr


def test_render_json_summary(tmp_path: Path) -> None:
    import json

    result = run_render(str(FIXTURES / "bad-cases.csv"), "--out", str(tmp_path), "--json")
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["letters"] == 2 and summary["exit_code"] == 3
    assert {"row": 7, "case_id": "BAD-KIND", "field": "kind"}.items() <= next(
        r for r in summary["rejects"] if r["case_id"] == "BAD-KIND").items()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in its own process: what a terminal user would see."""
    return subprocess.run([sys.executable, "-m", "notice_factory", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("content, words", [
    (b"\xff\xfe\x00c\x00a\x00s\x00e", "UTF-8"),
    (b"", "empty"),
    (b"case_id,kind\nA,reminder\n", "lacks the required column"),
], ids=["not-utf8", "empty", "missing-columns"])
def test_unreadable_case_file_exits_1_with_one_line(tmp_path: Path, content: bytes,
                                                    words: str) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_bytes(content)
    proc = _cli("render", str(cases), "--out", str(tmp_path / "out"), *DATE)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("Error: ") and str(cases) in lines[0] and words in lines[0]


def test_unknown_file_type_exits_1(tmp_path: Path) -> None:
    cases = tmp_path / "cases.txt"
    cases.write_text("case_id\n", encoding="utf-8")
    proc = _cli("render", str(cases), "--out", str(tmp_path / "out"), *DATE)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_every_case_rejected_exits_1(tmp_path: Path) -> None:
    lines = (FIXTURES / "bad-cases.csv").read_text(encoding="utf-8").splitlines()
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text("\n".join([lines[0], lines[2], lines[3]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_render(str(only_bad), "--out", str(out))
    assert result.exit_code == 1
    assert [r["case_id"] for r in read_rejects(out)] == ["BAD-POSTCODE", "BAD-COMMA"]
    assert list(out.glob("*.pdf")) == []


def test_missing_case_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = _cli("render", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "nope.csv" in proc.stderr


def test_render_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["render", "--help"])
    assert result.exit_code == 0
    assert "notice-factory render" in result.output and "--out" in result.output
