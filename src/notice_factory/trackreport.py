"""`tracking report`: where every letter that went out stands, as text, JSON or HTML.

Per letter: number, case, kind, last event, legal outcome, effective notice date and the
deadline running from it. Per batch: letters per outcome, letters still without a final
outcome ``stale_days`` after their letter date, and returned letters that need an address
search. The HTML report draws the outcomes per batch as an inline SVG bar chart (no script,
no network); every value from the ledger is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import asdict, dataclass, field
from typing import Any

from notice_factory.followup import STALE_DAYS, letter_state
from notice_factory.ledger import Ledger
from notice_factory.outcomes import Outcome

COLOURS = {
    Outcome.DELIVERED: "#2e7d32", Outcome.PRESENTED_REFUSED: "#ef6c00",
    Outcome.PRESENTED_UNCLAIMED: "#f9a825", Outcome.NOT_PRESENTED_ADDRESS: "#c62828",
    Outcome.DECEASED: "#424242", Outcome.LOST: "#6a1b9a", Outcome.PENDING: "#90a4ae",
}


@dataclass(frozen=True)
class LetterLine:
    number: str
    case_id: str
    kind: str
    batch_id: str
    letter_date: str
    locale: str
    last_event: str  # "2026-03-02 AG1 available_for_pickup: En attente..." or ""
    outcome: str
    outcome_date: str
    effective_date: str
    deadline: str
    stale: bool
    address_search: bool
    attention: str


@dataclass
class BatchLine:
    batch_id: str
    letters: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    stale: list[str] = field(default_factory=list)
    address_search: list[str] = field(default_factory=list)


@dataclass
class TrackingReport:
    """Where every letter sent stands on ``as_of``: one :class:`LetterLine` per letter (last
    event, outcome, effective notice date, deadline, flags) and one :class:`BatchLine` per
    batch (counts per outcome, stale letters, address searches). Made by
    :func:`~notice_factory.api.tracking_report`; ``as_dict()`` is ``tracking report --json``.

    >>> TrackingReport("2026-12-01", 30, [], [BatchLine("b-1")]).as_dict()["batches"][0]["letters"]
    0
    """

    as_of: str
    stale_days: int
    letters: list[LetterLine]
    batches: list[BatchLine]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def build_report(ledger: Ledger, *, as_of: dt.date, batch_id: str | None = None,
                 stale_days: int = STALE_DAYS) -> TrackingReport:
    letters: list[LetterLine] = []
    batches: dict[str, BatchLine] = {}
    for record in ledger.sent_letters(batch_id=batch_id):
        state = letter_state(ledger, record)
        res = state.result
        ev = res.last_event
        last = (f"{ev.at[:10]} {ev.code} {ev.status.value}" + (f": {ev.label}" if ev.label else "")
                if ev else "")
        stale = res.outcome is Outcome.PENDING and state.days_out(as_of) > stale_days
        line = LetterLine(
            record.number, record.case_id, record.kind, record.batch_id,
            record.letter_date.isoformat(), state.locale.value if state.locale else "", last,
            res.outcome.value, _day(res.outcome_date), _day(res.effective_date),
            _day(state.deadline), stale, res.outcome is Outcome.NOT_PRESENTED_ADDRESS,
            res.attention)
        letters.append(line)
        batch = batches.setdefault(record.batch_id, BatchLine(record.batch_id))
        batch.letters += 1
        batch.outcomes[line.outcome] += 1
        if stale:
            batch.stale.append(record.number)
        if line.address_search:
            batch.address_search.append(record.number)
    return TrackingReport(as_of.isoformat(), stale_days, letters, list(batches.values()))


# --------------------------------------------------------------------------- text


def report_text(report: TrackingReport) -> str:
    """The report as plain text: a table of letters, then one paragraph per batch."""
    out = [f"tracking report as of {report.as_of}", *_letter_table(report.letters)]
    for b in report.batches:
        out += _batch_lines(b, report.stale_days)
    out += [f"attention {x.number} ({x.case_id}): {x.attention}"
            for x in report.letters if x.attention]
    return "\n".join(out) + "\n"


def _letter_table(letters: list[LetterLine]) -> list[str]:
    header = ("number", "case", "kind", "outcome", "effective", "deadline", "last event")
    rows = [(x.number, x.case_id, x.kind, x.outcome, x.effective_date or "-",
             x.deadline or "-", x.last_event or "(no event)") for x in letters]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=False)) + "  " + r[-1]
            for r in [header, *rows]]


def _batch_lines(batch: BatchLine, stale_days: int) -> list[str]:
    counts = ", ".join(f"{k} {v}" for k, v in batch.outcomes.items() if v)
    lines = [f"batch {batch.batch_id}: {batch.letters} letter(s): {counts}"]
    if batch.stale:
        lines.append(f"  no final outcome after {stale_days} days: " + ", ".join(batch.stale))
    if batch.address_search:
        lines.append("  returned, address unknown (address search): "
                     + ", ".join(batch.address_search))
    return lines


# --------------------------------------------------------------------------- HTML


def _legend(y: int) -> tuple[str, float]:
    parts, x = [], 0.0
    for outcome in Outcome:
        parts.append(f'<rect x="{x:.0f}" y="{y - 10}" width="10" height="10" '
                     f'fill="{COLOURS[outcome]}"/><text x="{x + 14:.0f}" y="{y}" '
                     f'font-size="10">{outcome.value}</text>')
        x += 14 + 6 * len(outcome.value) + 12
    return "".join(parts), x


def _chart(batches: list[BatchLine]) -> str:
    """One horizontal stacked bar per batch, one colour per outcome, as inline SVG."""
    bar_w, row_h, label_w = 480, 28, 220
    legend, legend_w = _legend(10 + len(batches) * row_h + 14)
    width = max(label_w + bar_w + 20, legend_w)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
             f'height="{row_h * len(batches) + 40}" role="img" aria-label="outcomes per batch">']
    for i, b in enumerate(batches):
        y = 10 + i * row_h
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{html.escape(b.batch_id[:32])}'
                     "</text>")
        x = float(label_w)
        for outcome in Outcome:
            n = b.outcomes[outcome.value]
            if not n:
                continue
            w = bar_w * n / max(b.letters, 1)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" '
                         f'fill="{COLOURS[outcome]}"><title>{outcome.value}: {n}</title></rect>')
            if w >= 16:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 14}" font-size="11" '
                             f'text-anchor="middle" fill="#fff">{n}</text>')
            x += w
    parts.append(legend + "</svg>")
    return "".join(parts)


def report_html(report: TrackingReport) -> str:
    e = html.escape
    cols = ("number", "case", "kind", "batch", "letter date", "outcome", "effective", "deadline",
            "last event", "attention")
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(v)}</td>" for v in (
            x.number, x.case_id, x.kind, x.batch_id, x.letter_date, x.outcome,
            x.effective_date, x.deadline, x.last_event, x.attention)) + "</tr>"
        for x in report.letters)
    summary = "".join(
        f"<li>{e(b.batch_id)}: {b.letters} letter(s); "
        + ", ".join(f"{e(k)} {v}" for k, v in b.outcomes.items() if v)
        + (f"; no final outcome after {report.stale_days} days: {e(', '.join(b.stale))}"
           if b.stale else "")
        + (f"; address search: {e(', '.join(b.address_search))}" if b.address_search else "")
        + "</li>" for b in report.batches)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>Tracking report {e(report.as_of)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style></head><body>"
        f"<h1>Tracking report as of {e(report.as_of)}</h1><h2>Outcomes per batch</h2>"
        f"{_chart(report.batches)}<ul>{summary}</ul><h2>Letters</h2><table><thead><tr>"
        + "".join(f"<th>{c}</th>" for c in cols)
        + f"</tr></thead><tbody>{rows}</tbody></table></body></html>\n")
