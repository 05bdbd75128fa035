"""`tracking report`: per letter and per batch, as text, JSON and HTML, on a real ledger."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from dispatch_helpers import open_ledger, send

from notice_factory.cli import main
from notice_factory.ledger import CarrierEvent, Ledger
from notice_factory.model import Locale
from notice_factory.trackreport import build_report, report_html, report_text

D = dt.date.fromisoformat


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path) as led:
        yield led


def _event(number: str, at: str, code: str, status: str, outcome: str = "",
           label: str = "") -> CarrierEvent:
    return CarrierEvent(number, "test", code, label, at, status, outcome, "t")


@pytest.fixture
def numbers(ledger: Ledger) -> dict[str, str]:
    n = {
        "delivered": send(ledger, Locale.FR_FR, "A", "reminder", D("2026-10-31"), "b-1"),
        "address": send(ledger, Locale.FR_FR, "B", "reminder", D("2026-10-31"), "b-1"),
        "silent": send(ledger, Locale.FR_FR, "C", "reminder", D("2026-10-31"), "b-1"),
        "cn": send(ledger, Locale.ZH_CN, "D", "formal_notice", D("2026-11-20"), "b-2"),
    }
    ledger.add_carrier_events([
        _event(n["delivered"], "2026-11-03", "DI1", "delivered", label="<script>x</script>"),
        _event(n["address"], "2026-11-05", "A23", "returned", "not_presented_address"),
        _event(n["cn"], "2026-11-22", "AVIS", "notice_left"),
        _event(n["cn"], "2026-11-30", "708", "returned", "presented_unclaimed", "逾期未领"),
    ])
    return n


def test_letters_and_batches(ledger: Ledger, numbers: dict[str, str]) -> None:
    report = build_report(ledger, as_of=D("2026-12-01"))
    lines = {x.number: x for x in report.letters}
    assert lines[numbers["delivered"]].deadline == "2026-11-18"  # fr reminder: 15 days
    cn = lines[numbers["cn"]]
    assert (cn.outcome, cn.effective_date, cn.deadline) == (
        "presented_unclaimed", "2026-11-30", "2026-12-15")
    assert cn.locale == "zh_CN"
    b1, b2 = report.batches
    assert (b1.batch_id, b1.letters, b2.letters) == ("b-1", 3, 1)
    assert b1.stale == [numbers["silent"]]  # 31 days after 2026-10-31: more than 30
    assert b1.address_search == [numbers["address"]]
    assert build_report(ledger, as_of=D("2026-12-01"), stale_days=31).batches[0].stale == []
    only = build_report(ledger, as_of=D("2026-12-01"), batch_id="b-2")
    assert [x.number for x in only.letters] == [numbers["cn"]]


def test_text_json_html(ledger: Ledger, numbers: dict[str, str], tmp_path: Path) -> None:
    report = build_report(ledger, as_of=D("2026-12-01"))
    text = report_text(report)
    assert "batch b-1: 3 letter(s): delivered 1, not_presented_address 1, pending 1" in text
    assert f"returned, address unknown (address search): {numbers['address']}" in text
    page = report_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<svg") == 1 and "<title>pending: 1</title>" in page
    out = tmp_path / "r.html"
    run = CliRunner().invoke(main, ["tracking", "report", "--ledger", str(ledger.path),
                                    "--date", "2026-12-01", "--json", "--html", str(out)])
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert data["as_of"] == "2026-12-01" and len(data["letters"]) == 4
    assert data["batches"][1]["outcomes"]["presented_unclaimed"] == 1
    assert out.read_text(encoding="utf-8") == page
