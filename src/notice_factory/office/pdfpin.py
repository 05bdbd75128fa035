"""Making LibreOffice's PDFs reproducible: the same letter gives the same bytes.

WeasyPrint is deterministic once its metadata is fixed; LibreOffice is not. Three things
vary from one conversion to the next:

* the trailer's random ``/ID`` and the wall-clock ``/CreationDate`` / ``/ModDate``;
* ``/DocChecksum``, which covers that date;
* in Type 1 fonts (LibreOffice re-encodes CFF fonts such as Noto CJK as Type 1), the
  ``/UniqueID``, a counter of the office process, both in the clear part of the font and
  in its eexec-encrypted private dictionary.

The first two are replaced in place with values of the same length (cross-reference offsets
stay valid). The font IDs are replaced by an ID derived from the font program itself, so two
different subsets never share an ID (a printer may cache fonts by UniqueID), and the font
streams are written again (pikepdf, through its public object list).
"""

from __future__ import annotations

import hashlib
import io
import re

import pikepdf

_PDF_ID = re.compile(rb"<[0-9A-Fa-f]{32}>")
_PDF_DATE = re.compile(rb"\(D:(\d{14})")
_PDF_CHECKSUM = re.compile(rb"/DocChecksum /[0-9A-Fa-f]{32}")
_UNIQUE_ID = re.compile(rb"/UniqueID (\d{7}) def")
_EEXEC_KEY = 55665


def pin_pdf(pdf: bytes, identifier: str, day_iso: str) -> bytes:
    """Pin a LibreOffice PDF's identity, dates and font IDs.

    >>> pin_pdf(b"/ID [ <" + b"A" * 32 + b"> ] /CreationDate (D:20261123213501+00'00')",
    ...         "k", "2026-11-23")[:48]
    b'/ID [ <8CE4B16B22B58894AA86C421E8759DF3> ] /Crea'
    >>> pin_pdf(b"(D:20261123213501+00'00')", "k", "2026-11-23")
    b"(D:20261123000000+00'00')"
    """
    stamp = day_iso.replace("-", "").encode() + b"000000"
    if b"/Length2" in pdf:  # Type 1 font programs (Length1/2/3) are present
        pdf = _pin_type1_fonts(pdf, stamp.decode())
    digest = hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest().upper()
    pdf = _PDF_ID.sub(b"<" + digest.encode() + b">", pdf)
    pdf = _PDF_DATE.sub(b"(D:" + stamp, pdf)
    blank = _PDF_CHECKSUM.sub(b"/DocChecksum /" + b"0" * 32, pdf)
    check = hashlib.md5(blank, usedforsecurity=False).hexdigest().upper().encode()
    return _PDF_CHECKSUM.sub(b"/DocChecksum /" + check, pdf)


def eexec_decrypt(data: bytes, key: int = _EEXEC_KEY) -> bytes:
    """Type 1 eexec decryption (Adobe Type 1 Font Format, section 7).

    >>> eexec_decrypt(eexec_encrypt(b"abcd/Private"))
    b'abcd/Private'
    """
    out = bytearray()
    r = key
    for c in data:
        out.append(c ^ (r >> 8))
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def eexec_encrypt(plain: bytes, key: int = _EEXEC_KEY) -> bytes:
    out = bytearray()
    r = key
    for p in plain:
        c = p ^ (r >> 8)
        out.append(c)
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _stable_id(program: bytes) -> bytes:
    """A 7-digit ID in the private-use range 4000000-4999999, from the font's own bytes."""
    value = int(hashlib.sha256(program).hexdigest(), 16) % 1_000_000
    return b"4%06d" % value


def _pin_type1_fonts(pdf: bytes, stamp: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        changed = False
        for obj in doc.objects:  # every object once, including font files no page names
            if isinstance(obj, pikepdf.Stream) and "/Length2" in obj:
                changed = _pin_font_program(obj) or changed
        if not changed:
            return pdf
        doc.docinfo[pikepdf.Name.CreationDate] = f"D:{stamp}Z"
        doc.docinfo[pikepdf.Name.ModDate] = f"D:{stamp}Z"
        out = io.BytesIO()
        doc.save(out, compress_streams=True)
        return out.getvalue()


def _pin_font_program(obj: pikepdf.Stream) -> bool:
    """Give a Type 1 font program a /UniqueID derived from its own bytes; whether it changed."""
    data = obj.read_bytes()
    l1, l2 = int(obj.Length1), int(obj.Length2)
    clear, secret, rest = data[:l1], eexec_decrypt(data[l1:l1 + l2]), data[l1 + l2:]
    neutral = _UNIQUE_ID.sub(b"/UniqueID 0000000 def", clear + secret)
    uid = b"/UniqueID " + _stable_id(neutral) + b" def"
    new_clear = _UNIQUE_ID.sub(uid, clear)
    new_secret = _UNIQUE_ID.sub(uid, secret)
    if new_clear == clear and new_secret == secret:
        return False
    obj.write(new_clear + eexec_encrypt(new_secret) + rest)
    obj.Length1 = len(new_clear)
    return True
