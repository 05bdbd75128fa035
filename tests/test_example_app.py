"""A calling application (tests/example_app/app.py) that uses the public API alone: it passes
``mypy --strict`` and runs a batch, imports the carrier's events and escalates."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from notice_factory.s10 import is_valid_s10

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "tests" / "example_app" / "app.py"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "MYPYPATH": str(REPO / "src")}


def test_the_app_imports_only_the_public_api() -> None:
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    ours = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            ours |= {a.name for a in node.names if a.name.startswith("notice_factory")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("notice_factory"):
            ours.add(node.module or "")
    assert ours == {"notice_factory"}
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "nf"}
    import notice_factory as nf

    assert used and used <= set(nf.__all__), sorted(used - set(nf.__all__))


def test_the_app_is_typed_strictly(tmp_path: Path) -> None:
    """mypy --strict on the app (outside the project's own configuration), the package read
    through its annotations."""
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(APP)],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_finds_a_misuse_of_the_api(tmp_path: Path) -> None:
    """The check above can fail: the API's types reach the caller."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import notice_factory as nf\n\n"
                     "def count(batch: nf.BatchResult) -> str:\n"
                     "    return batch.letters[0].pages\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(wrong)],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert out.returncode == 1 and 'Incompatible return value type (got "int"' in out.stdout


def test_the_app_runs_a_batch_imports_events_and_escalates(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(APP), str(tmp_path / "work")], env=_env(),
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    letters = summary["letters"]
    assert sorted((case, kind) for case, kind, _ in letters) == [
        ("FR-2026-0412", "reminder"), ("FR-2027-0158", "formal_notice")]
    numbers = [number for _, _, number in letters]
    assert all(is_valid_s10(n) for n in numbers) and len(set(numbers)) == 2
    assert summary["rejected"] == [] and summary["progress_calls"] == 2
    assert summary["print_files"] and summary["events_added"] == 2
    assert summary["outcomes"] == {n: "delivered" for n in numbers}
    decisions = {case: (decision, kind) for case, decision, kind in summary["next_letters"]}
    assert decisions["FR-2026-0412"] == ("send", "formal_notice")
    work = tmp_path / "work"
    assert (work / "batch" / "manifest.csv").is_file() and (work / "escalation.csv").is_file()


def test_the_app_reports_a_product_error_as_the_cli_would(tmp_path: Path) -> None:
    (tmp_path / "work" / "ledger.sqlite").parent.mkdir()
    (tmp_path / "work" / "ledger.sqlite").write_bytes(b"")  # a ledger is never replaced
    out = subprocess.run([sys.executable, str(APP), str(tmp_path / "work")], env=_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and out.stderr.startswith("Error: ")
    assert "ledger.sqlite" in out.stderr and out.stdout == ""
