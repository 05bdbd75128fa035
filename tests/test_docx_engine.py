"""DOCX engine: docxtpl with the shared sandbox, variables and filters; split-tag finder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import office_available
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt
from markupsafe import Markup

from notice_factory.cases import parse_case
from notice_factory.catalog import TemplateSpec
from notice_factory.context import build_context
from notice_factory.errors import TemplateError
from notice_factory.model import Kind
from notice_factory.office import OfficeSide, WordDraft
from notice_factory.render.docx import DocxEngine, DocxTemplateError, SplitTag, find_split_tags
from notice_factory.settings import load_sender_profile

ROOT = Path(__file__).resolve().parents[1]


def real_variables(case_id: str = "FR-2026-0005") -> dict[str, Any]:
    """The template variables of a fixture case, built by the real context code."""
    rows = json.loads((ROOT / "fixtures" / "cases.json").read_text())
    raw = next(r for r in rows if r["case_id"] == case_id)
    day = dt.date(2026, 11, 23)
    case = parse_case(raw, 1, batch_date=day)
    entity = load_sender_profile(ROOT / "fixtures" / "sender-demo.toml").entity(case.locale)
    ctx = build_context(case, entity, batch_date=day, template_id="fr.test",
                        template_version="1.0.0")
    return ctx.as_dict()


def save(document: Any, path: Path) -> Path:
    document.save(path)
    return path


def document_text(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return tmp_path


def test_fills_variables_and_keeps_case_data_literal(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Destinataire : {{ debtor.name }}")
    d.add_paragraph("Réf. {{ case.id }}")
    save(d, tree / "letter.docx")
    hostile = "<w:t>Dupont & Fils</w:t> \"l'ami\" ]]>"
    out = DocxEngine(tree).render_docx(
        "letter.docx", {"debtor": {"name": hostile}, "case": {"id": "A<1>"}})
    assert document_text(out) == [f"Destinataire : {hostile}", "Réf. A<1>"]


def test_markup_is_printed_as_text_not_injected(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ letter.barcode_svg }}")
    save(d, tree / "letter.docx")
    svg = Markup('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    out = DocxEngine(tree).render_docx("letter.docx", {"letter": {"barcode_svg": svg}})
    assert document_text(out) == [str(svg)]


def test_real_context_filters_table_loop_header_and_conditionals(tree: Path) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "{{ creditor.name }}"
    d.sections[0].footer.paragraphs[0].text = "{{ letter.reference }}"
    d.add_paragraph("{{ letter.place_date }}")
    d.add_paragraph("Total : {{ amounts.total }} ; {{ '1234.5' | money }}")
    d.add_paragraph("{%p if lawyer %}")
    d.add_paragraph("Avocat : {{ lawyer.name }}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("{%p if agency %}")
    d.add_paragraph("Agence : {{ agency.name }}")
    d.add_paragraph("{%p endif %}")
    table = d.add_table(rows=4, cols=3)
    for cell, title in zip(table.rows[0].cells, ["N°", "Échéance", "Montant"], strict=True):
        cell.text = title
    table.rows[1].cells[0].text = "{%tr for i in plan.installments %}"
    for cell, tag in zip(table.rows[2].cells, ["{{ i.number }}", "{{ i.due_date }}",
                                                "{{ i.amount }}"], strict=True):
        cell.text = tag
    table.rows[3].cells[0].text = "{%tr endfor %}"
    save(d, tree / "plan.docx")

    variables = real_variables()
    out = docx.Document(io.BytesIO(DocxEngine(tree).render_docx("plan.docx", variables)))
    texts = [p.text for p in out.paragraphs]
    assert texts[0] == "Paris, le 23 novembre 2026"
    assert texts[1] == f"Total : {variables['amounts'].total} ; 1\u202f234,50\u00a0€"
    assert ("Avocat : " + variables["lawyer"].name) in texts
    assert all(not t.startswith("Agence") for t in texts) or variables["agency"] is not None
    rows = out.tables[0].rows
    plan = variables["plan"]
    assert len(rows) == 1 + plan.count
    first, last = plan.installments[0], plan.installments[-1]
    assert [c.text for c in rows[1].cells] == ["1", first.due_date, first.amount]
    assert [c.text for c in rows[-1].cells] == [str(last.number), last.due_date, last.amount]
    assert out.sections[0].header.paragraphs[0].text == variables["creditor"].name
    assert out.sections[0].footer.paragraphs[0].text == variables["letter"].reference


def test_undefined_variable_names_part_and_paragraph(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Madame, Monsieur,")
    d.add_paragraph("Nous vous écrivons au sujet du contrat {{ case.id }}.")
    d.add_paragraph("Votre nom : {{ debtor.nme }}.")
    save(d, tree / "bad.docx")
    with pytest.raises(DocxTemplateError) as info:
        DocxEngine(tree).render_docx("bad.docx", {"case": {"id": "1"}, "debtor": {"name": "X"}})
    err = info.value
    assert (err.file, err.part, err.paragraph) == ("bad.docx", "/word/document.xml", 3)
    assert "nme" in err.format_message()
    assert err.format_message().startswith("bad.docx: word/document.xml, paragraph 3")


def test_syntax_error_in_footer_is_located(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ debtor.name }}")
    d.sections[0].footer.paragraphs[0].text = "Page {% if %}"
    save(d, tree / "bad.docx")
    with pytest.raises(DocxTemplateError) as info:
        DocxEngine(tree).render_docx("bad.docx", {"debtor": {"name": "X"}})
    assert info.value.part is not None and "footer" in info.value.part
    assert info.value.paragraph == 1


def test_sandbox_refuses_python_internals(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ debtor.__class__.__mro__ }}")
    save(d, tree / "evil.docx")
    with pytest.raises(TemplateError, match=r"unsafe|undefined|no attribute"):
        DocxEngine(tree).render_docx("evil.docx", {"debtor": real_variables()["debtor"]})


def test_only_files_inside_the_tree(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    save(docx.Document(), outside / "x.docx")
    engine = DocxEngine(tree)
    with pytest.raises(TemplateError, match="not found"):
        engine.render_docx(f"../{outside.name}/x.docx", {})
    (tree / "junk.docx").write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="not a readable Word document"):
        engine.render_docx("junk.docx", {})


def _split_paragraph(d: Any, pieces: list[tuple[str, bool]]) -> None:
    p = d.add_paragraph()
    for text, bold in pieces:
        p.add_run(text).bold = bold


def test_find_split_tags_reports_differently_formatted_pieces(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Intro {{ letter.date }}")
    _split_paragraph(d, [("Madame {{ debtor.", False), ("name", True), (" }}, bonjour", False)])
    _split_paragraph(d, [("Total {{ amounts.", False), ("total }}", False)])  # same format: fine
    p = d.add_paragraph()
    p.add_run("Payez avant le {{ letter.")
    run = p.add_run("deadline }}")
    run.font.size = Pt(14)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    path = save(d, tree / "split.docx")

    found = find_split_tags(path)
    assert [(f.part, f.paragraph, f.text) for f in found] == [
        ("word/document.xml", 2, "{{ debtor.name }}"),
        ("word/document.xml", 4, "{{ letter.deadline }}"),
    ]
    assert all("different formatting" in f.problem for f in found)
    # The same-format split is one docxtpl repairs: it renders.
    out = DocxEngine(tree).render_docx("split.docx", {
        "letter": {"date": "1er", "deadline": "2"}, "debtor": {"name": "Y"},
        "amounts": {"total": "10 €"}})
    assert document_text(out)[2] == "Total 10 €"


def test_find_split_tags_reports_broken_tags_in_headers_and_footers(tree: Path) -> None:
    d = docx.Document()
    _split_paragraph(d, [("Bonjour {{ debtor.", False), ("name }", False)])
    d.sections[0].footer.paragraphs[0].text = "Réf. { letter.reference }}"
    path = save(d, tree / "broken.docx")
    found = find_split_tags(path.read_bytes())
    assert [(f.part, f.paragraph) for f in found] == [("word/document.xml", 1),
                                                      ("word/footer1.xml", 1)]
    assert "'{{' has no matching delimiter" in found[0].problem
    assert "'}}' has no matching delimiter" in found[1].problem
    assert isinstance(found[0], SplitTag)


def test_proofing_only_differences_are_not_reported(tree: Path) -> None:
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("{{ debtor.")
    run = p.add_run("name }}")
    # Word marks a run's language or "no proofing" as you type; the text looks the same.
    rpr = run._r.get_or_add_rPr()
    lang = rpr.makeelement(qn("w:lang"), {qn("w:val"): "ro-RO"})
    rpr.append(lang)
    assert find_split_tags(save(d, tree / "lang.docx")) == []




def spec_of(path: Path) -> TemplateSpec:
    """The metadata of a Word template written by a test (what the office half reads)."""
    return TemplateSpec(id="fr.lawyer_letter", kind=Kind.LAWYER_LETTER, language="fr",
                        version="1.0.0", engine="docx", file=path.name, folder=path.parent,
                        approved_by="test", approved_on=dt.date(2026, 11, 20))


@pytest.mark.office
@pytest.mark.skipif(not office_available(), reason="LibreOffice is not installed")
def test_render_pdf_through_libreoffice(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ letter.place_date }}")
    d.add_paragraph("{{ debtor.name }} doit {{ amounts.total }}")
    save(d, tree / "letter.docx")
    variables = real_variables()
    variables["debtor"] = dataclasses.replace(variables["debtor"], name="Ștefan Țăranu & <Cie>")
    filled = DocxEngine(tree).render_docx("letter.docx", variables)
    with OfficeSide() as office:  # the one conversion path of a Word letter
        pdf = office.finish(WordDraft(spec_of(tree / "letter.docx"), filled, "FR-2026-0005",
                                      "2026-11-23"))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()
    assert "Paris, le 23 novembre 2026" in text
    assert "Ștefan Țăranu & <Cie> doit" in text


def test_compiles_each_part_once_and_fills_like_a_fresh_engine(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ debtor.name }} {% if case.id == 'A' %}first{% else %}other{% endif %}")
    d.sections[0].footer.paragraphs[0].text = "Réf. {{ case.id }}"
    save(d, tree / "letter.docx")
    engine = DocxEngine(tree)
    first = engine.render_docx("letter.docx", {"debtor": {"name": "Ana & Co"}, "case": {"id": "A"}})
    compiled = engine.compiled.compiles
    letters = [engine.render_docx("letter.docx", {"debtor": {"name": f"<b>{i}</b>"},
                                                   "case": {"id": str(i)}}) for i in range(3)]
    assert engine.compiled.compiles == compiled  # nothing compiled again
    assert document_text(first) == ["Ana & Co first"]
    assert [document_text(x) for x in letters] == [[f"<b>{i}</b> other"] for i in range(3)]
    # The same letter from an engine that never compiled anything: the same document.
    fresh = DocxEngine(tree).render_docx("letter.docx", {"debtor": {"name": "<b>2</b>"},
                                                         "case": {"id": "2"}})
    parts = [zipfile.ZipFile(io.BytesIO(x)).read("word/document.xml") for x in (fresh, letters[2])]
    assert parts[0] == parts[1]
    footer = zipfile.ZipFile(io.BytesIO(letters[1])).read("word/footer1.xml").decode()
    assert "Réf. 1" in footer


def test_compiled_parts_keep_the_sandbox_and_strict_undefined(tree: Path) -> None:
    d = docx.Document()
    d.add_paragraph("{{ debtor.name }}")
    save(d, tree / "letter.docx")
    engine = DocxEngine(tree)
    engine.render_docx("letter.docx", {"debtor": {"name": "x"}})
    with pytest.raises(DocxTemplateError, match="debtor"):  # cached, still strict
        engine.render_docx("letter.docx", {})
    with pytest.raises(TemplateError, match="autoescape"):
        engine.compiled.autoescape = False
    assert engine.compiled.from_string("{{ a }}").render(a="<x>") == "&lt;x&gt;"
    assert engine.compiled.from_string("{{ a }}") is engine.compiled.from_string("{{ a }}")
    assert engine.compiled.from_string("{{ a }}") is not engine.compiled.from_string("{{ b }}")
