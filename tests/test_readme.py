"""The README's promises: its library example runs as written, its commands exist."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from notice_factory.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_library_examples_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Every ```python block of the README, in order and unchanged, in a folder holding only
    the fixtures: a batch, a tracking import and an escalation through the public API."""
    blocks = python_blocks()
    assert len(blocks) >= 2, "the README's library section has lost its examples"
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "readme"}
    for i, block in enumerate(blocks):
        # our own documentation, run as written
        exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
    assert (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF")
    batch, imported = namespace["batch"], namespace["imported"]
    assert batch.letters and (tmp_path / "out/lib/batch/manifest.csv").is_file()
    assert all(x.file.is_file() and x.print_file.is_file() for x in batch.letters)
    french = [x for x in batch.letters if x.locale == "fr_FR" and x.tracking_number]
    assert imported.added == len(french) > 0 and not imported.problems
    delivered = {x.case_id for x in namespace["report"].letters if x.outcome == "delivered"}
    assert delivered == {x.case_id for x in french}
    decisions = namespace["escalation"].decisions
    assert len(decisions) == len(namespace["result"].cases) + len(namespace["result"].rejects)
    assert (tmp_path / "out/lib/today.csv").is_file()
    assert (tmp_path / "out/lib/escalation.csv").is_file()
    assert "event(s) added" in capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(set(re.findall(r"notice-factory (\w+)", README))))
def test_every_documented_command_exists(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output.lower()


def test_readme_commands_are_scripts_that_exist() -> None:
    for script in re.findall(r"`bash (scripts/\S+\.sh)`", README):
        path = ROOT / script
        assert path.is_file() and os.access(path, os.R_OK), script
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
