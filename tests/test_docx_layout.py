"""The first page of the six Word letters (lawyer_letter, plan_agreement × fr, ro, zh), read back
from the PDF LibreOffice makes: the window-envelope block sits at its page coordinates whatever
the text above or below does, the registered number's barcode is a real picture, and every page
carries the letter's own page counter.

Geometry (templates/_common/letter.css), millimetres from the sheet's top-left corner: the
window block is 102-188 mm across (the default DL window less its play and 3 mm, see
window.py); its barcode and number are 52.5-58.5 mm down, its address 59-81.5 mm down.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Word, dark_runs, page_images, page_texts, page_words
from PIL import Image
from pypdf import PdfReader

from notice_factory.barcode import code128_modules
from notice_factory.catalog import Catalog, TemplateSpec, load_catalog, squash
from notice_factory.context import TemplateContext
from notice_factory.render import LetterRenderer
from notice_factory.render.docx import barcode_png
from notice_factory.settings import SenderProfile, load_sender_profile
from notice_factory.templatecheck import SAMPLE_DATE, load_sample

WORD_TEMPLATES = [f"{lang}.{kind}" for lang in ("fr", "ro", "zh")
                  for kind in ("lawyer_letter", "plan_agreement")]
NUMBER = {"fr": "RR100000003FR", "ro": "RR300000009RO", "zh": "RR200000006CN"}
WINDOW_X = (102.0, 188.0)  # window.content_zone of the default DL window
REGISTERED_Y = (52.5, 58.5)
ADDRESS_Y = (59.0, 81.5)
SLACK = 0.5  # pdftotext boxes span the font's whole ascent (Noto CJK overshoots the line)
COUNTER = {"fr": "Page{page}sur{pages}", "ro": "Pagina{page}din{pages}",
           "zh": "第{page}页，共{pages}页"}


@dataclasses.dataclass(frozen=True)
class Letter:
    spec: TemplateSpec
    ctx: TemplateContext
    pdf: bytes

    @property
    def words(self) -> list[Word]:
        return page_words(self.pdf, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def sender() -> SenderProfile:
    return load_sender_profile()


@pytest.fixture(scope="module")
def renderer(catalog: Catalog) -> Iterator[LetterRenderer]:
    with LetterRenderer(catalog) as r:
        yield r


def render(catalog: Catalog, sender: SenderProfile, renderer: LetterRenderer, template_id: str,
           *, number: str | None = None, **debtor: Any) -> Letter:
    """The template's sample letter, registered with AR and numbered (unless number == "")."""
    spec = next(s for s in catalog.templates.values() if s.id == template_id)
    case = dataclasses.replace(load_sample(spec), registered=True, acknowledgement=True)
    tracking = NUMBER[spec.language] if number is None else number
    _, ctx = renderer.context_for(case, sender.entity(case.locale), batch_date=SAMPLE_DATE,
                                  tracking_number=tracking)
    if debtor:
        ctx = dataclasses.replace(ctx, debtor=dataclasses.replace(ctx.debtor, **debtor))
    pdf = renderer.render_spec(spec, ctx.as_dict(), identifier=case.letter_key)
    return Letter(spec, ctx, pdf)


@pytest.fixture(scope="module")
def letters(catalog: Catalog, sender: SenderProfile,
            renderer: LetterRenderer) -> dict[str, Letter]:
    """Each Word template's sample letter, numbered, rendered on first use."""

    class Lazy(dict[str, Letter]):
        def __missing__(self, template_id: str) -> Letter:
            done = self[template_id] = render(catalog, sender, renderer, template_id)
            return done

    return Lazy()


def in_window(w: Word) -> bool:
    return WINDOW_X[0] - 0.1 <= w.x0 and w.x1 <= WINDOW_X[1]


def address_words(words: list[Word]) -> list[Word]:
    return [w for w in words if in_window(w)
            and ADDRESS_Y[0] - SLACK <= w.y0 and w.y1 <= ADDRESS_Y[1]]


def assert_address_in_window(letter: Letter) -> None:
    words = letter.words
    lines = letter.ctx.debtor.address_lines
    zone = address_words(words)
    # All of the address, in order, and nothing else in the address zone.
    assert squash("".join(w.text for w in zone)) == squash("".join(lines)), zone
    # One printed line per address line: no line wrapped onto a second one.
    rows = sorted({round(w.y0, 1) for w in zone})
    assert len(rows) == len(lines), rows


@pytest.mark.office
@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_address_lines_sit_in_the_address_zone(letters: dict[str, Letter],
                                               template_id: str) -> None:
    assert_address_in_window(letters[template_id])


@pytest.mark.office
@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_registered_number_and_barcode_sit_above_the_address(letters: dict[str, Letter],
                                                             template_id: str) -> None:
    letter = letters[template_id]
    number = letter.ctx.letter.tracking_number
    hits = [w for w in letter.words if w.text == number]
    assert len(hits) == 1, f"{number} is not printed once on page 1"
    n = hits[0]
    assert in_window(n)
    assert REGISTERED_Y[0] <= n.y0 and n.y1 <= REGISTERED_Y[1], n
    # The barcode is a picture on page 1, and its bars cross the registered zone's scan line
    # (at least one dark run per bar of the symbol) inside the window.
    assert len(PdfReader(io.BytesIO(letter.pdf)).pages[0].images) >= 1
    bars = len(code128_modules(number)[::2])  # bar, space, bar, ...: every other element
    assert dark_runs(letter.pdf, 55.5, *WINDOW_X) >= bars


@pytest.mark.office
@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_body_text_starts_below_the_window(letters: dict[str, Letter], template_id: str) -> None:
    words = letters[template_id].words
    service_and_number = [w for w in words if in_window(w)
                          and REGISTERED_Y[0] <= w.y0 and w.y1 <= REGISTERED_Y[1]]
    assert service_and_number, "no service line or number in the registered zone"
    window = service_and_number + address_words(words)
    # Nothing else on the page (letterhead above, body below) reaches the window's height.
    beside = [w for w in words if w not in window
              and w.y1 > REGISTERED_Y[0] + SLACK and w.y0 < ADDRESS_Y[1] - SLACK]
    assert not beside, beside


@pytest.mark.office
@pytest.mark.parametrize("template_id", WORD_TEMPLATES)
def test_every_page_shows_its_counter(letters: dict[str, Letter], template_id: str) -> None:
    letter = letters[template_id]
    pages = page_texts(letter.pdf)
    counter = COUNTER[letter.spec.language]
    for number, text in enumerate(pages, start=1):
        expected = counter.format(page=number, pages=len(pages))
        assert expected in squash(text), f"page {number} of {len(pages)} lacks '{expected}'"


@pytest.mark.office
@pytest.mark.parametrize("template_id", ["fr.lawyer_letter", "zh.plan_agreement"])
def test_unnumbered_letter_has_no_barcode(catalog: Catalog, sender: SenderProfile,
                                          renderer: LetterRenderer, template_id: str) -> None:
    letter = render(catalog, sender, renderer, template_id, number="")
    # Drawn, not listed: LibreOffice gives every page one shared resource dictionary, which
    # lists the signature of a later page too.
    assert page_images(letter.pdf, 1) == []
    assert dark_runs(letter.pdf, 55.5, *WINDOW_X) == 0
    assert_address_in_window(letter)  # the address does not move up without a number


# Six lines of 38 characters, the most address.py lets through, in wide capitals.
LONG_ADDRESS = ("M. WLADIMIR MAXIMILIEN DE LA MOTTE-WEB",
                "RESIDENCE DU MOULIN, BATIMENT W, APT 9",
                "ESCALIER M, CHEZ MME MARGUERITE DUMONT",
                "128 BOULEVARD DU MARECHAL MAC-MAHON WW",
                "BP 12345 MONTMORENCY-EN-WOEVRE WWWWWW",
                "59000 MONTIGNY-LES-METZ CEDEX 12 WWWWW")


@pytest.mark.office
@pytest.mark.parametrize("template_id", ["fr.plan_agreement", "ro.lawyer_letter"])
def test_longest_address_keeps_one_line_each(catalog: Catalog, sender: SenderProfile,
                                             renderer: LetterRenderer, template_id: str) -> None:
    assert all(len(line) <= 38 for line in LONG_ADDRESS)
    letter = render(catalog, sender, renderer, template_id, address_lines=LONG_ADDRESS)
    zone = [w for w in letter.words
            if w.x0 >= WINDOW_X[0] - 0.1 and ADDRESS_Y[0] - SLACK <= w.y0 < ADDRESS_Y[1]]
    assert squash("".join(w.text for w in zone)) == squash("".join(LONG_ADDRESS))
    assert len({round(w.y0, 1) for w in zone}) == len(LONG_ADDRESS)
    assert max(w.y1 for w in zone) <= ADDRESS_Y[1] + SLACK


def test_barcode_picture_holds_the_code128_modules() -> None:
    number = "RR123456785FR"
    png, width_mm, height_mm = barcode_png(number)
    image = Image.open(io.BytesIO(png)).convert("L")
    grey = {image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)}
    assert grey == {0, 255}  # pure black and white, no grey edges
    row = [image.getpixel((x, image.height // 2)) for x in range(image.width)]
    runs: list[int] = []
    for x, value in enumerate(row):
        if x and value == row[x - 1]:
            runs[-1] += 1
        else:
            runs.append(1)
    px = runs[1] // code128_modules(number)[0]  # pixels per module, from the first bar
    assert runs[0] == runs[-1] == 10 * px  # quiet zones
    assert [r // px for r in runs[1:-1]] == code128_modules(number)
    assert all(r % px == 0 for r in runs)
    assert round(width_mm / (image.width / px), 3) == 0.3 and height_mm == 5.5
