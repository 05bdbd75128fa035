"""The one orchestrator: case file in, letters (and, for a batch, numbered print files) out.

Stages: validate -> (number) -> render -> (merge -> manifest). A case that fails at any
stage becomes a row of ``rejects.csv``; the others go on. Every file is written under a
temporary name and renamed, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

from notice_factory.assembly import LetterPdf, build_print_file, plan_placements
from notice_factory.batching import PrintGroup, PrintItem, group_print_files
from notice_factory.cases import read_case_file
from notice_factory.catalog import Catalog, load_catalog
from notice_factory.context import letter_date, preflight
from notice_factory.errors import (
    CaseError,
    NoticeFactoryError,
    RangeExhaustedError,
    RenderError,
)
from notice_factory.fsutil import remove_stale_parts
from notice_factory.ledger import Ledger, LetterKey
from notice_factory.model import Case, Clock, system_clock
from notice_factory.records import (
    ManifestRow,
    RejectRow,
    write_batch_json,
    write_manifest,
    write_rejects,
)
from notice_factory.render import LetterRenderer
from notice_factory.render.slips import slip_items, write_deposit_slip
from notice_factory.rules import deadline_days
from notice_factory.settings import PostalAccount, SenderProfile, load_sender_profile
from notice_factory.workers import (
    Done,
    Job,
    map_scheduled,
    office_count,
    run_jobs,
    start_pool,
)

#: CPU cost of a deposit-slip line relative to merging one letter into its print file
#: (measured: ~1 ms per letter merged, ~2.5 ms per slip line), to schedule the longest first.
SLIP_LINE_COST = 2.5

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, letter_key) after each letter."""


@dataclass
class LetterResult:
    case: Case
    letter_file: Path
    pages: int
    template_id: str
    template_version: str


@dataclass
class RenderSummary:
    out_dir: Path
    letters: list[LetterResult] = field(default_factory=list)
    rejects: list[CaseError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if not self.letters:
            return 1
        return 3 if self.rejects else 0


def reject_from(err: NoticeFactoryError, case: Case | None = None) -> CaseError:
    """Turn any per-letter failure into a rejection row that names the case."""
    if isinstance(err, CaseError):
        if case is not None:
            err.row = err.row if err.row is not None else case.row
            err.case_id = err.case_id or case.case_id
        return err
    return CaseError(err.format_message(), row=case.row if case else None,
                     field="(letter)", case_id=case.case_id if case else None)


def reject_row(err: CaseError) -> RejectRow:

    return RejectRow(row=err.row, case_id=err.case_id or "", field=err.field or "",
                     reason=err.message)


def render_case(case: Case, sender: SenderProfile | None = None, *,
                batch_date: dt.date | None = None, clock: Clock = system_clock,
                templates: Path | None = None, tracking_number: str = "") -> bytes:
    """Render one validated case to the PDF bytes of its letter (library entry point)."""
    profile = sender or load_sender_profile()
    with LetterRenderer(templates=templates) as renderer:
        letter = renderer.render(case, profile.entity(case.locale),
                                 batch_date=batch_date or clock(), tracking_number=tracking_number)
    return letter.pdf


def render_letters(cases_path: Path, out_dir: Path, *, sender: SenderProfile | None = None,
                   templates: Path | None = None, clock: Clock = system_clock,
                   batch_date: dt.date | None = None, allow_unknown: bool = False,
                   jobs: int | None = None, progress: Progress | None = None) -> RenderSummary:
    """`notice-factory render`: one PDF per valid case in ``out_dir``, plus rejects.csv.

    ``jobs``: worker processes (default one per core; 0 renders in this process).
    """
    profile = sender or load_sender_profile()
    day = batch_date or clock()
    workers = default_jobs() if jobs is None else jobs
    summary = RenderSummary(out_dir=out_dir)
    t0 = time.perf_counter()
    catalog = load_catalog(templates)
    pool = start_pool(workers, templates)
    try:
        read = read_case_file(cases_path, batch_date=day, allow_unknown=allow_unknown)
        summary.rejects.extend(read.rejects)
        summary.timings["validate"] = time.perf_counter() - t0
        if pool is not None:
            pool.set_offices(_offices_for(catalog, read.cases, workers))
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(out_dir)
        t1 = time.perf_counter()
        by_key = {c.letter_key: c for c in read.cases}
        job_list = [Job(c, profile.entity(c.locale), day, "", out_dir / f"{c.letter_key}.pdf")
                    for c in read.cases]
        outcomes = run_jobs(job_list, workers=workers, templates=templates, pool=pool)
        for n, outcome in enumerate(outcomes, 1):
            case = by_key[outcome.key]
            if isinstance(outcome, Done):
                summary.letters.append(LetterResult(case, outcome.target, outcome.pages,
                                                    outcome.template_id,
                                                    outcome.template_version))
            else:
                summary.rejects.append(CaseError(outcome.reason, row=case.row,
                                                 field=outcome.field, case_id=case.case_id))
            if progress:
                progress(n, len(job_list), outcome.key)
        summary.timings["render"] = time.perf_counter() - t1
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary.letters.sort(key=lambda r: r.case.row)
    summary.rejects.sort(key=lambda e: (e.row is None, e.row or 0))
    write_rejects([reject_row(e) for e in summary.rejects], out_dir)
    return summary


# --------------------------------------------------------------------------- batch


@dataclass
class BatchSummary:
    out_dir: Path
    batch_id: str
    batch_date: dt.date
    case_file_sha256: str = ""
    letters: int = 0
    rejects: list[CaseError] = field(default_factory=list)
    print_files: list[str] = field(default_factory=list)
    deposit_slips: list[str] = field(default_factory=list)
    registered: int = 0
    new_numbers: int = 0
    reused_numbers: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    engines: dict[str, dict[str, Any]] = field(default_factory=dict)
    pages: int = 0
    sheets: int = 0
    cases: int = 0
    templates: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if not self.letters:
            return 1
        return 3 if self.rejects else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id, "batch_date": self.batch_date.isoformat(),
            "out": str(self.out_dir), "letters": self.letters, "rejected": len(self.rejects),
            "registered": self.registered, "new_numbers": self.new_numbers,
            "reused_numbers": self.reused_numbers, "print_files": self.print_files,
            "deposit_slips": self.deposit_slips, "exit_code": self.exit_code,
            # Seconds as exact decimals (written as strings in JSON, never binary floats).
            "timings_s": {k: _seconds(v) for k, v in self.timings.items()},
            "engines": {k: {**v, "render_s": _seconds(v["render_s"])}
                        for k, v in self.engines.items()},
        }


def _seconds(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def batch_identity(case_file_sha256: str, batch_date: dt.date) -> str:
    """Same case file and date, same batch id: a re-run is recognisably the same batch."""
    return f"{batch_date.isoformat()}-{case_file_sha256[:10]}"


def run_batch(cases_path: Path, out_dir: Path, *, sender: SenderProfile | None = None,
              ledger_path: Path | None = None, templates: Path | None = None,
              clock: Clock = system_clock, batch_date: dt.date | None = None,
              jobs: int | None = None, resend: bool = False, allow_unknown: bool = False,
              letters_per_file: int | None = None, duplex: bool | None = None,
              progress: Progress | None = None) -> BatchSummary:
    """`notice-factory batch`: validate, number, render, merge, and write the records.

    Numbers are allocated before anything is written (a batch that would run a range dry
    fails first); a letter that cannot be produced gets its number voided, never reused.
    Re-running the same command gives the same numbers and the same files.
    """

    profile = sender or load_sender_profile()
    day = batch_date or clock()
    per_file = letters_per_file or profile.batch.letters_per_print_file
    is_duplex = profile.batch.duplex if duplex is None else duplex
    workers = jobs or default_jobs()
    digest = hashlib.sha256(cases_path.read_bytes()).hexdigest()
    summary = BatchSummary(out_dir=out_dir, batch_id=batch_identity(digest, day),
                           case_file_sha256=digest,
                           batch_date=day)
    t0 = time.perf_counter()
    catalog = load_catalog(templates)
    pool = start_pool(workers, templates)
    try:
        read = read_case_file(cases_path, batch_date=day, allow_unknown=allow_unknown)
        summary.rejects.extend(read.rejects)
        summary.cases = len(read.cases) + len(read.rejects)

        # Pre-flight: everything that can reject a case without rendering it (address that does
        # not fit the window, impossible plan, missing template) happens before numbering, so
        # no number is spent on a letter that cannot exist.
        cases: list[Case] = []
        for case in read.cases:
            try:
                catalog.template(case.locale, case.kind)
                preflight(case, profile.entity(case.locale), batch_date=day)
                cases.append(case)
            except NoticeFactoryError as err:
                summary.rejects.append(reject_from(err, case))
        summary.timings["validate"] = time.perf_counter() - t0
        if pool is not None:
            pool.set_offices(_offices_for(catalog, cases, workers))

        t1 = time.perf_counter()
        numbers: dict[str, str] = {}
        with Ledger(ledger_path, clock=lambda: _now(clock)) as ledger:
            by_operator: dict[str, list[Case]] = {}
            for case in cases:
                if case.registered:
                    operator = profile.entity(case.locale).postal.operator
                    by_operator.setdefault(operator, []).append(case)
            # Check every operator's ranges before allocating any: all or nothing.
            plans = []
            for op_cases in by_operator.values():
                postal = profile.entity(op_cases[0].locale).postal
                keys = [LetterKey(c.case_id, c.kind.value, c.letter_date or day) for c in op_cases]
                plans.append((postal, keys, op_cases))
            for postal, keys, _ in plans:
                _check_capacity(ledger, postal, keys, resend)
            for postal, keys, op_cases in plans:
                before = {k: ledger.lookup(k, postal.operator) for k in keys}
                got = ledger.allocate(keys, postal, summary.batch_id,
                                      resend=frozenset(keys) if resend else frozenset())
                for case, lkey in zip(op_cases, keys, strict=True):
                    numbers[case.letter_key] = got[lkey]
                    if before[lkey] == got[lkey]:
                        summary.reused_numbers += 1
                    else:
                        summary.new_numbers += 1
            summary.timings["number"] = time.perf_counter() - t1

            t2 = time.perf_counter()
            letters_dir = out_dir / "letters"
            letters_dir.mkdir(parents=True, exist_ok=True)
            remove_stale_parts(out_dir)
            job_list = [Job(c, profile.entity(c.locale), day, numbers.get(c.letter_key, ""),
                            letters_dir / f"{c.letter_key}.pdf") for c in cases]
            by_key = {c.letter_key: c for c in cases}
            done: dict[str, Done] = {}
            for n, outcome in enumerate(run_jobs(job_list, workers=workers, templates=templates,
                                                           pool=pool), 1):
                if isinstance(outcome, Done):
                    done[outcome.key] = outcome
                    if "first_letter" not in summary.timings:
                        summary.timings["first_letter"] = time.perf_counter() - t0
                    stats = summary.engines.setdefault(outcome.engine,
                                                       {"letters": 0, "pages": 0, "render_s": 0.0})
                    stats["letters"] += 1
                    stats["pages"] += outcome.pages
                    stats["render_s"] += outcome.seconds
                else:
                    case = by_key[outcome.key]
                    summary.rejects.append(CaseError(outcome.reason, row=case.row,
                                                     field=outcome.field, case_id=case.case_id))
                    number = numbers.pop(case.letter_key, "")
                    if number:
                        ledger.void(number, f"letter not produced: {outcome.reason}"[:500])
                if progress:
                    progress(n, len(job_list), outcome.key)
            summary.timings["render"] = time.perf_counter() - t2
            summary.letters = len(done)
            if pool is not None:
                # LibreOffice is no longer needed: free its memory before merging. The render
                # workers stay: they are warm for the merges and the deposit slips.
                pool.close_offices()

            t3 = time.perf_counter()
            items = []
            for key, d in done.items():
                case = by_key[key]
                postal = profile.entity(case.locale).postal
                items.append(PrintItem.of(
                    letter_key=key, case_id=case.case_id, kind=case.kind.value,
                    operator=postal.operator, postal_code=case.postal_code, country=case.country,
                    pages=d.pages, duplex=is_duplex, tracking_number=numbers.get(key, ""),
                    title=" · ".join(x for x in (case.case_id, case.kind.value, case.debtor_name,
                                                 numbers.get(key, "")) if x)))
            groups = group_print_files(items, letters_per_file=per_file)
            placed = _place(groups, is_duplex)
            rows = _manifest_rows(placed, done, summary, by_key, numbers, out_dir, day)
            summary.print_files = [f"print/{g.file_name}" for g in groups]
            # Print files and deposit slips are independent once every letter's place is
            # known: they share the pool, longest first, so both workers stay busy to the end.
            summary.deposit_slips = _merge_and_slip(groups, placed, rows, done, profile, by_key,
                                                    out_dir, day, is_duplex, pool, templates)
            summary.timings["merge"] = time.perf_counter() - t3

            t4 = time.perf_counter()
            _write_records(rows, summary, out_dir)
            ledger.mark_used([n for n in numbers.values() if n])
            summary.registered = sum(1 for n in numbers.values() if n)
            summary.timings["manifest"] = time.perf_counter() - t4
        summary.timings["total"] = time.perf_counter() - t0
        _write_batch_json(summary, profile, out_dir, cases_path)
        return summary
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


@dataclass(frozen=True)
class Placed:
    """A letter's place in the batch: its print item, print file and pages there."""

    item: PrintItem
    print_file: str  # relative to the batch folder
    first_page: int
    last_page: int


def _place(groups: list[PrintGroup], duplex: bool) -> list[Placed]:
    """Every letter's print file and pages, computed from the page counts."""
    placed: list[Placed] = []
    for group in groups:
        spots = plan_placements([(i.letter_key, i.pages) for i in group.items], duplex=duplex)
        placed.extend(Placed(item, f"print/{group.file_name}", spot.first_page, spot.last_page)
                      for item, spot in zip(group.items, spots, strict=True))
    return placed


def _manifest_rows(placed: list[Placed], done: dict[str, Done], summary: BatchSummary,
                   by_key: dict[str, Case], numbers: dict[str, str], out_dir: Path,
                   day: dt.date) -> list[ManifestRow]:
    rows = []
    for p in placed:
        case, d, item = by_key[p.item.letter_key], done[p.item.letter_key], p.item
        sent = letter_date(case, day)
        rows.append(ManifestRow(
            case_id=case.case_id, kind=case.kind.value, locale=case.locale.value,
            tracking_number=numbers.get(item.letter_key, ""), operator=item.operator,
            recipient_name=case.debtor_name, postal_code=case.postal_code, city=case.city,
            country=case.country, print_file=p.print_file, first_page=p.first_page,
            last_page=p.last_page, pages=d.pages, sheets=item.sheets, weight_g=item.weight_g,
            acknowledgement=case.acknowledgement,
            letter_file=d.target.relative_to(out_dir).as_posix(), sha256=d.sha256,
            template_id=d.template_id, template_version=d.template_version,
            weight_class=item.weight_class, envelope=item.envelope, registered=case.registered,
            letter_date=sent, deadline=sent + dt.timedelta(days=deadline_days(case)),
            total_due=case.amounts.total, currency=case.currency))
        summary.pages += d.pages
        summary.sheets += item.sheets
        summary.templates[d.template_id] = d.template_version
    return rows


def _merge_and_slip(groups: list[PrintGroup], placed: list[Placed], rows: list[ManifestRow],
                    done: dict[str, Done], profile: SenderProfile, by_key: dict[str, Case],
                    out_dir: Path, day: dt.date, duplex: bool,
                    pool: Executor | None, templates: Path | None) -> list[str]:
    """Merge the print files and write one deposit slip per print file with registered
    items, in parallel on the pool; returns the slips' paths (relative to ``out_dir``)."""
    # (cost, function, args, kwargs); merges stream to disk (pdfcopy), so any number of
    # them can run at once without the batch's memory growing with its print files.
    tasks: list[tuple[float, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    for group in groups:
        letters = [LetterPdf(done[i.letter_key].target, i.letter_key, i.title)
                   for i in group.items]
        tasks.append((len(letters), build_print_file,
                      (letters, out_dir / f"print/{group.file_name}"), {"duplex": duplex}))
    for print_file in dict.fromkeys(p.print_file for p in placed):
        items = slip_items(rows, print_file)
        if not items:
            continue  # a print file of unregistered letters goes without a deposit slip
        first = next(r for r in rows if r.print_file == print_file)
        entity = profile.entity(by_key[f"{first.case_id}-{first.kind}"].locale)
        tasks.append((len(items) * SLIP_LINE_COST, write_deposit_slip, (entity, items),
                      {"deposit_date": day, "print_file": print_file,
                       "out_dir": out_dir / "deposit-slips", "templates": templates}))
    results = map_scheduled(pool, _call, [((t[1], *t[2]), t[3]) for t in tasks],
                            costs=[t[0] for t in tasks])
    planned = {(p.print_file, p.item.letter_key): (p.first_page, p.last_page) for p in placed}
    for group, spots in zip(groups, results, strict=False):  # merges first, then slips
        for spot in spots:
            if planned[(f"print/{group.file_name}", spot.key)] != (spot.first_page,
                                                                   spot.last_page):
                raise RenderError(f"print/{group.file_name}: {spot.key} landed on pages "
                                  f"{spot.first_page}-{spot.last_page}, not where the manifest "
                                  "says; the letter's page count changed on disk")
    return [path.relative_to(out_dir).as_posix() for path in results[len(groups):]]


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``: lets one pool map run merges and slips together."""
    return fn(*args, **kwargs)


def _write_records(rows: list[ManifestRow], summary: BatchSummary, out_dir: Path) -> None:
    """manifest.csv/json and rejects.csv; stale files of earlier runs removed."""
    write_manifest(rows, out_dir)
    # A letter that is not in this manifest (rejected on this run, or from another batch)
    # may bear a number the ledger has just voided: it must not stay beside the batch.
    _remove_stale(out_dir / "letters", {Path(r.letter_file).name for r in rows})
    _remove_stale(out_dir / "print", {Path(p).name for p in summary.print_files})
    _remove_stale(out_dir / "deposit-slips", {Path(p).name for p in summary.deposit_slips})
    summary.rejects.sort(key=lambda e: (e.row is None, e.row or 0))
    write_rejects([reject_row(e) for e in summary.rejects], out_dir)


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """PDFs a previous run of a different batch left in the same output folder."""
    if folder.is_dir():
        for pdf in folder.glob("*.pdf"):
            if pdf.name not in keep:
                pdf.unlink()


def _write_batch_json(summary: BatchSummary, profile: SenderProfile, out_dir: Path,
                      cases_path: Path) -> None:

    data = summary.as_dict()
    data.update({
        "generator": f"notice_factory {package_version()}",
        "case_file": str(cases_path),
        "case_file_sha256": summary.case_file_sha256,
        "counts": {"cases": summary.cases, "letters": summary.letters,
                   "rejected": len(summary.rejects), "registered": summary.registered,
                   "new_numbers": summary.new_numbers, "reused_numbers": summary.reused_numbers,
                   "pages": summary.pages, "sheets": summary.sheets},
        "sender": {"profile": profile.source, "entities": {
            loc.value: {"creditor": e.creditor.name, "operator": e.postal.operator,
                        "deposit_office": e.postal.deposit_office}
            for loc, e in profile.entities.items()}},
        "templates": dict(sorted(summary.templates.items())),
        "settings": {"letters_per_print_file": profile.batch.letters_per_print_file,
                     "duplex": profile.batch.duplex},
    })
    write_batch_json(data, out_dir)


def _check_capacity(ledger: Ledger, postal: PostalAccount, keys: list[LetterKey],
                    resend: bool) -> None:
    """Refuse the batch before any write when an operator's ranges are too small."""

    needed = len(keys) if resend else sum(
        1 for k in keys if ledger.lookup(k, postal.operator) is None)
    left = ledger.remaining(postal)
    if needed > left:
        missing = needed - left
        raise RangeExhaustedError(
            f"the registered-number ranges of {postal.operator} have {left} number(s) left but "
            f"this batch needs {needed}: {missing} are missing; ask {postal.operator} for a new "
            "range and add it to the sender profile. Nothing was written.", missing=missing)


def _offices_for(catalog: Catalog, cases: list[Case], workers: int) -> int:
    """Office workers this batch needs, from its share of Word letters."""
    engines = [catalog.templates.get((c.locale.language, c.kind)) for c in cases]
    word = sum(1 for spec in engines if spec is not None and spec.engine == "docx")
    return office_count(workers, word, len(cases))


def package_version() -> str:
    try:
        return _dist_version("notice-factory")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def _now(clock: Clock) -> dt.datetime:
    """Ledger timestamps: the injected day, at the real time of day (UTC)."""
    real = dt.datetime.now(dt.UTC)
    return dt.datetime.combine(clock(), real.time(), tzinfo=dt.UTC)
