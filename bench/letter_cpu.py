"""CPU time per letter of one renderer in one process, per template (issue 16).

    PYTHONPATH=src python bench/letter_cpu.py --letters 150 --engine html
    PYTHONPATH=/tmp/old/src python bench/letter_cpu.py --templates /tmp/old/templates   # before

Renders the same letters as the word-equality test (bench/batch.py's ``generate_cases(N)``,
seed 2026, batch date 2026-11-23) one after another with one warm ``LetterRenderer``, after one
warm-up letter per template, and prints the median process CPU time per letter (all letters
and per template), the pages and the bytes. CPU time, not wall time: other work on the machine
slows the wall clock more than the CPU time of this process. Compare two code or template
trees by running it once for each (interleave the runs, ``--repeat`` to render every letter
several times and keep its median).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BATCH_DATE = dt.date(2026, 11, 23)


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("nf_bench_batch", REPO / "bench" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from notice_factory.cases import parse_rows
    from notice_factory.render import LetterRenderer
    from notice_factory.settings import load_sender_profile

    rows = _bench_module().generate_cases(args.letters, seed=args.seed)
    cases = parse_rows(rows, batch_date=BATCH_DATE).cases
    sender = load_sender_profile()
    per_template: dict[str, list[float]] = defaultdict(list)
    pages: dict[str, int] = {}
    sizes: dict[str, int] = {}
    with LetterRenderer(templates=args.templates) as renderer:
        chosen = [c for c in cases
                  if args.engine in ("all", renderer.catalog.template(c.locale, c.kind).engine)
                  and renderer.catalog.template(c.locale, c.kind).id.startswith(args.only)]
        warmed: set[str] = set()
        for case in chosen:  # one warm-up letter per template, not counted
            spec = renderer.catalog.template(case.locale, case.kind)
            if spec.id not in warmed:
                warmed.add(spec.id)
                renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE)
        if args.worker_gc:
            from notice_factory.workers import settle_gc

            settle_gc()
        times: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.repeat):
            for case in chosen:
                entity = sender.entity(case.locale)
                start = time.process_time()
                letter = renderer.render(case, entity, batch_date=BATCH_DATE)
                times[case.letter_key].append(time.process_time() - start)
                pages[case.letter_key] = letter.pages
                sizes[case.letter_key] = len(letter.pdf)
        for case in chosen:
            spec = renderer.catalog.template(case.locale, case.kind)
            per_template[spec.id].append(statistics.median(times[case.letter_key]))
    every = [t for ts in per_template.values() for t in ts]
    return {
        "letters": len(every), "repeat": args.repeat, "templates_tree": str(args.templates),
        "gc_threshold": gc.get_threshold(),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "median_ms": round(1000 * statistics.median(every), 1) if every else None,
        "mean_ms": round(1000 * statistics.fmean(every), 1) if every else None,
        "pages": sum(pages.values()), "bytes": sum(sizes.values()),
        "per_template": {
            tid: {"letters": len(ts), "median_ms": round(1000 * statistics.median(ts), 1),
                  "bytes": sum(sizes[c.letter_key] for c in chosen
                               if renderer.catalog.template(c.locale, c.kind).id == tid)}
            for tid, ts in sorted(per_template.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--engine", choices=("html", "typst", "docx", "all"), default="html")
    parser.add_argument("--only", default="", help="template ids starting with this")
    parser.add_argument("--templates", type=Path, default=None,
                        help="templates tree (default: the bundled one)")
    parser.add_argument("--worker-gc", action="store_true",
                        help="set the collector as a render worker does after warm-up "
                             "(workers.settle_gc)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['letters']} letters x{result['repeat']}: median {result['median_ms']} ms, "
          f"mean {result['mean_ms']} ms CPU per letter; {result['pages']} pages, "
          f"{result['bytes']:,} bytes; gc {result['gc_threshold']}, "
          f"max RSS {result['max_rss_mb']} MB")
    for tid, row in result["per_template"].items():
        print(f"  {tid:22} {row['letters']:4} letters  median {row['median_ms']:7.1f} ms  "
              f"{row['bytes'] / max(row['letters'], 1) / 1024:7.1f} KB/letter")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
