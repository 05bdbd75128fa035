"""Rendering a batch's letters on a Dask cluster (`batch --cluster tcp://HOST:8786`).

The batch process stays the coordinator: it validates, numbers (every number is allocated
before a single letter is sent), merges and writes the records as on one machine. Only the
rendering goes to the cluster's workers, and rendering is a pure function of the case, its
number and the templates, so a letter rendered twice (its worker died and Dask ran it
again elsewhere) is the same letter, written once by the coordinator.

Each worker holds one warm :class:`~notice_factory.render.LetterRenderer` in a worker
plugin (:class:`RendererPlugin`; LibreOffice starts on its first Word letter) and sends
back the letter's bytes; the coordinator writes them, keeping a bounded number of letters
in flight so its memory stays flat whatever the batch's size.

A worker renders only with the templates (and the rendering code) the coordinator has:
both are hashed (:class:`Fingerprint`), checked on every worker before any number is spent,
and sent with every letter; a worker holding anything else refuses the letter and the
batch stops with an error that names it, never a letter in other wording.

Workers: ``notice-factory worker --scheduler tcp://HOST:8786`` (see cli/worker.py), or
``dask worker tcp://HOST:8786 --nthreads 1 --preload notice_factory.cluster``.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client, Future, KilledWorker, WorkerPlugin, as_completed, get_worker

from notice_factory.errors import ClusterError, ConfigError
from notice_factory.fsutil import tree_sha256
from notice_factory.render import LetterRenderer
from notice_factory.settings import environment
from notice_factory.workers import (
    Drafted,
    Failed,
    Job,
    Made,
    Outcome,
    make_letter,
    settle_gc,
    write_letter,
)

PLUGIN_NAME = "notice-factory-renderer"

#: Seconds to reach the scheduler and to wait for a first worker (default 20).

#: Letters in flight per worker thread: enough to keep every worker busy while the
#: coordinator writes, few enough that the coordinator's memory does not grow with the batch.
IN_FLIGHT_PER_THREAD = 4

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Fingerprint:
    """What a letter's bytes depend on besides its case and number."""

    templates: str  # tree_sha256 of the templates tree
    code: str  # tree_sha256 of notice_factory's Python source

    def differences(self, other: Fingerprint) -> list[str]:
        """What differs from ``other``, in words."""
        out = []
        if self.templates != other.templates:
            out.append(f"templates tree sha256 {self.templates[:12]}… instead of "
                       f"{other.templates[:12]}…")
        if self.code != other.code:
            out.append(f"notice_factory code sha256 {self.code[:12]}… instead of "
                       f"{other.code[:12]}…")
        return out


def fingerprint(templates_root: Path) -> Fingerprint:
    """The fingerprint of this machine's templates tree and rendering code."""
    return Fingerprint(tree_sha256(templates_root), tree_sha256(_PACKAGE, suffixes=(".py",)))


# --------------------------------------------------------------------------- worker side


class RendererPlugin(WorkerPlugin):
    """Keeps one warm renderer in a Dask worker for every letter it is sent.

    ``templates``: the worker's templates tree (default: ``$NOTICE_FACTORY_TEMPLATES``,
    else the bundled one). A failed start-up is kept in ``error`` and reported to the
    coordinator, which then refuses to use this worker.
    """

    name = PLUGIN_NAME

    def __init__(self, templates: str | None = None) -> None:
        self._reset(templates)

    def _reset(self, templates: str | None) -> None:
        self.templates = templates
        self.renderer: LetterRenderer | None = None
        self.fingerprint: Fingerprint | None = None
        self.error = ""
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # sent to workers: the settings, no engine
        return {"templates": self.templates}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._reset(state["templates"])

    async def setup(self, worker: Any) -> None:
        # Importing and warming the engines takes a second or two: not on the event loop.
        await asyncio.to_thread(self._start)

    def _start(self) -> None:
        try:
            renderer = LetterRenderer(templates=Path(self.templates) if self.templates else None)
            renderer.warm_up()
            settle_gc()
            self.fingerprint = fingerprint(renderer.catalog.root)
            self.renderer = renderer
        except Exception as err:  # told to the coordinator by state()
            self.error = f"{type(err).__name__}: {err}"

    def teardown(self, worker: Any) -> None:
        if self.renderer is not None:
            self.renderer.close()  # stops this worker's LibreOffice, if it started one
            self.renderer = None

    def state(self) -> tuple[Fingerprint | None, str]:
        return self.fingerprint, self.error


async def dask_setup(worker: Any) -> None:
    """`dask worker --preload notice_factory.cluster`: install the renderer plugin."""
    templates = environment().templates
    await worker.plugin_add(RendererPlugin(str(templates) if templates else None),
                            name=PLUGIN_NAME)


def worker_state(dask_worker: Any = None) -> tuple[Fingerprint | None, str]:
    """This worker's fingerprint, or why it cannot render (``client.run`` passes the worker
    as ``dask_worker``; a task finds its own)."""
    plugin = (dask_worker or get_worker()).plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, RendererPlugin):
        return None, ("it has no notice_factory renderer: start workers with `notice-factory "
                      "worker --scheduler ADDRESS` (or `dask worker ADDRESS --preload "
                      "notice_factory.cluster`)")
    fp, error = plugin.state()
    return fp, (f"its renderer did not start ({error})" if error else "")


def render_remote(job: Job, expected: Fingerprint) -> Made | Failed:
    """A Dask task: one letter rendered by this worker's warm renderer, as bytes."""
    worker = get_worker()
    fp, problem = worker_state()
    plugin = worker.plugins[PLUGIN_NAME] if not problem else None
    if not isinstance(plugin, RendererPlugin) or fp is None or plugin.renderer is None:
        raise ClusterError(f"cluster worker {worker.address} cannot render: {problem}")
    if fp != expected:
        raise ClusterError(
            f"cluster worker {worker.address} holds other templates or code than this batch "
            f"({'; '.join(fp.differences(expected))}); deploy the same templates tree and "
            "notice_factory version on every worker, then run the same command again "
            "(the letters keep their registered numbers)")
    with plugin.lock:  # one renderer per worker; Dask may run several threads
        made = make_letter(job, plugin.renderer)
    assert not isinstance(made, Drafted)
    return made



# --------------------------------------------------------------------------- coordinator side


def cluster_timeout() -> float:
    """Seconds allowed to reach the scheduler and find a worker:
    ``$NOTICE_FACTORY_CLUSTER_TIMEOUT`` or 20 (:class:`~notice_factory.settings.Environment`)."""
    try:
        return environment().cluster_timeout
    except ConfigError as err:
        raise ClusterError(str(err)) from None


class Cluster:
    """A batch's connection to a Dask scheduler whose workers were checked."""

    def __init__(self, address: str, client: Client, expected: Fingerprint, workers: int,
                 threads: int) -> None:
        self.address, self.client, self.expected = address, client, expected
        self.workers, self.threads = workers, threads

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        """For batch.json: where the letters were rendered, and with what."""
        return {"scheduler": self.address, "workers": self.workers,
                "templates_sha256": self.expected.templates, "code_sha256": self.expected.code}

    def run_jobs(self, jobs: Iterable[Job], *, window: int | None = None) -> Iterator[Outcome]:
        """Render every job on the cluster; yields outcomes as letters are written here.

        At most ``window`` letters (default 4 per worker thread) are in flight, so the
        coordinator holds a bounded number of letters' bytes at a time.
        """
        limit = max(2, window or IN_FLIGHT_PER_THREAD * self.threads)
        pending = iter(jobs)
        jobs_of: dict[Future[Any], Job] = {}
        stream = as_completed(loop=self.client.loop)

        def submit(job: Job) -> None:
            fut = self.client.submit(render_remote, job, self.expected, pure=False,
                                     key=f"notice-factory-{job.case.letter_key}-"
                                         f"{uuid.uuid4().hex[:12]}")
            jobs_of[fut] = job
            stream.add(fut)

        for job in pending:
            submit(job)
            if len(jobs_of) >= limit:
                break
        try:
            for fut in stream:
                job = jobs_of.pop(fut)
                yield _outcome(fut, job)
                fut.release()  # the letter's bytes leave the cluster's memory
                nxt = next(pending, None)
                if nxt is not None:
                    submit(nxt)
        finally:
            for fut in jobs_of:
                fut.cancel()


def _outcome(fut: Future[Any], job: Job) -> Outcome:
    try:
        result = fut.result()
    except KilledWorker:
        return Failed(job.case.letter_key, "the letter's rendering killed the cluster worker "
                                           "that took it, several times (engine failure); it "
                                           "was not produced")
    if isinstance(result, Made):
        return write_letter(job, result)
    assert isinstance(result, Failed)
    return result


def connect(address: str, templates_root: Path) -> Cluster:
    """Reach the scheduler, wait for a worker and check every worker's fingerprint.

    Raises :class:`ClusterError` (before any registered number is spent) when the
    scheduler cannot be reached, has no worker, or a worker cannot render these letters.
    """
    expected = fingerprint(templates_root)
    timeout = cluster_timeout()
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({err}); start it (`dask "
            "scheduler`) or correct --cluster. No registered number was spent.") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
        states: dict[str, tuple[Fingerprint | None, str]] = client.run(worker_state)
        _check_workers(address, states, expected)
        threads = sum(client.nthreads().values())
    except BaseException as err:
        client.close()
        if isinstance(err, TimeoutError | asyncio.TimeoutError):
            raise ClusterError(
                f"the Dask scheduler at {address} has no worker after {timeout:g} s; start "
                f"some with `notice-factory worker --scheduler {address}`. No registered "
                "number was spent.") from None
        raise
    return Cluster(address, client, expected, len(states), threads)


def _check_workers(address: str, states: dict[str, tuple[Fingerprint | None, str]],
                   expected: Fingerprint) -> None:
    problems = []
    for worker, (fp, problem) in sorted(states.items()):
        if problem:
            problems.append(f"worker {worker}: {problem}")
        elif fp is not None and fp != expected:
            problems.append(f"worker {worker}: {'; '.join(fp.differences(expected))}")
    if problems:
        raise ClusterError(
            f"the cluster at {address} cannot render this batch: " + " | ".join(problems)
            + ". Every worker must hold the same templates tree and notice_factory version "
            "as this machine (notice-factory worker --templates DIR). No registered number "
            "was spent.")
