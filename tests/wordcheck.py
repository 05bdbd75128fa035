"""The words of a letter as a reader sees them, and the set of letters whose words are on record.

``tests/golden/letter_words.json`` holds, for every letter of :func:`golden_letters`, its page
count and its words as rendered by the revision named in the file (made by
``scripts/golden_words.py``). ``tests/test_word_equality.py`` re-renders them and compares: a
speed change to an engine, or a port of a template to another engine, must leave every
letter's words and page count as they were.

Words are read by poppler's ``pdftotext`` (it finds words by the glyphs' positions, so an
engine that draws a space as a glyph and one that only moves the pen give the same words),
then normalised so that a different line breaking is not a different word:

- tokens are split on white space, except U+00A0 and U+202F (the no-break and the French
  thousands' narrow no-break space stay inside their word: "1 234,56 €" is one reading);
- Chinese, Japanese and Korean characters are a word each (CJK text breaks anywhere);
- a word cut at the end of a line by a hyphen is joined to the first word of the next line,
  the hyphen dropped; :func:`word_key`, which comparisons use, ignores a hyphen between two
  letters, so "Jean-Jaurès" cut after its hyphen and "Jean-Jaurès" whole compare equal.

Comparison (:func:`diff_words`) is of the letter's words as a multiset by default, and shows
the first place where the two sequences part. Why not the sequence itself: the order in
which a PDF's words are read depends on layout, not on the words. ``pdftotext`` orders blocks
by geometry, and a two-column block laid out as two floats filled row by row, or the same
letter typeset by typst, is read in another block order with the very same words.
``ordered=True`` compares the sequences when the layout is known to be the same.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "letter_words.json"
BATCH_DATE = dt.date(2026, 11, 23)
BENCH_LETTERS, BENCH_SEED = 150, 2026

_SPLIT = re.compile(r"[^\S\u00a0\u202f]+")
_HYPHENS = ("-", "\u2010", "\u00ad")
_INNER_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u00ad](?=\w)")


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and not ch.isspace()


def _split_cjk(token: str) -> list[str]:
    """A token with CJK characters cut so that each of them is a word of its own."""
    out: list[str] = []
    run = ""
    for ch in token:
        if _is_cjk(ch):
            if run:
                out.append(run)
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.append(run)
    return out


def pdftotext(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext is not installed (apt-get install poppler-utils)")
    out = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=120)
    return out.stdout.decode("utf-8")


def text_words(text: str) -> list[str]:
    """The normalised words of extracted text (lines as pdftotext gives them)."""
    words: list[str] = []
    pending = ""  # a word cut by a hyphen at the end of the previous line
    for line in text.replace("\f", "\n").splitlines():
        tokens = [t for t in _SPLIT.split(line) if t]
        if not tokens:
            continue
        if pending:
            tokens[0] = pending + tokens[0]
            pending = ""
        last = tokens[-1]
        if len(last) > 1 and last.endswith(_HYPHENS) and last[-2].isalpha():
            pending = last[:-1]
            tokens.pop()
        for token in tokens:
            words.extend(_split_cjk(token))
    if pending:
        words.append(pending)
    return words


def page_words(pdf: bytes) -> list[list[str]]:
    """The words of each page."""
    return [text_words(page) for page in pdftotext(pdf).split("\f")[:page_count(pdf)]]


def letter_words(pdf: bytes) -> list[str]:
    """Every word of the letter, page after page, normalised (see the module's doc)."""
    return [w for page in page_words(pdf) for w in page]


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def word_key(word: str) -> str:
    """What comparisons compare: the word without a hyphen between two letters."""
    return _INNER_HYPHEN.sub("", word)


def _around(words: Sequence[str], start: int, end: int, width: int = 6) -> str:
    before = " ".join(words[max(0, start - width):start])
    inside = " ".join(words[start:end])
    after = " ".join(words[end:end + width])
    return f"... {before} [{inside}] {after} ..."


def diff_words(expected: Sequence[str], got: Sequence[str], *, ordered: bool = False) -> str:
    """'' when ``got`` has the same words as ``expected`` (as a multiset; as a sequence with
    ``ordered``); otherwise a readable account: the words missing and the words added, with
    their counts, and the first place where the two sequences part, in context."""
    keys_e, keys_g = [word_key(w) for w in expected], [word_key(w) for w in got]
    if keys_e == keys_g:
        return ""
    missing = Counter(keys_e) - Counter(keys_g)
    added = Counter(keys_g) - Counter(keys_e)
    if not ordered and not missing and not added:
        return ""
    lines = [f"{len(expected)} words expected, {len(got)} rendered"]
    if missing:
        lines.append("missing: " + ", ".join(f"{w!r} x{n}" if n > 1 else repr(w)
                                             for w, n in list(missing.items())[:20]))
    if added:
        lines.append("added: " + ", ".join(f"{w!r} x{n}" if n > 1 else repr(w)
                                           for w, n in list(added.items())[:20]))
    if not missing and not added:
        lines.append("same words, in another order")
    matcher = difflib.SequenceMatcher(a=keys_e, b=keys_g, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            lines.append(f"first difference at word {i1 + 1}: expected "
                         f"{_around(expected, i1, i2)}")
            lines.append(f"{' ' * (len(str(i1 + 1)) + 25)}rendered {_around(got, j1, j2)}")
            break
    return "\n".join(lines)


# ---------------------------------------------------------------- the letters on record


@dataclass(frozen=True)
class GoldenLetter:
    key: str  # "fixture:<letter key>", "hostile:...", "variant:<what>:...", "bench:..."
    case: Any  # notice_factory.model.Case
    tracking_number: str


def _load_bench() -> ModuleType:
    name = "nf_bench_batch"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _fixture_rows() -> list[dict[str, str]]:
    import csv

    with open(REPO / "fixtures" / "cases.csv", encoding="utf-8", newline="") as f:
        return [{k: v for k, v in r.items() if v} for r in csv.DictReader(f)]


COMPANIES = {"fr": "Transports Martin SAS", "zh": "深圳示例科技有限公司",
             "ro": "Exemplu Construct S.R.L."}
ABROAD = {
    "fr": {"address_line1": "Rue de la Loi 155", "postal_code": "1040", "city": "Bruxelles",
           "country": "BE"},
    "ro": {"address_line1": "Friedrichstraße 10", "postal_code": "10117", "city": "Berlin",
           "country": "DE"},
}


def _statement(row: dict[str, str], lines: int = 4) -> list[dict[str, str]]:
    """A statement of ``lines`` monthly items up to the due date, summing to the claim, labels
    with markup characters."""
    total = sum((Decimal(row.get(k) or "0") for k in ("principal", "interest", "fees",
                                                       "penalties")), Decimal(0))
    share = (total / lines).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    due = dt.date.fromisoformat(row["due_date"])
    return [{"due_date": (due - dt.timedelta(days=30 * (lines - 1 - n))).isoformat(),
             "label": f"Échéance <n°{n + 1}> & frais",
             "amount": str(share if n < lines - 1 else total - share * (lines - 1))}
            for n in range(lines)]


def _variant_rows() -> list[tuple[str, dict[str, Any]]]:
    """The demo reminder and formal notice of each language changed one way at a time: the
    cases the fixtures and the benchmark hold few or none of."""
    out: list[tuple[str, dict[str, Any]]] = []
    for row in _fixture_rows():
        lang = row["locale"][:2]
        if row["kind"] not in ("reminder", "formal_notice") or row["country"] == "BE":
            continue
        base = {k: v for k, v in row.items() if k != "debtor_title"}
        out.append(("company", {**base, "debtor_name": COMPANIES[lang]}))
        out.append(("statement", {**row, "statement": _statement(row)}))
        if lang in ABROAD:
            moved = {k: v for k, v in row.items() if k not in ("address_line2", "region")}
            out.append(("abroad", {**moved, **ABROAD[lang]}))
        if lang in ("fr", "ro"):
            out.append(("overdraft", {**row, "product": "overdraft", "contract_ref":
                                      "DEC-2024-5521", "penalties": "0"}))
        if row["product"] != "invoice":
            accel = (dt.date.fromisoformat(row["due_date"]) + dt.timedelta(days=40)).isoformat()
            out.append(("acceleration", {**row, "acceleration_date": accel}))
        if lang == "ro":
            out.append(("eur", {**row, "currency": "EUR"}))
    return out


def golden_letters() -> Iterator[GoldenLetter]:
    """Every letter on record, in a fixed order: the demo cases (fixtures/cases.csv), the
    hostile ones, the variants, then the benchmark's generated cases (N=150, seed 2026, all
    15 language x kind pairs). A variant the product refuses is an error (it would silently
    stop being checked)."""
    from notice_factory.cases import parse_rows, read_case_file
    from notice_factory.s10 import make_s10
    from notice_factory.settings import load_sender_profile

    sender = load_sender_profile()

    def tracking(case: Any, key: str) -> str:
        """A number of the range, fixed by the letter's key (not by its place in the list)."""
        if not case.registered:
            return ""
        postal = sender.entity(case.locale).postal
        rng = postal.ranges[0]
        return make_s10(rng.service, rng.first + zlib.crc32(key.encode()) % 100_000,
                        postal.country)

    fixtures = read_case_file(REPO / "fixtures" / "cases.csv", batch_date=BATCH_DATE)
    hostile = read_case_file(REPO / "fixtures" / "hostile-cases.jsonl", batch_date=BATCH_DATE)
    groups: list[tuple[str, list[Any]]] = [("fixture", fixtures.cases),
                                           ("hostile", hostile.cases)]
    for what, row in _variant_rows():
        result = parse_rows([row], batch_date=BATCH_DATE)
        if not result.cases:
            raise ValueError(f"the {what} variant of {row['case_id']} is refused: "
                             f"{[e.format_message() for e in result.rejects]}")
        groups.append((f"variant:{what}", [result.cases[0]]))
    bench = _load_bench()
    generated = parse_rows(bench.generate_cases(BENCH_LETTERS, seed=BENCH_SEED),
                           batch_date=BATCH_DATE)
    if generated.rejects:
        refused = [e.format_message() for e in generated.rejects[:3]]
        raise ValueError(f"generated cases refused: {refused}")
    groups.append(("bench", generated.cases))
    for prefix, cases in groups:
        for case in cases:
            key = f"{prefix}:{case.letter_key}"
            yield GoldenLetter(key, case, tracking(case, key))


def load_golden(path: Path = GOLDEN) -> dict[str, Any]:
    """The golden file: ``revision``, ``letters`` (key -> ``template``, ``engine``, ``pages``,
    ``words``: the words joined by single spaces; :func:`golden_words` splits them)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def golden_words(entry: dict[str, Any]) -> list[str]:
    """The recorded words of one letter of the golden file."""
    words: str = entry["words"]
    return words.split(" ") if words else []
