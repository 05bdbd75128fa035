"""The reaper: stale office processes and working folders never outlive their owner.

Each converter works in a ``notice_factory_office_*`` folder of the temporary directory,
whose ``owner`` file records the owning process (pid and start time). Office processes run
in their own process group, killed as a whole (:func:`kill_group`). A folder whose owner
died before its bridge could remove it is swept by the next converter
(:func:`sweep_stale_workdirs`). The process table is read from ``/proc`` here and nowhere
else in the product.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

WORKDIR_PREFIX = "notice_factory_office_"  # _uno_bridge.py checks the same prefix
OWNER_FILE = "owner"
SWEEP_MIN_AGE = 60.0  # never sweep a folder younger than this: it may be being set up
SWEEP_UNOWNED_AGE = 86400.0  # folders without an owner file (older versions) after a day


def kill_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the process group led by ``proc`` and reap the leader.

    The group outlives its leader: oosplash may be gone while soffice.bin still runs,
    so the group is killed even when the leader has exited.
    """
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of ``/proc/PID/stat`` (the state first), ``None`` if there is none.

    >>> stat_fields(os.getpid())[0] in "RS"
    True
    """
    try:
        text = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return text.rsplit(")", 1)[1].split()


def start_time(pid: int) -> str:
    """A process's start time (``/proc/PID/stat`` field 22), or "" where unknown.

    With the pid it names one process for good: a pid reused later starts later.

    >>> start_time(os.getpid()).isdigit() or not Path("/proc").is_dir()
    True
    """
    fields = stat_fields(pid)
    return fields[19] if fields is not None and len(fields) > 19 else ""


def owner_alive(pid: int, start: str) -> bool:
    """Whether the process that recorded ``pid``/``start`` still runs.

    >>> owner_alive(os.getpid(), start_time(os.getpid()))
    True
    >>> owner_alive(os.getpid(), "1")  # same pid, another start: a recycled pid
    False
    """
    if pid <= 0:
        return False
    if not Path("/proc/self/stat").is_file():  # no procfs (macOS): the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    return not start or (len(fields) > 19 and fields[19] == start)


def write_owner(workdir: Path) -> None:
    # Plain write, not atomic: a sweep reads it only once the folder is a minute old.
    pid = os.getpid()
    (workdir / OWNER_FILE).write_text(f"{pid} {start_time(pid)}\n", "ascii")


def read_owner(workdir: Path) -> tuple[int, str] | None:
    """The recorded owner, or ``None`` when there is no readable owner file."""
    try:
        parts = (workdir / OWNER_FILE).read_text("ascii").split()
        return int(parts[0]), (parts[1] if len(parts) > 1 else "")
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


def process_arguments() -> set[str]:
    """Every command-line argument of every running process (to spot folders in use)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    raw = Path(f"/proc/{entry}/cmdline").read_bytes()
                    found.update(a.decode(errors="replace") for a in raw.split(b"\0") if a)
    return found


def in_use(folder: Path, arguments: set[str]) -> bool:
    # soffice names it in -env:UserInstallation=file:///.../profile, the bridge in --workdir.
    inside = (f"{folder}/", f"{folder.as_uri()}/")
    return any(a == str(folder) or any(i in a for i in inside) for a in arguments)


def sweep_stale_workdirs(folder: Path | None = None, *, keep: Path | None = None,
                         ) -> list[Path]:
    """Remove leftover converter folders in ``folder`` (default: the temporary directory).

    A ``notice_factory_office_*`` folder goes when it is more than a minute old and its
    recorded owner is dead (or its pid now names another process), or, without an
    owner file (made by older versions), when it is more than a day old. A folder still
    named on a running process's command line (its office or bridge) stays. Errors are
    ignored: another process may be sweeping at the same time. Returns what was removed.

    >>> with tempfile.TemporaryDirectory() as scratch:
    ...     old = Path(scratch, WORKDIR_PREFIX + "old")
    ...     old.mkdir()
    ...     os.utime(old, (0, 0))
    ...     [p.name for p in sweep_stale_workdirs(Path(scratch))]
    ['notice_factory_office_old']
    """
    base = Path(tempfile.gettempdir()) if folder is None else folder
    now = time.time()
    candidates = []
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            if not entry.name.startswith(WORKDIR_PREFIX) or entry == keep:
                continue
            with contextlib.suppress(OSError):
                info = entry.lstat()
                if not stat.S_ISDIR(info.st_mode):  # never follow a symlink out of base
                    continue
                age = now - info.st_mtime
                if age < SWEEP_MIN_AGE:
                    continue
                owner = read_owner(entry)
                if owner is None:
                    if age > SWEEP_UNOWNED_AGE:
                        candidates.append(entry)
                elif not owner_alive(*owner):
                    candidates.append(entry)
    if not candidates:
        return []
    arguments = process_arguments()
    removed = []
    for entry in candidates:
        if in_use(entry, arguments):  # e.g. its bridge is still waiting for the office
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not os.path.lexists(entry):
            removed.append(entry)
    return removed
