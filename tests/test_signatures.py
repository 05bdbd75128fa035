"""Signatures, seals and copies, read back from real rendered PDFs (issue 12).

* The sender profile's signature and seal images (PNG or SVG beside the profile, confined
  like templates) are checked when the profile loads, each error naming its key.
* Every (locale, kind) that needs a signature or seal (rules.SIGNING) prints the profile's
  image, as an image, on the page with the signatory's name and next to it (the Chinese
  seal over the issuer's name), on every copy of the letter; HTML and Word kinds alike.
* A case whose profile lacks what its kind needs is held before numbering (rejects.csv,
  "needs a signature/seal", the missing key), no number spent; `--allow-unsigned` prints a
  plain line instead, never a drawn seal.
* `templates preview` is a specimen: watermarked on every page, with a fake number.
* Documents to countersign hold two marked copies, the copy to return with the creditor's
  address and the deadline; the page count is the PDF's.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from conftest import (
    BATCH_DATE,
    DEMO_CASES,
    FIXTURES,
    Placed,
    RenderedSet,
    Word,
    demo_ledger,
    page_images,
    page_texts,
    page_words,
)
from pypdf import PdfReader

from notice_factory.errors import ConfigError
from notice_factory.model import Case, Kind, Locale
from notice_factory.pipeline import run_batch
from notice_factory.render import LetterRenderer
from notice_factory.rules import COUNTERSIGNED, SIGNING
from notice_factory.settings import SenderProfile, load_sender_profile
from notice_factory.templatecheck import find_spec, preview

DEMO_PROFILE = FIXTURES / "sender-demo.toml"
NEEDS = [pytest.param(loc, kind, id=f"{loc.value}-{kind.value}")
         for loc, kinds in SIGNING.items() for kind in kinds]
COPIES = [pytest.param(loc, kind, id=f"{loc.value}-{kind.value}")
          for loc in Locale for kind in sorted(COUNTERSIGNED)]
# The marks each copy carries on every page, and the return line of the copy to return.
MARKS = {
    "fr": ("Exemplaire à conserver", "Exemplaire à retourner signé"),
    "ro": ("Exemplarul debitorului, de păstrat", "Exemplar de returnat semnat"),
    "zh": ("留存联（由您保存）", "寄回联（签字后寄回）"),
}
SEAL_MM, SIGNATURE_MM = 40.0, 18.0


def demo(locale: Locale, kind: Kind) -> Case:
    return next(c for c in DEMO_CASES if c.locale is locale and c.kind is kind)


# ---------------------------------------------------------------- images on a page


def seals(images: list[Placed]) -> list[Placed]:
    return [i for i in images if abs(i.width - SEAL_MM) < 1.5 and abs(i.height - SEAL_MM) < 1.5]


def signatures(images: list[Placed]) -> list[Placed]:
    return [i for i in images if abs(i.height - SIGNATURE_MM) < 1.5 and i.width > i.height * 2]


def boxes_of(pdf: bytes, page: int, phrase: str) -> list[Word]:
    """The boxes of every occurrence of ``phrase`` on the page (its words in a row)."""
    words = page_words(pdf, page)
    parts = phrase.split()
    found = []
    for i in range(len(words) - len(parts) + 1):
        run = words[i:i + len(parts)]
        if all(p in w.text for w, p in zip(run, parts, strict=True)):
            found.append(Word(phrase, min(w.x0 for w in run), min(w.y0 for w in run),
                              max(w.x1 for w in run), max(w.y1 for w in run)))
    return found


def gap(a: Placed, b: Word) -> float:
    """The distance between two boxes in mm (0 when they overlap)."""
    dx = max(a.x0 - b.x1, b.x0 - a.x1, 0.0)
    dy = max(a.y0 - b.y1, b.y0 - a.y1, 0.0)
    return float((dx ** 2 + dy ** 2) ** 0.5)


def signatory_names(sender: SenderProfile, case: Case, key: str) -> str:
    """What the letter prints next to the image: the lawyer's or firm's name, the
    creditor's signatory (FR/RO) or the bank's name (CN seal)."""
    entity = sender.entity(case.locale)
    if key.startswith("lawyer."):
        assert entity.lawyer is not None
        if case.locale is Locale.ZH_CN:
            return entity.lawyer.firm if key.endswith("seal") else "律师签字"
        return entity.lawyer.name.split()[-1]  # "Lefèvre", "Popa"
    if case.locale is Locale.ZH_CN:
        return entity.creditor.name
    return entity.signatory.split(",")[0]  # "Claire Martin"


def copy_ranges(pdf: bytes, case: Case) -> list[range]:
    """The 1-based page numbers of each copy the letter holds (padding blank pages left out)."""
    texts = page_texts(pdf)
    keep, back = MARKS[case.locale.language]
    return [range(1, len(texts) + 1)] if case.kind not in COUNTERSIGNED else [
        range(min(n), max(n) + 1) for n in (
            [n for n, t in enumerate(texts, 1) if keep in t],
            [n for n, t in enumerate(texts, 1) if back in t])]


# ---------------------------------------------------------------- the profile's images


def write_profile(folder: Path, edit: dict[str, str] | None = None,
                  drop: tuple[str, ...] = ()) -> Path:
    """The demo profile copied into ``folder`` with its images, some lines changed or cut."""
    shutil.copytree(FIXTURES / "sender-demo-images", folder / "sender-demo-images")
    text = DEMO_PROFILE.read_text(encoding="utf-8")
    for old, new in (edit or {}).items():
        assert old in text, old
        text = text.replace(old, new, 1)
    lines = [line for line in text.splitlines() if not any(line.startswith(d) for d in drop)]
    path = folder / "sender.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FR_SIGNATURE = 'signature = "sender-demo-images/signature-fr-creditor.png"'


def test_demo_profile_images_load_as_specimens(sender: SenderProfile) -> None:
    fr, zh = sender.entity(Locale.FR_FR), sender.entity(Locale.ZH_CN)
    assert fr.signature is not None and fr.signature.key == "fr_FR.creditor.signature"
    assert fr.signature.format == "png" and fr.signature.data.startswith(b"\x89PNG")
    assert zh.seal is not None and zh.lawyer is not None and zh.lawyer.seal is not None
    for loc, kinds in SIGNING.items():  # the demo has every image its letters need
        entity = sender.entity(loc)
        assert all(entity.picture(k) for ks in kinds.values() for k in ks), loc


@pytest.mark.parametrize("value, why", [
    ("https://example.com/s.png", "not a URL"),
    ("file:///etc/passwd", "not a URL"),
    ("/etc/passwd", "not a URL or an absolute path"),
    ("../outside.png", "outside the profile's folder"),
    ("sender-demo-images/missing.png", "cannot read"),
    ("notes.gif", "neither a PNG nor an SVG"),
    ("linked.svg", "refers to another file or URL"),
    ("broken.png", "damaged PNG"),
])
def test_a_bad_image_is_refused_at_load_naming_its_key(tmp_path: Path, value: str,
                                                       why: str) -> None:
    (tmp_path / "notes.gif").write_bytes(b"GIF89a\x01\x00\x01\x00")
    (tmp_path / "linked.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="https://example.com/seal.png" width="10" height="10"/></svg>')
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (tmp_path.parent / "outside.png").write_bytes(
        (FIXTURES / "sender-demo-images" / "signature-fr-creditor.png").read_bytes())
    path = write_profile(tmp_path, {FR_SIGNATURE: f'signature = "{value}"'})
    with pytest.raises(ConfigError) as err:
        load_sender_profile(path)
    message = err.value.format_message()
    assert "fr_FR.creditor.signature" in message and why in message, message


def test_an_svg_image_beside_the_profile_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "sig.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="22mm" viewBox="0 0 60 22">'
        '<path d="M2 15 C 10 2, 20 20, 30 8 S 50 18, 58 6" stroke="#142878" fill="none"/>'
        '<text x="8" y="14" font-size="7" fill="#666">SPECIMEN</text></svg>')
    profile = load_sender_profile(write_profile(tmp_path, {FR_SIGNATURE: 'signature = "sig.svg"'}))
    picture = profile.entity(Locale.FR_FR).signature
    assert picture is not None and picture.format == "svg"
    assert picture.data_uri().startswith("data:image/svg+xml;base64,")


# ---------------------------------------------------------------- images in the letters


@pytest.mark.parametrize("locale, kind", NEEDS)
def test_signature_and_seal_images_sit_by_the_signatory_on_every_copy(
        rendered: RenderedSet, sender: SenderProfile, locale: Locale, kind: Kind) -> None:
    case = demo(locale, kind)
    pdf = rendered[case].pdf
    for key in SIGNING[locale][kind]:
        name = signatory_names(sender, case, key)
        for pages in copy_ranges(pdf, case):
            found = []
            for page in pages:
                boxes = boxes_of(pdf, page, name)
                if not boxes:
                    continue
                images = page_images(pdf, page)
                pick = seals(images) if key.endswith("seal") else signatures(images)
                found += [(page, min(gap(img, box) for box in boxes)) for img in pick]
            assert found, f"{case.letter_key}: no {key} image on the pages naming {name!r}"
            # The seal covers the name it seals; a signature is within a few lines of it.
            limit = 0.0 if key.endswith("seal") else 25.0
            assert min(d for _, d in found) <= limit, (case.letter_key, key, found)


@pytest.mark.parametrize("kind", [Kind.REMINDER, Kind.PLAN_AGREEMENT])
def test_the_chinese_seal_is_red_and_about_40_mm(rendered: RenderedSet, kind: Kind) -> None:
    pdf = rendered[demo(Locale.ZH_CN, kind)].pdf
    found = [s for n in range(1, len(page_texts(pdf)) + 1) for s in seals(page_images(pdf, n))]
    assert found, "a seal-sized image"
    for seal in found:
        assert 38.5 <= seal.width <= 41.5 and 38.5 <= seal.height <= 41.5
        r, g, b = seal.rgb
        assert r > 150 and g < 110 and b < 110, seal.rgb


# ---------------------------------------------------------------- held, or plain line


@pytest.fixture(scope="module")
def unsealed_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo profile without the Chinese bank's seal nor the French lawyer's signature."""
    folder = tmp_path_factory.mktemp("unsealed")
    return write_profile(folder, drop=(
        'seal = "sender-demo-images/seal-zh-creditor.png"',
        'signature = "sender-demo-images/signature-fr-lawyer.png"'))


def _cases(path: Path, *picks: tuple[Locale, Kind]) -> Path:
    rows = (FIXTURES / "cases.csv").read_text(encoding="utf-8").splitlines()
    ids = [demo(loc, kind).case_id for loc, kind in picks]
    path.write_text("\n".join([rows[0], *(r for r in rows[1:] if r.split(",")[0] in ids)])
                    + "\n", encoding="utf-8")
    return path


def _ledger_numbers(ledger: Path) -> int:
    db = sqlite3.connect(str(ledger))
    try:
        return int(db.execute("SELECT count(*) FROM numbers").fetchone()[0])
    finally:
        db.close()


def test_a_letter_missing_its_seal_or_signature_is_held_before_numbering(
        tmp_path: Path, unsealed_profile: Path) -> None:
    cases = _cases(tmp_path / "cases.csv", (Locale.ZH_CN, Kind.REMINDER),
                   (Locale.FR_FR, Kind.LAWYER_LETTER), (Locale.FR_FR, Kind.REMINDER))
    ledger = demo_ledger(tmp_path / "ledger.sqlite")
    before = _ledger_numbers(ledger)
    summary = run_batch(cases, tmp_path / "out", sender=load_sender_profile(unsealed_profile),
                        ledger_path=ledger, batch_date=BATCH_DATE, jobs=0)
    held = {e.case_id: e.message for e in summary.rejects}
    zh, fr = demo(Locale.ZH_CN, Kind.REMINDER), demo(Locale.FR_FR, Kind.LAWYER_LETTER)
    assert set(held) == {zh.case_id, fr.case_id}, held
    assert "needs a signature/seal" in held[zh.case_id]
    assert "zh_CN.creditor.seal" in held[zh.case_id]
    assert "fr_FR.lawyer.signature" in held[fr.case_id]
    rejects = (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8")
    assert "needs a signature/seal" in rejects and "zh_CN.creditor.seal" in rejects
    assert summary.letters == 1  # the French reminder needs no signature image
    # Numbers spent: only the reminder's (held letters never reached numbering).
    assert summary.new_numbers == 1 and _ledger_numbers(ledger) - before == 1
    manifest = (tmp_path / "out" / "manifest.csv").read_text(encoding="utf-8")
    assert zh.case_id not in manifest and fr.case_id not in manifest


def test_allow_unsigned_prints_a_plain_line_and_no_seal(tmp_path: Path,
                                                        unsealed_profile: Path) -> None:
    cases = _cases(tmp_path / "cases.csv", (Locale.ZH_CN, Kind.REMINDER))
    summary = run_batch(cases, tmp_path / "out", sender=load_sender_profile(unsealed_profile),
                        ledger_path=demo_ledger(tmp_path / "ledger.sqlite"),
                        batch_date=BATCH_DATE, jobs=0, allow_unsigned=True)
    assert summary.rejects == [] and summary.letters == 1
    (letter,) = (tmp_path / "out" / "letters").glob("*.pdf")
    pdf = letter.read_bytes()
    texts = page_texts(pdf)
    assert "（盖章）" in texts[-1]  # where to stamp it by hand
    assert all(seals(page_images(pdf, n)) == [] for n in range(1, len(texts) + 1))
    # Nothing stands in for the seal: no red ink at all (a drawn circle, a red name).
    assert red_inks(pdf) == []


def red_inks(pdf: bytes) -> list[tuple[str, list[float]]]:
    """Every red fill or stroke colour the pages set (rg/RG, sc/scn with three values)."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for instruction in pikepdf.parse_content_stream(page):
                op = str(instruction.operator)
                values = [float(v) for v in instruction.operands
                          if isinstance(v, int | float | Decimal)]
                if op in ("rg", "RG", "sc", "scn", "SC", "SCN") and len(values) == 3:
                    r, g, b = values
                    if r > 0.5 and g < 0.35 and b < 0.35:
                        found.append((op, values))
    return found


# ---------------------------------------------------------------- preview


def test_preview_is_a_watermarked_specimen_with_a_fake_number(
        renderer: LetterRenderer, sender: SenderProfile) -> None:
    spec = find_spec(renderer.catalog, "zh.commitment_form")
    pdf, ctx = preview(spec, renderer, sender)
    texts = page_texts(pdf)
    assert texts and all("SPECIMEN" in t for t in texts)
    number = ctx.letter.tracking_number
    assert number.startswith("ZZ00000000") and number in texts[0]
    postal = sender.entity(Locale.ZH_CN).postal
    assert not any(number[2:10] == f"{n:08d}" for r in postal.ranges
                   for n in (r.first, r.last)), "never a number of the sender's ranges"
    assert number[:2] not in {r.service for r in postal.ranges}


# ---------------------------------------------------------------- two copies


@pytest.mark.parametrize("locale, kind", COPIES)
def test_a_document_to_countersign_holds_two_marked_copies(
        rendered: RenderedSet, sender: SenderProfile, locale: Locale, kind: Kind) -> None:
    case = demo(locale, kind)
    letter = rendered[case]
    texts = page_texts(letter.pdf)
    assert letter.pages == len(texts) == len(PdfReader(io.BytesIO(letter.pdf)).pages)
    keep, back = MARKS[locale.language]
    kept = [n for n, t in enumerate(texts, 1) if keep in t]
    returned = [n for n, t in enumerate(texts, 1) if back in t]
    blank = [n for n, t in enumerate(texts, 1) if not t.strip()]
    assert kept and returned and max(kept) < min(returned), (kept, returned)
    assert kept == list(range(1, len(kept) + 1)), "the debtor's copy first, every page marked"
    assert returned == list(range(min(returned), len(texts) + 1)), "every page of the other"
    assert sorted(kept + returned + blank) == list(range(1, len(texts) + 1))
    assert (min(returned) - 1) % 2 == 0, "the copy to return starts on a new sheet"
    # The return address and deadline, on the copy to return only.
    creditor = sender.entity(locale).creditor
    deadline = letter.context.letter.deadline
    back_text = "".join(texts[n - 1] for n in returned).replace("\n", "")
    keep_text = "".join(texts[n - 1] for n in kept).replace("\n", "")
    assert deadline.replace(" ", "") in back_text.replace(" ", "")
    assert creditor.address[-1].replace(" ", "") in back_text.replace(" ", "")
    assert back not in keep_text


def test_a_one_copy_letter_is_not_marked(rendered: RenderedSet) -> None:
    text = "".join(page_texts(rendered[demo(Locale.FR_FR, Kind.FORMAL_NOTICE)].pdf))
    assert not any(m in text for marks in MARKS.values() for m in marks)


def test_copies_are_deterministic(renderer: LetterRenderer, sender: SenderProfile) -> None:
    case = demo(Locale.FR_FR, Kind.COMMITMENT_FORM)
    entity = sender.entity(case.locale)
    first = renderer.render(case, entity, batch_date=BATCH_DATE).pdf
    again = renderer.render(dataclasses.replace(case), entity, batch_date=BATCH_DATE).pdf
    assert first == again
