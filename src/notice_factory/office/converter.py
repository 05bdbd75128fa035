"""DOCX to PDF through a warm LibreOffice: one office process kept running across letters.

A cold ``soffice --convert-to pdf`` costs about 1.7 s per file; a long-lived office
converts a letter in about 0.25 s. :class:`OfficeConverter` starts

* ``soffice --headless ... --accept=pipe,name=<unique>`` with a private profile, in
  its own process group (``oosplash`` and ``soffice.bin`` die together), and
* ``_uno_bridge.py``, run with the *system* Python that has ``python3-uno`` (the
  product's own Python usually cannot ``import uno``), which loads each document
  hidden and stores it with ``writer_pdf_Export``, one JSON line per document.

A letter that hangs or crashes the office costs that letter only: the converter
kills both process groups, raises :class:`~notice_factory.errors.RenderError` for
that document and starts a fresh office for the next one. An office found dead
*before* a document is sent (killed between letters) is restarted silently and the
document converted normally.

Chinese text: the office sees, through a private fontconfig file (``FONTCONFIG_FILE`` in
its environment only), the TrueType cuts of Noto CJK that
:func:`notice_factory.fonts.ensure_office_fonts` builds (once per machine, or by
the install step). :attr:`OfficeConverter.font_substitutes` says which family names a
document must use to get them; ``render/docx.py`` renames the filled document's fonts.
LibreOffice 7.4 embeds those as compressed TrueType subsets, where the CFF Noto CJK
becomes an uncompressible Type 1 font (a Chinese Word letter drops from ~165 KB to
~90 KB). If the fonts cannot be built (no Noto CJK), the office runs with the system
fonts alone and nothing is renamed.

Pipe names and profiles are unique per converter, so several worker processes can
each run their own office at once.

Working folders (``notice_factory_office_*`` in the temporary directory: profile,
fonts.conf, logs, jobs) are removed by :meth:`OfficeConverter.close`. When the owning
process is killed instead, the bridge removes the folder once the office is dead; and
each new converter sweeps the folders whose recorded owner (pid and start time, in the
folder's ``owner`` file) is gone, for owners killed before their bridge ran or together
with it (:func:`sweep_stale_workdirs`).

PDFs made by LibreOffice are NOT byte-for-byte reproducible (creation date and
document ID come from the clock); nothing is stripped from them. Use the HTML
engine where identical bytes for identical input are required.

Finding the installation: :mod:`notice_factory.office.install`; stale processes and
folders: :mod:`notice_factory.office.reaper`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from notice_factory import fonts
from notice_factory.errors import OfficeUnavailableError, RenderError
from notice_factory.office.install import child_env, find_office
from notice_factory.office.reaper import (
    WORKDIR_PREFIX,
    kill_group,
    sweep_stale_workdirs,
    write_owner,
)

_BRIDGE = Path(__file__).with_name("_uno_bridge.py")


def _safe_stem(name: str) -> str:
    """A file-name-safe version of a document name (for temporary files only).

    >>> _safe_stem("FR-2026/0001 été")
    'FR-2026_0001__t_'
    """
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:60] or "document"


@dataclass
class _Processes:
    """The running office and bridge; kept apart from the converter so a finalizer can
    clean up a converter nobody closed without keeping it alive."""

    workdir: Path
    office: subprocess.Popen[bytes] | None = None
    bridge: subprocess.Popen[bytes] | None = None
    buffer: bytes = b""
    converted: int = 0
    pipe: str = ""

    def alive(self) -> bool:
        return (self.office is not None and self.office.poll() is None
                and self.bridge is not None and self.bridge.poll() is None)

    def kill(self) -> None:
        bridge, office = self.bridge, self.office
        self.bridge = self.office = None
        self.buffer = b""
        kill_group(bridge)
        kill_group(office)

    def shutdown(self) -> None:
        """Ask the office to quit, then make sure, and remove the working folder."""
        if self.bridge is not None and self.bridge.stdin is not None:
            # "quit", not just end of input: end of input alone tells the bridge its
            # parent died, and it would remove the folder itself.
            with contextlib.suppress(OSError):
                self.bridge.stdin.write(b'{"quit": true}\n')
                self.bridge.stdin.flush()
            with contextlib.suppress(OSError):
                self.bridge.stdin.close()
            for proc in (self.bridge, self.office):
                if proc is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=10)
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


class OfficeConverter:
    """A long-lived LibreOffice converting DOCX bytes to PDF bytes.

    ``timeout`` is the default time allowed per document; ``start_timeout`` the time
    allowed for the office to start listening. ``recycle_after`` restarts the office
    after that many documents, bounding whatever memory it accumulates over a long
    batch. ``hang_on`` is a test hook: a document whose ``name`` contains this text
    makes the bridge hang, to exercise the timeout path.

    The office starts on the first :meth:`convert` (or :meth:`start`). Use as a
    context manager or call :meth:`close`; a converter never closed is cleaned up
    when garbage-collected or at interpreter exit. Thread-safe (one document at a time).

    ``private_fonts=False`` runs the office with the system fonts only (no renaming).
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        recycle_after: int = 2000,
        soffice: str | None = None,
        python: str | None = None,
        hang_on: str | None = None,
        private_fonts: bool = True,
    ) -> None:
        self.install = find_office(soffice, python)
        self.private_fonts = private_fonts
        self._fonts_lock = threading.Lock()
        self._fontconfig: Path | None = None
        self._font_substitutes: dict[str, str] | None = None
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.recycle_after = recycle_after
        self.hang_on = hang_on
        self._lock = threading.Lock()
        self._closed = False
        workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
        self._procs = _Processes(workdir)
        self._finalizer = weakref.finalize(self, self._procs.shutdown)
        write_owner(workdir)
        (workdir / "jobs").mkdir()
        # Folders of owners killed before their bridge could clean up (or with it).
        sweep_stale_workdirs(workdir.parent, keep=workdir)
        self._serial = 0

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> OfficeConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the office and remove the private profile. Idempotent."""
        with self._lock:
            self._closed = True
            self._finalizer()

    @property
    def office_pid(self) -> int | None:
        """Process-group id of the running office (oosplash + soffice.bin), if running."""
        office = self._procs.office
        return office.pid if office is not None and office.poll() is None else None

    @property
    def bridge_pid(self) -> int | None:
        bridge = self._procs.bridge
        return bridge.pid if bridge is not None and bridge.poll() is None else None

    @property
    def font_substitutes(self) -> dict[str, str]:
        """Family a document names -> family this office has for it (empty: none).

        The first call builds the office fonts if the install step did not.
        """
        with self._fonts_lock:
            if self._font_substitutes is None:
                self._font_substitutes = self._prepare_fonts()
            return dict(self._font_substitutes)

    def _prepare_fonts(self) -> dict[str, str]:
        system = fonts.system_fontconfig() if self.private_fonts else None
        if system is None:
            return {}
        try:
            folder = fonts.ensure_office_fonts()
        except RenderError:  # no Noto CJK installed: the office uses the system fonts
            return {}
        config = self._procs.workdir / "fonts.conf"
        config.write_text(fonts.fontconfig_text(folder, system), "utf-8")
        self._fontconfig = config
        return fonts.office_font_names()

    def start(self) -> None:
        """Start the office now (otherwise the first :meth:`convert` does)."""
        with self._lock:
            self._ensure_started()

    # -- conversion ------------------------------------------------------------------

    def convert(self, docx_bytes: bytes, *, timeout: float | None = None,
                name: str = "document") -> bytes:
        """Convert one DOCX document to PDF bytes.

        ``name`` (for example the letter key) appears in error messages and in the
        temporary file name. Raises :class:`RenderError` for this document only
        (timeout, crash, unreadable document); the converter stays usable.
        """
        limit = self.timeout if timeout is None else timeout
        with self._lock:
            if self._closed:
                raise RenderError(f"{name}: the LibreOffice converter is closed")
            self._serial += 1
            stem = f"{self._serial:06d}-{_safe_stem(name)}"
            src = self._procs.workdir / "jobs" / f"{stem}.docx"
            dst = src.with_suffix(".pdf")
            src.write_bytes(docx_bytes)
            try:
                return self._convert_file(src, dst, limit, name)
            finally:
                src.unlink(missing_ok=True)
                dst.unlink(missing_ok=True)

    def _convert_file(self, src: Path, dst: Path, limit: float, name: str) -> bytes:
        # Two attempts only when the office was already gone before this document
        # reached it ("ping" failure, broken pipe on send): not the document's fault.
        for attempt in (1, 2):
            self._ensure_started()
            answer = self._ask({"in": str(src), "out": str(dst)}, limit, name,
                               retryable=attempt == 1)
            if answer is None:
                continue
            if answer.get("ok"):
                self._procs.converted += 1
                break
            stage, error = answer.get("stage"), answer.get("error", "unknown error")
            self._procs.kill()  # start clean: a failed load can leave the office confused
            if stage == "ping" and attempt == 1:
                continue
            raise RenderError(f"{name}: LibreOffice could not convert the document: {error}")
        else:  # pragma: no cover - both attempts found a dead office
            raise RenderError(f"{name}: LibreOffice stopped answering twice in a row")
        try:
            pdf = dst.read_bytes()
        except OSError as exc:
            raise RenderError(f"{name}: LibreOffice produced no PDF ({exc})") from None
        if not pdf.startswith(b"%PDF-"):
            raise RenderError(f"{name}: LibreOffice produced something that is not a PDF")
        return pdf

    def _ask(self, job: dict[str, str], limit: float, name: str, *,
             retryable: bool) -> dict[str, Any] | None:
        """Send one job, wait for its answer. ``None`` means "office was gone, retry"."""
        procs = self._procs
        assert procs.bridge is not None and procs.bridge.stdin is not None
        try:
            procs.bridge.stdin.write(json.dumps(job).encode() + b"\n")
            procs.bridge.stdin.flush()
        except OSError:  # BrokenPipeError: the bridge died before it saw this document
            procs.kill()
            if retryable:
                return None
            raise RenderError(f"{name}: LibreOffice is not answering") from None
        line = self._read_line(time.monotonic() + limit)
        if line is None:
            procs.kill()
            raise RenderError(f"{name}: LibreOffice did not convert the document within "
                              f"{limit:g} s; the document was rejected and LibreOffice "
                              "restarted")
        if not line:
            detail = self._log_tail()
            procs.kill()
            raise RenderError(f"{name}: LibreOffice crashed while converting the document"
                              + (f" ({detail})" if detail else ""))
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError:
            procs.kill()
            raise RenderError(f"{name}: unexpected answer from the LibreOffice bridge: "
                              f"{line[:200]!r}") from None
        return answer

    def _read_line(self, deadline: float) -> bytes | None:
        """One line from the bridge; ``b""`` at end of file, ``None`` at the deadline."""
        procs = self._procs
        assert procs.bridge is not None and procs.bridge.stdout is not None
        fd = procs.bridge.stdout.fileno()
        while b"\n" not in procs.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return b""
            procs.buffer += chunk
        line, _, procs.buffer = procs.buffer.partition(b"\n")
        return line

    # -- starting the office ---------------------------------------------------------

    def _ensure_started(self) -> None:
        procs = self._procs
        if procs.alive() and procs.converted < self.recycle_after:
            return
        procs.kill()
        try:
            self._start()
        except OfficeUnavailableError:
            # A profile left half-written by a killed office can stop the next start:
            # try once more with a fresh one before giving up.
            shutil.rmtree(procs.workdir / "profile", ignore_errors=True)
            self._start()

    def _start(self) -> None:
        procs = self._procs
        procs.converted = 0
        procs.pipe = f"notice_factory_{os.getpid()}_{uuid.uuid4().hex}"
        profile = (procs.workdir / "profile").as_uri()
        env = child_env()
        if self.font_substitutes and self._fontconfig is not None:
            env["FONTCONFIG_FILE"] = str(self._fontconfig)
        # LibreOffice's own temporary folders (lu*.tmp) go inside the working folder, so
        # that they go with it, even when the office is killed. Only the office's: the
        # bridge checks the working folder against the real temporary directory.
        office_tmp = procs.workdir / "tmp"
        office_tmp.mkdir(exist_ok=True)
        with self._log("office.log") as office_log, self._log("bridge.log") as bridge_log:
            procs.office = subprocess.Popen(
                [self.install.soffice, "--headless", "--invisible", "--nologo", "--norestore",
                 "--nodefault", "--nolockcheck", f"-env:UserInstallation={profile}",
                 f"--accept=pipe,name={procs.pipe};urp;StarOffice.ComponentContext"],
                stdin=subprocess.DEVNULL, stdout=office_log, stderr=subprocess.STDOUT,
                start_new_session=True, env={**env, "TMPDIR": str(office_tmp)})
            command = [self.install.python, str(_BRIDGE), "--pipe", procs.pipe,
                       "--connect-timeout", str(self.start_timeout),
                       "--office-group", str(procs.office.pid),
                       "--workdir", str(procs.workdir)]
            if self.hang_on:
                command += ["--hang-on", self.hang_on]
            # Own session too: Ctrl-C in a terminal must not kill it mid-letter; close()
            # and the finalizer stop it.
            procs.bridge = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=bridge_log,
                start_new_session=True, env=env, bufsize=0)
        line = self._read_line(time.monotonic() + self.start_timeout + 10)
        try:
            ready = bool(line) and json.loads(line or b"{}").get("ready") is True
        except ValueError:
            ready = False
        if not ready:
            detail = (line or b"").decode(errors="replace").strip() or self._log_tail()
            procs.kill()
            raise OfficeUnavailableError(
                f"LibreOffice ({self.install.soffice}) could not be started"
                + (f": {detail}" if detail else ""))

    def _log(self, name: str) -> IO[bytes]:
        return open(self._procs.workdir / name, "ab")  # closed by the caller's with

    def _log_tail(self) -> str:
        parts = []
        for name in ("bridge.log", "office.log"):
            with contextlib.suppress(OSError):
                text = (self._procs.workdir / name).read_text(errors="replace").strip()
                if text:
                    parts.append(text.splitlines()[-1][:300])
        return "; ".join(parts)
