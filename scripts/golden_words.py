"""Record the words and page count of every letter of ``tests/wordcheck.golden_letters()``.

    PYTHONPATH=src python scripts/golden_words.py            # writes tests/golden/letter_words.json
    PYTHONPATH=src python scripts/golden_words.py --only fr.  # re-record the letters of fr.* only

The file is what ``tests/test_word_equality.py`` compares the letters of the current code
with: run this only from a revision whose letters are right (the words of a deliberate
wording change, or a new letter). It refuses a working tree with uncommitted changes to
``src/`` or ``templates/`` (the file would record words of no revision) unless ``--dirty``.
See /work/wt/GOLDEN.md and tests/wordcheck.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import wordcheck  # noqa: E402  (tests/ is put on the path just above)


def revision() -> tuple[str, bool]:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "templates"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    return head, bool(dirty)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=wordcheck.GOLDEN)
    parser.add_argument("--only", default="",
                        help="re-record only the letters whose template id starts with this "
                             "(e.g. 'fr.reminder'); the others are kept from the file")
    parser.add_argument("--dirty", action="store_true",
                        help="allow uncommitted changes to src/ or templates/")
    args = parser.parse_args(argv)

    head, dirty = revision()
    if dirty and not args.dirty:
        print("src/ or templates/ have uncommitted changes: commit them first (or --dirty)",
              file=sys.stderr)
        return 2

    from notice_factory.render import LetterRenderer
    from notice_factory.settings import load_sender_profile

    sender = load_sender_profile()
    old: dict[str, Any] = {}
    if args.only and args.out.exists():
        old = wordcheck.load_golden(args.out)["letters"]
    letters: dict[str, Any] = {}
    started = time.monotonic()
    with LetterRenderer(templates=REPO / "templates") as renderer:
        for n, golden in enumerate(wordcheck.golden_letters(), start=1):
            spec = renderer.catalog.template(golden.case.locale, golden.case.kind)
            if args.only and not spec.id.startswith(args.only) and golden.key in old:
                letters[golden.key] = old[golden.key]
                continue
            letter = renderer.render(golden.case, sender.entity(golden.case.locale),
                                     batch_date=wordcheck.BATCH_DATE,
                                     tracking_number=golden.tracking_number)
            letters[golden.key] = {"template": spec.id, "engine": spec.engine,
                                   "pages": wordcheck.page_count(letter.pdf),
                                   "words": " ".join(wordcheck.letter_words(letter.pdf))}
            if n % 25 == 0:
                print(f"{n} letters, {time.monotonic() - started:.0f} s", file=sys.stderr)
    data = {"revision": head + (" + uncommitted changes" if dirty else ""),
            "batch_date": wordcheck.BATCH_DATE.isoformat(),
            "bench": {"letters": wordcheck.BENCH_LETTERS, "seed": wordcheck.BENCH_SEED},
            "made_by": "scripts/golden_words.py", "letters": letters}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # One line per letter: a diff of the file shows which letters changed.
    body = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: "
                      f"{json.dumps(v, ensure_ascii=False)}" for k, v in letters.items())
    head_fields = {k: v for k, v in data.items() if k != "letters"}
    text = json.dumps(head_fields, ensure_ascii=False, indent=1)[:-2]
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(f"{text},\n\"letters\": {{\n{body}\n}}}}\n", encoding="utf-8")
    tmp.replace(args.out)
    json.loads(args.out.read_text(encoding="utf-8"))  # it reads back
    print(f"{len(letters)} letters written to {args.out} (revision {data['revision']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
