"""`notice-factory`: the command line, a thin layer on the library (the only click user).

Exit status (interface section 3): 0 every case produced a letter; 3 written but some
cases rejected (rejects.csv); 2 usage error; 1 nothing usable (one line on stderr, no
traceback unless --debug).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from notice_factory.errors import EXIT_FAILURE, NoticeFactoryError, describe_os_error

EPILOG = """\b
Examples:
  notice-factory render fixtures/cases.csv --out out/letters
  notice-factory ledger init out/ledger.sqlite
  notice-factory batch fixtures/cases.csv --out out/batch --date 2026-11-23
  notice-factory plan --amount 1234.56 --installments 6 --first-due 2026-12-31
  notice-factory templates check
  notice-factory tracking import events.csv --ledger ledger.sqlite
  notice-factory escalate cases.csv --ledger ledger.sqlite --date 2026-12-01 --out today.csv
"""


class _Group(click.Group):
    """Turns product errors into one clear line and the promised exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NoticeFactoryError as err:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Error: {err.format_message()}", err=True)
            ctx.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except OSError as err:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Error: {describe_os_error(err)}", err=True)
            ctx.exit(EXIT_FAILURE)
        except Exception as err:  # a bug: still one line, the traceback with --debug
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Error: internal error ({type(err).__name__}: {err}); run again with "
                       "--debug for details", err=True)
            ctx.exit(EXIT_FAILURE)


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="notice-factory")
def main(debug: bool) -> None:
    """Turn overdue cases into legally sound letters and registered-mail batches.

    Letters in French (fr_FR), Chinese (zh_CN) and Romanian (ro_RO): reminders, formal
    notices, lawyer letters, repayment-commitment forms and repayment-plan agreements.
    """


def _register() -> None:
    from notice_factory.cli.ledger import ledger
    from notice_factory.cli.letters import batch, render
    from notice_factory.cli.plan import plan
    from notice_factory.cli.templates import templates
    from notice_factory.cli.tracking import escalate_cmd, tracking
    from notice_factory.cli.worker import worker

    for command in (render, batch, plan, templates, ledger, worker):
        main.add_command(command)
    main.add_command(tracking)
    main.add_command(escalate_cmd, name="escalate")


_register()


def run() -> None:  # pragma: no cover - console entry point wrapper
    sys.exit(main())
