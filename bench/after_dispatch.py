"""After-dispatch benchmark: `tracking import`, `tracking report` and `escalate` on N letters.

Letters are numbered in a real ledger without being rendered (rendering is bench/batch.py's
business); each gets 2 to 4 carrier events in a generic CSV (a fifth of them twice, in reverse
order), with the outcomes mixed as a back office sees them. Prints the seconds each step took.

    python bench/after_dispatch.py --letters 2000
    python bench/after_dispatch.py --letters 10000 --json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

from notice_factory.carriers import load_codebook
from notice_factory.cases import read_rows
from notice_factory.escalation import escalate, write_escalation
from notice_factory.ladder import load_ladders
from notice_factory.ledger import Ledger, LetterKey, init_ledger
from notice_factory.model import Locale
from notice_factory.settings import load_sender_profile
from notice_factory.tracking import import_events
from notice_factory.trackreport import build_report, report_html

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 23)
SOURCE = {Locale.FR_FR: "FR-2026-0001", Locale.ZH_CN: "CN-2026-0001",
          Locale.RO_RO: "RO-2026-0001"}
# (share, events after deposit): what happened to the letters
STORIES = [
    (50, [("2026-11-25", "DI1")]),
    (15, [("2026-11-25", "AG1"), ("2026-12-10", "RE1", "Pli avisé et non réclamé")]),
    (10, [("2026-11-26", "RE1", "Refusé par le destinataire")]),
    (5, [("2026-11-27", "RE1", "Destinataire inconnu à l'adresse")]),
    (20, []),
]


def _open(path: Path) -> Ledger:
    init_ledger(path, [e.postal for e in load_sender_profile().entities.values()])
    return Ledger(path, clock=lambda: dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))


def number_letters(ledger: Ledger, n: int) -> dict[str, str]:
    """case_id -> number of a reminder sent on DAY, all French (the La Poste code table)."""
    postal = load_sender_profile().entity(Locale.FR_FR).postal
    keys = [LetterKey(f"B-{i:06d}", "reminder", DAY) for i in range(n)]
    numbers = ledger.allocate(keys, postal, "bench-1")
    ledger.mark_used(numbers.values())
    return {k.case_id: v for k, v in numbers.items()}


def write_events(numbers: dict[str, str], path: Path, rng: random.Random) -> int:
    rows = []
    weights = [w for w, _ in STORIES]
    for number in numbers.values():
        story = cast(list[tuple[str, ...]], rng.choices([s for _, s in STORIES], weights)[0])
        events = [("2026-11-23", "PC1", "Pris en charge"), *story]
        if rng.random() < 0.2:
            events = events + list(reversed(events))  # duplicates, out of order
        rows += [(number, e[0], e[1], e[2] if len(e) > 2 else "") for e in events]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["tracking_number", "event_at", "code", "label"])
        writer.writerows(rows)
    return len(rows)


def write_cases(numbers: dict[str, str], path: Path) -> None:
    with (REPO / "fixtures" / "cases.csv").open(encoding="utf-8", newline="") as fh:
        template = next(r for r in csv.DictReader(fh) if r["case_id"] == SOURCE[Locale.FR_FR])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(template))
        writer.writeheader()
        for case_id in numbers:
            writer.writerow({**template, "case_id": case_id, "kind": ""})


def run(n: int, folder: Path, seed: int) -> dict[str, float | int]:
    ledger_path = folder / "ledger.sqlite"
    figures: dict[str, float | int] = {"letters": n}
    with _open(ledger_path) as ledger:
        numbers = number_letters(ledger, n)
        figures["events"] = write_events(numbers, folder / "events.csv", random.Random(seed))
        t = time.perf_counter()
        report = import_events(folder / "events.csv", ledger, load_codebook())
        figures["import_s"] = round(time.perf_counter() - t, 2)
        figures["added"] = report.added
        t = time.perf_counter()
        again = import_events(folder / "events.csv", ledger, load_codebook())
        figures["reimport_s"] = round(time.perf_counter() - t, 2)
        figures["reimport_added"] = again.added
        t = time.perf_counter()
        report_html(build_report(ledger, as_of=dt.date(2026, 12, 30)))
        figures["report_s"] = round(time.perf_counter() - t, 2)
        write_cases(numbers, folder / "cases.csv")
        t = time.perf_counter()
        rows = read_rows(folder / "cases.csv", optional=("kind",))
        result = escalate(rows, ledger, load_ladders(), dt.date(2026, 12, 11))
        write_escalation(result, folder / "out" / "today.csv")
        figures["escalate_s"] = round(time.perf_counter() - t, 2)
        figures.update({f"decision_{k}": v for k, v in result.counts().items()})
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(args.letters, Path(tmp), args.seed)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:>24}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
