"""Deposit slips (render/slips.py): wording per language, pagination, confinement, determinism."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from notice_factory.model import Locale
from notice_factory.render.slips import (
    SlipItem,
    deposit_slip_html,
    render_slip_pdf,
    slip_strings,
    slips_dir,
    write_deposit_slip,
)
from notice_factory.settings import Entity, load_sender_profile

DAY = dt.date(2026, 11, 23)


def entity(locale: Locale) -> Entity:
    return load_sender_profile().entity(locale)


def pdf_text(path: Path) -> list[str]:
    """Text of each page, as poppler extracts it (reliable for CJK)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


TITLES = {
    Locale.FR_FR: "Bordereau de dépôt de lettres recommandées",
    Locale.ZH_CN: "挂号信交寄清单",
    Locale.RO_RO: "Borderou de depunere a trimiterilor recomandate",
}
NAMES = ["Zoé Lefèvre", "王小明", "Ioana Ștefănescu"]


def items(n: int) -> list[SlipItem]:
    return [SlipItem(number=f"RR{10_000_000 + k:08d}{k % 10}FR", recipient_name=NAMES[k % 3],
                     postal_code=f"{75001 + k % 20:05d}", city="PARIS",
                     country="BE" if k % 4 == 3 else "FR", acknowledgement=k % 2 == 0,
                     weight_class="50g" if k % 5 == 4 else "20g",
                     address=(NAMES[k % 3], f"{k + 1} RUE DE LA PAIX",
                              f"{75001 + k % 20:05d} PARIS"),
                     service="R1", weight_g=25 if k % 5 == 4 else 10,
                     price=Decimal("8.28") if k % 5 == 4 else Decimal("6.71"))
            for k in range(n)]


@pytest.mark.parametrize("locale", list(Locale))
def test_slip_for_three_items(locale: Locale, tmp_path: Path) -> None:
    three = items(3)
    path = write_deposit_slip(entity(locale), three, deposit_date=DAY,
                              print_file="print/la-poste_DL_20g_001.pdf",
                              out_dir=tmp_path / "deposit-slips")
    assert path == tmp_path / "deposit-slips" / "la-poste_DL_20g_001.pdf"
    (page,) = pdf_text(path)
    flat = re.sub(r"\s+", "", page)
    s = slip_strings(locale.language)
    assert TITLES[locale] in page
    for item in three:
        assert item.number in page
        assert item.recipient_name.replace(" ", "") in flat
    assert entity(locale).creditor.name in page
    assert entity(locale).postal.deposit_office in page
    assert {"fr_FR": "23 novembre 2026", "zh_CN": "2026年11月23日",
            "ro_RO": "23 noiembrie 2026"}[locale.value] in page
    assert page.count(s["ar_yes"]) >= 2  # items 1 and 3 have a return receipt
    assert s["ar_no"] in page
    # Totals: 3 items, 2 with return receipt, all in the 20 g class.
    assert re.search(re.escape(s["total_items"]) + r"\s+3\b", page)
    assert re.search(re.escape(s["total_ar"]) + r"\s+2\b", page)
    assert re.search(re.escape(s["by_weight"]) + r"\s+20 g\s+3\b", page)
    assert s["stamp"] in page


def test_slip_escapes_recipient_markup() -> None:
    hostile = [SlipItem("RR100000005FR", "<img src=x>", "75011", "PARIS", "FR", True, "20g")]
    html = deposit_slip_html(entity(Locale.FR_FR), hostile, deposit_date=DAY,
                             print_file="print/p.pdf")
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html


def test_slip_refuses_empty_list() -> None:
    with pytest.raises(ValueError):
        deposit_slip_html(entity(Locale.FR_FR), [], deposit_date=DAY, print_file="print/p.pdf")


@pytest.mark.parametrize("locale", [Locale.FR_FR, Locale.ZH_CN])
def test_250_items_paginate_with_header_on_every_page(locale: Locale, tmp_path: Path) -> None:
    many = items(250)
    path = write_deposit_slip(entity(locale), many, deposit_date=DAY,
                              print_file="print/la-poste_DL_20g_001.pdf", out_dir=tmp_path)
    pages = pdf_text(path)
    total = len(pages)
    assert total >= 5
    s = slip_strings(locale.language)
    for n, page in enumerate(pages, start=1):
        assert s["col_number"] in page and s["col_address"] in page, n
        counter = (f"Page{n}/{total}" if locale is Locale.FR_FR else f"第{n}页/共{total}页")
        assert counter in re.sub(r"\s+", "", page), (n, page[-200:])
    text = "\n".join(pages)
    for item in many:  # every line once, none lost at a page break
        assert text.count(item.number) == 1, item.number
    assert re.search(re.escape(s["total_items"]) + r"\s+250\b", pages[-1])
    assert re.search(re.escape(s["total_ar"]) + r"\s+125\b", pages[-1])
    assert re.search(re.escape(s["by_weight"]) + r"\s+50 g\s+50\b", pages[-1])
    # The stamp box is never split from the totals and sits on the last page.
    assert s["stamp"] in pages[-1]
    assert len(PdfReader(path).pages) == total


def test_slip_fetcher_refuses_files_outside_the_slips_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("h1 { color: red }", encoding="utf-8")
    assert not secret.resolve().is_relative_to(slips_dir().resolve())
    from notice_factory.render.slips import _SlipFetcher
    fetcher = _SlipFetcher([slips_dir()])
    with pytest.raises(PermissionError):
        fetcher.fetch(secret.as_uri())
    with pytest.raises(PermissionError):
        fetcher.fetch("data:text/css,h1{color:red}")
    with pytest.raises(PermissionError):
        fetcher.fetch("http://127.0.0.1:9/slip.css")
    # And a page that links to it still renders, without the outside style sheet.
    pdf = render_slip_pdf(f'<link rel="stylesheet" href="{secret.as_uri()}"><h1>x</h1>',
                          slips_dir())
    assert pdf.startswith(b"%PDF")


def test_slip_is_deterministic(tmp_path: Path) -> None:
    html = deposit_slip_html(entity(Locale.RO_RO), items(3), deposit_date=DAY,
                             print_file="print/p.pdf")
    assert render_slip_pdf(html, slips_dir()) == render_slip_pdf(html, slips_dir())


def words_with_x(path: Path) -> list[list[tuple[str, float]]]:
    """(word, left x in pt) of each page, from ``pdftotext -bbox``."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = html.split("<page ")[1:]
    word = re.compile(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>')
    return [[(w, float(x)) for x, w in word.findall(page)] for page in pages]


def test_120_line_slip_keeps_every_line_with_page_subtotals(tmp_path: Path) -> None:
    # Romanian: the longest wording. Every page names every column, lists its 10 items in their
    # columns (the number under its header, the receipt under its own) and ends on a subtotal.
    many = items(120)
    path = write_deposit_slip(entity(Locale.RO_RO), many, deposit_date=DAY,
                              print_file="print/posta-romana_C5_50g_002.pdf", out_dir=tmp_path)
    pages = pdf_text(path)
    assert len(pages) == 12
    s = slip_strings("ro")
    headers = [s[k] for k in ("col_line", "col_number", "col_address", "col_service",
                              "col_ar", "col_weight_g", "col_price")]
    for n, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", " ", page)
        for header in headers:  # the clerk stamps every page: every column is named on it
            assert header.split()[0] in flat, (n, header)
        assert f"Pagina {n} / {len(pages)}" in flat, n
        chunk = many[(n - 1) * 10:n * 10]
        weight = sum(i.weight_g for i in chunk)
        price = sum((i.price or Decimal(0) for i in chunk), Decimal(0))
        money = f"{price:.2f}".replace(".", ",")
        assert re.search(rf"{s['subtotal_page']} {n}: 10 \S+ {weight} {money} lei", flat), n
    text = "\n".join(pages)
    for k, item in enumerate(many, start=1):
        assert text.count(item.number) == 1, item.number
        line = re.search(rf"^\s*{k}\s+{item.number}\s+(.*)$", text, re.M)
        assert line, (k, item.number)
        ar = s["ar_yes"] if item.acknowledgement else s["ar_no"]
        money = f"{item.price:.2f}".replace(".", ",")
        assert re.search(rf"\sR1\s+{ar}\s+{item.weight_g}\s+{money}\s*$", line[1]), line[1]
    last = re.sub(r"[ \t]+", " ", pages[-1])
    assert re.search(re.escape(s["total_items"]) + r"\s+120\b", last)
    assert re.search(re.escape(s["total_ar"]) + r"\s+60\b", last)
    total = sum((i.price or Decimal(0) for i in many), Decimal(0))
    assert f"{s['total_price']} {total:.2f}".replace(".", ",") in last
    assert s["stamp"] in last and s["certify"] in last.replace("\n", " ")
    for n, words in enumerate(words_with_x(path), start=1):
        x_of = {w: x for w, x in reversed(words)}  # first occurrence on the page
        numbers = [x for w, x in words if re.fullmatch(r"RR\d{9}FR", w)]
        receipts = [x for w, x in words if w in ("cu", "fără") and x > x_of["Serviciu"]]
        assert numbers and receipts, n
        assert all(abs(x - numbers[0]) < 0.5 for x in numbers), (n, numbers[:3])
        assert all(abs(x - x_of["Confirmare"]) < 0.5 for x in receipts), (n, receipts[:3])


def test_slips_skip_the_unused_pseudo_element_styles() -> None:
    # The trimmed user-agent sheet is what makes slips cheaper; if a WeasyPrint upgrade changes
    # its style sheet, slips still render (stock sheet) but this says the speed-up is gone.
    from notice_factory.render.slips import _UNUSED_UA_PSEUDO, _slip_ua_sheet
    assert _slip_ua_sheet() is not None
    assert not _UNUSED_UA_PSEUDO.search("li::marker { color: red }")


def test_slips_come_from_the_templates_tree_given(tmp_path: Path) -> None:
    """`batch --templates` reaches the slips: their wording is the given tree's."""
    tree = tmp_path / "templates"
    shutil.copytree(slips_dir(), tree / "_slips")
    strings = tree / "_slips" / "strings.toml"
    title = "Bordereau de dépôt (modèle du service juridique)"
    strings.write_text(strings.read_text(encoding="utf-8").replace(
        TITLES[Locale.FR_FR], title, 1), encoding="utf-8")
    assert slips_dir(tree) == tree / "_slips"
    path = write_deposit_slip(entity(Locale.FR_FR), items(2), deposit_date=DAY,
                              print_file="print/p.pdf", out_dir=tmp_path / "out", templates=tree)
    (page,) = pdf_text(path)
    assert title in page
    assert TITLES[Locale.FR_FR] not in page


def test_tree_without_slips_uses_the_default_slips(tmp_path: Path) -> None:
    (tmp_path / "letters-only").mkdir()
    assert slips_dir(tmp_path / "letters-only") == slips_dir()
