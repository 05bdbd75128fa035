"""The public API: everything the command line does, as typed functions.

Each command of ``notice-factory`` is a thin layer on one of these functions: they print
nothing and never exit. A failure is one of the product's exceptions
(:class:`~notice_factory.errors.NoticeFactoryError` and its subclasses, each saying when it is
raised); one bad case never raises, it becomes a :class:`~notice_factory.records.RejectRow`
of the result. Results are frozen dataclasses. Importing this module loads no engine
(WeasyPrint, docxtpl, pikepdf, Babel...): each function imports what it needs when called.

A batch, the carrier's events, and the next letter, from Python:

>>> import datetime as dt, json, tempfile
>>> from pathlib import Path
>>> import notice_factory as nf
>>> work = Path(tempfile.mkdtemp())
>>> case = json.loads((nf.templates_root() / "fr/reminder/sample.json").read_text("utf-8"))
>>> case["registered"] = True                                   # followed after dispatch
>>> _ = (work / "cases.json").write_text(json.dumps([case]), "utf-8")
>>> ledger = nf.create_ledger(work / "ledger.sqlite")          # the demo sender's ranges
>>> batch = nf.run_batch(work / "cases.json", work / "out", ledger=ledger,
...                      date=dt.date(2026, 11, 23), jobs=0)
>>> letter = batch.letters[0]
>>> letter.case_id, letter.kind, batch.rejects, batch.exit_code
('FR-2026-0412', 'reminder', (), 0)
>>> _ = (work / "events.csv").write_text(
...     f"tracking_number,event_at,code\\n{letter.tracking_number},2026-11-25,DI1\\n", "utf-8")
>>> nf.import_tracking(work / "events.csv", ledger).added     # La Poste: delivered
1
>>> del case["kind"], case["letter_date"]                       # let the ladder decide
>>> _ = (work / "open.json").write_text(json.dumps([case]), "utf-8")
>>> [(d.decision, d.kind) for d in nf.escalate_cases(work / "open.json", ledger,
...                                                  date=dt.date(2027, 1, 5)).decisions]
[('send', 'formal_notice')]
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notice_factory.errors import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, TemplateError, UsageError
from notice_factory.followup import STALE_DAYS
from notice_factory.ledger import Ledger
from notice_factory.model import Case, Clock, Progress, ReadResult, fixed_clock, system_clock
from notice_factory.records import ManifestRow, RejectRow
from notice_factory.settings import SenderProfile, load_sender_profile

if TYPE_CHECKING:  # the modules doing the work load when a function is called
    from notice_factory.escalation import Escalation
    from notice_factory.tracking import ImportReport
    from notice_factory.trackreport import TrackingReport

Sender = SenderProfile | str | Path | None
"""A sender profile, or the path of its TOML file; ``None`` is the bundled demo profile."""

LedgerLocation = str | Path
"""Where a ledger lives: the path of its SQLite file, or a PostgreSQL database's URL
(``postgresql://user@host:port/db``, one ledger several machines share)."""


def _profile(sender: Sender) -> SenderProfile:
    return sender if isinstance(sender, SenderProfile) else load_sender_profile(sender)


def _ledger_path(location: LedgerLocation | None) -> Path | str | None:
    """A file path, or a URL kept as text (None: the default ledger in the user's data
    folder)."""
    from notice_factory.ledgerdb import ledger_target

    return None if location is None else ledger_target(location)


@contextlib.contextmanager
def _opened(ledger: Ledger | LedgerLocation) -> Iterator[Ledger]:
    """``ledger`` itself when it is open (the caller closes it), else opened here and closed."""
    if isinstance(ledger, Ledger):
        yield ledger
        return
    with open_ledger(ledger) as opened:
        yield opened


def _exit_status(letters: Sequence[object], rejects: Sequence[object]) -> int:
    if not letters:
        return EXIT_FAILURE
    return EXIT_PARTIAL if rejects else EXIT_OK


def _clock(day: dt.date | None) -> Clock:
    """The batch's day as its clock (ledger times are that day), or today."""
    return system_clock if day is None else fixed_clock(day)


def _optional_path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


# --------------------------------------------------------------------------- cases and letters


def read_case_file(path: str | Path, *, batch_date: dt.date,
                   allow_unknown: bool = False) -> ReadResult:
    """Read and validate a case file (.csv, .jsonl or .json): the valid cases, and one
    rejection per bad row (row, field, reason). ``batch_date`` is the letter date of the
    cases without ``letter_date``; ``allow_unknown`` keeps columns the format does not know
    (in :attr:`Case.extra`) instead of refusing the file.

    Raises :class:`~notice_factory.errors.CaseFileError` when the file as a whole cannot be
    read (missing, not UTF-8, a required column missing, unknown type).

    >>> import datetime as dt, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> sample = nf.templates_root() / "fr" / "reminder" / "sample.json"  # one case object
    >>> cases = Path(tempfile.mkdtemp()) / "cases.json"                  # a list of them
    >>> _ = cases.write_text(f"[{sample.read_text('utf-8')}]", "utf-8")
    >>> result = nf.read_case_file(cases, batch_date=dt.date(2026, 11, 23))
    >>> [(c.case_id, c.kind.value, str(c.amounts.total)) for c in result.cases], result.rejects
    ([('FR-2026-0412', 'reminder', '311.63')], [])
    """
    from notice_factory.cases import read_case_file as read

    return read(Path(path), batch_date=batch_date, allow_unknown=allow_unknown)


def render_case(case: Case, sender: Sender = None, *, date: dt.date | None = None,
                templates: str | Path | None = None, tracking_number: str = "") -> bytes:
    """One validated case's letter, as PDF bytes (nothing written, no number spent).

    ``date``: the letter date when the case has none (default: today); ``tracking_number``:
    the registered number to print on it, if any; ``templates``: a templates tree instead of
    the bundled one. Raises :class:`~notice_factory.errors.CaseError` when the case cannot
    become a letter (e.g. its address does not fit the window),
    :class:`~notice_factory.errors.TemplateError` for a broken template and
    :class:`~notice_factory.errors.RenderError` when the engine fails.

    >>> import datetime as dt, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> sample = nf.templates_root() / "fr" / "reminder" / "sample.json"
    >>> cases = Path(tempfile.mkdtemp()) / "cases.json"
    >>> _ = cases.write_text(f"[{sample.read_text('utf-8')}]", "utf-8")
    >>> case = nf.read_case_file(cases, batch_date=dt.date(2026, 11, 23)).cases[0]
    >>> nf.render_case(case)[:5]
    b'%PDF-'
    """
    from notice_factory.pipeline import render_case as render

    return render(case, _profile(sender), batch_date=date, templates=_optional_path(templates),
                  tracking_number=tracking_number)


@dataclass(frozen=True)
class RenderedLetter:
    """One letter :func:`render_letters` wrote.

    >>> RenderedLetter("FR-1", "reminder", Path("out/FR-1-reminder.pdf"), 1, "fr.reminder",
    ...                "1.0.0").file.name
    'FR-1-reminder.pdf'
    """

    case_id: str
    kind: str
    file: Path
    pages: int
    template_id: str
    template_version: str


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_letters` made: its letters and its rejections (also in
    ``out_dir/rejects.csv``), and seconds per stage.

    >>> RenderResult(Path("out"), (), (RejectRow(3, "FR-3", "postal_code", "too short"),),
    ...              {}).exit_code
    1
    """

    out_dir: Path
    letters: tuple[RenderedLetter, ...]
    rejects: tuple[RejectRow, ...]
    timings: Mapping[str, float]

    @property
    def exit_code(self) -> int:
        """What ``notice-factory render`` exits with: 0 all made, 3 some rejected, 1 none."""
        return _exit_status(self.letters, self.rejects)


def render_letters(cases: str | Path, out_dir: str | Path, *, sender: Sender = None,
                   templates: str | Path | None = None, date: dt.date | None = None,
                   allow_unknown: bool = False, jobs: int | None = None,
                   progress: Progress | None = None,
                   allow_unsigned: bool = False) -> RenderResult:
    """``notice-factory render``: one PDF per valid case of ``cases`` in ``out_dir`` (no
    number, no print file), and ``rejects.csv``.

    ``jobs``: worker processes (``None`` one per core, ``0`` this process only);
    ``progress(done, total, letter_key)`` is called after each letter. A bad case is
    rejected and the others are made. Raises :class:`~notice_factory.errors.CaseFileError`
    when the file cannot be read at all. ``allow_unsigned`` as for :func:`run_batch`.

    >>> import datetime as dt, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> work = Path(tempfile.mkdtemp())
    >>> sample = nf.templates_root() / "fr" / "reminder" / "sample.json"
    >>> _ = (work / "cases.json").write_text(f"[{sample.read_text('utf-8')}]", "utf-8")
    >>> made = nf.render_letters(work / "cases.json", work / "out", date=dt.date(2026, 11, 23),
    ...                          jobs=0)
    >>> [(x.file.name, x.pages) for x in made.letters], made.exit_code
    ([('FR-2026-0412-reminder.pdf', 2)], 0)
    """
    from notice_factory.pipeline import reject_row
    from notice_factory.pipeline import render_letters as render

    summary = render(Path(cases), Path(out_dir), sender=_profile(sender),
                     templates=_optional_path(templates), clock=_clock(date), batch_date=date,
                     allow_unknown=allow_unknown, jobs=jobs, progress=progress,
                     allow_unsigned=allow_unsigned)
    return RenderResult(
        summary.out_dir,
        tuple(RenderedLetter(r.case.case_id, r.case.kind.value, r.letter_file, r.pages,
                             r.template_id, r.template_version) for r in summary.letters),
        tuple(reject_row(e) for e in summary.rejects), dict(summary.timings))


# --------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class BatchLetter:
    """One letter of a batch: its file, registered number and place in its print file
    (absolute paths; the same letter as its :class:`~notice_factory.records.ManifestRow`).

    >>> BatchLetter("FR-1", "formal_notice", "fr_FR", "RR100000005FR",
    ...             Path("/b/letters/FR-1-formal_notice.pdf"), Path("/b/print/p.pdf"), 3, 4,
    ...             2).pages
    2
    """

    case_id: str
    kind: str
    locale: str
    tracking_number: str  # "" when the letter is not registered
    file: Path
    print_file: Path
    first_page: int  # 1-based pages of print_file
    last_page: int
    pages: int


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` made, as written in its output folder.

    ``letters`` and ``manifest`` are in manifest order; ``rejects`` (rejects.csv) by row;
    ``print_files`` and ``deposit_slips`` are absolute paths; ``timings`` seconds per stage
    (validate, number, render, merge, manifest, total); ``summary`` is what
    ``notice-factory batch --json`` prints.

    >>> result = BatchResult("2026-11-23-0a1b2c3d4e", dt.date(2026, 11, 23), Path("out"),
    ...                      (), (), (), (), (), {}, 0, 0, {})
    >>> result.exit_code  # nothing made
    1
    """

    batch_id: str
    batch_date: dt.date
    out_dir: Path
    letters: tuple[BatchLetter, ...]
    rejects: tuple[RejectRow, ...]
    print_files: tuple[Path, ...]
    deposit_slips: tuple[Path, ...]
    manifest: tuple[ManifestRow, ...]
    timings: Mapping[str, float]
    new_numbers: int
    reused_numbers: int
    summary: Mapping[str, Any] = field(repr=False)

    @property
    def exit_code(self) -> int:
        """What ``notice-factory batch`` exits with: 0 every case made a letter, 3 some were
        rejected, 1 nothing was made."""
        return _exit_status(self.letters, self.rejects)

    @property
    def registered(self) -> int:
        """How many letters bear a registered number."""
        return sum(1 for x in self.letters if x.tracking_number)


def _batch_letter(row: ManifestRow, out_dir: Path) -> BatchLetter:
    return BatchLetter(row.case_id, row.kind, row.locale, row.tracking_number,
                       out_dir / row.letter_file, out_dir / row.print_file, row.first_page,
                       row.last_page, row.pages)


def run_batch(cases: str | Path, out_dir: str | Path, *,
              ledger: LedgerLocation | None = None, sender: Sender = None,
              templates: str | Path | None = None, date: dt.date | None = None,
              jobs: int | None = None, resend: bool = False, allow_unknown: bool = False,
              letters_per_file: int | None = None, duplex: bool | None = None,
              cluster: str | None = None, progress: Progress | None = None,
              allow_unsigned: bool = False) -> BatchResult:
    """``notice-factory batch``: validate, number, render and assemble a registered-mail batch
    of ``cases`` into ``out_dir`` (letters/, print/, deposit-slips/, manifest.csv/json,
    rejects.csv, batch.json).

    ``ledger``: the ledger file the registered numbers come from (made beforehand with
    :func:`create_ledger`; default: the one in the user's data folder); ``date``: the letter
    date of cases without one (default: today); ``jobs`` as for :func:`render_letters`;
    ``resend``: new numbers for letters already numbered (the old ones voided);
    ``letters_per_file`` and ``duplex`` override the sender profile's; ``cluster``: a Dask
    scheduler (``tcp://host:8786``) rendering the letters; ``progress(done, total, key)``;
    ``allow_unsigned``: a letter needing a signature or seal the profile lacks prints a plain
    line to sign by hand instead of being rejected before numbering ("needs a signature/seal").

    A bad case is rejected, never raised. Raises
    :class:`~notice_factory.errors.CaseFileError` (the case file cannot be read),
    :class:`~notice_factory.errors.LedgerError` and its subclasses (no ledger there, emptied,
    busy, damaged, another profile's), :class:`~notice_factory.errors.RangeExhaustedError`
    (too few numbers left: nothing written), :class:`~notice_factory.errors.ClusterError`
    and :class:`~notice_factory.errors.ConfigError` (the sender profile). Running it again
    completes an interrupted batch with the same numbers.

    >>> import datetime as dt, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> work = Path(tempfile.mkdtemp())
    >>> sample = nf.templates_root() / "fr" / "formal_notice" / "sample.json"
    >>> _ = (work / "cases.json").write_text(f"[{sample.read_text('utf-8')}]", "utf-8")
    >>> ledger = nf.create_ledger(work / "ledger.sqlite")
    >>> batch = nf.run_batch(work / "cases.json", work / "b", ledger=ledger,
    ...                      date=dt.date(2026, 11, 23), jobs=0)
    >>> [(x.kind, x.tracking_number[:2], x.print_file.parent.name) for x in batch.letters]
    [('formal_notice', 'RR', 'print')]
    >>> [f"{p.parent.name}/{p.name}" for p in batch.deposit_slips], batch.new_numbers
    (['deposit-slips/la-poste_DL_20g_001.pdf'], 1)
    """
    from notice_factory.pipeline import reject_row
    from notice_factory.pipeline import run_batch as run

    summary = run(Path(cases), Path(out_dir), sender=_profile(sender),
                  ledger_path=_ledger_path(ledger), templates=_optional_path(templates),
                  clock=_clock(date), batch_date=date, jobs=jobs, resend=resend,
                  allow_unknown=allow_unknown, letters_per_file=letters_per_file,
                  duplex=duplex, progress=progress, cluster=cluster,
                  allow_unsigned=allow_unsigned)
    folder = summary.out_dir
    return BatchResult(
        summary.batch_id, summary.batch_date, folder,
        tuple(_batch_letter(r, folder) for r in summary.manifest),
        tuple(reject_row(e) for e in summary.rejects),
        tuple(folder / p for p in summary.print_files),
        tuple(folder / p for p in summary.deposit_slips), tuple(summary.manifest),
        dict(summary.timings), summary.new_numbers, summary.reused_numbers,
        summary.as_dict())


# --------------------------------------------------------------------------- the ledger


def create_ledger(location: LedgerLocation | None = None, *,
                  sender: Sender = None) -> Path | str:
    """``notice-factory ledger init``: a new ledger serving the sender profile's ranges;
    returns where it is, to give to :func:`open_ledger` or ``ledger=`` (``None``: the default
    ledger file in the user's data folder; a ``postgresql://`` URL: an existing database
    holding no ledger yet).

    A ledger is only ever created on purpose: an existing one is never replaced
    (:class:`~notice_factory.errors.LedgerError`), ranges overlapping another operator's are
    refused; :class:`~notice_factory.errors.LedgerUnreachableError` when the database server
    cannot be reached.

    >>> import tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> path = nf.create_ledger(Path(tempfile.mkdtemp()) / "ledger.sqlite")
    >>> with nf.open_ledger(path) as ledger:
    ...     sorted({line.operator for line in ledger.status()})
    ['La Poste', 'Poșta Română', '中国邮政']
    """
    from notice_factory.ledger import default_ledger_path, init_ledger

    profile = _profile(sender)
    target = _ledger_path(location) or default_ledger_path()
    init_ledger(target, [e.postal for e in profile.entities.values()], profile=profile.source)
    return target


def open_ledger(location: LedgerLocation | None = None) -> Ledger:
    """Open an existing ledger: a file path or a ``postgresql://`` URL (``None``: the
    default one); close it, or use ``with``.

    Raises :class:`~notice_factory.errors.LedgerMissingError` when there is no ledger there
    (a ledger is never created by opening it), and the other
    :class:`~notice_factory.errors.LedgerError` subclasses for an emptied, busy, read-only,
    damaged or unreachable one. See :class:`~notice_factory.ledger.Ledger` for allocating,
    looking up, voiding and the status.

    >>> import tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> nf.open_ledger(Path(tempfile.mkdtemp()) / "none.sqlite")
    Traceback (most recent call last):
    notice_factory.errors.LedgerMissingError: ...
    """
    from notice_factory.ledger import Ledger as Opened

    return Opened(_ledger_path(location))


# --------------------------------------------------------------------------- after dispatch


def import_tracking(events: str | Path, ledger: Ledger | LedgerLocation, *,
                    format: str | None = None,
                    codes: Sequence[str | Path] = ()) -> ImportReport:
    """``notice-factory tracking import``: read a carrier's events file into the ledger.

    ``format``: ``csv`` (tracking_number,event_at,code[,label][,operator]), ``laposte-json``
    or ``maileva`` (default: from the file); ``codes``: code tables (TOML files or folders)
    added to the bundled ones. A row that cannot be used (unknown number, malformed, unknown
    code) is one of the report's ``problems``, the others are imported; the same file twice
    adds nothing. ``ledger``: an open ledger, or the path of one (opened and closed here).
    Raises :class:`~notice_factory.errors.EventsFileError` when the file cannot be read at all,
    :class:`~notice_factory.errors.UsageError` for an unknown format.

    >>> import tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> work = Path(tempfile.mkdtemp())
    >>> _ = (work / "events.csv").write_text("tracking_number,event_at,code\\n"
    ...                                      "RR999999995FR,2026-11-25,DI1\\n", "utf-8")
    >>> report = nf.import_tracking(work / "events.csv", nf.create_ledger(work / "l.sqlite"))
    >>> report.added, [p.reason[:40] for p in report.problems]
    (0, ['this tracking number is not in the ledge'])
    """
    from notice_factory.carriers import load_codebook
    from notice_factory.tracking import import_events

    book = load_codebook([Path(c) for c in codes])
    with _opened(ledger) as opened:
        return import_events(Path(events), opened, book, format)


def tracking_report(ledger: Ledger | LedgerLocation, *, date: dt.date | None = None,
                    batch_id: str | None = None, stale_days: int = STALE_DAYS) -> TrackingReport:
    """``notice-factory tracking report``: where every letter sent stands on ``date``
    (default: today): last event, legal outcome, effective notice date, deadline, per letter
    and per batch; letters without a final outcome after ``stale_days`` are flagged.

    Raises :class:`~notice_factory.errors.UsageError` when ``batch_id`` names no batch of
    the ledger.

    >>> import datetime as dt, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> ledger = nf.create_ledger(Path(tempfile.mkdtemp()) / "ledger.sqlite")
    >>> nf.tracking_report(ledger, date=dt.date(2026, 12, 1)).letters
    []
    """
    from notice_factory.trackreport import build_report

    with _opened(ledger) as opened:
        report = build_report(opened, as_of=date or system_clock(), batch_id=batch_id,
                              stale_days=stale_days)
        where = str(opened.path)
    if batch_id is not None and not report.letters:
        raise UsageError(f"the ledger has no letter sent in batch '{batch_id}'", file=where)
    return report


def escalate_cases(cases: str | Path, ledger: Ledger | LedgerLocation, *, date: dt.date,
                   stale_days: int = STALE_DAYS,
                   templates: str | Path | None = None) -> Escalation:
    """``notice-factory escalate``: which letter each case of ``cases`` needs on ``date``.

    ``cases`` is a case file whose ``kind`` may be empty, with optional status columns
    (paid_amount, plan_signed, disputed, insolvency, deceased); the language's ladder
    (``templates/<lang>/ladder.toml``) and the ledger's history decide ``send``, ``wait``,
    ``stop`` or ``address_search`` per case. An invalid row is a ``stop`` decision marked
    ``invalid``. Write the result with :func:`~notice_factory.escalation.write_escalation`.
    Raises :class:`~notice_factory.errors.CaseFileError` when the file cannot be read and
    :class:`~notice_factory.errors.TemplateError` for a broken ladder.

    >>> import datetime as dt, json, tempfile, notice_factory as nf
    >>> from pathlib import Path
    >>> work = Path(tempfile.mkdtemp())
    >>> case = json.loads((nf.templates_root() / "fr/reminder/sample.json").read_text("utf-8"))
    >>> del case["kind"], case["letter_date"]
    >>> _ = (work / "cases.json").write_text(json.dumps([case]), "utf-8")
    >>> result = nf.escalate_cases(work / "cases.json", nf.create_ledger(work / "l.sqlite"),
    ...                            date=dt.date(2026, 11, 30))
    >>> [(d.decision, d.kind) for d in result.decisions], result.letters[0]["letter_date"]
    ([('send', 'reminder')], '2026-11-30')
    """
    from notice_factory.cases import read_rows
    from notice_factory.escalation import escalate
    from notice_factory.ladder import load_ladders

    rows = read_rows(Path(cases), optional=("kind",))
    ladders = load_ladders(_optional_path(templates))
    with _opened(ledger) as opened:
        return escalate(rows, opened, ladders, date, stale_days)


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplatesReport:
    """What :func:`check_templates` found: every problem (with file and line) and the
    templates checked.

    >>> TemplatesReport((), ("fr.reminder",)).ok
    True
    """

    problems: tuple[TemplateError, ...]
    checked: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def check_templates(path: str | Path | None = None, *, sender: Sender = None) -> TemplatesReport:
    """``notice-factory templates check``: check a templates tree (default: the bundled one),
    one template folder, or one ``ladder.toml``, rendering each template's sample case.

    Problems are reported, not raised: syntax errors, unknown or unused variables, kinds
    missing in a language, missing mandatory mentions, forbidden wording, Word tags split
    across runs, missing fonts, ladder errors.

    >>> import notice_factory as nf
    >>> report = nf.check_templates(nf.templates_root() / "fr" / "reminder")
    >>> report.checked, report.ok
    (('fr.reminder',), True)
    """
    target = None if path is None else Path(path)
    if target is not None and target.name == "ladder.toml" and target.is_file():
        from notice_factory.ladder import ladder_problems, load_ladder

        try:
            problems = ladder_problems(load_ladder(target))
        except TemplateError as err:
            problems = [err]
        return TemplatesReport(tuple(problems), (str(target),))
    from notice_factory.templatecheck import check_templates as check
    from notice_factory.templatecheck import tree_of

    root, only = target, None
    if target is not None and (tree := tree_of(str(target))) is not None:
        root, only = tree, str(target)
    report = check(root, only, _profile(sender))
    return TemplatesReport(tuple(report.problems), tuple(report.checked))


@dataclass(frozen=True)
class TemplatePreview:
    """A template rendered for a reviewer by :func:`preview_template`: its id and the PDF.

    >>> TemplatePreview("fr.reminder", b"%PDF-1.7").template_id
    'fr.reminder'
    """

    template_id: str
    pdf: bytes = field(repr=False)


def preview_template(template: str | Path, *, case_file: str | Path | None = None,
                     sender: Sender = None) -> TemplatePreview:
    """``notice-factory templates preview``: one template (id like ``fr.reminder``, or its
    folder) rendered with its sample case, or with ``case_file`` (a JSON object), as a PDF
    for a reviewer.

    Raises :class:`~notice_factory.errors.TemplateError` for an unknown template or a case of
    another kind or language, :class:`~notice_factory.errors.CaseError` for an invalid case.

    >>> import notice_factory as nf
    >>> shown = nf.preview_template("ro.reminder")
    >>> shown.template_id, shown.pdf[:5]
    ('ro.reminder', b'%PDF-')
    """
    from notice_factory.catalog import load_catalog
    from notice_factory.render import LetterRenderer
    from notice_factory.templatecheck import find_spec, preview, tree_of

    catalog = load_catalog(tree_of(str(template)))
    spec = find_spec(catalog, str(template))
    with LetterRenderer(catalog) as renderer:
        pdf, _ = preview(spec, renderer, _profile(sender), _optional_path(case_file))
    return TemplatePreview(spec.id, pdf)

