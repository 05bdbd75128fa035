"""Code 128 (ISO/IEC 15417) as an inline SVG, for the registered number on a letter's first page.

Written by hand rather than taken from a library: the symbology fits in one page, the output
must be byte-for-byte deterministic (letters are hashed), and the SVG must be a plain,
self-contained element that WeasyPrint draws crisply without fetching anything.

Only code sets B (printable ASCII) and C (digit pairs) are used; the encoder picks, among all
ways of mixing them, one with the fewest symbols, so a digit run is packed two digits a symbol
whenever that shortens the barcode.

>>> code128_values("RB123456785GB")
[104, 50, 34, 17, 99, 23, 45, 67, 85, 100, 39, 34, 56]
>>> sum(code128_modules("RB123456785GB")) == 11 * 13 + 13
True
>>> code128_svg("RB123456785GB").startswith('<svg xmlns="http://www.w3.org/2000/svg"')
True
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from notice_factory.errors import UsageError

# Element widths (bar, space, bar, space, bar, space) of each symbol value 0..105, then the stop
# pattern (106), which alone has seven elements (13 modules with its final bar).
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip

START_B = 104
START_C = 105
CODE_B = 100  # in set C: switch to set B
CODE_C = 99  # in set B: switch to set C
STOP = 106

_B, _C = "B", "C"


def _check_text(text: str) -> None:
    if not text:
        raise UsageError("a barcode needs at least one character")
    for ch in text:
        # Set B covers ASCII 32..127; DEL (127) is not printable, so it is refused like controls.
        if not " " <= ch <= "~":
            raise UsageError(
                f"a Code 128 barcode can only hold printable ASCII characters, not {ch!r}"
            )


def _is_pair(text: str, i: int) -> bool:
    return i + 1 < len(text) and text[i].isascii() and text[i : i + 2].isdigit()


def code128_values(text: str) -> list[int]:
    """The symbol values: start, data (with set switches), checksum. The stop is not included.

    >>> code128_values("AB")  # start B, 'A'=33, 'B'=34, checksum (104 + 33 + 68) % 103
    [104, 33, 34, 102]
    >>> code128_values("1234")  # start C, 12, 34, checksum (105 + 12 + 68) % 103
    [105, 12, 34, 82]
    """
    _check_text(text)
    n = len(text)
    # cost[i][s]: fewest symbols to encode text[i:] when the current set is s. Filled from the end,
    # so the choice at each position is optimal for the rest of the text.
    inf = n * 3 + 10
    cost: list[dict[str, int]] = [{_B: inf, _C: inf} for _ in range(n + 1)]
    cost[n] = {_B: 0, _C: 0}
    for i in range(n - 1, -1, -1):
        stay_b = 1 + cost[i + 1][_B]
        stay_c = 1 + cost[i + 2][_C] if _is_pair(text, i) else inf
        cost[i][_B] = min(stay_b, 1 + stay_c)
        cost[i][_C] = min(stay_c, 1 + stay_b)

    def stay_cost(i: int, s: str) -> int:
        if s == _B:
            return 1 + cost[i + 1][_B]
        return 1 + cost[i + 2][_C] if _is_pair(text, i) else inf

    # Start in the set that is cheaper; on a tie, B (the more general set).
    current = _C if cost[0][_C] < cost[0][_B] else _B
    values = [START_C if current == _C else START_B]
    i = 0
    while i < n:
        other = _C if current == _B else _B
        # Switch only when strictly cheaper: on a tie, staying defers the switch, which keeps
        # the output stable and matches the usual "odd digit in B first" convention.
        if stay_cost(i, current) > 1 + stay_cost(i, other):
            values.append(CODE_C if other == _C else CODE_B)
            current = other
        if current == _C:
            values.append(int(text[i : i + 2]))
            i += 2
        else:
            values.append(ord(text[i]) - 32)
            i += 1
    checksum = (values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))) % 103
    values.append(checksum)
    return values


def code128_modules(text: str) -> list[int]:
    """Bar and space widths in modules, bar first: every symbol, then stop with its final bar.

    Quiet zones are not included (the renderer adds them).

    >>> code128_modules("AB")[:6], code128_modules("AB")[-7:]
    ([2, 1, 1, 2, 1, 4], [2, 3, 3, 1, 1, 1, 2])
    """
    widths: list[int] = []
    for value in [*code128_values(text), STOP]:
        widths.extend(int(w) for w in PATTERNS[value])
    return widths


def _num(x: float) -> str:
    """A short, locale-free, deterministic decimal (no exponent, no trailing zeros)."""
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def code128_svg(
    text: str, *, height_mm: float = 10, module_mm: float = 0.33, quiet_modules: int = 10
) -> str:
    """A standalone ``<svg>`` element: sized in millimetres, drawn in modules, black rects only.

    >>> svg = code128_svg("AB", height_mm=5, module_mm=0.5, quiet_modules=2)
    >>> svg.split(">")[0]  # 2 + 11*4 + 13 + 2 = 61 modules of 0.5 mm
    '<svg xmlns="http://www.w3.org/2000/svg" width="30.5mm" height="5mm" viewBox="0 0 61 10" \
preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label="AB"'
    """
    if height_mm <= 0 or module_mm <= 0:
        raise UsageError("a barcode's height and module width must be positive")
    if quiet_modules < 0:
        raise UsageError("a barcode's quiet zone cannot be negative")
    widths = code128_modules(text)
    total = sum(widths) + 2 * quiet_modules
    height = height_mm / module_mm
    rects: list[str] = []
    x = quiet_modules
    for index, w in enumerate(widths):
        if index % 2 == 0:  # even positions are bars, odd ones spaces
            rects.append(f'<rect x="{x}" y="0" width="{w}" height="{_num(height)}"/>')
        x += w
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' width="{_num(total * module_mm)}mm" height="{_num(height_mm)}mm"'
        f' viewBox="0 0 {total} {_num(height)}" preserveAspectRatio="none"'
        f' shape-rendering="crispEdges" role="img" aria-label={quoteattr(text)}>'
        f"<title>{escape(text)}</title>"
        f'<g fill="#000">{"".join(rects)}</g>'
        "</svg>"
    )
