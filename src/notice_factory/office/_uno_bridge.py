"""Bridge between notice_factory and a running LibreOffice, run by the SYSTEM Python.

This file is executed by path with the interpreter that has ``python3-uno``
(``/usr/bin/python3`` on Debian), never imported by notice_factory: the
product's own Python usually cannot ``import uno``. It therefore uses only the
standard library and ``uno``, and must stay compatible with the system Python.

Protocol (one JSON object per line, UTF-8):

* after connecting to the office it prints ``{"ready": true}``
  (or ``{"ready": false, "error": "..."}`` and exits);
* then for each request ``{"in": "/path/a.docx", "out": "/path/a.pdf"}`` read on
  stdin it answers ``{"ok": true}`` or
  ``{"ok": false, "stage": "ping" | "convert", "error": "..."}``. The stage
  tells the parent whether the office was already gone before this document was
  touched ("ping": not the document's fault, retry it) or failed while
  converting it ("convert").
* ``{"quit": true}`` (sent by the parent's close) or end of stdin: it asks the
  office to terminate and exits.

``--office-group PGID`` names the office's process group: when the process that
started the bridge dies without closing it (``kill -9`` of a batch), the bridge
kills that group and exits, so no LibreOffice outlives the batch. The same happens
when the parent stops reading answers (broken pipe) or at end of stdin.

``--workdir DIR`` is the converter's working folder (office profile, logs, jobs).
When the parent died without closing the converter, nobody else would remove it:
the bridge waits until the office processes are really gone (they write into the
profile), then removes the folder, but only a folder named ``notice_factory_office_*``
lying directly in the temporary directory. A parent that closes the converter says
so with ``{"quit": true}`` and removes the folder itself.

``--hang-on TEXT`` is a test hook: a document whose file name contains TEXT
makes the bridge sleep forever, so tests can exercise the parent's timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import Any, NoReturn

WORKDIR_PREFIX = "notice_factory_office_"  # same as office.py's mkdtemp prefix
GONE_TIMEOUT = 30.0  # how long to wait for the killed office before leaving its folder
PARENT_GONE_WAIT = 5.0  # end of stdin comes a moment before the bridge is re-parented


def _props(**values: Any) -> tuple[Any, ...]:
    # Imported here, not at the top: pytest's doctest collection and mypy import this
    # file with the product's Python, which has no uno.
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name = name
        p.Value = value
        out.append(p)
    return tuple(out)


def _connect(pipe: str, timeout: float) -> Any:
    """Resolve the office's Desktop, retrying while the office starts up."""
    import uno

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(url)
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:  # NoConnectException until soffice listens on the pipe
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _convert(desktop: Any, src: str, dst: str) -> None:
    import uno

    # Hidden: no window; MacroExecutionMode 0 = never run macros; UpdateDocMode 0 =
    # never update links, so a document cannot make the office fetch anything.
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(src), "_blank", 0,
        _props(Hidden=True, ReadOnly=True, FilterName="MS Word 2007 XML",
               MacroExecutionMode=0, UpdateDocMode=0))
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        _no_asian_latin_autospace(doc)
        doc.storeToURL(uno.systemPathToFileUrl(dst), _props(FilterName="writer_pdf_Export"))
    finally:
        try:
            doc.close(True)
        except Exception:  # a close veto must not hide the conversion's own result
            doc.dispose()


def _no_asian_latin_autospace(doc: Any) -> None:
    """Turn off the extra space LibreOffice draws between Chinese and Latin characters.

    It is layout, not text, but a PDF reader extracts the gap as a space ("2026 年 11 月"),
    and LibreOffice ignores Word's own switch for it (w:autoSpaceDE/DN) when it opens a .docx.
    Set once on the document's defaults (the converted copy's; the template is not touched),
    which every paragraph style inherits: the Word import sets it on none of them. Setting it
    style by style on the styles in use, as before, cost about 100 ms of the bridge's and 100
    ms of the office's CPU per document (one UNO round trip per style and question) for the
    same pixels (bench/word.py --compare).
    """
    defaults = doc.createInstance("com.sun.star.text.Defaults")
    defaults.setPropertyValue("ParaIsCharacterDistance", False)


def _describe(exc: BaseException) -> str:
    # UNO exceptions carry their text in .Message; str() of them is often empty.
    return f"{type(exc).__name__}: {getattr(exc, 'Message', '') or exc}"


def _answer(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _kill_office(group: int) -> None:
    if group > 0:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


def _proc_stat(pid: str) -> list[str] | None:
    """Fields 3.. of /proc/PID/stat (state first), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode(errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _office_running(group: int, workdir: str) -> list[int]:
    """Live (not zombie) processes of the office group or using the folder's profile.

    Both: the group is what was killed, the profile is what matters to the folder.
    """
    profile = f"-env:UserInstallation={_profile_uri(workdir)}" if workdir else None
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        fields = _proc_stat(entry)
        if fields is None or fields[0] in ("Z", "X"):
            continue
        if group > 0 and fields[2] == str(group):
            found.append(int(entry))
            continue
        if profile is None:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                args = fh.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if profile in args:
            found.append(int(entry))
    return found


def _profile_uri(workdir: str) -> str:
    # As office.py writes it: Path(workdir, "profile").as_uri().
    return pathlib.Path(os.path.abspath(workdir), "profile").as_uri()


def _removable(workdir: str) -> bool:
    """Only the converter's own kind of folder, directly in the temporary directory."""
    if not workdir:
        return False
    path = os.path.abspath(workdir)
    if not os.path.basename(path).startswith(WORKDIR_PREFIX):
        return False
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    return os.path.realpath(os.path.dirname(path)) == os.path.realpath(tempfile.gettempdir())


def _wait_office_gone(group: int, workdir: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _kill_office(group)  # again: a restarting soffice.bin may appear late in the group
        left = _office_running(group, workdir)
        if not left:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in left:  # a profile user outside the group: nobody will need it either
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


_abandon_lock = threading.Lock()


def _abandon(group: int, workdir: str) -> NoReturn:
    """The parent is gone: kill the office, remove the working folder, exit.

    Both the watcher thread and the main thread (end of stdin, broken pipe) may get
    here; the lock lets one of them do it while the other waits for the exit.
    """
    with _abandon_lock:
        _kill_office(group)
        # Removing the folder while soffice.bin still writes its profile would leave a
        # half-made folder behind; if it will not die, leave the folder to the sweep
        # that the next converter runs.
        if _removable(workdir) and _wait_office_gone(group, workdir, GONE_TIMEOUT):
            shutil.rmtree(workdir, ignore_errors=True)
        os._exit(1)


def _parent_gone(parent: int, wait: float) -> bool:
    """Whether the bridge was re-parented, waiting up to ``wait`` seconds for it.

    A dying parent's pipes close before its children are handed to a new parent, so
    end of stdin can arrive a moment before ``getppid`` changes.
    """
    deadline = time.monotonic() + wait
    while os.getppid() == parent:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _watch_parent(parent: int, group: int, workdir: str) -> None:
    """Kill the office and leave once the parent is gone (the bridge is re-parented)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _abandon(group, workdir)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipe", required=True)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--hang-on", default="")
    parser.add_argument("--office-group", type=int, default=0)
    parser.add_argument("--workdir", default="")
    args = parser.parse_args()
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent, args.office_group, args.workdir),
                     daemon=True).start()
    broken = False
    try:
        status = _serve(args)
    except OSError:  # the parent stopped reading (it died): nobody will close the office
        _kill_office(args.office_group)
        status, broken = 1, True
    # End of input without "quit", or a broken pipe: the parent may have died. Not after
    # "quit" (the parent is waiting for this process to exit: waiting for it to go away
    # would only delay every close by PARENT_GONE_WAIT).
    if (status == 2 or broken) and _parent_gone(parent, PARENT_GONE_WAIT):
        _abandon(args.office_group, args.workdir)
    return 1 if status == 1 else 0


def _serve(args: argparse.Namespace) -> int:
    """Answer jobs until told to quit (-1) or until end of stdin (2); 1: no office."""
    try:
        desktop = _connect(args.pipe, args.connect_timeout)
    except Exception as exc:
        _answer({"ready": False, "error": _describe(exc)})
        return 1
    _answer({"ready": True})
    status = 2  # end of stdin without "quit": the parent may have died
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        if job.get("quit"):
            status = -1
            break
        if args.hang_on and args.hang_on in job["in"]:
            while True:
                time.sleep(3600)
        try:
            desktop.getFrames()  # cheap round trip: is the office still there?
        except Exception as exc:
            _answer({"ok": False, "stage": "ping", "error": _describe(exc)})
            continue
        try:
            _convert(desktop, job["in"], job["out"])
        except Exception as exc:
            _answer({"ok": False, "stage": "convert",
                     "error": _describe(exc)})
        else:
            _answer({"ok": True})
    # The office may already be gone; the parent kills its process group anyway.
    with contextlib.suppress(Exception):
        desktop.terminate()
    return status


if __name__ == "__main__":
    sys.exit(main())
