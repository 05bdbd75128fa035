# ruff: noqa: E501  (long lines are approved legal wording, kept whole for review)
"""Build the DOCX templates (lawyer_letter, plan_agreement in fr, zh, ro) with python-docx.

Run ``python tools/make_docx_templates.py`` to regenerate
``templates/<lang>/<kind>/letter.docx``. The wording follows the approved HTML templates of the
same kind (templates/<lang>/<kind>/letter.html); a legal team may then edit the .docx in Word.

The documents use real Word styles (Normal, Title, Subtitle, Heading 2), a first-page header
with the letterhead, a short header on later pages, a footer with "page X of Y" fields
(PAGE / NUMPAGES) and docxtpl tags: ``{%p if %}`` paragraphs, ``{%tr for %}`` table rows.
Case data is escaped by the engine; nothing here marks any value safe.

The first page's window block (service line, barcode picture and registered number, the
address lines) is a Word frame anchored to the page at the window envelope's coordinates
(see :class:`Window`), so neither the letterhead nor the text can move it, and the body
starts below it.
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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

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
    "zh": Lang("zh", "Noto Serif CJK SC", "Noto Serif CJK SC", "zh-CN", ("第 ", " 页，共 ", " 页")),
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


@dataclass(frozen=True)
class Box:
    """A framed block (a one-cell table): the HTML's boxes (payment, seal, cover note).

    Each line is a paragraph; a line may be a ``{%p ... %}`` tag.
    """

    lines: Sequence[str]
    width_cm: float
    align: str | None = None
    style: str = "Normal"


def IF(cond: str, *blocks: Any) -> list[Any]:
    return [P("{%p if " + cond + " %}"), *blocks, P("{%p endif %}")]


def IF_ELSE(cond: str, yes: Sequence[Any], no: Sequence[Any]) -> list[Any]:
    return [P("{%p if " + cond + " %}"), *yes, P("{%p else %}"), *no, P("{%p endif %}")]


# Window-envelope geometry (templates/_common/letter.css), millimetres from the sheet's corner:
# the window is 110 mm from the left, 45 mm from the top, 85 x 45 mm; its registered zone
# (service line, barcode and number) is 45-55 mm, its address zone 55-88 mm.
TOP_MARGIN_MM = 20.0
WINDOW_X_MM, WINDOW_W_MM = 110.0, 85.0
REGISTERED_Y_MM, ADDRESS_Y_MM, WINDOW_BOTTOM_MM = 45.0, 55.0, 88.0
SERVICE_LINE_MM = 3.4   # 6.5 pt capitals (HTML .service: 3 mm + the tracking line's margin)
TRACKING_LINE_MM = ADDRESS_Y_MM - REGISTERED_Y_MM - SERVICE_LINE_MM  # barcode 5.5 mm + number
ADDRESS_LINE_MM = 4.6   # 10 pt x 1.3 (HTML .address), 6 lines = 27.6 mm < 33 mm
# Word has no "never wrap" for a paragraph: the frame is 10 mm wider than the window (into the
# right margin, still on the printable sheet) so that even a 38-character line in capitals
# (about 91 mm at 10 pt) stays on its line. Where the HTML clips such a line at the window's
# edge, Word prints its end hidden by the envelope, but never moves the lines below it.
FRAME_W_MM = WINDOW_W_MM + 10.0


@dataclass(frozen=True)
class Window:
    """The first page's window block, at fixed page coordinates whatever the text does.

    A Word frame (``w:framePr`` anchored to the page, exact height, no text beside it) from
    the top margin down to the window's bottom edge: an empty first line reaches 45 mm, then
    the service line, the barcode with the number beside it (both only when the letter has a
    number) and the address lines from 55 mm, one paragraph each, never wrapped. As nothing may
    sit beside the frame, the body text starts below it on page 1, under the letterhead.
    """

    service: str


def address_block(service: str) -> list[Any]:
    # The window-envelope block: already laid out by address.py (<= 6 lines x 38 chars).
    return [Window(service)]


def _mm(value: float) -> str:
    """Millimetres as whole twips, the unit of w:framePr.

    >>> _mm(110), _mm(85)
    ('6236', '4819')
    """
    return str(round(value * 1440 / 25.4))


# What may follow w:framePr in w:pPr (the schema fixes the order of paragraph properties).
_AFTER_FRAMEPR = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
                  "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                  "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                  "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                  "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                  "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _frame(paragraph: Any) -> None:
    el = OxmlElement("w:framePr")
    for name, value in (("w", _mm(FRAME_W_MM)), ("h", _mm(WINDOW_BOTTOM_MM - TOP_MARGIN_MM)),
                        ("hRule", "exact"), ("wrap", "notBeside"), ("hAnchor", "page"),
                        ("vAnchor", "page"), ("x", _mm(WINDOW_X_MM)), ("y", _mm(TOP_MARGIN_MM)),
                        ("hSpace", "0"), ("vSpace", "0")):
        el.set(qn(f"w:{name}"), value)
    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(el, *_AFTER_FRAMEPR)


def _exact(paragraph: Any, height_mm: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Mm(height_mm)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.left_indent = fmt.first_line_indent = Cm(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _add_window(doc: Any, block: Window) -> None:
    def line(style: str, height_mm: float, text: str = "") -> Any:
        p = doc.add_paragraph(style=style)
        if text:
            p.add_run(text)
        _frame(p)
        _exact(p, height_mm)
        return p

    line("Address", REGISTERED_Y_MM - TOP_MARGIN_MM)  # reaches the window's top edge
    line("Registered", SERVICE_LINE_MM,
         "{% if letter.registered %}" + block.service + "{% endif %}")
    tracking = line("Registered", TRACKING_LINE_MM)
    # The engine hands the barcode as a picture (letter.barcode_svg is an image in Word).
    tracking.add_run("{% if letter.tracking_number %}{{ letter.barcode_svg }}")
    number = tracking.add_run("\u2002{{ letter.tracking_number }}{% endif %}")
    number.font.name = "Liberation Mono"
    number.font.size = Pt(7)
    number.font.all_caps = False
    # Raised to the middle of the 5.5 mm barcode, like the HTML's vertical-align: middle.
    position = OxmlElement("w:position")
    position.set(qn("w:val"), "8")  # half-points
    number._r.get_or_add_rPr().append(position)
    line("Address", ADDRESS_LINE_MM, "{%p for line in debtor.address_lines %}")
    line("Address", ADDRESS_LINE_MM, "{{ line }}")
    line("Address", ADDRESS_LINE_MM, "{%p endfor %}")


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
    # A paragraph never splits across pages: a mandatory sentence is read in one piece (and
    # `templates check` finds it whole, not cut by the footer of the page it straddles).
    normal.keep_together = True
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
    _set_fonts(registered, lang, 6.5, True)
    registered.font.all_caps = True  # the HTML's text-transform: uppercase
    address = styles.add_style("Address", 1)
    address.base_style = styles["Normal"]
    _set_fonts(address, lang, 10)
    small = styles.add_style("Small Print", 1)
    small.base_style = styles["Normal"]
    _set_fonts(small, lang, 8.5)
    return doc


def _add_runs(paragraph: Any, text: str) -> None:
    for i, piece in enumerate(re.split(r"\*\*", text)):
        if piece:
            run = paragraph.add_run(piece)
            if i % 2:  # only **marked** text: a bold=False run would unbold bold styles (headings)
                run.bold = True


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


def _keep_row_whole(row: Any) -> None:
    """A row never splits across pages: an instalment, a signature block, a payment box."""
    # First: the schema wants w:cantSplit before w:tblHeader (the only other row property here).
    row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))


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
        _keep_row_whole(row)
        for cell, width in zip(row.cells, block.widths_cm, strict=True):
            cell.width = Cm(width)
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(1)
    doc.add_paragraph(style="Normal").paragraph_format.space_after = Pt(2)


def _add_box(doc: Any, block: Box) -> None:
    table = doc.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER if block.align == "center" else WD_TABLE_ALIGNMENT.LEFT
    _borders(table)
    cell = table.rows[0].cells[0]
    _keep_row_whole(table.rows[0])  # like the HTML .box: page-break-inside: avoid
    table.autofit = False
    table.columns[0].width = cell.width = Cm(block.width_cm)
    for n, line in enumerate(block.lines):
        para = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        para.style = doc.styles[block.style]
        _add_runs(para, line)
        para.paragraph_format.space_after = Pt(1)
        if block.align == "center":
            para.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
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
        elif isinstance(block, Box):
            _add_box(doc, block)
        elif isinstance(block, Window):
            _add_window(doc, block)
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
# The window's service line, as fr/_layout.html prints it (capitals come from the style).
FR_SERVICE = ("{% if letter.acknowledgement %}Lettre recommandée avec AR"
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
        P("Plan d'apurement amiable", "Title"),
        P('Accord sur un échéancier de remboursement – {% if case.product == "invoice" %}facture'
          "{% else %}contrat{% endif %} n°" + NB + "{{ case.contract_ref }}", "Subtitle"),
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


def ro_days(expr: str) -> str:
    """ro/_macros.html days(n): "15 zile", "30 de zile", "101 zile", "1 zi"."""
    return (f"{{{{ {expr} }}}} {{% if {expr} >= 20 and ({expr} % 100 == 0 or {expr} % 100 >= 20) %}}"
            f"de {{% endif %}}{{% if {expr} == 1 %}}zi{{% else %}}zile{{% endif %}}")


RO_CONTACT = ("Ne puteți contacta la telefon {{ creditor.phone }}{% if creditor.email %} sau la "
              "{{ creditor.email }}{% endif %}; programul de lucru cu publicul este {{ creditor.hours }}.")


def ro_refs(creditor_label: str, contact: Sequence[Any], extra: Sequence[Any] = ()) -> list[Any]:
    """ro/_layout.html block refs: registration number, creditor, contract, contact, extras."""
    return [
        P("Nr. de înregistrare: {{ letter.reference }}", space_after=0),
        P(creditor_label + ": {{ creditor.name }}", space_after=0),
        P("{% if case.product == 'invoice' %}Factura{% else %}Contract{% endif %}: "
          "{{ case.contract_ref }}{% if case.contract_date %} din {{ case.contract_date }}{% endif %}",
          space_after=0),
        *contact, *extra,
        P("Vă rugăm să menționați numărul de înregistrare în orice corespondență.", "Small Print"),
    ]


def ro_amounts(caption: str) -> list[Any]:
    """ro/_macros.html amounts_table: principal and total always, accessories when not zero."""
    return [
        P(caption, "Heading 2"),
        Table(["", "Suma"], [
            ["Capital (principal) restant scadent", "{{ amounts.principal }}"],
            ("tr", "{%tr if 'interest' in amounts.nonzero %}"),
            ["Dobândă contractuală", "{{ amounts.interest }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'fees' in amounts.nonzero %}"),
            ["Comisioane prevăzute în contract", "{{ amounts.fees }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'penalties' in amounts.nonzero %}"),
            ["Penalități (dobândă penalizatoare)", "{{ amounts.penalties }}"],
            ("tr", "{%tr endif %}"),
            ["Total de plată", "{{ amounts.total }}"],
        ], widths_cm=[12.0, 4.5], numeric=[1], bold_last=True),
        P("Suma este defalcată pe capital, dobândă, comisioane și penalități; componentele care nu "
          "figurează în tabel au valoarea zero. Suma totală în litere: {{ amounts.total_words }}.",
          "Small Print"),
    ]


def ro_payment() -> list[Any]:
    """ro/_macros.html payment_block (a box headed "Modalitatea de plată" in the HTML)."""
    return [
        P("**Modalitatea de plată**", space_after=2),
        P("Beneficiar: {{ payment.payee }}{% if payment.bank %} · {{ payment.bank }}{% endif %}",
          space_after=0),
        P("{%p if payment.iban %}"),
        P("IBAN: {{ payment.iban }}{% if payment.bic %} · BIC {{ payment.bic }}{% endif %}", space_after=0),
        P("{%p endif %}"),
        P("{%p if payment.account %}"),
        P("Cont: {{ payment.account }}", space_after=0),
        P("{%p endif %}"),
        P("Detalii plată: „{{ payment.reference }}”"),
        P("Plata se face prin transfer bancar sau prin depunere de numerar la orice unitate a băncii "
          "beneficiarului, cu mențiunea de la „Detalii plată”.{% if payment.note %} {{ payment.note }}"
          "{% endif %} Sumele se plătesc numai în acest cont; nicio persoană nu este autorizată să "
          "încaseze numerar de la dumneavoastră.", "Small Print"),
    ]


def ro_rights(with_agency: bool) -> list[Any]:
    """ro/_macros.html rights_box: rights, complaints, ADR, data protection."""
    agency = ("{% if agency %} sau către mandatarul {{ agency.name }}{% if agency.email %} "
              "({{ agency.email }}){% endif %}{% endif %}") if with_agency else ""
    return [
        P("Drepturile dumneavoastră și modul de soluționare a reclamațiilor", "Heading 2"),
        P("Aveți dreptul să cereți oricând, gratuit, pe hârtie sau pe alt suport durabil, situația "
          "detaliată a datoriei (capital, dobânzi, comisioane și alte sume) și copia documentelor pe "
          "care se întemeiază. Dacă apreciați că suma nu este datorată sau este greșit calculată, ne "
          "puteți transmite o contestație scrisă, cu documentele pe care vă sprijiniți; până la "
          "soluționarea ei nu întreprindem demersuri de recuperare pentru suma contestată. Pentru "
          "demersurile de recuperare amiabilă nu vi se percep comisioane sau alte costuri. Comunicăm "
          "numai cu dumneavoastră sau cu persoanele pe care le împuterniciți și numai între orele 09:00 "
          "și 20:00. În cazul unei eventuale cesiuni a creanței veți fi informat în scris, iar drepturile "
          "dumneavoastră rămân aceleași ca înainte de cesiune (OUG nr. 15/2024).", "Small Print"),
        P("Reclamațiile se pot transmite în scris, gratuit, către {{ creditor.name }}{% if creditor.email %}"
          " ({{ creditor.email }}){% endif %}" + agency + ". Dacă nu sunteți mulțumit de răspuns, vă puteți "
          "adresa autorității pentru protecția consumatorilor (ANPC) și celorlalte autorități competente: "
          "{% for c in complaints %}{{ c.name }}{% if c.website %}, {{ c.website }}{% elif c.phone %}, tel. "
          "{{ c.phone }}{% endif %}{% if c.note %} ({{ c.note }}){% endif %}{% if not loop.last %}; "
          "{% endif %}{% endfor %}. Pentru soluționarea alternativă a litigiului (procedura CSALB, OG nr. "
          "38/2015) puteți apela la {{ mediator.name }}{% if mediator.phone %}, tel. {{ mediator.phone }}"
          "{% endif %}{% if mediator.website %}, {{ mediator.website }}{% endif %}.{% if mediator.note %} "
          "{{ mediator.note }}{% endif %} Aveți, în orice situație, dreptul de a sesiza instanța "
          "judecătorească competentă.", "Small Print"),
        P("Informare privind protecția datelor (Regulamentul (UE) 2016/679 și Legea nr. 190/2018)",
          "Heading 2"),
        P("{{ privacy.note }} Responsabilul cu protecția datelor: {{ privacy.name }}{% if privacy.email %}, "
          "{{ privacy.email }}{% endif %}{% if privacy.address_lines %}, {{ privacy.address_lines|join(', ') }}"
          "{% endif %}.", "Small Print"),
    ]


def ro_lawyer_letter() -> Any:
    lang = LANGS["ro"]
    head = ["**{{ lawyer.firm }}**", "{{ lawyer.name }}, avocat", "{{ lawyer.bar }} · {{ lawyer.licence }}",
            "{{ lawyer.address_lines|join(' – ') }}",
            "{% if lawyer.phone %}{{ lawyer.phone }}{% endif %}{% if lawyer.email %} · {{ lawyer.email }}{% endif %}"]
    service = ("Recomandată, conținut declarat{% if letter.acknowledgement %}, confirmare de primire"
               "{% endif %}")
    blocks = [
        *address_block(service),
        P("{{ letter.place_date }}", align="right"),
        *ro_refs("Client (creditor)", [
            P("Contact avocat: {{ lawyer.phone }}{% if lawyer.email %} · {{ lawyer.email }}{% endif %}",
              space_after=0),
            P("Împuternicire avocațială: {{ lawyer.mandate_ref }}", space_after=0),
        ], [P("Comunicare: scrisoare recomandată cu conținut declarat{% if letter.acknowledgement %} și "
              "confirmare de primire{% endif %}", space_after=0)]),
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
          + ro_days("case.days_overdue") + ". Creanța este certă, lichidă și exigibilă și rezultă din contract "
          "și din extrasele de cont aferente."),
        *ro_amounts("2. Suma datorată clientului nostru la data de {{ letter.date }}"),
        P("**3. Punerea în întârziere.** În temeiul art. 1521–1523 din Codul civil, în numele clientului nostru, "
          "prin prezenta vă punem în întârziere și vă solicităm să achitați suma totală de **{{ amounts.total }}** "
          "({{ amounts.total_words }}) în termen de **" + ro_days("letter.deadline_days") + " de la primirea "
          "prezentei notificări**. Termenul curge de la data primirii și nu expiră, în niciun caz, înainte de "
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
        *ro_payment(),
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
        P("pentru {{ creditor.name }}, conform {{ lawyer.mandate_ref }}", "Small Print", indent_cm=9.5,
          space_after=0),
        P("(semnătura și ștampila avocatului)", "Small Print", indent_cm=9.5),
        *ro_rights(with_agency=False),
    ]
    footer = "{{ lawyer.firm }} · {{ lawyer.bar }} · {{ lawyer.licence }}"
    return build(lang, head, "{{ lawyer.firm }} – {{ letter.reference }}", footer, blocks)


RO_FOOTER = ("{{ creditor.name }}{% if creditor.legal_form %} · {{ creditor.legal_form }}{% endif %}"
             "{% if creditor.registration %} · {{ creditor.registration }}{% endif %}")
RO_FREQUENCY = ("{% if plan.frequency == 'weekly' %}săptămânale{% elif plan.frequency == 'biweekly' %}"
                "la interval de două săptămâni{% else %}lunare{% endif %}")


def ro_schedule(with_interest: bool) -> Table:
    """The plan's calendar: every instalment; interest and capital columns when it bears interest."""
    extra_h = ["Dobândă", "Capital"] if with_interest else []
    down = ["–", "avans, la semnare", "{{ plan.down_payment }}",
            *(["", "{{ plan.down_payment }}"] if with_interest else []), "{{ plan.financed }}"]
    row = ["{{ i.number }}", "{{ i.due_date }}", "{{ i.amount }}",
           *(["{{ i.interest }}", "{{ i.principal }}"] if with_interest else []), "{{ i.balance }}"]
    total = ["", "Total de plată conform convenției", "{{ plan.total_to_pay }}",
             *(["{{ plan.total_interest }}", ""] if with_interest else []), ""]
    widths = [1.2, 5.0, 3.0, 2.4, 2.4, 2.6] if with_interest else [1.2, 6.4, 4.0, 5.0]
    return Table(["Nr.", "Data scadenței", "Rata", *extra_h, "Sold rămas"], [
        ("tr", "{%tr if plan.has_down_payment %}"), down, ("tr", "{%tr endif %}"),
        ("tr", "{%tr for i in plan.installments %}"), row, ("tr", "{%tr endfor %}"),
        total,
    ], widths_cm=widths, numeric=list(range(2, len(row))), bold_last=True)


def ro_plan_agreement() -> Any:
    lang = LANGS["ro"]
    head = ["**{{ creditor.name }}**", "{{ creditor.address_lines|join(' – ') }}",
            "{% if creditor.phone %}{{ creditor.phone }}{% endif %}{% if creditor.email %} · "
            "{{ creditor.email }}{% endif %}{% if creditor.website %} · {{ creditor.website }}{% endif %}"]
    service = ("{% if letter.acknowledgement %}Recomandată cu confirmare de primire{% else %}Scrisoare "
               "recomandată{% endif %}")
    blocks = [
        *address_block(service),
        P("{{ letter.place_date }}", align="right"),
        *ro_refs("Creditor", [
            P("Contact: {{ creditor.phone }}{% if creditor.email %} · {{ creditor.email }}{% endif %}",
              space_after=0),
            P("Program: {{ creditor.hours }}", space_after=0),
        ]),
        P("Convenție de eșalonare la plată", "Title"),
        P("nr. {{ letter.reference }} din {{ letter.date }}", "Subtitle"),
        P(RO_SALUTATION + " vă transmitem, în două exemplare, convenția de eșalonare discutată cu "
          "dumneavoastră. Dacă sunteți de acord, vă rugăm să semnați ambele exemplare și să ne returnați unul "
          "până la data de {{ letter.deadline }}, prin poștă, la adresa {{ creditor.address_lines|join(', ') }}; "
          "celălalt exemplar vă rămâne. " + RO_CONTACT, "Small Print"),
        P("Între:"),
        P("**1. {{ creditor.name }}**, {{ creditor.legal_form }}, {{ creditor.registration }}, cu sediul în "
          "{{ creditor.address_lines|join(', ') }}, reprezentată de {{ sender.signatory }}{% if agency %} "
          "(mandatar pentru recuperarea amiabilă: {{ agency.name }}, {{ agency.registration }}){% endif %}, în "
          "calitate de **creditor**, și"),
        P("**2. {{ debtor.name }}**, cu domiciliul în {{ debtor.address_lines[1:]|join(', ') }}, identificat(ă) "
          "cu actul de identitate seria ______ nr. ____________, în calitate de **debitor**,"),
        P("a intervenit prezenta convenție, în următoarele condiții:"),
        P("Art. 1. Obiectul convenției", "Heading 2"),
        P("Debitorul datorează creditorului, în temeiul " + RO_CONTRACT + ", suma de **{{ amounts.total }}** "
          "({{ amounts.total_words }}), ajunsă la scadență începând cu data de {{ case.due_date }}. Părțile "
          "convin ca această sumă să fie achitată eșalonat, potrivit art. 2."),
        *ro_amounts("Suma eșalonată, la data de {{ letter.date }}"),
        P("Art. 2. Calendarul de plată", "Heading 2"),
        P("Debitorul achită {% if plan.has_down_payment %}un avans de **{{ plan.down_payment }}**, la semnarea "
          "convenției, și apoi {% endif %}**{{ plan.count }}** rate " + RO_FREQUENCY + ", de la "
          "{{ plan.first_due_date }} până la {{ plan.last_due_date }}, după cum urmează:"),
        *IF_ELSE("plan.has_interest", [ro_schedule(True)], [ro_schedule(False)]),
        P("Totalul de plată conform convenției este de **{{ plan.total_to_pay }}** ({{ plan.total_to_pay_words }})"
          "{% if plan.has_interest %}, din care dobândă {{ plan.total_interest }}{% endif %}. O plată efectuată "
          "până la data scadenței, inclusiv, este considerată făcută la timp."),
        P("Art. 3. Sumele pe durata convenției", "Heading 2"),
        *IF_ELSE("plan.has_interest",
                 [P("Pe durata convenției, asupra soldului eșalonat se calculează exclusiv o dobândă de "
                    "**{{ plan.annual_rate }} pe an**, inclusă în ratele din art. 2 (în total "
                    "{{ plan.total_interest }}). Nu se calculează penalități și nu se percep comisioane noi.")],
                 [P("Pe durata convenției, suma eșalonată este înghețată: nu se calculează dobânzi, dobânzi "
                    "penalizatoare sau penalități și nu se percep comisioane noi.")]),
        P("Pentru încheierea, administrarea sau modificarea prezentei convenții nu se percep comisioane, taxe sau "
          "alte costuri (art. 35 din OUG nr. 50/2010; OUG nr. 52/2016). Debitorul poate plăti oricând anticipat, "
          "total sau parțial, fără costuri suplimentare{% if plan.has_interest %}, dobânda urmând a fi recalculată "
          "asupra soldului rămas{% endif %}."),
        P("Art. 4. Plata ratelor", "Heading 2"),
        *ro_payment(),
        P("Art. 5. Suspendarea demersurilor de recuperare", "Heading 2"),
        P("Cât timp debitorul respectă calendarul de plată, creditorul nu întreprinde demersuri de recuperare și "
          "nu introduce cereri în instanță pentru sumele care fac obiectul convenției."),
        P("Art. 6. Întârzierea la plata unei rate", "Heading 2"),
        P("Dacă o rată nu este achitată la scadență, creditorul îl notifică în scris pe debitor și îi acordă un "
          "termen de remediere de cel puțin 15 zile de la primirea notificării. Numai dacă rata restantă nu este "
          "achitată nici în acest termen, creditorul poate declara încetată convenția, printr-o nouă notificare "
          "scrisă; în acest caz devine exigibil doar soldul rămas neachitat, din care se scad toate plățile "
          "efectuate, iar convenția nu produce alte sancțiuni sau costuri. Debitorul care întâmpină dificultăți "
          "îl poate informa pe creditor înainte de scadență, pentru a conveni, în scris, o modificare a "
          "calendarului."),
        P("Art. 7. Recunoașterea datoriei", "Heading 2"),
        P("Prin semnarea prezentei convenții, debitorul recunoaște datoria prevăzută la art. 1, ceea ce întrerupe "
          "cursul prescripției extinctive (art. 2537 din Codul civil)."),
        P("Art. 8. Dispoziții finale", "Heading 2"),
        P("Convenția intră în vigoare la data semnării ei de către ambele părți și se modifică numai în scris. "
          "Eventualele neînțelegeri se soluționează pe cale amiabilă; debitorul se poate adresa gratuit "
          "procedurii CSALB sau instanței competente, potrivit informării de mai jos. Convenția s-a încheiat în "
          "două exemplare originale, câte unul pentru fiecare parte."),
        Table(["Creditor", "Debitor"], [
            ["{{ creditor.name }}\nprin {{ sender.signatory }}\nData: ____________\n\n\n\nSemnătura și ștampila",
             "{{ debtor.name }}\n\nData: ____________\n\n\n\nSemnătura debitorului"],
        ], widths_cm=[8.3, 8.3]),
        *ro_rights(with_agency=True),
    ]
    return build(lang, head, "{{ creditor.name }} – {{ letter.reference }}", RO_FOOTER, blocks)


ZH_PRODUCT = ('{% if case.product == "credit_card" %}信用卡{% elif case.product == "personal_loan" %}个人贷款'
              '{% elif case.product == "consumer_credit" %}个人消费贷款{% elif case.product == "overdraft" %}'
              '账户透支{% else %}服务费用{% endif %}')
ZH_CONTRACT = ('{% if case.product == "credit_card" %}《信用卡领用合约》{% elif case.product == "personal_loan" %}'
               '《个人借款合同》{% elif case.product == "consumer_credit" %}《个人消费贷款合同》{% elif '
               'case.product == "overdraft" %}《个人账户透支协议》{% else %}相关服务合同{% endif %}')


ZH_CURRENCY = '{% if case.currency == "CNY" %}人民币{% else %}{{ case.currency }}{% endif %}'
ZH_FREQUENCY = ('{% if plan.frequency == "weekly" %}每周{% elif plan.frequency == "biweekly" %}每两周'
                '{% else %}每月{% endif %}')
ZH_CARD_OR_CONTRACT = '{% if case.product == "credit_card" %}卡号{% else %}合同编号{% endif %}'
ZH_IND = 0.74  # two CJK characters of first-line indent
ZH_BLANK = "＿＿＿＿＿＿＿＿"
ZH_DATE_BLANK = "日期：＿＿＿年＿＿月＿＿日"


def zh_amounts() -> list[Any]:
    """zh/_macros.html amounts_table: 本金 always, each accessory only when not zero."""
    return [
        Table(["项目", "金额"], [
            ["本金", "{{ amounts.principal }}"],
            ("tr", "{%tr if 'interest' in amounts.nonzero %}"),
            ["利息", "{{ amounts.interest }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'penalties' in amounts.nonzero %}"),
            ["违约金", "{{ amounts.penalties }}"],
            ("tr", "{%tr endif %}"),
            ("tr", "{%tr if 'fees' in amounts.nonzero %}"),
            ["费用（合同约定的年费等）", "{{ amounts.fees }}"],
            ("tr", "{%tr endif %}"),
            ["欠款合计（币种：" + ZH_CURRENCY + "）", "{{ amounts.total_figures_zh }}"],
        ], widths_cm=[10.0, 6.5], numeric=[1], bold_last=True),
        P("大写：{{ amounts.total_words }}", indent_cm=ZH_IND),
    ]


def zh_payment() -> Box:
    """zh/_macros.html payment_block: where and how to pay and what to quote."""
    return Box([
        "户名：{{ payment.payee }}",
        "{%p if payment.account %}", "账号：{{ payment.account }}", "{%p endif %}",
        "{%p if payment.iban %}", "IBAN：{{ payment.iban }}{% if payment.bic %}　BIC：{{ payment.bic }}{% endif %}",
        "{%p endif %}",
        "{%p if payment.bank %}", "开户行：{{ payment.bank }}", "{%p endif %}",
        "还款附言：{{ payment.reference }}",
        "{%p if payment.note %}", "{{ payment.note }}", "{%p endif %}",
    ], width_cm=16.5)


def zh_seal(name: str) -> Box:
    """zh/_macros.html seal: the box where the official seal (公章) is stamped by hand."""
    return Box([name, "（盖章）"], width_cm=5.0, align="center")


def zh_lawyer_letter() -> Any:
    lang = LANGS["zh"]
    head = ["**{{ lawyer.firm }}**", "{{ lawyer.address_lines|join(' ') }}",
            "{% if lawyer.phone %}电话：{{ lawyer.phone }}{% endif %}{% if lawyer.email %}  电子邮箱：{{ lawyer.email }}{% endif %}"]
    ind = ZH_IND
    blocks = [
        *address_block("挂号信{% if letter.acknowledgement %}（附回执）{% endif %}"),
        # The date is printed once, under the firm seal at the end, as Chinese letters do.
        P("函号：{{ letter.reference }}", space_after=0),
        P("委托人：{{ creditor.name }}", space_after=0),
        P(ZH_CARD_OR_CONTRACT + "：{{ case.contract_ref }}", space_after=0),
        P("承办律师：{{ lawyer.name }}{% if lawyer.phone %}（电话：{{ lawyer.phone }}）{% endif %}"),
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
        *zh_amounts(),
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
        zh_payment(),
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
        zh_seal("{{ lawyer.firm }}"),
        P("{{ lawyer.firm }}", align="right", space_after=0),
        P("承办律师：{{ lawyer.name }}", align="right", space_after=0),
        P('律师执业证号：{{ lawyer.licence|replace("执业证号", "")|trim }}', align="right", space_after=0),
        P("律师签字：" + ZH_BLANK, align="right", space_after=0),
        P("{{ letter.date }}", align="right"),
    ]
    footer = "{{ lawyer.firm }}{% if lawyer.bar %} · {{ lawyer.bar }}{% endif %}"
    return build(lang, head, "{{ lawyer.firm }}　{{ letter.reference }}", footer, blocks)


def zh_item(n: int) -> str:
    """The number of a clause item that follows the optional down-payment item (an <ol> in HTML)."""
    return f"{{% if plan.has_down_payment %}}{n + 1}{{% else %}}{n}{{% endif %}}. "


def zh_schedule(with_interest: bool) -> Table:
    """zh/_plan.html schedule_table: every instalment; principal / interest when it bears interest."""
    extra_h = ["其中：本金", "其中：利息", "剩余本金"] if with_interest else []
    down = ["首付款", "{{ plan.first_due_date }}前", "{{ plan.down_payment }}",
            *(["{{ plan.down_payment }}", "", ""] if with_interest else [])]
    row = ["第{{ i.number }}期", "{{ i.due_date }}", "{{ i.amount }}",
           *(["{{ i.principal }}", "{{ i.interest }}", "{{ i.balance }}"] if with_interest else [])]
    total = ["合计应还", "", "{{ plan.total_to_pay }}",
             *(["", "{{ plan.total_interest }}", ""] if with_interest else [])]
    widths = [2.2, 4.3, 2.6, 2.5, 2.4, 2.5] if with_interest else [3.5, 6.5, 6.5]
    return Table(["期次", "还款日期", "应还金额", *extra_h], [
        ("tr", "{%tr if plan.has_down_payment %}"), down, ("tr", "{%tr endif %}"),
        ("tr", "{%tr for i in plan.installments %}"), row, ("tr", "{%tr endfor %}"),
        total,
    ], widths_cm=widths, numeric=list(range(2, len(row))), bold_last=True)


def zh_plan_agreement() -> Any:
    lang = LANGS["zh"]
    ind = ZH_IND
    head = ["**{{ creditor.name }}**", "{{ creditor.address_lines|join(' ') }}",
            "{% if creditor.phone %}{{ creditor.phone }}{% endif %}{% if creditor.email %}  {{ creditor.email }}"
            "{% endif %}{% if creditor.website %}  {{ creditor.website }}{% endif %}"]
    holder = '{% if case.product == "credit_card" %}持卡人{% else %}借款人{% endif %}'
    debtor_address = ("{% for line in debtor.address_lines if debtor.name not in line %}{{ line }}"
                      "{% if not loop.last %} {% endif %}{% endfor %}")
    blocks = [
        *address_block("挂号信{% if letter.acknowledgement %}（附回执）{% endif %}"),
        P("{{ letter.place_date }}", align="right"),
        P("协议编号：{{ letter.reference }}", space_after=0),
        P(ZH_CARD_OR_CONTRACT + "：{{ case.contract_ref }}", space_after=0),
        P("联系电话：{{ creditor.phone }}{% if creditor.hours %}（{{ creditor.hours }}）{% endif %}"),
        Box(["{{ debtor.name }}{{ debtor.title }}：",
             "本行根据与您协商的结果拟定本协议。如您同意，请核对内容无误后在「乙方」处签字、捺印并填写日期，于"
             "{{ letter.deadline }}前寄回本行（地址见信头）或交至本行任一营业网点；本行盖章后将一份协议寄还给您。是否签署由您"
             "自主决定；如您对欠款事实或金额有异议，请先通过第六条所列渠道提出。"], width_cm=16.5, style="Small Print"),
        P("个性化分期还款协议", "Title"),
        P("甲方（债权人）：{{ creditor.name }}", space_after=0),
        P("地址：{{ creditor.address_lines|join(' ') }}", space_after=0),
        P("乙方（" + holder + "）：{{ debtor.name }}", space_after=0),
        P("身份证件号码：" + ZH_BLANK, space_after=0),
        P("通讯地址：" + debtor_address, space_after=0),
        P("联系电话：" + ZH_BLANK),
        P("鉴于乙方{% if case.product == \"credit_card\" %}持有甲方发行的信用卡{% else %}与甲方签订了" + ZH_CONTRACT
          + "{% endif %}（" + ZH_CARD_OR_CONTRACT + "：{{ case.contract_ref }}），自{{ case.due_date }}起未按约定还款，"
          "现欠款金额超出乙方当前的还款能力，但乙方有还款意愿。根据{% if case.product == \"credit_card\" %}"
          "《商业银行信用卡业务监督管理办法》第七十条等有关规定{% else %}有关法律法规{% endif %}，甲乙双方本着平等、自愿、"
          "诚信的原则，经协商一致，就欠款分期偿还事宜达成如下协议：", first_line_cm=ind),
        P("第一条　欠款余额、构成及币种", "Heading 2"),
        P("截至{{ letter.date }}，乙方尚欠甲方款项余额为{{ amounts.total_figures_zh }}（大写：{{ amounts.total_words }}），"
          "币种为" + ZH_CURRENCY + "，构成如下：", first_line_cm=ind),
        *zh_amounts(),
        P("第二条　分期还款安排", "Heading 2"),
        P("1. 还款周期：" + ZH_FREQUENCY + "一期，共{{ plan.count }}期；首期还款日为{{ plan.first_due_date }}，末期还款日为"
          "{{ plan.last_due_date }}，分期期限为{{ plan.months }}个月，不超过五年。", indent_cm=ind),
        *IF("plan.has_down_payment",
            P("2. 首付款：乙方应于首期还款日前向甲方支付首付款{{ plan.down_payment }}，其余{{ plan.financed }}按下表分期"
              "偿还。", indent_cm=ind)),
        P(zh_item(2) + "还款方式及币种：乙方应于每期还款日（含当日）前，将当期应还"
          "金额以" + ZH_CURRENCY + "存入或转入下列甲方账户，并在附言中注明编号；也可通过甲方营业网点、手机银行或自动还款方式"
          "还款。", indent_cm=ind),
        P(zh_item(3) + "合计应还金额：{{ plan.total_to_pay }}（大写："
          "{{ plan.total_to_pay_words }}）。各期还款日期及金额如下：", indent_cm=ind),
        *IF_ELSE("plan.has_interest", [zh_schedule(True)], [zh_schedule(False)]),
        zh_payment(),
        P("第三条　分期期间的年费、利息及费用", "Heading 2"),
        P("{% if plan.has_interest %}分期期间，甲方按年利率{{ plan.annual_rate }}对剩余本金计收利息，利息已计入上表各期应还"
          "金额，合计{{ plan.total_interest }}。{% else %}分期期间，甲方不再对上述欠款余额计收利息。{% endif %}除上表所列款项外，"
          "分期期间甲方不向乙方收取年费、违约金及其他任何费用。乙方提前偿还全部或部分欠款的，甲方不收取任何费用"
          "{% if plan.has_interest %}，利息按实际占用天数计算{% endif %}。", first_line_cm=ind),
        P("第四条　乙方关于不申请新卡的承诺", "Heading 2"),
        P("乙方承诺，在本协议项下欠款全部清偿之前，不向任何银行申请新的信用卡。", first_line_cm=ind),
        P("第五条　双方的权利、义务及违约责任", "Heading 2"),
        P("1. 本协议签署后，甲方停止对乙方的催收，但乙方未按本协议约定还款的除外。乙方按期还款期间，甲方不就本协议项下欠款"
          "向乙方提起诉讼。", indent_cm=ind),
        P("2. 甲方应按本协议约定如实记载乙方的还款，乙方可随时查询；欠款全部清偿后，甲方应乙方要求出具结清证明。", indent_cm=ind),
        P("3. 乙方应按期足额还款；乙方的通讯地址、联系电话发生变化的，应及时书面通知甲方。", indent_cm=ind),
        P("4. 乙方未按期足额偿还任何一期款项的，甲方应以书面形式通知乙方，乙方应自通知送达之日起十五日内补足。逾期仍未补足的，"
          "甲方有权书面通知乙方解除本协议，乙方应一次性清偿剩余全部欠款（已偿还款项予以扣除），甲方可恢复催收并依法向有管辖权"
          "的人民法院提起诉讼。", indent_cm=ind),
        P("5. 甲方报送乙方逾期信息前，将依照《征信业管理条例》第十五条的规定事先告知乙方。", indent_cm=ind),
        P("6. 任何一方违反本协议约定的，应依法承担相应的违约责任。", indent_cm=ind),
        P("第六条　其他约定", "Heading 2"),
        P("1. 乙方可通过甲方客户服务热线{{ creditor.phone }}查询账户及还款情况；对欠款事实或金额有异议的，可向甲方提出异议，"
          "并提供相关证据，甲方将对账户作异议标注并及时核实。", indent_cm=ind),
        P("2. 乙方对甲方的服务或催收行为不满意的，可拨打国家金融监督管理总局消费者投诉热线12378进行投诉{% if mediator.name %}"
          "；双方发生争议的，可协商解决，也可向{{ mediator.name }}申请调解{% endif %}；协商或调解不成的，任何一方可依法向有"
          "管辖权的人民法院提起诉讼。", indent_cm=ind),
        P("3. 本协议未约定的事项，仍按原" + ZH_CONTRACT + "执行；原合同与本协议不一致的，以本协议为准。", indent_cm=ind),
        P("4. 本协议自甲方盖章、乙方签字并捺印之日起生效，一式两份，甲乙双方各执一份，具有同等法律效力。", indent_cm=ind),
        P("个人信息保护", "Heading 2"),
        P("{{ privacy.note }}本行仅向您本人催收，不会向与债务无关的第三人透露您的欠款信息。如需查询、更正您的个人信息，请联系"
          "{{ privacy.name }}{% if privacy.email %}（电子邮箱：{{ privacy.email }}）{% endif %}{% if privacy.phone %}"
          "（电话：{{ privacy.phone }}）{% endif %}。", "Small Print"),
        Table(["甲方（盖章）：{{ creditor.name }}", "乙方（签字）：" + ZH_BLANK], [
            ["{{ creditor.name }}\n（盖章）\n\n\n授权代表（签字）：" + ZH_BLANK + "\n" + ZH_DATE_BLANK,
             "乙方捺印\n\n\n\n\n" + ZH_DATE_BLANK],
        ], widths_cm=[8.3, 8.3]),
    ]
    footer = ("{{ creditor.name }}{% if creditor.legal_form %} · {{ creditor.legal_form }}{% endif %}"
              "{% if creditor.registration %} · {{ creditor.registration }}{% endif %}")
    return build(lang, head, "{{ creditor.name }}　{{ letter.reference }}", footer, blocks)


BUILDERS: dict[tuple[str, str], Any] = {
    ("fr", "lawyer_letter"): fr_lawyer_letter,
    ("fr", "plan_agreement"): fr_plan_agreement,
    ("ro", "lawyer_letter"): ro_lawyer_letter,
    ("ro", "plan_agreement"): ro_plan_agreement,
    ("zh", "lawyer_letter"): zh_lawyer_letter,
    ("zh", "plan_agreement"): zh_plan_agreement,
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
