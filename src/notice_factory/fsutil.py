"""Writing files so that a crash never leaves a half-written file under its final name.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_text(d / "a.txt", "done")
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('done', ['a.txt'])
>>> oct((d / "a.txt").stat().st_mode & 0o777) == oct(0o666 & ~current_umask())
True
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb",
                encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it to ``path``.

    A failure to create, write or rename it (a full disk, an immutable file) is an
    :class:`OSError` naming ``path``, never the temporary name nor no file at all.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path, path.parent) from exc
    try:
        # mkstemp creates 0600; a finished file gets the mode any new file would get
        # (0644 under the usual umask), so a print house account in the group can read it.
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode, encoding=encoding, newline="" if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, path, tmp) from exc
        raise
    fsync_dir(path.parent)


def _naming(exc: OSError, path: Path, ours: Path | str) -> OSError:
    """``exc`` about ``path`` when it was about our own writing (no file named, or the
    temporary file or folder); an error about another file (read by the caller) unchanged."""
    if exc.errno is None or exc.filename not in (None, str(ours), ours):
        return exc
    return OSError(exc.errno, exc.strerror, str(path))


def check_replaceable(folder: Path, names: Iterable[str] = ()) -> None:
    """Raise the :class:`OSError` that writing ``folder/name`` atomically would meet, before
    anything is written: the folder made if needed and a file created and removed in it (a
    read-only disk, no permission), and each existing file's times set to what they are,
    which an immutable or append-only file refuses as it refuses being replaced.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", suffix=".part", dir=folder)
    except OSError as exc:
        raise _naming(exc, folder, folder) from exc
    os.close(fd)
    os.unlink(probe)
    for name in names:
        target = folder / name
        try:
            st = target.stat()
        except FileNotFoundError:
            continue
        try:
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(target)) from exc


@functools.cache
def current_umask() -> int:
    """The process umask (read once: reading it means setting it, which races threads)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` survive a power cut (not only the files' data)."""
    # The rename itself must survive a power cut, not only the data.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_parts(folder: Path) -> int:
    """Delete temporary files a killed run left behind; return how many."""
    count = 0
    if folder.is_dir():
        for p in folder.rglob(".*.part"):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                count += 1
    return count


def tree_sha256(root: Path, *, suffixes: tuple[str, ...] = ()) -> str:
    """One SHA-256 over a folder's files: their paths (relative, '/'-separated) and bytes.

    Hidden files and folders, ``__pycache__`` and temporary ``.part`` files are left out;
    with ``suffixes``, only files ending so are counted. Two machines holding the same
    tree get the same digest, whatever the folder is called or when it was copied.

    >>> import tempfile, pathlib
    >>> a, b = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
    >>> for d in (a, b):
    ...     (d / "fr").mkdir(); _ = (d / "fr" / "letter.html").write_text("Madame,")
    >>> tree_sha256(a) == tree_sha256(b)
    True
    >>> _ = (b / "fr" / "letter.html").write_text("Monsieur,")
    >>> tree_sha256(a) == tree_sha256(b)
    False
    """
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and _counted(p.relative_to(root),
                                                                             suffixes))
    for path in files:
        rel = path.relative_to(root).as_posix().encode("utf-8")
        data = path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(rel), rel, len(data)))
        digest.update(data)
    return digest.hexdigest()


def _counted(rel: Path, suffixes: tuple[str, ...]) -> bool:
    if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
        return False
    return not suffixes or rel.name.endswith(suffixes)
