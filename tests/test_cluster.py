"""`batch --cluster`: letters rendered by a real Dask cluster (a scheduler and two
`notice-factory worker` processes on 127.0.0.1, see conftest.dask_cluster), judged against
the same batch made on this machine.

Every batch is a real `notice-factory batch` subprocess; the cluster's workers are real
processes that a test kills. Batches are small (ten letters, two of them Word letters)
because the machine is shared.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from conftest import BATCH_DATE, DEMO_CASES, REPO, TEMPLATES, DaskCluster, demo_ledger
from test_batch import BatchRun, child_env, derived_cases, explain, ledger_rows, run_batch

from notice_factory.cluster import Fingerprint, fingerprint, render_remote
from notice_factory.errors import ClusterError

pytestmark = pytest.mark.slow

PICKS = ("FR-2026-0001", "FR-2026-0002", "FR-2026-0003", "FR-2026-0004", "CN-2026-0001",
         "CN-2026-0002", "CN-2026-0005", "RO-2026-0001", "RO-2026-0002", "RO-2026-0004")


def tree_digests(out: Path) -> dict[str, str]:
    """sha256 of every file the batch wrote, by path (batch.json aside: it holds timings; the
    folder's own bookkeeping in .notice-factory/ aside: its lock names the process)."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "batch.json"
            and ".notice-factory" not in p.relative_to(out).parts}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cluster-cases") / "cases.csv"
    derived_cases(path, "CL", picks=PICKS)
    return path


@pytest.fixture(scope="module")
def local_batch(cases: Path, tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    base = tmp_path_factory.mktemp("local")
    run = run_batch(cases, base / "out", base / "ledger.sqlite")
    assert run.returncode == 0, explain(run)
    return run


@pytest.fixture(scope="module")
def cluster_batch(cases: Path, dask_cluster: DaskCluster,
                  tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    base = tmp_path_factory.mktemp("cluster")
    run = run_batch(cases, base / "out", base / "ledger.sqlite", "--cluster",
                    dask_cluster.address, "--json")
    assert run.returncode == 0, explain(run)
    return run


def test_cluster_batch_is_byte_identical_to_the_local_one(local_batch: BatchRun,
                                                          cluster_batch: BatchRun) -> None:
    local, remote = tree_digests(local_batch.out), tree_digests(cluster_batch.out)
    assert sorted(remote) == sorted(local)
    assert len([p for p in local if p.startswith("letters/")]) == len(PICKS)
    assert any(p.startswith("print/") for p in local)
    assert any(p.startswith("deposit-slips/") for p in local)
    different = sorted(p for p in local if local[p] != remote[p])
    assert different == [], f"files that differ from the local batch: {different}"
    assert cluster_batch.rows == local_batch.rows  # manifest.csv, row by row
    assert cluster_batch.json_rows == local_batch.json_rows


def test_cluster_batch_records_where_it_was_rendered(cluster_batch: BatchRun,
                                                     dask_cluster: DaskCluster) -> None:
    data = cluster_batch.batch_json
    assert data["cluster"]["scheduler"] == dask_cluster.address
    assert data["cluster"]["workers"] == 2
    assert data["cluster"]["templates_sha256"] == fingerprint(TEMPLATES).templates
    assert sum(e["letters"] for e in data["engines"].values()) == len(PICKS)
    assert data["engines"]["docx"]["letters"] == 2  # LibreOffice ran on the workers


def test_cluster_batch_uses_every_number_once(cluster_batch: BatchRun) -> None:
    rows = ledger_rows(cluster_batch.ledger)
    assert Counter(r["state"] for r in rows) == Counter({"used": len(PICKS)})
    assert sorted(r["number"] for r in rows) == sorted(cluster_batch.numbers().values())


def test_cluster_batch_on_a_shared_postgresql_ledger(cases: Path, local_batch: BatchRun,
                                                    dask_cluster: DaskCluster, pg_url: str,
                                                    tmp_path: Path) -> None:
    """Past one machine on both counts: rendered by the cluster, numbered in PostgreSQL, and
    still the same files as the local batch on an SQLite ledger."""
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "notice_factory", "batch", str(cases), "--out", str(out),
         "--ledger", demo_ledger(pg_url), "--date", BATCH_DATE.isoformat(), "--cluster",
         dask_cluster.address], cwd=REPO, env=child_env(), capture_output=True, text=True,
        timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    assert tree_digests(out) == tree_digests(local_batch.out)
    with psycopg.connect(pg_url) as db:
        rows = db.execute("SELECT number, state FROM numbers").fetchall()
    assert sorted(n for n, _ in rows) == sorted(local_batch.numbers().values())
    assert {state for _, state in rows} == {"used"}


def test_worker_killed_mid_batch_its_letters_rendered_elsewhere(
        cases: Path, local_batch: BatchRun, dask_cluster: DaskCluster, tmp_path: Path) -> None:
    dask_cluster.wait_for_workers(2)
    before = dask_cluster.worker_pids()
    victim = next(r["case_id"] for r in local_batch.rows if r["case_id"].endswith("CN-2026-0002"))
    (dask_cluster.die_dir / victim).touch()  # the first worker that takes it dies

    run = run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite", "--cluster",
                    dask_cluster.address)

    assert run.returncode == 0, explain(run)
    assert not (dask_cluster.die_dir / victim).exists(), "no worker took the letter"
    dask_cluster.wait_for_workers(2)  # the nanny restarted the killed worker
    after = dask_cluster.worker_pids()
    assert set(before.values()) - set(after.values()), "no worker process died"
    # Every letter landed once, identical to the local batch; every number used once.
    assert tree_digests(run.out) == tree_digests(local_batch.out)
    rows = ledger_rows(run.ledger)
    assert len({r["number"] for r in rows}) == len(rows) == len(PICKS)
    assert {r["state"] for r in rows} == {"used"}


def test_other_templates_refused_before_any_number(cases: Path, dask_cluster: DaskCluster,
                                                   tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    letter = templates / "fr" / "commitment_form" / "letter.html"
    letter.write_text(letter.read_text(encoding="utf-8").replace("</p>", " </p>", 1),
                      encoding="utf-8")

    run = run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite", "--cluster",
                    dask_cluster.address, "--templates", str(templates))

    assert run.returncode == 1, explain(run)
    assert "templates tree sha256" in run.stderr
    assert "No registered number was spent" in run.stderr
    assert ledger_rows(run.ledger) == []  # made by `ledger init`, untouched
    assert not (run.out / "letters").exists()


def test_worker_refuses_a_letter_sent_with_another_fingerprint(
        dask_cluster: DaskCluster) -> None:
    from distributed import Client

    from notice_factory.settings import load_sender_profile
    from notice_factory.workers import Job, Made

    case = DEMO_CASES[0]
    job = Job(case, load_sender_profile().entity(case.locale), BATCH_DATE, "",
              Path("unused.pdf"))
    ours = fingerprint(TEMPLATES)
    with Client(dask_cluster.address, timeout=60, set_as_default=False) as client:
        made = client.submit(render_remote, job, ours, pure=False).result()
        assert isinstance(made, Made) and made.pdf.startswith(b"%PDF")
        other = Fingerprint("0" * 64, ours.code)
        with pytest.raises(ClusterError, match="holds other templates or code"):
            client.submit(render_remote, job, other, pure=False).result()


def test_unreachable_scheduler_fails_before_any_number(cases: Path, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**child_env(), "NOTICE_FACTORY_CLUSTER_TIMEOUT": "3"}
    run = run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite", "--cluster",
                    f"tcp://127.0.0.1:{port}", env=env)
    assert run.returncode == 1, explain(run)
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in run.stderr
    assert "No registered number was spent" in run.stderr
    assert ledger_rows(run.ledger) == []  # made by `ledger init`, untouched
    assert not (run.out / "letters").exists()


def test_the_coordinator_needs_no_libreoffice(cases: Path, local_batch: BatchRun,
                                              dask_cluster: DaskCluster, tmp_path: Path) -> None:
    """The workers convert the Word letters: the pre-flight's LibreOffice check (issue 11) is
    not made on the machine that only numbers and merges."""
    run = run_batch(cases, tmp_path / "out", tmp_path / "ledger.sqlite", "--cluster",
                    dask_cluster.address,
                    env=child_env() | {"NOTICE_FACTORY_SOFFICE": "/nonexistent/soffice"})
    assert run.returncode == 0, explain(run)
    assert tree_digests(run.out) == tree_digests(local_batch.out)
