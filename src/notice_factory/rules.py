"""The locales' legal rules, in one place a reader finds by name (legal-content.md).

What the law of each locale forbids or requires of a claim, independent of how a case is
read or a letter is worded: fees that may not be charged, the French 8 % indemnity cap and
two-year foreclosure, default payment deadlines, the French consumer-credit reform date,
the longest repayment plan, and the short kind codes of letter references.

>>> fees_problem(Locale.FR_FR, Decimal("10")) is not None, fees_problem(Locale.ZH_CN, Decimal("10"))
(True, None)
>>> indemnity_cap(Locale.FR_FR, Product.CONSUMER_CREDIT, Decimal("1000"))
Decimal('80.00')
>>> max_plan_months(Locale.ZH_CN), max_plan_months(Locale.FR_FR)
(60, None)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from decimal import Decimal

from notice_factory.model import Case, Kind, Locale, Product

# French consumer credit: the late-payment indemnity is capped at 8 % (art. L312-39 C. conso):
# of the capital remaining due once the whole loan was declared due (D312-16), of the unpaid
# instalments before (D312-17); the case's principal is that capital, resp. the capital of the
# unpaid instalments. Claims are foreclosed two years after the first unpaid instalment
# (art. R312-35).
FR_INDEMNITY_CAP = Decimal("0.08")
FR_FORECLOSURE_YEARS = 2

# Recovery fees may not be charged to the debtor: FR art. L111-8 CPCE; RO OUG 52/2016
# (only legal penalty interest and enforcement costs).
FEES_FORBIDDEN: Mapping[Locale, str] = {
    Locale.FR_FR: "French law forbids charging collection fees to the debtor (art. L111-8 of "
    "the Code des procédures civiles d'exécution): fees must be 0",
    Locale.RO_RO: "Romanian law forbids charging collection costs to the debtor (OUG 52/2016): "
    "fees must be 0",
}

# A letter claims a debt: principal, interest, fees and penalties all 0 leave nothing to claim
# (a reminder, a notice or a plan "for 0,00 €" would tell the debtor he owes what he does not).
NOTHING_TO_CLAIM = ("nothing to claim: principal, interest, fees and penalties are all 0, and no "
                    "letter is sent for 0.00; remove the case or give the amount due")

# Default number of days given to pay, per kind and locale (legal-content.md):
# FR: a formal notice gives >= 30 days (cure period before acceleration, FICP 30-day window);
# RO: 15 days makes the notice also the somatie of CPC art. 1015; CN: 15 days is practice.
DEFAULT_DEADLINE_DAYS: Mapping[Locale, Mapping[Kind, int]] = {
    Locale.FR_FR: {Kind.REMINDER: 15, Kind.FORMAL_NOTICE: 30, Kind.LAWYER_LETTER: 30,
                   Kind.COMMITMENT_FORM: 30, Kind.PLAN_AGREEMENT: 30},
    Locale.ZH_CN: {Kind.REMINDER: 15, Kind.FORMAL_NOTICE: 15, Kind.LAWYER_LETTER: 15,
                   Kind.COMMITMENT_FORM: 30, Kind.PLAN_AGREEMENT: 30},
    Locale.RO_RO: {Kind.REMINDER: 15, Kind.FORMAL_NOTICE: 15, Kind.LAWYER_LETTER: 15,
                   Kind.COMMITMENT_FORM: 30, Kind.PLAN_AGREEMENT: 30},
}

# Short codes used in letter references ("FR-0001/MED").
KIND_CODES: Mapping[Kind, str] = {
    Kind.REMINDER: "REL", Kind.FORMAL_NOTICE: "MED", Kind.LAWYER_LETTER: "AVO",
    Kind.COMMITMENT_FORM: "ENG", Kind.PLAN_AGREEMENT: "ECH",
}

# The French consumer-credit reform (Ord. 2025-880) applies to contracts signed from this day.
FR_CREDIT_REFORM_DATE = dt.date(2026, 11, 20)

# Longest plan each locale's law allows, in months (None: no statutory maximum).
# zh_CN: 《商业银行信用卡业务监督管理办法》第七十条, 个性化分期还款协议 at most 5 years.
MAX_PLAN_MONTHS: Mapping[Locale, int | None] = {
    Locale.FR_FR: None,
    Locale.ZH_CN: 60,
    Locale.RO_RO: None,
}
# Where a plan-length rule applies, as its message says it ("... a repayment plan in China").
RULE_PLACE: Mapping[Locale, str] = {Locale.ZH_CN: " in China"}


# What shows through an envelope's window must not reveal a debt (RO: AMCC code, "sealed
# envelope with no sign of debt"; FR and CN: the debtor's privacy, legal-content.md; issue 13:
# no "recouvrement" through the window). The return address printed there is checked against
# these words, whole words for Latin scripts (accents and case ignored).
REVEALS_DEBT: Mapping[str, tuple[str, ...]] = {
    "fr": ("recouvrement", "recouvrements", "contentieux", "impaye", "impayes", "creance",
           "creances", "dette", "dettes"),
    "ro": ("recuperare", "recuperari", "creanta", "creante", "creantelor", "datorie", "datorii",
           "restanta", "restante", "executare"),
    "zh": ("催收", "催缴", "欠款", "欠费", "债务", "追债", "清收", "逾期"),
}


def debt_word(text: str, language: str) -> str | None:
    """The first word of ``text`` that would reveal a debt on an envelope, or None.

    >>> debt_word("Service Recouvrement amiable, 12 rue de la Paix", "fr")
    'Recouvrement'
    >>> debt_word("Banque Exemple SA, 3 rue Claudette", "fr") is None
    True
    >>> debt_word("Direcția Creanțe", "ro"), debt_word("信用卡中心催收部", "zh")
    ('Creanțe', '催收')
    """
    words = REVEALS_DEBT.get(language, ())
    if language == "zh":
        return next((w for w in words if w in text), None)
    for token in re.findall(r"\w+", text):
        token = str(token)
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", token.casefold())
                        if not unicodedata.combining(ch))
        if plain in words:
            return token
    return None


def max_plan_months(locale: Locale) -> int | None:
    """The longest plan, in months, the locale's law allows (None: no statutory limit).

    >>> max_plan_months(Locale.ZH_CN), max_plan_months(Locale.FR_FR)
    (60, None)
    """
    return MAX_PLAN_MONTHS[locale]


def deadline_days(case: Case) -> int:
    """Days given to pay: the case's own, else the locale's default for the kind."""
    if case.payment_deadline_days is not None:
        return case.payment_deadline_days
    return DEFAULT_DEADLINE_DAYS[case.locale][case.kind]


def new_credit_law(locale: Locale, contract_date: dt.date | None) -> bool:
    """Whether the French consumer-credit reform governs a contract signed on that day.

    >>> new_credit_law(Locale.FR_FR, dt.date(2026, 11, 20)), new_credit_law(Locale.RO_RO, None)
    (True, False)
    """
    return (locale is Locale.FR_FR and contract_date is not None
            and contract_date >= FR_CREDIT_REFORM_DATE)


def fees_problem(locale: Locale, fees: Decimal) -> str | None:
    """Why these collection fees may not be claimed in ``locale``, or None."""
    return FEES_FORBIDDEN[locale] if fees > 0 and locale in FEES_FORBIDDEN else None


def _french_consumer_credit(locale: Locale | None, product: Product | None) -> bool:
    return locale is Locale.FR_FR and product is not None and product.is_consumer_credit


def indemnity_cap(locale: Locale | None, product: Product | None,
                  principal: Decimal) -> Decimal | None:
    """The most late-payment indemnity the law allows on ``principal`` (None: no cap)."""
    if not _french_consumer_credit(locale, product):
        return None
    return (principal * FR_INDEMNITY_CAP).quantize(Decimal("0.01"))


def add_years(d: dt.date, years: int) -> dt.date:
    """``d`` moved by whole years (29 February becomes 28 February).

    >>> add_years(dt.date(2024, 2, 29), 2)
    datetime.date(2026, 2, 28)
    """
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def due_date_problem(locale: Locale | None, product: Product | None, due_date: dt.date,
                     letter_day: dt.date) -> str | None:
    """Why a claim whose first unpaid instalment fell on ``due_date`` may not be sent on
    ``letter_day`` (nothing overdue yet, or foreclosed), or None."""
    if due_date > letter_day:
        return (f"the first unpaid instalment ({due_date.isoformat()}) is after the letter date "
                f"({letter_day.isoformat()}): nothing is overdue yet")
    if (_french_consumer_credit(locale, product)
            and add_years(due_date, FR_FORECLOSURE_YEARS) <= letter_day):
        return ("this consumer-credit debt is foreclosed: more than two years have passed since "
                f"the first unpaid instalment ({due_date.isoformat()}), art. R312-35 C. conso; "
                "it may no longer be claimed")
    return None


def claim_problems(*, locale: Locale | None, product: Product | None,
                   principal: Decimal | None, fees: Decimal, penalties: Decimal,
                   interest: Decimal = Decimal(0),
                   due_date: dt.date | None, contract_date: dt.date | None,
                   letter_day: dt.date, kind: Kind | None = None,
                   acceleration_date: dt.date | None = None) -> Iterator[tuple[str, str]]:
    """Every legal rule the claim breaks, as (case-file field, reason), in field order.

    >>> list(claim_problems(locale=Locale.RO_RO, product=None, principal=None,
    ...                     fees=Decimal("5"), penalties=Decimal("0"), due_date=None,
    ...                     contract_date=None, letter_day=dt.date(2026, 11, 23)))[0][0]
    'fees'
    """
    if principal is not None and principal + interest + fees + penalties == 0:
        yield "principal", NOTHING_TO_CLAIM
    if locale is not None and (reason := fees_problem(locale, fees)):
        yield "fees", reason
    if due_date is not None and (reason := due_date_problem(locale, product, due_date,
                                                            letter_day)):
        yield "due_date", reason
    cap = None if principal is None else indemnity_cap(locale, product, principal)
    if cap is not None and principal is not None and penalties > principal * FR_INDEMNITY_CAP:
        yield "penalties", _indemnity_reason(cap, accelerated=acceleration_date is not None)
    if contract_date is not None and contract_date > letter_day:
        yield "contract_date", "the contract date is after the letter date"
    yield from acceleration_problems(
        locale=locale, kind=kind, product=product, penalties=penalties,
        acceleration_date=acceleration_date, due_date=due_date, letter_day=letter_day)


def _indemnity_reason(cap: Decimal, *, accelerated: bool) -> str:
    if accelerated:
        return ("after the déchéance du terme the late-payment indemnity may not exceed 8 % of "
                f"the capital remaining due (art. D312-16 C. conso): at most {cap} here")
    return ("before the déchéance du terme the late-payment indemnity may not exceed 8 % of the "
            f"unpaid instalments (art. D312-17 C. conso): at most {cap} here; if the whole loan "
            "was declared due, give that day in acceleration_date and the capital remaining due "
            "in principal")


def acceleration_problems(*, locale: Locale | None, kind: Kind | None, product: Product | None,
                          penalties: Decimal, acceleration_date: dt.date | None,
                          due_date: dt.date | None,
                          letter_day: dt.date) -> Iterator[tuple[str, str]]:
    """What is wrong with the case's stage of the debt (déchéance du terme / acceleration).

    A French consumer-credit lawyer letter claiming an indemnity speaks for a creditor who has
    already declared the whole loan due: before that, only the formal notice may announce it.

    >>> next(acceleration_problems(locale=Locale.FR_FR, kind=Kind.LAWYER_LETTER,
    ...      product=Product.CONSUMER_CREDIT, penalties=Decimal("1"), acceleration_date=None,
    ...      due_date=None, letter_day=dt.date(2026, 11, 23)))[0]
    'acceleration_date'
    """
    if acceleration_date is None:
        if (kind is Kind.LAWYER_LETTER and penalties > 0
                and _french_consumer_credit(locale, product)):
            yield "acceleration_date", (
                "a French consumer-credit lawyer letter that claims an indemnity (penalties) "
                "needs the day the creditor declared the whole loan due (déchéance du terme); "
                "give it in acceleration_date, or set penalties to 0 and send a formal notice "
                "first")
        return
    if product is Product.INVOICE:
        yield "acceleration_date", ("an invoice has no instalments to accelerate; leave "
                                    "acceleration_date empty")
    elif acceleration_date > letter_day:
        yield "acceleration_date", (f"the déchéance du terme ({acceleration_date.isoformat()}) "
                                    f"is after the letter date ({letter_day.isoformat()})")
    elif due_date is not None and acceleration_date < due_date:
        yield "acceleration_date", (f"the déchéance du terme ({acceleration_date.isoformat()}) "
                                    "is before the first unpaid instalment "
                                    f"({due_date.isoformat()}): nothing was unpaid yet")


def declared_content(locale: Locale | str, kind: Kind | str) -> bool:
    """Sent "cu conținut declarat" (Romania): a notice that must also serve as the pre-court
    demand (somație) proves its content by the declared-content list (registered-post.md 2).

    >>> declared_content(Locale.RO_RO, Kind.FORMAL_NOTICE)
    True
    >>> declared_content("fr_FR", "lawyer_letter")
    False
    """
    return str(getattr(locale, "value", locale)) == Locale.RO_RO.value and str(
        getattr(kind, "value", kind)) in (Kind.FORMAL_NOTICE.value, Kind.LAWYER_LETTER.value)


# Who signs or seals each letter (legal-content.md), as the sender profile keys that must give
# the image. A lawyer letter is signed by the lawyer (FR 1.3, RO 3.3 "semnătura și ștampila
# avocatului"; CN 2.3: the lawyer's signature and the firm's seal). A Chinese letter from the
# bank carries its official seal (公章: 第六十九条 for the collection letter, 2.1; the formal
# notice adds to it, 2.2; the commitment and the agreement are sealed by 甲方, 2.4-2.5). A form
# to countersign carries the creditor's signature (FR 1.4-1.5, RO 3.4-3.5: "both signatures").
# Reminders and formal notices from French and Romanian creditors need no signature image by
# law: the profile's is printed when it has one.
SIGNING: Mapping[Locale, Mapping[Kind, tuple[str, ...]]] = {
    Locale.FR_FR: {Kind.LAWYER_LETTER: ("lawyer.signature",),
                   Kind.COMMITMENT_FORM: ("creditor.signature",),
                   Kind.PLAN_AGREEMENT: ("creditor.signature",)},
    Locale.RO_RO: {Kind.LAWYER_LETTER: ("lawyer.signature",),
                   Kind.COMMITMENT_FORM: ("creditor.signature",),
                   Kind.PLAN_AGREEMENT: ("creditor.signature",)},
    Locale.ZH_CN: {Kind.REMINDER: ("creditor.seal",), Kind.FORMAL_NOTICE: ("creditor.seal",),
                   Kind.LAWYER_LETTER: ("lawyer.signature", "lawyer.seal"),
                   Kind.COMMITMENT_FORM: ("creditor.seal",),
                   Kind.PLAN_AGREEMENT: ("creditor.seal",)},
}

# Documents the debtor countersigns are made "en deux exemplaires" / "一式两份" / "în două
# exemplare": the letter prints both, the debtor's copy and the copy to return signed.
COUNTERSIGNED: frozenset[Kind] = frozenset({Kind.COMMITMENT_FORM, Kind.PLAN_AGREEMENT})


def signing_keys(locale: Locale, kind: Kind) -> tuple[str, ...]:
    """The images a letter must print, as profile keys under ``[<locale>]``.

    >>> signing_keys(Locale.ZH_CN, Kind.LAWYER_LETTER)
    ('lawyer.signature', 'lawyer.seal')
    >>> signing_keys(Locale.FR_FR, Kind.REMINDER)
    ()
    """
    return SIGNING.get(locale, {}).get(kind, ())


def copies(kind: Kind) -> int:
    """How many copies of the document one letter holds.

    >>> copies(Kind.PLAN_AGREEMENT), copies(Kind.FORMAL_NOTICE)
    (2, 1)
    """
    return 2 if kind in COUNTERSIGNED else 1
