"""Print files written by copying the letters' PDF objects as bytes.

A print file holds thousands of letters that this product has just written itself
(WeasyPrint, LibreOffice, pypdf). Parsing every letter into Python objects and
serialising it again, as a general PDF library does, costs ~6 ms of CPU and a few
hundred KB of memory per letter, and the whole print file stays in memory until it is
written. Here each letter is read with a small reader that knows what a PDF's
structure looks like (cross-reference table or stream, object streams), its objects
are copied byte for byte with their references renumbered, and they go straight to
the output file; only offsets and titles stay in memory.

What is copied of a letter: its pages and everything they refer to, except the
page-tree parent (the print file has its own). Catalog, outlines, metadata and
document information are the letter's own and are left out. Attributes a page inherits
from its page-tree nodes (``/Resources``, ``/MediaBox``, ``/CropBox``, ``/Rotate``)
are written into the page. Streams that refer to nothing (font programs, images,
ToUnicode maps, content streams) and are byte-identical are stored once.

Anything outside that (an encrypted or incrementally updated letter, an unknown
cross-reference filter, a damaged file, comments inside objects are not expected either)
raises :class:`UnsupportedPdf`, and :func:`notice_factory.assembly.build_print_file`
merges that print file with pypdf.

>>> _text_string("Aé·")
b'<FEFF004100E900B7>'
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

__all__ = ["PrintFileWriter", "SourcePdf", "UnsupportedPdf", "dict_entries"]

_WS = b"\x00\t\n\x0c\r "
# A reference "12 0 R": not part of a bigger token on either side.
_REF = re.compile(rb"(?<![^\x00\t\n\x0c\r ()<>\[\]{}%])(\d+)[\x00\t\n\x0c\r ]+(\d+)"
                  rb"[\x00\t\n\x0c\r ]+R(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_REF_OR_STRING = re.compile(_REF.pattern + rb"|\(")
_STRING_CHARS = re.compile(rb"[()\\]")
_TOKEN = re.compile(
    rb"[\x00\t\n\x0c\r ]*(?:(<<)|(>>)|(\[)|(\])|(\()|(<[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)|([^\x00\t\n\x0c\r ()<>\[\]{}/%]+))")
_OBJ_HEAD = re.compile(rb"[\x00\t\n\x0c\r ]*(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj")
_STREAM = re.compile(rb"[\x00\t\n\x0c\r ]*stream\r?\n")
_INHERITED = (b"/Resources", b"/MediaBox", b"/CropBox", b"/Rotate")
_OBJSTM_MAX = 200  # objects per object stream in the output


class UnsupportedPdf(ValueError):
    """This reader cannot copy the file's objects (the caller falls back to pypdf)."""


def _string_end(data: bytes, pos: int) -> int:
    """Offset just after the literal string opening at ``data[pos] == b"("``."""
    depth, i = 0, pos
    while True:
        m = _STRING_CHARS.search(data, i)
        if m is None:
            raise UnsupportedPdf(f"unterminated string at byte {pos}")
        c = data[m.start()]
        if c == 0x5C:  # backslash: the next byte is escaped
            i = m.start() + 2
            continue
        depth += 1 if c == 0x28 else -1
        i = m.start() + 1
        if depth == 0:
            return i


def _skip_value(data: bytes, pos: int) -> int:
    """Offset just after the (possibly nested) value starting at ``pos``."""
    depth = 0
    while True:
        m = _TOKEN.match(data, pos)
        if m is None or m.end() == pos:
            raise UnsupportedPdf(f"unreadable value at byte {pos}")
        pos = m.end()
        if m.group(1) or m.group(3):
            depth += 1
        elif m.group(2) or m.group(4):
            depth -= 1
        elif m.group(5):
            pos = _string_end(data, m.start(5))
        elif m.group(8) and depth == 0:
            # A number may be the start of a reference "n g R".
            ref = _REF.match(data, m.start(8))
            if ref is not None:
                return ref.end()
        if depth <= 0:
            return pos


def dict_entries(data: bytes, pos: int = 0) -> tuple[dict[bytes, bytes], int]:
    """The top-level entries of the dictionary at ``pos`` (values as raw bytes), and the
    offset after it.

    >>> entries, end = dict_entries(b"<</Type /Page/Kids [1 0 R 2 0 R]/S (a(b)c)/P 7 0 R>>")
    >>> entries[b"/Kids"], entries[b"/S"], entries[b"/P"], end
    (b'[1 0 R 2 0 R]', b'(a(b)c)', b'7 0 R', 52)
    """
    m = _TOKEN.match(data, pos)
    if m is None or not m.group(1):
        raise UnsupportedPdf(f"expected a dictionary at byte {pos}")
    pos = m.end()
    entries: dict[bytes, bytes] = {}
    while True:
        m = _TOKEN.match(data, pos)
        if m is None:
            raise UnsupportedPdf(f"unterminated dictionary at byte {pos}")
        if m.group(2):
            return entries, m.end()
        if not m.group(7):
            raise UnsupportedPdf(f"expected a name at byte {pos}")
        start = m.end()
        end = _skip_value(data, start)
        entries[m.group(7)] = data[start:end].strip(_WS)
        pos = end


def _int(value: bytes) -> int:
    try:
        return int(value)
    except ValueError:
        raise UnsupportedPdf(f"expected a number, found {value[:20]!r}") from None


@dataclass
class _Object:
    body: bytes  # the object's value (for a stream: its dictionary)
    stream: bytes | None = None  # raw (still encoded) stream data
    entries: dict[bytes, bytes] = field(default_factory=dict)  # a stream's dictionary, read


def _dict_bytes(entries: dict[bytes, bytes]) -> bytes:
    return b"<<" + b"".join(k + b" " + v for k, v in entries.items()) + b">>"


@dataclass
class SourcePdf:
    """One letter's objects, read on demand from its bytes."""

    data: bytes
    offsets: dict[int, int] = field(default_factory=dict)  # object -> byte offset
    packed: dict[int, int] = field(default_factory=dict)  # object -> its object stream
    trailer: dict[bytes, bytes] = field(default_factory=dict)
    _unpacked: dict[int, dict[int, bytes]] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes) -> SourcePdf:
        if not data.startswith(b"%PDF-"):
            raise UnsupportedPdf("not a PDF file")
        at = data.rfind(b"startxref", max(0, len(data) - 1024))
        if at < 0:
            raise UnsupportedPdf("no startxref")
        src = cls(data)
        try:
            start = _int(data[at + 9:].split(None, 1)[0])
            if data.startswith(b"xref", start):
                src._read_xref_table(start)
            else:
                src._read_xref_stream(start)
        except (IndexError, KeyError) as exc:  # a table cut short, a key missing
            raise UnsupportedPdf(f"unreadable cross-reference: {exc!r}") from None
        if b"/Prev" in src.trailer or b"/XRefStm" in src.trailer:
            raise UnsupportedPdf("incrementally updated file")
        if b"/Encrypt" in src.trailer:
            raise UnsupportedPdf("encrypted file")
        return src

    def _read_xref_table(self, pos: int) -> None:
        end = self.data.find(b"trailer", pos)
        if end < 0:
            raise UnsupportedPdf("no trailer")
        words = self.data[pos + 4:end].split()
        i = 0
        while i < len(words):
            first, count = _int(words[i]), _int(words[i + 1])
            i += 2
            for n in range(count):
                offset, kind = words[i], words[i + 2]
                i += 3
                if kind == b"n":
                    self.offsets[first + n] = _int(offset)
        self.trailer, _ = dict_entries(self.data, end + 7)

    def _read_xref_stream(self, pos: int) -> None:
        head = _OBJ_HEAD.match(self.data, pos)
        if head is None:
            raise UnsupportedPdf("no cross-reference at startxref")
        obj = self._parse_at(pos, None)
        self.trailer = obj.entries
        if self.trailer.get(b"/Type") != b"/XRef" or obj.stream is None:
            raise UnsupportedPdf("no cross-reference stream at startxref")
        rows = _decode(self.trailer, obj.stream)
        widths = [_int(w) for w in self.trailer[b"/W"].strip(b"[]").split()]
        index = [_int(x) for x in self.trailer.get(
            b"/Index", b"[0 " + self.trailer[b"/Size"] + b"]").strip(b"[]").split()]
        if len(widths) != 3:
            raise UnsupportedPdf("unexpected cross-reference widths")
        step, at = sum(widths), 0
        for first, count in zip(index[::2], index[1::2], strict=True):
            for n in range(first, first + count):
                fields = []
                col = at
                for w in widths:
                    fields.append(int.from_bytes(rows[col:col + w], "big") if w else 1)
                    col += w
                at += step
                if fields[0] == 1:
                    self.offsets[n] = fields[1]
                elif fields[0] == 2:
                    self.packed[n] = fields[1]

    def _parse_at(self, pos: int, number: int | None) -> _Object:
        head = _OBJ_HEAD.match(self.data, pos)
        if head is None or (number is not None and int(head.group(1)) != number):
            raise UnsupportedPdf(f"object {number} is not where the cross-reference says")
        start = head.end()
        end = _skip_value(self.data, start)
        body = self.data[start:end].strip(_WS)
        s = _STREAM.match(self.data, end)
        if s is None:
            return _Object(body)
        entries, _ = dict_entries(body)
        length = entries.get(b"/Length", b"")
        ref = _REF.fullmatch(length)
        size = _int(self.body(int(ref.group(1))) if ref else length)
        data = self.data[s.end():s.end() + size]
        if len(data) != size:
            raise UnsupportedPdf(f"stream of object {number} is cut short")
        return _Object(body, data, entries)

    def body(self, number: int) -> bytes:
        """The value of a non-stream object."""
        return self.get(number).body

    def get(self, number: int) -> _Object:
        if number in self.offsets:
            return self._parse_at(self.offsets[number], number)
        if number in self.packed:
            return _Object(self._from_stream(self.packed[number], number))
        return _Object(b"null")  # a free or missing object is the null object

    def has(self, number: int) -> bool:
        return number in self.offsets or number in self.packed

    def _from_stream(self, stm: int, number: int) -> bytes:
        objects = self._unpacked.get(stm)
        if objects is None:
            obj = self.get(stm)
            info = obj.entries
            if obj.stream is None or info.get(b"/Type") != b"/ObjStm":
                raise UnsupportedPdf(f"object {stm} is not an object stream")
            data = _decode(info, obj.stream)
            first, count = _int(info[b"/First"]), _int(info[b"/N"])
            header = data[:first].split()
            pairs = sorted((first + _int(header[2 * k + 1]), _int(header[2 * k]))
                            for k in range(count))  # by offset: each ends where the next starts
            ends = [at for at, _ in pairs[1:]] + [len(data)]
            objects = {n: data[at:end].strip(_WS)
                       for (at, n), end in zip(pairs, ends, strict=True)}
            self._unpacked[stm] = objects
        if number not in objects:
            raise UnsupportedPdf(f"object {number} is missing from its object stream")
        return objects[number]

    def pages(self) -> list[tuple[int, dict[bytes, bytes]]]:
        """The page objects in order, each with the attributes it inherits."""
        root = _REF.fullmatch(self.trailer.get(b"/Root", b""))
        if root is None:
            raise UnsupportedPdf("no document catalog")
        catalog, _ = dict_entries(self.body(int(root.group(1))))
        top = _REF.fullmatch(catalog.get(b"/Pages", b""))
        if top is None:
            raise UnsupportedPdf("no page tree")
        found: list[tuple[int, dict[bytes, bytes]]] = []
        self._walk(int(top.group(1)), {}, found, set())
        return found

    def _walk(self, number: int, inherited: dict[bytes, bytes],
              found: list[tuple[int, dict[bytes, bytes]]], seen: set[int]) -> None:
        if number in seen:
            raise UnsupportedPdf("the page tree has a loop")
        seen.add(number)
        node, _ = dict_entries(self.body(number))
        if node.get(b"/Type") == b"/Pages" or b"/Kids" in node:
            mine = dict(inherited)
            mine.update({k: node[k] for k in _INHERITED if k in node})
            for kid in _REF.finditer(node.get(b"/Kids", b"")):
                self._walk(int(kid.group(1)), mine, found, seen)
        else:
            found.append((number, {k: v for k, v in inherited.items() if k not in node}))


def _decode(info: dict[bytes, bytes], raw: bytes) -> bytes:
    filters = info.get(b"/Filter", b"").strip(b"[] ")
    if b"/DecodeParms" in info:
        raise UnsupportedPdf("predictor in a cross-reference or object stream")
    if filters == b"/FlateDecode":
        try:
            return zlib.decompress(raw)
        except zlib.error as exc:
            raise UnsupportedPdf(f"damaged compressed stream: {exc}") from None
    if filters == b"":
        return raw
    raise UnsupportedPdf(f"unexpected filter {filters[:30]!r}")


def _text_string(text: str) -> bytes:
    """A PDF text string (UTF-16BE with its byte-order mark, as hexadecimal)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _renumber(body: bytes, number_of: Callable[[int], int | None]) -> bytes:
    """``body`` with each reference ``n g R`` replaced by ``number_of(n) 0 R`` (or
    ``null`` when it is None); literal strings are copied untouched."""
    def sub(m: re.Match[bytes]) -> bytes:
        new = number_of(int(m.group(1)))
        return b"null" if new is None else b"%d 0 R" % new

    if b"(" not in body:
        return _REF.sub(sub, body)
    out, pos = [], 0
    while True:
        m = _REF_OR_STRING.search(body, pos)
        if m is None:
            out.append(body[pos:])
            return b"".join(out)
        if m.group(0) == b"(":
            end = _string_end(body, m.start())
            out.append(body[pos:end])
        else:
            out.append(body[pos:m.start()])
            out.append(sub(m))
            end = m.end()
        pos = end


class PrintFileWriter:
    """Writes a print file to ``fh`` as letters are added; :meth:`close` finishes it.

    Object 1 is the catalog, 2 the page tree, 3 the outline; the outline entries (one
    per letter) are numbered 4 onwards, so that each can name its neighbours.
    """

    def __init__(self, fh: IO[bytes], letters: int) -> None:
        self._fh = fh
        self._pos = 0
        self._digest = hashlib.md5(usedforsecurity=False)
        self._offsets: dict[int, int] = {}  # object written directly -> offset
        self._packed: dict[int, tuple[int, int]] = {}  # object -> (object stream, index)
        self._pending: list[tuple[int, bytes]] = []  # for the next object stream
        self._kids: list[int] = []
        self._outline: list[tuple[bytes, int]] = []  # (title, first page object)
        self._letters = letters
        self._next = 4 + letters
        self._shared: dict[bytes, int] = {}  # digest of a leaf stream -> its object
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def _allocate(self) -> int:
        self._next += 1
        return self._next - 1

    def _write(self, data: bytes) -> None:
        self._fh.write(data)
        self._digest.update(data)
        self._pos += len(data)

    def _emit_stream(self, number: int, body: bytes, data: bytes) -> None:
        self._offsets[number] = self._pos
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, body))
        self._write(data)
        self._write(b"\nendstream\nendobj\n")

    def _emit(self, number: int, body: bytes) -> None:
        self._pending.append((number, body))
        if len(self._pending) >= _OBJSTM_MAX:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        stm = self._allocate()
        header, parts, at = [], [], 0
        for index, (number, body) in enumerate(self._pending):
            header.append(b"%d %d" % (number, at))
            parts.append(body)
            at += len(body) + 1
            self._packed[number] = (stm, index)
        head = b" ".join(header) + b"\n"
        data = zlib.compress(head + b"\n".join(parts) + b"\n", 6)
        self._emit_stream(stm, b"<</Type /ObjStm/N %d/First %d/Filter /FlateDecode/Length %d>>"
                          % (len(self._pending), len(head), len(data)), data)
        self._pending.clear()

    def add_letter(self, source: SourcePdf, title: str) -> tuple[int, bytes]:
        """Copy the letter's pages; returns (its page count, its last page's MediaBox)."""
        pages = source.pages()
        if not pages:
            raise UnsupportedPdf("the letter has no page")
        new: dict[int, int] = {}
        todo: list[tuple[int, _Object]] = []

        def number_of(old: int) -> int | None:
            if old in new:
                return new[old]
            if not source.has(old):
                return None
            obj = source.get(old)
            shared = self._leaf_key(obj)
            if shared is not None and shared in self._shared:
                new[old] = self._shared[shared]  # an identical stream is already written
                return new[old]
            new[old] = self._allocate()
            if shared is not None:
                self._shared[shared] = new[old]
            todo.append((new[old], obj))
            return new[old]

        page_numbers = []
        for old, _ in pages:
            new[old] = self._allocate()
            page_numbers.append(new[old])
        self._outline.append((_text_string(title), page_numbers[0]))
        last_box = b""
        for (old, inherited), number in zip(pages, page_numbers, strict=True):
            entries, _ = dict_entries(source.body(old))
            entries.pop(b"/Parent", None)
            entries.update(inherited)
            last_box = entries.get(b"/MediaBox", b"")
            body = _dict_bytes(entries)
            self._emit(number, _renumber(body, number_of)[:-2] + b"/Parent 2 0 R>>")
            self._kids.append(number)
            while todo:
                self._copy(*todo.pop(), number_of)
        box = _REF.fullmatch(last_box)
        if box is not None:
            last_box = source.body(int(box.group(1)))
        if not re.fullmatch(rb"\[[\d.\s+-]+\]", last_box):
            raise UnsupportedPdf("the last page has no readable MediaBox")
        return len(pages), last_box

    @staticmethod
    def _leaf_key(obj: _Object) -> bytes | None:
        """For a stream that refers to nothing (its length aside): a digest of its
        dictionary and data, equal for identical streams."""
        if obj.stream is None:
            return None
        flat = b"".join(k + b" " + v for k, v in sorted(obj.entries.items()) if k != b"/Length")
        if _REF.search(flat) is not None:
            return None
        return hashlib.sha256(flat + b"\0" + obj.stream).digest()

    def _copy(self, number: int, obj: _Object, number_of: Callable[[int], int | None]) -> None:
        if obj.stream is None:
            self._emit(number, _renumber(obj.body, number_of))
            return
        # The length may be an indirect object of the letter; write it directly.
        body = _dict_bytes({**obj.entries, b"/Length": b"%d" % len(obj.stream)})
        self._emit_stream(number, _renumber(body, number_of), obj.stream)

    def add_blank_page(self, media_box: bytes) -> None:
        number = self._allocate()
        self._emit(number, b"<</Type /Page/Parent 2 0 R/MediaBox %s/Resources <<>>>>" % media_box)
        self._kids.append(number)

    def close(self) -> None:
        """Write the page tree, outline, catalog and cross-reference stream."""
        if len(self._outline) != self._letters:
            raise ValueError(f"{len(self._outline)} letters added, {self._letters} announced")
        self._emit(1, b"<</Type /Catalog/Pages 2 0 R/Outlines 3 0 R/PageMode /UseOutlines>>")
        kids = b" ".join(b"%d 0 R" % k for k in self._kids)
        self._emit(2, b"<</Type /Pages/Kids [%s]/Count %d>>" % (kids, len(self._kids)))
        count = len(self._outline)
        if count:
            self._emit(3, b"<</Type /Outlines/First 4 0 R/Last %d 0 R/Count %d>>"
                       % (3 + count, count))
        else:
            self._emit(3, b"<</Type /Outlines/Count 0>>")
        for i, (title, page) in enumerate(self._outline):
            links = b"".join((b"/Prev %d 0 R" % (3 + i) if i else b"",
                              b"/Next %d 0 R" % (5 + i) if i + 1 < count else b""))
            self._emit(4 + i, b"<</Title %s/Parent 3 0 R%s/Dest [%d 0 R /Fit]>>"
                       % (title, links, page))
        self._flush()
        self._write_xref()

    def _write_xref(self) -> None:
        number = self._allocate()
        size = number + 1
        at = self._offsets[number] = self._pos
        rows = bytearray()
        for n in range(size):
            if n in self._offsets:
                rows += b"\x01" + self._offsets[n].to_bytes(5, "big") + b"\0\0"
            elif n in self._packed:
                stm, index = self._packed[n]
                rows += b"\x02" + stm.to_bytes(5, "big") + index.to_bytes(2, "big")
            else:
                rows += b"\0" + b"\0" * 5 + b"\xff\xff"
        ident = self._digest.hexdigest().upper().encode()
        data = zlib.compress(bytes(rows), 6)
        self._write(b"%d 0 obj\n<</Type /XRef/Size %d/W [1 5 2]/Root 1 0 R/ID [<%s> <%s>]"
                    b"/Filter /FlateDecode/Length %d>>\nstream\n" % (number, size, ident, ident,
                                                                   len(data)))
        self._write(data)
        self._write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at)

