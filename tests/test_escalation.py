"""`escalate`: each decision path on a real ledger, to the day; the files it writes; the
ladders as data (`templates check`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dispatch_helpers import open_ledger, send

from notice_factory.cases import read_case_file, read_rows
from notice_factory.cli import main
from notice_factory.escalation import Decision, decide, escalate, write_escalation
from notice_factory.ladder import check_ladders, load_ladders
from notice_factory.ledger import CarrierEvent, Ledger
from notice_factory.model import Locale

D = dt.date.fromisoformat
REPO = Path(__file__).resolve().parent.parent
LADDERS = load_ladders()
FR, CN, RO = Locale.FR_FR, Locale.ZH_CN, Locale.RO_RO


def fixture_row(case_id: str) -> dict[str, str]:
    with (REPO / "fixtures" / "cases.csv").open(encoding="utf-8", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["case_id"] == case_id)


SOURCE = {FR: "FR-2026-0001", CN: "CN-2026-0001", RO: "RO-2026-0001"}


def case(where: Locale, case_id: str, **fields: str) -> dict[str, str]:
    """A fixture row of the locale under a new id, kind empty, due on 2026-09-05."""
    row = fixture_row(SOURCE[where])
    row.update(case_id=case_id, kind="", letter_date="", acknowledgement="",
               due_date="2026-09-05")
    row.update(fields)
    return row


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path) as led:
        yield led


def events(ledger: Ledger, number: str, *items: tuple[str, str, str, str]) -> None:
    """(event_at, code, status, outcome) events of the operator ``test``."""
    ledger.add_carrier_events([CarrierEvent(number, "test", code, "", at, status, outcome, "t")
                               for at, code, status, outcome in items])


def decision(ledger: Ledger, row: Mapping[str, Any], day: str) -> Decision:
    return decide(row, 2, ledger, LADDERS, D(day))[0]


DELIVERED = ("2026-11-25", "DI1", "delivered", "")
REFUSED = [("2026-11-24", "A02", "notice_left", ""),
           ("2026-11-27", "P04", "returned", "presented_refused")]
UNCLAIMED = [("2026-11-26", "A02", "notice_left", ""),
             ("2026-12-12", "P03", "returned", "presented_unclaimed")]


def test_first_step_on_the_day_the_ladder_gives_and_not_before(ledger: Ledger) -> None:
    row = case(FR, "C1")  # due 2026-09-05; fr reminder: 10 days after
    early = decision(ledger, row, "2026-09-14")
    assert (early.decision, early.kind, early.next_date) == ("wait", "reminder", D("2026-09-15"))
    on_time = decision(ledger, row, "2026-09-15")
    assert (on_time.decision, on_time.kind) == ("send", "reminder")


# (locale, events of the reminder, last day of waiting) -> the formal notice the day after.
# Reminder deadline: 15 days from the effective notice date in every locale.
@pytest.mark.parametrize(("locale", "history", "last_wait"), [
    (FR, [DELIVERED], "2026-12-10"),     # delivered 11-25 + 15
    (FR, REFUSED, "2026-12-09"),         # presented 11-24 (notice left) + 15
    (FR, UNCLAIMED, "2026-12-11"),       # presented 11-26 + 15, though returned on 12-12
    (CN, [DELIVERED], "2026-12-10"),
    (CN, REFUSED, "2026-12-12"),         # 应当到达: the return, 11-27 + 15
    (RO, [DELIVERED], "2026-12-10"),
], ids=["fr-delivered", "fr-refused", "fr-unclaimed", "cn-delivered", "cn-refused",
        "ro-delivered"])
def test_formal_notice_the_day_after_the_reminder_deadline(
        ledger: Ledger, locale: Locale, history: list[tuple[str, str, str, str]],
        last_wait: str) -> None:
    number = send(ledger, locale, "C1", "reminder", D("2026-11-23"))
    events(ledger, number, *history)
    row = case(locale, "C1")
    waiting = decision(ledger, row, last_wait)
    first = D(last_wait) + dt.timedelta(days=1)
    assert (waiting.decision, waiting.kind, waiting.next_date) == ("wait", "formal_notice", first)
    sending = decision(ledger, row, first.isoformat())
    assert (sending.decision, sending.kind) == ("send", "formal_notice")
    assert number in sending.reason


def test_lawyer_letter_after_the_formal_notice_deadline(ledger: Ledger) -> None:
    reminder = send(ledger, FR, "C1", "reminder", D("2026-11-23"))
    events(ledger, reminder, DELIVERED)
    notice = send(ledger, FR, "C1", "formal_notice", D("2026-12-11"))
    events(ledger, notice, ("2026-12-14", "A02", "notice_left", ""),
           ("2026-12-30", "P03", "returned", "presented_unclaimed"))
    row = case(FR, "C1")
    # presented 12-14, fr formal notice gives 30 days: deadline 2027-01-13
    assert decision(ledger, row, "2027-01-13").next_date == D("2027-01-14")
    last = decision(ledger, row, "2027-01-14")
    assert (last.decision, last.kind) == ("send", "lawyer_letter")
    lawyer = send(ledger, FR, "C1", "lawyer_letter", D("2027-01-14"))
    events(ledger, lawyer, ("2027-01-16", "N01", "delivered", "delivered"))
    end = decision(ledger, row, "2027-03-01")
    assert end.decision == "stop" and "the ladder ends" in end.reason


@pytest.mark.parametrize(("history", "expected", "words"), [
    ([("2026-11-28", "A23", "returned", "not_presented_address")], "address_search",
     "address unknown"),
    ([("2026-11-28", "A13", "lost", "")], "send", "was lost"),
    ([("2026-11-24", "PC1", "deposited", "")], "wait", "no final outcome yet"),
    ([("2026-11-28", "RE1", "returned", "")], "wait", "without a reason"),
    ([("2026-11-28", "N04", "returned", "deceased")], "stop", "deceased: the debtor died"),
], ids=["address", "lost", "pending", "returned-no-reason", "deceased"])
def test_what_the_last_letter_says(ledger: Ledger, history: list[tuple[str, str, str, str]],
                                   expected: str, words: str) -> None:
    number = send(ledger, FR, "C1", "reminder", D("2026-11-23"))
    events(ledger, number, *history)
    got = decision(ledger, case(FR, "C1"), "2026-12-20")
    assert got.decision == expected and words in got.reason
    if expected == "send":
        assert got.kind == "reminder"  # the same letter again


def test_no_outcome_long_after_posting_says_ask_the_carrier(ledger: Ledger) -> None:
    send(ledger, FR, "C1", "reminder", D("2026-11-23"))
    assert "ask the carrier" not in decision(ledger, case(FR, "C1"), "2026-12-23").reason
    assert "ask the carrier" in decision(ledger, case(FR, "C1"), "2026-12-24").reason


def test_romania_needs_a_confirmare_de_primire(ledger: Ledger) -> None:
    number = send(ledger, RO, "C1", "reminder", D("2026-11-23"))
    events(ledger, number, *UNCLAIMED)
    got = decision(ledger, case(RO, "C1"), "2027-01-20")
    assert got.decision == "stop" and "decide by hand" in got.reason


@pytest.mark.parametrize(("fields", "words"), [
    ({"paid_amount": "1282.76"}, "paid: the debt is paid [art. 1342 C. civ."),
    ({"plan_signed": "true"}, "plan_signed: a repayment plan is signed"),
    ({"disputed": "yes"}, "disputed: the debtor disputes"),
    ({"insolvency": "2026-10-01"}, "insolvency: over-indebtedness"),
    ({"deceased": "1"}, "deceased: the debtor died"),
    ({"due_date": "2024-12-01"}, "prescription: the claim is time-barred [art. L218-2"),
], ids=["paid", "plan", "disputed", "insolvent", "deceased", "time-barred"])
def test_stops_with_their_reason(ledger: Ledger, fields: dict[str, str], words: str) -> None:
    got = decision(ledger, case(FR, "C1", **fields), "2026-12-01")
    assert (got.decision, got.kind) == ("stop", "")
    assert got.reason.startswith(words)


def test_status_values_that_do_not_stop(ledger: Ledger) -> None:
    partial = decision(ledger, case(FR, "C1", paid_amount="100.00", insolvency="2027-01-01",
                                    disputed="false"), "2026-12-01")
    assert partial.decision == "send"


def test_prescription_restarted_by_a_notice_only_where_the_ladder_says(ledger: Ledger) -> None:
    for locale in (CN, FR):
        number = send(ledger, locale, f"{locale.value}-1", "reminder", D("2026-01-10"))
        events(ledger, number, ("2026-01-12", "DI1", "delivered", ""))
    cn = case(CN, "zh_CN-1", due_date="2023-11-01")
    fr = case(FR, "fr_FR-1", due_date="2024-11-01")
    # 民法典 第195条: the delivered reminder restarted the 3 years on 2026-01-12.
    assert decision(ledger, cn, "2026-12-01").decision != "stop"
    assert decision(ledger, case(CN, "other", due_date="2023-11-01"),
                    "2026-12-01").reason.startswith("prescription: ")
    # France: a letter does not interrupt (Cass. com. 18 mai 2022).
    assert decision(ledger, fr, "2026-12-01").reason.startswith("prescription: ")


def test_a_kind_in_the_case_file_is_the_clerks_decision(ledger: Ledger) -> None:
    number = send(ledger, FR, "C1", "reminder", D("2026-11-23"))
    events(ledger, number, ("2026-11-28", "A23", "returned", "not_presented_address"))
    row = case(FR, "C1", kind="reminder", address_line1="5 rue Neuve")
    got = decision(ledger, row, "2026-12-20")
    assert (got.decision, got.kind) == ("send", "reminder")
    assert decision(ledger, case(FR, "C1", kind="reminder", disputed="true"),
                    "2026-12-20").decision == "stop"


@pytest.mark.parametrize(("fields", "words"), [
    ({"locale": "fr_BE"}, "field locale"),
    ({"disputed": "maybe"}, "field disputed"),
    ({"paid_amount": "12,50"}, "field paid_amount"),
    ({"postal_code": "7501"}, "cannot be sent"),
])
def test_invalid_rows(ledger: Ledger, fields: dict[str, str], words: str) -> None:
    got = decision(ledger, case(FR, "C1", **fields), "2026-12-01")
    assert got.decision == "stop" and got.invalid and words in got.reason


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_file_is_a_case_file_batch_reads(ledger: Ledger, tmp_path: Path, suffix: str) -> None:
    rows = [(2, case(FR, "A", paid_amount="0")), (3, case(CN, "B")),
            (4, case(RO, "C", disputed="true"))]
    result = escalate(rows, ledger, LADDERS, D("2026-12-01"))
    out, report = write_escalation(result, tmp_path / f"today{suffix}")
    read = read_case_file(out, batch_date=D("2026-12-01"))
    assert read.rejects == []
    assert [(c.case_id, c.kind.value, c.letter_date) for c in read.cases] == [
        ("A", "reminder", D("2026-12-01")), ("B", "reminder", D("2026-12-01"))]
    table = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert [(r["case_id"], r["decision"], r["kind"]) for r in table] == [
        ("A", "send", "reminder"), ("B", "send", "reminder"), ("C", "stop", "")]
    assert list(table[0]) == ["case_id", "decision", "kind", "reason", "next_date"]


def test_same_case_file_ledger_and_date_same_decisions(ledger: Ledger, tmp_path: Path) -> None:
    number = send(ledger, FR, "A", "reminder", D("2026-11-23"))
    events(ledger, number, *REFUSED)
    rows = [(2, case(FR, "A")), (3, case(FR, "B")), (4, case(RO, "C", deceased="true"))]
    first = write_escalation(escalate(rows, ledger, LADDERS, D("2026-12-05")),
                             tmp_path / "1" / "f.csv")
    second = write_escalation(escalate(list(reversed(rows))[::-1], ledger, LADDERS,
                                       D("2026-12-05")), tmp_path / "2" / "f.csv")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_cli_escalate(ledger: Ledger, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    rows = [case(FR, "A"), case(FR, "B", locale="xx")]
    header = [*rows[0].keys(), "disputed"]
    with cases.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    assert len(read_rows(cases, optional=("kind",))) == 2
    out = tmp_path / "o" / "today.csv"
    run = CliRunner().invoke(main, ["escalate", str(cases), "--ledger", str(ledger.path),
                                    "--date", "2026-12-01", "--out", str(out)])
    assert run.exit_code == 3, run.output  # one invalid row
    assert "send 1" in run.output and (out.parent / "escalation.csv").is_file()


# --------------------------------------------------------------------------- ladders as data


def test_bundled_ladders_are_clean() -> None:
    assert [p.format_message() for p in check_ladders()] == []
    assert {lang: [s.kind for s in ladder.steps] for lang, ladder in LADDERS.items()} == {
        lang: ["reminder", "formal_notice", "lawyer_letter"] for lang in ("fr", "zh", "ro")}


def test_ladder_problems_name_file_and_line(tmp_path: Path) -> None:
    tree = tmp_path / "templates"
    for lang in ("fr", "zh"):
        (tree / lang).mkdir(parents=True)
    text = (REPO / "templates" / "fr" / "ladder.toml").read_text(encoding="utf-8")
    text = text.replace('kind = "lawyer_letter"', 'kind = "lawyer_leter"', 1)
    text = text.replace('allowed = ["delivered", "presented_refused", "presented_unclaimed"]\n'
                        'source = "art. 1344 C. civ.', 'allowed = ["not_presented_address"]\n'
                        'source = "art. 1344 C. civ.', 1)
    text = text.replace('source = "art. L722-2 C. consommation"', 'source = ""')
    (tree / "fr" / "ladder.toml").write_text(text, encoding="utf-8")
    (tree / "zh" / "ladder.toml").write_text('locale = "zh_CN"\n[[steps]]\nkind = "reminder"\n'
                                             'after = "due_date"\n', encoding="utf-8")
    problems = [p.format_message() for p in check_ladders(tree)]
    fr_file = str(tree / "fr" / "ladder.toml")
    lines = text.splitlines()
    step2 = [n for n, line in enumerate(lines, 1) if line == "[[steps]]"][1]
    assert f"{fr_file}:{step2}: step 2 (formal_notice) is unreachable" in "\n".join(problems)
    assert any("unknown kind 'lawyer_leter'" in p for p in problems)
    assert any("stop condition 'insolvency' has no legal source" in p for p in problems)
    assert any("step 1 (reminder) has no legal source" in p and "zh" in p for p in problems)
    assert any("language ro has no escalation ladder" in p for p in problems)
    run = CliRunner().invoke(main, ["templates", "check", str(tree / "fr" / "ladder.toml")])
    assert run.exit_code == 1 and "unreachable" in run.output


def test_json_lines_case_file_in_and_out(ledger: Ledger, tmp_path: Path) -> None:
    import json

    row: dict[str, Any] = {k: v for k, v in case(FR, "J1").items() if v != ""}
    row.update(registered=True, principal=1234.56, disputed=False, insolvency="2027-02-01")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(row) + "\n", encoding="utf-8")
    rows = read_rows(cases, optional=("kind",))
    result = escalate(rows, ledger, LADDERS, D("2026-12-01"))
    assert [d.decision for d in result.decisions] == ["send"]
    out, _ = write_escalation(result, tmp_path / "today.jsonl")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["registered"] == "true" and written["principal"] == "1234.56"
    assert "disputed" not in written and written["kind"] == "reminder"
    assert read_case_file(out, batch_date=D("2026-12-01")).rejects == []


def test_an_unregistered_letter_is_sent_with_a_warning(ledger: Ledger) -> None:
    got = decision(ledger, case(FR, "U1", registered="false"), "2026-12-01")
    assert got.decision == "send" and "registered is false" in got.reason


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_batch_accepts_the_status_columns(tmp_path: Path, suffix: str) -> None:
    import json

    row = {**case(FR, "S1", kind="reminder"), "paid_amount": "0", "disputed": "false"}
    path = tmp_path / f"cases{suffix}"
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
    else:
        path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    read = read_case_file(path, batch_date=D("2026-12-01"))
    assert read.rejects == [] and read.cases[0].extra == {}


def test_escalation_csv_cells_never_run_as_formulas(ledger: Ledger, tmp_path: Path) -> None:
    result = escalate([(2, case(FR, "-1", locale="=cmd"))], ledger, LADDERS, D("2026-12-01"))
    _, report = write_escalation(result, tmp_path / "f.csv")
    table = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert table[0]["case_id"] == "'-1" and table[0]["reason"].startswith("invalid row")
