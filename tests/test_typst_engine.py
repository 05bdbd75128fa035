"""The typst engine (engine = "typst" in template.toml): the French reminder's letter.typ
rendered through LetterRenderer (in a copy of the templates tree), then read back as a reader
sees it (text, fonts, window). Also what the engine refuses: markup from data,
package imports, files outside the tree, a broken template (file:line)."""

from __future__ import annotations

import dataclasses
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from conftest import BATCH_DATE, DEMO_CASES, TEMPLATES, pdf_text

from notice_factory.cases import parse_rows
from notice_factory.catalog import load_catalog, squash
from notice_factory.errors import RenderError, TemplateError
from notice_factory.model import Case, Kind, Locale
from notice_factory.render import LetterRenderer, count_pages
from notice_factory.render.typst import typst_data
from notice_factory.settings import DEFAULT_WINDOWS, SenderProfile
from notice_factory.templatecheck import check_templates
from notice_factory.window import check_first_page


def to_typst(tree: Path, language: str, kind: str) -> None:
    """Switch one kind of a templates tree to its letter.typ."""
    meta = tree / language / kind / "template.toml"
    meta.write_text(meta.read_text(encoding="utf-8")
                    .replace('engine = "html"', 'engine = "typst"')
                    .replace('file = "letter.html"', 'file = "letter.typ"'), encoding="utf-8")


@pytest.fixture(scope="module")
def typst_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = Path(shutil.copytree(TEMPLATES, tmp_path_factory.mktemp("t") / "templates"))
    to_typst(tree, "fr", "reminder")
    return tree


@pytest.fixture(scope="module")
def typst_renderer(typst_tree: Path) -> Iterator[LetterRenderer]:
    with LetterRenderer(templates=typst_tree) as r:
        yield r


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    tree = Path(shutil.copytree(TEMPLATES, tmp_path / "templates"))
    to_typst(tree, "fr", "reminder")
    return tree


def fr_reminder(**changes: object) -> Case:
    case = next(c for c in DEMO_CASES if c.locale is Locale.FR_FR and c.kind is Kind.REMINDER)
    return dataclasses.replace(case, **changes)  # type: ignore[arg-type]


def render(renderer: LetterRenderer, sender: SenderProfile, case: Case,
           number: str = "") -> bytes:
    letter = renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE,
                             tracking_number=number)
    assert letter.template.engine == "typst"
    return letter.pdf


def test_reminder_renders_with_its_data_fonts_embedded(typst_renderer: LetterRenderer,
                                                       sender: SenderProfile) -> None:
    case = fr_reminder()
    pdf = render(typst_renderer, sender, case)
    _, ctx = typst_renderer.context_for(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    text = squash(pdf_text(pdf))
    for value in (ctx.debtor.name, ctx.amounts.total, ctx.amounts.total_words,
                  ctx.letter.deadline, ctx.case.contract_ref, ctx.letter.reference,
                  "Frais des démarches amiables", f"Page1sur{count_pages(pdf)}"):
        assert squash(value) in text, value
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fonts = [f for page in doc.pages for f in page.Resources.Font.values()]
        assert fonts
        for font in fonts:
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert any(k in descriptor for k in ("/FontFile2", "/FontFile3")), font.BaseFont
            assert "Liberation" in str(font.BaseFont)


def test_same_input_gives_the_same_bytes_from_any_renderer(typst_renderer: LetterRenderer,
                                                           typst_tree: Path,
                                                           sender: SenderProfile) -> None:
    case = fr_reminder()
    first = render(typst_renderer, sender, case, "RR000000015FR")
    with LetterRenderer(templates=typst_tree) as fresh:
        assert render(fresh, sender, case, "RR000000015FR") == first
    assert render(typst_renderer, sender, case, "RR000000015FR") == first
    with pikepdf.open(io.BytesIO(first)) as doc:
        assert str(doc.docinfo["/CreationDate"]).startswith(
            "D:" + (case.letter_date or BATCH_DATE).strftime("%Y%m%d"))


def test_first_page_fits_the_window_with_number_and_barcode(typst_renderer: LetterRenderer,
                                                            sender: SenderProfile) -> None:
    case = fr_reminder(registered=True, acknowledgement=True)
    _, ctx = typst_renderer.context_for(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    pdf = render(typst_renderer, sender, case, "RR000000015FR")
    assert "LETTRE RECOMMANDÉE AVEC AR" in pdf_text(pdf)
    problems = check_first_page(pdf, DEFAULT_WINDOWS["DL"],
                                address_lines=ctx.debtor.address_lines,
                                tracking_number="RR000000015FR",
                                return_line=ctx.letter.return_address)
    assert problems == []


HOSTILE = '#set page(width: 1cm) ]*x* $y$ <l> @r'


def test_typst_markup_in_case_data_prints_literally(typst_renderer: LetterRenderer,
                                                    sender: SenderProfile) -> None:
    row = {"case_id": "HOST-T1", "kind": "reminder", "locale": "fr_FR",
           "debtor_name": "#eval(\"1+1\") ]*B* \\ $x$",
           "address_line1": "<a> [x] #read(\"/e\")", "postal_code": "69002", "city": "Lyon",
           "country": "FR", "contract_ref": HOSTILE, "product": "invoice",
           "currency": "EUR", "principal": "10.00", "interest": "0", "due_date": "2026-10-01"}
    parsed = parse_rows([row], batch_date=BATCH_DATE)
    assert parsed.rejects == [], [e.format_message() for e in parsed.rejects]
    case = parsed.cases[0]
    pdf = render(typst_renderer, sender, case)
    _, ctx = typst_renderer.context_for(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    text = squash(pdf_text(pdf))
    assert "#read" in ctx.debtor.address_lines[1]  # as the window layout writes it
    for value in (row["debtor_name"], ctx.debtor.address_lines[1], HOSTILE):
        assert squash(value) in text, value
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert all(round(float(p.mediabox[2])) == 595 for p in doc.pages)  # A4 still


def test_context_is_handed_over_as_plain_data(typst_renderer: LetterRenderer,
                                              sender: SenderProfile) -> None:
    case = fr_reminder()
    _, ctx = typst_renderer.context_for(case, sender.entity(case.locale),
                                        batch_date=BATCH_DATE, tracking_number="RR000000015FR")
    data = typst_data(ctx.as_dict())
    assert data["amounts"]["total"] == ctx.amounts.total  # formatted in Python, once
    assert data["letter"]["barcode_svg"]["format"] == "svg"
    assert data["agency"] is None
    signature = data["sign"]["signature"]
    assert signature["format"] == "png" and bytes(signature["data"][:4]) == b"\x89PNG"


def _append(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def test_a_compile_error_names_file_and_line(tree: Path, sender: SenderProfile) -> None:
    line = _append(tree / "fr" / "reminder" / "letter.typ", "#para[#case.no_such_field]")
    with LetterRenderer(templates=tree) as r, pytest.raises(TemplateError) as info:
        render(r, sender, fr_reminder())
    assert info.value.file == str((tree / "fr" / "reminder" / "letter.typ").resolve())
    assert info.value.line == line
    assert "no_such_field" in info.value.message


def test_an_error_in_the_shared_layout_names_the_layout(tree: Path,
                                                        sender: SenderProfile) -> None:
    line = _append(tree / "fr" / "_layout.typ", "#let broken = (")
    with LetterRenderer(templates=tree) as r, pytest.raises(TemplateError) as info:
        render(r, sender, fr_reminder())
    assert info.value.file == str((tree / "fr" / "_layout.typ").resolve())
    assert info.value.line == line


def test_package_imports_are_refused_before_compiling(tree: Path,
                                                      sender: SenderProfile) -> None:
    line = _append(tree / "fr" / "reminder" / "letter.typ",
                   '#import "@preview/cetz:0.3.0": canvas')
    with LetterRenderer(templates=tree) as r, pytest.raises(TemplateError) as info:
        render(r, sender, fr_reminder())
    assert info.value.line == line and "package" in info.value.message
    report = check_templates(tree, only="fr.reminder")
    assert any(p.line == line and "package" in p.message for p in report.problems)


@pytest.mark.parametrize("source", [
    '#let where = "@prev" + "iew/cetz:0.3.0"\n#import where: canvas',
    '#{\n  import ("@preview/" + "cetz:0.3.0")\n}',
    '#include sys.inputs.at("nf")',
])
def test_a_package_named_by_a_computed_path_is_refused_too(tree: Path, sender: SenderProfile,
                                                           source: str) -> None:
    """An import or include must name its file as a quoted path: a path computed at run
    time could name a package, which typst would download."""
    line = _append(tree / "fr" / "reminder" / "letter.typ", source)
    with LetterRenderer(templates=tree) as r, pytest.raises(TemplateError) as info:
        render(r, sender, fr_reminder())
    assert info.value.line in (line, line + 1) and "quoted path" in info.value.message


def test_files_outside_the_templates_tree_cannot_be_read(tree: Path,
                                                         sender: SenderProfile) -> None:
    _append(tree / "fr" / "reminder" / "letter.typ", '#read("../../../../etc/passwd")')
    with LetterRenderer(templates=tree) as r, pytest.raises(TemplateError) as info:
        render(r, sender, fr_reminder())
    assert "root" in info.value.message or "not found" in info.value.message


def test_a_compiler_warning_fails_the_letter(tree: Path, sender: SenderProfile) -> None:
    _append(tree / "fr" / "reminder" / "letter.typ", '#text(font: "Comic Sans MS")[x]')
    with LetterRenderer(templates=tree) as r, pytest.raises(RenderError) as info:
        render(r, sender, fr_reminder())
    assert "font" in info.value.message
    assert info.value.file is not None and info.value.file.endswith("letter.typ")


def test_templates_check_and_preview_on_a_typst_template(tree: Path) -> None:
    report = check_templates(tree, only="fr.reminder")
    assert [p.format_message() for p in report.problems] == []
    line = _append(tree / "fr" / "reminder" / "letter.typ", "#para[#debtor.nickname]")
    report = check_templates(tree, only="fr.reminder")
    assert any(p.line == line and "debtor.nickname" in p.message for p in report.problems)


def test_catalog_wants_a_typ_file_for_the_typst_engine(tree: Path) -> None:
    meta = tree / "fr" / "reminder" / "template.toml"
    (meta.parent / "letter.html").write_text("<p>x</p>", encoding="utf-8")
    meta.write_text(meta.read_text(encoding="utf-8").replace('"letter.typ"', '"letter.html"'),
                    encoding="utf-8")
    catalog = load_catalog(tree)
    assert any("engine typst needs a .typ file" in p.message for p in catalog.problems)


def test_warm_up_loads_the_compilers_of_the_typst_languages(typst_tree: Path) -> None:
    """A batch worker warms its engines while the batch numbers: the typst compilers (and
    their fonts) of every language with a typst template are ready before the first letter."""
    with LetterRenderer(templates=typst_tree) as r:
        languages = {s.language for s in r.catalog.templates.values() if s.engine == "typst"}
        r.warm_up()
        assert "fr" in languages and set(r.typst._compilers) == languages


def test_preview_is_a_watermarked_specimen_with_the_fake_number() -> None:
    """templates preview of a typst letter: the sample rendered by typst, SPECIMEN across
    every page and the specimen's registered number ZZ...; templates vars lists the same
    variables whatever the engine."""
    import notice_factory as nf

    shown = nf.preview_template("fr.formal_notice")
    assert nf.templates_root() / "fr" / "formal_notice" / "letter.typ" == Path(
        load_catalog().template(Locale.FR_FR, Kind.FORMAL_NOTICE).path)
    text = pdf_text(shown.pdf)
    assert "ZZ000000005FR" in text
    from notice_factory.settings import load_sender_profile
    from notice_factory.templatecheck import variables_table

    catalog = load_catalog()
    rows = variables_table(catalog, load_sender_profile(),
                           catalog.template(Locale.FR_FR, Kind.FORMAL_NOTICE))
    assert ("amounts.total_words" in {name for name, _, _ in rows})
    with pikepdf.open(io.BytesIO(shown.pdf)) as doc:
        assert all(b"SPECIMEN" in b"".join(
            x.read_bytes() for x in p.Resources.XObject.values() if "/Subtype" in x
            and x.Subtype == "/Form") for p in doc.pages)


def test_an_error_in_the_shared_layout_is_reported_once_by_templates_check(tree: Path) -> None:
    """Both French typst kinds import fr/_layout.typ: its error is one problem, at its line."""
    for folder in ("zh", "ro", "fr/lawyer_letter", "fr/plan_agreement"):  # no Word, one language
        shutil.rmtree(tree / folder)
    layout = tree / "fr" / "_layout.typ"
    line = _append(layout, "#let broken = (")
    report = check_templates(tree)
    assert {"fr.reminder", "fr.formal_notice"} <= set(report.checked)
    found = [p for p in report.problems if p.file == str(layout.resolve())]
    assert [p.line for p in found] == [line], [p.format_message() for p in report.problems]
