"""`escalate`: which letter each case needs today, from the ledger's history and the ladder.

For every row of a case file (``kind`` may be empty; optional status columns
:data:`STATUS_FIELDS`), in this order:

1. the row's status columns: paid in full, plan signed, disputed, insolvency, deceased -> ``stop``;
2. the letters already sent: a letter that came back "deceased" -> ``stop``;
3. prescription (the ladder's years from the due date, restarted by a letter's effective notice
   date where the ladder says notices interrupt it) -> ``stop``;
4. a ``kind`` given in the row is the clerk's decision -> ``send`` it (after 1-3 only);
5. the ladder: no letter yet -> its first step once ``days`` after the due date; the last
   letter pending -> ``wait``; returned "address unknown" -> ``address_search``; lost ->
   ``send`` the same kind again; otherwise the next step, once the last letter's outcome is one
   the step allows and ``days`` have passed since its effective notice date (or deadline); after
   the last step -> ``stop``.

A letter to send is validated as ``batch`` would validate it; the case file ``batch`` reads
(FILE) holds today's letters with ``kind`` filled in and ``letter_date`` = today, the status
columns left out. Nothing here reads the wall clock: the same case file, ledger and date always
give the same decisions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from notice_factory.errors import CaseError, UsageError
from notice_factory.followup import STALE_DAYS, LetterState, letter_state
from notice_factory.fsutil import atomic_write_text
from notice_factory.ladder import After, Ladder
from notice_factory.ledger import Ledger
from notice_factory.model import Locale
from notice_factory.outcomes import Outcome, rule_for
from notice_factory.records import spreadsheet_safe

# cases.py (which loads Babel) is imported where a row is checked, so that the decision's
# types load light (the public API lists them).

DECISIONS = ("send", "wait", "stop", "address_search")
ESCALATION_COLUMNS = ("case_id", "decision", "kind", "reason", "next_date")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


@dataclass(frozen=True)
class Decision:
    """What one case of the file needs today: ``decision`` is ``send`` (``kind``), ``wait``
    (until ``next_date``), ``stop`` or ``address_search``; ``reason`` says why, with its legal
    source. ``invalid``: the row itself is wrong and the clerk must correct the case file.

    >>> d = Decision(3, "FR-1", "wait", "formal_notice", "reminder pending",
    ...              dt.date(2026, 12, 20))
    >>> d.decision, d.next_date.isoformat()
    ('wait', '2026-12-20')
    """

    row: int
    case_id: str
    decision: str
    kind: str = ""
    reason: str = ""
    next_date: dt.date | None = None
    invalid: bool = False  # the row itself is wrong (the clerk must correct the case file)


@dataclass
class Escalation:
    """Every case's :class:`Decision`, in file order, and the case-file rows of the letters
    to send today (what :func:`write_escalation` writes for ``batch``).

    >>> Escalation([Decision(1, "FR-1", "send", "reminder"),
    ...             Decision(2, "FR-2", "stop", "", "paid in full")]).counts()
    {'send': 1, 'wait': 0, 'stop': 1, 'address_search': 0}
    """

    decisions: list[Decision] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {d: sum(1 for x in self.decisions if x.decision == d) for d in DECISIONS}


class _Invalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _flag(raw: Mapping[str, Any], name: str, today: dt.date) -> bool:
    """true/false/yes/no/1/0, or an ISO date: true from that day on."""
    text = _text(raw, name).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    try:
        return dt.date.fromisoformat(text) <= today
    except ValueError:
        raise _Invalid(f"field {name}: '{text}' is not true/false or a date (YYYY-MM-DD); "
                       "correct the case file") from None


def _amount(raw: Mapping[str, Any], name: str) -> Decimal:
    text = _text(raw, name) or "0"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Invalid(f"field {name}: '{text}' is not an amount such as 1234.56") from None
    if not value.is_finite() or value < 0:
        raise _Invalid(f"field {name}: '{text}' is not an amount >= 0")
    return value


def _status_stop(raw: Mapping[str, Any], ladder: Ladder, today: dt.date) -> str | None:
    """The reason a status column stops the case, or None."""
    for cond in ("deceased", "insolvency", "disputed", "plan_signed"):
        if _flag(raw, cond, today):
            return ladder.stop_text(cond, f"{cond} is set in the case file")
    paid = _amount(raw, "paid_amount")
    due = sum((_amount(raw, f) for f in ("principal", "interest", "fees", "penalties")),
              Decimal("0"))
    if paid > 0 and paid >= due:
        return ladder.stop_text("paid", "the debt is paid") + f": paid {paid} of {due}"
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _prescription_stop(ladder: Ladder, due: dt.date, history: Sequence[LetterState],
                       today: dt.date) -> str | None:
    rule = ladder.prescription
    if rule is None:
        return None
    start = due
    if rule.interrupted_by_notice:
        dates = [s.result.effective_date for s in history if s.result.effective_date]
        start = max([due, *dates])
    ends = add_years(start, rule.years)
    if today < ends:
        return None
    return (ladder.stop_text("prescription", "the claim is time-barred")
            + f": {rule.years} years from {start.isoformat()} ended on {ends.isoformat()}")


def _describe(s: LetterState) -> str:
    return f"the {s.record.kind} {s.record.number} of {s.record.letter_date.isoformat()}"


def _pending(last: LetterState, today: dt.date, stale_days: int) -> tuple[str, str]:
    if last.result.attention:
        return "wait", f"{_describe(last)}: {last.result.attention}"
    days = last.days_out(today)
    if days > stale_days:
        return "wait", (f"{_describe(last)} has no final outcome {days} days after posting: "
                        "ask the carrier (réclamation) or import its events")
    return "wait", f"{_describe(last)} has no final outcome yet: import its events"


def _next_step(ladder: Ladder, last: LetterState, today: dt.date,
               stale_days: int) -> tuple[str, str, str, dt.date | None]:
    """(decision, kind, reason, next_date) once the case has a ladder letter."""
    outcome = last.outcome
    if outcome is Outcome.PENDING:
        decision, reason = _pending(last, today, stale_days)
        return decision, "", reason, None
    if outcome is Outcome.NOT_PRESENTED_ADDRESS:
        return "address_search", "", (
            f"{_describe(last)} came back undelivered, address unknown ({_said(last)}): find "
            "the new address, correct the case file and send it again with kind set"), None
    if outcome is Outcome.LOST:
        return "send", last.record.kind, f"{_describe(last)} was lost: sent again", None
    i = ladder.index(last.record.kind)
    assert i is not None
    if i + 1 >= len(ladder.steps):
        return "stop", "", (f"the ladder ends with {_describe(last)} ({outcome.value}, deadline "
                            f"{_iso(last.deadline)}): next is court action, outside "
                            "notice-factory"), None
    step = ladder.steps[i + 1]
    if outcome not in step.allowed:
        return "stop", "", (
            f"{_describe(last)} ended {outcome.value}; {ladder.id} allows {step.kind} only "
            f"after {', '.join(o.value for o in step.allowed)} ({step.source}): decide by "
            "hand"), None
    ref = last.result.effective_date if step.after is After.EFFECTIVE else last.deadline
    if ref is None:
        rule = rule_for(ladder.locale, outcome)
        return "stop", "", (f"{_describe(last)} ended {outcome.value}, which has no effective "
                            f"notice date in {ladder.locale.value} ({rule.source}): decide by "
                            "hand"), None
    when = ref + dt.timedelta(days=step.days)
    basis = (f"{_describe(last)} {outcome.value}, effective "
             f"{_iso(last.result.effective_date)}, deadline {_iso(last.deadline)}")
    if today < when:
        return "wait", step.kind, f"{basis}: {step.kind} from {when.isoformat()}", when
    return "send", step.kind, f"{basis}; {step.source}", None


def _said(state: LetterState) -> str:
    """What the carrier said last: its code and label."""
    ev = state.result.last_event
    return "" if ev is None else " ".join(x for x in (ev.code, ev.label) if x)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "none"


def _first_step(ladder: Ladder, due: dt.date,
                today: dt.date) -> tuple[str, str, str, dt.date | None]:
    step = ladder.steps[0]
    when = due + dt.timedelta(days=step.days)
    if today < when:
        return "wait", step.kind, (f"no letter yet; {step.kind} {step.days} days after the "
                                   f"due date {due.isoformat()}"), when
    return "send", step.kind, f"no letter sent yet; first step of {ladder.id} ({step.source})", \
        None


def _history(ledger: Ledger, case_id: str, locale: Locale) -> list[LetterState]:
    return [letter_state(ledger, r, locale) for r in ledger.sent_letters(case_id=case_id)]


def _locale(raw: Mapping[str, Any]) -> Locale:
    try:
        return Locale(_text(raw, "locale"))
    except ValueError:
        raise _Invalid(f"field locale: '{_text(raw, 'locale')}' is not one of "
                       + ", ".join(loc.value for loc in Locale)) from None


def _due(raw: Mapping[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(_text(raw, "due_date"))
    except ValueError:
        raise _Invalid(f"field due_date: '{_text(raw, 'due_date')}' is not a date "
                       "(YYYY-MM-DD)") from None


def _decide(raw: Mapping[str, Any], ledger: Ledger, ladders: Mapping[str, Ladder],
            today: dt.date, stale_days: int) -> tuple[str, str, str, dt.date | None]:
    locale = _locale(raw)
    ladder = ladders.get(locale.language)
    if ladder is None or not ladder.steps:
        raise _Invalid(f"there is no escalation ladder for {locale.value} "
                       f"(templates/{locale.language}/ladder.toml)")
    stop = _status_stop(raw, ladder, today)
    if stop:
        return "stop", "", stop, None
    history = _history(ledger, _text(raw, "case_id"), locale)
    dead = next((s for s in history if s.outcome is Outcome.DECEASED), None)
    if dead is not None:
        return "stop", "", ladder.stop_text("deceased", "the debtor died") + \
            f": {_describe(dead)} came back 'deceased'", None
    stop = _prescription_stop(ladder, _due(raw), history, today)
    if stop:
        return "stop", "", stop, None
    if _text(raw, "kind"):
        return "send", _text(raw, "kind"), "kind given in the case file (the ladder is not " \
            "applied)", None
    ranked = [(s.record.letter_date, ladder.index(s.record.kind), s.record.number, s)
              for s in history if ladder.index(s.record.kind) is not None]
    if not ranked:
        return _first_step(ladder, _due(raw), today)
    last = max(ranked, key=lambda t: t[:3])[3]
    return _next_step(ladder, last, today, stale_days)


def _letter_row(raw: Mapping[str, Any], row: int, kind: str,
                today: dt.date) -> dict[str, Any]:
    """The row FILE gets, checked as ``batch`` will check it (raises CaseError)."""
    from notice_factory.cases import STATUS_FIELDS, parse_case

    out = {k: v for k, v in raw.items() if k not in STATUS_FIELDS}
    out["kind"] = kind
    out["letter_date"] = today.isoformat()
    parse_case(out, row, batch_date=today)
    return out


def decide(raw: Mapping[str, Any], row: int, ledger: Ledger, ladders: Mapping[str, Ladder],
           today: dt.date, stale_days: int = STALE_DAYS) -> tuple[Decision, dict[str, Any] | None]:
    """One case's decision, and the row to send when the decision is ``send``."""
    case_id = _text(raw, "case_id")
    try:
        decision, kind, reason, when = _decide(raw, ledger, ladders, today, stale_days)
    except _Invalid as err:
        return Decision(row, case_id, "stop", "", f"invalid row: {err.reason}", None, True), None
    if decision != "send":
        return Decision(row, case_id, decision, kind, reason, when), None
    try:
        letter = _letter_row(raw, row, kind, today)
    except CaseError as err:
        from notice_factory.cases import all_errors

        why = "; ".join(e.format_message() for e in all_errors(err))
        return Decision(row, case_id, "stop", kind, f"the {kind} cannot be sent: {why}", None,
                        True), None
    if _text(letter, "registered").lower() in ("false", "no", "0"):
        reason += ("; registered is false: the letter gets no number, so its outcome never "
                   "reaches the ledger and the ladder cannot follow it")
    return Decision(row, case_id, "send", kind, reason), letter


def escalate(rows: Sequence[tuple[int, Mapping[str, Any]]], ledger: Ledger,
             ladders: Mapping[str, Ladder], today: dt.date,
             stale_days: int = STALE_DAYS) -> Escalation:
    result = Escalation()
    for row, raw in rows:
        decision, letter = decide(raw, row, ledger, ladders, today, stale_days)
        result.decisions.append(decision)
        if letter is not None:
            result.letters.append(letter)
    return result


# --------------------------------------------------------------------------- output files


def _plain(value: Any) -> str:
    """A case-file value as text (JSON numbers and booleans as a CSV would spell them).

    >>> [_plain(v) for v in (None, True, Decimal("12.50"), 3, "x")]
    ['', 'true', '12.50', '3', 'x']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _columns(letters: Sequence[Mapping[str, Any]]) -> list[str]:
    from notice_factory.cases import FIELDS

    extra = sorted({k for r in letters for k in r} - set(FIELDS))
    if extra:
        raise UsageError("the case file has columns batch does not know: " + ", ".join(extra))
    return [f for f in FIELDS if f in ("kind", "letter_date") or any(f in r for r in letters)]


def letters_text(letters: Sequence[Mapping[str, Any]], suffix: str) -> str:
    """FILE's content, in the case-file format its suffix names (.csv, .jsonl, .json)."""
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise UsageError(f"--out must end in .csv, .jsonl or .json, not '{suffix}'")
    columns = _columns(letters)
    if suffix == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(r.get(c)) for c in columns] for r in letters])
        return buf.getvalue()
    objects = [{c: _plain(r[c]) for c in columns if r.get(c) not in (None, "")} for r in letters]
    if suffix == ".json":
        return json.dumps(objects, ensure_ascii=False, indent=1) + "\n"
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def escalation_text(decisions: Sequence[Decision]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ESCALATION_COLUMNS)
    for d in decisions:
        when = d.next_date.isoformat() if d.next_date else ""
        writer.writerow([spreadsheet_safe(d.case_id), d.decision, d.kind,
                         spreadsheet_safe(d.reason), when])
    return buf.getvalue()


def write_escalation(result: Escalation, out: Path) -> tuple[Path, Path]:
    """Write the letters to send as a case file at ``out`` (.csv, .jsonl or .json, ready for
    ``batch``) and the decisions as ``escalation.csv`` beside it, each written whole or not
    at all; returns both paths. Raises :class:`~notice_factory.errors.UsageError` for
    another suffix, or a letter row with columns ``batch`` does not know.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> files = write_escalation(Escalation([Decision(1, "FR-1", "stop", "", "paid")]),
    ...                          folder / "today.csv")
    >>> [f.name for f in files], files[0].read_text().splitlines()
    (['today.csv', 'escalation.csv'], ['kind,letter_date'])
    """
    letters = letters_text(result.letters, out.suffix.lower())
    report = out.parent / "escalation.csv"
    if report.resolve() == out.resolve():
        raise UsageError("--out cannot be named escalation.csv: that is the decisions report "
                         "written beside it", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, letters)
    atomic_write_text(report, escalation_text(result.decisions))
    return out, report
