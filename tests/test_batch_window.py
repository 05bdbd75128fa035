"""A batch against the envelope window: a letter whose first page breaks the window rules is
rejected with the case and the reason (not silently clipped), the other letters go on, and
``batch.json`` records the zone each envelope guarantees visible; a return address the window
cannot show refuses the batch before numbering."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from conftest import BATCH_DATE, DEMO_CASES, FIXTURES, demo_images_beside
from test_batch import derived_cases, explain, ledger_rows, run_batch

from notice_factory.render import LetterRenderer
from notice_factory.settings import DEFAULT_WINDOWS, EnvelopeWindow, SenderProfile
from notice_factory.window import visible
from notice_factory.workers import Done, Failed, Job, render_job


@pytest.mark.slow
def test_a_letter_too_wide_for_the_window_is_rejected_and_the_rest_goes_on(
        tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    ids = derived_cases(cases, "WIN", picks=["FR-2026-0002", "FR-2026-0001"])
    with cases.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    rows[0]["debtor_name"] = "W" * 34  # 38 characters with "Mme ": allowed, but too wide
    with cases.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    run = run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite")
    assert run.returncode == 3, explain(run)
    [reject] = run.rejects
    assert reject["case_id"] == ids[0] and reject["field"] == "address"
    assert "WWWW" in reject["reason"] and "the window shows 86 mm" in reject["reason"]
    assert [r["case_id"] for r in run.rows] == [ids[1]]
    # Refused before numbering: no number was spent on it, no letter file exists.
    assert ids[0] not in {r["case_id"] for r in ledger_rows(run.ledger)}
    assert not list((run.out / "letters").glob(f"{ids[0]}*"))
    zone = visible(DEFAULT_WINDOWS["DL"])
    assert {k: float(v) for k, v in run.batch_json["windows"]["DL"].items()} == {
        "x": zone.x, "y": zone.y, "width": zone.width, "height": zone.height}
    assert run.batch_json["windows"] == {"DL": {"x": "99", "y": "49.5", "width": "92",
                                                "height": "35"}}


def test_a_rendered_first_page_that_misses_the_window_fails_the_letter(
        renderer: LetterRenderer, sender: SenderProfile, tmp_path: Path) -> None:
    """The last check, on the rendered page: a profile whose window is not where the layout
    puts the address (a left-hand DIN window) fails the letter before it is written."""
    case = next(c for c in DEMO_CASES if c.case_id == "FR-2026-0002")
    left = EnvelopeWindow(x=20, y=45, width=90, height=45, play_x=4, play_y=5)
    target = tmp_path / "letter.pdf"
    job = Job(case, sender.entity(case.locale), BATCH_DATE, "RR100000017FR", target,
              {"DL": left})
    outcome = render_job(job, renderer)
    assert isinstance(outcome, Failed), outcome
    assert outcome.field == "address"
    assert "does not fit the DL window envelope" in outcome.reason
    assert "registered number RR100000017FR is not printed in the window" in outcome.reason
    assert not target.exists()
    # The same letter with the profile's own window is written.
    right = render_job(dataclasses.replace(job, windows=sender.windows), renderer)
    assert isinstance(right, Done) and target.exists()


def test_a_return_address_too_wide_refuses_the_batch_before_numbering(tmp_path: Path) -> None:
    """A sender profile mistake (a return address the window cannot show whole) refuses the
    batch before any number is spent or any file written, naming the key to fix."""
    profile = (FIXTURES / "sender-demo.toml").read_text(encoding="utf-8")
    short = 'return_address = ["Banque Exemple SA", "12 rue de la Paix", "75002 PARIS"]'
    assert short in profile
    sender = tmp_path / "sender.toml"
    sender.write_text(profile.replace(short, 'return_address = ["Banque Exemple SA", '
                                      '"Direction des opérations clientèle", '
                                      '"Immeuble Le Ponant", "12 rue de la Paix", '
                                      '"75002 PARIS"]'), encoding="utf-8")
    demo_images_beside(sender)
    cases = tmp_path / "cases.csv"
    derived_cases(cases, "RET", picks=["FR-2026-0001", "FR-2026-0002"])
    out = tmp_path / "out"
    run = run_batch(cases, out, tmp_path / "ledger.sqlite", "--sender", str(sender))
    assert run.returncode == 1, explain(run)
    assert "fr_FR.postal.return_address" in run.stderr and "mm wide" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    assert ledger_rows(run.ledger) == []
