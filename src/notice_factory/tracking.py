"""`tracking import`: carrier events into the ledger, in three formats.

- ``csv``: a generic CSV (``tracking_number,event_at,code,label`` and an optional ``operator``;
  ``event_at`` an ISO date or date-time) that any carrier export can be turned into;
- ``laposte-json``: La Poste Suivi v2 responses (``shipment.idShip``, ``shipment.event[]`` with
  ``date``, ``code``, ``label``), one response, a list of them, or bare shipments;
- ``maileva``: Maileva-style recipients (``registeredNumber`` with ``deliveryStatuses[]`` of
  ``code``, ``date``, ``label``, or ``lastDeliveryStatus`` / ``lastDeliveryStatusDate``).

Codes are read with the operator's code table (:mod:`notice_factory.carriers`): the row's
``operator`` (key or name), else the format's own (La Poste, Maileva), else the operator the
letter was numbered with. A row that cannot be used (unknown number, malformed, unknown code) is
reported with where it is and why, and never stops the others. The same event imported twice is
stored once (the ledger keys events on number, code and time), and events may come in any order:
the outcome is computed from their times, not their order of arrival.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_factory.carriers import CodeBook
from notice_factory.errors import EventsFileError, UsageError
from notice_factory.ledger import CarrierEvent, Ledger

FORMATS = ("csv", "laposte-json", "maileva")
CSV_COLUMNS = ("tracking_number", "event_at", "code", "label", "operator")
_CSV_REQUIRED = ("tracking_number", "event_at", "code")


@dataclass(frozen=True)
class RawEvent:
    """One event as read from the file, before it is checked against the ledger."""

    where: str  # "row 5", "item 2, event 3": what a clerk looks for in the file
    number: str
    at: str
    code: str
    label: str = ""
    operator: str = ""


@dataclass(frozen=True)
class Problem:
    """One row of an events file that was not imported, and why.

    >>> Problem("row 3", "RR1FR", "unknown code ZZ9").format_message("events.csv")
    'events.csv: row 3 (RR1FR): unknown code ZZ9'
    """

    where: str
    number: str
    reason: str

    def format_message(self, source: str) -> str:
        return f"{source}: {self.where}" + (f" ({self.number})" if self.number else "") + \
            f": {self.reason}"


@dataclass
class ImportReport:
    """What :func:`~notice_factory.api.import_tracking` did with an events file: events
    ``read``, ``added`` to the ledger, ``duplicates`` already there, and one :class:`Problem`
    (where, number, reason) per row not imported.

    >>> ImportReport("events.csv", "csv", read=3, added=2, duplicates=1).as_dict()["added"]
    2
    """

    source: str
    format: str
    read: int = 0
    added: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "format": self.format, "read": self.read,
                "added": self.added, "duplicates": self.duplicates,
                "problems": [{"where": p.where, "tracking_number": p.number,
                              "reason": p.reason} for p in self.problems]}


def normalise_time(text: str) -> str:
    """An ISO date or date-time, in one spelling (so the same event is the same text).

    >>> normalise_time("2026-03-03"), normalise_time("2026-03-03T11:02+01:00")
    ('2026-03-03', '2026-03-03T11:02:00+01:00')
    >>> normalise_time("2026-03-03 11:02:07Z")
    '2026-03-03T11:02:07+00:00'
    >>> normalise_time("03/03/2026")
    Traceback (most recent call last):
    ...
    ValueError: '03/03/2026' is not an ISO date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)
    """
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        return dt.datetime.fromisoformat(value).isoformat(timespec="seconds")
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO date (YYYY-MM-DD) or date-time "
                         "(YYYY-MM-DDTHH:MM)") from None


def _number(text: object) -> str:
    return "".join(str(text or "").split()).upper()


# --------------------------------------------------------------------------- readers


def _csv_events(text: str, source: str, problems: list[Problem]) -> Iterator[RawEvent]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in _CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        why = []
        if missing:
            why.append("the header lacks " + ", ".join(missing))
        if unknown:
            why.append("unknown column(s) " + ", ".join(unknown))
        raise EventsFileError("; ".join(why) + "; the columns are " + ", ".join(CSV_COLUMNS)
                              + " (label and operator optional)", file=source, line=1)
    start = reader.line_num + 1
    for record in reader:
        row, start = start, reader.line_num + 1
        if not any(c.strip() for c in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(f"row {row}", "", f"{len(record)} cells for "
                                    f"{len(header)} columns; correct the row"))
            continue
        cells = dict(zip(header, (c.strip() for c in record), strict=True))
        yield RawEvent(f"row {row}", _number(cells["tracking_number"]), cells["event_at"],
                       cells["code"], cells.get("label", ""), cells.get("operator", ""))


def _shipments(data: Any) -> Iterator[tuple[int, Any]]:
    items = data if isinstance(data, list) else [data]
    yield from enumerate(items, start=1)


def _laposte_events(data: Any, problems: list[Problem]) -> Iterator[RawEvent]:
    for i, item in _shipments(data):
        where = f"item {i}"
        if not isinstance(item, dict):
            problems.append(Problem(where, "", "not a La Poste shipment object"))
            continue
        ship = item.get("shipment", item)
        code = item.get("returnCode", 200)
        number = _number(ship.get("idShip") if isinstance(ship, dict) else "")
        if code != 200 or not isinstance(ship, dict):
            problems.append(Problem(where, number, f"La Poste answered returnCode {code} "
                                    f"({item.get('returnMessage', 'no shipment')}); ask again "
                                    "later"))
            continue
        events = ship.get("event", [])
        if not number or not isinstance(events, list):
            problems.append(Problem(where, number, "a shipment needs idShip and an event list"))
            continue
        for j, ev in enumerate(events, start=1):
            if not isinstance(ev, dict):
                problems.append(Problem(f"{where}, event {j}", number, "not an event object"))
                continue
            yield RawEvent(f"{where}, event {j}", number, str(ev.get("date", "")),
                           str(ev.get("code", "")), str(ev.get("label", "")), "la-poste")


def _first(obj: Mapping[str, Any], *names: str) -> str:
    for name in names:
        if obj.get(name) not in (None, ""):
            return str(obj[name])
    return ""


def _maileva_events(data: Any, problems: list[Problem]) -> Iterator[RawEvent]:
    items = data.get("recipients", data) if isinstance(data, dict) else data
    for i, rec in _shipments(items):
        where = f"recipient {i}"
        if not isinstance(rec, dict):
            problems.append(Problem(where, "", "not a recipient object"))
            continue
        number = _number(_first(rec, "registeredNumber", "registered_number"))
        statuses = rec.get("deliveryStatuses", rec.get("delivery_statuses"))
        if statuses is None and _first(rec, "lastDeliveryStatus"):
            statuses = [{"code": rec["lastDeliveryStatus"],
                         "date": _first(rec, "lastDeliveryStatusDate"),
                         "label": _first(rec, "statusDetail")}]
        if not number or not isinstance(statuses, list):
            problems.append(Problem(where, number, "a recipient needs registeredNumber and "
                                    "deliveryStatuses (or lastDeliveryStatus)"))
            continue
        for j, st in enumerate(statuses, start=1):
            if not isinstance(st, dict):
                problems.append(Problem(f"{where}, status {j}", number, "not a status object"))
                continue
            yield RawEvent(f"{where}, status {j}", number, _first(st, "date", "statusDate"),
                           _first(st, "code", "status"), _first(st, "label", "description"),
                           "maileva")


def read_events(path: Path, fmt: str, problems: list[Problem]) -> list[RawEvent]:
    """Every event of the file; unusable parts become problems. Raises EventsFileError when the
    file as a whole cannot be read (not UTF-8, not JSON, a CSV without its columns)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown events format '{fmt}'; use one of {', '.join(FORMATS)}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise EventsFileError(f"cannot read the events file: {exc.strerror}",
                              file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise EventsFileError(f"the events file is not UTF-8 text (byte {exc.start}); save it "
                              "as UTF-8", file=str(path)) from None
    if fmt == "csv":
        return list(_csv_events(text, str(path), problems))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventsFileError(f"not valid JSON ({exc.msg}); is --format right?",
                              file=str(path), line=exc.lineno) from None
    reader = _laposte_events if fmt == "laposte-json" else _maileva_events
    return list(reader(data, problems))


def guess_format(path: Path) -> str:
    """``csv`` for .csv files; for JSON, ``laposte-json`` unless it looks like Maileva's."""
    if path.suffix.lower() == ".csv":
        return "csv"
    try:
        head = path.read_text(encoding="utf-8-sig")[:4000]
    except (OSError, UnicodeDecodeError):
        return "csv"
    return "maileva" if "registeredNumber" in head or "registered_number" in head \
        else "laposte-json"


# --------------------------------------------------------------------------- import


def _checked(raw: RawEvent, ledger: Ledger, codes: CodeBook,
             source: str) -> CarrierEvent | Problem:
    if not raw.number:
        return Problem(raw.where, "", "no tracking number")
    record = ledger.record(raw.number)
    if record is None:
        return Problem(raw.where, raw.number, "this tracking number is not in the ledger (a "
                       "letter of another sender, or a typo); check the number")
    try:
        at = normalise_time(raw.at)
    except ValueError as err:
        return Problem(raw.where, raw.number, f"event_at: {err}")
    if not raw.code.strip():
        return Problem(raw.where, raw.number, "no event code")
    named = raw.operator or record.operator
    op = codes.resolve(named)
    if op is None:
        return Problem(raw.where, raw.number, f"no code table for operator '{named}' (known: "
                       f"{codes.known()}); name one in the operator column or add a table "
                       "with --codes")
    read = op.classify(raw.code, raw.label)
    if read is None:
        return Problem(raw.where, raw.number, f"unknown {op.key} code '{raw.code}'"
                       + (f" ('{raw.label}')" if raw.label else "")
                       + "; add it to a code table (--codes FILE) and import again")
    status, outcome = read
    return CarrierEvent(raw.number, op.key, raw.code.strip().upper(), raw.label, at,
                        status.value, outcome.value if outcome else "", source)


def import_events(path: Path, ledger: Ledger, codes: CodeBook,
                  fmt: str | None = None) -> ImportReport:
    """Read an events file into the ledger; see the module docstring."""
    chosen = fmt or guess_format(path)
    report = ImportReport(str(path), chosen)
    raws = read_events(path, chosen, report.problems)
    report.read = len(raws) + len(report.problems)
    good: list[CarrierEvent] = []
    for raw in raws:
        checked = _checked(raw, ledger, codes, f"{path.name} ({chosen})")
        if isinstance(checked, Problem):
            report.problems.append(checked)
        else:
            good.append(checked)
    report.problems.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p.where)])
    report.added = ledger.add_carrier_events(good)
    report.duplicates = len(good) - report.added
    return report
