"""Spike (issue 10): one merge path. pdfcopy (today's) against pikepdf (qpdf) on a real print file.

Usage: ``python bench/merge_spike.py BATCH_OUT [--repeat N]`` where BATCH_OUT is a finished
``notice-factory batch`` folder; the largest print file of its manifest is merged again from
its letters by both paths, ``--repeat`` times each, and the CPU time (median) and sizes are
printed. pikepdf is not a dependency of the product: ``pip install pikepdf`` to run this.

The pikepdf path does what the product's merge does: the letters' pages in order, a blank page
after a letter with an odd page count (duplex), one bookmark per letter, identical streams
(font subsets WeasyPrint embeds in every letter) stored once, object streams.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notice_factory.assembly import LetterPdf, build_print_file


def letters_of(batch: Path) -> tuple[str, list[LetterPdf]]:
    """The largest print file of the batch and its letters, in print order."""
    with (batch / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_file.setdefault(row["print_file"], []).append(row)
    name, chosen = max(by_file.items(), key=lambda kv: len(kv[1]))
    chosen.sort(key=lambda r: int(r["first_page"]))
    return name, [LetterPdf(batch / r["letter_file"], f"{r['case_id']}-{r['kind']}",
                            f"{r['case_id']} · {r['kind']}") for r in chosen]


def merge_pikepdf(letters: list[LetterPdf], out: Path, *, duplex: bool = True) -> None:
    import pikepdf

    pdf = pikepdf.new()
    sources = []
    with pdf.open_outline() as outline:
        for letter in letters:
            src = pikepdf.open(letter.path)
            sources.append(src)  # a source must stay open until the merged file is saved
            first = len(pdf.pages)
            pdf.pages.extend(src.pages)
            outline.root.append(pikepdf.OutlineItem(letter.title, first))
            if duplex and len(src.pages) % 2:
                box = src.pages[-1].mediabox
                pdf.add_blank_page(page_size=(float(box[2]), float(box[3])))
    _dedup_streams(pdf)
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             compress_streams=True, deterministic_id=True)
    for src in sources:
        src.close()


def _dedup_streams(pdf: Any) -> None:
    """Point every reference to a byte-identical leaf stream (no references inside, e.g. a
    font program) at its first copy."""
    import pikepdf

    first: dict[bytes, Any] = {}
    replace: dict[tuple[int, int], Any] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        keys = set(obj.keys())
        if any(isinstance(obj[k], pikepdf.Dictionary | pikepdf.Array) or
               (hasattr(obj[k], "is_indirect") and obj[k].is_indirect) for k in keys):
            continue  # only leaf streams: their identity is their bytes and dictionary
        digest = hashlib.sha256(obj.read_raw_bytes() + repr(sorted(
            (str(k), str(obj[k])) for k in keys)).encode()).digest()
        if digest in first:
            replace[obj.objgen] = first[digest]
        else:
            first[digest] = obj
    if not replace:
        return

    def visit(container: Any) -> None:
        items = container.items() if isinstance(container, pikepdf.Dictionary) else \
            enumerate(container)
        for key, value in list(items):
            if isinstance(value, pikepdf.Object) and value.is_indirect and \
                    value.objgen in replace:
                container[key] = replace[value.objgen]
            elif isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                visit(value)

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Array):
            visit(obj)
        elif isinstance(obj, pikepdf.Stream):
            visit(obj.stream_dict)


def cpu(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    name, letters = letters_of(args.batch)
    with tempfile.TemporaryDirectory() as scratch:
        a, b = Path(scratch) / "pdfcopy.pdf", Path(scratch) / "pikepdf.pdf"
        t_copy = cpu(lambda: build_print_file(letters, a), args.repeat)
        t_pike = cpu(lambda: merge_pikepdf(letters, b), args.repeat)
        from pypdf import PdfReader

        pages = (len(PdfReader(a).pages), len(PdfReader(b).pages))
        print(f"print file {name}: {len(letters)} letters, pages {pages[0]} / {pages[1]}")
        print(f"pdfcopy: {t_copy:.3f} s CPU (median of {args.repeat}), {a.stat().st_size} bytes")
        print(f"pikepdf: {t_pike:.3f} s CPU (median of {args.repeat}), {b.stat().st_size} bytes")
        print(f"pikepdf / pdfcopy: time {t_pike / t_copy:.2f}x, "
              f"size {b.stat().st_size / a.stat().st_size:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
