"""The one home of LibreOffice: a filled Word letter in, its reproducible PDF out.

- :mod:`~notice_factory.office.install`: finding ``soffice`` and a Python with ``uno``;
- :mod:`~notice_factory.office.converter`: :class:`OfficeConverter`, a warm office and
  its bridge (``_uno_bridge.py``, run by that Python), one document at a time;
- :mod:`~notice_factory.office.reaper`: process groups killed whole, working folders of
  dead owners swept, the ``/proc`` reader;
- :mod:`~notice_factory.office.pdfpin`: LibreOffice's PDFs made reproducible.

:class:`OfficeSide` is the one conversion path of a Word letter: the filled document's
fonts renamed to the office's cuts (:func:`substitute_fonts`), converted, then pinned
(:func:`~notice_factory.office.pdfpin.pin_pdf`). A batch's office workers hold one each;
a :class:`~notice_factory.render.LetterRenderer` outside a batch starts its own.

Cleanup, in one place each: :meth:`OfficeConverter.close` (and its finalizer) stops the
office and removes its folder; the bridge kills its office and removes the folder when
the process that started it dies; the next converter sweeps what a killed owner left
(:func:`~notice_factory.office.reaper.sweep_stale_workdirs`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notice_factory.copies import join_copies
from notice_factory.errors import RenderError
from notice_factory.office.converter import OfficeConverter
from notice_factory.office.install import find_office

if TYPE_CHECKING:
    from notice_factory.catalog import TemplateSpec

__all__ = ["OFFICE_RECYCLE", "OfficeConverter", "OfficeSide", "WordDraft", "convert_filled",
           "find_office", "substitute_fonts"]

#: Documents an office converts before it is restarted: a long-lived soffice grows by
#: about 0.4 MB per document, and the batch's memory must not grow with its size.
OFFICE_RECYCLE = 250

#: Seconds LibreOffice may spend on one Word letter before it is killed and the letter
#: rejected, unless the settings say otherwise.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class WordDraft:
    """A filled Word letter waiting for LibreOffice: all the office half needs (picklable)."""

    template: TemplateSpec
    docx: bytes
    identifier: str  # the letter key: names the document in errors, seeds the PDF's id
    date_iso: str  # the letter's date: the PDF's dates are pinned to it
    #: The letter's further copies (documents to countersign: the copy to return), each
    #: converted on its own and joined after ``docx`` (copies.py).
    more: tuple[bytes, ...] = ()
    duplex: bool = True  # the copies printed on both sides: each starts on a new sheet


class OfficeSide:
    """The LibreOffice half of Word letters: one warm office that converts drafts.

    The office is started on the first draft, or by :meth:`start`. ``hang_on`` is a test
    hook handed to the converter (a document whose name contains it hangs the bridge).
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, hang_on: str = "") -> None:
        self.converter = OfficeConverter(timeout=timeout, recycle_after=OFFICE_RECYCLE,
                                         hang_on=hang_on)

    def start(self) -> None:
        """Build the office fonts and start LibreOffice now (a worker's warm-up)."""
        self.converter.start()

    def finish(self, draft: WordDraft) -> bytes:
        """The letter's PDF: fonts mapped to the office's cuts, converted, dates pinned."""
        from notice_factory.office.pdfpin import pin_pdf  # pypdf, on the first letter

        pdfs = [pin_pdf(convert_filled(self.converter, docx, template=draft.template.file,
                                       name=draft.identifier), draft.identifier, draft.date_iso)
                for docx in (draft.docx, *draft.more)]
        return join_copies(pdfs, duplex=draft.duplex)

    def close(self) -> None:
        self.converter.close()

    def __enter__(self) -> OfficeSide:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def convert_filled(converter: OfficeConverter, filled: bytes, *, template: str, name: str,
                   timeout: float | None = None) -> bytes:
    """A filled document to PDF: fonts mapped to the office's cuts, then converted.

    ``name`` names the document in errors; an error without a file names ``template``.
    """
    filled = substitute_fonts(filled, converter.font_substitutes)
    try:
        return converter.convert(filled, timeout=timeout, name=name)
    except RenderError as exc:
        if exc.file is None:
            exc.file = template
        raise


# Font names in WordprocessingML: w:rFonts/@w:ascii|hAnsi|eastAsia|cs, w:font/@w:name
# (fontTable), a:latin|ea/@typeface (theme). An attribute value equal to the whole name.
_FONT_PART_RE = re.compile(r"word/.*\.xml")


def substitute_fonts(docx: bytes, names: Mapping[str, str]) -> bytes:
    """``docx`` with every font family of ``names`` renamed, in every XML part of ``word/``.

    Done on the filled copy just before conversion, so the template the legal team opens
    in Word keeps "Noto Serif CJK SC" while the converter's LibreOffice draws the text with
    the cut of that face it has (see ``fonts.py``). Only whole attribute values are
    replaced; text that mentions a font name is escaped XML and never matches.

    >>> raw = io.BytesIO()
    >>> with zipfile.ZipFile(raw, "w") as z:
    ...     z.writestr("word/document.xml", '<w:rFonts w:eastAsia="Noto Serif CJK SC"/>')
    >>> out = substitute_fonts(raw.getvalue(), {"Noto Serif CJK SC": "Notice Serif SC Office"})
    >>> zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml")
    b'<w:rFonts w:eastAsia="Notice Serif SC Office"/>'
    >>> substitute_fonts(raw.getvalue(), {}) == raw.getvalue()
    True
    """
    if not names:
        return docx
    pattern = re.compile(rb"""(=\s*)(["'])(""" + b"|".join(
        re.escape(n.encode()) for n in sorted(names, key=len, reverse=True)) + rb")\2")
    targets = {k.encode(): v.encode() for k, v in names.items()}

    def rename(m: re.Match[bytes]) -> bytes:
        return m.group(1) + m.group(2) + targets[m.group(3)] + m.group(2)

    # Stored, not deflated: this copy only goes to LibreOffice, through a file it reads at
    # once, and compressing it again cost more CPU than the conversion's file I/O saves.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():  # same order: [Content_Types].xml stays first
            data = src.read(info)
            if _FONT_PART_RE.fullmatch(info.filename):
                data = pattern.sub(rename, data)
            dst.writestr(info, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()
