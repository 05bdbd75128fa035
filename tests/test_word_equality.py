"""Every letter on record keeps its words and its page count (issue 16).

``tests/golden/letter_words.json`` was made by ``scripts/golden_words.py`` from the revision it
names (the HTML and Word letters before any speed change): the demo cases, the hostile ones,
variants of the reminder and the formal notice (a company, a debtor abroad, a statement, an
acceleration date, an overdraft, Romanian in euros) and the benchmark's 150 generated cases.
An engine made faster, or a template ported to typst, must give each letter the same words
(as a multiset: see tests/wordcheck.py for why not the sequence) and the same page count.
A deliberate wording change re-records the file (GOLDEN.md says how).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BATCH_DATE, office_available
from wordcheck import (
    GoldenLetter,
    diff_words,
    golden_letters,
    golden_words,
    letter_words,
    load_golden,
    page_count,
    text_words,
)

from notice_factory.render import LetterRenderer
from notice_factory.settings import SenderProfile

GOLDEN = load_golden()
LETTERS: dict[str, GoldenLetter] = {g.key: g for g in golden_letters()}


def test_the_golden_file_records_every_letter_of_the_set() -> None:
    assert sorted(GOLDEN["letters"]) == sorted(LETTERS), (
        "tests/golden/letter_words.json and wordcheck.golden_letters() differ: "
        "re-record with scripts/golden_words.py")
    kinds = {(e["template"]) for e in GOLDEN["letters"].values()}
    assert len(kinds) == 15, sorted(kinds)


def test_a_changed_word_is_reported_with_its_place() -> None:
    before = text_words("Mise en demeure de payer la somme de 9 438,75 €")
    after = text_words("Mise en demeure de régler la somme de 9 438,75 €")
    message = diff_words(before, after)
    assert "missing: 'payer'" in message and "added: 'régler'" in message
    assert "first difference at word 5" in message
    assert diff_words(before, list(reversed(before))) == ""
    assert "another order" in diff_words(before, list(reversed(before)), ordered=True)


def test_line_breaking_does_not_change_the_words() -> None:
    assert text_words("recou-\nvrement amiable") == text_words("recouvrement amiable")
    assert diff_words(text_words("avenue Jean-\nJaurès"), text_words("avenue Jean-Jaurès")) == ""
    assert text_words("本行将依法\n追究") == ["本", "行", "将", "依", "法", "追", "究"]


def _params() -> list[Any]:
    out = []
    for key, entry in GOLDEN["letters"].items():
        marks = [pytest.mark.office] if entry["engine"] == "docx" else []
        out.append(pytest.param(key, id=key, marks=marks))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("key", _params())
def test_the_letter_keeps_its_words_and_pages(renderer: LetterRenderer, sender: SenderProfile,
                                              key: str) -> None:
    entry = GOLDEN["letters"][key]
    if entry["engine"] == "docx" and not office_available():
        pytest.skip("LibreOffice is not installed: Word letters cannot be rendered")
    golden = LETTERS[key]
    letter = renderer.render(golden.case, sender.entity(golden.case.locale),
                             batch_date=BATCH_DATE, tracking_number=golden.tracking_number)
    assert letter.template.id == entry["template"], "the letter's template changed"
    message = diff_words(golden_words(entry), letter_words(letter.pdf))
    assert not message, (f"{key} ({entry['template']}) no longer has the words recorded at "
                         f"{GOLDEN['revision'][:12]}:\n{message}")
    assert page_count(letter.pdf) == entry["pages"], (
        f"{key}: {page_count(letter.pdf)} pages, {entry['pages']} recorded")
