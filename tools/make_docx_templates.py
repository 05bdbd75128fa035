# ruff: noqa: E501  (long lines are approved legal wording, kept whole for review)
"""Build the DOCX templates (lawyer_letter, plan_agreement in fr, zh, ro) with python-docx.

Run ``python tools/make_docx_templates.py`` to regenerate
``templates/<lang>/<kind>/letter.docx``. The wording follows the approved HTML templates of the
same kind (templates/<lang>/<kind>/letter.html); a legal team may then edit the .docx in Word.

The documents use real Word styles (Normal, Title, Subtitle, Heading 2), a first-page header
with the letterhead, a short header on later pages, a footer with "page X of Y" fields
(PAGE / NUMPAGES) and docxtpl tags: ``{%p if %}`` paragraphs, ``{%tr for %}`` table rows.
Case data is escaped by the engine; nothing here marks any value safe.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Lang:
    code: str
    latin_font: str
    cjk_font: str
    word_lang: str
    page: tuple[str, str, str]  # text before PAGE, between PAGE and NUMPAGES, after NUMPAGES
    justify: bool = True


LANGS = {
    "fr": Lang("fr", "Liberation Serif", "Noto Serif CJK SC", "fr-FR", ("Page ", " sur ", "")),
    "ro": Lang("ro", "Liberation Serif", "Noto Serif CJK SC", "ro-RO", ("Pagina ", " din ", "")),
    "zh": Lang("zh", "Noto Serif CJK SC", "Noto Serif CJK SC", "zh-CN", ("第", "页 共", "页")),
}


# ---- building blocks -------------------------------------------------------------------------

@dataclass(frozen=True)
class P:
    """A paragraph; **bold** segments; style is a Word style name."""

    text: str
    style: str = "Normal"
    align: str | None = None
    indent_cm: float = 0.0
    first_line_cm: float = 0.0
    space_after: float | None = None


@dataclass(frozen=True)
class Table:
    """A table: header row, then rows. A row is a list of cells, or ("tr", "tag") for a
    docxtpl row tag ({%tr ... %}), which must sit alone in its own row."""

    header: Sequence[str]
    rows: Sequence[Any]
    widths_cm: Sequence[float]
    numeric: Sequence[int] = ()
    bold_last: bool = False


def IF(cond: str, *blocks: Any) -> list[Any]:
    return [P("{%p if " + cond + " %}"), *blocks, P("{%p endif %}")]


def IF_ELSE(cond: str, yes: Sequence[Any], no: Sequence[Any]) -> list[Any]:
    return [P("{%p if " + cond + " %}"), *yes, P("{%p else %}"), *no, P("{%p endif %}")]


def address_block(service: str) -> list[Any]:
    # The window-envelope block: already laid out by address.py (<= 6 lines).
    return [P("{%p for line in debtor.address_lines %}"),
            P("{{ line }}", indent_cm=9.5, space_after=0),
            P("{%p endfor %}"),
            P("{%p if letter.registered %}"),
            P(service + "{% if letter.tracking_number %} {{ letter.tracking_number }}"
              "{% endif %}", "Registered", indent_cm=9.5),
            P("{%p endif %}")]


# ---- document setup --------------------------------------------------------------------------

def _set_fonts(style: Any, lang: Lang, size: float | None = None, bold: bool | None = None) -> None:
    font = style.font
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):  # theme fonts would win over the named ones
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), lang.latin_font)
    fonts.set(qn("w:eastAsia"), lang.cjk_font)
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), lang.word_lang)
    lang_el.set(qn("w:eastAsia"), "zh-CN")


def _new_document(lang: Lang) -> Any:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.2), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(0.8), Cm(0.8)
    styles = doc.styles
    _set_fonts(styles["Normal"], lang, 10.5)
    normal = styles["Normal"].paragraph_format
    normal.space_after, normal.line_spacing = Pt(5), 1.1
    _set_fonts(styles["Title"], lang, 16, True)
    title = styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(2)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the default Title has a rule below it
        ppr.remove(border)
    _set_fonts(styles["Subtitle"], lang, 11, False)
    styles["Subtitle"].font.italic = False
    styles["Subtitle"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(styles["Heading 2"], lang, 11, True)
    h2 = styles["Heading 2"].paragraph_format
    h2.space_before, h2.space_after, h2.keep_with_next = Pt(8), Pt(3), True
    for name in ("Header", "Footer"):
        _set_fonts(styles[name], lang, 8.5)
    letterhead = styles.add_style("Letterhead", 1)
    letterhead.base_style = styles["Header"]
    _set_fonts(letterhead, lang, 9)
    letterhead.paragraph_format.space_after = Pt(0)
    registered = styles.add_style("Registered", 1)
    registered.base_style = styles["Normal"]
    _set_fonts(registered, lang, 9, True)
    small = styles.add_style("Small Print", 1)
    small.base_style = styles["Normal"]
    _set_fonts(small, lang, 8.5)
    return doc


def _add_runs(paragraph: Any, text: str) -> None:
    for i, piece in enumerate(re.split(r"\*\*", text)):
        if piece:
            paragraph.add_run(piece).bold = bool(i % 2)


def _add_paragraph(container: Any, block: P, lang: Lang) -> Any:
    p = container.add_paragraph(style=block.style)
    _add_runs(p, block.text)
    fmt = p.paragraph_format
    if block.align == "center":
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif block.align == "right":
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif block.style == "Normal" and lang.justify and not block.text.startswith("{%"):
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.indent_cm:
        fmt.left_indent = Cm(block.indent_cm)
    if block.first_line_cm:
        fmt.first_line_indent = Cm(block.first_line_cm)
    if block.space_after is not None:
        fmt.space_after = Pt(block.space_after)
    return p


def _add_field(paragraph: Any, instr: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instr} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:color"), "808080")
        borders.append(el)
    tbl_pr.append(borders)


def _add_table(doc: Any, block: Table) -> None:
    table = doc.add_table(rows=1, cols=len(block.header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    for i, title in enumerate(block.header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        _add_runs(cell.paragraphs[0], f"**{title}**" if title else "")
    # Repeat the header row on every page of a long schedule.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)
    for n, row in enumerate(block.rows):
        cells = table.add_row().cells
        if isinstance(row, tuple):  # ("tr", tag): a docxtpl row tag alone in its row
            cells[0].text = row[1]
            continue
        last = block.bold_last and n == len(block.rows) - 1
        for i, text in enumerate(row):
            para = cells[i].paragraphs[0]
            _add_runs(para, f"**{text}**" if last and text else text)
            if i in block.numeric:
                para.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.autofit = False  # LibreOffice follows the grid widths only without autofit
    for column, width in zip(table.columns, block.widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, block.widths_cm, strict=True):
            cell.width = Cm(width)
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(1)
    doc.add_paragraph(style="Normal").paragraph_format.space_after = Pt(2)


def build(lang: Lang, head_first: Sequence[str], head_later: str, footer_legal: str,
          blocks: Sequence[Any]) -> Any:
    doc = _new_document(lang)
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    first = section.first_page_header.paragraphs[0]
    first.style = doc.styles["Letterhead"]
    _add_runs(first, head_first[0])
    for line in head_first[1:]:
        p = section.first_page_header.add_paragraph(style="Letterhead")
        _add_runs(p, line)
    later = section.header.paragraphs[0]
    later.style = doc.styles["Header"]
    _add_runs(later, head_later)
    for footer in (section.first_page_footer, section.footer):
        legal = footer.paragraphs[0]
        legal.style = doc.styles["Footer"]
        legal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_runs(legal, footer_legal)
        pages = footer.add_paragraph(style="Footer")
        pages.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        before, middle, after = lang.page
        pages.add_run(before)
        _add_field(pages, "PAGE")
        pages.add_run(middle)
        _add_field(pages, "NUMPAGES")
        if after:
            pages.add_run(after)
    body = doc.paragraphs[0]._p if doc.paragraphs else None
    if body is not None:  # python-docx's blank template starts with no paragraph; be sure
        body.getparent().remove(body)
    for block in _flatten(blocks):
        if isinstance(block, Table):
            _add_table(doc, block)
        else:
            _add_paragraph(doc, block, lang)
    props = doc.core_properties
    props.author, props.title = "notice_factory", ""
    props.comments = "Generated by tools/make_docx_templates.py; edit in Word if needed."
    return doc


def _flatten(blocks: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for b in blocks:
        if isinstance(b, list):
            out.extend(_flatten(b))
        else:
            out.append(b)
    return out


# ---- French ------------------------------------------------------------------------------------

NB = "\u00a0"
FR_CIV = ('{% if debtor.title in ("M.", "M", "Monsieur") %}Monsieur{% elif debtor.title in '
          '("Mme", "Mme.", "Madame", "Mlle", "Mademoiselle") %}Madame{% else %}Madame, Monsieur'
          '{% endif %}')
FR_PRODUCT = ('{% if case.product == "credit_card" %}crédit renouvelable associé à une carte de '
              'crédit{% elif case.product == "personal_loan" %}prêt personnel{% elif case.product '
              '== "consumer_credit" %}crédit à la consommation{% elif case.product == "overdraft" %}'
              'autorisation de découvert{% else %}facture{% endif %}')
FR_CONTRACT_DU = ('{% if case.product == "invoice" %}de la facture n°' + NB + '{{ case.contract_ref }}'
                  '{% if case.contract_date %} du {{ case.contract_date }}{% endif %}{% else %}du '
                  'contrat de ' + FR_PRODUCT + ' n°' + NB + '{{ case.contract_ref }}{% if '
                  'case.contract_date %} conclu le {{ case.contract_date }}{% endif %}{% endif %}')
FR_SERVICE = ("{% if letter.acknowledgement %}Lettre recommandée avec avis de réception"
              "{% else %}Lettre recommandée{% endif %}")
FR_FOOTER = ("{{ creditor.name }}{% if creditor.legal_form %} · {{ creditor.legal_form }}{% endif %}"
             "{% if creditor.registration %} · {{ creditor.registration }}{% endif %}")


def fr_amounts(heading: str) -> list[Any]:
    return [
        P(heading, "Heading 2"),
        Table(["", "Montant"], [
            ['{% if case.product == "invoice" %}Montant principal de la facture{% else %}Capital'
             '{% endif %}', "{{ amounts.principal }}"],
            ["Intérêts {% if case.consumer_credit %}échus au taux du contrat{% else %}de retard"
             "{% endif %}", "{{ amounts.interest }}"],
            ("tr", "{%tr if 'fees' in amounts.nonzero %}"),
            ["Accessoires" + NB + ": frais prévus au contrat", "{{ amounts.fees }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'penalties' in amounts.nonzero %}"),
            ["{% if case.consumer_credit %}Indemnité (article L312-39 du code de la consommation)"
             "{% else %}Pénalités de retard prévues au contrat{% endif %}", "{{ amounts.penalties }}"],
            ("tr", "{%tr endif %}"),
            ["Total dû au {{ letter.date }}", "{{ amounts.total }}"],
        ], widths_cm=[12.0, 4.5], numeric=[1], bold_last=True),
        P("Soit, en toutes lettres" + NB + ": {{ amounts.total_words }}."),
    ]


def fr_pay() -> list[Any]:
    return [
        P("Modalités de paiement", "Heading 2"),
        P("Par virement bancaire au bénéfice de {{ payment.payee }}{% if payment.bank %} "
          "({{ payment.bank }}){% endif %}" + NB + ":{% if payment.iban %} IBAN {{ payment.iban }}"
          "{% endif %}{% if payment.bic %} – BIC {{ payment.bic }}{% endif %}{% if payment.account %}"
          " – compte n°" + NB + "{{ payment.account }}{% endif %}."),
        P("Référence à indiquer impérativement avec votre paiement" + NB + ": **{{ payment.reference }}**."
          "{% if payment.note %} {{ payment.note }}{% endif %}"),
    ]


def fr_org(o: str) -> str:
    return (f"{{{{ {o}.name }}}}{{% for line in {o}.address_lines %}}, {{{{ line }}}}{{% endfor %}}"
            f"{{% if {o}.phone %}}, tél." + NB + f"{{{{ {o}.phone }}}}{{% endif %}}{{% if {o}.email %}}, "
            f"{{{{ {o}.email }}}}{{% endif %}}{{% if {o}.website %}}, {{{{ {o}.website }}}}{{% endif %}}")


def fr_notices(write_to: str) -> list[Any]:
    return [
        P("Réclamations", "Heading 2"),
        P("Pour toute question, ou si vous contestez tout ou partie des sommes réclamées, "
          + write_to + " en rappelant la référence {{ letter.reference }}. Vous pouvez également "
          "vous adresser à" + NB + ":", "Small Print"),
        P("{%p for c in complaints %}"),
        P(fr_org("c") + ".{% if c.note %} {{ c.note }}{% endif %}", "Small Print", indent_cm=0.5),
        P("{%p endfor %}"),
        P("Médiation de la consommation", "Heading 2"),
        P("Conformément aux articles L612-1 et L616-1 du code de la consommation, si votre "
          "réclamation écrite n'a pas abouti, vous pouvez saisir gratuitement le médiateur" + NB
          + ": " + fr_org("mediator") + ".{% if mediator.note %} {{ mediator.note }}{% endif %}",
          "Small Print"),
        P("Protection des données personnelles", "Heading 2"),
        P("{{ privacy.note }} Pour exercer vos droits" + NB + ": " + fr_org("privacy") + ".",
          "Small Print"),
    ]


def fr_refs(first_label: str, extra: str = "") -> list[Any]:
    return [
        P(first_label + NB + ": {{ letter.reference }}" + extra + " (à rappeler dans toute "
          "correspondance)", space_after=0),
        P("Créancier" + NB + ": {{ creditor.name }}", space_after=0),
        P("Référence du contrat" + NB + ': {% if case.product == "invoice" %}facture{% else %}'
          "contrat{% endif %} n°" + NB + "{{ case.contract_ref }}{% if case.contract_date %} du "
          "{{ case.contract_date }}{% endif %}", space_after=0),
        P("Dossier" + NB + ": {{ case.id }}"),
    ]


def fr_lawyer_letter() -> Any:
    lang = LANGS["fr"]
    head = ["**{{ lawyer.firm }}**", "{{ lawyer.name }} – {{ lawyer.bar }}{% if lawyer.licence %}"
            " – {{ lawyer.licence }}{% endif %}", "{{ lawyer.address_lines|join(' – ') }}",
            "{% if lawyer.phone %}Tél." + NB + "{{ lawyer.phone }}{% endif %}{% if lawyer.email %}"
            " · {{ lawyer.email }}{% endif %}"]
    blocks = [
        *address_block(FR_SERVICE),
        P("{{ letter.place_date }}", align="right"),
        *fr_refs("Nos références", "{% if lawyer.mandate_ref %} – {{ lawyer.mandate_ref }}{% endif %}"),
        P("**Objet" + NB + ": {{ creditor.name }} / {{ debtor.name }} – mise en demeure de payer**"),
        P(FR_CIV + ","),
        P("Je vous écris en qualité d'avocat, agissant pour le compte de {{ creditor.name }}"
          "{% if creditor.legal_form %}, {{ creditor.legal_form }}{% endif %}{% if "
          "creditor.registration %}, {{ creditor.registration }}{% endif %}{% for line in "
          "creditor.address_lines %}, {{ line }}{% endfor %}, qui m'a confié la défense de ses "
          "intérêts dans ce dossier et m'a demandé de vous adresser la présente lettre."),
        P("Ma cliente m'indique qu'au titre " + FR_CONTRACT_DU + ", les sommes échues depuis le "
          "{{ case.due_date }} demeurent impayées malgré les relances qui vous ont été adressées, "
          "soit un retard de {{ case.days_overdue }} jours."),
        *fr_amounts("Nature et montant des sommes dues"),
        P("**Je vous demande en conséquence, au nom de ma cliente, de régler la somme de "
          "{{ amounts.total }} dans un délai de {{ letter.deadline_days }} jours à compter de la "
          "date de la présente lettre, soit au plus tard le {{ letter.deadline }}**, par virement "
          "sur le compte de ma cliente selon les modalités indiquées ci-dessous."),
        P("La présente lettre vaut mise en demeure au sens de l'article 1344 du code civil. Elle "
          "fait courir sur les sommes dues des intérêts moratoires au taux légal (articles 1231-6 "
          "et 1344-1 du code civil){% if case.consumer_credit %}, ou au taux du contrat lorsque "
          "celui-ci s'applique en vertu de l'article L312-39 du code de la consommation{% endif %}. "
          "Aucune autre somme que celles détaillées ci-dessus ne vous est réclamée" + "\u202f" + "; en "
          "particulier, mes honoraires restent à la charge de ma cliente."),
        P("Si vous n'êtes pas en mesure de régler cette somme en une seule fois, je vous invite à "
          "prendre contact avec moi{% if lawyer.phone %} ({{ lawyer.phone }}){% endif %} ou "
          "directement avec ma cliente ({{ creditor.phone }}) avant cette date" + NB + ": un "
          "échéancier de paiement pourra être examiné. Si vous ne parvenez plus à faire face à "
          "l'ensemble de vos dettes, vous pouvez aussi déposer gratuitement un dossier auprès de "
          "la commission de surendettement des particuliers de la Banque de France."),
        *IF("case.new_credit_law",
            P("Mesures de renégociation (article L312-35-1 du code de la consommation)", "Heading 2"),
            P("Avant d'envisager toute procédure d'exécution, nous sommes disposés à examiner avec "
              "vous des mesures de renégociation adaptées à votre situation, notamment" + NB + ": "
              "un refinancement total ou partiel de votre crédit, un allongement de sa durée, un "
              "report de tout ou partie des échéances, une réduction du taux débiteur, un "
              "rééchelonnement des échéances impayées ou une remise partielle de la dette. Pour en "
              "bénéficier, contactez-nous au {{ creditor.phone }}. Vous pouvez aussi vous faire "
              "accompagner gratuitement par un service de conseil en matière d'endettement ou un "
              "point conseil budget.")),
        P("À défaut de règlement ou d'accord dans ce délai, ma cliente se réserve la possibilité "
          "de saisir la juridiction compétente afin d'obtenir un titre exécutoire."),
        P("Conformément à l'article 8.2 du Règlement intérieur national de la profession d'avocat, "
          "je vous informe que vous avez la possibilité de consulter l'avocat de votre choix. Si "
          "vous le faites, je vous invite à me communiquer son nom et ses coordonnées, afin que je "
          "puisse échanger directement avec lui."),
        *fr_pay(),
        P("Je vous prie d'agréer, " + FR_CIV + ", l'expression de mes salutations distinguées."),
        P("{{ lawyer.name }}", indent_cm=9.5, space_after=0),
        P("{{ lawyer.bar }}", indent_cm=9.5),
        *fr_notices("vous pouvez m'écrire ou écrire à ma cliente"),
    ]
    footer = ("{{ lawyer.firm }} · {{ lawyer.bar }}{% if lawyer.licence %} · {{ lawyer.licence }}"
              "{% endif %}")
    return build(lang, head, "{{ lawyer.firm }} – {{ letter.reference }}", footer, blocks)


def fr_plan_agreement() -> Any:
    lang = LANGS["fr"]
    head = ["**{{ creditor.name }}**", "{{ creditor.address_lines|join(' – ') }}",
            "{% if creditor.phone %}{{ creditor.phone }}{% endif %}{% if creditor.email %} · "
            "{{ creditor.email }}{% endif %}{% if creditor.website %} · {{ creditor.website }}"
            "{% endif %}"]
    blocks = [
        *address_block(FR_SERVICE),
        P("{{ letter.place_date }}", align="right"),
        *fr_refs("Notre référence"),
        P("Plan de remboursement amiable", "Title"),
        P("n° {{ letter.reference }} du {{ letter.date }}", "Subtitle"),
        P("Entre les soussignés" + NB + ":"),
        P("**{{ creditor.name }}**{% if creditor.legal_form %}, {{ creditor.legal_form }}{% endif %}"
          "{% if creditor.registration %}, {{ creditor.registration }}{% endif %}{% for line in "
          "creditor.address_lines %}, {{ line }}{% endfor %}, représentée par {{ sender.signatory }},"
          " ci-après «" + NB + "le créancier" + NB + "», d'une part,"),
        P("et **{% if debtor.title %}{{ debtor.title }} {% endif %}{{ debtor.name }}**, demeurant "
          "{{ debtor.address_lines[1:]|join(', ') }}, ci-après «" + NB + "le débiteur" + NB + "», "
          "d'autre part,"),
        P("il est exposé et convenu ce qui suit. Au titre " + FR_CONTRACT_DU + ", le débiteur reste "
          "redevable envers le créancier de sommes échues et impayées depuis le {{ case.due_date }}."
          " Souhaitant régler sa dette à l'amiable, il a demandé un étalement de son remboursement,"
          " que le créancier accepte aux conditions ci-dessous."),
        P("Article 1 – Montant de la dette", "Heading 2"),
        P("Le débiteur reconnaît devoir au créancier la somme de {{ amounts.total }}, arrêtée au "
          "{{ letter.date }}, qui se décompose comme suit" + NB + ":"),
        *fr_amounts("Détail de la somme due"),
        P("Article 2 – Échéancier de remboursement", "Heading 2"),
        P("Le débiteur s'engage à rembourser cette somme {% if plan.has_down_payment %}par un "
          "premier versement de {{ plan.down_payment }} à la signature du présent plan, puis "
          "{% endif %}en {% if plan.count == 1 %}une échéance unique{% else %}{{ plan.count }} "
          'échéances{% if plan.frequency == "monthly" %} mensuelles{% elif plan.frequency == '
          '"weekly" %} hebdomadaires{% else %} payables toutes les deux semaines{% endif %}'
          "{% endif %}, du {{ plan.first_due_date }} au {{ plan.last_due_date }}{% if plan.count > 1"
          " %}, soit une durée de {{ plan.months }} mois{% endif %}, selon le tableau ci-dessous. "
          "Le montant total à payer au titre du plan s'élève à **{{ plan.total_to_pay }}** "
          "({{ plan.total_to_pay_words }})."),
        Table(["N°", "Date d'échéance", "Montant de l'échéance", "dont intérêts", "dont capital",
               "Capital restant dû"], [
            ("tr", "{%tr if plan.has_down_payment %}"),
            ["–", "À la signature (premier versement)", "{{ plan.down_payment }}", "",
             "{{ plan.down_payment }}", "{{ plan.financed }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr for i in plan.installments %}"),
            ["{{ i.number }}", "{{ i.due_date }}", "{{ i.amount }}", "{{ i.interest }}",
             "{{ i.principal }}", "{{ i.balance }}"],
            ("tr", "{%tr endfor %}"),
            ["", "Total à payer", "{{ plan.total_to_pay }}", "{{ plan.total_interest }}", "", ""],
        ], widths_cm=[1.2, 4.3, 3.0, 2.6, 2.6, 3.0], numeric=[2, 3, 4, 5], bold_last=True),
        P("Les paiements sont effectués par virement au bénéfice de {{ payment.payee }}{% if "
          "payment.iban %}, IBAN {{ payment.iban }}{% endif %}{% if payment.bic %}, BIC "
          "{{ payment.bic }}{% endif %}{% if payment.account %}, compte n°" + NB +
          "{{ payment.account }}{% endif %}, en rappelant la référence **{{ payment.reference }}**. "
          "Le débiteur peut à tout moment rembourser par anticipation tout ou partie du solde, "
          "sans frais."),
        *IF("case.new_credit_law",
            P("Le présent plan constitue une mesure de renégociation au sens de l'article "
              "L312-35-1 du code de la consommation (rééchelonnement des échéances impayées)\u202f; "
              "il est constaté par écrit et un exemplaire est remis au débiteur.")),
        P("Article 3 – Intérêts et frais pendant le plan", "Heading 2"),
        *IF_ELSE("plan.has_interest",
                 [P("La somme étalée ({{ plan.financed }}) porte intérêts au taux annuel fixe de "
                    "{{ plan.annual_rate }}, soit {{ plan.total_interest }} pour toute la durée du "
                    "plan, intérêts compris dans les échéances ci-dessus. Aucune pénalité, aucune "
                    "indemnité ni aucuns frais ne s'y ajoutent tant que le plan est respecté.")],
                 [P("Pendant toute la durée du plan, aucun intérêt, aucune pénalité, aucune "
                    "indemnité ni aucuns frais ne courent sur la somme visée à l'article 1, tant "
                    "que le plan est respecté.")]),
        P("Article 4 – Suspension du recouvrement", "Heading 2"),
        P("Tant que le débiteur respecte l'échéancier, le créancier suspend toute démarche de "
          "recouvrement, amiable ou judiciaire, au titre de la somme visée à l'article 1."),
        P("Article 5 – Fichier national des incidents de remboursement des crédits aux "
          "particuliers (FICP)", "Heading 2"),
        *IF_ELSE("case.consumer_credit",
                 [P("Lorsque le présent plan est conclu avant l'expiration du délai de trente "
                    "jours calendaires suivant l'information préalable prévue à l'article 5 de "
                    "l'arrêté du 26 octobre 2010, il fait obstacle à la déclaration de l'incident "
                    "de paiement au FICP. Si l'incident a déjà été déclaré, le créancier en "
                    "demande la radiation dès le paiement intégral des sommes ayant motivé "
                    "l'inscription.")],
                 [P("La somme due ne résultant pas d'un crédit aux particuliers, elle ne donne "
                    "lieu à aucune déclaration au FICP.")]),
        P("Article 6 – Défaut de paiement", "Heading 2"),
        P("Si une échéance n'est pas payée à sa date, le créancier adresse au débiteur une mise en "
          "demeure par lettre recommandée avec avis de réception. Le plan ne devient caduc que si "
          "cette mise en demeure reste sans effet pendant un délai de trente jours à compter de sa "
          "réception. Le créancier retrouve alors l'exercice de ses droits pour le solde restant "
          "dû, déduction faite de tous les paiements reçus. Le débiteur qui prévoit une difficulté "
          "est invité à prévenir le créancier avant l'échéance" + NB + ": le plan peut être "
          "réexaminé, notamment par un report ou une réduction temporaire des échéances."),
        P("Article 7 – Effets du plan", "Heading 2"),
        P("Le présent plan vaut reconnaissance de dette et interrompt le délai de prescription "
          "(article 2240 du code civil). Il n'emporte pas novation de la créance. Il ne prive pas "
          "le débiteur de la faculté de déposer gratuitement un dossier auprès de la commission de "
          "surendettement des particuliers de la Banque de France. Il prend effet à la date de sa "
          "signature par les deux parties" + NB + "; le débiteur est invité à en retourner un "
          "exemplaire signé au créancier au plus tard le {{ letter.deadline }}."),
        P("Fait en deux exemplaires originaux, dont un pour chacune des parties."),
        Table(["Pour le créancier", "Le débiteur"], [
            ["{{ creditor.name }}, représentée par {{ sender.signatory }}",
             "{% if debtor.title %}{{ debtor.title }} {% endif %}{{ debtor.name }}"],
            ["Date" + NB + ":\n\nSignature" + NB + ":\n\n\n",
             "Date" + NB + ":\n\nSignature, précédée de la mention «" + NB + "Lu et approuvé" + NB
             + "»" + NB + ":\n\n\n"],
        ], widths_cm=[8.3, 8.3]),
        *fr_notices("écrivez-nous"),
    ]
    return build(lang, head, "{{ creditor.name }} – {{ letter.reference }}", FR_FOOTER, blocks)


# ---- Romanian and Chinese ----------------------------------------------------------------------

RO_SALUTATION = ("{% if debtor.title in ('Dl.', 'Dl', 'Domnul', 'D-l', 'D-l.') %}Stimate domnule "
                 "{{ debtor.name }},{% elif debtor.title in ('Dna.', 'Dna', 'Doamna', 'D-na', "
                 "'D-na.', 'Dra.', 'D-ra') %}Stimată doamnă {{ debtor.name }},{% else %}Stimată "
                 "doamnă, stimate domn,{% endif %}")
RO_CONTRACT = ("{% if case.product == 'credit_card' %}contractului de emitere și utilizare a cardului de credit"
               "{% elif case.product == 'personal_loan' %}contractului de credit de nevoi personale"
               "{% elif case.product == 'consumer_credit' %}contractului de credit pentru consum"
               "{% elif case.product == 'overdraft' %}contractului de facilitate de descoperit de cont (overdraft)"
               "{% else %}facturii{% endif %} nr. {{ case.contract_ref }}{% if case.contract_date %} din "
               "{{ case.contract_date }}{% endif %}")
RO_SERVICE = "Scrisoare recomandată{% if letter.acknowledgement %} cu confirmare de primire{% endif %}"


def ro_lawyer_letter() -> Any:
    lang = LANGS["ro"]
    head = ["**{{ lawyer.firm }}**", "{{ lawyer.name }} – {{ lawyer.bar }} – {{ lawyer.licence }}",
            "{{ lawyer.address_lines|join(' – ') }}",
            "{% if lawyer.phone %}Tel. {{ lawyer.phone }}{% endif %}{% if lawyer.email %} · {{ lawyer.email }}{% endif %}"]
    blocks = [
        *address_block(RO_SERVICE),
        P("{{ letter.place_date }}", align="right"),
        P("Nr. {{ letter.reference }} · Creditor: {{ creditor.name }} · Dosar: {{ case.id }}"),
        P("Notificare prin avocat", "Title"),
        P("de punere în întârziere și somație de plată", "Subtitle"),
        P(RO_SALUTATION),
        P("Subscrisa {{ creditor.name }}, {{ creditor.legal_form }}, {{ creditor.registration }}, cu sediul în "
          "{{ creditor.address_lines|join(', ') }}, în calitate de creditor, prin avocat {{ lawyer.name }} "
          "({{ lawyer.bar }}, {{ lawyer.licence }}; forma de exercitare a profesiei: {{ lawyer.firm }}; mandat: "
          "{{ lawyer.mandate_ref }}), vă notifică următoarele."),
        P("**1. Obligația neexecutată.** În temeiul " + RO_CONTRACT + ", încheiat cu clientul nostru, v-ați "
          "obligat să achitați sumele datorate la scadențele convenite. Începând cu data de {{ case.due_date }} "
          "aceste obligații nu au mai fost îndeplinite; întârzierea este, la data prezentei, de "
          "{{ case.days_overdue }} zile. Creanța este certă, lichidă și exigibilă și rezultă din contract și din "
          "extrasele de cont aferente."),
        P("2. Suma datorată clientului nostru la data de {{ letter.date }}", "Heading 2"),
        Table(["", "Suma"], [
            ["Debit principal", "{{ amounts.principal }}"],
            ["Dobânzi", "{{ amounts.interest }}"],
            ("tr", "{%tr if 'fees' in amounts.nonzero %}"),
            ["Comisioane prevăzute în contract", "{{ amounts.fees }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'penalties' in amounts.nonzero %}"),
            ["Penalități de întârziere", "{{ amounts.penalties }}"],
            ("tr", "{%tr endif %}"),
            ["Total datorat", "{{ amounts.total }}"],
        ], widths_cm=[12.0, 4.5], numeric=[1], bold_last=True),
        P("**3. Punerea în întârziere.** În temeiul art. 1521–1523 din Codul civil, în numele clientului nostru, "
          "prin prezenta vă punem în întârziere și vă solicităm să achitați suma totală de **{{ amounts.total }}** "
          "({{ amounts.total_words }}) în termen de **{{ letter.deadline_days }} zile de la primirea prezentei "
          "notificări**. Termenul curge de la data primirii și nu expiră, în niciun caz, înainte de "
          "**{{ letter.deadline }}**. Până la plata integrală, la suma datorată se pot adăuga numai dobânzile "
          "penalizatoare prevăzute de contract și de lege. Prezenta notificare nu generează niciun cost pentru "
          "dumneavoastră: onorariul avocatului este suportat de client."),
        P("**4. Somație de plată.** Prezenta notificare constituie totodată somație în sensul art. 1015 din Codul "
          "de procedură civilă. Dacă suma nu este achitată în termenul de mai sus, clientul nostru poate formula la "
          "instanța competentă o cerere de emitere a ordonanței de plată, potrivit art. 1014 și următoarele din "
          "Codul de procedură civilă; în cadrul acelei proceduri veți putea formula apărările pe care le "
          "considerați întemeiate."),
        P("**5. Biroul de Credit.** În cazul întârzierilor mai mari de 30 de zile, datele privind restanța pot fi "
          "transmise de creditor Biroului de Credit S.A. numai după expirarea unui termen de cel puțin 15 zile de "
          "la primirea prezentei notificări, care constituie informarea dumneavoastră prealabilă în acest sens. "
          "Dacă achitați restanța în acest termen, aceste date nu vor fi transmise."),
        P("Modalitatea de plată", "Heading 2"),
        P("Prin virament bancar către {{ payment.payee }}{% if payment.bank %}, {{ payment.bank }}{% endif %}"
          "{% if payment.iban %}, IBAN {{ payment.iban }}{% endif %}{% if payment.bic %}, BIC {{ payment.bic }}"
          "{% endif %}, cu mențiunea **{{ payment.reference }}**.{% if payment.note %} {{ payment.note }}{% endif %}"),
        P("**6. Soluții amiabile și consultarea unui avocat.** Dacă nu puteți achita integral suma în termenul "
          "acordat, vă invităm să ne contactați înainte de expirarea lui, pentru a propune clientului nostru "
          "încheierea unei convenții de eșalonare la plată, fără costuri suplimentare. Aveți dreptul să consultați "
          "un avocat ales de dumneavoastră; în acest caz, vă rugăm să ne comunicați numele și datele sale de "
          "contact, pentru ca orice corespondență ulterioară să fie purtată prin intermediul său. Ne puteți "
          "contacta la telefon {{ lawyer.phone }}{% if lawyer.email %} sau la {{ lawyer.email }}{% endif %}; "
          "programul de lucru cu publicul este {{ creditor.hours }}. Vă puteți adresa și direct creditorului, la "
          "telefon {{ creditor.phone }}. Dacă ați achitat între timp suma, vă rugăm să considerați prezenta "
          "notificare fără obiect."),
        P("Cu stimă,", indent_cm=9.5, space_after=0),
        P("**{{ lawyer.name }}**, avocat", indent_cm=9.5, space_after=0),
        P("{{ lawyer.firm }} · {{ lawyer.bar }}", indent_cm=9.5, space_after=0),
        P("pentru {{ creditor.name }}, conform {{ lawyer.mandate_ref }}", "Small Print", indent_cm=9.5),
        P("Drepturile dumneavoastră", "Heading 2"),
        P("{%p for c in complaints %}"),
        P("{{ c.name }}{% for line in c.address_lines %}, {{ line }}{% endfor %}{% if c.phone %}, tel. "
          "{{ c.phone }}{% endif %}{% if c.email %}, {{ c.email }}{% endif %}.{% if c.note %} {{ c.note }}{% endif %}",
          "Small Print"),
        P("{%p endfor %}"),
        P("Soluționarea alternativă a litigiilor: {{ mediator.name }}{% if mediator.website %}, "
          "{{ mediator.website }}{% endif %}.{% if mediator.note %} {{ mediator.note }}{% endif %}", "Small Print"),
        P("Protecția datelor: {{ privacy.note }} {{ privacy.name }}{% if privacy.email %}, {{ privacy.email }}"
          "{% endif %}.", "Small Print"),
    ]
    footer = "{{ lawyer.firm }} · {{ lawyer.bar }} · {{ lawyer.licence }}"
    return build(lang, head, "{{ lawyer.firm }} – {{ letter.reference }}", footer, blocks)


ZH_PRODUCT = ('{% if case.product == "credit_card" %}信用卡{% elif case.product == "personal_loan" %}个人贷款'
              '{% elif case.product == "consumer_credit" %}个人消费贷款{% elif case.product == "overdraft" %}'
              '账户透支{% else %}服务费用{% endif %}')
ZH_CONTRACT = ('{% if case.product == "credit_card" %}《信用卡领用合约》{% elif case.product == "personal_loan" %}'
               '《个人借款合同》{% elif case.product == "consumer_credit" %}《个人消费贷款合同》{% elif '
               'case.product == "overdraft" %}《个人账户透支协议》{% else %}相关服务合同{% endif %}')


def zh_lawyer_letter() -> Any:
    lang = LANGS["zh"]
    head = ["**{{ lawyer.firm }}**", "{{ lawyer.address_lines|join(' ') }}",
            "{% if lawyer.phone %}电话：{{ lawyer.phone }}{% endif %}{% if lawyer.email %}  {{ lawyer.email }}{% endif %}"]
    ind = 0.74  # two CJK characters of first-line indent
    blocks = [
        *address_block("挂号信{% if letter.acknowledgement %}（附回执）{% endif %}"),
        P("{{ letter.place_date }}", align="right"),
        P("函号：{{ letter.reference }}"),
        P("律师函", "Title"),
        P("（关于催告偿还" + ZH_PRODUCT + "欠款事宜）", "Subtitle"),
        P("致：{{ debtor.name }}{{ debtor.title }}"),
        P("{{ lawyer.firm }}（以下简称「本所」）接受{{ creditor.name }}（以下简称「委托人」）的委托，经委托人书面授权委托"
          "（{{ lawyer.mandate_ref }}），指派本所{{ lawyer.name }}就您拖欠委托人" + ZH_PRODUCT + "欠款一事，郑重致函如下：",
          first_line_cm=ind),
        P("一、基本事实", "Heading 2"),
        P("根据委托人提供的" + ZH_CONTRACT + "{% if case.contract_date %}（签订日期：{{ case.contract_date }}）{% endif %}"
          "及账户记录等材料，您在委托人处编号为{{ case.contract_ref }}的" + ZH_PRODUCT + "账户自{{ case.due_date }}起未按约定"
          "履行还款义务，截至{{ letter.date }}已逾期{{ case.days_overdue }}天。截至该日，您尚欠委托人款项共计"
          "{{ amounts.total_figures_zh }}（大写：{{ amounts.total_words }}），明细如下：", first_line_cm=ind),
        Table(["项目", "金额"], [
            ["本金", "{{ amounts.principal }}"],
            ["利息", "{{ amounts.interest }}"],
            ("tr", "{%tr if 'fees' in amounts.nonzero %}"),
            ["费用", "{{ amounts.fees }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'penalties' in amounts.nonzero %}"),
            ["违约金", "{{ amounts.penalties }}"],
            ("tr", "{%tr endif %}"),
            ["合计", "{{ amounts.total_figures_zh }}"],
        ], widths_cm=[10.0, 6.5], numeric=[1], bold_last=True),
        P("二、法律依据", "Heading 2"),
        P("《中华人民共和国民法典》第五百零九条第一款规定：「当事人应当按照约定全面履行自己的义务。」第五百七十七条规定："
          "「当事人一方不履行合同义务或者履行合同义务不符合约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。」"
          '{% if case.product in ["personal_loan", "consumer_credit", "overdraft"] %}第六百七十四条规定，借款人应当按照约定的'
          "期限支付利息；第六百七十五条规定，借款人应当按照约定的期限返还借款；第六百七十六条规定：「借款人未按照约定的期限返还"
          "借款的，应当按照约定或者国家有关规定支付逾期利息。」{% endif %}", first_line_cm=ind),
        P("本所律师认为，您未按" + ZH_CONTRACT + "的约定偿还欠款，已构成违约，依法应当承担继续履行即偿还欠款等违约责任。",
          first_line_cm=ind),
        P("三、律师意见及要求", "Heading 2"),
        P("本所律师受托特此函告：请您于**{{ letter.deadline }}**前（即本函出具之日起{{ letter.deadline_days }}日内）将上述"
          "欠款偿还至委托人的下列账户；如您确有还款困难，请在上述期限内与本所或委托人联系，协商还款方案。请勿向本所或任何个人"
          "账户付款。", first_line_cm=ind),
        P("收款人：{{ payment.payee }}{% if payment.bank %}　开户行：{{ payment.bank }}{% endif %}"
          "{% if payment.account %}　账号：{{ payment.account }}{% endif %}　付款附言：**{{ payment.reference }}**"
          "{% if payment.note %}　{{ payment.note }}{% endif %}", indent_cm=ind),
        P("四、法律后果", "Heading 2"),
        P("如您在上述期限内既未清偿欠款，也未与委托人达成还款安排，本所将建议委托人依法向有管辖权的人民法院提起民事诉讼，"
          "请求您偿还欠款本金、利息、违约金及费用，诉讼费用由人民法院依法确定负担。为避免讼累，本所建议您及时与委托人协商解决。",
          first_line_cm=ind),
        P("五、异议、投诉与联系方式", "Heading 2"),
        P("如您对上述事实或欠款金额有异议，或已经清偿，请于上述期限内向本所或委托人提出异议，并提供相关证据（如还款凭证、"
          "交易记录等），本所将及时转交委托人核实。您也可以通过委托人客户服务热线{{ creditor.phone }}{% if creditor.website %}"
          "或网站{{ creditor.website }}{% endif %}查询账户及还款情况。", first_line_cm=ind),
        P("{%p for c in complaints if '12378' not in c.phone %}"),
        P("{{ c.name }}{% if c.phone %}：{{ c.phone }}{% endif %}{% if c.email %}，电子邮箱 {{ c.email }}{% endif %}。",
          indent_cm=ind),
        P("{%p endfor %}"),
        P("如您对委托人的催收行为有异议，可拨打国家金融监督管理总局消费者投诉热线12378进行投诉{% if mediator.name %}，或向"
          "{{ mediator.name }}申请调解{% if mediator.phone %}（电话：{{ mediator.phone }}）{% endif %}{% endif %}。",
          indent_cm=ind),
        P("{%p if lawyer.bar %}"),
        P("如您认为本所律师的执业行为有不当之处，可向{{ lawyer.bar }}反映。", indent_cm=ind),
        P("{%p endif %}"),
        P("个人信息保护", "Heading 2"),
        P("本所仅为处理本委托事项之目的使用您的个人信息，不会向与债务无关的第三人披露本函内容。委托人声明：{{ privacy.note }}",
          first_line_cm=ind),
        P("本函仅向您本人寄送。本律师函系本所律师受委托人委托，就相关事实和法律问题出具的律师意见。如您已在本函出具前结清欠款，"
          "请忽略本函。", first_line_cm=ind),
        P("特此函告。", first_line_cm=ind),
        P("{{ lawyer.firm }}", indent_cm=9.5, space_after=0),
        P("承办律师：{{ lawyer.name }}", indent_cm=9.5, space_after=0),
        P('律师执业证号：{{ lawyer.licence|replace("执业证号", "")|trim }}', indent_cm=9.5, space_after=0),
        P("律师签字：", indent_cm=9.5, space_after=0),
        P("{{ letter.date }}", indent_cm=9.5),
    ]
    footer = "{{ lawyer.firm }}{% if lawyer.licence %} · {{ lawyer.licence }}{% endif %}"
    return build(lang, head, "{{ lawyer.firm }}　{{ letter.reference }}", footer, blocks)


BUILDERS: dict[tuple[str, str], Any] = {
    ("fr", "lawyer_letter"): fr_lawyer_letter,
    ("fr", "plan_agreement"): fr_plan_agreement,
    ("ro", "lawyer_letter"): ro_lawyer_letter,
    ("zh", "lawyer_letter"): zh_lawyer_letter,
}


def main(argv: Sequence[str] = ()) -> int:
    root = Path(argv[0]) if argv else ROOT
    for (lang, kind), builder in sorted(BUILDERS.items()):
        target = root / lang / kind / "letter.docx"
        target.parent.mkdir(parents=True, exist_ok=True)
        builder().save(target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
