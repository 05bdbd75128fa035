"""CPU time per letter, typst against the HTML letter it replaced, in one process.

    PYTHONPATH=src python bench/typst_engine.py [--letters 150] [--rev 8b27bda]

Renders the French reminders and formal notices of the benchmark's generated cases
(bench/batch.py, seed 2026) through LetterRenderer twice: with the shipped templates (typst)
and with a copy of the tree whose two kinds are the HTML letters of revision ``--rev`` (read
with git). Every letter is rendered once to warm up, then timed (``time.process_time``:
this process's CPU, context building and the engine, no window check); prints the median
and mean per kind and engine, the median of the context building alone (the same for both
engines: formatting, barcode, QR code) and the median PDF size. Needs git and the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from notice_factory.cases import parse_rows
from notice_factory.model import Kind, Locale
from notice_factory.render import LetterRenderer
from notice_factory.settings import load_sender_profile

REPO = Path(__file__).resolve().parent.parent
KINDS = ("reminder", "formal_notice")
DATE = dt.date(2026, 11, 23)


def html_tree(rev: str, into: Path) -> Path:
    """The shipped tree with the two kinds back on the HTML letters of ``rev``."""
    tree = Path(shutil.copytree(REPO / "templates", into / "templates"))
    for kind in KINDS:
        folder = tree / "fr" / kind
        source = subprocess.run(["git", "-C", str(REPO), "show",
                                 f"{rev}:templates/fr/{kind}/letter.html"],
                                capture_output=True, check=True).stdout
        (folder / "letter.html").write_bytes(source)
        meta = folder / "template.toml"
        meta.write_text(meta.read_text(encoding="utf-8")
                        .replace('engine = "typst"', 'engine = "html"')
                        .replace('file = "letter.typ"', 'file = "letter.html"\n'
                                 'stylesheets = ["_common/letter.css", "fr/lang.css"]'),
                        encoding="utf-8")
    return tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=150)
    parser.add_argument("--rev", default="8b27bda")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("nf_bench_batch", REPO / "bench" / "batch.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    cases = [c for c in parse_rows(bench.generate_cases(args.letters, seed=2026),
                                   batch_date=DATE).cases
             if c.locale is Locale.FR_FR and c.kind.value in KINDS]
    sender = load_sender_profile()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"typst": REPO / "templates", "html": html_tree(args.rev, Path(tmp))}
        print(f"{len(cases)} French reminders and formal notices of {args.letters} generated "
              f"cases; HTML letters of {args.rev}")
        print(f"{'kind':<14} {'engine':<6} {'letters':>7} {'median ms':>9} {'mean ms':>8} "
              f"{'of which context':>16} {'median KB':>9}")
        for engine, tree in trees.items():
            with LetterRenderer(templates=tree) as renderer:
                times: dict[Kind, list[float]] = {}
                sizes: dict[Kind, list[int]] = {}
                contexts: dict[Kind, list[float]] = {}
                for kind in KINDS:  # warm up: fonts, templates, style sheets
                    first = next(c for c in cases if c.kind.value == kind)
                    renderer.render(first, sender.entity(first.locale), batch_date=DATE)
                for case in cases:
                    start = time.process_time()
                    renderer.context_for(case, sender.entity(case.locale), batch_date=DATE,
                                         tracking_number="RR000000015FR")
                    contexts.setdefault(case.kind, []).append(time.process_time() - start)
                    start = time.process_time()
                    letter = renderer.render(case, sender.entity(case.locale), batch_date=DATE,
                                             tracking_number="RR000000015FR")
                    times.setdefault(case.kind, []).append(time.process_time() - start)
                    sizes.setdefault(case.kind, []).append(len(letter.pdf))
                for kind, values in sorted(times.items(), key=lambda kv: kv[0].value):
                    print(f"{kind.value:<14} {engine:<6} {len(values):>7} "
                          f"{statistics.median(values) * 1000:>9.1f} "
                          f"{statistics.mean(values) * 1000:>8.1f} "
                          f"{statistics.median(contexts[kind]) * 1000:>16.1f} "
                          f"{statistics.median(sizes[kind]) / 1024:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
