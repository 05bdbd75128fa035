"""The templates tree the legal team maintains: all 15 templates present and clean, and every
metadata mistake reported with its file and line (checked on a broken copy)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import TEMPLATES, locale_of

from notice_factory.catalog import ENGINE_SUFFIX, LANGUAGES, Catalog, load_catalog, squash
from notice_factory.errors import TemplateError
from notice_factory.model import Kind
from notice_factory.templatecheck import check_templates

PAIRS = [(language, kind) for language in LANGUAGES for kind in Kind]
PAIR_IDS = [f"{language}.{kind.value}" for language, kind in PAIRS]


def test_languages_are_the_three_locales() -> None:
    assert sorted(LANGUAGES) == ["fr", "ro", "zh"]


def test_shipped_catalog_has_all_15_templates_and_no_problem(catalog: Catalog) -> None:
    assert [p.format_message() for p in catalog.problems] == []
    assert sorted((lang, kind.value) for lang, kind in catalog.templates) == sorted(
        (lang, kind.value) for lang, kind in PAIRS)
    assert len(catalog.templates) == 15


@pytest.mark.parametrize("language, kind", PAIRS, ids=PAIR_IDS)
def test_template_metadata_is_complete(catalog: Catalog, language: str, kind: Kind) -> None:
    spec = catalog.template(locale_of(language), kind)
    assert spec.id == f"{language}.{kind.value}"
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", spec.version)
    assert spec.engine in ENGINE_SUFFIX
    assert spec.path.is_file()
    assert spec.path.suffix == ENGINE_SUFFIX[spec.engine]
    assert spec.approved_by.strip()
    assert spec.sample.is_file(), "every template needs a sample.json to be checked with"
    assert spec.fonts, "the fonts the template needs must be declared"


@pytest.mark.parametrize("language, kind", PAIRS, ids=PAIR_IDS)
def test_every_kind_declares_mandatory_mentions(catalog: Catalog, language: str,
                                               kind: Kind) -> None:
    mentions = catalog.required_mentions(language, kind)
    assert mentions
    ids = [m.id for m in mentions]
    assert len(ids) == len(set(ids)), "mention ids must be unique within a kind"
    for m in mentions:
        assert m.what.strip() and all(t.strip() for t in m.texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_mandatory_mention_contains_a_forbidden_phrase(catalog: Catalog,
                                                          language: str) -> None:
    forbidden = catalog.forbidden_phrases(language)
    assert forbidden, f"{language} declares no forbidden wording"
    clashes = [(m.id, f.id) for kind in Kind for m in catalog.required_mentions(language, kind)
               for f in forbidden for text in m.texts for bad in f.texts
               if squash(bad).lower() in squash(text).lower()]
    assert clashes == [], "a template could never satisfy both lists"


@pytest.mark.parametrize("template_id", PAIR_IDS)
def test_templates_check_passes_on_each_shipped_template(template_id: str) -> None:
    # Renders the template's sample case (built to trigger every conditional clause) and
    # checks syntax, variables, fonts, mandatory mentions and forbidden wording.
    report = check_templates(TEMPLATES, only=template_id)
    assert report.checked == [template_id]
    assert [p.format_message() for p in report.problems] == []


# ---------------------------------------------------------------- a broken copy


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def _set_key(meta: Path, key: str, value: str) -> int:
    """Replace ``key = ...`` in a template.toml; return its line number."""
    lines = meta.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if re.match(rf"{key}\s*=", line))
    lines[n] = f"{key} = {value}"
    meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n + 1


def _problems_of(catalog: Catalog, path: Path) -> list[TemplateError]:
    return [p for p in catalog.problems if p.file and Path(p.file).resolve() == path.resolve()]


@pytest.mark.parametrize("key, value, words", [
    ("version", '"one"', "'one' is not a version"),
    ("engine", '"latex"', "'latex' is not one of html, docx"),
    ("kind", '"formal_notice"', "the folder is reminder"),
    ("language", '"ro"', "the folder is fr"),
    ("file", '"missing.html"', "'missing.html' does not exist"),
    ("id", '"fr.relance"', "should be 'fr.reminder'"),
])
def test_metadata_error_names_file_and_line(tree: Path, key: str, value: str,
                                            words: str) -> None:
    meta = tree / "fr" / "reminder" / "template.toml"
    line = _set_key(meta, key, value)
    catalog = load_catalog(tree)
    problems = _problems_of(catalog, meta)
    assert len(problems) == 1, [p.format_message() for p in catalog.problems]
    err = problems[0]
    assert err.line == line
    assert words in err.message
    assert err.format_message().startswith(f"{meta}:{line}: {key}")
    # The broken template is unusable, the others are not affected.
    assert ("fr", Kind.REMINDER) not in catalog.templates
    assert len(catalog.templates) == 14
    with pytest.raises(TemplateError) as info:
        catalog.template(locale_of("fr"), Kind.REMINDER)
    assert words in info.value.message  # a letter that needs it says why it cannot be made


def test_missing_template_file_is_reported(tree: Path) -> None:
    meta = tree / "ro" / "formal_notice" / "template.toml"
    (meta.parent / "letter.typ").unlink()
    catalog = load_catalog(tree)
    [err] = _problems_of(catalog, meta)
    assert "'letter.typ' does not exist" in err.message
    assert err.line is not None and meta.read_text().splitlines()[err.line - 1].startswith("file")


def test_engine_and_file_suffix_must_agree(tree: Path) -> None:
    meta = tree / "zh" / "reminder" / "template.toml"
    line = _set_key(meta, "engine", '"docx"')
    [err] = _problems_of(load_catalog(tree), meta)
    assert "engine docx needs a .docx file" in err.message
    assert err.line == _set_key(meta, "file", '"letter.html"')
    assert line != err.line


def test_toml_syntax_error_names_its_line(tree: Path) -> None:
    meta = tree / "fr" / "reminder" / "template.toml"
    lines = meta.read_text(encoding="utf-8").splitlines()
    lines.insert(3, 'version = "1.0.0')  # unterminated string on line 4
    meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [err] = _problems_of(load_catalog(tree), meta)
    assert "not valid TOML" in err.message
    # Python 3.11's tomllib gives the line only inside its message ("at line 4, column 17").
    assert err.line == 4 or "line 4," in err.message, err.format_message()


def test_missing_kind_in_a_language_is_reported(tree: Path) -> None:
    shutil.rmtree(tree / "zh" / "commitment_form")
    catalog = load_catalog(tree)
    messages = [p.format_message() for p in catalog.problems]
    assert any("kind commitment_form is missing in language zh" in m for m in messages), messages
    assert ("zh", Kind.COMMITMENT_FORM) not in catalog.templates


@pytest.mark.parametrize(("language", "added", "message"), [
    ("ro", '\n[[reminders]]\nid = "x"\ntext = "y"\n', "[[reminders]] is not a document kind"),
    ("fr", '\n[[reminder]]\nid = "empty"\n', "needs an id and a text"),
], ids=["unknown-kind", "no-text"])
def test_bad_mention_names_its_line(tree: Path, language: str, added: str, message: str) -> None:
    mentions = tree / language / "mentions.toml"
    text = mentions.read_text(encoding="utf-8")
    mentions.write_text(text + added, encoding="utf-8")
    [err] = _problems_of(load_catalog(tree), mentions)
    assert message in err.message
    assert err.line == len(text.splitlines()) + 2
