"""The full after-dispatch cycle on a real ledger: batch -> carrier events -> escalate at
several dates -> the next batch from escalate's FILE -> tracking report (text, JSON, HTML).

Real batches (WeasyPrint, SQLite), run as the back office runs them: the CLI in a process.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from notice_factory.cli import main

REPO = Path(__file__).resolve().parent.parent
STATUS = ["paid_amount", "plan_signed", "disputed", "insolvency", "deceased"]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """A command as the back office runs it; all but `batch` in-process (CliRunner), to keep
    the test short: the batches are the part worth a real process."""
    if args[0] == "batch":
        return subprocess.run([sys.executable, "-m", "notice_factory", *map(str, args)],
                              cwd=REPO, capture_output=True, text=True, timeout=900)
    run = CliRunner().invoke(main, [str(a) for a in args])
    return subprocess.CompletedProcess(args, run.exit_code, run.stdout, run.stderr)


def fixture_rows() -> dict[str, dict[str, str]]:
    with (REPO / "fixtures" / "cases.csv").open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: r for r in csv.DictReader(fh)}


def write_cases(path: Path) -> None:
    rows = fixture_rows()
    out = []

    def add(source: str, case_id: str, **fields: str) -> None:
        row = dict(rows[source], case_id=case_id, kind="", letter_date="", acknowledgement="")
        out.append({**row, **dict.fromkeys(STATUS, ""), **fields})

    for name in ("delivered", "refused", "unclaimed", "address", "none"):
        add("FR-2026-0001", f"FR-{name}")
    add("FR-2026-0001", "FR-paid", paid_amount="1282.76")
    add("FR-2026-0001", "FR-disputed", disputed="true")
    add("FR-2026-0001", "FR-insolvent", insolvency="2026-10-01")
    add("FR-2026-0001", "FR-barred", due_date="2024-09-01")
    add("CN-2026-0001", "CN-refused")
    add("RO-2026-0001", "RO-delivered")
    add("RO-2026-0001", "RO-unclaimed")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)


def decisions(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "escalation.csv").open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: r for r in csv.DictReader(fh)}


def manifest(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return {r["case_id"]: r for r in csv.DictReader(fh)}


def escalate(base: Path, cases: Path, ledger: Path, day: str) -> dict[str, dict[str, str]]:
    out = base / f"escalate-{day}" / "today.csv"
    run = cli("escalate", cases, "--ledger", ledger, "--date", day, "--out", out)
    assert run.returncode == 0, run.stderr
    return decisions(out.parent)


def picked(table: dict[str, dict[str, str]], decision: str) -> dict[str, str]:
    return {cid: r["kind"] for cid, r in table.items() if r["decision"] == decision}


@pytest.mark.slow
def test_full_cycle(tmp_path: Path) -> None:
    cases, ledger = tmp_path / "cases.csv", tmp_path / "ledger.sqlite"
    write_cases(cases)
    missing = cli("escalate", cases, "--ledger", ledger, "--date", "2026-11-23", "--out",
                  tmp_path / "x.csv")
    assert missing.returncode == 1 and "ledger init" in missing.stderr  # never made here
    assert cli("ledger", "init", ledger).returncode == 0
    first = escalate(tmp_path, cases, ledger, "2026-11-23")
    senders = ["FR-delivered", "FR-refused", "FR-unclaimed", "FR-address", "FR-none",
               "CN-refused", "RO-delivered", "RO-unclaimed"]
    assert picked(first, "send") == dict.fromkeys(senders, "reminder")
    stops = {cid: r["reason"].split(":")[0] for cid, r in first.items()
             if r["decision"] == "stop"}
    assert stops == {"FR-paid": "paid", "FR-disputed": "disputed", "FR-insolvent": "insolvency",
                     "FR-barred": "prescription"}
    assert all(first[c]["reason"] for c in stops)

    batch1 = cli("batch", tmp_path / "escalate-2026-11-23" / "today.csv", "--out",
                 tmp_path / "b1", "--ledger", ledger, "--date", "2026-11-23", "--jobs", "2")
    assert batch1.returncode == 0, batch1.stderr
    n = {cid: r["tracking_number"] for cid, r in manifest(tmp_path / "b1").items()}
    assert sorted(n) == sorted(senders) and all(n.values())
    assert {r["kind"] for r in manifest(tmp_path / "b1").values()} == {"reminder"}

    events = tmp_path / "events.csv"
    events.write_text(
        "tracking_number,event_at,code,label,operator\n"
        f"{n['FR-delivered']},2026-11-25T10:00:00+01:00,DI1,Distribué,\n"
        f"{n['FR-delivered']},2026-11-24T08:00:00+01:00,PC1,Pris en charge,\n"
        f"{n['FR-delivered']},2026-11-25T10:00:00+01:00,DI1,Distribué,\n"
        f"{n['CN-refused']},2026-12-05,708,退回：拒收,\n"
        f"{n['RO-delivered']},2026-11-27,CONFIRMARE,,\n"
        f"{n['RO-unclaimed']},2026-11-26,AVIZAT,,\n"
        f"{n['RO-unclaimed']},2026-12-10,NERIDICAT,,Poșta Română\n", encoding="utf-8")
    suivi = tmp_path / "suivi.json"
    suivi.write_text(json.dumps([{"returnCode": 200, "shipment": {
        "idShip": n["FR-refused"], "event": [
            {"code": "RE1", "label": "Retourné à l'expéditeur: refusé par le destinataire",
             "date": "2026-11-27T09:00:00+01:00"},
            {"code": "MD2", "label": "Mis en distribution",
             "date": "2026-11-27T07:00:00+01:00"}]}}]), encoding="utf-8")
    maileva = tmp_path / "maileva.json"
    maileva.write_text(json.dumps({"recipients": [
        {"registeredNumber": n["FR-unclaimed"], "deliveryStatuses": [
            {"code": "P03", "date": "2026-12-12"}, {"code": "A02", "date": "2026-11-26"}]},
        {"registeredNumber": n["FR-address"], "lastDeliveryStatus": "A23",
         "lastDeliveryStatusDate": "2026-11-28"}]}), encoding="utf-8")
    for path, fmt in ((events, "csv"), (suivi, "laposte-json"), (maileva, "maileva")):
        run = cli("tracking", "import", path, "--ledger", ledger, "--format", fmt)
        assert run.returncode == 0, run.stdout + run.stderr
    again = cli("tracking", "import", events, "--ledger", ledger, "--json")
    assert json.loads(again.stdout)["added"] == 0

    # Reminder deadlines (15 days from the effective date): FR-delivered 12-10, FR-unclaimed
    # 12-11 (presented 11-26), FR-refused 12-12, RO-delivered 12-12, CN-refused 12-20 (return).
    day10 = escalate(tmp_path, cases, ledger, "2026-12-10")
    assert picked(day10, "send") == {}
    assert day10["FR-delivered"]["next_date"] == "2026-12-11"
    assert picked(day10, "address_search") == {"FR-address": ""}
    assert day10["FR-none"]["decision"] == "wait"
    assert day10["RO-unclaimed"]["decision"] == "stop"
    assert picked(escalate(tmp_path, cases, ledger, "2026-12-11"), "send") == {
        "FR-delivered": "formal_notice"}
    assert picked(escalate(tmp_path, cases, ledger, "2026-12-12"), "send") == {
        "FR-delivered": "formal_notice", "FR-unclaimed": "formal_notice"}
    day13 = escalate(tmp_path, cases, ledger, "2026-12-13")
    assert picked(day13, "send") == dict.fromkeys(
        ["FR-delivered", "FR-refused", "FR-unclaimed", "RO-delivered"], "formal_notice")
    assert day13["CN-refused"]["next_date"] == "2026-12-21"
    assert {day13[c]["decision"] for c in stops} == {"stop"}

    batch2 = cli("batch", tmp_path / "escalate-2026-12-13" / "today.csv", "--out",
                 tmp_path / "b2", "--ledger", ledger, "--date", "2026-12-13", "--jobs", "2")
    assert batch2.returncode == 0, batch2.stderr
    second = manifest(tmp_path / "b2")
    assert {c: r["kind"] for c, r in second.items()} == picked(day13, "send")
    # Once sent, the formal notices wait for their outcome: nothing is sent twice.
    assert picked(escalate(tmp_path, cases, ledger, "2026-12-13"), "send") == {}

    report = cli("tracking", "report", "--ledger", ledger, "--date", "2026-12-30", "--json",
                 "--html", tmp_path / "report.html")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    batches = {b["batch_id"]: b for b in data["batches"]}
    b1 = json.loads((tmp_path / "b1" / "batch.json").read_text(encoding="utf-8"))["batch_id"]
    assert {k: v for k, v in batches[b1]["outcomes"].items() if v} == {
        "delivered": 2, "presented_refused": 2, "presented_unclaimed": 2,
        "not_presented_address": 1, "pending": 1}
    assert batches[b1]["stale"] == [n["FR-none"]]
    assert batches[b1]["address_search"] == [n["FR-address"]]
    letters = {x["number"]: x for x in data["letters"]}
    assert letters[n["FR-refused"]]["effective_date"] == "2026-11-27"
    assert letters[n["FR-refused"]]["deadline"] == "2026-12-12"
    assert letters[n["RO-unclaimed"]]["effective_date"] == ""
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and b1 in page and "presented_unclaimed" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    text = cli("tracking", "report", "--ledger", ledger, "--date", "2026-12-30", "--batch", b1)
    assert text.returncode == 0
    assert f"no final outcome after 30 days: {n['FR-none']}" in text.stdout
    assert n["FR-delivered"] in text.stdout and "formal_notice" not in text.stdout
    unknown = cli("tracking", "report", "--ledger", ledger, "--batch", "no-such-batch")
    assert unknown.returncode == 2 and "no-such-batch" in unknown.stderr
