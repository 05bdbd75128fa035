#!/usr/bin/env python3
"""Benchmark of ``notice-factory batch`` against the raw rendering engines.

Run from the repository root (see bench/README.md)::

    python bench/batch.py --letters 200
    python bench/batch.py --letters 2000 --jobs 2 --out /tmp/bench-2000 --json > result.json

What it does, in one run:

1. generates N realistic synthetic cases (60 % fr_FR, 20 % zh_CN, 20 % ro_RO, the five
   kinds, long repayment plans that take two pages) as a CSV case file, from a seeded
   ``random.Random`` so the same seed gives the same file;
2. runs the REAL ``python -m notice_factory batch`` as a subprocess (fresh ledger, date
   2026-11-23) while sampling the process table (psutil) every 0.1 s for the RSS of the
   whole process tree (batch process, workers, forkserver, LibreOffice);
3. renders the same letters one after another in one plain process (no pool, no ledger,
   no merge): the raw engine baseline;
4. converts a few filled DOCX letters with one cold ``soffice --convert-to pdf`` each and
   compares with the warm converter;
5. prints every figure beside its target (PASS/FAIL), or all of it as JSON (``--json``).

Only the standard library, psutil and notice_factory are used. Nothing here asserts on timings:
the figures are for people to read.

>>> rows = generate_cases(50, seed=1)
>>> len(rows), sorted({r["locale"] for r in rows})
(50, ['fr_FR', 'ro_RO', 'zh_CN'])
>>> generate_cases(5, seed=7) == generate_cases(5, seed=7)
True
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from random import Random
from typing import Any

import psutil

from notice_factory.cases import FIELDS  # the one definition of the case-file columns

REPO = Path(__file__).resolve().parent.parent
BATCH_DATE = dt.date(2026, 11, 23)
CENT = Decimal("0.01")

# Targets of issue 16 (throughput per mix, memory flat from N=2,000 to 10,000: the peak is
# printed whatever N is; compare two runs), and those of issue 6 still printed.
TARGET_LETTERS_PER_S = {"realistic": 33.0, "uniform": 16.5}  # uniform: 1.5x issue 6's 11.0
TARGET_PEAK_MB = 1024.0
TARGET_ZH_LETTER_KB = 120.0
TARGET_FIRST_LETTER_S = 2.0
TARGET_RATIO = 1.8  # issue 6: batch / one-process baseline
TARGET_ZH_500_MB = 60.0  # issue 6
TARGET_DOCX_RATIO = 5.0  # issue 6

# --- synthetic cases -------------------------------------------------------------------

LOCALE_WEIGHTS = (("fr_FR", 60), ("zh_CN", 20), ("ro_RO", 20))
KIND_WEIGHTS = (("reminder", 28), ("formal_notice", 24), ("lawyer_letter", 16),
                ("commitment_form", 12), ("plan_agreement", 20))
# --mix realistic: the volumes of a collection agency's mail (issue 16), exact to a letter:
# mostly reminders and formal notices, few letters from the lawyer, fewer forms to sign.
REALISTIC_KIND_SHARES = (("reminder", 60), ("formal_notice", 25), ("lawyer_letter", 7),
                         ("commitment_form", 4), ("plan_agreement", 4))
MIXES = ("uniform", "realistic")
# Principal ranges in euros; other currencies scale by a rough exchange rate.
PRODUCT_RANGES = {"credit_card": (300, 15000), "personal_loan": (2000, 30000),
                  "consumer_credit": (1000, 25000), "overdraft": (150, 3000),
                  "invoice": (90, 5000)}
RATE = {"EUR": 1, "CNY": 7, "RON": 5}

FR_MEN = ("Jean", "Pierre", "Thomas", "Nicolas", "Julien", "Mathieu", "Antoine", "Luc",
          "François", "Jérôme", "Hervé", "Loïc", "Benoît", "Karim", "Mehdi", "Yannick",
          "Jean-Baptiste", "Stéphane", "Cédric", "Olivier")
FR_WOMEN = ("Marie", "Élodie", "Nadia", "Camille", "Sophie", "Chloé", "Léa", "Inès", "Hélène",
            "Céline", "Noémie", "Aurélie", "Maëlle", "Fatima", "Valérie", "Anaïs", "Zoé",
            "Émilie", "Isabelle", "Agnès")
FR_LAST = ("Dupont", "Martin", "Bernard", "Lefèbvre", "Girard", "Marchand", "Benali", "Moreau",
           "Fournier", "Rousseau", "Lambert", "Bonnet", "François", "Mercier", "Faure", "Garnier",
           "Chevalier", "Muller", "Lefèvre-Dœuf", "Nguyen", "Da Silva", "Le Gall", "Perrin",
           "Boucher", "Gauthier", "Roussel", "Caron", "Hoarau", "Ménard", "Brûlé")
FR_STREET_TYPES = ("rue", "avenue", "boulevard", "impasse", "place", "allée", "chemin",
                   "quai", "cours")
FR_STREET_NAMES = ("des Lilas", "Jean-Jaurès", "Gambetta", "de la République", "Victor Hugo",
                   "de l'Œillet", "Pasteur", "des Tilleuls", "du Général Leclerc",
                   "de la Gare", "Émile Zola", "des Écoles", "Saint-Michel", "de Verdun",
                   "du Moulin", "de la Paix", "Carnot", "des Frères Lumière", "Voltaire")
FR_LINE2 = ("Bâtiment B", "Appartement 42", "Résidence Les Tilleuls", "3e étage", "Escalier C",
            "Apt 7, 2e étage", "Résidence du Parc", "Chez M. Durand", "Bât. A, porte 12")
# (postal code, city): real codes; the first two digits are a real département.
FR_TOWNS = (
    ("75011", "Paris"), ("75015", "Paris"), ("75018", "Paris"), ("75004", "Paris"),
    ("75020", "Paris"), ("69007", "Lyon"), ("69003", "Lyon"), ("13008", "Marseille"),
    ("13001", "Marseille"), ("31000", "Toulouse"), ("06000", "Nice"), ("44000", "Nantes"),
    ("67000", "Strasbourg"), ("34000", "Montpellier"), ("33000", "Bordeaux"), ("59000", "Lille"),
    ("35000", "Rennes"), ("51100", "Reims"), ("76600", "Le Havre"), ("42000", "Saint-Étienne"),
    ("83000", "Toulon"), ("38000", "Grenoble"), ("21000", "Dijon"), ("49000", "Angers"),
    ("30000", "Nîmes"), ("69100", "Villeurbanne"), ("63000", "Clermont-Ferrand"),
    ("72000", "Le Mans"), ("13100", "Aix-en-Provence"), ("29200", "Brest"), ("37000", "Tours"),
    ("80000", "Amiens"), ("87000", "Limoges"), ("74000", "Annecy"), ("66000", "Perpignan"),
    ("57000", "Metz"), ("25000", "Besançon"), ("20000", "Ajaccio"), ("94240", "L'Haÿ-les-Roses"),
    ("92100", "Boulogne-Billancourt"), ("93200", "Saint-Denis"), ("97400", "Saint-Denis"),
    ("01000", "Bourg-en-Bresse"), ("64100", "Bayonne"), ("86000", "Poitiers"),
)
BE_TOWNS = (("1000", "Bruxelles"), ("4000", "Liège"), ("5000", "Namur"), ("1040", "Bruxelles"))
BE_STREETS = ("Rue de la Loi", "Avenue Louise", "Rue Neuve", "Chaussée de Wavre", "Rue Haute")

CN_SURNAMES = ("张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
               "胡", "郭", "何", "林", "罗", "高")
CN_MEN = ("伟", "强", "洋", "磊", "军", "杰", "建华", "晓明", "志强", "鹏", "宇航")
CN_WOMEN = ("娜", "静", "敏", "丽", "秀英", "海燕", "桂英", "婷", "丹", "雪梅")
# (postcode, city, province ("" for municipalities), districts, roads)
CN_TOWNS = (
    ("100022", "北京市", "", ("朝阳区", "东城区"), ("建国路", "光华路", "东三环中路")),
    ("100080", "北京市", "", ("海淀区",), ("中关村大街", "海淀南路")),
    ("200120", "上海市", "", ("浦东新区",), ("世纪大道", "陆家嘴环路", "浦东南路")),
    ("200031", "上海市", "", ("徐汇区",), ("衡山路", "淮海中路")),
    ("510620", "广州市", "广东省", ("天河区",), ("天河路", "体育西路")),
    ("518057", "深圳市", "广东省", ("南山区",), ("深南大道", "科技南路")),
    ("610041", "成都市", "四川省", ("武侯区",), ("人民南路四段", "科华北路")),
    ("430070", "武汉市", "湖北省", ("洪山区",), ("珞喻路", "鲁磨路")),
    ("310012", "杭州市", "浙江省", ("西湖区",), ("文三路", "天目山路")),
    ("210008", "南京市", "江苏省", ("鼓楼区",), ("中山路", "北京西路")),
    ("300051", "天津市", "", ("和平区",), ("南京路", "滨江道")),
    ("710061", "西安市", "陕西省", ("雁塔区",), ("长安南路", "小寨东路")),
    ("400010", "重庆市", "", ("渝中区",), ("解放碑路", "民权路")),
    ("410005", "长沙市", "湖南省", ("芙蓉区",), ("五一大道", "解放西路")),
    ("266071", "青岛市", "山东省", ("市南区",), ("香港中路", "东海西路")),
    ("361001", "厦门市", "福建省", ("思明区",), ("中山路", "厦禾路")),
    ("650031", "昆明市", "云南省", ("五华区",), ("人民中路", "青年路")),
    ("150001", "哈尔滨市", "黑龙江省", ("南岗区",), ("红军街", "西大直街")),
    ("110001", "沈阳市", "辽宁省", ("和平区",), ("中华路", "南京北街")),
)

RO_MEN = ("Ion", "Andrei", "Gheorghe", "Mihai", "Alexandru", "Ștefan", "Vasile", "Cristian",
          "Răzvan", "Bogdan", "Florin", "Constantin")
RO_WOMEN = ("Maria", "Elena", "Ioana", "Andreea", "Ana", "Mihaela", "Cristina", "Raluca",
            "Alina", "Gabriela", "Simona", "Oana")
RO_LAST = ("Popescu", "Ionescu", "Țurcanu", "Dumitrescu", "Stănescu", "Popa", "Stan",
           "Munteanu", "Constantinescu", "Răducanu", "Gheorghiu", "Ștefănescu", "Matei",
           "Lungu", "Pîrvu", "Tănase")
RO_STREETS = ("Str. Mihai Eminescu", "Str. Ștefan cel Mare", "Bd. Unirii", "Calea Victoriei",
              "Str. Republicii", "Aleea Teilor", "Bd. 21 Decembrie 1989", "Str. Avram Iancu",
              "Șos. Pantelimon", "Str. Lalelelor", "Calea Moșilor")
# (postal code, city, județ or Bucharest sector)
RO_TOWNS = (
    ("010511", "București", "Sector 1"), ("021352", "București", "Sector 2"),
    ("030167", "București", "Sector 3"), ("040051", "București", "Sector 4"),
    ("050711", "București", "Sector 5"), ("060274", "București", "Sector 6"),
    ("400124", "Cluj-Napoca", "Cluj"), ("700063", "Iași", "Iași"), ("500030", "Brașov", "Brașov"),
    ("300011", "Timișoara", "Timiș"), ("900178", "Constanța", "Constanța"),
    ("200585", "Craiova", "Dolj"), ("410087", "Oradea", "Bihor"), ("550173", "Sibiu", "Sibiu"),
    ("310130", "Arad", "Arad"), ("100029", "Ploiești", "Prahova"), ("800008", "Galați", "Galați"),
)
PRODUCTS_BY_LOCALE = {
    "fr_FR": (("credit_card", 25), ("personal_loan", 25), ("consumer_credit", 25),
              ("overdraft", 15), ("invoice", 10)),
    "zh_CN": (("credit_card", 70), ("consumer_credit", 20), ("personal_loan", 10)),
    "ro_RO": (("consumer_credit", 35), ("personal_loan", 25), ("credit_card", 25),
              ("overdraft", 15)),
}
REF_PREFIX = {"personal_loan": "PP", "consumer_credit": "CC", "overdraft": "DEC", "invoice": "FAC"}


def _pick(rng: Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _money(rng: Random, low: float, high: float) -> Decimal:
    """A random amount in cents between low and high (Decimal from integer cents)."""
    return (Decimal(rng.randint(int(low * 100), int(high * 100))) / 100).quantize(CENT)


def luhn_card(rng: Random, prefix: str) -> str:
    """A 16-digit card number with a valid Luhn check digit, grouped by four.

    >>> n = luhn_card(Random(3), "4970").replace(" ", "")
    >>> len(n), (sum(int(c) for c in n[-1::-2])
    ...          + sum(sum(divmod(2 * int(c), 10)) for c in n[-2::-2])) % 10
    (16, 0)
    """
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these digits get doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    digits = body + str((10 - total % 10) % 10)
    return " ".join(digits[i:i + 4] for i in range(0, 16, 4))


def _party(rng: Random, locale: str) -> dict[str, str]:
    """Name, civility and postal address of one debtor."""
    if locale == "fr_FR":
        woman = rng.random() < 0.5
        first = rng.choice(FR_WOMEN if woman else FR_MEN)
        out = {"debtor_name": f"{first} {rng.choice(FR_LAST)}",
               "debtor_title": "Mme" if woman else "M."}
        if rng.random() < 0.03:  # a few French letters cross the border to Belgium
            code, city = rng.choice(BE_TOWNS)
            out.update(address_line1=f"{rng.choice(BE_STREETS)} {rng.randint(1, 250)}",
                       address_line2="", postal_code=code, city=city, region="", country="BE")
            return out
        code, city = rng.choice(FR_TOWNS)
        kind, name = rng.choice(FR_STREET_TYPES), rng.choice(FR_STREET_NAMES)
        out.update(address_line1=f"{rng.randint(1, 180)} {kind} {name}",
                   address_line2=rng.choice(FR_LINE2) if rng.random() < 0.4 else "",
                   postal_code=code, city=city, region="", country="FR")
        return out
    if locale == "zh_CN":
        code, city, province, districts, roads = rng.choice(CN_TOWNS)
        line2 = (f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 32)}"
                 f"{rng.randint(1, 4):02d}室") if rng.random() < 0.7 else ""
        woman = rng.random() < 0.5
        street = f"{rng.choice(districts)}{rng.choice(roads)}{rng.randint(1, 999)}号"
        return {"debtor_name": rng.choice(CN_SURNAMES) + rng.choice(CN_WOMEN if woman else CN_MEN),
                "debtor_title": "女士" if woman else "先生", "address_line1": street,
                "address_line2": line2, "postal_code": code, "city": city, "region": province,
                "country": "CN"}
    woman = rng.random() < 0.5
    code, city, region = rng.choice(RO_TOWNS)
    line2 = (f"bl. {rng.choice('ABCDM')}{rng.randint(1, 9)} sc. {rng.randint(1, 4)} "
             f"et. {rng.randint(0, 10)} ap. {rng.randint(1, 80)}") if rng.random() < 0.5 else ""
    return {"debtor_name": f"{rng.choice(RO_WOMEN if woman else RO_MEN)} {rng.choice(RO_LAST)}",
            "debtor_title": "Dna." if woman else "Dl.",
            "address_line1": f"{rng.choice(RO_STREETS)} nr. {rng.randint(1, 200)}",
            "address_line2": line2, "postal_code": code, "city": city, "region": region,
            "country": "RO"}


def _case(rng: Random, index: int, locale: str, kind: str) -> dict[str, str]:
    currency = {"fr_FR": "EUR", "zh_CN": "CNY", "ro_RO": "RON"}[locale]
    product = _pick(rng, PRODUCTS_BY_LOCALE[locale])
    low, high = PRODUCT_RANGES[product]
    principal = _money(rng, low * RATE[currency], high * RATE[currency])
    interest = (principal * Decimal(rng.randint(0, 120)) / 1000).quantize(CENT, ROUND_DOWN)
    # French consumer credit: indemnity <= 8 % of capital (D312-16); stay under it.
    pen_max = 75 if locale == "fr_FR" else 100
    penalties = (principal * Decimal(rng.randint(0, pen_max)) / 1000).quantize(CENT, ROUND_DOWN)
    if rng.random() < 0.4:
        penalties = Decimal("0.00")
    fees = Decimal("0")
    if locale == "zh_CN" and rng.random() < 0.3:  # fees are forbidden in fr and ro only
        fees = Decimal(rng.choice(("50.00", "100.00", "200.00")))
    # Under two years ago: French consumer-credit claims are foreclosed after two years.
    due = BATCH_DATE - dt.timedelta(days=rng.randint(20, 700))
    contract = due - dt.timedelta(days=rng.randint(60, 2500))
    prefix = {"fr_FR": "FR", "zh_CN": "CN", "ro_RO": "RO"}[locale]
    if product == "credit_card":
        ref = luhn_card(rng, rng.choice(("4970", "5131")) if locale != "zh_CN"
                        else rng.choice(("6222", "6258", "6225")))
    else:
        ref = f"{REF_PREFIX[product]}-{contract.year}-{rng.randint(1000, 999999):06d}"
    row = dict.fromkeys(FIELDS, "")
    row.update(_party(rng, locale))
    row.update(case_id=f"{prefix}-B{index:06d}", kind=kind, locale=locale, contract_ref=ref,
               product=product, contract_date=contract.isoformat(), currency=currency,
               principal=str(principal), interest=str(interest), fees=str(fees),
               penalties=str(penalties), due_date=due.isoformat())
    if (locale == "fr_FR" and kind == "lawyer_letter" and product != "invoice"
            and penalties > 0):
        # A French consumer-credit lawyer letter claiming an indemnity comes after the
        # déchéance du terme (rules.acceleration_problems): give its day.
        accelerated = due + dt.timedelta(days=rng.randint(30, 60))
        row["acceleration_date"] = min(accelerated, BATCH_DATE).isoformat()
    total = principal + interest + fees + penalties
    if kind == "plan_agreement" or (kind == "commitment_form" and rng.random() < 0.5):
        if kind == "plan_agreement":
            # About 40 % long plans: their schedule pushes the letter onto a second page.
            count = rng.randint(24, 48) if rng.random() < 0.4 else rng.randint(3, 18)
        else:
            count = rng.randint(2, 6)
        first = BATCH_DATE + dt.timedelta(days=rng.randint(10, 50))
        freq = "monthly" if count > 12 or rng.random() < 0.8 else rng.choice(("biweekly", "weekly"))
        row.update(plan_installments=str(count), plan_first_due_date=first.isoformat(),
                   plan_frequency=freq)
        if rng.random() < 0.5:
            down = (total * Decimal(rng.randint(5, 15)) / 100).quantize(CENT, ROUND_DOWN)
            row["plan_down_payment"] = str(down)
        if kind == "plan_agreement" and rng.random() < 0.3:
            row["plan_annual_rate"] = str(Decimal(rng.randint(0, 60)) / 10)
    registered = kind != "reminder" or rng.random() < 0.85
    ack = kind in ("formal_notice", "lawyer_letter") or (
        registered and kind != "reminder" and rng.random() < 0.3)
    row.update(registered="true" if registered else "false",
               acknowledgement="true" if ack else "false")
    return row


def realistic_kinds(n: int, rng: Random) -> list[str]:
    """N kinds in the shares of REALISTIC_KIND_SHARES (largest remainders), shuffled."""
    total = sum(w for _, w in REALISTIC_KIND_SHARES)
    counts = {k: n * w // total for k, w in REALISTIC_KIND_SHARES}
    by_remainder = sorted(REALISTIC_KIND_SHARES, key=lambda kw: -(n * kw[1] % total))
    for kind, _ in by_remainder[:n - sum(counts.values())]:
        counts[kind] += 1
    kinds = [k for k, _ in REALISTIC_KIND_SHARES for _ in range(counts[k])]
    rng.shuffle(kinds)
    return kinds


def generate_cases(n: int, seed: int = 2026, mix: str = "uniform") -> list[dict[str, str]]:
    """N synthetic case-file rows (every column of the case-file format, as text). ``mix``:
    "uniform" (KIND_WEIGHTS, drawn per row: the benchmark's mix before issue 16, unchanged) or
    "realistic" (REALISTIC_KIND_SHARES, exact); locales are drawn the same way in both."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}: one of {', '.join(MIXES)}")
    rng = Random(seed)
    kinds = realistic_kinds(n, Random(seed)) if mix == "realistic" else None
    rows = []
    for i in range(1, n + 1):
        locale = _pick(rng, LOCALE_WEIGHTS)
        kind = kinds[i - 1] if kinds is not None else _pick(rng, KIND_WEIGHTS)
        rows.append(_case(rng, i, locale, kind))
    return rows


def write_cases_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


# --- process-tree memory ---------------------------------------------------------------

def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, session id) of a process, None once it is gone."""
    try:
        return psutil.Process(pid).ppid(), os.getsid(pid)
    except (psutil.Error, OSError):
        return None


def _rss(pid: int) -> int:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def _cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def roles(pids: list[int], root: int) -> dict[int, str]:
    """What each process of the tree is, for the memory breakdown at the peak.

    Workers are forked by multiprocessing's forkserver and share its command line: a
    worker whose children include a LibreOffice or UNO bridge is the office worker.
    """
    cmd = {p: _cmdline(p) for p in pids}
    parent = {p: (st[0] if (st := _stat(p)) else 0) for p in pids}
    office_parents = {parent[p] for p in pids
                      if "oosplash" in cmd[p] or "_uno_bridge" in cmd[p]}
    out: dict[int, str] = {}
    for p in pids:
        c = cmd[p]
        if p == root:
            out[p] = "batch"
        elif "soffice" in c or "oosplash" in c:
            out[p] = "libreoffice"
        elif "_uno_bridge" in c:
            out[p] = "uno bridge"
        elif "resource_tracker" in c:
            out[p] = "resource tracker"
        elif "forkserver" in c and parent[p] == root:
            out[p] = "forkserver"
        elif p in office_parents:
            out[p] = "office worker"
        else:
            out[p] = "render worker"
    return out


def _pss(pid: int) -> int:
    try:
        return int(getattr(psutil.Process(pid).memory_full_info(), "pss", 0))
    except psutil.Error:
        return 0


def process_tree(root: int, sessions: set[int]) -> list[int]:
    """``root`` and every descendant, plus anything in a session a descendant started.

    LibreOffice is started in its own session; if its launcher exits and the office is
    re-parented to init, the session still ties it to the batch.
    """
    own_session = os.getsid(0)
    parent: dict[int, tuple[int, int]] = {}
    for pid in psutil.pids():
        st = _stat(pid)
        if st is not None:
            parent[pid] = st
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _) in parent.items():
        children[ppid].append(pid)
    tree: set[int] = set()
    stack = [root] if root in parent else []
    while stack:
        pid = stack.pop()
        if pid not in tree:
            tree.add(pid)
            stack.extend(children.get(pid, ()))
    sessions.update(parent[p][1] for p in tree if parent[p][1] != own_session)
    tree.update(p for p, (_, sid) in parent.items() if sid in sessions)
    return sorted(tree)


@dataclass
class TreeSampler:
    """Samples the process tree of ``pid`` every ``interval`` seconds in a thread."""

    pid: int
    letters_dir: Path
    interval: float = 0.1
    started: float = field(default_factory=time.perf_counter)
    peak_rss: int = 0
    peak_pss: int = 0
    peak_roles: dict[str, list[int]] = field(default_factory=dict)  # role -> RSS of each
    peak_processes: int = 0
    samples: int = 0
    first_letter_s: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _sessions: set[int] = field(default_factory=set)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pids = process_tree(self.pid, self._sessions)
        rss = sum(_rss(p) for p in pids)
        if rss > self.peak_rss:
            self.peak_rss = rss
            # PSS counts pages shared between forked workers once; read at RSS peaks only
            # (smaps_rollup walks every mapping, too slow for every sample).
            self.peak_pss = max(self.peak_pss, sum(_pss(p) for p in pids))
            by_role: dict[str, list[int]] = {}
            for p, role in roles(pids, self.pid).items():
                by_role.setdefault(role, []).append(_rss(p))
            self.peak_roles = by_role
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1
        if self.first_letter_s is None:
            # The batch builds its letters in a staging folder inside the batch folder and
            # puts them in place as a whole at the end (batchdir.py): look there too.
            staged = self.letters_dir.parent.glob(".notice-factory/staging-*/letters")
            for folder in (self.letters_dir, *staged):
                if folder.is_dir() and _finished_letter_in(folder):
                    self.first_letter_s = time.perf_counter() - self.started
                    break


def _finished_letter_in(folder: Path) -> bool:
    with os.scandir(folder) as it:
        # Finished letters only: atomic writes use ".<name>.*.part" until renamed.
        return any(e.name.endswith(".pdf") and not e.name.startswith(".") for e in it)


# --- the real batch --------------------------------------------------------------------


def run_real_batch(cases: Path, out: Path, ledger: Path, jobs: int | None) -> dict[str, Any]:
    """Run ``python -m notice_factory batch`` and measure it from the outside."""
    cmd = [sys.executable, "-m", "notice_factory", "batch", str(cases), "--out", str(out),
           "--ledger", str(ledger), "--date", BATCH_DATE.isoformat(), "--json"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    sampler = TreeSampler(proc.pid, out / "letters", started=t0)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop()
    return {"command": cmd, "exit_code": proc.returncode, "wall_s": wall,
            "stdout": stdout.decode(errors="replace"), "stderr": stderr.decode(errors="replace"),
            "peak_rss_bytes": sampler.peak_rss, "peak_pss_bytes": sampler.peak_pss,
            "peak_by_role_mb": {role: [round(v / 2**20) for v in sorted(values, reverse=True)]
                                for role, values in sorted(sampler.peak_roles.items())},
            "peak_processes": sampler.peak_processes, "samples": sampler.samples,
            "first_letter_from_launch_s": sampler.first_letter_s}


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _num(value: Any) -> float | None:
    """A figure from batch.json as a float (it may be written as a number or as text).

    >>> _num("0.15"), _num(2), _num(None), _num("")
    (0.15, 2.0, None, None)
    """
    if value is None or value == "":
        return None
    return float(value)


def analyse_batch(out: Path, run: dict[str, Any]) -> dict[str, Any]:
    """Figures of one batch folder: throughput, stages, engines, sizes."""
    meta: dict[str, Any] = {}
    if (out / "batch.json").is_file():
        meta = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    manifest = _read_csv(out / "manifest.csv")
    rejects = _read_csv(out / "rejects.csv")
    timings = {k: _num(v) for k, v in (meta.get("timings_s") or {}).items()}
    letters = len(manifest) or int(_num(meta.get("letters")) or 0)
    pages = sum(int(r.get("pages") or 0) for r in manifest)
    total = timings.get("total") or run["wall_s"]
    engines: dict[str, Any] = {}
    for name, e in (meta.get("engines") or {}).items():
        secs = _num(e.get("render_s")) or 0.0
        n, pg = int(_num(e.get("letters")) or 0), int(_num(e.get("pages")) or 0)
        engines[name] = {"letters": n, "pages": pg, "worker_render_s": secs,
                         "letters_per_worker_s": n / secs if secs else None,
                         "pages_per_worker_s": pg / secs if secs else None}
    if not pages:
        pages = sum(int(e.get("pages", 0)) for e in engines.values())

    by_locale: dict[str, list[int]] = defaultdict(list)
    for r in manifest:
        path = out / r.get("letter_file", "")
        if r.get("letter_file") and path.is_file():
            by_locale[r.get("locale", "?")].append(path.stat().st_size)
    sizes = {loc: {"letters": len(v), "total_bytes": sum(v), "avg_bytes": sum(v) / len(v),
                   "max_bytes": max(v)} for loc, v in sorted(by_locale.items())}

    prints = sorted((out / "print").glob("*.pdf")) if (out / "print").is_dir() else []
    per_print: dict[str, list[str]] = defaultdict(list)
    for r in manifest:
        if r.get("print_file"):
            per_print[r["print_file"]].append(r.get("locale", "?"))
    zh_only = [(p, len(locs)) for p, locs in per_print.items()
               if locs and all(loc == "zh_CN" for loc in locs) and (out / p).is_file()]
    zh_bpl = None
    if zh_only:
        zh_bytes = sum((out / p).stat().st_size for p, _ in zh_only)
        zh_bpl = zh_bytes / sum(n for _, n in zh_only)
    largest = max(prints, key=lambda p: p.stat().st_size) if prints else None
    print_files = {
        "count": len(prints), "total_bytes": sum(p.stat().st_size for p in prints),
        "largest_bytes": largest.stat().st_size if largest else 0,
        "largest_file": largest.relative_to(out).as_posix() if largest else None,
        "zh_only_files": len(zh_only), "zh_only_bytes_per_letter": zh_bpl,
        "zh_500_letters_mb": zh_bpl * 500 / 1e6 if zh_bpl else None,
    }
    return {
        "exit_code": run["exit_code"], "letters": letters, "pages": pages,
        "rejected": len(rejects), "rejects": rejects[:20],
        "stderr_tail": run["stderr"].strip()[-600:] if run["exit_code"] not in (0, 3) else "",
        "wall_s": run["wall_s"], "total_s": total,
        "letters_per_s": letters / total if total else None,
        "pages_per_s": pages / total if total else None,
        "first_letter_s": timings.get("first_letter"),
        "first_letter_from_launch_s": run["first_letter_from_launch_s"],
        "stages_s": {k: timings.get(k) for k in
                     ("validate", "number", "render", "merge", "manifest", "total")},
        "engines": engines,
        "peak_rss_mb": run["peak_rss_bytes"] / 2**20,
        "peak_pss_mb": run["peak_pss_bytes"] / 2**20,
        "peak_processes": run["peak_processes"],
        "peak_by_role_mb": run["peak_by_role_mb"],
        "bytes_per_letter_by_locale": sizes, "print_files": print_files,
    }


# --- the raw engine baseline (runs in its own plain process) ---------------------------


def baseline_worker(cases_path: Path, result_path: Path, docx_dir: Path | None,
                    cold_files: int, manifest: Path | None = None) -> None:
    """Render every case one after another in this process; write the figures as JSON.

    With the batch's ``manifest``, each letter gets the registered number it had in the
    batch, so both runs render the very same letters (number and barcode included).
    """
    t_import = time.perf_counter()
    from notice_factory.cases import read_case_file
    from notice_factory.errors import NoticeFactoryError
    from notice_factory.render import LetterRenderer
    from notice_factory.settings import load_sender_profile
    import_s = time.perf_counter() - t_import

    t_setup = time.perf_counter()
    read = read_case_file(cases_path, batch_date=BATCH_DATE)
    profile = load_sender_profile()
    renderer = LetterRenderer(templates=None)
    setup_s = time.perf_counter() - t_setup
    numbers: dict[str, str] = {}
    if manifest is not None and manifest.is_file():
        with manifest.open(encoding="utf-8", newline="") as fh:
            numbers = {f"{r['case_id']}-{r['kind']}": r["tracking_number"]
                       for r in csv.DictReader(fh)}
    result: dict[str, Any] = {"import_s": import_s, "setup_s": setup_s,
                              "read_rejects": len(read.rejects),
                              "same_numbers_as_batch": bool(numbers)}
    try:
        # Warm-up: the first letter of each engine pays for fonts, CSS and LibreOffice.
        warm: dict[str, float] = {}
        for case in read.cases:
            spec = renderer.catalog.template(case.locale, case.kind)
            if spec.engine in warm:
                continue
            t = time.perf_counter()
            try:
                renderer.render(case, profile.entity(case.locale), batch_date=BATCH_DATE,
                                tracking_number=numbers.get(case.letter_key, ""))
            except NoticeFactoryError:
                continue
            warm[spec.engine] = time.perf_counter() - t
        result["warmup_s"] = warm

        per_engine: dict[str, dict[str, float]] = defaultdict(
            lambda: {"letters": 0, "pages": 0, "seconds": 0.0})
        failures: list[str] = []
        t_loop = time.perf_counter()
        for case in read.cases:
            t = time.perf_counter()
            try:
                letter = renderer.render(case, profile.entity(case.locale), batch_date=BATCH_DATE,
                                         tracking_number=numbers.get(case.letter_key, ""))
            except NoticeFactoryError as err:
                failures.append(err.format_message())
                continue
            stats = per_engine[letter.template.engine]
            stats["letters"] += 1
            stats["pages"] += letter.pages
            stats["seconds"] += time.perf_counter() - t
        loop_s = time.perf_counter() - t_loop
        letters = int(sum(s["letters"] for s in per_engine.values()))
        pages = int(sum(s["pages"] for s in per_engine.values()))
        result.update(
            letters=letters, pages=pages, loop_s=loop_s, render_failures=len(failures),
            failures=failures[:10],
            letters_per_s=letters / loop_s if loop_s else None,
            pages_per_s=pages / loop_s if loop_s else None,
            engines={k: {"letters": int(v["letters"]), "pages": int(v["pages"]),
                         "seconds": v["seconds"],
                         "letters_per_s": v["letters"] / v["seconds"] if v["seconds"] else None,
                         "pages_per_s": v["pages"] / v["seconds"] if v["seconds"] else None}
                     for k, v in per_engine.items()})
        if docx_dir is not None:
            result["docx"] = _docx_cold_vs_warm(renderer, read.cases, profile, docx_dir,
                                                cold_files, per_engine.get("docx"))
    finally:
        renderer.close()
    result_path.write_text(json.dumps(result, indent=2), encoding="utf-8")


def cold_convert(docx_path: Path, out_dir: Path, *, timeout: float = 180.0,
                 soffice: str | None = None) -> Path:
    """One plain ``soffice --headless --convert-to pdf`` run: the slow way, only to compare the
    warm converter with (the product converts Word letters through ``office.OfficeSide``).

    Uses a throw-away profile so it never attaches to an office the user has open.
    Returns the path of the PDF written in ``out_dir``.
    """
    from notice_factory.errors import RenderError
    from notice_factory.office.install import child_env, find_office
    from notice_factory.office.reaper import kill_group

    install = find_office(soffice, need_uno=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="notice_factory_cold_") as profile:
        proc = subprocess.Popen(
            [install.soffice, "--headless", "--norestore", "--nolockcheck",
             f"-env:UserInstallation={Path(profile).as_uri()}",
             "--convert-to", "pdf", "--outdir", str(out_dir), str(docx_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, env=child_env())
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise RenderError(f"{docx_path}: soffice --convert-to did not finish within "
                              f"{timeout:g} s") from None
        finally:
            # soffice.bin may outlive oosplash; never leave it behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    pdf = out_dir / (docx_path.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file():
        raise RenderError(f"{docx_path}: soffice --convert-to failed: "
                          f"{output.decode(errors='replace').strip()[-300:]}")
    return pdf


def _docx_cold_vs_warm(renderer: Any, cases: list[Any], profile: Any, docx_dir: Path,
                       count: int, warm_stats: dict[str, float] | None) -> dict[str, Any]:
    """Cold ``soffice --convert-to pdf`` per letter against the warm converter."""
    from notice_factory.errors import NoticeFactoryError
    from notice_factory.office import OfficeConverter
    from notice_factory.render.docx import DocxEngine

    root = renderer.catalog.root
    engine = DocxEngine(root)
    files: list[Path] = []
    fill_s: list[float] = []
    docx_dir.mkdir(parents=True, exist_ok=True)
    for case in cases:
        if len(files) >= count:
            break
        spec, ctx = renderer.context_for(case, profile.entity(case.locale),
                                         batch_date=BATCH_DATE)
        # The DOCX template of this kind, whether or not template.toml selects it yet.
        docx = (spec.folder / "letter.docx") if spec.engine != "docx" else spec.path
        if not Path(docx).is_file():
            continue
        rel = Path(docx).resolve().relative_to(Path(root).resolve()).as_posix()
        t = time.perf_counter()
        try:
            data = engine.render_docx(rel, ctx.as_dict())
        except NoticeFactoryError:
            continue
        fill_s.append(time.perf_counter() - t)
        target = docx_dir / f"{case.case_id}-{case.kind.value}.docx"
        target.write_bytes(data)
        files.append(target)
    out: dict[str, Any] = {"files": len(files),
                           "fill_s": sum(fill_s) / len(fill_s) if fill_s else None}
    if not files:
        out["error"] = "no DOCX template matched the generated cases"
        return out
    if warm_stats and warm_stats["letters"]:
        out["warm_per_letter_s"] = warm_stats["seconds"] / warm_stats["letters"]
        out["warm_source"] = f"baseline DOCX letters ({int(warm_stats['letters'])}, fill + convert)"
    else:
        # No kind uses the DOCX engine yet: time the warm converter on the same files.
        try:
            with OfficeConverter() as conv:
                conv.convert(files[0].read_bytes(), name="warm-up")
                t = time.perf_counter()
                for _ in range(2):
                    for f in files:
                        conv.convert(f.read_bytes(), name=f.stem)
                per = (time.perf_counter() - t) / (2 * len(files))
            out["warm_per_letter_s"] = per + (out["fill_s"] or 0)
            out["warm_source"] = "warm OfficeConverter on the same files (+ fill time)"
        except NoticeFactoryError as err:
            out["error"] = f"warm converter: {err.format_message()}"
            return out
    cold: list[float] = []
    try:
        for f in files:
            t = time.perf_counter()
            cold_convert(f, docx_dir / "cold")
            cold.append(time.perf_counter() - t)
    except NoticeFactoryError as err:
        out["error"] = f"cold soffice: {err.format_message()}"
        return out
    out["cold_per_letter_s"] = sum(cold) / len(cold)
    out["ratio_cold_over_warm"] = out["cold_per_letter_s"] / out["warm_per_letter_s"]
    return out


def run_baseline(cases: Path, work: Path, cold_files: int,
                 manifest: Path | None = None) -> dict[str, Any]:
    result = work / "baseline.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--baseline-worker", str(cases),
           "--result", str(result), "--docx-dir", str(work / "docx"),
           "--cold-files", str(cold_files)]
    if manifest is not None:
        cmd += ["--manifest", str(manifest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if proc.returncode != 0 or not result.is_file():
        return {"error": f"baseline exited {proc.returncode}: {proc.stderr.strip()[-600:]}"}
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return data


# --- report ----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  check=False).stdout.strip()
        except OSError:
            return ""
    return {"revision": git("rev-parse", "--short", "HEAD") or "unknown",
            "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
            "nproc": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            # A shared machine is noisy: the load when the run ended says how much.
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def targets(b: dict[str, Any], base: dict[str, Any] | None, ratio: float | None,
            docx: dict[str, Any] | None, mix: str = "uniform") -> list[dict[str, Any]]:
    def row(name: str, figure: float | None, target: str, ok: bool | None) -> dict[str, Any]:
        return {"name": name, "figure": figure, "target": target,
                "pass": None if figure is None else ok}
    zh = b["bytes_per_letter_by_locale"].get("zh_CN")
    zh_kb = zh["avg_bytes"] / 1024 if zh else None
    zh500 = b["print_files"]["zh_500_letters_mb"]
    docx_ratio = (docx or {}).get("ratio_cold_over_warm")
    first = b["first_letter_from_launch_s"] or b["first_letter_s"]
    rate, rate_target = b["letters_per_s"], TARGET_LETTERS_PER_S[mix]
    return [
        row(f"batch letters/s, {mix} mix", rate, f">= {rate_target}",
            rate is not None and rate >= rate_target),
        row("peak memory of the process tree (MB)", b["peak_rss_mb"],
            f"< {TARGET_PEAK_MB:.0f} MB, flat from N=2,000 to 10,000",
            b["peak_rss_mb"] < TARGET_PEAK_MB),
        row("Chinese letter, average (KB)", zh_kb, f"< {TARGET_ZH_LETTER_KB:.0f} KB",
            zh_kb is not None and zh_kb < TARGET_ZH_LETTER_KB),
        row("first finished letter (s from launch)", first, f"< {TARGET_FIRST_LETTER_S:.0f} s",
            first is not None and first < TARGET_FIRST_LETTER_S),
        row("batch / baseline throughput (issue 6)", ratio, f">= {TARGET_RATIO}x",
            ratio is not None and ratio >= TARGET_RATIO),
        row("500-letter Chinese print file (MB, extrapolated; issue 6)", zh500,
            f"< {TARGET_ZH_500_MB:.0f} MB", zh500 is not None and zh500 < TARGET_ZH_500_MB),
        row("DOCX cold / warm per letter (issue 6)", docx_ratio, f">= {TARGET_DOCX_RATIO:.0f}x",
            docx_ratio is not None and docx_ratio >= TARGET_DOCX_RATIO),
    ]


def _f(value: Any, fmt: str = ".2f", unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{fmt}}{unit}"


def render_text(r: dict[str, Any]) -> str:
    m, b, base = r["machine"], r["batch"], r.get("baseline")
    lines = [f"notice_factory batch benchmark: revision {m['revision']}"
             f"{' (+ uncommitted changes)' if m['uncommitted_changes'] else ''}, "
             f"{m['nproc']} CPUs, Python {m['python']}, {m['platform']}, load average "
             f"{'/'.join(str(x) for x in m['loadavg_1_5_15'])} at the end",
             f"{r['letters_requested']} generated cases (seed {r['seed']}, "
             f"{r.get('mix', 'uniform')} mix), jobs "
             f"{r['jobs'] or 'default'}, batch date {BATCH_DATE}", ""]
    lines.append(f"BATCH  exit {b['exit_code']}: {b['letters']} letters, {b['pages']} pages, "
                 f"{b['rejected']} rejected")
    for rej in b["rejects"][:5]:
        lines.append(f"  reject row {rej.get('row')} {rej.get('case_id')} "
                     f"{rej.get('field')}: {rej.get('reason')}")
    if b["stderr_tail"]:
        lines.append(f"  stderr: {b['stderr_tail']}")
    lines.append(f"  {_f(b['letters_per_s'])} letters/s, {_f(b['pages_per_s'])} pages/s "
                 f"(batch total {_f(b['total_s'])} s; process wall {_f(b['wall_s'])} s)")
    lines.append(f"  first letter {_f(b['first_letter_s'])} s after batch start, "
                 f"{_f(b['first_letter_from_launch_s'])} s after launch")
    lines.append("  stages (s): " + ", ".join(f"{k} {_f(v)}" for k, v in b["stages_s"].items()))
    for name, e in sorted(b["engines"].items()):
        lines.append(f"  engine {name}: {e['letters']} letters, {e['pages']} pages, "
                     f"{_f(e['letters_per_worker_s'])} letters/s and "
                     f"{_f(e['pages_per_worker_s'])} pages/s per worker "
                     f"({_f(e['worker_render_s'])} s of worker time)")
    lines.append(f"  peak memory (whole tree, {b['peak_processes']} processes at most): RSS "
                 f"{_f(b['peak_rss_mb'], '.0f')} MB, PSS {_f(b['peak_pss_mb'], '.0f')} MB")
    lines.append("    RSS at the peak (MB): " + "; ".join(
        f"{role} {' + '.join(str(v) for v in values)}"
        for role, values in b["peak_by_role_mb"].items()))
    for loc, s in b["bytes_per_letter_by_locale"].items():
        lines.append(f"  {loc}: {s['letters']} letters, {_f(s['avg_bytes'] / 1024, '.1f')} KB "
                     f"average, {_f(s['max_bytes'] / 1024, '.1f')} KB largest")
    p = b["print_files"]
    lines.append(f"  print files: {p['count']}, {_f(p['total_bytes'] / 1e6)} MB in all, largest "
                 f"{_f(p['largest_bytes'] / 1e6)} MB ({p['largest_file']})")
    lines.append(f"  Chinese-only print files: {p['zh_only_files']}, "
                 f"{_f((p['zh_only_bytes_per_letter'] or 0) / 1024 or None, '.1f')} KB per letter"
                 f" -> {_f(p['zh_500_letters_mb'], '.1f')} MB for 500 letters")
    lines.append("")
    if base is None:
        lines.append("BASELINE  skipped (--skip-baseline)")
    elif "error" in base:
        lines.append(f"BASELINE  failed: {base['error']}")
    else:
        warm = ", ".join(f"{k} {_f(v)} s" for k, v in base["warmup_s"].items())
        lines.append(f"BASELINE (one process, one letter after another): {base['letters']} "
                     f"letters, {base['pages']} pages in {_f(base['loop_s'])} s")
        lines.append(f"  {_f(base['letters_per_s'])} letters/s, {_f(base['pages_per_s'])} "
                     f"pages/s; not counted: import {_f(base['import_s'])} s, setup "
                     f"{_f(base['setup_s'])} s, first letter per engine: {warm}")
        for name, e in sorted(base["engines"].items()):
            lines.append(f"  engine {name}: {e['letters']} letters, "
                         f"{_f(e['letters_per_s'])} letters/s, {_f(e['pages_per_s'])} pages/s")
        lines.append(f"  batch / baseline throughput: {_f(r['ratio'])}x")
        d = base.get("docx") or {}
        if "error" in d:
            lines.append(f"  DOCX: {d['error']}")
        if d.get("cold_per_letter_s"):
            lines.append(f"  DOCX: warm {_f(d['warm_per_letter_s'], '.3f')} s/letter "
                         f"({d['warm_source']}), cold soffice {_f(d['cold_per_letter_s'])} "
                         f"s/letter over {d['files']} files: "
                         f"{_f(d['ratio_cold_over_warm'], '.1f')}x")
    lines += ["", "TARGETS"]
    for t in r["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        lines.append(f"  {verdict}  {t['name']}: {_f(t['figure'])} (target {t['target']})")
    return "\n".join(lines)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    with WorkDir(args.out) as work:
        cases = work / "cases.csv"
        write_cases_csv(generate_cases(args.letters, args.seed, args.mix), cases)
        out = work / "batch"
        if out.exists():
            shutil.rmtree(out)
        ledger = work / "ledger.sqlite"
        for stale in (ledger, Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
            stale.unlink(missing_ok=True)
        # A batch never creates its ledger: made on purpose, as a user would.
        subprocess.run([sys.executable, "-m", "notice_factory", "ledger", "init", str(ledger)],
                       check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "notice_factory", "ledger", "import-numbers",
                        str(REPO / "fixtures" / "la-poste-numbers-demo.txt"), "--operator",
                        "la-poste", "--ledger", str(ledger)], check=True, capture_output=True)
        run = run_real_batch(cases, out, ledger, args.jobs)
        b = analyse_batch(out, run)
        base = None if args.skip_baseline else run_baseline(cases, work, args.cold_files,
                                                            out / "manifest.csv")
        ratio = None
        if base and base.get("letters_per_s") and b["letters_per_s"]:
            ratio = b["letters_per_s"] / base["letters_per_s"]
        result: dict[str, Any] = {
            "machine": machine(), "letters_requested": args.letters, "seed": args.seed,
            "mix": args.mix,
            "jobs": args.jobs, "batch_date": BATCH_DATE.isoformat(),
            "work_dir": str(work) if args.out else None,
            "batch": b, "baseline": base, "ratio": ratio,
        }
        result["targets"] = targets(b, base, ratio, (base or {}).get("docx"), args.mix)
        return result


class WorkDir:
    """The --out folder (kept) or a temporary one (removed afterwards)."""

    def __init__(self, keep: Path | None) -> None:
        self.keep = keep
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            return self.keep.resolve()
        self._tmp = tempfile.TemporaryDirectory(prefix="nf-bench-")
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--letters", type=int, default=200, help="cases to generate (default 200)")
    p.add_argument("--jobs", type=int, default=None, help="passed to batch --jobs")
    p.add_argument("--seed", type=int, default=2026, help="seed of the case generator")
    p.add_argument("--mix", choices=MIXES, default="uniform",
                   help="kinds of letter: uniform (today's mix, the default) or realistic "
                        "(60 %% reminders, 25 %% formal notices, 7 %% lawyer letters, 4 %% "
                        "commitment forms, 4 %% plan agreements)")
    p.add_argument("--out", type=Path, default=None,
                   help="keep cases.csv, the batch folder and the ledger here")
    p.add_argument("--skip-baseline", action="store_true",
                   help="do not run the one-process baseline nor the DOCX comparison")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--cold-files", type=int, default=4, help="DOCX files for the cold soffice "
                   "comparison (default 4)")
    p.add_argument("--cases-only", type=Path, default=None,
                   help="only write the generated case file to this path and exit")
    p.add_argument("--baseline-worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--docx-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.letters < 1:
        p.error("--letters must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_worker:
        baseline_worker(args.baseline_worker, args.result, args.docx_dir, args.cold_files,
                        args.manifest)
        return 0
    if args.cases_only:
        write_cases_csv(generate_cases(args.letters, args.seed, args.mix), args.cases_only)
        return 0
    result = bench(args)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(render_text(result))
    return 0 if result["batch"]["letters"] else 1


if __name__ == "__main__":
    sys.exit(main())
