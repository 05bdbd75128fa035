"""The one definition of the variables a template can use, for HTML and DOCX alike.

Each variable group is a frozen dataclass whose fields carry a one-line meaning
(``doc``) and, through :func:`describe_variables`, an example value taken from a
context really built from a sample case: ``notice-factory templates vars`` prints
exactly what this module builds, so the documentation cannot drift from the code.

All money is formatted for the letter's locale here, once; templates never see a
raw Decimal, so a template cannot print an amount in the wrong format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jinja2
from markupsafe import Markup

from notice_factory import formatting, payref, words
from notice_factory.address import layout_address, return_line
from notice_factory.barcode import code128_svg
from notice_factory.errors import CaseError
from notice_factory.model import Case, Frequency, Kind, Locale, Product
from notice_factory.rules import (
    KIND_CODES,
    copies,
    deadline_days,
    max_plan_months,
    new_credit_law,
    signing_keys,
)
from notice_factory.schedule import Schedule, add_months, build_schedule, months_between
from notice_factory.settings import Entity, Organisation, Picture, sender_of

# The registered zone above the window's address lines is 10 mm tall: one text line, then the
# Code 128 of the number (0.3 mm modules) with the number printed beside it.
BARCODE_HEIGHT_MM = 5.5
BARCODE_MODULE_MM = 0.3



def _doc(text: str) -> Any:
    return field(metadata={"doc": text})


@dataclass(frozen=True)
class LetterVars:
    kind: str = _doc("document kind code (reminder, formal_notice, ...)")
    locale: str = _doc("the letter's locale (fr_FR, zh_CN, ro_RO)")
    language: str = _doc("the letter's language (fr, zh, ro)")
    reference: str = _doc("the letter's own reference, to quote in any reply")
    number_zh: str = _doc("zh: the letter number in Chinese form, the kind's 字, the year in "
                          "六角括号 and 第…号 (催字〔2026〕第CN-2026-0001号); empty elsewhere")
    date: str = _doc("the letter date, written out")
    date_iso: str = _doc("the letter date, ISO form")
    place_date: str = _doc("place and date line as the locale writes it")
    deadline: str = _doc("the date by which the debtor must act, written out")
    deadline_iso: str = _doc("the deadline, ISO form")
    deadline_days: int = _doc("number of days given from the letter date")
    registered: bool = _doc("sent as registered post")
    acknowledgement: bool = _doc("with return receipt (AR / 回执 / confirmare de primire)")
    tracking_number: str = _doc("registered number (empty when not yet numbered)")
    barcode_svg: Markup = _doc("Code 128 of the registered number (SVG; a picture in Word)")
    return_address: str = _doc("where the operator returns the letter if undeliverable, one "
                               "line with its label, printed small at the top of the window: "
                               "the sender's (the law firm's for a lawyer letter)")
    template_id: str = _doc("id of the template the letter comes from")
    template_version: str = _doc("version of that template")


@dataclass(frozen=True)
class DebtorVars:
    name: str = _doc("debtor's full name as on the envelope")
    title: str = _doc("civility (M., Mme, 先生, Dl., ...), empty if none")
    address_lines: tuple[str, ...] = _doc("address block for the window, already laid out")
    country: str = _doc("ISO country code of the address")
    cross_border: bool = _doc("true when the debtor lives outside the sender's country")
    form: str = _doc("grammar of the addressee: 'm' (M., 先生, Dl.), 'f' (Mme, 女士, Dna.), "
                     "'company', or '' when unknown (then both forms are written)")
    surname: str = _doc("the last word of a person's name, for salutations "
                        "('Stimate domnule Popescu'); the full name for a company")


@dataclass(frozen=True)
class CaseVars:
    id: str = _doc("the sender's case reference")
    contract_ref: str = _doc("contract reference, card numbers masked")
    product: str = _doc("product code (credit_card, personal_loan, ...)")
    contract_date: str = _doc("contract date written out, empty if unknown")
    due_date: str = _doc("date of the first unpaid instalment, written out")
    due_date_iso: str = _doc("date of the first unpaid instalment, ISO form")
    days_overdue: int = _doc("days between the first unpaid instalment and the letter date")
    currency: str = _doc("ISO currency code")
    consumer_credit: bool = _doc("true for consumer-credit products (not invoices)")
    new_credit_law: bool = _doc("FR: contract signed on or after 20 November 2026 (Ord. 2025-880)")
    accelerated: bool = _doc("the creditor declared the whole loan due (déchéance du terme): the "
                             "amounts are the capital remaining due, not only the arrears")
    acceleration_date: str = _doc("the day the whole loan was declared due, written out; "
                                  "empty when not accelerated")
    acceleration_date_iso: str = _doc("that day, ISO form; empty when not accelerated")
    earlier_letters: int = _doc("letters of this case the ledger shows sent before this one "
                                "(0: this is the first; a letter says 'despite our previous "
                                "letters' only when it is not)")
    first_letter_date: str = _doc("date of the first of those letters, written out; empty if none")
    first_letter_reference: str = _doc("reference of the first of those letters (R124-4: later "
                                       "letters repeat it); empty if none")
    last_letter_date: str = _doc("date of the latest of those letters, written out; empty if none")


@dataclass(frozen=True)
class StatementLineVars:
    due_date: str = _doc("the day the item fell due, written out")
    due_date_iso: str = _doc("that day, ISO form")
    label: str = _doc("what the item is (case data, printed as written)")
    amount: str = _doc("its amount, formatted (a payment received is negative)")


@dataclass(frozen=True)
class AmountVars:
    principal: str = _doc("principal (capital) due, formatted")
    interest: str = _doc("interest due, formatted")
    fees: str = _doc("fees due, formatted")
    penalties: str = _doc("penalties / late-payment indemnity, formatted")
    total: str = _doc("total due, formatted")
    total_words: str = _doc("total due written in words (words prevail)")
    total_figures_zh: str = _doc("total in figures with the ¥ sign (zh); same as total elsewhere")
    nonzero: tuple[str, ...] = _doc("names of the components that are not zero")
    statement: tuple[StatementLineVars, ...] = _doc(
        "the claim itemised (JSON case files' statement), oldest first; its amounts sum to "
        "total; empty when the case gives none (print the breakdown only)")


@dataclass(frozen=True)
class OrgVars:
    name: str = _doc("name")
    legal_form: str = _doc("legal form and capital")
    registration: str = _doc("registration number(s)")
    address_lines: tuple[str, ...] = _doc("postal address lines")
    phone: str = _doc("phone")
    email: str = _doc("e-mail")
    website: str = _doc("website")
    hours: str = _doc("opening hours")
    note: str = _doc("one sentence the letter may print about this body")


@dataclass(frozen=True)
class PaymentVars:
    payee: str = _doc("who receives the payment")
    bank: str = _doc("the payee's bank")
    iban: str = _doc("IBAN (FR, RO)")
    bic: str = _doc("BIC (FR, RO)")
    account: str = _doc("account number (CN 账号)")
    note: str = _doc("payment instructions sentence")
    reference: str = _doc("what the debtor quotes when paying")
    rf_reference: str = _doc("ISO 11649 creditor reference (RF) of the case, in groups of four")
    qr_svg: Markup = _doc("SEPA EPC QR code of the payment (SVG; a picture in Word), "
                          "empty unless the profile has an IBAN and the debt is in euros")
    qr_data: str = _doc("the text inside that QR code (EPC069-12), empty without it")


@dataclass(frozen=True)
class AgencyVars:
    name: str = _doc("collection agency name")
    registration: str = _doc("its registration (ANPC number, ...)")
    address_lines: tuple[str, ...] = _doc("its address")
    phone: str = _doc("phone")
    email: str = _doc("e-mail")
    mandate_ref: str = _doc("the creditor's mandate reference")
    mandate_date: str = _doc("date of the mandate")


@dataclass(frozen=True)
class LawyerVars:
    name: str = _doc("lawyer's name")
    firm: str = _doc("law firm")
    bar: str = _doc("bar (barreau / 律师协会 / barou)")
    licence: str = _doc("licence or toque number")
    address_lines: tuple[str, ...] = _doc("firm address")
    phone: str = _doc("phone")
    email: str = _doc("e-mail")
    mandate_ref: str = _doc("power of attorney reference")


@dataclass(frozen=True)
class SenderVars:
    place: str = _doc("city the letters are dated from")
    signatory: str = _doc("who signs the letter")


@dataclass(frozen=True)
class SignVars:
    signature: str = _doc("the signatory's signature image (data: URL; a picture in Word), "
                          "'' when the profile has none")
    seal: str = _doc("the creditor's official seal (公章) image, '' when none")
    lawyer_signature: str = _doc("the lawyer's signature image, '' when none")
    lawyer_seal: str = _doc("the law firm's seal image, '' when none")
    required: tuple[str, ...] = _doc("the images this kind must print (rules.SIGNING: "
                                     "'creditor.signature', 'creditor.seal', "
                                     "'lawyer.signature', 'lawyer.seal'); one missing "
                                     "(batch --allow-unsigned) prints a plain line instead")


@dataclass(frozen=True)
class CopyVars:
    number: int = _doc("this copy's number, from 1")
    count: int = _doc("how many copies the letter holds (2: fait en deux exemplaires)")
    to_return: bool = _doc("true on the copy the debtor signs and returns; false on the "
                           "debtor's own copy")
    return_to: tuple[str, ...] = _doc("where to return it: the creditor's name and address")
    return_by: str = _doc("the date by which to return it, written out")


@dataclass(frozen=True)
class InstallmentVars:
    number: int = _doc("instalment number, from 1")
    due_date: str = _doc("due date, written out")
    due_date_iso: str = _doc("due date, ISO form")
    amount: str = _doc("amount to pay, formatted")
    interest: str = _doc("interest part, formatted")
    principal: str = _doc("principal part, formatted")
    balance: str = _doc("balance left after this instalment, formatted")


@dataclass(frozen=True)
class PlanVars:
    count: int = _doc("number of instalments")
    frequency: str = _doc("monthly, biweekly or weekly")
    first_due_date: str = _doc("first instalment date, written out")
    last_due_date: str = _doc("last instalment date, written out")
    down_payment: str = _doc("down payment, formatted")
    has_down_payment: bool = _doc("true when a down payment is due")
    financed: str = _doc("amount spread over the instalments, formatted")
    total_interest: str = _doc("interest accruing during the plan, formatted")
    total_to_pay: str = _doc("everything the debtor pays under the plan, formatted")
    total_to_pay_words: str = _doc("that total in words")
    annual_rate: str = _doc("annual interest rate during the plan, formatted percent")
    has_interest: bool = _doc("true when interest accrues during the plan")
    months: int = _doc("duration of the plan in months, the first instalment's period "
                       "included (24 monthly instalments: 24 months)")
    installments: tuple[InstallmentVars, ...] = _doc("the schedule, one entry per instalment")


@dataclass(frozen=True)
class TemplateContext:
    """Everything a template sees. Use :meth:`as_dict` to hand it to an engine."""

    letter: LetterVars
    debtor: DebtorVars
    case: CaseVars
    amounts: AmountVars
    creditor: OrgVars
    payment: PaymentVars
    mediator: OrgVars
    privacy: OrgVars
    complaints: tuple[OrgVars, ...]
    agency: AgencyVars | None
    lawyer: LawyerVars | None
    sender: SenderVars
    plan: PlanVars | None
    sign: SignVars
    copy: CopyVars | None  # documents to countersign, one render per copy (rules.copies)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


VARIABLE_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(TemplateContext))

_GROUP_DOCS: Mapping[str, str] = {
    "letter": "the letter itself: reference, dates, deadline, registered number",
    "debtor": "the recipient",
    "case": "the debt's origin",
    "amounts": "what is owed, split as the law requires",
    "creditor": "the creditor (sender profile)",
    "payment": "how to pay",
    "mediator": "the mediator or ADR body",
    "privacy": "the data-protection contact and notice",
    "complaints": "complaint bodies (list)",
    "agency": "the collection agency, or none",
    "lawyer": "the lawyer, or none",
    "sender": "place and signatory",
    "plan": "the repayment schedule (plan agreements and commitment forms), or none",
    "sign": "the signature and seal images the sender profile gives",
    "copy": "which copy of a document to countersign this is (two per letter), or none",
}


def letter_date(case: Case, batch_date: dt.date) -> dt.date:
    return case.letter_date or batch_date


def case_schedule(case: Case, batch_date: dt.date) -> Schedule | None:
    """The schedule a plan agreement or commitment form prints.

    A commitment form without plan fields promises one payment of the total on the deadline.
    """
    if case.kind not in (Kind.PLAN_AGREEMENT, Kind.COMMITMENT_FORM):
        return None
    total = case.amounts.total
    if case.plan is None:
        day = letter_date(case, batch_date) + dt.timedelta(days=deadline_days(case))
        return build_schedule(total, 1, day)
    p = case.plan
    return build_schedule(
        total, p.installments, p.first_due_date, p.frequency,
        annual_rate=p.annual_rate, down_payment=p.down_payment,
        max_months=max_plan_months(case.locale), locale=case.locale,
    )


# The 字 of a Chinese letter number (发文字号, GB/T 9704-2012 7.2.4) per kind.
_ZH_NUMBER_WORD: Mapping[Kind, str] = {
    Kind.REMINDER: "催字", Kind.FORMAL_NOTICE: "催告字", Kind.LAWYER_LETTER: "律函字",
    Kind.COMMITMENT_FORM: "承诺字", Kind.PLAN_AGREEMENT: "分期字",
}


def chinese_letter_number(kind: Kind, case_id: str, day: dt.date) -> str:
    """A Chinese letter's number: its kind's 字, the year in 六角括号 〔〕 and 第…号 around
    the case reference (kept whole, so that two letters never share a number).

    >>> chinese_letter_number(Kind.LAWYER_LETTER, "CN-2026-0003", dt.date(2026, 11, 23))
    '律函字〔2026〕第CN-2026-0003号'
    """
    return f"{_ZH_NUMBER_WORD[kind]}〔{day.year}〕第{case_id}号"


def printed_contract_ref(case: Case) -> str:
    """The contract reference as the letter prints it, card numbers masked.

    A credit-card case's reference *is* the card number, so it is masked even when it fails
    the Luhn check: a mistyped card number is still nearly the real one.

    >>> from notice_factory.model import Amounts
    >>> c = Case("A", Kind.REMINDER, Locale.FR_FR, "X", "1 rue", "75001", "Paris", "FR",
    ...          "4970 1012 3456 7899", Product.CREDIT_CARD, "EUR", Amounts(Decimal("1")),
    ...          dt.date(2026, 1, 1))
    >>> printed_contract_ref(c)
    '**** **** **** 7899'
    >>> printed_contract_ref(dataclasses.replace(c, product=Product.PERSONAL_LOAN))
    '4970 1012 3456 7899'
    """
    return formatting.mask_card_number(case.contract_ref,
                                       is_card=case.product is Product.CREDIT_CARD)


# Civilities as case files write them (interface §1), by the grammar they call for.
_MALE_TITLES = frozenset({"M.", "M", "Monsieur", "Mr", "Mr.", "先生", "Dl.", "Dl", "Domnul",
                          "D-l", "D-l."})
_FEMALE_TITLES = frozenset({"Mme", "Mme.", "Madame", "Mlle", "Mademoiselle", "Mrs", "Ms",
                            "女士", "小姐", "Dna.", "Dna", "Doamna", "D-na", "D-na.", "Dra.",
                            "D-ra"})
_COMPANY_TITLES = frozenset({"Société", "Sté", "Entreprise", "公司", "单位", "Societatea",
                             "Firma", "SC", "S.C."})
# A legal form in the name marks a company even without a title ("Dupont SARL", "示例有限公司",
# "Exemplu S.R.L.").
_COMPANY_NAME = re.compile(
    r"(?:^|[\s,.])(?:SA|SAS|SASU|SARL|EURL|SNC|SCI|SCP|SELARL|GIE|S\.?A\.?|S\.?R\.?L\.?|"
    r"S\.?C\.?S\.?|S\.?N\.?C\.?|PFA)(?:$|[\s,.])|公司|集团|企业|事务所|合伙")


def debtor_form(title: str | None, name: str) -> str:
    """The grammar a letter uses for its addressee.

    >>> debtor_form("Mme", "Élodie Marchand"), debtor_form("Dl.", "Ion Popescu")
    ('f', 'm')
    >>> debtor_form(None, "Transports Dupont SARL"), debtor_form(None, "深圳示例科技有限公司")
    ('company', 'company')
    >>> debtor_form(None, "Camille Durand")
    ''
    """
    t = (title or "").strip()
    if t in _COMPANY_TITLES or (not t and _COMPANY_NAME.search(name)):
        return "company"
    if t in _MALE_TITLES:
        return "m"
    if t in _FEMALE_TITLES:
        return "f"
    return ""


def _org(o: Organisation) -> OrgVars:
    return OrgVars(o.name, o.legal_form, o.registration, o.address, o.phone, o.email,
                   o.website, o.hours, o.note)


def plan_duration_months(s: Schedule) -> int:
    """How long a plan lasts as a letter states it: from one period before the first
    instalment to the last one (the schedule's own ``months`` counts from the first payment,
    which is what a legal maximum such as China's five years is measured by).

    >>> plan_duration_months(build_schedule(Decimal("240"), 24, dt.date(2026, 12, 31)))
    24
    >>> plan_duration_months(build_schedule(Decimal("60"), 6, dt.date(2027, 1, 4),
    ...                                     Frequency.WEEKLY))
    2
    """
    if s.frequency is Frequency.MONTHLY:
        begin = add_months(s.first_due_date, -1)
    else:
        begin = s.first_due_date - dt.timedelta(days=7 if s.frequency is Frequency.WEEKLY else 14)
    return months_between(begin, s.last_due_date)


def _plan_vars(s: Schedule, case: Case) -> PlanVars:
    loc, cur = case.locale, case.currency

    def money(x: Decimal) -> str:
        return formatting.format_money(x, cur, loc)

    def day(d: dt.date) -> str:
        return formatting.format_date(d, loc, style="long")

    return PlanVars(
        count=len(s.lines),
        frequency=s.frequency.value,
        first_due_date=day(s.first_due_date),
        last_due_date=day(s.last_due_date),
        down_payment=money(s.down_payment),
        has_down_payment=s.down_payment > 0,
        financed=money(s.financed),
        total_interest=money(s.total_interest),
        total_to_pay=money(s.total_to_pay),
        total_to_pay_words=words.amount_in_words(s.total_to_pay, cur, loc),
        annual_rate=formatting.format_percent(s.annual_rate, loc),
        has_interest=s.has_interest,
        months=plan_duration_months(s),
        installments=tuple(
            InstallmentVars(
                number=i.number, due_date=day(i.due_date), due_date_iso=i.due_date.isoformat(),
                amount=money(i.amount), interest=money(i.interest),
                principal=money(i.principal), balance=money(i.balance_after),
            )
            for i in s.lines
        ),
    )


def preflight(case: Case, entity: Entity, *,
              batch_date: dt.date) -> tuple[list[str], Schedule | None]:
    """Everything that can make a letter impossible, without formatting it.

    Cheap enough to run on every case before any number is allocated: the address must fit
    the window, the plan must be legal, a lawyer letter needs a lawyer. Returns the laid-out
    address and the schedule, which :func:`build_context` then prints.
    """
    if case.kind is Kind.LAWYER_LETTER and entity.lawyer is None:
        # A lawyer letter without a lawyer would be a fake one (forbidden in every country).
        raise CaseError(f"the sender profile names no lawyer for {case.locale.value}, so no "
                        f"lawyer letter can be sent; add a [{case.locale.value}.lawyer] table",
                        field="kind", case_id=case.case_id, row=case.row)
    problem = entity.postal.guarantee_problem(case.country, case.guarantee)
    if problem is not None:
        raise CaseError(problem, field="guarantee", case_id=case.case_id, row=case.row)
    lines = layout_address(
        name=case.debtor_name, title=case.debtor_title, line1=case.address_line1,
        line2=case.address_line2, postal_code=case.postal_code, city=case.city,
        region=case.region, country=case.country, sender_country=entity.postal.country,
        locale=case.locale,
    )
    schedule = case_schedule(case, batch_date)
    if schedule is not None and schedule.total_to_pay >= words.AMOUNT_LIMIT:
        raise CaseError(f"the plan's total to pay with interest ({schedule.total_to_pay}) is more "
                        "than a letter can state (at most 999 999 999 999.99); lower the rate "
                        "or split the debt", field="plan_annual_rate", case_id=case.case_id,
                        row=case.row)
    return lines, schedule


def return_address_line(case: Case, entity: Entity) -> str:
    """The return address line of the case's letter, as printed at the top of the window:
    the sender's (the law firm's for a lawyer letter), with its label."""
    line = return_line(sender_of(case.kind.value, entity).return_address, case.locale.language)
    return formatting.normalize_ro(line) if case.locale is Locale.RO_RO else line


_PRINTS: Mapping[bool, tuple[str, ...]] = {
    True: ("lawyer.signature", "lawyer.seal"),  # a lawyer letter: the lawyer's and firm's
    False: ("creditor.signature", "creditor.seal"),  # any other: the creditor's
}


def check_signing(case: Case, entity: Entity, *, allow_unsigned: bool = False,
                  engine: str = "html") -> None:
    """Refuse, before any number is spent, a letter that would go out without the signature
    or seal its kind needs (``rules.SIGNING``), unless ``allow_unsigned`` (it then prints a
    plain signature line; never a fake); and a Word letter that would print an SVG (Word
    letters take PNG images)."""
    loc = case.locale.value
    if not allow_unsigned:
        missing = [k for k in signing_keys(case.locale, case.kind) if entity.picture(k) is None]
        if missing:
            keys = " and ".join(f"{loc}.{k}" for k in missing)
            raise CaseError(f"needs a signature/seal: the sender profile has no {keys} (PNG or "
                            "SVG file beside the profile); add it, or run the batch with "
                            "--allow-unsigned to print a plain signature line to sign by hand",
                            field="(signature)", case_id=case.case_id, row=case.row)
    if engine == "docx":
        for key in _PRINTS[case.kind is Kind.LAWYER_LETTER]:
            picture = entity.picture(key)
            if picture is not None and picture.format != "png":
                raise CaseError(f"{picture.key} is an SVG image ({picture.file}) and the "
                                f"{case.kind.value} is a Word letter, which prints PNG images "
                                "only; give a PNG", field="(signature)", case_id=case.case_id,
                                row=case.row)


def _sign_vars(entity: Entity, case: Case) -> SignVars:
    def uri(picture: Picture | None) -> str:
        return picture.data_uri() if picture is not None else ""

    lawyer = entity.lawyer
    return SignVars(uri(entity.signature), uri(entity.seal),
                    uri(lawyer.signature if lawyer else None), uri(lawyer.seal if lawyer else None),
                    signing_keys(case.locale, case.kind))


def copies_of(ctx: TemplateContext) -> list[dict[str, Any]]:
    """The variables of each copy one letter prints: one for most kinds; for a document to
    countersign (``rules.copies``) the debtor's copy, then the copy to return signed."""
    if ctx.copy is None:
        return [ctx.as_dict()]
    count = ctx.copy.count
    return [ctx.as_dict() | {"copy": dataclasses.replace(ctx.copy, number=n,
                                                         to_return=n == count)}
            for n in range(1, count + 1)]


def build_context(
    case: Case,
    entity: Entity,
    *,
    batch_date: dt.date,
    template_id: str,
    template_version: str,
    tracking_number: str = "",
) -> TemplateContext:
    """Build every template variable for one letter.

    Raises :class:`~notice_factory.errors.CaseError` (address that cannot fit) and
    :class:`~notice_factory.errors.PlanError` (impossible schedule) for the caller to
    turn into a rejection of this case only.
    """
    loc, cur = case.locale, case.currency
    lines, schedule = preflight(case, entity, batch_date=batch_date)
    day = letter_date(case, batch_date)
    days = deadline_days(case)
    deadline = day + dt.timedelta(days=days)
    a = case.amounts

    def money(x: Decimal) -> str:
        return formatting.format_money(x, cur, loc)

    def long(d: dt.date) -> str:
        return formatting.format_date(d, loc, style="long")

    fr_figures = money(a.total)
    ctx = TemplateContext(
        letter=LetterVars(
            kind=case.kind.value, locale=loc.value, language=loc.language,
            reference=f"{case.case_id}/{KIND_CODES[case.kind]}",
            number_zh=chinese_letter_number(case.kind, case.case_id, day)
            if loc is Locale.ZH_CN else "",
            date=long(day), date_iso=day.isoformat(),
            place_date=formatting.format_place_date(entity.place, day, loc),
            deadline=long(deadline), deadline_iso=deadline.isoformat(), deadline_days=days,
            registered=case.registered, acknowledgement=case.acknowledgement,
            tracking_number=tracking_number,
            barcode_svg=Markup(code128_svg(tracking_number, height_mm=BARCODE_HEIGHT_MM,
                                          module_mm=BARCODE_MODULE_MM))
            if tracking_number else Markup(""),
            return_address=return_address_line(case, entity),
            template_id=template_id, template_version=template_version,
        ),
        debtor=DebtorVars(
            name=case.debtor_name, title=case.debtor_title or "", address_lines=tuple(lines),
            country=case.country, cross_border=case.country != entity.postal.country,
            form=(form := debtor_form(case.debtor_title, case.debtor_name)),
            surname=case.debtor_name if form == "company" else case.debtor_name.split()[-1],
        ),
        case=_case_vars(case, day),
        amounts=AmountVars(
            principal=money(a.principal), interest=money(a.interest), fees=money(a.fees),
            penalties=money(a.penalties), total=money(a.total),
            total_words=words.amount_in_words(a.total, cur, loc),
            total_figures_zh=fr_figures,
            nonzero=tuple(n for n in ("principal", "interest", "fees", "penalties")
                          if getattr(a, n) != 0),
            statement=tuple(
                StatementLineVars(long(i.due_date), i.due_date.isoformat(), i.label,
                                  money(i.amount))
                for i in sorted(case.statement, key=lambda i: i.due_date)),
        ),
        creditor=_org(entity.creditor),
        payment=_payment_vars(case, entity),
        mediator=_org(entity.mediator),
        privacy=_org(entity.privacy),
        complaints=tuple(_org(c) for c in entity.complaints),
        agency=None if entity.agency is None else AgencyVars(
            entity.agency.name, entity.agency.registration, entity.agency.address,
            entity.agency.phone, entity.agency.email, entity.agency.mandate_ref,
            _maybe_date(entity.agency.mandate_date, loc),
        ),
        lawyer=None if entity.lawyer is None else LawyerVars(
            entity.lawyer.name, entity.lawyer.firm, entity.lawyer.bar, entity.lawyer.licence,
            entity.lawyer.address, entity.lawyer.phone, entity.lawyer.email,
            entity.lawyer.mandate_ref,
        ),
        sender=SenderVars(entity.place, entity.signatory),
        plan=None if schedule is None else _plan_vars(schedule, case),
        sign=_sign_vars(entity, case),
        copy=None,
    )
    if (count := copies(case.kind)) > 1:  # the first copy; copies_of gives every one
        ctx = dataclasses.replace(ctx, copy=CopyVars(
            number=1, count=count, to_return=False,
            return_to=(ctx.creditor.name, *ctx.creditor.address_lines),
            return_by=ctx.letter.deadline))
    if loc is Locale.RO_RO:
        ctx = _normalise_strings(ctx, formatting.normalize_ro)
    return ctx


def _case_vars(case: Case, day: dt.date) -> CaseVars:
    def long(d: dt.date) -> str:
        return formatting.format_date(d, case.locale, style="long")

    loc, cur = case.locale, case.currency
    return CaseVars(
        id=case.case_id,
        contract_ref=printed_contract_ref(case),
        product=case.product.value,
        contract_date=long(case.contract_date) if case.contract_date else "",
        due_date=long(case.due_date), due_date_iso=case.due_date.isoformat(),
        days_overdue=max(0, (day - case.due_date).days),
        currency=cur,
        consumer_credit=case.product.is_consumer_credit,
        new_credit_law=new_credit_law(loc, case.contract_date),
        accelerated=case.acceleration_date is not None,
        acceleration_date=long(case.acceleration_date) if case.acceleration_date else "",
        acceleration_date_iso=case.acceleration_date.isoformat()
        if case.acceleration_date else "",
        **_history_vars(case, long),
    )


def _history_vars(case: Case, long: Callable[[dt.date], str]) -> dict[str, Any]:
    """What the letter may say of the case's earlier letters (ledger facts on the case)."""
    earlier = sorted(case.earlier_letters, key=lambda e: e.letter_date)
    if not earlier:
        return {"earlier_letters": 0, "first_letter_date": "", "first_letter_reference": "",
                "last_letter_date": ""}
    first = earlier[0]
    return {"earlier_letters": len(earlier), "first_letter_date": long(first.letter_date),
            "first_letter_reference": f"{case.case_id}/{KIND_CODES[first.kind]}",
            "last_letter_date": long(earlier[-1].letter_date)}


def _payment_vars(case: Case, entity: Entity) -> PaymentVars:
    """How to pay, with the case's RF reference and, for euros to an IBAN, the EPC QR code.

    The EPC QR code (EPC069-12) only carries SEPA credit transfers in euros: a letter in lei or
    yuan gets none rather than a code that would send euros. Only letters asking for the whole
    sum by a deadline carry one: a plan is paid in instalments, not in one transfer of the total.
    """
    pay = entity.payment
    rf = payref.rf_reference(case.case_id)
    svg, data = Markup(""), ""
    if (pay.iban and case.currency == "EUR" and case.amounts.total > 0
            and case.kind.asks_payment_by_deadline):
        payload = payref.epc_payload(name=pay.payee, iban=pay.iban, bic=pay.bic,
                                     amount=case.amounts.total, reference=rf)
        svg, data = payref.epc_qr_svg(payload), payref.epc_text(payload)
    return PaymentVars(pay.payee, pay.bank, pay.iban, pay.bic, pay.account, pay.note,
                       reference=case.case_id, rf_reference=payref.format_rf(rf),
                       qr_svg=svg, qr_data=data)


def _maybe_date(text: str, locale: Locale) -> str:
    """Profile dates written ISO are printed the locale's way; anything else as written."""
    try:
        return formatting.format_date(dt.date.fromisoformat(text), locale, style="long")
    except ValueError:
        return text


def _normalise_strings(value: Any, fix: Callable[[str], str]) -> Any:
    """Apply ``fix`` to every string inside the context (Romanian ș/ț), markup excepted."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, tuple):
        return tuple(_normalise_strings(v, fix) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _normalise_strings(getattr(value, f.name), fix)
                      for f in dataclasses.fields(value)}
        )
    return value


def _ctx_locale(ctx: Any) -> tuple[Locale, str]:
    return Locale(ctx["letter"].locale), str(ctx["case"].currency)


@jinja2.pass_context
def _money_filter(ctx: Any, value: Any, currency: str | None = None) -> str:
    loc, cur = _ctx_locale(ctx)
    return formatting.format_money(Decimal(str(value)), currency or cur, loc)


@jinja2.pass_context
def _date_filter(ctx: Any, value: Any) -> str:
    loc, _ = _ctx_locale(ctx)
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return formatting.format_date(d, loc, style="long")


@jinja2.pass_context
def _words_filter(ctx: Any, value: Any, currency: str | None = None) -> str:
    loc, cur = _ctx_locale(ctx)
    return words.amount_in_words(Decimal(str(value)), currency or cur, loc)


# Formatting filters offered to templates of both engines (same names, same output). They read
# the letter's locale and currency from the context, so one Jinja environment serves every letter.
FILTERS: Mapping[str, Callable[..., str]] = {
    "money": _money_filter,
    "date_long": _date_filter,
    "words": _words_filter,
}


@dataclass(frozen=True)
class VariableDoc:
    name: str
    meaning: str
    example: str


def describe_variables(ctx: TemplateContext) -> Iterator[VariableDoc]:
    """Every variable a template can use, its meaning and its value in ``ctx``."""
    for f in dataclasses.fields(TemplateContext):
        value = getattr(ctx, f.name)
        yield VariableDoc(f.name, _GROUP_DOCS[f.name], _example(value))
        yield from _describe(f.name, value, _group_type(f.name))


def group_types() -> dict[str, type[Any] | None]:
    """Every variable group's name and the type of its value (None: a flag or a list of
    organisations described by ``OrgVars``)."""
    extra: dict[str, type[Any]] = {"sign": SignVars, "copy": CopyVars}
    return {f.name: extra.get(f.name) or _group_type(f.name)
            for f in dataclasses.fields(TemplateContext)}


def _group_type(name: str) -> type[Any] | None:
    return {
        "letter": LetterVars, "debtor": DebtorVars, "case": CaseVars, "amounts": AmountVars,
        "creditor": OrgVars, "payment": PaymentVars, "mediator": OrgVars, "privacy": OrgVars,
        "complaints": OrgVars, "agency": AgencyVars, "lawyer": LawyerVars,
        "sender": SenderVars, "plan": PlanVars,
    }.get(name)


def _describe(prefix: str, value: Any, cls: type[Any] | None) -> Iterator[VariableDoc]:
    if cls is None:
        return
    if isinstance(value, tuple):  # a list of groups: describe the first element's fields
        prefix, value = f"{prefix}[]", (value[0] if value else None)
    for f in dataclasses.fields(cls):
        sub = getattr(value, f.name) if value is not None else None
        name = f"{prefix}.{f.name}"
        yield VariableDoc(name, f.metadata.get("doc", ""), _example(sub))
        if f.name == "installments":
            yield from _describe(name, sub, InstallmentVars)
        if f.name == "statement":
            yield from _describe(name, sub, StatementLineVars)


def _example(value: Any) -> str:
    if value is None:
        return "(none)"
    if dataclasses.is_dataclass(value):
        return "{...}"
    if isinstance(value, tuple):
        if value and dataclasses.is_dataclass(value[0]):
            return f"[{len(value)} entries]"
        return " / ".join(str(v) for v in value) or "(empty list)"
    text = str(value)
    return text if len(text) <= 70 else text[:67] + "..."
