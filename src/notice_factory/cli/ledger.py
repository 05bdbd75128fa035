"""`ledger`: the registered-number ledger, created and extended only on purpose."""

from __future__ import annotations

from pathlib import Path

import click

from notice_factory import api
from notice_factory.cli.common import LEDGER_LOCATION, sender_option
from notice_factory.ledgerdb import redact
from notice_factory.settings import SenderProfile, load_sender_profile

LEDGER_PATH = click.argument("path", required=False, type=LEDGER_LOCATION)


def _accounts(profile: SenderProfile) -> str:
    lines = []
    for loc, entity in profile.entities.items():
        postal = entity.postal
        ranges = ", ".join(f"{r.service} {r.first}-{r.last}" for r in postal.ranges)
        lines.append(f"  {loc.value}: {postal.operator} ({postal.country}) {ranges}")
    return "\n".join(lines)


@click.group(epilog="""\b
Examples:
  notice-factory ledger init /srv/nf/ledger.sqlite --sender sender.toml
  notice-factory ledger init postgresql://nf@db01/ledger --sender sender.toml
  notice-factory ledger add-ranges /srv/nf/ledger.sqlite --sender sender.toml""")
def ledger() -> None:
    """The registered-number ledger: every number ever issued, never issued twice.

    A batch never creates a ledger: a missing or emptied ledger file is refused, because a
    new ledger in its place would issue again numbers already printed on letters.
    """


@ledger.command(epilog="Example: notice-factory ledger init out/ledger.sqlite --sender s.toml")
@LEDGER_PATH
@sender_option
def init(path: Path | str | None, sender: Path | None) -> None:
    """Create a new ledger at PATH serving the sender profile's number ranges.

    PATH defaults to the ledger batches use when no --ledger is given (in your data
    folder). An existing file is never replaced. PATH may be a PostgreSQL URL
    (postgresql://user@host:port/db) of an existing database that holds no ledger: one
    ledger several machines share. Ranges that overlap another operator's are refused.
    """
    profile = load_sender_profile(sender)
    target = api.create_ledger(path, sender=profile)
    shown = redact(target) if isinstance(target, str) else target
    click.echo(f"ledger created at {shown}, serving the ranges of {profile.source}:\n"
               + _accounts(profile))


@ledger.command("add-ranges", epilog="Example: notice-factory ledger add-ranges "
                                     "out/ledger.sqlite --sender s.toml")
@LEDGER_PATH
@sender_option
def add_ranges(path: Path | str | None, sender: Path | None) -> None:
    """Record in the ledger at PATH the sender profile's ranges it does not serve yet.

    For a new block of numbers an operator assigned to you, once it is in the sender
    profile. A range that overlaps another operator's is refused and nothing is recorded.
    """
    profile = load_sender_profile(sender)
    with api.open_ledger(path) as led:
        added = [(e.postal, r) for e in profile.entities.values()
                 for r in led.add_ranges(e.postal, profile.source)]
    if not added:
        click.echo(f"{led.path} already serves every range of {profile.source}")
    for postal, r in added:
        click.echo(f"{led.path}: now serves {postal.operator} ({postal.country}) "
                   f"{r.service} {r.first}-{r.last}")


@ledger.command("import-numbers", epilog="Example: notice-factory ledger import-numbers "
                                         "la-poste-2026-12.txt --operator la-poste "
                                         "--ledger out/ledger.sqlite")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", required=True,
              help="The operator's key as in the print files' names, e.g. la-poste.")
@click.option("--ledger", "ledger_path", type=LEDGER_LOCATION,
              help="The ledger, a file or a postgresql:// URL (default: the one batches use "
                   "without --ledger).")
def import_numbers(file: Path, operator: str, ledger_path: Path | str | None) -> None:
    """Load the registered numbers an operator issued (FILE: one a line) into the ledger.

    For operators whose numbers have no public check rule (La Poste's domestic recommandé,
    China Post's domestic 挂号信): a postal account with domestic_numbers = "imported"
    takes its numbers from these lists, in import order, each at most once. All or nothing:
    a number already known to the ledger, twice in FILE, or not a number refuses the file.
    """
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read {file}: {exc}") from None
    with api.open_ledger(ledger_path) as led:
        count = led.import_numbers(operator, lines, file.name)
        left = {line.operator: line.left for line in led.status()
                if line.source == "imported list"}
    click.echo(f"{led.path}: {count} number(s) of {operator} imported from {file}; "
               f"{left.get(operator, 0)} not yet issued")


@ledger.command(epilog="Example: notice-factory ledger status --ledger out/ledger.sqlite")
@click.option("--ledger", "ledger_path", type=LEDGER_LOCATION,
              help="The ledger, a file or a postgresql:// URL (default: the one batches use "
                   "without --ledger).")
def status(ledger_path: Path | str | None) -> None:
    """What is left, per operator and range (S10) or imported list."""
    with api.open_ledger(ledger_path) as led:
        lines = led.status()
    click.echo(f"{led.path}")
    if not lines:
        click.echo("  no range and no imported list")
    for line in lines:
        click.echo(f"  {line.operator:<16} {line.source:<32} {line.left:>10} left "
                   f"of {line.size} ({line.issued} issued)")


@ledger.command(epilog="""\b
Examples:
  notice-factory ledger migrate --from /srv/nf/ledger.sqlite --to postgresql://nf@db01/ledger
  notice-factory ledger migrate --from postgresql://nf@db01/ledger --to backup.sqlite""")
@click.option("--from", "source", required=True, type=LEDGER_LOCATION,
              help="The ledger to move (a file or a postgresql:// URL).")
@click.option("--to", "target", required=True, type=LEDGER_LOCATION,
              help="Where it goes: a new file, or an empty PostgreSQL database's URL.")
def migrate(source: Path | str, target: Path | str) -> None:
    """Move a ledger into a new database, every number kept as it is.

    Every table is copied with its order in one transaction, then compared with the
    original (counts and every row) before it is committed. The old ledger stays readable
    and refuses every write from then on, so numbers are only ever issued by the new one.
    A target that already holds a ledger (an existing file, or a database with a ledger) is
    refused.
    """
    from notice_factory.ledgermove import migrate_ledger

    report = migrate_ledger(source, target)
    counts = ", ".join(f"{table} {n}" for table, n in report.rows.items())
    click.echo(f"ledger moved from {report.source} to {report.target}; every row compared "
               f"({counts}).\n{report.source} is kept for reading and refuses writes: give "
               f"--ledger {report.target} from now on.")
