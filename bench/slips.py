#!/usr/bin/env python3
"""CPU cost of rendering deposit slips, per line, for each sender locale.

Run from the repository root::

    python bench/slips.py                    # 500 and 2,000 lines, 3 repeats
    python bench/slips.py --lines 120 --repeat 5
    python bench/slips.py --profile 500      # cProfile of one fr slip, top 25 functions

Each slip lists N synthetic registered items (recipient names, places and countries
mixed from the three locales, every tenth with a long name) and is rendered by the
real ``render.slips.deposit_slip_html`` + ``render.slips.render_slip_pdf`` with the entity of
the demo sender profile for that locale. The figure is CPU time of this process
(``time.process_time``), not wall time: the machine is shared. The best of the repeats
is printed (the least disturbed run) with the median beside it. Nothing asserts on
timings.

>>> items = synthetic_items(30, seed=1)
>>> len(items), len({i.number for i in items})
(30, 30)
>>> synthetic_items(5, seed=3) == synthetic_items(5, seed=3)
True
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import statistics
import time
from collections.abc import Sequence
from random import Random

from pypdf import PdfReader

from notice_factory.model import Locale
from notice_factory.render.slips import SlipItem, deposit_slip_html, render_slip_pdf, slips_dir
from notice_factory.s10 import make_s10
from notice_factory.settings import load_sender_profile

DEPOSIT_DATE = dt.date(2026, 11, 23)
PRINT_FILE = "print/la-poste_DL_20g_001.pdf"
WEIGHTS = ("20g", "20g", "20g", "50g", "100g")

# (name, postal code, city, country) per origin; mixed on every slip.
PEOPLE = {
    "fr": (["Zoé Lefèvre", "Jean-Baptiste Moreau", "Amélie Dubois-Charpentier", "Luc Petit"],
           [("75011", "PARIS"), ("69003", "LYON"), ("13008", "MARSEILLE"), ("1000", "BRUXELLES")]),
    "zh": (["王小明", "李华", "张伟", "欧阳娜娜"],
           [("100020", "北京"), ("200120", "上海"), ("510623", "广州"), ("610041", "成都")]),
    "ro": (["Ioana Ștefănescu", "Mihai Țăranu", "Andreea-Cristina Popescu", "Ion Dumitrescu"],
           [("010011", "București"), ("400001", "Cluj-Napoca"), ("700028", "Iași"),
            ("300011", "Timișoara")]),
}
COUNTRY = {"fr": "FR", "zh": "CN", "ro": "RO"}


def _s10(serial: int, prefix: str = "RR", country: str = "FR") -> str:
    """A valid UPU S10 number (registered-post.md 1)."""
    return make_s10(prefix, serial, country)


def synthetic_items(n: int, seed: int = 2026) -> list[SlipItem]:
    """``n`` slip items with distinct valid numbers, from a seeded generator."""
    rnd = Random(seed)
    out: list[SlipItem] = []
    for k in range(n):
        origin = rnd.choice(("fr", "fr", "fr", "zh", "ro"))
        names, places = PEOPLE[origin]
        name = rnd.choice(names)
        if k % 10 == 9:  # some long names that wrap onto two lines
            name = f"{name} épouse {rnd.choice(PEOPLE['fr'][0])}, pour la SCI des Tilleuls"
        postal_code, city = rnd.choice(places)
        country = "BE" if city == "BRUXELLES" else COUNTRY[origin]
        out.append(SlipItem(_s10(10_000_000 + k), name, postal_code, city, country,
                            rnd.random() < 0.5, rnd.choice(WEIGHTS)))
    return out


def render_once(locale: Locale, items: Sequence[SlipItem]) -> tuple[float, int, bytes]:
    """(CPU seconds, pages, PDF) of one slip: HTML building and PDF rendering both count."""
    entity = load_sender_profile().entity(locale)
    start = time.process_time()
    html = deposit_slip_html(entity, items, deposit_date=DEPOSIT_DATE, print_file=PRINT_FILE)
    pdf = render_slip_pdf(html, slips_dir())
    spent = time.process_time() - start
    return spent, len(PdfReader(io.BytesIO(pdf)).pages), pdf


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--locales", nargs="+", default=[loc.value for loc in Locale])
    parser.add_argument("--profile", type=int, metavar="N",
                        help="profile one fr_FR slip of N lines instead")
    args = parser.parse_args(argv)

    # Warm up fonts, templates and caches once, so no figure pays for them.
    for loc in args.locales:
        render_once(Locale(loc), synthetic_items(5))

    if args.profile:
        items = synthetic_items(args.profile)
        prof = cProfile.Profile()
        prof.enable()
        render_once(Locale.FR_FR, items)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return

    print(f"{'locale':8} {'lines':>6} {'pages':>6} {'ms/line best':>13} {'median':>8} "
          f"{'s total':>8} {'KiB':>7}")
    for n in args.lines:
        items = synthetic_items(n)
        for loc in args.locales:
            runs = [render_once(Locale(loc), items) for _ in range(args.repeat)]
            times = [r[0] for r in runs]
            pages, size = runs[0][1], len(runs[0][2])
            print(f"{loc:8} {n:6d} {pages:6d} {1000 * min(times) / n:13.2f} "
                  f"{1000 * statistics.median(times) / n:8.2f} {min(times):8.2f} "
                  f"{size / 1024:7.0f}", flush=True)


if __name__ == "__main__":
    main()
