"""`templates check | preview | vars`: the legal team's tools."""

from __future__ import annotations

from pathlib import Path

import click

from notice_factory import api
from notice_factory.cli.common import sender_option
from notice_factory.errors import EXIT_FAILURE
from notice_factory.settings import load_sender_profile

# The template engines load when a subcommand runs (each imports what it needs), so that
# `notice-factory --help` stays fast.


@click.group(epilog="""\b
Examples:
  notice-factory templates check
  notice-factory templates preview fr.formal_notice --out mdm.pdf --png
  notice-factory templates vars""")
def templates() -> None:
    """Check, preview and describe the letter templates (for legal teams)."""


@templates.command(epilog="""\b
Examples:
  notice-factory templates check
  notice-factory templates check templates/fr/formal_notice
  notice-factory templates check templates/fr/ladder.toml
  notice-factory templates check /path/to/my/templates""")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@sender_option
def check(path: Path | None, sender: Path | None) -> None:
    """Check a whole templates tree, or one template folder, and render each sample.

    Reports syntax errors, unknown or unused variables, kinds missing in a language,
    missing mandatory mentions, forbidden wording, Word tags split across runs and
    missing fonts, each with its file and line; and each language's escalation ladder
    (ladder.toml: unknown kinds, unreachable steps, steps or stops without a legal
    source). Exit 0 only when all is clean.
    """
    report = api.check_templates(path, sender=sender)
    for problem in report.problems:
        click.echo(problem.format_message())
    status = "clean" if report.ok else f"{len(report.problems)} problem(s)"
    if path is not None and path.name == "ladder.toml" and path.is_file():
        click.echo(f"checked {path}: {status}", err=True)  # that ladder alone
    else:
        click.echo(f"checked {len(report.checked)} template(s): {status}", err=True)
    if not report.ok:
        raise SystemExit(EXIT_FAILURE)


@templates.command(name="preview", epilog="""\b
Examples:
  notice-factory templates preview fr.formal_notice --out mdm.pdf --png
  notice-factory templates preview templates/zh/reminder --case my-case.json --out zh.pdf""")
@click.argument("template")
@click.option("--case", "case_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A case (JSON object) to render instead of the template's sample.json.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="PDF to write (default: preview-<id>.pdf).")
@click.option("--png", is_flag=True, help="Also write page 1 as a PNG beside the PDF.")
@sender_option
def preview_cmd(template: str, case_file: Path | None, out: Path | None, png: bool,
                sender: Path | None) -> None:
    """Render one TEMPLATE (id like fr.reminder, or its folder) to PDF for a reviewer."""
    from notice_factory.fsutil import atomic_write_bytes
    from notice_factory.templatecheck import render_png

    shown = api.preview_template(template, case_file=case_file, sender=sender)
    target = out or Path(f"preview-{shown.template_id}.pdf")
    atomic_write_bytes(target, shown.pdf)
    click.echo(f"wrote {target}")
    if png:
        png_path = target.with_suffix(".png")
        render_png(target, png_path)
        click.echo(f"wrote {png_path}")


@templates.command(name="vars", epilog="Example: notice-factory templates vars")
@click.argument("template", required=False)
@sender_option
def vars_cmd(template: str | None, sender: Path | None) -> None:
    """List every variable a template can use, its meaning and an example value."""
    from notice_factory.catalog import load_catalog
    from notice_factory.templatecheck import find_spec, tree_of, variables_table

    catalog = load_catalog(tree_of(template) if template else None)
    spec = find_spec(catalog, template) if template else None
    rows = variables_table(catalog, load_sender_profile(sender), spec)
    width = max(len(name) for name, _, _ in rows)
    for name, meaning, example in rows:
        click.echo(f"{name:<{width}}  {meaning}\n{'':<{width}}    e.g. {example}")
