"""Draw the demo profile's signature and seal images (fixtures/sender-demo-images/).

Every image is fictitious and visibly a specimen: "SPECIMEN" (and 样章 on the Chinese seals)
is drawn across it, so a demo letter can never pass for a signed one. Re-run after changing
this script: python scripts/make_specimens.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "sender-demo-images"
DPI = 300
LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
INK = (20, 40, 120)  # signature ink
RED = (200, 16, 30)  # seal ink


def px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def specimen_band(mask: Image.Image, size_mm: float, angle: float = 12.0) -> None:
    """'SPECIMEN' across the image in ink, set off from what it crosses by a clear outline."""
    band = Image.new("L", mask.size, 0)
    halo = Image.new("L", mask.size, 0)
    font = ImageFont.truetype(LATIN, px(size_mm))
    draw = ImageDraw.Draw(band)
    box = draw.textbbox((0, 0), "SPECIMEN", font=font)
    x = (mask.width - (box[2] - box[0])) / 2
    y = (mask.height - (box[3] - box[1])) / 2 - box[1]
    ImageDraw.Draw(halo).text((x, y), "SPECIMEN", font=font, fill=255,
                              stroke_width=px(0.6), stroke_fill=255)
    draw.text((x, y), "SPECIMEN", font=font, fill=255)
    band, halo = (im.rotate(angle, resample=Image.Resampling.BICUBIC) for im in (band, halo))
    mask.paste(0, mask=halo)  # cleared around the letters
    mask.paste(255, mask=band)


def save(mask: Image.Image, ink: tuple[int, int, int], name: str) -> None:
    """One ink colour, the drawing in the alpha channel only (sharp edges): a PDF stores the
    colour plane as a few bytes and the shape once, so a letter stays small (a seal and a
    signature add about 10 KB)."""
    mask = mask.point(lambda v: 255 if v >= 128 else 0)
    image = Image.new("RGBA", mask.size, (*ink, 0))
    image.putalpha(mask)
    image.save(OUT / name, dpi=(DPI, DPI), optimize=True)


def signature(name: str, seed: int) -> None:
    """A scribble standing for a handwritten signature, 60 x 22 mm."""
    mask = Image.new("L", (px(60), px(22)), 0)
    draw = ImageDraw.Draw(mask)
    points = []
    for i in range(400):
        t = i / 399
        x = px(4) + t * px(50)
        y = px(11) + px(5) * math.sin(t * (9 + seed) * math.pi) * (1 - 0.5 * t) \
            + px(2) * math.cos(t * (23 + 3 * seed) * math.pi)
        points.append((x, y))
    draw.line(points, fill=255, width=px(0.6), joint="curve")
    draw.line([(px(6), px(18)), (px(52), px(16))], fill=255, width=px(0.5))
    specimen_band(mask, 8.0)
    save(mask, INK, name)


def seal(name: str, around: str, centre: str) -> None:
    """A round official seal, 40 mm: ring, star, the issuer's name around, 样章 (specimen)."""
    size = px(40)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    draw.ellipse((px(0.8), px(0.8), size - px(0.8), size - px(0.8)), outline=255, width=px(1.1))
    r = px(4.5)
    star = [(c + (r if k % 2 == 0 else r * 0.4) * math.sin(k * math.pi / 5),
             c - px(3) - (r if k % 2 == 0 else r * 0.4) * math.cos(k * math.pi / 5))
            for k in range(10)]
    draw.polygon(star, fill=255)
    n = len(around)
    step_mm = 2 * math.pi * 14.0 * (240 / 360) / n  # arc length per character
    font = ImageFont.truetype(CJK, px(min(4.6, step_mm * 0.92)))
    for i, ch in enumerate(around):  # characters on an arc of 240 degrees, upright to the centre
        a = math.radians(-120 + 240 * i / max(n - 1, 1))
        glyph = Image.new("L", (px(7), px(7)), 0)
        ImageDraw.Draw(glyph).text((px(3.5), px(3.5)), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a), resample=Image.Resampling.BICUBIC)
        gx = c + px(14.0) * math.sin(a) - glyph.width / 2
        gy = c - px(14.0) * math.cos(a) - glyph.height / 2
        mask.paste(255, (round(gx), round(gy)), mask=glyph)
    small = ImageFont.truetype(CJK, px(4.2))
    box = draw.textbbox((0, 0), centre, font=small)
    draw.text((c - (box[2] - box[0]) / 2, c + px(5)), centre, font=small, fill=255)
    specimen_band(mask, 5.8, angle=20.0)
    save(mask, RED, name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    signature("signature-fr-creditor.png", 0)
    signature("signature-fr-lawyer.png", 1)
    signature("signature-ro-creditor.png", 2)
    signature("signature-ro-lawyer.png", 3)
    signature("signature-zh-creditor.png", 4)
    signature("signature-zh-lawyer.png", 5)
    seal("seal-zh-creditor.png", "示例银行股份有限公司信用卡中心", "样章")
    seal("seal-zh-lawyer.png", "北京示例律师事务所", "样章")


if __name__ == "__main__":
    main()
