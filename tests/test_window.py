"""The envelope window, measured on the rendered first page of every (locale, kind).

The window is the one the demo sender profile declares (``[windows.DL]``): the address block
and the registered number with its barcode must be seen through it with 3 mm clear wherever
the folded sheet sits in its play, the return address for undeliverable items whole where the
window always shows it (above the number), and nothing else may show through it. Positions come from
poppler (``pdftotext -bbox``), ink from a 200 dpi render, and the barcode is decoded by
zbarimg from what the window shows at each extreme of the play.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import BATCH_DATE, DEMO_CASES, page_words, tracking_for

from notice_factory.catalog import Catalog
from notice_factory.context import return_address_line
from notice_factory.errors import ConfigError
from notice_factory.model import Case, Kind, Locale
from notice_factory.render import LetterRenderer
from notice_factory.settings import (
    DEFAULT_WINDOWS,
    EnvelopeWindow,
    SenderProfile,
    demo_sender_path,
    load_sender_profile,
    parse_sender_profile,
    sender_of,
)
from notice_factory.window import (
    CLEAR_MM,
    Rect,
    address_problem,
    check_first_page,
    content_zone,
    opening,
    reach,
    return_problem,
    visible,
    windows_json,
)

# One demo case per (locale, kind): all 15 pairs.
PAIRS: dict[tuple[Locale, Kind], Case] = {}
for _c in DEMO_CASES:
    PAIRS.setdefault((_c.locale, _c.kind), _c)
PAIR_PARAMS = [pytest.param(c, id=f"{c.locale.value}-{c.kind.value}") for c in PAIRS.values()]
ALL_PAIRS = [(loc, kind) for loc in Locale for kind in Kind]

# Five- and six-line addresses as address.py lays them out, at the 38-character limit.
LONG = {
    Locale.FR_FR: ("MME MARGUERITE-EMMANUELLE DE LA TOUR", "CHEZ M. ET MME DUPONT-MONTMORENCY",
                "RESIDENCE LES JARDINS BATIMENT C AP 9", "128 BOULEVARD DU MARECHAL MAC MAHON",
                "LIEU-DIT LA GRANDE COMBE DU MOULIN", "59000 MONTIGNY-LES-METZ CEDEX 12"),
    Locale.RO_RO: ("Dna. Alexandra-Mădălina Constantinescu",
                "Str. Ștefan cel Mare și Sfânt nr. 128", "bl. A12, sc. B, et. 10, ap. 154",
                "Sat Vânători, comuna Ciurea",
                "707055 Ciurea", "Județul Iași"),
    Locale.ZH_CN: ("100025", "北京市朝阳区", "建国门外大街甲一号国贸写字楼二座二十一层",
                "北京国际贸易中心有限公司财务部", "转交收件人本人亲启", "欧阳建国先生"),
}


def window() -> EnvelopeWindow:
    return load_sender_profile().windows["DL"]


@pytest.fixture(scope="module")
def module_renderer(catalog: Catalog) -> Iterator[LetterRenderer]:
    with LetterRenderer(catalog) as r:
        yield r


def render(renderer: LetterRenderer, sender: SenderProfile, case: Case,
           lines: tuple[str, ...] | None = None) -> tuple[bytes, tuple[str, ...], str, str]:
    """(PDF, address lines, registered number, return address line) of the case's letter."""
    number = tracking_for(sender, case, DEMO_CASES.index(case))
    spec, ctx = renderer.context_for(dataclasses.replace(case, registered=True),
                                     sender.entity(case.locale), batch_date=BATCH_DATE,
                                     tracking_number=number)
    if lines is not None:
        ctx = dataclasses.replace(ctx, debtor=dataclasses.replace(ctx.debtor,
                                                                  address_lines=lines))
    pdf = renderer.render_spec(spec, ctx.as_dict(), identifier=case.letter_key)
    return pdf, tuple(ctx.debtor.address_lines), number, ctx.letter.return_address


def zbar(png: bytes) -> list[str]:
    tool = shutil.which("zbarimg")
    if tool is None:
        pytest.fail("zbarimg is not installed (apt-get install zbar-tools)")
    out = subprocess.run([tool, "-q", "--raw", "-"], input=png, capture_output=True,
                         timeout=60)
    return out.stdout.decode().split()


def window_view(pdf: bytes, zone: Rect, dpi: int = 200) -> bytes:
    """What a scanner sees of ``zone`` of page 1 rendered at ``dpi``, as PNG bytes."""
    px = dpi / 25.4
    return subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(dpi), "-f", "1", "-l", "1",
         "-x", str(round(zone.x * px)), "-y", str(round(zone.y * px)),
         "-W", str(round(zone.width * px)), "-H", str(round(zone.height * px)), "-"],
        input=pdf, capture_output=True, check=True, timeout=120).stdout


def flat(text: str) -> str:
    return "".join(text.split())  # NBSP too: "Retour\u00a0:"


def assert_window_right(pdf: bytes, lines: tuple[str, ...], number: str, back: str) -> None:
    """Measured from the PDF: the return address one whole line where the window always shows
    it, above the rest; each address line and the number inside the safe zone, one printed
    row per line, nothing else in the window's reach; the barcode decodes at every extreme of
    the play from what the window shows."""
    win = window()
    safe, seen, near = content_zone(win), visible(win), reach(win)
    words = page_words(pdf, 1)
    shown = [w for w in words if w.x1 > near.x and w.x0 < near.right
             and w.y1 > near.y and w.y0 < near.bottom]
    top = min(w.y0 for w in shown)
    returned = [w for w in shown if abs(w.y0 - top) < 0.5]
    shown = [w for w in shown if w not in returned]
    assert back and flat("".join(w.text for w in returned)) == flat(back), (returned, back)
    for w in returned:
        assert seen.holds(Rect(w.x0, w.y0, w.x1 - w.x0, w.y1 - w.y0), 0.3), (w, seen)
    assert max(w.y1 for w in returned) <= min(w.y0 for w in shown) + 0.3
    for w in shown:
        assert safe.holds(Rect(w.x0, w.y0, w.x1 - w.x0, w.y1 - w.y0), 0.3), (w, safe)
    text = [w.text for w in shown]
    assert "".join(text).replace(" ", "") == (number + "".join(lines)).replace(" ", ""), text
    address_rows = {round(w.y0, 1) for w in shown if w.text != number}
    assert len(address_rows) == len(lines), (address_rows, lines)
    for dx in (-win.play_x, win.play_x):
        for dy in (-win.play_y, win.play_y):
            seen = dataclasses.replace(opening(win), x=win.x + dx, y=win.y + dy)
            assert zbar(window_view(pdf, seen)) == [number], (dx, dy)
    assert check_first_page(pdf, win, address_lines=lines, tracking_number=number,
                            return_line=back) == []


def test_every_locale_and_kind_has_a_demo_case() -> None:
    assert sorted(PAIRS, key=str) == sorted(ALL_PAIRS, key=str)


@pytest.mark.office
@pytest.mark.parametrize("case", PAIR_PARAMS)
def test_demo_letter_first_page_fits_the_window(module_renderer: LetterRenderer,
                                                sender: SenderProfile, case: Case) -> None:
    assert_window_right(*render(module_renderer, sender, case))


@pytest.mark.office
@pytest.mark.parametrize("count", [5, 6])
@pytest.mark.parametrize("case", PAIR_PARAMS)
def test_five_and_six_line_addresses_fit_the_window(module_renderer: LetterRenderer,
                                                    sender: SenderProfile, case: Case,
                                                    count: int) -> None:
    full = LONG[case.locale]
    lines = full[:count - 1] + full[-1:] if case.locale is not Locale.ZH_CN else full[-count:]
    assert all(len(line) <= 38 for line in lines)
    assert_window_right(*render(module_renderer, sender, case, lines))


@pytest.mark.parametrize("case", [PAIRS[(Locale.FR_FR, Kind.FORMAL_NOTICE)]])
def test_a_line_wider_than_the_window_is_reported(module_renderer: LetterRenderer,
                                                  sender: SenderProfile, case: Case) -> None:
    wanted = ("M. " + "W" * 35, "12 RUE DE LA PAIX", "75002 PARIS")
    pdf, lines, number, back = render(module_renderer, sender, case, wanted)
    problems = check_first_page(pdf, window(), address_lines=lines, tracking_number=number,
                                return_line=back)
    assert problems and "WWWW" in problems[0] and "3 mm" in problems[0], problems


@pytest.mark.parametrize("case", [PAIRS[(Locale.ZH_CN, Kind.REMINDER)]])
def test_a_window_the_layout_does_not_match_is_reported(module_renderer: LetterRenderer,
                                                        sender: SenderProfile,
                                                        case: Case) -> None:
    # A left-hand window (DIN 5008 position) would show the letterhead, not the address.
    left = EnvelopeWindow(x=20, y=45, width=90, height=45, play_x=4, play_y=5)
    pdf, lines, number, back = render(module_renderer, sender, case)
    problems = check_first_page(pdf, left, address_lines=lines, tracking_number=number,
                                return_line=back)
    assert any("other text shows through the window" in p for p in problems), problems
    assert any(f"registered number {number} is not printed" in p for p in problems), problems


SEVEN_LINES = ("M. Jean Dupont", "10 Downing Street", "Flat 3, Whitehall Court Residences",
               "Westminster Estate North", "LONDON", "SW1A 2AA", "ROYAUME-UNI")
#: A window drawn closer to the sheet (less play up and down) holds a 7th line.
SNUG = EnvelopeWindow(x=95, y=44.5, width=100, height=45, play_x=4, play_y=1)


def test_seven_lines_do_not_fit_the_default_window() -> None:
    # 6 lines of 3.6 mm below a 5.5 mm barcode row (and 1.5 mm between) fill the safe zone.
    safe = content_zone(DEFAULT_WINDOWS["DL"])
    assert 5.5 + 1.5 + 6 * 3.6 <= safe.height < 5.5 + 1.5 + 7 * 3.6
    problem = address_problem(SEVEN_LINES, DEFAULT_WINDOWS["DL"])
    assert problem and "needs 7 lines and the envelope's window shows 6" in problem
    assert address_problem(SEVEN_LINES, SNUG) is None
    assert address_problem(SEVEN_LINES[:6], DEFAULT_WINDOWS["DL"]) is None


@pytest.mark.office
@pytest.mark.parametrize("case", [PAIRS[(Locale.FR_FR, Kind.FORMAL_NOTICE)],
                                  PAIRS[(Locale.FR_FR, Kind.LAWYER_LETTER)]])
def test_seven_line_international_address_fits_a_window_that_holds_it(
        module_renderer: LetterRenderer, sender: SenderProfile, case: Case) -> None:
    pdf, lines, number, back = render(module_renderer, sender, case, SEVEN_LINES)
    assert check_first_page(pdf, SNUG, address_lines=lines, tracking_number=number,
                            return_line=back) == []
    words = [w for w in page_words(pdf, 1) if w.x0 >= 100 and 58.5 < w.y0 < 90]
    assert len({round(w.y0, 1) for w in words}) == 7
    assert max(w.y1 for w in words) <= content_zone(SNUG).bottom + 0.3
    # The same letter does not fit the default window: its 7th line leaves the safe zone.
    assert check_first_page(pdf, DEFAULT_WINDOWS["DL"], address_lines=lines,
                            tracking_number=number, return_line=back)


def test_zones_follow_the_play() -> None:
    win = EnvelopeWindow(x=100, y=50, width=100, height=40, play_x=5, play_y=4)
    assert visible(win) == Rect(105, 54, 90, 32)
    assert reach(win) == Rect(95, 46, 110, 48)
    assert content_zone(win) == Rect(105 + CLEAR_MM, 54 + CLEAR_MM, 90 - 2 * CLEAR_MM,
                                     32 - 2 * CLEAR_MM)
    assert windows_json({"DL": win}) == {"DL": {"x": Decimal(105), "y": Decimal(54),
                                                "width": Decimal(90), "height": Decimal(32)}}


def _profile(windows: dict[str, Any]) -> dict[str, Any]:
    import tomllib

    data = tomllib.loads(demo_sender_path().read_text("utf-8"))
    data["windows"] = windows
    return data


def test_profile_declares_windows() -> None:
    demo = load_sender_profile()
    assert demo.windows["DL"] == DEFAULT_WINDOWS["DL"]
    c5 = {"x": 110, "y": 50, "width": 90, "height": 40, "play_x": 2, "play_y": 2.5}
    profile = parse_sender_profile(_profile({"C5": c5}), folder=demo_sender_path().parent)
    assert profile.windows["C5"] == EnvelopeWindow(110, 50, 90, 40, 2, 2.5)
    assert profile.windows["DL"] == DEFAULT_WINDOWS["DL"]


@pytest.mark.parametrize(("window", "message"), [
    ({"x": 95, "y": 44.5, "width": 100, "height": 45, "play_x": 4}, "windows.DL.play_y"),
    ({"x": 95, "y": 44.5, "width": 100, "height": 45, "play_x": 4, "play_y": 5, "z": 1},
     "windows.DL.z: unknown key"),
    ({"x": 95, "y": 44.5, "width": 100, "height": 45, "play_x": 60, "play_y": 5},
     "nothing of the window always visible"),
    ({"x": "95", "y": 44.5, "width": 100, "height": 45, "play_x": 4, "play_y": 5},
     "windows.DL.x: must be a number of millimetres"),
    ({"x": 150, "y": 44.5, "width": 100, "height": 45, "play_x": 4, "play_y": 5},
     "falls off the A4 sheet"),
])
def test_bad_window_is_refused_naming_the_key(window: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_sender_profile(_profile({"DL": window}), folder=demo_sender_path().parent)
    assert message in str(err.value)


# ---------------------------------------------------------------- the return address


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("kind", list(Kind))
def test_every_letter_carries_its_senders_return_address(sender: SenderProfile,
                                                         locale: Locale, kind: Kind) -> None:
    """The law firm's for a lawyer letter, else the creditor's ([<locale>.postal]
    return_address when the profile gives one), with the language's label."""
    import tomllib

    from notice_factory.settings import demo_sender_path
    raw = tomllib.loads(demo_sender_path().read_text("utf-8"))[locale.value]
    case = PAIRS[(locale, kind)]
    if kind is Kind.LAWYER_LETTER:
        parts = [raw["lawyer"]["firm"], *raw["lawyer"]["address"]]
    else:
        parts = raw["postal"].get("return_address") or [raw["creditor"]["name"],
                                                        *raw["creditor"]["address"]]
    label = {"fr": "Retour\u00a0: ", "ro": "Expeditor: ", "zh": "退回地址："}[locale.language]
    back = return_address_line(case, sender.entity(locale))
    assert back == label + (" " if locale is Locale.ZH_CN else ", ").join(parts)
    # What the window shows of an envelope must not reveal a debt.
    assert "ecouvrement" not in back and "催收" not in back


def test_without_the_key_the_return_address_is_the_creditors() -> None:
    data = _profile({})
    del data["fr_FR"]["postal"]["return_address"]
    data["fr_FR"]["creditor"]["address"] = ["12 rue de la Paix", "75002 Paris"]
    entity = parse_sender_profile(data, folder=demo_sender_path().parent).entity(Locale.FR_FR)
    assert sender_of("reminder", entity).return_address == (
        "Banque Exemple SA", "12 rue de la Paix", "75002 Paris")
    data["fr_FR"]["lawyer"]["return_address"] = ["Lefèvre & Associés", "BP 12", "75008 PARIS"]
    entity = parse_sender_profile(data, folder=demo_sender_path().parent).entity(Locale.FR_FR)
    assert sender_of("lawyer_letter", entity).return_address == (
        "Lefèvre & Associés", "BP 12", "75008 PARIS")


@pytest.mark.parametrize(("change", "key", "word"), [
    # The demo creditor's address names its "Service Recouvrement amiable".
    (lambda d: d["fr_FR"]["postal"].pop("return_address"), "fr_FR.postal.return_address",
     "Recouvrement"),
    (lambda d: d["zh_CN"]["postal"].update(return_address=["信用卡中心催收部", "100022"]),
     "zh_CN.postal.return_address", "催收"),
    (lambda d: d["ro_RO"]["lawyer"].update(return_address=["Departament Creanțe", "București"]),
     "ro_RO.lawyer.return_address", "Creanțe"),
])
def test_a_return_address_that_reveals_a_debt_is_refused(change: Any, key: str,
                                                          word: str) -> None:
    data = _profile({})
    change(data)
    with pytest.raises(ConfigError) as err:
        parse_sender_profile(data, folder=demo_sender_path().parent)
    message = str(err.value)
    assert key in message and f"«{word}»" in message and "reveal a debt" in message


@pytest.mark.parametrize("case", [PAIRS[(Locale.FR_FR, Kind.REMINDER)]])
def test_a_return_address_missing_or_unexpected_is_reported(module_renderer: LetterRenderer,
                                                            sender: SenderProfile,
                                                            case: Case) -> None:
    pdf, lines, number, _ = render(module_renderer, sender, case)
    # Printed but not expected: other text in the window.
    problems = check_first_page(pdf, window(), address_lines=lines, tracking_number=number)
    assert any("other text shows through the window" in p and "Retour" in p
               for p in problems), problems
    # Expected but not what is printed: said, with the zone it must be in.
    other = "Retour\u00a0: Banque Exemple SA, 1 place Vendôme, 75001 PARIS"
    problems = check_first_page(pdf, window(), address_lines=lines, tracking_number=number,
                                return_line=other)
    assert any(f"return address «{other}» is not printed whole" in p for p in problems)


def test_a_return_address_too_wide_for_the_window_is_found_before_numbering() -> None:
    wide = "Retour\u00a0: " + ", ".join(["Banque Exemple SA, Direction des opérations",
                                          "Immeuble Le Ponant, 12 rue de la Paix",
                                          "75002 PARIS"])
    problem = return_problem(wide, DEFAULT_WINDOWS["DL"])
    assert problem and "prints" in problem and "86 mm" in problem
    assert return_problem(wide[:60], DEFAULT_WINDOWS["DL"]) is None


def test_stray_ink_is_every_dark_pixel_no_allowed_box_holds_topmost_first() -> None:
    """Ink.boxes_outside tests rectangles per column and per row (issue 16: it was per pixel,
    a third of the window check's time); a pixel on an edge or straddling two allowed boxes
    counts as outside, as before."""
    from notice_factory.window import INK_DPI, Ink

    mm = 25.4 / INK_DPI
    zone = Rect(100.0, 50.0, 20 * mm, 10 * mm)
    dark = frozenset({(1, 1), (2, 1), (9, 1), (10, 1), (15, 8), (3, 9), (19, 0)})
    # Holds columns 0-9 of rows 0-5 (grown by one pixel by boxes_outside), and column 15 row 8.
    left = Rect(100.0 + mm, 50.0 + mm, 8 * mm, 4 * mm)
    dot = Rect(100.0 + 15.5 * mm, 50.0 + 8.5 * mm, 0.0, 0.0)
    outside = Ink(zone, dark).boxes_outside([left, dot])
    where = [(round((b.x - zone.x) / mm), round((b.y - zone.y) / mm)) for b in outside]
    assert where == [(19, 0), (10, 1), (3, 9)]
    assert all(abs(b.width - mm) < 1e-9 for b in outside)
    assert Ink(zone, frozenset()).boxes_outside([left]) == []
    many = frozenset((c, 0) for c in range(20))
    assert len(Ink(zone, many).boxes_outside([])) == 5
