"""Rendering letters in a pool of worker processes, each holding its engines warm.

Each worker builds one :class:`~notice_factory.render.LetterRenderer` (Jinja
environment, FontConfiguration, parsed CSS, and a LibreOffice on first DOCX letter)
and keeps it for every letter it renders. A worker writes its letter's PDF straight
to disk (atomically) and sends back only a small :class:`Done` record, so the parent's
memory does not grow with the batch.

A letter that fails (template error, engine error, LibreOffice timeout) comes back as a
:class:`Failed` record and the batch goes on. A worker that *dies* (segfault, OOM kill)
breaks the whole executor; the letters that were in flight are then re-run one at a
time in a fresh single-worker pool, so the one that kills its worker is identified and
rejected while every other letter still lands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import multiprocessing.util
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from notice_factory.errors import CaseError, NoticeFactoryError
from notice_factory.fsutil import atomic_write_bytes
from notice_factory.model import Case
from notice_factory.render import LetterRenderer
from notice_factory.settings import Entity


@dataclass(frozen=True)
class Job:
    case: Case
    entity: Entity
    batch_date: dt.date
    tracking_number: str
    target: Path


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

_renderer: LetterRenderer | None = None


def _init_worker(templates: Path | None, owner: int) -> None:
    global _renderer
    _renderer = LetterRenderer(templates=templates)
    # Worker processes leave through os._exit, which skips atexit and weakref finalizers:
    # without this, a pool shutdown would orphan the worker's LibreOffice.
    multiprocessing.util.Finalize(_renderer, _renderer.close, exitpriority=10)
    threading.Thread(target=_watch_owner, args=(owner,), daemon=True).start()


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
    if _renderer is not None:
        _renderer.close()
    os._exit(1)


def render_job(job: Job, renderer: LetterRenderer | None = None) -> Outcome:
    """Render one letter and write it; never raises for a product error."""
    r = renderer or _renderer
    assert r is not None, "worker not initialised"
    t0 = time.perf_counter()
    hook = os.environ.get("NOTICE_FACTORY_TEST_CRASH_ON")
    if hook and hook == job.case.case_id:  # test hook: simulate a worker killed mid-letter
        os._exit(70)
    try:
        letter = r.render(job.case, job.entity, batch_date=job.batch_date,
                          tracking_number=job.tracking_number)
    except CaseError as err:
        return Failed(job.case.letter_key, err.message, err.field or "(letter)")
    except NoticeFactoryError as err:
        return Failed(job.case.letter_key, err.format_message())
    atomic_write_bytes(job.target, letter.pdf)
    return Done(job.case.letter_key, job.target, letter.pages,
                hashlib.sha256(letter.pdf).hexdigest(), letter.template.id,
                letter.template.version, time.perf_counter() - t0, letter.template.engine)


def _pool(jobs: int, templates: Path | None) -> ProcessPoolExecutor:
    # forkserver: workers start from a clean interpreter, not a copy of a parent that may
    # hold open ledgers or big buffers; they import the engines once each.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(
        "forkserver"), initializer=_init_worker, initargs=(templates, os.getpid()))


def _warm() -> None:
    """First task of each worker: load fonts and the PDF engine before real letters arrive."""
    assert _renderer is not None
    _renderer.html.html_to_pdf("<html><body><p>Aé ș 中文</p></body></html>",
                               template="_common/layout.html", identifier="warm-up")


def start_pool(workers: int, templates: Path | None = None, *,
               warm: bool = True) -> ProcessPoolExecutor | None:
    """Start the worker processes now, so they import and warm up while the parent is still
    validating and numbering (the first letter then comes out sooner)."""
    if workers <= 0:
        return None
    pool = _pool(workers, templates)
    if warm:
        for _ in range(workers):
            pool.submit(_warm)
    return pool


def run_jobs(jobs: Iterable[Job], *, workers: int, templates: Path | None = None,
             pool: ProcessPoolExecutor | None = None) -> Iterator[Outcome]:
    """Render every job; yields outcomes as letters finish (not in input order).

    ``workers`` >= 1 renders in that many worker processes, so a letter that kills its
    process is isolated even with one worker; 0 renders in this process (no isolation:
    for debugging and for callers that cannot start processes).
    """
    job_list = list(jobs)
    if workers <= 0:
        with LetterRenderer(templates=templates) as renderer:
            for job in job_list:
                yield render_job(job, renderer)
        return
    window = workers * 4  # bounded in-flight work: memory does not grow with the batch
    pending = iter(job_list)
    suspects: list[Job] = []
    # A pool handed in stays open for the caller (it merges print files with it next).
    executor = pool or _pool(workers, templates)
    try:
        in_flight: dict[Future[Outcome], Job] = {}
        broken = False
        while True:
            while not broken and len(in_flight) < window:
                nxt = next(pending, None)
                if nxt is None:
                    break
                try:
                    in_flight[executor.submit(render_job, nxt)] = nxt
                except BrokenProcessPool:
                    suspects.append(nxt)
                    broken = True
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for fut in done:
                job = in_flight.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    suspects.append(job)
                    broken = True
            if broken:
                suspects.extend(in_flight.values())
                in_flight.clear()
                break
    finally:
        if pool is None:
            executor.shutdown()
    if broken:
        # Re-run the letters caught in the crash alone, then the rest with a fresh pool.
        for job in suspects:
            yield from _isolated(job, templates)
        yield from run_jobs(pending, workers=workers, templates=templates)


def map_in_pool(pool: ProcessPoolExecutor | None, fn: Callable[..., T],
                calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]]) -> list[T]:
    """Run ``fn(*args, **kwargs)`` for each call on the warm pool, in parallel, results in
    order; in this process when there is no pool or it broke (a crashed worker)."""
    if pool is not None:
        try:
            futures = [pool.submit(fn, *args, **kwargs) for args, kwargs in calls]
            return [f.result() for f in futures]
        except BrokenProcessPool:
            pass
    return [fn(*args, **kwargs) for args, kwargs in calls]


def _isolated(job: Job, templates: Path | None) -> Iterator[Outcome]:
    with _pool(1, templates) as pool:
        try:
            yield pool.submit(render_job, job).result()
        except BrokenProcessPool:
            yield Failed(job.case.letter_key, "the rendering process crashed on this letter "
                                              "(engine failure); it was not produced")
