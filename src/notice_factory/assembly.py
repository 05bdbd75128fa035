"""Print files: letters merged into one PDF the printer spools as a whole.

* Every letter starts on a recto: printing duplex, a letter with an odd page count
  is followed by a blank page, so the next letter never lands on the back of the
  previous one's last sheet.
* One bookmark per letter, so an operator can jump to a case in the spool file.
* WeasyPrint embeds a font subset per letter; identical subsets (same letter
  glyphs, same template) are stored once, which shrinks a batch by about half.
* One merge path (``pdfmerge.py``, also joining a letter's copies): pikepdf (qpdf) copies
  each letter's pages with the objects they use, reads what a hand-written reader would not
  (object streams, incremental updates, damaged cross-references), and writes object
  streams; then font programs and images with the same bytes are pointed at one copy.
  Measured on a 104-letter print file of the benchmark (``bench/merge.py``): 0.145 s CPU
  against 0.175 s for the former byte copier, 3.99 MB against 3.98 MB.
* Memory is bounded by the caller: one print file holds at most
  ``letters_per_file`` letters; qpdf reads the letters' objects from their files
  as it copies them.

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
from typing import Any, BinaryIO, cast

import pikepdf

from notice_factory.fsutil import atomic_open
from notice_factory.pdfmerge import append_pages, store_streams_once


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
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def build_print_file(
    letters: Sequence[LetterPdf], out: Path, *, duplex: bool = True
) -> list[Placement]:
    """Merge ``letters`` in order into ``out`` (written atomically); say where each went."""
    if not letters:
        raise ValueError("a print file needs at least one letter")
    keys = [letter.key for letter in letters]
    if len(set(keys)) != len(keys):
        raise ValueError("the same letter appears twice in one print file")
    placements: list[Placement] = []
    sources: list[pikepdf.Pdf] = []  # open until the print file is written
    try:
        with pikepdf.new() as pdf:
            with pdf.open_outline() as outline:
                for letter in letters:
                    src = pikepdf.open(letter.path)
                    sources.append(src)
                    placements.append(_append(pdf, src, letter, outline, duplex))
            store_streams_once(pdf)
            with atomic_open(out, "wb") as fh:
                pdf.save(cast(BinaryIO, fh), object_stream_mode=pikepdf.ObjectStreamMode.generate,
                         compress_streams=True, deterministic_id=True)
    finally:
        for src in sources:
            src.close()
    return placements


def _append(pdf: pikepdf.Pdf, src: pikepdf.Pdf, letter: LetterPdf, outline: Any,
            duplex: bool) -> Placement:
    """One letter's pages, its bookmark (the letter's own bookmarks are not copied) and,
    printing duplex, a blank page after an odd page count."""
    if len(src.pages) == 0:
        raise ValueError(f"{letter.path} has no page")
    first = append_pages(pdf, src, duplex=duplex)
    outline.root.append(pikepdf.OutlineItem(letter.title, first))
    return Placement(letter.key, first + 1, first + len(src.pages))
