"""The one way PDFs are joined (pikepdf/qpdf): a letter's copies (``copies.py``) and a print
file's letters (``assembly.py``).

* :func:`append_pages` copies a document's pages to the end of another and, printing on both
  sides, adds a blank page after an odd count, so that what follows starts on a new sheet.
* :func:`store_streams_once` points every use of a stream with the same bytes at one copy:
  WeasyPrint embeds a font subset per document (identical when two documents use the same
  glyphs: the two copies of a form, letters of one template) and an image per document (a
  signature, a seal), which would otherwise be stored once per copy or per letter.

>>> with pikepdf.new() as a, pikepdf.new() as b:
...     _ = b.add_blank_page(page_size=(595, 842))
...     append_pages(a, b, duplex=True), append_pages(a, b, duplex=False), len(a.pages)
(0, 2, 3)
"""

from __future__ import annotations

import hashlib
from typing import Any

import pikepdf


def append_pages(pdf: pikepdf.Pdf, src: pikepdf.Pdf, *, duplex: bool) -> int:
    """``src``'s pages after ``pdf``'s, then a blank page when ``duplex`` and their count is
    odd; the 0-based index of the first page added. ``src`` must stay open until ``pdf`` is
    saved (qpdf reads its objects then)."""
    count = len(src.pages)
    if count == 0:
        raise ValueError("a document with no page cannot be joined")
    first = len(pdf.pages)
    pdf.pages.extend(src.pages)
    if duplex and count % 2:
        blank_after(pdf)
    return first


def blank_after(pdf: pikepdf.Pdf) -> None:
    """A blank page of the last page's size at the end of ``pdf``."""
    box = [float(v) for v in pdf.pages[-1].mediabox]
    pdf.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))


class _StreamsOnce:
    """Streams with the same bytes and dictionary stored once: every place a page uses a
    stream (contents, fonts and their programs, CMaps, images and their masks) is pointed at
    its first copy."""

    def __init__(self) -> None:
        self.first: dict[bytes, Any] = {}  # digest -> the first stream with it
        self.lone: dict[int, Any] = {}  # length -> the one stream of that length, not hashed
        self.lengths: set[int] = set()

    def same(self, stream: Any) -> Any:
        """The first stream seen with ``stream``'s bytes and dictionary (maybe itself)."""
        if not isinstance(stream, pikepdf.Stream) or not _comparable(stream):
            return stream  # a stream that refers to other objects is kept as it is
        # Most streams have a length no other has (a letter's own text): hash only on a tie.
        length = stream.stream_dict.get("/Length")
        size = int(length) if isinstance(length, int) else len(stream.read_raw_bytes())
        if size not in self.lengths:
            self.lengths.add(size)
            self.lone[size] = stream
            return stream
        earlier = self.lone.pop(size, None)
        if earlier is not None:
            self.first.setdefault(_digest(earlier), earlier)
        return self.first.setdefault(_digest(stream), stream)

    def fix(self, holder: Any, key: str) -> None:
        value = holder.get(key)
        if isinstance(value, pikepdf.Array):
            for i, item in enumerate(value):
                value[i] = self.same(item)
        elif value is not None:
            holder[key] = self.same(value)


def _comparable(stream: Any) -> bool:
    """A stream whose dictionary holds only plain values (direct arrays and dictionaries of
    them included, e.g. an image's /DecodeParms), or (an image) its soft mask, itself already
    stored once: the digest then names the mask by its object number."""
    return all(_plain(v) for k, v in stream.stream_dict.items() if k != "/SMask")


def _plain(value: Any) -> bool:
    if isinstance(value, pikepdf.Stream):
        return False
    if isinstance(value, pikepdf.Dictionary | pikepdf.Array):
        items = value.values() if isinstance(value, pikepdf.Dictionary) else value
        return not value.is_indirect and all(_plain(v) for v in items)
    return True


def _digest(stream: Any) -> bytes:
    described = repr(sorted(
        (str(k), repr(v.objgen) if k == "/SMask" else repr(v))
        for k, v in stream.stream_dict.items() if k != "/Length")).encode()
    return hashlib.sha256(stream.read_raw_bytes() + described).digest()


def store_streams_once(pdf: pikepdf.Pdf) -> None:
    """Every stream ``pdf``'s pages use with the same bytes as an earlier one replaced by it."""
    once = _StreamsOnce()
    fonts_seen: set[tuple[int, int]] = set()  # a document's pages share its font objects
    for page in pdf.pages:
        once.fix(page.obj, "/Contents")
        resources = page.obj.get("/Resources")
        if resources is not None:
            _fix_resources(once, resources, fonts_seen, depth=0)


def _fix_resources(once: _StreamsOnce, resources: Any, fonts_seen: set[tuple[int, int]],
                   depth: int) -> None:
    xobjects = resources.get("/XObject") or {}
    for name in list(xobjects.keys()):
        item = xobjects[name]
        if not isinstance(item, pikepdf.Stream):
            continue
        if item.get("/Subtype") == "/Image":
            once.fix(item.stream_dict, "/SMask")
            once.fix(xobjects, name)
        elif item.get("/Subtype") == "/Form" and depth < 4 and "/Resources" in item:
            _fix_resources(once, item.Resources, fonts_seen, depth + 1)
    for font in (resources.get("/Font") or {}).values():
        if font.objgen not in fonts_seen:
            fonts_seen.add(font.objgen)
            _fix_font(once, font)


def _fix_font(once: _StreamsOnce, font: Any) -> None:
    once.fix(font, "/ToUnicode")
    for face in (list(font.get("/DescendantFonts", [])) or [font]):
        once.fix(face, "/CIDToGIDMap")
        descriptor = face.get("/FontDescriptor")
        if descriptor is not None:
            for key in ("/FontFile", "/FontFile2", "/FontFile3", "/CIDSet"):
                once.fix(descriptor, key)
