"""Print files: letters merged into one PDF the printer spools as a whole.

* Every letter starts on a recto: printing duplex, a letter with an odd page count
  is followed by a blank page, so the next letter never lands on the back of the
  previous one's last sheet.
* One bookmark per letter, so an operator can jump to a case in the spool file.
* WeasyPrint embeds a font subset per letter; identical subsets (same letter
  glyphs, same template) are stored once, which shrinks a batch by about half.
* Memory is bounded by the caller: one print file holds at most
  ``letters_per_file`` letters, and each source is read, appended and dropped.

>>> import tempfile, pathlib
>>> from pypdf import PdfWriter
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> w = PdfWriter(); _ = w.add_blank_page(595, 842); _ = w.write(d / "a.pdf")
>>> build_print_file([LetterPdf(d / "a.pdf", "A-reminder", "A")], d / "print.pdf")
[Placement(key='A-reminder', first_page=1, last_page=1)]
>>> page_count(d / "print.pdf")
2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from notice_factory.fsutil import atomic_open
from notice_factory.pdfcopy import PrintFileWriter, SourcePdf, UnsupportedPdf


@dataclass(frozen=True)
class LetterPdf:
    """One rendered letter to put in a print file."""

    path: Path
    key: str  # the letter key, e.g. "FR-0001-formal_notice"
    title: str  # its bookmark in the print file


@dataclass(frozen=True)
class Placement:
    """Where a letter sits in its print file: 1-based pages, blank filler excluded."""

    key: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> int:
        return self.last_page - self.first_page + 1


def plan_placements(letters: Sequence[tuple[str, int]], *,
                    duplex: bool = True) -> list[Placement]:
    """Where letters of these page counts will sit in their print file, before merging.

    :func:`build_print_file` places them exactly so (a blank page after an odd letter when
    printing duplex), which lets the manifest and deposit slips be written while the
    print files are still being merged.

    >>> [(p.first_page, p.last_page) for p in plan_placements([("A", 1), ("B", 2), ("C", 3)])]
    [(1, 1), (3, 4), (5, 7)]
    >>> [p.first_page for p in plan_placements([("A", 1), ("B", 2)], duplex=False)]
    [1, 2]
    """
    placements: list[Placement] = []
    page = 0
    for key, count in letters:
        if count < 1:
            raise ValueError(f"{key} has no page")
        placements.append(Placement(key, page + 1, page + count))
        page += count + (1 if duplex and count % 2 else 0)
    return placements


def page_count(path: Path) -> int:
    """Number of pages of a PDF file."""
    return len(PdfReader(path).pages)


def build_print_file(
    letters: Sequence[LetterPdf], out: Path, *, duplex: bool = True
) -> list[Placement]:
    """Merge ``letters`` in order into ``out`` (written atomically); say where each went.

    The letters' objects are copied as bytes (:mod:`notice_factory.pdfcopy`), streaming
    to disk; a letter that copier cannot read sends the whole file through pypdf.
    """
    if not letters:
        raise ValueError("a print file needs at least one letter")
    keys = [letter.key for letter in letters]
    if len(set(keys)) != len(keys):
        raise ValueError("the same letter appears twice in one print file")
    try:
        return _copy_objects(letters, out, duplex)
    except (UnsupportedPdf, LookupError):  # LookupError: a structure the reader did not expect
        return _merge_with_pypdf(letters, out, duplex)


def _copy_objects(letters: Sequence[LetterPdf], out: Path, duplex: bool) -> list[Placement]:
    placements: list[Placement] = []
    with atomic_open(out, "wb") as fh:
        writer = PrintFileWriter(fh, len(letters))
        for letter in letters:
            first = writer.page_count
            count, box = writer.add_letter(SourcePdf.parse(letter.path.read_bytes()),
                                           letter.title)
            placements.append(Placement(letter.key, first + 1, first + count))
            if duplex and count % 2:
                writer.add_blank_page(box)
        writer.close()
    return placements


def _merge_with_pypdf(letters: Sequence[LetterPdf], out: Path, duplex: bool) -> list[Placement]:
    writer = PdfWriter()
    placements: list[Placement] = []
    for letter in letters:
        reader = PdfReader(letter.path)
        count = len(reader.pages)
        if count == 0:
            raise ValueError(f"{letter.path} has no page")
        first = len(writer.pages)
        # WeasyPrint turns headings into bookmarks; the print file gets one per letter instead.
        writer.append(reader, import_outline=False)
        writer.add_outline_item(title=letter.title, page_number=first)
        placements.append(Placement(letter.key, first + 1, first + count))
        if duplex and count % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(float(box.width), float(box.height))
        del reader  # the writer holds copies; keep only one source alive at a time
    # Font subsets WeasyPrint embedded in every letter are byte-identical when the
    # glyph sets are: store them once (pypdf 7 argument names).
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with atomic_open(out, "wb") as fh:
        writer.write(fh)
    writer.close()
    return placements
