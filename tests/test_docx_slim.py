"""Word templates filled without their unused styles (render/docxslim.py) print the same letters.

The six bundled templates carry python-docx's 168 built-in styles, their latent-style list and
Word 2010's ``stylesWithEffects.xml`` (860 KB unpacked); LibreOffice parsed all of it for every
letter. The engine slims each template once. Checked here: every style a slimmed template names
is still defined, and each Word (language, kind) letter of the demo cases converted from the
slim and from the full template has the same words and the same pixels on every page.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import BATCH_DATE, DEMO_CASES, TEMPLATES, office_available
from lxml import etree

from notice_factory.catalog import load_catalog
from notice_factory.context import copies_of
from notice_factory.office import OfficeSide, WordDraft
from notice_factory.render import LetterRenderer
from notice_factory.render.docx import DocxEngine
from notice_factory.render.docxslim import slim_docx, style_ids
from notice_factory.settings import load_sender_profile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WORD_FILES = sorted(TEMPLATES.glob("*/*/letter.docx"))
REFS = [f"{W}{n}" for n in ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link")]


def test_the_bundled_word_templates_are_all_checked() -> None:
    assert len(WORD_FILES) == 6


@pytest.mark.parametrize("path", WORD_FILES,
                         ids=lambda p: f"{p.parent.parent.name}.{p.parent.name}")
def test_slim_template_defines_every_style_it_names(path: Path) -> None:
    full = path.read_bytes()
    slim = slim_docx(full)
    with zipfile.ZipFile(io.BytesIO(slim)) as z:
        names = z.namelist()
        styles = z.read("word/styles.xml")
        named: set[str] = set()
        for part in names:
            if part.startswith("word/") and part.endswith(".xml"):
                root = etree.fromstring(z.read(part))
                named |= {e.get(f"{W}val", "") for e in root.iter(*REFS)}
        rels = z.read("word/_rels/document.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    defined = style_ids(styles)
    assert named <= defined, f"styles named but dropped: {sorted(named - defined)}"
    with zipfile.ZipFile(io.BytesIO(full)) as z:
        before = style_ids(z.read("word/styles.xml"))
    assert len(defined) < 40 < len(before)
    assert b"latentStyles" not in styles
    assert "word/stylesWithEffects.xml" not in names
    assert "stylesWithEffects" not in rels and "stylesWithEffects" not in types
    assert slim_docx(slim) == slim
    assert len(slim) < len(full) / 2


def test_a_default_table_style_named_in_the_settings_is_kept() -> None:
    full = (TEMPLATES / "fr" / "lawyer_letter" / "letter.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(full)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/settings.xml":
                style = b'<w:defaultTableStyle w:val="LightShading"/>'
                data = data.replace(b"<w:defaultTabStop ", style + b"<w:defaultTabStop ")
            dst.writestr(info, data)
    with zipfile.ZipFile(io.BytesIO(slim_docx(out.getvalue()))) as z:
        kept = style_ids(z.read("word/styles.xml"))
    assert "LightShading" in kept
    with zipfile.ZipFile(io.BytesIO(slim_docx(full))) as z:
        assert "LightShading" not in style_ids(z.read("word/styles.xml"))


def _words(pdf: bytes) -> list[str]:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                          capture_output=True, check=True, timeout=60).stdout.decode().split()


def _pages(pdf: bytes, folder: Path) -> list[bytes]:
    (folder / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", str(folder / "in.pdf"), str(folder / "p")],
                   check=True, timeout=120)
    return [p.read_bytes() for p in sorted(folder.glob("p-*.pgm"))]


WORD_CASES = [c for c in DEMO_CASES
              if load_catalog().template(c.locale, c.kind).engine == "docx"]


@pytest.mark.office
@pytest.mark.skipif(not office_available(), reason="needs LibreOffice and python3-uno")
def test_letters_from_slim_templates_have_the_same_words_and_pixels(tmp_path: Path) -> None:
    pairs = {(c.locale.language, c.kind.value) for c in WORD_CASES}
    assert len(pairs) == 6  # every Word (language, kind)
    profile = load_sender_profile()
    renderer = LetterRenderer()
    full, slim = DocxEngine(renderer.catalog.root, slim=False), DocxEngine(renderer.catalog.root)
    differences = []
    with OfficeSide() as office:
        for case in WORD_CASES:
            spec, ctx = renderer.context_for(case, profile.entity(case.locale),
                                             batch_date=BATCH_DATE, tracking_number="RR000000017FR")
            pdfs = []
            for engine in (full, slim):
                docs = [engine.render_docx(spec.file, v) for v in copies_of(ctx)]
                pdfs.append(office.finish(WordDraft(spec, docs[0], case.letter_key,
                                                    ctx.letter.date_iso, tuple(docs[1:]))))
            if _words(pdfs[0]) != _words(pdfs[1]):
                differences.append(f"{case.letter_key}: words differ")
            pages = []
            for i, pdf in enumerate(pdfs):
                folder = tmp_path / f"{case.letter_key}-{i}"
                folder.mkdir()
                pages.append(_pages(pdf, folder))
            if pages[0] != pages[1]:
                differences.append(f"{case.letter_key}: pages differ ({len(pages[0])} pages "
                                   f"against {len(pages[1])})")
    assert differences == []
