"""What a bank's legal department checks before signing, read back from the rendered PDFs:
the claim matches the stage of the debt (C. conso. L312-39, D312-16, D312-17) and every letter
speaks to its addressee in the grammar that fits (legal-content.md 1.0, 1.2; issue 12)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re

import pytest
from conftest import (
    BATCH_DATE,
    DEMO_CASES,
    FIXTURES,
    RenderedSet,
    demo_case_params,
    pdf_text,
    pdftotext,
)

from notice_factory.cases import parse_rows
from notice_factory.context import debtor_form
from notice_factory.formatting import format_date
from notice_factory.model import Case, Kind, Locale
from notice_factory.render import LetterRenderer
from notice_factory.settings import SenderProfile

CASES = demo_case_params()

# Both-genders forms a letter may only use when it does not know the addressee's civility.
BOTH_FORMS = re.compile(r"\w\((?:e|es|ă|a|ul)\)|Subsemnatul/Subsemnata|\w+ul/\w+a\b")


def flat(pdf: bytes) -> str:
    """poppler's text, every run of white space made one space, hyphenation kept."""
    return " ".join(pdftotext(pdf).split())


def demo(locale: Locale, kind: Kind) -> Case:
    return next(c for c in DEMO_CASES if c.locale is locale and c.kind is kind)


@pytest.mark.parametrize("case", CASES)
def test_a_titled_debtor_is_written_to_in_the_form_that_fits(rendered: RenderedSet,
                                                             case: Case) -> None:
    assert case.debtor_title, "every demo case has a civility"
    text = flat(rendered[case].pdf)
    assert not BOTH_FORMS.findall(text), (case.letter_key, BOTH_FORMS.findall(text))


def test_romanian_salutation_uses_the_surname_only(rendered: RenderedSet) -> None:
    text = flat(rendered[demo(Locale.RO_RO, Kind.REMINDER)].pdf)
    assert "Stimate domnule Popescu," in text
    assert "domnule Ion Popescu" not in text
    text = flat(rendered[demo(Locale.RO_RO, Kind.FORMAL_NOTICE)].pdf)
    assert "Stimată doamnă Ionescu," in text


def test_form_of_address_from_title_and_name() -> None:
    assert [debtor_form(t, "X Y") for t in ("M.", "Mme", "先生", "女士", "Dl.", "Dna.")] == \
        ["m", "f", "m", "f", "m", "f"]
    assert debtor_form(None, "Transports Martin SAS") == "company"
    assert debtor_form(None, "Exemplu Construct S.R.L.") == "company"
    assert debtor_form(None, "Lisa Sabatier") == ""


def test_a_company_signs_the_commitment_as_a_company(renderer: LetterRenderer,
                                                     sender: SenderProfile) -> None:
    fr = dataclasses.replace(demo(Locale.FR_FR, Kind.COMMITMENT_FORM), debtor_title=None,
                             debtor_name="Transports Martin SAS")
    text = flat(renderer.render(fr, sender.entity(Locale.FR_FR), batch_date=BATCH_DATE).pdf)
    assert "agissant en qualité de représentant légal de la société Transports Martin SAS" in text
    assert not BOTH_FORMS.findall(text)
    ro = dataclasses.replace(demo(Locale.RO_RO, Kind.COMMITMENT_FORM), debtor_title=None,
                             debtor_name="Exemplu Construct S.R.L.")
    text = flat(renderer.render(ro, sender.entity(Locale.RO_RO), batch_date=BATCH_DATE).pdf)
    assert "Subscrisa Exemplu Construct S.R.L., cu sediul în" in text
    assert "Stimată doamnă, stimate domn," in text
    assert not BOTH_FORMS.findall(text)


def test_without_a_civility_both_forms_are_written(renderer: LetterRenderer,
                                                  sender: SenderProfile) -> None:
    ro = dataclasses.replace(demo(Locale.RO_RO, Kind.COMMITMENT_FORM), debtor_title=None)
    text = flat(renderer.render(ro, sender.entity(Locale.RO_RO), batch_date=BATCH_DATE).pdf)
    assert "Subsemnatul/Subsemnata" in text


# ---------------------------------------------------------------- the claim and the stage


def test_french_formal_notice_before_acceleration_claims_arrears_under_d312_17(
        rendered: RenderedSet) -> None:
    case = demo(Locale.FR_FR, Kind.FORMAL_NOTICE)
    assert case.acceleration_date is None and case.amounts.penalties > 0
    text = flat(rendered[case].pdf)
    assert "Capital des échéances impayées" in text
    assert "D312-17" in text
    assert "D312-16" not in text
    assert "la déchéance du terme sera acquise" in text
    assert "a été prononcée" not in text


def test_french_formal_notice_after_acceleration_states_its_date_and_cites_d312_16(
        renderer: LetterRenderer, sender: SenderProfile) -> None:
    case = dataclasses.replace(demo(Locale.FR_FR, Kind.FORMAL_NOTICE),
                               acceleration_date=dt.date(2026, 10, 15))
    text = flat(renderer.render(case, sender.entity(Locale.FR_FR), batch_date=BATCH_DATE).pdf)
    assert "la déchéance du terme de votre contrat a été prononcée le 15 octobre 2026" in text
    assert "Capital restant dû" in text
    assert "D312-16" in text
    assert "D312-17" not in text
    assert "la déchéance du terme sera acquise" not in text


def _row(case_id: str, **changes: str) -> dict[str, str]:
    """A demo case's CSV row, with some fields changed."""
    with open(FIXTURES / "cases.csv", encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["case_id"] == case_id)
    return {**row, **changes}


def test_a_french_consumer_credit_lawyer_letter_with_an_indemnity_needs_acceleration() -> None:
    result = parse_rows([_row("FR-2026-0003", acceleration_date="")], batch_date=BATCH_DATE)
    assert not result.cases
    [err] = result.rejects
    assert err.field == "acceleration_date"
    assert "déchéance du terme" in err.message and "penalties" in err.message
    # Without an indemnity the letter claims only what is due: no acceleration needed.
    ok = parse_rows([_row("FR-2026-0003", acceleration_date="", penalties="0")],
                    batch_date=BATCH_DATE)
    assert ok.cases and not ok.rejects


def test_the_indemnity_cap_cites_the_article_of_the_stage() -> None:
    before = parse_rows([_row("FR-2026-0002", penalties="676.01")], batch_date=BATCH_DATE)
    [err] = before.rejects
    assert err.field == "penalties" and "D312-17" in err.message and "676.00" in err.message
    after = parse_rows([_row("FR-2026-0002", penalties="676.01",
                             acceleration_date="2026-10-15")], batch_date=BATCH_DATE)
    [err] = after.rejects
    assert err.field == "penalties" and "D312-16" in err.message


@pytest.mark.parametrize(("day", "why"), [("2026-07-01", "before the first unpaid"),
                                          ("2026-12-01", "after the letter date")])
def test_an_impossible_acceleration_date_is_refused(day: str, why: str) -> None:
    result = parse_rows([_row("FR-2026-0002", acceleration_date=day)], batch_date=BATCH_DATE)
    [err] = result.rejects
    assert err.field == "acceleration_date" and why in err.message


def test_an_invoice_has_no_acceleration() -> None:
    result = parse_rows([_row("FR-2026-0006", acceleration_date="2026-10-15")],
                        batch_date=BATCH_DATE)
    [err] = result.rejects
    assert err.field == "acceleration_date" and "invoice" in err.message


def test_the_french_lawyer_letter_states_the_acceleration_and_claims_under_d312_16(
        rendered: RenderedSet) -> None:
    case = demo(Locale.FR_FR, Kind.LAWYER_LETTER)
    assert case.acceleration_date == dt.date(2026, 8, 20)
    text = flat(rendered[case].pdf)
    assert "ma cliente a prononcé le 20 août 2026 la déchéance du terme" in text
    assert "Capital restant dû (déchéance du terme du 20 août 2026)" in text
    assert "D312-16" in text and "D312-17" not in text


def test_the_chinese_loan_lawyer_letter_claims_the_accelerated_principal(
        rendered: RenderedSet) -> None:
    case = demo(Locale.ZH_CN, Kind.LAWYER_LETTER)
    text = "".join(pdftotext(rendered[case].pdf).split())
    assert "剩余本金（已于2026年8月18日宣布提前到期）" in text
    before = flat(rendered[demo(Locale.ZH_CN, Kind.FORMAL_NOTICE)].pdf)
    assert "提前到期" not in before


SPACED_DATE = re.compile(r"\d[ \u00a0\u3000]+[年月日]|[年月][ \u00a0\u3000]+\d")


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0].locale is Locale.ZH_CN])
def test_chinese_dates_extract_without_spaces(rendered: RenderedSet, case: Case) -> None:
    """Word letters included: LibreOffice's Asian/Latin spacing must not reach the text layer."""
    pdf = rendered[case].pdf
    for text in (pdftotext(pdf), pdf_text(pdf)):
        assert not SPACED_DATE.findall(text), (case.letter_key, SPACED_DATE.findall(text))
        assert format_date(case.letter_date or BATCH_DATE, Locale.ZH_CN, style="long") in text


# ---------------------------------------------------------------- name lines that fit

COMPANY_45 = "Transports Frigorifiques du Rhône et Fils SAS"


def test_a_45_character_company_name_renders_on_two_address_lines(
        renderer: LetterRenderer, sender: SenderProfile) -> None:
    assert len(COMPANY_45) == 45
    case = dataclasses.replace(demo(Locale.FR_FR, Kind.REMINDER), debtor_title=None,
                               debtor_name=COMPANY_45)
    pdf = renderer.render(case, sender.entity(Locale.FR_FR), batch_date=BATCH_DATE).pdf
    lines = [" ".join(line.split()) for line in pdftotext(pdf, "-layout", "-f", "1", "-l", "1")
             .splitlines()]
    first = next(i for i, line in enumerate(lines)
                 if line.endswith("Transports Frigorifiques du Rhône et"))
    assert lines[first + 1].endswith("Fils SAS"), lines[first:first + 3]
    assert lines[first + 2].endswith("12 rue des Lilas") or "Bâtiment B" in lines[first + 2]
