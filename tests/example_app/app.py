"""A small application that uses notice_factory as a library, through its public API alone.

It does what a collection agency's back-office system would: send today's letters as a
registered-mail batch, read the carrier's events back, and ask which letter each case needs
next. Checked by ``mypy --strict`` and run by ``tests/test_example_app.py``:

    python tests/example_app/app.py WORK_FOLDER

prints a JSON summary; exit status 0, or the product's own exit status and message on error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import notice_factory as nf

BATCH_DAY = dt.date(2026, 11, 23)
DELIVERED_ON = dt.date(2026, 11, 25)
NEXT_DAY = dt.date(2027, 1, 5)


@dataclass(frozen=True)
class Summary:
    batch_id: str
    letters: list[tuple[str, str, str]]  # case id, kind, registered number
    progress_calls: int
    rejected: list[str]
    print_files: list[str]
    events_added: int
    outcomes: dict[str, str]  # registered number -> legal outcome
    next_letters: list[tuple[str, str, str]]  # case id, decision, kind


def write_cases(folder: Path, template_ids: list[str]) -> Path:
    """Today's cases: the bundled templates' sample cases, all sent registered."""
    cases: list[dict[str, object]] = []
    for template_id in template_ids:
        language, kind = template_id.split(".")
        sample = nf.templates_root() / language / kind / "sample.json"
        case: dict[str, object] = json.loads(sample.read_text("utf-8"))
        case["registered"] = True
        cases.append(case)
    path = folder / "cases.json"
    path.write_text(json.dumps(cases, ensure_ascii=False), "utf-8")
    return path


def send(folder: Path, cases: Path, ledger: Path | str) -> tuple[nf.BatchResult, int]:
    """The batch, and how many times it reported progress."""
    made: list[str] = []

    def progress(done: int, total: int, key: str) -> None:
        made.append(key)

    batch = nf.run_batch(cases, folder / "batch", ledger=ledger, date=BATCH_DAY, jobs=0,
                         progress=progress)
    return batch, len(made)


def carrier_says_delivered(folder: Path, letters: tuple[nf.BatchLetter, ...]) -> Path:
    rows = [f"{x.tracking_number},{DELIVERED_ON.isoformat()},DI1" for x in letters
            if x.tracking_number and x.locale == nf.Locale.FR_FR.value]
    events = folder / "events.csv"
    events.write_text("tracking_number,event_at,code\n" + "\n".join(rows) + "\n", "utf-8")
    return events


def without_kind(cases: Path, folder: Path) -> Path:
    """The same cases, the ladder to decide their next letter."""
    rows: list[dict[str, object]] = json.loads(cases.read_text("utf-8"))
    for row in rows:
        row.pop("kind", None)
        row.pop("letter_date", None)
    path = folder / "open-cases.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    return path


def run(folder: Path) -> Summary:
    folder.mkdir(parents=True, exist_ok=True)
    cases = write_cases(folder, ["fr.reminder", "fr.formal_notice"])
    location = nf.create_ledger(folder / "ledger.sqlite")
    batch, progress_calls = send(folder, cases, location)
    with nf.open_ledger(location) as ledger:
        report: nf.ImportReport = nf.import_tracking(
            carrier_says_delivered(folder, batch.letters), ledger)
        tracking: nf.TrackingReport = nf.tracking_report(ledger, date=NEXT_DAY)
        escalation: nf.Escalation = nf.escalate_cases(without_kind(cases, folder), ledger,
                                                      date=NEXT_DAY)
    nf.write_escalation(escalation, folder / "today.csv")
    decisions: list[nf.Decision] = escalation.decisions
    rejected: list[nf.RejectRow] = list(batch.rejects)
    return Summary(
        batch.batch_id,
        [(x.case_id, x.kind, x.tracking_number) for x in batch.letters],
        progress_calls,
        [r.format_message() for r in rejected],
        [p.name for p in batch.print_files],
        report.added,
        {line.number: line.outcome for line in tracking.letters},
        [(d.case_id, d.decision, d.kind) for d in decisions],
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: app.py WORK_FOLDER", file=sys.stderr)
        return 2
    try:
        summary = run(Path(argv[1]))
    except nf.NoticeFactoryError as err:
        print(f"Error: {err.format_message()}", file=sys.stderr)
        return err.exit_code
    print(json.dumps(summary.__dict__, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
