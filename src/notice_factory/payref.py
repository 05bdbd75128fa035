"""What a bank needs to match a payment to its case: an ISO 11649 creditor reference (RF) and,
for euro payments to an IBAN, the SEPA EPC QR code (EPC069-12) a banking app scans.

The RF reference is ``RF`` + two check digits + the case reference (letters and digits only,
upper case, at most 21 characters). Check digits follow ISO 7064 MOD 97-10, as for an IBAN:
move ``RF00`` to the end, write letters as numbers (A = 10 ... Z = 35), take the remainder
modulo 97 and subtract it from 98.

>>> rf_reference("539007547034")
'RF18539007547034'
>>> format_rf("RF18539007547034")
'RF18 5390 0754 7034'
>>> rf_is_valid("RF18539007547034"), rf_is_valid("RF19539007547034")
(True, False)
>>> rf_reference("FR-2026-0002")
'RF68FR20260002'
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from markupsafe import Markup

# ISO 11649: at most 25 characters in all, so at most 21 after "RF" and the check digits.
RF_BODY_MAX = 21
# EPC069-12 asks for error-correction level M; 0.5 mm modules make a ~25 mm code that phones
# read from paper.
EPC_MODULE_MM = 0.5


def _digits(text: str) -> int:
    """Letters as two-digit numbers (A = 10 ... Z = 35), digits as themselves."""
    return int("".join(str(int(ch, 36)) for ch in text))


def rf_body(case_id: str) -> str:
    """The case reference as an RF body: letters and digits, upper case.

    A longer reference keeps its last 21 characters (the serial end, which differs most).

    >>> rf_body("fr-2026.0001_b")
    'FR20260001B'
    >>> len(rf_body("X" * 30 + "123"))
    21
    """
    body = re.sub(r"[^0-9A-Za-z]", "", case_id).upper()
    if not body:
        raise ValueError(f"case reference {case_id!r} has no letter or digit to build an "
                         "RF creditor reference from")
    return body[-RF_BODY_MAX:]


def rf_reference(case_id: str) -> str:
    """The ISO 11649 structured creditor reference of a case, without spaces."""
    body = rf_body(case_id)
    check = 98 - _digits(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def rf_is_valid(reference: str) -> bool:
    """True when ``reference`` (spaces allowed) is a well-formed RF reference."""
    ref = reference.replace(" ", "").upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref):
        return False
    return _digits(ref[4:] + ref[:4]) % 97 == 1


def format_rf(reference: str) -> str:
    """The printed form: groups of four characters."""
    ref = reference.replace(" ", "")
    return " ".join(ref[i:i + 4] for i in range(0, len(ref), 4))


def epc_payload(*, name: str, iban: str, bic: str, amount: Decimal, reference: str) -> bytes:
    """The EPC069-12 (version 002) payload of a SEPA credit transfer in euros.

    Latin-1 (character set 2) when the name fits it, else UTF-8 (1); the RF reference goes in
    the structured remittance line, so the unstructured one is left out.

    >>> lines = epc_payload(name="Banque Exemple SA", iban="FR76 3000 6000 0112 3456 7890 189",
    ...                     bic="BEXAFRPPXXX", amount=Decimal("9438.75"),
    ...                     reference="RF68FR20260002").decode().splitlines()
    >>> lines[:7]
    ['BCD', '002', '2', 'SCT', 'BEXAFRPPXXX', 'Banque Exemple SA', 'FR7630006000011234567890189']
    >>> lines[7:]
    ['EUR9438.75', '', 'RF68FR20260002']
    """
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[0-9A-Z]{1,30}", compact):
        raise ValueError(f"IBAN {iban!r} is not an IBAN (two letters, two digits, then up to 30 "
                         "letters and digits); correct payment.iban in the sender profile")
    if bic and len(bic) not in (8, 11):
        raise ValueError(f"BIC {bic!r} must have 8 or 11 characters; correct payment.bic in the "
                         "sender profile")
    if not 0 < len(name.strip()) <= 70:
        raise ValueError(f"payee {name!r} must have 1 to 70 characters for the EPC QR code")
    if not Decimal("0.01") <= amount <= Decimal("999999999.99") or len(reference) > 35:
        raise ValueError(f"amount {amount} or reference {reference!r} out of the EPC QR range")
    fields = ["BCD", "002", "2", "SCT", bic, name.strip(), compact, f"EUR{amount:.2f}", "",
              reference]
    try:
        return "\n".join(fields).encode("iso-8859-1")
    except UnicodeEncodeError:
        fields[2] = "1"
        return "\n".join(fields).encode("utf-8")


_EPC_CHARSETS = ("utf-8", "iso-8859-1", "iso-8859-2", "iso-8859-4", "iso-8859-5", "iso-8859-7",
                 "iso-8859-10", "iso-8859-15")


def epc_text(payload: bytes) -> str:
    """The payload as text, decoded with the character set its third line declares.

    >>> epc_text("BCD\\n002\\n2\\nSCT\\n\\nCafé\\n".encode("latin-1")).splitlines()[5]
    'Café'
    """
    charset = int(payload.split(b"\n", 3)[2])
    return payload.decode(_EPC_CHARSETS[charset - 1])


def epc_qr(payload: bytes) -> object:
    import segno

    # segno decodes the bytes back: the EPC payload is already in its declared character set.
    return segno.make_qr(payload, error="m", boost_error=False)


def epc_qr_svg(payload: bytes) -> Markup:
    """The EPC QR code as an inline SVG element (millimetre units, no XML declaration)."""
    out = io.BytesIO()
    epc_qr(payload).save(out, kind="svg", xmldecl=False, svgns=True, unit="mm",  # type: ignore[attr-defined]
                         scale=EPC_MODULE_MM, border=4, svgclass="epc-qr", lineclass=None,
                         omitsize=False)
    return Markup(out.getvalue().decode("ascii"))


def epc_qr_png(payload: bytes, dpi: int = 300) -> bytes:
    """The EPC QR code as a PNG (for Word letters), one module about 0.5 mm at ``dpi``."""
    out = io.BytesIO()
    scale = max(1, round(EPC_MODULE_MM / 25.4 * dpi))
    epc_qr(payload).save(out, kind="png", scale=scale, border=4, dpi=dpi)  # type: ignore[attr-defined]
    return out.getvalue()
