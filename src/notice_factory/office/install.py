"""Finding LibreOffice and a Python that can drive it (``uno``), and the environment
their processes get.

Environment: ``NOTICE_FACTORY_SOFFICE`` (path of ``soffice``) and
``NOTICE_FACTORY_OFFICE_PYTHON`` (a Python that can ``import uno``, default
``/usr/bin/python3``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

from notice_factory.errors import OfficeUnavailableError
from notice_factory.settings import environment

ENV_SOFFICE = "NOTICE_FACTORY_SOFFICE"
ENV_OFFICE_PYTHON = "NOTICE_FACTORY_OFFICE_PYTHON"
DEFAULT_OFFICE_PYTHON = "/usr/bin/python3"
INSTALL_HINT = (
    "install libreoffice-writer-nogui and python3-uno "
    "(apt-get install --no-install-recommends libreoffice-writer-nogui python3-uno), "
    f"or point {ENV_SOFFICE} / {ENV_OFFICE_PYTHON} at an existing installation"
)
_SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


@dataclass(frozen=True)
class OfficeInstall:
    """Where LibreOffice and a Python able to drive it are."""

    soffice: str
    python: str


def find_office(soffice: str | None = None, python: str | None = None, *,
                need_uno: bool = True) -> OfficeInstall:
    """Locate ``soffice`` and a uno-capable Python, or explain how to install them.

    ``soffice``/``python`` default to the environment variables, then the usual places.

    >>> find_office(soffice="/nonexistent/soffice")
    Traceback (most recent call last):
    ...
    notice_factory.errors.OfficeUnavailableError: LibreOffice is not installed (no soffice at /nonexistent/soffice): install libreoffice-writer-nogui and python3-uno (apt-get install --no-install-recommends libreoffice-writer-nogui python3-uno), or point NOTICE_FACTORY_SOFFICE / NOTICE_FACTORY_OFFICE_PYTHON at an existing installation
    """  # noqa: E501
    env = environment()
    wanted = soffice or env.soffice
    if wanted:
        found = shutil.which(wanted)
        if found is None:
            raise OfficeUnavailableError(
                f"LibreOffice is not installed (no soffice at {wanted}): {INSTALL_HINT}")
    else:
        found = shutil.which("soffice") or next(
            (c for c in _SOFFICE_CANDIDATES if os.access(c, os.X_OK)), None)
        if found is None:
            raise OfficeUnavailableError(f"LibreOffice is not installed: {INSTALL_HINT}")
    py = python or env.office_python or DEFAULT_OFFICE_PYTHON
    if need_uno and not _can_import_uno(py):
        raise OfficeUnavailableError(
            f"LibreOffice is not installed ({py} cannot import uno): {INSTALL_HINT}")
    return OfficeInstall(found, py)


@functools.lru_cache(maxsize=8)
def _can_import_uno(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "import uno"], env=child_env(),
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def child_env() -> dict[str, str]:
    """The environment of the office's processes (bridge, soffice, cold conversions)."""
    # The product may run in a venv or pyenv: its PYTHONPATH/PYTHONHOME would make the
    # system Python (and LibreOffice's embedded Python) load the wrong standard library.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.setdefault("LC_ALL", "C.UTF-8")  # file names and messages in UTF-8 whatever the shell
    return env
