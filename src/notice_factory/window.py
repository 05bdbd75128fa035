"""The envelope window: what of a letter's first page shows through it, whatever the play.

A sheet folded in three moves inside its envelope, up to ``play_x`` millimetres left or
right and ``play_y`` up or down of where the window was drawn for it. Seen from the sheet,
the opening moves the other way, so two zones matter (millimetres from the sheet's top-left
corner):

- :func:`visible`: the window shrunk by the play on every side, the part of the page seen
  through the window wherever the sheet sits. ``batch.json`` records it per envelope.
- :func:`reach`: the window grown by the play, every point that may show through it.

The first page is right when the address block and the registered number with its barcode
lie inside :func:`content_zone` (``visible`` with :data:`CLEAR_MM` clear on every side) and
nothing else prints in :func:`reach`. :func:`check_first_page` tells, from what a reader
of the PDF sees (the words of page 1 with their boxes and the ink of the zone rasterised),
what breaks these rules, in words a clerk understands.

>>> from notice_factory.settings import DEFAULT_WINDOWS
>>> dl = DEFAULT_WINDOWS["DL"]
>>> visible(dl), reach(dl)
(Rect(x=99.0, y=49.5, width=92.0, height=35.0), Rect(x=91.0, y=39.5, width=108.0, height=55.0))
>>> content_zone(dl)
Rect(x=102.0, y=52.5, width=86.0, height=29.0)
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from pathlib import Path

from fontTools.ttLib import TTFont

from notice_factory.errors import RenderError
from notice_factory.settings import EnvelopeWindow

#: Clear space kept between what must be read through the window and the window's edges.
CLEAR_MM = 3.0
PT_PER_MM = 72 / 25.4
#: Resolution of the ink check: 0.25 mm pixels are enough to see a letter or a rule.
INK_DPI = 100
#: A word box may overshoot its line by this much (pdftotext spans the font's whole ascent).
SLACK_MM = 0.3
#: Words whose tops are this close sit on one printed line.
ROW_MM = 0.5
#: The address block's type size (templates/_common/letter.css, the Word templates' Address style).
ADDRESS_PT = 9.0
#: Where the layout prints the address block (mm from the sheet's top) and its line pitch.
ADDRESS_TOP_MM = 59.0
ADDRESS_PITCH_MM = 3.6
#: The return address's type size (letter.css .return; the Word templates' return line).
RETURN_PT = 6.0
#: The families an address may be printed in (HTML: sans; Word: serif): a line must fit in both.
ADDRESS_FAMILIES = ("Liberation Sans", "Liberation Serif")


@dataclass(frozen=True)
class Rect:
    """A rectangle in millimetres from the sheet's top-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def grown(self, dx: float, dy: float) -> Rect:
        """This rectangle with ``dx`` more on the left and right, ``dy`` above and below.

        >>> Rect(10, 10, 20, 20).grown(-2, 1)
        Rect(x=12, y=9, width=16, height=22)
        """
        return Rect(self.x - dx, self.y - dy, self.width + 2 * dx, self.height + 2 * dy)

    def holds(self, box: Rect, slack: float = 0.0) -> bool:
        return (box.x >= self.x - slack and box.right <= self.right + slack
                and box.y >= self.y - slack and box.bottom <= self.bottom + slack)

    def meets(self, box: Rect) -> bool:
        return (box.x < self.right and box.right > self.x
                and box.y < self.bottom and box.bottom > self.y)

    def as_json(self) -> dict[str, Decimal]:
        """Millimetres as exact decimals (``batch.json`` writes them as strings, like every
        Decimal it holds).

        >>> Rect(99, 49.5, 92, 35).as_json()
        {'x': Decimal('99'), 'y': Decimal('49.5'), 'width': Decimal('92'), 'height': Decimal('35')}
        """
        return {k: Decimal(f"{v:.2f}").normalize()
                for k, v in (("x", self.x), ("y", self.y), ("width", self.width),
                             ("height", self.height))}


def opening(window: EnvelopeWindow) -> Rect:
    """The window where it falls on a sheet that sits exactly where it was drawn for."""
    return Rect(window.x, window.y, window.width, window.height)


def visible(window: EnvelopeWindow) -> Rect:
    """The part of the page seen through the window wherever the sheet sits in its play."""
    return opening(window).grown(-window.play_x, -window.play_y)


def reach(window: EnvelopeWindow) -> Rect:
    """Every point of the page that may show through the window."""
    return opening(window).grown(window.play_x, window.play_y)


def content_zone(window: EnvelopeWindow) -> Rect:
    """Where the address block and the registered number must lie: visible, 3 mm clear."""
    return visible(window).grown(-CLEAR_MM, -CLEAR_MM)


def windows_json(windows: Mapping[str, EnvelopeWindow]) -> dict[str, dict[str, Decimal]]:
    """``batch.json``'s ``windows``: per envelope, the zone guaranteed visible, in mm."""
    return {name: visible(w).as_json() for name, w in sorted(windows.items())}


# ---------------------------------------------------------------- before a number is spent


@functools.cache
def _advances(family: str) -> tuple[dict[int, int], int]:
    """(code point -> advance width in font units, units per em) of the family's regular face."""
    found = _run([_tool("fc-match"), "-f", "%{file}", family], b"").decode()
    try:
        font = TTFont(io.BytesIO(Path(found).read_bytes()), lazy=True)  # no file left open
        metrics, cmap = font["hmtx"].metrics, font.getBestCmap()
        return {cp: metrics[glyph][0] for cp, glyph in cmap.items()}, font["head"].unitsPerEm
    except Exception as exc:  # a missing or broken font file: no letter can be measured
        raise RenderError(f"cannot read the font {family} ({found}) to measure addresses: "
                          f"{exc}; install fonts-liberation2 (scripts/install.sh does)") from exc


def printed_width_mm(line: str, size_pt: float = ADDRESS_PT) -> float:
    """The widest the line prints among :data:`ADDRESS_FAMILIES` (CJK characters 1 em wide).

    >>> round(printed_width_mm("75002 PARIS"), 1), round(printed_width_mm("北京市"), 1)
    (19.2, 9.5)
    """
    em = size_pt / PT_PER_MM
    widest = 0.0
    for family in ADDRESS_FAMILIES:
        advances, units = _advances(family)
        width = sum(advances.get(ord(ch), units) for ch in line) / units * em
        widest = max(widest, width)
    return widest


def address_capacity(window: EnvelopeWindow) -> int:
    """How many address lines the layout prints inside the window's safe zone.

    >>> from notice_factory.settings import DEFAULT_WINDOWS, EnvelopeWindow
    >>> address_capacity(DEFAULT_WINDOWS["DL"])
    6
    >>> address_capacity(EnvelopeWindow(95, 44.5, 100, 45, play_x=4, play_y=2))
    7
    """
    room = content_zone(window).bottom - ADDRESS_TOP_MM + SLACK_MM
    return max(0, int(room // ADDRESS_PITCH_MM))


def address_problem(lines: Sequence[str], window: EnvelopeWindow) -> str | None:
    """Why an address cannot be printed in the window, found before any number is spent."""
    room = content_zone(window).width
    for line in lines:
        width = printed_width_mm(line)
        if width > room:
            return (f"the address line «{line}» prints {width:.0f} mm wide and the window shows "
                    f"{room:g} mm (with {CLEAR_MM:g} mm clear whatever the sheet's play): "
                    "shorten it (abbreviate the street type, drop the building name)")
    capacity = address_capacity(window)
    if len(lines) > capacity:
        return (f"the address needs {len(lines)} lines and the envelope's window shows "
                f"{capacity} (with {CLEAR_MM:g} mm clear whatever the sheet's play): "
                "shorten it (drop address_line2 or join it to the street)")
    return None


def return_problem(line: str, window: EnvelopeWindow) -> str | None:
    """Why the return address line cannot be printed whole in the window, found before any
    number is spent (it prints at :data:`RETURN_PT` from the address block's left edge).

    >>> from notice_factory.settings import DEFAULT_WINDOWS
    >>> return_problem("Retour : Banque Exemple SA, 12 rue de la Paix, 75002 PARIS",
    ...                DEFAULT_WINDOWS["DL"]) is None
    True
    >>> return_problem("Retour : " + "Banque " * 10, DEFAULT_WINDOWS["DL"])  # doctest: +ELLIPSIS
    'the return address «Retour : Banque Banque ...» prints 87 mm wide at 6 pt and the window ...'
    """
    room = content_zone(window).width
    width = printed_width_mm(line, RETURN_PT)
    if width <= room:
        return None
    return (f"the return address «{line}» prints {width:.0f} mm wide at {RETURN_PT:g} pt "
            f"and the window shows {room:g} mm: shorten it (return_address in the sender "
            "profile)")


# ---------------------------------------------------------------- reading the first page


@dataclass(frozen=True)
class Word:
    text: str
    box: Rect


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RenderError(f"the window check needs {name}: install poppler-utils "
                          "(scripts/install.sh does)")
    return path


def _run(args: list[str], pdf: bytes) -> bytes:
    try:
        return subprocess.run(args, input=pdf, capture_output=True, check=True,
                              timeout=60).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"the window check could not read the letter's first page: {exc}"
                          ) from exc


def first_page_words(pdf: bytes) -> list[Word]:
    """Every word of page 1 with its box in millimetres (poppler's pdftotext)."""
    xml = _run([_tool("pdftotext"), "-bbox", "-f", "1", "-l", "1", "-", "-"], pdf)
    out = []
    for m in _WORD.finditer(xml.decode("utf-8")):
        x0, y0, x1, y1 = (float(v) / PT_PER_MM for v in m.group(1, 2, 3, 4))
        out.append(Word(unescape(m[5]), Rect(x0, y0, x1 - x0, y1 - y0)))
    return out


@dataclass(frozen=True)
class Ink:
    """The dark pixels of one zone of page 1, rasterised at :data:`INK_DPI`."""

    zone: Rect
    dark: frozenset[tuple[int, int]]  # (column, row) inside the zone

    def boxes_outside(self, allowed: Sequence[Rect]) -> list[Rect]:
        """One small box per dark pixel of the zone outside every ``allowed`` (at most 5),
        the topmost first.

        A pixel is held by a rectangle when its column's span and its row's span both are, so
        each rectangle is tested once per column and once per row, not once per pixel (a
        first page has thousands of dark pixels in the window's reach)."""
        mm = 25.4 / INK_DPI
        if not self.dark:
            return []
        columns = range(max(self.dark)[0] + 1)
        rows = range(max(self.dark, key=lambda p: p[1])[1] + 1)
        held: dict[int, set[int]] = {r: set() for r in rows}  # row -> its columns held
        for a in (a.grown(mm, mm) for a in allowed):
            xs = {c for c in columns if (x := self.zone.x + c * mm) >= a.x and x + mm <= a.right}
            for r in rows:
                if (y := self.zone.y + r * mm) >= a.y and y + mm <= a.bottom:
                    held[r] |= xs
        outside = sorted((row, col) for col, row in self.dark if col not in held[row])
        return [Rect(self.zone.x + col * mm, self.zone.y + row * mm, mm, mm)
                for row, col in outside[:5]]


_DARK = bytes(1 if v < 128 else 0 for v in range(256))  # a grey level -> 1 if dark
_ONE = re.compile(b"\x01")


def zone_ink(pdf: bytes, zone: Rect) -> Ink:
    """Rasterise only ``zone`` of page 1 (poppler's pdftoppm, grey) and keep its dark pixels."""
    px = INK_DPI / 25.4
    x, y = round(zone.x * px), round(zone.y * px)
    w, h = round(zone.width * px), round(zone.height * px)
    raw = _run([_tool("pdftoppm"), "-gray", "-r", str(INK_DPI), "-f", "1", "-l", "1",
                "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), "-"], pdf)
    fields = raw.split(maxsplit=4)
    width, height = int(fields[1]), int(fields[2])
    pixels = fields[4][-width * height:].translate(_DARK)
    dark = frozenset((i % width, i // width) for i in (m.start() for m in _ONE.finditer(pixels)))
    return Ink(Rect(x / px, y / px, width / px, height / px), dark)


# ---------------------------------------------------------------- the rules


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class _Page:
    """What the check needs of a first page: the words the window may show, and the zones."""

    zone: Rect  # content_zone: the address and the number, 3 mm clear
    seen: Rect  # visible: the return address
    near: Rect  # reach: nothing else
    inside: list[Word]  # the words printed in ``near``

    def text(self, where: Rect | None = None) -> str:
        return "".join(_squash(w.text) for w in self.inside
                       if where is None or where.holds(w.box, SLACK_MM))


def check_first_page(pdf: bytes, window: EnvelopeWindow, *, address_lines: Sequence[str],
                     tracking_number: str, return_line: str = "") -> list[str]:
    """What breaks the window rules on the letter's first page; empty when it is right.

    The address lines and the registered number (when the letter has one) must be printed
    inside :func:`content_zone`, the return address (when given) inside :func:`visible`; no
    other word may be printed in :func:`reach`; no ink in :func:`reach` may fall outside the
    zones of these (a rule, a logo, a clipped line).
    """
    near = reach(window)
    page = _Page(content_zone(window), visible(window), near,
                 [w for w in first_page_words(pdf) if near.meets(w.box)])
    expected = [*address_lines, tracking_number, return_line]
    problems = [*_strays(page, expected), *_missing_lines(page, address_lines),
                *_outside_zone(page, return_line),
                *_number_missing(page, tracking_number), *_return_missing(page, return_line)]
    if not problems:
        problems += _stray_ink(pdf, page, return_line)
    return problems


def _strays(page: _Page, expected: Sequence[str]) -> list[str]:
    wanted = "".join(_squash(x) for x in expected)
    strays = [w for w in page.inside if _squash(w.text) not in wanted]
    if not strays:
        return []
    return ["other text shows through the window: "
            + ", ".join(f"«{w.text}»" for w in strays[:6])]


def _missing_lines(page: _Page, address_lines: Sequence[str]) -> list[str]:
    seen = page.text()
    return [f"the address line «{line}» is not printed in the window"
            for line in address_lines if _squash(line) not in seen]


def _return_words(page: _Page, return_line: str) -> list[Word]:
    """The words of the return address: the topmost line of what the window may show, when
    it reads as the return address (empty otherwise)."""
    if not return_line or not page.inside:
        return []
    top = min(w.box.y for w in page.inside)
    row = [w for w in page.inside if abs(w.box.y - top) < ROW_MM]
    if "".join(_squash(w.text) for w in row) != _squash(return_line):
        return []
    return row


def _outside_zone(page: _Page, return_line: str) -> list[str]:
    """Address and number words closer than 3 mm to the window's edge."""
    back = set(map(id, _return_words(page, return_line)))
    outside = [w for w in page.inside
               if id(w) not in back and not page.zone.holds(w.box, SLACK_MM)]
    return [f"«{w.text}» reaches {_where(w.box, page.zone)}, closer than {CLEAR_MM:g} mm to "
            "the window's edge once the sheet moves in its envelope" for w in outside[:3]]


def _number_missing(page: _Page, tracking_number: str) -> list[str]:
    if not tracking_number or any(w.text == tracking_number
                                  and page.zone.holds(w.box, SLACK_MM) for w in page.inside):
        return []
    return [f"the registered number {tracking_number} is not printed in the window"]


def _return_missing(page: _Page, return_line: str) -> list[str]:
    """The return address must be seen whole whatever the sheet's play."""
    if not return_line:
        return []
    words = _return_words(page, return_line)
    if words and all(page.seen.holds(w.box, SLACK_MM) for w in words):
        return []
    return [f"the return address «{return_line}» is not printed whole where the window always "
            f"shows it (x {page.seen.x:g}-{page.seen.right:g}, y {page.seen.y:g}-"
            f"{page.seen.bottom:g} mm): check its length (return_address in the sender profile) "
            "and the template's window block"]


def _stray_ink(pdf: bytes, page: _Page, return_line: str) -> list[str]:
    allowed = [page.zone, *(w.box.grown(SLACK_MM, SLACK_MM)
                            for w in _return_words(page, return_line))]
    stray = zone_ink(pdf, page.near).boxes_outside(allowed)
    if not stray:
        return []
    return [f"something is printed in the window's reach at {_where(stray[0], page.zone)} "
            "(a line too long, a rule or a logo)"]


def _where(box: Rect, zone: Rect) -> str:
    return (f"x {box.x:.1f}-{box.right:.1f} mm, y {box.y:.1f}-{box.bottom:.1f} mm "
            f"(the window's safe zone is x {zone.x:g}-{zone.right:g}, "
            f"y {zone.y:g}-{zone.bottom:g})")
