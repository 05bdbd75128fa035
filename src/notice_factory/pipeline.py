"""The one orchestrator: case file in, letters (and, for a batch, numbered print files) out.

A batch is a list of stages, each a function with its own inputs and result:

    validate -> preflight -> number -> render -> place -> merge and slips -> records

A case that fails at any stage becomes a row of ``rejects.csv``; the others go on. Results
are matched by the letter's key (:attr:`Case.letter_key`), never by position. Every file is
written under a temporary name and renamed, so a crash never leaves a half-written file.

``jobs`` means the same everywhere: ``None`` one worker process per core, ``n >= 1`` that
many worker processes, ``0`` everything in this process (no worker, no crash isolation).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notice_factory.assembly import LetterPdf, build_print_file, plan_placements
from notice_factory.batchdir import BatchFolder, Identity, check_folder
from notice_factory.batching import PrintGroup, PrintItem, group_print_files
from notice_factory.cases import ReadResult, describe_character, read_case_file
from notice_factory.catalog import Catalog, TemplateSpec, load_catalog
from notice_factory.context import check_signing, letter_date, preflight, return_address_line
from notice_factory.errors import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_PARTIAL,
    BatchFolderError,
    CaseError,
    ConfigError,
    NoticeFactoryError,
    OfficeUnavailableError,
    OutputError,
    RangeExhaustedError,
    RenderError,
    UsageError,
    describe_os_error,
)
from notice_factory.fonts import unprintable
from notice_factory.fsutil import check_replaceable, remove_stale_parts
from notice_factory.ledger import Ledger, LetterKey, operator_key
from notice_factory.model import Case, Clock, EarlierLetter, Kind, Locale, Progress, system_clock
from notice_factory.office import find_office
from notice_factory.records import (
    ManifestRow,
    RejectRow,
    to_json_value,
    write_batch_json,
    write_manifest,
    write_rejects,
)
from notice_factory.render import LetterRenderer
from notice_factory.rules import deadline_days, declared_content
from notice_factory.settings import (
    Entity,
    PostalAccount,
    SenderProfile,
    load_sender_profile,
    sender_of,
)
from notice_factory.window import address_problem, return_problem, windows_json
from notice_factory.workers import (
    Done,
    Failed,
    Job,
    Pools,
    fault_point,
    map_scheduled,
    office_count,
    run_jobs,
    start_pool,
)

if TYPE_CHECKING:  # distributed is imported only by a batch that uses a cluster
    from notice_factory.cluster import Cluster
    from notice_factory.render.slips import SlipDetail  # WeasyPrint: see _slip_tasks

#: CPU cost of a deposit-slip line relative to merging one letter into its print file
#: (measured: ~1 ms per letter merged, ~2.5 ms per slip line), to schedule the longest first.
SLIP_LINE_COST = 2.5


def exit_status(letters: int, rejects: int) -> int:
    """The command's exit status: nothing produced, some cases rejected, or all well.

    >>> exit_status(0, 2), exit_status(3, 1), exit_status(3, 0)
    (1, 3, 0)
    """
    if not letters:
        return EXIT_FAILURE
    return EXIT_PARTIAL if rejects else EXIT_OK


def resolve_jobs(jobs: int | None) -> int:
    """Worker processes for ``jobs``: None is one per core; 0 means this process only.

    >>> resolve_jobs(0), resolve_jobs(3), resolve_jobs(None) >= 1
    (0, 3, True)
    """
    if jobs is None:
        return default_jobs()
    if jobs < 0:
        raise UsageError(f"jobs must be 0 (this process) or more worker processes, not {jobs}")
    return jobs


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
        return exit_status(len(self.letters), len(self.rejects))


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


def _failed_reject(outcome: Failed, case: Case) -> CaseError:
    return CaseError(outcome.reason, row=case.row, field=outcome.field, case_id=case.case_id)


def _by_row(rejects: list[CaseError]) -> list[CaseError]:
    return sorted(rejects, key=lambda e: (e.row is None, e.row or 0))


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
                   jobs: int | None = None, progress: Progress | None = None,
                   allow_unsigned: bool = False) -> RenderSummary:
    """`notice-factory render`: one PDF per valid case in ``out_dir``, plus rejects.csv.

    ``jobs``: worker processes (default one per core; 0 renders in this process).
    ``allow_unsigned``: as :func:`run_batch`'s (else such letters are rejected).
    """
    profile = sender or load_sender_profile()
    day = batch_date or clock()
    workers = resolve_jobs(jobs)
    summary = RenderSummary(out_dir=out_dir)
    t0 = time.perf_counter()
    read = validate(cases_path, day, allow_unknown)  # a bad file fails before any worker starts
    catalog = load_catalog(templates)
    makeable = letter_checks(read.cases, catalog)
    read = ReadResult(makeable.cases, read.rejects + makeable.rejects, read.source)
    summary.rejects.extend(read.rejects)
    signed = _signing_stage(read.cases, catalog, profile, allow_unsigned)
    summary.rejects.extend(signed.rejects)
    summary.timings["validate"] = time.perf_counter() - t0
    pool = start_pool(workers, templates)
    try:
        if pool is not None:
            pool.set_offices(_offices_for(catalog, signed.cases, workers))
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(out_dir)
        t1 = time.perf_counter()
        jobs_ = [Job(c, profile.entity(c.locale), day, "", out_dir / f"{c.letter_key}.pdf")
                 for c in signed.cases]
        rendered = render_stage(jobs_, workers, templates, pool, progress)
        summary.timings["render"] = time.perf_counter() - t1
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    by_key = {c.letter_key: c for c in read.cases}
    summary.letters = sorted(
        (LetterResult(by_key[k], d.target, d.pages, d.template_id, d.template_version)
         for k, d in rendered.done.items()), key=lambda r: r.case.row)
    summary.rejects = _by_row(summary.rejects + [_failed_reject(f, by_key[f.key])
                                                 for f in rendered.failed])
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
    cluster: dict[str, Any] = field(default_factory=dict)  # where the letters were rendered
    manifest: list[ManifestRow] = field(default_factory=list)  # what manifest.csv/json hold

    @property
    def exit_code(self) -> int:
        return exit_status(self.letters, len(self.rejects))

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
        } | ({"cluster": self.cluster} if self.cluster else {})


def _seconds(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def batch_identity(case_file_sha256: str, batch_date: dt.date) -> str:
    """Same case file and date, same batch id: a re-run is recognisably the same batch."""
    return f"{batch_date.isoformat()}-{case_file_sha256[:10]}"


@dataclass(frozen=True)
class BatchOptions:
    """What a batch is asked to do, besides its cases."""

    profile: SenderProfile
    day: dt.date
    workers: int
    templates: Path | None
    letters_per_file: int
    duplex: bool
    resend: bool
    #: Print a plain signature line where a kind needs a signature or seal the profile
    #: lacks, instead of holding the letter (`batch --allow-unsigned`).
    allow_unsigned: bool = False


def run_batch(cases_path: Path, out_dir: Path, *, sender: SenderProfile | None = None,
              ledger_path: Path | str | None = None, templates: Path | None = None,
              clock: Clock = system_clock, batch_date: dt.date | None = None,
              jobs: int | None = None, resend: bool = False, allow_unknown: bool = False,
              letters_per_file: int | None = None, duplex: bool | None = None,
              progress: Progress | None = None, cluster: str | None = None,
              allow_unsigned: bool = False) -> BatchSummary:
    """`notice-factory batch`: validate, number, render, merge, and write the records.

    Numbers are allocated before anything is written (a batch that would run a range dry
    fails first); a letter that cannot be produced gets its number voided, never reused.
    Re-running the same command gives the same numbers and the same files.

    ``cluster``: a Dask scheduler's address (``tcp://host:8786``); the letters are then
    rendered by its workers (see cluster.py), everything else stays here, and the local
    worker processes only merge the print files and write the deposit slips.

    ``allow_unsigned``: a letter whose kind needs a signature or seal the sender profile
    lacks (``rules.SIGNING``) prints a plain line to sign by hand; without it, such a letter
    is held (rejects.csv, "needs a signature/seal") before any number is spent.
    """
    profile = sender or load_sender_profile()
    opts = BatchOptions(
        profile=profile, day=batch_date or clock(), workers=resolve_jobs(jobs),
        templates=templates,
        letters_per_file=letters_per_file or profile.batch.letters_per_print_file,
        duplex=profile.batch.duplex if duplex is None else duplex, resend=resend,
        allow_unsigned=allow_unsigned)
    t0 = time.perf_counter()
    # The case file is read before any worker starts: a bad file fails in milliseconds.
    read = validate(cases_path, opts.day, allow_unknown)
    digest = hashlib.sha256(cases_path.read_bytes()).hexdigest()
    summary = BatchSummary(out_dir=out_dir, batch_id=batch_identity(digest, opts.day),
                           case_file_sha256=digest, batch_date=opts.day,
                           cases=len(read.cases) + len(read.rejects))
    catalog = load_catalog(templates)
    # The cluster is reached and its workers checked before the ledger is opened: an
    # unreachable scheduler or a worker with other templates costs no number.
    remote = _connect(cluster, catalog) if cluster else None
    # With a cluster, the local processes start on their first task (a merge or a slip).
    pool = start_pool(opts.workers, templates, warm=remote is None)
    try:
        with Ledger(ledger_path, clock=lambda: _now(clock)) as ledger, BatchFolder.open(
                out_dir, Identity.of(cases_path, opts.day), ledger) as folder:
            # Everything is built in the folder's staging area, then put in place as a whole.
            folder.step = fault_point
            fault_point("opened")
            with _disk_full_named(out_dir):
                numbers, later = _run_stages(read, catalog, ledger, pool, opts, summary, t0,
                                             progress, remote, folder)
                summary.timings["total"] = time.perf_counter() - t0
                _write_batch_json(summary, profile, folder.staging, cases_path)
                fault_point("staged")
                folder.commit(numbers, ledger, voids=later)
        return summary
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if remote is not None:
            remote.close()


@contextlib.contextmanager
def _disk_full_named(out_dir: Path) -> Iterator[None]:
    """A full disk while the batch is written, reported naming the batch folder."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise BatchFolderError(
            f"the disk holding the batch folder is full ({exc.strerror}): free space there and "
            "run the same command again. The folder keeps its previous batch (if any) until "
            "this one is complete, and the re-run completes it with the same registered "
            "numbers.", file=str(out_dir)) from None


def _connect(address: str, catalog: Catalog) -> Cluster:
    from notice_factory.cluster import connect  # distributed loads only for a cluster batch

    return connect(address, catalog.root)


def _run_stages(read: ReadResult, catalog: Catalog, ledger: Ledger, pool: Pools | None,
                opts: BatchOptions, summary: BatchSummary, t0: float,
                progress: Progress | None, remote: Cluster | None,
                folder: BatchFolder) -> tuple[list[str], dict[str, str]]:
    """preflight -> number -> render -> place -> merge and slips -> records, filling
    ``summary`` from each stage's result; everything is written in ``folder.staging``.
    Returns the registered numbers the staged letters carry, and those to void once they are
    in place (number -> reason)."""
    out_dir, clock = folder.staging, time.perf_counter
    # A cluster's workers convert the Word letters: this machine needs no LibreOffice.
    checked = preflight_stage(read.cases, catalog, opts.profile, opts.day,
                              office_here=remote is None,
                              allow_unsigned=opts.allow_unsigned)
    summary.rejects = read.rejects + checked.rejects
    summary.timings["validate"] = clock() - t0
    if pool is not None and remote is None:
        pool.set_offices(_offices_for(catalog, checked.cases, opts.workers))
    check_output(folder.path, checked.cases)  # the files the move will replace

    t1 = clock()
    numbering = number_stage(ledger, checked.cases, opts, summary.batch_id,
                             _Claim(catalog, folder.ref))
    summary.new_numbers, summary.reused_numbers = numbering.new, numbering.reused
    summary.timings["number"] = clock() - t1
    fault_point("numbered")

    t2 = clock()
    checked = Checked(with_history(checked.cases, ledger, opts.day), checked.rejects)
    rendered, numbers, later = _render_and_void(checked, numbering, ledger, pool, opts,
                                                summary, progress, remote, out_dir)
    if rendered.first_letter is not None:
        summary.timings["first_letter"] = rendered.first_letter - t0
    summary.timings["render"] = clock() - t2
    if pool is not None:
        # LibreOffice is no longer needed: free its memory before merging. The render
        # workers stay: they are warm for the merges and the deposit slips.
        pool.close_offices()

    t3 = clock()
    by_key = {c.letter_key: c for c in checked.cases}
    placement = place_stage(rendered.done, by_key, numbers, opts)
    rows = manifest_rows(placement.placed, rendered.done, by_key, numbers, out_dir, opts.day,
                         opts.profile)
    summary.manifest = rows
    summary.print_files = [f"print/{g.file_name}" for g in placement.groups]
    summary.pages, summary.sheets = sum(r.pages for r in rows), sum(r.sheets for r in rows)
    summary.templates = {r.template_id: r.template_version for r in rows}
    # Print files and deposit slips are independent once every letter's place is
    # known: they share the pool, longest first, so both workers stay busy to the end.
    summary.deposit_slips = merge_and_slip_stage(placement, rows, rendered.done, by_key,
                                                 out_dir, opts, pool)
    summary.timings["merge"] = clock() - t3
    fault_point("merged")

    t4 = clock()
    summary.rejects = _by_row(summary.rejects)
    write_records(rows, summary.rejects, out_dir)
    summary.registered = sum(1 for n in numbers.values() if n)
    summary.timings["manifest"] = clock() - t4
    return [n for n in numbers.values() if n], later


def _render_and_void(checked: Checked, numbering: Numbering, ledger: Ledger,
                     pool: Pools | None, opts: BatchOptions, summary: BatchSummary,
                     progress: Progress | None, remote: Cluster | None,
                     out_dir: Path) -> tuple[Rendered, dict[str, str], dict[str, str]]:
    """The render stage; a letter not produced is rejected and its number voided. Returns
    what was rendered, the numbers of the letters made and the numbers to void when the
    batch is in place (see _void_failed)."""
    letters_dir = out_dir / "letters"
    letters_dir.mkdir(parents=True, exist_ok=True)
    jobs = [Job(c, opts.profile.entity(c.locale), opts.day,
                numbering.numbers.get(c.letter_key, ""), letters_dir / f"{c.letter_key}.pdf",
                opts.profile.windows, opts.duplex)
            for c in checked.cases]
    rendered = render_stage(jobs, opts.workers, opts.templates, pool, progress, remote)
    if remote is not None:
        summary.cluster = remote.describe()
    by_key = {c.letter_key: c for c in checked.cases}
    numbers, later = _void_failed(ledger, rendered.failed, numbering.numbers)
    summary.rejects += [_failed_reject(f, by_key[f.key]) for f in rendered.failed]
    summary.letters, summary.engines = len(rendered.done), rendered.engines
    return rendered, numbers, later


# --------------------------------------------------------------------------- stages


def validate(cases_path: Path, day: dt.date, allow_unknown: bool) -> ReadResult:
    """Stage 1: read the case file; each bad row becomes a rejection (row, field, reason)."""
    return read_case_file(cases_path, batch_date=day, allow_unknown=allow_unknown)


@dataclass(frozen=True)
class Checked:
    """The cases that can become letters, and the rejections of those that cannot."""

    cases: list[Case]
    rejects: list[CaseError]


def preflight_stage(cases: list[Case], catalog: Catalog, profile: SenderProfile,
                    day: dt.date, *, office_here: bool = True,
                    allow_unsigned: bool = False) -> Checked:
    """Stage 2: everything that can reject a case without rendering it (address that does
    not fit the window, impossible plan, missing template, text the letter's fonts cannot
    print, a Word letter without LibreOffice, a signature or seal the kind needs and the
    profile lacks), before any number is spent."""
    makeable = letter_checks(cases, catalog, office_here=office_here)
    ok: list[Case] = []
    rejects: list[CaseError] = list(makeable.rejects)
    for case in makeable.cases:
        try:
            spec = catalog.template(case.locale, case.kind)
            entity = profile.entity(case.locale)
            check_signing(case, entity, allow_unsigned=allow_unsigned, engine=spec.engine)
            lines, _ = preflight(case, entity, batch_date=day)
            _check_address_width(case, lines, profile)
            ok.append(case)
        except NoticeFactoryError as err:
            rejects.append(reject_from(err, case))
    _check_return_addresses(ok, profile)
    return Checked(ok, rejects)


#: The batch's records, in the output folder itself.
RECORD_FILES = ("manifest.csv", "manifest.json", "rejects.csv", "batch.json")


def check_output(out_dir: Path, cases: list[Case]) -> None:
    """The output folder can take this batch, checked before any number is allocated: each
    folder writable, and no file the batch would replace immutable (a full disk can still
    stop it later: the same command then completes it with the same numbers)."""
    folders: dict[Path, list[str]] = {out_dir: list(RECORD_FILES),
                                      out_dir / "letters": [f"{c.letter_key}.pdf" for c in cases]}
    for sub in ("print", "deposit-slips"):
        folder = out_dir / sub
        folders[folder] = sorted(p.name for p in folder.glob("*.pdf")) if folder.is_dir() else []
    try:
        for folder, names in folders.items():
            check_replaceable(folder, names)
    except OSError as err:
        raise OutputError(f"the output folder cannot take this batch: {describe_os_error(err)}. "
                          "No number was allocated and nothing was written.") from None


def _check_return_addresses(cases: list[Case], profile: SenderProfile) -> None:
    """Every sender's return address fits the windows, checked once per sender before any
    number is spent: a profile mistake refuses the batch rather than every letter."""
    seen: set[str] = set()
    for case in cases:
        line = return_address_line(case, profile.entity(case.locale))
        if line in seen:
            continue
        seen.add(line)
        for name, window in sorted(profile.windows.items()):
            problem = return_problem(line, window)
            if problem is not None:
                table = "lawyer" if sender_of(case.kind.value, profile.entity(
                    case.locale)).firm else "postal"
                raise ConfigError(f"{case.locale.value}.{table}.return_address: {problem} "
                                  f"({name} envelope)", file=profile.source)


def _signing_stage(cases: list[Case], catalog: Catalog, profile: SenderProfile,
                   allow_unsigned: bool) -> Checked:
    """The cases whose letters can be signed and sealed as their kind needs (`render`)."""
    ok: list[Case] = []
    rejects: list[CaseError] = []
    for case in cases:
        try:
            check_signing(case, profile.entity(case.locale), allow_unsigned=allow_unsigned,
                          engine=catalog.template(case.locale, case.kind).engine)
            ok.append(case)
        except NoticeFactoryError as err:
            rejects.append(reject_from(err, case))
    return Checked(ok, rejects)


@dataclass(frozen=True)
class Numbering:
    """Registered numbers by letter key ("" or absent: not registered)."""

    numbers: dict[str, str]
    new: int
    reused: int


@dataclass(frozen=True)
class _Claim:
    """What the number stage records with each number: the letter's content and its folder."""

    catalog: Catalog
    folder: str  # batchdir.folder_ref of the batch folder

    def fingerprints(self, cases: list[Case], opts: BatchOptions,
                     keys: dict[str, LetterKey]) -> dict[LetterKey, str]:
        # The sender's part once per locale, not once per letter: it is the biggest (the whole
        # profile table, its images hashed) and the same for every letter of the locale.
        senders: dict[Locale, dict[str, Any]] = {}
        for c in cases:
            if c.locale not in senders:
                senders[c.locale] = sender_content(opts.profile.entity(c.locale))
        return {keys[c.letter_key]: letter_fingerprint(
            c, self.catalog.template(c.locale, c.kind), opts.profile.entity(c.locale),
            sender=senders[c.locale]) for c in cases}


def sender_content(entity: Entity) -> dict[str, Any]:
    """The sender's part of a letter's fingerprint: the entity, not its postal account (whose
    ranges grow)."""
    return {k: v for k, v in to_json_value(entity).items() if k != "postal"}


def letter_fingerprint(case: Case, template: TemplateSpec, entity: Entity, *,
                       sender: dict[str, Any] | None = None) -> str:
    """What a letter says, as one digest: the case's fields (not its row), the template and
    its version, and the sender (not the postal account, whose ranges grow). Two runs that
    would print different letters give different fingerprints. ``sender``: the entity's
    :func:`sender_content`, when the caller made it once for many letters."""
    content = {
        "case": {k: v for k, v in to_json_value(case).items()
                 if k not in ("row", "earlier_letters")},
        "template": [template.id, template.version],
        "sender": sender_content(entity) if sender is None else sender,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def number_stage(ledger: Ledger, cases: list[Case], opts: BatchOptions,
                 batch_id: str, claim: _Claim | None = None) -> Numbering:
    """Stage 3: check every operator's ranges first (all or nothing), and that no letter
    changed under its number or is another run's, then allocate."""
    # Per operator and source: its S10 ranges, or its imported lists (domestic items of an
    # account whose operator issues the numbers).
    by_source: dict[tuple[str, bool], list[Case]] = {}
    for case in cases:
        if case.registered:
            postal = opts.profile.entity(case.locale).postal
            source = (postal.operator, postal.imported_for(case.country))
            by_source.setdefault(source, []).append(case)
    plans = []
    for (_, imported), op_cases in by_source.items():
        postal = opts.profile.entity(op_cases[0].locale).postal
        keys = {c.letter_key: LetterKey(c.case_id, c.kind.value, c.letter_date or opts.day)
                for c in op_cases}
        prints = claim.fingerprints(op_cases, opts, keys) if claim else {}
        plans.append((postal, keys, imported, prints))
    folder = claim.folder if claim else ""
    for postal, keys, imported, prints in plans:
        resend = frozenset(keys.values()) if opts.resend else frozenset()
        ledger.check_allocation(list(keys.values()), postal, resend=resend,
                                fingerprints=prints, folder=folder, check_folder=check_folder)
        _check_capacity(ledger, postal, list(keys.values()), opts.resend, imported)
    numbers: dict[str, str] = {}
    new = reused = 0
    for postal, keys, imported, prints in plans:
        wanted = list(keys.values())
        before = {k: ledger.lookup(k, postal.operator) for k in wanted}
        got = ledger.allocate(wanted, postal, batch_id, imported=imported,
                              resend=frozenset(wanted) if opts.resend else frozenset(),
                              fingerprints=prints, folder=folder, check_folder=check_folder)
        for letter_key, lkey in keys.items():
            numbers[letter_key] = got[lkey]
            if before[lkey] == got[lkey]:
                reused += 1
            else:
                new += 1
    return Numbering(numbers, new, reused)


def with_history(cases: list[Case], ledger: Ledger, day: dt.date) -> list[Case]:
    """The cases with the letters the ledger shows sent for each before its letter date.

    Only letters that went out (numbers marked used) and are dated before this letter count,
    so re-rendering a letter gives the same text, whatever was sent after it.
    """
    out = []
    for case in cases:
        when = case.letter_date or day
        earlier = tuple(EarlierLetter(Kind(r.kind), r.letter_date)
                        for r in ledger.sent_letters(case_id=case.case_id)
                        if r.letter_date < when and r.kind in _KINDS)
        out.append(dataclasses.replace(case, earlier_letters=earlier) if earlier else case)
    return out


_KINDS = frozenset(k.value for k in Kind)


@dataclass
class Rendered:
    """What the render stage made: letters by key, failures, per-engine statistics."""

    done: dict[str, Done] = field(default_factory=dict)
    failed: list[Failed] = field(default_factory=list)
    engines: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_letter: float | None = None  # perf_counter() when the first letter was written


def render_stage(jobs: list[Job], workers: int, templates: Path | None, pool: Pools | None,
                 progress: Progress | None, remote: Cluster | None = None) -> Rendered:
    """Stage 4: every letter written to its target as it finishes (see workers.py), by
    the local workers or, with ``remote``, by the cluster's (see cluster.py)."""
    result = Rendered()
    outcomes = (remote.run_jobs(jobs) if remote is not None
                else run_jobs(jobs, workers=workers, templates=templates, pool=pool))
    for n, outcome in enumerate(outcomes, 1):
        if isinstance(outcome, Done):
            result.done[outcome.key] = outcome
            if result.first_letter is None:
                result.first_letter = time.perf_counter()
            stats = result.engines.setdefault(outcome.engine,
                                              {"letters": 0, "pages": 0, "render_s": 0.0})
            stats["letters"] += 1
            stats["pages"] += outcome.pages
            stats["render_s"] += outcome.seconds
        else:
            result.failed.append(outcome)
        fault_point("letter")
        if progress:
            progress(n, len(jobs), outcome.key)
    return result


def _void_failed(ledger: Ledger, failed: list[Failed],
                 numbers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The numbers of the letters made; those of letters not produced are voided now, or,
    when already on a finished batch (whose letter is still in the batch folder), when this
    run's batch replaces it (returned: number -> reason)."""
    kept = dict(numbers)
    later: dict[str, str] = {}
    for outcome in failed:
        number = kept.pop(outcome.key, "")
        record = ledger.record(number) if number else None
        reason = f"letter not produced: {outcome.reason}"[:500]
        if record is not None and record.state == "allocated":
            ledger.void(number, reason)
        elif record is not None and record.state == "used":
            later[number] = reason
    return kept, later


@dataclass(frozen=True)
class Placed:
    """A letter's place in the batch: its print item, print file and pages there."""

    item: PrintItem
    print_file: str  # relative to the batch folder
    first_page: int
    last_page: int


@dataclass(frozen=True)
class Placement:
    """The print files (groups) and every letter's place in them."""

    groups: list[PrintGroup]
    placed: list[Placed]


def place_stage(done: dict[str, Done], by_key: dict[str, Case], numbers: dict[str, str],
                opts: BatchOptions) -> Placement:
    """Stage 5: group the letters into print files and compute every letter's pages."""
    items = []
    for key, d in done.items():
        case = by_key[key]
        postal = opts.profile.entity(case.locale).postal
        number = numbers.get(key, "")
        items.append(PrintItem.of(
            letter_key=key, case_id=case.case_id, kind=case.kind.value,
            operator=postal.operator, postal_code=case.postal_code, country=case.country,
            pages=d.pages, duplex=opts.duplex, tracking_number=number,
            international=case.country.upper() != postal.country,
            sender=_firm_key(case, opts.profile),
            title=" · ".join(x for x in (case.case_id, case.kind.value, case.debtor_name,
                                         number) if x)))
    groups = group_print_files(items, letters_per_file=opts.letters_per_file)
    return Placement(groups, _place(groups, opts.duplex))


def _place(groups: list[PrintGroup], duplex: bool) -> list[Placed]:
    """Every letter's print file and pages, computed from the page counts."""
    placed: list[Placed] = []
    for group in groups:
        spots = plan_placements([(i.letter_key, i.pages) for i in group.items], duplex=duplex)
        placed.extend(Placed(item, f"print/{group.file_name}", spot.first_page, spot.last_page)
                      for item, spot in zip(group.items, spots, strict=True))
    return placed


def manifest_rows(placed: list[Placed], done: dict[str, Done], by_key: dict[str, Case],
                  numbers: dict[str, str], out_dir: Path, day: dt.date,
                  profile: SenderProfile | None = None) -> list[ManifestRow]:
    """One manifest row per placed letter, in print order."""
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
            total_due=case.amounts.total, currency=case.currency,
            sender=sender_of(case.kind.value, profile.entity(case.locale)).name
            if profile else ""))
    return rows


Task = tuple[str, float, Callable[..., Any], tuple[Any, ...], dict[str, Any]]
"""(key, cost, function, args, kwargs): one call of the merge-and-slip stage."""


def merge_and_slip_stage(placement: Placement, rows: list[ManifestRow], done: dict[str, Done],
                         by_key: dict[str, Case], out_dir: Path, opts: BatchOptions,
                         pool: Executor | None) -> list[str]:
    """Stage 6: merge the print files and write one deposit slip per print file with
    registered items, in parallel on the pool; returns the slips' paths (relative to
    ``out_dir``). Each merged file is checked against the placement."""
    merges = _merge_tasks(placement.groups, done, out_dir, opts.duplex)
    slips = _slip_tasks(placement.placed, rows, by_key, out_dir, opts)
    tasks = merges + slips
    # A merge holds little in memory (qpdf reads the letters from their files as it copies
    # them), so merges and slips run together on the pool.
    results = dict(zip((t[0] for t in tasks), map_scheduled(
        pool, _call, [((t[2], *t[3]), t[4]) for t in tasks], costs=[t[1] for t in tasks]),
        strict=True))
    planned = {(p.print_file, p.item.letter_key): (p.first_page, p.last_page)
               for p in placement.placed}
    for print_file, _, _, _, _ in merges:
        for spot in results[print_file]:
            if planned[(print_file, spot.key)] != (spot.first_page, spot.last_page):
                raise RenderError(f"{print_file}: {spot.key} landed on pages "
                                  f"{spot.first_page}-{spot.last_page}, not where the manifest "
                                  "says; the letter's page count changed on disk")
    return [results[t[0]].relative_to(out_dir).as_posix() for t in slips]


def _merge_tasks(groups: list[PrintGroup], done: dict[str, Done], out_dir: Path,
                 duplex: bool) -> list[Task]:
    tasks: list[Task] = []
    for group in groups:
        letters = [LetterPdf(done[i.letter_key].target, i.letter_key, i.title)
                   for i in group.items]
        print_file = f"print/{group.file_name}"
        tasks.append((print_file, len(letters), build_print_file,
                      (letters, out_dir / print_file), {"duplex": duplex}))
    return tasks


def _slip_tasks(placed: list[Placed], rows: list[ManifestRow], by_key: dict[str, Case],
                out_dir: Path, opts: BatchOptions) -> list[Task]:
    # WeasyPrint (0.5 s to import) comes with the slips, after the letters: not before the
    # batch's first letter (issue 16). The workers that render letters have it already.
    from notice_factory.render.slips import slip_items, write_deposit_slip

    first_of: dict[str, Placed] = {}
    for p in placed:
        first_of.setdefault(p.print_file, p)
    tasks: list[Task] = []
    details = _slip_details(rows, by_key, opts)
    for print_file, first in first_of.items():
        case = by_key[first.item.letter_key]
        entity = opts.profile.entity(case.locale)
        items = slip_items(rows, print_file, entity.postal, details)
        if not items:
            continue  # a print file of unregistered letters goes without a deposit slip
        tasks.append((f"slip:{print_file}", len(items) * SLIP_LINE_COST, write_deposit_slip,
                      (entity, items), {"deposit_date": opts.day, "print_file": print_file,
                                        "out_dir": out_dir / "deposit-slips",
                                        "templates": opts.templates,
                                        # a print file holds one sender's letters (batching)
                                        "sender": sender_of(case.kind.value, entity)}))
    return tasks


def _firm_key(case: Case, profile: SenderProfile) -> str:
    """The law firm's key when it posts the letter (its own print files and slips), else ""."""
    sender = sender_of(case.kind.value, profile.entity(case.locale))
    return operator_key(sender.name) if sender.firm else ""


def _slip_details(rows: list[ManifestRow], by_key: dict[str, Case],
                  opts: BatchOptions) -> dict[str, SlipDetail]:
    """Per registered letter: its address as printed, and its documents when it goes with
    declared content."""
    from notice_factory.render.slips import SlipDetail, declared_documents, slips_dir

    out: dict[str, SlipDetail] = {}
    for row in rows:
        case = by_key.get(Path(row.letter_file).stem)
        if case is None or not row.tracking_number:
            continue
        lines, _ = preflight(case, opts.profile.entity(case.locale), batch_date=opts.day)
        declared = declared_documents(case.kind.value, row.pages, case.locale.language,
                                      slips_dir(opts.templates)) if declared_content(
            case.locale, case.kind) else ()
        out[case.letter_key] = SlipDetail(tuple(lines), declared, case.guarantee)
    return out


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``: lets one pool map run merges and slips together."""
    return fn(*args, **kwargs)


def write_records(rows: list[ManifestRow], rejects: list[CaseError], out_dir: Path) -> None:
    """Stage 7: manifest.csv/json and rejects.csv (in the staging folder: the batch folder
    gets them with the letters, as a whole; see batchdir.py)."""
    write_manifest(rows, out_dir)
    write_rejects([reject_row(e) for e in rejects], out_dir)


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
        "windows": windows_json(profile.windows),
    })
    write_batch_json(data, out_dir)


def letter_checks(cases: list[Case], catalog: Catalog, *, office_here: bool = True) -> Checked:
    """What a letter needs of the templates and of this machine, for `render` and `batch`
    alike: its template, fonts that print the case's text, and LibreOffice for a Word letter
    (``office_here``: converted by this machine, not by a cluster's workers)."""
    ok: list[Case] = []
    rejects: list[CaseError] = []
    office = _OfficeCheck()
    for case in cases:
        try:
            spec = catalog.template(case.locale, case.kind)
            if spec.engine == "docx" and office_here:
                office.require(case)
            _check_printable(case, spec.fonts, spec.id)
            ok.append(case)
        except NoticeFactoryError as err:
            rejects.append(reject_from(err, case))
    return Checked(ok, rejects)


#: The case's fields a letter prints (in the address block or its text).
PRINTED_FIELDS = ("debtor_name", "debtor_title", "address_line1", "address_line2",
                  "postal_code", "city", "region", "contract_ref")


def _check_printable(case: Case, fonts: tuple[str, ...], template_id: str) -> None:
    """A character the template's fonts cannot print, refused before numbering (it would be an
    empty box, or whatever font the machine has, and fail the letter's own checks)."""
    if not fonts:
        return
    printed = [(name, getattr(case, name)) for name in PRINTED_FIELDS] + [
        (f"statement[{n}].label", item.label) for n, item in enumerate(case.statement, 1)]
    for name, value in printed:
        ch = unprintable(value, fonts) if value else None
        if ch is not None:
            raise CaseError(
                f"'{ch}', {describe_character(ch)}, cannot be printed: the fonts of "
                f"{template_id} ({', '.join(fonts)}) have no such character; write the value "
                "in a script the letter uses, as it must appear on the envelope",
                field=name, case_id=case.case_id, row=case.row)


class _OfficeCheck:
    """Whether LibreOffice is there for Word letters, looked up once per batch."""

    def __init__(self) -> None:
        self.problem: str | None = None
        self.checked = False

    def require(self, case: Case) -> None:
        if not self.checked:
            self.checked = True
            try:
                find_office()
            except OfficeUnavailableError as err:
                self.problem = err.message
        if self.problem is not None:
            raise CaseError(f"this kind of letter is made with Word and {self.problem}; the "
                            "other letters go on", field="kind", case_id=case.case_id,
                            row=case.row)


def _check_address_width(case: Case, lines: list[str], profile: SenderProfile) -> None:
    """An address too wide for any envelope window it may go in, refused before numbering."""
    for window in profile.windows.values():
        problem = address_problem(lines, window)
        if problem is not None:
            raise CaseError(problem, field="address", case_id=case.case_id, row=case.row)


def _check_capacity(ledger: Ledger, postal: PostalAccount, keys: list[LetterKey],
                    resend: bool, imported: bool = False) -> None:
    """Refuse the batch before any write when an operator's ranges (or imported lists) are
    too small."""
    needed = len(keys) if resend else sum(
        1 for k in keys if ledger.lookup(k, postal.operator) is None)
    if imported:
        left = ledger.imported_left(postal)
        if needed > left:
            raise RangeExhaustedError(
                f"the imported number lists of {postal.operator} have {left} number(s) left but "
                f"this batch needs {needed}: {needed - left} are missing; import the next list "
                f"{postal.operator} issued with `notice-factory ledger import-numbers FILE "
                f"--operator {operator_key(postal.operator)} --ledger {ledger.path}`. Nothing "
                "was written.", missing=needed - left)
        return
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
