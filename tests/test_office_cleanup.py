"""A killed owner leaves no LibreOffice working folder behind in the temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import processes
import pytest

import notice_factory.office._uno_bridge as _uno_bridge
from notice_factory.office import OfficeConverter
from notice_factory.office.reaper import OWNER_FILE, WORKDIR_PREFIX, start_time

pytestmark = [pytest.mark.office, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")]

REPO = Path(__file__).resolve().parent.parent
OLD = 3600.0  # an hour: past the sweep's minute, short of its day for ownerless folders


def _profile_users(workdir: Path) -> list[str]:
    """Command lines of live processes running the office of ``workdir``'s profile."""
    wanted = f"-env:UserInstallation={(workdir / 'profile').as_uri()}"
    return [" ".join(processes.cmdline(proc.pid))[:120]
            for proc in processes.with_argument(wanted)]


def _wait_for(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not check():
        time.sleep(0.2)


CHILD = """
import sys, time
from notice_factory.office import OfficeConverter
converter = OfficeConverter(hang_on="HANG")
converter.start()
print(converter._procs.workdir, flush=True)
if sys.argv[1] == "hang":  # the bridge is stuck on a document when the owner dies
    converter.convert(b"not even a document", name="HANG", timeout=600)
if sys.argv[1] == "close":
    converter.close()
    print("closed", flush=True)
time.sleep(600)
"""


def _start_child(scratch: Path, mode: str) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line, "the child never started LibreOffice"
    workdir = Path(line)
    assert workdir.parent == scratch and workdir.name.startswith(WORKDIR_PREFIX)
    return proc, workdir


@pytest.mark.parametrize("mode", ["idle", "hang"])
def test_killed_owner_leaves_no_folder_and_no_office(tmp_path: Path, mode: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc, workdir = _start_child(scratch, mode)
    try:
        assert (workdir / "profile").is_dir() and (workdir / OWNER_FILE).is_file()
        assert _profile_users(workdir), "no LibreOffice runs with the child's profile"
        if mode == "hang":
            _wait_for(lambda: any((workdir / "jobs").iterdir()), 30)
            assert any((workdir / "jobs").iterdir()), "the child sent no document"
        proc.kill()  # SIGKILL: no finalizer, no atexit
        proc.wait(timeout=30)
        _wait_for(lambda: not workdir.exists() and not _profile_users(workdir), 15)
        assert not _profile_users(workdir), "LibreOffice outlived its killed owner"
        assert not workdir.exists(), sorted(p.name for p in workdir.iterdir())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_closed_converter_removes_its_folder_while_owner_lives(tmp_path: Path) -> None:
    # The bridge must tell a close ("quit") from its owner's death; either way the
    # folder goes, and the owner is still running.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc, workdir = _start_child(scratch, "close")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "closed"
        assert not workdir.exists()
        assert not _profile_users(workdir)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _dead_owner() -> tuple[int, str]:
    """Pid and start time of a process that has exited."""
    child = subprocess.Popen(["sleep", "60"])
    start = start_time(child.pid)
    child.kill()
    child.wait()
    return child.pid, start


def _folder(base: Path, name: str, owner: tuple[int, str] | None, age: float) -> Path:
    folder = base / name
    (folder / "profile").mkdir(parents=True)
    (folder / "office.log").write_text("leftover\n")
    if owner is not None:
        (folder / OWNER_FILE).write_text(f"{owner[0]} {owner[1]}\n")
    stamp = time.time() - age
    os.utime(folder, (stamp, stamp))  # last: adding files refreshes the folder's mtime
    return folder


def test_new_converter_sweeps_folders_of_dead_owners(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    me = (os.getpid(), start_time(os.getpid()))
    dead = _dead_owner()
    stale = _folder(tmp_path, WORKDIR_PREFIX + "stale", dead, OLD)
    recycled = _folder(tmp_path, WORKDIR_PREFIX + "recycled", (me[0], "1"), OLD)
    unowned_old = _folder(tmp_path, WORKDIR_PREFIX + "unowned_old", None, 2 * 86400)
    live = _folder(tmp_path, WORKDIR_PREFIX + "live", me, OLD)
    fresh = _folder(tmp_path, WORKDIR_PREFIX + "fresh", dead, 0)
    unowned_recent = _folder(tmp_path, WORKDIR_PREFIX + "unowned_recent", None, OLD)
    other = _folder(tmp_path, "someone_else_office_x", dead, 2 * 86400)
    with OfficeConverter() as converter:
        own = converter._procs.workdir
        assert own.parent == tmp_path and own.is_dir()
        assert not stale.exists()
        assert not recycled.exists()  # same pid as a live process, other start time
        assert not unowned_old.exists()
        for kept in (live, fresh, unowned_recent, other):
            assert (kept / "office.log").is_file(), kept.name
    assert not own.exists()


def test_bridge_removes_only_converter_folders_in_the_temp_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch, elsewhere = tmp_path / "tmp", tmp_path / "elsewhere"
    for base in (scratch, elsewhere):
        (base / (WORKDIR_PREFIX + "x")).mkdir(parents=True)
    (scratch / "other").mkdir()
    (scratch / (WORKDIR_PREFIX + "link")).symlink_to(elsewhere / (WORKDIR_PREFIX + "x"))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert _uno_bridge._removable(str(scratch / (WORKDIR_PREFIX + "x")))
    assert not _uno_bridge._removable(str(elsewhere / (WORKDIR_PREFIX + "x")))
    assert not _uno_bridge._removable(str(scratch / "other"))
    assert not _uno_bridge._removable(str(scratch / (WORKDIR_PREFIX + "link")))
    assert not _uno_bridge._removable(str(scratch / (WORKDIR_PREFIX + "missing")))
    assert not _uno_bridge._removable(str(scratch / ".." / "tmp" / ".." / "elsewhere"
                                          / (WORKDIR_PREFIX + "x")))
    assert not _uno_bridge._removable("")
