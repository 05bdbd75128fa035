"""`worker`: a Dask worker that renders letters for `batch --cluster`."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  notice-factory worker --scheduler tcp://coordinator:8786
  notice-factory worker --scheduler tcp://coord:8786 --processes 8 --templates /srv/nf/templates
Same as: dask worker tcp://coordinator:8786 --nthreads 1 --preload notice_factory.cluster""")
@click.option("--scheduler", required=True, metavar="tcp://HOST:8786",
              help="The Dask scheduler the batches send their letters to.")
@click.option("--processes", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes, each with one warm renderer (one per core is right).")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Templates tree (must be the coordinator's: a batch checks its "
                                 "hash). Default: the bundled one or $NOTICE_FACTORY_TEMPLATES.")
@click.option("--name", default=None, help="Worker name shown by the scheduler.")
@click.option("--memory-limit", default="auto", show_default=True,
              help="Per-process memory limit (Dask restarts a worker above it), e.g. 2GB.")
def worker(scheduler: str, processes: int, templates: Path | None, name: str | None,
           memory_limit: str) -> None:
    """Start a Dask worker that renders letters for `notice-factory batch --cluster`.

    Each process keeps one warm renderer (WeasyPrint; LibreOffice from its first Word
    letter) and renders the letters it is sent; it runs until stopped (Ctrl-C or SIGTERM),
    and a process that dies is restarted by its nanny.
    """
    from distributed.cli.dask_worker import main as dask_worker

    if templates is not None:  # read by the renderer plugin in each worker process
        os.environ["NOTICE_FACTORY_TEMPLATES"] = str(templates.resolve())
    args = [scheduler, "--nthreads", "1", "--nworkers", str(processes),
            "--preload", "notice_factory.cluster", "--no-dashboard",
            "--memory-limit", memory_limit]
    if name:
        args += ["--name", name]
    dask_worker.main(args=args, prog_name="notice-factory worker", standalone_mode=True)
