"""Deposit slips of a real batch of the demo cases, read back as a counter clerk would: every
item's number, address as printed, guarantee level (the profile's, or the case's own
`guarantee`), weight in grams and price (from the profile's tariff table, looked up here
independently), the totals; items abroad and a law firm's letters on slips of their own; the
manifest's `sender` column."""

from __future__ import annotations

import csv
import re
import subprocess
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import BATCH_DATE, DEMO_CASES, FIXTURES
from test_batch import BatchRun, explain, fixture_rows, run_batch

from notice_factory.context import preflight
from notice_factory.settings import load_sender_profile

pytestmark = pytest.mark.slow
PROFILE = tomllib.loads((FIXTURES / "sender-demo.toml").read_text("utf-8"))
CASES = {c.case_id: c for c in DEMO_CASES}
#: Cases whose own guarantee level overrides the profile's R1 (case-file column `guarantee`).
GUARANTEES = {"FR-2026-0002": "R3", "FR-2026-0003": "R2"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    tmp = tmp_path_factory.mktemp("slips")
    fields, rows = fixture_rows()
    cases = tmp / "cases.csv"
    with cases.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*fields, "guarantee"])
        writer.writeheader()
        writer.writerows(dict(r, guarantee=GUARANTEES.get(r["case_id"], "")) for r in rows)
    run = run_batch(cases, tmp / "out", tmp / "ledger.sqlite")
    assert run.returncode in (0, 3), explain(run)
    return run


def service_of(row: dict[str, Any]) -> str:
    """The service the slip must show, worked out from the profile file and the case."""
    postal = PROFILE[row["locale"]]["postal"]
    if row["country"] != postal["country"]:
        return "international"
    return GUARANTEES.get(row["case_id"]) or postal.get("guarantee", "domestic")


def slip_text(run: BatchRun, print_file: str, *, layout: bool = True) -> str:
    path = run.out / "deposit-slips" / Path(print_file).name
    mode = ["-layout"] if layout else []
    return subprocess.run(["pdftotext", *mode, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    return "".join(text.split())


def tariff(locale: str, service: str, grams: int, ar: bool) -> Decimal:
    steps = sorted((t for t in PROFILE[locale]["postal"]["tariffs"]
                    if t["service"] == service and grams <= t["up_to_g"]),
                   key=lambda t: t["up_to_g"])
    return Decimal(steps[0]["price_ar" if ar else "price"])


def money(value: Decimal, locale: str) -> str:
    text = f"{value:.2f}"
    return text if locale == "zh_CN" else text.replace(".", ",")


def registered(run: BatchRun) -> list[dict[str, Any]]:
    return [r for r in run.rows if r["tracking_number"]]


def test_every_item_has_number_address_guarantee_weight_and_price(batch: BatchRun) -> None:
    profile = load_sender_profile()
    for row in registered(batch):
        text = slip_text(batch, row["print_file"])
        case = CASES[row["case_id"]]
        lines, _ = preflight(case, profile.entity(case.locale), batch_date=BATCH_DATE)
        assert row["tracking_number"] in text, row["case_id"]
        for line in lines:  # the full address, as printed in the window
            assert flat(line) in flat(text), (row["case_id"], line)
        postal = PROFILE[row["locale"]]["postal"]
        abroad = row["country"] != postal["country"]
        service = service_of(row)
        # The item's line: number ... service ... weight in grams ... price.
        grams = int(row["weight_g"])
        price = tariff(row["locale"], service, grams, row["acknowledgement"] == "true")
        hit = re.search(rf"{row['tracking_number']}.*$", text, re.M)
        assert hit, row["case_id"]
        assert re.search(rf"\s{grams}\s+{re.escape(money(price, row['locale']))}\s*$",
                         hit[0]), (row["case_id"], hit[0])
        if row["locale"] == "fr_FR" and not abroad:
            assert f" {service} " in hit[0], hit[0]
            assert service == GUARANTEES.get(row["case_id"], "R1")
    # Both overrides reached a slip (a domestic letter and the firm's lawyer letter).
    fr_levels = {r["case_id"]: service_of(r) for r in registered(batch)}
    assert {k: fr_levels[k] for k in GUARANTEES} == GUARANTEES


def test_totals_add_up_per_slip(batch: BatchRun) -> None:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in registered(batch):
        by_file.setdefault(row["print_file"], []).append(row)
    for print_file, rows in by_file.items():
        locale = rows[0]["locale"]
        text = re.sub(r"[ \t]+", " ", slip_text(batch, print_file))
        total = sum((tariff(locale, service_of(r), int(r["weight_g"]),
                         r["acknowledgement"] == "true") for r in rows), Decimal(0))
        grams = sum(int(r["weight_g"]) for r in rows)
        assert money(total, locale) in text, (print_file, total)
        assert f"{grams} g" in text, (print_file, grams)


def test_items_abroad_and_the_law_firm_have_their_own_slips(batch: BatchRun) -> None:
    kinds = {(r["country"] != PROFILE[r["locale"]]["postal"]["country"], r["kind"])
             for r in registered(batch)}
    # The demo batch has both: a domestic and an international item, and a lawyer letter.
    assert {abroad for abroad, _ in kinds} == {True, False}
    assert any(kind == "lawyer_letter" for _, kind in kinds)
    for row in registered(batch):
        postal = PROFILE[row["locale"]]["postal"]
        abroad = row["country"] != postal["country"]
        name = Path(row["print_file"]).name
        assert ("-intl_" in name) == abroad, name
        firm = row["kind"] == "lawyer_letter"
        lawyer = PROFILE[row["locale"]]["lawyer"]
        assert row["sender"] == (lawyer["firm"] if firm else PROFILE[row["locale"]]
                                 ["creditor"]["name"])
        others = [r for r in registered(batch) if r["print_file"] == row["print_file"]]
        assert all(r["sender"] == row["sender"] for r in others), name
        assert all((r["country"] != postal["country"]) == abroad for r in others), name


def test_a_lawyer_letter_is_on_the_firms_slip_with_the_firms_address(batch: BatchRun) -> None:
    row = next(r for r in registered(batch) if r["case_id"] == "FR-2026-0003")
    lawyer = PROFILE["fr_FR"]["lawyer"]
    text = slip_text(batch, row["print_file"])
    assert lawyer["firm"] in text and PROFILE["fr_FR"]["creditor"]["name"] not in text
    for line in lawyer["address"]:
        assert line in text
    # The firm's own contract at La Poste (read in reading order: it wraps in its column).
    assert flat(lawyer["postal_account"]) in flat(slip_text(batch, row["print_file"],
                                                            layout=False))
    assert row["tracking_number"] in text


def page_one(run: BatchRun, row: dict[str, Any]) -> str:
    return subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(run.out / row["letter_file"]),
                           "-"], check=True, capture_output=True, text=True).stdout


def test_letters_carry_their_posters_return_address(batch: BatchRun) -> None:
    """A lawyer letter goes back to the firm, the creditor's letters to the creditor's
    neutral return address (not its "Service Recouvrement" line), as printed on page 1."""
    fr = PROFILE["fr_FR"]
    firm = [fr["lawyer"]["firm"], *fr["lawyer"]["address"]]
    bank = fr["postal"]["return_address"]
    for row in registered(batch):
        if row["locale"] != "fr_FR":
            continue
        parts = firm if row["kind"] == "lawyer_letter" else bank
        assert flat("Retour :" + ", ".join(parts)) in flat(page_one(batch, row)), row["case_id"]
    assert "Recouvrement" not in " ".join(bank)
