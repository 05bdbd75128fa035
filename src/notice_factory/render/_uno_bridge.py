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
* end of stdin: it asks the office to terminate and exits.

``--office-group PGID`` names the office's process group: when the process that
started the bridge dies without closing it (``kill -9`` of a batch), the bridge
kills that group and exits, so no LibreOffice outlives the batch. The same happens
when the parent stops reading answers (broken pipe) or at end of stdin.

``--hang-on TEXT`` is a test hook: a document whose file name contains TEXT
makes the bridge sleep forever, so tests can exercise the parent's timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from typing import Any


def _props(**values: Any) -> tuple[Any, ...]:
    # Imported here, not at the top: pytest's doctest collection and mypy import this
    # file with the product's Python, which has no uno.
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name = name
        p.Value = value
        out.append(p)
    return tuple(out)


def _connect(pipe: str, timeout: float) -> Any:
    """Resolve the office's Desktop, retrying while the office starts up."""
    import uno  # type: ignore[import-not-found]

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
        doc.storeToURL(uno.systemPathToFileUrl(dst), _props(FilterName="writer_pdf_Export"))
    finally:
        try:
            doc.close(True)
        except Exception:  # a close veto must not hide the conversion's own result
            doc.dispose()


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


def _watch_parent(parent: int, group: int) -> None:
    """Kill the office and leave once the parent is gone (the bridge is re-parented)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _kill_office(group)
    os._exit(1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipe", required=True)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--hang-on", default="")
    parser.add_argument("--office-group", type=int, default=0)
    args = parser.parse_args()
    threading.Thread(target=_watch_parent, args=(os.getppid(), args.office_group),
                     daemon=True).start()
    try:
        return _serve(args)
    except OSError:  # the parent stopped reading (it died): nobody will close the office
        _kill_office(args.office_group)
        return 1


def _serve(args: argparse.Namespace) -> int:
    try:
        desktop = _connect(args.pipe, args.connect_timeout)
    except Exception as exc:
        _answer({"ready": False, "error": _describe(exc)})
        return 1
    _answer({"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
