"""`render` and `batch`: the back office's daily commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from notice_factory import api
from notice_factory.cli.common import (
    LEDGER_LOCATION,
    Tracker,
    date_option,
    sender_option,
    stops_cleanly,
    templates_option,
    terminal_progress,
)

CASES = click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
OUT = click.option("--out", "out_dir", required=True,
                   type=click.Path(file_okay=False, path_type=Path),
                   help="Output folder (created if needed).")
IGNORE = click.option("--ignore-unknown-columns", is_flag=True,
                      help="Accept columns the case-file format does not know (kept aside).")
UNSIGNED = click.option(
    "--allow-unsigned", is_flag=True,
    help="Where a letter needs a signature or seal the sender profile lacks, print a plain "
         "line to sign or stamp by hand. Without it such letters are held (rejects.csv: "
         "needs a signature/seal) and cost no registered number.")


@click.command(epilog="Example: notice-factory render fixtures/cases.csv --out out/letters")
@CASES
@OUT
@sender_option
@date_option
@templates_option
@IGNORE
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes rendering letters. Default: one per core.")
@UNSIGNED
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def render(cases: Path, out_dir: Path, sender: Path | None, day: dt.date | None,
           templates: Path | None, ignore_unknown_columns: bool, jobs: int | None,
           allow_unsigned: bool, as_json: bool) -> None:
    """Render one PDF letter per valid case of CASES into --out (no numbers, no batch).

    Bad cases are listed in OUT/rejects.csv with their row, field and reason; the others
    are still rendered. Exit status 0: all rendered; 3: some rejected; 1: none rendered.
    """
    tracker = Tracker(None if as_json else terminal_progress("rendering"))
    with stops_cleanly(tracker, numbered=False):
        summary = api.render_letters(
            cases, out_dir, sender=sender, templates=templates, date=day,
            allow_unknown=ignore_unknown_columns, jobs=jobs, progress=tracker,
            allow_unsigned=allow_unsigned)
    if as_json:
        click.echo(json.dumps({
            "letters": len(summary.letters), "rejected": len(summary.rejects),
            "out": str(out_dir), "exit_code": summary.exit_code,
            "rejects": [{"row": e.row, "case_id": e.case_id, "field": e.field,
                         "reason": e.reason} for e in summary.rejects],
        }, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{len(summary.letters)} letter(s) written to {out_dir}; "
                   f"{len(summary.rejects)} case(s) rejected"
                   + (f" (see {out_dir / 'rejects.csv'})" if summary.rejects else ""))
        for err in summary.rejects[:10]:
            click.echo(f"  rejected: {err.format_message()}", err=True)
    if summary.exit_code:
        raise SystemExit(summary.exit_code)


@click.command(epilog="""\b
Examples:
  notice-factory batch fixtures/cases.csv --out out/batch --date 2026-11-23
  notice-factory batch cases.csv --out out/b --ledger /srv/nf/ledger.sqlite --jobs 2 --json
  notice-factory batch cases.csv --out out/b --cluster tcp://render01:8786""")
@CASES
@OUT
@sender_option
@click.option("--ledger", type=LEDGER_LOCATION,
              help="Registered-number ledger: an SQLite file, or a PostgreSQL database shared "
                   "by several machines (postgresql://user@host/db). Default: a file in your "
                   "data folder.")
@date_option
@templates_option
@IGNORE
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes rendering letters. Default: one per core.")
@click.option("--letters-per-file", type=click.IntRange(1, 100_000), default=None,
              help="Split print files at this many letters. Default: the sender profile's.")
@click.option("--simplex", is_flag=True, help="Print one-sided (no blank pages between letters).")
@click.option("--resend", is_flag=True,
              help="Send these letters again under NEW registered numbers (the old ones are "
                   "voided). Without it, a re-run reuses each letter's number.")
@click.option("--cluster", metavar="tcp://HOST:8786", default=None,
              help="Render the letters on this Dask scheduler's workers (started with "
                   "`notice-factory worker`); numbering, print files and records stay on this "
                   "machine, and --jobs then only sets the processes merging print files.")
@UNSIGNED
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def batch(cases: Path, out_dir: Path, sender: Path | None, ledger: Path | str | None,
          day: dt.date | None, templates: Path | None, ignore_unknown_columns: bool,
          jobs: int | None, letters_per_file: int | None, simplex: bool, resend: bool,
          cluster: str | None, allow_unsigned: bool, as_json: bool) -> None:
    """Render, number and assemble a registered-mail batch of CASES into --out.

    Writes letters/, print/ (merged print files, each letter starting on a recto),
    deposit-slips/, manifest.csv, manifest.json, rejects.csv and batch.json. Registered
    numbers come from the ledger: never issued twice; the same case, kind and letter date
    keep their number when the batch is run again; a letter whose content changed under its
    number stops the run (--resend sends it under a new number). --out is a new or empty
    folder, or this batch's own: a re-run replaces its files as a whole, and keeps files it
    did not write. Exit status 0: every case produced a letter; 3: some were rejected
    (rejects.csv); 1: nothing usable.
    """
    tracker = Tracker(None if as_json else terminal_progress("letters"))
    with stops_cleanly(tracker, numbered=True):
        summary = api.run_batch(
            cases, out_dir, ledger=ledger, sender=sender, templates=templates,
            date=day, jobs=jobs, resend=resend,
            allow_unknown=ignore_unknown_columns, letters_per_file=letters_per_file,
            duplex=False if simplex else None, cluster=cluster, progress=tracker,
            allow_unsigned=allow_unsigned)
    if as_json:
        click.echo(json.dumps(summary.summary, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(f"batch {summary.batch_id}: {len(summary.letters)} letter(s), "
                   f"{summary.registered} registered ({summary.new_numbers} new number(s), "
                   f"{summary.reused_numbers} reused), {len(summary.print_files)} print file(s), "
                   f"{len(summary.rejects)} rejected -> {out_dir}")
        for err in summary.rejects[:10]:
            click.echo(f"  rejected: {err.format_message()}", err=True)
        if len(summary.rejects) > 10:
            click.echo(f"  ... and {len(summary.rejects) - 10} more in rejects.csv", err=True)
    if summary.exit_code:
        raise SystemExit(summary.exit_code)
