#!/usr/bin/env python3
"""CPU per Word letter, fill and conversion apart, in one process (see bench/README.md).

    python bench/word.py --letters 120 --rounds 3            # medians, ms of CPU
    python bench/word.py --letters 120 --save /tmp/word-after # also keep each PDF
    python bench/word.py --compare /tmp/word-before /tmp/word-after

The letters: the Word kinds (lawyer letter, plan agreement) of the fixtures' demo cases and of
``bench/batch.py``'s generated cases (same seed, same letters), each with a fixed registered
number so the barcode is drawn. Each letter is filled (``LetterRenderer.word_draft``: docxtpl)
and converted (``OfficeSide.finish``: fonts renamed, LibreOffice, PDF pinned) ``--rounds``
times, one after another, in this process with one warm LibreOffice. CPU time, not wall time:
*fill* is this process's CPU; *convert* is this process's CPU plus that of LibreOffice and its
UNO bridge during the conversion (psutil, the whole office process tree). Medians per letter.

``--compare A B`` checks that two ``--save`` folders hold the same letters: the same words
(``pdftotext``), the same page count and, page by page, the same pixels at 100 dpi
(``pdftoppm``); it prints each difference and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
BATCH_DATE = dt.date(2026, 11, 23)
NUMBER = "RR000000017FR"  # any valid S10 number: the barcode is drawn like a batch's


def _bench_batch() -> ModuleType:
    """bench/batch.py, for its seeded case generator."""
    spec = importlib.util.spec_from_file_location("nf_bench_batch", HERE / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _cases(letters: int, seed: int) -> list[Any]:
    from notice_factory.cases import read_case_file

    batch = _bench_batch()

    fixtures = HERE.parent / "fixtures"
    cases = list(read_case_file(fixtures / "cases.csv", batch_date=BATCH_DATE).cases)
    cases += read_case_file(fixtures / "cases.json", batch_date=BATCH_DATE).cases
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        batch.write_cases_csv(batch.generate_cases(letters, seed=seed), path)
        cases += read_case_file(path, batch_date=BATCH_DATE).cases
    return cases


def _office_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            procs = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


def measure(args: argparse.Namespace) -> int:
    from notice_factory.context import copies_of
    from notice_factory.errors import NoticeFactoryError
    from notice_factory.render import LetterRenderer, count_pages
    from notice_factory.settings import load_sender_profile

    profile = load_sender_profile()
    renderer = LetterRenderer(templates=None)
    jobs = []
    seen: set[str] = set()
    for case in _cases(args.letters, args.seed):
        entity = profile.entity(case.locale)
        try:
            spec, ctx = renderer.context_for(case, entity, batch_date=BATCH_DATE,
                                             tracking_number=NUMBER)
        except NoticeFactoryError:
            continue
        if spec.engine == "docx" and case.letter_key not in seen:
            seen.add(case.letter_key)
            jobs.append((case.letter_key, spec, copies_of(ctx)))
    office = renderer.office
    office.start()
    pids = [p for p in (office.converter.office_pid, office.converter.bridge_pid) if p]
    fill: dict[str, list[float]] = {k: [] for k, _, _ in jobs}
    convert: dict[str, list[float]] = {k: [] for k, _, _ in jobs}
    pages: dict[str, int] = {}
    # One warm-up letter per template: Python imports, the office's first documents.
    for key, spec, variants in {s.id: (k, s, v) for k, s, v in jobs}.values():
        office.finish(renderer.word_draft(spec, *variants, identifier=key))
    for _ in range(args.rounds):
        for key, spec, variants in jobs:
            t0 = time.process_time()
            draft = renderer.word_draft(spec, *variants, identifier=key)
            t1 = time.process_time()
            o0 = _office_cpu(pids)
            pdf = office.finish(draft)
            t2 = time.process_time()
            o1 = _office_cpu(pids)
            fill[key].append(t1 - t0)
            convert[key].append(t2 - t1 + o1 - o0)
            pages[key] = count_pages(pdf)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{key}.pdf").write_bytes(pdf)
        pids = [p for p in (office.converter.office_pid, office.converter.bridge_pid) if p]
    renderer.close()
    per_fill = [statistics.median(v) * 1000 for v in fill.values()]
    per_conv = [statistics.median(v) * 1000 for v in convert.values()]
    print(f"{len(jobs)} Word letters ({sum(pages.values())} pages), {args.rounds} rounds, "
          "CPU ms per letter, median over letters of each letter's median:")
    print(f"  fill    {statistics.median(per_fill):7.1f}  (mean {statistics.mean(per_fill):.1f})")
    print(f"  convert {statistics.median(per_conv):7.1f}  (mean {statistics.mean(per_conv):.1f})"
          "  this process + LibreOffice + bridge")
    total = [f + c for f, c in zip(per_fill, per_conv, strict=True)]
    print(f"  total   {statistics.median(total):7.1f}  (mean {statistics.mean(total):.1f})")
    by_template: dict[str, list[float]] = {}
    for (_key, spec, _v), f, c in zip(jobs, per_fill, per_conv, strict=True):
        by_template.setdefault(spec.id, []).append(f + c)
    for tid, values in sorted(by_template.items()):
        print(f"    {tid:20} {len(values):4} letters  total median "
              f"{statistics.median(values):6.1f}")
    return 0


def _words(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, text=True, timeout=120).stdout
    return out.split()


def _pages(pdf: Path, folder: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "100", "-gray", str(pdf), str(folder / "p")],
                   check=True, timeout=300)
    return sorted(folder.glob("p-*.pgm"))


def compare(a: Path, b: Path) -> int:
    """Every letter of ``a`` against the one of the same name in ``b``."""
    from PIL import Image, ImageChops

    names = sorted(p.name for p in a.glob("*.pdf"))
    missing = sorted({p.name for p in b.glob("*.pdf")} ^ set(names))
    problems = [f"{n}: in one folder only" for n in missing]
    for name in names:
        if not (b / name).is_file():
            continue
        if _words(a / name) != _words(b / name):
            problems.append(f"{name}: the words differ")
        with tempfile.TemporaryDirectory() as ta, tempfile.TemporaryDirectory() as tb:
            pa, pb = _pages(a / name, Path(ta)), _pages(b / name, Path(tb))
            if len(pa) != len(pb):
                problems.append(f"{name}: {len(pa)} pages against {len(pb)}")
                continue
            for i, (x, y) in enumerate(zip(pa, pb, strict=True), 1):
                with Image.open(x) as ix, Image.open(y) as iy:
                    box = ImageChops.difference(ix, iy).getbbox() if ix.size == iy.size else 1
                if box:
                    problems.append(f"{name}: page {i} differs (box {box})")
    for p in problems:
        print(p)
    print(f"{len(names)} letters compared: {len(problems)} differences")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--letters", type=int, default=120, help="generated cases (default 120)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--save", type=Path, help="write each letter's PDF into this folder")
    p.add_argument("--compare", type=Path, nargs=2, metavar=("A", "B"))
    args = p.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
