"""The six Word templates (lawyer_letter, plan_agreement × fr, ro, zh) rendered to PDF through
LibreOffice with their sample cases: the text a reader sees (poppler's pdftotext) holds the
case's figures, dates, names in their own script, amounts in words and the whole schedule.

Each template is rendered once per session (a LibreOffice conversion takes a second or two).
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import embedded_fonts, font_bytes

from notice_factory.catalog import Catalog, TemplateSpec, load_catalog
from notice_factory.context import TemplateContext
from notice_factory.fonts import office_font_names
from notice_factory.model import Kind
from notice_factory.office import substitute_fonts
from notice_factory.render import LetterRenderer
from notice_factory.rules import copies
from notice_factory.settings import load_sender_profile
from notice_factory.templatecheck import preview

pytestmark = [
    pytest.mark.office,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext"),
]

WORD_TEMPLATES = [f"{lang}.{kind}" for lang in ("fr", "ro", "zh")
                  for kind in ("lawyer_letter", "plan_agreement")]


class Rendered:
    def __init__(self, spec: TemplateSpec, pdf: bytes, ctx: TemplateContext, text: str) -> None:
        self.spec, self.pdf, self.ctx, self.text = spec, pdf, ctx, text

    @property
    def flat(self) -> str:
        """The text with all whitespace removed: line breaks fall anywhere in a PDF."""
        return flat(self.text)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def rendered(catalog: Catalog,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Rendered]]:
    """Each Word template's sample letter, rendered on first use."""
    folder = tmp_path_factory.mktemp("docx-pdf")
    sender = load_sender_profile()
    with LetterRenderer(catalog) as renderer:

        class Lazy(dict[str, Rendered]):
            def __missing__(self, template_id: str) -> Rendered:
                spec = next(s for s in catalog.templates.values() if s.id == template_id)
                pdf, ctx = preview(spec, renderer, sender)
                path = folder / f"{template_id}.pdf"
                path.write_bytes(pdf)
                text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"],
                                      capture_output=True, check=True, text=True,
                                      timeout=60).stdout
                done = self[template_id] = Rendered(spec, pdf, ctx, text)
                return done

        yield Lazy()


@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_kind_uses_the_word_template(catalog: Catalog, template_id: str) -> None:
    spec = next(s for s in catalog.templates.values() if s.id == template_id)
    assert spec.engine == "docx" and spec.path.name == "letter.docx"
    # The .docx is the one source of the wording: no unused HTML copy beside it (issue 10).
    assert spec.path.is_file() and not (spec.folder / "letter.html").exists()


@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_figures_dates_names_and_words(rendered: dict[str, Rendered], template_id: str) -> None:
    r = rendered[template_id]
    assert r.pdf.startswith(b"%PDF-")
    ctx = r.ctx
    expected = {
        "debtor name": ctx.debtor.name,
        "principal": ctx.amounts.principal,
        "total": ctx.amounts.total_figures_zh if r.spec.language == "zh" else ctx.amounts.total,
        "total in words": ctx.amounts.total_words,
        "letter date": ctx.letter.date,
        "deadline": ctx.letter.deadline,
        "due date": ctx.case.due_date,
        "contract": ctx.case.contract_ref,
        "registered number": ctx.letter.tracking_number,
        # Chinese letters print their number in Chinese form (催字〔2026〕第…号), issue 12.
        "reference": ctx.letter.number_zh or ctx.letter.reference,
    }
    if ctx.letter.registered:  # the registered number prints beside its barcode picture
        assert ctx.letter.tracking_number
    missing = {k: v for k, v in expected.items() if flat(v) not in r.flat}
    assert not missing, f"not in the {template_id} PDF: {missing}"
    # Nothing left unrendered, and no markup printed instead of the barcode.
    assert "{{" not in r.text and "{%" not in r.text and "<svg" not in r.text


def test_names_in_their_own_script(rendered: dict[str, Rendered]) -> None:
    # Chinese characters survive LibreOffice and come back out of the PDF as the same text;
    # Romanian comma-below letters stay comma-below (not cedillas).
    zh = rendered["zh.plan_agreement"]
    assert zh.ctx.debtor.name == "刘志强"
    assert "刘志强" in zh.text
    assert "人民币" in zh.flat and zh.ctx.amounts.total_words in zh.flat
    ro = rendered["ro.plan_agreement"]
    assert "Șerban" in ro.text and "Şerban" not in ro.text
    fr = rendered["fr.lawyer_letter"]
    assert fr.ctx.debtor.name in fr.text


@pytest.mark.parametrize("template_id", [t for t in WORD_TEMPLATES if t.endswith("plan_agreement")])
def test_every_instalment_is_printed(rendered: dict[str, Rendered], template_id: str) -> None:
    r = rendered[template_id]
    plan = r.ctx.plan
    assert plan is not None and r.spec.kind is Kind.PLAN_AGREEMENT
    assert len(plan.installments) == plan.count > 1
    text = r.flat
    for i in plan.installments:
        assert flat(i.due_date) in text, f"instalment {i.number}: {i.due_date}"
        assert flat(i.amount) in text, f"instalment {i.number}: {i.amount}"
    # One schedule row per instalment: the rows come from a {%tr for %} loop in the table.
    for i in (plan.installments[0], plan.installments[-1]):
        lines = [line for line in r.text.splitlines() if flat(i.due_date) in flat(line)]
        assert any(flat(i.amount) in flat(line) for line in lines), lines
    assert flat(plan.total_to_pay) in text and flat(plan.total_to_pay_words) in text
    if plan.has_down_payment:
        assert flat(plan.down_payment) in text


@pytest.mark.parametrize("template_id", ["zh.lawyer_letter", "zh.plan_agreement"])
def test_chinese_word_letters_are_small(rendered: dict[str, Rendered], template_id: str) -> None:
    r = rendered[template_id]
    # LibreOffice embeds the TrueType cut of Noto CJK as compressed subsets; the system's
    # CFF face would become Type 1 fonts that do not compress (~165 KB a letter). Counted per
    # copy of the letter (a plan agreement holds two, each converted with its own subsets),
    # the profile's signature and seal images apart.
    assert font_bytes(r.pdf) / copies(r.spec.kind) < 100_000, font_bytes(r.pdf)
    files = {name: font.file_key for name, font in embedded_fonts(r.pdf).items()}
    assert files["Notice-Serif-SC-Office-Regular"] == "/FontFile2"
    assert files["Notice-Serif-SC-Office-Bold"] == "/FontFile2"
    assert "/FontFile" not in files.values(), files  # no Type 1 font at all


@pytest.mark.parametrize("template_id", [t for t in WORD_TEMPLATES if not t.startswith("zh.")])
def test_french_and_romanian_word_letters_keep_their_fonts(rendered: dict[str, Rendered],
                                                           template_id: str) -> None:
    names = set(embedded_fonts(rendered[template_id].pdf))
    assert any(n.startswith("Liberation") for n in names)
    assert not any(n.startswith(("Notice", "Noto")) for n in names), names


def test_rare_name_characters_fall_back_to_the_full_serif_face(
        catalog: Catalog, rendered: dict[str, Rendered], tmp_path: Path) -> None:
    # 堃 (GBK) and 㛃 (CJK Extension A) are not in the cut; the full Noto Serif CJK SC has them.
    name = "王堃㛃"
    spec = next(s for s in catalog.templates.values() if s.id == "zh.lawyer_letter")
    ctx = rendered["zh.lawyer_letter"].ctx
    ctx = dataclasses.replace(ctx, debtor=dataclasses.replace(ctx.debtor, name=name))
    with LetterRenderer(catalog) as renderer:
        pdf = renderer.render_spec(spec, ctx.as_dict(), identifier="rare")
    path = tmp_path / "rare.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, text=True, timeout=60).stdout
    assert name in flat(text) and "\ufffd" not in text
    files = embedded_fonts(pdf)
    assert any(n.startswith("NotoSerifCJK") for n in files), files  # serif, not sans
    assert not any(n.startswith("NotoSansCJK") for n in files), files
    assert "Notice-Serif-SC-Office-Regular" in files


def test_the_template_keeps_the_font_the_legal_team_sees(catalog: Catalog) -> None:
    spec = next(s for s in catalog.templates.values() if s.id == "zh.plan_agreement")
    with zipfile.ZipFile(spec.path) as z:
        styles = z.read("word/styles.xml")
    assert b'w:eastAsia="Noto Serif CJK SC"' in styles and b"Notice" not in styles
    renamed = substitute_fonts(spec.path.read_bytes(), office_font_names())
    with zipfile.ZipFile(io.BytesIO(renamed)) as z:
        styles = z.read("word/styles.xml")
        assert z.namelist()[0] == "[Content_Types].xml"
    assert b'w:eastAsia="Notice Serif SC Office"' in styles and b"Noto Serif CJK SC" not in styles
