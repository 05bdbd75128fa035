"""UPU S10 item numbers (registered-post.md section 1): the one home of their arithmetic.

Service indicator (2 capital letters), 8-digit serial, check digit, ISO country code.

>>> s10_check_digit(12345678)
5
>>> make_s10("RB", 12345678, "GB")
'RB123456785GB'
"""

from __future__ import annotations

from notice_factory.errors import UsageError

#: Weights of the serial's eight digits in the check-digit sum.
WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
MAX_SERIAL = 99_999_999


def s10_check_digit(serial: int | str) -> int:
    """The S10 check digit of an 8-digit serial (UPU S10, registered-post.md section 1).

    >>> s10_check_digit("12345678"), s10_check_digit("00615066"), s10_check_digit(122059)
    (5, 6, 0)
    """
    digits = f"{serial:08d}" if isinstance(serial, int) else serial
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise UsageError(f"an S10 serial has 8 digits (0 to {MAX_SERIAL}), not {serial!r}")
    total = sum(w * int(d) for w, d in zip(WEIGHTS, digits, strict=True))
    check = 11 - total % 11
    # The standard maps the two impossible single digits: 10 -> 0 and 11 -> 5.
    return {10: 0, 11: 5}.get(check, check)


def _is_code(text: str) -> bool:
    return len(text) == 2 and text.isascii() and text.isalpha() and text.isupper()


def make_s10(service: str, serial: int, country: str) -> str:
    """Build the 13-character S10 number: service, 8-digit serial, check digit, country.

    >>> make_s10("EM", 122059, "RO")
    'EM001220590RO'
    """
    if not _is_code(service):
        raise UsageError(f"'{service}' is not a two-letter S10 service indicator such as RR")
    if not _is_code(country):
        raise UsageError(f"'{country}' is not an ISO 3166 alpha-2 country code such as FR")
    if not 0 <= serial <= MAX_SERIAL:
        raise UsageError(f"an S10 serial has 8 digits (0 to {MAX_SERIAL}), not {serial}")
    return f"{service}{serial:08d}{s10_check_digit(serial)}{country}"


def is_valid_s10(number: str) -> bool:
    """Whether ``number`` is a well-formed S10 number whose check digit is right.

    >>> [is_valid_s10(n) for n in ("RB123456785GB", "CO006150666RO", "EM001220590RO")]
    [True, True, True]
    >>> is_valid_s10("RB123456786GB"), is_valid_s10("rb123456785gb"), is_valid_s10("RB12345678GB")
    (False, False, False)
    """
    if len(number) != 13 or not _is_code(number[:2]) or not _is_code(number[11:]):
        return False
    digits = number[2:11]
    if not digits.isascii() or not digits.isdigit():
        return False
    return s10_check_digit(digits[:8]) == int(digits[8])
