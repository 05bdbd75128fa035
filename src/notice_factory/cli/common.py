"""Options and helpers shared by the commands."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from notice_factory.model import Clock, fixed_clock, system_clock

if TYPE_CHECKING:  # the engines load when a command runs, not for --help
    from notice_factory.model import Progress

F = TypeVar("F", bound=Callable[..., Any])


def parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in the form YYYY-MM-DD") from None


if TYPE_CHECKING:  # click >= 8.4 types its parameter types by value
    _LocationType = click.ParamType[Path | str]
else:
    _LocationType = click.ParamType


class LedgerLocation(_LocationType):
    """A ledger: an SQLite file's path, or a PostgreSQL URL (``postgresql://user@host/db``),
    kept as text (a path would fold its ``//``)."""

    name = "ledger"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        from notice_factory.ledgerdb import ledger_target

        return ledger_target(str(value))


LEDGER_LOCATION = LedgerLocation()


def sender_option(f: F) -> F:
    return click.option(
        "--sender", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Sender profile (TOML). Default: the bundled demo profile.")(f)


def date_option(f: F) -> F:
    return click.option(
        "--date", "day", callback=parse_day, metavar="YYYY-MM-DD",
        help="Batch date: the letter date of cases without letter_date. Default: today.")(f)


def templates_option(f: F) -> F:
    return click.option(
        "--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Templates tree to use instead of the bundled one.")(f)


def clock_for(day: dt.date | None) -> Clock:
    return fixed_clock(day) if day else system_clock


def terminal_progress(label: str) -> Progress | None:
    """A one-line progress counter on a terminal; nothing when output is redirected."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, key: str) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\r{label}: {done}/{total} {key[:40]:<40}", nl=False, err=True)
        if end:
            click.echo("", err=True)

    return show


class Tracker:
    """Counts letters as they are made (passing them on to a terminal progress line, if any),
    so that a stopped run can say how far it got."""

    def __init__(self, show: Progress | None = None) -> None:
        self.show = show
        self.done = 0
        self.total: int | None = None
        self.stopped_by = "Ctrl-C"

    def __call__(self, done: int, total: int, key: str) -> None:
        self.done, self.total = done, total
        if self.show:
            self.show(done, total, key)

    def stopped(self, numbered: bool) -> str:
        again = ("Run the same command again to complete it" +
                 (": the letters keep their registered numbers." if numbered else "."))
        if self.total is None:
            how_far = "before the first letter was finished"
        elif self.done < self.total:
            how_far = f"after {self.done} of {self.total} letter(s) were made"
        else:
            how_far = (f"after all {self.total} letter(s) were made, while the print files and "
                       "records were being written")
        return (f"Stopped ({self.stopped_by}) {how_far}. No file is left half-written: each one "
                f"is complete or absent. {again}")


@contextlib.contextmanager
def stops_cleanly(tracker: Tracker, *, numbered: bool) -> Iterator[None]:
    """Ctrl-C or SIGTERM (from a scheduler or `kill`) unwinds the run: the worker pool and its
    LibreOffice processes are shut down, and the clerk is told how far it got and that the
    same command completes it; exit status 1."""

    def stop(signum: int, frame: object) -> None:
        tracker.stopped_by = "SIGTERM"
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except KeyboardInterrupt:
        click.echo("", err=True)  # off a progress line
        click.echo(tracker.stopped(numbered), err=True)
        raise SystemExit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
