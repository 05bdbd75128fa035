"""The README's promises: its library example runs as written, its commands exist."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from notice_factory.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block, "the README has no Python example"
    monkeypatch.chdir(ROOT)
    out = tmp_path / "letter.pdf"
    code = block.group(1).replace('Path("letter.pdf")', f"Path({str(out)!r})")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation, run as written
    assert out.read_bytes().startswith(b"%PDF")
    assert namespace["schedule"] is not None


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
