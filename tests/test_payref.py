"""Payment references: the ISO 11649 RF reference printed on fr and ro letters, checked by an
independent implementation, and the SEPA EPC QR code read back from the rendered PDF by zbar."""

from __future__ import annotations

import dataclasses
import io
import shutil
import string
import subprocess
from decimal import Decimal

import pytest
from conftest import BATCH_DATE, DEMO_CASES, RenderedSet, pdftotext
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from notice_factory import payref
from notice_factory.model import Case, Kind, Locale
from notice_factory.render import LetterRenderer
from notice_factory.settings import SenderProfile


def independent_rf_check(body: str) -> str:
    """ISO 11649 check digits computed digit by digit (ISO 7064 MOD 97-10, piecewise)."""
    remainder = 0
    for ch in body + "RF00":
        for digit in str(string.digits.index(ch) if ch.isdigit()
                         else string.ascii_uppercase.index(ch) + 10):
            remainder = (remainder * 10 + int(digit)) % 97
    return f"{98 - remainder:02d}"


def test_iso_11649_published_example() -> None:
    # The example of ISO 11649 itself: RF18 5390 0754 7034.
    assert payref.rf_reference("539007547034") == "RF18539007547034"
    assert payref.format_rf("RF18539007547034") == "RF18 5390 0754 7034"


@given(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True).filter(
    lambda s: any(c.isalnum() and c.isascii() for c in s)))
def test_rf_check_digits_agree_with_an_independent_implementation(case_id: str) -> None:
    ref = payref.rf_reference(case_id)
    body = ref[4:]
    assert ref[2:4] == independent_rf_check(body)
    assert payref.rf_is_valid(ref)
    assert len(ref) <= 25 and body.isalnum() and body == body.upper()


def test_a_mistyped_reference_is_invalid() -> None:
    ref = payref.rf_reference("FR-2026-0002")
    assert not payref.rf_is_valid(ref[:-1] + ("1" if ref[-1] != "1" else "2"))


def flat_text(pdf: bytes) -> str:
    """poppler's text with every run of white space made one space."""
    return " ".join(pdftotext(pdf).split())


def _fr_notice() -> Case:
    return next(c for c in DEMO_CASES if c.locale is Locale.FR_FR
                and c.kind is Kind.FORMAL_NOTICE)


def find_qr(pdf: bytes) -> list[str] | None:
    """The lines of the EPC QR code on the letter's pages (rasterised by poppler, read by zbar)."""
    tool = shutil.which("zbarimg")
    if tool is None:
        pytest.fail("zbarimg is not installed (apt-get install zbar-tools)")
    for page in range(1, len(PdfReader(io.BytesIO(pdf)).pages) + 1):
        png = subprocess.run(["pdftoppm", "-png", "-r", "300", "-singlefile", "-f", str(page),
                              "-l", str(page), "-"], input=pdf, capture_output=True,
                             check=True, timeout=120).stdout
        out = subprocess.run([tool, "--quiet", "--raw", "-"], input=png,
                             capture_output=True, timeout=120)
        if out.returncode == 0 and out.stdout.startswith(b"BCD"):
            return out.stdout.decode("utf-8").rstrip("\n").split("\n")
    return None


def test_french_formal_notice_prints_rf_and_an_epc_qr_that_decodes_to_the_payment(
        rendered: RenderedSet, sender: SenderProfile) -> None:
    case = _fr_notice()
    pdf = rendered[case].pdf
    ref = payref.rf_reference(case.case_id)
    assert payref.format_rf(ref) in flat_text(pdf)
    lines = find_qr(pdf)
    assert lines is not None, "no EPC QR code found on any page"
    pay = sender.entity(Locale.FR_FR).payment
    assert lines[:4] == ["BCD", "002", lines[2], "SCT"] and lines[2] in "12345678"
    assert lines[4] == pay.bic
    assert lines[5] == pay.payee
    assert lines[6] == pay.iban.replace(" ", "")
    assert Decimal(lines[7].removeprefix("EUR")) == case.amounts.total
    assert lines[9] == ref and independent_rf_check(ref[4:]) == ref[2:4]


def test_a_letter_in_lei_has_the_rf_reference_but_no_euro_qr_code(rendered: RenderedSet) -> None:
    case = next(c for c in DEMO_CASES if c.locale is Locale.RO_RO
                and c.kind is Kind.FORMAL_NOTICE)
    pdf = rendered[case].pdf
    assert payref.format_rf(payref.rf_reference(case.case_id)) in flat_text(pdf)
    assert find_qr(pdf) is None


def test_a_romanian_letter_in_euros_gets_the_epc_qr_code(renderer: LetterRenderer,
                                                         sender: SenderProfile) -> None:
    base = next(c for c in DEMO_CASES if c.locale is Locale.RO_RO and c.kind is Kind.REMINDER)
    case = dataclasses.replace(base, currency="EUR")
    pdf = renderer.render(case, sender.entity(Locale.RO_RO), batch_date=BATCH_DATE).pdf
    lines = find_qr(pdf)
    assert lines is not None
    assert lines[6] == sender.entity(Locale.RO_RO).payment.iban.replace(" ", "")
    assert Decimal(lines[7].removeprefix("EUR")) == case.amounts.total
    assert lines[9] == payref.rf_reference(case.case_id)


def test_plans_carry_no_qr_code_for_the_total(renderer: LetterRenderer,
                                              sender: SenderProfile) -> None:
    case = next(c for c in DEMO_CASES if c.locale is Locale.FR_FR
                and c.kind is Kind.COMMITMENT_FORM)
    pdf = renderer.render(case, sender.entity(Locale.FR_FR), batch_date=BATCH_DATE).pdf
    assert find_qr(pdf) is None
    assert payref.format_rf(payref.rf_reference(case.case_id)) in flat_text(pdf)
