"""Print files as a reader sees them: letters merged by assembly.build_print_file (pikepdf).

What a reader of the print file sees is checked with other tools: pypdf reads the pages
and outline back, poppler extracts the text and renders the pages.
"""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from notice_factory.assembly import LetterPdf, build_print_file

_FONTS = FontConfiguration()
poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _weasy(path: Path, text: str, pages: int = 1) -> Path:
    body = "".join(f"<section><p>{text} page {n + 1}</p></section>" for n in range(pages))
    HTML(string="<style>@page{size:A4;margin:2cm} section+section{break-before:page}</style>"
         f"<body style=\"font-family:'Liberation Sans'\">{body}</body>").write_pdf(
        path, font_config=_FONTS)
    return path


def _handmade(path: Path, text: str, *, inherit: bool, note: str = "") -> Path:
    """A one-page PDF written by pypdf, with the page's /Resources and /MediaBox on
    the page-tree node (as LibreOffice writes them) when ``inherit``."""
    w = PdfWriter()
    page = w.add_blank_page(400, 300)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): w._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 18 Tf 40 150 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = w._add_object(content)
    if note:
        page[NameObject("/NFNote")] = TextStringObject(note)
    pages = cast(DictionaryObject, w._root_object["/Pages"])
    if inherit:
        pages[NameObject("/Resources")] = w._add_object(resources)
        pages[NameObject("/MediaBox")] = ArrayObject(NumberObject(v) for v in (0, 0, 400, 300))
        del page["/MediaBox"]
        if "/Resources" in page:
            del page["/Resources"]
    else:
        page[NameObject("/Resources")] = resources
    w.write(path)
    return path


def _merge(paths: list[Path], out: Path, titles: list[str] | None = None) -> Any:
    """The merged print file, read back by pypdf (typed loosely: tests index into it)."""
    titles = titles or [p.stem for p in paths]
    build_print_file([LetterPdf(path, f"{n}-{path.stem}", title)
                      for n, (path, title) in enumerate(zip(paths, titles, strict=True))], out)
    return PdfReader(out, strict=True)


def test_pages_outline_and_blanks(tmp_path: Path) -> None:
    a = _weasy(tmp_path / "a.pdf", "Alpha", pages=1)
    b = _weasy(tmp_path / "b.pdf", "Bravo", pages=2)
    c = _weasy(tmp_path / "c.pdf", "Charlie", pages=3)
    reader = _merge([a, b, c], tmp_path / "out.pdf")
    assert len(reader.pages) == 2 + 2 + 4
    texts = [p.extract_text() for p in reader.pages]
    assert "Alpha page 1" in texts[0] and not texts[1].strip()
    assert "Bravo page 1" in texts[2] and "Bravo page 2" in texts[3]
    assert "Charlie page 3" in texts[6] and not texts[7].strip()
    assert [o.title for o in reader.outline] == ["a", "b", "c"]
    assert [reader.get_destination_page_number(o) for o in reader.outline] == [0, 2, 4]
    # the letters' own bookmarks, catalogs and metadata are not carried over
    assert reader.trailer["/Root"]["/Pages"]["/Count"] == 8


def test_inherited_attributes_are_written_into_the_page(tmp_path: Path) -> None:
    src = _handmade(tmp_path / "inh.pdf", "Inherited resources", inherit=True)
    reader = _merge([src], tmp_path / "out.pdf")
    page = reader.pages[0]
    assert [float(v) for v in page["/MediaBox"]] == [0, 0, 400, 300]
    assert "/F1" in page["/Resources"]["/Font"]
    assert "Inherited resources" in page.extract_text()
    assert [float(v) for v in reader.pages[1].mediabox] == [0, 0, 400, 300]  # the blank


def test_strings_that_look_like_references_are_copied_untouched(tmp_path: Path) -> None:
    note = "see 1 0 R and (2 0 R) \\ 3 0 R"
    src = _handmade(tmp_path / "s.pdf", "Strings", inherit=False, note=note)
    reader = _merge([src, src], tmp_path / "out.pdf")
    assert reader.pages[0]["/NFNote"] == note
    assert reader.pages[2]["/NFNote"] == note


def test_titles_with_any_characters(tmp_path: Path) -> None:
    a = _weasy(tmp_path / "a.pdf", "A")
    titles = ["CN-01 · 王小明 (借款) \\ 𠀀", "FR-02 · Ștefan Țară <b>&amp;</b>"]
    reader = _merge([a, a], tmp_path / "out.pdf", titles)
    assert [o.title for o in reader.outline] == titles


def test_identical_streams_are_stored_once(tmp_path: Path) -> None:
    a = _weasy(tmp_path / "a.pdf", "Same text")
    out = tmp_path / "out.pdf"
    _merge([a] * 10, out)
    # ten letters cost little more than one: fonts and contents are shared
    assert out.stat().st_size < 2 * a.stat().st_size
    reader: Any = PdfReader(out)
    fonts = {font["/DescendantFonts"][0]["/FontDescriptor"]["/FontFile2"]
             .indirect_reference.idnum
             for p in reader.pages if "/Font" in p["/Resources"]
             for font in p["/Resources"]["/Font"].values()}
    assert len(fonts) == 1


@poppler
def test_text_and_rendering_match_the_letters(tmp_path: Path) -> None:
    letters = [_weasy(tmp_path / f"l{n}.pdf", f"Lettre numéro {n} 中文 ș ț", pages=1 + n % 2)
               for n in range(5)]
    out = tmp_path / "out.pdf"
    _merge(letters, out)
    page = 1
    for path in letters:
        count = len(PdfReader(path).pages)
        for n in range(1, count + 1):
            want = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                                  capture_output=True, check=True).stdout
            got = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(out),
                                  "-"], capture_output=True, check=True).stdout
            assert got == want
            page += 1
        page += count % 2
    check = subprocess.run(["pdftoppm", "-r", "20", "-png", str(out), str(tmp_path / "r")],
                           capture_output=True)
    assert check.returncode == 0 and not check.stderr, check.stderr


def test_incrementally_updated_letters_are_merged(tmp_path: Path) -> None:
    a = _weasy(tmp_path / "a.pdf", "Updated letter")
    w = PdfWriter(a, incremental=True)
    w.add_metadata({"/Title": "changed"})
    updated = tmp_path / "updated.pdf"
    w.write(updated)
    b = _weasy(tmp_path / "b.pdf", "Plain letter")
    out = tmp_path / "print.pdf"
    placements = build_print_file([LetterPdf(b, "B", "B"), LetterPdf(updated, "U", "U")], out)
    reader = PdfReader(out)
    assert [(p.first_page, p.last_page) for p in placements] == [(1, 1), (3, 3)]
    assert "Updated letter" in reader.pages[2].extract_text()


def _pdf_with_object_stream(order: list[int]) -> bytes:
    """A one-page PDF written by hand: catalog, page tree and page in an object stream
    (its header lists them in ``order``), the page's MediaBox on the page tree."""
    bodies = {1: b"<</Type /Catalog/Pages 2 0 R>>",
              2: b"<</Type /Pages/Kids [3 0 R]/Count 1/MediaBox [0 0 200 100]>>",
              3: b"<</Type /Page/Parent 2 0 R/Contents 4 0 R/Resources <<>>>>"}
    data, offsets = b"", {}
    for n in (1, 2, 3):  # laid out by number, listed in the header in ``order``
        offsets[n] = len(data)
        data += bodies[n] + b"\n"
    header = b" ".join(b"%d %d" % (n, offsets[n]) for n in order) + b"\n"
    packed = zlib.compress(header + data)
    out = bytearray(b"%PDF-1.7\n")
    at = {4: len(out)}
    content = b"0 0 1 rg 10 10 50 50 re f"
    out += b"4 0 obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj\n" % (len(content), content)
    at[5] = len(out)
    out += (b"5 0 obj\n<</Type /ObjStm/N 3/First %d/Filter /FlateDecode/Length %d>>\nstream\n"
            % (len(header), len(packed)) + packed + b"\nendstream\nendobj\n")
    rows = b"\x00" + b"\x00" * 4 + b"\xff\xff"
    for n in (1, 2, 3):
        rows += b"\x02" + (5).to_bytes(4, "big") + order.index(n).to_bytes(2, "big")
    for n in (4, 5):
        rows += b"\x01" + at[n].to_bytes(4, "big") + b"\x00\x00"
    xref = len(out)
    rows += b"\x01" + xref.to_bytes(4, "big") + b"\x00\x00"
    out += (b"6 0 obj\n<</Type /XRef/Size 7/W [1 4 2]/Root 1 0 R/Length %d>>\nstream\n"
            % len(rows) + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def test_hand_made_object_stream(tmp_path: Path) -> None:
    src = tmp_path / "objstm.pdf"
    src.write_bytes(_pdf_with_object_stream([1, 2, 3]))
    assert len(PdfReader(src).pages) == 1  # pypdf reads the test input
    reader = _merge([src], tmp_path / "out.pdf")
    assert [float(v) for v in reader.pages[0].mediabox] == [0, 0, 200, 100]
    assert reader.pages[0].get_contents().get_data().strip() == b"0 0 1 rg 10 10 50 50 re f"
