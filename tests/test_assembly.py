"""Print files merged from real WeasyPrint letters."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from notice_factory.assembly import LetterPdf, Placement, build_print_file, page_count

_FONT_CONFIG = FontConfiguration()

MakeLetter = Callable[..., LetterPdf]


def _html(marker: str, pages: int, font: str, body: str) -> str:
    parts = [f"<section><h1>{marker} page {n + 1}</h1><p>{body}</p></section>"
             for n in range(pages)]
    return (
        "<html><head><style>@page { size: A4; margin: 2cm }"
        f" body {{ font-family: '{font}' }} section + section {{ break-before: page }}"
        "</style></head><body>" + "".join(parts) + "</body></html>"
    )


@pytest.fixture
def make_letter(tmp_path: Path) -> MakeLetter:
    def make(key: str, pages: int, *, font: str = "Liberation Sans",
             body: str = "Madame, Monsieur, nous vous mettons en demeure de payer.") -> LetterPdf:
        path = tmp_path / f"{key}.pdf"
        HTML(string=_html(key, pages, font, body)).write_pdf(path, font_config=_FONT_CONFIG)
        return LetterPdf(path=path, key=key, title=f"Letter {key}")
    return make


def _blank(reader: PdfReader, index: int) -> bool:
    page = reader.pages[index]
    return not page.extract_text().strip() and "/Font" not in (page.get("/Resources") or {})


def test_placements_and_duplex_blanks(make_letter: MakeLetter, tmp_path: Path) -> None:
    letters = [make_letter("AAA1", 1), make_letter("BBB2", 2), make_letter("CCC3", 3),
               make_letter("DDD4", 1, font="Noto Sans CJK SC", body="催告函：请于十五日内还款。")]
    assert [page_count(x.path) for x in letters] == [1, 2, 3, 1]
    out = tmp_path / "print" / "la-poste_DL_20g_001.pdf"
    placements = build_print_file(letters, out)
    assert placements == [Placement("AAA1", 1, 1), Placement("BBB2", 3, 4),
                          Placement("CCC3", 5, 7), Placement("DDD4", 9, 9)]
    reader = PdfReader(out)
    # 1 + blank, 2, 3 + blank, 1 + blank: every letter starts on an odd (recto) page.
    assert len(reader.pages) == 10
    assert [i for i in range(10) if _blank(reader, i)] == [1, 7, 9]
    for p in placements:
        assert p.first_page % 2 == 1
        for n in range(p.first_page, p.last_page + 1):
            text = reader.pages[n - 1].extract_text()
            assert p.key in text, (p.key, n, text)
    assert "请于十五日内还款" in reader.pages[8].extract_text()
    # No other letter's text leaks into a letter's page range.
    assert "BBB2" not in reader.pages[0].extract_text()


def test_simplex_has_no_blank_pages(make_letter: MakeLetter, tmp_path: Path) -> None:
    letters = [make_letter("AAA1", 1), make_letter("CCC3", 3), make_letter("BBB2", 2)]
    placements = build_print_file(letters, tmp_path / "p.pdf", duplex=False)
    assert [(p.first_page, p.last_page) for p in placements] == [(1, 1), (2, 4), (5, 6)]
    assert page_count(tmp_path / "p.pdf") == 6


def test_one_outline_entry_per_letter(make_letter: MakeLetter, tmp_path: Path) -> None:
    letters = [make_letter("AAA1", 2), make_letter("BBB2", 1), make_letter("CCC3", 3)]
    out = tmp_path / "p.pdf"
    placements = build_print_file(letters, out)
    reader = PdfReader(out)
    outline = [entry for entry in reader.outline if isinstance(entry, Destination)]
    assert len(outline) == len(reader.outline)  # flat: no nested entries
    # WeasyPrint's own heading bookmarks (one per <h1>) are not imported.
    assert [entry.title for entry in outline] == ["Letter AAA1", "Letter BBB2", "Letter CCC3"]
    targets = [(reader.get_destination_page_number(entry) or 0) + 1 for entry in outline]
    assert targets == [p.first_page for p in placements]


def test_identical_fonts_stored_once(make_letter: MakeLetter, tmp_path: Path) -> None:
    # Keys that are permutations of the same letters: every letter has the same glyph set,
    # so WeasyPrint embeds byte-identical subsets that the print file stores once.
    keys = ["".join(p) for p in itertools.permutations("ABCD")][:20]
    # A real letter's body uses most of the alphabet: its font subset dominates the file.
    body = ("Madame, Monsieur, en dépit de nos relances, la somme de 1 234,56 € reste due. "
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 éèêàçùôî «»;:!?")
    letters = [make_letter(key, 1 + n % 2, body=body) for n, key in enumerate(keys)]
    out = tmp_path / "p.pdf"
    build_print_file(letters, out)
    inputs = sum(x.path.stat().st_size for x in letters)
    assert out.stat().st_size < inputs * 0.5, (out.stat().st_size, inputs)


def test_failure_keeps_previous_print_file(make_letter: MakeLetter, tmp_path: Path) -> None:
    good = make_letter("AAA1", 1)
    out = tmp_path / "print" / "p.pdf"
    build_print_file([good], out)
    before = out.read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really a PDF")
    with pytest.raises(Exception):  # noqa: B017 - which pypdf error it is does not matter here
        build_print_file([good, LetterPdf(broken, "X", "X")], out)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["p.pdf"]


def test_refuses_empty_and_duplicates(make_letter: MakeLetter, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        build_print_file([], tmp_path / "p.pdf")
    a = make_letter("AAA1", 1)
    with pytest.raises(ValueError, match="twice"):
        build_print_file([a, a], tmp_path / "p.pdf")
