"""`tracking import | report` and `escalate`: after dispatch (issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from notice_factory import api
from notice_factory.cli.common import LEDGER_LOCATION, parse_day
from notice_factory.errors import EXIT_PARTIAL
from notice_factory.followup import STALE_DAYS

# The modules doing the work load when a command runs (cases.py loads Babel), so that
# `notice-factory --help` stays fast.
FORMATS = ("csv", "laposte-json", "maileva")  # tracking.FORMATS, checked there too

# Not exists=True: the ledger itself says what a missing, emptied or damaged ledger means and
# what to do (a missing one is never created here: it would read as "no letter ever sent").
LEDGER = click.option("--ledger", required=True, type=LEDGER_LOCATION,
                      help="The registered-number ledger the letters were numbered in (a file "
                           "or a postgresql:// URL).")
AS_OF = click.option("--date", "day", callback=parse_day, metavar="YYYY-MM-DD",
                     help="The day the report or decision is made for. Default: today.")
STALE = click.option("--stale-days", type=click.IntRange(1, 365), default=STALE_DAYS,
                     show_default=True,
                     help="Days after the letter date without a final outcome before a letter "
                          "is flagged.")


@click.group(epilog="""\b
Examples:
  notice-factory tracking import events.csv --ledger ledger.sqlite
  notice-factory tracking import suivi.json --ledger ledger.sqlite --format laposte-json
  notice-factory tracking report --ledger ledger.sqlite --html report.html""")
def tracking() -> None:
    """Follow registered letters after dispatch: carrier events in, legal outcomes out."""


@tracking.command(name="import", epilog="""\b
Examples:
  notice-factory tracking import events.csv --ledger ledger.sqlite
  notice-factory tracking import maileva.json --ledger ledger.sqlite --format maileva
  notice-factory tracking import events.csv --ledger ledger.sqlite --codes my-codes.toml""")
@click.argument("events", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LEDGER
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="csv (tracking_number,event_at,code,label[,operator]), laposte-json "
                   "(La Poste Suivi v2) or maileva. Default: csv for .csv files, else from the "
                   "JSON's shape.")
@click.option("--codes", "codes", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="A code table (TOML) or a folder of them, added to the bundled ones "
                   "(repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def import_cmd(events: Path, ledger: Path | str, fmt: str | None, codes: tuple[Path, ...],
               as_json: bool) -> None:
    """Read carrier EVENTS into the ledger (the same file twice adds nothing).

    Every row that cannot be used (unknown number, malformed row, unknown code) is
    reported with its row and reason; the others are imported. Exit status 0: all
    imported; 3: some rows were not.
    """
    report = api.import_tracking(events, ledger, format=fmt, codes=codes)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for p in report.problems:
            click.echo(p.format_message(str(events)), err=True)
        click.echo(f"{report.read} event(s) read: {report.added} added, {report.duplicates} "
                   f"already known, {len(report.problems)} not imported")
    if report.problems:
        raise SystemExit(EXIT_PARTIAL)


@tracking.command(name="report", epilog="""\b
Examples:
  notice-factory tracking report --ledger ledger.sqlite
  notice-factory tracking report --ledger ledger.sqlite --batch b-2026-11-23-1a2b --json
  notice-factory tracking report --ledger ledger.sqlite --html out/tracking.html""")
@LEDGER
@click.option("--batch", "batch_id", help="Only this batch (its id as in batch.json).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report with a chart of outcomes per batch.")
@AS_OF
@STALE
def report_cmd(ledger: Path | str, batch_id: str | None, as_json: bool, html_file: Path | None,
               day: dt.date | None, stale_days: int) -> None:
    """Where every letter stands: last event, legal outcome, effective date, deadline."""
    from notice_factory.fsutil import atomic_write_text
    from notice_factory.trackreport import report_html, report_text

    report = api.tracking_report(ledger, date=day, batch_id=batch_id, stale_days=stale_days)
    if html_file is not None:
        atomic_write_text(html_file, report_html(report))
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report_text(report), nl=False)


@click.command(epilog="""\b
Examples:
  notice-factory escalate cases.csv --ledger ledger.sqlite --date 2026-12-01 --out today.csv
  notice-factory batch today.csv --ledger ledger.sqlite --date 2026-12-01 --out out/b1""")
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LEDGER
@click.option("--date", "day", callback=parse_day, metavar="YYYY-MM-DD", required=True,
              help="The day the letters are decided for (their letter date).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The case file of today's letters (.csv, .jsonl or .json), for `batch`; "
                   "escalation.csv is written beside it.")
@STALE
def escalate_cmd(cases: Path, ledger: Path | str, day: dt.date, out: Path,
                 stale_days: int) -> None:
    """Decide, for each case of CASES, which letter it needs today, if any.

    CASES is a case file whose kind may be empty, with optional status columns
    paid_amount, plan_signed, disputed, insolvency, deceased. The locale's ladder
    (templates/<lang>/ladder.toml) and the ledger's history decide: send, wait, stop or
    address_search, one row per case in escalation.csv. Exit status 0; 3 when some rows
    are invalid (listed as stop with their reason).
    """
    from notice_factory.escalation import write_escalation

    result = api.escalate_cases(cases, ledger, date=day, stale_days=stale_days)
    file, report = write_escalation(result, out)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items())
    click.echo(f"{len(result.decisions)} case(s): {counts}; wrote {file} and {report}")
    if any(d.invalid for d in result.decisions):
        raise SystemExit(EXIT_PARTIAL)
