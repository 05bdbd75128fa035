"""bench/after_dispatch.py runs and gives every figure (no timing is asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "after_dispatch.py"


def test_fifty_letters(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("nf_bench_after_dispatch", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.run(50, tmp_path, seed=3)
    assert figures["added"] > 50 and figures["reimport_added"] == 0
    decided = sum(v for k, v in figures.items() if k.startswith("decision_"))
    assert decided == 50
    for key in ("import_s", "reimport_s", "report_s", "escalate_s"):
        assert figures[key] >= 0
