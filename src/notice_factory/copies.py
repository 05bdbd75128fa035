"""A letter's copies in one PDF.

A document the debtor countersigns (the commitment form, the plan agreement) is made "en
deux exemplaires" / "一式两份" / "în două exemplare": one letter holds the debtor's copy and
the copy to return signed, each rendered on its own (its own page numbering, "Page 1 sur 3"),
then joined here. Each copy starts on a new sheet: printed on both sides, a blank page follows
a copy with an odd number of pages, so that the debtor can keep one copy and post the other
back without tearing a sheet (printed one-sided, none is needed). The same copies give the
same bytes (the joined file's /ID is computed from its content); the font subsets and images
the copies share are stored once (``pdfmerge.py``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence


def join_copies(pdfs: Sequence[bytes], *, duplex: bool = True) -> bytes:
    """The PDFs of one letter's copies as one PDF, each copy starting on a new sheet
    (``duplex``: printed on both sides).

    >>> join_copies([b"%PDF-only-one"])
    b'%PDF-only-one'
    """
    if len(pdfs) == 1:
        return pdfs[0]
    import pikepdf  # loads only for letters with copies

    from notice_factory.pdfmerge import blank_after, store_streams_once

    out = pikepdf.open(io.BytesIO(pdfs[0]))  # the first copy's document information is kept
    sources = [pikepdf.open(io.BytesIO(data)) for data in pdfs[1:]]
    try:
        for source in sources:
            if duplex and len(out.pages) % 2:
                blank_after(out)  # the next copy starts on a new sheet
            out.pages.extend(source.pages)
        store_streams_once(out)  # the copies' fonts and images, stored once
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
    finally:
        for source in sources:
            source.close()
        out.close()
    return buffer.getvalue()
