"""The merge alone: CPU time and size of ``assembly.build_print_file`` on a real print file.

Usage: ``python bench/merge.py BATCH_OUT [--repeat N]`` where BATCH_OUT is a finished
``notice-factory batch`` folder (e.g. of ``bench/batch.py --keep``, or of a ``batch`` with
``--letters-per-file 100000`` on generated cases). The largest print file of its manifest
is merged again from its letters, ``--repeat`` times, and the median CPU time and the size
are printed. Run it with two source trees on PYTHONPATH to compare two merge paths (issue
10 compared the byte copier ``pdfcopy`` of c89c704 with pikepdf this way).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

from notice_factory.assembly import LetterPdf, build_print_file, page_count


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU time and size of one merge")
    parser.add_argument("batch", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    name, letters = letters_of(args.batch)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "print.pdf"
        times = []
        for _ in range(args.repeat):
            t = time.process_time()
            build_print_file(letters, out)
            times.append(time.process_time() - t)
        print(f"{name}: {len(letters)} letters, {page_count(out)} pages, "
              f"{statistics.median(times):.3f} s CPU (median of {args.repeat}), "
              f"{out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
