"""Issue 12, wording a native lawyer signs, read back from rendered PDFs: what a letter says of
the case's earlier letters comes from the ledger; boilerplate is said once; the lawyer letters
speak as the firm; Chinese numbers, dates and quotes; cross-border remedies; the itemised
statement; the signature block never alone on its page."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import (
    BATCH_DATE,
    DEMO_CASES,
    FIXTURES,
    RenderedSet,
    demo_case_params,
    demo_ledger,
    pdftotext,
)

from notice_factory.model import Case, EarlierLetter, Kind, Locale
from notice_factory.pipeline import run_batch
from notice_factory.render import LetterRenderer
from notice_factory.settings import SenderProfile


def flat(pdf: bytes) -> str:
    return " ".join(pdftotext(pdf).split())


def demo(locale: Locale, kind: Kind) -> Case:
    return next(c for c in DEMO_CASES if c.locale is locale and c.kind is kind)


def render(renderer: LetterRenderer, sender: SenderProfile, case: Case) -> str:
    return flat(renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE).pdf)


# ---------------------------------------------------------------- earlier letters (ledger)


def _demo_rows(*case_ids: str, **changes: str) -> list[dict[str, str]]:
    with open(FIXTURES / "cases.csv", encoding="utf-8", newline="") as f:
        return [{**r, **changes} for r in csv.DictReader(f) if r["case_id"] in case_ids]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_previous_reminders_are_mentioned_only_when_the_ledger_holds_one(
        tmp_path: Path, sender: SenderProfile) -> None:
    """A formal notice says "Malgré ..." only after a letter of its case went out (a batch
    on an earlier day, its number used in the ledger); before that its opening is neutral."""
    [notice] = _demo_rows("FR-2026-0002")
    first = run_batch(_write(tmp_path / "a.csv", [notice]), tmp_path / "a", sender=sender,
                      ledger_path=demo_ledger(tmp_path / "first.sqlite"),
                      batch_date=BATCH_DATE, jobs=0)
    assert first.letters == 1
    text = flat((tmp_path / "a" / "letters" / "FR-2026-0002-formal_notice.pdf").read_bytes())
    assert "précédentes relances" not in text and "Malgré" not in text
    assert "Or, sauf erreur de notre part, les sommes échues depuis le 10 juillet 2026" in text

    # Another ledger: a reminder of the same case went out on 2 October, and the notice of
    # 23 November cites it.
    ledger = demo_ledger(tmp_path / "ledger.sqlite")
    reminder = {**notice, "kind": "reminder", "letter_date": "2026-10-02", "penalties": "0",
                "acknowledgement": "false"}
    run_batch(_write(tmp_path / "b.csv", [reminder]), tmp_path / "b", sender=sender,
              ledger_path=ledger, batch_date=dt.date(2026, 10, 2), jobs=0)
    run_batch(_write(tmp_path / "c.csv", [notice]), tmp_path / "c", sender=sender,
              ledger_path=ledger, batch_date=BATCH_DATE, jobs=0)
    text = flat((tmp_path / "c" / "letters" / "FR-2026-0002-formal_notice.pdf").read_bytes())
    assert "Malgré notre lettre du 2 octobre 2026, les sommes échues" in text
    pdf = (tmp_path / "c" / "letters" / "FR-2026-0002-formal_notice.pdf").read_bytes()
    assert any("Premier courrier" in line and "FR-2026-0002/REL du 2 octobre 2026" in line
               for line in pdftotext(pdf, "-layout").splitlines())
    # The reminder itself, re-rendered on its own day, still has no earlier letter.
    text = flat((tmp_path / "b" / "letters" / "FR-2026-0002-reminder.pdf").read_bytes())
    assert "Premier courrier" not in text


def test_the_lawyer_letter_mentions_earlier_letters_only_with_history(
        renderer: LetterRenderer, sender: SenderProfile) -> None:
    case = demo(Locale.FR_FR, Kind.LAWYER_LETTER)
    assert "malgré les relances" not in render(renderer, sender, case)
    with_history = dataclasses.replace(case, earlier_letters=(
        EarlierLetter(Kind.REMINDER, dt.date(2026, 6, 1)),
        EarlierLetter(Kind.FORMAL_NOTICE, dt.date(2026, 7, 3))))
    text = render(renderer, sender, with_history)
    assert "malgré les relances qui vous ont été adressées, la dernière le 3 juillet 2026" in text


# ---------------------------------------------------------------- boilerplate said once

# Per language: groups of phrases that say one thing; a letter says each thing at most once (the
# mediator is free of charge, the Chinese dispute annotation and third-party sentence, ANPC /
# CSALB / the GDPR acts in Romanian).
AT_MOST_ONCE: dict[str, list[tuple[str, ...]]] = {
    "fr": [("gratuitement le médiateur", "médiateur est gratuite"),
           ("commission de surendettement",), ("34 14",)],
    "zh": [("异议标注",), ("与债务无关的第三",), ("调解免费", "调解不收取费用"),
           ("双方可申请调解",)],
    "ro": [("(ANPC)", "(ANPC,"), ("procedura CSALB", "(CSALB)"),
           ("CSALB este gratuită", "apela gratuit la"), ("2016/679",),
           ("Responsabilul cu protecția datelor: Responsabilul",)],
}


@pytest.mark.parametrize("case", demo_case_params())
def test_no_boilerplate_is_said_twice(rendered: RenderedSet, case: Case) -> None:
    text = flat(rendered[case].pdf).lower()
    if case.locale is Locale.ZH_CN:
        text = "".join(text.split())
    counts = {group: sum(text.count(p.lower()) for p in group)
              for group in AT_MOST_ONCE[case.locale.language]}
    assert all(n <= 1 for n in counts.values()), (case.letter_key, counts)
