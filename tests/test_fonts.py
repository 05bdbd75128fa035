"""Small Chinese letters: the Notice SC subsets of Noto CJK (fonts.py).

These tests build the fonts once per machine (about a minute, into the user cache dir)
and render real zh letters through the real engine.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from conftest import embedded_fonts
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

import notice_factory.templatecheck as tc
from notice_factory import fonts
from notice_factory.render import LetterRenderer
from notice_factory.settings import load_sender_profile, templates_root

FONTS_CSS = "_common/fonts-zh.css"
RARE = "堃"  # GBK, not GB2312: outside the subset, in the system Noto CJK SC

pytestmark = pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig")


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    fonts.build_all()
    return LetterRenderer()


def _render(renderer: LetterRenderer, sid: str, case_file: Path | None = None) -> bytes:
    spec = tc.find_spec(renderer.catalog, sid)
    if FONTS_CSS not in spec.stylesheets:  # until the zh template.toml files list it
        spec = dataclasses.replace(spec, stylesheets=(*spec.stylesheets, FONTS_CSS))
    pdf, _ = tc.preview(spec, renderer, load_sender_profile(), case_file)
    return pdf


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("sid", ["zh.reminder", "zh.formal_notice", "zh.commitment_form"])
def test_chinese_letter_is_small_and_keeps_its_text(renderer: LetterRenderer, sid: str,
                                                    tmp_path: Path) -> None:
    """Under 120 KB a copy (a form to countersign holds two), the signature and seal images
    aside: they are the sender's own files, embedded once however many copies use them."""
    pdf = _render(renderer, sid)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        images = [o.read_raw_bytes() for o in doc.objects
                  if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        copies = 2 if sid.endswith(("commitment_form", "plan_agreement")) else 1
        assert len(doc.pages) >= copies
    assert len(images) == len(set(images)), "an image stored twice"
    assert (len(pdf) - sum(map(len, images))) / copies < 120_000, (len(pdf), len(images))
    text = _pdftotext(pdf, tmp_path)
    sample = json.loads(tc.find_spec(renderer.catalog, sid).sample.read_text("utf-8"))
    assert sample["debtor_name"] in text
    assert "尊敬的" in text or "您" in text
    embedded = _families(pdf)
    assert {"NoticeSerifSC", "NoticeSansSC"} <= embedded
    # The full system faces are no longer needed for an ordinary letter.
    assert not any(name.startswith("Noto") for name in embedded)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_rare_character_falls_back_to_the_full_font(renderer: LetterRenderer,
                                                    tmp_path: Path) -> None:
    spec = tc.find_spec(renderer.catalog, "zh.reminder")
    case = json.loads(spec.sample.read_text("utf-8"))
    case["debtor_name"] = f"王{RARE}"
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    pdf = _render(renderer, "zh.reminder", case_file)
    assert f"王{RARE}" in _pdftotext(pdf, tmp_path)
    assert "NotoSerifCJKSC" in _families(pdf)  # the glyph came from the full face


def _families(pdf: bytes) -> set[str]:
    """The embedded font families, whoever named them: WeasyPrint writes Notice-Serif-SC,
    typst NoticeSerifSC-Regular-Identity-H (the cut) and NotoSerifCJKsc-Regular-Identity-H."""
    out = set()
    for name in embedded_fonts(pdf):
        family = name.removesuffix("-Identity-H")
        family = re.sub(r"-(Regular|Bold|Italic|BoldItalic)$", "", family)
        out.add(family.replace("-", "").replace("CJKsc", "CJKSC"))
    return out


def _cjk(text: str) -> set[str]:
    return {ch for ch in text if ord(ch) >= 0x2E80}


def test_every_template_character_has_a_low_glyph_id() -> None:
    """Every character the Chinese templates and the product's own wording print (labels such
    as 退回地址) is in the subset and early in its glyph order: one late character makes
    every letter carry thousands of empty glyph slots."""
    root = templates_root() / "zh"
    used = {ch for p in root.rglob("*") if p.suffix in (".html", ".toml", ".css", ".typ")
            for ch in _cjk(p.read_text("utf-8"))}
    for docx in root.rglob("*.docx"):
        with zipfile.ZipFile(docx) as z:
            used |= _cjk(z.read("word/document.xml").decode("utf-8"))
    code = Path(fonts.__file__).parent
    used |= {ch for p in code.rglob("*.py") if p.name != "fonts.py"
             for ch in _cjk(p.read_text("utf-8"))}
    used -= {"堃"}  # a rare name character of a sample, printed from the full face
    missing = used - set(fonts.TEMPLATE_CHARACTERS) - set(fonts.COMMON_CHARACTERS)
    assert not missing, f"add to fonts.TEMPLATE_CHARACTERS: {''.join(sorted(missing))}"
    assert used <= fonts.subset_characters()


def test_generated_font_is_a_faithful_reordered_subset() -> None:
    spec = fonts.SPECS[0]
    built = TTFont(io.BytesIO(fonts.ensure_font(spec).read_bytes()))
    source, index = fonts.find_system_face(spec.face)
    orig = TTFont(io.BytesIO(Path(source).read_bytes()), fontNumber=index, lazy=True)
    order = built.getGlyphOrder()
    # CID == GID: WeasyPrint writes glyph ids as CIDs.
    assert all(name == f"cid{gid:05d}" for gid, name in enumerate(order) if gid)
    new_cmap, old_cmap = built.getBestCmap(), orig.getBestCmap()
    new_set, old_set = built.getGlyphSet(), orig.getGlyphSet()
    for ch in "张伟尊敬的A1¥，。啊齄":
        a, b = RecordingPen(), RecordingPen()
        new_set[new_cmap[ord(ch)]].draw(a)
        old_set[old_cmap[ord(ch)]].draw(b)
        assert a.value == b.value, ch
        assert built["hmtx"][new_cmap[ord(ch)]] == orig["hmtx"][old_cmap[ord(ch)]]
    # Frequent characters sit at small glyph ids; that is what keeps letters small.
    assert built.getGlyphID(new_cmap[ord("的")]) < 2000
    assert ord(RARE) not in new_cmap
    assert built["name"].getDebugName(1) == "Notice Serif SC"


def test_fetcher_maps_only_generated_font_names(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert fonts.generated_font_path(root / "_fonts" / "other.otf", [root]) is None
    assert fonts.generated_font_path(root / "zh" / spec_name(), [root]) is None
    placed = root / "_fonts" / spec_name()
    placed.parent.mkdir()
    placed.write_bytes(b"placed by an installer")
    assert fonts.generated_font_path(placed, [root]) == placed


def spec_name() -> str:
    return fonts.SPECS[0].file


# ---------------------------------------------------------------- TrueType cuts for LibreOffice


@pytest.fixture(scope="module")
def office_dir() -> Path:
    return fonts.ensure_office_fonts()


def test_office_font_is_the_same_cut_with_truetype_outlines(office_dir: Path) -> None:
    spec = fonts.OFFICE_SPECS[0]
    ttf = TTFont(io.BytesIO((office_dir / "fonts" / spec.file).read_bytes()))
    otf = TTFont(io.BytesIO(fonts.ensure_font(spec.source).read_bytes()))
    # glyf outlines (LibreOffice embeds them as compressed TrueType), no CFF, no hinting.
    assert "glyf" in ttf and "CFF " not in ttf and "fpgm" not in ttf
    assert ttf["head"].unitsPerEm == fonts.OFFICE_UPEM
    assert ttf.getBestCmap().keys() == otf.getBestCmap().keys()
    assert ttf.getGlyphOrder()[:1] == [".notdef"] and len(ttf.getGlyphOrder()) == len(
        otf.getGlyphOrder())
    scale = fonts.OFFICE_UPEM / otf["head"].unitsPerEm
    new_cmap, old_cmap = ttf.getBestCmap(), otf.getBestCmap()
    new_set, old_set = ttf.getGlyphSet(), otf.getGlyphSet()
    for ch in "张伟尊敬的A1¥，。啊":
        new, old = new_cmap[ord(ch)], old_cmap[ord(ch)]
        # Full-width advances scale exactly; outlines stay within a unit or two of the source.
        assert ttf["hmtx"][new][0] == round(otf["hmtx"][old][0] * scale), ch
        a, b = BoundsPen(new_set), BoundsPen(old_set)
        new_set[new].draw(a)
        old_set[old].draw(b)
        assert a.bounds is not None and b.bounds is not None
        assert all(abs(x - y * scale) <= 1.5 for x, y in zip(a.bounds, b.bounds, strict=True)), ch
    assert ttf["hmtx"][new_cmap[ord("的")]][0] == fonts.OFFICE_UPEM
    assert ord(RARE) not in new_cmap


def test_office_fonts_are_named_for_libreoffice(office_dir: Path) -> None:
    for spec in fonts.OFFICE_SPECS:
        font = TTFont(io.BytesIO((office_dir / "fonts" / spec.file).read_bytes()))
        names = font["name"]
        # One family with plain Regular/Bold styles: bold text gets the bold face.
        assert names.getDebugName(1) == spec.family
        assert names.getDebugName(2) == ("Bold" if spec.source.bold else "Regular")
        assert names.getDebugName(6) == spec.postscript
        assert names.getDebugName(16) is None
        assert "Open Font License" in (names.getDebugName(13) or "")
        assert bool(font["head"].macStyle & 1) == spec.source.bold
    assert fonts.office_font_names() == {"Noto Serif CJK SC": "Notice Serif SC Office",
                                         "Noto Sans CJK SC": "Notice Sans SC Office"}


def _fc_match(config: Path, pattern: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{family[0]}|%{style[0]}", pattern],
                          env={**os.environ, "FONTCONFIG_FILE": str(config)},
                          capture_output=True, text=True, check=True).stdout


def test_private_fontconfig_sees_the_cut_and_falls_back_to_noto_serif(office_dir: Path,
                                                                    tmp_path: Path) -> None:
    system = fonts.system_fontconfig()
    assert system is not None
    config = tmp_path / "fonts.conf"
    config.write_text(fonts.fontconfig_text(office_dir, system), "utf-8")
    assert _fc_match(config, "Notice Serif SC Office") == "Notice Serif SC Office|Regular"
    assert _fc_match(config, "Notice Serif SC Office:bold") == "Notice Serif SC Office|Bold"
    # A character outside the cut: the full Noto Serif face, even for zh-cn text (the
    # system's zh-cn rules would otherwise pick the Sans face first).
    rare = f"Notice Serif SC Office:lang=zh-cn:charset={ord(RARE):x}"
    assert _fc_match(config, rare) == "Noto Serif CJK SC|Regular"
    assert _fc_match(config, rare + ":bold") == "Noto Serif CJK SC|Bold"
    # The system's fonts are all still there.
    assert _fc_match(config, "Liberation Serif").startswith("Liberation Serif|")
    # Without the private file, nobody else sees the cut.
    assert "Notice" not in subprocess.run(["fc-list", ":family=Notice Serif SC Office"],
                                          capture_output=True, text=True).stdout


def test_office_fonts_dir_changes_with_the_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fonts.office_fonts_dir()
    monkeypatch.setattr(fonts, "OFFICE_BUILD_VERSION", "test")
    assert fonts.office_fonts_dir() != before
    assert fonts.office_fonts_dir().parent == before.parent
