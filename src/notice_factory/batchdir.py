"""The batch folder (``batch --out``): one batch's files, replaced as a whole, nobody else's.

A batch folder belongs to one batch: one case file (its path) and one batch date. The batch
keeps its own bookkeeping in ``.notice-factory/`` inside the folder:

- ``lock``: held (``flock``) by the run writing into the folder; a second run is refused, and
  a killed run's lock goes with its process;
- ``state.json``: the files the last complete run wrote there and the registered numbers they
  carry;
- ``staging-*/``: where a run builds its complete output (letters, print files, deposit slips,
  manifest, rejects, batch.json) before anything visible changes;
- ``journal.json``: written once the staging folder is complete; it lists the files to move
  into place. A run that finds it (the previous one was killed while moving) completes the move
  before anything else: the folder then holds the previous complete batch or the new one, never
  a mix.

While files are moved, the manifests are the last to arrive (and the old ones the first to go),
so a manifest that is there always describes the files beside it. A folder that holds files
this tool did not write there is refused (a new batch needs a new or empty folder); files a
user adds later beside a batch (outside ``letters/``, ``print/`` and ``deposit-slips/``) are
kept. The registered numbers of a new state are marked used when its files are in place, and
a resend's old numbers voided only then.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> folder = BatchFolder.open(out, Identity("/data/cases.csv", "2026-11-23"))
>>> folder.staging.parent.name, folder.staging.is_dir()
('.notice-factory', True)
>>> folder.close(); folder.staging.exists()
False
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notice_factory.errors import BatchFolderError, describe_os_error
from notice_factory.fsutil import atomic_write_text, fsync_dir
from notice_factory.ledger import FolderState, Ledger, folder_text

STATE_DIR = ".notice-factory"
OWN_DIRS = ("letters", "print", "deposit-slips")
#: The records, in the order they are put in place: the manifests last (a reader's sign that
#: the batch is complete), and removed first when a new state replaces them.
RECORDS = ("rejects.csv", "batch.json", "manifest.json", "manifest.csv")
_MARKERS = ("manifest.csv", "manifest.json", "batch.json")
_FORMAT = 1


@dataclass(frozen=True)
class Identity:
    """What makes a run a re-run of the batch a folder holds: the case file and the date."""

    case_file: str  # absolute path
    batch_date: str  # ISO date

    @classmethod
    def of(cls, cases_path: Path, day: dt.date) -> Identity:
        return cls(str(cases_path.absolute()), day.isoformat())


def folder_ref(path: Path) -> str:
    """How the ledger records a batch folder: ``host:/absolute/path``."""
    return f"{socket.gethostname()}:{path.absolute()}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BatchFolderError(f"cannot read the batch folder's record ({exc}); it was written "
                               "by notice-factory and must not be edited. Restore it, or give "
                               "a new folder with --out.", file=str(path)) from None
    return data if isinstance(data, dict) else None


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding the exclusive lock on ``path``, or None if another holds it
    (or removed the file meanwhile: a run that leaves a new folder as it found it removes its
    lock file while holding it, so a lock is only good on the file still at ``path``)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            os.close(fd)
            return None
    except FileNotFoundError:
        os.close(fd)
        return None
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def check_folder(batch_folder: str, number: str) -> FolderState:
    """What a batch folder the ledger recorded says about a letter (see Ledger.allocate):
    BUSY while a run writes into it, HOLDS when its batch (complete, or being moved into place)
    has the number, FREE when it is gone or does not have it. A folder on another machine
    cannot be looked at: it counts as holding the letter."""
    host, _, path = batch_folder.partition(":")
    if host != socket.gethostname():
        return FolderState.HOLDS
    meta = Path(path) / STATE_DIR
    if not meta.is_dir():
        return FolderState.FREE
    fd = _try_lock(meta / "lock")
    if fd is None:
        return FolderState.BUSY
    try:
        for record in ("journal.json", "state.json"):
            data = _read_json(meta / record) or {}
            if number in data.get("numbers", ()):
                return FolderState.HOLDS
        return FolderState.FREE
    finally:
        os.close(fd)


class BatchFolder:
    """A batch folder opened (locked) by this run; see the module docstring."""

    def __init__(self, path: Path, identity: Identity, lock_fd: int,
                 state: dict[str, Any] | None, created: bool = False) -> None:
        self.path = path
        self.identity = identity
        self.ref = folder_ref(path)
        self._lock_fd: int | None = lock_fd
        self.state = state  # the last complete run's, or None for a new folder
        self.meta = path / STATE_DIR
        self.staging = self.meta / f"staging-{os.getpid()}-{time.time_ns()}"
        self.staging.mkdir()
        self.committed = False
        self.created = created  # the run made the folder: a refused run removes it again
        #: Called with the name of each step of the move (the tests' fault points).
        self.step: Callable[[str], None] = _no_step

    # -- opening

    @classmethod
    def open(cls, out: Path, identity: Identity, ledger: Ledger | None = None) -> BatchFolder:
        """Lock the folder, complete or clear what a killed run left, and check that it is
        this batch's (or new); refuses, writing nothing, otherwise."""
        path = out.absolute()
        meta = path / STATE_DIR
        created = not path.exists()
        try:
            meta.mkdir(parents=True, exist_ok=True)
            lock_fd = cls._lock(meta)
        except (FileExistsError, NotADirectoryError):
            raise BatchFolderError("this is a file, not a folder: give a folder for the batch "
                                   "with --out. Nothing was written.", file=str(out)) from None
        except OSError as exc:
            why = describe_os_error(OSError(exc.errno, exc.strerror, str(out)))
            raise BatchFolderError(
                f"the batch folder cannot be written: {why}. Nothing was written and no "
                "registered number was spent.") from None
        try:
            _recover(path, ledger)
            state = _read_json(meta / "state.json") or _legacy_state(path, identity)
            _check_owner(path, identity, state)
            return cls(path, identity, lock_fd, state, created)
        except BaseException:
            os.close(lock_fd)
            raise

    @staticmethod
    def _lock(meta: Path) -> int:
        # A few tries: another run's check_folder holds the lock for an instant.
        for _ in range(20):
            fd = _try_lock(meta / "lock")
            if fd is not None:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()} {socket.gethostname()} "
                             f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n"
                         .encode())
                return fd
            time.sleep(0.05)
        holder = (meta / "lock").read_text(encoding="utf-8", errors="replace").split()
        who = (f" (process {holder[0]} on {holder[1]}, started {holder[2]})"
               if len(holder) >= 3 else "")
        raise BatchFolderError(
            f"another batch is writing into this folder right now{who}: two runs never write "
            "into one batch folder. Wait until it has finished (its summary says what it "
            "made), then run again if needed. Nothing was written.", file=str(meta.parent))

    # -- after the run

    def commit(self, numbers: Iterable[str], ledger: Ledger, *,
               voids: Mapping[str, str] | None = None) -> None:
        """Put the staged batch in place of the previous one, then mark its numbers used and
        void ``voids`` (number -> reason: letters of the previous batch this one drops)."""
        files = sorted(p.relative_to(self.staging).as_posix()
                       for p in self.staging.rglob("*") if p.is_file())
        journal = {
            "format": _FORMAT, "staging": self.staging.name, "ledger": ledger_name(ledger.path),
            "files": files, "old_files": sorted((self.state or {}).get("files", [])),
            "numbers": sorted(set(numbers)), "voids": dict(voids or {}),
            "state": {"format": _FORMAT, "case_file": self.identity.case_file,
                      "batch_date": self.identity.batch_date, "files": files,
                      "numbers": sorted(set(numbers))},
        }
        for path in _walk(self.staging):  # the staged files reach the disk before the journal
            _fsync_file(path)
        atomic_write_text(self.meta / "journal.json", json.dumps(journal, indent=1) + "\n")
        # From here the staged files are the folder's next state: kept until they are in place
        # (an error or Ctrl-C now leaves the journal, and the next run completes the move).
        self.committed = True
        self.step("journal")
        _finish(self.path, journal, ledger, self.step)

    def close(self) -> None:
        """Release the folder; a staging folder not yet journaled is removed (nothing
        changed)."""
        if not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)
            if self.state is None and not (self.meta / "journal.json").exists():
                # A new folder this run wrote nothing into: left as it was found (the lock
                # file removed while still held; see _try_lock).
                with contextlib.suppress(OSError):
                    (self.meta / "lock").unlink()
                    self.meta.rmdir()
                    for sub in OWN_DIRS:  # made empty by the pre-numbering checks
                        if _empty_own_dir(self.path / sub):
                            (self.path / sub).rmdir()
                    if self.created:
                        self.path.rmdir()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> BatchFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _legacy_state(path: Path, identity: Identity) -> dict[str, Any] | None:
    """A batch folder written before folders kept their own record (no state.json), adopted
    when its batch.json is of the same case file (by name) and date: its files are those its
    manifest and batch.json name."""
    batch = _read_json(path / "batch.json")
    if (batch is None or not str(batch.get("generator", "")).startswith("notice_factory")
            or not (path / "manifest.json").is_file()
            or Path(str(batch.get("case_file", ""))).name != Path(identity.case_file).name
            or batch.get("batch_date") != identity.batch_date):
        return None
    try:
        rows = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        files = ({str(r["letter_file"]) for r in rows} | set(batch.get("print_files", []))
                 | set(batch.get("deposit_slips", [])))
        numbers = sorted({str(r["tracking_number"]) for r in rows if r["tracking_number"]})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    files |= {name for name in RECORDS if (path / name).is_file()}
    return {"format": _FORMAT, "case_file": identity.case_file,
            "batch_date": identity.batch_date, "files": sorted(files), "numbers": numbers}


def ledger_name(ledger: Path | str) -> str:
    """A ledger as the journal records it: a file's absolute path, or a database URL without
    its password.

    >>> ledger_name("postgresql://nf:secret@db1/ledger")
    'postgresql://nf@db1/ledger'
    """
    text = str(ledger)
    if "://" not in text:
        return str(Path(text).absolute())
    url = urllib.parse.urlsplit(text)
    if url.password is None:
        return text
    netloc = url.netloc.rsplit("@", 1)[-1]
    user = f"{url.username}@" if url.username else ""
    return urllib.parse.urlunsplit(url._replace(netloc=user + netloc))


def _check_owner(path: Path, identity: Identity, state: dict[str, Any] | None) -> None:
    if state is None:
        foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir()
                         if p.name != STATE_DIR and not _empty_own_dir(p))
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                              if len(foreign) > 5 else "")
            raise BatchFolderError(
                f"this folder already holds files that no batch wrote here ({shown}): a batch "
                "writes into a folder of its own, and never deletes or replaces files it did "
                "not write. Give a new or empty folder with --out. Nothing was written or "
                "deleted.", file=str(path))
        return
    if (state.get("case_file"), state.get("batch_date")) != (identity.case_file,
                                                             identity.batch_date):
        raise BatchFolderError(
            f"this folder holds the batch of {state.get('case_file')} dated "
            f"{state.get('batch_date')} ({len(state.get('numbers', []))} registered letter(s)): "
            "a different batch goes into a folder of its own. Give a new folder with --out "
            "(to redo that batch, run that case file with --date "
            f"{state.get('batch_date')}). Nothing was written or deleted.", file=str(path))
    own = set(state.get("files", []))
    strays = sorted(p.relative_to(path).as_posix() for sub in OWN_DIRS
                    for p in _walk(path / sub) if p.relative_to(path).as_posix() not in own)
    strays += [name for name in RECORDS if (path / name).exists() and name not in own]
    if strays:
        raise BatchFolderError(
            f"{', '.join(strays[:5])}{' ...' if len(strays) > 5 else ''}: in this batch folder "
            "but not written by its batch. A re-run replaces only its own files: move these out "
            "of the batch folder, then run again. Nothing was written or deleted.",
            file=str(path))


def _empty_own_dir(path: Path) -> bool:
    """An empty letters/, print/ or deposit-slips/ (a refused or killed run's): not foreign."""
    return path.name in OWN_DIRS and path.is_dir() and not any(path.iterdir())


def _walk(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _recover(path: Path, ledger: Ledger | None) -> None:
    """Complete the move a killed run began (journal), or drop what it staged (no journal)."""
    meta = path / STATE_DIR
    journal = _read_json(meta / "journal.json")
    if journal is not None:
        if ledger is None:
            raise BatchFolderError("a batch was interrupted while its files were put in place "
                                   "here: run `notice-factory batch` on this folder again to "
                                   "complete it.", file=str(path))
        recorded = str(journal.get("ledger", ""))
        if recorded != ledger_name(ledger.path):
            raise BatchFolderError(
                f"a batch was interrupted here while its files were put in place; its numbers "
                f"are in the ledger {recorded}: run again with --ledger {recorded} to complete "
                "it. Nothing was written.", file=str(path))
        _finish(path, journal, ledger)
    for leftover in meta.glob("staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _ordered(files: list[str]) -> list[str]:
    """The records last, the manifests at the very end."""
    rank = {name: i + 1 for i, name in enumerate(RECORDS)}
    return sorted(files, key=lambda f: (rank.get(f, 0), f))


def _no_step(name: str) -> None:
    """No fault point (see BatchFolder.step)."""


def _finish(path: Path, journal: dict[str, Any], ledger: Ledger,
            step: Callable[[str], None] = _no_step) -> None:
    """Move the staged files into place (again: each step can be repeated), record the new
    state, mark the numbers used, drop the journal. See the module docstring."""
    meta = path / STATE_DIR
    staged = meta / str(journal["staging"])
    files: list[str] = list(journal["files"])
    for name in _MARKERS:  # the old manifests go first: a manifest present is always true
        if (staged / name).exists():
            (path / name).unlink(missing_ok=True)
    fsync_dir(path)
    step("unlinked")
    records = [f for f in _ordered(files) if f in RECORDS]
    for rel in [f for f in _ordered(files) if f not in RECORDS]:
        _move(staged / rel, path / rel)
        step("moved")
    for rel in sorted(set(journal["old_files"]) - set(files)):
        (path / rel).unlink(missing_ok=True)
    for sub in {Path(f).parent for f in files} | {Path(f).parent for f in journal["old_files"]}:
        fsync_dir(path / sub)
    for rel in records:
        _move(staged / rel, path / rel)
        fsync_dir(path)
        step("record")
    atomic_write_text(meta / "state.json", json.dumps(journal["state"], indent=1) + "\n")
    step("state")
    ledger.mark_used(journal["numbers"], voids=journal.get("voids", {}))
    step("ledger")
    (meta / "journal.json").unlink()
    fsync_dir(meta)
    shutil.rmtree(staged, ignore_errors=True)


def _move(src: Path, dst: Path) -> None:
    if src.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
    elif not dst.exists():
        raise BatchFolderError(f"{dst.name} is missing from both the staging folder and the "
                               "batch folder: the batch folder was changed by hand while a batch "
                               "was being put in place. Run the batch again into a new folder.",
                               file=str(dst))


__all__ = ["BatchFolder", "Identity", "check_folder", "folder_ref", "folder_text"]
