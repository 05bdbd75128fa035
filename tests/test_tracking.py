"""`tracking import`: every format, with duplicates, out-of-order events, unknown numbers,
malformed rows and unknown codes, on a real SQLite ledger; and the code tables as data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from dispatch_helpers import open_ledger, send

from notice_factory.carriers import load_codebook
from notice_factory.cli import main
from notice_factory.errors import ConfigError, EventsFileError
from notice_factory.followup import letter_state
from notice_factory.ledger import Ledger
from notice_factory.model import Locale
from notice_factory.outcomes import Outcome, Status
from notice_factory.tracking import import_events

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path) as led:
        yield led


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _outcome(ledger: Ledger, number: str) -> Outcome:
    record = ledger.record(number)
    assert record is not None
    return letter_state(ledger, record).outcome


def test_csv_import_reports_bad_rows_and_keeps_the_rest(ledger: Ledger, tmp_path: Path) -> None:
    fr = send(ledger, Locale.FR_FR, "FR-1", "reminder", DAY)
    ro = send(ledger, Locale.RO_RO, "RO-1", "reminder", DAY)
    events = _write(tmp_path / "events.csv", (
        "tracking_number,event_at,code,label,operator\n"
        f"{fr},2026-11-25T10:00:00+01:00,DI1,Distribué,\n"             # row 2
        f"{fr},2026-11-24T08:00:00+01:00,PC1,Pris en charge,\n"        # row 3: out of order
        f"{fr},2026-11-25T10:00+01:00,DI1,Distribué,\n"                # row 4: same event
        "RR999999999FR,2026-11-25,DI1,Distribué,\n"                    # row 5: unknown number
        f"{fr},25/11/2026,DI1,,\n"                                     # row 6: bad date
        f"{fr},2026-11-26,ZZ9,mystère,\n"                              # row 7: unknown code
        f"{fr},2026-11-26\n"                                           # row 8: short row
        f"{ro.lower()},2026-11-27,confirmare,,Posta Romana\n"          # row 9: names, case
        f"{fr},2026-11-26,DI1,,Nowhere Post\n"                         # row 10: no such table
    ))
    report = import_events(events, ledger, load_codebook())
    assert report.format == "csv"
    assert (report.added, report.duplicates) == (3, 1)
    assert [(p.where, p.number) for p in report.problems] == [
        ("row 5", "RR999999999FR"), ("row 6", fr), ("row 7", fr), ("row 8", ""), ("row 10", fr)]
    reasons = [p.reason for p in report.problems]
    assert "not in the ledger" in reasons[0]
    assert "not an ISO date" in reasons[1]
    assert "unknown la-poste code 'ZZ9'" in reasons[2] and "--codes" in reasons[2]
    assert "2 cells for 5 columns" in reasons[3]
    assert "Nowhere Post" in reasons[4]
    assert _outcome(ledger, fr) is Outcome.DELIVERED
    assert _outcome(ledger, ro) is Outcome.DELIVERED
    stored = ledger.carrier_events(fr)
    assert [(e.code, e.status) for e in stored] == [("DI1", "delivered"), ("PC1", "deposited")]
    assert stored[0].event_at == "2026-11-25T10:00:00+01:00"
    # The same file again adds nothing and reports the same problems.
    again = import_events(events, ledger, load_codebook())
    assert (again.added, again.duplicates, len(again.problems)) == (0, 4, 5)


def test_csv_date_only_and_default_operator(ledger: Ledger, tmp_path: Path) -> None:
    cn = send(ledger, Locale.ZH_CN, "CN-1", "reminder", DAY)
    events = _write(tmp_path / "cn.csv", (
        "tracking_number,event_at,code,label\n"
        f"{cn},2026-12-05,708,退回：拒收\n"
        f"{cn},2026-11-26,306,到达投递局\n"))
    report = import_events(events, ledger, load_codebook())
    assert (report.added, report.problems) == (2, [])
    state = letter_state(ledger, ledger.record(cn))  # type: ignore[arg-type]
    assert state.outcome is Outcome.PRESENTED_REFUSED
    assert state.result.effective_date == dt.date(2026, 12, 5)  # 应当到达: the return date
    assert state.deadline == dt.date(2026, 12, 20)  # zh reminder: 15 days


def test_csv_header_problems_stop_the_file_with_a_clear_message(ledger: Ledger,
                                                                 tmp_path: Path) -> None:
    events = _write(tmp_path / "bad.csv", "number,when,code\nX,2026-01-01,DI1\n")
    with pytest.raises(EventsFileError) as err:
        import_events(events, ledger, load_codebook())
    assert "tracking_number" in str(err.value) and str(events) + ":1: " in str(err.value)
    assert err.value.exit_code == 1
    garbled = _write(tmp_path / "x.json", "{not json")
    with pytest.raises(EventsFileError) as err:
        import_events(garbled, ledger, load_codebook(), "maileva")
    assert "is --format right?" in str(err.value)


def test_laposte_json(ledger: Ledger, tmp_path: Path) -> None:
    refused = send(ledger, Locale.FR_FR, "FR-2", "formal_notice", DAY)
    address = send(ledger, Locale.FR_FR, "FR-3", "formal_notice", DAY)
    other = send(ledger, Locale.FR_FR, "FR-4", "formal_notice", DAY)
    body = [
        {"lang": "fr_FR", "returnCode": 200, "shipment": {"idShip": refused, "event": [
            # newest first, as La Poste sends them
            {"code": "RE1", "label": "Retourné à l'expéditeur: refusé par le destinataire",
             "date": "2026-11-30T09:00:00+01:00"},
            {"code": "AG1", "label": "En attente d'être retiré au guichet",
             "date": "2026-11-25T14:00:00+01:00"},
            {"code": "MD2", "label": "Mis en distribution", "date": "2026-11-25T07:00:00+01:00"},
            {"code": "MD2", "label": "Mis en distribution", "date": "2026-11-25T07:00:00+01:00"},
        ]}},
        {"returnCode": 200, "shipment": {"idShip": address, "event": [
            {"code": "RE1", "label": "Destinataire inconnu à l'adresse", "date": "2026-11-28"},
            {"code": "XX7", "label": "?", "date": "2026-11-27"}]}},
        {"returnCode": 104, "returnMessage": "suivi pas encore disponible", "idShip": other},
        {"returnCode": 200, "shipment": {"idShip": "RR000000000ZZ", "event": [
            {"code": "DI1", "label": "Distribué", "date": "2026-11-26"}]}},
        "not an object",
    ]
    events = _write(tmp_path / "suivi.json", json.dumps(body, ensure_ascii=False))
    report = import_events(events, ledger, load_codebook())
    assert report.format == "laposte-json"  # guessed from the shape
    assert (report.added, report.duplicates) == (4, 1)
    assert [p.where for p in report.problems] == ["item 2, event 2", "item 3", "item 4, event 1",
                                                  "item 5"]
    assert "returnCode 104" in report.problems[1].reason
    refused_state = letter_state(ledger, ledger.record(refused))  # type: ignore[arg-type]
    assert refused_state.outcome is Outcome.PRESENTED_REFUSED
    assert refused_state.result.effective_date == dt.date(2026, 11, 25)  # the presentation
    assert _outcome(ledger, address) is Outcome.NOT_PRESENTED_ADDRESS


def test_maileva(ledger: Ledger, tmp_path: Path) -> None:
    unclaimed = send(ledger, Locale.FR_FR, "FR-5", "formal_notice", DAY)
    dead = send(ledger, Locale.FR_FR, "FR-6", "formal_notice", DAY)
    signed = send(ledger, Locale.FR_FR, "FR-7", "formal_notice", DAY)
    body = {"recipients": [
        {"registeredNumber": unclaimed, "deliveryStatuses": [
            {"code": "P03", "date": "2026-12-12T10:00:00+01:00"},
            {"code": "A02", "date": "2026-11-26T11:00:00+01:00", "label": "Avisé"},
            {"code": "A02", "date": "2026-11-26T11:00:00+01:00", "label": "Avisé"},
            {"code": "Q42", "date": "2026-11-27"}]},
        {"registeredNumber": dead, "lastDeliveryStatus": "N04",
         "lastDeliveryStatusDate": "2026-12-01"},
        {"registeredNumber": signed, "deliveryStatuses": [
            {"code": "N01", "date": "not a date"}, {"code": "N01", "date": "2026-11-27"}]},
        {"deliveryStatuses": []},
    ]}
    events = _write(tmp_path / "maileva.json", json.dumps(body))
    report = import_events(events, ledger, load_codebook(), "maileva")
    assert (report.added, report.duplicates) == (4, 1)
    assert [p.where for p in report.problems] == ["recipient 1, status 4",
                                                  "recipient 3, status 1", "recipient 4"]
    state = letter_state(ledger, ledger.record(unclaimed))  # type: ignore[arg-type]
    assert state.outcome is Outcome.PRESENTED_UNCLAIMED
    assert state.result.effective_date == dt.date(2026, 11, 26)
    assert state.deadline == dt.date(2026, 12, 26)  # fr formal notice: 30 days
    assert _outcome(ledger, dead) is Outcome.DECEASED
    assert _outcome(ledger, signed) is Outcome.DELIVERED


def test_user_code_table_extends_and_overrides(ledger: Ledger, tmp_path: Path) -> None:
    fr = send(ledger, Locale.FR_FR, "FR-8", "reminder", DAY)
    folder = tmp_path / "codes"
    folder.mkdir()
    _write(folder / "extra.toml", (
        'key = "la-poste"\n'
        '[codes]\n'
        'ZZ9 = { status = "returned", outcome = "presented_refused", label = "Refus" }\n'
        'ND1 = { status = "returned" }\n'))
    _write(folder / "acme.toml", (
        'key = "acme-post"\nnames = ["ACME Post"]\n'
        '[codes]\nOK = { status = "delivered" }\n'))
    book = load_codebook([folder])
    assert book.resolve("la poste").classify("ZZ9")[0] is Status.RETURNED  # type: ignore[union-attr,index]
    assert book.resolve("acme post").key == "acme-post"  # type: ignore[union-attr]
    events = _write(tmp_path / "e.csv", "tracking_number,event_at,code\n"
                                        f"{fr},2026-11-26,ZZ9\n")
    assert import_events(events, ledger, book).added == 1
    assert _outcome(ledger, fr) is Outcome.PRESENTED_REFUSED


@pytest.mark.parametrize(("text", "expected"), [
    ('names = ["x"]', "needs key"),
    ('key = "k"\n[codes]\nA = { status = "gone" }', "codes.A.status: 'gone' is not one of"),
    ('key = "k"\n[codes]\nA = { label = "x" }', "codes.A: needs at least status"),
    ('key = "k"\n[[reasons]]\noutcome = "delivered"\nmatch = "x"', "reasons[0].match"),
    ('key = "k"\n[codes\n', "not a valid TOML"),
])
def test_bad_code_tables_say_where(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as err:
        load_codebook([path])
    assert expected in str(err.value) and "bad.toml" in str(err.value)


def test_bundled_tables_cover_the_issue_codes() -> None:
    book = load_codebook()
    laposte, maileva = book.resolve("la-poste"), book.resolve("Maileva")
    assert laposte is not None and maileva is not None
    for code in ("DR1", "PC1", "ET1", "DI1", "DI2", "AG1", "RE1", "ND1"):
        assert laposte.code(code) is not None, code
    expected = {"N01": Outcome.DELIVERED, "N03": Outcome.PRESENTED_UNCLAIMED,
                "N04": Outcome.DECEASED, "N05": Outcome.PRESENTED_REFUSED,
                "A23": Outcome.NOT_PRESENTED_ADDRESS, "N07": Outcome.NOT_PRESENTED_ADDRESS}
    for code, outcome in expected.items():
        assert maileva.classify(code) == (maileva.codes[code].status, outcome), code
    assert book.resolve("中国邮政").key == "china-post"  # type: ignore[union-attr]
    assert book.resolve("Poșta Română").key == "posta-romana"  # type: ignore[union-attr]


def test_cli_import_exit_status_and_json(ledger: Ledger, tmp_path: Path) -> None:
    fr = send(ledger, Locale.FR_FR, "FR-9", "reminder", DAY)
    good = _write(tmp_path / "good.csv", f"tracking_number,event_at,code\n{fr},2026-11-26,DI1\n")
    bad = _write(tmp_path / "bad.csv", "tracking_number,event_at,code\nRR1,2026-11-26,DI1\n")
    args = ["--ledger", str(ledger.path)]
    ok = CliRunner().invoke(main, ["tracking", "import", str(good), *args])
    assert ok.exit_code == 0, ok.output
    assert "1 added" in ok.output
    partial = CliRunner().invoke(main, ["tracking", "import", str(bad), *args, "--json"])
    assert partial.exit_code == 3
    data = json.loads(partial.stdout)
    assert data["problems"][0]["where"] == "row 2"
    missing = CliRunner().invoke(main, ["tracking", "import", str(good), "--ledger",
                                        str(tmp_path / "nope.sqlite")])
    assert missing.exit_code == 1 and "ledger init" in missing.output


def test_the_cli_offers_the_formats_the_importer_reads() -> None:
    from notice_factory.cli import tracking as cli_tracking
    from notice_factory.tracking import FORMATS

    assert cli_tracking.FORMATS == FORMATS
