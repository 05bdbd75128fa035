"""Options and helpers shared by the commands."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from notice_factory.model import Clock, fixed_clock, system_clock

if TYPE_CHECKING:  # the engines load when a command runs, not for --help
    from notice_factory.pipeline import Progress

F = TypeVar("F", bound=Callable[..., Any])


def parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in the form YYYY-MM-DD") from None


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
