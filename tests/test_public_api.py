"""The public API (``notice_factory.__all__``): every name documented with a runnable example,
the same list for type checkers and at run time, and importable without loading an engine."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import notice_factory as nf

REPO = Path(__file__).resolve().parent.parent
INIT = REPO / "src" / "notice_factory" / "__init__.py"

#: The engines a public name must not load before it is used (tests/test_imports.py's list).
ENGINES = ("weasyprint", "pypdf", "pikepdf", "jinja2", "babel", "PIL", "lxml", "fontTools",
           "docx", "docxtpl", "markupsafe", "segno", "psutil", "psycopg", "distributed")

PUBLIC = [name for name in nf.__all__ if name != "__version__"]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_documented_with_an_example(name: str) -> None:
    """A docstring of its own (not a dataclass's generated signature) with a doctest, which
    --doctest-modules runs where the name is defined."""
    obj = getattr(nf, name)
    doc = obj.__doc__ or ""
    assert doc.strip() and not doc.startswith(f"{name}("), f"{name} has no docstring"
    assert ">>>" in doc, f"{name}'s docstring has no runnable example"
    module = inspect.getmodule(obj)
    assert module is not None and module.__name__.startswith("notice_factory."), name


def test_public_functions_and_methods_say_what_they_return() -> None:
    """Typed: every public function, and every public method of a public class, annotates its
    parameters and return (mypy --strict checks they are right)."""
    missing = []
    for name in PUBLIC:
        obj = getattr(nf, name)
        members = [(name, obj)] if inspect.isfunction(obj) else [
            (f"{name}.{m}", f) for m, f in vars(obj).items()
            if inspect.isfunction(f) and not m.startswith("_")] if inspect.isclass(obj) else []
        for label, fn in members:
            sig = inspect.signature(fn)
            if "return" not in fn.__annotations__ or any(
                    p.annotation is inspect.Parameter.empty for p in sig.parameters.values()
                    if p.name != "self"):
                missing.append(label)
    assert missing == []


def test_every_error_the_product_raises_is_public() -> None:
    """A caller can catch each error by its name (CaseErrors travels as a CaseError)."""
    from notice_factory import errors

    classes = {name for name, obj in vars(errors).items() if inspect.isclass(obj)
               and issubclass(obj, errors.NoticeFactoryError) and name != "CaseErrors"}
    assert classes - set(PUBLIC) == set()


def _exports() -> tuple[set[str], set[str]]:
    """(names the TYPE_CHECKING block re-exports, names of _EXPORTS), read from the source."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    typed: set[str] = set()
    runtime: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    assert all(a.asname == a.name for a in inner.names), "explicit re-exports"
                    typed |= {a.asname or a.name for a in inner.names}
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "_EXPORTS":
            assert isinstance(node.value, ast.Dict)
            runtime |= {str(k.value) for k in node.value.keys if isinstance(k, ast.Constant)}
    return typed, runtime


def test_type_checkers_and_the_runtime_see_the_same_names() -> None:
    typed, runtime = _exports()
    assert typed == runtime == set(PUBLIC)
    for name in PUBLIC:  # each re-export is the object its module defines
        obj = getattr(nf, name)
        assert getattr(sys.modules[obj.__module__], name) is obj


_PROBE = """
import json, sys
import notice_factory as nf
for name in nf.__all__:
    getattr(nf, name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {engines!r})
ours = sorted(m for m in sys.modules if m.startswith("notice_factory"))
print(json.dumps({{"engines": loaded, "ours": ours}}))
"""


def test_every_public_name_resolves_without_loading_an_engine() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", _PROBE.format(engines=ENGINES)], env=env,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    seen = json.loads(out)
    assert seen["engines"] == []
    # what does the work is loaded by a call, not by the name
    assert "notice_factory.pipeline" not in seen["ours"]
    assert "notice_factory.render" not in seen["ours"]


_USED = """
import datetime as dt, json, sys
import notice_factory as nf
nf.read_case_file(sys.argv[1], batch_date=dt.date(2026, 11, 23))
print(json.dumps("babel" in sys.modules))
"""


def test_an_engine_loads_when_it_is_used(tmp_path: Path) -> None:
    """The probe above can fail: reading a case file (which formats amounts) loads Babel."""
    sample = nf.templates_root() / "fr" / "reminder" / "sample.json"
    cases = tmp_path / "cases.json"
    cases.write_text(f"[{sample.read_text('utf-8')}]", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", _USED, str(cases)], env=env,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert json.loads(out) is True


def test_the_api_reference_builds_from_the_docstrings(tmp_path: Path) -> None:
    """README's command (`python -m pdoc notice_factory -o docs/api`), warning-free: every
    public name on the page, with its docstring and example."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-m", "pdoc", "notice_factory", "-o", str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and "Warn" not in out.stderr + out.stdout, out.stderr
    page = (tmp_path / "notice_factory.html").read_text(encoding="utf-8")
    missing = [name for name in PUBLIC if f'id="{name}"' not in page]
    assert missing == []
    assert "python -m pdoc notice_factory -o docs/api" in (REPO / "README.md").read_text("utf-8")
    assert "nf.run_batch" in page and "RangeExhaustedError" in page
