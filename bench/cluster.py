#!/usr/bin/env python3
"""Benchmark of ``batch --cluster`` against the single-machine pool, and of the coordinator's
per-letter costs (numbering in PostgreSQL, merging, records): the inputs of docs/scaling.md.

Run from the repository root (see bench/README.md)::

    python bench/cluster.py --letters 200
    python bench/cluster.py --letters 200 --json > cluster.json

What one run does, on this machine and on 127.0.0.1 only:

1. generates N cases with bench/batch.py's seeded generator (the same mix of locales and
   kinds, Word letters included);
2. runs the real ``notice-factory batch`` three times on them, each with a fresh ledger made
   by ``ledger init``: on the single-machine pool (``--jobs 2``), then with ``--cluster`` on a
   real Dask scheduler with 1, then 2 ``notice-factory worker`` processes (started before the
   batch, their renderers warming on first use like the pool's), and checks the three batches
   wrote the same letters (sha256);
3. starts a throwaway PostgreSQL (durable settings: fsync on) and measures the ledger's
   allocation as a batch makes it (``allocate`` with fingerprints and folder, then
   ``mark_used``), in batches of 200 and of 5,000 letters, counting the statements sent per
   letter; the same on an SQLite file for comparison.

Nothing here asserts on timings: the figures are for people to read (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from pgserver import ThrowawayPostgres, free_port  # noqa: E402  (tests/pgserver.py)


def _bench_batch() -> ModuleType:
    """bench/batch.py, for its seeded case generator."""
    spec = importlib.util.spec_from_file_location("nf_bench_batch", REPO / "bench" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module

BATCH_DATE = dt.date(2026, 11, 23)
NF = [sys.executable, "-m", "notice_factory"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def new_ledger(path: Path) -> None:
    """A fresh ledger made as a user makes one (the demo profile, La Poste's list)."""
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    subprocess.run([*NF, "ledger", "init", str(path)], check=True, capture_output=True,
                   env=_env())
    subprocess.run([*NF, "ledger", "import-numbers",
                    str(REPO / "fixtures" / "la-poste-numbers-demo.txt"), "--operator",
                    "la-poste", "--ledger", str(path)], check=True, capture_output=True,
                   env=_env())


def run_batch(cases: Path, out: Path, ledger: Path, *extra: str) -> dict[str, Any]:
    """One real ``batch``, timed from launch; its stages from batch.json."""
    if out.exists():
        shutil.rmtree(out)
    new_ledger(ledger)
    cmd = [*NF, "batch", str(cases), "--out", str(out), "--ledger", str(ledger),
           "--date", BATCH_DATE.isoformat(), "--json", *extra]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=REPO)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 3):
        raise RuntimeError(f"batch failed ({done.returncode}): {done.stderr[-2000:]}")
    meta = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    letters = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted((out / "letters").rglob("*.pdf"))}
    stages = {k: float(v) for k, v in meta.get("timings_s", {}).items()}
    return {"command": " ".join(cmd[2:]), "wall_s": wall, "letters": len(letters),
            "stages_s": stages, "letters_sha256": letters,
            "manifest_sha256": hashlib.sha256((out / "manifest.csv").read_bytes()).hexdigest()}


class LocalDask:
    """A Dask scheduler and ``notice-factory worker`` processes on 127.0.0.1."""

    def __init__(self, work: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []
        self._start("scheduler", [sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port",
                                  self.address.rsplit(":", 1)[1], "--no-dashboard"])

    def _start(self, name: str, cmd: list[str]) -> None:
        with (self.work / f"{name}.log").open("wb") as log:
            self.procs.append(subprocess.Popen(cmd, env=_env(), cwd=self.work, stdout=log,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def add_worker(self, n: int) -> None:
        self._start(f"worker-{n}", [*NF, "worker", "--scheduler", self.address,
                                    "--name", f"bench-worker-{n}"])
        from distributed import Client

        # distributed's Client carries no annotations.
        with Client(self.address, timeout=60,  # type: ignore[no-untyped-call]
                    set_as_default=False) as client:
            client.wait_for_workers(n, timeout=180)

    def stop(self) -> None:
        for proc in reversed(self.procs):  # workers first, then the scheduler
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=60)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


# --- the ledger's allocation, as a batch makes it --------------------------------------


@contextlib.contextmanager
def counted(ledger: Any) -> Iterator[list[int]]:
    """Count the statements the ledger sends (execute and executemany calls)."""
    db = ledger.database
    calls = [0]
    plain, many = db.execute, db.executemany

    def execute(sql: str, params: Sequence[Any] = ()) -> Any:
        calls[0] += 1
        return plain(sql, params)

    def executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
        calls[0] += 1
        many(sql, rows)

    db.execute, db.executemany = execute, executemany
    try:
        yield calls
    finally:
        db.execute, db.executemany = plain, many


def allocation(target: Path | str, letters: int, per_batch: int) -> dict[str, Any]:
    """Allocate ``letters`` numbers in batches of ``per_batch`` (fingerprints and folder as
    the batch records them), then mark them used; time both."""
    from notice_factory.ledger import Ledger, LetterKey, init_ledger
    from notice_factory.settings import PostalAccount, SerialRange

    account = PostalAccount("La Poste", "FR", "Paris Louvre", "C-42",
                            (SerialRange("RR", 0, 99_999_999),))
    init_ledger(target, [account])
    alloc_s = used_s = 0.0
    statements = 0
    with Ledger(target) as led:
        for b in range(0, letters, per_batch):
            keys = [LetterKey(f"C-{b + i:07d}", "formal_notice", BATCH_DATE)
                    for i in range(min(per_batch, letters - b))]
            prints = {k: hashlib.sha256(k.case_id.encode()).hexdigest() for k in keys}
            with counted(led) as calls:
                t0 = time.perf_counter()
                got = led.allocate(keys, account, f"b{b}", fingerprints=prints,
                                   folder=f"bench:/out/b{b}")
                t1 = time.perf_counter()
                led.mark_used(got.values())
                t2 = time.perf_counter()
            alloc_s += t1 - t0
            used_s += t2 - t1
            statements += calls[0]
        assert led.count("used") == letters
    return {"letters": letters, "per_batch": per_batch, "allocate_s": alloc_s,
            "mark_used_s": used_s, "ms_per_letter": 1000 * (alloc_s + used_s) / letters,
            "letters_per_s": letters / (alloc_s + used_s),
            "statements_per_letter": statements / letters}


def ledger_figures(work: Path, letters: int) -> dict[str, Any]:
    out: dict[str, Any] = {"postgresql": [], "sqlite": []}
    server = ThrowawayPostgres(durable=True).start()
    try:
        for n, per_batch in enumerate((200, 5000)):
            url = server.create_database(f"bench_{n}")
            out["postgresql"].append(allocation(url, letters, per_batch))
    finally:
        server.stop()
    for per_batch in (200, 5000):
        path = work / f"alloc-{per_batch}.sqlite"
        out["sqlite"].append(allocation(path, letters, per_batch))
    return out


# --- the run ---------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="nf-bench-cluster-"))
    try:
        cases = work / "cases.csv"
        generator = _bench_batch()
        generator.write_cases_csv(generator.generate_cases(args.letters, args.seed), cases)
        runs: dict[str, Any] = {}
        runs["pool_2_processes"] = run_batch(cases, work / "local", work / "l.sqlite",
                                             "--jobs", "2")
        dask = LocalDask(work)
        try:
            for n in (1, 2):
                dask.add_worker(n)
                runs[f"cluster_{n}_worker{'s' if n > 1 else ''}"] = run_batch(
                    cases, work / f"cluster{n}", work / f"c{n}.sqlite", "--cluster",
                    dask.address, "--jobs", "2")
        finally:
            dask.stop()
        local = runs["pool_2_processes"]
        reference = (dict(local["letters_sha256"]), local["manifest_sha256"])
        for run in runs.values():
            run["same_letters_as_pool"] = run.pop("letters_sha256") == reference[0]
            run["same_manifest_as_pool"] = run["manifest_sha256"] == reference[1]
            run["letters_per_s"] = run["letters"] / run["wall_s"]
            run["ratio_to_pool"] = local["wall_s"] / run["wall_s"]
            run["overhead_ms_per_letter"] = 1000 * (run["wall_s"] - local["wall_s"]) / max(
                1, run["letters"])
        return {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()},
                "letters_requested": args.letters, "seed": args.seed, "runs": runs,
                "ledger": ledger_figures(work, args.alloc_letters)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render_text(r: dict[str, Any]) -> str:
    lines = [f"bench/cluster.py: {r['letters_requested']} letters, {r['machine']['cpus']} cpus,"
             f" Python {r['machine']['python']}", "",
             f"{'run':<20} {'wall s':>8} {'letters/s':>9} {'vs pool':>8} {'+ms/letter':>10}"
             f" {'number':>7} {'render':>7} {'merge':>6} {'records':>7}  same files"]
    for name, run in r["runs"].items():
        st = run["stages_s"]
        lines.append(
            f"{name:<20} {run['wall_s']:>8.1f} {run['letters_per_s']:>9.2f} "
            f"{run['ratio_to_pool']:>7.2f}x {run['overhead_ms_per_letter']:>10.0f} "
            f"{st.get('number', 0):>7.2f} {st.get('render', 0):>7.1f} {st.get('merge', 0):>6.2f}"
            f" {st.get('manifest', 0):>7.2f}  "
            f"{run['same_letters_as_pool'] and run['same_manifest_as_pool']}")
    lines += ["", "ledger allocation (allocate with fingerprints and folder + mark_used):"]
    for backend, rows in r["ledger"].items():
        for a in rows:
            lines.append(f"  {backend:<10} {a['letters']} letters in batches of "
                         f"{a['per_batch']:>5}: {a['ms_per_letter']:.3f} ms/letter "
                         f"({a['letters_per_s']:.0f} letters/s), "
                         f"{a['statements_per_letter']:.2f} statements/letter")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--letters", type=int, default=200, help="cases per batch (default 200)")
    p.add_argument("--alloc-letters", type=int, default=10_000,
                   help="numbers allocated by the ledger measurement (default 10,000)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the case generator")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    result = bench(args)
    print(json.dumps(result, indent=2) if args.json else render_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
