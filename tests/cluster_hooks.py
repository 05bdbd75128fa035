"""A fault the cluster tests provoke on purpose (a test helper, not a test).

The product reads no test hook from the environment: the test session registers
:class:`DieOnLetter` with the scheduler as a Dask worker plugin, and every worker (a
restarted one too) gets it. The workers import this module from the tests folder, which
the test session puts on their ``PYTHONPATH``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class DieOnLetter(WorkerPlugin):
    """A worker ends abruptly (status 70) when it starts a letter whose task key holds the
    name of a file in ``folder``; the file is removed first, so the letter's next worker
    renders it."""

    name = "notice-factory-test-die"

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing":
            return
        for marker in Path(self.folder).iterdir():
            if marker.name in str(key):
                with contextlib.suppress(FileNotFoundError):
                    marker.unlink()
                    os._exit(70)
