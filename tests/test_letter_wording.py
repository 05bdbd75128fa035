"""Issue 12, wording a native lawyer signs, read back from rendered PDFs: what a letter says of
the case's earlier letters comes from the ledger; boilerplate is said once; the lawyer letters
speak as the firm; Chinese numbers, dates and quotes; cross-border remedies; the itemised
statement; the signature block never alone on its page."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
import shutil
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from conftest import (
    BATCH_DATE,
    DEMO_CASES,
    FIXTURES,
    RenderedSet,
    demo_case_params,
    demo_ledger,
    pdf_text,
    pdftotext,
)

from notice_factory.cases import parse_rows, read_case_file
from notice_factory.catalog import missing_mentions
from notice_factory.context import chinese_letter_number
from notice_factory.errors import CaseFileError
from notice_factory.formatting import format_date
from notice_factory.model import Case, EarlierLetter, Kind, Locale, Product, StatementItem
from notice_factory.pipeline import run_batch
from notice_factory.render import LetterRenderer
from notice_factory.rules import copies
from notice_factory.settings import SenderProfile
from notice_factory.templatecheck import check_templates


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
    # The notice's batch run again (its own folder: a letter is produced in one folder).
    run_batch(tmp_path / "a.csv", tmp_path / "a", sender=sender,
              ledger_path=ledger, batch_date=BATCH_DATE, jobs=0)
    text = flat((tmp_path / "a" / "letters" / "FR-2026-0002-formal_notice.pdf").read_bytes())
    assert "Malgré notre lettre du 2 octobre 2026, les sommes échues" in text
    pdf = (tmp_path / "a" / "letters" / "FR-2026-0002-formal_notice.pdf").read_bytes()
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
    # A document to countersign prints two identical copies (rules.copies): once per copy.
    assert all(n <= copies(case.kind) for n in counts.values()), (case.letter_key, counts)


# ---------------------------------------------------------------- the itemised statement


def with_statement(case: Case, lines: int) -> Case:
    """The case with a statement of ``lines`` items dated monthly up to its due date, the last
    taking the rest so that they sum to the claim; labels carry markup characters."""
    total = case.amounts.total
    share = (total / lines).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    items = [StatementItem(case.due_date - dt.timedelta(days=30 * (lines - 1 - n)),
                           f"Échéance <n°{n + 1}> & frais", share) for n in range(lines - 1)]
    items.append(StatementItem(case.due_date, f"Échéance <n°{lines}> & frais",
                               total - share * (lines - 1)))
    return dataclasses.replace(case, statement=tuple(items))


@pytest.mark.parametrize("case", demo_case_params())
def test_the_statement_prints_every_line_and_its_total(renderer: LetterRenderer,
                                                       sender: SenderProfile,
                                                       case: Case) -> None:
    stated = with_statement(case, 4)
    letter = renderer.render(stated, sender.entity(case.locale), batch_date=BATCH_DATE)
    text = flat(letter.pdf)
    squeezed = "".join(text.split())
    for line in letter.context.amounts.statement:
        assert "".join(f"{line.label}".split()) in squeezed, (case.letter_key, line.label)
        assert "".join(line.amount.split()) in squeezed, (case.letter_key, line.amount)
        assert "".join(line.due_date.split()) in squeezed
    total = {"fr": "Total du décompte", "zh": "明细合计", "ro": "Total"}[case.locale.language]
    total_figures = letter.context.amounts.total_figures_zh if case.locale is Locale.ZH_CN \
        else letter.context.amounts.total
    lines = ["".join(line.split()) for line in pdftotext(letter.pdf, "-layout").splitlines()]
    label, figures = "".join(total.split()), "".join(total_figures.split())
    assert any(line.startswith(label) and line.endswith(figures) for line in lines), \
        case.letter_key
    missing = missing_mentions(pdf_text(letter.pdf), renderer.catalog.required_mentions(
        case.locale.language, case.kind), letter.context.as_dict())
    assert not missing, [m.id for m in missing]
    # Without a statement, the one-line-per-component breakdown only.
    plain = flat(renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE).pdf)
    assert "<n°1>" not in plain and "Échéance <" not in plain


def _json_case(**changes: object) -> dict[str, object]:
    [row] = _demo_rows("FR-2026-0002")
    raw: dict[str, object] = {k: v for k, v in row.items() if v != ""}
    raw.update(changes)
    return raw


STATEMENT = [{"due_date": "2026-07-10", "label": "Échéance de juillet", "amount": "4225.00"},
             {"due_date": "2026-08-10", "label": "Échéance d'août", "amount": "4225.00"},
             {"due_date": "2026-08-10", "label": "Intérêts", "amount": "312.75"},
             {"due_date": "2026-11-23", "label": "Indemnité D312-17", "amount": "676.00"}]


def test_a_statement_summing_to_the_claim_is_read_from_json(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(_json_case(statement=STATEMENT)) + "\n", encoding="utf-8")
    result = read_case_file(path, batch_date=BATCH_DATE)
    assert not result.rejects
    [case] = result.cases
    assert [i.amount for i in case.statement] == [Decimal("4225.00"), Decimal("4225.00"),
                                                  Decimal("312.75"), Decimal("676.00")]
    assert sum(i.amount for i in case.statement) == case.amounts.total


def test_a_statement_that_does_not_sum_to_the_claim_is_rejected_with_both_sums() -> None:
    wrong = [*STATEMENT[:-1], {**STATEMENT[-1], "amount": "670.00"}]
    result = parse_rows([_json_case(statement=wrong)], batch_date=BATCH_DATE)
    [err] = result.rejects
    assert err.row == 1 and err.field == "statement"
    assert "9432.75" in err.message and "9438.75" in err.message
    assert "principal + interest + fees + penalties" in err.message


@pytest.mark.parametrize(("line", "field", "why"), [
    ({"due_date": "2026-12-01", "label": "x", "amount": "1.00"}, "statement[1].due_date",
     "after the letter date"),
    ({"due_date": "2026-07-10", "label": "x", "amount": 1.5}, "statement[1].amount",
     "floating-point"),
    ({"due_date": "2026-07-10", "label": "x", "amount": "1,50"}, "statement[1].amount",
     "at most 2 decimals"),
    ({"due_date": "2026-07-10", "amount": "1.00"}, "statement[1]", "exactly the keys"),
])
def test_a_bad_statement_line_names_its_field(line: dict[str, object], field: str,
                                              why: str) -> None:
    result = parse_rows([_json_case(statement=[line])], batch_date=BATCH_DATE)
    assert any(e.field == field and why in e.message for e in result.rejects), \
        [(e.field, e.message) for e in result.rejects]


def test_a_csv_statement_column_is_refused_with_the_reason(tmp_path: Path) -> None:
    rows = [{**_demo_rows("FR-2026-0002")[0], "statement": "[]"}]
    with pytest.raises(CaseFileError, match=r"read only from \.json or \.jsonl"):
        read_case_file(_write(tmp_path / "cases.csv", rows), batch_date=BATCH_DATE)


# ---------------------------------------------------------------- the signature keeps company

# Per (language, kind): where the closing block starts (the closing formula, "Fait en deux
# exemplaires", 特此…, the signature table) and a text of the signature block itself.
CLOSING: dict[tuple[str, str], tuple[str, str]] = {
    ("fr", "reminder"): ("Nous vous prions d'agréer", "Claire Martin"),
    ("fr", "formal_notice"): ("Nous vous prions d'agréer", "Claire Martin"),
    ("fr", "lawyer_letter"): ("Je vous prie d'agréer", "Maître Julien Lefèvre"),
    ("fr", "commitment_form"): ("Fait en deux exemplaires", "Signature du débiteur"),
    ("fr", "plan_agreement"): ("Fait en deux exemplaires", "Pour le créancier"),
    ("zh", "reminder"): ("特此函告", "催收管理部"),
    ("zh", "formal_notice"): ("特此催告", "催收管理部"),
    ("zh", "lawyer_letter"): ("特此函告", "承办律师：王立明"),
    ("zh", "commitment_form"): ("承诺人（签字）", "签署日期"),
    ("zh", "plan_agreement"): ("甲方（盖章）", "乙方（签字）"),
    ("ro", "reminder"): ("Cu stimă", "Andreea Ionescu"),
    ("ro", "formal_notice"): ("Cu stimă", "Andreea Ionescu"),
    ("ro", "lawyer_letter"): ("Cu stimă", "Mihai Popa, avocat"),
    ("ro", "commitment_form"): ("Locul și data semnării", "Semnătura debitorului"),
    ("ro", "plan_agreement"): ("Creditor", "Semnătura debitorului"),
}


def _squeeze(text: str) -> str:
    return "".join(text.split())


def closing_page_problem(pdf: bytes, opening: str, signed: str) -> str | None:
    """Why the signature block sits alone on its page, or None: the page holding the closing
    block's start must also hold the block's signature and the text just before the block."""
    pages = [_squeeze(p) for p in pdftotext(pdf).split("\f")]
    whole = "".join(pages)
    at = whole.rfind(_squeeze(opening)) if opening != "Creditor" else whole.rfind("Creditor")
    if at < 0:
        return f"{opening!r} not found"
    before = whole[max(0, at - 12):at]
    page = next(i for i, p in enumerate(pages) if sum(map(len, pages[:i + 1])) > at)
    text = pages[page]
    if _squeeze(signed) not in text[text.find(_squeeze(opening)):]:
        return f"the signature ({signed!r}) is not on the page of {opening!r} (page {page + 1})"
    if before not in text:
        return f"page {page + 1} opens with the closing block: {before!r} is on the page before"
    return None


# The Chinese lawyer letter's hand-stamp seal box table (which LibreOffice did not keep with the
# lines after it) is replaced by the firm's seal picture floating over its name: every letter.
@pytest.mark.parametrize("case", demo_case_params())
def test_the_signature_block_is_never_alone_on_its_page(renderer: LetterRenderer,
                                                        sender: SenderProfile,
                                                        case: Case) -> None:
    """Statements of growing length push the closing block across page ends: whatever the
    length, it stays with the end of the letter's text."""
    opening, signed = CLOSING[(case.locale.language, case.kind.value)]
    problems = {}
    for lines in range(2, 31, 4):
        pdf = renderer.render(with_statement(case, lines), sender.entity(case.locale),
                              batch_date=BATCH_DATE).pdf
        problem = closing_page_problem(pdf, opening, signed)
        if problem:
            problems[lines] = problem
    assert not problems, (case.letter_key, problems)


# ---------------------------------------------------------------- templates check, shared files


def _tree(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES.parent / "templates", tmp_path / "templates"))


def test_an_unknown_variable_in_a_shared_layout_is_reported_once_at_its_line(
        tmp_path: Path, sender: SenderProfile) -> None:
    tree = _tree(tmp_path)
    layout = tree / "fr" / "_layout.html"
    lines = layout.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if "{% block refs %}" in line)
    lines.insert(at + 1, "<p>{{ debtor_nickname }}</p>")
    layout.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_templates(tree, sender=sender)
    found = [p for p in report.problems if "debtor_nickname" in p.message]
    assert len(found) == 1, [p.format_message() for p in found]
    [problem] = found
    assert problem.file == str(layout) and problem.line == at + 2
    # No kind that extends the layout reports it again, whatever the wording.
    assert not [p for p in report.problems if p.file and "letter.html" in p.file
                and p.file.startswith(str(tree / "fr"))], \
        [p.format_message() for p in report.problems]


def test_a_syntax_error_in_the_common_layout_is_reported_once_at_its_line(
        tmp_path: Path, sender: SenderProfile) -> None:
    tree = _tree(tmp_path)
    layout = tree / "_common" / "layout.html"
    lines = layout.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("<body>"))
    lines.insert(at + 1, "{% if letter.registered %}<p>unclosed</p>")
    layout.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_templates(tree, sender=sender)
    syntax = [p for p in report.problems if "syntax error" in p.message]
    assert len(syntax) == 1, [p.format_message() for p in report.problems]
    assert syntax[0].file == str(layout)
    assert syntax[0].line is not None and syntax[0].line >= at + 2
    assert all(p.file == str(layout) for p in report.problems
               if p.file and p.file.endswith(".html")), \
        [p.format_message() for p in report.problems]


# ---------------------------------------------------------------- Chinese form

ZH_NUMBER = re.compile(r"函号：|函件编号：|协议编号：")


@pytest.mark.parametrize("case", [p for p in demo_case_params()
                                  if p.values[0].locale is Locale.ZH_CN])
def test_chinese_letters_number_quote_and_date_the_chinese_way(rendered: RenderedSet,
                                                               case: Case) -> None:
    text = "".join(pdftotext(rendered[case].pdf).split())
    number = chinese_letter_number(case.kind, case.case_id, case.letter_date or BATCH_DATE)
    assert re.fullmatch(r"[\u4e00-\u9fff]+字〔\d{4}〕第[A-Za-z0-9._-]+号", number)
    if ZH_NUMBER.search(text):  # every kind that prints a letter number prints this one
        assert number in text, case.letter_key
    assert f"{case.case_id}/" not in text, "the Latin letter reference is not printed"
    # GB/T 15834: “ ” quotes, never ASCII or corner quotes, and balanced.
    assert not re.search(r"[\"「」『』]", text), case.letter_key
    assert text.count("“") == text.count("”"), case.letter_key
    if case.kind in (Kind.REMINDER, Kind.FORMAL_NOTICE, Kind.LAWYER_LETTER):
        day = format_date(case.letter_date or BATCH_DATE, Locale.ZH_CN, style="long")
        # The date stands once, in the 落款 after the closing, not in a place line on top.
        assert "北京，" + day not in text
        assert text.count(day) >= 1 and text.rfind(day) > text.rfind("特此"), case.letter_key


# ---------------------------------------------------------------- cross-border remedies


def _to_brussels(case: Case) -> Case:
    return dataclasses.replace(case, address_line1="Rue de la Loi 155", address_line2=None,
                               postal_code="1040", city="Bruxelles", country="BE", region=None)


@pytest.mark.parametrize("kind", [Kind.REMINDER, Kind.FORMAL_NOTICE, Kind.LAWYER_LETTER])
def test_a_letter_to_belgium_names_the_remedies_open_in_belgium(
        renderer: LetterRenderer, sender: SenderProfile, kind: Kind) -> None:
    case = _to_brussels(demo(Locale.FR_FR, kind))
    letter = renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    text = flat(letter.pdf)
    missing = missing_mentions(pdf_text(letter.pdf), renderer.catalog.required_mentions(
        "fr", kind), letter.context.as_dict())
    assert not missing, [m.id for m in missing]
    assert "règlement collectif de dettes au tribunal du travail" in text
    assert "médiation de dettes agréé" in text
    assert "Centre Européen des Consommateurs Belgique (www.cecbelgique.be)" in text
    # The Banque de France procedure is not offered as if it were open to this debtor.
    assert "vous pouvez aussi déposer gratuitement un dossier auprès de la commission" not in text
    assert "vous pouvez déposer gratuitement un dossier auprès de la commission" not in text
    assert "article L711-1 du code de la consommation" in text
    # A debtor in France is sent to the commission and to nothing of the above.
    home = render(renderer, sender, demo(Locale.FR_FR, kind))
    assert "commission de surendettement des particuliers de la Banque de France" in home
    assert "règlement collectif" not in home and "ECC-Net" not in home


def test_the_demo_case_in_belgium_gets_the_belgian_remedies(rendered: RenderedSet) -> None:
    [case] = [c for c in DEMO_CASES if c.country == "BE"]
    text = flat(rendered[case].pdf)
    assert "règlement collectif de dettes" in text and "cecbelgique.be" in text


# ---------------------------------------------------------------- companies

BOTH_FORMS = re.compile(r"\w\((?:e|es|ă|a|ul)\)|Subsemnatul/Subsemnata|\w+ul/\w+a\b")
COMPANIES = {"fr": "Transports Martin SAS", "zh": "深圳示例科技有限公司",
             "ro": "Exemplu Construct S.R.L."}


@pytest.mark.parametrize("case", demo_case_params())
def test_a_company_is_addressed_as_a_company(renderer: LetterRenderer, sender: SenderProfile,
                                             case: Case) -> None:
    """Every kind, Word ones included: no both-genders forms, no civility, no individual's
    signature (Chinese forms: seal and legal representative, no fingerprint)."""
    name = COMPANIES[case.locale.language]
    company = dataclasses.replace(case, debtor_title=None, debtor_name=name)
    text = render(renderer, sender, company)
    assert not BOTH_FORMS.findall(text), (case.letter_key, BOTH_FORMS.findall(text))
    squeezed = "".join(text.split())
    assert "".join(name.split()) in squeezed
    assert not re.search(r"\b(?:M\.|Mme|Dl\.|Dna\.) " + re.escape(name), text)
    assert "domnule" not in text and "Subsemnat" not in text
    if case.locale is Locale.ZH_CN and case.kind in (Kind.COMMITMENT_FORM,
                                                     Kind.PLAN_AGREEMENT):
        assert "捺印" not in squeezed and "法定代表人或授权代表" in squeezed, case.letter_key
        assert "身份证件号码" not in squeezed and "统一社会信用代码" in squeezed
    if case.locale is Locale.ZH_CN and case.kind is Kind.COMMITMENT_FORM:
        assert "本人" not in squeezed and "本公司" in squeezed


# ---------------------------------------------------------------- the firm's voice

FIRM_VOICE = {
    Locale.FR_FR: ["agissant pour le compte de Banque Exemple SA", "Ma cliente m'indique",
                   "au nom de ma cliente", "mes honoraires restent à la charge de ma cliente"],
    Locale.ZH_CN: ["北京示例律师事务所（以下简称“本所”）接受", "指派本所王立明律师",
                   "委托人已告知本所", "本所律师受托特此函告"],
    Locale.RO_RO: ["prin avocat Mihai Popa", "în numele clientului nostru",
                   "conform împuternicirii avocațiale"],
}
BANK_VOICE = {
    Locale.FR_FR: ["Nous vous prions d'agréer", "écrivez-nous", "nos précédentes relances"],
    Locale.ZH_CN: ["本行将", "本行可", "本行网点", "本行不因"],
    Locale.RO_RO: ["vă notifică următoarele. Recuperarea", "prin mandatar"],
}


@pytest.mark.parametrize("locale", list(Locale))
def test_the_lawyer_letter_speaks_as_the_firm_for_its_client(rendered: RenderedSet,
                                                             locale: Locale) -> None:
    text = "".join(flat(rendered[demo(locale, Kind.LAWYER_LETTER)].pdf).split())
    for phrase in FIRM_VOICE[locale]:
        assert "".join(phrase.split()) in text, (locale, phrase)
    for phrase in BANK_VOICE[locale]:
        assert "".join(phrase.split()) not in text, (locale, phrase)


@pytest.mark.parametrize("case", [p for p in demo_case_params()
                                  if p.values[0].kind is Kind.PLAN_AGREEMENT])
def test_the_plan_states_its_duration_from_its_own_count(rendered: RenderedSet,
                                                         case: Case) -> None:
    """24 monthly instalments last 24 months, the first period included (not 23)."""
    letter = rendered[case]
    plan = letter.context.plan
    assert plan is not None and plan.frequency == "monthly"
    assert plan.months == plan.count
    if case.locale is Locale.FR_FR:
        text = flat(letter.pdf)
        assert (f"en {plan.count} échéances mensuelles" in text
                and f"soit une durée de {plan.count} mois" in text), case.letter_key


@pytest.mark.parametrize("kind", [Kind.COMMITMENT_FORM, Kind.FORMAL_NOTICE, Kind.LAWYER_LETTER])
def test_an_overdraft_is_claimed_as_a_debit_balance(renderer: LetterRenderer,
                                                    sender: SenderProfile, kind: Kind) -> None:
    case = dataclasses.replace(demo(Locale.FR_FR, kind), product=Product.OVERDRAFT,
                               acceleration_date=None)
    case = dataclasses.replace(case, amounts=dataclasses.replace(case.amounts,
                                                                 penalties=Decimal("0")))
    assert case.product is Product.OVERDRAFT
    letter = renderer.render(case, sender.entity(case.locale), batch_date=BATCH_DATE)
    text = flat(letter.pdf)
    missing = missing_mentions(pdf_text(letter.pdf), renderer.catalog.required_mentions(
        "fr", kind), letter.context.as_dict())
    assert not missing, [m.id for m in missing]
    assert "contrat d'autorisation de découvert" in text
    assert "contrat de autorisation" not in text
    assert "Solde débiteur du compte au titre du découvert" in text
    assert "échéances impayées" not in text


@pytest.mark.parametrize("kind", [Kind.REMINDER, Kind.LAWYER_LETTER, Kind.PLAN_AGREEMENT])
def test_a_romanian_letter_to_another_eu_state_names_the_ecc(
        renderer: LetterRenderer, sender: SenderProfile, kind: Kind) -> None:
    home = demo(Locale.RO_RO, kind)
    abroad = dataclasses.replace(home, address_line1="Friedrichstraße 10", address_line2=None,
                                 postal_code="10117", city="Berlin", country="DE", region=None)
    assert "Centrului European al Consumatorilor" in render(renderer, sender, abroad)
    assert "Centrului European al Consumatorilor" not in render(renderer, sender, home)
