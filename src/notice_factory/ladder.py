"""The escalation ladders: data the legal team owns, one per language (``templates/<lang>/
ladder.toml``), read and checked here; ``escalate`` applies them.

A ladder lists its steps in order (each a document kind, how many days after what it may go
out, which outcomes of the previous letter allow it, and its legal source), the prescription
clock, and the stop conditions with their sources::

    id = "fr.ladder"
    version = "1.0.0"
    locale = "fr_FR"
    [prescription]
    years = 2
    interrupted_by_notice = false       # does a letter's effective notice restart the clock?
    source = "art. L218-2 C. conso"
    [[steps]]
    kind = "reminder"
    after = "due_date"                  # the first step: days after the first unpaid instalment
    days = 0
    source = "..."
    [[steps]]
    kind = "formal_notice"
    after = "deadline"                  # "effective" (notice date) or "deadline" of the previous
    days = 1
    allowed = ["delivered", "presented_refused", "presented_unclaimed"]
    source = "art. 1344 C. civ."
    [[stops]]
    condition = "insolvency"            # paid, plan_signed, disputed, insolvency, deceased,
    source = "art. L722-2 C. conso"     # prescription
    reason = "over-indebtedness file admissible: enforcement is suspended"

>>> ladders = load_ladders()
>>> [s.kind for s in ladders["fr"].steps]
['reminder', 'formal_notice', 'lawyer_letter']
>>> [str(p) for p in check_ladders()]
[]
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from notice_factory.errors import TemplateError
from notice_factory.model import Kind, Locale
from notice_factory.outcomes import Outcome, rule_for
from notice_factory.settings import templates_root

LADDER_FILE = "ladder.toml"
STOP_CONDITIONS = ("paid", "plan_signed", "disputed", "insolvency", "deceased", "prescription")


class After(StrEnum):
    DUE_DATE = "due_date"
    EFFECTIVE = "effective"
    DEADLINE = "deadline"


@dataclass(frozen=True)
class Step:
    kind: str  # a Kind value when the ladder is sound (check_ladders says when not)
    after: After
    days: int
    allowed: tuple[Outcome, ...]
    source: str
    line: int | None = None


@dataclass(frozen=True)
class Stop:
    condition: str
    reason: str
    source: str


@dataclass(frozen=True)
class Prescription:
    years: int
    interrupted_by_notice: bool
    source: str


@dataclass(frozen=True)
class Ladder:
    id: str
    version: str
    locale: Locale
    steps: tuple[Step, ...]
    stops: Mapping[str, Stop]
    prescription: Prescription | None
    file: str

    def index(self, kind: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.kind == kind), None)

    def stop_text(self, condition: str, default: str) -> str:
        """``condition: reason [source]``, as escalation.csv prints a stop."""
        stop = self.stops.get(condition)
        reason = (stop.reason if stop else "") or default
        source = f" [{stop.source}]" if stop and stop.source else ""
        return f"{condition}: {reason}{source}"


def _lines(path: Path, header: str) -> list[int]:
    text = path.read_text(encoding="utf-8")
    return [n for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() == header]


def _fail(path: Path, why: str, line: int | None = None) -> TemplateError:
    return TemplateError(why, file=str(path), line=line)


def _step(item: Any, path: Path, i: int, line: int | None) -> Step:
    if not isinstance(item, dict):
        raise _fail(path, f"steps[{i}] must be a table", line)
    try:
        after = After(item.get("after", "effective"))
    except ValueError:
        raise _fail(path, f"steps[{i}].after: '{item.get('after')}' is not one of "
                    + ", ".join(a.value for a in After), line) from None
    days = item.get("days", 0)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise _fail(path, f"steps[{i}].days: must be a whole number of days >= 0", line)
    allowed = []
    for value in item.get("allowed", []):
        try:
            allowed.append(Outcome(value))
        except ValueError:
            raise _fail(path, f"steps[{i}].allowed: '{value}' is not an outcome ("
                        + ", ".join(o.value for o in Outcome) + ")", line) from None
    return Step(str(item.get("kind", "")), after, days, tuple(allowed),
                str(item.get("source", "")).strip(), line)


def _prescription(data: Any, path: Path) -> Prescription | None:
    if data is None:
        return None
    years = data.get("years") if isinstance(data, dict) else None
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise _fail(path, "[prescription] needs years = a whole number >= 1")
    return Prescription(years, bool(data.get("interrupted_by_notice", False)),
                        str(data.get("source", "")).strip())


def load_ladder(path: Path) -> Ladder:
    """One ladder file; structural errors raise :class:`TemplateError` with file and line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot read the ladder: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise _fail(path, f"not valid TOML: {exc}",
                    int(found.group(1)) if found else None) from None
    try:
        locale = Locale(str(data.get("locale")))
    except ValueError:
        raise _fail(path, f"locale = '{data.get('locale')}' is not one of "
                    + ", ".join(loc.value for loc in Locale)) from None
    lines = _lines(path, "[[steps]]")
    steps = tuple(_step(item, path, i, lines[i] if i < len(lines) else None)
                  for i, item in enumerate(data.get("steps", [])))
    stops = {}
    for item in data.get("stops", []):
        if isinstance(item, dict):
            cond = str(item.get("condition", ""))
            stops[cond] = Stop(cond, str(item.get("reason", "")).strip(),
                               str(item.get("source", "")).strip())
    return Ladder(str(data.get("id", "")), str(data.get("version", "")), locale, steps, stops,
                  _prescription(data.get("prescription"), path), str(path))


def load_ladders(root: Path | None = None) -> dict[str, Ladder]:
    """Every language's ladder under the templates tree (languages without one are left out)."""
    base = root or templates_root()
    out = {}
    for loc in Locale:
        path = base / loc.language / LADDER_FILE
        if path.is_file():
            out[loc.language] = load_ladder(path)
    return out


def _step_problems(ladder: Ladder, i: int, step: Step) -> list[str]:
    problems = []
    if step.kind not in {k.value for k in Kind}:
        problems.append(f"step {i + 1}: unknown kind '{step.kind}' (one of "
                        + ", ".join(k.value for k in Kind) + ")")
    if not step.source:
        problems.append(f"step {i + 1} ({step.kind}) has no legal source (source = \"...\")")
    if i == 0:
        if step.after is not After.DUE_DATE:
            problems.append("step 1 must count from the due date (after = \"due_date\")")
        return problems
    if step.after is After.DUE_DATE:
        problems.append(f"step {i + 1} ({step.kind}): only the first step counts from the due "
                        "date; use after = \"effective\" or \"deadline\"")
    dated = [o for o in step.allowed if rule_for(ladder.locale, o).basis is not None]
    if not dated:
        problems.append(
            f"step {i + 1} ({step.kind}) is unreachable: none of its allowed outcomes ("
            + (", ".join(o.value for o in step.allowed) or "none listed")
            + f") gives the previous letter an effective notice date in {ladder.locale.value}")
    if any(s.kind == step.kind for s in ladder.steps[:i]):
        problems.append(f"step {i + 1} ({step.kind}) is unreachable: the same kind is an "
                        "earlier step")
    return problems


def ladder_problems(ladder: Ladder) -> list[TemplateError]:
    """What is wrong with a ladder: unknown kind, unreachable step, missing sources."""
    out: list[tuple[str, int | None]] = []
    if not ladder.steps:
        out.append(("the ladder has no steps ([[steps]])", None))
    for i, step in enumerate(ladder.steps):
        out.extend((p, step.line) for p in _step_problems(ladder, i, step))
    for cond in STOP_CONDITIONS:
        stop = ladder.stops.get(cond)
        if stop is None or not stop.source:
            out.append((f"stop condition '{cond}' has no legal source ([[stops]] with "
                        f"condition = \"{cond}\" and source = \"...\")", None))
    for cond in ladder.stops:
        if cond not in STOP_CONDITIONS:
            out.append((f"unknown stop condition '{cond}' (one of "
                        + ", ".join(STOP_CONDITIONS) + ")", None))
    if ladder.prescription is None or not ladder.prescription.source:
        out.append(("[prescription] needs years and a source", None))
    return [TemplateError(why, file=ladder.file, line=line) for why, line in out]


def check_ladders(root: Path | None = None) -> list[TemplateError]:
    """Every problem of every ladder of a templates tree (a missing ladder is one)."""
    base = root or templates_root()
    problems: list[TemplateError] = []
    for loc in Locale:
        path = base / loc.language / LADDER_FILE
        if not path.is_file():
            problems.append(_fail(path, f"language {loc.language} has no escalation ladder"))
            continue
        try:
            problems.extend(ladder_problems(load_ladder(path)))
        except TemplateError as err:
            problems.append(err)
    return problems
