"""A throwaway PostgreSQL server for the tests and the benchmarks (a helper, not a test).

``initdb`` makes a cluster in a temporary folder, ``pg_ctl`` starts it on 127.0.0.1 with a
free port (its socket in the same folder) and stops it; the folder is then removed. PostgreSQL
refuses to run as root: run as root (CI containers), the cluster belongs to the unprivileged
``postgres`` user Debian's package creates, and every server command runs through ``runuser``.

The tests' cluster runs with ``fsync = off`` (nothing in it must survive a power cut, and it
spares the shared disk); ``durable=True`` keeps PostgreSQL's defaults, which the allocation
benchmark measures.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVICE_USER = "postgres"


def find_bindir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: $PG_BINDIR, Debian's versioned folders, PATH."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed: run "
                       "scripts/install.sh (apt package postgresql)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ThrowawayPostgres:
    """One PostgreSQL cluster in a temporary folder, trust authentication on 127.0.0.1."""

    def __init__(self, *, durable: bool = False) -> None:
        self.bindir = find_bindir()
        self.port = free_port()
        self.durable = durable
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="nf-pg-"))  # /tmp: the service user can reach it
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.user = SERVICE_USER if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", SERVICE_USER, "--"] if self.as_root else []
        return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=180,
                              cwd=self.base, check=False)

    def start(self) -> ThrowawayPostgres:
        if self.as_root:
            try:
                entry = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise RuntimeError(f"as root, PostgreSQL needs the unprivileged user "
                                   f"{SERVICE_USER!r} (the apt package postgresql makes it)"
                                   ) from None
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -c max_connections=100"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                         "-o", options, "-w", "-t", "120", "start")
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}{log[-2000:]}")
        return self

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "-t", "60", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with contextlib.suppress(psycopg.Error), psycopg.connect(self.url(),
                                                                 autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
