"""Rendering letters in a pool of worker processes, each holding its engines warm.

Each render worker builds one :class:`~notice_factory.render.LetterRenderer` (Jinja
environment, FontConfiguration, parsed CSS, docxtpl) and keeps it for every letter it
renders. A worker writes its letter's PDF straight to disk (atomically) and sends back
only a small :class:`Done` record, so the parent's memory does not grow with the batch.

Word letters are made in two halves. The render worker fills the template and sends
back a :class:`~notice_factory.office.WordDraft`; an *office worker* (a light process
holding one warm LibreOffice) converts it and writes the PDF. One office serves all the
render workers: LibreOffice costs about 220 MB resident per instance, and while it converts, the
render workers go on with the next letters instead of waiting for it (a worker that
owned its office sat idle during every conversion). A batch that is mostly Word letters
gets a second office (:func:`office_count`).

A letter that fails (template error, engine error, LibreOffice timeout) comes back as a
:class:`Failed` record and the batch goes on. A worker that *dies* (segfault, OOM kill)
breaks its pool; the letters that were in flight are then re-run one at a time in a
fresh single-worker pool, so the one that kills its worker is identified and rejected
while every other letter still lands.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from notice_factory.batching import envelope_for, sheets
from notice_factory.context import preflight, return_address_line
from notice_factory.errors import CaseError, NoticeFactoryError
from notice_factory.fsutil import atomic_write_bytes
from notice_factory.model import Case
from notice_factory.office import OfficeSide, WordDraft
from notice_factory.render import LetterRenderer, RenderedLetter, count_pages
from notice_factory.settings import Entity, EnvelopeWindow, environment
from notice_factory.window import check_first_page


@dataclass(frozen=True)
class Job:
    case: Case
    entity: Entity
    batch_date: dt.date
    tracking_number: str
    target: Path
    #: Envelope name -> its window (the sender profile's ``windows``): a letter whose first
    #: page does not fit its envelope's window is refused before it is written.
    windows: Mapping[str, EnvelopeWindow] | None = None
    #: Printed on both sides: decides the envelope (sheets, see batching.envelope_for) and
    #: whether a letter's second copy starts after a blank back (copies.join_copies).
    duplex: bool = True


@dataclass(frozen=True)
class Done:
    key: str
    target: Path
    pages: int
    sha256: str
    template_id: str
    template_version: str
    seconds: float
    engine: str


@dataclass(frozen=True)
class Failed:
    key: str
    reason: str
    field: str = "(letter)"  # the case-file field at fault, when the error names one


Outcome = Done | Failed
T = TypeVar("T")

#: Word drafts that may wait for an office at once (a filled .docx is 30-100 KB). One
#: office keeps up with two render workers below ~70 % of Word letters, so the backlog
#: only builds while LibreOffice starts; a bigger one would make a longer end of batch
#: where LibreOffice converts alone.
DRAFT_BACKLOG = 32


@dataclass(frozen=True)
class Drafted:
    """A render worker's answer for a Word letter: the draft, for an office worker."""

    draft: WordDraft
    seconds: float


@dataclass(frozen=True)
class FaultHooks:
    """Failures the tests provoke on purpose; all off in production. The tests' driver
    (``tests/hooked_cli.py``) sets :data:`FAULT_HOOKS` before a batch starts, and every
    worker gets it from the batch process: no hook is read from the environment."""

    crash_on: str = ""  # a render worker ends abruptly (status 70) on this case_id
    office_crash_on: str = ""  # an office worker ends abruptly (status 71) on this case_id
    hang_on: str = ""  # the office's bridge hangs on a letter whose key contains this
    # The batch process kills itself (SIGKILL, as `kill -9` would) at this point of the run:
    # "name" or "name:n" (the n-th time it gets there); see fault_point.
    kill_at: str = ""


FAULT_HOOKS = FaultHooks()

_passes: dict[str, int] = {}


def fault_point(name: str) -> None:
    """A point of the batch where the tests' ``kill_at`` hook may kill it; nothing otherwise.
    Points: opened, numbered, letter (each), merged, staged, then the batch folder's steps
    (journal, unlinked, moved, record, state, ledger; see batchdir.py)."""
    if not FAULT_HOOKS.kill_at:
        return
    point, _, nth = FAULT_HOOKS.kill_at.partition(":")
    if point == name:
        _passes[name] = _passes.get(name, 0) + 1
        if _passes[name] >= int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)

_renderer: LetterRenderer | None = None
_office: OfficeSide | None = None


# The cyclic garbage collector of a render worker (issue 16). A letter allocates hundreds of
# thousands of short-lived objects (WeasyPrint's boxes, Jinja's output, pydyf's objects); with
# Python's default thresholds (700, 10, 10) the collector runs thousands of times a letter and
# walks the warm engines' long-lived objects (fonts, parsed style sheets, compiled templates) in
# its older generations again and again. After warm-up those are frozen (gc.freeze: never
# scanned again) and the thresholds raised; garbage cycles are still collected, less often.
WORKER_GC_THRESHOLDS = (20_000, 20, 50)


def settle_gc() -> None:
    """Set a warmed render worker's collector: what the engines loaded is frozen, then the
    relaxed :data:`WORKER_GC_THRESHOLDS`. Called by pool workers and Dask workers after their
    renderer's warm-up (and again is harmless: freezing is cumulative)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def _ignore_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal's group: the batch process alone stops
    the run (shutting its pools down); a worker that also raised would print its own
    traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _init_worker(templates: Path | None, owner: int, hooks: FaultHooks) -> None:
    global _renderer, FAULT_HOOKS
    _ignore_interrupts()
    FAULT_HOOKS = hooks
    _renderer = LetterRenderer(templates=templates)
    # Worker processes leave through os._exit, which skips atexit and weakref finalizers:
    # without this, a pool shutdown would orphan the worker's LibreOffice.
    multiprocessing.util.Finalize(_renderer, _renderer.close, exitpriority=10)
    threading.Thread(target=_watch_owner, args=(owner,), daemon=True).start()
    settle_gc()  # the engines are imported; _warm() freezes what its warm-up loads too


def _init_office(owner: int, hooks: FaultHooks) -> None:
    global _office, FAULT_HOOKS
    _ignore_interrupts()
    FAULT_HOOKS = hooks
    _office = OfficeSide(timeout=environment().office_timeout, hang_on=hooks.hang_on)
    multiprocessing.util.Finalize(_office, _office.close, exitpriority=10)
    threading.Thread(target=_watch_owner, args=(owner,), daemon=True).start()
    # Start LibreOffice (and build its fonts) now, while the batch validates and the
    # render workers produce the first HTML letters.
    with contextlib.suppress(NoticeFactoryError):  # told with the first Word letter
        _office.start()


def _watch_owner(owner: int) -> None:
    """Leave (closing LibreOffice) when the batch process that owns this worker is gone.

    A killed batch (kill -9) runs no cleanup of its own, and the forkserver between it and
    its workers does not always notice; the workers must not keep LibreOffice running.
    """
    while True:
        time.sleep(1.0)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            break
        except PermissionError:  # the pid now belongs to someone else: the owner is gone
            break
    for engine in (_renderer, _office):
        if engine is not None:
            engine.close()
    os._exit(1)


def render_job(job: Job, renderer: LetterRenderer | None = None, *,
               draft_word: bool = False) -> Outcome | Drafted:
    """Render one letter and write it; never raises for a product error.

    With ``draft_word``, a Word letter is only filled: the answer is a :class:`Drafted`
    for :func:`finish_job` in an office worker.
    """
    _crash_hook(FAULT_HOOKS.crash_on, job, 70)  # a worker killed mid-letter
    made = make_letter(job, renderer, draft_word=draft_word)
    return write_letter(job, made) if isinstance(made, Made) else made


@dataclass(frozen=True)
class Made:
    """A finished letter's PDF and what the records need of it, not yet written: what a
    cluster worker sends back to the batch (see cluster.py)."""

    key: str
    pdf: bytes
    pages: int
    template_id: str
    template_version: str
    engine: str
    seconds: float


def make_letter(job: Job, renderer: LetterRenderer | None = None, *,
                draft_word: bool = False) -> Made | Drafted | Failed:
    """Render one letter to bytes; never raises for a product error."""
    r = renderer or _renderer
    assert r is not None, "worker not initialised"
    t0 = time.perf_counter()
    try:
        letter: RenderedLetter | WordDraft
        if draft_word:
            letter = r.draft(job.case, job.entity, batch_date=job.batch_date,
                             tracking_number=job.tracking_number, duplex=job.duplex)
        else:
            letter = r.render(job.case, job.entity, batch_date=job.batch_date,
                              tracking_number=job.tracking_number, duplex=job.duplex)
    except CaseError as err:
        return Failed(job.case.letter_key, err.message, err.field or "(letter)")
    except NoticeFactoryError as err:
        return Failed(job.case.letter_key, err.format_message())
    if isinstance(letter, WordDraft):
        return Drafted(letter, time.perf_counter() - t0)
    spec = letter.template
    return Made(job.case.letter_key, letter.pdf, letter.pages, spec.id, spec.version,
                spec.engine, time.perf_counter() - t0)


def finish_job(job: Job, drafted: Drafted, office: OfficeSide | None = None) -> Outcome:
    """Convert a Word draft with the office worker's LibreOffice and write the letter."""
    side = office or _office
    assert side is not None, "office worker not initialised"
    t0 = time.perf_counter()
    _crash_hook(FAULT_HOOKS.office_crash_on, job, 71)  # an office worker killed
    try:
        pdf = side.finish(drafted.draft)
        pages = count_pages(pdf)
    except NoticeFactoryError as err:
        return Failed(job.case.letter_key, err.format_message())
    spec = drafted.draft.template
    return write_letter(job, Made(job.case.letter_key, pdf, pages, spec.id, spec.version,
                                  spec.engine, drafted.seconds + time.perf_counter() - t0))


def _crash_hook(case_id: str, job: Job, status: int) -> None:
    """Test hook: end this process abruptly when ``case_id`` is the job's case."""
    if case_id and case_id == job.case.case_id:
        os._exit(status)


def window_problem(job: Job, pdf: bytes, pages: int) -> str | None:
    """Why the letter's first page does not fit its envelope's window, if it does not."""
    envelope = envelope_for(sheets(pages, job.duplex))
    window = (job.windows or {}).get(envelope)
    if window is None:
        return None
    lines, _ = preflight(job.case, job.entity, batch_date=job.batch_date)
    problems = check_first_page(pdf, window, address_lines=lines,
                                tracking_number=job.tracking_number,
                                return_line=return_address_line(job.case, job.entity))
    if not problems:
        return None
    return (f"the first page does not fit the {envelope} window envelope: "
            f"{'; '.join(problems)}. Shorten the address or fix the template's layout")


def write_letter(job: Job, made: Made) -> Outcome:
    """Check the made letter's first page against its envelope's window, then write it to its
    target (atomically): the small record that stays. A letter that breaks the window rules is
    failed, never written."""
    try:
        problem = window_problem(job, made.pdf, made.pages)
    except NoticeFactoryError as err:
        return Failed(made.key, err.format_message())
    if problem is not None:
        return Failed(made.key, problem, "address")
    atomic_write_bytes(job.target, made.pdf)
    return Done(made.key, job.target, made.pages, hashlib.sha256(made.pdf).hexdigest(),
                made.template_id, made.template_version, made.seconds, made.engine)


def _pool(jobs: int, templates: Path | None) -> ProcessPoolExecutor:
    # forkserver: workers start from a clean interpreter, not a copy of a parent that may
    # hold open ledgers or big buffers; they import the engines once each.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(
        "forkserver"), initializer=_init_worker, initargs=(templates, os.getpid(), FAULT_HOOKS))


def _office_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(
        "forkserver"), initializer=_init_office, initargs=(os.getpid(), FAULT_HOOKS))


def _warm() -> None:
    """First task of each worker: load fonts and the PDF engine before real letters arrive."""
    assert _renderer is not None
    _renderer.warm_up()
    settle_gc()


def office_count(workers: int, word_letters: int, letters: int) -> int:
    """How many office workers a batch gets: none without Word letters, one while Word
    letters are at most 70 % of the batch, else one per two render workers (at least 2).

    One office converts a Word letter in about 0.11 s, while a render worker spends
    about 0.16 s on an HTML letter and 0.05 s filling a Word one; below about 70 % of
    Word letters a single office keeps up with two render workers.

    >>> office_count(2, 0, 100), office_count(2, 36, 100), office_count(2, 90, 100)
    (0, 1, 2)
    >>> office_count(1, 100, 100), office_count(8, 100, 100)
    (1, 4)
    """
    if word_letters <= 0 or workers <= 0:
        return 0
    if workers == 1 or word_letters * 10 <= letters * 7:
        return 1
    return max(2, workers // 2)


class Pools(Executor):
    """A batch's processes: the render workers, and the office workers for Word letters.

    As an :class:`~concurrent.futures.Executor` it submits to the render workers (which
    can also merge print files and write deposit slips).
    """

    def __init__(self, render: ProcessPoolExecutor) -> None:
        self.render = render
        self.offices: list[ProcessPoolExecutor] = []
        self._closing: list[ProcessPoolExecutor] = []  # told to stop, maybe still exiting
        self.office_workers = 0  # wanted; started on the first Word draft
        self._load: dict[int, int] = {}
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self.render.submit(fn, *args, **kwargs)

    def set_offices(self, count: int) -> None:
        """Convert Word letters in ``count`` office workers, started on the first draft:
        LibreOffice's start-up then does not delay the batch's first (HTML) letters."""
        self.office_workers = count

    @property
    def splits_word(self) -> bool:
        """Whether Word letters are filled here and converted by office workers."""
        return self.office_workers > 0

    def submit_office(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Submit to the office worker with the fewest documents in hand."""
        with self._lock:
            while len(self.offices) < self.office_workers:
                self.offices.append(_office_pool())
            i = min(range(len(self.offices)), key=lambda k: self._load.get(k, 0))
            self._load[i] = self._load.get(i, 0) + 1
        future = self.offices[i].submit(fn, *args)
        future.add_done_callback(lambda _f: self._done(i))
        return future

    def _done(self, i: int) -> None:
        with self._lock:
            self._load[i] = self._load.get(i, 1) - 1

    def close_offices(self) -> None:
        """Stop the office workers (and their LibreOffice): no Word letter is left to make.

        Does not wait for them to exit (LibreOffice takes a moment to quit); the batch
        goes on with its print files meanwhile, and :meth:`shutdown` waits for them.
        """
        for office in self.offices:
            office.shutdown(wait=False)
        self._closing.extend(self.offices)
        self.offices.clear()
        self._load.clear()
        self.office_workers = 0

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.render.shutdown(wait=wait, cancel_futures=cancel_futures)
        for office in self.offices + self._closing:
            office.shutdown(wait=wait, cancel_futures=cancel_futures)


def start_pool(workers: int, templates: Path | None = None, *, warm: bool = True,
               offices: int = 0) -> Pools | None:
    """Start the worker processes now, so they import and warm up while the parent is still
    validating and numbering (the first letter then comes out sooner).

    ``offices``: office workers for Word letters (started on the first Word draft; see
    :meth:`Pools.set_offices`); 0 lets each render worker convert its own Word letters
    with a LibreOffice of its own.
    """
    if workers <= 0:
        return None
    pools = Pools(_pool(workers, templates))
    if warm:
        for _ in range(workers):
            pools.submit(_warm)
    pools.set_offices(offices)
    return pools


def run_jobs(jobs: Iterable[Job], *, workers: int, templates: Path | None = None,
             pool: Pools | None = None, offices: int = 0) -> Iterator[Outcome]:
    """Render every job; yields outcomes as letters finish (not in input order).

    ``workers`` >= 1 renders in that many worker processes, so a letter that kills its
    process is isolated even with one worker; 0 renders in this process (no isolation:
    for debugging and for callers that cannot start processes). Word letters go to the
    pool's office workers if it has any (``offices`` of them when no pool is given).
    """
    job_list = list(jobs)
    if workers <= 0:
        yield from _run_here(job_list, templates)
        return
    pending = iter(job_list)
    # A pool handed in stays open for the caller (it merges print files with it next).
    executor = pool or start_pool(workers, templates, warm=False, offices=offices)
    assert executor is not None
    try:
        suspects = yield from _feed(executor, pending, workers)
    finally:
        if pool is None:
            executor.shutdown()
    if suspects is not None:
        # Re-run the letters caught in the crash alone, then the rest with fresh pools.
        for job in suspects:
            yield from _isolated(job, templates)
        yield from run_jobs(pending, workers=workers, templates=templates,
                            offices=executor.office_workers)


def _run_here(jobs: list[Job], templates: Path | None) -> Iterator[Outcome]:
    """Every letter in this process, one after the other (``workers == 0``)."""
    with LetterRenderer(templates=templates) as renderer:
        for job in jobs:
            outcome = render_job(job, renderer)
            assert not isinstance(outcome, Drafted)
            yield outcome


class _InFlight:
    """Letters submitted and not yet back: being rendered, or (Word drafts) at an office."""

    def __init__(self) -> None:
        self.jobs: dict[Future[Any], Job] = {}
        self.at_office: set[Future[Any]] = set()

    def rendering(self) -> int:
        return len(self.jobs) - len(self.at_office)


def _feed(executor: Pools, pending: Iterator[Job],
          workers: int) -> Generator[Outcome, None, list[Job] | None]:
    """Keep the pool fed and yield outcomes as they come; returns the letters in flight
    when the pool broke (the suspects), or None when every letter came back."""
    # Bounded in-flight work, so memory does not grow with the batch: letters being
    # rendered, and Word drafts waiting for an office. Drafts have their own bound: while
    # LibreOffice starts (about a second), drafts pile up, and counting them in the
    # render window would leave the render workers without letters.
    window = workers * 4
    flight = _InFlight()
    suspects: list[Job] = []
    while True:
        if not suspects:
            lost = _submit_more(executor, pending, flight, window)
            if lost is not None:
                suspects.append(lost)
        if not flight.jobs:
            break
        done, _ = wait(flight.jobs, return_when=FIRST_COMPLETED)
        for fut in done:
            outcome = _collect(executor, fut, flight)
            if isinstance(outcome, Job):  # the pool broke with this letter
                suspects.append(outcome)
            elif outcome is not None:
                yield outcome
        if suspects:
            return suspects + list(flight.jobs.values())
    return suspects or None


def _submit_more(executor: Pools, pending: Iterator[Job], flight: _InFlight,
                 window: int) -> Job | None:
    """Submit letters while there is room; the letter the broken pool refused, if any."""
    while flight.rendering() < window and len(flight.at_office) < DRAFT_BACKLOG:
        nxt = next(pending, None)
        if nxt is None:
            return None
        try:
            flight.jobs[executor.submit(render_job, nxt, draft_word=executor.splits_word)] = nxt
        except BrokenProcessPool:
            return nxt
    return None


def _collect(executor: Pools, fut: Future[Any], flight: _InFlight) -> Outcome | Job | None:
    """A finished future: its outcome, None when a Word draft went on to an office, or
    its job when the pool broke with it."""
    job = flight.jobs.pop(fut)
    flight.at_office.discard(fut)
    try:
        result = fut.result()
        if isinstance(result, Drafted):  # a Word letter: now to an office
            sent = executor.submit_office(finish_job, job, result)
            flight.jobs[sent] = job
            flight.at_office.add(sent)
            return None
        assert isinstance(result, Done | Failed)
        return result
    except BrokenProcessPool:
        return job


def map_scheduled(pool: Executor | None, fn: Callable[..., T],
                  calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]], *,
                  costs: Sequence[float]) -> list[T]:
    """Run ``fn(*args, **kwargs)`` for each call on the pool, results in call order.

    Calls are submitted costliest first, and the pool starts them in that order, so the
    last to finish is a short one and no worker waits long for the others. Runs in this
    process when there is no pool, or for what is left when the pool breaks (a crashed
    worker; the calls write their files atomically, so running one again is harmless).

    >>> map_scheduled(None, pow, [((2, 3), {}), ((3, 2), {})], costs=[1, 2])
    [8, 9]
    """
    order = sorted(range(len(calls)), key=lambda i: -costs[i])
    results: dict[int, T] = {}
    if pool is not None:
        with contextlib.suppress(BrokenProcessPool):
            futures = {i: pool.submit(fn, *calls[i][0], **calls[i][1]) for i in order}
            for i in order:
                results[i] = futures[i].result()
    for i in order:
        if i not in results:
            args, kwargs = calls[i]
            results[i] = fn(*args, **kwargs)
    return [results[i] for i in range(len(calls))]


def _isolated(job: Job, templates: Path | None) -> Iterator[Outcome]:
    with _pool(1, templates) as pool:
        try:
            outcome = pool.submit(render_job, job).result()
            assert not isinstance(outcome, Drafted)
            yield outcome
        except BrokenProcessPool:
            yield Failed(job.case.letter_key, "the rendering process crashed on this letter "
                                              "(engine failure); it was not produced")
