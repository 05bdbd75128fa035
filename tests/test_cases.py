"""Case files as the back office sends them: every bad-input class is rejected with its row,
field and a reason a clerk understands, while the good rows of the same file still go through."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import BATCH_DATE, FIXTURES

from notice_factory.cases import parse_rows, read_case_file
from notice_factory.context import preflight
from notice_factory.errors import CaseError, CaseFileError
from notice_factory.model import Case
from notice_factory.pipeline import reject_from
from notice_factory.render import LetterRenderer
from notice_factory.settings import SenderProfile

# case_id -> (field rejected, words the reason must contain to name the problem).
BAD_ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "BAD-POSTCODE": ("postal_code", ("'7501'", "5 digits")),
    "BAD-COMMA": ("principal", ("'1234,56'", "comma")),
    "BAD-NEGATIVE": ("principal", ("'-10.00'", "negative")),
    "BAD-DATE": ("due_date", ("'2026-02-30'", "date")),
    "BAD-KIND": ("kind", ("'summons'", "reminder")),
    "BAD-LOCALE": ("locale", ("'de_DE'", "fr_FR")),
    "NO-NAME": ("debtor_name", ("required",)),
    "BAD-COUNTRY": ("country", ("'FRA'", "ISO 3166-1 alpha-2")),
    "FEES-FR": ("fees", ("fees", "L111-8")),
    "PLAN-61": ("plan_installments", ("'61'", "60")),
}


def without_row(case: Case) -> Case:
    return dataclasses.replace(case, row=0)


@pytest.fixture(scope="module")
def bad_read() -> tuple[list[Case], list[CaseError]]:
    result = read_case_file(FIXTURES / "bad-cases.csv", batch_date=BATCH_DATE)
    return result.cases, result.rejects


@pytest.mark.parametrize("case_id", sorted(BAD_ROWS))
def test_each_bad_row_is_rejected_with_row_field_and_reason(
        bad_read: tuple[list[Case], list[CaseError]], case_id: str) -> None:
    cases, rejects = bad_read
    field, words = BAD_ROWS[case_id]
    mine = [e for e in rejects if e.case_id == case_id]
    assert [e.field for e in mine] == [field], [e.format_message() for e in mine]
    err = mine[0]
    # Rows are numbered as a spreadsheet shows them: the header is row 1.
    lines = (FIXTURES / "bad-cases.csv").read_text(encoding="utf-8").splitlines()
    assert err.row is not None
    assert lines[err.row - 1].startswith(case_id + ","), err.row
    for word in words:
        assert word in err.message, err.message
    # A sentence, not a code: several words, starting with a letter or the quoted value.
    assert len(err.message.split()) >= 3, err.message
    assert err.format_message().startswith(f"row {err.row} (case {case_id}), field {field}: ")
    assert case_id not in {c.case_id for c in cases}


def test_duplicate_case_id_rejects_both_rows(
        bad_read: tuple[list[Case], list[CaseError]]) -> None:
    cases, rejects = bad_read
    dups = [e for e in rejects if e.case_id == "DUP-1"]
    assert sorted(e.row for e in dups if e.row is not None) == [9, 10]
    assert {e.field for e in dups} == {"case_id"}
    assert "also used on row 10" in dups[0].message
    assert "also used on row 9" in dups[1].message
    assert "DUP-1" not in {c.case_id for c in cases}


def test_good_rows_of_a_bad_file_still_parse(
        bad_read: tuple[list[Case], list[CaseError]]) -> None:
    cases, rejects = bad_read
    # LONG-ADDRESS is a valid row; its address only fails when laid out for the window.
    assert [c.case_id for c in cases] == ["OK-1", "LONG-ADDRESS", "OK-2"]
    assert len(rejects) == len(BAD_ROWS) + 2  # + both DUP-1 rows


def test_too_long_address_is_rejected_when_the_letter_is_built(
        bad_read: tuple[list[Case], list[CaseError]], renderer: LetterRenderer,
        sender: SenderProfile) -> None:
    cases, _ = bad_read
    case = next(c for c in cases if c.case_id == "LONG-ADDRESS")
    with pytest.raises(CaseError) as info:
        renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    err = reject_from(info.value, case)  # what the pipeline writes to rejects.csv
    assert (err.row, err.case_id, err.field) == (14, "LONG-ADDRESS", "address_line1")
    assert "Résidence des Grands Chênes" in err.message and "38" in err.message
    # The other valid rows of the file still make letters.
    for ok in (c for c in cases if c.case_id != "LONG-ADDRESS"):
        assert renderer.render(ok, sender.entity(ok.locale), batch_date=BATCH_DATE).pages >= 1


def test_csv_with_bom_reads_the_same(tmp_path: Path) -> None:
    raw = (FIXTURES / "cases.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + raw)
    plain = read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE)
    with_bom = read_case_file(bom, batch_date=BATCH_DATE)
    assert with_bom.rejects == []
    assert with_bom.cases == plain.cases
    assert with_bom.cases[0].case_id == "FR-2026-0001"  # not "\ufeffcase_id" lost in the header


def test_jsonl_gives_the_same_cases_as_csv() -> None:
    csv_cases = read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE)
    jsonl = read_case_file(FIXTURES / "cases.jsonl", batch_date=BATCH_DATE)
    assert jsonl.rejects == []
    assert len(jsonl.cases) == len(csv_cases.cases) == 16
    assert [without_row(c) for c in jsonl.cases] == [without_row(c) for c in csv_cases.cases]
    assert [c.row for c in jsonl.cases] == list(range(1, 17))  # JSON Lines: the line number


def test_json_gives_the_same_cases_as_csv() -> None:
    by_id = {c.case_id: c for c in
             read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE).cases}
    result = read_case_file(FIXTURES / "cases.json", batch_date=BATCH_DATE)
    assert result.rejects == []
    assert result.cases, "cases.json holds no case"
    for case in result.cases:
        assert without_row(case) == without_row(by_id[case.case_id])


def _csv_with_extra_column(tmp_path: Path, name: str) -> Path:
    lines = (FIXTURES / "cases.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "extra.csv"
    path.write_text("\n".join([lines[0] + "," + name] + [ln + ",x" for ln in lines[1:3]]) + "\n",
                    encoding="utf-8")
    return path


def test_unknown_column_is_a_file_error_naming_it_with_a_suggestion(tmp_path: Path) -> None:
    path = _csv_with_extra_column(tmp_path, "principle")
    with pytest.raises(CaseFileError) as info:
        read_case_file(path, batch_date=BATCH_DATE)
    message = info.value.format_message()
    assert "'principle'" in message
    assert "did you mean 'principal'" in message
    assert info.value.file == str(path) and info.value.line == 1


def test_unknown_column_is_kept_aside_with_allow_unknown(tmp_path: Path) -> None:
    path = _csv_with_extra_column(tmp_path, "principle")
    result = read_case_file(path, batch_date=BATCH_DATE, allow_unknown=True)
    assert result.rejects == []
    assert [c.case_id for c in result.cases] == ["FR-2026-0001", "FR-2026-0002"]
    assert result.cases[0].extra == {"principle": "x"}
    assert result.cases[0].amounts.principal == Decimal("1234.56")


def test_unknown_key_in_jsonl_rejects_that_row_only(tmp_path: Path) -> None:
    lines = (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    obj = json.loads(lines[1])
    obj["debtor_nmae"] = "typo"
    path = tmp_path / "typo.jsonl"
    path.write_text(lines[0] + "\n" + json.dumps(obj, ensure_ascii=False) + "\n", "utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert [c.case_id for c in result.cases] == ["FR-2026-0001"]
    assert [(e.row, e.field) for e in result.rejects] == [(2, "debtor_nmae")]
    assert "did you mean 'debtor_name'" in result.rejects[0].message


def _json_case(**changes: object) -> dict[str, object]:
    obj: dict[str, object] = json.loads(
        (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines()[0])
    obj.update(changes)
    return obj


def test_python_float_amounts_are_refused() -> None:
    result = parse_rows([_json_case(principal=1234.56)], batch_date=BATCH_DATE)
    assert result.cases == []
    assert [(e.row, e.field) for e in result.rejects] == [(1, "principal")]
    assert "floating-point" in result.rejects[0].message


def test_json_numbers_never_go_through_float(tmp_path: Path) -> None:
    # A JSON number is read as an exact decimal (never a binary float): 0.1 + 0.2 stays 0.30.
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps([_json_case(principal="__P__", interest="__I__")])
                    .replace('"__P__"', "0.1").replace('"__I__"', "0.2"), encoding="utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert result.rejects == []
    amounts = result.cases[0].amounts
    assert amounts.total == Decimal("0.3")
    assert isinstance(amounts.principal, Decimal)


def test_json_number_with_three_decimals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps([_json_case(principal="__P__")]).replace('"__P__"', "10.005"),
                    encoding="utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert result.cases == []
    assert [e.field for e in result.rejects] == ["principal"]
    assert "'10.005'" in result.rejects[0].message


def test_amounts_are_exact_decimals_and_total_is_exact() -> None:
    cases = {c.case_id: c for c in
             read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE).cases}
    a = cases["FR-2026-0002"].amounts
    for value in (a.principal, a.interest, a.fees, a.penalties, a.total):
        assert type(value) is Decimal
    assert a.total == Decimal("9438.75")
    assert str(a.total) == "9438.75"  # no float artefact, no lost cent
    # Many small cents add up exactly (a float sum of 0.1 two hundred times is not 20.0).
    rows = [_json_case(case_id=f"C{i}", principal="0.01", interest="0.09")
            for i in range(200)]
    result = parse_rows(rows, batch_date=BATCH_DATE)
    assert result.rejects == []
    assert sum((c.amounts.total for c in result.cases), Decimal(0)) == Decimal("20.00")


def test_letter_date_defaults_to_the_batch_date() -> None:
    other_day = dt.date(2026, 12, 1)
    late = parse_rows([_json_case(due_date="2026-11-30")], batch_date=BATCH_DATE)
    assert [e.field for e in late.rejects] == ["due_date"]  # not overdue on the batch date
    ok = parse_rows([_json_case(due_date="2026-11-30")], batch_date=other_day)
    assert ok.rejects == [] and ok.cases[0].letter_date is None


def test_romanian_cases_are_normalised_to_comma_below_before_anything_uses_them() -> None:
    """The manifest and the deposit slip print the case's own fields: they must be fixed too."""
    raw = {"case_id": "R1", "kind": "reminder", "locale": "ro_RO", "debtor_name": "Ştefan Ţurcanu",
           "debtor_title": "Dl.", "address_line1": "Str. Şcolii nr. 1", "postal_code": "010101",
           "city": "Bucureşti", "country": "RO", "contract_ref": "X-1", "product": "invoice",
           "currency": "RON", "principal": "10.00", "due_date": "2026-10-01"}
    case = parse_rows([raw], batch_date=dt.date(2026, 11, 23)).cases[0]
    printed = " ".join([case.debtor_name, case.address_line1, case.city])
    assert printed == "Ștefan Țurcanu Str. Școlii nr. 1 București"
    assert not set(printed) & set("şţŞŢ")
    # Other locales keep what they were given (a Turkish ş is a real letter there).
    fr = parse_rows([{**raw, "locale": "fr_FR", "postal_code": "75001", "country": "FR",
                      "currency": "EUR"}], batch_date=dt.date(2026, 11, 23)).cases[0]
    assert fr.debtor_name == "Ştefan Ţurcanu"


# ---------------------------------------------------------------- guarantee level (issue 13)


@pytest.mark.parametrize(("value", "level"), [("R3", "R3"), ("r2", "R2"), (" R1 ", "R1"),
                                              ("", None)])
def test_guarantee_level_of_a_case(value: str, level: str | None) -> None:
    result = parse_rows([_json_case(guarantee=value)], batch_date=BATCH_DATE)
    assert result.rejects == []
    assert result.cases[0].guarantee == level


@pytest.mark.parametrize(("changes", "words"), [
    ({"guarantee": "R4"}, "'R4' is not a guarantee level: use R1, R2 or R3"),
    ({"guarantee": "R2", "registered": "false", "acknowledgement": "false"},
     "only for registered post"),
])
def test_a_wrong_guarantee_level_is_rejected_naming_the_field(changes: dict[str, object],
                                                              words: str) -> None:
    result = parse_rows([_json_case(**changes)], batch_date=BATCH_DATE)
    assert result.cases == []
    assert [(e.row, e.field) for e in result.rejects] == [(1, "guarantee")]
    assert words in result.rejects[0].message


@pytest.mark.parametrize(("changes", "words"), [
    # A French item abroad is an international registered item: no R level.
    ({"guarantee": "R3", "country": "BE", "postal_code": "1000", "city": "Bruxelles"},
     "apply within France; this item goes to BE"),
])
def test_a_guarantee_the_item_cannot_have_is_refused_before_numbering(
        sender: SenderProfile, changes: dict[str, object], words: str) -> None:
    [case] = parse_rows([_json_case(**changes)], batch_date=BATCH_DATE).cases
    with pytest.raises(CaseError) as err:
        preflight(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    assert err.value.field == "guarantee" and words in err.value.message


def test_a_guarantee_for_an_operator_without_levels_is_refused(sender: SenderProfile) -> None:
    raw = next(json.loads(line) for line in
               (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines()
               if '"ro_RO"' in line)
    [case] = parse_rows([dict(raw, guarantee="R2")], batch_date=BATCH_DATE).cases
    with pytest.raises(CaseError) as err:
        preflight(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    assert err.value.field == "guarantee"
    assert "Poșta Română items have none" in err.value.message
