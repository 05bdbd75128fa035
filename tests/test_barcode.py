"""Code 128: symbol values, widths, SVG shape, and a round trip through an independent decoder."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_factory.barcode import code128_modules, code128_svg, code128_values
from notice_factory.errors import UsageError

SVG_NS = "{http://www.w3.org/2000/svg}"

# The decoder's own copy of ISO/IEC 15417's table, keyed by pattern, written independently of
# the encoder's tuple (one string, split in code) so that a typo in either shows up as a failure.
_TABLE_TEXT = """
212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132
122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212
322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311
112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321
331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214
112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212
124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113
411311 113141 114131 311141 411131 211412 211214 211232
"""
_DECODE = {pattern: value for value, pattern in enumerate(_TABLE_TEXT.split())}
_STOP = "2331112"


def decode(widths: list[int]) -> str:
    """Read widths back to text: check start, checksum and stop, follow the B/C switches."""
    assert "".join(map(str, widths[-7:])) == _STOP, "no stop pattern"
    body = widths[:-7]
    assert len(body) % 6 == 0
    values = [_DECODE["".join(map(str, body[i : i + 6]))] for i in range(0, len(body), 6)]
    *symbols, checksum = values
    assert checksum == sum(v * max(i, 1) for i, v in enumerate(symbols)) % 103, "bad checksum"
    start, *data = symbols
    assert start in (104, 105), f"unexpected start {start}"
    mode = "B" if start == 104 else "C"
    out = []
    for v in data:
        if mode == "B" and v == 99:
            mode = "C"
        elif mode == "C" and v == 100:
            mode = "B"
        elif mode == "B":
            assert v < 95
            out.append(chr(v + 32))
        else:
            assert v < 100
            out.append(f"{v:02d}")
    return "".join(out)


def test_table_is_well_formed() -> None:
    # Every symbol is 11 modules, its bars add up to an even number, and all 106 are distinct.
    assert len(_DECODE) == 106
    for pattern in _DECODE:
        widths = [int(c) for c in pattern]
        assert sum(widths) == 11
        assert sum(widths[0::2]) % 2 == 0


def test_known_checksum_of_an_s10_number() -> None:
    # RB123456785GB: start B (104); R=50, B=34, '1'=17 in set B (the digit run is odd, so one digit
    # goes in B first), Code C (99), then 23, 45, 67, 85, Code B (100), G=39, B=34.
    # checksum = 104 + 1*50 + 2*34 + 3*17 + 4*99 + 5*23 + 6*45 + 7*67 + 8*85 + 9*100 + 10*39
    #            + 11*34 = 3867; 3867 mod 103 = 3867 - 37*103 = 56.
    assert code128_values("RB123456785GB") == [104, 50, 34, 17, 99, 23, 45, 67, 85, 100, 39, 34, 56]


def test_digit_runs_use_set_c_only_when_shorter() -> None:
    assert code128_values("1234")[0] == 105  # all digits: start C
    assert len(code128_values("ABCDEFG")) == 1 + 7 + 1  # no digits: pure set B
    # Two digits in the middle: switching to C and back costs more than it saves.
    assert 99 not in code128_values("AB12CD")
    # The S10 number: 13 characters in B would be 13 data symbols; mixing gives 11.
    assert len(code128_values("RB123456785GB")) == 1 + 11 + 1


def test_total_width_is_symbols_times_eleven_plus_stop_and_quiet_zones() -> None:
    values = code128_values("RB123456785GB")
    widths = code128_modules("RB123456785GB")
    assert sum(widths) == 11 * len(values) + 13
    svg = ET.fromstring(code128_svg("RB123456785GB", module_mm=0.5, quiet_modules=10))
    view_width = float(svg.attrib["viewBox"].split()[2])
    assert view_width == 11 * len(values) + 13 + 2 * 10
    assert svg.attrib["width"] == f"{view_width * 0.5:g}mm"
    assert svg.attrib["height"] == "10mm"


def test_svg_draws_only_black_rects_at_the_right_places() -> None:
    text = "RB123456785GB"
    svg = code128_svg(text, quiet_modules=10)
    root = ET.fromstring(svg)
    containers = (f"{SVG_NS}svg", f"{SVG_NS}g", f"{SVG_NS}title")
    drawn = [el for el in root.iter() if el.tag not in containers]
    assert drawn and all(el.tag == f"{SVG_NS}rect" for el in drawn)
    assert root.attrib["shape-rendering"] == "crispEdges"
    for bad in ("href", "<script", "url(", "<image", "<text", "style="):
        assert bad not in svg
    # Rebuild the bar/space widths from the rect positions and decode them.
    rects = [(int(r.attrib["x"]), int(r.attrib["width"])) for r in drawn]
    assert rects[0][0] == 10
    widths: list[int] = []
    for i, (x, w) in enumerate(rects):
        if i:
            prev_x, prev_w = rects[i - 1]
            widths.append(x - prev_x - prev_w)  # the space before this bar
        widths.append(w)
    assert decode(widths) == text


def test_text_is_escaped() -> None:
    svg = code128_svg('A<&>"B')
    root = ET.fromstring(svg)  # parses: nothing leaked into the markup
    assert root.find(f"{SVG_NS}title").text == 'A<&>"B'  # type: ignore[union-attr]
    assert root.attrib["aria-label"] == 'A<&>"B'


@pytest.mark.parametrize("bad", ["", "é", "ab\ncd", "中"])
def test_unencodable_text_is_refused(bad: str) -> None:
    with pytest.raises(UsageError):
        code128_modules(bad)


@pytest.mark.parametrize("bad", [{"height_mm": 0}, {"module_mm": -1}, {"quiet_modules": -1}])
def test_bad_dimensions_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        code128_svg("A", **bad)  # type: ignore[arg-type]


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40))
def test_round_trip(text: str) -> None:
    assert decode(code128_modules(text)) == text


@given(st.text(alphabet="0123456789", min_size=1, max_size=30), st.text(alphabet="AB", max_size=3))
def test_never_longer_than_pure_set_b(digits: str, letters: str) -> None:
    text = letters + digits + letters
    assert len(code128_values(text)) <= 1 + len(text) + 1
