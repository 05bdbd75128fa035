"""Importing is cheap, and the modules are layered as docs/design.md says (click's pattern).

Each check runs in a fresh interpreter, so what it sees is what the import itself loads.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "notice_factory"

#: Third-party engines that cost hundreds of milliseconds to import, or that a light
#: module has no business loading.
HEAVY = ("weasyprint", "pypdf", "pikepdf", "jinja2", "babel", "PIL", "lxml", "fontTools",
         "docx", "docxtpl", "markupsafe", "segno", "psutil", "typst")

#: Modules every process (the CLI's --help, `plan`, every worker) imports first: they
#: load none of HEAVY.
LIGHT = ("notice_factory", "notice_factory.errors", "notice_factory.model",
         "notice_factory.s10", "notice_factory.rules", "notice_factory.schedule",
         "notice_factory.settings", "notice_factory.fsutil", "notice_factory.cli",
         "notice_factory.api")

_PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(module: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", _PROBE.format(module=module)], env=env,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    names: list[str] = json.loads(out)
    return names


@pytest.mark.parametrize("module", LIGHT)
def test_light_module_loads_no_engine(module: str) -> None:
    heavy = sorted({m for m in loaded_by(module) if m.split(".")[0] in HEAVY})
    assert heavy == [], f"import {module} loads {heavy}"


def test_errors_load_no_other_part_of_the_product() -> None:
    mine = {m for m in loaded_by("notice_factory.errors") if m.startswith("notice_factory")}
    assert mine == {"notice_factory", "notice_factory.errors"}


def test_public_api_resolves_lazily_and_has_no_stdlib_names() -> None:
    import notice_factory as nf

    assert "Decimal" not in nf.__all__ and "date" not in nf.__all__
    for name in nf.__all__:
        assert getattr(nf, name) is not None, name
    with pytest.raises(AttributeError):
        nf.Decimal  # noqa: B018  (a standard-library name is not re-exported)


# --------------------------------------------------------------------------- layering


def design_order() -> list[str]:
    """Module paths (relative to src/notice_factory) in the order of docs/design.md."""
    text = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    table = text.split("## Pipeline, read off the file list", 1)[1].split("\n## ", 1)[0]
    order: list[str] = []
    for line in table.splitlines():
        if line.startswith("| `"):
            order += re.findall(r"`([^`]+)`", line.split("|")[1])
    return order


def _rank(path: Path, order: list[str]) -> int | None:
    rel = path.relative_to(SRC).as_posix()
    for i, entry in enumerate(order):
        if rel == entry or (entry.endswith("/") and rel.startswith(entry)):
            return i
    return None


def _target(name: str) -> Path | None:
    """The source file of ``notice_factory.a.b`` (module or package)."""
    parts = name.split(".")[1:]
    if not parts:
        return None
    base = SRC.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """Every ``notice_factory`` module a file imports, at any level (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(["notice_factory", *path.relative_to(SRC).with_suffix("").parts])
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("notice_factory."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                if path.name != "__init__.py" or node.level > 1:
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            if not base.startswith("notice_factory"):
                continue
            for alias in node.names:  # `from notice_factory import formatting` names a module
                sub = f"{base}.{alias.name}"
                found.add(sub if _target(sub) is not None and base != sub else base)
    # Importing `notice_factory.pkg.x` from outside `pkg` first runs `pkg/__init__.py`.
    for name in list(found):
        parent = name.rsplit(".", 1)[0]
        if parent != "notice_factory" and not package.startswith(parent):
            found.add(parent)
    return found


def _type_checking_only(path: Path) -> set[str]:
    """Modules imported only under ``if TYPE_CHECKING:`` (no runtime dependency)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    names.add(inner.module)
    return names


def test_every_module_is_in_the_design_order() -> None:
    order = design_order()
    missing = [p.relative_to(SRC).as_posix() for p in sorted(SRC.rglob("*.py"))
               if p.name != "__main__.py" and _rank(p, order) is None
               and p.relative_to(SRC).as_posix() != "__init__.py"]
    assert missing == [], f"add these to docs/design.md's module table: {missing}"


def forward_imports(order: list[str]) -> list[str]:
    """Each import of a module that ``order`` puts later than the importer."""
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        rank = _rank(path, order)
        if rank is None:  # the package's __init__ (public API) and __main__ sit above all
            continue
        for name in sorted(imported_modules(path) - _type_checking_only(path)):
            target = _target(name)
            if target is None or target == path:
                continue
            other = _rank(target, order)
            if other is not None and other > rank:
                wrong.append(f"{path.relative_to(SRC)} imports {name} "
                             f"({target.relative_to(SRC)}, later in docs/design.md)")
    return wrong


def test_no_module_imports_a_later_one() -> None:
    assert forward_imports(design_order()) == []


def test_the_layering_check_can_fail() -> None:
    backwards = forward_imports(list(reversed(design_order())))
    assert any(w.startswith("errors.py") is False and "notice_factory.errors" in w
               for w in backwards)


def test_the_batch_process_does_not_load_weasyprint_before_its_letters() -> None:
    """Issue 16: the batch process renders no letter (its workers do), and WeasyPrint takes
    0.5 s to import: importing the pipeline, the API and the CLI leaves it for the slips."""
    code = ("import sys, notice_factory.pipeline, notice_factory.api, notice_factory.cli; "
            "print(sorted(m for m in ('weasyprint', 'typst', 'docxtpl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout
