"""`templates check | preview | vars` through the real command line, on the shipped tree and on
broken copies of it: each class of mistake a legal team can make is reported with its file and
line, exit status 1, and no traceback.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from docx.oxml.ns import qn

from notice_factory.cli import main

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_fails_cleanly(result: Result) -> str:
    """Exit 1, a report and no traceback; the report (stdout and stderr) for further checks."""
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 1, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    return output


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the shipped templates tree, to break."""
    return Path(shutil.copytree(TEMPLATES, tmp_path / "templates"))


def insert_after(path: Path, marker: str, new_line: str) -> int:
    """Insert ``new_line`` after the first line holding ``marker``; its line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if marker in line) + 1
    lines.insert(at, new_line + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return at + 1


# ---- the shipped tree ---------------------------------------------------------------------------

@pytest.mark.office
def test_shipped_tree_is_clean() -> None:
    result = run("templates", "check", str(TEMPLATES))
    assert result.exit_code == 0, result.output
    assert "problem" not in result.output


@pytest.mark.office
@pytest.mark.parametrize("folder", ["ro/plan_agreement", "zh/plan_agreement"])
def test_new_word_templates_are_clean_alone(folder: str) -> None:
    result = run("templates", "check", str(TEMPLATES / folder))
    assert result.exit_code == 0, result.output


# ---- broken copies: HTML templates and metadata -------------------------------------------------

def test_jinja_syntax_error_in_html_names_file_and_line(tree: Path) -> None:
    letter = tree / "fr" / "commitment_form" / "letter.html"
    line = insert_after(letter, "{% block body %}", "<p>{{ debtor.name ) }}</p>")
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert f"{letter}:{line}: Jinja syntax error" in out


def test_undefined_variable_names_file_and_line(tree: Path) -> None:
    letter = tree / "fr" / "commitment_form" / "letter.html"
    line = insert_after(letter, "{% block body %}", "<p>{{ debtr.name }}</p>")
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert f"{letter}:{line}: uses 'debtr', which is not a template variable" in out


def test_declared_but_unused_variable(tree: Path) -> None:
    meta = tree / "fr" / "reminder" / "template.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace('variables = [', 'variables = ["lawyer", '), encoding="utf-8")
    out = assert_fails_cleanly(run("templates", "check", str(meta.parent)))
    line = line_of(meta, "variables =")
    assert f"{meta}:{line}: declares variable 'lawyer' but the template never uses it" in out


@pytest.mark.office
def test_kind_missing_in_a_language(tree: Path) -> None:
    shutil.rmtree(tree / "zh" / "commitment_form")
    out = assert_fails_cleanly(run("templates", "check", str(tree)))
    folder = tree / "zh" / "commitment_form"
    assert f"{folder}: kind commitment_form is missing in language zh" in out


def test_missing_mandatory_mention_names_the_template_file(tree: Path) -> None:
    letter = tree / "fr" / "commitment_form" / "letter.html"
    source = letter.read_text(encoding="utf-8")
    mentions = tomllib.loads((tree / "fr" / "mentions.toml").read_text(encoding="utf-8"))
    # A mention whose phrase is written in this letter itself (not in a shared macro).
    mention = next(m for m in mentions["commitment_form"] if "text" in m and m["text"] in source)
    letter.write_text(source.replace(mention["text"], ""), encoding="utf-8")
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert f"{letter}: mandatory mention '{mention['id']}' is missing" in out


def test_font_the_machine_lacks(tree: Path) -> None:
    meta = tree / "fr" / "reminder" / "template.toml"
    text = re.sub(r"(?m)^fonts = .*$", 'fonts = ["No Such Font"]', meta.read_text(encoding="utf-8"))
    meta.write_text(text, encoding="utf-8")
    out = assert_fails_cleanly(run("templates", "check", str(meta.parent)))
    assert f"{meta}:{line_of(meta, 'fonts =')}: needs font 'No Such Font'" in out


# ---- broken copies: Word templates --------------------------------------------------------------

def body_paragraph_number(document: docx.document.Document, paragraph: object) -> int:
    """The paragraph's number as templates check counts: every w:p of the body, tables too."""
    all_p = list(document.element.body.iter(qn("w:p")))
    return all_p.index(paragraph._p) + 1  # type: ignore[attr-defined]


def edit_docx(path: Path, change: Callable[[docx.document.Document], object]) -> int:
    """Apply ``change`` (returning the paragraph it touched), save; that paragraph's number."""
    document = docx.Document(str(path))
    paragraph = change(document)
    number = body_paragraph_number(document, paragraph)
    document.save(str(path))
    return number


def test_word_tag_split_across_formatting(tree: Path) -> None:
    letter = tree / "fr" / "lawyer_letter" / "letter.docx"

    def split(document: docx.document.Document) -> object:
        # The closing paragraph holds the lawyer's name in one run: bold half of the tag,
        # as Word does when someone bolds part of it.
        paragraph = next(p for p in document.paragraphs if p.text == "{{ lawyer.name }}")
        run = paragraph.runs[0]
        run.text = "{{ lawyer."
        paragraph.add_run("name }}").bold = True
        return paragraph

    number = edit_docx(letter, split)
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert (f"{letter}:{number}: the tag {{{{ lawyer.name }}}} is split across differently "
            f"formatted pieces of text in paragraph {number}; retype it in one go") in out


def test_word_syntax_error_and_unknown_variable(tree: Path) -> None:
    letter = tree / "ro" / "plan_agreement" / "letter.docx"

    def add(text: str) -> Callable[[docx.document.Document], object]:
        def change(document: docx.document.Document) -> object:
            return document.paragraphs[3].insert_paragraph_before(text)
        return change

    bad_syntax = edit_docx(letter, add("Suma: {{ amounts.total | }}"))
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert (f"{letter}:{bad_syntax}: Jinja syntax error in word/document.xml (the body), "
            f"paragraph {bad_syntax}:") in out

    shutil.copy(TEMPLATES / "ro" / "plan_agreement" / "letter.docx", letter)
    unknown = edit_docx(letter, add("Client: {{ client.name }}"))
    out = assert_fails_cleanly(run("templates", "check", str(letter.parent)))
    assert (f"{letter}:{unknown}: uses 'client' in word/document.xml (the body), paragraph "
            f"{unknown}, which is not a template variable") in out


@pytest.mark.office  # the static checks pass, so the sample is rendered too
def test_word_template_declaring_an_unused_variable(tree: Path) -> None:
    meta = tree / "zh" / "lawyer_letter" / "template.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('variables = [',
                                                             'variables = ["plan", '),
                    encoding="utf-8")
    out = assert_fails_cleanly(run("templates", "check", str(meta.parent)))
    assert f"{meta}:{line_of(meta, 'variables =')}: declares variable 'plan'" in out


# ---- preview and vars ---------------------------------------------------------------------------

@pytest.mark.office
@pytest.mark.parametrize("template", ["fr.reminder", "zh.plan_agreement"])
def test_preview_writes_pdf_and_png(template: str, tmp_path: Path) -> None:
    target = tmp_path / f"{template}.pdf"
    result = run("templates", "preview", template, "--out", str(target), "--png")
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF-")
    assert target.with_suffix(".png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_vars_lists_meanings_and_examples() -> None:
    result = run("templates", "vars")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in ("debtor.name", "amounts.total_words", "plan.installments[].due_date",
                 "letter.tracking_number"):
        at = next(n for n, line in enumerate(lines) if line.split()[:1] == [name])
        assert len(lines[at].split()) > 1  # a meaning beside the name
        assert lines[at + 1].strip().startswith("e.g.")  # an example under it


@pytest.mark.parametrize("layout_file, needle, kind", [
    ("layout.html", "letter.return_address", "commitment_form"),
    ("letter.typ", "text(size: 6pt, letter.return_address)", "reminder"),  # typst
])
def test_a_layout_that_breaks_the_window_is_reported(tree: Path, layout_file: str, needle: str,
                                                     kind: str) -> None:
    """The shared layout without its return-address line: the sample's first page is checked
    against the profile's window, as every batch checks every letter."""
    layout = tree / "_common" / layout_file
    source = layout.read_text(encoding="utf-8")
    line = next(x for x in source.splitlines() if needle in x)
    layout.write_text(source.replace(line + "\n", ""), encoding="utf-8")
    out = assert_fails_cleanly(run("templates", "check", str(tree / "fr" / kind)))
    assert "the sample's first page does not fit the DL window envelope" in out
    assert "the return address «Retour" in out and "is not printed whole" in out
